//! Layers inputs bottom-up (input 0 is the base) with a blend mode and opacity.
//!
//! Premultiplied colour; separable blend modes follow W3C compositing-1
//! (co = cs(1 - ab) + cb(1 - as) + as ab B(Cb, Cs)), which for opaque layers is the textbook
//! formula: multiply a*b, screen 1-(1-a)(1-b), difference |a-b|, overlay. add is
//! Porter-Duff plus, clamped at 1.
//!
//! category: composite
//! inputs: 1..8

struct Params {
    mode: u32,    // choice=over|add|multiply|screen|overlay|difference default=over over, add, multiply, screen, overlay or difference.
    opacity: f32, // default=1 range=0..1 Opacity of every layer above the base (0..1).
}

fn blend_fn(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    switch params.mode {
        case 2u: { return cb * cs; }
        case 3u: { return cb + cs - cb * cs; }
        case 4u: {
            let lo = 2.0 * cb * cs;
            let hi = 1.0 - 2.0 * (1.0 - cb) * (1.0 - cs);
            return select(hi, lo, cb <= vec3<f32>(0.5));
        }
        default: { return abs(cb - cs); }
    }
}

fn layer(b: vec4<f32>, s_in: vec4<f32>) -> vec4<f32> {
    let s = s_in * params.opacity;
    switch params.mode {
        case 0u: { return s + b * (1.0 - s.a); }
        case 1u: { return min(b + s, vec4<f32>(1.0)); }
        default: {
            let cb = select(vec3<f32>(0.0), b.rgb / b.a, b.a > 0.0);
            let cs = select(vec3<f32>(0.0), s.rgb / s.a, s.a > 0.0);
            let co = s.rgb * (1.0 - b.a) + b.rgb * (1.0 - s.a) + s.a * b.a * blend_fn(cb, cs);
            return vec4<f32>(co, s.a + b.a * (1.0 - s.a));
        }
    }
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    var c = textureSampleLevel(input0, samp, uv, 0.0);
    if vivid.inputs > 1u { c = layer(c, textureSampleLevel(input1, samp, uv, 0.0)); }
    if vivid.inputs > 2u { c = layer(c, textureSampleLevel(input2, samp, uv, 0.0)); }
    if vivid.inputs > 3u { c = layer(c, textureSampleLevel(input3, samp, uv, 0.0)); }
    if vivid.inputs > 4u { c = layer(c, textureSampleLevel(input4, samp, uv, 0.0)); }
    if vivid.inputs > 5u { c = layer(c, textureSampleLevel(input5, samp, uv, 0.0)); }
    if vivid.inputs > 6u { c = layer(c, textureSampleLevel(input6, samp, uv, 0.0)); }
    if vivid.inputs > 7u { c = layer(c, textureSampleLevel(input7, samp, uv, 0.0)); }
    return c;
}
