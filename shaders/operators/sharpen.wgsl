//! Unsharp mask: the image plus `amount` times its detail (the image minus a Gaussian blur of it).
//!
//! The blur is a 5×5 Gaussian of sigma `radius` pixels, taps spaced `radius` pixels apart
//! (bilinear), normalised: a uniform image is unchanged, borders included (edges clamped).
//! Premultiplied; the result is clamped at 0 and alpha at 1. (25 fetches: the 7×7 grid it
//! had took 172 µs at 1080p on the H200, bound by the texture units.)
//!
//! category: filter
//! inputs: 1

struct Params {
    amount: f32, // default=1 range=0..100 How much detail is added (0: unchanged).
    radius: f32, // default=1 range=0.1..16 Sigma of the blur, pixels: the size of the detail sharpened.
}

// exp(-k² / 2) for k = 0, 1, 2: the Gaussian at taps one sigma apart.
const W: array<f32, 3> = array<f32, 3>(1.0, 0.60653066, 0.13533528);

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let c = textureSampleLevel(input0, samp, uv, 0.0);
    let step = params.radius / vivid.resolution;
    var sum = vec4<f32>(0.0);
    for (var j = -2; j <= 2; j++) {
        var row = vec4<f32>(0.0);
        for (var i = -2; i <= 2; i++) {
            row += W[abs(i)] * textureSampleLevel(input0, samp, uv + vec2<f32>(f32(i), f32(j)) * step, 0.0);
        }
        sum += W[abs(j)] * row;
    }
    // The weights' total: (1 + 2 · 0.6065 + 2 · 0.1353)².
    let total = 2.48373188 * 2.48373188;
    let out = c + params.amount * (c - sum / total);
    return vec4<f32>(max(out.rgb, vec3<f32>(0.0)), clamp(out.a, 0.0, 1.0));
}
