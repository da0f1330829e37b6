"""Ownership across real processes: scoped segments die with their Python owner (normal exit,
close, kill -9 + gc), persistent ones outlive it; gc spares live owners, persistent and foreign
files; half-written segments are never visible; a full tmpfs is a clear OSError; the
multiprocessing.Pool example runs."""

import os
import signal
import subprocess
import sys
import uuid

import numpy as np
import pytest

import shm4j
from shm4j import _segment
from shm4j_procs import PYTHON_DIR, read_line, run_py, start_py

OWNER = """
import sys, numpy as np, shm4j
s = shm4j.share(np.arange(1000.0), name=sys.argv[1])
p = shm4j.share(np.arange(10), name=sys.argv[2], persistent=True)
print('ready', flush=True)
sys.stdin.readline()   # wait until told to go (or killed)
"""


def test_metadata_names_the_owner_by_pid_start_time_and_pid_namespace(shmdir):
    with shm4j.share(np.zeros(3), name="meta") as h:
        raw = os.getxattr(h.path, shm4j.XATTR).decode()
        kv = dict(p.split("=", 1) for p in raw.split(";"))
        assert raw.startswith("v=1;kind=array;life=scoped;")
        assert int(kv["pid"]) == os.getpid()
        stat = open("/proc/self/stat").read()
        assert int(kv["start"]) == int(stat[stat.rindex(")") + 2:].split()[19])
        assert int(kv["pidns"]) == os.stat("/proc/self/ns/pid").st_ino
        assert int(kv["gen"], 16) == h.generation != 0 and kv["mutable"] == "0"
        assert oct(os.stat(h.path).st_mode & 0o777) == "0o600"
        i = shm4j.info("meta")
        assert i.owner == shm4j.ProcessIdentity(os.getpid(), int(kv["start"])) and i.owner_alive


def test_scoped_segments_die_with_their_owner_and_persistent_ones_outlive_it(shmdir):
    p = start_py(OWNER, "s", "p", SHM4J_DIR=shmdir)
    try:
        assert read_line(p) == "ready"
        assert {s.name: s.lifetime for s in shm4j.ls()} == {"s": "scoped", "p": "persistent"}
        assert shm4j.attach("s")[999] == 999.0
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.wait(60) == 0
    finally:
        p.kill()
        p.wait()
    assert [s.name for s in shm4j.ls()] == ["p"]  # removed at normal exit (atexit), not by gc
    shm4j.rm("p")
    assert shm4j.ls() == []


def test_after_kill_9_of_the_owner_gc_reclaims_its_scoped_segments_only(shmdir):
    p = start_py(OWNER, "s", "p", SHM4J_DIR=shmdir)
    try:
        assert read_line(p) == "ready"
        view = shm4j.attach("s")
        live = shm4j.share(np.ones(2), name="mine")  # a live owner's scoped segment
        open(os.path.join(shmdir, "foreign"), "wb").write(b"x")
        assert shm4j.gc().segments == []  # owner alive: nothing to collect
        p.send_signal(signal.SIGKILL)
        p.wait(60)
    finally:
        p.kill()
        p.wait()
    assert not shm4j.info("s").owner_alive
    assert shm4j.gc(dry_run=True).segments == ["s"] and os.path.exists(os.path.join(shmdir, "s"))
    size = shm4j.info("s").size
    report = shm4j.gc()
    assert report.segments == ["s"] and report.bytes == size
    assert sorted(os.listdir(shmdir)) == ["foreign", "mine", "p"]
    assert view[999] == 999.0  # the mapping outlives the name
    live.close()
    assert sorted(os.listdir(shmdir)) == ["foreign", "p"]


def test_a_creator_killed_before_publishing_leaves_nothing_visible_and_gc_removes_its_temp_file(shmdir):
    code = ("import sys, shm4j\n"
            "from shm4j import _segment\n"
            "p = _segment.Pending('half', 1 << 20, 'array', False, False)\n"
            "p.write(b'junk', 0)\n"
            "print('reserved', flush=True)\n"
            "sys.stdin.readline()\n")
    p = start_py(code, SHM4J_DIR=shmdir)
    try:
        assert read_line(p) == "reserved"
        temps = [f for f in os.listdir(shmdir) if f.startswith(".shm4j-tmp.")]
        assert len(temps) == 1 and temps[0].startswith(f".shm4j-tmp.{p.pid}.")
        assert shm4j.ls(all=True) == []
        with pytest.raises(FileNotFoundError):
            shm4j.attach("half")
        assert shm4j.gc().temporaries == []  # creator alive
        p.send_signal(signal.SIGKILL)
        p.wait(60)
    finally:
        p.kill()
        p.wait()
    assert shm4j.gc().temporaries == temps
    assert os.listdir(shmdir) == []


