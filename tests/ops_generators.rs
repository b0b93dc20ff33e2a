//! The pattern generators against answers computed here: ramp stops exactly at their
//! positions (and animated), checker cells and grid lines exactly N pixels wide, Hydra's
//! osc formula, voronoi against a CPU evaluation of its documented construction, dot
//! and outline areas against geometry. Every chain runs as render and as compute passes,
//! which must agree.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate; formulas use their textbook letters"
)]

mod common;

use std::f64::consts::TAU;

use common::{assert_close, render_toml};
use vivid::FloatImage;

/// `Rgba16Float` holds 11 significant bits: values in 0..1 are exact to ~5e-4.
const F16: f32 = 2e-3;

/// One operator of `type` shown, `size` pixels, with `params`.
fn generate(ty: &str, size: (u32, u32), params: &str) -> FloatImage {
    render_toml(&format!(
        "[g]\ntype = \"{ty}\"\nsize = [{}, {}]\n{params}\n",
        size.0, size.1
    ))
}

/// Renders `frames` frames (the last one at `time = (frames - 1) / fps`) in both modes.
fn generate_at(ty: &str, size: (u32, u32), params: &str, frames: u64, fps: f64) -> FloatImage {
    let toml = format!(
        "[g]\ntype = \"{ty}\"\nsize = [{}, {}]\n{params}\n",
        size.0, size.1
    );
    let [a, b] = common::MODES.map(|mode| {
        let mut e = common::engine_in(mode);
        e.set_chain(&common::desc(&toml)).unwrap();
        common::render(&mut e, frames, fps)
    });
    common::assert_images_close(&a, &b, F16, "render vs compute passes");
    a
}

fn pm(c: [f64; 4]) -> [f32; 4] {
    [
        (c[0] * c[3]) as f32,
        (c[1] * c[3]) as f32,
        (c[2] * c[3]) as f32,
        c[3] as f32,
    ]
}

/// Premultiplied linear interpolation of the stops around `t` (positions increasing).
fn ramp_at(stops: &[[f64; 4]], positions: &[f64], t: f64) -> [f32; 4] {
    let p = |i: usize| pm(stops[i]).map(f64::from);
    let k = positions.iter().take_while(|&&x| x <= t).count();
    let c = if k == 0 {
        p(0)
    } else if k == stops.len() {
        p(k - 1)
    } else {
        let f = (t - positions[k - 1]) / (positions[k] - positions[k - 1]);
        let (a, b) = (p(k - 1), p(k));
        std::array::from_fn(|i| a[i] + (b[i] - a[i]) * f)
    };
    c.map(|x| x as f32)
}

#[test]
fn ramp_stops_sit_exactly_at_their_positions() {
    // Pixel centres of a 10-wide image are at 0.05, 0.15, … 0.95.
    let stops = [
        [0.1, 0.2, 0.9, 1.0],
        [1.0, 0.5, 0.0, 1.0],
        [0.0, 1.0, 0.25, 0.5],
    ];
    let img = generate(
        "ramp",
        (10, 2),
        "stops = [[0.1, 0.2, 0.9], [1, 0.5, 0], [0, 1, 0.25, 0.5]]\npositions = [0.05, 0.35, 0.95]",
    );
    assert_close(img.at(0, 0), pm(stops[0]), F16, "first stop at 0.05");
    assert_close(img.at(3, 1), pm(stops[1]), F16, "second stop at 0.35");
    assert_close(img.at(9, 0), pm(stops[2]), F16, "third stop at 0.95");
    for x in 0..10 {
        let t = (f64::from(x) + 0.5) / 10.0;
        let want = ramp_at(&stops, &[0.05, 0.35, 0.95], t);
        assert_close(img.at(x, 0), want, F16, &format!("x {x}"));
    }
    // Positions not given are spread evenly: three stops at 0, 0.5, 1 — 0.5 is the centre
    // of pixel 5 of 11.
    let img = generate(
        "ramp",
        (11, 1),
        "stops = [\"#000000\", \"#ff0000\", \"#ffffff\"]",
    );
    assert_close(img.at(5, 0), [1.0, 0.0, 0.0, 1.0], F16, "middle stop");
    for x in 0..11 {
        let t = (f64::from(x) + 0.5) / 11.0;
        let want = ramp_at(
            &[[0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 1.0], [1.0; 4]],
            &[0.0, 0.5, 1.0],
            t,
        );
        assert_close(img.at(x, 0), want, F16, &format!("even x {x}"));
    }
    // One position given: the others spread from it to 1 (0.5, then 0.75 and 1).
    let img = generate(
        "ramp",
        (20, 1),
        "stops = [\"#000000\", \"#ffffff\", \"#000000\"]\npositions = [0.525]",
    );
    for x in 0..20 {
        let t = (f64::from(x) + 0.5) / 20.0;
        let want = ramp_at(
            &[[0.0, 0.0, 0.0, 1.0], [1.0; 4], [0.0, 0.0, 0.0, 1.0]],
            &[0.525, 0.7625, 1.0],
            t,
        );
        assert_close(img.at(x, 0), want, F16, &format!("spread x {x}"));
    }
}

