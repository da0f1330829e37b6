"""Timing statistics and per-process memory from /proc/PID/smaps_rollup."""
from __future__ import annotations

import statistics
import sys
import time

_SMAPS_FIELDS = {"Rss": "rss_mb", "Pss": "pss_mb", "Anonymous": "anon_mb"}


def smaps_rollup(pid: int | str = "self") -> dict:
    """Rss, Pss and Anonymous memory of a process in MB (10^6 bytes), from smaps_rollup."""
    out = {}
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in _SMAPS_FIELDS:
                out[_SMAPS_FIELDS[key]] = round(int(rest.split()[0]) * 1024 / 1e6, 1)
    return out


def summary(times: list[float]) -> dict:
    """median_s, min_s and max_s of a list of run times (None when the list is empty)."""
    if not times:
        return {"median_s": None, "min_s": None, "max_s": None}
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
    }


class Stopwatch:
    """``with Stopwatch() as sw: ...`` then ``sw.seconds``. Uses time.perf_counter."""

    seconds: float = 0.0

    def __enter__(self) -> "Stopwatch":
        self._t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self._t0


_quiet = False


def set_quiet(quiet: bool) -> None:
    global _quiet
    _quiet = quiet


def log(msg: str) -> None:
    """Progress for humans: stderr only, so stdout stays pure JSON."""
    if not _quiet:
        print(f"[pybench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
