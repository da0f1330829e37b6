"""Helpers of the shm4j module's tests that run real second Python processes (a module of its
own: the benchmark's tests have a conftest too, and both folders are on pytest's path)."""

import os
import subprocess
import sys

PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(PYTHON_DIR)


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
