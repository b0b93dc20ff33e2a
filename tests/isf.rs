//! ISF files as operators (`type = "isf"`): every file of the sample of Vidvox's collection
//! that testing-fixtures/isf/fixtures.txt names (files of testing-fixtures/isf/collection/)
//! compiles and renders a non-degenerate image in both pass modes,
//! answers known independently (Color Controls' brightness, Flip H's mirror), steady
//! frames, and errors located in the `.fs` itself.

#![allow(
    clippy::unwrap_used,
    clippy::many_single_char_names,
    clippy::case_sensitive_file_extension_comparisons,
    reason = "tests: a failed unwrap is a failed test; pixel loops use x, y, w, h, u, v; the collection's files are all `.fs`"
)]

mod common;

use std::path::{Path, PathBuf};

use common::{MODES, engine_in, render};
use vivid::Engine;

fn dir() -> PathBuf {
    common::repo().join("testing-fixtures/isf")
}

/// Where the collection's files are (the project folder of the sample's chains).
fn collection() -> PathBuf {
    dir().join("collection")
}

/// A chain from chain.toml text, its files found in `dir`.
fn desc_in(dir: &Path, toml: &str) -> vivid::chain::ChainDesc {
    vivid::project::parse_chain(&dir.join("test.toml"), toml)
}

/// The two inputs the tests feed: a diagonal gradient and noise, 24×16.
const SOURCES: &str = "[g]\ntype = \"gradient\"\nsize = [24, 16]\nangle = 30\ncolor_a = [0.9, 0.2, 0.1]\ncolor_b = [0.1, 0.5, 0.9]\n\n[n]\ntype = \"noise\"\nsize = [24, 16]\n\n";

fn chain_for(file: &str, images: usize, extra: &str) -> String {
    let inputs = match images {
        0 => String::new(),
        1 => "input = \"g\"\n".to_string(),
        n => format!(
            "inputs = [{}]\n",
            (0..n)
                .map(|i| if i % 2 == 0 { "\"g\"" } else { "\"n\"" })
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "output = \"x\"\n\n{SOURCES}[x]\ntype = \"isf\"\npath = \"{file}\"\nsize = [24, 16]\n{inputs}{extra}"
    )
}

/// Files that fail (none: every file of the collection runs).
const UNSUPPORTED: [&str; 0] = [];

/// A file whose own arithmetic makes NaN on some pixels (GLSL leaves it undefined).
const POW_OF_NEGATIVE: &str = "Dirty Lens.fs";

/// The sample: the files of the collection that fixtures.txt names, each a file there.
fn fs_files() -> Vec<String> {
    let list = std::fs::read_to_string(dir().join("fixtures.txt")).unwrap();
    let v: Vec<String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    assert_eq!(v.len(), 54, "fixtures.txt names the 54 files of the sample");
    for f in &v {
        assert!(f.ends_with(".fs"), "{f}");
        assert!(collection().join(f).is_file(), "{f} is not in collection/");
    }
    v
}

/// The `.vs` vertex shaders beside the sample's files in the collection.
fn vs_files(files: &[String]) -> Vec<String> {
    files
        .iter()
        .map(|f| f.replace(".fs", ".vs"))
        .filter(|v| collection().join(v).is_file())
        .collect()
}

fn image_inputs(file: &str) -> usize {
    let path = collection().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let h = vivid::operator::isf::header::parse(&path, &text).unwrap();
    h.inputs
        .iter()
        .filter(|i| i.kind == vivid::operator::isf::header::InputKind::Image)
        .count()
}

fn set(engine: &mut Engine, toml: &str) -> Result<(), String> {
    engine
        .set_chain(&desc_in(&collection(), toml))
        .map_err(|e| e.to_string())
}

#[test]
fn every_single_pass_file_renders_a_non_degenerate_image_in_both_modes() {
    let files = fs_files();
    assert_eq!(files.len(), 54, "the 54 files of the sample");
    assert_eq!(vs_files(&files).len(), 6, "6 of them with a vertex shader");
    let mut engines = MODES.map(engine_in);
    let mut failed = Vec::new();
    let mut bad: Vec<String> = Vec::new();
    let mut ok = 0;
    for file in &files {
        let toml = chain_for(file, image_inputs(file), "");
        let mut images = Vec::new();
        for e in &mut engines {
            match set(e, &toml) {
                Ok(()) => images.push(render(e, 3, 30.0)),
                Err(err) => {
                    failed.push((file.clone(), err));
                    break;
                }
            }
        }
        if images.len() != 2 {
            continue;
        }
        let (a, b) = (&images[0], &images[1]);
        let finite = a
            .pixels
            .iter()
            .filter(|p| p.iter().all(|v| v.is_finite()))
            .count();
        if file.as_str() == POW_OF_NEGATIVE {
            // `pow(f, …)` of a negative fractal noise value: undefined in GLSL (NaN on
            // most GPUs too). Most pixels are finite.
            if finite * 2 < a.pixels.len() {
                bad.push(format!("{file}: mostly NaN"));
            }
            continue;
        }
        if finite != a.pixels.len() {
            bad.push(format!("{file}: NaN or infinity"));
            continue;
        }
        let spread = (0..4)
            .map(|c| {
                let (lo, hi) = a.pixels.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                    (lo.min(p[c]), hi.max(p[c]))
                });
                hi - lo
            })
            .fold(0.0f32, f32::max);
        if spread <= 1e-3 {
            bad.push(format!("{file}: a uniform image {:?}", a.pixels[0]));
            continue;
        }
        let worst = a
            .pixels
            .iter()
            .zip(&b.pixels)
            .flat_map(|(p, q)| (0..4).map(move |c| (p[c] - q[c]).abs()))
            .fold(0.0f32, f32::max);
        // A file showing the time (DATE: the wall clock) differs between two renders.
        let shows_time = std::fs::read_to_string(collection().join(file))
            .unwrap()
            .contains("DATE");
        if worst > 4e-3 && !shows_time {
            bad.push(format!(
                "{file}: render and compute passes differ by {worst}"
            ));
            continue;
        }
        ok += 1;
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    let names: Vec<&str> = failed.iter().map(|(f, _)| f.as_str()).collect();
    for (f, why) in &failed {
        eprintln!("{f}: {why}");
    }
    assert_eq!(names, UNSUPPORTED, "the files that fail, and only those");
    for (f, why) in &failed {
        assert!(why.contains("not yet supported"), "{f}: {why}");
    }
    eprintln!("{ok}/{} ISF files render", files.len());
}

