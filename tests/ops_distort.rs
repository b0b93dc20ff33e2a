//! The distortion, stylise and composite operators against answers computed here, not by
//! them: where known pixels go (a coordinate-map picture whose red and green are each
//! pixel's own position), the W3C compositing formulas, invariants (a uniform image through
//! edge, sharpen, emboss), exact thresholds (Bayer matrices built by their recursion), and
//! determinism (film grain per frame). Every render runs as render and as compute passes;
//! the two must agree.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    clippy::too_many_lines,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; pixel arithmetic on small sizes, in the \
              spec's and geometry's own one-letter names"
)]

mod common;

use std::fmt::Write as _;
use std::path::Path;

use vivid::readback::FloatImage;

/// `Rgba16Float` holds 11 significant bits: values in 0..1 are exact to ~5e-4.
const F16: f32 = 2e-3;

/// Width and height of the coordinate map most tests distort.
const W: u32 = 64;
const H: u32 = 32;

/// Writes `coords.png` (16 bits a channel): red = the pixel centre's x in uv, green = its y
/// in uv (y up), blue = x again, opaque. Sampled bilinearly it stays exactly linear, so an
/// output pixel's red and green say where in the source it was read.
fn coordinate_map(dir: &Path, w: u32, h: u32) {
    let img = image::ImageBuffer::<image::Rgba<u16>, Vec<u16>>::from_fn(w, h, |x, y| {
        let u = (f64::from(x) + 0.5) / f64::from(w);
        let v = 1.0 - (f64::from(y) + 0.5) / f64::from(h);
        let q = |t: f64| (t * 65535.0).round() as u16;
        image::Rgba([q(u), q(v), q(u), 65535])
    });
    img.save(dir.join("coords.png")).unwrap();
}

/// The chain's `[src]`: the coordinate map at its own size.
const SRC: &str = "[src]\ntype = \"image\"\npath = \"coords.png\"\n";

/// Renders `frames` frames of the project in `dir` (with `toml` as its chain.toml) as render
/// and as compute passes, checks they agree, and gives the last frame.
fn render_in(dir: &Path, toml: &str, frames: u64) -> FloatImage {
    std::fs::write(dir.join("chain.toml"), toml).unwrap();
    let [a, b] = common::MODES.map(|mode| {
        let mut e = common::engine_in(mode);
        e.load_project(dir, &[])
            .unwrap_or_else(|err| panic!("{err}"));
        common::render(&mut e, frames, 60.0)
    });
    common::assert_images_close(&a, &b, F16, "render vs compute passes");
    a
}

/// A project with the coordinate map, `body` after `[src]`, output `out`.
fn distort(body: &str) -> FloatImage {
    distort_sized(body, W, H)
}

fn distort_sized(body: &str, w: u32, h: u32) -> FloatImage {
    with_map(&format!("[out]\ninput = \"src\"\n{body}"), w, h)
}

/// A project with the coordinate map (`[src]`, `w`×`h`) and `tables`, output `out`.
fn with_map(tables: &str, w: u32, h: u32) -> FloatImage {
    let dir = tempfile::tempdir().unwrap();
    coordinate_map(dir.path(), w, h);
    render_in(dir.path(), &format!("output = \"out\"\n{SRC}\n{tables}"), 1)
}

/// The centre of output pixel (x, y) in uv (y up).
fn centre(img: &FloatImage, x: u32, y: u32) -> (f64, f64) {
    (
        (f64::from(x) + 0.5) / f64::from(img.width),
        1.0 - (f64::from(y) + 0.5) / f64::from(img.height),
    )
}

/// Checks every pixel of `img` (a distorted coordinate map of `src` pixels) against
/// `expect`: the source point (uv) each output point (uv) should show, or `None` for
/// transparent (a NaN source: not checked). Points within a texel of the source's edge are
/// skipped (clamped filtering is not linear there). Returns how many pixels were compared
/// with a position.
#[track_caller]
fn check_map(
    img: &FloatImage,
    src: (u32, u32),
    what: &str,
    expect: impl Fn(f64, f64) -> Option<(f64, f64)>,
) -> usize {
    let (tx, ty) = (1.0 / f64::from(src.0), 1.0 / f64::from(src.1));
    let mut checked = 0;
    for y in 0..img.height {
        for x in 0..img.width {
            let (u, v) = centre(img, x, y);
            let got = img.at(x, y);
            match expect(u, v) {
                None => assert!(
                    got[3] == 0.0,
                    "{what}: pixel ({x}, {y}) should be transparent, got {got:?}"
                ),
                Some((su, sv)) => {
                    let inside = |s: f64, t: f64| s >= 0.5 * t && s <= 1.0 - 0.5 * t;
                    let outside = |s: f64, t: f64| s < -t || s > 1.0 + t;
                    if inside(su, tx) && inside(sv, ty) {
                        let tol = 1.5e-3;
                        assert!(
                            (f64::from(got[0]) - su).abs() < tol
                                && (f64::from(got[1]) - sv).abs() < tol
                                && (got[3] - 1.0).abs() < F16,
                            "{what}: pixel ({x}, {y}) at uv ({u:.4}, {v:.4}) shows ({}, {}), expected source ({su:.4}, {sv:.4})",
                            got[0],
                            got[1]
                        );
                        checked += 1;
                    } else if outside(su, tx) || outside(sv, ty) {
                        assert!(
                            got[3] == 0.0,
                            "{what}: pixel ({x}, {y}) reads outside the source ({su:.3}, {sv:.3}): should be transparent, got {got:?}"
                        );
                    }
                }
            }
        }
    }
    checked
}

// ---------------------------------------------------------------------------------------
// Space: flip, mirror, tile, crop, kaleido, pixelate, displace, polar, twirl, lens

