//! Layers inputs bottom-up (input 0 is the base) with a blend mode and opacity.
//!
//! Premultiplied colour. Every mode but over and add goes through the general formula of
//! W3C Compositing and Blending Level 1 (§5.8): with the backdrop b (alpha ab, straight
//! colour Cb) and the layer s (as, Cs),
//!     co = cs (1 − ab) + cb (1 − as) + as ab B(Cb, Cs),  ao = as + ab (1 − as),
//! so a fully opaque layer over an opaque backdrop is just B(Cb, Cs). B is the spec's:
//! separable (per channel) multiply, screen, overlay, darken, lighten, color_dodge,
//! color_burn, hard_light, soft_light, difference, exclusion; non-separable (on the RGB
//! triple, with the spec's Lum/SetLum/ClipColor/Sat/SetSat, Lum = 0.3 R + 0.59 G + 0.11 B)
//! hue, saturation, color, luminosity. Two modes are not in the spec and use the same
//! formula: subtract, B = max(Cb − Cs, 0), and divide, B = min(Cb / Cs, 1) (Cs = 0 gives 1,
//! or 0 if Cb = 0). over is source-over (s + b (1 − as)); add is Porter-Duff plus,
//! clamped at 1. `opacity` multiplies every layer above the base.
//!
//! category: composite
//! inputs: 1..8

struct Params {
    mode: u32,    // choice=over|add|multiply|screen|overlay|difference|darken|lighten|subtract|divide|color_dodge|color_burn|hard_light|soft_light|exclusion|hue|saturation|color|luminosity default=over Blend mode (W3C compositing-1; subtract and divide added).
    opacity: f32, // default=1 range=0..1 Opacity of every layer above the base (0..1).
}

fn lum(c: vec3<f32>) -> f32 {
    return dot(c, vec3<f32>(0.3, 0.59, 0.11));
}

fn clip_color(c_in: vec3<f32>) -> vec3<f32> {
    var c = c_in;
    let l = lum(c);
    let n = min(c.r, min(c.g, c.b));
    let x = max(c.r, max(c.g, c.b));
    if n < 0.0 {
        c = l + (c - l) * l / max(l - n, 1e-12);
    }
    if x > 1.0 {
        c = l + (c - l) * (1.0 - l) / max(x - l, 1e-12);
    }
    return c;
}

fn set_lum(c: vec3<f32>, l: f32) -> vec3<f32> {
    return clip_color(c + (l - lum(c)));
}

fn sat(c: vec3<f32>) -> f32 {
    return max(c.r, max(c.g, c.b)) - min(c.r, min(c.g, c.b));
}

// The spec's SetSat: the largest component becomes s, the smallest 0, the middle one in
// proportion; a grey stays black.
fn set_sat(c: vec3<f32>, s: f32) -> vec3<f32> {
    let n = min(c.r, min(c.g, c.b));
    let range = max(c.r, max(c.g, c.b)) - n;
    if range <= 0.0 {
        return vec3<f32>(0.0);
    }
    return (c - n) * s / range;
}

fn multiply(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    return cb * cs;
}

fn screen(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    return cb + cs - cb * cs;
}

fn hard_light(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    return select(screen(cb, 2.0 * cs - 1.0), multiply(cb, 2.0 * cs), cs <= vec3<f32>(0.5));
}

fn color_dodge(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    let d = min(vec3<f32>(1.0), cb / max(1.0 - cs, vec3<f32>(1e-12)));
    return select(select(d, vec3<f32>(1.0), cs >= vec3<f32>(1.0)), vec3<f32>(0.0), cb <= vec3<f32>(0.0));
}

fn color_burn(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    let d = 1.0 - min(vec3<f32>(1.0), (1.0 - cb) / max(cs, vec3<f32>(1e-12)));
    return select(select(d, vec3<f32>(0.0), cs <= vec3<f32>(0.0)), vec3<f32>(1.0), cb >= vec3<f32>(1.0));
}

fn soft_light(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    let d = select(sqrt(cb), ((16.0 * cb - 12.0) * cb + 4.0) * cb, cb <= vec3<f32>(0.25));
    let lo = cb - (1.0 - 2.0 * cs) * cb * (1.0 - cb);
    let hi = cb + (2.0 * cs - 1.0) * (d - cb);
    return select(hi, lo, cs <= vec3<f32>(0.5));
}

fn divide(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    let d = min(cb / max(cs, vec3<f32>(1e-12)), vec3<f32>(1.0));
    let zero = select(vec3<f32>(1.0), vec3<f32>(0.0), cb <= vec3<f32>(0.0));
    return select(d, zero, cs <= vec3<f32>(0.0));
}

// B(Cb, Cs) of every mode but over (0) and add (1).
fn blend_fn(cb: vec3<f32>, cs: vec3<f32>) -> vec3<f32> {
    switch params.mode {
        case 2u: { return multiply(cb, cs); }
        case 3u: { return screen(cb, cs); }
        case 4u: { return hard_light(cs, cb); } // overlay = hard_light with the arguments swapped
        case 5u: { return abs(cb - cs); }
        case 6u: { return min(cb, cs); }
        case 7u: { return max(cb, cs); }
        case 8u: { return max(cb - cs, vec3<f32>(0.0)); }
        case 9u: { return divide(cb, cs); }
        case 10u: { return color_dodge(cb, cs); }
        case 11u: { return color_burn(cb, cs); }
        case 12u: { return hard_light(cb, cs); }
        case 13u: { return soft_light(cb, cs); }
        case 14u: { return cb + cs - 2.0 * cb * cs; }
        case 15u: { return set_lum(set_sat(cs, sat(cb)), lum(cb)); }
        case 16u: { return set_lum(set_sat(cb, sat(cs)), lum(cb)); }
        case 17u: { return set_lum(cs, lum(cb)); }
        default: { return set_lum(cb, lum(cs)); }
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
