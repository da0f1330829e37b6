"""Fixtures for the shm4j module's tests: a fresh shm directory in /dev/shm per test (checked
for leftovers). Helpers that run second Python processes are in shm4j_procs."""

import os
import shutil
import tempfile

import pytest


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
