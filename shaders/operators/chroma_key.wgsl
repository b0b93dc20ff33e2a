//! Makes a key colour transparent (green screen), with a soft edge and spill suppression.
//!
//! Distance to the key is measured in chroma (the CbCr plane of BT.709 YCbCr), so the
//! screen's light and shade do not matter: within `range` a pixel is keyed out, past
//! `range + softness` it is kept, between it fades (smoothstep). `spill` takes the key's
//! hue out of what is kept (green fringes), keeping its luminance. The output is
//! premultiplied with the key's alpha times the pixel's.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    color: vec4<f32>, // default=[0, 1, 0, 1] color The key colour (its alpha is not used).
    range: f32,       // default=0.15 range=0..2 Chroma distance within which a colour is keyed out (0.15 keeps most colours unlike the key; pure red is ~1 from green).
    softness: f32,    // default=0.1 range=0..2 Chroma distance over which the key fades out past `range` (0: a hard edge).
    spill: f32,       // default=0.5 range=0..1 How much of the key's hue is taken out of what is kept (1: all of it).
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

// BT.709 chroma: (Cb, Cr).
fn chroma(rgb: vec3<f32>) -> vec2<f32> {
    let y = dot(rgb, LUMA);
    return vec2<f32>((rgb.b - y) / 1.8556, (rgb.r - y) / 1.5748);
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let key = chroma(params.color.rgb);
    var cc = chroma(s.rgb);
    let d = distance(cc, key);
    var keep = select(0.0, 1.0, d > params.range);
    if params.softness > 0.0 {
        keep = smoothstep(params.range, params.range + params.softness, d);
    }
    // Spill: the part of the chroma pointing towards the key's, removed.
    let k = length(key);
    if k > 1e-5 {
        let dir = key / k;
        cc -= params.spill * max(dot(cc, dir), 0.0) * dir;
    }
    let y = dot(s.rgb, LUMA);
    let r = y + 1.5748 * cc.y;
    let b = y + 1.8556 * cc.x;
    let g = (y - 0.2126 * r - 0.0722 * b) / 0.7152;
    return premultiply(vec4<f32>(r, g, b, s.a * keep));
}