#[test]
fn ramp_stops_are_animated_element_by_element() {
    // Frame k (at 60 fps): the second stop's red is k / 4. Frame 2 is the last rendered.
    let img = generate_at(
        "ramp",
        (10, 1),
        "stops = [\"#000000\", [\"frame / 4\", 0, 0]]\npositions = [0.05, 0.95]",
        3,
        60.0,
    );
    assert_close(img.at(9, 0), [0.5, 0.0, 0.0, 1.0], F16, "animated stop");
    assert_close(
        img.at(4, 0),
        [0.5 * 0.4 / 0.9, 0.0, 0.0, 1.0],
        F16,
        "between",
    );
}

#[test]
fn ramp_modes_offset_and_extend() {
    // Radial: the centre pixel of a 21x21 image is the first stop; at distance d pixels
    // t = d / (half the height).
    let img = generate(
        "ramp",
        (21, 21),
        "mode = \"radial\"\nstops = [\"#000000\", \"#ffffff\"]",
    );
    assert_close(img.at(10, 10), [0.0, 0.0, 0.0, 1.0], F16, "centre");
    let v = (5.0 / 10.5) as f32;
    assert_close(img.at(15, 10), [v, v, v, 1.0], F16, "5 px out");
    // Angular: a quarter turn counter-clockwise from the right is a quarter of the ramp.
    let img = generate(
        "ramp",
        (21, 21),
        "mode = \"angular\"\nstops = [\"#000000\", \"#ffffff\"]",
    );
    assert_close(img.at(10, 0), [0.25, 0.25, 0.25, 1.0], F16, "up");
    assert_close(img.at(0, 10), [0.5, 0.5, 0.5, 1.0], F16, "left");
    // Offset with repeat: moved along itself, wrapping.
    let img = generate(
        "ramp",
        (10, 1),
        "stops = [\"#000000\", \"#ffffff\"]\noffset = 0.3\nextend = \"repeat\"",
    );
    for x in 0..10 {
        let t = ((f64::from(x) + 0.5) / 10.0 - 0.3).rem_euclid(1.0) as f32;
        assert_close(img.at(x, 0), [t, t, t, 1.0], F16, &format!("offset x {x}"));
    }
}

#[test]
fn checker_cells_are_exactly_their_size_in_pixels() {
    // 4 cells across 32 pixels: 8-pixel cells, a corner at the centre (32, 16).
    let a = [0.9, 0.2, 0.1, 1.0];
    let b = [0.1, 0.3, 0.8, 1.0];
    for (rotate, swapped) in [(0, false), (90, true), (180, false)] {
        let img = generate(
            "checker",
            (64, 32),
            &format!(
                "scale = 4\ncolor_a = [0.9, 0.2, 0.1]\ncolor_b = [0.1, 0.3, 0.8]\nrotate = {rotate}"
            ),
        );
        for y in 0..32 {
            for x in 0..64 {
                // Cell indices from the corner, y up; the cell up-right of it is color_a.
                let cx = (f64::from(x) + 0.5 - 32.0) / 8.0;
                let cy = (32.0 - f64::from(y) - 0.5 - 16.0) / 8.0;
                let even = (cx.floor() as i64 + cy.floor() as i64).rem_euclid(2) == 0;
                let want = if even == swapped { b } else { a };
                assert_close(
                    img.at(x, y),
                    pm(want),
                    F16,
                    &format!("rotate {rotate}: ({x}, {y})"),
                );
            }
        }
    }
    // Cells smaller than a pixel average to the mean of the colours.
    let img = generate("checker", (16, 16), "scale = 64.5");
    let m = img.mean();
    assert!((m[0] - 0.5).abs() < 0.02, "{m:?}");
}

