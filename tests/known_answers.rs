//! Checks whose answers are known independently of the code: exact solid values, the
//! textbook blend formulas, blur invariants (uniform images, the mean, the added variance
//! sigma²), gradient end colours, shape areas, colour identities, feedback's geometric
//! series, and worley F1 against a brute-force nearest point. Each runs the real operators
//! on the GPU (lavapipe on CI).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use common::{assert_close, render_toml};

/// `Rgba16Float` holds 11 significant bits: values in 0..1 are exact to ~5e-4.
const F16: f32 = 2e-3;

fn solid(name: &str, size: (u32, u32), c: [f32; 4]) -> String {
    format!(
        "[{name}]\ntype = \"solid\"\nsize = [{}, {}]\ncolor = [{}, {}, {}, {}]\n",
        size.0, size.1, c[0], c[1], c[2], c[3]
    )
}

#[test]
fn solid_is_exact_and_display_referred() {
    let img = render_toml(&solid("s", (16, 8), [0.5, 0.25, 1.0, 1.0]));
    for p in &img.pixels {
        assert_eq!(*p, [0.5, 0.25, 1.0, 1.0]);
    }
    // No hidden gamma on the way to 8 bits: 0.5 -> 128, 0.25 -> 64.
    let rgba = img.to_rgba8();
    assert_eq!(rgba.get_pixel(3, 3).0, [128, 64, 255, 255]);
}

#[test]
fn solid_alpha_is_premultiplied_inside_and_straight_in_png() {
    let img = render_toml(&solid("s", (4, 4), [1.0, 0.5, 0.0, 0.5]));
    assert_close(img.at(0, 0), [0.5, 0.25, 0.0, 0.5], F16, "premultiplied");
    assert_eq!(img.to_rgba8().get_pixel(0, 0).0, [255, 128, 0, 128]);
}

fn blend(mode: &str, a: [f32; 4], b: [f32; 4], opacity: f32) -> [f32; 4] {
    let toml = format!(
        "output = \"c\"\n{}{}[c]\ntype = \"composite\"\ninputs = [\"a\", \"b\"]\nmode = \"{mode}\"\nopacity = {opacity}\n",
        solid("a", (8, 8), a),
        solid("b", (8, 8), b)
    );
    render_toml(&toml).at(4, 4)
}

/// A per-channel blend formula for opaque colours.
type Formula = fn(f32, f32) -> f32;

#[test]
fn blend_modes_follow_the_textbook_formulas() {
    let pairs = [
        ([0.2f32, 0.5, 0.8], [0.6f32, 0.3, 0.9]),
        ([0.9, 0.1, 0.45], [0.35, 0.75, 0.5]),
    ];
    let formulas: [(&str, Formula); 6] = [
        ("over", |_a, b| b),
        ("add", |a, b| (a + b).min(1.0)),
        ("multiply", |a, b| a * b),
        ("screen", |a, b| 1.0 - (1.0 - a) * (1.0 - b)),
        ("overlay", |a, b| {
            if a <= 0.5 {
                2.0 * a * b
            } else {
                1.0 - 2.0 * (1.0 - a) * (1.0 - b)
            }
        }),
        ("difference", |a, b| (a - b).abs()),
    ];
    for (a, b) in pairs {
        for (mode, f) in formulas {
            let got = blend(mode, [a[0], a[1], a[2], 1.0], [b[0], b[1], b[2], 1.0], 1.0);
            let want = [f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), 1.0];
            assert_close(got, want, F16, mode);
        }
    }
}

