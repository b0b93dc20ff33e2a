//! Concentric rings cut from the input.

struct Params {
    count: f32, // default=4 range=1..50 Rings across the height
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let q = (user_uv(uv) - 0.5) * vec2<f32>(aspect(vivid), 1.0);
    let on = step(0.5, fract(length(q) * params.count));
    return textureSampleLevel(input0, samp, uv, 0.0) * on;
}
