//! CRT screen: curved glass with rounded corners, a phosphor mask and scanlines.
//!
//! The picture is bent like a bulging screen (curvature: the offset from the centre grows
//! by curvature · r², aspect-correct), cut to a rounded rectangle (outside transparent),
//! lit through a phosphor mask — aperture grille (RGB stripes), shadow mask (stripes offset
//! every other row) or slot mask (stripes in staggered slots), `mask_size` pixels per RGB
//! triad, on the output's pixels — and darkened between `lines` scanlines (on the bent
//! picture). `brightness` makes up for the light the mask and lines take.
//!
//! category: filter
//! inputs: 1

struct Params {
    curvature: f32,    // default=0.12 range=0..10 Bulge of the glass (0: flat).
    corner: f32,       // default=0.04 range=0..0.5 Radius of the screen's rounded corners, image heights.
    mask: u32,         // choice=aperture|shadow|slot|none default=aperture Phosphor mask: aperture grille, shadow mask, slot mask or none.
    mask_amount: f32,  // default=0.35 range=0..1 How much the mask dims the other two colours of each phosphor (0: no mask).
    mask_size: f32,    // default=3 range=1..1000 Width of one red-green-blue triad, pixels.
    scanlines: f32,    // default=0.35 range=0..1 Darkness between scanlines (0: none).
    lines: f32,        // default=240 range=1..100000 Scanlines across the image height.
    brightness: f32,   // default=1.25 range=0..100 Multiplier making up for the light the mask and lines take.
}

fn lit_fraction(t: f32, h: f32) -> f32 {
    // Lit length of the band [0, 0.5) + k over [t - h, t + h], divided by 2h.
    let a = t - h;
    let b = t + h;
    let fa = floor(a) * 0.5 + min(a - floor(a), 0.5);
    let fb = floor(b) * 0.5 + min(b - floor(b), 0.5);
    return (fb - fa) / (2.0 * h);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let res = vivid.resolution;
    let a = vec2<f32>(res.x / res.y, 1.0);
    let d = (user_uv(uv) - 0.5) * a;
    let bent = d * (1.0 + params.curvature * dot(d, d));
    let q = bent / a + 0.5;
    // Rounded screen edge, anti-aliased over about a pixel.
    let half = 0.5 * a;
    let r = min(params.corner, 0.5);
    let e = abs(bent) - (half - vec2<f32>(r));
    let sd = length(max(e, vec2<f32>(0.0))) + min(max(e.x, e.y), 0.0) - r;
    let inside = clamp(0.5 - sd * res.y, 0.0, 1.0);
    if inside <= 0.0 {
        return vec4<f32>(0.0);
    }
    var c = textureSampleLevel(input0, samp, texture_uv(clamp(q, vec2<f32>(0.0), vec2<f32>(1.0))), 0.0);
    // Scanlines on the bent picture.
    let h = 0.5 * params.lines / res.y;
    let lit = clamp(lit_fraction(q.y * params.lines + 0.25, h), 0.0, 1.0);
    c = vec4<f32>(c.rgb * (1.0 - params.scanlines * (1.0 - lit)), c.a);
    // Phosphor mask on the output's pixels.
    if params.mask != 3u {
        let px = uv * res;
        let size = max(params.mask_size, 1.0);
        var x = px.x / size;
        let row = floor(px.y / size);
        if params.mask == 1u {
            x += 0.5 * (row - 2.0 * floor(row * 0.5));
        }
        let k = u32(floor(fract(x) * 3.0));
        var m = vec3<f32>(1.0 - params.mask_amount);
        m[min(k, 2u)] = 1.0;
        if params.mask == 2u {
            // Slots: a dark gap at the bottom of each triad-high cell, staggered by column.
            let column = floor(x);
            let y = fract(px.y / size + 0.5 * (column - 2.0 * floor(column * 0.5)));
            if y > 0.75 {
                m = m * (1.0 - params.mask_amount);
            }
        }
        c = vec4<f32>(c.rgb * m, c.a);
    }
    return vec4<f32>(c.rgb * params.brightness, c.a) * inside;
}