#[test]
fn add_clamps_at_one_and_opacity_scales_the_layer() {
    let got = blend("add", [0.7, 0.2, 0.9, 1.0], [0.6, 0.3, 0.4, 1.0], 1.0);
    assert_close(got, [1.0, 0.5, 1.0, 1.0], F16, "add clamps");
    // Over with opacity t: a + t (b - a).
    let got = blend("over", [0.2, 0.4, 0.6, 1.0], [1.0, 0.0, 0.2, 1.0], 0.25);
    assert_close(got, [0.4, 0.3, 0.5, 1.0], F16, "over opacity");
    // Multiply at half opacity: a (1 - t) + t (a b).
    let got = blend("multiply", [0.8, 0.5, 1.0, 1.0], [0.5, 0.5, 0.5, 1.0], 0.5);
    assert_close(got, [0.6, 0.375, 0.75, 1.0], F16, "multiply opacity");
}

#[test]
fn over_with_a_transparent_layer_is_porter_duff() {
    // Layer colour c at alpha t over opaque a: c t + a (1 - t).
    let got = blend("over", [0.2, 0.4, 0.6, 1.0], [1.0, 0.0, 0.0, 0.5], 1.0);
    assert_close(got, [0.6, 0.2, 0.3, 1.0], F16, "over alpha");
}

fn blur_of(
    source: &str,
    radius: f32,
    axes: &str,
) -> (vivid::readback::FloatImage, vivid::readback::FloatImage) {
    let toml = |out: &str| {
        format!(
            "output = \"{out}\"\n{source}\n[b]\ntype = \"blur\"\ninput = \"src\"\nradius = {radius}\naxes = \"{axes}\"\n"
        )
    };
    (render_toml(&toml("src")), render_toml(&toml("b")))
}

#[test]
fn blur_leaves_a_uniform_image_unchanged_borders_included() {
    for radius in [0.0, 1.5, 6.0, 40.0] {
        let (_, out) = blur_of(
            &solid("src", (97, 61), [0.3, 0.6, 0.9, 1.0]),
            radius,
            "both",
        );
        for (i, p) in out.pixels.iter().enumerate() {
            assert_close(
                *p,
                [0.3, 0.6, 0.9, 1.0],
                F16,
                &format!("radius {radius}, pixel {i}"),
            );
        }
    }
}

#[test]
fn blur_keeps_the_mean_of_any_image() {
    let noise = "[src]\ntype = \"noise\"\nsize = [128, 96]\nscale = 6\noctaves = 3\nseed = 3\n";
    // Direct path (exact up to f16 storage) and pyramid path (resampling error).
    for (radius, tol) in [(2.0, 1e-3), (3.5, 1e-3), (12.0, 4e-3), (30.0, 6e-3)] {
        let (src, out) = blur_of(noise, radius, "both");
        let (m0, m1) = (src.mean(), out.mean());
        for c in 0..3 {
            assert!(
                (m0[c] - m1[c]).abs() < tol,
                "radius {radius}: mean {} -> {}",
                m0[c],
                m1[c]
            );
        }
        // And it really blurred: the variance across pixels dropped.
        let var = |img: &vivid::readback::FloatImage, m: f64| {
            img.pixels
                .iter()
                .map(|p| (f64::from(p[0]) - m).powi(2))
                .sum::<f64>()
                / img.pixels.len() as f64
        };
        if radius > 0.0 {
            assert!(
                var(&out, m1[0]) < var(&src, m0[0]) * 0.8,
                "radius {radius} did not blur"
            );
        }
    }
}

