//! Shows one of its inputs by `index`; a fractional index crossfades between neighbours.
//!
//! index 2 shows input 2 exactly; 2.25 is 75% input 2 and 25% input 3 (premultiplied mix).
//! The index is clamped to the inputs connected.
//!
//! category: composite
//! inputs: 1..8

struct Params {
    index: f32, // default=0 range=0..7 Input shown (0: the first); between two integers, a mix of both.
}

fn input_at(k: u32, uv: vec2<f32>) -> vec4<f32> {
    switch k {
        case 1u: { return textureSampleLevel(input1, samp, uv, 0.0); }
        case 2u: { return textureSampleLevel(input2, samp, uv, 0.0); }
        case 3u: { return textureSampleLevel(input3, samp, uv, 0.0); }
        case 4u: { return textureSampleLevel(input4, samp, uv, 0.0); }
        case 5u: { return textureSampleLevel(input5, samp, uv, 0.0); }
        case 6u: { return textureSampleLevel(input6, samp, uv, 0.0); }
        case 7u: { return textureSampleLevel(input7, samp, uv, 0.0); }
        default: { return textureSampleLevel(input0, samp, uv, 0.0); }
    }
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let last = f32(max(vivid.inputs, 1u) - 1u);
    let i = clamp(params.index, 0.0, last);
    let k = floor(i);
    let t = i - k;
    let a = input_at(u32(k), uv);
    if t <= 0.0 {
        return a;
    }
    return mix(a, input_at(u32(k) + 1u, uv), t);
}
