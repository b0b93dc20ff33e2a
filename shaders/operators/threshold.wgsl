//! Two colours split at a level of luminance (or one channel), with an optional soft edge.
//!
//! `v >= level` gives `high`, below gives `low`; with `softness` the change is a smoothstep
//! from `level - softness / 2` to `level + softness / 2`. On the straight colour; the
//! result's alpha is the chosen colour's times the pixel's (thresholding `alpha`: the
//! chosen colour's).
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    level: f32,      // default=0.5 range=-1000..1000 The threshold: values at or above it give `high`.
    softness: f32,   // default=0 range=0..1000 Width of the change around `level` (0: a hard step).
    channel: u32,    // choice=luminance|red|green|blue|alpha default=luminance What is compared: luminance (Rec. 709 weights), red, green, blue or alpha.
    low: vec4<f32>,  // default=[0, 0, 0, 1] color Colour below the level.
    high: vec4<f32>, // default=[1, 1, 1, 1] color Colour at or above the level.
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    var v = dot(s.rgb, LUMA);
    switch params.channel {
        case 1u: { v = s.r; }
        case 2u: { v = s.g; }
        case 3u: { v = s.b; }
        case 4u: { v = c.a; }
        default: {}
    }
    var f = select(0.0, 1.0, v >= params.level);
    if params.softness > 0.0 {
        let h = params.softness * 0.5;
        f = smoothstep(params.level - h, params.level + h, v);
    }
    let low = premultiply(params.low);
    let high = premultiply(params.high);
    let a = select(c.a, 1.0, params.channel == 4u);
    return mix(low, high, f) * a;
}
