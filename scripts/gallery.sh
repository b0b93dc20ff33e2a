#!/usr/bin/env bash
# The gallery: one picture of every example, docs/gallery/NN-name.png (the README shows them).
#
#   scripts/gallery.sh                          # target/release/vivid, into docs/gallery/
#   scripts/gallery.sh path/to/vivid [FOLDER]   # another binary, another folder
#
# Each picture is a headless run at 480x270 with a fixed time step: frames 0..149, frame k
# at k/60 s, the last one written (feedback trails are 150 frames deep, as they are live at
# 60 fps). So a picture depends only on the example and the operators: tests/examples.rs
# runs this script with the test build into a temporary folder and compares every picture
# with the one in docs/gallery/ (and fails for an example without one, or a picture without
# an example). After changing an example or how an operator looks, run this and commit.
set -euo pipefail
cd "$(dirname "$0")/.."
VIVID=${1:-target/release/vivid}
OUT=${2:-docs/gallery}
SIZE=480x270
FRAMES=150
FPS=60
if [ ! -x "$VIVID" ]; then
    echo "gallery.sh: no $VIVID: build it with \`cargo build --release\` (or pass a vivid binary)" >&2
    exit 1
fi
mkdir -p "$OUT"
# Pictures of examples that are gone would stay behind: start clean.
rm -f "$OUT"/[0-9][0-9]-*.png
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for dir in examples/[0-9][0-9]-*/; do
    name=$(basename "$dir")
    "$VIVID" "$dir" --headless --size "$SIZE" --frames "$FRAMES" --fps "$FPS" \
        --monitor-interval 0 --snapshot "$OUT/$name.png" 2>"$log" \
        || { echo "gallery.sh: $name failed:" >&2; cat "$log" >&2; exit 1; }
    echo "$OUT/$name.png"
done
