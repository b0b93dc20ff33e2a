// audio_texture: an audio operator's data texture (`audio_spectrum`, `audio_waveform`:
// one texel per bin or sample, one row per frame of history, written as a ring) mapped
// onto the output — texel column by x, newest row at the top (operators/src/audio/).
#import "common/operator.wgsl"

struct AudioTexture {
    header: FrameHeader,
    // Data texels across.
    width: u32,
    // Rows of history.
    rows: u32,
    // The row written this frame.
    head: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> u: AudioTexture;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var data: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let x = min(u32(max(uv.x, 0.0) * f32(u.width)), u.width - 1u);
    let age = min(u32(max(uv.y, 0.0) * f32(u.rows)), u.rows - 1u);
    let row = (u.head + u.rows - age) % u.rows;
    return textureLoad(data, vec2<i32>(i32(x), i32(row)), 0);
}
