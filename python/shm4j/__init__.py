"""shm4j from Python: list and attach shm4j segments without copying.

A shm4j segment is a file in the shm directory (``SHM4J_DIR``, default ``/dev/shm``) whose
bytes are a standard format: arrays are ``.npy`` files, frames Arrow IPC files, raw segments
plain bytes. shm4j's bookkeeping sits in the extended attribute ``user.shm4j``
(``v=1;kind=array;life=scoped;pid=...;start=...;gen=...;created=...;mutable=0``).

    >>> import shm4j
    >>> a = shm4j.attach("prices")      # numpy.ndarray, a read-only view of the segment
    >>> [s.name for s in shm4j.ls()]

Attached arrays are memory maps: they stay valid after the segment is removed (Linux keeps the
memory until the last mapping goes) and cost no copy. Nothing here ever removes a segment:
Python's ``multiprocessing.resource_tracker`` is kept away from shm4j segments (see
``attach_raw``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Dict, List, Optional

__all__ = ["attach", "attach_raw", "ls", "info", "shm_dir", "SegmentInfo", "XATTR"]

#: The extended attribute holding shm4j's metadata.
XATTR = "user.shm4j"


def shm_dir() -> str:
    """The shm directory in force: ``SHM4J_DIR``, else ``/dev/shm``."""
    d = os.environ.get("SHM4J_DIR")
    return d if d else "/dev/shm"


@dataclass(frozen=True)
class SegmentInfo:
    """What the shm directory says about one segment (a snapshot)."""

    name: str
    path: str
    kind: str  #: raw, array, frame, object, or foreign (no shm4j metadata)
    size: int
    lifetime: Optional[str]  #: scoped, persistent, or None for foreign files
    pid: Optional[int]
    mutable: bool
    meta: Dict[str, str]


def _read_meta(path: str) -> Optional[Dict[str, str]]:
    try:
        raw = os.getxattr(path, XATTR, follow_symlinks=False)
    except OSError:
        return None
    out = {}
    for part in raw.decode("ascii", "replace").split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def _path(name: str) -> str:
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"invalid segment name: name={name!r}")
    return os.path.join(shm_dir(), name)


def info(name: str) -> SegmentInfo:
    """The metadata of one segment; FileNotFoundError if there is none."""
    path = _path(name)
    st = os.stat(path, follow_symlinks=False)
    meta = _read_meta(path)
    if meta is None:
        return SegmentInfo(name, path, "foreign", st.st_size, None, None, True, {})
    return SegmentInfo(
        name=name,
        path=path,
        kind=meta.get("kind", "raw"),
        size=st.st_size,
        lifetime=meta.get("life"),
        pid=int(meta["pid"]) if "pid" in meta else None,
        mutable=meta.get("mutable") == "1",
        meta=meta,
    )


def ls(all: bool = False) -> List[SegmentInfo]:  # noqa: A002 - mirrors `shm4j ls --all`
    """The shm4j segments in the shm directory, by name (``all=True``: foreign files too)."""
    d = shm_dir()
    out = []
    for entry in sorted(os.listdir(d)):
        if entry.startswith("."):
            continue
        try:
            i = info(entry)
        except (OSError, ValueError):
            continue
        if not os.path.isfile(i.path):
            continue
        if all or i.kind != "foreign":
            out.append(i)
    return out


def attach(name: str, writable: bool = False):
    """Attach a segment without copying.

    - kind ``array`` (or a foreign ``.npy`` file): a ``numpy.ndarray`` memory-mapped from the
      segment (``numpy.load(path, mmap_mode="r")``; ``"r+"`` if ``writable``, only for arrays
      created mutable);
    - kind ``frame``: whatever ``shm4j._frame.attach_frame`` returns (a pyarrow table);
    - kind ``raw``: a ``numpy`` uint8 memory map of the bytes.
    """
    import numpy as np

    i = info(name)
    if i.kind == "frame":
        from ._frame import attach_frame

        return attach_frame(name)
    if writable and i.kind != "foreign" and not i.mutable:
        raise PermissionError(f"segment is immutable: name={name}; create it mutable to share writes")
    mode = "r+" if writable else "r"
    if i.kind == "raw":
        return np.memmap(i.path, dtype=np.uint8, mode=mode)
    return np.load(i.path, mmap_mode=mode, allow_pickle=False)


def attach_raw(name: str):
    """Attach a segment's bytes as ``multiprocessing.shared_memory.SharedMemory``.

    Only for the default shm directory (``/dev/shm``, where ``shm_open`` looks). On Python
    < 3.13 ``SharedMemory(name=...)`` registers the segment with the resource tracker, which
    would *unlink* it when this process exits; shm4j unregisters it at once, so the segment's
    life stays with its shm4j owner. On 3.13+ ``track=False`` does the same.
    """
    from multiprocessing import shared_memory

    if os.path.realpath(shm_dir()) != "/dev/shm":
        raise ValueError(f"SharedMemory only opens segments in /dev/shm: SHM4J_DIR={shm_dir()}; use attach()")
    _path(name)
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, create=False, track=False)
    shm = shared_memory.SharedMemory(name=name, create=False)
    _untrack(shm)
    return shm


def _untrack(shm) -> None:
    from multiprocessing import resource_tracker

    try:
        resource_tracker.unregister(shm._name, "shared_memory")  # noqa: SLF001 - the name the tracker keys on
    except Exception:  # pragma: no cover - tracker not running
        pass
