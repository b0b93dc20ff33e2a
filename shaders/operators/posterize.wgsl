//! Fewer levels per channel: each channel's 0..1 cut into equal bins, each bin one level.
//!
//! `q = min(floor(v * n), n - 1) / (n - 1)` with `v = c^(1/gamma)`, then `q^gamma`: `n`
//! levels from 0 to 1 per channel (`levels`, at least 2), spaced evenly in a space of
//! `gamma`. On the straight colour; values are clamped to 0..1 first; alpha is kept.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    levels: vec3<f32>, // default=[4, 4, 4] range=2..256 Levels of red, green and blue (a single number sets all three; fractions are dropped).
    gamma: f32,        // default=1 range=0.01..100 Levels are spaced evenly in c^(1/gamma) (1: evenly in the values themselves; 2: more levels in the darks).
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let n = max(floor(params.levels), vec3<f32>(2.0));
    let v = pow(clamp(s.rgb, vec3<f32>(0.0), vec3<f32>(1.0)), vec3<f32>(1.0 / params.gamma));
    let q = min(floor(v * n), n - 1.0) / (n - 1.0);
    return premultiply(vec4<f32>(pow(q, vec3<f32>(params.gamma)), s.a));
}
