// video: a decoded frame's planes (I420, NV12, A420 or RGBA-like, 8 bits a sample; P010) converted
// to premultiplied display values with the stream's own colorimetry, fitted to the output
// like `image` — stretched, contained (transparent borders) or covering it (cropped).
// The `video` operator draws with it (vivid-media).
//
// The format texel (binding 6) says how to read the planes; it is uploaded with them, so
// it always describes the pixels bound: r = kind (0 I420, 1 NV12, 2 A420, 3 RGBA,
// 4 BGRA, 5 RGBx, 6 BGRx, 7 Y444, 8 Y42B, 9 P010: NV12's planes in 16-bit samples holding
// 10-bit codes), g = matrix (0 BT.601, 1 BT.709, 2 BT.2020, 3 FCC, 4 SMPTE 240M),
// b = range (0 limited, 1 full), a = alpha (1: the stream has it). The matrix is derived
// from Kr and Kb in `common/yuv.wgsl` (shared with `dmabuf_in`'s NV12 import), as
// `vivid_media::colorimetry::yuv_to_rgb` derives it.
#import "common/operator.wgsl"
#import "common/yuv.wgsl"

struct Video {
    header: FrameHeader,
    // 0 stretch, 1 contain, 2 cover.
    fit: u32,
    // 1: upside down.
    flip_y: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Video;
@group(0) @binding(1) var samp: sampler;
// Y (or RGBA), U (or UV), V, A.
@group(0) @binding(2) var plane0: texture_2d<f32>;
@group(0) @binding(3) var plane1: texture_2d<f32>;
@group(0) @binding(4) var plane2: texture_2d<f32>;
@group(0) @binding(5) var plane3: texture_2d<f32>;
@group(0) @binding(6) var format_texel: texture_2d<f32>;

// Straight RGBA of the frame at texture position p.
fn frame_color(p: vec2<f32>) -> vec4<f32> {
    let f = vec4<u32>(round(textureLoad(format_texel, vec2<i32>(0, 0), 0) * 255.0));
    let kind = f.r;
    let s0 = textureSampleLevel(plane0, samp, p, 0.0);
    if kind >= 3u && kind <= 6u {
        var c = s0;
        if kind == 4u || kind == 6u {
            c = c.bgra;
        }
        if kind >= 5u {
            c.a = 1.0;
        }
        return c;
    }
    let s1 = textureSampleLevel(plane1, samp, p, 0.0);
    var uv = s1.rg;
    if kind != 1u && kind != 9u {
        uv = vec2<f32>(s1.r, textureSampleLevel(plane2, samp, p, 0.0).r);
    }
    var yuv = vec3<f32>(s0.r, uv);
    if kind == 9u {
        yuv = p010_as_8bit(yuv, f.b);
    }
    let rgb = clamp(yuv_to_rgb(yuv, f.g, f.b), vec3<f32>(0.0), vec3<f32>(1.0));
    var a = 1.0;
    if kind == 2u {
        a = textureSampleLevel(plane3, samp, p, 0.0).r;
    }
    return vec4<f32>(rgb, a);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let out_size = u.header.resolution;
    let src_size = vec2<f32>(textureDimensions(plane0));
    // The part of the output the frame spans on each axis (1: exactly all of it).
    let r = (src_size.x / src_size.y) / (out_size.x / out_size.y);
    var extent = vec2<f32>(1.0);
    if u.fit == 1u {
        extent = select(vec2<f32>(r, 1.0), vec2<f32>(1.0, 1.0 / r), r > 1.0);
    } else if u.fit == 2u {
        extent = select(vec2<f32>(1.0, 1.0 / r), vec2<f32>(r, 1.0), r > 1.0);
    }
    // How much of this pixel the frame covers (contain's borders: 0; its edges: a part).
    let px = uv * out_size;
    let lo = (0.5 - 0.5 * extent) * out_size;
    let hi = (0.5 + 0.5 * extent) * out_size;
    let cover = clamp(min(px + 0.5, hi) - max(px - 0.5, lo), vec2<f32>(0.0), vec2<f32>(1.0));
    let coverage = cover.x * cover.y;
    if coverage <= 0.0 {
        return vec4<f32>(0.0);
    }
    var p = clamp((uv - 0.5) / extent + 0.5, vec2<f32>(0.0), vec2<f32>(1.0));
    if u.flip_y != 0u {
        p.y = 1.0 - p.y;
    }
    let c = frame_color(p);
    return vec4<f32>(c.rgb * c.a, c.a) * coverage;
}
