"""pytest for the shm4j Python module (run from the Java build too: PythonModuleTest)."""

import os
import subprocess
import sys
import uuid

import numpy as np
import pytest

import shm4j


def _meta(kind="array", mutable=False):
    return (f"v=1;kind={kind};life=persistent;pid={os.getpid()};start=1;gen=1a;"
            f"created=0;mutable={1 if mutable else 0}").encode()


@pytest.fixture
def shmdir(tmp_path, monkeypatch):
    monkeypatch.setenv("SHM4J_DIR", str(tmp_path))
    return tmp_path


def _put(d, name, a, kind="array", mutable=False):
    p = os.path.join(str(d), name)
    np.save(p + ".tmp.npy", a)
    os.rename(p + ".tmp.npy", p)
    os.setxattr(p, shm4j.XATTR, _meta(kind, mutable))
    return p


def test_attach_returns_a_memory_map_without_copying(shmdir):
    a = np.arange(12, dtype="<f8").reshape(3, 4)
    _put(shmdir, "a", a)
    b = shm4j.attach("a")
    assert isinstance(b, np.memmap)
    assert b.dtype == np.float64 and b.shape == (3, 4)
    np.testing.assert_array_equal(b, a)
    assert not b.flags.writeable


def test_attach_writable_shares_writes_for_mutable_arrays(shmdir):
    _put(shmdir, "m", np.zeros(4, dtype="<i8"), mutable=True)
    w = shm4j.attach("m", writable=True)
    w[2] = 42
    w.flush()
    assert shm4j.attach("m")[2] == 42


def test_attach_writable_refuses_immutable_arrays(shmdir):
    _put(shmdir, "i", np.zeros(4))
    with pytest.raises(PermissionError):
        shm4j.attach("i", writable=True)


def test_attach_reads_foreign_npy_files(shmdir):
    np.save(os.path.join(str(shmdir), "f.npy"), np.arange(3, dtype="<i4"))
    os.rename(os.path.join(str(shmdir), "f.npy"), os.path.join(str(shmdir), "f"))
    assert shm4j.attach("f").tolist() == [0, 1, 2]


def test_attach_of_a_frame_dispatches_to_the_frame_module(shmdir, monkeypatch):
    p = os.path.join(str(shmdir), "fr")
    open(p, "wb").write(b"ARROW1")
    os.setxattr(p, shm4j.XATTR, _meta("frame"))
    import types
    fake = types.ModuleType("shm4j._frame")
    fake.attach_frame = lambda name: ("frame", name)
    monkeypatch.setitem(sys.modules, "shm4j._frame", fake)
    assert shm4j.attach("fr") == ("frame", "fr")


def test_ls_lists_shm4j_segments_with_their_kind(shmdir):
    _put(shmdir, "x", np.zeros(2))
    np.save(os.path.join(str(shmdir), "foreign.npy"), np.zeros(1))
    names = {s.name: s for s in shm4j.ls()}
    assert set(names) == {"x"}
    assert names["x"].kind == "array" and names["x"].lifetime == "persistent"
    assert {s.name for s in shm4j.ls(all=True)} == {"x", "foreign.npy"}


def test_attach_of_a_missing_segment_raises_file_not_found(shmdir):
    with pytest.raises(FileNotFoundError):
        shm4j.attach("nope")


def test_attach_rejects_names_with_slashes(shmdir):
    with pytest.raises(ValueError):
        shm4j.attach("../etc/passwd")


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")
def test_resource_tracker_never_unlinks_an_attached_segment(monkeypatch):
    monkeypatch.delenv("SHM4J_DIR", raising=False)
    name = "shm4jtest-py-" + uuid.uuid4().hex[:12]
    path = "/dev/shm/" + name
    with open(path, "wb") as f:
        f.write(b"\0" * 4096)
    os.setxattr(path, shm4j.XATTR, _meta("raw"))
    try:
        # _stop() waits for the tracker process: whatever it would unlink is unlinked by then
        code = ("import shm4j, sys\n"
                "from multiprocessing import resource_tracker\n"
                "s = shm4j.attach_raw(sys.argv[1]); s.buf[0] = 7; s.close()\n"
                "stop = getattr(resource_tracker._resource_tracker, '_stop', None)\n"
                "stop and stop()\n")
        subprocess.run([sys.executable, "-c", code, name], check=True, timeout=60,
                       env={**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(shm4j.__file__))})
        assert os.path.exists(path), "the resource tracker unlinked a shm4j segment"
        assert open(path, "rb").read(1) == b"\x07"
    finally:
        os.unlink(path)
