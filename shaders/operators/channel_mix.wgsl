//! Each output channel a weighted sum of the input's red, green, blue and alpha, plus an offset.
//!
//! `out = M * [r, g, b, a] + offset` on the straight colour, the rows of M being `red`,
//! `green`, `blue` and `alpha`; the result's alpha is clamped to 0..1. Swap channels, make
//! grey, move luminance into alpha.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    red: vec4<f32>,    // default=[1, 0, 0, 0] What red is made of: weights of the input's [r, g, b, a].
    green: vec4<f32>,  // default=[0, 1, 0, 0] What green is made of: weights of the input's [r, g, b, a].
    blue: vec4<f32>,   // default=[0, 0, 1, 0] What blue is made of: weights of the input's [r, g, b, a].
    alpha: vec4<f32>,  // default=[0, 0, 0, 1] What alpha is made of: weights of the input's [r, g, b, a].
    offset: vec4<f32>, // default=[0, 0, 0, 0] Added to [r, g, b, a] after the weights.
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let m = vec4<f32>(dot(params.red, s), dot(params.green, s), dot(params.blue, s), dot(params.alpha, s))
        + params.offset;
    return premultiply(vec4<f32>(m.rgb, clamp(m.a, 0.0, 1.0)));
}
