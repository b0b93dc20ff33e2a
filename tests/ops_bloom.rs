//! `bloom` against answers known without it: an image below `threshold × (1 − knee)` comes
//! out unchanged, a uniform image gains exactly `intensity` times its light above the
//! threshold, and any image's mean gains `intensity` times the mean of its thresholded
//! pixels (computed here from the source's pixels with the soft-knee formula) whatever
//! the radius: the pyramid only moves light around. Both ways operators run.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use common::{assert_close, render_toml};

fn bloom(source: &str, params: &str) -> (vivid::readback::FloatImage, vivid::readback::FloatImage) {
    let toml = |out: &str| {
        format!("output = \"{out}\"\n{source}\n[b]\ntype = \"bloom\"\ninput = \"src\"\n{params}\n")
    };
    (render_toml(&toml("src")), render_toml(&toml("b")))
}

/// Karis' soft knee on a premultiplied colour: what passes a threshold `t` with a knee of
/// `k` (in brightness).
fn prefilter(c: [f32; 4], t: f32, k: f32) -> [f32; 4] {
    let b = c[0].max(c[1]).max(c[2]);
    let k = k.max(1e-5);
    let soft = (b - t + k).clamp(0.0, 2.0 * k);
    let part = ((soft * soft / (4.0 * k)).max(b - t) / b.max(1e-5)).clamp(0.0, 1.0);
    c.map(|x| x * part)
}

#[test]
fn light_below_the_knee_adds_nothing() {
    // threshold 0.8, knee 0.5: nothing below 0.4. A gradient up to 0.39.
    let src = "[src]\ntype = \"gradient\"\nsize = [64, 48]\ncolor_a = [0, 0, 0]\ncolor_b = [0.39, 0.3, 0.2]\n";
    let (a, b) = bloom(src, "threshold = 0.8\nknee = 0.5\nintensity = 3\n");
    assert_eq!(a.pixels, b.pixels);
}

#[test]
fn a_uniform_image_gains_its_light_above_the_threshold() {
    let src = "[src]\ntype = \"solid\"\nsize = [40, 30]\ncolor = [0.6, 0.55, 0.3, 1]\n";
    for radius in [0.0, 0.5, 1.0] {
        let (_, b) = bloom(
            src,
            &format!("threshold = 0.5\nknee = 0\nintensity = 2\nradius = {radius}\n"),
        );
        // Brightness 0.6: a sixth of the colour passes (0.1 / 0.6); alpha stays 1.
        let want = [
            0.6 + 2.0 * 0.1,
            0.55 + 2.0 * 0.55 / 6.0,
            0.3 + 2.0 * 0.05,
            1.0,
        ];
        for p in &b.pixels {
            assert_close(*p, want, 2e-3, &format!("radius {radius}"));
        }
    }
}

#[test]
fn the_mean_gains_intensity_times_the_thresholded_light() {
    let src = "[src]\ntype = \"shape\"\nsize = [128, 96]\nkind = \"star\"\nshape_size = 0.4\ncolor = [1.0, 0.8, 0.5]\n";
    for (radius, knee) in [(0.0, 0.0), (0.6, 0.3), (1.0, 0.5)] {
        let (a, b) = bloom(
            src,
            &format!("threshold = 0.5\nknee = {knee}\nintensity = 1.5\nradius = {radius}\n"),
        );
        let n = a.pixels.len() as f64;
        let light: f64 = a
            .pixels
            .iter()
            .map(|p| f64::from(prefilter(*p, 0.5, knee * 0.5)[0]))
            .sum::<f64>()
            / n;
        let gained = b.mean()[0] - a.mean()[0];
        let want = 1.5 * light;
        assert!(want > 0.01, "the star blooms: {want}");
        assert!(
            ((gained - want) / want).abs() < 0.03,
            "radius {radius}, knee {knee}: mean gained {gained}, want {want}"
        );
        // A wide radius carries light well outside the star (9 px above its top tip).
        if radius > 0.5 {
            assert_eq!(a.at(64, 20)[0], 0.0);
            assert!(b.at(64, 20)[0] > 0.005, "{:?}", b.at(64, 20));
        }
    }
}
