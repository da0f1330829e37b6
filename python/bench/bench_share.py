"""Benchmark of shm4j's Python side against the standard-library recipe, side by side in one
run, interleaved (A B A B ...), medians of --reps runs (docs/python.md, "Figures").

1. share: ``shm4j.share`` of a 1.5 GB float64 array vs ``SharedMemory(create=True)`` +
   ``np.copyto`` (target: ratio <= 1.3).
2. attach: ``shm4j.attach`` of a 1 GiB array segment vs ``np.load(mmap_mode="r")`` and
   ``SharedMemory(name=...)`` (target: <= 1 ms).
3. frame: a 10M-row pandas frame shared with ``shm4j.share``; a second process attaches it
   with pyarrow and touches every column's buffers; bytes pyarrow allocated there
   (target: 0), timed against writing the same Arrow IPC file by hand.

    python3 python/bench/bench_share.py [--size 1.5GB] [--reps 5] [--rows 10000000] [--json]

Leaves nothing in /dev/shm (every segment is removed, also on failure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import shm4j  # noqa: E402


def _size(s: str) -> int:
    units = {"GiB": 1 << 30, "MiB": 1 << 20, "GB": 10**9, "MB": 10**6}
    for u, f in units.items():
        if s.endswith(u):
            return int(float(s[: -len(u)]) * f)
    return int(s)


def _name(tag):
    return f"shm4j-bench-{tag}-{uuid.uuid4().hex[:8]}"


def bench_share(a: np.ndarray, reps: int):
    from multiprocessing import resource_tracker, shared_memory

    def run_shm4j():
        t = time.perf_counter()
        h = shm4j.share(a, name=_name("share"))
        dt = time.perf_counter() - t
        h.close()  # scoped: removes it (untimed)
        return dt

    def run_sharedmemory():
        t = time.perf_counter()
        s = shared_memory.SharedMemory(name=_name("sm"), create=True, size=a.nbytes)
        dst = np.ndarray(a.shape, a.dtype, buffer=s.buf)
        np.copyto(dst, a)
        dt = time.perf_counter() - t
        del dst
        s.close()
        s.unlink()  # also unregisters it from the resource tracker
        return dt

    run_shm4j(), run_sharedmemory()  # warm-up
    xs, ys = [], []
    for _ in range(reps):
        xs.append(run_shm4j())
        ys.append(run_sharedmemory())
    del resource_tracker
    return xs, ys


def bench_attach(nbytes: int, reps: int):
    from multiprocessing import shared_memory

    h = shm4j.share(np.zeros(nbytes // 8), name=_name("attach"))
    try:
        def run_shm4j():
            t = time.perf_counter()
            v = shm4j.attach(h.name)
            dt = time.perf_counter() - t
            assert v.nbytes == nbytes
            return dt

        def run_npload():
            t = time.perf_counter()
            v = np.load(h.path, mmap_mode="r")
            dt = time.perf_counter() - t
            assert v.nbytes == nbytes
            return dt

        def run_sharedmemory():
            t = time.perf_counter()
            s = shm4j.attach_raw(h.name) if shm4j.shm_dir() == "/dev/shm" else None
            dt = time.perf_counter() - t
            if s is not None:
                s.close()
            return dt

        for f in (run_shm4j, run_npload, run_sharedmemory):
            f()
        xs, ys, zs = [], [], []
        for _ in range(reps):
            xs.append(run_shm4j())
            ys.append(run_npload())
            zs.append(run_sharedmemory())
        return xs, ys, zs
    finally:
        h.close()


READER = r"""
import sys, time, json, pyarrow as pa, shm4j
before = pa.total_allocated_bytes()
t = time.perf_counter()
table = shm4j.attach(sys.argv[1])
touched = 0
for col in table.columns:
    for chunk in col.chunks:
        for buf in chunk.buffers():
            if buf is not None:
                touched += buf.size
                memoryview(buf)[buf.size - 1] if buf.size else None
dt = time.perf_counter() - t
print(json.dumps({"allocated": pa.total_allocated_bytes() - before, "attach_s": dt, "rows": table.num_rows,
                  "buffer_bytes": touched}))
