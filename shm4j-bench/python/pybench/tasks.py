"""Everything a worker process executes: the refs that travel to it, how it turns them into
data, and the task functions of the four workloads.

What crosses the process boundary is either the data itself (the copying strategies: pickle
and Ray by value) or a small ref naming where the data lives:

    GlobalRef(key)              an object in this process's STATE: inherited by fork
                                (cow_fork, rawarray) or attached once by init_worker (shm_once)
    ShmRef(name, shape, dtype)  a SharedMemory block, attached for one task and closed after
    FileRef(path, shape, dtype) a .raw file mapped with numpy.memmap for one task
    ArrowFileRef(path, engine)  an Arrow IPC file, memory-mapped by pyarrow or polars once per
                                worker and kept in STATE

Ray's ObjectRefs need no code here: Ray resolves a top-level ObjectRef argument before the
task runs (zero-copy for NumPy arrays and Arrow buffers).

Process-safety: STATE is per process; workers only read shared inputs and write disjoint
slices of shared outputs. Ownership: workers never create or unlink anything; the driver
(resources.Resources) owns every segment and file.
"""
from __future__ import annotations

import contextlib
import os
import signal
from dataclasses import dataclass
from multiprocessing import shared_memory

import numpy as np

from .measure import smaps_rollup

#: Objects this process holds across tasks, by key (see GlobalRef).
STATE: dict = {}

#: Seconds a task waits for its siblings at the barrier before giving up.
BARRIER_TIMEOUT_S = 60


@dataclass(frozen=True)
class GlobalRef:
    key: str


@dataclass(frozen=True)
class ShmRef:
    name: str
    shape: tuple
    dtype: str = "float64"


@dataclass(frozen=True)
class FileRef:
    path: str
    shape: tuple
    dtype: str = "float64"


@dataclass(frozen=True)
class ArrowFileRef:
    path: str
    engine: str  # "pyarrow" or "polars"


@dataclass(frozen=True)
class ManagerRef:
    """A multiprocessing.Manager Namespace proxy and the attribute that holds the records."""

    namespace: object
    attr: str


@dataclass(frozen=True)
class HandlerChannels:
    """The data handler's queues: one for requests ``(slot, request)``, one response queue per
    pool worker (a worker claims a slot with ``next_slot`` on its first request)."""

    requests: object
    responses: list
    next_slot: object


#: Rows per slice a worker asks the data handler for (8 MB of float64).
HANDLER_CHUNK = 1 << 20


def init_worker(attach: dict, barrier) -> None:
    """Pool initializer: ignore Ctrl-C (the driver handles it), attach SharedMemory once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    STATE["barrier"] = barrier
    for key, ref in attach.items():
        shm = shared_memory.SharedMemory(name=ref.name)
        STATE["shm:" + key] = shm  # keeps the mapping for the life of the worker
        STATE[key] = np.ndarray(ref.shape, ref.dtype, buffer=shm.buf)


def ready() -> dict:
    """Waits until every pool worker runs it (the pool is started when it returns N times);
    returns the worker's pid and its memory before any task: the baseline for C and D."""
    barrier = STATE.get("barrier")
    if barrier is not None:
        barrier.wait(BARRIER_TIMEOUT_S)
    return {"pid": os.getpid(), **smaps_rollup()}


@contextlib.contextmanager
def access(src, writable: bool = False):
    """The array behind ``src`` (an ndarray or a ref) for the duration of a task.

    Callers must not keep views of the yielded array after the ``with`` block: a per-task
    SharedMemory attach is closed at its end.
    """
    if isinstance(src, GlobalRef):
        yield STATE[src.key]
    elif isinstance(src, ShmRef):
        shm = shared_memory.SharedMemory(name=src.name)
        try:
            arr = np.ndarray(src.shape, src.dtype, buffer=shm.buf)
            yield arr
            del arr
        finally:
            shm.close()
    elif isinstance(src, FileRef):
        arr = np.memmap(src.path, dtype=src.dtype, mode="r+" if writable else "r", shape=src.shape)
        try:
            yield arr
        finally:
            del arr  # unmapped when the last view goes
    else:
        yield src


# ---------------------------------------------------------------------------------------
# Workload A: sum of a float64 array, one slice [lo, hi) per task.

def sum_task(src, lo: int, hi: int) -> float:
    with access(src) as a:
        return float(a[lo:hi].sum())


# ---------------------------------------------------------------------------------------
# Workload B: outer product of the row means of a fresh random matrix with one frame row.

