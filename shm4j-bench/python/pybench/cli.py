"""Command line: ``python3 bench.py [options]``; see docs/bench-python.md or ``--help``.

stdout carries only results (one JSON object per line with --json, else one text line per
result); progress goes to stderr. Exit status: 0 all checks passed, 1 a pair failed or
gave a wrong answer, 2 bad usage, 130 interrupted.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import traceback

from . import workloads as wls
from .measure import log, set_quiet
from .resources import Resources, install_signal_handlers
from .strategies import STRATEGIES, missing_modules, ray_store_bytes, start_ray

_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def parse_size(text: str) -> float:
    """A factor of the default sizes ("0.1") or, with a unit, A's array size ("200MB", "1GiB")."""
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        raise argparse.ArgumentTypeError(f"bad size {text!r}: a factor like 0.1 or bytes like 200MB, 1.5GB, 1GiB")
    value = float(m.group(1))
    factor = value if not m.group(2) else value * _UNITS[m.group(2).lower()] / wls.A_DEFAULT_BYTES
    if factor <= 0:
        raise argparse.ArgumentTypeError(f"size must be positive: {text!r}")
    return factor


def _positive(text: str) -> int:
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1: {text}")
    return n


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="bench.py",
        description="shm4j benchmark, Python strategies: workloads A-D over a process pool or Ray.",
    )
    p.add_argument("--workload", default="all", help="A, B, C, D, a comma list, or all (default all)")
    p.add_argument("--strategy", default="all", help="a strategy name, a comma list, or all (default all); see --list")
    p.add_argument("--size", type=parse_size, default=1.0, metavar="F|BYTES",
                   help="factor of the default sizes (1 = A 1.5 GB, B 1000x5000, C/D 10M records), "
                        "or A's array size with a unit (200MB, 1.5GB, 1GiB) which sets the same factor for all")
    p.add_argument("--workers", type=_positive, default=2, help="worker processes (default 2)")
    p.add_argument("--reps", type=_positive, default=5, help="timed runs (default 5)")
    p.add_argument("--warmup", type=int, default=1, help="untimed runs before them (default 1)")
    p.add_argument("--tasks", default="2,8", help="workload A: task counts, comma list (default 2,8)")
    p.add_argument("--shm-dir", default=None, help="tmpfs for memmap_shm and Arrow files (default $SHM4J_DIR or /dev/shm)")
    p.add_argument("--disk-dir", default=None, help="directory on disk for memmap_disk (default the system temp dir)")
    p.add_argument("--json", action="store_true", help="one JSON object per result on stdout (JSON Lines)")
    p.add_argument("--list", action="store_true", help="print the (workload, strategy) pairs as one JSON object and exit")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return p


def list_pairs() -> dict:
    cfg = wls.Config()
    return {
        "schema": wls.SCHEMA,
        "workloads": {w: wl.description for w, wl in wls.WORKLOADS.items()},
        "pairs": [
            {
                "workload": w,
                "strategy": s,
                "description": STRATEGIES[s].description,
                "variants": [",".join(f"{k}={v}" for k, v in var.items()) for var in wls.WORKLOADS[w].variants(cfg)],
                "available": not missing_modules(STRATEGIES[s]),
                "missing": missing_modules(STRATEGIES[s]),
            }
            for w, s in wls.pairs()
        ],
    }


def select(workload_arg: str, strategy_arg: str) -> list[tuple[str, str]]:
    ws = list(wls.WORKLOADS) if workload_arg == "all" else [w.strip().upper() for w in workload_arg.split(",")]
    ss = list(STRATEGIES) if strategy_arg == "all" else [s.strip() for s in strategy_arg.split(",")]
    for w in ws:
        if w not in wls.WORKLOADS:
            raise SystemExit(f"bench.py: unknown workload {w!r}; choose from {', '.join(wls.WORKLOADS)} or all")
    for s in ss:
        if s not in STRATEGIES:
            raise SystemExit(f"bench.py: unknown strategy {s!r}; choose from {', '.join(STRATEGIES)} or all")
    chosen = [(w, s) for w, s in wls.pairs() if w in ws and s in ss]
    if not chosen:
        raise SystemExit(f"bench.py: strategy {strategy_arg} does not apply to workload {workload_arg}; see --list")
    # Ray last over all workloads: forking a pool in a process that ran Ray is unsafe.
    return sorted(chosen, key=lambda pair: STRATEGIES[pair[1]].executor_kind == "ray")


def ray_needs(chosen, cfg) -> list[int]:
    """Object store bytes each chosen Ray pair needs."""
    return [wls.WORKLOADS[w].store_bytes(wls.WORKLOADS[w].params(cfg), cfg)
            for w, s in chosen if STRATEGIES[s].executor_kind == "ray"]


def text_line(r: dict) -> str:
    if r["error"]:
        return f"{r['workload']} {r['strategy']:<12} {r['variant']:<9} ERROR {r['error']}"
    mem = r["memory"]
    mem_text = f"  worker rss/pss {mem['worker_rss_mb']:.0f}/{mem['worker_pss_mb']:.0f} MB" if mem else ""
    return (f"{r['workload']} {r['strategy']:<12} {r['variant']:<9} median {r['median_s']:.4f} s "
            f"(min {r['min_s']:.4f}, max {r['max_s']:.4f})  setup {r['setup_s']:.2f} s  "
            f"check {'ok' if r['check']['ok'] else 'FAILED'}{mem_text}")


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    set_quiet(args.quiet)
    if args.list:
        print(json.dumps(list_pairs(), indent=1))
        return 0
    try:
        tasks_a = [int(t) for t in args.tasks.split(",")]
        if any(t < 1 for t in tasks_a):
            raise ValueError
    except ValueError:
        print(f"bench.py: bad --tasks {args.tasks!r}: a comma list of positive integers", file=sys.stderr)
        return 2
    try:
        chosen = select(args.workload, args.strategy)
    except SystemExit as e:
        print(e, file=sys.stderr)
        return 2
    install_signal_handlers()
    cfg = wls.Config(workers=args.workers, reps=args.reps, warmup=args.warmup, factor=args.size, tasks_a=tasks_a)
    failed = False
    session = Resources(args.shm_dir, args.disk_dir)  # Ray, started once for all Ray pairs
    try:
        for w, s in chosen:
            if STRATEGIES[s].executor_kind == "ray" and not missing_modules(STRATEGIES[s]):
                start_ray(cfg.workers, ray_store_bytes(max(ray_needs(chosen, cfg))), session)
            missing = missing_modules(STRATEGIES[s])
            if missing:
                log(f"{w}/{s}: skipped, missing Python modules {missing}")
                continue
            for r in run_pair(w, s, cfg, args.shm_dir, args.disk_dir):
                failed |= bool(r["error"]) or not r["check"]["ok"]
                print(json.dumps(r) if args.json else text_line(r), flush=True)
    except KeyboardInterrupt:
        log("interrupted; cleaned up")
        return 130
    finally:
        session.close()
    return 1 if failed else 0


def run_pair(workload: str, strategy: str, cfg, shm_dir=None, disk_dir=None):
    """Yields the results of one pair; a failure becomes one result with ``error`` set."""
    with Resources(shm_dir, disk_dir) as res:
        try:
            yield from wls.run(workload, strategy, cfg, res)
        except Exception as e:
            log(f"{workload}/{strategy} failed:\n{traceback.format_exc()}")
            yield wls.result(workload, STRATEGIES[strategy], {}, cfg, params=None, times=[], setup={},
                             memory=None, check={"ok": False}, error=f"{type(e).__name__}: {e}")
