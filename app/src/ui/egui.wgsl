// egui's meshes, drawn by `ui/painter.rs` over the display in the frame's encoder.
//
// egui's colours are sRGB-encoded and premultiplied, and it blends in that encoded space
// ("gamma space"); its textures are uploaded as sRGB, so sampling decodes them and this
// shader encodes them again before multiplying. The result is written as-is into a
// non-sRGB target (the display texture, whose bytes are display values), or decoded for
// an sRGB target, whose hardware encodes it back.

struct Screen {
    // The target's size in egui points.
    size: vec2<f32>,
    // 1 when the target is an sRGB format.
    target_srgb: u32,
    _pad: u32,
};

@group(0) @binding(0) var<uniform> screen: Screen;
@group(1) @binding(0) var tex: texture_2d<f32>;
@group(1) @binding(1) var samp: sampler;

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) uv: vec2<f32>,
    @location(1) color: vec4<f32>,
};

@vertex
fn vs_main(
    @location(0) pos: vec2<f32>,
    @location(1) uv: vec2<f32>,
    @location(2) color: u32,
) -> VsOut {
    var out: VsOut;
    out.position = vec4<f32>(
        2.0 * pos.x / screen.size.x - 1.0,
        1.0 - 2.0 * pos.y / screen.size.y,
        0.0,
        1.0,
    );
    out.uv = uv;
    // Color32 is [r, g, b, a] bytes: r is the lowest byte of the little-endian u32.
    out.color = unpack4x8unorm(color);
    return out;
}

fn encode_srgb(linear: vec3<f32>) -> vec3<f32> {
    let cutoff = linear < vec3<f32>(0.0031308);
    let lower = linear * 12.92;
    let higher = 1.055 * pow(max(linear, vec3<f32>(0.0)), vec3<f32>(1.0 / 2.4)) - 0.055;
    return select(higher, lower, cutoff);
}

fn decode_srgb(encoded: vec3<f32>) -> vec3<f32> {
    let cutoff = encoded < vec3<f32>(0.04045);
    let lower = encoded / 12.92;
    let higher = pow((max(encoded, vec3<f32>(0.0)) + 0.055) / 1.055, vec3<f32>(2.4));
    return select(higher, lower, cutoff);
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let t = textureSample(tex, samp, in.uv);
    let texel = vec4<f32>(encode_srgb(t.rgb), t.a);
    let c = in.color * texel;
    if screen.target_srgb == 1u {
        return vec4<f32>(decode_srgb(c.rgb), c.a);
    }
    return c;
}
