// dither: each channel (un-premultiplied) quantised to `levels` levels with a threshold per
// pixel — from a Bayer matrix or the blue-noise map (operators/src/filters/dither.rs).
#import "common/operator.wgsl"
#import "common/color.wgsl"

struct Dither {
    header: FrameHeader,
    // 0 bayer2, 1 bayer4, 2 bayer8, 3 blue noise.
    pattern: u32,
    // Levels per channel (≥ 2).
    levels: f32,
    // Pattern cell, pixels.
    cell: f32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> u: Dither;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
// Rank of each pixel of the blue-noise map: high byte in red, low byte in green.
@group(0) @binding(3) var blue_noise: texture_2d<f32>;

// Threshold of the 2^bits × 2^bits Bayer matrix at (x, y), in (0, 1): the recursion
// M(2n) = [[4M, 4M + 2], [4M + 3, 4M + 1]], the finest bit of the position giving the
// most significant digit.
fn bayer(x: u32, y: u32, bits: u32) -> f32 {
    var v = 0u;
    for (var i = 0u; i < bits; i++) {
        let xb = (x >> i) & 1u;
        let yb = (y >> i) & 1u;
        v = v * 4u + (((xb ^ yb) << 1u) | yb);
    }
    return (f32(v) + 0.5) / f32(1u << (2u * bits));
}

fn threshold(px: vec2<u32>) -> f32 {
    switch u.pattern {
        case 0u: { return bayer(px.x, px.y, 1u); }
        case 1u: { return bayer(px.x, px.y, 2u); }
        case 2u: { return bayer(px.x, px.y, 3u); }
        default: {
            let size = textureDimensions(blue_noise);
            let t = textureLoad(blue_noise, px % size, 0);
            let rank = round(t.r * 255.0) * 256.0 + round(t.g * 255.0);
            return (rank + 0.5) / f32(size.x * size.y);
        }
    }
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    // Pattern cells from the top-left pixel.
    let px = vec2<u32>(floor(uv * u.header.resolution / max(u.cell, 1.0)));
    let t = threshold(px);
    let c = unpremultiply(textureSampleLevel(src, samp, uv, 0.0));
    let n = max(u.levels - 1.0, 1.0);
    let q = clamp(floor(c.rgb * n + t) / n, vec3<f32>(0.0), vec3<f32>(1.0));
    return premultiply(vec4<f32>(q, c.a));
}
