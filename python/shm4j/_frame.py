"""Zero-copy access to shm4j frames (segments of kind ``frame``) from Python.

A frame segment *is* an Arrow IPC file (uncompressed, 64-byte aligned buffers, pandas
metadata), so this module is a thin convenience: ``pyarrow.memory_map`` + ``ipc.open_file``
map the file and the table's buffers point into the shared mapping; nothing is copied.
``to_pandas()`` restores the index and the column order from the pandas metadata (it copies
into NumPy-backed columns where pandas needs it; pass ``pandas=False`` to stay zero-copy).
"""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.ipc as ipc

__all__ = ["attach_frame", "open_frame_file"]


def open_frame_file(path: str | os.PathLike) -> "ipc.RecordBatchFileReader":
    """Memory-maps ``path`` and opens it as an Arrow IPC file reader (zero copy)."""
    return ipc.open_file(pa.memory_map(os.fspath(path), "r"))


def attach_frame(path: str | os.PathLike, pandas: bool = False):
    """Returns the frame stored at ``path`` as a ``pyarrow.Table`` whose buffers live in the
    shared mapping, or as a ``pandas.DataFrame`` (index and column order restored) when
    ``pandas`` is true.

    The mapping stays alive as long as the table (or arrays taken from it) is referenced.
    Raises ``pyarrow.ArrowInvalid`` if the file is not an Arrow IPC file.
    """
    table = open_frame_file(path).read_all()
    if pandas:
        return table.to_pandas()
    return table
