"""Frames from Python: share (pandas, pyarrow, polars) and attach, zero-copy, with pandas
dtypes and index restored; refusals of types shm4j cannot carry; store objects by codec."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import shm4j
from shm4j_procs import PYTHON_DIR, run_py
from shm4j._frame import attach_frame


def rich_frame(n=5):
    """Every pandas dtype the issue names: nullable Int64/boolean/string[pyarrow], categorical,
    tz-aware timestamps, an index named like a column, a value above 2^53."""
    return pd.DataFrame(
        {
            "id": pd.array([2**53 + 1, None, -5, 7, 2**62][:n], dtype="Int64"),
            "ok": pd.array([True, None, False, True, False][:n], dtype="boolean"),
            "s": pd.array(["a", None, "😀", "", "z"][:n], dtype="string[pyarrow]"),
            "c": pd.Categorical(["u", "v", "u", None, "v"][:n]),
            "t": pd.date_range("2024-03-30 23:00", periods=n, freq="h", tz="Europe/Paris"),
            "x": np.array([1.5, np.nan, 3.0, -0.0, 1e300][:n]),
            "i32": np.arange(n, dtype=np.int32),
        },
        index=pd.Index([10, 20, 30, 40, 50][:n], name="id"),
    )


def test_share_of_pandas_round_trips_dtypes_and_index(shmdir):
    df = rich_frame()
    with shm4j.share(df, name="f") as h:
        assert h.kind == "frame" and shm4j.info("f").kind == "frame"
        back = shm4j.attach("f", as_="pandas")
        pd.testing.assert_frame_equal(back, df)
        assert back["id"].iloc[0] == 2**53 + 1  # no float64 detour
        assert str(back["ok"].dtype) == "boolean" and back.index.name == "id"
        pd.testing.assert_frame_equal(h.to_pandas(), df)


def test_a_second_process_reads_the_frame_zero_copy_and_as_pandas(shmdir):
    df = rich_frame()
    with shm4j.share(df, name="f2"):
        code = ("import shm4j, pyarrow as pa, pandas as pd, sys\n"
                "b = pa.total_allocated_bytes(); t = shm4j.attach('f2'); a = pa.total_allocated_bytes() - b\n"
                "df = shm4j.attach('f2', as_='pandas')\n"
                "print(a, t.num_rows, dict(df.dtypes.astype(str)), df.index.name)\n")
        out = run_py(code, SHM4J_DIR=shmdir)
    alloc, rows, dtypes, index = out.split(" ", 2)[0], out.split(" ", 2)[1], None, None
    assert alloc == "0" and rows == "5"
    assert "'id': 'Int64'" in out and "'ok': 'boolean'" in out and "'c': 'category'" in out
    assert "Europe/Paris" in out and out.strip().endswith("id")


def test_attach_works_from_any_current_directory(shmdir, tmp_path, monkeypatch):
    # bug: the frame reader got the *name*, so attach worked only with cwd = the shm directory
    monkeypatch.chdir(tmp_path)
    with shm4j.share(pa.table({"a": [1, 2, 3]}), name="cwd"):
        assert shm4j.attach("cwd").column("a").to_pylist() == [1, 2, 3]
        out = run_py("import shm4j; print(shm4j.attach('cwd').num_rows)", SHM4J_DIR=shmdir)
        assert out.strip() == "3"


def test_share_of_pyarrow_and_polars_frames(shmdir):
    pl = pytest.importorskip("polars")
    t = pa.table({"a": pa.array([1, None, 3], pa.int64()), "s": ["x", "y", None]})
    p = pl.DataFrame({"a": [1.0, 2.0], "s": ["α", "β"]})
    with shm4j.share(t) as ht, shm4j.share(p) as hp:
        assert shm4j.attach(ht.name).equals(t)
        got = shm4j.attach(hp.name, as_="polars")
        assert got.equals(p)


@pytest.mark.parametrize("column,needle", [
    (pd.period_range("2020-01", periods=3, freq="M"), "period[M]"),
    (pd.interval_range(0, 3), "interval"),
    (pd.array([1, 2, 3], dtype="UInt64"), "uint64"),
    (pd.Series([[1], [2], [3]]), "list<"),
    (pd.Categorical([1, 2, 1]), "dictionary<values=int64"),
])
def test_share_refuses_types_shm4j_cannot_carry_in_one_line(shmdir, column, needle):
    with pytest.raises(shm4j.UnsupportedTypeError) as e:
        shm4j.share(pd.DataFrame({"col": column}))
    msg = str(e.value)
    assert "\n" not in msg and "column=col" in msg and needle in msg, msg
    assert os.listdir(shmdir) == []


def test_attach_frame_of_a_path_returns_a_zero_copy_table(shmdir):
    df = rich_frame(3)
    path = os.path.join(shmdir, "plain.arrow")
    table = pa.Table.from_pandas(df)
    with pa.OSFile(path, "wb") as sink, ipc.new_file(sink, table.schema) as w:
        w.write_table(table)
    before = pa.total_allocated_bytes()
    t = attach_frame(path)
    assert pa.total_allocated_bytes() - before == 0
    assert t.num_rows == 3
    pd.testing.assert_frame_equal(attach_frame(path, pandas=True), df)


def test_attach_rejects_a_frame_that_is_not_arrow(shmdir):
    p = os.path.join(shmdir, "junk")
    open(p, "wb").write(b"ARROW1 but then junk" + b"\0" * 64)
    os.setxattr(p, shm4j.XATTR, b"v=1;kind=frame;life=persistent;pid=1;start=1;gen=1;created=0;mutable=0")
    with pytest.raises(shm4j.NotASegmentError) as e:
        shm4j.attach("junk")
    assert "name=junk" in str(e.value)


# ------------------------------------------------------------------ store objects, by codec

def _store_object(d, name, payload: bytes, codec: str):
    """An object laid out as the Java store lays it out (docs/store.md): kind=object, persistent,
    the store's xattr with the codec. The Java side of this contract is tested in
    shm4j-store's PythonStoreObjectsTest with objects the real store put."""
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(payload)
    os.setxattr(p, shm4j.XATTR, b"v=1;kind=object;life=persistent;pid=1;start=1;gen=2b;created=0;mutable=0")
    os.setxattr(p, "user.shm4j.obj", f"v=1;store=s;gen=2b;codec={codec}".encode())


