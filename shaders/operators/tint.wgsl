//! Multiplies the colour by a tint (a colour filter), mixed with the input by `amount`.
//!
//! `rgb * color.rgb` and `a * color.a` on the straight colour.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    color: vec4<f32>, // default=[1, 0.8, 0.6, 1] color The tint: white leaves the input as it is.
    amount: f32,      // default=1 range=0..1 0: the input unchanged, 1: fully tinted.
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let tinted = s * params.color;
    return premultiply(mix(s, tinted, params.amount));
}
