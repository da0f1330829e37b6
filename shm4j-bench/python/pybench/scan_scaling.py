"""Workload E's Python scan, by one process and by two at once, over one shared matrix.

    python3 -m pybench.scan_scaling [--size F] [--rounds N] [--scans N] [--dir DIR] [--batch B,B...]

The same ``top_k`` as the Python worker (``serve.py``: numpy ``matrix @ q``, one BLAS thread,
then ``argpartition``) over a ``rows x 64`` float32 ``.npy`` file in DIR (default ``SHM4J_DIR``,
else ``/dev/shm``), mapped by each process (``np.load(mmap_mode="r")``); rounds interleaved
(1 process, 2 processes, ...), medians. Prints scans per second and CPU time per scan: if two
processes get less than 1.8x the scans of one while each scan takes more CPU, a shared resource
(memory bandwidth, a shared core) bounds workload E's throughput target; the same CPU per scan
but fewer scans means the processes waited for a core. Removes its file when done.
"""
import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the workers run numpy
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402 - after the thread settings

from pybench.serve import DIM, _top_k_row, top_k  # noqa: E402


def _worker(path, scans, seed, start, out, batch):
    m = np.load(path, mmap_mode="r")
    rng = np.random.default_rng(seed)
    qs = rng.uniform(-1, 1, size=(scans, DIM)).astype("<f4")
    top_k(m, qs[0], 10)  # this process's first touch of every page, before the clock
    start.wait()
    c0 = time.process_time()
    if batch == 0:
        for q in qs:
            top_k(m, q, 10)
    else:  # the Python worker's micro-batch: one matmul per batch, each row read once
        for i in range(0, scans, batch):
            for row in qs[i:i + batch] @ m.T:
                _top_k_row(row, 10)
    out.put(time.process_time() - c0)


def run(path, procs, scans, batch=0):
    ctx = mp.get_context("fork")
    start = ctx.Barrier(procs + 1)
    out = ctx.Queue()
    ps = [ctx.Process(target=_worker, args=(path, scans, i, start, out, batch)) for i in range(procs)]
    for p in ps:
        p.start()
    start.wait()
    t0 = time.perf_counter()
    cpu = [out.get(timeout=600) for _ in ps]
    wall = time.perf_counter() - t0
    for p in ps:
        p.join(60)
    return procs * scans / wall, sum(cpu) * 1e3 / (procs * scans)


def load():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=float, default=1.0)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scans", type=int, default=10)
    ap.add_argument("--dir", default=os.environ.get("SHM4J_DIR") or "/dev/shm")
    ap.add_argument("--batch", default="0", help="queries per pass, comma-separated (0: one top_k per query)")
    a = ap.parse_args(argv)
    batches = [int(b) for b in a.batch.split(",")]
    rows = int(round(a.size * 1_000_000))
    fd, path = tempfile.mkstemp(prefix="shm4j-scan-", suffix=".npy", dir=a.dir)
    os.close(fd)
    try:
        m = np.random.default_rng(1).uniform(-1, 1, size=(rows, DIM)).astype("<f4")
        np.save(path, m)
        del m
        print(f"python scan scaling: {rows} x {DIM} float32 ({rows * DIM * 4 / 2**20:.1f} MiB) in {a.dir},"
              f" {a.rounds} rounds of {a.scans} scans per process, load {load()}", flush=True)
        for batch in batches:
            kernel = "top_k per query" if batch == 0 else f"Q @ matrix.T, {batch} queries per pass"
            print(f"kernel: {kernel}", flush=True)
            ratios, one, two, c1, c2 = [], [], [], [], []
            for r in range(a.rounds):
                s1, cpu1 = run(path, 1, a.scans, batch)
                s2, cpu2 = run(path, 2, a.scans, batch)
                one.append(s1), two.append(s2), c1.append(cpu1), c2.append(cpu2), ratios.append(s2 / s1)
                print(f"  round {r + 1}: 1 process {s1:.1f} queries/s ({cpu1:.1f} ms CPU/query); 2 processes"
                      f" {s2:.1f} queries/s ({cpu2:.1f} ms CPU/query): {s2 / s1:.2f}x  (load {load()})", flush=True)
            med = statistics.median
            print(f"medians ({kernel}): 1 process {med(one):.1f} queries/s ({med(c1):.1f} ms CPU per query),"
                  f" 2 processes {med(two):.1f} queries/s ({med(c2):.1f} ms CPU per query); 2 / 1 = {med(ratios):.2f}x"
                  f" queries/s (per round ratio median), CPU per query x{med(c2) / med(c1):.2f}; load {load()}")
    finally:
        os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
