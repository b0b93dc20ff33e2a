//! `text` against answers known without it: the font file read by an independent reader
//! (`ttf-parser`) gives each glyph's advance and ink box, so a line's width and where its
//! ink must start and end for each alignment are known before rendering; placeholders are
//! formatted like Rust's `format!`, and the text is rasterised again exactly when the
//! formatted string changes. Both ways operators run.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use vivid::{FloatImage, FrameTime, PassMode, Target};

/// The font `text` bundles, read from the repository (not through the operator).
fn font_bytes() -> Vec<u8> {
    std::fs::read(common::repo().join("operators/fonts/DejaVuSans-subset.ttf")).unwrap()
}

/// Per character of `s` at `px` pixels a em: (advance, ink `x_min`, ink `x_max`, ink `y_max`),
/// pixels, from the font file.
fn metrics(s: &str, px: f32) -> Vec<(f32, f32, f32, f32)> {
    let data = font_bytes();
    let face = ttf_parser::Face::parse(&data, 0).unwrap();
    let scale = px / f32::from(face.units_per_em());
    s.chars()
        .map(|c| {
            let g = face.glyph_index(c).unwrap();
            let adv = f32::from(face.glyph_hor_advance(g).unwrap()) * scale;
            // A space has no ink box.
            let b = face.glyph_bounding_box(g).unwrap_or(ttf_parser::Rect {
                x_min: 0,
                y_min: 0,
                x_max: 0,
                y_max: 0,
            });
            (
                adv,
                f32::from(b.x_min) * scale,
                f32::from(b.x_max) * scale,
                f32::from(b.y_max) * scale,
            )
        })
        .collect()
}

const W: u32 = 640;
const H: u32 = 120;

/// One frame of `text` alone (transparent black behind it) at W×H.
fn render(mode: PassMode, params: &str) -> FloatImage {
    let mut engine = common::engine_in(mode);
    let toml = format!("output = \"t\"\n[t]\ntype = \"text\"\nsize = [{W}, {H}]\n{params}");
    engine.set_chain(&common::desc(&toml)).unwrap();
    common::render(&mut engine, 1, 60.0)
}

/// The ink's columns and rows (alpha above half): (left, right, top, bottom), pixel edges.
fn ink(img: &FloatImage) -> (u32, u32, u32, u32) {
    let (mut l, mut r, mut t, mut b) = (u32::MAX, 0, u32::MAX, 0);
    for y in 0..img.height {
        for x in 0..img.width {
            if img.at(x, y)[3] > 0.5 {
                (l, r, t, b) = (l.min(x), r.max(x + 1), t.min(y), b.max(y + 1));
            }
        }
    }
    assert!(l < r, "no ink");
    (l, r, t, b)
}

/// Digits: no kerning between them in `DejaVu Sans`, so the width is the advances' sum.
const LINE: &str = "2047 1963";

#[test]
fn a_line_is_as_wide_as_its_advances_and_its_ink_is_where_alignment_says() {
    let px = 0.3 * H as f32;
    let glyphs = metrics(LINE, px);
    let width: f32 = glyphs.iter().map(|g| g.0).sum();
    let (first, last) = (glyphs[0], glyphs[glyphs.len() - 1]);
    let anchor_x = 0.5 * W as f32;
    let baseline = 0.5 * H as f32;
    for mode in common::MODES {
        let mut lefts = Vec::new();
        for (align, start) in [
            ("left", anchor_x),
            ("center", anchor_x - width / 2.0),
            ("right", anchor_x - width),
        ] {
            let img = render(
                mode,
                &format!(
                    "text = \"{LINE}\"\nfont_size = 0.3\nalign = \"{align}\"\nvalign = \"baseline\"\nposition = [0.5, 0.5]\n"
                ),
            );
            let (l, r, t, b) = ink(&img);
            // Ink from the first glyph's x_min to the last glyph's x_max, at the pen.
            let want_l = start + first.1;
            let want_r = start + width - last.0 + last.2;
            let what = format!("{mode:?} {align}: ink {l}..{r}, want {want_l}..{want_r}");
            assert!((l as f32 - want_l).abs() <= 1.0, "{what}");
            assert!((r as f32 - want_r).abs() <= 1.0, "{what}");
            // Digits stand on the baseline (round ones overshoot it by under a pixel here)
            // and rise to the tallest one's y_max.
            let top = glyphs.iter().map(|g| g.3).fold(0.0, f32::max);
            assert!((b as f32 - baseline).abs() <= 1.0, "{what}: bottom {b}");
            assert!(
                (t as f32 - (baseline - top)).abs() <= 1.0,
                "{what}: top {t}"
            );
            lefts.push(l as f32);
        }
        // The line's width, measured: the ink moves by it from left to right alignment.
        let shift = lefts[0] - lefts[2];
        assert!(
            (shift - width).abs() <= 1.0,
            "{mode:?}: shift {shift}, advances {width}"
        );
    }
}

