"""Follow a live shm4j dataset from Python (see docs/dataset.md).

A dataset is a control segment ``NAME`` (kind ``dataset``, one page) holding the current
version number ``k`` at byte 16 (int64, little-endian); version ``k``'s bytes are the segment
``NAME@v<k>``, a standard ``.npy`` (or Arrow IPC) file. A reader checks the counter (one load
from a memory map, no system call) and re-attaches only when it changed:

    >>> from shm4j.dataset import Dataset
    >>> ds = Dataset("emb")
    >>> k, emb = ds.current()        # (version number, numpy array or pyarrow table)

The object returned for a version stays valid while the process holds it, even after a newer
version replaced it (Linux keeps unlinked memory until the last mapping goes).

A server follows the dataset in the background, so that no request pays for a switch:

    >>> ds = Dataset("emb").follow()  # one handle for all threads
    >>> k, emb = ds.current()         # the newest version the follower made ready
"""

from __future__ import annotations

import itertools
import mmap
import os
import queue
import stat
import sys
import threading
from typing import Any, List, Optional, Tuple

from . import _path, _read_meta, attach

__all__ = ["Dataset", "MAGIC"]

#: The control segment's first 8 bytes.
MAGIC = b"SHM4JDS1"
_LAYOUT_VERSION = 1
_CURRENT_OFFSET = 16
_KINDS = {1: "array", 2: "frame"}
_INLINE_TOUCH_BYTES = 4 << 20  # smaller versions: touched by the follower's thread itself
_HELP_AFTER = 0.5  # seconds the low-priority thread touches alone before the follower helps
_PAGE = 4096


def version_name(name: str, k: int) -> str:
    """The segment holding version ``k`` of dataset ``name``."""
    return f"{name}@v{k}"


