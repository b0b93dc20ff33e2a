//! The colour operators against answers computed here, not by them: input pixels come from
//! a PNG the test writes (exact 8-bit values through `image`), and each expected pixel is
//! the operator's documented formula evaluated in f64 — threshold and posterize values,
//! `channel_mix` as a matrix product, colorize through the textbook HSL sectors, the keys'
//! transparent key and opaque far colours, `gradient_map` and lookup reproducing their ramp,
//! invert twice as the identity (fused and not). Every chain runs as render and as
//! compute passes, which must agree.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate; formulas use their textbook letters"
)]

mod common;

use std::fmt::Write as _;
use std::io::Cursor;

use common::assert_close;

/// `Rgba16Float` holds 11 significant bits: values in 0..1 are exact to ~5e-4.
const F16: f32 = 2e-3;

/// A PNG of one row of straight 8-bit pixels.
fn png_row(pixels: &[[u8; 4]]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(pixels.len() as u32, 1, |x, _| {
        image::Rgba(pixels[x as usize])
    });
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// Straight 0..1 values of an 8-bit pixel.
fn straight(p: [u8; 4]) -> [f64; 4] {
    p.map(|c| f64::from(c) / 255.0)
}

/// `x` rounded to the 11 significant bits of an `f16` (normal numbers).
fn f16(x: f64) -> f64 {
    if x == 0.0 {
        return 0.0;
    }
    let quantum = 2f64.powi(x.abs().log2().floor() as i32 - 10);
    (x / quantum).round() * quantum
}

/// The straight colour an operator reads for an 8-bit pixel of an `image`: stored
/// premultiplied in `Rgba16Float`, un-premultiplied in the shader.
fn stored(p: [u8; 4]) -> [f64; 4] {
    let s = straight(p);
    let a = f16(s[3]);
    if a == 0.0 {
        return [0.0; 4];
    }
    [
        f16(s[0] * s[3]) / a,
        f16(s[1] * s[3]) / a,
        f16(s[2] * s[3]) / a,
        a,
    ]
}

/// Premultiplied `f32` of a straight colour.
fn pm(c: [f64; 4]) -> [f32; 4] {
    [
        (c[0] * c[3]) as f32,
        (c[1] * c[3]) as f32,
        (c[2] * c[3]) as f32,
        c[3] as f32,
    ]
}

/// Renders `chain` (showing `out`) in a project folder holding `files`, as render and as
/// compute passes (they must agree), with fusion on or off; returns the pixels.
fn render_project(chain: &str, files: &[(&str, &[u8])], fuse: bool) -> vivid::FloatImage {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    let [a, b] = common::MODES.map(|mode| {
        let mut e = common::engine_in(mode);
        e.set_fusion(fuse);
        e.load_project(dir.path(), &[])
            .unwrap_or_else(|err| panic!("{err}"));
        common::render(&mut e, 1, 60.0)
    });
    common::assert_images_close(&a, &b, F16, "render vs compute passes");
    a
}

/// `ops` (TOML tables, the last shown being `[out]`) applied to one row of `pixels` given
/// by `[src]`, an image of them.
fn apply(ops: &str, pixels: &[[u8; 4]]) -> Vec<[f32; 4]> {
    let chain = format!("output = \"out\"\n[src]\ntype = \"image\"\npath = \"src.png\"\n{ops}");
    render_project(&chain, &[("src.png", &png_row(pixels))], true).pixels
}

/// One operator of `type` with `params` on `[src]`.
fn apply_op(ty: &str, params: &str, pixels: &[[u8; 4]]) -> Vec<[f32; 4]> {
    apply(
        &format!("[out]\ntype = \"{ty}\"\ninput = \"src\"\n{params}\n"),
        pixels,
    )
}

/// Checks every pixel against `expected(straight input as the operator reads it)` (a
/// straight colour).
#[track_caller]
fn check(
    got: &[[f32; 4]],
    pixels: &[[u8; 4]],
    expected: impl Fn([f64; 4]) -> [f64; 4],
    what: &str,
) {
    for (i, (g, p)) in got.iter().zip(pixels).enumerate() {
        assert_close(
            *g,
            pm(expected(stored(*p))),
            F16,
            &format!("{what}: pixel {i} {p:?}"),
        );
    }
}

const LUMA: [f64; 3] = [0.2126, 0.7152, 0.0722];

fn luma(c: [f64; 4]) -> f64 {
    c[0] * LUMA[0] + c[1] * LUMA[1] + c[2] * LUMA[2]
}

fn smoothstep(a: f64, b: f64, x: f64) -> f64 {
    let t = ((x - a) / (b - a)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn mix(a: [f64; 4], b: [f64; 4], t: f64) -> [f64; 4] {
    std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
}

/// Varied pixels: greys around the middle, primaries, a transparent one and
/// semi-transparent ones.
const VARIED: [[u8; 4]; 10] = [
    [0, 0, 0, 255],
    [127, 127, 127, 255],
    [128, 128, 128, 255],
    [255, 255, 255, 255],
    [255, 0, 0, 255],
    [30, 200, 90, 255],
    [200, 40, 160, 128],
    [90, 90, 240, 51],
    [0, 0, 0, 0],
    [250, 130, 10, 255],
];

#[test]
fn threshold_is_a_step_at_the_level_and_a_smoothstep_with_softness() {
    let low = [0.2, 0.4, 0.6, 1.0];
    let high = [1.0, 0.5, 0.0, 0.8];
    let params = "level = 0.5\nlow = [0.2, 0.4, 0.6]\nhigh = [1, 0.5, 0, 0.8]";
    let got = apply_op("threshold", params, &VARIED);
    // 127/255 is below one half, 128/255 at or above.
    check(
        &got,
        &VARIED,
        |s| {
            let c = if luma(s) >= 0.5 { high } else { low };
            [c[0], c[1], c[2], c[3] * s[3]]
        },
        "hard",
    );
    assert_close(got[1], pm(low), F16, "127 is low");
    assert_close(got[2], pm(high), F16, "128 is high");
    let got = apply_op("threshold", &format!("{params}\nsoftness = 0.4"), &VARIED);
    check(
        &got,
        &VARIED,
        |s| {
            // Interpolated premultiplied: the straight result of mixing premultiplied colours.
            let f = smoothstep(0.3, 0.7, luma(s));
            let (pl, ph) = (pm(low), pm(high));
            let m: [f64; 4] = std::array::from_fn(|i| {
                f64::from(pl[i]) + (f64::from(ph[i]) - f64::from(pl[i])) * f
            });
            let a = m[3];
            [m[0] / a, m[1] / a, m[2] / a, a * s[3]]
        },
        "soft",
    );
    // One channel: pure red has luminance 0.21 but red 1.
    let got = apply_op(
        "threshold",
        &format!("{params}\nchannel = \"red\""),
        &VARIED,
    );
    check(
        &got,
        &VARIED,
        |s| {
            let c = if s[0] >= 0.5 { high } else { low };
            [c[0], c[1], c[2], c[3] * s[3]]
        },
        "red",
    );
    // Alpha: the chosen colour's alpha only.
    let got = apply_op(
        "threshold",
        &format!("{params}\nchannel = \"alpha\""),
        &VARIED,
    );
    check(
        &got,
        &VARIED,
        |s| if s[3] >= 0.5 { high } else { low },
        "alpha",
    );
}

/// `n` equal bins of 0..1, each its level: the documented posterize of one channel.
fn posterized(v: f64, n: f64, gamma: f64) -> f64 {
    let v = v.clamp(0.0, 1.0).powf(1.0 / gamma);
    let q = (v * n).floor().min(n - 1.0) / (n - 1.0);
    q.powf(gamma)
}

#[test]
fn posterize_gives_the_levels_of_equal_bins() {
    let greys: Vec<[u8; 4]> = (0..=255)
        .step_by(5)
        .map(|k| [k, 255 - k, k / 2, 255])
        .collect();
    // Level counts prime to 255: no 8-bit value sits on a bin's edge (k n / 255 is never
    // within 1/255 of an integer but at 0 and 1), far more than the f16 rounding.
    let got = apply_op("posterize", "levels = [4, 2, 7]", &greys);
    check(
        &got,
        &greys,
        |s| {
            [
                posterized(s[0], 4.0, 1.0),
                posterized(s[1], 2.0, 1.0),
                posterized(s[2], 7.0, 1.0),
                s[3],
            ]
        },
        "levels",
    );
    // Exact values: 4 levels are 0, 1/3, 2/3, 1; 0.25 (64/255 = 0.251) starts the second.
    let row = [[63, 64, 191, 255], [192, 255, 0, 255]];
    let got = apply_op("posterize", "levels = 4", &row);
    assert_close(got[0], [0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0], F16, "bins");
    assert_close(got[1], [1.0, 1.0, 0.0, 1.0], F16, "bins");
    // (Each of VARIED's values is at least 0.05 of a bin from an edge here.)
    let got = apply_op("posterize", "levels = 5\ngamma = 2.2", &VARIED);
    check(
        &got,
        &VARIED,
        |s| {
            [
                posterized(s[0], 5.0, 2.2),
                posterized(s[1], 5.0, 2.2),
                posterized(s[2], 5.0, 2.2),
                s[3],
            ]
        },
        "gamma",
    );
}

#[test]
fn channel_mix_is_the_matrix_product_plus_the_offset() {
    let m = [
        [0.2, 0.5, 0.1, 0.0],
        [0.0, 0.3, 0.6, 0.05],
        [0.7, -0.2, 0.1, 0.2],
        [0.1, 0.1, 0.1, 0.6],
    ];
    let offset = [0.05, -0.02, 0.1, 0.1];
    let params = format!(
        "red = {:?}\ngreen = {:?}\nblue = {:?}\nalpha = {:?}\noffset = {:?}",
        m[0], m[1], m[2], m[3], offset
    );
    let got = apply_op("channel_mix", &params, &VARIED);
    check(
        &got,
        &VARIED,
        |s| {
            let mut out = [0.0; 4];
            for (row, o) in m.iter().zip(&mut out) {
                *o = row.iter().zip(&s).map(|(w, x)| w * x).sum();
            }
            for (o, k) in out.iter_mut().zip(offset) {
                *o += k;
            }
            out[3] = out[3].clamp(0.0, 1.0);
            out
        },
        "M s + offset",
    );
    // Swapping red and blue, alpha from luminance.
    let got = apply_op(
        "channel_mix",
        "red = [0, 0, 1, 0]\nblue = [1, 0, 0, 0]\nalpha = [0.2126, 0.7152, 0.0722, 0]",
        &VARIED,
    );
    check(&got, &VARIED, |s| [s[2], s[1], s[0], luma(s)], "swap");
}

#[test]
fn invert_twice_is_the_identity_fused_or_not() {
    // With alpha inverted, an opaque pixel becomes transparent and its premultiplied colour
    // is gone: the identity holds where alpha is neither 0 nor 1 (and for any pixel when
    // only the colour is inverted).
    let partly: Vec<[u8; 4]> = VARIED
        .iter()
        .copied()
        .chain((1..=254).step_by(23).map(|a: u8| [a, 255 - a, 90, a]))
        .collect();
    for alpha in [false, true] {
        let pixels: Vec<[u8; 4]> = if alpha {
            partly
                .iter()
                .copied()
                .filter(|p| p[3] > 0 && p[3] < 255)
                .collect()
        } else {
            partly.clone()
        };
        for fuse in [true, false] {
            let chain = format!(
                "output = \"b\"\n[src]\ntype = \"image\"\npath = \"src.png\"\n[a]\ntype = \"invert\"\ninput = \"src\"\nalpha = {alpha}\n[b]\ntype = \"invert\"\ninput = \"a\"\nalpha = {alpha}\n"
            );
            let img = render_project(&chain, &[("src.png", &png_row(&pixels))], fuse);
            let what = format!("alpha {alpha}, fused {fuse}");
            check(&img.pixels, &pixels, |s| s, &what);
        }
        // Once: 1 - c on the straight colour.
        let got = apply_op("invert", &format!("alpha = {alpha}"), &VARIED);
        check(
            &got,
            &VARIED,
            |s| {
                [
                    1.0 - s[0],
                    1.0 - s[1],
                    1.0 - s[2],
                    if alpha { 1.0 - s[3] } else { s[3] },
                ]
            },
            "once",
        );
    }
}

/// HSL to RGB from the textbook's six hue sectors (a different construction from the
/// shader's).
fn hsl(h: f64, s: f64, l: f64) -> [f64; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h.rem_euclid(1.0) * 6.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    [r + m, g + m, b + m]
}

#[test]
fn tint_multiplies_and_colorize_gives_luminance_a_hue() {
    let got = apply_op(
        "tint",
        "color = [1, 0.5, 0.25, 0.8]\namount = 0.75",
        &VARIED,
    );
    check(
        &got,
        &VARIED,
        |s| {
            let t = [s[0], s[1] * 0.5, s[2] * 0.25, s[3] * 0.8];
            mix(s, t, 0.75)
        },
        "tint",
    );
    for (hue, sat) in [(30.0, 0.5), (200.0, 1.0), (-90.0, 0.25)] {
        let got = apply_op(
            "colorize",
            &format!("hue = {hue}\nsaturation = {sat}"),
            &VARIED,
        );
        check(
            &got,
            &VARIED,
            |s| {
                let [r, g, b] = hsl(hue / 360.0, sat, luma(s));
                [r, g, b, s[3]]
            },
            &format!("colorize {hue} {sat}"),
        );
    }
    // Half-way: the mean of the input and the colourised.
    let got = apply_op(
        "colorize",
        "hue = 120\nsaturation = 1\namount = 0.5",
        &VARIED,
    );
    check(
        &got,
        &VARIED,
        |s| {
            let [r, g, b] = hsl(1.0 / 3.0, 1.0, luma(s));
            mix(s, [r, g, b, s[3]], 0.5)
        },
        "colorize amount",
    );
}

/// BT.709 chroma (Cb, Cr).
fn chroma(c: [f64; 4]) -> [f64; 2] {
    let y = luma(c);
    [(c[2] - y) / 1.8556, (c[0] - y) / 1.5748]
}

#[test]
fn chroma_key_makes_the_key_transparent_and_far_colours_opaque() {
    let pixels = [
        [0, 255, 0, 255],     // the key
        [0, 128, 0, 255],     // the key in shadow: same hue, chroma half as far
        [255, 0, 0, 255],     // far
        [0, 0, 255, 255],     // far
        [255, 255, 255, 255], // grey: chroma 0
        [240, 200, 180, 255], // skin
        [0, 255, 0, 100],     // the key, semi-transparent
    ];
    let got = apply_op(
        "chroma_key",
        "color = [0, 1, 0]\nrange = 0.1\nsoftness = 0.1\nspill = 0",
        &pixels,
    );
    assert_eq!(got[0], [0.0; 4], "the key is transparent");
    assert_eq!(got[6], [0.0; 4]);
    for i in [2, 3, 4, 5] {
        let s = straight(pixels[i]);
        assert_close(got[i], pm(s), F16, &format!("pixel {i} is kept as it is"));
    }
    // The darker key: chroma distance to the key's is half the key's length (0.30), past
    // range + softness: kept. With a wider range it fades by the smoothstep.
    let key = chroma([0.0, 1.0, 0.0, 1.0]);
    let dark = chroma(straight(pixels[1]));
    let d = ((dark[0] - key[0]).powi(2) + (dark[1] - key[1]).powi(2)).sqrt();
    let got = apply_op(
        "chroma_key",
        "color = [0, 1, 0]\nrange = 0.2\nsoftness = 0.2\nspill = 0",
        &pixels,
    );
    let a = smoothstep(0.2, 0.4, d);
    assert_close(got[1], pm([0.0, 128.0 / 255.0, 0.0, a]), F16, "fading");
    // Spill: the chroma along the key's direction is taken out, luminance kept.
    let greenish = [[150, 200, 150, 255], [200, 90, 120, 255]];
    let got = apply_op("chroma_key", "color = [0, 1, 0]\nspill = 1", &greenish);
    for (g, p) in got.iter().zip(greenish) {
        let s = straight(p);
        let out = [f64::from(g[0]), f64::from(g[1]), f64::from(g[2]), 1.0];
        assert!(
            (luma(out) - luma(s)).abs() < 2e-3,
            "luminance kept: {g:?} from {p:?}"
        );
        let (c, k) = (chroma(out), chroma([0.0, 1.0, 0.0, 1.0]));
        let along = c[0] * k[0] + c[1] * k[1];
        let before = {
            let c = chroma(s);
            c[0] * k[0] + c[1] * k[1]
        };
        assert!(
            along.abs() < 2e-3 || (before < 0.0 && (along - before).abs() < 2e-3),
            "{p:?}: {before} -> {along}"
        );
    }
    assert!(
        got[0][1] < 200.0 / 255.0,
        "the green fringe lost green: {:?}",
        got[0]
    );
}

#[test]
fn luma_key_keys_out_below_low_and_keeps_the_rest() {
    let greys: Vec<[u8; 4]> = (0..=255).step_by(15).map(|k| [k, k, k, 255]).collect();
    let got = apply_op("luma_key", "low = 0.3\nhigh = 0.8\nsoftness = 0.1", &greys);
    check(
        &got,
        &greys,
        |s| {
            let l = luma(s);
            let below = if l >= 0.3 {
                1.0
            } else {
                1.0 - smoothstep(0.0, 0.1, 0.3 - l)
            };
            let above = if l <= 0.8 {
                1.0
            } else {
                1.0 - smoothstep(0.0, 0.1, l - 0.8)
            };
            [s[0], s[1], s[2], below * above]
        },
        "soft",
    );
    assert_eq!(got[0], [0.0; 4], "black is keyed out");
    assert_close(
        *got.last().unwrap(),
        [0.0; 4],
        F16,
        "white is past high + softness",
    );
    // The defaults: black goes, white stays.
    let got = apply_op("luma_key", "", &[[0, 0, 0, 255], [255, 255, 255, 255]]);
    assert_eq!(got[0], [0.0; 4]);
    assert_eq!(got[1], [1.0; 4]);
    let got = apply_op(
        "luma_key",
        "invert = true\nsoftness = 0",
        &[[0, 0, 0, 255], [255, 255, 255, 255]],
    );
    assert_eq!(got[0], [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(got[1], [0.0; 4]);
}

/// The ramp of `stops` (straight) at `positions`, at `t`: premultiplied linear
/// interpolation between the two stops around `t`.
fn ramp_at(stops: &[[f64; 4]], positions: &[f64], t: f64) -> [f32; 4] {
    let p = |i: usize| pm(stops[i]).map(f64::from);
    let k = positions.iter().take_while(|&&x| x <= t).count();
    let c = if k == 0 {
        p(0)
    } else if k == stops.len() {
        p(k - 1)
    } else {
        let f = (t - positions[k - 1]) / (positions[k] - positions[k - 1]);
        mix(p(k - 1), p(k), f)
    };
    c.map(|x| x as f32)
}

#[test]
fn gradient_map_of_a_grey_ramp_reproduces_the_stops() {
    let greys: Vec<[u8; 4]> = (0..=255).map(|k| [k, k, k, 255]).collect();
    // "#ff8000": 0x80 is 128/255.
    let stops = [
        [0.0, 0.0, 0.3, 1.0],
        [1.0, 128.0 / 255.0, 0.0, 1.0],
        [1.0, 1.0, 0.8, 0.5],
    ];
    let got = apply_op(
        "gradient_map",
        "stops = [[0, 0, 0.3], \"#ff8000\", [1, 1, 0.8, 0.5]]\npositions = [0, 0.3, 1]",
        &greys,
    );
    for (k, g) in got.iter().enumerate() {
        let want = ramp_at(&stops, &[0.0, 0.3, 1.0], k as f64 / 255.0);
        assert_close(*g, want, 3e-3, &format!("grey {k}"));
    }
    // The stops themselves: black, 0.3 (76.5: between greys 76 and 77) and white.
    assert_close(got[0], pm(stops[0]), F16, "first stop");
    assert_close(got[255], pm(stops[2]), F16, "last stop");
    // Without positions the stops are evenly spread; semi-transparent input scales alpha.
    let row = [[0, 0, 0, 255], [128, 128, 128, 255], [255, 255, 255, 128]];
    let got = apply_op(
        "gradient_map",
        "stops = [\"#ff0000\", \"#00ff00\", \"#0000ff\"]",
        &row,
    );
    assert_close(got[0], [1.0, 0.0, 0.0, 1.0], F16, "black: first");
    let t = 128.0 / 255.0;
    let want = ramp_at(
        &[
            [1.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0, 1.0],
            [0.0, 0.0, 1.0, 1.0],
        ],
        &[0.0, 0.5, 1.0],
        t,
    );
    assert_close(got[1], want, F16, "mid");
    assert_close(
        got[2],
        [0.0, 0.0, 128.0 / 255.0, 128.0 / 255.0],
        F16,
        "white, half transparent",
    );
    // Colours: their luminance (Rec. 709 weights) is the position along the ramp.
    let got = apply_op(
        "gradient_map",
        "stops = [\"#000000\", \"#ffffff\"]",
        &VARIED,
    );
    check(
        &got,
        &VARIED,
        |s| {
            let l = luma(s);
            [l, l, l, s[3]]
        },
        "luminance",
    );
}

#[test]
fn lookup_reads_the_table_along_its_row() {
    // A 3-pixel table red, green, blue: luminance 0, 0.5 and 1 hit their centres.
    let table = png_row(&[[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]]);
    let greys: Vec<[u8; 4]> = (0..=255).step_by(17).map(|k| [k, k, k, 255]).collect();
    let chain = "output = \"out\"\n[src]\ntype = \"image\"\npath = \"src.png\"\n[table]\ntype = \"image\"\npath = \"table.png\"\n[out]\ntype = \"lookup\"\ninputs = [\"src\", \"table\"]\n";
    let got = render_project(
        chain,
        &[("src.png", &png_row(&greys)), ("table.png", &table)],
        true,
    );
    let stops = [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 0.0, 1.0],
        [0.0, 0.0, 1.0, 1.0],
    ];
    for (g, p) in got.pixels.iter().zip(&greys) {
        let t = f64::from(p[0]) / 255.0;
        // Bilinear filtering of the GPU: its weights may be rounded to 1/256.
        assert_close(
            *g,
            ramp_at(&stops, &[0.0, 0.5, 1.0], t),
            6e-3,
            &format!("grey {}", p[0]),
        );
    }
}

/// A `.cube` of `size` whose entry at lattice point (r, g, b) — inputs spread over
/// `lo..hi` — is `f` of that input.
fn cube_text(size: u32, lo: f64, hi: f64, f: impl Fn([f64; 3]) -> [f64; 3]) -> String {
    let mut s = format!("# written by tests/ops_color.rs\nTITLE \"test\"\nLUT_3D_SIZE {size}\n");
    if (lo, hi) != (0.0, 1.0) {
        let _ = writeln!(s, "DOMAIN_MIN {lo} {lo} {lo}\nDOMAIN_MAX {hi} {hi} {hi}");
    }
    let at = |i: u32| lo + (hi - lo) * f64::from(i) / f64::from(size - 1);
    for b in 0..size {
        for g in 0..size {
            for r in 0..size {
                let [x, y, z] = f([at(r), at(g), at(b)]);
                let _ = writeln!(s, "{x:.7} {y:.7} {z:.7}");
            }
        }
    }
    s
}

/// `[src]`, a row of `pixels`, through a `lut` of `cube` with `extra` parameters.
fn apply_lut(cube: &str, extra: &str, pixels: &[[u8; 4]]) -> Vec<[f32; 4]> {
    let chain = format!(
        "output = \"out\"\n[src]\ntype = \"image\"\npath = \"src.png\"\n[out]\ntype = \"lut\"\ninput = \"src\"\npath = \"grade.cube\"\n{extra}\n"
    );
    render_project(
        &chain,
        &[
            ("src.png", &png_row(pixels)),
            ("grade.cube", cube.as_bytes()),
        ],
        true,
    )
    .pixels
}

fn many_colours() -> Vec<[u8; 4]> {
    let mut v: Vec<[u8; 4]> = VARIED.to_vec();
    v.extend(
        (0..=255)
            .step_by(15)
            .map(|k: u8| [k, 255 - k, k.wrapping_mul(7), 255]),
    );
    v
}

#[test]
fn an_identity_cube_of_any_size_is_the_identity() {
    let pixels = many_colours();
    for size in [2, 17, 33] {
        let got = apply_lut(&cube_text(size, 0.0, 1.0, |c| c), "", &pixels);
        check(&got, &pixels, |s| s, &format!("identity {size}"));
    }
    // A domain wider than 0..1 (DOMAIN_MIN / DOMAIN_MAX), still the identity on it.
    let got = apply_lut(&cube_text(5, -1.0, 2.0, |c| c), "", &pixels);
    check(&got, &pixels, |s| s, "identity on -1..2");
}

#[test]
fn a_cube_made_by_hand_swaps_red_and_blue() {
    // The eight corners, red fastest: the output is the input with r and b swapped.
    let by_hand = "LUT_3D_SIZE 2\n\
        0 0 0\n0 0 1\n0 1 0\n0 1 1\n\
        1 0 0\n1 0 1\n1 1 0\n1 1 1\n";
    let pixels = many_colours();
    let got = apply_lut(by_hand, "", &pixels);
    check(&got, &pixels, |s| [s[2], s[1], s[0], s[3]], "r <-> b");
    let got = apply_lut(by_hand, "amount = 0.25", &pixels);
    check(
        &got,
        &pixels,
        |s| mix(s, [s[2], s[1], s[0], s[3]], 0.25),
        "amount",
    );
    // A non-linear table: interpolation is trilinear between its points.
    let squares = cube_text(3, 0.0, 1.0, |c| c.map(|x| x * x));
    let got = apply_lut(&squares, "", &pixels);
    check(
        &got,
        &pixels,
        |s| {
            // Piecewise linear through 0, 0.25, 1 at 0, 0.5, 1.
            let f = |x: f64| {
                if x < 0.5 {
                    x * 0.5
                } else {
                    0.25 + (x - 0.5) * 1.5
                }
            };
            [f(s[0]), f(s[1]), f(s[2]), s[3]]
        },
        "trilinear",
    );
}

fn lut_frame(engine: &mut vivid::Engine, k: u64) -> vivid::FloatImage {
    engine.set_capture(true);
    engine
        .render(
            vivid::FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            vivid::Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap()
}

#[test]
fn a_malformed_cube_is_a_located_error_and_the_last_good_table_stays() {
    let pixels = many_colours();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("grade.cube");
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"out\"\n[src]\ntype = \"image\"\npath = \"src.png\"\n[out]\ntype = \"lut\"\ninput = \"src\"\npath = \"grade.cube\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src.png"), png_row(&pixels)).unwrap();
    let good = cube_text(2, 0.0, 1.0, |[r, g, b]| [b, g, r]);
    let bad: [(String, &str); 4] = [
        (
            good.replace("LUT_3D_SIZE 2", "LUT_3D_SIZE 1000"),
            "grade.cube:3:13",
        ),
        (
            good.replacen("1.0000000 0.0000000 0.0000000", "1.0 NaN 0.0", 1),
            "grade.cube:",
        ),
        (
            good.trim_end().rsplit_once('\n').unwrap().0.to_string(),
            "grade.cube:3:1",
        ),
        (format!("{good}0 0 0\n"), "grade.cube:12:1"),
    ];
    let messages = [
        "out of range 2..=256",
        "`NaN` is not a finite number",
        "needs 8 table rows",
        "more rows",
    ];
    // Broken from the start: the node's error, at the line and column in the file.
    for ((text, place), message) in bad.iter().zip(messages) {
        std::fs::write(&file, text).unwrap();
        let mut engine = common::engine();
        engine.load_project(dir.path(), &[]).unwrap();
        lut_frame(&mut engine, 0);
        let errors = engine.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].node, "out");
        assert!(
            errors[0].message.contains(place) && errors[0].message.contains(message),
            "{place} {message}: {}",
            errors[0].message
        );
        assert_eq!(engine.gpu().errors().count(), 0);
    }
    // While running: a broken save keeps the last good table; the fix is applied.
    std::fs::write(&file, &good).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let before = lut_frame(&mut engine, 0);
    check(
        &before.pixels,
        &pixels,
        |s| [s[2], s[1], s[0], s[3]],
        "good",
    );
    for (k, ((text, place), _)) in bad.iter().zip(messages).enumerate() {
        std::fs::write(&file, text).unwrap();
        engine.files_changed(std::slice::from_ref(&file));
        assert_eq!(
            lut_frame(&mut engine, k as u64 + 1),
            before,
            "the last good table stays"
        );
        let errors = engine.errors();
        assert!(
            errors.len() == 1 && errors[0].message.contains(place),
            "{errors:?}"
        );
    }
    std::fs::write(&file, cube_text(2, 0.0, 1.0, |c| c)).unwrap();
    engine.files_changed(std::slice::from_ref(&file));
    let fixed = lut_frame(&mut engine, 9);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    check(&fixed.pixels, &pixels, |s| s, "fixed");
    // Not a .cube, or missing: chain errors at the value.
    for (path, expect) in [
        ("src.png", "is not a 3D LUT file (.cube)"),
        ("gone.cube", "no 3D LUT file"),
    ] {
        let mut d = common::desc(&format!(
            "output = \"out\"\n[src]\ntype = \"solid\"\n[out]\ntype = \"lut\"\ninput = \"src\"\npath = \"{path}\"\n"
        ));
        d.sources[0].0 = dir.path().join("chain.toml");
        let err = engine.set_chain(&d).unwrap_err().to_string();
        assert!(
            err.contains(expect) && err.contains("chain.toml:7:8"),
            "{err}"
        );
    }
}

#[test]
fn a_lut_prepares_once_and_steady_frames_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"out\"\n[src]\ntype = \"gradient\"\nsize = [32, 16]\n[out]\ntype = \"lut\"\ninput = \"src\"\npath = \"grade.cube\"\namount = \"0.5 + 0.5 * sin(time)\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("grade.cube"),
        cube_text(17, 0.0, 1.0, |c| c.map(f64::sqrt)),
    )
    .unwrap();
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        common::render(&mut engine, 3, 60.0);
        let created = engine.gpu().counts().total_created();
        common::render(&mut engine, 30, 60.0);
        assert_eq!(engine.gpu().counts().total_created(), created, "{mode:?}");
    }
}

