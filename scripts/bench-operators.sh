#!/usr/bin/env bash
# `vivid bench` on every testing-fixtures/bench-* project: per-operator GPU and CPU times
# against the memory-bandwidth floor.
#
#   scripts/bench-operators.sh [path/to/vivid] [bandwidth GB/s] [frames]
#
# The bandwidth is the device's measured copy rate, bytes read + written (~3000 GB/s on the
# lent H100). Full tables go to $BENCH_OUT (default: a temporary folder); a summary is
# printed.
set -euo pipefail
cd "$(dirname "$0")/.."
VIVID=${1:-target/release/vivid}
BW=${2:-3000}
FRAMES=${3:-300}
OUT=${BENCH_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
printf '%-22s %10s %12s %12s %14s %16s %10s\n' project "ms/frame" "GPU us/frame" "CPU us/frame" "GPU us/op med" "x floor (median)" "MB"
for dir in testing-fixtures/bench-*/; do
    name=$(basename "$dir")
    "$VIVID" bench "$dir" --frames "$FRAMES" --bandwidth "$BW" > "$OUT/$name.txt"
    "$VIVID" bench "$dir" --frames "$FRAMES" --bandwidth "$BW" --json "$OUT/$name.json"
    python3 - "$OUT/$name.json" "$name" <<'PY'
import json, statistics, sys
s = json.load(open(sys.argv[1]))
ops = s["operators"]
gpu = statistics.median(o["gpu_us"][0] for o in ops)
ratio = statistics.median(o["gpu_us"][0] / o["floor_us"] for o in ops if o.get("floor_us"))
print(f'{sys.argv[2]:<22} {s["ms_per_frame"]:>10.3f} {s["frame_gpu_us"][0]:>12.1f} {s["frame_cpu_us"][0]:>12.1f} {gpu:>14.1f} {ratio:>16.2f} {s["gpu_bytes"]/1048576:>10.1f}')
PY
done
echo "adapter: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["adapter"])' "$OUT/$name.json")"
echo "full tables: $OUT"
