"""multiprocessing.Pool + shm4j.attach: workers read one shared array without copying it.

The parent shares the array once (a scoped segment: it dies with the parent, also after a
crash, at the next gc). Each worker attaches it once, in the Pool initializer, and every task
reads its slice from the same physical memory. Only the name and slice bounds are pickled.

    python3 examples/pool_attach.py [--start-method fork|spawn|forkserver] [--n N] [--workers W]
"""

import argparse
import multiprocessing as mp

import numpy as np

import shm4j

_data = None  # the worker's view, attached once per worker


def init_worker(name):
    global _data
    _data = shm4j.attach(name)  # read-only ndarray over the segment: no copy


def partial_sum(bounds):
    lo, hi = bounds
    return float(_data[lo:hi].sum())


def add_one_in_place(bounds):
    """Writes through a writable view of a mutable segment; disjoint slices per task."""
    lo, hi, name = bounds
    out = shm4j.attach(name, writable=True)
    out[lo:hi] += 1
    return hi - lo


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--start-method", default="fork")
    ap.add_argument("--n", type=int, default=10_000_000)
    ap.add_argument("--workers", type=int, default=4)
    args = ap.parse_args()
    ctx = mp.get_context(args.start_method)
    a = np.arange(args.n, dtype=np.float64)
    chunks = [(i * args.n // 16, (i + 1) * args.n // 16) for i in range(16)]
    with shm4j.share(a) as h, shm4j.share(np.zeros(args.n), mutable=True) as out:
        with ctx.Pool(args.workers, initializer=init_worker, initargs=(h.name,)) as pool:
            total = sum(pool.map(partial_sum, chunks))
            written = sum(pool.map(add_one_in_place, [(lo, hi, out.name) for lo, hi in chunks]))
        assert total == a.sum(), (total, a.sum())
        assert written == args.n and out.read().sum() == args.n
        print(f"sum={total:.0f} written={written} workers={args.workers} start_method={args.start_method}")
    # both segments are gone now: the owner's close removed them (scoped)


if __name__ == "__main__":
    main()
