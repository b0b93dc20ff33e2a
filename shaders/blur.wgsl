// blur: one axis of a separable Gaussian. The kernel (computed on the CPU: the sampled
// Gaussian on ±ceil(4 sigma) taps, normalised to sum 1) arrives as a centre weight and up
// to 8 pairs of taps, each pair read with one bilinear fetch at its weighted offset. The
// sampler mirrors at the edges (half-sample symmetric), so a uniform image stays uniform
// and the image mean is preserved. With `pairs` 0 it is a plain resample (the pyramid's
// down- and upsampling passes).
#import "common/operator.wgsl"

struct Blur {
    header: FrameHeader,
    // (1, 0) horizontal or (0, 1) vertical.
    direction: vec2<f32>,
    center: f32,
    pairs: u32,
    // (offset, weight, offset, weight): two pairs per vec4.
    taps: array<vec4<f32>, 4>,
}

@group(0) @binding(0) var<uniform> u: Blur;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let texel = u.direction / vec2<f32>(textureDimensions(src));
    var sum = textureSampleLevel(src, samp, uv, 0.0) * u.center;
    for (var j = 0u; j < u.pairs; j++) {
        let t = u.taps[j / 2u];
        let odd = (j & 1u) == 1u;
        let offset = select(t.x, t.z, odd);
        let weight = select(t.y, t.w, odd);
        sum += weight * (textureSampleLevel(src, samp, uv + texel * offset, 0.0)
            + textureSampleLevel(src, samp, uv - texel * offset, 0.0));
    }
    return sum;
}
