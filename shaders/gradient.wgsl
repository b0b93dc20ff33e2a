// gradient: colour_a -> colour_b, linear / radial / angular / diamond.
#import "common/operator.wgsl"

struct Gradient {
    header: FrameHeader,
    // Premultiplied.
    color_a: vec4<f32>,
    color_b: vec4<f32>,
    center: vec2<f32>,
    // Radians.
    angle: f32,
    scale: f32,
    // 0 linear, 1 radial, 2 angular, 3 diamond.
    mode: u32,
    // 0 clamp, 1 repeat, 2 mirror.
    extend: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Gradient;

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let d = p - u.center;
    // Aspect-corrected offset, in units of the image height.
    let q = d * vec2<f32>(aspect(u.header), 1.0);
    var t = 0.0;
    switch u.mode {
        case 1u: { t = length(q) * 2.0 * u.scale; }
        case 2u: { t = fract((atan2(q.y, q.x) - u.angle) / TAU + 1.0); }
        case 3u: { t = (abs(q.x) + abs(q.y)) * 2.0 * u.scale; }
        default: {
            // Across the image: colour_a at one edge, colour_b at the other (angle 0: left to right).
            let dir = vec2<f32>(cos(u.angle), sin(u.angle));
            t = dot(d, dir) * u.scale + 0.5;
        }
    }
    switch u.extend {
        case 1u: { t = fract(t); }
        case 2u: { t = 1.0 - abs(fract(t * 0.5) * 2.0 - 1.0); }
        default: { t = clamp(t, 0.0, 1.0); }
    }
    return mix(u.color_a, u.color_b, t);
}