#[test]
fn grid_lines_are_exactly_their_width_and_dots_their_area() {
    // Lines every 10 px (0.25 of 40), 2 px wide, crossing at the centre (20, 20).
    let img = generate(
        "grid",
        (40, 40),
        "spacing = 0.25\nwidth = 0.05\ncolor = [1, 0.5, 0]",
    );
    let lit = [0, 9, 10, 19, 20, 29, 30, 39];
    for y in 0..40 {
        for x in 0..40 {
            let on = lit.contains(&x) || lit.contains(&y);
            let want = if on { [1.0, 0.5, 0.0, 1.0] } else { [0.0; 4] };
            assert_close(img.at(x, y), want, F16, &format!("({x}, {y})"));
        }
    }
    // Dots 12 px across every 20 px from the centre: one whole, four halves, four quarters
    // in view — four dots' worth of area.
    let img = generate(
        "grid",
        (40, 40),
        "style = \"dots\"\nspacing = 0.5\nwidth = 0.3\nbackground = [0, 0, 0, 1]",
    );
    let area: f64 = img.pixels.iter().map(|p| f64::from(p[0])).sum();
    let want = 4.0 * std::f64::consts::PI * 36.0;
    assert!(
        (area - want).abs() / want < 0.01,
        "dot area {area}, expected {want}"
    );
    assert!(
        img.pixels.iter().all(|p| p[3] == 1.0),
        "the background is opaque"
    );
}

#[test]
fn osc_is_hydras_formula() {
    let (f, sync, offset, phase) = (20.0, 0.5, 1.2, [0.1, 0.0, -0.2]);
    // Frame 3 at 60 fps: time 0.05.
    let img = generate_at(
        "osc",
        (64, 4),
        &format!("frequency = {f}\nsync = {sync}\noffset = {offset}\nphase = {phase:?}"),
        4,
        60.0,
    );
    let time = 3.0 / 60.0;
    for x in 0..64 {
        let st = (f64::from(x) + 0.5) / 64.0;
        // Hydra: sin((st.x - offset/frequency + time*sync)*frequency)*0.5 + 0.5 for red,
        // without the offset for green, + offset/frequency for blue.
        let channel = |shift: f64, k: usize| {
            ((st + shift + time * sync) * f + phase[k] * TAU).sin() * 0.5 + 0.5
        };
        let want = [
            channel(-offset / f, 0),
            channel(0.0, 1),
            channel(offset / f, 2),
            1.0,
        ];
        assert_close(img.at(x, 2), want.map(|v| v as f32), F16, &format!("x {x}"));
    }
    // Turned a quarter: stripes along x, varying with height (in image widths).
    let img = generate("osc", (32, 16), "frequency = 30\nsync = 0\nrotate = 90");
    for y in 0..16 {
        let h = (16.0 - f64::from(y) - 0.5) / 16.0;
        let x = (h - 0.5) / 2.0 + 0.5;
        let v = ((x * 30.0).sin() * 0.5 + 0.5) as f32;
        assert_close(img.at(5, y), [v, v, v, 1.0], F16, &format!("rotated y {y}"));
    }
}

/// The documented voronoi on the CPU: the cell's point from the integer hash of its cell,
/// on its orbit at `time`.
fn cell_point(c: (i32, i32), seed: u32, time: f64, speed: f64) -> (f64, f64) {
    let mut h = (c.0 as u32).wrapping_mul(0x8da6_b343)
        ^ (c.1 as u32).wrapping_mul(0xd816_3841)
        ^ seed.wrapping_mul(0x9e37_79b9);
    h = (h ^ (h >> 16)).wrapping_mul(0x7feb_352d);
    h = (h ^ (h >> 15)).wrapping_mul(0x846c_a68b);
    h ^= h >> 16;
    let (a, b) = (
        f64::from(h & 0xffff) / 65535.0,
        f64::from(h >> 16) / 65535.0,
    );
    (
        0.5 + 0.5 * (time * speed + TAU * a).sin(),
        0.5 + 0.5 * (time * speed + TAU * b).sin(),
    )
}

