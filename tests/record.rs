//! Recording (`--record`, `vivid::media::record`): frames recorded headless and decoded again
//! with GStreamer match the engine's own readback of the same frames — exactly for a PNG
//! sequence and FFV1, within a PSNR bound for H.264; steady frames create nothing while
//! recording; a full disk is reported while the show goes on.
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;
use std::process::Command;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use vivid::media::record::{self, RecordOptions};
use vivid::{FrameTime, Target};

const FPS: f64 = 30.0;
const FRAMES: u64 = 12;

/// An animated, smooth picture (a linear gradient turning; smooth, so that 4:2:0 chroma
/// loses little).
const CHAIN: &str = r#"output = "g"
[g]
type = "gradient"
size = [64, 36]
mode = "linear"
angle = "time * 90"
color_a = [1.0, 0.2, 0.1]
color_b = [0.1, 0.3, 1.0]
"#;

/// Renders `FRAMES` frames at `FPS` recording into `path` (and reading each frame back):
/// the frames as 8-bit RGBA, and the objects created after frame 4.
fn record_frames(path: &Path, codec: Option<&str>) -> (Vec<image::RgbaImage>, u64) {
    let dir = common::project(&[("chain.toml", CHAIN)]);
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    engine.set_capture(true);
    let (tap, recording) = record::start(&RecordOptions {
        path: path.to_path_buf(),
        codec: codec.map(str::to_string),
        fps: Some(FPS),
        exact: true,
        ..RecordOptions::default()
    })
    .unwrap();
    engine.set_output_tap(Some(Box::new(tap)));
    let mut shown = Vec::new();
    let mut created = 0;
    for k in 0..FRAMES {
        let report = engine
            .render(
                FrameTime {
                    time: k as f64 / FPS,
                    frame: k,
                },
                Target::None,
                true,
            )
            .unwrap();
        assert_eq!((report.encoders, report.submits), (1, 1));
        if k >= 4 {
            created += report.objects_created;
        }
        shown.push(engine.read_output().unwrap().to_rgba8());
    }
    drop(engine.set_output_tap(None));
    let summary = recording.finish().unwrap();
    assert_eq!((summary.frames, summary.dropped), (FRAMES, 0));
    assert_eq!(engine.gpu().errors().count(), 0);
    (shown, created)
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
        let caps = sample.caps().unwrap();
        let s = caps.structure(0).unwrap();
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

/// Peak signal-to-noise ratio of the colour channels, dB.
fn psnr(a: &image::RgbaImage, b: &image::RgbaImage) -> f64 {
    let mut sum = 0.0;
    let mut n = 0.0;
    for (p, q) in a.pixels().zip(b.pixels()) {
        for c in 0..3 {
            let d = f64::from(p.0[c]) - f64::from(q.0[c]);
            sum += d * d;
            n += 1.0;
        }
    }
    10.0 * (255.0 * 255.0 / (sum / n).max(1e-12)).log10()
}

#[test]
fn a_png_sequence_is_exactly_the_frames_rendered() {
    let out = tempfile::tempdir().unwrap();
    let (shown, created) = record_frames(&out.path().join("f/%04d.png"), None);
    assert_eq!(
        created, 0,
        "objects created in steady frames while recording"
    );
    for (k, want) in shown.iter().enumerate() {
        let got = image::open(out.path().join(format!("f/{k:04}.png")))
            .unwrap()
            .to_rgba8();
        assert!(got == *want, "frame {k} differs");
    }
    assert!(!out.path().join(format!("f/{FRAMES:04}.png")).exists());
}

#[test]
fn an_h264_file_decodes_to_the_frames_rendered() {
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("out.mp4");
    let (shown, created) = record_frames(&path, None);
    assert_eq!(created, 0);
    let decoded = decode(&path);
    assert_eq!(decoded.len(), shown.len(), "frames in the file");
    for (k, (got, want)) in decoded.iter().zip(&shown).enumerate() {
        let db = psnr(got, want);
        // x264 at constant quality 20 on a smooth 64x36 picture, through 4:2:0 chroma:
        // well above 30 dB.
        assert!(db > 30.0, "frame {k}: {db:.1} dB");
    }
    // And it changes from frame to frame as the chain does (not one frame repeated).
    assert!(psnr(&decoded[0], &decoded[FRAMES as usize - 1]) < psnr(&decoded[0], &shown[0]));
}

#[test]
fn cli_records_every_frame_and_a_full_disk_is_reported_while_the_show_goes_on() {
    let dir = common::project(&[("chain.toml", CHAIN)]);
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("clip.mkv");
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args([
            "--headless",
            "--frames",
            "9",
            "--fps",
            "30",
            "--record-codec",
            "ffv1",
        ])
        .arg("--record")
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("recorded 9 frames"), "{err}");
    assert_eq!(decode(&path).len(), 9);

    // A file on a full disk: the 9 frames still render; the error names the file.
    let full = out.path().join("full.mp4");
    std::os::unix::fs::symlink("/dev/full", &full).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args(["--headless", "--frames", "9", "--fps", "30", "--record"])
        .arg(&full)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("9 frames of 64x36"), "the show went on: {err}");
    assert!(err.contains("full.mp4"), "{err}");

    // A format it cannot record: said before the first frame.
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args(["--headless", "--record", "x.gif"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains(".mp4"), "{err}");
}

