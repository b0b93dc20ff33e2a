//! Golden images: every project in testing-fixtures/ renders to its expected.png.
//!
//! Tolerance (8-bit channels): at least 99.5% of pixels within 2 of the reference on
//! every channel, and a mean difference under 0.5. On failure the test writes
//! `expected.actual.png` and `expected.difference.png` beside the reference.
//! `VIVID_UPDATE_GOLDEN=1 cargo test --test golden` rewrites the references on purpose.
//!
//! A fixture may hold a `test.toml` with `frames` (default 1) and `fps` (default 60).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::path::Path;

const TOLERANCE: u8 = 2;
const MAX_BAD_FRACTION: f64 = 0.005;
const MAX_MEAN: f64 = 0.5;

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FixtureTest {
    frames: Option<u64>,
    fps: Option<f64>,
}

fn check(name: &str) {
    let dir = common::repo().join("testing-fixtures").join(name);
    let settings: FixtureTest = std::fs::read_to_string(dir.join("test.toml"))
        .map(|t| toml::from_str(&t).unwrap_or_else(|e| panic!("{name}/test.toml: {e}")))
        .unwrap_or_default();
    let expected_path = dir.join("expected.png");
    // Both ways operators run (render and compute passes) must match the reference.
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine
            .load_project(&dir, &[])
            .unwrap_or_else(|e| panic!("{e}"));
        let frames = settings.frames.unwrap_or(1);
        let image = common::render(&mut engine, frames, settings.fps.unwrap_or(60.0)).to_rgba8();
        if std::env::var_os("VIVID_UPDATE_GOLDEN").is_some() {
            vivid::readback::save_png(&image, &expected_path).unwrap();
            return;
        }
        let expected = image::open(&expected_path)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (VIVID_UPDATE_GOLDEN=1 writes it)",
                    expected_path.display()
                )
            })
            .to_rgba8();
        assert_eq!(image.dimensions(), expected.dimensions(), "{name}: size");
        let (d, picture) = diff(&image, &expected);
        if d.bad_fraction > MAX_BAD_FRACTION || d.mean > MAX_MEAN {
            save(&image, &dir.join("expected.actual.png"));
            save(&picture, &dir.join("expected.difference.png"));
            panic!(
                "{name} ({mode:?} passes): differs from expected.png: {d:?} (wrote expected.actual.png and expected.difference.png)"
            );
        }
    }
}

fn diff(a: &image::RgbaImage, b: &image::RgbaImage) -> (common::Diff, image::RgbaImage) {
    common::diff(a, b, TOLERANCE)
}

fn save(img: &image::RgbaImage, path: &Path) {
    vivid::readback::save_png(img, path).unwrap();
}

/// The fixture folders compared with their golden image: every folder of testing-fixtures/
/// but the benchmarks (`bench-*`: `vivid bench` projects) and `assets/` (files that tests
/// load).
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(common::repo().join("testing-fixtures"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with("bench-") && n != "assets")
        .collect();
    names.sort();
    names
}

#[test]
fn every_fixture_matches_its_golden_image() {
    let failures: Vec<String> = fixtures()
        .into_iter()
        .filter_map(|name| {
            std::panic::catch_unwind(|| check(&name)).err().map(|e| {
                let why = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default();
                format!("{name}: {why}")
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Operator types whose picture comes from a device (a camera): no fixture can hold one.
const NEEDS_HARDWARE: &[&str] = &["video_in"];

#[test]
fn every_operator_type_has_a_fixture() {
    let mut used = String::new();
    for name in fixtures() {
        used.push_str(
            &std::fs::read_to_string(
                common::repo()
                    .join("testing-fixtures")
                    .join(&name)
                    .join("chain.toml"),
            )
            .unwrap(),
        );
    }
    for info in vivid::builtin_registry().infos() {
        // Needs hardware CI does not have; its code path past the device is `pipeline`'s
        // (fixture `pipeline`, tests/media_live.rs), its mode choice unit-tested in
        // media/src/camera.rs.
        if NEEDS_HARDWARE.contains(&info.name.as_ref()) {
            continue;
        }
        assert!(
            used.contains(&format!("type = \"{}\"", info.name)),
            "no testing-fixtures/*/chain.toml uses `{}`: add a fixture with its expected.png",
            info.name
        );
    }
}
