"""shm4j from Python: share, attach, own, list, remove and gc shm4j segments — the same
segments, formats and metadata as shm4j's Java side, zero-copy.

A segment is a file in the shm directory (``SHM4J_DIR``, default ``/dev/shm``) whose bytes are
a standard format — arrays ``.npy``, frames Arrow IPC, raw segments plain bytes — and whose
bookkeeping (kind, lifetime, owner pid + start time + pid namespace, generation) is the
extended attribute ``user.shm4j``. See docs/python.md.

    >>> import numpy as np, shm4j
    >>> with shm4j.share(np.arange(10.0), name="prices") as h:   # scoped: dies with this process
    ...     a = shm4j.attach("prices")                            # read-only ndarray, no copy
    >>> shm4j.ls(), shm4j.gc()

Ownership: :func:`share` returns the owning handle. A *scoped* segment (the default) is removed
by the owner's ``close()``, at normal interpreter exit, or — after a crash or ``kill -9`` — by
the next ``shm4j.gc()`` / ``shm4j gc`` (Java) / pool start. A *persistent* one lives until
:func:`rm` or ``unlink()``. Attached data stays valid after the name is removed (Linux keeps
the memory until the last mapping goes). Nothing here registers with
``multiprocessing.resource_tracker``, so no tracker ever unlinks a shm4j segment.

Thread-safety: module functions are thread-safe; a handle is not (share it read-only or guard it).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Optional

from . import _frame, _npy, _segment
from ._errors import (
    ImmutableSegmentError,
    InvalidNameError,
    MissingExtraError,
    NoSuchSegmentError,
    NotASegmentError,
    OutOfSharedMemoryError,
    SegmentClosedError,
    SegmentExistsError,
    Shm4jError,
    StaleSegmentError,
    UnsupportedTypeError,
)
from ._segment import XATTR, GcReport, ProcessIdentity, SegmentInfo, gc, info, ls, rm, shm_dir

__all__ = [
    "share", "attach", "attach_raw", "handle", "ls", "info", "rm", "gc", "shm_dir",
    "SharedArray", "SharedFrame", "SharedBytes", "Shared", "SegmentRef", "SegmentInfo", "GcReport",
    "ProcessIdentity", "XATTR",
    "Shm4jError", "InvalidNameError", "NoSuchSegmentError", "SegmentExistsError",
    "OutOfSharedMemoryError", "ImmutableSegmentError", "NotASegmentError", "StaleSegmentError",
    "UnsupportedTypeError", "MissingExtraError", "SegmentClosedError",
]


class SegmentRef(tuple):
    """What crosses a process boundary: ``(name, kind, size, generation)`` — never the data."""

    __slots__ = ()

    def __new__(cls, name: str, kind: str, size: int, generation: int):
        return super().__new__(cls, (name, kind, size, generation))

    name = property(lambda self: self[0])
    kind = property(lambda self: self[1])
    size = property(lambda self: self[2])
    generation = property(lambda self: self[3])

    def __getnewargs__(self):
        return tuple(self)

    def __repr__(self):
        return f"SegmentRef(name={self[0]!r}, kind={self[1]}, size={self[2]}, generation={self[3]:x})"


# ------------------------------------------------------------------------------ handles

class Shared:
    """A handle on one segment: :meth:`read` (zero-copy view), :meth:`copy`, :meth:`close`
    (unmap here; the owner's close of a scoped segment also removes it), :meth:`unlink`
    (remove the name, once, from anywhere). A context manager; ``close`` is idempotent.

    Ownership: the handle :func:`share` returns owns the segment; handles from :func:`handle`
    or unpickled in another process do not (closing them never removes anything). Pickling a
    handle sends its :class:`SegmentRef` only. Not thread-safe.
    """

    kind = "raw"

    def __init__(self, mapping: "_segment.Mapping", owning: bool):
        self._mapping = mapping
        self._info = mapping.info
        self._owning = owning
        self._owner_pid = os.getpid()  # a forked child inherits the handle, not the ownership
        self._closed = False
        self._view = None

    # -- identity
    @property
    def name(self) -> str:
        return self._info.name

    @property
    def path(self) -> str:
        return self._info.path

    @property
    def size(self) -> int:
        return self._info.size

    @property
    def generation(self) -> int:
        return self._info.generation

    @property
    def lifetime(self) -> Optional[str]:
        return self._info.lifetime

    @property
    def mutable(self) -> bool:
        return self._info.mutable

    @property
    def owning(self) -> bool:
        return self._owning and not self._closed and os.getpid() == self._owner_pid

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def ref(self) -> SegmentRef:
        return SegmentRef(self.name, self.kind, self.size, self.generation)

    def info(self) -> SegmentInfo:
        return self._info

    # -- data
    def _buffer(self) -> memoryview:
        if self._closed:
            raise SegmentClosedError(f"handle is closed: name={self.name}; attach the segment again with "
                                     f"shm4j.handle({self.name!r})")
        buf = self._mapping.buffer()
        return buf if self.mutable else buf.toreadonly()

    def read(self):
        """A zero-copy view of the data (read-only unless the handle is writable)."""
        if self._view is None:
            self._view = self._make_view(self._buffer())
        return self._view

    def _make_view(self, buf):
        return buf

    def copy(self):
        """A private copy of the data (valid after close, independent of the segment)."""
        return bytes(self._buffer())

    # -- life
    def close(self) -> None:
        """Unmaps in this process (views already handed out stay valid). On the owning handle
        of a scoped segment, also removes the segment. Idempotent."""
        if self._closed:
            return
        self._closed = True
        self._view = None
        mem, self._mapping.memory = self._mapping.memory, None
        if mem is not None:
            try:
                mem.close()
            except BufferError:
                pass  # views of it exist: the mapping goes when the last of them does
        if self._owning and os.getpid() == self._owner_pid and self.lifetime == "scoped":
            self._remove()

    def unlink(self) -> None:
        """Removes the name (if it still names this incarnation). Mappings everywhere stay valid."""
        self._remove()

    def _remove(self) -> bool:
        with _segment._Dir(os.path.dirname(self.path)) as d:
            removed = _segment.remove_if_same(d, self.name, self.generation)
            _segment._untrack(d.path, self.name)
            return removed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce__(self):
        return (handle, (self.name, False, self.generation))

    def __repr__(self):
        state = "closed" if self._closed else ("owning" if self._owning else "borrowed")
        return (f"{type(self).__name__}(name={self.name!r}, size={self.size}, lifetime={self.lifetime}, "
                f"mutable={self.mutable}, {state})")


class SharedBytes(Shared):
    """A raw segment: :meth:`read` is a ``memoryview`` of its bytes."""

    kind = "raw"


class SharedArray(Shared):
    """An array segment (``.npy``): :meth:`read` is a NumPy view over the mapping."""

    kind = "array"

    def _make_view(self, buf):
        return _npy.view(buf, self.name)

    def copy(self):
        import numpy as np

        return np.array(self.read(), copy=True)


class SharedFrame(Shared):
    """A frame segment (Arrow IPC): :meth:`read` is a pyarrow Table whose buffers point into
    the mapping; :meth:`to_pandas` / :meth:`to_polars` convert (pandas restores index and dtypes)."""

    kind = "frame"

    def _make_view(self, buf):
        return _frame.read_table(buf, self.name)

    def to_pandas(self):
        return _frame.convert(self.read(), "pandas", self.name)

    def to_polars(self):
        return _frame.convert(self.read(), "polars", self.name)

    def copy(self):
        """A pyarrow Table whose buffers are private memory."""
        pa = _frame.require("pyarrow", "copying a frame")
        return _frame.read_table(pa.py_buffer(bytes(self._buffer())), self.name)


_HANDLES = {"array": SharedArray, "frame": SharedFrame, "raw": SharedBytes, "list": SharedBytes}


# ------------------------------------------------------------------------------ share

def share(obj, name: Optional[str] = None, *, persistent: bool = False, mutable: bool = False,
          mode: int = 0o600) -> Shared:
    """Publishes ``obj`` as a new segment owned by this process and returns the owning handle.

    - a NumPy array → ``.npy`` segment (kind ``array``), data 64-byte aligned;
    - a pandas DataFrame, pyarrow Table/RecordBatch or polars DataFrame → Arrow IPC segment
      (kind ``frame``) with pandas metadata (index, dtypes); types shm4j cannot carry are
      refused (:class:`UnsupportedTypeError`), never converted;
    - ``bytes``/``bytearray``/``memoryview`` → raw segment.

    The segment is reserved with ``posix_fallocate`` under a temporary name, written, and
    published by an atomic link, as Java does: nobody sees it half-written; a full tmpfs is
    :class:`OutOfSharedMemoryError` (an ``OSError``) here, never a SIGBUS later.

    ``name``: None for a generated unguessable name. ``persistent``: outlive this process
    (until :func:`rm`). ``mutable``: attachable writable (arrays and raw bytes only).
    """
    import numpy as np

    if isinstance(obj, np.ndarray):
        return _share_array(obj, name, persistent, mutable, mode)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = memoryview(obj).cast("B")
        return _publish(name, data.nbytes, "raw", persistent, mutable, mode,
                        lambda pending: pending.write(data, 0), SharedBytes)
    table = _frame.to_table(obj)
    if table is not None:
        if mutable:
            raise ValueError("frames are immutable: mutable=True; share columns as arrays to write them in place")
        _frame.check_schema(table.schema)
        size = _frame.ipc_size(table)
        return _publish(name, size, "frame", persistent, False, mode,
                        lambda pending: _frame.write_into(table, pending, size), SharedFrame)
    raise UnsupportedTypeError(
        f"cannot share a value of type={type(obj).__module__}.{type(obj).__qualname__}: share a NumPy array, "
        "a pandas/polars DataFrame, a pyarrow Table, or bytes")


def _share_array(a, name, persistent, mutable, mode) -> SharedArray:
    import numpy as np

    dtype = _npy.check_dtype(a.dtype)
    fortran = a.flags.f_contiguous and not a.flags.c_contiguous and a.ndim > 1
    head = _npy.header(dtype, a.shape, fortran)
    size = len(head) + a.size * dtype.itemsize

    def write(pending):
        pending.write(head, 0)
        if a.size:
            src = a if a.dtype == dtype else a.astype(dtype)  # big-endian → little-endian, same values
            # memory order: a view for C- or Fortran-contiguous arrays, one copy otherwise
            flat = src.ravel(order="F" if fortran else "C")
            pending.write(flat.view(np.uint8), len(head))

    return _publish(name, size, "array", persistent, mutable, mode, write, SharedArray)


def _publish(name, size, kind, persistent, mutable, mode, write, cls) -> Shared:
    pending = _segment.Pending(name, size, kind, persistent, mutable, mode)
    try:
        if size:
            write(pending)
        seg_info = pending.publish()
    except BaseException:
        pending.abort()
        raise
    mapping = _segment.Mapping.__new__(_segment.Mapping)
    mapping.info, mapping.memory, mapping.size, mapping.writable = seg_info, pending.memory, size, True
    pending.memory = None
    return cls(mapping, owning=True)


# ------------------------------------------------------------------------------ attach

def _kind_of(i: SegmentInfo, buf) -> str:
    """array, frame, list or raw: from the metadata, the store codec, or the magic of a foreign file."""
    if i.kind in ("array", "frame", "raw", "list"):
        return i.kind
    if i.kind == "object":
        codec = i.codec
        if codec == "npy":
            return "array"
        if codec == "arrow":
            return "frame"
        if codec in ("blob", "bytes"):
            return "raw"
        if codec == "java":
            raise UnsupportedTypeError(f"store object holds a Java-serialized value: name={i.name}, codec=java; "
                                       "attach it as_='bytes', or put it from Java as an array, frame or blob")
        if codec is None:
            raise NotASegmentError(f"store object without codec metadata: name={i.name}; its put is not complete "
                                   "or it was not written by shm4j's store")
        raise UnsupportedTypeError(f"store object of an unknown codec: name={i.name}, codec={codec}; "
                                   "attach it as_='bytes'")
    head = bytes(buf[:6])
    if head == _npy.MAGIC:
        return "array"
    if head == _frame.ARROW_MAGIC:
        return "frame"
    return "raw"


def handle(name: str, writable: bool = False, _generation: Optional[int] = None) -> Shared:
    """A non-owning handle on an existing segment (:class:`SharedArray`, :class:`SharedFrame`
    or :class:`SharedBytes`, by its kind). ``writable`` only for mutable segments."""
    mapping = _segment.Mapping(name, write=writable, expected_generation=_generation)
    kind = _kind_of(mapping.info, mapping.buffer())
    return _HANDLES[kind](mapping, owning=False)


def attach(name: str, as_: Optional[str] = None, writable: bool = False, prefault: bool = False):
    """Attaches a segment without copying and returns its data:

    - arrays (kind ``array``, store codec ``npy``, a foreign ``.npy`` file): a ``numpy.ndarray``
      over the mapping — read-only, or writable if ``writable`` (mutable segments only);
    - frames (kind ``frame``, store codec ``arrow``, a foreign Arrow IPC file): a
      ``pyarrow.Table`` over the mapping; ``as_="pandas"`` (index and dtypes restored from the
      pandas metadata) or ``as_="polars"`` convert it;
    - raw bytes (kind ``raw``, store codecs ``blob``/``bytes``, other foreign files): a
      ``numpy`` uint8 array; ``as_="bytes"`` gives a ``memoryview`` of any segment;
    - lists (kind ``list``, Java's ``SharedList``: CPython's ``ShareableList`` layout): a
      ``multiprocessing.shared_memory.ShareableList`` kept away from the resource tracker
      (only in ``/dev/shm``, where ``shm_open`` looks).

    The data stays valid after the segment is removed (the mapping lives as long as the data).
    ``prefault=True`` maps every page now (``MADV_POPULATE_READ``, Linux 5.14+; ignored where
    missing), so that the reads that follow take no page faults — for a server moving to a new
    version of a dataset under a latency budget.
    """
    mapping = _segment.Mapping(name, write=writable)
    if prefault:
        mapping.prefault()
    buf = mapping.buffer()
    if as_ == "bytes":
        return buf
    kind = _kind_of(mapping.info, buf)
    if kind == "list":
        return _attach_list(name)
    if kind == "array":
        if as_ not in (None, "numpy"):
            raise ValueError(f"unknown as_={as_!r} for an array: name={name}; give 'numpy' or 'bytes'")
        return _npy.view(buf, name)
    if kind == "frame":
        if writable:
            raise ImmutableSegmentError(errno.EACCES, f"frames are immutable: name={name}; attach it read-only")
        return _frame.convert(_frame.read_table(buf, name), as_, name)
    import numpy as np

    if as_ not in (None, "numpy"):
        raise ValueError(f"unknown as_={as_!r} for raw bytes: name={name}; give 'numpy' or 'bytes'")
    return np.frombuffer(buf, dtype=np.uint8) if len(buf) else np.zeros(0, np.uint8)


def attach_raw(name: str):
    """A segment's bytes as ``multiprocessing.shared_memory.SharedMemory`` (for code written
    against it). Only in ``/dev/shm``, where ``shm_open`` looks. On Python < 3.13
    ``SharedMemory(name=...)`` registers the segment with the resource tracker, which would
    *unlink* it when this process exits; shm4j unregisters it at once, so the segment's life
    stays with its shm4j owner. On 3.13+ ``track=False`` does the same.
    """
    from multiprocessing import shared_memory

    if os.path.realpath(shm_dir()) != "/dev/shm":
        raise ValueError(f"SharedMemory only opens segments in /dev/shm: SHM4J_DIR={shm_dir()}; use attach()")
    _segment.validate(name)
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, create=False, track=False)
    shm = shared_memory.SharedMemory(name=name, create=False)
    _untrack(shm)
    return shm


def _attach_list(name: str):
    from multiprocessing import shared_memory

    if os.path.realpath(shm_dir()) != "/dev/shm":
        raise ValueError(f"ShareableList only opens segments in /dev/shm: name={name}, SHM4J_DIR={shm_dir()}; "
                         "attach it as_='bytes'")
    sl = shared_memory.ShareableList(name=name)
    _untrack(sl.shm)  # its SharedMemory registered the name: the tracker would unlink it at exit
    return sl


def _untrack(shm) -> None:
    from multiprocessing import resource_tracker

    try:
        resource_tracker.unregister(shm._name, "shared_memory")  # noqa: SLF001 - the name the tracker keys on
    except Exception:  # pragma: no cover - tracker not running
        pass



# Helpers shm4j.dataset (from main) imports.
def _path(name: str) -> str:
    return os.path.join(shm_dir(), _segment.validate(name))


def _read_meta(path: str):
    try:
        raw = os.getxattr(path, XATTR, follow_symlinks=False)
    except OSError:
        return None
    return dict(p.split("=", 1) for p in raw.decode("ascii", "replace").split(";") if "=" in p)
