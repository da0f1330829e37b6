"""A Python Ray driver calls shm4j Java tasks and maps their results, zero-copy.

The NumPy array is shared as a shm4j segment (a .npy file in the shm directory); only its name
travels to the Java task, which maps the same memory. The Java task writes its result into a
new segment owned by this process and returns the name; this process maps it with NumPy.

Run on a node of a Ray cluster whose Java workers can load shm4j (run from the repository):

    python python/examples/ray_cross_language.py 127.0.0.1:6379 "<shm4j-ray jar and its dependencies, ':'-separated>"

The second argument is the code search path of the Java workers: the shm4j jars (shm4j-ray,
shm4j-pool, shm4j-array, shm4j-segment, ... as `mvn dependency:build-classpath` prints them),
never Ray's own jar. Prints OK and exits 0 when the Java results match NumPy's.
"""
import os
import sys

import numpy as np
import ray
from ray.job_config import JobConfig

import shm4j


def main(address: str, code_search_path: str) -> int:
    ray.init(address=address, logging_level="ERROR", log_to_driver=False,
             job_config=JobConfig(code_search_path=code_search_path.split(os.pathsep),
                                  jvm_options=["--enable-native-access=ALL-UNNAMED",
                                               "--add-modules=jdk.incubator.vector"]))
    try:
        total = ray.cross_language.java_function("io.shm4j.ray.CrossLanguage", "sum")
        scale = ray.cross_language.java_function("io.shm4j.ray.CrossLanguage", "scale")
        a = np.arange(1_000_000, dtype=np.float64) * 0.25
        with shm4j.share(a) as shared:                     # owned by this process
            java_sum = ray.get(total.remote(shared.name))   # the Java worker maps the same pages
            assert java_sum == a.sum(), (java_sum, a.sum())
            name = ray.get(scale.remote(shared.name, 2.0, str(os.getpid())))
            doubled = shm4j.attach(name)                    # a NumPy view of the Java result, no copy
            assert doubled.shape == a.shape and np.array_equal(doubled, a * 2.0)
            shm4j.handle(name).unlink()                     # ours: remove it now (it would die with us anyway)
        print(f"OK sum={java_sum} doubled[-1]={doubled[-1]}")
        return 0
    finally:
        ray.shutdown()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
