"""Tests of the Python benchmark: every (workload, strategy) pair at a tiny size, the command
line, and clean-up on Ctrl-C and SIGTERM. Run: python3 -m pytest -q shm4j-bench/python

Ray is started once for the session (its pairs run last: forking a pool after ray.init is
unsafe). Every test fails if it leaves a shm4j-pybench-* file or a Ray plasma file in
/dev/shm.
"""
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from pybench import tasks, workloads as wls
from pybench.cli import main, parse_size, run_pair
from pybench.resources import PREFIX, Resources
from pybench.strategies import STRATEGIES, start_ray

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH = os.path.join(HERE, "bench.py")
SHM = "/dev/shm"
TINY = wls.Config(workers=2, reps=1, warmup=1, factor=0.0005, tasks_a=[2, 8])
RESULT_KEYS = {
    "schema", "lang", "workload", "strategy", "variant", "description", "workers", "reps", "warmup",
    "size_factor", "params", "times_s", "median_s", "min_s", "max_s", "setup_s", "setup", "memory",
    "check", "error", "python", "pid",
}
POOL_PAIRS = [p for p in wls.pairs() if STRATEGIES[p[1]].executor_kind == "pool"]
RAY_PAIRS = [p for p in wls.pairs() if STRATEGIES[p[1]].executor_kind == "ray"]


def ours_in_shm() -> list[str]:
    return sorted(n for n in os.listdir(SHM) if n.startswith(PREFIX) or n.startswith("plasma"))


@pytest.fixture(autouse=True)
def leaves_nothing_in_shm():
    yield
    assert ours_in_shm() == [], "a test left files in /dev/shm"


@pytest.fixture(scope="session")
def ray_session():
    with Resources() as res:
        start_ray(2, 512 << 20, res)
        yield
    assert ours_in_shm() == []


def run_tiny(workload, strategy, cfg=TINY):
    return list(run_pair(workload, strategy, cfg))


@pytest.mark.parametrize("workload,strategy", POOL_PAIRS, ids=[f"{w}-{s}" for w, s in POOL_PAIRS])
def test_every_pool_pair_gives_the_right_answer_in_the_documented_shape(workload, strategy):
    assert_right_answer_in_documented_shape(workload, strategy)


def assert_right_answer_in_documented_shape(workload, strategy):
    results = run_tiny(workload, strategy)

    want_variants = [f"tasks={t}" for t in TINY.tasks_a] if workload == "A" else (
        ["tasks=50"] if workload == "B" else [f"tasks={TINY.workers}"])
    assert [r["variant"] for r in results] == want_variants
    for r in results:
        assert set(r) == RESULT_KEYS
        assert json.loads(json.dumps(r)) == r
        assert r["error"] is None
        assert r["check"]["ok"], r["check"]
        assert (r["workload"], r["strategy"], r["lang"]) == (workload, strategy, "python")
        assert len(r["times_s"]) == 1 and r["min_s"] <= r["median_s"] <= r["max_s"]
        assert r["setup"]["data_s"] >= 0 and r["setup"]["pool_start_s"] > 0
        assert (r["setup"]["ray_init_s"] is not None) == (STRATEGIES[strategy].executor_kind == "ray")
        assert r["setup_s"] >= r["setup"]["data_s"] + r["setup"]["pool_start_s"]
        if workload in "CD":
            mem = r["memory"]
            assert len(mem["workers"]) == TINY.workers
            assert all(w["rss_mb"] >= w["pss_mb"] > 0 and w["anon_mb"] > 0 for w in mem["workers"])
            assert mem["driver"]["rss_mb"] > 0
            if STRATEGIES[strategy].executor_kind == "pool":  # the same processes measured at start
                assert all("baseline_rss_mb" in w and "added_pss_mb" in w for w in mem["workers"])
                assert mem["worker_added_rss_mb"] is not None
        else:
            assert r["memory"] is None


def test_known_answers_match_a_direct_sum():
    import numpy as np

    for n in (1, 1023, 1024, 1025, 5000):
        a = np.empty(n)
        wls.fill_a(a)
        assert a.sum() == wls.WorkloadA.expected(n)
        assert np.array_equal(a, (np.arange(n) % 1024) * 0.5)
    for n in (16, 999, 1000, 1001, 12345):
        value = wls.build_records(n).column("value").to_numpy()
        assert np.nansum(value) == wls.WorkloadRecords.expected(n)
        assert np.isnan(value).sum() == (n + 1) // 2


