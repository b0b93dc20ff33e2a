//! The ISF spec features of the second round, each with an answer known independently: the
//! local DATE against the system's `date`, an event counted exactly once per firing in a
//! persistent buffer, IMPORTED pictures written here, 16 images bound, user names that
//! clash with vivid's generated ones, and errors located in the `.fs`.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;

use common::{MODES, engine_in, render};

fn own(toml: &str) -> vivid::chain::ChainDesc {
    vivid::project::parse_chain(
        &common::repo().join("testing-fixtures/isf/own/test.toml"),
        toml,
    )
}

fn chain_in(dir: &Path, toml: &str) -> vivid::chain::ChainDesc {
    vivid::project::parse_chain(&dir.join("chain.toml"), toml)
}

/// The system's local date by `date`: year, month, day, seconds since midnight.
fn system_date() -> [f64; 4] {
    let out = std::process::Command::new("date")
        .arg("+%Y %m %d %H %M %S")
        .output()
        .unwrap();
    let v: Vec<f64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(|s| s.parse().unwrap())
        .collect();
    [v[0], v[1], v[2], v[3] * 3600.0 + v[4] * 60.0 + v[5]]
}

#[test]
fn date_is_the_system_local_date() {
    let before = system_date();
    let mut e = engine_in(MODES[0]);
    e.set_chain(&own(
        "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"date.fs\"\nsize = [4, 4]\n",
    ))
    .unwrap();
    let p = render(&mut e, 1, 60.0).pixels[0];
    let after = system_date();
    // Around midnight the day may turn between the two `date`s: either is right.
    let matches = |d: [f64; 4]| {
        (f64::from(p[0]) - (d[0] - 2000.0)).abs() < 1e-3
            && (f64::from(p[1]) - d[1]).abs() < 1e-3
            && (f64::from(p[2]) - d[2]).abs() < 1e-3
            // f16 holds the fraction of the day to about 40 s.
            && (f64::from(p[3]) * 86400.0 - d[3]).abs() < 60.0
    };
    assert!(
        matches(before) || matches(after),
        "DATE {p:?}, system {before:?} .. {after:?}"
    );
    // The date changes every frame; the frames create nothing.
    render(&mut e, 5, 60.0);
    let s = e.stats();
    assert_eq!(s.gpu_objects_created_after_warmup, 0, "{s:?}");
}

#[test]
fn an_event_fires_for_exactly_one_frame_each_time_it_is_set() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"event.fs\"\nsize = [4, 2]\n",
        ))
        .unwrap();
        let count = |e: &mut vivid::Engine, frames| render(e, frames, 60.0).pixels[0][0] * 64.0;
        assert!(count(&mut e, 3).abs() < 1e-3, "{mode:?}: not set, no count");
        e.set_param("x", "fire", true).unwrap();
        assert!(
            (count(&mut e, 4) - 1.0).abs() < 1e-3,
            "{mode:?}: one firing, 4 frames"
        );
        // Still true: no new firing; false then true again: one more.
        assert!((count(&mut e, 2) - 1.0).abs() < 1e-3, "{mode:?}: held");
        e.set_param("x", "fire", false).unwrap();
        count(&mut e, 1);
        e.set_param("x", "fire", true).unwrap();
        assert!(
            (count(&mut e, 3) - 2.0).abs() < 1e-3,
            "{mode:?}: fired twice"
        );
        render(&mut e, 5, 60.0);
        let s = e.stats();
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{mode:?}: {s:?}");
    }
}

#[test]
fn sixteen_images_are_bound() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[c]\ntype = \"solid\"\ncolor = [0.25, 0.5, 0.75, 1.0]\nsize = [4, 4]\n[x]\ntype = \"isf\"\npath = \"many.fs\"\ninput = \"c\"\nsize = [4, 4]\n",
        ))
        .unwrap();
        let img = render(&mut e, 1, 60.0);
        for p in &img.pixels {
            // 1 + 2 + … + 15 = 120 (/256) from the targets, plus the input.
            common::assert_close(
                *p,
                [0.25 + 120.0 / 256.0, 0.5, 0.75, 1.0],
                2e-3,
                &format!("{mode:?}"),
            );
        }
    }
}

