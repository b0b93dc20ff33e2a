// bloom: the bright parts of the image, spread wide and added back (operators/src/filters/
// bloom.rs has the plan). Passes, each a convex combination (so every level keeps the
// image's mean light):
//   mode 0  prefilter and halve: each of the 2×2 input pixels through the soft-knee
//           threshold, averaged (textureLoad: the mean is exactly the prefiltered mean);
//   mode 1  halve: the 13-tap downsample (Jimenez, "Next Generation Post Processing in
//           Call of Duty: Advanced Warfare", 2014) — four overlapping 2×2 boxes and a
//           centre one;
//   mode 2  up: this level mixed with the 3×3 tent of the level below, by `scatter`;
//   mode 3  the input plus `intensity` times the tent of the first level.
#import "common/operator.wgsl"

struct Bloom {
    header: FrameHeader,
    threshold: f32,
    // Width of the soft knee below the threshold, in brightness.
    knee: f32,
    intensity: f32,
    // Weight of the deeper levels (0: the first level only).
    scatter: f32,
    mode: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Bloom;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var low: texture_2d<f32>;

// How much of a premultiplied colour passes the threshold: none up to threshold - knee, a
// quadratic ramp across the knee, and above it what exceeds the threshold (Karis' soft
// knee), as a fraction of the colour.
fn prefilter(c: vec4<f32>) -> vec4<f32> {
    let brightness = max(c.r, max(c.g, c.b));
    let knee = max(u.knee, 1e-5);
    let soft = clamp(brightness - u.threshold + knee, 0.0, 2.0 * knee);
    let ramp = soft * soft / (4.0 * knee);
    let part = max(ramp, brightness - u.threshold) / max(brightness, 1e-5);
    return c * clamp(part, 0.0, 1.0);
}

fn prefilter_halve(uv: vec2<f32>) -> vec4<f32> {
    let p = vec2<i32>(floor(uv * u.header.resolution)) * 2;
    let last = vec2<i32>(textureDimensions(src)) - 1;
    var sum = vec4<f32>(0.0);
    for (var j = 0; j < 2; j++) {
        for (var i = 0; i < 2; i++) {
            sum += prefilter(textureLoad(src, min(p + vec2<i32>(i, j), last), 0));
        }
    }
    return sum * 0.25;
}

fn tap(uv: vec2<f32>, texel: vec2<f32>, x: f32, y: f32) -> vec4<f32> {
    return textureSampleLevel(src, samp, uv + texel * vec2<f32>(x, y), 0.0);
}

fn halve(uv: vec2<f32>) -> vec4<f32> {
    let t = 1.0 / vec2<f32>(textureDimensions(src));
    let corners = tap(uv, t, -2.0, -2.0) + tap(uv, t, 2.0, -2.0) + tap(uv, t, -2.0, 2.0)
        + tap(uv, t, 2.0, 2.0);
    let edges = tap(uv, t, 0.0, -2.0) + tap(uv, t, -2.0, 0.0) + tap(uv, t, 2.0, 0.0)
        + tap(uv, t, 0.0, 2.0);
    let inner = tap(uv, t, -1.0, -1.0) + tap(uv, t, 1.0, -1.0) + tap(uv, t, -1.0, 1.0)
        + tap(uv, t, 1.0, 1.0);
    return tap(uv, t, 0.0, 0.0) * 0.125 + corners * 0.03125 + edges * 0.0625 + inner * 0.125;
}

// The 3×3 tent (1 2 1 / 2 4 2 / 1 2 1, / 16) of the level below, one of its texels apart.
fn tent(uv: vec2<f32>) -> vec4<f32> {
    let t = 1.0 / vec2<f32>(textureDimensions(low));
    var sum = vec4<f32>(0.0);
    for (var j = -1; j <= 1; j++) {
        for (var i = -1; i <= 1; i++) {
            let w = f32((2 - abs(i)) * (2 - abs(j)));
            sum += w * textureSampleLevel(low, samp, uv + t * vec2<f32>(f32(i), f32(j)), 0.0);
        }
    }
    return sum / 16.0;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    switch u.mode {
        case 0u: {
            return prefilter_halve(uv);
        }
        case 1u: {
            return halve(uv);
        }
        case 2u: {
            return mix(textureSampleLevel(src, samp, uv, 0.0), tent(uv), u.scatter);
        }
        default: {
            let c = textureSampleLevel(src, samp, uv, 0.0);
            let glow = tent(uv) * u.intensity;
            return vec4<f32>(c.rgb + glow.rgb, min(c.a + glow.a, 1.0));
        }
    }
}
