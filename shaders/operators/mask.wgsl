//! Masks the first input by the second: its alpha or luminance becomes the first's alpha.
//!
//! m is input 1's alpha, or its luminance (Rec. 709 weights on its premultiplied colour:
//! transparent counts as black), inverted if asked; the output is input 0 · m
//! (premultiplied: an opaque picture gets alpha m, a transparent part stays transparent).
//!
//! category: composite
//! inputs: 2

struct Params {
    channel: u32,  // choice=alpha|luminance default=alpha What of the mask (input 1) is used: its alpha or its luminance.
    invert: u32,   // bool default=false Use 1 − m: show where the mask is not.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let m = textureSampleLevel(input1, samp, uv, 0.0);
    var k = m.a;
    if params.channel == 1u {
        k = clamp(dot(m.rgb, vec3<f32>(0.2126, 0.7152, 0.0722)), 0.0, 1.0);
    }
    if params.invert != 0u {
        k = 1.0 - k;
    }
    return textureSampleLevel(input0, samp, uv, 0.0) * k;
}
