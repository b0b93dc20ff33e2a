//! What a new user meets first: the gallery of examples (in step with the examples, every
//! one pictured, every picture in the README), the embedding example run for real, the
//! README's shader example and its coordinates, and example 05's seamless colour wheel.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

#[path = "../examples/embed.rs"]
#[allow(
    dead_code,
    reason = "the example's main() is not called here; its run() is"
)]
mod embed;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Gallery pictures: a channel differing by more than this counts as a different pixel...
const GALLERY_TOLERANCE: u8 = 8;
/// ...and at most this fraction of pixels may differ, with at most this mean difference
/// (8-bit units). Renders on the same driver agree to the bit; another GPU or pass mode
/// differs by half-float rounding, which feedback trails can spread a little. An example
/// changed on purpose (a parameter, a colour, a new node) differs far more.
const GALLERY_MAX_BAD_FRACTION: f64 = 0.01;
const GALLERY_MAX_MEAN: f64 = 1.5;

/// The example project folders, `examples/NN-name`.
fn examples() -> BTreeSet<String> {
    std::fs::read_dir(common::repo().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("chain.toml").is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().to_string())
        .collect()
}

/// The `.png` files of a folder, by name without the extension.
fn pictures(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .collect()
}

#[test]
fn every_example_is_numbered_and_pictured_in_the_gallery() {
    let examples = examples();
    assert!(examples.len() >= 6, "{examples:?}");
    for name in &examples {
        let b = name.as_bytes();
        assert!(
            b.len() > 3 && b[0].is_ascii_digit() && b[1].is_ascii_digit() && b[2] == b'-',
            "examples/{name}: example folders are named NN-name (the gallery's order)"
        );
    }
    let gallery = pictures(&common::repo().join("docs/gallery"));
    let missing: Vec<_> = examples.difference(&gallery).collect();
    let stale: Vec<_> = gallery.difference(&examples).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "docs/gallery/ is out of step with examples/: no picture for {missing:?}, no example for {stale:?}; run scripts/gallery.sh (after cargo build --release) and commit docs/gallery/"
    );
}

#[test]
fn the_readme_shows_every_gallery_picture() {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    for name in examples() {
        let link = format!("(docs/gallery/{name}.png)");
        assert!(
            readme.contains(&link),
            "README.md's gallery lacks examples/{name}: add ![{name}]{link} with a line about it"
        );
    }
}

