//! Hue shift, saturation and value.
//!
//! On un-premultiplied RGB; alpha is kept.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    hue_shift: f32,  // default=0 range=-3600..3600 Hue rotation, degrees.
    saturation: f32, // default=1 range=0..100 Saturation multiplier (0: grey, 1: unchanged); the result is clamped to 0..1.
    value: f32,      // default=1 range=0..100 Value (brightness) multiplier.
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    var h = rgb_to_hsv(s.rgb);
    h.x = fract(h.x + params.hue_shift / 360.0 + 1.0);
    h.y = clamp(h.y * params.saturation, 0.0, 1.0);
    h.z = h.z * params.value;
    return premultiply(vec4<f32>(hsv_to_rgb(h), s.a));
}