#[test]
fn flip_swaps_sides_pixel_for_pixel() {
    for (axes, f) in [
        (
            "horizontal",
            (|u, v| (1.0 - u, v)) as fn(f64, f64) -> (f64, f64),
        ),
        ("vertical", |u, v| (u, 1.0 - v)),
        ("both", |u, v| (1.0 - u, 1.0 - v)),
    ] {
        let img = distort(&format!("type = \"flip\"\naxes = \"{axes}\"\n"));
        let n = check_map(&img, (W, H), axes, |u, v| Some(f(u, v)));
        assert!(n > (W * H / 2) as usize, "{axes}: {n} pixels checked");
        // Exactly a texel: pixel (0, 0) shows source pixel (63, 0) when flipped left-right
        // (its x, 63.5 / 64 = 127 / 128, is exact in f16).
        if axes == "horizontal" {
            assert_eq!(img.at(0, 0)[0], 127.0 / 128.0);
        }
    }
}

#[test]
fn mirror_reflects_one_side_onto_the_other() {
    let img = distort("type = \"mirror\"\naxes = \"horizontal\"\n");
    check_map(&img, (W, H), "horizontal", |u, v| {
        Some((if u > 0.5 { 1.0 - u } else { u }, v))
    });
    let img = distort("type = \"mirror\"\naxes = \"vertical\"\nside = \"second\"\n");
    check_map(&img, (W, H), "vertical, top kept", |u, v| {
        Some((u, if v < 0.5 { 1.0 - v } else { v }))
    });
    let img = distort("type = \"mirror\"\naxes = \"both\"\n");
    check_map(&img, (W, H), "both", |u, v| {
        Some((u.min(1.0 - u), v.min(1.0 - v)))
    });
    // Off-centre: the reflection reaches past the left edge, where it is transparent...
    let img = distort("type = \"mirror\"\nposition = [0.3, 0.5]\n");
    let n = check_map(&img, (W, H), "at 0.3", |u, v| {
        Some((if u > 0.3 { 0.6 - u } else { u }, v))
    });
    assert!(n > 0);
    assert_eq!(img.at(W - 1, 5)[3], 0.0);
    // ...or clamped.
    let img = distort("type = \"mirror\"\nposition = [0.3, 0.5]\nextend = \"clamp\"\n");
    assert!((img.at(W - 1, 5)[0] - 0.5 / 64.0).abs() < F16);
}

#[test]
fn tile_repeats_and_mirrors_copies() {
    let img = distort("type = \"tile\"\nrepeat = [2, 3]\n");
    let n = check_map(&img, (W, H), "tile 2x3", |u, v| {
        Some(((u * 2.0).fract(), (v * 3.0).fract()))
    });
    assert!(n > (W * H / 2) as usize, "{n}");
    let img = distort("type = \"tile\"\nrepeat = [4, 2]\nmirror = true\n");
    check_map(&img, (W, H), "tile 4x2 mirrored", |u, v| {
        let fold = |t: f64| {
            let (i, f) = (t.floor(), t.fract());
            if i as i64 % 2 == 1 { 1.0 - f } else { f }
        };
        Some((fold(u * 4.0), fold(v * 2.0)))
    });
}

#[test]
fn crop_cuts_or_stretches_the_rectangle() {
    // Edges on pixel boundaries: x 16..48 of 64, y 8..24 of 32 (from the bottom).
    let img = distort("type = \"crop\"\nrect = [0.25, 0.25, 0.75, 0.75]\n");
    check_map(&img, (W, H), "cut", |u, v| {
        ((0.25..0.75).contains(&u) && (0.25..0.75).contains(&v)).then_some((u, v))
    });
    let img = distort("type = \"crop\"\nrect = [0.25, 0.5, 0.75, 1.0]\nmode = \"stretch\"\n");
    let n = check_map(&img, (W, H), "stretch", |u, v| {
        Some((0.25 + 0.5 * u, 0.5 + 0.5 * v))
    });
    assert!(n > (W * H / 2) as usize, "{n}");
    // A rectangle edge through the middle of a pixel covers half of it.
    let img = distort("type = \"crop\"\nrect = [0.0, 0.0, 0.5078125, 1.0]\n");
    assert!(
        (img.at(32, 10)[3] - 0.5).abs() < F16,
        "{:?}",
        img.at(32, 10)
    );
}

#[test]
fn kaleido_folds_every_angle_into_one_wedge() {
    // Four segments on a square: the wedge 0..45° is the source itself, and the output is
    // symmetric under the quarter turn and the reflections the pixel grid has.
    let s = 48;
    let img = distort_sized("type = \"kaleido\"\nsegments = 4\n", s, s);
    let n = check_map(&img, (s, s), "wedge", |u, v| {
        let (dx, dy) = (u - 0.5, v - 0.5);
        Some(if dy >= 0.0 && dy <= dx {
            (u, v)
        } else {
            (f64::NAN, f64::NAN)
        })
    });
    assert!(n > 100, "{n}");
    for y in 0..s {
        for x in 0..s {
            let p = img.at(x, y);
            let same = |q: [f32; 4], what: &str| {
                common::assert_close(p, q, F16, &format!("({x}, {y}) {what}"));
            };
            same(img.at(x, s - 1 - y), "reflected in the x axis");
            same(img.at(s - 1 - x, y), "reflected in the y axis");
            same(img.at(y, x), "reflected in the diagonal");
            same(img.at(s - 1 - y, x), "quarter turn");
        }
    }
    // Six segments on a wide image, turned: the fold computed here, in f64.
    let (w, h) = (96, 64);
    let img = distort_sized(
        "type = \"kaleido\"\nsegments = 6\nrotate = 20\ncenter = [0.45, 0.55]\nscale = 1.5\n",
        w,
        h,
    );
    let aspect = f64::from(w) / f64::from(h);
    let n = check_map(&img, (w, h), "six segments", |u, v| {
        let (dx, dy) = ((u - 0.45) * aspect, v - 0.55);
        let wedge = std::f64::consts::TAU / 6.0;
        let mut t = dy.atan2(dx).rem_euclid(wedge);
        if t > wedge / 2.0 {
            t = wedge - t;
        }
        let (r, a) = ((dx * dx + dy * dy).sqrt() / 1.5, t + 20f64.to_radians());
        Some((0.45 + r * a.cos() / aspect, 0.55 + r * a.sin()))
    });
    assert!(n > 1000, "{n}");
}

