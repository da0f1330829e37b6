"""A Python reader follows versions a real Java writer publishes (shm4j.dataset)."""

import glob
import os
import subprocess
import sys

import numpy as np
import pytest

from shm4j import shm_dir
from shm4j.dataset import Dataset

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JAVA = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"


def _classpath():
    dirs = [os.path.join(ROOT, m, "target", "classes") for m in
            ("shm4j-segment", "shm4j-array", "shm4j-frame", "shm4j-dataset")]
    dirs.append(os.path.join(ROOT, "shm4j-dataset", "target", "test-classes"))
    missing = [d for d in dirs if not os.path.isdir(d)]
    if missing:
        pytest.fail(f"Java classes not built: missing={missing}; run ./mvnw -B verify (or ./run-tests) first")
    m2 = os.path.expanduser("~/.m2/repository")
    jars = glob.glob(f"{m2}/org/apache/arrow/arrow-format/*/arrow-format-*.jar")
    jars += glob.glob(f"{m2}/com/google/flatbuffers/flatbuffers-java/*/flatbuffers-java-*.jar")
    return os.pathsep.join(dirs + jars)


def _java(*args, props=(), **kw):
    java = JAVA if os.path.exists(JAVA) else "java"
    cmd = [java, "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-Xmx256m",
           f"-Dshm4j.dir={shm_dir()}", *props, "-cp", _classpath(), "io.shm4j.dataset.DatasetPublisher", *args]
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


@pytest.mark.parametrize("stock", [False, True], ids=["fresh-pages", "page-stock"])
def test_python_follows_versions_java_publishes_and_never_sees_a_torn_one(stock):
    # page-stock: the writer reuses the pages of replaced versions (1 MiB each) once nobody maps
    # them; the version this reader holds from the start must never be among them
    name = f"shm4jtest-py{os.getpid()}-ds"
    versions = 200
    elements = 1 << 17 if stock else 4096
    writer = (_java(name, str(versions), str(elements), "copy", props=["-Dshm4j.pageStock=64m"]) if stock
              else _java(name, str(versions), str(elements)))
    try:
        # the writer creates the dataset, publishes version 1, says READY, then waits for a line
        line = writer.stdout.readline()
        assert line.strip() == "READY", (line, writer.stderr.read() if writer.poll() is not None else "")
        seen = []
        with Dataset(name) as ds:
            assert ds.kind == "array"
            k, a = ds.current()
            assert k == 1 and a.dtype == np.int64 and a.shape == (elements,)
            held_k, held = k, a
            writer.stdin.write("go\n")
            writer.stdin.flush()
            while True:
                k, a = ds.current()
                # every element of version k is k: one version per read, nothing torn
                assert a.min() == k and a.max() == k, (k, a.min(), a.max())
                if not seen or seen[-1] != k:
                    assert not seen or k > seen[-1], ("went backwards", seen[-1], k)
                    seen.append(k)
                if k == versions:
                    break
            # the version held from the start is still readable though its name is gone
            assert held_k == 1 and held.min() == 1 and held.max() == 1
            assert not os.path.exists(os.path.join(shm_dir(), f"{name}@v1"))
            if stock:
                # read after the last publish, with version 1 still held here
                line = writer.stdout.readline()
                assert line.startswith("REUSED "), (line, writer.stderr.read() if writer.poll() is not None else "")
                assert int(line.split()[1]) > 0, "no version was written into a replaced version's pages"
                assert held.min() == 1 and held.max() == 1
        writer.stdin.write("done\n")
        writer.stdin.flush()
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
        assert len(seen) >= 2
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    # the writer's scoped dataset is gone with it, versions included
    assert not [f for f in os.listdir(shm_dir()) if f.startswith(name)]


def _nice(tid):
    """Field 19 of /proc/self/task/TID/stat (the fields after the command name start at 3)."""
    with open(f"/proc/self/task/{tid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19 - 3])


def _mapped_versions(name):
    with open("/proc/self/maps") as f:
        return {os.path.basename(line.split()[5]) for line in f if f"/{name}@v" in line}


def test_python_follower_hands_threads_only_whole_versions_and_drops_replaced_ones():
    import threading
    import time

    name = f"shm4jtest-pyf{os.getpid()}-ds"
    versions = 100
    writer = _java(name, str(versions), "4096")
    try:
        line = writer.stdout.readline()
        assert line.strip() == "READY", (line, writer.stderr.read() if writer.poll() is not None else "")
        ds = Dataset(name).follow(poll=0.001)
        try:
            with pytest.raises(RuntimeError):
                ds.follow()
            # the follower's thread, and it alone, runs at a low priority
            deadline = time.monotonic() + 30
            while ds.follower_tid == 0 and time.monotonic() < deadline:
                time.sleep(0.001)
            assert ds.follower_nice == 10 and _nice(ds.follower_tid) == 10
            assert _nice(threading.get_native_id()) == _nice(os.getpid())
            errors, seen = [], [[] for _ in range(3)]
            deadline = time.monotonic() + 120

            def read(mine):
                try:
                    while (not mine or mine[-1] != versions) and time.monotonic() < deadline and not errors:
                        k, a = ds.current()
                        assert a.min() == k and a.max() == k, (k, a.min(), a.max())
                        assert not mine or k >= mine[-1], ("went backwards", mine[-1], k)
                        if not mine or mine[-1] != k:
                            mine.append(k)
                except Exception as e:  # noqa: BLE001 - reported below
                    errors.append(e)

            threads = [threading.Thread(target=read, args=(seen[i],)) for i in range(3)]
            for t in threads:
                t.start()
            writer.stdin.write("go\n")
            writer.stdin.flush()
            for t in threads:
                t.join()
            assert not errors, errors
            assert ds.current()[0] == versions and ds.switches >= 1 and ds.last_failure is None
            assert all(s and s[-1] == versions for s in seen), [s[-3:] for s in seen]
            # the replaced versions are unmapped by the follower once no thread uses them
            while len(_mapped_versions(name)) > 1 and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _mapped_versions(name) == {f"{name}@v{versions}"}
        finally:
            ds.close()
        assert not [t for t in threading.enumerate() if t.name.endswith(f"follower-{name}")]
        writer.stdin.write("done\n")
        writer.stdin.flush()
        assert writer.wait(timeout=120) == 0, writer.stderr.read()
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert not [f for f in os.listdir(shm_dir()) if f.startswith(name)]
