//! Writes `examples/12-3d-materials/studio.hdr`: a procedural photo studio as an
//! equirectangular Radiance HDR (vivid's mapping), made here rather than downloaded.
//!
//!     cargo run --example studio_hdr                # writes the example's studio.hdr
//!     cargo run --example studio_hdr -- other.hdr   # or any path
//!
//! The studio is a dim room (dark ceiling, grey walls, a warm floor) lit by four soft-edged
//! light panels (as seen from a camera on +Z looking towards −Z): a big warm key panel high
//! behind the camera on the left, a cool strip light on the right, a broad overhead panel
//! and a narrow rim strip behind the subject. The areas are flat colours
//! with soft edges a few texels wide, so the run-length encoded file stays small, and a
//! mirror shows every panel as a crisp bright rectangle while a rough metal blurs them into
//! a soft sheen. Released under CC0 like the rest of the generated assets: do what you like.

use std::f32::consts::{PI, TAU};

/// Width of the picture (its height is half of it).
const WIDTH: u32 = 1024;

/// A light panel: a rectangle in azimuth and elevation (degrees; azimuth 0 looks towards
/// −Z, 90 towards +X), with soft edges `soft` degrees wide and a linear radiance.
struct Panel {
    azimuth: (f32, f32),
    elevation: (f32, f32),
    soft: f32,
    radiance: [f32; 3],
}

const PANELS: [Panel; 4] = [
    // The key: big, warm, high behind a camera on +Z, on its left (what the example's
    // directional light matches).
    Panel {
        azimuth: (-150.0, -110.0),
        elevation: (25.0, 55.0),
        soft: 3.0,
        radiance: [16.0, 14.5, 12.0],
    },
    // A tall cool strip on the right.
    Panel {
        azimuth: (62.0, 74.0),
        elevation: (-5.0, 45.0),
        soft: 2.0,
        radiance: [6.0, 7.5, 10.0],
    },
    // A broad, dim overhead panel.
    Panel {
        azimuth: (-40.0, 40.0),
        elevation: (70.0, 88.0),
        soft: 4.0,
        radiance: [2.5, 2.5, 2.5],
    },
    // A narrow rim strip behind the subject.
    Panel {
        azimuth: (-15.0, 15.0),
        elevation: (15.0, 22.0),
        soft: 1.5,
        radiance: [9.0, 9.0, 9.0],
    },
];

/// 1 inside `(lo, hi)`, 0 outside, a linear ramp `soft` wide across each edge.
fn window(x: f32, (lo, hi): (f32, f32), soft: f32) -> f32 {
    let rise = ((x - lo) / soft + 0.5).clamp(0.0, 1.0);
    let fall = ((hi - x) / soft + 0.5).clamp(0.0, 1.0);
    rise.min(fall)
}

/// The studio's radiance seen along azimuth `az` and elevation `el` (degrees).
fn radiance(az: f32, el: f32) -> [f32; 3] {
    // The room: floor, walls (a lighter band near eye level), ceiling; flat areas.
    let room = if el < -2.0 {
        [0.06, 0.055, 0.05]
    } else if el < 20.0 {
        [0.16, 0.16, 0.17]
    } else if el < 60.0 {
        [0.09, 0.09, 0.10]
    } else {
        [0.035, 0.035, 0.04]
    };
    let mut c = room;
    for p in &PANELS {
        // Azimuths compared on the panel's side of the seam.
        let centre = 0.5 * (p.azimuth.0 + p.azimuth.1);
        let a = centre + (az - centre + 540.0).rem_euclid(360.0) - 180.0;
        let w = window(a, p.azimuth, p.soft) * window(el, p.elevation, p.soft);
        for (c, r) in c.iter_mut().zip(p.radiance) {
            *c = *c * (1.0 - w) + r * w;
        }
    }
    c
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/12-3d-materials/studio.hdr"
        )
        .to_string()
    });
    let (w, h) = (WIDTH, WIDTH / 2);
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            // vivid's equirectangular mapping: u = 0.5 looks towards −Z, u grows towards
            // +X; v = 0 is straight up.
            let az = ((x as f32 + 0.5) / w as f32 - 0.5) * TAU;
            let el = PI / 2.0 - (y as f32 + 0.5) / h as f32 * PI;
            pixels.push(image::Rgb(radiance(az.to_degrees(), el.to_degrees())));
        }
    }
    let file = std::fs::File::create(&path)?;
    image::codecs::hdr::HdrEncoder::new(std::io::BufWriter::new(file))
        .encode(&pixels, w as usize, h as usize)?;
    println!("wrote {path} ({w}×{h})");
    Ok(())
}