#[test]
fn pixelate_gives_constant_blocks_of_the_stated_size() {
    for (body, cw, ch) in [
        ("cell = [8, 4]\n", 8, 4),
        ("cell = [16, 16]\n", 16, 16),
        ("cell = [4, 2]\nunit = \"count\"\n", 16, 16),
    ] {
        let img = distort(&format!("type = \"pixelate\"\n{body}"));
        for y in 0..H {
            for x in 0..W {
                // Blocks from the bottom-left corner.
                let (bx, by) = (x / cw, (H - 1 - y) / ch);
                let p = img.at(x, y);
                // The colour at the block's centre: its position in the coordinate map.
                let cx = (f64::from(bx) + 0.5) * f64::from(cw) / f64::from(W);
                let cy = (f64::from(by) + 0.5) * f64::from(ch) / f64::from(H);
                assert!(
                    (f64::from(p[0]) - cx).abs() < 1.5e-3 && (f64::from(p[1]) - cy).abs() < 1.5e-3,
                    "{body}: pixel ({x}, {y}) = {p:?}, block centre ({cx}, {cy})"
                );
                // Constant inside the block.
                let first = img.at(bx * cw, H - 1 - by * ch);
                assert_eq!(p, first, "{body}: ({x}, {y})");
            }
        }
    }
}

#[test]
fn displace_by_a_zero_map_is_the_identity_and_a_constant_map_shifts() {
    let chain = |map: [f32; 3], body: &str| {
        format!(
            "[map]\ntype = \"solid\"\nsize = [{W}, {H}]\ncolor = [{}, {}, {}]\n\n[out]\ntype = \"displace\"\ninputs = [\"src\", \"map\"]\n{body}",
            map[0], map[1], map[2]
        )
    };
    for mode in ["offset", "scale", "rotate"] {
        let img = with_map(
            &chain(
                [0.0, 0.0, 0.0],
                &format!("mode = \"{mode}\"\namount = 0.7\n"),
            ),
            W,
            H,
        );
        let n = check_map(&img, (W, H), mode, |u, v| Some((u, v)));
        assert!(n > (W * H / 2) as usize, "{mode}: {n}");
    }
    // amount 0.25 image heights × (0.5, 0.25) = 4 px right and 2 px up, read from there:
    // the picture moves 4 px left and 2 px down.
    let img = with_map(&chain([0.5, 0.25, 0.0], "amount = 0.25\n"), W, H);
    let n = check_map(&img, (W, H), "constant offset", |u, v| {
        Some((u + 4.0 / f64::from(W), v + 2.0 / f64::from(H)))
    });
    assert!(n > (W * H / 2) as usize, "{n}");
    assert_eq!(img.at(W - 1, 10)[3], 0.0, "read past the right edge");
    // midpoint 0.5 centres the map: grey moves nothing.
    let img = with_map(
        &chain([0.5, 0.5, 0.5], "amount = 0.3\nmidpoint = 0.5\n"),
        W,
        H,
    );
    check_map(&img, (W, H), "midpoint", |u, v| Some((u, v)));
    // Scale: 1 + 2 × 0.5 = 2, read halfway to the centre (a 2× zoom in).
    let img = with_map(
        &chain([0.5, 0.0, 0.0], "mode = \"scale\"\namount = 2\n"),
        W,
        H,
    );
    check_map(&img, (W, H), "scale", |u, v| {
        Some((0.5 + (u - 0.5) / 2.0, 0.5 + (v - 0.5) / 2.0))
    });
    // Rotate, from the blue channel: 0.25 turns × 1 = a quarter turn counter-clockwise,
    // aspect-correct (read at the point turned a quarter clockwise).
    let img = with_map(
        &chain(
            [0.0, 0.0, 1.0],
            "mode = \"rotate\"\namount = 0.25\nx_channel = \"b\"\n",
        ),
        W,
        H,
    );
    let aspect = f64::from(W) / f64::from(H);
    let n = check_map(&img, (W, H), "rotate", |u, v| {
        let (dx, dy) = ((u - 0.5) * aspect, v - 0.5);
        // (dx, dy) turned by -90°: (dy, -dx).
        Some((0.5 + dy / aspect, 0.5 - dx))
    });
    assert!(n > 200, "{n}");
}

#[test]
fn polar_to_then_from_is_close_to_the_identity() {
    let s = 96;
    let dir = tempfile::tempdir().unwrap();
    coordinate_map(dir.path(), s, s);
    let img = render_in(
        dir.path(),
        &format!(
            "output = \"back\"\n{SRC}\n[to]\ntype = \"polar\"\ninput = \"src\"\nmode = \"to_polar\"\nradius = 0.5\n\n[back]\ntype = \"polar\"\ninput = \"to\"\nmode = \"from_polar\"\nradius = 0.5\n"
        ),
        1,
    );
    // Resampled twice: within a pixel, away from the centre (where the strip's bottom row
    // is one point) and the angle-0 seam (where the strip's ends meet).
    let mut checked = 0;
    for y in 0..s {
        for x in 0..s {
            let (u, v) = centre(&img, x, y);
            let (dx, dy) = (u - 0.5, v - 0.5);
            let r = (dx * dx + dy * dy).sqrt();
            if !(0.08..=0.46).contains(&r) || (dy.abs() < 0.03 && dx > 0.0) {
                continue;
            }
            let p = img.at(x, y);
            let err = (f64::from(p[0]) - u).hypot(f64::from(p[1]) - v) * f64::from(s);
            assert!(err < 1.0, "({x}, {y}): {p:?} is {err} px from ({u}, {v})");
            checked += 1;
        }
    }
    assert!(checked > 4000, "{checked}");
    // Outside the disc of `radius`: transparent (the strip ends at its top).
    assert_eq!(img.at(0, 0)[3], 0.0);
}

