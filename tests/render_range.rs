//! `vivid render --frames A..B` (the real binary): ranges rendered by separate processes
//! are byte-identical to the same frames of one sequential run, named by the global frame
//! index; a range recorded as a video segment holds the same frames; a stateful chain
//! (feedback) needs its preroll — from frame 0 it is the sequential run exactly, without one
//! it differs and vivid warns, and its recorded frames create no GPU objects; the operators
//! declared stateful are the ones that are.
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

/// A stateless chain: noise drifting with time, a shape moving by `time` and `frame`.
const STATELESS: &str = r#"output = "final"
size = [48, 27]
[noise]
type = "noise"
scale = 6.0
speed = 0.8
[dot]
type = "shape"
kind = "circle"
shape_size = 0.2
position = ["0.5 + 0.3 * cos(time * 2.0)", "0.5 + 0.001 * frame"]
[final]
type = "composite"
inputs = ["noise", "dot"]
mode = "over"
"#;

/// A stateful chain: a moving dot fed back into itself (each frame holds a trail of the
/// earlier ones).
const FEEDBACK: &str = r#"output = "trails"
size = [48, 27]
[dot]
type = "shape"
kind = "circle"
shape_size = 0.15
position = ["0.5 + 0.35 * cos(time * 3.0)", "0.5 + 0.3 * sin(time * 2.0)"]
[trails]
type = "feedback"
input = "dot"
decay = 0.9
zoom = 1.01
"#;

/// `vivid render PROJECT --fps 30 ARGS…` with operators run as `passes`.
fn render(project: &Path, passes: &str, args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg("render")
        .arg(project)
        .args(["--fps", "30", "--monitor-interval", "0"])
        .args(args)
        .env("VIVID_PASSES", passes)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "vivid render {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The files of a folder by name, with their bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().to_string(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect()
}

/// The mean absolute difference of two PNGs' 8-bit channels.
fn mean_difference(a: &[u8], b: &[u8]) -> f64 {
    let a = image::load_from_memory(a).unwrap().to_rgba8();
    let b = image::load_from_memory(b).unwrap().to_rgba8();
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| u64::from(x.abs_diff(*y)))
        .sum();
    sum as f64 / a.as_raw().len() as f64
}

#[test]
fn three_ranges_are_byte_identical_to_one_sequential_run() {
    let project = common::project(&[("chain.toml", STATELESS)]);
    for passes in ["render", "compute"] {
        let out = tempfile::tempdir().unwrap();
        let seq = out.path().join("seq");
        let split = out.path().join("split");
        render(
            project.path(),
            passes,
            &[
                "--frames",
                "0..10",
                "--record",
                &format!("{}/%04d.png", seq.display()),
            ],
        );
        // Uneven slices, in any order, by separate processes.
        for range in ["7..10", "0..3", "3..7"] {
            let o = render(
                project.path(),
                passes,
                &[
                    "--frames",
                    range,
                    "--record",
                    &format!("{}/%04d.png", split.display()),
                ],
            );
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!err.contains("warning"), "a stateless chain: {err}");
        }
        let (seq, split) = (files(&seq), files(&split));
        let names: Vec<String> = (0..10).map(|k| format!("{k:04}.png")).collect();
        assert_eq!(seq.keys().cloned().collect::<Vec<_>>(), names, "{passes}");
        assert_eq!(split.keys().cloned().collect::<Vec<_>>(), names, "{passes}");
        for name in &names {
            assert!(seq[name] == split[name], "{passes}: {name} differs");
        }
        // The frames do change (the comparison could fail).
        assert!(mean_difference(&seq["0000.png"], &seq["0009.png"]) > 1.0);
    }
}