#[test]
fn color_controls_brightness_adds_to_every_channel() {
    let mut e = engine_in(MODES[1]);
    set(&mut e, &chain_for("Color Controls.fs", 1, "")).unwrap();
    let plain = render(&mut e, 1, 60.0);
    let toml = chain_for("Color Controls.fs", 1, "").replace("output = \"x\"", "output = \"g\"");
    set(&mut e, &toml).unwrap();
    let input = render(&mut e, 1, 60.0);
    // Defaults: the identity.
    for (p, q) in plain.pixels.iter().zip(&input.pixels) {
        common::assert_close(*p, *q, 4e-3, "Color Controls at its defaults");
    }
    set(
        &mut e,
        &chain_for("Color Controls.fs", 1, "bright = 0.05\n"),
    )
    .unwrap();
    let bright = render(&mut e, 1, 60.0);
    for (p, q) in bright.pixels.iter().zip(&input.pixels) {
        let want = [
            (q[0] + 0.05).min(1.0),
            (q[1] + 0.05).min(1.0),
            (q[2] + 0.05).min(1.0),
            q[3],
        ];
        common::assert_close(*p, want, 6e-3, "Color Controls bright = 0.05");
    }
}

#[test]
fn flip_h_mirrors_its_input() {
    let mut e = engine_in(MODES[0]);
    set(&mut e, &chain_for("Flip H.fs", 1, "")).unwrap();
    let flipped = render(&mut e, 1, 60.0);
    let toml = chain_for("Flip H.fs", 1, "").replace("output = \"x\"", "output = \"g\"");
    set(&mut e, &toml).unwrap();
    let input = render(&mut e, 1, 60.0);
    let w = input.width as usize;
    for (i, p) in flipped.pixels.iter().enumerate() {
        let (x, y) = (i % w, i / w);
        common::assert_close(*p, input.pixels[y * w + (w - 1 - x)], 4e-3, "Flip H");
    }
}

#[test]
fn steady_frames_of_an_isf_operator_create_nothing() {
    let mut e = engine_in(MODES[1]);
    set(
        &mut e,
        &chain_for("Color Controls.fs", 1, "hue = \"0.1 * time\"\n"),
    )
    .unwrap();
    render(&mut e, 12, 60.0);
    let s = e.stats();
    assert_eq!(s.max_encoders_per_frame, 1);
    assert_eq!(s.max_submits_per_frame, 1);
    assert_eq!(s.gpu_objects_created_after_warmup, 0, "{s:?}");
}

