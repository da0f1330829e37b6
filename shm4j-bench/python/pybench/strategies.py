"""The strategies: where a workload's data lives and how tasks reach it, and the executor
(a fork-based process pool or Ray) that runs the tasks.

A strategy answers four questions for a workload (see workloads.py for the callers):
    alloc(key, shape)         where an input array is built (driver memory, RawArray, a file,
                              a SharedMemory block) -- the builder writes straight into it
    share(key, obj) -> ref    what tasks receive for it (the object itself, a GlobalRef, a
                              ShmRef, a FileRef, an ArrowFileRef, a Ray ObjectRef); timed
                              as setup "put_s"
    alloc_output(key, shape)  for strategies with ``shares_output``: a shared output array and
                              its ref; tasks write their results into it
    executor(...)             a PoolExecutor or a RayExecutor
and three flags: ``by_value`` (tasks receive slices of the data itself, cut by the driver),
``fork_after_share`` (the pool must be forked after the data exists: inheritance, or an
initializer that attaches it), ``shares_output``.

Thread-safety: none (the driver's main thread). Ownership: everything is registered with
the run's resources.Resources, which releases it.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import shutil
import sys
import tempfile
import threading
import time
from multiprocessing.sharedctypes import RawArray

import numpy as np

from . import tasks
from .measure import Stopwatch, log
from .resources import Resources
from .tasks import ArrowFileRef, FileRef, GlobalRef, ShmRef

# ---------------------------------------------------------------------------------------
# Executors


#: Seconds Pool.terminate may take before the workers are killed.
STOP_TIMEOUT_S = 10


class PoolExecutor:
    """multiprocessing.Pool with the fork start method, one task per worker at a time."""

    kind = "pool"

    def __init__(self, workers: int, res: Resources):
        self.workers = workers
        self.res = res
        self.pool = None
        self.baseline: dict = {}  # pid -> memory of each worker at start (tasks.ready)

    def start(self, setup: dict, attach: dict) -> None:
        """Forks the workers and waits until each has run its initializer (setup pool_start_s)."""
        ctx = mp.get_context("fork")
        with Stopwatch() as sw:
            barrier = ctx.Barrier(self.workers)
            self.pool = ctx.Pool(self.workers, initializer=tasks.init_worker, initargs=(attach, barrier))
            self.res.on_close("process pool", self._stop)
            self.baseline = {r["pid"]: r for r in self.pool.starmap(tasks.ready, [()] * self.workers, chunksize=1)}
        setup["pool_start_s"] = sw.seconds
        log(f"pool of {self.workers} started in {sw.seconds:.2f} s (pids {sorted(self.baseline)})")

    def starmap(self, fn, args: list) -> list:
        return self.pool.starmap(fn, args, chunksize=1)

    def _stop(self) -> None:
        """Pool.terminate, with a deadline: if it hangs (it can block on the task queue's
        lock), the workers are killed by pid and the driver goes on."""
        workers = list(self.pool._pool)  # the worker Process objects; private but stable
        stopper = threading.Thread(target=lambda: (self.pool.terminate(), self.pool.join()), daemon=True)
        stopper.start()
        stopper.join(STOP_TIMEOUT_S)
        if stopper.is_alive():
            log(f"Pool.terminate hung for {STOP_TIMEOUT_S} s; killing workers {[w.pid for w in workers]}")
            for w in workers:
                w.kill()


class RayExecutor:
    """Ray tasks (num_cpus=1 each) on a local Ray started with num_cpus=workers.

    If Ray is already initialized in this process (by the CLI for several pairs, or by the
    test session) it is reused (setup ``ray_reused``: true); otherwise this run starts it and
    shuts it down at close. The object store is sized to hold what the workload puts in it.
    """

    kind = "ray"
    _remotes: dict = {}

    def __init__(self, workers: int, res: Resources, store_bytes: int):
        self.workers = workers
        self.res = res
        self.store_bytes = store_bytes
        self.baseline: dict = {}  # pid -> memory of the workers that ran the start-up tasks

    def start(self, setup: dict, attach: dict) -> None:
        import ray

        setup["ray_init_s"], setup["ray_reused"] = start_ray(self.workers, self.store_bytes, self.res)
        with Stopwatch() as sw:  # first tasks start the worker processes
            ready = ray.get([self._remote(tasks.ready).remote() for _ in range(self.workers)])
        self.baseline = {r["pid"]: r for r in ready}
        setup["pool_start_s"] = sw.seconds

    def starmap(self, fn, args: list) -> list:
        import ray

        remote = self._remote(fn)
        return ray.get([remote.remote(*a) for a in args])

    @classmethod
    def _remote(cls, fn):
        import ray

        if fn not in cls._remotes:
            cls._remotes[fn] = ray.remote(num_cpus=1, max_retries=0)(fn)
        return cls._remotes[fn]


def ray_store_bytes(needed: int) -> int:
    """Object store size for ``needed`` bytes of objects: 1.5x plus 256 MB, at least 512 MB."""
    return max(512 << 20, int(needed * 1.5) + (256 << 20))


#: Seconds the ray.init of this process took (reported again by runs that reuse that Ray).
_ray_init_s: float | None = None
_ray_temp_dir: str | None = None  # Ray's private temp dir while it runs here


def start_ray(workers: int, store_bytes: int, res: Resources | None) -> tuple[float, bool]:
    """ray.init unless Ray is up; returns (seconds of ray.init, reused). Shut down at ``res`` close.

    A run that reuses a Ray started earlier in this process reports that earlier ray.init's
    seconds (0 if someone else started it) with reused=True.
    """
    import ray

    global _ray_init_s
    if ray.is_initialized():
        return (_ray_init_s or 0.0), True
    here = os.path.dirname(os.path.dirname(os.path.abspath(tasks.__file__)))
    # Workers import pybench by name: give them this folder on their path.
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH")) if p)
    log(f"ray.init(num_cpus={workers}, object_store_memory={store_bytes >> 20} MiB)")
    global _ray_temp_dir
    # Ray's session files (logs, sockets) go to a private directory removed on stop, not /tmp/ray.
    _ray_temp_dir = tempfile.mkdtemp(prefix="shm4j-ray-")
    t0 = time.perf_counter()
    ray.init(
        num_cpus=workers,
        include_dashboard=False,
        object_store_memory=store_bytes,
        log_to_driver=False,  # keeps worker output off our stdout (JSON only there)
        logging_level="warning",
        _temp_dir=_ray_temp_dir,
    )
    seconds = _ray_init_s = time.perf_counter() - t0
    if res is not None:
        res.on_close("ray", _stop_ray)
    return seconds, False


def _stop_ray() -> None:
    import ray

    global _ray_init_s, _ray_temp_dir
    ray.shutdown()
    _ray_init_s = None
    if _ray_temp_dir is not None:
        shutil.rmtree(_ray_temp_dir, ignore_errors=True)
        _ray_temp_dir = None


# ---------------------------------------------------------------------------------------
# Strategies


class Strategy:
    name = ""
    description = ""
    workloads = ""  # the workloads it applies to, e.g. "ABCD"
    modules: tuple = ("numpy",)  # Python modules it needs
    executor_kind = "pool"
    by_value = False
    fork_after_share = False
    shares_output = False

    def __init__(self, res: Resources):
        self.res = res
        self.attach: dict = {}  # key -> ShmRef, attached by the pool initializer

    def executor(self, workers: int, store_bytes: int):
        if self.executor_kind == "ray":
            return RayExecutor(workers, self.res, ray_store_bytes(store_bytes))
        return PoolExecutor(workers, self.res)

    def alloc(self, key: str, shape: tuple) -> np.ndarray:
        return np.empty(shape)

    def share(self, key: str, obj):
        return obj

    def alloc_output(self, key: str, shape: tuple):
        raise NotImplementedError(f"strategy {self.name} returns results, it has no shared output")


class Pickle(Strategy):
    name = "pickle"
    description = "multiprocessing.Pool (fork) passing the data to each task, pickled; results pickled back"
    workloads = "ABCD"
    by_value = True


class CowFork(Strategy):
    name = "cow_fork"
    description = "data in a module global before the pool forks; workers read it copy-on-write; results pickled back"
    workloads = "ABCD"
    fork_after_share = True

    def share(self, key, obj):
        tasks.STATE[key] = obj
        self.res.on_close(f"global {key}", lambda: tasks.STATE.pop(key, None))
        return GlobalRef(key)


class RawArrayStrategy(Strategy):
    name = "rawarray"
    description = "multiprocessing.sharedctypes.RawArray inherited by the forked pool; results written into a RawArray"
    workloads = "AB"
    fork_after_share = True
    shares_output = True

    def alloc(self, key, shape):
        raw = RawArray("d", math.prod(shape))
        arr = np.frombuffer(raw, dtype=np.float64).reshape(shape)
        tasks.STATE[key] = arr
        self.res.on_close(f"RawArray {key}", lambda: tasks.STATE.pop(key, None))
        return arr

    def share(self, key, obj):
        return GlobalRef(key)

    def alloc_output(self, key, shape):
        return self.alloc(key, shape), GlobalRef(key)


class Memmap(Strategy):
    """numpy.memmap of a raw float64 file; each task maps it (np.memmap) and drops it."""

    workloads = "AB"
    shares_output = True
    where = "disk"

    def __init__(self, res):
        super().__init__(res)
        self.refs: dict = {}

    def alloc(self, key, shape):
        path = self.res.path(self.where, key + ".f64")
        arr = np.memmap(path, dtype=np.float64, mode="w+", shape=shape)
        self.refs[key] = FileRef(path, tuple(shape))
        return arr

    def share(self, key, obj):
        obj.flush()  # msync: on disk this writes the file back
        return self.refs[key]

    def alloc_output(self, key, shape):
        return self.alloc(key, shape), self.refs[key]


class MemmapDisk(Memmap):
    name = "memmap_disk"
    description = "numpy.memmap of a file on disk (--disk-dir), mapped by each task; results written into a memmap"
    where = "disk"


class MemmapShm(Memmap):
    name = "memmap_shm"
    description = "numpy.memmap of a file in the shm directory (tmpfs), mapped by each task; results written into a memmap"
    where = "shm"


class ShmTask(Strategy):
    name = "shm_task"
    description = "multiprocessing.shared_memory.SharedMemory attached by name in every task; results written into one"
    workloads = "AB"
    shares_output = True

    def __init__(self, res):
        super().__init__(res)
        self.refs: dict = {}

    def alloc(self, key, shape):
        shm = self.res.shared_memory(8 * math.prod(shape))
        self.refs[key] = ShmRef(shm.name, tuple(shape))
        return np.ndarray(shape, np.float64, buffer=shm.buf)

    def share(self, key, obj):
        return self.refs[key]

    def alloc_output(self, key, shape):
        return self.alloc(key, shape), self.refs[key]


class ShmOnce(ShmTask):
    name = "shm_once"
    description = "SharedMemory attached once per worker by the Pool initializer; results written into one"
    fork_after_share = True

    def share(self, key, obj):
        self.attach[key] = self.refs[key]
        return GlobalRef(key)

    def alloc_output(self, key, shape):
        arr = self.alloc(key, shape)
        self.attach[key] = self.refs[key]
        return arr, GlobalRef(key)


class RayPut(Strategy):
    name = "ray_put"
    description = "ray.put once, tasks get the ObjectRef (zero-copy read in workers); results through the object store"
    workloads = "ABCD"
    modules = ("numpy", "ray")
    executor_kind = "ray"

    def share(self, key, obj):
        import ray

        return ray.put(obj)


class RayTask(Strategy):
    name = "ray_task"
    description = "data passed to every Ray task as an argument (put into the object store per call); results through the store"
    workloads = "ABCD"
    modules = ("numpy", "ray")
    executor_kind = "ray"
    by_value = True


class ArrowMmap(Strategy):
    """The records as an Arrow IPC file in the shm directory, memory-mapped once per worker."""

    workloads = "D"
    engine = "pyarrow"

    def share(self, key, table):
        import pyarrow as pa

        path = self.res.path("shm", key + ".arrow")
        with pa.OSFile(path, "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table, max_chunksize=max(1, table.num_rows))  # one record batch
        return ArrowFileRef(path, self.engine)


class PyarrowMmap(ArrowMmap):
    name = "arrow_mmap"
    description = "Arrow IPC file in the shm directory; workers open it once with pyarrow.memory_map (zero-copy)"
    modules = ("numpy", "pyarrow")


class PolarsMmap(ArrowMmap):
    name = "polars_mmap"
    description = "Arrow IPC file in the shm directory; workers open it once with polars.read_ipc(memory_map=True)"
    modules = ("numpy", "pyarrow", "polars")
    engine = "polars"


class ManagerNamespace(Strategy):
    """The records held by a multiprocessing.Manager server process in a Namespace.

    Tasks receive the namespace proxy (small); reading ``ns.records`` asks the manager, which
    pickles the whole frame and sends it over its socket: every task gets a full copy.
    """

    name = "manager"
    description = "multiprocessing.Manager().Namespace holding the records; each task reads ns.records (a pickled copy from the manager process)"
    workloads = "CD"

    def share(self, key, obj):
        ctx = mp.get_context("fork")
        manager = ctx.Manager()
        self.res.on_close("manager", manager.shutdown)
        ns = manager.Namespace()
        setattr(ns, key, obj)
        return tasks.ManagerRef(ns, key)


class DataHandler(Strategy):
    """One data-handler process owns the records and answers slice requests over queues.

    The handler is forked once the records exist (it owns them; the driver lets go of its own).
    Each pool worker claims a response queue on its first request and asks for the column in
    slices of ``tasks.HANDLER_CHUNK`` rows; the handler pickles each slice onto that queue.
    """

    name = "data_handler"
    description = "a data-handler process owns the records and answers slice requests over multiprocessing queues; tasks sum slice by slice"
    workloads = "CD"
    fork_after_share = True  # workers inherit the queues

    def executor(self, workers, store_bytes):
        self.workers = workers
        return super().executor(workers, store_bytes)

    def share(self, key, obj):
        ctx = mp.get_context("fork")
        channels = tasks.HandlerChannels(ctx.Queue(), [ctx.Queue() for _ in range(self.workers)], ctx.Value("i", 0))
        handler = ctx.Process(target=tasks.serve_records, args=(obj, channels), name="data-handler", daemon=True)
        handler.start()

        def stop():
            channels.requests.put(None)
            handler.join(STOP_TIMEOUT_S)
            if handler.is_alive():
                log(f"data handler {handler.pid} did not stop in {STOP_TIMEOUT_S} s; killing it")
                handler.kill()
                handler.join()

        self.res.on_close("data handler", stop)
        tasks.STATE[key] = channels
        self.res.on_close(f"global {key}", lambda: tasks.STATE.pop(key, None))
        return GlobalRef(key)


#: Every strategy by name, in run order: Ray last, because forking a pool after ray.init is unsafe.
STRATEGIES: dict[str, type[Strategy]] = {
    s.name: s
    for s in (
        Pickle,
        CowFork,
        RawArrayStrategy,
        MemmapDisk,
        MemmapShm,
        ShmTask,
        ShmOnce,
        ManagerNamespace,
        DataHandler,
        PyarrowMmap,
        PolarsMmap,
        RayPut,
        RayTask,
    )
}


def missing_modules(strategy: type[Strategy]) -> list[str]:
    """The modules a strategy needs that this Python cannot import."""
    import importlib.util

    return [m for m in strategy.modules if importlib.util.find_spec(m) is None]


if sys.platform != "linux":  # fork, /proc/PID/smaps_rollup and /dev/shm are Linux facts
    raise ImportError("the shm4j Python benchmark runs on Linux only")
