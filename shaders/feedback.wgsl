// feedback: the previous frame's output, zoomed / rotated / offset about the centre and
// multiplied by `decay`, combined with the input (over, add or max).
#import "common/operator.wgsl"

struct Feedback {
    header: FrameHeader,
    // User-uv shift per frame.
    offset: vec2<f32>,
    // > 1 zooms in.
    zoom: f32,
    // Radians per frame, counter-clockwise.
    rotate: f32,
    decay: f32,
    // 0 over, 1 add, 2 max.
    blend: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Feedback;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var history: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(u.header), 1.0);
    let p = user_uv(uv);
    let d = (p - vec2<f32>(0.5) - u.offset) * a;
    let c = cos(u.rotate);
    let s = sin(u.rotate);
    let r = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let q = texture_uv(r / max(u.zoom, 1e-6) / a + vec2<f32>(0.5));
    var prev = vec4<f32>(0.0);
    if all(q >= vec2<f32>(0.0)) && all(q <= vec2<f32>(1.0)) {
        prev = textureSampleLevel(history, samp, q, 0.0) * u.decay;
    }
    let x = textureSampleLevel(src, samp, uv, 0.0);
    switch u.blend {
        case 1u: { return min(prev + x, vec4<f32>(1.0)); }
        case 2u: { return max(prev, x); }
        default: { return x + prev * (1.0 - x.a); }
    }
}
