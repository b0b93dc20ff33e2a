//! Brightness, contrast and gamma.
//!
//! `c' = pow(((c - 0.5) * contrast + 0.5) * brightness, 1 / gamma)`, then `1 - c'` if
//! `invert`, on un-premultiplied RGB; alpha is kept.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    brightness: f32, // default=1 range=0..100 Multiplier after contrast (1: unchanged).
    contrast: f32,   // default=1 range=0..100 Contrast around mid-grey 0.5 (1: unchanged, 0: flat grey).
    gamma: f32,      // default=1 range=0.01..100 Gamma (1: unchanged, >1 brightens mid-tones).
    invert: u32,     // bool default=false Invert the colour after the other steps.
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    var rgb = (s.rgb - 0.5) * params.contrast + 0.5;
    rgb = rgb * params.brightness;
    rgb = pow(max(rgb, vec3<f32>(0.0)), vec3<f32>(1.0 / params.gamma));
    if params.invert != 0u {
        rgb = 1.0 - rgb;
    }
    return premultiply(vec4<f32>(rgb, s.a));
}
