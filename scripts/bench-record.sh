#!/usr/bin/env bash
# What recording costs a headless render: frames per second without --record, with a video
# file and with a PNG sequence, and the render loop's stall per frame (its ms/frame with the
# recording minus without: the copy into the readback ring, waiting for a free buffer or a
# full encoder queue). The wall-clock fps includes writing the last frames and closing the
# file. The video codec is the first one this GStreamer can record (probed by recording two
# frames): H.264 in MP4 (x264enc), FFV1 in MKV (avenc_ffv1), VP9 in WebM (vp9enc), ProRes in
# MOV (avenc_prores_ks).
#
#   scripts/bench-record.sh [VIVID] [PROJECT] [SIZE] [FPS] [FRAMES]
#   defaults: target/release/vivid examples/02-hello-noise 1920x1080 60 600
#   e.g. here (2 cores, lavapipe): scripts/bench-record.sh target/debug/vivid examples/02-hello-noise 640x360 60 120
set -euo pipefail

VIVID=${1:-target/release/vivid}
PROJECT=${2:-examples/02-hello-noise}
SIZE=${3:-1920x1080}
FPS=${4:-60}
FRAMES=${5:-600}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/vivid-bench-record.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

[ -x "$VIVID" ] || { echo "bench-record: no vivid binary at $VIVID (cargo build --release)" >&2; exit 2; }

# One run: prints "<wall seconds> <render loop ms/frame>"; the run's stderr goes to $OUT/log.
run() {
    local start end ms
    start=$(date +%s.%N)
    if ! "$VIVID" "$PROJECT" --headless --no-watch --monitor-interval 0 --size "$SIZE" \
        --fps "$FPS" --frames "$FRAMES" "$@" >"$OUT/log" 2>&1; then
        echo "bench-record: vivid $* failed:" >&2
        cat "$OUT/log" >&2
        exit 1
    fi
    end=$(date +%s.%N)
    ms=$(sed -n 's/.* \([0-9.]*\) ms\/frame.*/\1/p' "$OUT/log" | tail -n 1)
    echo "$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }') ${ms:-nan}"
}

# The first video container/codec this GStreamer records.
video=""
for candidate in "mp4 h264" "mkv ffv1" "webm vp9" "mov prores"; do
    set -- $candidate
    if "$VIVID" "$PROJECT" --headless --no-watch --monitor-interval 0 --size 64x36 --fps "$FPS" \
        --frames 2 --record "$OUT/probe.$1" --record-codec "$2" >"$OUT/probe.log" 2>&1; then
        video="$1 $2"
        break
    fi
done

echo "vivid $("$VIVID" --version 2>/dev/null | head -n 1) | $PROJECT at $SIZE, $FRAMES frames at --fps $FPS, headless"
printf '%-34s %10s %10s %14s %16s\n' "run" "wall s" "fps" "loop ms/frame" "stall ms/frame"
base=$(run)
base_ms=${base#* }
line() {
    local name=$1 result=$2 wall ms
    wall=${result% *}
    ms=${result#* }
    awk -v n="$name" -v w="$wall" -v m="$ms" -v b="$base_ms" -v f="$FRAMES" \
        'BEGIN { s = (n == "no recording") ? "" : sprintf("%.3f", m - b); printf "%-34s %10.2f %10.1f %14s %16s\n", n, w, f / w, m, s }'
}
line "no recording" "$base"
if [ -n "$video" ]; then
    set -- $video
    line "--record out.$1 ($2)" "$(run --record "$OUT/out.$1" --record-codec "$2")"
    grep -h "recorded" "$OUT/log" | sed 's/^/    /'
else
    echo "no video codec records here (probe: $(tail -n 1 "$OUT/probe.log"))"
fi
line "--record frames/%06d.png" "$(run --record "$OUT/frames/%06d.png")"
grep -h "recorded" "$OUT/log" | sed 's/^/    /'
line "--record ... --record-depth 16" "$(run --record "$OUT/frames16/%06d.png" --record-depth 16)"
grep -h "recorded" "$OUT/log" | sed 's/^/    /'
