// delay: the input `frames` frames ago, read from the frame ring (operators/src/temporal/
// delay.rs, ring.rs). Transparent black until that many frames have gone by.
#import "common/operator.wgsl"

struct Delay {
    header: FrameHeader,
    // The ring layer holding the frame to show.
    layer: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Delay;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var ring: texture_2d_array<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = vec2<i32>(uv * vec2<f32>(textureDimensions(ring).xy));
    return textureLoad(ring, p, i32(u.layer), 0);
}
