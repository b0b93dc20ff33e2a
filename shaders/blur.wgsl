// blur: one axis of a separable Gaussian of standard deviation `sigma` pixels. The
// kernel is the sampled Gaussian on -n..n (n = ceil(4 sigma)), normalised to sum 1; pairs
// of taps share one bilinear fetch. The sampler mirrors at the edges (half-sample
// symmetric), so a uniform image stays uniform and the image mean is preserved.
#import "common/fullscreen.wgsl"

struct Blur {
    header: FrameHeader,
    // (1, 0) horizontal or (0, 1) vertical.
    direction: vec2<f32>,
    sigma: f32,
    // Kernel half-width in taps.
    half_width: u32,
}

@group(0) @binding(0) var<uniform> u: Blur;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let texel = u.direction / vec2<f32>(textureDimensions(src));
    var sum = textureSampleLevel(src, samp, in.uv, 0.0);
    if u.half_width == 0u || u.sigma <= 0.0 {
        return sum;
    }
    let k = -0.5 / (u.sigma * u.sigma);
    var total = 1.0;
    var i = 1u;
    loop {
        if i > u.half_width {
            break;
        }
        let x0 = f32(i);
        let w0 = exp(k * x0 * x0);
        var w1 = 0.0;
        if i + 1u <= u.half_width {
            let x1 = x0 + 1.0;
            w1 = exp(k * x1 * x1);
        }
        let w = w0 + w1;
        let offset = (x0 * w0 + (x0 + 1.0) * w1) / w;
        sum += w * (textureSampleLevel(src, samp, in.uv + texel * offset, 0.0)
            + textureSampleLevel(src, samp, in.uv - texel * offset, 0.0));
        total += 2.0 * w;
        i += 2u;
    }
    return sum / total;
}
