//! Inverts the colour (1 - c), and optionally alpha.
//!
//! On the straight colour: `rgb = 1 - rgb`, and with `alpha`, `a = 1 - a`.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    alpha: u32, // bool default=false Also invert alpha (transparent becomes opaque).
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let a = select(s.a, 1.0 - s.a, params.alpha != 0u);
    return premultiply(vec4<f32>(1.0 - s.rgb, a));
}
