// hsv: rotate hue, scale saturation and value, on straight colour.
#import "common/operator.wgsl"
#import "common/color.wgsl"

struct Hsv {
    header: FrameHeader,
    // Turns (degrees / 360).
    hue_shift: f32,
    saturation: f32,
    value: f32,
    _pad: f32,
}

@group(0) @binding(0) var<uniform> u: Hsv;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(textureSampleLevel(src, samp, uv, 0.0));
    var h = rgb_to_hsv(s.rgb);
    h.x = fract(h.x + u.hue_shift + 1.0);
    h.y = clamp(h.y * u.saturation, 0.0, 1.0);
    h.z = h.z * u.value;
    return premultiply(vec4<f32>(hsv_to_rgb(h), s.a));
}
