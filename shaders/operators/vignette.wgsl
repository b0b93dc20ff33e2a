//! Darkens (or tints) the image towards its edges.
//!
//! Pointwise: at distance r from `center` (image heights, aspect-correct: a circle), the
//! image is mixed towards `color` by amount · smoothstep(radius, radius + softness, r) ·
//! color.a; alpha is kept.
//!
//! category: filter
//! inputs: 1
//! pointwise

struct Params {
    amount: f32,        // default=1 range=0..1 Strength at the edges (0: none, 1: all `color`).
    radius: f32,        // default=0.35 range=0..100 Distance from the centre where the falloff starts, image heights.
    softness: f32,      // default=0.6 range=0..100 Width of the falloff, image heights.
    color: vec4<f32>,   // default=[0, 0, 0, 1] color Colour at the edges.
    center: vec2<f32>,  // default=[0.5, 0.5] Centre, uv (0..1, y up).
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let d = (user_uv(uv) - params.center) * vec2<f32>(aspect(vivid), 1.0);
    let r = length(d);
    let edge = select(
        smoothstep(params.radius, params.radius + params.softness, r),
        select(0.0, 1.0, r > params.radius),
        params.softness <= 0.0,
    );
    let k = params.amount * edge * params.color.a;
    return vec4<f32>(mix(c.rgb, params.color.rgb * c.a, k), c.a);
}