#[test]
fn user_names_never_clash_with_vivids() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"clashes.fs\"\nsize = [4, 2]\n",
        ))
        .unwrap();
        let p = render(&mut e, 1, 60.0).pixels[0];
        // lastRow's 0.5; shade(1.0) = 0.5 + 0; half_of(0.5) = 0.25; only_if(true) = 0.75.
        common::assert_close(p, [0.5, 0.5, 0.25, 0.75], 2e-3, &format!("{mode:?}"));
    }
}

const IMPORTING: &str = "/*{\n  \"ISFVSN\": \"2\",\n  \"IMPORTED\": { \"picture\": { \"PATH\": \"pic.png\" } }\n}*/\nvoid main() {\n  gl_FragColor = IMG_THIS_NORM_PIXEL(picture);\n}\n";

#[test]
fn an_imported_picture_is_sampled_as_written() {
    let dir = common::project(&[("show.fs", IMPORTING)]);
    // 4×2 pixels of known colours (opaque: premultiplying keeps them).
    let colour = |x: u32, y: u32| [(x * 60) as u8, (y * 200) as u8, 255 - (x * 50) as u8, 255];
    let png = image::RgbaImage::from_fn(4, 2, |x, y| image::Rgba(colour(x, y)));
    png.save(dir.path().join("pic.png")).unwrap();
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&chain_in(
            dir.path(),
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"show.fs\"\nsize = [4, 2]\n",
        ))
        .unwrap();
        let img = render(&mut e, 2, 60.0);
        for (i, p) in img.pixels.iter().enumerate() {
            let (x, y) = (i as u32 % 4, i as u32 / 4);
            let want = colour(x, y).map(|c| f32::from(c) / 255.0);
            common::assert_close(*p, want, 3e-3, &format!("{mode:?} pixel ({x}, {y})"));
        }
        // Loaded and uploaded once: the frames after create nothing.
        render(&mut e, 5, 60.0);
        let s = e.stats();
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{mode:?}: {s:?}");
    }
    // Saved again (as a live runner reports it): the operator reads it again.
    let mut e = engine_in(MODES[0]);
    e.set_chain(&chain_in(
        dir.path(),
        "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"show.fs\"\nsize = [4, 2]\n",
    ))
    .unwrap();
    render(&mut e, 2, 60.0);
    let pic = dir.path().join("pic.png");
    image::RgbaImage::from_pixel(4, 2, image::Rgba([51, 102, 204, 255]))
        .save(&pic)
        .unwrap();
    let named = e.files_changed(std::slice::from_ref(&pic));
    assert_eq!(named, [pic.canonicalize().unwrap()]);
    let p = render(&mut e, 2, 60.0).pixels[0];
    common::assert_close(p, [0.2, 0.4, 0.8, 1.0], 3e-3, "the picture saved again");
}

