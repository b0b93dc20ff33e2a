//! A colour ramp: linear, radial, angular or diamond.
//!
//! category: generator
//! inputs: 0

struct Params {
    mode: u32,            // choice=linear|radial|angular|diamond default=linear linear, radial, angular or diamond.
    color_a: vec4<f32>,   // default=[0, 0, 0, 1] color Colour at the start (left edge for linear at angle 0; the centre otherwise).
    color_b: vec4<f32>,   // default=[1, 1, 1, 1] color Colour at the end.
    angle: f32,           // default=0 range=-36000..36000 Direction of a linear gradient / start of an angular one, degrees counter-clockwise (0: left to right).
    center: vec2<f32>,    // default=[0.5, 0.5] Centre [x, y] in uv (0..1, y up).
    scale: f32,           // default=1 range=0.001..1000 Gradient repetitions across its span (1: one ramp edge to edge, centre to half the image height, or once around the centre; an angular gradient with extend = mirror and an even scale has no seam).
    extend: u32,          // choice=clamp|repeat|mirror default=clamp Past the ends: clamp, repeat or mirror.
    ease: u32,            // choice=linear|smooth default=linear How the colour runs from one end to the other: evenly, or easing in and out (smoothstep: no crease where a mirrored gradient turns back).
}

const TAU: f32 = 6.283185307179586;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let d = p - params.center;
    // Aspect-corrected offset, in units of the image height.
    let q = d * vec2<f32>(aspect(vivid), 1.0);
    let angle = radians(params.angle);
    var t = 0.0;
    switch params.mode {
        case 1u: { t = length(q) * 2.0 * params.scale; }
        case 2u: { t = fract((atan2(q.y, q.x) - angle) / TAU + 1.0) * params.scale; }
        case 3u: { t = (abs(q.x) + abs(q.y)) * 2.0 * params.scale; }
        default: {
            // Across the image: colour_a at one edge, colour_b at the other (angle 0: left to right).
            let dir = vec2<f32>(cos(angle), sin(angle));
            t = dot(d, dir) * params.scale + 0.5;
        }
    }
    switch params.extend {
        case 1u: { t = fract(t); }
        case 2u: { t = 1.0 - abs(fract(t * 0.5) * 2.0 - 1.0); }
        default: { t = clamp(t, 0.0, 1.0); }
    }
    if params.ease == 1u {
        t = smoothstep(0.0, 1.0, t);
    }
    let a = vec4<f32>(params.color_a.rgb * params.color_a.a, params.color_a.a);
    let b = vec4<f32>(params.color_b.rgb * params.color_b.a, params.color_b.a);
    return mix(a, b, t);
}
