//! Cartesian to polar coordinates and back: a disc unwrapped into a strip, or a strip wrapped into a disc.
//!
//! to_polar: the output is the input in polar coordinates — x the angle (0..1: a whole turn
//! counter-clockwise from `rotate`, 0° pointing right), y the distance from `center`
//! (0 at the bottom, `radius` at the top). from_polar: the inverse — the input is read as
//! such a strip and the output is Cartesian; the disc of `radius` around `center` shows
//! the whole strip. One after the other they give the disc back. Aspect-correct.
//!
//! category: filter
//! inputs: 1
#import "common/warp.wgsl"

struct Params {
    mode: u32,          // choice=to_polar|from_polar default=to_polar to_polar (disc to strip) or from_polar (strip to disc).
    radius: f32,        // default=0.5 range=0.0001..1000 Distance from the centre at the top of the strip, image heights.
    rotate: f32,        // default=0 range=-36000..36000 Direction of angle 0 (the strip's left edge), degrees counter-clockwise from the right.
    center: vec2<f32>,  // default=[0.5, 0.5] Centre of the disc, uv (0..1, y up).
    extend: u32,        // choice=transparent|clamp|repeat|mirror default=transparent Past the image: transparent, clamp, repeat or mirror.
}

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let p = user_uv(uv);
    let turn = radians(params.rotate);
    if params.mode == 1u {
        let d = (p - params.center) * a;
        let t = atan2(d.y, d.x) - turn;
        let q = vec2<f32>(t / TAU - floor(t / TAU), length(d) / params.radius);
        return sample_extend(input0, texture_uv(q), params.extend);
    }
    let angle = p.x * TAU + turn;
    let q = params.center + p.y * params.radius * vec2<f32>(cos(angle), sin(angle)) / a;
    return sample_extend(input0, texture_uv(q), params.extend);
}