#[test]
fn a_missing_imported_picture_is_an_error_at_its_path() {
    let dir = common::project(&[("show.fs", IMPORTING)]);
    let mut e = engine_in(MODES[0]);
    let err = e
        .set_chain(&chain_in(
            dir.path(),
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"show.fs\"\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("show.fs:3:"), "{err}");
    assert!(err.contains("pic.png"), "{err}");
}

#[test]
fn errors_point_at_the_fs_line_and_column() {
    // (file text, the line:col the error must name, a word of the message)
    let cases = [
        (
            "/*{}*/\nvoid main() {\n  float x = 1.0;\n  gl_FragColor = vec4(x) + missing;\n}\n",
            "e.fs:4:28",
            "missing",
        ),
        (
            "/*{\n  \"INPUTS\": [ {\"NAME\": \"a\", \"TYPE\": \"float\"} ]\n}*/\nvoid main() {\n  gl_FragColor = vec4(a, a, a);\n}\n",
            "e.fs:5:",
            "",
        ),
        (
            "/*{}*/\nfloat f(float x) {\n  return x;\n}\nvoid main() {\n  gl_FragColor = vec4(f(1.0, 2.0));\n}\n",
            "e.fs:6:",
            "",
        ),
        // vivid's own bounds (checked on naga's module of the GLSL, not the WGSL).
        (
            "/*{}*/\nfloat big[4000000];\nvoid main() {\n  big[0] = 1.0;\n  gl_FragColor = vec4(big[0]);\n}\n",
            "e.fs:2:7",
            "4000000",
        ),
    ];
    for (text, at, word) in cases {
        let dir = common::project(&[("e.fs", text)]);
        let mut e = engine_in(MODES[0]);
        let err = e
            .set_chain(&chain_in(
                dir.path(),
                "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"e.fs\"\n",
            ))
            .unwrap_err()
            .to_string();
        assert!(err.contains(at), "want {at}:\n{err}");
        assert!(err.contains(word), "{err}");
        assert!(!err.contains("generated"), "{err}");
    }
}

#[test]
fn shadertoy_imouse_follows_the_window_mouse() {
    let mut e = engine_in(MODES[0]);
    e.set_chain(&own(
        "output = \"x\"\n[x]\ntype = \"shadertoy\"\npath = \"mouse.glsl\"\nsize = [40, 20]\n",
    ))
    .unwrap();
    let mouse = |e: &mut vivid::Engine| render(e, 1, 60.0).pixels[0];
    common::assert_close(mouse(&mut e), [0.0; 4], 1e-3, "never pressed");
    // The 40x20 output fills an 80x40 window (no letterbox): window (20, 10) is output
    // pixel (10, 20 - 5) from the bottom left.
    e.set_mouse((80, 40), [20.0, 10.0], true);
    common::assert_close(
        mouse(&mut e),
        [10.0 / 40.0, 15.0 / 20.0, 10.0 / 40.0, 15.0 / 20.0],
        1e-3,
        "pressed",
    );
    // Dragged: xy follows, zw stays where it was pressed.
    e.set_mouse((80, 40), [60.0, 30.0], true);
    common::assert_close(
        mouse(&mut e),
        [30.0 / 40.0, 5.0 / 20.0, 10.0 / 40.0, 15.0 / 20.0],
        1e-3,
        "dragged",
    );
    // Released: xy kept, zw negated.
    e.set_mouse((80, 40), [70.0, 35.0], false);
    common::assert_close(
        mouse(&mut e),
        [30.0 / 40.0, 5.0 / 20.0, -10.0 / 40.0, -15.0 / 20.0],
        1e-3,
        "released",
    );
    // The variables are any expression's too.
    assert!(e.variable_slot("mouse.x").is_some());
}

#[test]
fn shadertoy_buffers_run_in_order_with_feedback() {
    for mode in MODES {
        let mut e = engine_in(mode);
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"shadertoy\"\npath = \"buffers.glsl\"\nsize = [8, 4]\n",
        ))
        .unwrap();
        for frames in [1u64, 4] {
            let img = render(&mut e, frames, 60.0);
            let n = if frames == 1 { 1.0 } else { 5.0 };
            for p in &img.pixels {
                // A: n/64 (its own previous frame + 1/64); B: 2 A, this frame's A; the
                // image's own k() = 1 times Common's 0.5.
                common::assert_close(
                    *p,
                    [2.0 * n / 64.0, n / 64.0, 0.5, 1.0],
                    2e-3,
                    &format!("{mode:?} after {n} frames"),
                );
            }
        }
        let s = e.stats();
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{mode:?}: {s:?}");
    }
}

