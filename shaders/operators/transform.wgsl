//! Scale, rotate and translate.
//!
//! Scale, then rotate, about `pivot`, then translate. Outside the source: transparent, or
//! the edge clamped, repeated or mirrored.
//!
//! category: filter
//! inputs: 1

struct Params {
    scale: vec2<f32>,     // default=[1, 1] range=-1000..1000 Scale [x, y] (a single number scales both).
    rotate: f32,          // default=0 range=-36000..36000 Rotation, degrees counter-clockwise.
    translate: vec2<f32>, // default=[0, 0] Translation [x, y] in uv units (1: a whole image width / height; y up).
    pivot: vec2<f32>,     // default=[0.5, 0.5] Centre of scaling and rotation, uv.
    extend: u32,          // choice=transparent|clamp|repeat|mirror default=transparent Outside the image: transparent, clamp, repeat or mirror.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let a = vec2<f32>(aspect(vivid), 1.0);
    let p = user_uv(uv);
    // Inverse mapping: output point -> source point, in aspect-correct units.
    let d = (p - params.pivot - params.translate) * a;
    let rotate = radians(params.rotate);
    let c = cos(rotate);
    let s = sin(rotate);
    let r = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let scale = select(params.scale, vec2<f32>(1e-6), abs(params.scale) < vec2<f32>(1e-6));
    let q = r / scale / a + params.pivot;
    let src_uv = texture_uv(q);
    switch params.extend {
        case 2u: { return textureSampleLevel(input0, samp_repeat, src_uv, 0.0); }
        case 3u: { return textureSampleLevel(input0, samp_mirror, src_uv, 0.0); }
        case 1u: { return textureSampleLevel(input0, samp, src_uv, 0.0); }
        default: {
            if any(src_uv < vec2<f32>(0.0)) || any(src_uv > vec2<f32>(1.0)) {
                return vec4<f32>(0.0);
            }
            return textureSampleLevel(input0, samp, src_uv, 0.0);
        }
    }
}
