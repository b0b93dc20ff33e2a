// ring: writes the input into one layer of a frame ring (a 2D-array texture) — the state of
// `delay`, `time_machine` and `echo` (operators/src/temporal/ring.rs). Compute on GPUs
// (the layer is a uniform: one bind group for the whole ring), a fragment pass into a
// view of the layer on CPU drivers. The input is sampled at the ring's pixel centres, so
// an input of the ring's size is copied exactly.
#import "common/fullscreen.wgsl"
#import "common/header.wgsl"

struct Ring {
    header: FrameHeader,
    // The layer written this frame.
    layer: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Ring;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var ring: texture_storage_2d_array<rgba16float, write>;

@compute @workgroup_size(16, 16)
fn cs_write(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(ring);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let uv = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(size);
    textureStore(ring, id.xy, u.layer, textureSampleLevel(src, samp, uv, 0.0));
}

@fragment
fn fs_write(in: VsOut) -> @location(0) vec4<f32> {
    return textureSampleLevel(src, samp, in.uv, 0.0);
}
