#!/usr/bin/env bash
# Side-by-side figures of two builds of the pool in one run, interleaved (base, new, base, new ...):
# PoolBench (start, empty-task throughput, the SIGSTOP stall) and `shm4j bench` workloads A-D
# (Java strategies), each run alternately on the base build's jars and on this tree's.
#
#   [POOL_TASKS=300000] [POOL_HEAP="-Xms1g -Xmx1g -XX:+AlwaysPreTouch"] [POOL_ONLY=1] \
#       shm4j-bench/compare-pool.sh BASE_TREE [ROUNDS] [BENCH_SIZE]
#
# POOL_ONLY=1 skips workloads A-D; WORKLOADS_ONLY=1 skips PoolBench.
#
# The throughput part runs in a JVM of its own with a fixed, pre-touched heap (POOL_HEAP; the
# workers inherit it): on this VM the first touch of a page costs ~23 us (free pages are handed
# back to the host), so a JVM whose heap grows into fresh memory during a round spends more on
# page faults than on the pool (empty-task rates of one build differed 2x between JVM runs).
# POOL_HEAP= (empty) measures with the JVM's default heap. Start and stall run with defaults.
#
# BASE_TREE is another checkout built with `./mvnw -DskipTests package` (for example
# `git worktree add --detach /tmp/pool-base main`). PoolBench is this tree's class on both sides
# (it uses only the pool's public API), placed first on the base class path. Output: the raw
# logs in target/compare-pool/, and a summary of medians and new/base ratios on stdout.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$(cd "$1" && pwd)"
rounds="${2:-3}"
size="${3:-0.05}"
java="$("$root/bin/find-jdk")"
out="$root/shm4j-bench/target/compare-pool"
mkdir -p "$out"
[ -n "${KEEP:-}" ] || rm -rf "$out"/*.log "$out"/bench-*

cp_of() { # the runtime class path of a built tree: its bench jar and dependencies
  local t="$1"
  local jars
  jars="$(ls "$t"/shm4j-bench/target/shm4j-bench-*.jar | grep -v -- '-sources\|-javadoc' | head -1)"
  if [ -d "$t/shm4j-cli/target/lib" ]; then
    local cli # the CLI's own jar: in its lib when the launcher built it, beside it after a Maven build
    cli="$(ls "$t"/shm4j-cli/target/shm4j-cli-*.jar 2>/dev/null | grep -v -- '-sources\|-javadoc' | head -1)"
    echo "$jars${cli:+:$cli}:$t/shm4j-cli/target/lib/*:$t/shm4j-bench/target/plugin/*"
  else # a build from before the CLI/bench plug-in split (a leftover bench lib of such a build is stale)
    echo "$jars:$t/shm4j-bench/target/lib/*"
  fi
}
new_cp="$(cp_of "$root")"
base_cp="$(cp_of "$base")"
poolbench="$out/poolbench-classes" # this tree's PoolBench alone, first on the base class path
mkdir -p "$poolbench/io/shm4j/bench/pool"
cp "$root"/shm4j-bench/target/classes/io/shm4j/bench/pool/PoolBench*.class "$poolbench/io/shm4j/bench/pool/"

heap="${POOL_HEAP-"-Xms1g -Xmx1g -XX:+AlwaysPreTouch"}"
run_pool() { # side, class path
  "$java" --enable-native-access=ALL-UNNAMED -cp "$2" io.shm4j.bench.pool.PoolBench 2 "${POOL_TASKS:-300000}" 5 start,stall \
    >> "$out/pool-$1.log" 2>&1 || echo "PoolBench on $1 exited $?" >> "$out/pool-$1.log"
  # shellcheck disable=SC2086 # the heap options are words
  "$java" --enable-native-access=ALL-UNNAMED $heap -cp "$2" io.shm4j.bench.pool.PoolBench 2 "${POOL_TASKS:-300000}" 5 throughput \
    >> "$out/pool-$1.log" 2>&1 || echo "PoolBench throughput on $1 exited $?" >> "$out/pool-$1.log"
}
run_workloads() { # side, class path
  SHM4J_BENCH_FORKED=1 "$java" --enable-native-access=ALL-UNNAMED -Xmx3g -cp "$2" io.shm4j.cli.Main bench \
    --workload A,B,C,D --no-python --size "$size" --reps 5 --warmup 1 --out "$out/bench-$1-$3" \
    >> "$out/bench-$1.log" 2>&1 || echo "bench on $1 exited $?" >> "$out/bench-$1.log"
}

echo "compare-pool: base=$(git -C "$base" rev-parse --short HEAD), new=$(git -C "$root" rev-parse --short HEAD), rounds=$rounds, size=$size, throughput heap: ${heap:-default}, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) -eq 1 ]; then order="base new"; else order="new base"; fi
  for side in $order; do
    if [ "$side" = base ]; then cp="$base_cp"; pcp="$poolbench:$base_cp"; else cp="$new_cp"; pcp="$new_cp"; fi
    if [ -z "${WORKLOADS_ONLY:-}" ]; then run_pool "$side" "$pcp"; fi
    if [ -z "${POOL_ONLY:-}" ]; then run_workloads "$side" "$cp" "$i"; fi
  done
  echo "round $i done, load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 "$root/shm4j-bench/compare-pool.py" "$out"
