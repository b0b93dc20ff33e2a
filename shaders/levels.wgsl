// levels: contrast around mid-grey, then brightness, then gamma, then optional invert,
// on straight (un-premultiplied) colour.
//
// A pointwise operator: this file holds its uniform struct and its function, no bindings.
// vivid generates the pass around it, and fuses it with the pointwise operators next to it
// in the chain into one pass (engine/src/fusion.rs). `c` is premultiplied, in and out.
#import "common/header.wgsl"
#import "common/color.wgsl"

struct Levels {
    header: FrameHeader,
    brightness: f32,
    contrast: f32,
    gamma: f32,
    invert: u32,
}

fn levels(c: vec4<f32>, p: Levels) -> vec4<f32> {
    let s = unpremultiply(c);
    var rgb = (s.rgb - 0.5) * p.contrast + 0.5;
    rgb = rgb * p.brightness;
    rgb = pow(max(rgb, vec3<f32>(0.0)), vec3<f32>(1.0 / p.gamma));
    if p.invert != 0u {
        rgb = 1.0 - rgb;
    }
    return premultiply(vec4<f32>(rgb, s.a));
}
