#!/usr/bin/env bash
# Hostile soak: one example, run headless with --watch for N minutes on a copy of its
# project, while an edit loop attacks the copy — good, broken and hanging shader saves,
# chain.toml broken and fixed, its picture swapped for a FIFO, for /dev/zero, for a 2 GB
# sparse file, for a link out of the project and back — and a sibling vivid is stopped by
# SIGINT / SIGTERM again and again (each must exit 0 within 3 s with its snapshot written).
# Then prints, as scripts/soak.sh does, the least-squares slope of RSS and of GPU memory
# after the first minute (MB per 10 s; target 0.00 ± 0.05) and the wgpu objects created
# after warm-up, with what the loop did and whether vivid survived it.
#
#   scripts/hostile-soak.sh                       # 10 minutes, target/release/vivid
#   scripts/hostile-soak.sh 2 path/to/vivid       # 2 minutes, another binary
#
# HOSTILE_EXAMPLE (default examples/05-live-shader) picks the example; every example gets
# 05's wobble shader wrapped around what it shows, and that shader is the one attacked; HOSTILE_SIZE=WxH its size (default 640x360); HOSTILE_HANG=0 leaves out the
# hanging shader (`loop {}`), which only a build with shader loop guards survives;
# HOSTILE_OUT keeps the logs and JSON (default: a temporary folder).
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
VIVID=$(realpath "${2:-target/release/vivid}")
EXAMPLE=${HOSTILE_EXAMPLE:-examples/05-live-shader}
SIZE=${HOSTILE_SIZE:-640x360}
HANG=${HOSTILE_HANG:-1}
OUT=${HOSTILE_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
SECS=$(python3 -c "print(float('$MINUTES') * 60)")

# The project copy, with a picture of its own that the loop swaps (not shown: it loads
# and reloads like any picture; the output stays the example's).
WORK=$(mktemp -d)
PROJ="$WORK/project"
OUTSIDE="$WORK/outside"
mkdir -p "$OUTSIDE"
cp -r "$EXAMPLE" "$PROJ"
"$VIVID" examples/02-hello-noise --headless --size 64x64 --monitor-interval 0 \
    --snapshot "$WORK/good.png" > /dev/null 2>&1
cp "$WORK/good.png" "$PROJ/pic.png"
cp "$WORK/good.png" "$OUTSIDE/secret.png"
SHOWN=$(sed -n 's/^output *= *"\(.*\)".*/\1/p' "$PROJ/chain.toml" | head -1)
if [ -z "$SHOWN" ]; then
    SHOWN=$(sed -n 's/^\[\([^]]*\)\].*/\1/p' "$PROJ/chain.toml" | tail -1)
fi
printf '\n[hostile_pic]\ntype = "image"\npath = "pic.png"\nsize = [64, 64]\n' >> "$PROJ/chain.toml"
# Every example gets a shader of its own to attack: 05's wobble, wrapped around what the
# example shows, so the good, broken and hanging saves reach the picture on screen.
SHADER="$PROJ/hostile_wobble.wgsl"
cp examples/05-live-shader/wobble.wgsl "$SHADER"
printf '\n[hostile_fx]\ntype = "shader"\nshader = "hostile_wobble.wgsl"\ninput = "%s"\namount = 0.01\n' \
    "$SHOWN" >> "$PROJ/chain.toml"
cp "$PROJ/chain.toml" "$WORK/chain.good"
cp "$SHADER" "$WORK/shader.good"

cleanup() {
    kill "${MAIN:-}" "${SIB:-}" 2> /dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

"$VIVID" "$PROJ" --headless --watch --duration "$SECS" --fps 60 --monitor-interval 10 \
    --size "$SIZE" --set output=hostile_fx --stats-json "$OUT/hostile.json" \
    > "$OUT/hostile.log" 2>&1 &
MAIN=$!

# Saves the way editors do: a temporary file renamed over the old one.
save() { cp "$1" "$2.tmp~" && mv -f "$2.tmp~" "$2"; }
swap_pic() { rm -f "$PROJ/pic.png"; "$@"; }

declare -A did=()
sib_ok=0
sib_bad=0
sibling() {
    local sig=$1 start
    "$VIVID" examples/02-hello-noise --headless --duration 60 --size 64x36 \
        --monitor-interval 0 --snapshot "$WORK/sibling.png" > "$OUT/sibling.log" 2>&1 &
    SIB=$!
    sleep 2
    rm -f "$WORK/sibling.png"
    start=$(date +%s.%N)
    kill -s "$sig" "$SIB" 2> /dev/null || true
    local code=0
    wait "$SIB" || code=$?
    local took
    took=$(python3 -c "print($(date +%s.%N) - $start)")
    if [ "$code" = 0 ] && [ -s "$WORK/sibling.png" ] && python3 -c "import sys; sys.exit(0 if $took < 3 else 1)"; then
        sib_ok=$((sib_ok + 1))
    else
        sib_bad=$((sib_bad + 1))
        echo "sibling SIG$sig: exit $code after ${took}s" >> "$OUT/sibling-failures.log"
    fi
    SIB=
}

actions=(shader-good shader-broken chain-broken chain-good pic-fifo pic-good pic-zero pic-good
         pic-huge pic-good pic-outside pic-good signal-INT signal-TERM)
if [ "$HANG" = 1 ]; then actions+=(shader-hang shader-good); fi
end=$(( $(date +%s) + ${SECS%.*} - 5 ))
i=0
while [ "$(date +%s)" -lt "$end" ] && kill -0 "$MAIN" 2> /dev/null; do
    a=${actions[$((i % ${#actions[@]}))]}
    i=$((i + 1))
    case $a in
        shader-good)
            [ -n "$SHADER" ] || continue
            sed "s/sin(phase)/sin(phase + $((i % 7)).0)/" "$WORK/shader.good" > "$WORK/s"
            save "$WORK/s" "$SHADER" ;;
        shader-broken)
            [ -n "$SHADER" ] || continue
            sed 's/params\.amount/params.amout/' "$WORK/shader.good" > "$WORK/s"
            save "$WORK/s" "$SHADER" ;;
        shader-hang)
            sed 's/^fn shade(uv: vec2<f32>) -> vec4<f32> {/&\n    var k = 0u;\n    loop { k = k + 1u; }/' \
                "$WORK/shader.good" > "$WORK/s"
            save "$WORK/s" "$SHADER" ;;
        chain-broken)
            { cat "$WORK/chain.good"; printf '\n[oops\n'; } > "$WORK/c"
            save "$WORK/c" "$PROJ/chain.toml" ;;
        chain-good) save "$WORK/chain.good" "$PROJ/chain.toml" ;;
        pic-fifo) swap_pic mkfifo "$PROJ/pic.png" ;;
        pic-zero) swap_pic ln -s /dev/zero "$PROJ/pic.png" ;;
        pic-huge) swap_pic truncate -s 2G "$PROJ/pic.png" ;;
        pic-outside) swap_pic ln -s "$OUTSIDE/secret.png" "$PROJ/pic.png" ;;
        pic-good) swap_pic cp "$WORK/good.png" "$PROJ/pic.png" ;;
        signal-*) sibling "${a#signal-}" ;;
    esac
    did[$a]=$(( ${did[$a]:-0} + 1 ))
    sleep 0.3
