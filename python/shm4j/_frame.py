"""Frames: Arrow IPC files (uncompressed) with pandas metadata, zero-copy from the mapping.

pyarrow is an optional dependency (the ``frames`` extra); this module imports it lazily and
turns its absence into one line that names the extra (:func:`require`).
"""

from __future__ import annotations

import os

from ._errors import MissingExtraError, NotASegmentError, UnsupportedTypeError

__all__ = ["require", "to_table", "check_schema", "ipc_size", "write_into", "read_table",
           "attach_frame", "open_frame_file", "convert"]

ARROW_MAGIC = b"ARROW1"


def require(module: str, what: str):
    """Imports ``module`` or raises MissingExtraError naming the extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        extra = "polars" if module == "polars" else "frames"
        raise MissingExtraError(
            f"{what} needs {module}, which is not installed: module={module}; "
            f"install the extra: pip install 'shm4j[{extra}]' (or pip install {module})",
            name=module) from e


def to_table(obj):
    """A pyarrow Table for a pandas DataFrame (index and dtypes in the pandas metadata), a
    pyarrow Table or RecordBatch, or a polars DataFrame; None if ``obj`` is none of these."""
    mod = type(obj).__module__ or ""
    if mod.startswith("pandas"):
        import pandas as pd

        if isinstance(obj, pd.Series):
            raise UnsupportedTypeError("cannot share a pandas Series as a frame: type=Series; "
                                       "share series.to_frame() or series.to_numpy()")
        if not isinstance(obj, pd.DataFrame):
            return None
        pa = require("pyarrow", "sharing a pandas DataFrame")
        _check_pandas(obj)
        try:
            return pa.Table.from_pandas(obj)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as e:
            raise UnsupportedTypeError(f"cannot share this DataFrame as Arrow: problem={_one_line(e)}; "
                                       "give the column one type (e.g. df[c].astype('string'))") from None
    if mod.startswith("pyarrow"):
        pa = require("pyarrow", "sharing a pyarrow table")
        if isinstance(obj, pa.RecordBatch):
            return pa.Table.from_batches([obj])
        return obj if isinstance(obj, pa.Table) else None
    if mod.startswith("polars"):
        import polars as pl

        if not isinstance(obj, pl.DataFrame):
            return None
        require("pyarrow", "sharing a polars DataFrame")
        try:
            return obj.to_arrow(compat_level=pl.CompatLevel.oldest())
        except (TypeError, AttributeError):  # older polars
            return obj.to_arrow()
    return None


def _check_pandas(df) -> None:
    """Refuses pandas dtypes pyarrow would carry only as a pandas-private extension type."""
    for name, dtype in df.dtypes.items():
        kind = type(dtype).__name__
        if kind in ("PeriodDtype", "IntervalDtype", "SparseDtype"):
            raise _unsupported(name, str(dtype))
    for level, dtype in enumerate(getattr(df.index, "dtypes", [df.index.dtype])):
        if type(dtype).__name__ in ("PeriodDtype", "IntervalDtype"):
            raise _unsupported(f"<index level {level}>", str(dtype))


_CARRIED = ("float64/32, int64/32/16/8, uint32/16/8, bool, timestamp[s|ms|us|ns, tz], "
            "string, dictionary<string> (pandas category)")


def _unsupported(column, type_name) -> UnsupportedTypeError:
    return UnsupportedTypeError(
        f"cannot share column={column!s}: type={type_name} is not a type shm4j frames carry "
        f"({_CARRIED}); convert it first (a Period column: .dt.to_timestamp(), others: .astype(...))")


def check_schema(schema) -> None:
    """UnsupportedTypeError unless every field is a type Java's frame reader reads (its
    ``ColumnType``): nothing is ever converted silently."""
    import pyarrow.types as t

    for f in schema:
        ty = f.type
        ok = (t.is_float64(ty) or t.is_float32(ty) or t.is_int64(ty) or t.is_int32(ty) or t.is_int16(ty)
              or t.is_int8(ty) or t.is_uint32(ty) or t.is_uint16(ty) or t.is_uint8(ty) or t.is_boolean(ty)
              or t.is_timestamp(ty) or t.is_string(ty) or t.is_large_string(ty) or t.is_null(ty))
        if t.is_dictionary(ty):
            ok = ((t.is_string(ty.value_type) or t.is_large_string(ty.value_type))
                  and t.is_signed_integer(ty.index_type))
        if not ok:
            raise _unsupported(f.name, str(ty))


def ipc_size(table) -> int:
    """The exact size of ``table`` as an Arrow IPC file (computed without writing it)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    sink = pa.MockOutputStream()
    with ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    return sink.size()


def write_into(table, pending, size: int) -> None:
    """Writes ``table`` as an Arrow IPC file into a reserved segment (``size`` bytes)."""
    import pyarrow as pa
    import pyarrow.ipc as ipc

    out = pending.writer()
    with ipc.new_file(pa.PythonFile(out, mode="w"), table.schema) as w:
        w.write_table(table)
    if out.tell() != size:
        raise AssertionError(f"Arrow IPC size changed while writing: expected={size}, written={out.tell()}")


def read_table(buf, name: str):
    """A pyarrow Table whose buffers point into ``buf`` (zero copy)."""
    pa = require("pyarrow", f"attaching the frame name={name}")
    import pyarrow.ipc as ipc

    if bytes(buf[:6]) != ARROW_MAGIC:
        raise NotASegmentError(f"not an Arrow IPC file: name={name}, magic={bytes(buf[:6])!r}; "
                               "attach it as raw bytes with as_='bytes'")
    try:
        return ipc.open_file(pa.BufferReader(pa.py_buffer(buf))).read_all()
    except pa.ArrowInvalid as e:
        raise NotASegmentError(f"damaged Arrow IPC file: name={name}, problem={_one_line(e)}") from None


def convert(table, as_: str, name: str):
    """``table`` as pyarrow (``arrow``), pandas (index and dtypes from the pandas metadata) or polars."""
    if as_ in (None, "arrow", "pyarrow"):
        return table
    if as_ == "pandas":
        require("pandas", f"attaching the frame name={name} as pandas")
        return table.to_pandas()
    if as_ == "polars":
        pl = require("polars", f"attaching the frame name={name} as polars")
        return pl.from_arrow(table, rechunk=False)
    raise ValueError(f"unknown as_={as_!r} for a frame: give 'arrow', 'pandas' or 'polars'")


def open_frame_file(path: str | os.PathLike):
    """Memory-maps the Arrow IPC file at ``path`` and opens it as a reader (zero copy)."""
    pa = require("pyarrow", "opening an Arrow IPC file")
    import pyarrow.ipc as ipc

    return ipc.open_file(pa.memory_map(os.fspath(path), "r"))


def attach_frame(path: str | os.PathLike, pandas: bool = False):
    """The Arrow IPC file at ``path`` (any file, not only in the shm directory) as a pyarrow
    Table over its mapping, or a pandas DataFrame if ``pandas``."""
    table = open_frame_file(path).read_all()
    return table.to_pandas() if pandas else table


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())
