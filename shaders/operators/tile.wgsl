//! Repeats the image n × m times, optionally mirroring every other copy.
//!
//! Copies start at the bottom-left corner; with `mirror` odd columns are flipped left-right
//! and odd rows upside down, so that neighbouring copies meet seamlessly. Each copy is
//! sampled on its own (no bleeding across copies).
//!
//! category: filter
//! inputs: 1

struct Params {
    repeat: vec2<f32>, // default=[2, 2] range=0.001..10000 Copies across [x, y] (a single number: both).
    mirror: u32,       // bool default=false Mirror every other copy (seamless).
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let q = user_uv(uv) * max(params.repeat, vec2<f32>(1e-3));
    let i = floor(q);
    var f = q - i;
    if params.mirror != 0u {
        let odd = (i - 2.0 * floor(i * 0.5)) > vec2<f32>(0.5);
        f = select(f, 1.0 - f, odd);
    }
    return textureSampleLevel(input0, samp, texture_uv(f), 0.0);
}