#[test]
fn polar_unwraps_angle_along_x_and_radius_along_y() {
    let s = 64;
    let img = distort_sized("type = \"polar\"\nradius = 0.4\nrotate = 90\n", s, s);
    let n = check_map(&img, (s, s), "to_polar", |u, v| {
        let a = u * std::f64::consts::TAU + std::f64::consts::FRAC_PI_2;
        let r = v * 0.4;
        Some((0.5 + r * a.cos(), 0.5 + r * a.sin()))
    });
    assert!(n > 3000, "{n}");
}

#[test]
fn twirl_turns_by_the_falloff_and_leaves_the_outside_alone() {
    let img = distort("type = \"twirl\"\nrotate = 120\nradius = 0.4\ncenter = [0.5, 0.5]\n");
    let aspect = f64::from(W) / f64::from(H);
    let n = check_map(&img, (W, H), "twirl", |u, v| {
        let (dx, dy) = ((u - 0.5) * aspect, v - 0.5);
        let r = (dx * dx + dy * dy).sqrt();
        let t = (1.0 - r / 0.4).clamp(0.0, 1.0);
        let a = -(120f64.to_radians()) * t * t;
        let (c, s) = (a.cos(), a.sin());
        Some((0.5 + (c * dx - s * dy) / aspect, 0.5 + s * dx + c * dy))
    });
    assert!(n > (W * H / 2) as usize, "{n}");
    // Far from the centre: the source itself.
    assert!((f64::from(img.at(1, 1)[0]) - 1.5 / 64.0).abs() < 1e-3);
}

#[test]
fn lens_follows_browns_radial_model() {
    let aspect = f64::from(W) / f64::from(H);
    let corner2 = 0.25 * (aspect * aspect + 1.0);
    for (k1, k2, scale) in [(0.0, 0.0, 1.0), (0.3, 0.0, 1.0), (-0.2, 0.1, 1.2)] {
        let img = distort(&format!(
            "type = \"lens\"\nk1 = {k1}\nk2 = {k2}\nscale = {scale}\n"
        ));
        let n = check_map(&img, (W, H), &format!("k1 {k1} k2 {k2}"), |u, v| {
            let (dx, dy) = ((u - 0.5) * aspect, v - 0.5);
            let r2 = (dx * dx + dy * dy) / corner2;
            let f = (1.0 + k1 * r2 + k2 * r2 * r2) / scale;
            Some((0.5 + dx * f / aspect, 0.5 + dy * f))
        });
        assert!(n > 1000, "{n}");
    }
    // Chromatic split: red read further out than green, blue further in (blue carries x).
    let img = distort("type = \"lens\"\nk1 = 0\nchromatic = 0.1\n");
    let p = img.at(4, 16);
    let (u, _) = centre(&img, 4, 16);
    let r2 = ((u - 0.5) * aspect).powi(2) / corner2;
    let red = 0.5 + (u - 0.5) * (1.0 + 0.1 * r2);
    let blue = 0.5 + (u - 0.5) * (1.0 - 0.1 * r2);
    assert!((f64::from(p[0]) - red).abs() < 1.5e-3, "{p:?} red {red}");
    assert!((f64::from(p[2]) - blue).abs() < 1.5e-3, "{p:?} blue {blue}");
}

#[test]
fn chromatic_aberration_moves_red_and_blue_apart() {
    // Linear, 2 px of 32 to the right: red shows the source 2 px to the left, blue 2 px to
    // the right, green stays.
    let img = distort("type = \"chromatic_aberration\"\nmode = \"linear\"\namount = 0.0625\n");
    for x in 4..W - 4 {
        let p = img.at(x, 9);
        let u = (f64::from(x) + 0.5) / f64::from(W);
        assert!(
            (f64::from(p[0]) - (u - 2.0 / 64.0)).abs() < 1.5e-3,
            "{x}: {p:?}"
        );
        assert!(
            (f64::from(p[2]) - (u + 2.0 / 64.0)).abs() < 1.5e-3,
            "{x}: {p:?}"
        );
        assert!(
            (f64::from(p[1]) - (1.0 - 9.5 / 32.0)).abs() < 1.5e-3,
            "{x}: {p:?}"
        );
    }
    // Radial: nothing moves at the centre.
    let img = distort("type = \"chromatic_aberration\"\namount = 0.05\n");
    let p = img.at(32, 16);
    assert!((p[0] - p[2]).abs() < 2e-3, "{p:?}");
}

// ---------------------------------------------------------------------------------------
// Stylise

/// A chain of a solid of `color` (straight RGBA) at `size` and `body` reading it.
fn on_solid(size: (u32, u32), color: [f32; 4], body: &str) -> FloatImage {
    common::render_toml(&format!(
        "output = \"out\"\n[src]\ntype = \"solid\"\nsize = [{}, {}]\ncolor = [{}, {}, {}, {}]\n\n[out]\ninput = \"src\"\n{body}",
        size.0, size.1, color[0], color[1], color[2], color[3]
    ))
}

#[test]
fn uniform_images_give_known_answers() {
    let grey = [0.3, 0.6, 0.9, 1.0];
    for (body, want) in [
        ("type = \"edge\"\n", [0.0, 0.0, 0.0, 1.0]),
        (
            "type = \"edge\"\nkernel = \"scharr\"\nmode = \"color\"\n",
            [0.0, 0.0, 0.0, 1.0],
        ),
        ("type = \"sharpen\"\namount = 3\nradius = 2\n", grey),
        ("type = \"emboss\"\n", [0.5, 0.5, 0.5, 1.0]),
        (
            "type = \"emboss\"\nmode = \"color\"\ndistance = 3\n",
            [0.5, 0.5, 0.5, 1.0],
        ),
        (
            "type = \"crt\"\ncurvature = 0\ncorner = 0\nmask = \"none\"\nscanlines = 0\nbrightness = 1\n",
            grey,
        ),
    ] {
        let img = on_solid((37, 23), grey, body);
        for (i, p) in img.pixels.iter().enumerate() {
            common::assert_close(*p, want, F16, &format!("{body}pixel {i}"));
        }
    }
}

