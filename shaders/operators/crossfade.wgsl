//! Crossfades from the first input to the second by `amount`.
//!
//! (1 − amount) · a + amount · b, premultiplied.
//!
//! category: composite
//! inputs: 2

struct Params {
    amount: f32, // default=0.5 range=0..1 0: the first input, 1: the second.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = textureSampleLevel(input0, samp, uv, 0.0);
    let b = textureSampleLevel(input1, samp, uv, 0.0);
    return mix(a, b, params.amount);
}
