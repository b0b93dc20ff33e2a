// hsv: rotate hue, scale saturation and value, on straight colour.
//
// A pointwise operator: this file holds its uniform struct and its function, no bindings.
// vivid generates the pass around it, and fuses it with the pointwise operators next to it
// in the chain into one pass (engine/src/fusion.rs). `c` is premultiplied, in and out.
#import "common/header.wgsl"
#import "common/color.wgsl"

struct Hsv {
    header: FrameHeader,
    // Turns (degrees / 360).
    hue_shift: f32,
    saturation: f32,
    value: f32,
    _pad: f32,
}

fn hsv(c: vec4<f32>, p: Hsv) -> vec4<f32> {
    let s = unpremultiply(c);
    var h = rgb_to_hsv(s.rgb);
    h.x = fract(h.x + p.hue_shift + 1.0);
    h.y = clamp(h.y * p.saturation, 0.0, 1.0);
    h.z = h.z * p.value;
    return premultiply(vec4<f32>(hsv_to_rgb(h), s.a));
}