#[test]
fn blur_of_an_image_narrower_than_its_kernel_mirrors_it_over_and_over() {
    // Sigma 2.9 (the direct path) takes taps 9 pixels out: on a 3-pixel-wide image the
    // compute passes must reflect the image as often as the render passes' mirror-repeat
    // sampler does (`render_toml` compares the two modes).
    let src = "[src]\ntype = \"gradient\"\nsize = [3, 2]\ncolor_a = [0, 0, 0, 1]\ncolor_b = [1, 1, 1, 1]\n";
    for axes in ["horizontal", "both"] {
        let (input, out) = blur_of(src, 2.9, axes);
        // Mirrored over and over, the row is periodic (period 6: 0 1 2 2 1 0): its
        // convolution with the sampled Gaussian (here untruncated, to ±12: vivid's stops at
        // 3 sigma, within 0.6 % of the peak), summed over that reflection. (The
        // gradient is constant down a column, so the vertical pass changes nothing.)
        let row: Vec<f64> = (0..3).map(|x| f64::from(input.at(x, 0)[0])).collect();
        let reflect = |i: i64| {
            let k = i.rem_euclid(6);
            row[usize::try_from(if k < 3 { k } else { 5 - k }).unwrap()]
        };
        let w = |t: i64| (-((t * t) as f64) / (2.0 * 2.9 * 2.9)).exp();
        let total: f64 = (-12..=12).map(w).sum();
        for y in 0..out.height {
            for x in 0..out.width {
                let want: f64 = (-12..=12)
                    .map(|t| w(t) * reflect(i64::from(x) + t))
                    .sum::<f64>()
                    / total;
                let got = f64::from(out.at(x, y)[0]);
                assert!(
                    (got - want).abs() < 0.01,
                    "{axes}: pixel ({x}, {y}) {got}, the periodic reflection's blur {want}"
                );
            }
        }
        // And it mixed the row: the ends came towards each other.
        assert!(out.at(2, 0)[0] - out.at(0, 0)[0] < 0.5 * (row[2] - row[0]) as f32);
    }
}

/// Variance of the red channel along row `y`, as a distribution over x.
fn row_variance(img: &vivid::readback::FloatImage, y: u32) -> f64 {
    let w: Vec<f64> = (0..img.width).map(|x| f64::from(img.at(x, y)[0])).collect();
    let total: f64 = w.iter().sum();
    let mean = w.iter().enumerate().map(|(x, v)| x as f64 * v).sum::<f64>() / total;
    w.iter()
        .enumerate()
        .map(|(x, v)| (x as f64 - mean).powi(2) * v)
        .sum::<f64>()
        / total
}

#[test]
fn blur_radius_is_the_gaussian_sigma_in_pixels() {
    // Convolving with a Gaussian of sigma s adds s² to the variance of any profile: a thin
    // vertical bar, blurred horizontally, measured along a row.
    let bar = "[src]\ntype = \"shape\"\nsize = [400, 8]\nkind = \"rect\"\nshape_size = [0.5, 4]\ncolor = [1, 1, 1]\n";
    for (sigma, rel) in [(1.0f64, 0.02), (2.9, 0.02), (10.0, 0.02)] {
        let (src, out) = blur_of(bar, sigma as f32, "horizontal");
        let added = row_variance(&out, 4) - row_variance(&src, 4);
        assert!(
            ((added - sigma * sigma) / (sigma * sigma)).abs() < rel,
            "sigma {sigma}: added variance {added}"
        );
    }
    // The pyramid path (both axes, large sigma) is compensated for its resampling.
    let square = "[src]\ntype = \"shape\"\nsize = [512, 512]\nkind = \"rect\"\nshape_size = [0.02, 0.02]\ncolor = [1, 1, 1]\n";
    for sigma in [12.0f64, 24.0] {
        let (src, out) = blur_of(square, sigma as f32, "both");
        let added = row_variance(&out, 256) - row_variance(&src, 256);
        assert!(
            ((added - sigma * sigma) / (sigma * sigma)).abs() < 0.08,
            "pyramid sigma {sigma}: added {added}"
        );
    }
}

