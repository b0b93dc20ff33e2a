//! Scanlines: dark horizontal gaps between lit lines, optionally rolling.
//!
//! Pointwise: `lines` line periods across the image height, of which the fraction
//! `thickness` is lit; the rest is darkened by `amount`. Each pixel takes the lit fraction
//! of its own height (box-filtered: no moiré when lines approach the pixel size). Alpha is
//! kept.
//!
//! category: filter
//! inputs: 1
//! pointwise

struct Params {
    lines: f32,      // default=240 range=0.01..100000 Line periods across the image height.
    amount: f32,     // default=0.5 range=0..1 Darkness of the gaps (0: none, 1: black).
    thickness: f32,  // default=0.5 range=0..1 Lit fraction of each period.
    speed: f32,      // default=0 range=-100000..100000 Roll upwards, line periods per second.
}

// Lit length of the periodic band [0, thickness) + k from 0 to t.
fn lit_until(t: f32) -> f32 {
    return floor(t) * params.thickness + min(t - floor(t), params.thickness);
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let t = user_uv(uv).y * params.lines - vivid.time * params.speed;
    let h = 0.5 * params.lines / vivid.resolution.y;
    let lit = (lit_until(t + h) - lit_until(t - h)) / (2.0 * h);
    let m = 1.0 - params.amount * (1.0 - clamp(lit, 0.0, 1.0));
    return vec4<f32>(c.rgb * m, c.a);
}
