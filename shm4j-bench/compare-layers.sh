#!/usr/bin/env bash
# The per-layer benchmarks of two builds side by side in one run, interleaved (base, new, new,
# base, ...): SegmentBench, ArraySumBenchmark, FrameBench and StoreBenchmark, each tree running its
# own benchmark classes (they measure the same acts through each tree's API). Used to check that a
# change of API shape left the layers' speed unchanged within noise.
#
#   shm4j-bench/compare-layers.sh BASE_TREE [ROUNDS] [SCALE]
#
# BASE_TREE is another checkout built with `./mvnw -DskipTests package` (for example
# `git worktree add --detach /tmp/base COMMIT`). SCALE divides the documented sizes (default 4:
# 256 MiB segments, 384 MB arrays, 2.5M-row frames, 125 MB store objects) so that a round fits a
# few minutes. Output: raw logs in shm4j-bench/target/compare-layers/, then the medians per
# measure and new/base ratios (compare-layers.py).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base="$(cd "$1" && pwd)"
rounds="${2:-3}"
scale="${3:-4}"
java="$("$root/bin/find-jdk")"
out="$root/shm4j-bench/target/compare-layers"
mkdir -p "$out"
rm -f "$out"/*.log

cp_of() { # the runtime class path of a built tree: its bench jar and dependencies
  local jar
  jar="$(ls "$1"/shm4j-bench/target/shm4j-bench-*.jar | grep -v -- '-sources\|-javadoc' | head -1)"
  if [ -d "$1/shm4j-bench/target/lib" ]; then # a build from before the CLI/bench plug-in split
    echo "$jar:$1/shm4j-bench/target/lib/*"
  else
    echo "$jar:$1/shm4j-cli/target/lib/*:$1/shm4j-bench/target/plugin/*"
  fi
}

run() { # side, class path
  local side="$1" cp="$2"
  local flags=(--enable-native-access=ALL-UNNAMED --add-modules jdk.incubator.vector)
  {
    echo "## segment"
    "$java" "${flags[@]}" -cp "$cp" io.shm4j.bench.segment.SegmentBench \
      --size-mib $((1024 / scale)) --huge-mib $((1536 / scale)) --reps 5 || echo "SegmentBench exited $?"
    echo "## array"
    "$java" "${flags[@]}" -Xmx4g -cp "$cp" io.shm4j.bench.array.ArraySumBenchmark $((1536 / scale))m 5 \
      || echo "ArraySumBenchmark exited $?"
    echo "## frame"
    "$java" "${flags[@]}" -Xmx4g -cp "$cp" io.shm4j.bench.frame.FrameBench $((10000000 / scale)) \
      || echo "FrameBench exited $?"
    echo "## store"
    "$java" "${flags[@]}" -Xmx3g -cp "$cp" io.shm4j.bench.store.StoreBenchmark --size-mb $((500 / scale)) \
      --reps 5 --no-ray || echo "StoreBenchmark exited $?"
  } >> "$out/$side.log" 2>&1
}

new_cp="$(cp_of "$root")"
base_cp="$(cp_of "$base")"
echo "compare-layers: base=$(git -C "$base" rev-parse --short HEAD), new=$(git -C "$root" rev-parse --short HEAD)," \
  "rounds=$rounds, scale=1/$scale, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$rounds"); do
  if [ $((i % 2)) -eq 1 ]; then order="base new"; else order="new base"; fi
  for side in $order; do
    if [ "$side" = base ]; then run base "$base_cp"; else run new "$new_cp"; fi
  done
  echo "round $i done, load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 "$root/shm4j-bench/compare-layers.py" "$out"