#[test]
fn a_feedback_range_needs_its_preroll() {
    let project = common::project(&[("chain.toml", FEEDBACK)]);
    let out = tempfile::tempdir().unwrap();
    let record = |name: &str| format!("{}/{name}/%04d.png", out.path().display());
    let passes = common::gpu().pass_mode();
    let passes = if passes == vivid::PassMode::Compute {
        "compute"
    } else {
        "render"
    };
    render(
        project.path(),
        passes,
        &["--frames", "24", "--record", &record("seq")],
    );
    let seq = files(&out.path().join("seq"));

    // A preroll back to frame 0: the sequential run exactly, and nothing to warn of; steady
    // frames (the recorded ones included) create nothing, one encoder and submit each.
    let stats = out.path().join("stats.json");
    let o = render(
        project.path(),
        passes,
        &[
            "--frames",
            "20..24",
            "--preroll",
            "20",
            "--record",
            &record("full"),
            "--stats-json",
            stats.to_str().unwrap(),
        ],
    );
    let stats: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(stats["gpu_objects_created_after_warmup"], 0, "{stats}");
    assert_eq!(stats["max_encoders_per_frame"], 1, "{stats}");
    assert_eq!(stats["max_submits_per_frame"], 1, "{stats}");
    assert_eq!(stats["frames_rendered"], 24, "{stats}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("warning") && !err.contains("note"), "{err}");
    assert!(err.contains("after a preroll of 20 frames from 0"), "{err}");
    let full = files(&out.path().join("full"));
    assert_eq!(full.len(), 4, "the preroll's frames are not written");
    for (name, bytes) in &full {
        assert!(*bytes == seq[name], "{name} differs after a full preroll");
    }

    // No preroll: the trail is missing, and vivid said so.
    let o = render(
        project.path(),
        passes,
        &["--frames", "20..24", "--record", &record("none")],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("`trails` (feedback)") && err.contains("--preroll"),
        "{err}"
    );
    let none = files(&out.path().join("none"));
    let cold = mean_difference(&none["0020.png"], &seq["0020.png"]);
    assert!(cold > 0.5, "no preroll, no trail: {cold}");

    // A shorter preroll: most of the trail, a smaller difference (decay 0.9 a frame).
    let o = render(
        project.path(),
        passes,
        &[
            "--frames",
            "20..24",
            "--preroll",
            "12",
            "--record",
            &record("short"),
        ],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("note") && err.contains("preroll of 12"),
        "{err}"
    );
    let short = files(&out.path().join("short"));
    let warm = mean_difference(&short["0020.png"], &seq["0020.png"]);
    assert!(warm < cold / 2.0, "preroll 12: {warm}, none: {cold}");
}

#[test]
fn ranges_need_fps_a_nonempty_range_and_no_window() {
    let project = common::project(&[("chain.toml", STATELESS)]);
    for args in [
        &["--frames", "0..4"][..],
        &["--fps", "30"],
        &["--fps", "30", "--frames", "4..4"],
        &["--fps", "30", "--frames", "5..2"],
        &["--fps", "30", "--frames", "0..4", "--watch"],
    ] {
        let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg("render")
            .arg(project.path())
            .args(args)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
    // A range is for headless runs: a window refuses it before it opens.
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(project.path())
        .args(["--frames", "5..9", "--no-watch"])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--headless"), "{err}");
}

/// Every frame of the video at `path`, decoded by GStreamer to RGBA.
fn decode(path: &Path) -> Vec<image::RgbaImage> {
    gst::init().unwrap();
    let launch = format!(
        "filesrc location={} ! decodebin ! videoconvert ! video/x-raw,format=RGBA ! appsink name=sink sync=false",
        path.display()
    );
    let pipeline = gst::parse::launch(&launch)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let sink = pipeline
        .by_name("sink")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    pipeline.set_state(gst::State::Playing).unwrap();
    let mut frames = Vec::new();
    while let Ok(sample) = sink.pull_sample() {
        let s = sample.caps().unwrap().structure(0).unwrap().to_owned();
        let (w, h) = (
            s.get::<i32>("width").unwrap(),
            s.get::<i32>("height").unwrap(),
        );
        let map = sample.buffer().unwrap().map_readable().unwrap();
        frames.push(image::RgbaImage::from_raw(w as u32, h as u32, map.to_vec()).unwrap());
    }
    pipeline.set_state(gst::State::Null).unwrap();
    frames
}

#[test]
fn a_range_recorded_as_a_lossless_video_segment_holds_those_frames() {
    let project = common::project(&[("chain.toml", STATELESS)]);
    let out = tempfile::tempdir().unwrap();
    let record = |frames: &str, file: &Path| {
        render(
            project.path(),
            "render",
            &[
                "--frames",
                frames,
                "--record-codec",
                "ffv1",
                "--record",
                file.to_str().unwrap(),
            ],
        )
    };
    let whole = out.path().join("whole.mkv");
    let segment = out.path().join("segment.mkv");
    record("0..8", &whole);
    let o = record("3..7", &segment);
    assert!(String::from_utf8_lossy(&o.stderr).contains("recorded 4 frames"));
    let (whole, segment) = (decode(&whole), decode(&segment));
    assert_eq!((whole.len(), segment.len()), (8, 4));
    for (k, frame) in (3..7).zip(&segment) {
        assert!(*frame == whole[k], "frame {k} of the segment differs");
    }
    assert!(whole[3] != whole[4], "the frames change");
}

#[test]
fn the_operators_declared_stateful_are_those_that_remember() {
    let stateful: Vec<String> = vivid::builtin_registry()
        .infos()
        .into_iter()
        .filter(|i| i.stateful)
        .map(|i| i.name.to_string())
        .collect();
    let mut want = vec!["delay", "echo", "feedback", "time_machine"];
    if cfg!(feature = "media") {
        want.extend(["image_sequence", "video"]);
    }
    let mut got = stateful.clone();
    got.sort();
    want.sort_unstable();
    assert_eq!(got, want);
    // Everything that advances every frame is stateful.
    for info in vivid::builtin_registry().infos() {
        assert!(!info.advances || info.stateful, "{}", info.name);
    }
}
