"""Python strategies for shm4j's benchmark workloads (issue 6).

The entry point is ``bench.py`` next to this package; ``docs/bench-python.md`` describes the
workloads, the strategies, the command line and the JSON it prints.

Modules, in the order data flows:
    cli        -- argument parsing, ``--list``, one JSON object per result on stdout
    workloads  -- A, B, C, D: build the data, run the reps, check the answer (driver side)
    strategies -- where the data lives (pickle, fork, RawArray, memmap, SharedMemory, Ray,
                  Arrow IPC) and which executor runs the tasks (process pool or Ray)
    tasks      -- everything a worker process executes: refs, attach, the task functions
    resources  -- every segment, file, pool and Ray runtime a run creates, released on exit
    measure    -- timing statistics and /proc/PID/smaps_rollup
"""
