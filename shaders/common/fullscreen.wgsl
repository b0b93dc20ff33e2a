// Fullscreen triangle shared by every 2D operator, and the per-frame header every
// operator's uniform block starts with.
//
// Coordinates: `in.uv` is texture space, (0,0) at the top-left texel corner, y down —
// use it to sample. `user_uv(in.uv)` is the space parameters are given in: (0,0) at the
// bottom-left, (1,1) at the top-right, y up.

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
}

// 16 bytes, first member of every operator's uniform struct.
struct FrameHeader {
    // Output size in pixels.
    resolution: vec2<f32>,
    // Seconds.
    time: f32,
    // Frame index.
    frame: f32,
}

@vertex
fn vs_fullscreen(@builtin(vertex_index) index: u32) -> VsOut {
    let x = f32((index << 1u) & 2u);
    let y = f32(index & 2u);
    var out: VsOut;
    out.position = vec4<f32>(x * 2.0 - 1.0, 1.0 - y * 2.0, 0.0, 1.0);
    out.uv = vec2<f32>(x, y);
    return out;
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
