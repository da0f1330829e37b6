"""Tests of shm4j._frame against frames written the way shm4j's Java builder writes them
(pyarrow stands in for the Java writer; the Java tests cover the
Java-built files with plain pyarrow, pandas and polars)."""

import os
import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from shm4j._frame import attach_frame


@pytest.fixture
def frame_path():
    df = pd.DataFrame(
        {"x": [1.0, np.nan, 3.0], "s": ["a", None, "😀"], "c": pd.Categorical(["u", "v", "u"])},
        index=pd.Index(["r0", "r1", "r2"], name="key"),
    )
    table = pa.Table.from_pandas(df)
    fd, path = tempfile.mkstemp(suffix=".arrow", dir=os.environ.get("SHM4J_DIR", "/dev/shm"))
    os.close(fd)
    with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    yield path, df
    os.unlink(path)


def test_attach_frame_returns_a_zero_copy_table(frame_path):
    path, df = frame_path
    before = pa.total_allocated_bytes()
    table = attach_frame(path)
    allocated = pa.total_allocated_bytes() - before
    assert isinstance(table, pa.Table)
    assert table.num_rows == 3
    assert table.column("x")[0].as_py() == 1.0
    # reading from the memory map allocated nothing: the buffers point into the mapping
    assert allocated == 0


def test_attach_frame_restores_index_and_columns_for_pandas(frame_path):
    path, df = frame_path
    out = attach_frame(path, pandas=True)
    assert list(out.columns) == ["x", "s", "c"]
    assert out.index.name == "key"
    assert list(out.index) == ["r0", "r1", "r2"]
    assert out["s"].iloc[2] == "😀"
    assert str(out["c"].dtype) == "category"


def test_attach_frame_rejects_a_file_that_is_not_arrow(tmp_path):
    p = tmp_path / "junk.arrow"
    p.write_bytes(b"not an arrow file at all")
    with pytest.raises(pa.ArrowInvalid):
        attach_frame(p)
