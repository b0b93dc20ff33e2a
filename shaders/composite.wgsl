// composite: layers inputs bottom-up — input 0 is the base, each next input goes on top
// with `mode` and `opacity`. Premultiplied colour; separable blend modes follow W3C
// compositing-1 (co = cs(1 - ab) + cb(1 - as) + as ab B(Cb, Cs)), which for opaque layers
// is the textbook formula: multiply a*b, screen 1-(1-a)(1-b), difference |a-b|, overlay.
// add is Porter-Duff plus, clamped at 1.
#import "common/operator.wgsl"

struct Composite {
    header: FrameHeader,
    // 0 over, 1 add, 2 multiply, 3 screen, 4 overlay, 5 difference.
    mode: u32,
    count: u32,
    opacity: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Composite;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var in0: texture_2d<f32>;
@group(0) @binding(3) var in1: texture_2d<f32>;
@group(0) @binding(4) var in2: texture_2d<f32>;
@group(0) @binding(5) var in3: texture_2d<f32>;
@group(0) @binding(6) var in4: texture_2d<f32>;
@group(0) @binding(7) var in5: texture_2d<f32>;
@group(0) @binding(8) var in6: texture_2d<f32>;
@group(0) @binding(9) var in7: texture_2d<f32>;

fn blend_fn(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    switch u.mode {
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
    let s = s_in * u.opacity;
    switch u.mode {
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
    var c = textureSampleLevel(in0, samp, uv, 0.0);
    if u.count > 1u { c = layer(c, textureSampleLevel(in1, samp, uv, 0.0)); }
    if u.count > 2u { c = layer(c, textureSampleLevel(in2, samp, uv, 0.0)); }
    if u.count > 3u { c = layer(c, textureSampleLevel(in3, samp, uv, 0.0)); }
    if u.count > 4u { c = layer(c, textureSampleLevel(in4, samp, uv, 0.0)); }
    if u.count > 5u { c = layer(c, textureSampleLevel(in5, samp, uv, 0.0)); }
    if u.count > 6u { c = layer(c, textureSampleLevel(in6, samp, uv, 0.0)); }
    if u.count > 7u { c = layer(c, textureSampleLevel(in7, samp, uv, 0.0)); }
    return c;
}