#[test]
fn colour_and_outline_cover_what_they_should() {
    for mode in common::MODES {
        // Over a blue input: the fill colour inside the glyphs, blue far from them.
        let mut engine = common::engine_in(mode);
        let toml = format!(
            "output = \"t\"\n[bg]\ntype = \"solid\"\nsize = [{W}, {H}]\ncolor = [0, 0, 1, 1]\n\
             [t]\ntype = \"text\"\ninput = \"bg\"\ntext = \"I\"\nfont_size = 0.8\ncolor = [1, 0, 0, 1]\n\
             outline = 0.05\noutline_color = [0, 1, 0, 1]\n"
        );
        engine.set_chain(&common::desc(&toml)).unwrap();
        let img = common::render(&mut engine, 1, 60.0);
        // "I" is a bar centred on the anchor (its ink box is centred in its advance).
        common::assert_close(img.at(W / 2, H / 2), [1.0, 0.0, 0.0, 1.0], 2e-3, "fill");
        common::assert_close(img.at(5, 5), [0.0, 0.0, 1.0, 1.0], 2e-3, "background");
        // Outline: left of the bar by half the outline width, green.
        let m = metrics("I", 0.8 * H as f32)[0];
        let bar_left = (W as f32 / 2.0 - m.0 / 2.0 + m.1).round() as u32;
        let o = (0.05 * H as f32 / 2.0) as u32;
        common::assert_close(
            img.at(bar_left - o, H / 2),
            [0.0, 1.0, 0.0, 1.0],
            2e-3,
            "outline",
        );
    }
}

#[test]
fn placeholders_format_and_rasterise_only_when_the_string_changes() {
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        let toml = "output = \"t\"\n[t]\ntype = \"text\"\nsize = [160, 40]\ntext = \"{time:.1}\"\n";
        engine.set_chain(&common::desc(toml)).unwrap();
        engine.set_capture(true);
        let mut previous = None;
        for k in 0..90u64 {
            engine
                .render(
                    FrameTime {
                        time: k as f64 / 60.0,
                        frame: k,
                    },
                    Target::None,
                    true,
                )
                .unwrap();
            let now = engine.read_output().unwrap();
            // The formatted string, computed here: the picture changes with it, only with it.
            let s = format!("{:.1}", k as f64 / 60.0);
            if let Some((p, img)) = &previous {
                let same = *p == s;
                assert_eq!(
                    same,
                    *img == now.pixels,
                    "{mode:?} frame {k}: `{p}` -> `{s}`"
                );
            }
            previous = Some((s, now.pixels));
        }
        let distinct = (0..90u64)
            .map(|k| format!("{:.1}", k as f64 / 60.0))
            .collect::<std::collections::BTreeSet<_>>()
            .len() as u64;
        let stats = engine.stats();
        assert_eq!(
            stats.operator_counters["text_rasters"].total, distinct,
            "{mode:?}"
        );
        // The uploads went through the frame's arena: nothing made after warm-up.
        assert_eq!(
            stats.gpu_objects_created_after_warmup, 0,
            "{mode:?}: {stats:?}"
        );
        assert!(stats.steady_frames > 60, "{mode:?}: {stats:?}");
    }
}

/// One frame of `params` at `frame` (a fresh engine: the whole picture drawn at once).
fn fresh(mode: PassMode, params: &str, frame: u64) -> Vec<[f32; 4]> {
    let mut engine = common::engine_in(mode);
    let toml = format!("output = \"t\"\n[t]\ntype = \"text\"\nsize = [{W}, {H}]\n{params}");
    engine.set_chain(&common::desc(&toml)).unwrap();
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: frame as f64 / 60.0,
                frame,
            },
            Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap().pixels
}

#[test]
fn text_that_moves_leaves_no_old_ink() {
    // A counter jumping between the top and the bottom every frame (two bands uploaded),
    // and one sliding a little each frame (one band): each frame equals the same frame
    // drawn whole by a fresh engine.
    for (k, params) in [
        "text = \"{frame}\"\nfont_size = 0.2\nposition = [0.5, \"0.2 + 0.6 * (frame % 2)\"]\n",
        "text = \"{frame}\"\nfont_size = 0.2\nposition = [\"0.3 + 0.01 * frame\", 0.5]\noutline = 0.02\n",
    ]
    .into_iter()
    .enumerate()
    {
        let mode = common::MODES[k % 2];
        let mut engine = common::engine_in(mode);
        let toml = format!("output = \"t\"\n[t]\ntype = \"text\"\nsize = [{W}, {H}]\n{params}");
        engine.set_chain(&common::desc(&toml)).unwrap();
        engine.set_capture(true);
        for frame in 0..6u64 {
            engine
                .render(
                    FrameTime {
                        time: frame as f64 / 60.0,
                        frame,
                    },
                    Target::None,
                    true,
                )
                .unwrap();
            let now = engine.read_output().unwrap().pixels;
            assert!(
                now == fresh(mode, params, frame),
                "{mode:?} `{params}` frame {frame}: differs from a whole redraw"
            );
        }
    }
}