def row_means(seed: int, rows: int, cols: int) -> np.ndarray:
    """Row means of the task's fresh random rows x cols matrix (the driver reuses it to check)."""
    return np.random.default_rng(seed).random((rows, cols)).mean(axis=1)


def outer_task(frame_src, row, seed: int, rows: int, out_src, k: int):
    """Task k: np.outer(row_means(seed, rows, cols), frame[row]), a rows x cols result.

    ``row`` is None when ``frame_src`` is the row itself (copying strategies). With an
    ``out_src`` the result goes into slot k of the shared output and None is returned;
    otherwise the result is returned (pickled, or put in Ray's object store).
    """
    with access(frame_src) as frame:
        r = np.array(frame if row is None else frame[row])  # one row: 8 * cols bytes
    means = row_means(seed, rows, r.shape[0])
    if out_src is None:
        return np.outer(means, r)
    with access(out_src, writable=True) as out:
        np.outer(means, r, out=out[k])
    return None


# ---------------------------------------------------------------------------------------
# Workloads C and D: nansum of the float column in every worker, memory measured while the
# worker still holds the records.

def nansum_task(src) -> dict:
    value = _nansum_records(src)
    barrier = STATE.get("barrier")
    if barrier is not None:  # every pool worker holds its records now: measure "during"
        barrier.wait(BARRIER_TIMEOUT_S)
    mem = smaps_rollup()
    if barrier is not None:  # nobody lets go before everyone has measured
        barrier.wait(BARRIER_TIMEOUT_S)
    STATE.pop("held", None)
    return {"value": value, "pid": os.getpid(), **mem}


def _nansum_records(src) -> float:
    if isinstance(src, ManagerRef):
        src = getattr(src.namespace, src.attr)  # the manager pickles the whole frame to us
        STATE["held"] = src  # held until the task has measured its memory, as a task argument is
    if isinstance(src, GlobalRef):
        src = STATE[src.key]
    if isinstance(src, HandlerChannels):
        return _nansum_from_handler(src)
    elif isinstance(src, ArrowFileRef):
        key = "arrow:" + src.engine + ":" + src.path
        if key not in STATE:
            STATE[key] = _map_arrow(src)
        src = STATE[key]
    return _nansum_column(src)


def _nansum_from_handler(ch: HandlerChannels) -> float:
    """The column's nansum, asked from the data handler slice by slice."""
    slot = STATE.get("handler_slot")
    if slot is None:
        with ch.next_slot.get_lock():
            slot = STATE["handler_slot"] = ch.next_slot.value
            ch.next_slot.value += 1
    responses = ch.responses[slot]

    def ask(request):
        ch.requests.put((slot, request))
        return responses.get(timeout=BARRIER_TIMEOUT_S)

    rows = ask(("rows",))
    total = 0.0
    for lo in range(0, rows, HANDLER_CHUNK):
        total += float(np.nansum(ask(("slice", "value", lo, min(rows, lo + HANDLER_CHUNK)))))
    return total


def serve_records(records, ch: HandlerChannels) -> None:
    """The data handler's loop: answers ``("rows",)`` and ``("slice", column, lo, hi)`` until
    a None request. Runs in its own process, which owns ``records`` (a pandas DataFrame or a
    pyarrow Table)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    is_arrow = type(records).__module__.startswith("pyarrow")
    while True:
        msg = ch.requests.get()
        if msg is None:
            return
        slot, request = msg
        if request[0] == "rows":
            answer = records.num_rows if is_arrow else len(records)
        else:
            _, column, lo, hi = request
            if is_arrow:
                answer = records.column(column).slice(lo, hi - lo).to_numpy()
            else:
                answer = records[column].to_numpy()[lo:hi]
        ch.responses[slot].put(answer)


def _map_arrow(ref: ArrowFileRef):
    if ref.engine == "polars":
        import polars as pl

        return pl.read_ipc(ref.path, memory_map=True, rechunk=False)
    import pyarrow as pa

    return pa.ipc.open_file(pa.memory_map(ref.path, "r")).read_all()


def _nansum_column(records) -> float:
    """np.nansum of column "value" of a pandas or polars DataFrame or a pyarrow Table, zero-copy."""
    mod = type(records).__module__
    if mod.startswith("pyarrow"):
        return float(sum(np.nansum(c.to_numpy(zero_copy_only=True)) for c in records.column("value").chunks))
    if mod.startswith("polars"):
        return float(np.nansum(records.get_column("value").to_numpy()))
    return float(np.nansum(records["value"].to_numpy()))
