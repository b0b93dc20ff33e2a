//! One colour everywhere.
//!
//! category: generator
//! inputs: 0

struct Params {
    color: vec4<f32>, // default=[1, 1, 1, 1] color Colour, display-referred: [r, g, b] or [r, g, b, a] (0..1), or "#rrggbb".
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    return vec4<f32>(params.color.rgb * params.color.a, params.color.a);
}
