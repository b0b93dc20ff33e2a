//! Helpers shared by the GPU tests: a real device (Mesa's lavapipe on CI), engines,
//! rendering, and image comparison with a tolerance.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::missing_panics_doc,
    reason = "shared by several test crates, each using a part"
)]

pub mod dmabuf;
pub mod pipewire;
pub mod wav;
pub mod x11;

use std::path::{Path, PathBuf};

use vivid::chain::ChainDesc;
use vivid::readback::FloatImage;
use vivid::{Engine, EngineOptions, FrameTime, Gpu, PassMode, Target};

/// Both ways operators can run; tests check that they give the same pixels.
pub const MODES: [PassMode; 2] = [PassMode::Render, PassMode::Compute];

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A device of its own (counters are per device).
pub fn gpu() -> Gpu {
    Gpu::headless(&vivid::GpuOptions::default()).expect(
        "a GPU adapter: on a machine without a GPU install Mesa's lavapipe (mesa-vulkan-drivers)",
    )
}

/// An engine with the built-in operators and the monitor off.
pub fn engine() -> Engine {
    engine_in(gpu().pass_mode())
}

/// An engine whose operators run as `mode`.
pub fn engine_in(mode: PassMode) -> Engine {
    let options = EngineOptions {
        monitor_interval: None,
        monitor_print: false,
        ..Default::default()
    };
    Engine::new(
        gpu().with_pass_mode(mode),
        vivid::builtin_registry(),
        options,
    )
}

/// A project folder (a temporary one, removed when dropped) with `files` written into it.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// A copy of the repository's shaders/ in a temporary folder (to edit built-in shaders).
pub fn shader_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("shaders"), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dst = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dst);
        } else {
            std::fs::copy(&p, &dst).unwrap();
        }
    }
}

/// A chain from chain.toml text.
pub fn desc(toml: &str) -> ChainDesc {
    vivid::project::parse_chain(Path::new("test.toml"), toml)
}

/// Renders frame `k` at 60 fps into nothing but the engine's own output; `capture` keeps
/// its pixels for a readback.
pub fn frame(engine: &mut Engine, k: u64, capture: bool) -> vivid::FrameReport {
    engine
        .render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            capture,
        )
        .unwrap()
}

/// Renders `frames` frames at `fps` and reads the last one back.
pub fn render(engine: &mut Engine, frames: u64, fps: f64) -> FloatImage {
    engine.set_capture(true);
    for k in 0..frames {
        let last = k + 1 == frames;
        engine
            .render(
                FrameTime {
                    time: k as f64 / fps,
                    frame: k,
                },
                Target::None,
                last,
            )
            .unwrap();
    }
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
    engine.read_output().unwrap()
}

/// Renders one frame of a chain given as chain.toml text, as render and as compute passes;
/// the two must agree (to f16 rounding).
pub fn render_toml(toml: &str) -> FloatImage {
    let [a, b] = MODES.map(|mode| {
        let mut e = engine_in(mode);
        e.set_chain(&desc(toml))
            .unwrap_or_else(|err| panic!("{err}"));
        render(&mut e, 1, 60.0)
    });
    for (i, (p, q)) in a.pixels.iter().zip(&b.pixels).enumerate() {
        assert_close(
            *p,
            *q,
            2e-3,
            &format!("pixel {i}: render vs compute passes"),
        );
    }
    a
}

/// Asserts `a` and `b` are within `tol` per channel.
#[track_caller]
pub fn assert_close(a: [f32; 4], b: [f32; 4], tol: f32, what: &str) {
    for c in 0..4 {
        assert!(
            (a[c] - b[c]).abs() <= tol,
            "{what}: got {a:?}, expected {b:?} (tolerance {tol})"
        );
    }
}

/// Asserts two float images have the same size and every pixel within `tol` per channel.
#[track_caller]
pub fn assert_images_close(a: &FloatImage, b: &FloatImage, tol: f32, what: &str) {
    assert_eq!((a.width, a.height), (b.width, b.height), "{what}: size");
    for (i, (p, q)) in a.pixels.iter().zip(&b.pixels).enumerate() {
        let (x, y) = (i as u32 % a.width, i as u32 / a.width);
        assert_close(*p, *q, tol, &format!("{what}: pixel ({x}, {y})"));
    }
}

/// Result of comparing two 8-bit images.
#[derive(Debug)]
pub struct Diff {
    /// Largest channel difference.
    pub max: u8,
    /// Mean absolute channel difference.
    pub mean: f64,
    /// Fraction of pixels with a channel differing by more than the tolerance.
    pub bad_fraction: f64,
}

/// Compares two images of the same size.
pub fn diff(a: &image::RgbaImage, b: &image::RgbaImage, tol: u8) -> (Diff, image::RgbaImage) {
    let mut out = image::RgbaImage::new(a.width(), a.height());
    let (mut max, mut sum, mut bad) = (0u8, 0u64, 0u64);
    for ((pa, pb), po) in a.pixels().zip(b.pixels()).zip(out.pixels_mut()) {
        let mut worst = 0u8;
        for c in 0..4 {
            let d = pa.0[c].abs_diff(pb.0[c]);
            worst = worst.max(d);
            sum += u64::from(d);
        }
        max = max.max(worst);
        if worst > tol {
            bad += 1;
        }
        let v = worst.saturating_mul(16);
        po.0 = [v, v, v, 255];
    }
    let n = u64::from(a.width()) * u64::from(a.height());
    (
        Diff {
            max,
            mean: sum as f64 / (n * 4) as f64,
            bad_fraction: bad as f64 / n as f64,
        },
        out,
    )
}
