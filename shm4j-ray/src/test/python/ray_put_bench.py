"""Python's ray.put for workload A, driven by RayArraySumBench: connects to the cluster, builds the
float64 array a[i] = (i % 1024) * 0.5, ray.put's it once (timed), then for each "run" line on
stdin sums it in 2 Ray tasks (each maps the object zero-copy from the node's object store) and
prints the seconds and the sum as JSON."""
import json
import sys
import time

import numpy as np
import ray


@ray.remote(num_cpus=1)
def part(a, lo, hi):
    return float(a[lo:hi].sum())


def main():
    address, n = sys.argv[1], int(sys.argv[2])
    t0 = time.perf_counter()
    ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    connect = time.perf_counter() - t0
    a = np.tile(np.arange(1024, dtype=np.float64) * 0.5, n // 1024 + 1)[:n]
    t0 = time.perf_counter()
    ref = ray.put(a)
    put = time.perf_counter() - t0
    del a
    ray.get(part.remote(ref, 0, 1024))  # warm a worker
    print(json.dumps({"connect": connect, "put": put}), flush=True)
    for line in sys.stdin:
        if line.strip() != "run":
            break
        t0 = time.perf_counter()
        half = n // 2
        total = sum(ray.get([part.remote(ref, 0, half), part.remote(ref, half, n)]))
        print(json.dumps({"seconds": time.perf_counter() - t0, "sum": total}), flush=True)
    ray.shutdown()


if __name__ == "__main__":
    main()
