// strobe: the input while on, transparent black while off. On or off is decided on the CPU
// from the frame's time in f64 (operators/src/temporal/strobe.rs), so that with `--fps`
// the same frames are on every run.
#import "common/operator.wgsl"

struct Strobe {
    header: FrameHeader,
    // 1 on, 0 off.
    gain: f32,
    _pad0: f32,
    _pad1: f32,
    _pad2: f32,
}

@group(0) @binding(0) var<uniform> u: Strobe;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    return textureSampleLevel(src, samp, uv, 0.0) * u.gain;
}
