//! Edges: the gradient magnitude (Sobel or Scharr), grey or per colour channel.
//!
//! 3×3 derivative kernels on the premultiplied image (so a shape's outline on transparent
//! shows too), edges of the image clamped: a uniform image gives 0. Normalised so that a
//! step from 0 to 1 gives 1 (strength 1): Sobel's weights 1 2 1 divided by 4, Scharr's
//! 3 10 3 by 16. magnitude: the gradient of the luma (Rec. 709 weights) as grey; color:
//! each channel's own. The output is opaque.
//!
//! category: filter
//! inputs: 1

struct Params {
    kernel: u32,    // choice=sobel|scharr default=sobel sobel or scharr (more rotation-invariant).
    mode: u32,      // choice=magnitude|color default=magnitude magnitude (grey, from the luma) or color (per channel).
    strength: f32,  // default=1 range=0..1000 Multiplier of the gradient (1: a full 0-to-1 step gives 1).
}

fn at(uv: vec2<f32>, dx: f32, dy: f32) -> vec3<f32> {
    let t = vec2<f32>(dx, dy) / vivid.resolution;
    let c = textureSampleLevel(input0, samp, uv + t, 0.0).rgb;
    if params.mode == 0u {
        return vec3<f32>(dot(c, vec3<f32>(0.2126, 0.7152, 0.0722)));
    }
    return c;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    // Corner and middle weights, normalised.
    var w = vec2<f32>(1.0, 2.0) / 4.0;
    if params.kernel == 1u {
        w = vec2<f32>(3.0, 10.0) / 16.0;
    }
    // Texture space, y down: the sign does not matter for the magnitude.
    let tl = at(uv, -1.0, -1.0);
    let tc = at(uv, 0.0, -1.0);
    let tr = at(uv, 1.0, -1.0);
    let ml = at(uv, -1.0, 0.0);
    let mr = at(uv, 1.0, 0.0);
    let bl = at(uv, -1.0, 1.0);
    let bc = at(uv, 0.0, 1.0);
    let br = at(uv, 1.0, 1.0);
    let gx = w.x * (tr + br - tl - bl) + w.y * (mr - ml);
    let gy = w.x * (bl + br - tl - tr) + w.y * (bc - tc);
    let g = sqrt(gx * gx + gy * gy) * params.strength;
    return vec4<f32>(g, 1.0);
}
