//! Chromatic aberration: red and blue sampled apart from green, radially or along a direction.
//!
//! radial: red is read at p − amount · d and blue at p + amount · d, d the offset from
//! `center` in image heights (aspect-correct), so the split grows towards the edges;
//! linear: the same everywhere, `amount` image heights along `rotate`. Edges clamped; alpha
//! is the largest of the three samples'.
//!
//! category: filter
//! inputs: 1

struct Params {
    mode: u32,          // choice=radial|linear default=radial radial (grows from the centre) or linear (one direction).
    amount: f32,        // default=0.01 range=-10..10 Split, image heights: at one image height from the centre (radial) or everywhere (linear).
    rotate: f32,        // default=0 range=-36000..36000 Direction red moves in a linear split, degrees counter-clockwise (0: right).
    center: vec2<f32>,  // default=[0.5, 0.5] Centre of a radial split, uv (0..1, y up).
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let p = user_uv(uv);
    var shift = vec2<f32>(0.0);
    if params.mode == 1u {
        let t = radians(params.rotate);
        shift = params.amount * vec2<f32>(cos(t), sin(t));
    } else {
        shift = params.amount * (p - params.center) * a;
    }
    let s = shift / a;
    let red = textureSampleLevel(input0, samp, texture_uv(p - s), 0.0);
    let green = textureSampleLevel(input0, samp, uv, 0.0);
    let blue = textureSampleLevel(input0, samp, texture_uv(p + s), 0.0);
    return vec4<f32>(red.r, green.g, blue.b, max(green.a, max(red.a, blue.a)));
}
