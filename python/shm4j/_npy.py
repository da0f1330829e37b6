"""The ``.npy`` layout shm4j arrays use (Java: ``io.shm4j.array.NpyLayout``): NumPy format
1.0 (2.0 when the header needs more than 65535 bytes), header padded with spaces so the data
starts at a multiple of 64 bytes, little-endian data, C or Fortran order."""

from __future__ import annotations

import ast
import re
import struct

import numpy as np

from ._errors import NotASegmentError, UnsupportedTypeError

MAGIC = b"\x93NUMPY"
_SIMPLE = re.compile(r"\{'descr': '([<>|=][a-zA-Z]\d+(?:\[\w+\])?)', 'fortran_order': (True|False), "
                     r"'shape': \(([\d, ]*)\), \} *\n?$")
ALIGN = 64
#: The dtypes shm4j arrays carry (Java's ``DType``): anything else is refused, not converted.
DTYPES = ("<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "|u1", "<u2", "<u4", "<u8", "|b1", "<M8[ns]",
          "<M8[us]", "<M8[ms]", "<M8[s]", "<M8[D]", "<m8[ns]", "<m8[us]", "<m8[ms]", "<m8[s]", "<m8[D]",
          "<f2", "<c8", "<c16")


def check_dtype(dtype: np.dtype) -> np.dtype:
    """The little-endian dtype to write ``dtype`` as; UnsupportedTypeError if shm4j cannot carry it.
    Record (structured) dtypes: fields of the types above or fixed-width S/U text (Java's ``RecordType``)."""
    if dtype.names is not None:
        le = dtype.newbyteorder("<")
        for n in le.names:
            f = le.fields[n][0]
            if len(le.fields[n]) > 2:
                raise UnsupportedTypeError(f"cannot share a record field with a title: field={n!r}; rename it")
            if not (f.str in DTYPES or (f.kind in "SU" and f.subdtype is None)):
                raise UnsupportedTypeError(
                    f"cannot share a record field of dtype={f}: field={n!r}; fields may be numbers, bool, "
                    "datetime64, timedelta64, complex or fixed-width S/U text (no subarrays, nested records, objects)")
        return le
    le = dtype.newbyteorder("<") if dtype.byteorder == ">" else dtype
    if le.str not in DTYPES:
        raise UnsupportedTypeError(
            f"cannot share an array of dtype={dtype}: shm4j arrays carry float64/32/16, complex64/128, "
            "int64/32/16/8, uint8/16/32/64, bool, datetime64, timedelta64 and records of these; "
            "convert it first (e.g. a.astype('float64'))")
    return le


def header(dtype: np.dtype, shape, fortran: bool) -> bytes:
    """The complete header (magic, version, length, dict, padding), a multiple of 64 bytes."""
    d = "{'descr': %r, 'fortran_order': %r, 'shape': %r, }" % (
        np.lib.format.dtype_to_descr(dtype), bool(fortran), tuple(int(n) for n in shape))
    body = d.encode("latin1")
    for version, prefix_len, fmt in ((1, 10, "<H"), (2, 12, "<I")):
        total = -(-(prefix_len + len(body) + 1) // ALIGN) * ALIGN
        hlen = total - prefix_len
        if version == 1 and hlen > 0xFFFF:
            continue
        padded = body + b" " * (hlen - len(body) - 1) + b"\n"
        return MAGIC + bytes([version, 0]) + struct.pack(fmt, hlen) + padded
    raise AssertionError("unreachable")


def parse(buf, name: str):
    """(dtype, shape, fortran, data offset) of the .npy bytes in ``buf``."""
    b = bytes(buf[:12])
    if len(b) < 10 or b[:6] != MAGIC:
        raise NotASegmentError(f"not a .npy file: name={name}, magic={b[:6]!r}; "
                               "attach it as raw bytes with as_='bytes'")
    major = b[6]
    if major == 1:
        hlen, start = struct.unpack("<H", b[8:10])[0], 10
    elif major in (2, 3):
        hlen, start = struct.unpack("<I", b[8:12])[0], 12
    else:
        raise NotASegmentError(f"unsupported .npy version: name={name}, version={major}")
    end = start + hlen
    if end > len(buf):
        raise NotASegmentError(f"truncated .npy header: name={name}, header_end={end}, size={len(buf)}")
    try:
        text = bytes(buf[start:end]).decode("latin1" if major < 3 else "utf-8")
        m = _SIMPLE.match(text)
        if m:  # the common header (shm4j's, NumPy's): no need for the general parser
            dtype = np.dtype(m.group(1))
            fortran = m.group(2) == "True"
            shape = tuple(int(n) for n in m.group(3).replace(",", " ").split())
        else:
            d = ast.literal_eval(text)
            dtype = np.dtype(np.lib.format.descr_to_dtype(d["descr"]))
            shape = tuple(int(n) for n in d["shape"])
            fortran = bool(d["fortran_order"])
    except Exception as e:  # noqa: BLE001 - any malformed header is the same problem
        raise NotASegmentError(f"malformed .npy header: name={name}, problem={e}") from None
    if dtype.hasobject:
        raise UnsupportedTypeError(f"refusing a pickled object array: name={name}, dtype={dtype}")
    need = end + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if need > len(buf):
        raise NotASegmentError(f"truncated .npy data: name={name}, needed={need}, size={len(buf)}")
    return dtype, shape, fortran, end


def view(buf, name: str) -> np.ndarray:
    """A zero-copy ndarray over the .npy bytes in ``buf`` (writable iff ``buf`` is)."""
    dtype, shape, fortran, offset = parse(buf, name)
    return np.ndarray(shape, dtype=dtype, buffer=buf, offset=offset, order="F" if fortran else "C")
