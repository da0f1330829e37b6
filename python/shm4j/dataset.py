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
"""

from __future__ import annotations

import mmap
import os
import stat
from typing import Any, Optional, Tuple

from . import _path, _read_meta, attach

__all__ = ["Dataset", "MAGIC"]

#: The control segment's first 8 bytes.
MAGIC = b"SHM4JDS1"
_LAYOUT_VERSION = 1
_CURRENT_OFFSET = 16
_KINDS = {1: "array", 2: "frame"}


def version_name(name: str, k: int) -> str:
    """The segment holding version ``k`` of dataset ``name``."""
    return f"{name}@v{k}"


class Dataset:
    """A read-only handle on a live dataset. Not thread-safe; cheap to make one per thread."""

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

    def current_number(self) -> int:
        """The current version number (0 before the first publish), read from the mapping."""
        return int(self._counter[0])

    def current(self) -> Tuple[int, Any]:
        """``(k, value)`` for the newest version: a numpy array (memory map) or a pyarrow table.

        Re-attaches only when the counter moved; if the version's name is already gone (a newer
        one superseded it meanwhile) it reads the counter again.
        """
        k = self.current_number()
        held = self._held
        if held is not None and held[0] == k:
            return held
        for _ in range(100):
            if k == 0:
                raise LookupError(f"dataset has no version yet: name={self.name}")
            try:
                value = attach(version_name(self.name, k), prefault=True)
            except FileNotFoundError:
                newer = self.current_number()
                if newer == k:
                    raise LookupError(f"current version of dataset is gone: name={self.name}, version={k}")
                k = newer
                continue
            self._held = (k, value)
            return self._held
        raise LookupError(f"dataset kept moving while attaching: name={self.name}, version={k}")

    def close(self) -> None:
        """Drops the control mapping (versions already returned stay valid while referenced)."""
        self._counter = None
        self._held = None
        self._mm.close()

    def __enter__(self) -> "Dataset":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