#[test]
fn a_project_font_file_is_used() {
    // The bundled font copied into a project under another name: read from the file, the
    // same picture.
    let params = "text = \"Font 42\"\nfont_size = 0.3\n";
    let dir = common::project(&[(
        "chain.toml",
        &format!(
            "output = \"t\"\n[t]\ntype = \"text\"\nsize = [{W}, {H}]\nfont = \"Title.ttf\"\n{params}"
        ),
    )]);
    std::fs::write(dir.path().join("Title.ttf"), font_bytes()).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let from_file = common::render(&mut engine, 1, 60.0);
    let bundled = render(common::MODES[0], params);
    assert!(from_file.pixels.iter().any(|p| p[3] > 0.5), "no ink");
    assert!(from_file.pixels == bundled.pixels);
    // A font file that is not there is a located error when the chain loads.
    let dir = common::project(&[(
        "chain.toml",
        "output = \"t\"\n[t]\ntype = \"text\"\nsize = [64, 32]\nfont = \"Missing.ttf\"\n",
    )]);
    let mut engine = common::engine();
    let e = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Missing.ttf") && e.contains("chain.toml:"),
        "{e}"
    );
}

#[test]
fn a_bad_placeholder_or_font_is_the_operator_error_and_the_last_text_stays() {
    let mut engine = common::engine();
    engine
        .set_chain(&common::desc(
            "output = \"t\"\n[t]\ntype = \"text\"\nsize = [64, 32]\ntext = \"{frame}\"\n",
        ))
        .unwrap();
    common::render(&mut engine, 1, 60.0);
    engine.set_param("t", "text", "{fram}").unwrap();
    let img = render_one(&mut engine);
    let e = format!("{:?}", engine.errors());
    assert!(
        e.contains("unknown placeholder `{fram}`") && e.contains("frame"),
        "{e}"
    );
    // The last good text ("0") is still drawn.
    assert!(img.pixels.iter().any(|p| p[3] > 0.5), "the text went");
    // A file that is not a font.
    let dir = common::project(&[
        (
            "chain.toml",
            "output = \"t\"\n[t]\ntype = \"text\"\nsize = [64, 32]\nfont = \"bad.ttf\"\n",
        ),
        ("bad.ttf", "not a font at all"),
    ]);
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    render_one(&mut engine);
    let e = format!("{:?}", engine.errors());
    assert!(e.contains("not a TrueType or OpenType font"), "{e}");
}

/// Renders frame 1 and reads it back.
fn render_one(engine: &mut vivid::Engine) -> FloatImage {
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: 0.0,
                frame: 1,
            },
            Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap()
}

#[test]
fn text_that_only_moves_is_shifted_not_rasterised_again() {
    // A title sliding by whole pixels: each frame equals a whole redraw at that place, from
    // one raster. Sliding by a third of a pixel: one raster too, the ink (the sum of its
    // coverage) the same as a redraw's, and each pixel within a fraction of a redraw's.
    // (5 / 640 = 1 / 128: every place is exact in binary, so a whole-pixel move is one.)
    for (k, (step, exact)) in [("5", true), ("1 / 3", false)].into_iter().enumerate() {
        let mode = common::MODES[k % 2];
        let params = format!(
            "text = \"Hi\"\nfont_size = 0.4\noutline = 0.02\nposition = [\"0.5 + frame * {step} / {W}\", 0.5]\n"
        );
        let mut engine = common::engine_in(mode);
        let toml = format!("output = \"t\"\n[t]\ntype = \"text\"\nsize = [{W}, {H}]\n{params}");
        engine.set_chain(&common::desc(&toml)).unwrap();
        engine.set_capture(true);
        for frame in 0..6u64 {
            engine
                .render(
                    FrameTime {
                        time: frame as f64 / 60.0,
                        frame,
                    },
                    Target::None,
                    true,
                )
                .unwrap();
            let now = engine.read_output().unwrap().pixels;
            let whole = fresh(mode, &params, frame);
            let ink = |p: &[[f32; 4]]| p.iter().map(|c| f64::from(c[3])).sum::<f64>();
            if exact {
                assert!(
                    now == whole,
                    "{mode:?} frame {frame}: differs from a redraw"
                );
            } else {
                let (a, b) = (ink(&now), ink(&whole));
                assert!(
                    (a - b).abs() < 0.01 * b,
                    "{mode:?} frame {frame}: ink {a} vs {b}"
                );
                let worst = now
                    .iter()
                    .zip(&whole)
                    .map(|(p, q)| (p[3] - q[3]).abs())
                    .fold(0.0_f32, f32::max);
                assert!(
                    worst < 0.5,
                    "{mode:?} frame {frame}: a pixel off by {worst}"
                );
            }
        }
        assert_eq!(
            engine.stats().operator_counters["text_rasters"].total,
            1,
            "{mode:?} step {step}"
        );
    }
}