#[test]
fn edge_of_a_step_is_one() {
    // White right half on black: the two columns beside the step read 1, the rest 0.
    for kernel in ["sobel", "scharr"] {
        let img = common::render_toml(&format!(
            "output = \"out\"\n[bg]\ntype = \"solid\"\nsize = [16, 8]\ncolor = [0, 0, 0]\n\n[half]\ntype = \"crop\"\ninput = \"w\"\nrect = [0.5, 0, 1, 1]\n\n[w]\ntype = \"solid\"\nsize = [16, 8]\ncolor = [1, 1, 1]\n\n[step]\ntype = \"composite\"\ninputs = [\"bg\", \"half\"]\n\n[out]\ntype = \"edge\"\ninput = \"step\"\nkernel = \"{kernel}\"\n"
        ));
        for y in 0..8 {
            for x in 0..16 {
                let want = if x == 7 || x == 8 { 1.0 } else { 0.0 };
                common::assert_close(img.at(x, y), [want, want, want, 1.0], F16, kernel);
            }
        }
    }
}

#[test]
fn sharpen_overshoots_at_a_step() {
    let img = common::render_toml(
        "output = \"out\"\n[bg]\ntype = \"solid\"\nsize = [16, 8]\ncolor = [0.2, 0.2, 0.2]\n\n[w]\ntype = \"solid\"\nsize = [16, 8]\ncolor = [0.6, 0.6, 0.6]\n\n[half]\ntype = \"crop\"\ninput = \"w\"\nrect = [0.5, 0, 1, 1]\n\n[step]\ntype = \"composite\"\ninputs = [\"bg\", \"half\"]\n\n[out]\ntype = \"sharpen\"\ninput = \"step\"\namount = 1\n",
    );
    assert!(
        img.at(7, 4)[0] < 0.2 - 0.02,
        "dark side darker: {:?}",
        img.at(7, 4)
    );
    assert!(
        img.at(8, 4)[0] > 0.6 + 0.02,
        "bright side brighter: {:?}",
        img.at(8, 4)
    );
    common::assert_close(img.at(1, 4), [0.2, 0.2, 0.2, 1.0], F16, "far from the step");
}

#[test]
fn vignette_keeps_the_centre_and_tints_the_edges() {
    let img = on_solid(
        (64, 32),
        [0.8, 0.6, 0.4, 1.0],
        "type = \"vignette\"\nradius = 0.2\nsoftness = 0.1\ncolor = [0, 0, 1]\n",
    );
    common::assert_close(img.at(32, 16), [0.8, 0.6, 0.4, 1.0], F16, "centre");
    common::assert_close(img.at(0, 0), [0.0, 0.0, 1.0, 1.0], F16, "corner");
    // Halfway through the falloff (r = 0.25 image heights = 8 px right of the centre):
    // smoothstep gives 0.5.
    let p = img.at(40, 15);
    let (u, v) = ((40.5 / 64.0 - 0.5) * 2.0, 0.5 - 15.5 / 32.0);
    let r: f64 = f64::hypot(u, v);
    let t = ((r - 0.2) / 0.1).clamp(0.0, 1.0);
    let k = (t * t * (3.0 - 2.0 * t)) as f32;
    common::assert_close(
        p,
        [0.8 * (1.0 - k), 0.6 * (1.0 - k), 0.4 + 0.6 * k, 1.0],
        F16,
        "falloff",
    );
}

#[test]
fn scanlines_darken_every_other_row_when_lines_are_two_pixels() {
    let img = on_solid(
        (8, 16),
        [1.0, 0.5, 0.25, 1.0],
        "type = \"scanlines\"\nlines = 8\namount = 0.6\nthickness = 0.5\n",
    );
    for y in 0..16 {
        // Rows counted from the bottom: even ones lit.
        let lit = (15 - y) % 2 == 0;
        let m = if lit { 1.0 } else { 0.4 };
        common::assert_close(
            img.at(3, y),
            [m, 0.5 * m, 0.25 * m, 1.0],
            F16,
            &format!("row {y}"),
        );
    }
}

/// The 2^k Bayer matrix by its recursion M(2n) = [[4M, 4M + 2], [4M + 3, 4M + 1]], rows
/// from the top.
fn bayer(k: u32) -> Vec<Vec<u32>> {
    let mut m = vec![vec![0u32]];
    for _ in 0..k {
        let n = m.len();
        let mut next = vec![vec![0u32; 2 * n]; 2 * n];
        for (by, bx, add) in [(0, 0, 0), (0, 1, 2), (1, 0, 3), (1, 1, 1)] {
            for y in 0..n {
                for x in 0..n {
                    next[by * n + y][bx * n + x] = 4 * m[y][x] + add;
                }
            }
        }
        m = next;
    }
    m
}

#[test]
fn dither_thresholds_are_the_bayer_matrices() {
    for (pattern, k) in [("bayer2", 1), ("bayer4", 2), ("bayer8", 3)] {
        let m = bayer(k);
        let n = m.len() as u32;
        for level in [0.25f32, 0.5, 0.75] {
            let img = on_solid(
                (16, 16),
                [level, 0.0, 1.0, 1.0],
                &format!("type = \"dither\"\npattern = \"{pattern}\"\n"),
            );
            for y in 0..16 {
                for x in 0..16 {
                    // On where the threshold (M + 0.5) / n² reaches 1 − level.
                    let t =
                        (f64::from(m[(y % n) as usize][(x % n) as usize]) + 0.5) / f64::from(n * n);
                    let on = t >= 1.0 - f64::from(level);
                    let want = [if on { 1.0 } else { 0.0 }, 0.0, 1.0, 1.0];
                    common::assert_close(
                        img.at(x, y),
                        want,
                        0.0,
                        &format!("{pattern} {level} ({x}, {y})"),
                    );
                }
            }
        }
    }
    // More levels: 0.3 lies a fifth of the way from 0.25 to 0.5 (5 levels): Bayer 4×4 puts
    // 0.5 on the 3 cells of 16 whose threshold (M + 0.5) / 16 reaches 0.8 (M = 13, 14, 15).
    let img = on_solid(
        (4, 4),
        [0.3, 0.3, 0.3, 1.0],
        "type = \"dither\"\nlevels = 5\n",
    );
    let high = img.pixels.iter().filter(|p| p[0] > 0.4).count();
    assert_eq!(high, 3);
    assert!(img.pixels.iter().all(|p| p[0] == 0.25 || p[0] == 0.5));
}