#[test]
fn a_glsl_error_points_at_the_fs_line_and_column() {
    let dir = common::project(&[(
        "bad.fs",
        "/*{\n  \"INPUTS\": [ {\"NAME\": \"amount\", \"TYPE\": \"float\"} ]\n}*/\nvoid main() {\n    gl_FragColor = vec4(amount) + undefined_thing;\n}\n",
    )]);
    let mut e = engine_in(MODES[0]);
    let err = e
        .set_chain(&desc_in(
            dir.path(),
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"bad.fs\"\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad.fs:5:"), "{err}");
    assert!(err.contains("undefined_thing"), "{err}");
}

#[test]
fn an_audio_input_is_an_image_input_reading_silence_unconnected() {
    // `audio` and `audioFFT` inputs are image inputs that audio nodes connect to.
    let dir = common::project(&[(
        "a.fs",
        "/*{\n  \"INPUTS\": [\n    {\"NAME\": \"wave\", \"TYPE\": \"audio\"}\n  ]\n}*/\nvoid main() { gl_FragColor = IMG_NORM_PIXEL(wave, vec2(0.5)) + vec4(0.25); }\n",
    )]);
    let mut e = engine_in(MODES[0]);
    // Unconnected: silence (zeros), not an error.
    e.set_chain(&desc_in(
        dir.path(),
        "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"a.fs\"\nsize = [4, 4]\n",
    ))
    .unwrap_or_else(|err| panic!("{err}"));
    let img = common::render(&mut e, 1, 60.0);
    common::assert_close(img.pixels[5], [0.25; 4], 2e-3, "unconnected");
    // An audio_waveform without audio: silence as ISF maps it, 0.5 (opaque).
    e.set_chain(&desc_in(
        dir.path(),
        "output = \"x\"\n[w]\ntype = \"audio_waveform\"\nsize = [64, 1]\nsamples = 64\n[x]\ntype = \"isf\"\npath = \"a.fs\"\nsize = [4, 4]\ninput = \"w\"\n",
    ))
    .unwrap_or_else(|err| panic!("{err}"));
    let img = common::render(&mut e, 2, 60.0);
    common::assert_close(
        img.pixels[5],
        [0.75, 0.75, 0.75, 1.25],
        2e-3,
        "a waveform of silence",
    );
}

/// A project of the repository's own ISF test files (testing-fixtures/isf/own/).
fn own(toml: &str) -> vivid::chain::ChainDesc {
    desc_in(&dir().join("own"), toml)
}

#[test]
fn a_persistent_buffer_counts_frames_in_both_modes() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"counter.fs\"\nsize = [8, 4]\n",
        ))
        .unwrap();
        let img = render(&mut e, 5, 60.0);
        for p in &img.pixels {
            // Five frames of +1/64 in a 1×1 target (RENDERSIZE of that pass: 1×1).
            common::assert_close(
                *p,
                [5.0 / 64.0, 1.0 / 64.0, 1.0 / 64.0, 1.0],
                1e-3,
                "counter",
            );
        }
        // Shown or not, it advances; and steady frames create nothing.
        render(&mut e, 10, 60.0);
        let s = e.stats();
        assert_eq!(s.max_encoders_per_frame, 1);
        assert_eq!(s.max_submits_per_frame, 1);
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{mode:?}: {s:?}");
    }
}

#[test]
fn every_input_kind_reaches_the_shader() {
    let mut e = engine_in(MODES[1]);
    let base = "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"inputs.fs\"\nsize = [4, 4]\n";
    e.set_chain(&own(base)).unwrap();
    let img = render(&mut e, 1, 60.0);
    // Defaults: amount 0.25, mode 7 (the value, not its index), flag on → tint.b, point (30, 40).
    common::assert_close(img.pixels[0], [0.25, 0.7, 0.3, 0.34], 2e-3, "defaults");
    e.set_chain(&own(&format!(
        "{base}amount = 0.5\nmode = \"two\"\nflag = false\nwhere = [50, 0]\n"
    )))
    .unwrap();
    let img = render(&mut e, 1, 60.0);
    common::assert_close(img.pixels[0], [0.5, 0.2, 0.0, 0.5], 2e-3, "set");
}

#[test]
fn the_vertex_shader_runs_and_the_origin_is_the_bottom_left() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"coords.fs\"\nsize = [8, 4]\n",
        ))
        .unwrap();
        let img = render(&mut e, 1, 60.0);
        let (w, h) = (img.width as usize, img.height as usize);
        for (i, p) in img.pixels.iter().enumerate() {
            let (x, y) = (i % w, i / w);
            let u = (x as f32 + 0.5) / w as f32;
            let v = 1.0 - (y as f32 + 0.5) / h as f32;
            common::assert_close(
                *p,
                [u, v, v, u],
                2e-3,
                &format!("{mode:?} pixel ({x}, {y})"),
            );
        }
    }
}

