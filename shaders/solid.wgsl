// solid: one colour everywhere.
#import "common/operator.wgsl"

struct Solid {
    header: FrameHeader,
    // Premultiplied RGBA.
    color: vec4<f32>,
}

@group(0) @binding(0) var<uniform> u: Solid;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    return u.color;
}
