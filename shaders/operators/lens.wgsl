//! Lens distortion: barrel or pincushion (k1, k2), with a chromatic split towards the edges.
//!
//! Brown's radial model: the output point at distance r from `center` (r = 1 at the
//! corners of an image centred there; aspect-correct) shows the source at distance
//! r · (1 + k1 r² + k2 r⁴) / scale. k1 > 0 is barrel distortion (the middle bulges, the
//! borders are pulled in), k1 < 0 pincushion. `chromatic` scales red by (1 + chromatic r²)
//! and blue by (1 − chromatic r²) on top of that: colour fringes growing towards the edges.
//!
//! category: filter
//! inputs: 1
#import "common/warp.wgsl"

struct Params {
    k1: f32,            // default=0.2 range=-10..10 The r² term: > 0 barrel, < 0 pincushion.
    k2: f32,            // default=0 range=-10..10 The r⁴ term (shapes the distortion near the corners).
    chromatic: f32,     // default=0 range=-1..1 Chromatic split at the corners: red and blue scaled by 1 ± chromatic there (0.01: 1%).
    scale: f32,         // default=1 range=0.01..100 Zoom after the distortion (>1 enlarges, e.g. to hide the borders a barrel pulls in).
    center: vec2<f32>,  // default=[0.5, 0.5] Optical centre, uv (0..1, y up).
    extend: u32,        // choice=transparent|clamp|repeat|mirror default=transparent Past the image: transparent, clamp, repeat or mirror.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let d = (user_uv(uv) - params.center) * a;
    // r = 1 at the corners of an image centred on `center`.
    let r2 = dot(d, d) / (0.25 * dot(a, a));
    let f = (1.0 + params.k1 * r2 + params.k2 * r2 * r2) / params.scale;
    let g = params.center + d * f / a;
    let green = sample_extend(input0, texture_uv(g), params.extend);
    if params.chromatic == 0.0 {
        return green;
    }
    let split = params.chromatic * r2;
    let red = sample_extend(input0, texture_uv(params.center + d * f * (1.0 + split) / a), params.extend);
    let blue = sample_extend(input0, texture_uv(params.center + d * f * (1.0 - split) / a), params.extend);
    return vec4<f32>(red.r, green.g, blue.b, max(green.a, max(red.a, blue.a)));
}
