"""Summarises compare-layers.sh: the median of every measure per side and the new/base ratio.

A measure is a line of a benchmark's output that starts with a label, then two spaces or " = ",
then a number (the benchmarks print "label   median ..." or "label = value"); its key is the section and the label.
Header lines (sizes, settings) are skipped. Usage: python3 compare-layers.py OUT_DIR
"""
import re
import statistics
import sys
from pathlib import Path

LINE = re.compile(r"^\s*(?P<label>[A-Za-z](?:[^=\s]| (?! ))*?)\s*(?:\s=\s*|\s{2,})(?:median\s+|first\s+)?(?P<value>\d+(?:\.\d+)?)")
SKIP = ("object store benchmark", "shm4j segment benchmark", "float64 elements", "record frame",
        "interleaved", "reduction kernels", "store stats", "store counters", "durability", "round ")


def measures(log: Path) -> dict:
    out: dict = {}
    section = ""
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if any(line.strip().startswith(s) for s in SKIP):
            continue
        m = LINE.match(line)
        if m:
            key = (section, " ".join(m.group("label").split()))
            out.setdefault(key, []).append(float(m.group("value")))
    return out


def main() -> None:
    out = Path(sys.argv[1])
    base, new = measures(out / "base.log"), measures(out / "new.log")
    print(f"{'section':8} {'measure':46} {'base':>10} {'new':>10} {'new/base':>9}  runs")
    for key in sorted(set(base) & set(new), key=lambda k: (k[0], k[1])):
        b, n = statistics.median(base[key]), statistics.median(new[key])
        ratio = f"{n / b:9.2f}" if b else "        -"
        print(f"{key[0]:8} {key[1][:46]:46} {b:10.3f} {n:10.3f} {ratio}  {len(base[key])}/{len(new[key])}")
    for side, only in (("base", set(base) - set(new)), ("new", set(new) - set(base))):
        for key in sorted(only):
            print(f"only in {side}: {key[0]} {key[1]}")


if __name__ == "__main__":
    main()
