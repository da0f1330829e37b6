"""Every segment, file, pool and Ray runtime one benchmark run creates, released on exit.

A ``Resources`` is a stack: ``close()`` releases in reverse order of creation, once, and
keeps going when one release fails. It runs from ``finally`` blocks, from ``atexit`` and
on SIGTERM/SIGHUP (turned into SystemExit by ``install_signal_handlers``); Ctrl-C raises
KeyboardInterrupt as usual. Only ``kill -9`` of the driver can leave something behind:
then multiprocessing's resource tracker still unlinks the SharedMemory blocks, and the
names below say which process a leftover file belonged to.

Names: SharedMemory blocks are ``/dev/shm/shm4j-pybench-PID-RANDOM-N``; files live in a
directory ``shm4j-pybench-PID-RANDOM`` made in the shm directory (SHM4J_DIR, default
/dev/shm) or the disk directory (--disk-dir, default the system temp directory).

Thread-safety: none; the driver's main thread owns it. Workers never create resources.
"""
from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import signal
import tempfile
from multiprocessing import shared_memory

from .measure import log

PREFIX = "shm4j-pybench-"
_live: list["Resources"] = []


def default_shm_dir() -> str:
    return os.environ.get("SHM4J_DIR", "/dev/shm")


class Resources:
    """Owns what a run creates; ``with Resources(...) as res:`` closes it."""

    def __init__(self, shm_dir: str | None = None, disk_dir: str | None = None):
        self.shm_dir = shm_dir or default_shm_dir()
        self.disk_dir = disk_dir or tempfile.gettempdir()
        self.tag = f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
        self._undo: list = []  # (description, callable)
        self._dirs: dict[str, str] = {}
        self._count = 0
        _live.append(self)

    def __enter__(self) -> "Resources":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def on_close(self, what: str, fn) -> None:
        """Registers ``fn`` to run at close (last registered runs first)."""
        self._undo.append((what, fn))

    def shared_memory(self, nbytes: int) -> shared_memory.SharedMemory:
        """A new SharedMemory block of ``nbytes`` (at least 1), unlinked at close."""
        self._count += 1
        shm = shared_memory.SharedMemory(name=f"{self.tag}-{self._count}", create=True, size=max(1, nbytes))

        def release():
            shm.unlink()  # the name goes first: that is what must not leak
            with contextlib.suppress(BufferError):  # a NumPy view may still be alive here
                shm.close()

        self.on_close(f"SharedMemory {shm.name}", release)
        return shm

    def path(self, where: str, filename: str) -> str:
        """A path for a new file in this run's directory in ``where`` ("shm" or "disk")."""
        if where not in self._dirs:
            base = self.shm_dir if where == "shm" else self.disk_dir
            d = tempfile.mkdtemp(prefix=self.tag + "-", dir=base)
            self._dirs[where] = d
            self.on_close(f"directory {d}", lambda: shutil.rmtree(d, ignore_errors=True))
        return os.path.join(self._dirs[where], filename)

    def close(self) -> None:
        """Releases everything, newest first; idempotent; logs (never raises) failures."""
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except Exception as e:  # keep releasing the rest
                log(f"cleanup of {what} failed: {type(e).__name__}: {e}")
        if self in _live:
            _live.remove(self)


@atexit.register
def _close_all() -> None:
    for res in list(reversed(_live)):
        res.close()


def install_signal_handlers() -> None:
    """SIGTERM and SIGHUP exit through ``finally`` blocks and atexit, like Ctrl-C does."""

    def handler(signum, _frame):
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, handler)
