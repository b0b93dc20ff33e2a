// image: a picture (premultiplied display values, with mips) fitted to the output —
// stretched, contained (transparent borders, antialiased edges) or covering it (cropped).
#import "common/operator.wgsl"

struct Image {
    header: FrameHeader,
    // 0 stretch, 1 contain, 2 cover.
    fit: u32,
    // 1: upside down.
    flip_y: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Image;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var picture: texture_2d<f32>;

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let out_size = u.header.resolution;
    let src_size = vec2<f32>(textureDimensions(picture));
    // The part of the output the picture spans on each axis (1: exactly all of it).
    let r = (src_size.x / src_size.y) / (out_size.x / out_size.y);
    var extent = vec2<f32>(1.0);
    if u.fit == 1u {
        extent = select(vec2<f32>(r, 1.0), vec2<f32>(1.0, 1.0 / r), r > 1.0);
    } else if u.fit == 2u {
        extent = select(vec2<f32>(1.0, 1.0 / r), vec2<f32>(r, 1.0), r > 1.0);
    }
    // How much of this pixel the picture covers (contain's borders: 0; its edges: a part).
    let px = uv * out_size;
    let lo = (0.5 - 0.5 * extent) * out_size;
    let hi = (0.5 + 0.5 * extent) * out_size;
    let cover = clamp(min(px + 0.5, hi) - max(px - 0.5, lo), vec2<f32>(0.0), vec2<f32>(1.0));
    let coverage = cover.x * cover.y;
    if coverage <= 0.0 {
        return vec4<f32>(0.0);
    }
    // Texture space (y down, as the file's rows): the picture centred, scaled by `extent`.
    var p = clamp((uv - 0.5) / extent + 0.5, vec2<f32>(0.0), vec2<f32>(1.0));
    if u.flip_y != 0u {
        p.y = 1.0 - p.y;
    }
    // Picture texels per output pixel: above 1, a smaller mip level.
    let texels = src_size / (out_size * extent);
    let lod = log2(max(max(texels.x, texels.y), 1.0));
    return textureSampleLevel(picture, samp, p, lod) * coverage;
}
