#!/usr/bin/env bash
# Headless frame times of the examples at 1920x1080 (and 3840x2160), as a table.
#
#   scripts/bench.sh                       # target/profiling/vivid, 300 frames
#   scripts/bench.sh path/to/vivid 600     # another binary, more frames
#
# The default binary is the `profiling` build (cargo build --profile profiling): the release
# build's code with symbols and line tables, so a profiler (perf record, samply) attached to
# a run can name what it sees.
#
# Each run renders with a fixed time step, so animated parameters move as they would live;
# the time per frame excludes the first 10 frames (pipeline compilation, first use).
set -euo pipefail
cd "$(dirname "$0")/.."
VIVID=${1:-target/profiling/vivid}
if [ ! -x "$VIVID" ]; then
    echo "bench.sh: no $VIVID: build it with \`cargo build --profile profiling\` (or pass a vivid binary)" >&2
    exit 1
fi
FRAMES=${2:-300}
OUT=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
cases=(
    "examples/02-hello-noise 1920x1080"
    "examples/02-hello-noise 3840x2160"
    "examples/03-feedback 1920x1080"
    "examples/04-compositing 1920x1080"
    "examples/04-compositing 3840x2160"
    "examples/06-3d-shadows 1920x1080"
    "examples/07-3d-into-2d 1920x1080"
    "examples/10-vj-set 1920x1080"
    "testing-fixtures/shadow-point 1920x1080"
)
printf '%-26s %-10s %8s %12s %10s %9s %9s\n' project size frames "ms/frame" fps objects* encoders
for c in "${cases[@]}"; do
    set -- $c
    name=$(basename "$1")-$2
    "$VIVID" "$1" --headless --frames "$FRAMES" --fps 60 --size "$2" --monitor-interval 0 \
        --stats-json "$OUT/$name.json" 2>"$OUT/$name.log" || { cat "$OUT/$name.log"; exit 1; }
    python3 - "$OUT/$name.json" "$1" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
ms = s["ms_per_frame"]
print(f'{sys.argv[2].split("/")[-1]:<26} {sys.argv[3]:<10} {s["frames"]:>8} {ms:>12.3f} {1000/ms:>10.1f} {s["gpu_objects_created_after_warmup"]:>9} {s["max_encoders_per_frame"]:>9}')
PY
done
echo "* wgpu objects created after warm-up; encoders = most command encoders in one frame."
echo "adapter: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adapter"])' "$OUT/$name.json")"