#[test]
fn gradient_ends_are_its_colours() {
    let a = [0.9f32, 0.2, 0.1, 1.0];
    let b = [0.1f32, 0.4, 0.8, 1.0];
    let g = |mode: &str, angle: f32| {
        render_toml(&format!(
            "[g]\ntype = \"gradient\"\nsize = [200, 100]\nmode = \"{mode}\"\nangle = {angle}\ncolor_a = {a:?}\ncolor_b = {b:?}\n"
        ))
    };
    // Linear, angle 0: colour_a at the left edge, colour_b at the right; one pixel's worth
    // of slope at the pixel centres.
    let img = g("linear", 0.0);
    let slope = 1.0 / 200.0;
    assert_close(img.at(0, 50), a, 0.8 * slope + F16, "left edge");
    assert_close(img.at(199, 50), b, 0.8 * slope + F16, "right edge");
    assert_close(
        img.at(100, 10),
        [0.5, 0.3, 0.45, 1.0],
        0.01,
        "middle is the mean",
    );
    // Angle 90: colour_a at the bottom (y up), colour_b at the top.
    let img = g("linear", 90.0);
    assert_close(img.at(10, 99), a, 0.02, "bottom");
    assert_close(img.at(10, 0), b, 0.02, "top");
    // Radial: colour_a at the centre.
    let img = g("radial", 0.0);
    assert_close(img.at(100, 50), a, 0.03, "centre");
    assert_close(img.at(0, 0), b, F16, "corner clamps to colour_b");
}

#[test]
fn a_smooth_gradient_follows_smoothstep() {
    // Black to white left to right: at pixel x the linear t is (x + 0.5) / 200, and
    // `ease = "smooth"` shows 3t² − 2t³.
    let img = render_toml(
        "[g]\ntype = \"gradient\"\nsize = [200, 4]\nease = \"smooth\"\ncolor_a = [0, 0, 0, 1]\ncolor_b = [1, 1, 1, 1]\n",
    );
    for x in [0u32, 25, 50, 100, 150, 199] {
        let t = (x as f32 + 0.5) / 200.0;
        let s = t * t * (3.0 - 2.0 * t);
        assert_close(img.at(x, 2), [s, s, s, 1.0], 2.0 * F16, &format!("x {x}"));
    }
}

/// Sum of alpha = covered area in pixels.
fn area(kind: &str, extra: &str) -> f64 {
    let img = render_toml(&format!(
        "[s]\ntype = \"shape\"\nsize = [400, 400]\nkind = \"{kind}\"\nshape_size = 0.5\n{extra}\n"
    ));
    img.pixels.iter().map(|p| f64::from(p[3])).sum()
}

#[test]
fn shape_areas_match_geometry() {
    use std::f64::consts::PI;
    // shape_size 0.5 of a 400 px image: a 200 px box, radius R = 100 px.
    let r = 100.0f64;
    let polygon = |n: f64| n / 2.0 * r * r * (2.0 * PI / n).sin();
    let cases = [
        ("circle", "", PI * r * r),
        ("rect", "", 4.0 * r * r),
        ("triangle", "", polygon(3.0)),
        ("polygon", "sides = 6", polygon(6.0)),
        ("polygon", "sides = 12", polygon(12.0)),
        ("ring", "inner = 0.5", PI * (r * r - 0.25 * r * r)),
        // A star of n points, tips at R, inner vertices at k R: 2n triangles.
        (
            "star",
            "sides = 5\ninner = 0.5",
            5.0 * r * r * 0.5 * (PI / 5.0).sin(),
        ),
    ];
    for (kind, extra, want) in cases {
        let got = area(kind, extra);
        assert!(
            (got - want).abs() / want < 0.01,
            "{kind} {extra}: area {got}, expected {want}"
        );
    }
}