class Dataset:
    """A read-only handle on a live dataset. Not thread-safe (make one per thread), except once
    :meth:`follow` runs: then :meth:`current` may be called from any thread."""

    def __init__(self, name: str):
        import numpy as np

        self.name = name
        path = _path(name)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size < 4096:
                raise ValueError(f"not a dataset control segment: name={name}, size={st.st_size}")
            meta = _read_meta(path) or {}
            if meta.get("kind") != "dataset":
                raise ValueError(f"not a dataset: name={name}, kind={meta.get('kind', 'foreign')}")
            self._mm = mmap.mmap(fd, 4096, mmap.MAP_SHARED, mmap.PROT_READ)
        finally:
            os.close(fd)
        if self._mm[:8] != MAGIC:
            raise ValueError(f"not a dataset control segment: name={name}, magic={self._mm[:8]!r}")
        layout, kind = np.frombuffer(self._mm, dtype="<i4", count=2, offset=8)
        if int(layout) != _LAYOUT_VERSION:
            raise ValueError(f"unsupported dataset layout: name={name}, version={int(layout)}")
        self.kind = _KINDS.get(int(kind), "unknown")
        # one aligned 8-byte load per read (x86-64 and aarch64 loads of aligned words are atomic)
        self._counter = np.frombuffer(self._mm, dtype="<i8", count=1, offset=_CURRENT_OFFSET)
        self._held: Optional[Tuple[int, Any]] = None
        self._follower: Optional[threading.Thread] = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        #: Why the follower's last look failed (it retries at the next look), or None.
        self.last_failure: Optional[BaseException] = None
        #: How many times the follower switched to a newer version.
        self.switches = 0
        #: How many switches needed the follower's own thread to help the low-priority touch.
        self.helped_switches = 0
        #: The nice value the follower's thread runs at (0: the process's priority).
        self.follower_nice = 0
        #: The kernel's id of the follower's thread (``/proc/self/task/TID``), 0 before it runs.
        self.follower_tid = 0

    def current_number(self) -> int:
        """The current version number (0 before the first publish), read from the mapping."""
        return int(self._counter[0])

    def current(self) -> Tuple[int, Any]:
        """``(k, value)`` for the newest version: a numpy array (memory map) or a pyarrow table.

        Re-attaches only when the counter moved; if the version's name is already gone (a newer
        one superseded it meanwhile) it reads the counter again. While :meth:`follow` runs, it
        returns the newest version the follower made ready, without looking at the counter.
        """
        held = self._held
        if held is not None and (self._follower is not None or held[0] == self.current_number()):
            return held
        if self._follower is not None:
            with self._lock:  # before the follower's first version: one thread maps it
                if self._held is None:
                    self._held = self._attach_current()
                return self._held
        self._held = self._attach_current()
        return self._held

    def _attach_current(self) -> Tuple[int, Any]:
        k = self.current_number()
        for _ in range(100):
            if k == 0:
                raise LookupError(f"dataset has no version yet: name={self.name}")
            try:
                return k, attach(version_name(self.name, k), prefault=True)
            except FileNotFoundError:
                newer = self.current_number()
                if newer == k:
                    raise LookupError(f"current version of dataset is gone: name={self.name}, version={k}")
                k = newer
        raise LookupError(f"dataset kept moving while attaching: name={self.name}, version={k}")

    def follow(self, poll: float = 0.005, touch_share: float = 1.0, nice: Optional[int] = None) -> "Dataset":
        """Follows the dataset in the background, for servers: a daemon thread looks at the
        counter every ``poll`` seconds and, when a newer version was published, attaches it,
        reads one byte of each of its pages (so this process's page tables hold all of them
        before a request reads it; on a VM with shadow page tables the first touch of each 4 KiB
        page of a new mapping is slow even after a prefault) and only then makes it what
        :meth:`current` returns. It also drops the
        versions it replaced once no thread uses them any more (their last unmapping frees the
        pages), so request threads never pay for a switch. The touch is paced to ``touch_share``
        of a core (1: full speed), so request threads on the same cores slow down little while it
        runs. The touch runs on a second thread at nice ``nice`` (that thread only; default 10, or
        the ``SHM4J_FOLLOWER_NICE`` environment variable; 0 keeps the process's priority), so
        request threads win the cores while it touches a new version; ``follower_nice`` says what
        it got (0 if the kernel refused). If it has not finished after half a second (busy
        cores), the follower's own thread takes the remaining chunks too (``helped_switches``
        counts those), so a switch stays bounded; versions of at most 4 MiB are touched by the
        follower's thread alone. The follower's own thread, which maps and unmaps (holding the
        process's mmap lock), keeps the process's priority. Returns ``self``;
        :meth:`close` stops it.
        """
        if nice is None:
            nice = int(os.environ.get("SHM4J_FOLLOWER_NICE", "10"))
        if not 0 <= nice <= 19:
            raise ValueError(f"nice must be in [0, 19]: nice={nice}")
        if not 0 < touch_share <= 1:
            raise ValueError(f"touch_share must be in (0, 1]: touch_share={touch_share}")
        self._touch_share = touch_share
        if self._follower is not None:
            raise RuntimeError(f"a follower already runs on this dataset handle: name={self.name}")
        if self._held is None and self.current_number() != 0:
            k, value = self._attach_current()
            _touch(value, 1.0)
            self._held = (k, value)
        self._stop.clear()
        t = threading.Thread(target=self._follow, args=(max(poll, 1e-4), nice), daemon=True,
                             name=f"shm4j-dataset-follower-{self.name}")
        self._follower = t
        t.start()
        return self

    def _touching(self, nice: int, work: "queue.SimpleQueue") -> None:
        """The low-priority thread: touches each version handed over, then says so."""
        tid = threading.get_native_id()
        if nice:
            try:
                os.setpriority(os.PRIO_PROCESS, tid, nice)  # a thread id: this thread alone (Linux)
                self.follower_nice = nice
            except OSError:
                pass  # not allowed here: runs at the process's priority, follower_nice says so
        self.follower_tid = tid
        while True:
            item = work.get()
            if item is None:
                return
            try:
                _touch(item[0], self._touch_share, self._stop, item[3])
            except Exception as e:  # noqa: BLE001 - the follower records it
                item[2].append(e)
            item[0] = None  # do not pin the version
            item[1].set()
            del item
    def _follow(self, poll: float, nice: int) -> None:
        work: "queue.SimpleQueue" = queue.SimpleQueue()
        toucher = threading.Thread(target=self._touching, args=(nice, work), daemon=True,
                                   name=f"shm4j-dataset-toucher-{self.name}")
        toucher.start()
        try:
            self._follow_loop(poll, work)
        finally:
            work.put(None)
            toucher.join()

    def _follow_loop(self, poll: float, work: "queue.SimpleQueue") -> None:
        retiring: List[Tuple[int, Any]] = []
        while not self._stop.wait(poll):
            try:
                k = self.current_number()
                held = self._held
                if k != 0 and (held is None or held[0] < k):
                    try:
                        # no prefault: the toucher's reads map the pages, without the GIL and at a
                        # low priority (a MADV_POPULATE_READ costs more CPU than faults with the
                        # kernel's fault-around: 24 against 19 ms for 244 MiB)
                        value = attach(version_name(self.name, k))
                    except FileNotFoundError:
                        value = None  # superseded while we looked: the next look takes the newer one
                    if value is not None:
                        chunks = itertools.count()  # chunks claimed by the toucher and, later, this thread
                        if _nbytes(value) <= _INLINE_TOUCH_BYTES:
                            _touch(value, 1.0, self._stop, chunks)  # the hand-over would cost more
                        else:
                            item = [value, threading.Event(), [], chunks]
                            work.put(item)
                            if not item[1].wait(_HELP_AFTER):
                                # the cores are busy: take the chunks left at this thread's priority
                                self.helped_switches += 1
                                _touch(value, 1.0, self._stop, chunks)
                                item[1].wait()
                            if item[2]:
                                raise item[2][0]
                            del item
                        if self._stop.is_set():
                            break
                        with self._lock:
                            old, self._held = self._held, (k, value)
                        self.switches += 1
                        if old is not None:
                            retiring.append(old)
                        del value, old
                self.last_failure = None
            except Exception as e:  # noqa: BLE001 - readers keep the version they have; retried
                self.last_failure = e
            _drop_unused(retiring)
        retiring.clear()

    def close(self) -> None:
        """Stops the follower (if any) and drops the control mapping (versions already returned
        stay valid while referenced)."""
        t, self._follower = self._follower, None
        if t is not None:
            self._stop.set()
            t.join()
        self._counter = None
        self._held = None
        self._mm.close()

    def __enter__(self) -> "Dataset":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _views(value: Any) -> list:
    import numpy as np

    if isinstance(value, np.ndarray):
        arrays = [value] if value.flags.c_contiguous or value.flags.f_contiguous else []
        return [a.reshape(-1, order="A").view(np.uint8) for a in arrays if a.size]
    views = []  # a pyarrow table: every buffer of every column chunk
    for column in value.columns:
        for chunk in column.chunks:
            for buf in chunk.buffers():
                if buf is not None and buf.size:
                    views.append(np.frombuffer(buf, dtype=np.uint8))
    return views


