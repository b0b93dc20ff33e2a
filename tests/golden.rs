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

macro_rules! golden {
    ($($test:ident => $dir:literal),* $(,)?) => {
        $( #[test] fn $test() { check($dir); } )*

        #[test]
        fn every_fixture_has_a_golden_test() {
            let covered = [$($dir),*];
            for entry in std::fs::read_dir(common::repo().join("testing-fixtures")).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().to_string();
                // bench-* projects are benchmarks (`vivid bench`), not images to compare;
                // assets/ holds files that unit tests load (glTF), not a project.
                if entry.path().is_dir() && !name.starts_with("bench-") && name != "assets" {
                    assert!(covered.contains(&name.as_str()), "testing-fixtures/{name} has no golden test");
                }
            }
        }
    };
}

golden! {
    hello_noise => "hello-noise",
    noise_perlin => "noise-perlin",
    noise_simplex => "noise-simplex",
    noise_worley => "noise-worley",
    noise_value => "noise-value",
    solid => "solid",
    gradient => "gradient",
    gradient_linear => "gradient-linear",
    shapes => "shapes",
    levels => "levels",
    hsv => "hsv",
    transform => "transform",
    transform_repeat => "transform-repeat",
    blur => "blur",
    blur_large => "blur-large",
    composite => "composite",
    feedback => "feedback",
    shadow_point => "shadow-point",
    shadow_spot => "shadow-spot",
    shadow_directional => "shadow-directional",
    lighting_test => "lighting-test",
    gltf_textured => "gltf-textured",
    image => "image",
}