/// (distance to the nearest point, that point, distance to the nearest border) at `p`.
fn voronoi(p: (f64, f64), seed: u32, time: f64, speed: f64) -> (f64, (f64, f64), f64) {
    let (i, f) = (
        (p.0.floor() as i32, p.1.floor() as i32),
        (p.0 - p.0.floor(), p.1 - p.1.floor()),
    );
    let offset = |n: (i32, i32)| {
        let q = cell_point((i.0 + n.0, i.1 + n.1), seed, time, speed);
        (f64::from(n.0) + q.0 - f.0, f64::from(n.1) + q.1 - f.1)
    };
    let mut best = (10.0, (0.0, 0.0), (0.0, 0.0));
    for y in -1..=1 {
        for x in -1..=1 {
            let r = offset((x, y));
            let d = r.0.hypot(r.1);
            if d < best.0 {
                best = (d, r, cell_point((i.0 + x, i.1 + y), seed, time, speed));
            }
        }
    }
    let mut border = 10.0f64;
    for y in -2..=2 {
        for x in -2..=2 {
            let r = offset((x, y));
            let between = (r.0 - best.1.0, r.1 - best.1.1);
            let len = between.0.hypot(between.1);
            if len > 1e-4 {
                let mid = (0.5 * (best.1.0 + r.0), 0.5 * (best.1.1 + r.1));
                border = border.min((mid.0 * between.0 + mid.1 * between.1) / len);
            }
        }
    }
    (best.0, best.2, border)
}

#[test]
fn voronoi_matches_its_construction_evaluated_on_the_cpu() {
    let (w, h, scale, speed, seed) = (48u32, 32u32, 4.0, 0.7, 3u32);
    let time = 5.0 / 30.0;
    let common_params =
        format!("scale = {scale}\nspeed = {speed}\nseed = {seed}\noffset = [0.25, -0.5]");
    let at = |x: u32, y: u32| {
        let u = (f64::from(x) + 0.5) / f64::from(w) * f64::from(w) / f64::from(h);
        let v = (f64::from(h) - f64::from(y) - 0.5) / f64::from(h);
        voronoi((u * scale + 0.25, v * scale - 0.5), seed, time, speed)
    };
    // Distance: continuous, every pixel.
    let img = generate_at(
        "voronoi",
        (w, h),
        &format!("mode = \"distance\"\n{common_params}"),
        6,
        30.0,
    );
    for y in 0..h {
        for x in 0..w {
            let d = at(x, y).0 as f32;
            assert_close(
                img.at(x, y),
                [d, d, d, 1.0],
                F16,
                &format!("distance ({x}, {y})"),
            );
        }
    }
    // Cells (Hydra's shading): all but pixels on a border, where the nearest point is a tie.
    let img = generate_at(
        "voronoi",
        (w, h),
        &format!("mode = \"cells\"\nblending = 0.4\n{common_params}"),
        6,
        30.0,
    );
    let mut off = 0;
    for y in 0..h {
        for x in 0..w {
            let (d, point, border) = at(x, y);
            let v = ((point.0 * 0.3 + point.1 * 0.6) * (1.0 - 0.4 * d)) as f32;
            let p = img.at(x, y);
            if (p[0] - v).abs() > F16 {
                assert!(border < 1e-3, "cells ({x}, {y}): {p:?} vs {v} off a border");
                off += 1;
            }
        }
    }
    assert!(off < 5, "{off} pixels on borders differ");
    // Edges: a line `width` cells wide, anti-aliased over a pixel (scale / h cells).
    let img = generate_at(
        "voronoi",
        (w, h),
        &format!("mode = \"edges\"\nwidth = 0.2\n{common_params}"),
        6,
        30.0,
    );
    let px = scale / f64::from(h);
    for y in 0..h {
        for x in 0..w {
            let border = at(x, y).2;
            let v = ((0.1 - border) / px + 0.5).clamp(0.0, 1.0) as f32;
            assert_close(
                img.at(x, y),
                [v, v, v, 1.0],
                5e-3,
                &format!("edges ({x}, {y})"),
            );
        }
    }
}

