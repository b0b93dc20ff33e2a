//! One hue for the whole image: luminance becomes lightness of a colour of the given hue and saturation.
//!
//! HSL: each pixel becomes (hue, saturation, its luminance) — black stays black, white
//! white, mid-grey the pure colour at full saturation (Photoshop's colorize). Luminance
//! with Rec. 709 weights of the straight colour; alpha is kept; `amount` mixes with the
//! input.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    hue: f32,        // default=30 range=-36000..36000 Hue, degrees (0 red, 120 green, 240 blue).
    saturation: f32, // default=0.5 range=0..1 Saturation (0: grey, 1: the purest colour).
    amount: f32,     // default=1 range=0..1 0: the input unchanged, 1: fully colourised.
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

fn hsl_to_rgb(h: f32, s: f32, l: f32) -> vec3<f32> {
    let k = vec3<f32>(0.0, 2.0 / 3.0, 1.0 / 3.0);
    let hue = clamp(abs(fract(vec3<f32>(h) + k) * 6.0 - 3.0) - 1.0, vec3<f32>(0.0), vec3<f32>(1.0));
    return l + s * (hue - 0.5) * (1.0 - abs(2.0 * l - 1.0));
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let l = clamp(dot(s.rgb, LUMA), 0.0, 1.0);
    let rgb = hsl_to_rgb(fract(params.hue / 360.0), params.saturation, l);
    return premultiply(vec4<f32>(mix(s.rgb, rgb, params.amount), s.a));
}
