"""pytest for the shm4j Python module: arrays, raw bytes, names, the resource tracker (run from
the Java build too: PythonModuleTest)."""

import os
import subprocess
import sys
import uuid

import numpy as np
import pytest

import shm4j
from shm4j_procs import child_env, run_py


def _meta(kind="array", mutable=False):
    return (f"v=1;kind={kind};life=persistent;pid={os.getpid()};start=1;gen=1a;"
            f"created=0;mutable={1 if mutable else 0}").encode()


def _put(d, name, a, kind="array", mutable=False):
    """A segment written the way Java writes it (.npy, then the xattr), by hand."""
    p = os.path.join(str(d), name)
    np.save(p + ".tmp.npy", a)
    os.rename(p + ".tmp.npy", p)
    os.setxattr(p, shm4j.XATTR, _meta(kind, mutable))
    return p


def test_attach_returns_a_read_only_view_of_the_mapping_without_copying(shmdir):
    a = np.arange(12, dtype="<f8").reshape(3, 4)
    _put(shmdir, "a", a)
    b = shm4j.attach("a")
    assert not b.flags.owndata  # a view over the mapping
    assert b.dtype == np.float64 and b.shape == (3, 4)
    np.testing.assert_array_equal(b, a)
    assert not b.flags.writeable
    with pytest.raises(ValueError):
        b[0, 0] = 1


def _rss_kib(path):
    """Rss of this process's mapping of ``path`` (/proc/self/smaps)."""
    rss, inside = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5 and ":" in fields[3]:  # a mapping's first line
                inside = len(fields) >= 6 and fields[5] == path
            elif inside and fields[0] == "Rss:":
                rss += int(fields[1])
    return rss


def test_prefault_maps_every_page_and_lets_other_threads_run_meanwhile(shmdir):
    import threading
    import time

    shm4j.share(np.ones((256 << 20) // 8, dtype="<f8"), "big", persistent=True)  # 256 MiB
    path = os.path.join(shmdir, "big")
    b = shm4j.attach("big", prefault=True)
    assert _rss_kib(path) >= os.path.getsize(path) // 1024 - 4  # every page mapped, none read
    del b
    stamps, stop = [], threading.Event()

    def spin():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0)  # lets go of the GIL

    t = threading.Thread(target=spin)
    t.start()
    try:
        tries = []
        for _ in range(3):  # a noisy machine may preempt the spinning thread once
            time.sleep(0.02)
            start = time.perf_counter()
            c = shm4j.attach("big", prefault=True)
            end = time.perf_counter()
            del c
            during = [start] + [s for s in stamps if start < s < end] + [end]
            gap = max(y - x for x, y in zip(during, during[1:]))
            tries.append((round(1e3 * gap, 1), round(1e3 * (end - start), 1)))
            # one madvise over the whole mapping held the GIL throughout: one gap, the whole call
            if gap < 0.6 * (end - start):
                break
        else:
            pytest.fail(f"another thread waited through the prefault: (longest gap ms, prefault ms)={tries}")
    finally:
        stop.set()
        t.join()


def test_share_writes_a_standard_npy_file_with_64_byte_aligned_data(shmdir):
    a = np.arange(1000, dtype=np.int32).reshape(10, 100)
    with shm4j.share(a, name="n") as h:
        np.testing.assert_array_equal(np.load(h.path, mmap_mode="r"), a)  # plain NumPy reads it
        with open(h.path, "rb") as f:
            head = f.read(12)
        hlen = int.from_bytes(head[8:10], "little")
        assert (10 + hlen) % 64 == 0
        assert h.read().ctypes.data % 64 == 0


def test_share_keeps_fortran_order_and_converts_big_endian_without_changing_values(shmdir):
    f = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(2, 3))
    be = np.arange(5, dtype=">i8")
    with shm4j.share(f) as hf, shm4j.share(be) as hb:
        assert hf.read().flags.f_contiguous
        np.testing.assert_array_equal(hf.read(), f)
        assert hb.read().dtype == np.dtype("<i8")
        np.testing.assert_array_equal(hb.read(), be)


@pytest.mark.parametrize("bad", [np.array(["x"]), np.array([object()]), np.array([1], dtype="datetime64[h]"),
                                 np.zeros(2, dtype=np.clongdouble), np.zeros(2, [("v", "<f8", (3,))]),
                                 np.zeros(2, [("p", [("x", "<f8")])])])
def test_share_refuses_dtypes_shm4j_cannot_carry_in_one_line(shmdir, bad):
    with pytest.raises(shm4j.UnsupportedTypeError) as e:
        shm4j.share(bad)
    assert "\n" not in str(e.value) and "dtype=" in str(e.value)
    assert os.listdir(shmdir) == []


@pytest.mark.parametrize("good", [np.array([1 + 2j]), np.array([1], dtype="datetime64[s]"), np.zeros(2, np.float16),
                                  np.array([5], "m8[ms]"), np.rec.fromarrays([np.arange(2.0), np.array(["a", "bc"])])])
def test_share_carries_the_dtypes_java_reads(shmdir, good):
    with shm4j.share(good, name="g"):
        got = shm4j.attach("g")
        assert got.dtype == good.dtype and got.tobytes() == good.tobytes()


def test_attach_writable_shares_writes_for_mutable_arrays(shmdir):
    with shm4j.share(np.zeros(4, dtype="<i8"), name="m", mutable=True):
        w = shm4j.attach("m", writable=True)
        w[2] = 42
        assert shm4j.attach("m")[2] == 42
        # and a second process sees the write, and writes back
        out = run_py("import shm4j; w = shm4j.attach('m', writable=True); print(w[2]); w[3] = 7", SHM4J_DIR=shmdir)
        assert out.strip() == "42"
        assert shm4j.attach("m")[3] == 7