def test_attach_dispatches_store_objects_on_their_codec(shmdir):
    t = pa.table({"a": [1, 2]})
    sink = pa.BufferOutputStream()
    with ipc.new_file(sink, t.schema) as w:
        w.write_table(t)
    _store_object(shmdir, "s.arrow", sink.getvalue().to_pybytes(), "arrow")
    _store_object(shmdir, "s.blob", b"\x01\x02\x03", "blob")
    _store_object(shmdir, "s.bytes", b"\x04", "bytes")
    path = os.path.join(shmdir, "tmp.npy")
    np.save(path, np.arange(3.0))
    _store_object(shmdir, "s.npy", open(path, "rb").read(), "npy")
    os.unlink(path)
    _store_object(shmdir, "s.java", b"\xac\xed\x00\x05", "java")
    assert shm4j.attach("s.arrow").equals(t)
    assert shm4j.attach("s.blob").tolist() == [1, 2, 3]
    assert shm4j.attach("s.bytes").tolist() == [4]
    assert shm4j.attach("s.npy").tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(shm4j.UnsupportedTypeError) as e:
        shm4j.attach("s.java")
    assert "codec=java" in str(e.value)
    assert bytes(shm4j.attach("s.java", as_="bytes")) == b"\xac\xed\x00\x05"
    assert shm4j.info("s.blob").codec == "blob"


# ------------------------------------------------------------------ without pyarrow

def test_without_pyarrow_attaching_a_frame_names_the_extra(shmdir, tmp_path):
    """A real interpreter where pyarrow does not exist: site-packages off (-S), only numpy
    linked in. The error is one line naming the extra, not a bare ModuleNotFoundError."""
    import numpy

    np_dir = os.path.dirname(numpy.__file__)
    lib = tmp_path / "lib"
    lib.mkdir()
    os.symlink(np_dir, lib / "numpy")
    libs = np_dir + ".libs"
    if os.path.isdir(libs):
        os.symlink(libs, lib / os.path.basename(libs))
    with shm4j.share(pa.table({"a": [1]}), name="fr"):
        code = ("import shm4j\n"
                "try:\n"
                "    import pyarrow\n"
                "    print('pyarrow present')\n"
                "except ImportError:\n"
                "    pass\n"
                "try:\n"
                "    shm4j.attach('fr')\n"
                "except ModuleNotFoundError as e:\n"
                "    print(type(e).__name__, '|', e)\n"
                "print(shm4j.attach('fr', as_='bytes')[:6].tobytes())\n")
        r = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=60,
                           env={"PATH": os.environ.get("PATH", ""), "SHM4J_DIR": shmdir,
                                "PYTHONPATH": os.pathsep.join([str(lib), PYTHON_DIR])})
    assert r.returncode == 0, r.stderr
    assert "pyarrow present" not in r.stdout
    assert "MissingExtraError | " in r.stdout
    assert "pip install 'shm4j[frames]'" in r.stdout and "name=fr" in r.stdout
    assert "b'ARROW1'" in r.stdout
