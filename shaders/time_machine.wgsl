// time_machine: every pixel delayed by its own number of frames, read from the second
// input's luminance: 0 shows the input now, 1 shows it `frames` frames ago (a slit-scan
// when the map is a gradient). Fractional delays blend the two nearest frames (`smooth`).
// The frames are the ring's layers (operators/src/temporal/time_machine.rs, ring.rs).
#import "common/operator.wgsl"

struct TimeMachine {
    header: FrameHeader,
    // Longest delay, frames.
    frames: f32,
    // The layer holding this frame.
    newest: u32,
    layers: u32,
    // 1: blend the two nearest frames; 0: the nearest one.
    blend: u32,
}

@group(0) @binding(0) var<uniform> u: TimeMachine;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var map: texture_2d<f32>;
@group(0) @binding(3) var ring: texture_2d_array<f32>;

// The layer of the frame `k` frames before this one.
fn frame_ago(p: vec2<i32>, k: u32) -> vec4<f32> {
    let layer = (u.newest + u.layers - k % u.layers) % u.layers;
    return textureLoad(ring, p, i32(layer), 0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = vec2<i32>(uv * vec2<f32>(textureDimensions(ring).xy));
    let m = textureSampleLevel(map, samp, uv, 0.0);
    let luma = dot(m.rgb, vec3<f32>(0.2126, 0.7152, 0.0722));
    let d = clamp(luma, 0.0, 1.0) * u.frames;
    let k = floor(d);
    let t = d - k;
    let a = frame_ago(p, u32(k));
    if u.blend == 0u {
        return select(a, frame_ago(p, u32(k) + 1u), t >= 0.5);
    }
    if t <= 0.0 {
        return a;
    }
    return mix(a, frame_ago(p, u32(k) + 1u), t);
}
