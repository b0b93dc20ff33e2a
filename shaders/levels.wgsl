// levels: contrast around mid-grey, then brightness, then gamma, then optional invert,
// on straight (un-premultiplied) colour.
#import "common/operator.wgsl"
#import "common/color.wgsl"

struct Levels {
    header: FrameHeader,
    brightness: f32,
    contrast: f32,
    gamma: f32,
    invert: u32,
}

@group(0) @binding(0) var<uniform> u: Levels;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(textureSampleLevel(src, samp, uv, 0.0));
    var c = (s.rgb - 0.5) * u.contrast + 0.5;
    c = c * u.brightness;
    c = pow(max(c, vec3<f32>(0.0)), vec3<f32>(1.0 / u.gamma));
    if u.invert != 0u {
        c = 1.0 - c;
    }
    return premultiply(vec4<f32>(c, s.a));
}
