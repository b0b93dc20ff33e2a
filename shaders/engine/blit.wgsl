// The display / readback blit: the chain's output (premultiplied, display-referred,
// Rgba16Float) into a target of any format, letterboxed to keep the aspect ratio.
#import "common/fullscreen.wgsl"
#import "common/color.wgsl"

struct Blit {
    // Target uv -> source uv: src = (uv - offset) / scale.
    scale: vec2<f32>,
    offset: vec2<f32>,
    // 1 when the target view is sRGB-encoding: the shader pre-decodes so that the bytes
    // stored equal the chain's display-referred values.
    target_is_srgb: u32,
    // 1 to composite over black (a window); 0 to keep alpha (readback, host textures).
    opaque: u32,
    _pad: vec2<u32>,
}

@group(0) @binding(0) var<uniform> u: Blit;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let uv = (in.uv - u.offset) / u.scale;
    // Shrinking (a 4K output in a small window, an operator's thumbnail): one bilinear tap
    // would skip most source texels and shimmer; average a grid over the pixel's footprint.
    let fw = fwidth(uv);
    let footprint = max(fw.x, fw.y) * f32(max(textureDimensions(src).x, textureDimensions(src).y));
    let n = clamp(i32(ceil(footprint * 0.5)), 1, 6);
    var c = vec4<f32>(0.0);
    if all(uv >= vec2<f32>(0.0)) && all(uv <= vec2<f32>(1.0)) {
        if n == 1 {
            c = textureSampleLevel(src, samp, uv, 0.0);
        } else {
            for (var j = 0; j < n; j++) {
                for (var i = 0; i < n; i++) {
                    let o = (vec2<f32>(f32(i), f32(j)) + 0.5) / f32(n) - 0.5;
                    c += textureSampleLevel(src, samp, uv + o * fw, 0.0);
                }
            }
            c /= f32(n * n);
        }
    }
    if u.opaque != 0u {
        c = vec4<f32>(c.rgb, 1.0);
    }
    c = clamp(c, vec4<f32>(0.0), vec4<f32>(1.0));
    if u.target_is_srgb != 0u {
        c = vec4<f32>(srgb_to_linear(c.rgb), c.a);
    }
    return c;
}
