// What every 2D operator shader shares: the 16-byte header its uniform struct starts with,
// coordinate helpers, and the two entry points that run the operator's
// `fn shade(uv: vec2<f32>) -> vec4<f32>` once per output pixel:
//   cs_main — compute, 16×16 workgroups (cs_main_quad: of 2×2 pixels each), storing into binding 15 (data-centre GPUs run
//             graphics on a few TPCs only: compute is ~25× faster on an H100);
//   fs_main — fragment, over the fullscreen triangle (faster on CPU drivers like lavapipe).
// The engine picks one per device (`PassMode`); both give the same pixels.
//
// Coordinates: `uv` is texture space at the pixel centre, (0,0) at the top-left corner,
// y down — use it to sample. `user_uv(uv)` is the space parameters are given in: (0,0)
// at the bottom-left, (1,1) at the top-right, y up.
//
// Bindings: 0 the uniform struct (dynamic offset), 1 the sampler, 2.. the inputs, 15 the
// output of the compute entry (Rgba16Float storage texture).
#import "common/fullscreen.wgsl"
#import "common/header.wgsl"

@group(0) @binding(15) var vivid_output: texture_storage_2d<rgba16float, write>;

@compute @workgroup_size(16, 16)
fn cs_main(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(vivid_output);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let uv = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(size);
    textureStore(vivid_output, id.xy, shade(uv));
}

// cs_main for an operator declared pointwise and drawn on its own (memory-bound: a pixel
// read, a pixel written): each invocation shades 2×2 pixels, 16 apart, so a 16×16
// workgroup covers 32×32. On the H200 a simple 1080p filter takes 8.1 µs so against
// 9.3 (floor 7.06; `examples/pass_cost.rs`); shaders that compute more than they move
// (noise, a fused run of 100 operators) lose 5–20 % this way, so they keep `cs_main`.
@compute @workgroup_size(16, 16)
fn cs_main_quad(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
    let size = textureDimensions(vivid_output);
    let base = wg.xy * 32u + l.xy;
    cs_pixel(base, size);
    cs_pixel(base + vec2<u32>(16u, 0u), size);
    cs_pixel(base + vec2<u32>(0u, 16u), size);
    cs_pixel(base + vec2<u32>(16u, 16u), size);
}

fn cs_pixel(p: vec2<u32>, size: vec2<u32>) {
    if p.x < size.x && p.y < size.y {
        let uv = (vec2<f32>(p) + 0.5) / vec2<f32>(size);
        textureStore(vivid_output, p, shade(uv));
    }
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    return shade(in.uv);
}

fn user_uv(uv: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(uv.x, 1.0 - uv.y);
}

fn texture_uv(p: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(p.x, 1.0 - p.y);
}

// Aspect ratio width / height.
fn aspect(h: FrameHeader) -> f32 {
    return h.resolution.x / h.resolution.y;
}
