//! Shadertoy's iMouse from a real window: vivid runs a shader painting its output with
//! `iMouse` under a virtual X server (Xvfb); `xdotool` presses, drags and releases the left
//! button at known places of the window, and screenshots (imagemagick's `import`) must show
//! the colour those places give: x / width, y from the bottom / height, pressed or not.
//!
//! Needs `Xvfb`, `xdotool` and `import` (`scripts/check.sh` installs them).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::x11::{Killed, middle, xdotool, xvfb};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Waits until the window's middle shows `want` (each channel within 3 of 255 steps).
fn wait_for_colour(display: &str, window: &str, path: &Path, want: [f32; 3], what: &str) {
    let want = want.map(|c| (c * 255.0).round());
    let start = Instant::now();
    loop {
        let got = middle(display, window, path);
        if (0..3).all(|c| (f32::from(got[c]) - want[c]).abs() <= 3.0) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{what}: the window shows {got:?}, not {want:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn imouse_follows_the_windows_left_button() {
    let (_server, display) = xvfb("640x480");
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("vivid.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut vivid = Killed(
        Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(common::repo().join("testing-fixtures/isf/own/mouse-window"))
            .args(["--monitor-interval", "0", "--no-watch"])
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    let window = loop {
        if let Some(code) = vivid.0.try_wait().unwrap() {
            panic!(
                "vivid exited ({code:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        let w = xdotool(&display, &["search", "--onlyvisible", "--name", "vivid"]);
        if let Some(w) = w.lines().next().filter(|w| !w.is_empty()) {
            break w.to_string();
        }
        assert!(start.elapsed() < Duration::from_secs(90), "no window");
        std::thread::sleep(Duration::from_millis(100));
    };
    // The window is the output's size (320x180): window pixels are output pixels, y down.
    let geometry = xdotool(&display, &["getwindowgeometry", &window]);
    assert!(geometry.contains("Geometry: 320x180"), "{geometry}");
    let shot = dir.path().join("shot.png");
    wait_for_colour(&display, &window, &shot, [0.0, 0.0, 0.0], "never pressed");
    // Pressed at (80, 45): x 80/320, y (180 - 45)/180 from the bottom.
    xdotool(&display, &["mousemove", "--window", &window, "80", "45"]);
    xdotool(&display, &["mousedown", "1"]);
    wait_for_colour(&display, &window, &shot, [0.25, 0.75, 1.0], "pressed");
    // Dragged to (240, 135).
    xdotool(&display, &["mousemove", "--window", &window, "240", "135"]);
    wait_for_colour(&display, &window, &shot, [0.75, 0.25, 1.0], "dragged");
    // Released: xy stays where the button was held, not pressed any more.
    xdotool(&display, &["mouseup", "1"]);
    xdotool(&display, &["mousemove", "--window", &window, "10", "10"]);
    wait_for_colour(&display, &window, &shot, [0.75, 0.25, 0.0], "released");
}