def test_attach_writable_refuses_immutable_arrays(shmdir):
    _put(shmdir, "i", np.zeros(4))
    with pytest.raises(PermissionError):
        shm4j.attach("i", writable=True)
    with shm4j.share(np.zeros(2), name="j"), pytest.raises(shm4j.ImmutableSegmentError):
        shm4j.attach("j", writable=True)


def test_attach_reads_foreign_npy_files(shmdir):
    np.save(os.path.join(str(shmdir), "f.npy"), np.arange(3, dtype="<i4"))
    os.rename(os.path.join(str(shmdir), "f.npy"), os.path.join(str(shmdir), "f"))
    assert shm4j.attach("f").tolist() == [0, 1, 2]


def test_raw_bytes_round_trip_and_attach_as_bytes(shmdir):
    with shm4j.share(b"hello shm4j", name="r", persistent=True) as h:
        assert h.kind == "raw" and shm4j.info("r").kind == "raw"
        assert bytes(shm4j.attach("r", as_="bytes")) == b"hello shm4j"
        assert shm4j.attach("r").tobytes() == b"hello shm4j"
        h.unlink()
    assert not os.path.exists(os.path.join(shmdir, "r"))


def test_ls_lists_shm4j_segments_with_their_kind(shmdir):
    _put(shmdir, "x", np.zeros(2))
    np.save(os.path.join(str(shmdir), "foreign.npy"), np.zeros(1))
    names = {s.name: s for s in shm4j.ls()}
    assert set(names) == {"x"}
    assert names["x"].kind == "array" and names["x"].lifetime == "persistent"
    assert {s.name for s in shm4j.ls(all=True)} == {"x", "foreign.npy"}


def test_ls_skips_symlinks_fifos_and_directories_planted_in_the_shm_dir(shmdir):
    with shm4j.share(np.zeros(1), name="ok"):
        os.symlink("/etc/passwd", os.path.join(shmdir, "link"))
        os.mkfifo(os.path.join(shmdir, "fifo"))
        os.mkdir(os.path.join(shmdir, "dir"))
        assert [s.name for s in shm4j.ls(all=True)] == ["ok"]
        for planted in ("link", "fifo", "dir"):
            with pytest.raises(shm4j.NotASegmentError):
                shm4j.attach(planted)


def test_attach_of_a_missing_segment_raises_file_not_found(shmdir):
    with pytest.raises(FileNotFoundError) as e:
        shm4j.attach("nope")
    assert isinstance(e.value, shm4j.NoSuchSegmentError) and "name=nope" in str(e.value)


def test_attach_rejects_names_with_slashes(shmdir):
    with pytest.raises(ValueError):
        shm4j.attach("../etc/passwd")
    with pytest.raises(shm4j.InvalidNameError):
        shm4j.share(np.zeros(1), name=".hidden")


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")
def test_resource_tracker_never_unlinks_an_attached_segment(monkeypatch):
    monkeypatch.delenv("SHM4J_DIR", raising=False)
    name = "shm4jtest-py-" + uuid.uuid4().hex[:12]
    path = "/dev/shm/" + name
    h = shm4j.share(b"\0" * 4096, name=name, persistent=True, mutable=True)
    try:
        # _stop() waits for the tracker process: whatever it would unlink is unlinked by then
        code = ("import shm4j, sys\n"
                "from multiprocessing import resource_tracker\n"
                "s = shm4j.attach_raw(sys.argv[1]); s.buf[0] = 7; s.close()\n"
                "stop = getattr(resource_tracker._resource_tracker, '_stop', None)\n"
                "stop and stop()\n")
        subprocess.run([sys.executable, "-c", code, name], check=True, timeout=60, env=child_env())
        assert os.path.exists(path), "the resource tracker unlinked a shm4j segment"
        assert open(path, "rb").read(1) == b"\x07"
    finally:
        h.unlink()
        h.close()


@pytest.mark.skipif(not os.path.isdir("/dev/shm"), reason="needs /dev/shm")
def test_a_list_segment_attaches_as_a_shareable_list_that_no_tracker_unlinks(monkeypatch):
    """Java's SharedList writes kind=list over CPython's ShareableList layout (docs/list.md);
    here CPython makes the bytes and the metadata is added as Java adds it."""
    from multiprocessing import shared_memory

    monkeypatch.delenv("SHM4J_DIR", raising=False)
    name = "shm4jtest-list-" + uuid.uuid4().hex[:12]
    sl = shared_memory.ShareableList([7, 2.5, "idle", None], name=name)
    try:
        os.setxattr("/dev/shm/" + name, shm4j.XATTR,
                    f"v=1;kind=list;life=persistent;pid={os.getpid()};start=1;gen=3c;created=0;mutable=1".encode())
        assert shm4j.info(name).kind == "list" and name in {s.name for s in shm4j.ls()}
        out = run_py("import shm4j, sys\n"
                     "from multiprocessing import resource_tracker\n"
                     "l = shm4j.attach(sys.argv[1]); print(list(l)); l[0] = 8; l.shm.close()\n"
                     "stop = getattr(resource_tracker._resource_tracker, '_stop', None)\n"
                     "stop and stop()\n", name)
        assert out.strip() == "[7, 2.5, 'idle', None]"
        assert os.path.exists("/dev/shm/" + name), "the resource tracker unlinked a shm4j list"
        assert sl[0] == 8
    finally:
        sl.shm.close()
        sl.shm.unlink()
