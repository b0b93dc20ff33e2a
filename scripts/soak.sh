#!/usr/bin/env bash
# Soak: runs each example headless for N minutes with the memory monitor sampled every 10 s
# into --stats-json, then prints, per example, the slope of process RSS and of GPU memory
# after warm-up (least squares over the samples after the first minute), in MB per 10 s.
# Target: 0.00 (within ±0.05 MB/10 s of noise).
#
#   scripts/soak.sh                          # 10 minutes each, target/release/vivid, one at a time
#   scripts/soak.sh 2 path/to/vivid          # 2 minutes each, another binary
#   SOAK_PARALLEL=1 scripts/soak.sh 9.5      # all examples at once (a GPU with spare cores)
#
# SOAK_SIZE=WxH overrides the output size; SOAK_OUT keeps the JSON files (default: a
# temporary folder); SOAK_PROJECTS lists other project folders.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
VIVID=${2:-target/release/vivid}
OUT=${SOAK_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
SECS=$(python3 -c "print(float('$MINUTES') * 60)")
read -r -a projects <<< "${SOAK_PROJECTS:-$(ls -d examples/*/ | tr '\n' ' ')}"
size_args=()
if [ -n "${SOAK_SIZE:-}" ]; then size_args=(--size "$SOAK_SIZE"); fi

run_one() {
    local dir=${1%/} name
    name=$(basename "$dir")
    "$VIVID" "$dir" --headless --duration "$SECS" --fps 60 --monitor-interval 10 \
        "${size_args[@]}" --stats-json "$OUT/$name.json" > "$OUT/$name.log" 2>&1 \
        || { echo "$name failed:"; tail -20 "$OUT/$name.log"; return 1; }
}

pids=()
for p in "${projects[@]}"; do
    if [ -n "${SOAK_PARALLEL:-}" ]; then
        run_one "$p" & pids+=($!)
    else
        run_one "$p"
    fi
done
for pid in "${pids[@]}"; do wait "$pid"; done

python3 - "$OUT" "${projects[@]}" <<'PY'
import json, os, sys

out, projects = sys.argv[1], sys.argv[2:]
MB = 1024 * 1024

def slope(ts, ys):
    n = len(ts)
    if n < 3:
        return float("nan")
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var if var else float("nan")

print(f'{"project":<18} {"minutes":>7} {"frames":>9} {"RSS MB":>15} {"RSS MB/10s":>11} '
      f'{"GPU MB":>13} {"GPU MB/10s":>11} {"objects*":>9}  verdict')
worst = 0.0
for p in projects:
    name = os.path.basename(p.rstrip("/"))
    s = json.load(open(os.path.join(out, name + ".json")))
    samples = s["monitor_samples"]
    # Warm-up: the first minute (caches, allocator pools, the driver's JIT).
    steady = [x for x in samples if x["t"] >= 60] or samples
    ts = [x["t"] for x in steady]
    rss = slope(ts, [x["rss_bytes"] / MB for x in steady]) * 10
    gpu = slope(ts, [x["gpu_bytes"] / MB for x in steady]) * 10
    worst = max(worst, abs(rss), abs(gpu))
    minutes = samples[-1]["t"] / 60 if samples else 0
    r0, r1 = steady[0]["rss_bytes"] / MB, steady[-1]["rss_bytes"] / MB
    g0, g1 = steady[0]["gpu_bytes"] / MB, steady[-1]["gpu_bytes"] / MB
    ok = "flat" if abs(rss) <= 0.05 and abs(gpu) <= 0.05 else "GROWS"
    print(f'{name:<18} {minutes:>7.1f} {s["frames"]:>9} {r0:>7.1f}→{r1:<7.1f} {rss:>+11.3f} '
          f'{g0:>6.1f}→{g1:<6.1f} {gpu:>+11.3f} {s["gpu_objects_created_after_warmup"]:>9}  {ok}')
print("* wgpu objects created after warm-up (the engine's counts).")
print(f"adapter: {s.get('adapter', '?')}")
sys.exit(0 if worst <= 0.05 else 1)
PY