#[test]
fn a_channel_naming_a_missing_buffer_is_located() {
    let dir = common::project(&[
        (
            "t.glsl",
            "// test\n//! iChannel0 = bufc\nvoid mainImage(out vec4 c, in vec2 p) { c = vec4(1.0); }\n",
        ),
        (
            "t.bufa.glsl",
            "void mainImage(out vec4 c, in vec2 p) { c = vec4(1.0); }\n",
        ),
    ]);
    let mut e = engine_in(MODES[0]);
    let err = e
        .set_chain(&chain_in(
            dir.path(),
            "output = \"x\"\n[x]\ntype = \"shadertoy\"\npath = \"t.glsl\"\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("t.glsl:2:"), "{err}");
    assert!(err.contains("bufa"), "{err}");
    // An error in a buffer names the buffer's file.
    std::fs::write(
        dir.path().join("t.glsl"),
        "void mainImage(out vec4 c, in vec2 p) { c = vec4(1.0); }\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("t.bufa.glsl"),
        "void mainImage(out vec4 c, in vec2 p) {\n  c = vec4(nope);\n}\n",
    )
    .unwrap();
    let err = e
        .set_chain(&chain_in(
            dir.path(),
            "output = \"x\"\n[x]\ntype = \"shadertoy\"\npath = \"t.glsl\"\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(err.contains("t.bufa.glsl:2:"), "{err}");
}

#[test]
#[expect(
    clippy::float_cmp,
    reason = "the values are exact in 16-bit floats: anything else is a failure"
)]
fn a_float_target_holds_32_bit_values_across_frames() {
    for mode in MODES {
        let mut e = engine_in(mode);
        assert!(
            e.gpu()
                .device()
                .features()
                .contains(vivid::wgpu::Features::FLOAT32_FILTERABLE),
            "the test driver filters 32-bit floats"
        );
        e.set_chain(&own(
            "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"float.fs\"\nsize = [4, 2]\n",
        ))
        .unwrap();
        // Written at frame 0, kept through frames 1..=3: 16-bit floats would give 0, 0, inf.
        let p = render(&mut e, 4, 60.0).pixels[0];
        assert_eq!(p, [0.25, 0.25, 1.0, 1.0], "{mode:?}");
        render(&mut e, 5, 60.0);
        let s = e.stats();
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{mode:?}: {s:?}");
    }
}

#[test]
fn global_initializers_see_inputs_and_built_ins() {
    let mut e = engine_in(MODES[0]);
    e.set_chain(&own(
        "output = \"x\"\n[x]\ntype = \"isf\"\npath = \"globals.fs\"\nsize = [32, 16]\namount = 0.375\n",
    ))
    .unwrap();
    let p = render(&mut e, 1, 60.0).pixels[0];
    common::assert_close(p, [0.75, 0.5, 0.25, 0.5], 1e-3, "ISF globals");
    e.set_chain(&own(
        "output = \"x\"\n[x]\ntype = \"shadertoy\"\npath = \"globals.glsl\"\nsize = [32, 16]\n",
    ))
    .unwrap();
    let p = render(&mut e, 1, 60.0).pixels[0];
    common::assert_close(p, [0.5, 0.25, 0.0, 1.0], 1e-3, "Shadertoy globals");
}

#[test]
fn isf_check_checks_shadertoy_files_with_their_buffers() {
    let dir = common::project(&[
        (
            "a.glsl",
            "//! iChannel0 = bufa\nvoid mainImage(out vec4 c, in vec2 p) { c = texture(iChannel0, p / iResolution.xy); }\n",
        ),
        (
            "a.bufa.glsl",
            "void mainImage(out vec4 c, in vec2 p) { c = vec4(p / iResolution.xy, 0.0, 1.0); }\n",
        ),
        ("a.common.glsl", "float unused_helper() { return 1.0; }\n"),
        (
            "b.glsl",
            "void mainImage(out vec4 c, in vec2 p) {\n  c = vec4(missing);\n}\n",
        ),
    ]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(["isf-check", "--render"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{text}");
    // Two files (the buffer and the common code are a.glsl's), a.glsl rendering its buffer.
    assert!(text.contains("ok    a.glsl"), "{text}");
    assert!(
        text.contains("FAIL  b.glsl") && text.contains("b.glsl:2:"),
        "{text}"
    );
    assert!(text.contains("1/2 compile"), "{text}");
}