def _nbytes(value: Any) -> int:
    return sum(len(v) for v in _views(value))


def _touch(value: Any, share: float, stop: Optional[threading.Event] = None, chunks=None) -> None:
    """Reads one byte of every page of a version's data: the chunks not yet claimed from
    ``chunks`` (an ``itertools.count`` two threads may share), paced to ``share`` of a core
    (numpy's strided reduction runs without the GIL, so request threads keep running)."""
    import time

    views = _views(value)
    if chunks is None:
        chunks = itertools.count()
    # at full speed, 4096 pages per call: numpy runs a reduction of that length without the GIL, so
    # a touching thread at a low priority takes the GIL only between calls; paced, 256
    step = _PAGE * (256 if share < 1 else 4096)
    spans = [(v, start) for v in views for start in range(0, len(v), step)]
    while True:
        i = next(chunks)  # atomic under the GIL
        if i >= len(spans) or (stop is not None and stop.is_set()):
            return  # done (or closing: the version is dropped untouched)
        v, start = spans[i]
        t0 = time.thread_time()  # this thread's CPU time: the wall clock also counts other threads
        v[start:start + step:_PAGE].max()
        v[min(len(v), start + step) - 1:min(len(v), start + step)].max()
        if share < 1:
            time.sleep((time.thread_time() - t0) * (1 - share) / share)


def _drop_unused(retiring: List[Tuple[int, Any]]) -> None:
    """Drops the replaced versions no other thread holds (here: this list's tuple and the call's
    argument), so their unmapping happens on the follower's thread, not on a request's."""
    i = len(retiring) - 1
    while i >= 0:
        if sys.getrefcount(retiring[i]) <= 2 and sys.getrefcount(retiring[i][1]) <= 2:
            del retiring[i]
        i -= 1
