"""`pip install ./python` installs the module and leaves no build files in the checkout
(the build backend, flit_core, is in requirements.txt so the test runs without network)."""

import os
import subprocess
import sys

PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _build_files():
    found = set()
    for dirpath, dirnames, filenames in os.walk(PYTHON_DIR):
        for n in dirnames + filenames:
            if n in ("build", "dist") or n.endswith(".egg-info"):
                found.add(os.path.relpath(os.path.join(dirpath, n), PYTHON_DIR))
    return found


def test_pip_install_leaves_no_build_files(tmp_path):
    before = _build_files()
    target = tmp_path / "site"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        "--retries", "0", "--no-deps", "--no-build-isolation", "--target", str(target), PYTHON_DIR],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (target / "shm4j" / "__init__.py").is_file()
    assert _build_files() == before, "pip install ./python left build files in the checkout"
