// solid: one colour everywhere.
#import "common/fullscreen.wgsl"

struct Solid {
    header: FrameHeader,
    // Premultiplied RGBA.
    color: vec4<f32>,
}

@group(0) @binding(0) var<uniform> u: Solid;

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    return u.color;
}