#[test]
fn isf_check_prints_a_line_per_file_and_fails_on_a_bad_one() {
    // The sample in a folder of its own (`isf-check` checks a whole folder), with the
    // vertex shaders of its files.
    let files = fs_files();
    let vs = vs_files(&files);
    assert_eq!(vs.len(), 6);
    let texts: Vec<(String, String)> = files
        .iter()
        .chain(&vs)
        .map(|f| {
            let text = std::fs::read_to_string(collection().join(f)).unwrap();
            (f.clone(), text)
        })
        .collect();
    let named: Vec<(&str, &str)> = texts
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    let sample = common::project(&named);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(["isf-check"])
        .arg(sample.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text.lines().filter(|l| l.starts_with("ok ")).count(),
        54,
        "{text}"
    );
    assert!(text.contains("54/54 ok"), "{text}");

    let bad = common::project(&[
        (
            "good.fs",
            "/*{}*/\nvoid main() { gl_FragColor = vec4(1.0); }\n",
        ),
        (
            "bad.fs",
            "/*{}*/\nvoid main() {\n  gl_FragColor = nope;\n}\n",
        ),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(["isf-check"])
        .arg(bad.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("ok    good.fs"), "{text}");
    assert!(
        text.contains("FAIL  bad.fs") && text.contains("bad.fs:3:"),
        "{text}"
    );
    assert!(text.contains("1/2 ok"), "{text}");
}

#[test]
fn a_shadertoy_main_image_sees_its_coordinates_and_channel() {
    let chain = |out: &str| {
        format!(
            "output = \"{out}\"\n{SOURCES}[x]\ntype = \"shadertoy\"\npath = \"uv.glsl\"\ninput = \"g\"\nsize = [24, 16]\n"
        )
    };
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(&chain("x"))).unwrap();
        let img = render(&mut e, 1, 60.0);
        e.set_chain(&own(&chain("g"))).unwrap();
        let input = render(&mut e, 1, 60.0);
        let (w, h) = (img.width as usize, img.height as usize);
        for (i, p) in img.pixels.iter().enumerate() {
            let (x, y) = (i % w, i / w);
            let u = (x as f32 + 0.5) / w as f32;
            let v = 1.0 - (y as f32 + 0.5) / h as f32;
            let want = [u, v, input.pixels[i][0], 1.0];
            common::assert_close(*p, want, 3e-3, &format!("{mode:?} pixel ({x}, {y})"));
        }
    }
}

#[test]
fn an_edit_reloads_and_a_broken_edit_keeps_the_last_good_version() {
    let dir = common::project(&[(
        "e.fs",
        "/*{}*/\nvoid main() { gl_FragColor = vec4(0.25, 0.5, 0.75, 1.0); }\n",
    )]);
    let toml = "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"e.fs\"\nsize = [4, 4]\n";
    let mut e = engine_in(MODES[1]);
    e.set_chain(&desc_in(dir.path(), toml)).unwrap();
    common::assert_close(
        render(&mut e, 1, 60.0).pixels[0],
        [0.25, 0.5, 0.75, 1.0],
        2e-3,
        "first",
    );
    std::fs::write(
        dir.path().join("e.fs"),
        "/*{}*/\nvoid main() {\n    gl_FragColor = vec4(0.25, 0.5, 0.75, 1.0) * broken;\n}\n",
    )
    .unwrap();
    let err = e
        .set_chain(&desc_in(dir.path(), toml))
        .unwrap_err()
        .to_string();
    assert!(err.contains("e.fs:3:"), "{err}");
    // The last good version keeps running.
    common::assert_close(
        render(&mut e, 1, 60.0).pixels[0],
        [0.25, 0.5, 0.75, 1.0],
        2e-3,
        "kept",
    );
    std::fs::write(
        dir.path().join("e.fs"),
        "/*{}*/\nvoid main() { gl_FragColor = vec4(1.0, 0.5, 0.0, 1.0); }\n",
    )
    .unwrap();
    e.set_chain(&desc_in(dir.path(), toml)).unwrap();
    common::assert_close(
        render(&mut e, 1, 60.0).pixels[0],
        [1.0, 0.5, 0.0, 1.0],
        2e-3,
        "reloaded",
    );
}
