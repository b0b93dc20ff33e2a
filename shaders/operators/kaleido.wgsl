//! Kaleidoscope: one wedge of the image repeated around a centre, every other copy mirrored.
//!
//! Mirrors through `center` split the turn into `segments` pairs of wedges; each output
//! point's angle is folded into the first half-wedge (0 .. 180° / segments,
//! counter-clockwise from the +x direction), its distance kept (divided by `scale`), and
//! the source is read there — turned by `rotate`, so animating `rotate` turns the image under
//! fixed mirrors, like the tube of a kaleidoscope. Aspect-correct: the wedges are true angles.
//!
//! category: filter
//! inputs: 1
#import "common/warp.wgsl"

struct Params {
    segments: f32,      // default=6 range=1..128 Pairs of mirrored wedges around the centre (6: a six-fold pattern).
    rotate: f32,        // default=0 range=-36000..36000 Rotation of the source under the mirrors, degrees counter-clockwise.
    center: vec2<f32>,  // default=[0.5, 0.5] Centre of the mirrors, and of the source read, uv (0..1, y up).
    scale: f32,         // default=1 range=0.001..1000 Size of the reflected image (>1 enlarges).
    extend: u32,        // choice=transparent|clamp|repeat|mirror default=transparent Past the image: transparent, clamp, repeat or mirror.
}

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let d = (user_uv(uv) - params.center) * a;
    let r = length(d) / params.scale;
    let wedge = TAU / max(params.segments, 1e-3);
    var t = atan2(d.y, d.x);
    t = t - wedge * floor(t / wedge);
    t = select(t, wedge - t, t > 0.5 * wedge);
    let angle = t + radians(params.rotate);
    let q = params.center + r * vec2<f32>(cos(angle), sin(angle)) / a;
    return sample_extend(input0, texture_uv(q), params.extend);
}
