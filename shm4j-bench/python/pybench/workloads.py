"""The four workloads, driver side: build the data, run warm-up and timed reps, check the answer.

Sizes are the defaults times a factor (``--size``), see ``params``:
    A  elements = 1.5 GB / 8 * factor            a[i] = (i % 1024) * 0.5, sum known exactly
    B  1000 x round(5000 * factor) frame, 50 tasks, a 1000 x cols result per task
    C  round(10 000 000 * factor) records as a pandas DataFrame
    D  the same records as a pyarrow Table (or an Arrow IPC file)
Every size is at least 1 element/column and 16 records.

``run`` yields one result dict per variant (A: tasks=2 and tasks=8; B: tasks=50;
C and D: tasks=<workers>, one per worker). The dict's keys are documented in
docs/bench-python.md (schema ``shm4j.bench.python/1``).
"""
from __future__ import annotations

import gc
import os
import platform
from dataclasses import dataclass, field

import numpy as np

from . import tasks
from .measure import Stopwatch, log, smaps_rollup, summary
from .resources import Resources
from .strategies import STRATEGIES

SCHEMA = "shm4j.bench.python/1"
A_DEFAULT_BYTES = 1_500_000_000
B_ROWS, B_COLS, B_TASKS = 1000, 5000, 50
CD_RECORDS = 10_000_000


@dataclass
class Config:
    workers: int = 2
    reps: int = 5
    warmup: int = 1
    factor: float = 1.0
    tasks_a: list = field(default_factory=lambda: [2, 8])


# ---------------------------------------------------------------------------------------
# Workload A


