"""Summarises compare-pool.sh: medians over rounds of each PoolBench measure and of each pool
strategy of workloads A-D, base vs new, with the ratio new/base of the medians and the median of
the per-round ratios (each round runs both builds back to back, so its ratio saw the same load)
(for times, < 1 is faster; for rates, > 1 is faster)."""
import csv
import glob
import math
import os
import re
import statistics
import sys

out = sys.argv[1]


def pool_measures(side):
    values = {}
    path = os.path.join(out, f"pool-{side}.log")
    if not os.path.exists(path):  # WORKLOADS_ONLY=1
        return values
    with open(path) as f:
        for line in f:
            m = re.match(r"(\S.*?)\s+median\s+(\S+)", line)
            if m:
                v = m.group(2).replace(",", "")
                values.setdefault(m.group(1).strip(), []).append(float(v))
    return values


def bench_measures(side):
    values = {}
    for path in sorted(glob.glob(os.path.join(out, f"bench-{side}-*", "results.csv"))):
        with open(path) as f:
            for row in csv.DictReader(f):
                if row["language"] != "java" or row["check"] != "ok":
                    continue
                key = f"{row['workload']} {row['strategy']} {row['variant']} (s)"
                values.setdefault(key, []).append(float(row["median_s"]))
    return values


def fmt(v):
    if math.isinf(v):
        return "blocked"
    if math.isnan(v):
        return "n/a"
    return f"{v:,.4g}"


for title, measures in (("PoolBench", pool_measures), ("workloads A-D (median of medians)", bench_measures)):
    base, new = measures("base"), measures("new")
    print(f"\n{title}: {'measure':58s} {'base':>12s} {'new':>12s} {'new/base':>9s} {'paired':>7s}  rounds")
    for key in base:
        if key not in new:
            continue
        b, n = statistics.median(base[key]), statistics.median(new[key])
        ratio = n / b if b and not math.isinf(b) and not math.isnan(b) and not math.isnan(n) else float("nan")
        pairs = [y / x for x, y in zip(base[key], new[key])
                 if x and not any(math.isinf(v) or math.isnan(v) for v in (x, y))]
        paired = statistics.median(pairs) if pairs else float("nan")
        print(f"  {key:68s} {fmt(b):>12s} {fmt(n):>12s} {ratio:9.3f} {paired:7.3f}  {len(base[key])}/{len(new[key])}")