#[test]
fn a_stroke_draws_the_outline_inside_the_edge() {
    // A rect 64 x 32 px with edges on pixel edges: the outline is exactly the pixels
    // between it and the rect 8 px inside.
    let img = generate(
        "shape",
        (128, 128),
        "kind = \"rect\"\nshape_size = [0.5, 0.25]\nstroke = 0.0625",
    );
    for y in 0..128 {
        for x in 0..128 {
            let outer = (32..96).contains(&x) && (48..80).contains(&y);
            let inner = (40..88).contains(&x) && (56..72).contains(&y);
            let want = if outer && !inner { [1.0; 4] } else { [0.0; 4] };
            assert_close(img.at(x, y), want, F16, &format!("rect ({x}, {y})"));
        }
    }
    // A circle of radius 32 px with an 8 px outline: the annulus from 24 to 32 px.
    let area = |params: &str| -> f64 {
        let img = generate("shape", (128, 128), params);
        img.pixels.iter().map(|p| f64::from(p[3])).sum()
    };
    let pi = std::f64::consts::PI;
    let ring = area("kind = \"circle\"\nshape_size = 0.5\nstroke = 0.0625");
    let want = pi * (32.0f64.powi(2) - 24.0f64.powi(2));
    assert!(
        (ring - want).abs() / want < 0.01,
        "annulus {ring}, expected {want}"
    );
    let disc = area("kind = \"circle\"\nshape_size = 0.5");
    assert!(
        (disc - pi * 1024.0).abs() / (pi * 1024.0) < 0.01,
        "disc {disc}"
    );
    // Every kind takes a stroke, and its outline is less than its fill.
    for kind in ["triangle", "star", "ring", "polygon"] {
        let filled = area(&format!("kind = \"{kind}\"\nshape_size = 0.6"));
        let outline = area(&format!(
            "kind = \"{kind}\"\nshape_size = 0.6\nstroke = 0.02"
        ));
        assert!(
            outline > 0.0 && outline < filled * 0.8,
            "{kind}: {outline} vs {filled}"
        );
    }
}

#[test]
fn list_parameters_take_set_and_the_api_and_report_located_errors() {
    let mut desc = common::desc(
        "[r]\ntype = \"ramp\"\nsize = [10, 1]\nstops = [\"#000000\", [1, 1]]\npositions = [0.05, 0.95]\n",
    );
    let mut engine = common::engine();
    let err = engine.set_chain(&desc).unwrap_err().to_string();
    assert!(
        err.contains("test.toml:4:9") && err.contains("`stops[1]` needs 3 or 4 numbers, found 2"),
        "{err}"
    );
    // `--set` replaces the list.
    vivid::project::apply_set(&mut desc, "r.stops=[\"#ff0000\", [0, 0, 1]]").unwrap();
    engine.set_chain(&desc).unwrap();
    let img = common::render(&mut engine, 1, 60.0);
    assert_close(img.at(0, 0), [1.0, 0.0, 0.0, 1.0], F16, "--set first stop");
    assert_close(img.at(9, 0), [0.0, 0.0, 1.0, 1.0], F16, "--set last stop");
    // So does the API (the inspector's way), checked the same way.
    let three = vivid::params::RawValue::Array(vec![
        "#00ff00".into(),
        "#00ff00".into(),
        [1.0f32, 1.0, 1.0, 0.5].into(),
    ]);
    engine.set_param("r", "stops", three).unwrap();
    engine
        .set_param("r", "positions", [0.05f32, 0.45, 0.95])
        .unwrap();
    let img = common::render(&mut engine, 1, 60.0);
    assert_close(img.at(0, 0), [0.0, 1.0, 0.0, 1.0], F16, "api first stop");
    assert_close(img.at(9, 0), [0.5, 0.5, 0.5, 0.5], F16, "api last stop");
    let err = engine
        .set_param("r", "positions", [0.5f32, 2.0])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`positions[1]` = 2 is out of its range 0..=1"),
        "{err}"
    );
}
