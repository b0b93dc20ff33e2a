#!/usr/bin/env bash
# Renders frames A..B of a vivid project on Slurm: a job array whose tasks each render their
# slice (`vivid render --frames`, PNGs named by the global frame index), then a join job
# (`--dependency=afterok`) that checks every frame is there and encodes them into a video
# with GStreamer's multifilesrc. See docs/cluster.md.
#
#   scripts/render-slurm.sh submit PROJECT --fps F --frames A..B --out DIR [--tasks T]
#       [--preroll N] [--video FILE.mp4] [--sbatch "ARGS"] [-- VIVID_ARGS...]
#
# `submit` runs where sbatch does; the array tasks (`task`) and the join (`join`) run this
# same script on the nodes (sbatch passes it along). `task` also runs as a pod of a
# Kubernetes Indexed Job (JOB_COMPLETION_INDEX of --tasks; docs/k8s-render-job.yaml).
# Paths are made absolute, as tasks may start elsewhere. VIVID names the vivid binary
# (default: `vivid` on PATH; the nodes must see the same binary and project folder, e.g. on
# a shared file system).
set -euo pipefail

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

die() {
    echo "render-slurm: $*" >&2
    exit 1
}

abs() { realpath -m -- "$1"; }

# The slice of frames START..END (END excluded) that task INDEX of COUNT renders: as equal
# as whole frames allow, in order, covering the range exactly once.
slice() {
    local start=$1 end=$2 index=$3 count=$4
    local n=$((end - start))
    echo "$((start + index * n / count)) $((start + (index + 1) * n / count))"
}

mode=${1:-}
[[ -n "$mode" ]] || usage
shift

project="" fps="" frames="" out="" tasks=4 preroll=0 video="" sbatch_args=""
extra=()
if [[ "$mode" == submit || "$mode" == task || "$mode" == join || "$mode" == slice ]]; then
    if [[ "$mode" == slice ]]; then
        # For the tests and the curious: `slice A..B T` lists each task's range.
        [[ $# -eq 2 ]] || usage
        IFS=. read -r a _ b <<<"$1"
        for ((i = 0; i < $2; i++)); do
            read -r s e < <(slice "$a" "$b" "$i" "$2")
            echo "$i $s..$e"
        done
        exit 0
    fi
    project=$(abs "${1:?PROJECT}")
    shift
    while [[ $# -gt 0 ]]; do
        case $1 in
        --fps) fps=$2; shift 2 ;;
        --frames) frames=$2; shift 2 ;;
        --out) out=$(abs "$2"); shift 2 ;;
        --tasks) tasks=$2; shift 2 ;;
        --preroll) preroll=$2; shift 2 ;;
        --video) video=$(abs "$2"); shift 2 ;;
        --sbatch) sbatch_args=$2; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        *) usage ;;
        esac
    done
else
    usage
fi
[[ -n "$fps" && -n "$frames" && -n "$out" ]] || usage
[[ "$frames" =~ ^([0-9]+)\.\.([0-9]+)$ ]] || die "--frames $frames: give A..B (B excluded)"
first=${BASH_REMATCH[1]} end=${BASH_REMATCH[2]}
((end > first)) || die "--frames $frames: an empty range"
[[ "$tasks" =~ ^[1-9][0-9]*$ ]] || die "--tasks $tasks: a number of tasks, at least 1"
vivid=${VIVID:-vivid}

case $mode in
submit)
    command -v sbatch >/dev/null || die "sbatch not found: run this where Slurm jobs are submitted"
    if [[ "$vivid" == */* ]]; then vivid=$(abs "$vivid"); fi
    mkdir -p "$out/logs"
    common=(--fps "$fps" --frames "$frames" --out "$out" --preroll "$preroll")
    [[ -n "$video" ]] && common+=(--video "$video")
    # shellcheck disable=SC2086 # --sbatch's words are sbatch's options
    array=$(VIVID=$vivid sbatch --parsable --export=ALL --job-name=vivid-render \
        --array="0-$((tasks - 1))" --output="$out/logs/task-%a.log" $sbatch_args \
        "$0" task "$project" "${common[@]}" -- "${extra[@]}")
    array=${array%%;*}
    # shellcheck disable=SC2086
    join=$(VIVID=$vivid sbatch --parsable --export=ALL --job-name=vivid-join \
        --dependency="afterok:$array" --output="$out/logs/join.log" $sbatch_args \
        "$0" join "$project" "${common[@]}")
    join=${join%%;*}
    echo "render-slurm: array job $array ($tasks tasks over frames $frames), join job $join"
    echo "$array $join" >"$out/jobs"
    ;;
task)
    # A Slurm array task; or a Kubernetes Indexed Job's pod (docs/k8s-render-job.yaml):
    # JOB_COMPLETION_INDEX of --tasks.
    if [[ -n "${SLURM_ARRAY_TASK_ID:-}" ]]; then
        index=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-0}))
        count=${SLURM_ARRAY_TASK_COUNT:?SLURM_ARRAY_TASK_COUNT unset}
    elif [[ -n "${JOB_COMPLETION_INDEX:-}" ]]; then
        index=$JOB_COMPLETION_INDEX count=$tasks
    else
        die "task: not inside a Slurm array task (SLURM_ARRAY_TASK_ID) or an Indexed Job (JOB_COMPLETION_INDEX)"
    fi
    read -r s e < <(slice "$first" "$end" "$index" "$count")
    if ((e <= s)); then
        echo "render-slurm: task $index of $count: no frames (more tasks than frames)"
        exit 0
    fi
    echo "render-slurm: task $index of $count renders frames $s..$e on $(hostname)"
    # Frames before the range's own start are nobody's to write, but they are the past of a
    # stateful chain: the preroll may reach back into them (not before frame 0).
    "$vivid" render "$project" --fps "$fps" --frames "$s..$e" --preroll "$preroll" \
        --monitor-interval 0 --record "$out/%06d.png" "${extra[@]}"
    # Its frames are all written (vivid exits once the recording is closed): a marker for a
    # join that has no scheduler dependency to wait on (Kubernetes).
    mkdir -p "$out/done"
    touch "$out/done/$s..$e"
    ;;
join)
    missing=0
    for ((k = first; k < end; k++)); do
        f=$(printf '%s/%06d.png' "$out" "$k")
        [[ -s "$f" ]] || { echo "render-slurm: missing $f" >&2; missing=$((missing + 1)); }
    done
    ((missing == 0)) || die "$missing frames missing: not joining"
    echo "render-slurm: all $((end - first)) frames $frames are in $out"
    if [[ -n "$video" ]]; then
        # The frame rate as a fraction GStreamer takes (60, 29.97 → 29970/1000).
        rate=$(awk -v f="$fps" 'BEGIN { if (f == int(f)) printf "%d/1", f; else printf "%d/1000", f * 1000 + 0.5 }')
        gst-launch-1.0 -q multifilesrc location="$out/%06d.png" start-index="$first" \
            stop-index="$((end - 1))" caps="image/png,framerate=$rate" \
            ! pngdec ! videoconvert ! video/x-raw,format=I420 \
            ! x264enc speed-preset=veryfast pass=qual quantizer=20 ! mp4mux \
            ! filesink location="$video"
        echo "render-slurm: joined into $video"
    fi
    ;;
esac