#[test]
fn blue_noise_dither_sets_exactly_the_pixels_of_the_top_ranks() {
    let ranks = vivid_operators::filters::blue_noise();
    let side = vivid_operators::filters::BLUE_NOISE_SIDE as u32;
    let img = on_solid(
        (side, side),
        [0.25, 0.75, 0.0, 1.0],
        "type = \"dither\"\npattern = \"blue_noise\"\n",
    );
    let mut on = 0;
    for y in 0..side {
        for x in 0..side {
            let r = u32::from(ranks[(y * side + x) as usize]);
            let p = img.at(x, y);
            // Threshold (r + 0.5) / 4096 ≥ 1 − level.
            assert_eq!(
                p[0],
                if r >= 3072 { 1.0 } else { 0.0 },
                "red at ({x}, {y}), rank {r}"
            );
            assert_eq!(
                p[1],
                if r >= 1024 { 1.0 } else { 0.0 },
                "green at ({x}, {y}), rank {r}"
            );
            on += u32::from(p[0] == 1.0);
        }
    }
    assert_eq!(on, 1024);
}

#[test]
fn film_grain_is_the_same_for_the_same_frame_and_changes_between_frames() {
    let chain = "output = \"out\"\n[src]\ntype = \"solid\"\nsize = [64, 64]\ncolor = [0.5, 0.5, 0.5]\n\n[out]\ntype = \"film_grain\"\ninput = \"src\"\namount = 0.1\ngrain = 1\n";
    let frame = |frames: u64, fps: f64| {
        let mut e = common::engine();
        e.set_chain(&common::desc(chain)).unwrap();
        common::render(&mut e, frames, fps)
    };
    let a = frame(6, 60.0);
    // Same frame index in another engine, at another frame rate: the same grain.
    assert!(a == frame(6, 60.0), "frame 5 twice: different grain");
    assert!(a == frame(6, 24.0), "frame 5 at 24 fps: different grain");
    let b = frame(7, 60.0);
    let changed = a
        .pixels
        .iter()
        .zip(&b.pixels)
        .filter(|(p, q)| p != q)
        .count();
    assert!(
        changed > a.pixels.len() * 9 / 10,
        "only {changed} pixels changed"
    );
    // Mid-grey gets the full amount: zero mean, standard deviation 0.1 (one grain a pixel).
    let mean = a.mean()[0];
    let sd = (a
        .pixels
        .iter()
        .map(|p| (f64::from(p[0]) - mean).powi(2))
        .sum::<f64>()
        / a.pixels.len() as f64)
        .sqrt();
    assert!((mean - 0.5).abs() < 0.01, "mean {mean}");
    assert!((sd - 0.1).abs() < 0.01, "standard deviation {sd}");
    // Grey grain by default (chroma 0).
    assert!(a.pixels.iter().all(|p| p[0] == p[1] && p[1] == p[2]));
}

#[test]
fn crt_bends_the_picture_and_rounds_the_corners() {
    let img = on_solid(
        (64, 48),
        [1.0, 1.0, 1.0, 1.0],
        "type = \"crt\"\ncurvature = 0.3\nmask = \"none\"\nscanlines = 0\nbrightness = 1\n",
    );
    // The corners fall outside the bent screen: transparent; the middle is the picture.
    assert_eq!(img.at(0, 0)[3], 0.0);
    assert_eq!(img.at(63, 47)[3], 0.0);
    common::assert_close(img.at(32, 24), [1.0; 4], F16, "middle");
    // An aperture grille: the three columns of a triad each keep one colour at full.
    let img = on_solid(
        (12, 8),
        [1.0, 1.0, 1.0, 1.0],
        "type = \"crt\"\ncurvature = 0\ncorner = 0\nscanlines = 0\nbrightness = 1\nmask_size = 3\nmask_amount = 0.5\n",
    );
    for x in 0..12 {
        let mut want = [0.5, 0.5, 0.5, 1.0];
        want[(x % 3) as usize] = 1.0;
        common::assert_close(img.at(x, 3), want, F16, &format!("column {x}"));
    }
}

// ---------------------------------------------------------------------------------------
// Composite: the W3C blend modes, mask, switch, crossfade

/// Lum of W3C compositing-1.
fn lum(c: [f64; 3]) -> f64 {
    0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]
}

fn clip_color(c: [f64; 3]) -> [f64; 3] {
    let l = lum(c);
    let n = c[0].min(c[1]).min(c[2]);
    let x = c[0].max(c[1]).max(c[2]);
    let mut c = c;
    if n < 0.0 {
        c = c.map(|v| l + (v - l) * l / (l - n));
    }
    if x > 1.0 {
        c = c.map(|v| l + (v - l) * (1.0 - l) / (x - l));
    }
    c
}

fn set_lum(c: [f64; 3], l: f64) -> [f64; 3] {
    let d = l - lum(c);
    clip_color(c.map(|v| v + d))
}

fn sat(c: [f64; 3]) -> f64 {
    c[0].max(c[1]).max(c[2]) - c[0].min(c[1]).min(c[2])
}

/// `SetSat` as the spec writes it: Cmax = s, Cmid scaled, Cmin = 0 (on sorted indices).
fn set_sat(c: [f64; 3], s: f64) -> [f64; 3] {
    let mut idx = [0usize, 1, 2];
    idx.sort_by(|a, b| c[*a].total_cmp(&c[*b]));
    let (min, mid, max) = (idx[0], idx[1], idx[2]);
    let mut out = [0.0; 3];
    if c[max] > c[min] {
        out[mid] = (c[mid] - c[min]) * s / (c[max] - c[min]);
        out[max] = s;
    }
    out
}

