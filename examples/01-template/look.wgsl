//! A light that follows a point: what is near it keeps its colour, what is far falls dark.
//
// This project's own shader (`type = "shader"`, `shader = "look.wgsl"` in chain.toml). Edit it
// while vivid runs and save: the change shows at once; a mistake is shown with its line and
// column while the last good version keeps running. The whole interface — `vivid.time`,
// `vivid.resolution`, the samplers, `input0`..`input3` — is printed by
// `vivid operators --shader-api`.

// The parameters: set them in chain.toml, with --set look.reach=1.2, or in the inspector
// (Tab). After each field: default=, range=lo..hi, color, then a description.
struct Params {
    center: vec2<f32>,  // default=[0.5, 0.5] Where the light is, in uv: (0,0) bottom-left, y up
    reach: f32,         // default=0.6 range=0.05..4 How far the light reaches, in image heights
    tint: vec4<f32>,    // default=[1, 0.95, 0.9, 1] color The light's colour
}

// The colour of the output pixel at `uv`, premultiplied RGBA.
fn shade(uv: vec2<f32>) -> vec4<f32> {
    // `uv` is the pixel in texture space, (0,0) top-left and y down: sample inputs with it.
    let c = textureSampleLevel(input0, samp, uv, 0.0);
    // `user_uv(uv)` is the same pixel in the space parameters are written in (y up).
    let p = user_uv(uv);
    // The distance in image heights (x times the aspect ratio, so the light is round).
    let d = length((p - params.center) * vec2<f32>(aspect(vivid), 1.0));
    let light = exp(-(d * d) / (params.reach * params.reach));
    return vec4<f32>(c.rgb * mix(vec3<f32>(0.3), params.tint.rgb * 1.15, light), c.a);
}
