#!/usr/bin/env bash
# `vivid bench` on every testing-fixtures/bench-* project: per-pass GPU and CPU times
# against the memory-bandwidth floor. The linear filter chains (bench-10-*, bench-100-*)
# run twice: with pointwise operators fused into one pass (the default) and with
# `--no-fuse` (every operator its own pass).
#
#   scripts/bench-operators.sh [path/to/vivid] [bandwidth GB/s] [frames]
#
# The default binary is the `profiling` build (cargo build --profile profiling): the release
# build's code with symbols and line tables, for profilers attached to a run.
#
# The bandwidth is the device's measured copy rate, bytes read + written (~3000 GB/s on the
# lent H100). Full tables go to $BENCH_OUT (default: a temporary folder); a summary is
# printed: per frame, then per operator (frame GPU time / operators), and the median pass's
# time over its floor (its inputs read once and its output written once).
set -euo pipefail
cd "$(dirname "$0")/.."
VIVID=${1:-target/profiling/vivid}
if [ ! -x "$VIVID" ]; then
    echo "bench-operators.sh: no $VIVID: build it with \`cargo build --profile profiling\` (or pass a vivid binary)" >&2
    exit 1
fi
BW=${2:-3000}
FRAMES=${3:-300}
OUT=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
printf '%-30s %9s %12s %12s %6s %5s %10s %10s %8s\n' project "ms/frame" "GPU us/frame" "CPU us/frame" passes ops "GPU us/op" "x floor" "MB"
one() {
    local dir=$1 label=$2; shift 2
    local file=${label// /}
    "$VIVID" bench "$dir" --frames "$FRAMES" --bandwidth "$BW" "$@" > "$OUT/$file.txt"
    "$VIVID" bench "$dir" --frames "$FRAMES" --bandwidth "$BW" "$@" --json "$OUT/$file.json"
    python3 - "$OUT/$file.json" "$label" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1]))
ops = s["operators"]
n = sum(o.get("operators", 1) for o in ops)
ratio = statistics.median(o["gpu_us"][0] / o["floor_us"] for o in ops if o.get("floor_us"))
print(f'{sys.argv[2]:<30} {s["ms_per_frame"]:>9.3f} {s["frame_gpu_us"][0]:>12.1f} {s["frame_cpu_us"][0]:>12.1f} {len(ops):>6} {n:>5} {s["frame_gpu_us"][0] / n:>10.2f} {ratio:>10.2f} {s["gpu_bytes"]/1048576:>8.1f}')
PY
}
for dir in testing-fixtures/bench-*/; do
    name=$(basename "$dir")
    one "$dir" "$name"
    case $name in
        bench-10-*|bench-100-*) one "$dir" "$name --no-fuse" --no-fuse ;;
    esac
done
echo "adapter: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adapter"])' "$OUT/$name.json")"
echo "full tables: $OUT"