/// B(Cb, Cs) of W3C compositing-1 (and the two modes vivid adds), straight colours.
fn blend(mode: &str, cb: [f64; 3], cs: [f64; 3]) -> [f64; 3] {
    let sep = |f: fn(f64, f64) -> f64| [f(cb[0], cs[0]), f(cb[1], cs[1]), f(cb[2], cs[2])];
    let hard_light = |b: f64, s: f64| {
        if s <= 0.5 {
            b * 2.0 * s
        } else {
            let s2 = 2.0 * s - 1.0;
            b + s2 - b * s2
        }
    };
    match mode {
        "multiply" => sep(|b, s| b * s),
        "screen" => sep(|b, s| b + s - b * s),
        "overlay" => sep(|b, s| {
            // HardLight(Cs, Cb)
            if b <= 0.5 {
                s * 2.0 * b
            } else {
                let b2 = 2.0 * b - 1.0;
                s + b2 - s * b2
            }
        }),
        "darken" => sep(f64::min),
        "lighten" => sep(f64::max),
        "color_dodge" => sep(|b, s| {
            if b == 0.0 {
                0.0
            } else if s >= 1.0 {
                1.0
            } else {
                (b / (1.0 - s)).min(1.0)
            }
        }),
        "color_burn" => sep(|b, s| {
            if b >= 1.0 {
                1.0
            } else if s <= 0.0 {
                0.0
            } else {
                1.0 - ((1.0 - b) / s).min(1.0)
            }
        }),
        "hard_light" => [
            hard_light(cb[0], cs[0]),
            hard_light(cb[1], cs[1]),
            hard_light(cb[2], cs[2]),
        ],
        "soft_light" => sep(|b, s| {
            if s <= 0.5 {
                b - (1.0 - 2.0 * s) * b * (1.0 - b)
            } else {
                let d = if b <= 0.25 {
                    ((16.0 * b - 12.0) * b + 4.0) * b
                } else {
                    b.sqrt()
                };
                b + (2.0 * s - 1.0) * (d - b)
            }
        }),
        "difference" => sep(|b, s| (b - s).abs()),
        "exclusion" => sep(|b, s| b + s - 2.0 * b * s),
        "subtract" => sep(|b, s| (b - s).max(0.0)),
        "divide" => sep(|b, s| {
            if s <= 0.0 {
                if b <= 0.0 { 0.0 } else { 1.0 }
            } else {
                (b / s).min(1.0)
            }
        }),
        "hue" => set_lum(set_sat(cs, sat(cb)), lum(cb)),
        "saturation" => set_lum(set_sat(cb, sat(cs)), lum(cb)),
        "color" => set_lum(cs, lum(cb)),
        "luminosity" => set_lum(cb, lum(cs)),
        other => panic!("no formula for {other}"),
    }
}

/// Writes `name` (8 bits, straight RGBA): one pixel per colour, in a row.
fn strip(dir: &Path, name: &str, colors: &[[u8; 4]]) {
    let img = image::RgbaImage::from_fn(colors.len() as u32, 1, |x, _| {
        image::Rgba(colors[x as usize])
    });
    img.save(dir.join(name)).unwrap();
}