#[test]
fn a_sixteen_bit_png_sequence_keeps_more_than_256_levels() {
    // A black-to-white ramp across 1024 pixels: pixel x is (x + 0.5) / 1024. The half-float
    // output holds ~1000 distinct levels of it; 8 bits keep 256, 16 bits keep them all.
    let chain = "output = \"g\"\n[g]\ntype = \"gradient\"\nsize = [1024, 2]\nmode = \"linear\"\n";
    let dir = common::project(&[("chain.toml", chain)]);
    let out = tempfile::tempdir().unwrap();
    let levels = |depth: &str| {
        let pattern = out.path().join(format!("d{depth}/%03d.png"));
        let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(dir.path())
            .args([
                "--headless",
                "--frames",
                "2",
                "--fps",
                "30",
                "--record-depth",
                depth,
            ])
            .arg("--record")
            .arg(&pattern)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{err}");
        assert!(err.contains("recorded 2 frames"), "{err}");
        let img = image::open(out.path().join(format!("d{depth}/001.png"))).unwrap();
        let want = if depth == "16" {
            image::ColorType::Rgba16
        } else {
            image::ColorType::Rgba8
        };
        assert_eq!(img.color(), want);
        let img = img.to_rgba16();
        let row: Vec<u16> = (0..1024).map(|x| img.get_pixel(x, 0).0[0]).collect();
        for (x, v) in row.iter().enumerate() {
            let want = (x as f64 + 0.5) / 1024.0;
            let got = f64::from(*v) / 65535.0;
            // Half-float steps are 1/2048 at most in 0.5..1; 8 bits round to 1/510.
            assert!(
                (got - want).abs() < 0.0025,
                "{depth}-bit x {x}: {got} not {want}"
            );
            assert_eq!(img.get_pixel(x as u32, 0).0[3], 65535);
        }
        assert!(row.windows(2).all(|w| w[0] <= w[1]), "a ramp rises");
        let mut distinct = row.clone();
        distinct.dedup();
        distinct.len()
    };
    let (eight, sixteen) = (levels("8"), levels("16"));
    assert!(eight <= 256, "{eight}");
    assert!(sixteen > 900, "16 bits kept only {sixteen} levels");

    // 16 bits into a video file: refused before the first frame.
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args(["--headless", "--record-depth", "16", "--record"])
        .arg(out.path().join("x.mkv"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success() && err.contains("PNG"), "{err}");
}