#[test]
fn colour_identities_hold() {
    let base = "[src]\ntype = \"gradient\"\nsize = [64, 8]\ncolor_a = [0.9, 0.3, 0.1]\ncolor_b = [0.2, 0.5, 0.95]\n";
    let with = |filter: &str| {
        let src = render_toml(&format!(
            "output = \"src\"\n{base}\n[f]\ntype = \"{filter}\"\ninput = \"src\"\n"
        ));
        let out = render_toml(&format!(
            "output = \"f\"\n{base}\n[f]\ntype = \"{filter}\"\ninput = \"src\"\n"
        ));
        (src, out)
    };
    for filter in ["levels", "hsv", "transform"] {
        let (src, out) = with(filter);
        for (a, b) in src.pixels.iter().zip(&out.pixels) {
            assert_close(
                *b,
                *a,
                3e-3,
                &format!("{filter} at defaults is the identity"),
            );
        }
    }
    let one = |filter_params: &str, c: [f32; 4]| {
        render_toml(&format!(
            "output = \"f\"\n{}\n[f]\ninput = \"src\"\n{filter_params}\n",
            solid("src", (4, 4), c)
        ))
        .at(1, 1)
    };
    // Gamma 0.5 squares; contrast 0 is mid-grey; invert is 1 - c.
    assert_close(
        one("type = \"levels\"\ngamma = 0.5", [0.5, 0.25, 0.8, 1.0]),
        [0.25, 0.0625, 0.64, 1.0],
        F16,
        "gamma",
    );
    assert_close(
        one("type = \"levels\"\ncontrast = 0", [0.9, 0.1, 0.3, 1.0]),
        [0.5, 0.5, 0.5, 1.0],
        F16,
        "contrast 0",
    );
    assert_close(
        one("type = \"levels\"\ninvert = true", [0.9, 0.1, 0.3, 1.0]),
        [0.1, 0.9, 0.7, 1.0],
        F16,
        "invert",
    );
    // Hue +120° takes red to green and green to blue; saturation 0 gives grey = max.
    assert_close(
        one("type = \"hsv\"\nhue_shift = 120", [1.0, 0.0, 0.0, 1.0]),
        [0.0, 1.0, 0.0, 1.0],
        F16,
        "red->green",
    );
    assert_close(
        one("type = \"hsv\"\nhue_shift = 120", [0.0, 0.8, 0.0, 1.0]),
        [0.0, 0.0, 0.8, 1.0],
        F16,
        "green->blue",
    );
    assert_close(
        one("type = \"hsv\"\nsaturation = 0", [0.6, 0.2, 0.4, 1.0]),
        [0.6, 0.6, 0.6, 1.0],
        F16,
        "grey",
    );
    // Colour filters keep alpha and work on straight colour.
    assert_close(
        one("type = \"hsv\"\nhue_shift = 120", [1.0, 0.0, 0.0, 0.5]),
        [0.0, 0.5, 0.0, 0.5],
        F16,
        "alpha kept",
    );
}

#[test]
fn transform_moves_and_rotates_like_the_math_says() {
    // A half-width translation of a left-to-right ramp shifts it right by half the image.
    let base =
        "[g]\ntype = \"gradient\"\nsize = [100, 10]\ncolor_a = [0, 0, 0]\ncolor_b = [1, 1, 1]\n";
    let img = render_toml(&format!(
        "output = \"t\"\n{base}\n[t]\ntype = \"transform\"\ninput = \"g\"\ntranslate = [0.5, 0]\nextend = \"transparent\"\n"
    ));
    assert_eq!(img.at(20, 5), [0.0; 4], "uncovered is transparent");
    // Output x = 75.5 px came from x = 25.5 px, whose ramp value is 25.5/100.
    assert_close(
        img.at(75, 5),
        [0.255, 0.255, 0.255, 1.0],
        F16,
        "shifted ramp",
    );
    // 180° about the centre reverses the ramp.
    let img = render_toml(&format!(
        "output = \"t\"\n{base}\n[t]\ntype = \"transform\"\ninput = \"g\"\nrotate = 180\n"
    ));
    assert_close(
        img.at(10, 5),
        [0.895, 0.895, 0.895, 1.0],
        F16,
        "rotated ramp",
    );
}

