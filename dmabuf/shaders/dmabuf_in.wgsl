// dmabuf_in: a host's buffer (premultiplied display values, 8-bit or half float; or NV12 or
// P010 Y'CbCr, converted with the stream's matrix and range), sampled where it lies — texel for
// texel when it is the output's size, bilinear otherwise. NV12's chroma plane is half size,
// sited at the centre of each 2×2 luma block and filtered bilinearly (as `video.wgsl` does).
#import "common/operator.wgsl"
#import "common/yuv.wgsl"

struct DmabufIn {
    header: FrameHeader,
    // 1: the fourth channel is padding (XB24, XR24): opaque.
    opaque: u32,
    // 1: NV12: `buffer` is luma (R8), `chroma` interleaved Cb, Cr (RG8) at half size;
    // 2: P010: the same in R16, RG16 (10-bit codes in the high bits).
    planar: u32,
    // The matrix and range of NV12 (`common/yuv.wgsl`).
    matrix: u32,
    range: u32,
}

@group(0) @binding(0) var<uniform> u: DmabufIn;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var buffer: texture_2d<f32>;
@group(0) @binding(3) var chroma: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let dims = textureDimensions(buffer);
    var c: vec4<f32>;
    if all(vec2<f32>(dims) == u.header.resolution) {
        let p = min(vec2<u32>(uv * vec2<f32>(dims)), dims - vec2<u32>(1u));
        c = textureLoad(buffer, p, 0);
    } else {
        c = textureSampleLevel(buffer, samp, uv, 0.0);
    }
    if u.planar != 0u {
        let cbcr = textureSampleLevel(chroma, samp, uv, 0.0).rg;
        var yuv = vec3<f32>(c.r, cbcr);
        if u.planar == 2u {
            yuv = p010_as_8bit(yuv, u.range);
        }
        let rgb = yuv_to_rgb(yuv, u.matrix, u.range);
        return vec4<f32>(clamp(rgb, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
    }
    if u.opaque != 0u {
        c.a = 1.0;
    }
    return c;
}
