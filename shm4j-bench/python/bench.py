#!/usr/bin/env python3
"""shm4j benchmark, Python strategies. Usage: python3 bench.py --help (docs/bench-python.md)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pybench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