#[test]
fn the_pointwise_colour_operators_fuse_into_one_pass_that_looks_like_them_one_by_one() {
    let ops = [
        (
            "gradient_map",
            "stops = [\"#101040\", \"#ff8000\", \"#ffffe0\"]\npositions = [0.1, 0.6]\noffset = \"0.05 * frame\"",
        ),
        ("posterize", "levels = [9, 7, 5]"),
        (
            "channel_mix",
            "red = [0.9, 0.1, 0, 0]\nblue = [0, 0.2, 0.8, 0]",
        ),
        ("invert", ""),
        ("tint", "color = [1, 0.9, 0.8]"),
        ("colorize", "hue = 20\namount = 0.3"),
        (
            "threshold",
            "level = 0.4\nsoftness = 0.9\nlow = [0, 0, 0.2]\nhigh = [1, 1, 0.9]",
        ),
        ("chroma_key", "color = [0, 0, 1]\nrange = 0.05"),
        ("luma_key", "low = 0.05\nsoftness = 0.05"),
    ];
    let mut chain = String::from("[src]\ntype = \"image\"\npath = \"src.png\"\n");
    let mut input = "src".to_string();
    for (i, (ty, params)) in ops.iter().enumerate() {
        let name = format!("{ty}{i}");
        let _ = write!(
            chain,
            "[{name}]\ntype = \"{ty}\"\ninput = \"{input}\"\n{params}\n"
        );
        input = name;
    }
    let chain = format!("output = \"{input}\"\n{chain}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), &chain).unwrap();
    std::fs::write(dir.path().join("src.png"), png_row(&many_colours())).unwrap();
    for mode in common::MODES {
        let [fused, apart] = [true, false].map(|fuse| {
            let mut e = common::engine_in(mode);
            e.set_fusion(fuse);
            e.load_project(dir.path(), &[]).unwrap();
            let img = common::render(&mut e, 3, 60.0);
            (img, e.fused_runs())
        });
        assert_eq!(fused.1.len(), 1, "{mode:?}: {:?}", fused.1);
        assert_eq!(fused.1[0].len(), ops.len(), "{mode:?}: {:?}", fused.1);
        assert!(apart.1.is_empty());
        // Not a blank: most pixels are kept, in several colours.
        let kept: Vec<&[f32; 4]> = fused.0.pixels.iter().filter(|p| p[3] > 0.5).collect();
        assert!(
            kept.len() > fused.0.pixels.len() / 2,
            "{:?}",
            fused.0.pixels
        );
        assert!(
            kept.iter().any(|p| (p[0] - kept[0][0]).abs() > 0.1),
            "{kept:?}"
        );
        // Eight Rgba16Float roundings skipped, amplified a little by the steeper maps.
        common::assert_images_close(
            &fused.0,
            &apart.0,
            1e-2,
            &format!("{mode:?}: fused vs one by one"),
        );
    }
}
