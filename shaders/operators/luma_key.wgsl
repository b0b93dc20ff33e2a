//! Makes dark (or bright) parts transparent: keeps the pixels whose luminance is in low..high.
//!
//! Luminance (Rec. 709 weights of the straight colour) inside `low..high` is kept, fading
//! to transparent over `softness` past either end (smoothstep); `invert` keys out the
//! range instead. The output is premultiplied with the key's alpha times the pixel's.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    low: f32,      // default=0.1 range=-1000..1000 Luminance below which pixels are keyed out (0.1: black goes).
    high: f32,     // default=1 range=-1000..1000 Luminance above which pixels are keyed out (1 or more: none).
    softness: f32, // default=0.05 range=0..1000 Luminance over which the key fades past each end (0: a hard edge).
    invert: u32,   // bool default=false Key out the range instead, keeping what is outside it.
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

// How much is kept `d` outside the range (d <= 0: inside), fading over `w`.
fn fade(d: f32, w: f32) -> f32 {
    if d <= 0.0 {
        return 1.0;
    }
    if w <= 0.0 {
        return 0.0;
    }
    return 1.0 - smoothstep(0.0, w, d);
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let l = dot(s.rgb, LUMA);
    var keep = fade(params.low - l, params.softness) * fade(l - params.high, params.softness);
    if params.invert != 0u {
        keep = 1.0 - keep;
    }
    return premultiply(vec4<f32>(s.rgb, s.a * keep));
}
