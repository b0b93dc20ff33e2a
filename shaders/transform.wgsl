// transform: scale, rotate (about `pivot`) and translate the input. Outside the source:
// transparent, or the sampler's clamp / repeat / mirror.
#import "common/operator.wgsl"

struct Transform {
    header: FrameHeader,
    scale: vec2<f32>,
    translate: vec2<f32>,
    pivot: vec2<f32>,
    // Radians, counter-clockwise.
    rotate: f32,
    // 0 transparent, 1 clamp, 2 repeat, 3 mirror.
    extend: u32,
}

@group(0) @binding(0) var<uniform> u: Transform;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(u.header), 1.0);
    let p = user_uv(uv);
    // Inverse mapping: output point -> source point, in aspect-correct units.
    let d = (p - u.pivot - u.translate) * a;
    let c = cos(u.rotate);
    let s = sin(u.rotate);
    let r = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let q = r / select(u.scale, vec2<f32>(1e-6), abs(u.scale) < vec2<f32>(1e-6)) / a + u.pivot;
    let src_uv = texture_uv(q);
    let color = textureSampleLevel(src, samp, src_uv, 0.0);
    if u.extend == 0u && (any(src_uv < vec2<f32>(0.0)) || any(src_uv > vec2<f32>(1.0))) {
        return vec4<f32>(0.0);
    }
    return color;
}
