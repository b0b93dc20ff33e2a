#!/usr/bin/env bash
# Tests scripts/render-slurm.sh on a real Slurm: starts a single-node cluster on this machine
# (munged, slurmctld and slurmd with a minimal slurm.conf in a temporary folder, CPUs=2),
# submits a 4-task array for a 200-frame render of a small stateless example plus its join
# job, waits, and checks every frame byte-identical to a sequential render and the joined
# video's length. Prints the wall-clock times of both. Needs root (slurmd runs the jobs) and
# Debian's slurm-wlm and munge (`--install` installs them). See docs/cluster.md.
#
#   scripts/test-slurm.sh [--install] [--frames N] [--tasks T] [--size WxH]
#
# VIVID names the binary (default: target/release/vivid, else target/debug/vivid). If Slurm
# itself cannot start (munged or the node does not come up) it says so and exits 0, unless
# SLURM_REQUIRED=1.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
frames=200 tasks=4 size=160x90 fps=60
project=$root/examples/02-hello-noise
while [[ $# -gt 0 ]]; do
    case $1 in
    --install)
        apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null
        shift
        ;;
    --frames) frames=$2; shift 2 ;;
    --tasks) tasks=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done

fail() {
    echo "test-slurm: FAILED: $*" >&2
    exit 1
}
# Slurm itself could not start here (a machine without what slurmd needs): said, and not a
# failure of vivid's — unless SLURM_REQUIRED=1, as on a machine where it is known to run.
# Wrong frames, a failed job or a video that does not decode are failures always.
unavailable() {
    if [[ "${SLURM_REQUIRED:-0}" == 1 ]]; then
        fail "$@"
    fi
    echo "test-slurm: SKIPPED, Slurm could not run on this machine: $*" >&2
    exit 0
}
[[ $(id -u) -eq 0 ]] || fail "run as root (slurmd starts the jobs as their user)"
for c in munged slurmctld slurmd sbatch scontrol sinfo gst-launch-1.0 bc python3; do
    command -v "$c" >/dev/null || fail "$c missing: apt-get install slurm-wlm munge (or --install)"
done
vivid=${VIVID:-}
if [[ -z "$vivid" ]]; then
    for v in "$root/target/release/vivid" "$root/target/debug/vivid"; do
        [[ -x "$v" ]] && { vivid=$v; break; }
    done
fi
[[ -n "$vivid" && -x "$vivid" ]] || fail "no vivid binary: cargo build --release (or set VIVID)"
vivid=$(realpath "$vivid")

tmp=$(mktemp -d /tmp/vivid-slurm.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    if [[ -n "${KEEP:-}" ]]; then
        echo "test-slurm: kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# A port nothing listens on (from the kernel's ephemeral range).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# 1. munge, on its own socket (a munged the machine may run is left alone).
mkdir -p "$tmp/munge"
chown munge:munge "$tmp/munge"
runuser -u munge -- munged --foreground --socket="$tmp/munge/munge.socket" \
    --pid-file="$tmp/munge/munged.pid" --log-file="$tmp/munge/munged.log" \
    --seed-file="$tmp/munge/munged.seed" 2>"$tmp/munge/stderr.log" &
pids+=($!)
for _ in $(seq 50); do [[ -S "$tmp/munge/munge.socket" ]] && break; sleep 0.1; done
[[ -S "$tmp/munge/munge.socket" ]] || unavailable "munged did not start: $(cat "$tmp/munge/munged.log" 2>/dev/null)"

# 2. slurmctld and slurmd, one node of 2 CPUs.
node=$(hostname -s)
ctld_port=$(free_port)
slurmd_port=$(free_port)
mkdir -p "$tmp/state" "$tmp/spool"
export SLURM_CONF=$tmp/slurm.conf
cat >"$SLURM_CONF" <<EOF
ClusterName=vivid-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/munge/munge.socket
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" >"$tmp/slurmd.out" 2>&1 &
pids+=($!)
state=""
for _ in $(seq 100); do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    [[ "$state" == idle ]] && break
    sleep 0.2
done
[[ "$state" == idle ]] || unavailable "the node is not idle ($state): $(tail -5 "$tmp/slurmctld.log" "$tmp/slurmd.log")"
echo "test-slurm: single-node Slurm up ($(sinfo -V), node $node, CPUs=2)"

# 3. The sequential render, for reference.
common=(--fps "$fps" --frames "0..$frames")
t0=$(date +%s.%N)
"$vivid" render "$project" "${common[@]}" --size "$size" --monitor-interval 0 \
    --record "$tmp/seq/%06d.png" 2>"$tmp/seq.log" || fail "sequential render: $(cat "$tmp/seq.log")"
t1=$(date +%s.%N)

# 4. The same frames as a job array, then the join.
VIVID=$vivid "$root/scripts/render-slurm.sh" submit "$project" "${common[@]}" \
    --out "$tmp/array" --tasks "$tasks" --video "$tmp/joined.mp4" -- --size "$size" \
    >"$tmp/submit.log" || fail "submit: $(cat "$tmp/submit.log")"
cat "$tmp/submit.log"
read -r array join <"$tmp/array/jobs"
job_state() { scontrol show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u | tr '\n' ' '; }
# Waits (at most 10 minutes) until job $1 (all of its tasks) has ended.
wait_job() {
    local js
    for _ in $(seq 3000); do
        js=$(job_state "$1")
        [[ -n "$js" && "$js" != *PENDING* && "$js" != *RUNNING* && "$js" != *CONFIGURING* && "$js" != *COMPLETING* ]] && return 0
        sleep 0.2
    done
}
wait_job "$array"
t2=$(date +%s.%N)
wait_job "$join"
t3=$(date +%s.%N)
for log in "$tmp"/array/logs/*.log; do
    echo "--- ${log##*/}"
    grep -v '^vivid: recording' "$log" || true
done
[[ "$(job_state "$array")" == "JobState=COMPLETED " ]] || fail "array job: $(job_state "$array")"
[[ "$(job_state "$join")" == "JobState=COMPLETED " ]] || fail "join job: $(job_state "$join")"

# 5. Every frame byte-identical, nothing more, nothing less.
n_seq=$(find "$tmp/seq" -name '*.png' | wc -l)
n_arr=$(find "$tmp/array" -maxdepth 1 -name '*.png' | wc -l)
[[ $n_seq -eq $frames && $n_arr -eq $frames ]] || fail "frames: $n_seq sequential, $n_arr from the array (want $frames)"
for ((k = 0; k < frames; k++)); do
    f=$(printf '%06d.png' "$k")
    cmp -s "$tmp/seq/$f" "$tmp/array/$f" || fail "frame $k differs"
done
# The joined video holds every frame: decoded again, as many pictures.
mkdir -p "$tmp/decoded"
gst-launch-1.0 -q filesrc location="$tmp/joined.mp4" ! decodebin ! videoconvert ! pngenc \
    ! multifilesink location="$tmp/decoded/%06d.png" || fail "the joined video does not decode"
got=$(find "$tmp/decoded" -name '*.png' | wc -l)
[[ $got -eq $frames ]] || fail "the joined video holds $got frames, want $frames"

printf 'test-slurm: OK: %d frames of %s from %d array tasks byte-identical to the sequential render; joined video of %d frames\n' \
    "$frames" "$size" "$tasks" "$got"
printf 'test-slurm: wall-clock: sequential render %.2f s; Slurm array of %d tasks %.2f s (submit to last task done), then join %.2f s\n' \
    "$(echo "$t1 - $t0" | bc)" "$tasks" "$(echo "$t2 - $t1" | bc)" "$(echo "$t3 - $t2" | bc)"
