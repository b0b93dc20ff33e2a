#!/usr/bin/env bash
# Installs what the tests need, then runs what CI runs: formatting, clippy, every test.
#
# The tests render on a real Vulkan driver. Without a GPU that is Mesa's software driver,
# lavapipe, and it must be Mesa >= 24 (Debian 12's own Mesa 22 lavapipe is 3-6x slower and
# holds memory under some passes): on Debian 12 it comes from bookworm-backports.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "check.sh: need root (or sudo) to install $*" >&2; return 1; fi
}

mesa_major() {
    dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/' || true
}

install_vulkan() {
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: not a Debian-like system; make sure a Vulkan driver (Mesa's lavapipe >= 24, or a GPU's) is installed" >&2
        return 0
    fi
    local major; major=$(mesa_major)
    if [ -n "$major" ] && [ "$major" -ge 24 ] && ldconfig -p | grep -q 'libvulkan.so.1'; then
        return 0
    fi
    echo "check.sh: installing Mesa's software Vulkan driver (lavapipe) and the Vulkan loader" >&2
    export DEBIAN_FRONTEND=noninteractive
    local target=()
    if grep -q 'VERSION_CODENAME=bookworm' /etc/os-release 2>/dev/null; then
        if [ ! -f /etc/apt/sources.list.d/backports.sources ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
            awk -v RS= 'NR==1' /etc/apt/sources.list.d/debian.sources \
                | sed 's/^Suites:.*/Suites: bookworm-backports/' \
                | as_root tee /etc/apt/sources.list.d/backports.sources >/dev/null
        fi
        target=(-t bookworm-backports)
    fi
    as_root apt-get update -q
    as_root apt-get install -y -q "${target[@]}" mesa-vulkan-drivers libvulkan1
}

install_vulkan

# The window test (tests/window.rs) runs vivid's real window under a virtual X server,
# presses keys and takes screenshots.
install_x11_tools() {
    local missing=()
    command -v Xvfb >/dev/null || missing+=(xvfb)
    command -v xdotool >/dev/null || missing+=(xdotool)
    command -v import >/dev/null || missing+=(imagemagick)
    # What winit loads at run time on X11.
    for lib in libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1; do
        dpkg -s "$lib" >/dev/null 2>&1 || missing+=("$lib")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: install ${missing[*]} for the window test" >&2
        return 0
    fi
    echo "check.sh: installing ${missing[*]} (window test)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_x11_tools

# Media (vivid-media, the `media` feature: video, --record): GStreamer's libraries and
# headers to build, and the plugins the tests use — videotestsrc, videoconvert, decodebin,
# appsrc/appsink (base), matroska/mp4/png (good), x264enc (ugly), FFV1 (libav). Debian 12
# ships GStreamer 1.22, what vivid-media is built against (the crates' `v1_22` feature).
install_gstreamer() {
    local wanted=(libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-plugins-base
        gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly
        gstreamer1.0-libav gstreamer1.0-tools pkg-config
        # --pipewire and its tests (tests/pipewire.rs, tests/pipewire_dmabuf.rs): the daemon,
        # its session manager (which links the consumer to vivid's node), a D-Bus session for
        # it, GStreamer's pipewiresink/pipewiresrc, and libpipewire's headers for the
        # `pipewire` feature's crate (bound with bindgen: libclang-dev, installed below).
        pipewire pipewire-bin wireplumber dbus gstreamer1.0-pipewire libpipewire-0.3-dev)
    local missing=()
    for pkg in "${wanted[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: install GStreamer >= 1.22 with its development files and the base, good, bad, ugly and libav plugins (${missing[*]} on Debian)" >&2
        return 0
    fi
    echo "check.sh: installing ${missing[*]} (media)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_gstreamer
# vivid-control captures audio through cpal, which links ALSA on Linux (alsa-sys finds it
# with pkg-config): the headers and pkg-config to build, the library to run.
install_alsa() {
    if pkg-config --exists alsa 2>/dev/null; then
        return 0
    fi
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: install ALSA's development files (libasound2-dev) and pkg-config for vivid-control" >&2
        return 0
    fi
    echo "check.sh: installing libasound2-dev and pkg-config (audio capture, vivid-control)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends libasound2-dev pkg-config
}

install_alsa

# Ableton Link (the `link` feature, on by default): rusty_link builds Ableton's C++ library
# with cmake and binds it with bindgen, which needs libclang; a C++ compiler is needed too.
install_link_build() {
    local missing=()
    command -v cmake >/dev/null || missing+=(cmake)
    command -v c++ >/dev/null || missing+=(g++)
    dpkg -s libclang-dev >/dev/null 2>&1 || missing+=(libclang-dev)
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: install ${missing[*]} for Ableton Link (or build with --no-default-features and the features you need)" >&2
        return 0
    fi
    echo "check.sh: installing ${missing[*]} (Ableton Link)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
}

install_link_build

# The Slurm test (scripts/test-slurm.sh, after the tests) starts a single-node Slurm:
# Debian's slurm-wlm and munge. About 15 s of test; it needs root (or sudo) to run.
install_slurm() {
    command -v slurmctld >/dev/null && command -v munged >/dev/null && return 0
    if ! command -v apt-get >/dev/null; then
        echo "check.sh: install Slurm (slurmctld, slurmd, sbatch) and munge for scripts/test-slurm.sh" >&2
        return 0
    fi
    echo "check.sh: installing slurm-wlm and munge (scripts/test-slurm.sh)" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends slurm-wlm munge
}

install_slurm

# A clean build of the tests needs about 3 GB under target/ (see [profile.dev] in Cargo.toml).
# A linker killed by SIGBUS is almost always a full disk: say how much there is up front.
avail_kb=$(df -Pk . | awk 'NR==2 {print $4}')
echo "check.sh: $((avail_kb / 1024)) MB free on $(df -P . | awk 'NR==2 {print $6}')" >&2
if [ "${avail_kb:-0}" -lt $((4 * 1024 * 1024)) ]; then
    echo "check.sh: warning: under 4 GB free; the test build may run out of disk" >&2
fi

# Formatting and lints are part of the check: a missing tool is installed (rustup), or the
# check fails saying how to install it — never skipped.
need_component() {
    local tool=$1 component=$2
    cargo "$tool" --version >/dev/null 2>&1 && return 0
    if command -v rustup >/dev/null; then
        echo "check.sh: installing $component (rustup component add $component)" >&2
        rustup component add "$component" || true
    fi
    if ! cargo "$tool" --version >/dev/null 2>&1; then
        echo "check.sh: cargo $tool is missing; install it with: rustup component add $component" >&2
        exit 1
    fi
}
need_component fmt rustfmt
need_component clippy clippy
echo "check.sh: cargo fmt --check" >&2
cargo fmt --all -- --check
echo "check.sh: cargo clippy --all-targets" >&2
cargo clippy --workspace --all-targets -- -D warnings
echo "check.sh: cargo test" >&2
cargo test --workspace
# Offline renders on a real Slurm: a 4-task job array against a sequential render, every
# frame byte-identical (docs/cluster.md), with the vivid the tests built.
echo "check.sh: scripts/test-slurm.sh" >&2
as_root env VIVID="$PWD/target/debug/vivid" ./scripts/test-slurm.sh
echo "check.sh: done; target/ holds $(du -sh target 2>/dev/null | cut -f1)" >&2