done
# The last word is a good project: the run ends on it.
save "$WORK/chain.good" "$PROJ/chain.toml"
if [ -n "$SHADER" ]; then save "$WORK/shader.good" "$SHADER"; fi
swap_pic cp "$WORK/good.png" "$PROJ/pic.png"
code=0
wait "$MAIN" || code=$?
MAIN=

echo "hostile soak of $EXAMPLE ($SIZE) for $MINUTES min with $VIVID"
echo "vivid exit status: $code"
printf 'edits:'
for a in "${!did[@]}"; do printf ' %s=%s' "$a" "${did[$a]}"; done
echo
echo "sibling stopped by a signal: $sib_ok clean (exit 0, snapshot, < 3 s), $sib_bad not"
echo "panics in the log: $(grep -c panicked "$OUT/hostile.log" || true)"
python3 - "$OUT/hostile.json" <<'PY'
import json, sys

MB = 1024 * 1024
s = json.load(open(sys.argv[1]))

def slope(ts, ys):
    n = len(ts)
    if n < 3:
        return float("nan")
    mt, my = sum(ts) / n, sum(ys) / n
    var = sum((t - mt) ** 2 for t in ts)
    return sum((t - mt) * (y - my) for t, y in zip(ts, ys)) / var if var else float("nan")

samples = s["monitor_samples"]
steady = [x for x in samples if x["t"] >= 60] or samples
ts = [x["t"] for x in steady]
rss = slope(ts, [x["rss_bytes"] / MB for x in steady]) * 10
gpu = slope(ts, [x["gpu_bytes"] / MB for x in steady]) * 10
r0, r1 = steady[0]["rss_bytes"] / MB, steady[-1]["rss_bytes"] / MB
g0, g1 = steady[0]["gpu_bytes"] / MB, steady[-1]["gpu_bytes"] / MB
print(f'frames {s["frames"]}, samples after the first minute {len(steady)}')
print(f'RSS {r0:.1f} -> {r1:.1f} MB, slope {rss:+.3f} MB/10 s')
print(f'GPU {g0:.1f} -> {g1:.1f} MB, slope {gpu:+.3f} MB/10 s')
print(f'objects created after warm-up: {s["gpu_objects_created_after_warmup"]}')
ok = abs(rss) <= 0.05 and abs(gpu) <= 0.05 and s["gpu_objects_created_after_warmup"] == 0
print("verdict:", "flat" if ok else "GROWS or creates")
sys.exit(0 if ok else 1)
PY