class WorkloadA:
    name = "A"
    description = "sum of a float64 array a[i] = (i % 1024) * 0.5, split into tasks"

    @staticmethod
    def params(cfg: Config) -> dict:
        n = max(1, round(A_DEFAULT_BYTES * cfg.factor / 8))
        return {"elements": n, "bytes": 8 * n}

    @staticmethod
    def store_bytes(p: dict, cfg: Config) -> int:
        return p["bytes"]

    @staticmethod
    def variants(cfg: Config) -> list:
        return [{"tasks": t} for t in cfg.tasks_a]

    @staticmethod
    def expected(n: int) -> float:
        full, rest = divmod(n, 1024)
        return (full * (1023 * 1024 // 2) + rest * (rest - 1) // 2) * 0.5

    def build(self, strat, p: dict):
        a = strat.alloc("a", (p["elements"],))
        fill_a(a)
        return a

    def share(self, strat, p, a):
        return {"a": strat.share("a", a)}

    def rep(self, strat, executor, p, data, refs, variant):
        n = p["elements"]
        bounds = np.linspace(0, n, variant["tasks"] + 1).astype(np.int64)
        spans = [(int(lo), int(hi)) for lo, hi in zip(bounds[:-1], bounds[1:])]
        if strat.by_value:
            args = [(data[lo:hi], 0, hi - lo) for lo, hi in spans]
        else:
            args = [(refs["a"], lo, hi) for lo, hi in spans]
        return sum(executor.starmap(tasks.sum_task, args))

    def check(self, p, data, refs, variant, got) -> dict:
        want = self.expected(p["elements"])
        return {"ok": got == want, "expected": want, "got": got}


def fill_a(a: np.ndarray) -> None:
    """a[i] = (i % 1024) * 0.5, written block by block (no temporary of the array's size)."""
    pattern = np.arange(1024, dtype=np.float64) * 0.5
    n = a.shape[0]
    full = n - n % 1024
    step = 1024 * 1024  # 8 MiB of output per block
    for lo in range(0, full, step):
        hi = min(full, lo + step)
        a[lo:hi].reshape(-1, 1024)[:] = pattern
    a[full:] = pattern[: n - full]


# ---------------------------------------------------------------------------------------
# Workload B


class WorkloadB:
    name = "B"
    description = "50 row tasks: np.outer(row means of a fresh random 1000 x cols matrix, frame[row])"

    @staticmethod
    def params(cfg: Config) -> dict:
        cols = max(1, round(B_COLS * cfg.factor))
        return {
            "rows": B_ROWS,
            "cols": cols,
            "tasks": B_TASKS,
            "frame_bytes": 8 * B_ROWS * cols,
            "result_bytes_per_task": 8 * B_ROWS * cols,
        }

    @staticmethod
    def store_bytes(p: dict, cfg: Config) -> int:
        return p["frame_bytes"] + p["tasks"] * p["result_bytes_per_task"]

    @staticmethod
    def variants(cfg: Config) -> list:
        return [{"tasks": B_TASKS}]

    @staticmethod
    def task_row(k: int, p: dict) -> int:
        return k * p["rows"] // p["tasks"]

    @staticmethod
    def task_seed(k: int) -> int:
        return 1_000_000 + k

    def build(self, strat, p):
        frame = strat.alloc("frame", (p["rows"], p["cols"]))
        rng = np.random.default_rng(2024)
        for lo in range(0, p["rows"], 100):  # 100 rows at a time: no full-size temporary
            frame[lo : lo + 100] = rng.random((min(100, p["rows"] - lo), p["cols"]))
        return frame

    def share(self, strat, p, frame):
        refs = {"frame": strat.share("frame", frame), "out": None, "out_view": None}
        if strat.shares_output:
            refs["out_view"], refs["out"] = strat.alloc_output("out", (p["tasks"], p["rows"], p["cols"]))
        return refs

    def rep(self, strat, executor, p, frame, refs, variant):
        args = []
        for k in range(p["tasks"]):
            row = self.task_row(k, p)
            src, r = (frame[row], None) if strat.by_value else (refs["frame"], row)
            args.append((src, r, self.task_seed(k), p["rows"], refs["out"], k))
        results = executor.starmap(tasks.outer_task, args)
        return refs["out_view"] if refs["out"] is not None else results

    def check(self, p, frame, refs, variant, results) -> dict:
        """Every slot holds a rank-1 result on its own row; 3 sampled tasks match exactly."""
        bad = []
        for k in range(p["tasks"]):
            res, row = results[k], frame[self.task_row(k, p)]
            if res is None or res.shape != (p["rows"], p["cols"]) or res[0, 0] == 0 or not np.allclose(
                res[0] * row[0], res[0, 0] * row, rtol=1e-9, atol=0
            ):
                bad.append(k)
        for k in sorted({0, p["tasks"] // 2, p["tasks"] - 1}):
            want = np.outer(tasks.row_means(self.task_seed(k), p["rows"], p["cols"]), frame[self.task_row(k, p)])
            if not np.array_equal(results[k], want):
                bad.append(k)
        return {
            "ok": not bad,
            "expected": "rank-1 outer product per task",
            "got": "all tasks ok" if not bad else f"wrong tasks {sorted(set(bad))}",
        }


# ---------------------------------------------------------------------------------------
# Workloads C and D


class WorkloadRecords:
    """C: the records as a pandas DataFrame; D: as a pyarrow Table / Arrow IPC file."""

    def __init__(self, name: str):
        self.name = name
        self.description = (
            "nansum of the float column of 10M records (timestamp, float64 half NaN, short string) in every worker"
            + (", records as a pandas DataFrame" if name == "C" else ", records as an Arrow table")
        )

    @staticmethod
    def params(cfg: Config) -> dict:
        return {"records": max(16, round(CD_RECORDS * cfg.factor))}

    @staticmethod
    def store_bytes(p: dict, cfg: Config) -> int:
        return (cfg.workers + 1) * 30 * p["records"]  # ray_task puts one copy per task

    @staticmethod
    def variants(cfg: Config) -> list:
        return [{"tasks": cfg.workers}]

    @staticmethod
    def expected(n: int) -> float:
        """Sum over odd i < n of (i % 1000) * 0.25 (the even rows are NaN)."""
        full, rest = divmod(n, 1000)
        return (full * 250_000 + (rest // 2) ** 2) * 0.25

    def build(self, strat, p):
        table = build_records(p["records"])
        p["records_mb"] = round(table.nbytes / 1e6, 1)
        if self.name == "C":
            return table.to_pandas()
        return table

    def share(self, strat, p, records):
        return {"records": strat.share("records", records)}

    def rep(self, strat, executor, p, data, refs, variant):
        return executor.starmap(tasks.nansum_task, [(refs["records"],)] * variant["tasks"])

    def check(self, p, data, refs, variant, results) -> dict:
        want = self.expected(p["records"])
        got = [r["value"] for r in results]
        return {"ok": all(g == want for g in got), "expected": want, "got": got}

    @staticmethod
    def prepare() -> None:
        """Imports what the driver builds the records with before any pool forks, so every
        worker's baseline memory already holds these libraries."""
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401

    @staticmethod
    def memory(results, p, baseline: dict) -> dict:
        workers = []
        for r in results:
            w = {k: r[k] for k in ("pid", "rss_mb", "pss_mb", "anon_mb")}
            base = baseline.get(r["pid"])
            if base is not None:  # the same process measured at pool start, before any data
                for k in ("rss_mb", "pss_mb", "anon_mb"):
                    w["baseline_" + k] = base[k]
                    w["added_" + k] = round(r[k] - base[k], 1)
            workers.append(w)

        def most(key):
            values = [w[key] for w in workers if key in w]
            return max(values) if values else None

        return {
            "when": "in each worker after its nansum, while every worker holds the records",
            "records_mb": p.get("records_mb"),
            "workers": workers,
            "worker_rss_mb": most("rss_mb"),
            "worker_pss_mb": most("pss_mb"),
            "worker_anon_mb": most("anon_mb"),
            "worker_added_rss_mb": most("added_rss_mb"),
            "worker_added_pss_mb": most("added_pss_mb"),
            "worker_added_anon_mb": most("added_anon_mb"),
            "workers_pss_mb_total": round(sum(w["pss_mb"] for w in workers), 1),
            "driver": smaps_rollup(),
        }


_VOCAB = None


def build_records(n: int):
    """n records: date (timestamp[ns], 2020-01-01 + i % 3650 days), value (float64: NaN for
    even i, (i % 1000) * 0.25 for odd i), name (utf8 "r000".."r999" by i % 1000)."""
    import pyarrow as pa

    global _VOCAB
    if _VOCAB is None:
        _VOCAB = pa.array([f"r{i:03d}" for i in range(1000)])
    i = np.arange(n, dtype=np.int64)
    value = (i % 1000) * 0.25
    value[0::2] = np.nan
    date = np.datetime64("2020-01-01", "ns") + (i % 3650) * np.timedelta64(86_400_000_000_000, "ns")
    name = _VOCAB.take(pa.array(i % 1000))
    del i
    return pa.table({"date": pa.array(date), "value": pa.array(value), "name": name})


WORKLOADS = {"A": WorkloadA(), "B": WorkloadB(), "C": WorkloadRecords("C"), "D": WorkloadRecords("D")}


def pairs() -> list[tuple[str, str]]:
    """Every meaningful (workload, strategy) pair, in run order."""
    return [(w, s) for w in WORKLOADS for s, cls in STRATEGIES.items() if w in cls.workloads]


# ---------------------------------------------------------------------------------------
# Running one pair


def run(workload: str, strategy: str, cfg: Config, res: Resources):
    """Runs one (workload, strategy) pair and yields one result dict per variant."""
    wl = WORKLOADS[workload]
    strat = STRATEGIES[strategy](res)
    if workload not in strat.workloads:
        raise ValueError(f"strategy {strategy} does not apply to workload {workload}: see --list")
    p = wl.params(cfg)
    setup = {"data_s": None, "put_s": None, "pool_start_s": None, "ray_init_s": None}
    executor = strat.executor(cfg.workers, wl.store_bytes(p, cfg))
    if hasattr(wl, "prepare"):
        wl.prepare()
    if not strat.fork_after_share:  # workers forked before the data: they inherit none of it
        executor.start(setup, strat.attach)
    log(f"{workload}/{strategy}: building data {p}")
    with Stopwatch() as sw:
        data = wl.build(strat, p)
    setup["data_s"] = sw.seconds
    with Stopwatch() as sw:
        refs = wl.share(strat, p, data)
    setup["put_s"] = sw.seconds
    if workload in "CD" and any(r is not data for r in refs.values()):
        data = None  # the workers' copy is the only one needed; the driver lets go of its own
        gc.collect()
    if strat.fork_after_share:
        executor.start(setup, strat.attach)

    for variant in wl.variants(cfg):
        for _ in range(cfg.warmup):
            wl.rep(strat, executor, p, data, refs, variant)
        times, out = [], None
        for i in range(cfg.reps):
            out = None  # let the previous rep's results go before the next one
            with Stopwatch() as sw:
                out = wl.rep(strat, executor, p, data, refs, variant)
            times.append(sw.seconds)
            log(f"{workload}/{strategy} tasks={variant['tasks']} rep {i + 1}/{cfg.reps}: {sw.seconds:.3f} s")
        check = wl.check(p, data, refs, variant, out) if out is not None else {"ok": False, "got": "no rep ran"}
        memory = wl.memory(out, p, executor.baseline) if hasattr(wl, "memory") and out is not None else None
        out = None
        yield result(
            workload,
            strat,
            variant,
            cfg,
            params=p,
            times=times,
            setup=setup,
            memory=memory,
            check=check,
        )


def result(workload, strat, variant, cfg, *, params, times, setup, memory, check, error=None) -> dict:
    """One JSON object of the output (schema shm4j.bench.python/1)."""
    setup_s = sum(v for k, v in setup.items() if k.endswith("_s") and v is not None)
    return {
        "schema": SCHEMA,
        "lang": "python",
        "workload": workload,
        "strategy": strat.name,
        "variant": ",".join(f"{k}={v}" for k, v in variant.items()),
        "description": strat.description,
        "workers": cfg.workers,
        "reps": cfg.reps,
        "warmup": cfg.warmup,
        "size_factor": cfg.factor,
        "params": params,
        "times_s": times,
        **summary(times),
        "setup_s": setup_s,
        "setup": setup,
        "memory": memory,
        "check": check,
        "error": error,
        "python": platform.python_version(),
        "pid": os.getpid(),
    }
