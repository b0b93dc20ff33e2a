#!/usr/bin/env bash
# The hostile soak (scripts/hostile-soak.sh) of every example, JOBS at a time, then one
# line per example: exit status, panics, signals, RSS and GPU slopes, objects after
# warm-up, verdict. Exits non-zero if any example is not flat or did not survive.
#
#   scripts/hostile-soak-all.sh 10 target/release/vivid      # 10 minutes each
#   JOBS=12 scripts/hostile-soak-all.sh 10 vivid              # all at once (a big machine)
#
# EXAMPLES (default examples/*/) picks examples; HOSTILE_HANG and HOSTILE_SIZE pass through; HOSTILE_OUT (default a temporary folder)
# keeps one sub-folder of logs per example.
set -uo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
VIVID=$(realpath "${2:-target/release/vivid}")
JOBS=${JOBS:-1}
ROOT=${HOSTILE_OUT:-$(mktemp -d)}
mkdir -p "$ROOT"

run_one() {
    local ex=$1 name
    name=$(basename "$ex")
    mkdir -p "$ROOT/$name"
    HOSTILE_EXAMPLE="$ex" HOSTILE_OUT="$ROOT/$name" \
        scripts/hostile-soak.sh "$MINUTES" "$VIVID" > "$ROOT/$name/summary.txt" 2>&1
    echo $? > "$ROOT/$name/status"
}

running=0
for ex in ${EXAMPLES:-examples/*/}; do
    [ -f "$ex/chain.toml" ] || continue
    run_one "${ex%/}" &
    running=$((running + 1))
    if [ "$running" -ge "$JOBS" ]; then wait -n; running=$((running - 1)); fi
done
wait

failed=0
printf '%-22s %4s %6s %8s %14s %14s %7s %s\n' example exit panics "sig ok/not" "RSS MB/10s" "GPU MB/10s" objects verdict

for dir in "$ROOT"/*/; do
    name=$(basename "$dir")
    s="$dir/summary.txt"
    code=$(sed -n 's/^vivid exit status: //p' "$s")
    panics=$(sed -n 's/^panics in the log: //p' "$s")
    sig=$(sed -n 's/^sibling stopped by a signal: \([0-9]*\) clean.*, \([0-9]*\) not$/\1\/\2/p' "$s")
    rss=$(sed -n 's/^RSS .*slope \([^ ]*\) .*/\1/p' "$s")
    gpu=$(sed -n 's/^GPU .*slope \([^ ]*\) .*/\1/p' "$s")
    obj=$(sed -n 's/^objects created after warm-up: //p' "$s")
    verdict=$(sed -n 's/^verdict: //p' "$s")
    printf '%-22s %4s %6s %8s %14s %14s %7s %s\n' "$name" "${code:-?}" "${panics:-?}" "${sig:-?}" \
        "${rss:-?}" "${gpu:-?}" "${obj:-?}" "${verdict:-FAILED (see $s)}"
    if [ "$(cat "$dir/status")" != 0 ] || [ "${code:-1}" != 0 ]; then failed=1; fi
done
echo "logs: $ROOT"
exit $failed