#[test]
fn feedback_sums_a_geometric_series() {
    // Input c, blend add, decay d: after n frames v = c (1 - d^n) / (1 - d).
    let (c, d) = (0.1f64, 0.5f64);
    let toml = format!(
        "output = \"fb\"\n{}\n[fb]\ntype = \"feedback\"\ninput = \"s\"\ndecay = {d}\nblend = \"add\"\n",
        solid("s", (16, 16), [c as f32, c as f32, c as f32, 1.0])
    );
    for n in [1u64, 2, 5] {
        let mut engine = common::engine();
        engine.set_chain(&common::desc(&toml)).unwrap();
        let img = common::render(&mut engine, n, 60.0);
        let want = (c * (1.0 - d.powi(n as i32)) / (1.0 - d)) as f32;
        assert_close(
            img.at(8, 8),
            [want, want, want, 1.0],
            F16,
            &format!("frame {n}"),
        );
    }
}

#[test]
fn noise_is_deterministic_in_range_and_seeded() {
    let noise = |extra: &str| {
        render_toml(&format!(
            "[n]\ntype = \"noise\"\nsize = [64, 48]\nscale = 5\n{extra}\n"
        ))
    };
    for kind in ["perlin", "simplex", "worley", "value"] {
        let a = noise(&format!("kind = \"{kind}\""));
        let b = noise(&format!("kind = \"{kind}\""));
        assert_eq!(a, b, "{kind} is deterministic");
        let (lo, hi) = a
            .pixels
            .iter()
            .fold((1f32, 0f32), |(lo, hi), p| (lo.min(p[0]), hi.max(p[0])));
        assert!(
            lo >= 0.0 && hi <= 1.0 && hi - lo > 0.2,
            "{kind}: range {lo}..{hi}"
        );
        assert!(
            a.pixels
                .iter()
                .all(|p| p[3] == 1.0 && p[0] == p[1] && p[1] == p[2]),
            "{kind}: opaque grey"
        );
        let c = noise(&format!("kind = \"{kind}\"\nseed = 42"));
        assert_ne!(a, c, "{kind}: seed changes the pattern");
    }
}

/// `lattice_hash` of shaders/operators/noise.wgsl, in Rust (u32 arithmetic wraps there too).
fn lattice_hash(cell: [i32; 3], seed: u32) -> u32 {
    let [cx, cy, cz] = cell.map(i32::cast_unsigned);
    let mut h = cx.wrapping_mul(0x8da6_b343)
        ^ cy.wrapping_mul(0xd816_3841)
        ^ cz.wrapping_mul(0xcb1a_b31f)
        ^ seed.wrapping_mul(0x9e37_79b9);
    h = (h ^ (h >> 16)).wrapping_mul(0x7feb_352d);
    h = (h ^ (h >> 15)).wrapping_mul(0x846c_a68b);
    h ^ (h >> 16)
}

/// The feature point of lattice cell `c`: the cell's corner plus a jitter in 0..1 per axis
/// from 11, 11 and 10 bits of its hash (as the shader's `worley_cell`).
#[expect(
    clippy::cast_precision_loss,
    reason = "11-bit values and cell indices far below 2^24 are exact in f32"
)]
fn worley_point(c: [i32; 3], seed: u32) -> [f32; 3] {
    let h = lattice_hash(c, seed);
    let j = [
        (h & 2047) as f32 / 2047.0,
        ((h >> 11) & 2047) as f32 / 2047.0,
        (h >> 22) as f32 / 1023.0,
    ];
    [0, 1, 2].map(|a| c[a] as f32 + j[a])
}

