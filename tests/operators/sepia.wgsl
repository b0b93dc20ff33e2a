//! Sepia tone: the classic colour matrix, mixed with the input by `amount`.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    amount: f32, // default=1 range=0..1 0: the input unchanged, 1: full sepia.
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    // Columns: what red, green and blue each give to (r, g, b).
    let m = mat3x3<f32>(0.393, 0.349, 0.272, 0.769, 0.686, 0.534, 0.189, 0.168, 0.131);
    let sepia = min(m * s.rgb, vec3<f32>(1.0));
    return premultiply(vec4<f32>(mix(s.rgb, sepia, params.amount), s.a));
}
