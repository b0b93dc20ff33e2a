//! Unsharp mask: the image plus `amount` times its detail (the image minus a Gaussian blur of it).
//!
//! The blur is a 7×7 Gaussian of sigma `radius` pixels, taps spaced `radius` · 2/3 pixels
//! apart (bilinear), normalised: a uniform image is unchanged, borders included (edges
//! clamped). Premultiplied; the result is clamped at 0 and alpha at 1.
//!
//! category: filter
//! inputs: 1

struct Params {
    amount: f32, // default=1 range=0..100 How much detail is added (0: unchanged).
    radius: f32, // default=1 range=0.1..16 Sigma of the blur, pixels: the size of the detail sharpened.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let c = textureSampleLevel(input0, samp, uv, 0.0);
    let step = params.radius * (2.0 / 3.0) / vivid.resolution;
    var sum = vec4<f32>(0.0);
    var total = 0.0;
    for (var j = -3; j <= 3; j++) {
        for (var i = -3; i <= 3; i++) {
            // exp(-(k · 2/3)² / 2) per axis.
            let w = exp(-2.0 * f32(i * i + j * j) / 9.0);
            sum += w * textureSampleLevel(input0, samp, uv + vec2<f32>(f32(i), f32(j)) * step, 0.0);
            total += w;
        }
    }
    let out = c + params.amount * (c - sum / total);
    return vec4<f32>(max(out.rgb, vec3<f32>(0.0)), clamp(out.a, 0.0, 1.0));
}