def test_a_wrong_answer_fails_the_check():
    import numpy as np

    p = wls.WorkloadB.params(TINY)
    frame = np.random.default_rng(2024).random((p["rows"], p["cols"]))
    good = [np.outer(tasks.row_means(wls.WorkloadB.task_seed(k), p["rows"], p["cols"]),
                     frame[wls.WorkloadB.task_row(k, p)]) for k in range(p["tasks"])]
    assert wls.WorkloadB().check(p, frame, {}, {"tasks": 50}, good)["ok"]
    swapped = good[:1] + good[2:3] + good[1:2] + good[3:]
    assert wls.WorkloadB().check(p, frame, {}, {"tasks": 50}, swapped)["got"] == "wrong tasks [1, 2]"
    nudged = [g.copy() for g in good]
    nudged[0][5, 1] += 1e-9
    assert not wls.WorkloadB().check(p, frame, {}, {"tasks": 50}, nudged)["ok"]
    assert not wls.WorkloadA().check(wls.WorkloadA.params(TINY), None, {}, {}, 1.5)["ok"]


def test_size_is_a_factor_or_bytes_of_workload_a():
    assert parse_size("0.25") == 0.25
    assert parse_size("1.5GB") == 1.0
    assert parse_size("150MB") == pytest.approx(0.1)
    assert parse_size("1GiB") == pytest.approx(2**30 / 1.5e9)
    for bad in ("", "-1", "0", "12 parsecs", "MB"):
        with pytest.raises(Exception):
            parse_size(bad)


def bench(*args, timeout=120):
    return subprocess.run([sys.executable, BENCH, *args], capture_output=True, text=True, timeout=timeout)


def test_list_names_every_pair_as_json():
    out = bench("--list")
    assert out.returncode == 0
    listing = json.loads(out.stdout)
    assert listing["schema"] == wls.SCHEMA
    got = {(p["workload"], p["strategy"]) for p in listing["pairs"]}
    assert got == set(wls.pairs())
    assert all(p["available"] and p["variants"] for p in listing["pairs"])
    assert {"pickle", "cow_fork", "rawarray", "memmap_disk", "memmap_shm", "shm_task", "shm_once", "ray_put",
            "ray_task"} <= {s for w, s in got if w == "A"}
    assert {"arrow_mmap", "polars_mmap"} <= {s for w, s in got if w == "D"}


def test_json_mode_prints_only_json_lines_on_stdout():
    out = bench("--workload", "A", "--strategy", "shm_once,rawarray", "--size", "1MB", "--reps", "2", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["strategy"], r["variant"]) for r in lines] == [
        ("rawarray", "tasks=2"), ("rawarray", "tasks=8"), ("shm_once", "tasks=2"), ("shm_once", "tasks=8")]
    assert all(r["check"]["ok"] and len(r["times_s"]) == 2 for r in lines)
    assert "pool of 2 started" in out.stderr


def test_text_mode_prints_one_line_per_result():
    assert main(["--workload", "c", "--strategy", "cow_fork", "--size", "0.0005", "--reps", "1", "--quiet"]) == 0


@pytest.mark.parametrize("args", [
    ["--workload", "E"],
    ["--strategy", "nope"],
    ["--workload", "A", "--strategy", "polars_mmap"],
    ["--size", "lots"],
    ["--tasks", "2,0"],
    ["--workers", "0"],
])
def test_bad_usage_exits_with_2_and_a_message(args):
    out = bench(*args, "--json")
    assert out.returncode == 2
    assert out.stdout == ""
    assert "bench.py" in out.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_removes_its_segments_and_stops_its_workers(sig, tmp_path):
    marker = str(tmp_path / "marker-disk-dir")  # in every worker's command line too
    os.mkdir(marker)
    proc = subprocess.Popen(
        [sys.executable, BENCH, "--workload", "B", "--strategy", "shm_once", "--size", "0.2", "--reps", "50",
         "--disk-dir", marker, "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A runner started with SIGINT ignored (nohup, `&` in a script) passes SIG_IGN on, and Python
        # then never installs its Ctrl-C handler: give the run the default disposition a terminal gives.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while not (ours_in_shm() and len(pids_with(marker)) >= 3):  # driver and 2 workers, data in shm
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.05)
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (130, 128 + signal.SIGTERM, -sig), err
    deadline = time.monotonic() + 10
    while pids_with(marker) and time.monotonic() < deadline:  # terminated workers are reaped
        time.sleep(0.05)
    assert pids_with(marker) == []
    assert ours_in_shm() == []


def pids_with(marker: str) -> list[int]:
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if marker.encode() in f.read():
                    pids.append(int(pid))
        except OSError:
            pass
    return pids


# Ray last: forking a pool in a process after ray.init is unsafe, and the pool tests fork.
@pytest.mark.parametrize("workload,strategy", RAY_PAIRS, ids=[f"{w}-{s}" for w, s in RAY_PAIRS])
def test_every_ray_pair_gives_the_right_answer_in_the_documented_shape(workload, strategy, ray_session):
    assert_right_answer_in_documented_shape(workload, strategy)
