//! Keeps a rectangle of the image: the rest transparent, or the rectangle stretched to fill the output.
//!
//! `rect` is [left, bottom, right, top] in uv. cut: the rectangle stays where it is and
//! everything outside it is transparent (pixels it covers in part are covered in part);
//! stretch: the rectangle fills the whole output (what lies past the image is transparent).
//!
//! category: filter
//! inputs: 1

struct Params {
    rect: vec4<f32>, // default=[0.25, 0.25, 0.75, 0.75] The rectangle [left, bottom, right, top], uv (0..1, y up).
    mode: u32,       // choice=cut|stretch default=cut cut (outside transparent) or stretch (the rectangle fills the output).
}

// Fraction of the interval [x - h, x + h] inside [lo, hi].
fn overlap(x: f32, h: f32, lo: f32, hi: f32) -> f32 {
    return clamp((min(x + h, hi) - max(x - h, lo)) / (2.0 * h), 0.0, 1.0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let lo = min(params.rect.xy, params.rect.zw);
    let hi = max(params.rect.xy, params.rect.zw);
    if params.mode == 1u {
        let q = lo + p * (hi - lo);
        if any(q < vec2<f32>(0.0)) || any(q > vec2<f32>(1.0)) {
            return vec4<f32>(0.0);
        }
        return textureSampleLevel(input0, samp, texture_uv(q), 0.0);
    }
    let h = 0.5 / vivid.resolution;
    let cover = overlap(p.x, h.x, lo.x, hi.x) * overlap(p.y, h.y, lo.y, hi.y);
    return textureSampleLevel(input0, samp, uv, 0.0) * cover;
}
