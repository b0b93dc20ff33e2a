//! Twirl: the image turned about a centre, most at the centre, not at all from `radius` out.
//!
//! A point at distance r from `center` is turned by rotate · (1 − r / radius)²
//! (aspect-correct); beyond `radius` the image is unchanged.
//!
//! category: filter
//! inputs: 1
#import "common/warp.wgsl"

struct Params {
    rotate: f32,        // default=180 range=-36000..36000 Turn at the centre, degrees counter-clockwise.
    radius: f32,        // default=0.4 range=0..1000 Reach of the twirl, image heights.
    center: vec2<f32>,  // default=[0.5, 0.5] Centre, uv (0..1, y up).
    extend: u32,        // choice=transparent|clamp|repeat|mirror default=transparent Past the image: transparent, clamp, repeat or mirror.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let d = (user_uv(uv) - params.center) * a;
    let t = clamp(1.0 - length(d) / max(params.radius, 1e-6), 0.0, 1.0);
    let q = params.center + rotate_ccw(d, -radians(params.rotate) * t * t) / a;
    return sample_extend(input0, texture_uv(q), params.extend);
}