def test_a_name_appears_only_complete_while_a_second_process_writes_it(shmdir):
    """The writer publishes by link after writing; a reader polling the directory either does
    not see the name or sees all of it."""
    n = 16 << 20
    p = start_py("import sys, numpy as np, shm4j\n"
                 "h = shm4j.share(np.full(int(sys.argv[1]), 7, dtype=np.uint8), name='big', persistent=True)\n",
                 n, SHM4J_DIR=shmdir)
    try:
        seen_temp = False
        while True:
            names = os.listdir(shmdir)
            seen_temp |= any(f.startswith(".shm4j-tmp.") for f in names)
            if "big" in names:
                a = shm4j.attach("big")
                assert a.shape == (n,) and a[-1] == 7 and a[n // 2] == 7
                break
            assert p.poll() in (None, 0), p.stderr.read()
            if p.poll() == 0 and "big" not in os.listdir(shmdir):
                raise AssertionError("writer exited without publishing")
        assert p.wait(60) == 0
    finally:
        p.kill()
        p.wait()
    shm4j.rm("big")


def test_close_of_the_owning_handle_removes_a_scoped_segment_but_never_a_newer_incarnation(shmdir):
    h = shm4j.share(np.zeros(2), name="x")
    h.unlink()
    newer = shm4j.share(np.ones(2), name="x", persistent=True)
    h.close()  # removes only its own generation
    assert shm4j.attach("x").tolist() == [1.0, 1.0]
    newer.unlink()
    newer.close()
    h.close()  # idempotent


def test_handles_pickle_as_non_owning_refs_and_detect_a_replaced_name(shmdir):
    import pickle

    with shm4j.share(np.arange(3), name="r") as h:
        data = pickle.dumps(h)
        out = run_py("import pickle, sys, shm4j\n"
                     "h = pickle.loads(sys.stdin.buffer.read() if False else bytes.fromhex(sys.argv[1]))\n"
                     "print(h.owning, h.read().tolist()); h.close()\n", data.hex(), SHM4J_DIR=shmdir)
        assert out.strip() == "False [0, 1, 2]"
        assert os.path.exists(h.path)  # the borrower's close removed nothing
        h.unlink()
        with shm4j.share(np.arange(3), name="r", persistent=True) as again:
            with pytest.raises(shm4j.StaleSegmentError):
                pickle.loads(data)
            again.unlink()


def test_a_forked_child_never_removes_its_parents_scoped_segments(shmdir):
    import multiprocessing as mp

    h = shm4j.share(np.arange(4), name="parent")
    ctx = mp.get_context("fork")
    proc = ctx.Process(target=_child_closes_everything, args=(h,))
    proc.start()
    proc.join(60)
    assert proc.exitcode == 0
    assert os.path.exists(h.path)
    h.close()
    assert not os.path.exists(h.path)


def _child_closes_everything(h):
    h.close()  # the inherited handle: this process is not the owner
    _segment._remove_owned()
    import sys

    sys.exit(0)


def test_segment_exists_is_a_file_exists_error_and_replaces_nothing(shmdir):
    with shm4j.share(np.zeros(1), name="taken"):
        with pytest.raises(FileExistsError) as e:
            shm4j.share(np.ones(1), name="taken")
        assert isinstance(e.value, shm4j.SegmentExistsError) and "name=taken" in str(e.value)
        assert shm4j.attach("taken")[0] == 0.0


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_full_tmpfs_is_a_clear_oserror_at_share_never_a_sigbus(tmp_path, monkeypatch):
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    try:
        monkeypatch.setenv("SHM4J_DIR", str(mnt))
        with pytest.raises(OSError) as e:
            shm4j.share(np.zeros(1 << 20))  # 8 MiB into 1 MiB
        assert isinstance(e.value, shm4j.OutOfSharedMemoryError) and e.value.errno == 28
        assert "requested=8388736 bytes" in str(e.value) and f"dir={mnt}" in str(e.value)
        assert os.listdir(mnt) == []
        with shm4j.share(np.zeros(1000)) as ok:  # still usable
            assert ok.read().sum() == 0
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=True)


def test_the_pool_example_runs_with_fork_and_spawn(shmdir):
    example = os.path.join(PYTHON_DIR, "examples", "pool_attach.py")
    for method in ("fork", "spawn"):
        r = subprocess.run([sys.executable, example, "--start-method", method, "--n", "200000", "--workers", "2"],
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "SHM4J_DIR": shmdir,
                                "PYTHONPATH": PYTHON_DIR + os.pathsep + os.environ.get("PYTHONPATH", "")})
        assert r.returncode == 0, r.stderr
        assert "sum=19999900000 written=200000" in r.stdout
        assert os.listdir(shmdir) == []  # scoped segments gone with the owner's close


CLI = os.path.join(os.path.dirname(PYTHON_DIR), "shm4j")
CLI_BUILT = os.path.exists(os.path.join(os.path.dirname(PYTHON_DIR), "shm4j-bench", "target", "lib", ".built"))


@pytest.mark.skipif(not CLI_BUILT, reason="the Java CLI is not built (run ./shm4j --help once); "
                    "PythonSharedArraysTest covers Java's gc of a kill -9'd Python owner")
def test_java_cli_gc_reclaims_a_kill_9d_python_owners_scoped_segment(shmdir):
    import json

    p = start_py(OWNER, "s", "p", SHM4J_DIR=shmdir)
    try:
        assert read_line(p) == "ready"
        p.send_signal(signal.SIGKILL)
        p.wait(60)
    finally:
        p.kill()
        p.wait()
    r = subprocess.run([CLI, "gc", "--json", "--dir", shmdir], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "s" in json.loads(r.stdout)["segments"], r.stdout
    assert sorted(os.listdir(shmdir)) == ["p"]
