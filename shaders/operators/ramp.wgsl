//! A colour ramp of up to 8 stops: linear, radial or angular; stops and positions animatable.
//!
//! `stops = ["#000000", "#ff8800", [1, 1, 1]]` are its colours, `positions = [0, 0.3, 1]`
//! where each sits along the ramp (0..1; stops past the positions given are spread evenly
//! up to 1). Interpolated in premultiplied RGBA. Any element may be an expression.
//!
//! category: generator
//! inputs: 0
#import "common/ramp.wgsl"

struct Params {
    mode: u32,                      // choice=linear|radial|angular default=linear linear, radial or angular.
    stops: array<vec4<f32>, 8>,     // colors default=["#000000", "#ffffff"] The colours, in order (up to 8): "#rrggbb", [r, g, b] or [r, g, b, a].
    positions: array<vec4<f32>, 8>, // floats range=0..1 default=[] Where each stop sits along the ramp (0..1, increasing); stops past the last position given are spread evenly up to 1.
    rotate: f32,                    // default=0 range=-36000..36000 Direction of a linear ramp / start of an angular one, degrees counter-clockwise (0: left to right).
    center: vec2<f32>,              // default=[0.5, 0.5] Centre [x, y] in uv (0..1, y up).
    scale: f32,                     // default=1 range=0.001..1000 Repetitions of the ramp across its span (linear: the image; radial: centre to half the image height; angular: a turn).
    offset: f32,                    // default=0 range=-1000..1000 Moves the ramp along itself (1: a whole ramp); animate it with extend = "repeat" to scroll.
    extend: u32,                    // choice=clamp|repeat|mirror default=clamp Past the ends: clamp, repeat or mirror.
    stop_count: u32,                // count=stops
    position_count: u32,            // count=positions
}

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let d = p - params.center;
    // Aspect-corrected offset, in units of the image height.
    let q = d * vec2<f32>(aspect(vivid), 1.0);
    let angle = radians(params.rotate);
    var t = 0.0;
    switch params.mode {
        case 1u: { t = length(q) * 2.0 * params.scale; }
        case 2u: { t = fract((atan2(q.y, q.x) - angle) / TAU + 1.0) * params.scale; }
        default: {
            // Across the image: the first stop at one edge, the last at the other.
            let dir = vec2<f32>(cos(angle), sin(angle));
            t = dot(d, dir) * params.scale + 0.5;
        }
    }
    t = ramp_extend(t - params.offset, params.extend);
    return ramp_at(t);
}
