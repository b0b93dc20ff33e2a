// A wobble: every row of the input slides sideways along a sine wave.
// Edit it while vivid runs (`vivid examples/05-live-shader`) and save.
//
// The interface (`vivid operators --shader-api`, or shaders/common/interface.wgsl):
// `vivid.time`, `vivid.resolution`, `samp`, `input0`..`input3`, and `params` (the struct
// below). `uv` is texture space, (0,0) top-left and y down: sample with it. Parameters that
// are positions are written y up; `user_uv(uv)` converts.

struct Params {
    amount: f32,     // default=0.02 range=0..0.5 How far rows slide, as a fraction of the width
    frequency: f32,  // default=12 range=0..200 Waves across the height
    speed: f32,      // default=1 range=-20..20 Waves per second
    tint: vec4<f32>, // default=[1, 1, 1, 1] color Multiplies the result
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let phase = uv.y * params.frequency + vivid.time * params.speed;
    let shifted = uv + vec2<f32>(sin(phase) * params.amount, 0.0);
    return textureSampleLevel(input0, samp, shifted, 0.0) * params.tint;
}
