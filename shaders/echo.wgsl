// echo: the input and `taps - 1` earlier frames, `spacing` frames apart, each `decay` times
// the one after it: added (a static image grows to c (1 - decay^taps) / (1 - decay)),
// the brightest of them, or their weighted average (a static image stays as it is).
// The frames are the ring's layers (operators/src/temporal/echo.rs, ring.rs).
#import "common/operator.wgsl"

struct Echo {
    header: FrameHeader,
    // The layer holding this frame.
    newest: u32,
    layers: u32,
    taps: u32,
    spacing: u32,
    decay: f32,
    // 0 add, 1 max, 2 average.
    mode: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Echo;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var ring: texture_2d_array<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = vec2<i32>(uv * vec2<f32>(textureDimensions(ring).xy));
    var sum = vec4<f32>(0.0);
    var weights = 0.0;
    var w = 1.0;
    for (var i = 0u; i < u.taps; i++) {
        let layer = (u.newest + u.layers - (i * u.spacing) % u.layers) % u.layers;
        let c = textureLoad(ring, p, i32(layer), 0) * w;
        if u.mode == 1u {
            sum = max(sum, c);
        } else {
            sum += c;
        }
        weights += w;
        w *= u.decay;
    }
    if u.mode == 2u {
        return sum / weights;
    }
    return vec4<f32>(sum.rgb, min(sum.a, 1.0));
}