/// F1 at `p` by brute force over all 27 cells around it, and whether the nearest point lies
/// outside the 8 cells of the octant nearest to `p` (a 2x2x2 search would miss it).
fn worley_f1(p: [f32; 3], seed: u32) -> (f32, bool) {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "test coordinates are small: the floor fits an i32"
    )]
    let i = p.map(|v| v.floor() as i32);
    let mut best = (f32::INFINITY, false);
    for dz in -1..=1 {
        for dy in -1..=1 {
            for dx in -1..=1 {
                let d = [dx, dy, dz];
                let q = worley_point([i[0] + dx, i[1] + dy, i[2] + dz], seed);
                let dist = (0..3).map(|a| (q[a] - p[a]).powi(2)).sum::<f32>().sqrt();
                // The near octant: the home cell and the neighbours toward the nearer face.
                let far = (0..3).any(|a| {
                    let toward = if p[a] - p[a].floor() < 0.5 { -1 } else { 1 };
                    d[a] != 0 && d[a] != toward
                });
                if dist < best.0 {
                    best = (dist, far);
                }
            }
        }
    }
    best
}

/// Worley F1 is the distance to the nearest of the 27 cells' feature points: the shader's
/// pixels (one octave, so the grey level is min(F1, 1)) against a brute-force search in Rust
/// from the same hash. Fails for a search that misses cells (e.g. 2x2x2), since the
/// sample holds pixels whose nearest point lies outside the near octant, checked below.
#[test]
#[expect(
    clippy::cast_precision_loss,
    reason = "pixel coordinates of a small image are exact in f32"
)]
fn worley_is_the_nearest_feature_point_of_27_cells() {
    let (w, h) = (96u32, 64u32);
    for (seed, scale, offset) in [
        (5u32, 3.0f32, [-2.37f32, 1.61, 0.43]),
        (0, 2.5, [40.2, -17.9, 1000.3]),
    ] {
        let img = render_toml(&format!(
            "[n]\ntype = \"noise\"\nsize = [{w}, {h}]\nkind = \"worley\"\noctaves = 1\n\
             scale = {scale}\nspeed = 0\nseed = {seed}\noffset = [{}, {}, {}]\n",
            offset[0], offset[1], offset[2]
        ));
        let aspect = w as f32 / h as f32;
        let (mut outside, mut missed_by_octant) = (0, 0);
        for y in 0..h {
            for x in 0..w {
                // The shader's noise-space point of the pixel centre (user space is y up).
                let ux = (x as f32 + 0.5) / w as f32;
                let uy = 1.0 - (y as f32 + 0.5) / h as f32;
                let p = [
                    ux * aspect * scale + offset[0],
                    uy * scale + offset[1],
                    offset[2],
                ];
                let (f1, far) = worley_f1(p, seed);
                let want = f1.min(1.0);
                assert_close(
                    img.at(x, y),
                    [want, want, want, 1.0],
                    F16,
                    &format!("seed {seed}, pixel ({x}, {y}), p {p:?}"),
                );
                if far {
                    outside += 1;
                    // What the near octant alone would give, if it is visibly wrong.
                    let octant = worley_octant_f1(p, seed).min(1.0);
                    if octant - want > 10.0 * F16 {
                        missed_by_octant += 1;
                    }
                }
            }
        }
        // The sample discriminates: a 2x2x2 search would be visibly wrong somewhere.
        assert!(
            outside > 20 && missed_by_octant > 10,
            "seed {seed}: {outside} pixels nearest outside the octant, {missed_by_octant} visibly"
        );
    }
}

/// F1 over the 8 cells of the octant nearest to `p` only (what a 2x2x2 search finds).
fn worley_octant_f1(p: [f32; 3], seed: u32) -> f32 {
    #[expect(
        clippy::cast_possible_truncation,
        reason = "test coordinates are small: the floor fits an i32"
    )]
    let i = p.map(|v| v.floor() as i32);
    let toward = [0, 1, 2].map(|a| if p[a] - p[a].floor() < 0.5 { -1 } else { 1 });
    let mut best = f32::INFINITY;
    for k in 0..8 {
        let c = [0, 1, 2].map(|a| i[a] + if k >> a & 1 == 1 { toward[a] } else { 0 });
        let q = worley_point(c, seed);
        best = best.min((0..3).map(|a| (q[a] - p[a]).powi(2)).sum::<f32>().sqrt());
    }
    best
}
