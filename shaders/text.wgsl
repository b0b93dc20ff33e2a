// text: the coverage the CPU rasterised (red: fill, green: outline; operators/src/text/),
// shifted by `offset` when the text only moved, coloured — the fill over the outline — and
// laid over the input (transparent without one).
#import "common/operator.wgsl"

struct Text {
    header: FrameHeader,
    // Premultiplied.
    color: vec4<f32>,
    outline_color: vec4<f32>,
    // Pixels from where the coverage was rasterised to where the text is this frame.
    offset: vec2<f32>,
}

@group(0) @binding(0) var<uniform> u: Text;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;
@group(0) @binding(3) var coverage: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let size = vec2<f32>(textureDimensions(coverage));
    // The coverage, moved by `offset` (bilinear: exact at whole pixels); none beyond it.
    let p = uv * size - u.offset;
    var c = vec2<f32>(0.0);
    if all(p >= vec2<f32>(0.0)) && all(p <= size) {
        c = textureSampleLevel(coverage, samp, p / size, 0.0).rg;
    }
    let fill = u.color * c.r;
    let text = fill + u.outline_color * c.g * (1.0 - fill.a);
    let base = textureSampleLevel(src, samp, uv, 0.0);
    return text + base * (1.0 - text.a);
}