#[test]
fn blend_modes_follow_the_w3c_compositing_formulas() {
    // Pairs chosen to visit every branch: each side of 0.5 and 0.25, zero, one, greys and
    // saturated colours for the non-separable modes; opaque, then semi-transparent.
    let base: [[u8; 3]; 8] = [
        [51, 128, 204],
        [230, 25, 115],
        [0, 255, 64],
        [255, 255, 255],
        [20, 60, 200],
        [128, 128, 128],
        [180, 90, 30],
        [0, 0, 0],
    ];
    let over: [[u8; 3]; 8] = [
        [153, 77, 230],
        [90, 190, 128],
        [255, 0, 100],
        [40, 140, 240],
        [250, 200, 10],
        [200, 40, 160],
        [70, 70, 70],
        [128, 64, 32],
    ];
    let mut backdrop = Vec::new();
    let mut layer = Vec::new();
    for alpha in [(255u8, 255u8), (153, 128), (255, 77), (64, 255)] {
        for (b, s) in base.iter().zip(&over) {
            backdrop.push([b[0], b[1], b[2], alpha.0]);
            layer.push([s[0], s[1], s[2], alpha.1]);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    strip(dir.path(), "b.png", &backdrop);
    strip(dir.path(), "s.png", &layer);
    let f = |v: u8| f64::from(v) / 255.0;
    for mode in [
        "multiply",
        "screen",
        "overlay",
        "darken",
        "lighten",
        "color_dodge",
        "color_burn",
        "hard_light",
        "soft_light",
        "difference",
        "exclusion",
        "hue",
        "saturation",
        "color",
        "luminosity",
        "subtract",
        "divide",
    ] {
        let img = render_in(
            dir.path(),
            &format!(
                "output = \"c\"\n[b]\ntype = \"image\"\npath = \"b.png\"\n\n[s]\ntype = \"image\"\npath = \"s.png\"\n\n[c]\ntype = \"composite\"\ninputs = [\"b\", \"s\"]\nmode = \"{mode}\"\n"
            ),
            1,
        );
        for (x, (b, s)) in backdrop.iter().zip(&layer).enumerate() {
            let (cb, ab) = ([f(b[0]), f(b[1]), f(b[2])], f(b[3]));
            let (cs, a_s) = ([f(s[0]), f(s[1]), f(s[2])], f(s[3]));
            let mixed = blend(mode, cb, cs);
            // co = cs (1 − ab) + cb (1 − as) + as ab B(Cb, Cs), premultiplied cs = as Cs.
            let co: Vec<f64> = (0..3)
                .map(|i| a_s * cs[i] * (1.0 - ab) + ab * cb[i] * (1.0 - a_s) + a_s * ab * mixed[i])
                .collect();
            let ao = a_s + ab * (1.0 - a_s);
            let want = [co[0] as f32, co[1] as f32, co[2] as f32, ao as f32];
            // Inputs are stored premultiplied in f16 and divided back: divisions by small
            // numbers (dodge, burn, divide) amplify that rounding.
            let tol = if ["color_dodge", "color_burn", "divide"].contains(&mode) {
                6e-3
            } else {
                3e-3
            };
            common::assert_close(
                img.at(x as u32, 0),
                want,
                tol,
                &format!("{mode}, pair {x}: {b:?} under {s:?}"),
            );
        }
    }
}

#[test]
fn mask_takes_alpha_or_luminance_from_the_second_input() {
    let chain = |mask: [f32; 4], body: &str| {
        common::render_toml(&format!(
            "output = \"m\"\n[a]\ntype = \"solid\"\nsize = [4, 4]\ncolor = [0.8, 0.4, 0.2, 1]\n\n[k]\ntype = \"solid\"\nsize = [4, 4]\ncolor = [{}, {}, {}, {}]\n\n[m]\ntype = \"mask\"\ninputs = [\"a\", \"k\"]\n{body}",
            mask[0], mask[1], mask[2], mask[3]
        ))
        .at(1, 1)
    };
    let k = 0.25f32;
    common::assert_close(
        chain([1.0, 1.0, 1.0, k], ""),
        [0.8 * k, 0.4 * k, 0.2 * k, k],
        F16,
        "alpha",
    );
    common::assert_close(
        chain([1.0, 1.0, 1.0, k], "invert = true\n"),
        [0.8 * 0.75, 0.4 * 0.75, 0.2 * 0.75, 0.75],
        F16,
        "inverted alpha",
    );
    let l = 0.2126 * 0.2 + 0.7152 * 0.6 + 0.0722 * 1.0;
    common::assert_close(
        chain([0.2, 0.6, 1.0, 1.0], "channel = \"luminance\"\n"),
        [0.8 * l, 0.4 * l, 0.2 * l, l],
        F16,
        "luminance",
    );
}

#[test]
fn switch_shows_an_input_exactly_and_crossfades_between_neighbours() {
    let colors = [
        [0.9f32, 0.1, 0.3, 1.0],
        [0.2, 0.7, 0.5, 1.0],
        [0.4, 0.4, 1.0, 0.5],
    ];
    let mut toml = String::new();
    for (i, c) in colors.iter().enumerate() {
        let _ = write!(
            toml,
            "[c{i}]\ntype = \"solid\"\nsize = [4, 4]\ncolor = [{}, {}, {}, {}]\n\n",
            c[0], c[1], c[2], c[3]
        );
    }
    let premul = |c: [f32; 4]| [c[0] * c[3], c[1] * c[3], c[2] * c[3], c[3]];
    let at = |index: f32| {
        common::render_toml(&format!(
            "output = \"sw\"\n{toml}[sw]\ntype = \"switch\"\ninputs = [\"c0\", \"c1\", \"c2\"]\nindex = {index}\n"
        ))
        .at(2, 2)
    };
    for (i, c) in colors.iter().enumerate() {
        // Exactly, as stored: the solid's own f16 values.
        let alone = common::render_toml(&format!("output = \"c{i}\"\n{toml}")).at(2, 2);
        assert_eq!(at(i as f32), alone, "index {i}");
        common::assert_close(alone, premul(*c), F16, "solid");
    }
    let (a, b) = (premul(colors[1]), premul(colors[2]));
    let half: [f32; 4] = std::array::from_fn(|k| 0.5 * (a[k] + b[k]));
    common::assert_close(at(1.5), half, F16, "1.5: the mean of inputs 1 and 2");
    // Past the last input: the last.
    assert_eq!(at(7.0), at(2.0));
    // crossfade: (1 − t) a + t b.
    let fade = |t: f32| {
        common::render_toml(&format!(
            "output = \"x\"\n{toml}[x]\ntype = \"crossfade\"\ninputs = [\"c0\", \"c2\"]\namount = {t}\n"
        ))
        .at(1, 1)
    };
    let (a, b) = (premul(colors[0]), premul(colors[2]));
    for t in [0.0f32, 0.3, 1.0] {
        let want: [f32; 4] = std::array::from_fn(|k| (1.0 - t) * a[k] + t * b[k]);
        common::assert_close(fade(t), want, F16, &format!("crossfade {t}"));
    }
}

#[test]
fn pointwise_stylise_operators_fuse_into_one_pass_that_looks_the_same() {
    // vignette, scanlines and film_grain read `vivid` (size, time, frame) inside a fused
    // pass too; with hsv and levels they make one run.
    let toml = "output = \"grain\"\n[src]\ntype = \"gradient\"\nsize = [96, 64]\nangle = 30\ncolor_a = [0.1, 0.3, 0.8]\ncolor_b = [0.9, 0.6, 0.2]\n\n[tint]\ntype = \"hsv\"\ninput = \"src\"\nhue_shift = 40\n\n[vig]\ntype = \"vignette\"\ninput = \"tint\"\nradius = 0.2\nsoftness = 0.4\ncenter = [0.4, 0.6]\n\n[lines]\ntype = \"scanlines\"\ninput = \"vig\"\nlines = 20\nspeed = 3\n\n[grain]\ntype = \"film_grain\"\ninput = \"lines\"\namount = 0.15\ngrain = 2\nchroma = 0.5\n";
    for mode in common::MODES {
        let frames = |fuse: bool| {
            let mut e = common::engine_in(mode);
            e.set_fusion(fuse);
            e.set_chain(&common::desc(toml)).unwrap();
            let img = common::render(&mut e, 4, 30.0);
            (img, e.fused_runs())
        };
        let (fused, runs) = frames(true);
        let (apart, none) = frames(false);
        assert_eq!(runs.len(), 1, "{mode:?}: {runs:?}");
        assert_eq!(runs[0].len(), 4, "{mode:?}: {runs:?}");
        assert!(none.is_empty());
        common::assert_images_close(&fused, &apart, 4e-3, &format!("{mode:?}: fused vs apart"));
    }
}
