// dmabuf_in: a host's buffer (premultiplied display values, 8-bit or half float), sampled
// where it lies — texel for texel when it is the output's size, bilinear otherwise.
#import "common/operator.wgsl"

struct DmabufIn {
    header: FrameHeader,
    // 1: the fourth channel is padding (XB24, XR24): opaque.
    opaque: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: DmabufIn;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var buffer: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let dims = textureDimensions(buffer);
    var c: vec4<f32>;
    if all(vec2<f32>(dims) == u.header.resolution) {
        let p = min(vec2<u32>(uv * vec2<f32>(dims)), dims - vec2<u32>(1u));
        c = textureLoad(buffer, p, 0);
    } else {
        c = textureSampleLevel(buffer, samp, uv, 0.0);
    }
    if u.opaque != 0u {
        c.a = 1.0;
    }
    return c;
}