"""


def bench_frame(rows: int, reps: int):
    import pandas as pd
    import pyarrow as pa
    import pyarrow.ipc as ipc

    i = np.arange(rows)
    df = pd.DataFrame({
        "date": np.datetime64("2020-01-01", "ns") + (i % 3650).astype("timedelta64[D]"),
        "value": np.where(i % 2 == 0, np.nan, (i % 1000) * 0.25),
        "name": pd.array(np.char.add("r", np.char.zfill((i % 1000).astype(str), 3)), dtype="string[pyarrow]"),
    })

    def run_shm4j():
        t = time.perf_counter()
        h = shm4j.share(df, name=_name("frame"), persistent=True)
        return time.perf_counter() - t, h

    def run_by_hand():
        path = os.path.join(shm4j.shm_dir(), _name("arrow"))
        t = time.perf_counter()
        table = pa.Table.from_pandas(df)
        with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, table.schema) as w:
            w.write_table(table)
        dt = time.perf_counter() - t
        os.unlink(path)
        return dt

    xs, ys, readers = [], [], []
    for _ in range(reps):
        dt, h = run_shm4j()
        xs.append(dt)
        try:
            env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE))
            out = subprocess.run([sys.executable, "-c", READER, h.name], capture_output=True, text=True,
                                 check=True, env=env, timeout=300).stdout
            readers.append(json.loads(out))
        finally:
            h.unlink()
            h.close()
        ys.append(run_by_hand())
    return xs, ys, readers, shm4j.__name__


def med(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", default="1.5GB", help="bytes of the shared array (1.5GB)")
    ap.add_argument("--attach-size", default="1GiB")
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--only", choices=["share", "attach", "frame"], action="append")
    args = ap.parse_args()
    only = set(args.only or ["share", "attach", "frame"])
    load = os.getloadavg()
    results = {"load": [round(x, 1) for x in load], "cpus": os.cpu_count(), "reps": args.reps}
    print(f"# load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} CPUs; "
          f"medians of {args.reps} interleaved runs", flush=True)
    if "share" in only:
        n = _size(args.size) // 8
        a = np.arange(n, dtype=np.float64)
        xs, ys = bench_share(a, args.reps)
        del a
        r = med(xs) / med(ys)
        results["share"] = {"bytes": n * 8, "shm4j_s": xs, "sharedmemory_copyto_s": ys, "ratio": r}
        print(f"share {n * 8 / 1e9:.2f} GB float64: shm4j.share {med(xs) * 1e3:.0f} ms, SharedMemory+copyto "
              f"{med(ys) * 1e3:.0f} ms, ratio {r:.2f} (target <= 1.3)", flush=True)
    if "attach" in only:
        nb = _size(args.attach_size)
        xs, ys, zs = bench_attach(nb, args.reps)
        results["attach"] = {"bytes": nb, "shm4j_s": xs, "np_load_mmap_s": ys, "sharedmemory_s": zs}
        print(f"attach {nb / 2**30:.2f} GiB: shm4j.attach {med(xs) * 1e6:.0f} us (target <= 1000 us), "
              f"np.load(mmap_mode='r') {med(ys) * 1e6:.0f} us, SharedMemory(name=) {med(zs) * 1e6:.0f} us",
              flush=True)
    if "frame" in only:
        xs, ys, readers, _ = bench_frame(args.rows, args.reps)
        allocated = [r["allocated"] for r in readers]
        results["frame"] = {"rows": args.rows, "shm4j_share_s": xs, "by_hand_ipc_write_s": ys,
                            "reader": readers}
        print(f"frame {args.rows:,} rows from pandas: shm4j.share {med(xs) * 1e3:.0f} ms, by hand "
              f"(from_pandas + ipc file in /dev/shm) {med(ys) * 1e3:.0f} ms, ratio {med(xs) / med(ys):.2f}; "
              f"second process: attach + touch {readers[0]['buffer_bytes'] / 1e6:.0f} MB of buffers "
              f"{med([r['attach_s'] for r in readers]) * 1e3:.1f} ms, pyarrow allocated {max(allocated)} bytes "
              f"(target 0)", flush=True)
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
