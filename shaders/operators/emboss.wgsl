//! Emboss: the image as a relief lit from one side, grey (or per channel) around mid-grey.
//!
//! 0.5 + strength · (v(p − l) − v(p + l)), l a step of `distance` pixels towards the light
//! (`rotate`), v the luma (grey) or each channel (color), premultiplied values; a uniform
//! image gives mid-grey. Edges clamped; the output is opaque.
//!
//! category: filter
//! inputs: 1

struct Params {
    rotate: f32,    // default=135 range=-36000..36000 Where the light comes from, degrees counter-clockwise from the right (135: top-left).
    strength: f32,  // default=2 range=0..1000 Height of the relief.
    distance: f32,  // default=1 range=0..1000 Step between the two samples, pixels.
    mode: u32,      // choice=grey|color default=grey grey (from the luma) or color (per channel).
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let t = radians(params.rotate);
    // Towards the light, in texture space (y down).
    let l = params.distance * vec2<f32>(cos(t), -sin(t)) / vivid.resolution;
    let lo = textureSampleLevel(input0, samp, uv - l, 0.0).rgb;
    let hi = textureSampleLevel(input0, samp, uv + l, 0.0).rgb;
    var d = lo - hi;
    if params.mode == 0u {
        d = vec3<f32>(dot(d, vec3<f32>(0.2126, 0.7152, 0.0722)));
    }
    return vec4<f32>(clamp(0.5 + params.strength * d, vec3<f32>(0.0), vec3<f32>(1.0)), 1.0);
}
