"""Fixtures for the shm4j module's tests: a fresh shm directory in /dev/shm per test (checked
for leftovers), and helpers that run real second Python processes."""

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)


@pytest.fixture
def shmdir(monkeypatch):
    """SHM4J_DIR = a new directory in /dev/shm (a real tmpfs with user xattrs). Fails a test
    that leaves a temporary file (.shm4j-tmp.*) behind."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    d = tempfile.mkdtemp(prefix="shm4j-pytest-", dir=base)
    monkeypatch.setenv("SHM4J_DIR", d)
    yield d
    left = [f for f in os.listdir(d) if f.startswith(".shm4j-tmp.")]
    shutil.rmtree(d, ignore_errors=True)
    assert not left, f"temporary files left behind: {left}"


def child_env(**extra):
    env = dict(os.environ)
    env["PYTHONPATH"] = PYTHON_DIR + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_py(code, *args, timeout=120, **env):
    """Runs ``python -c code args`` to completion; returns stdout (fails with stderr)."""
    r = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=child_env(**env))
    assert r.returncode == 0, f"child failed: rc={r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r.stdout


def start_py(code, *args, **env):
    """Starts ``python -c code args`` with pipes; the caller waits on its output and ends it."""
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(**env))


def read_line(p, timeout=60):
    """The next stdout line of ``p``, waiting at most ``timeout`` seconds (no sleeping)."""
    import selectors

    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    try:
        if not sel.select(timeout):
            p.kill()
            raise AssertionError(f"no output from the child within {timeout}s; stderr: {p.stderr.read()}")
    finally:
        sel.close()
    line = p.stdout.readline()
    if not line:
        p.wait(timeout)
        raise AssertionError(f"child ended: rc={p.returncode}, stderr: {p.stderr.read()}")
    return line.strip()