/// scripts/gallery.sh, run with the test build of vivid into a temporary folder, makes the
/// pictures committed in docs/gallery/.
#[test]
fn the_gallery_pictures_are_what_the_examples_render() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(common::repo().join("scripts/gallery.sh"))
        .arg(env!("CARGO_BIN_EXE_vivid"))
        .arg(out.path())
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs bash scripts/gallery.sh");
    assert!(
        status.status.success(),
        "scripts/gallery.sh failed:\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let rendered = pictures(out.path());
    assert_eq!(rendered, examples(), "gallery.sh renders every example");
    let failed_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("gallery");
    let mut failures = Vec::new();
    for name in rendered {
        let committed = common::repo().join(format!("docs/gallery/{name}.png"));
        let Ok(expected) = image::open(&committed) else {
            failures.push(format!("{name}: no docs/gallery/{name}.png"));
            continue;
        };
        let expected = expected.to_rgba8();
        let actual = image::open(out.path().join(format!("{name}.png")))
            .unwrap()
            .to_rgba8();
        if actual.dimensions() != expected.dimensions() {
            failures.push(format!(
                "{name}: {:?}, the committed picture is {:?}",
                actual.dimensions(),
                expected.dimensions()
            ));
            continue;
        }
        let (d, picture) = common::diff(&actual, &expected, GALLERY_TOLERANCE);
        if d.bad_fraction > GALLERY_MAX_BAD_FRACTION || d.mean > GALLERY_MAX_MEAN {
            std::fs::create_dir_all(&failed_dir).unwrap();
            let a = failed_dir.join(format!("{name}.actual.png"));
            let b = failed_dir.join(format!("{name}.difference.png"));
            vivid::readback::save_png(&actual, &a).unwrap();
            vivid::readback::save_png(&picture, &b).unwrap();
            failures.push(format!(
                "{name}: {d:?} (wrote {} and {})",
                a.display(),
                b.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "docs/gallery/ does not show what the examples render now — run scripts/gallery.sh (after cargo build --release), look at the pictures and commit them:\n{}",
        failures.join("\n")
    );
}

/// examples/embed.rs, run: the host's own device and texture, parameters set by the host.
/// What lands in the host's sRGB texture is what an engine of the test's own reads back
/// from the same chain at the same time (the display values, to 8-bit rounding), and the
/// frames kept the engine's rules.
#[test]
fn the_embedding_example_renders_into_the_hosts_texture() {
    let frames = 30;
    let done = embed::run(None, frames).unwrap_or_else(|e| panic!("{e}"));
    let s = &done.stats;
    assert_eq!(s.frames, frames);
    assert_eq!((s.max_encoders_per_frame, s.max_submits_per_frame), (1, 1));
    assert_eq!(s.gpu_objects_created_after_warmup, 0, "{s:?}");

    let mut engine = common::engine();
    engine.set_chain(&embed::chain()).unwrap();
    // The host set octaves = 2 at frame 0 (and changes it every 30 frames).
    engine.set_param("n", "octaves", 2).unwrap();
    engine.set_capture(true);
    let last = frames - 1;
    engine
        .render(
            vivid::FrameTime {
                time: last as f64 / 60.0,
                frame: last,
            },
            vivid::Target::None,
            true,
        )
        .unwrap();
    let expected = engine.read_output().unwrap().to_rgba8();
    assert_eq!(
        done.pixels.dimensions(),
        (embed::SIZE.0, embed::SIZE.1),
        "host texture size"
    );
    let (d, _) = common::diff(&done.pixels, &expected, 1);
    assert!(
        d.max <= 2 && d.bad_fraction < 0.01,
        "the host's texture differs from the chain's output: {d:?}"
    );
    // Not a blank picture: the noise and the hue shift are in it.
    let distinct: BTreeSet<[u8; 4]> = done.pixels.pixels().map(|p| p.0).collect();
    assert!(distinct.len() > 1000, "{} colours", distinct.len());
}

/// The README's custom shader example, between `<!-- shader-example:begin (...) -->` and
/// `<!-- shader-example:end -->`.
fn readme_shader_example() -> String {
    let readme = std::fs::read_to_string(common::repo().join("README.md")).unwrap();
    let begin = readme
        .find("<!-- shader-example:begin")
        .expect("README.md marks its shader example");
    let end = readme[begin..].find("<!-- shader-example:end -->").unwrap() + begin;
    let block = &readme[begin..end];
    let code_start = block.find("```wgsl\n").unwrap() + "```wgsl\n".len();
    let code_end = block[code_start..].find("```").unwrap() + code_start;
    block[code_start..code_end].to_string()
}

/// The README says: parameters are in user uv (y up), `shade(uv)` gets texture uv (y down),
/// `user_uv(uv)` converts. Its example puts a dot at `pos = [0.5, 0.8]`, which must land in
/// the upper part of the picture, in both ways operators run.
#[test]
fn the_readme_shader_example_puts_its_dot_where_the_readme_says() {
    let wgsl = readme_shader_example();
    let dir = common::project(&[
        (
            "chain.toml",
            "output = \"dot\"\n[dot]\ntype = \"shader\"\nshader = \"dot.wgsl\"\nsize = [100, 100]\n",
        ),
        ("dot.wgsl", &wgsl),
    ]);
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine
            .load_project(dir.path(), &[])
            .unwrap_or_else(|e| panic!("{e}"));
        let img = common::render(&mut engine, 1, 60.0);
        // Rows from the top: user y 0.8 is 20% down the picture.
        let at = |x: u32, y: u32| img.at(x, y)[0];
        assert!(at(50, 20) > 0.9, "{mode:?}: the dot is 20% from the top");
        assert!(at(50, 80) < 0.1, "{mode:?}: nothing 20% from the bottom");
        // `--set dot.pos=[0.5,0.2]` (user uv) moves it to the bottom.
        engine
            .set_param("dot", "pos", [0.5f32, 0.2])
            .unwrap_or_else(|e| panic!("{e}"));
        let img = common::render(&mut engine, 1, 60.0);
        assert!(img.at(50, 80)[0] > 0.9 && img.at(50, 20)[0] < 0.1);
    }
}

/// Example 05's colour wheel (an angular gradient, mirrored twice) is continuous all the way
/// round: no neighbouring pixels differ by more than the ramp's slope allows — a seam, as
/// there was from the centre to the right edge, is a jump of the full blue-to-pink
/// difference. Shown with `--set output=pattern`, as the README documents.
#[test]
fn example_05s_colour_wheel_has_no_seam() {
    let mut engine = common::engine();
    engine.set_output_size(Some([160, 90])).unwrap();
    engine
        .load_project(
            &common::repo().join("examples/05-live-shader"),
            &["output=pattern".to_string()],
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(engine.output_name(), Some("pattern"));
    // Time 0: angle 0, where an unmirrored ramp starts (and ends) — along +x.
    let img = common::render(&mut engine, 1, 60.0);
    let (cx, cy) = (80.0f32, 45.0f32);
    let mut worst = (0.0f32, (0, 0));
    for y in 0..img.height - 1 {
        for x in 0..img.width - 1 {
            // Near the centre every pixel is a different angle: skip a 12-pixel disc.
            if (x as f32 + 0.5 - cx).hypot(y as f32 + 0.5 - cy) < 12.0 {
                continue;
            }
            let p = img.at(x, y);
            for q in [img.at(x + 1, y), img.at(x, y + 1)] {
                let d = (0..3).map(|c| (p[c] - q[c]).abs()).fold(0.0, f32::max);
                if d > worst.0 {
                    worst = (d, (x, y));
                }
            }
        }
    }
    // At 12 pixels from the centre one pixel is under 5 degrees: 1/36 of the half turn that
    // ramps blue to pink (~0.9 apart), 0.025. A seam is ~0.9.
    assert!(worst.0 < 0.08, "a jump of {} at {:?}", worst.0, worst.1);
}
