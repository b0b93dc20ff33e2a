//! Moves the first input's pixels by the second input's values: offset, scale or rotate (Hydra's modulate family).
//!
//! Per output pixel the map (input 1, at the same uv, premultiplied values as stored: a
//! transparent map moves nothing) gives `v = channel - midpoint`, and the picture (input 0)
//! is sampled at
//!   offset: p + amount · (v_x, v_y), amount in image heights — Hydra's `modulate`;
//!           the picture appears moved by −amount · v;
//!   scale:  center + (p − center) / (1 + amount · v_x) — `modulateScale`: v > 0 zooms in;
//!   rotate: p turned about `center` by −amount · v_x turns — `modulateRotate`: the
//!           picture turns counter-clockwise by amount · v_x turns.
//! With midpoint 0 a black map is the identity; midpoint 0.5 centres a 0..1 map such as
//! noise. Distances are aspect-correct (circles stay round).
//!
//! category: filter
//! inputs: 2
#import "common/warp.wgsl"

struct Params {
    mode: u32,          // choice=offset|scale|rotate default=offset offset (modulate), scale (modulateScale) or rotate (modulateRotate).
    amount: f32,        // default=0.1 range=-1000..1000 Strength: image heights per unit (offset), scale change per unit (scale), turns per unit (rotate).
    x_channel: u32,     // choice=r|g|b|a|luma default=r The map's channel for x (offset), and for scale and rotate.
    y_channel: u32,     // choice=r|g|b|a|luma default=g The map's channel for y (offset).
    midpoint: f32,      // default=0 range=-10..10 Map value that moves nothing (0.5 for a map centred on grey).
    center: vec2<f32>,  // default=[0.5, 0.5] Centre of scale and rotate, uv (0..1, y up).
    extend: u32,        // choice=transparent|clamp|repeat|mirror default=transparent Outside the picture: transparent, clamp, repeat or mirror.
}

const TAU: f32 = 6.283185307179586;

fn channel(m: vec4<f32>, k: u32) -> f32 {
    switch k {
        case 1u: { return m.g; }
        case 2u: { return m.b; }
        case 3u: { return m.a; }
        case 4u: { return dot(m.rgb, vec3<f32>(0.2126, 0.7152, 0.0722)); }
        default: { return m.r; }
    }
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let m = textureSampleLevel(input1, samp, uv, 0.0);
    let vx = channel(m, params.x_channel) - params.midpoint;
    let a = vec2<f32>(aspect(vivid), 1.0);
    let p = user_uv(uv);
    var q = p;
    switch params.mode {
        case 1u: {
            var s = 1.0 + params.amount * vx;
            s = select(s, select(-1e-4, 1e-4, s >= 0.0), abs(s) < 1e-4);
            q = params.center + (p - params.center) / s;
        }
        case 2u: {
            let d = (p - params.center) * a;
            q = params.center + rotate_ccw(d, -params.amount * vx * TAU) / a;
        }
        default: {
            let vy = channel(m, params.y_channel) - params.midpoint;
            q = p + params.amount * vec2<f32>(vx, vy) / a;
        }
    }
    return sample_extend(input0, texture_uv(q), params.extend);
}
