// Helpers of the operators that move pixels (displace, mirror, kaleido, lens, polar...).
//
// `sample_extend`: sampling past the edges of an input, as their shared `extend` parameter says:
//     extend: u32, // choice=transparent|clamp|repeat|mirror default=transparent
// 0 transparent black outside the image, 1 the edge clamped, 2 repeated, 3 mirrored.
// Uses the samplers of common/interface.wgsl (an operator's shader has them).

fn sample_extend(t: texture_2d<f32>, uv: vec2<f32>, extend: u32) -> vec4<f32> {
    switch extend {
        case 1u: { return textureSampleLevel(t, samp, uv, 0.0); }
        case 2u: { return textureSampleLevel(t, samp_repeat, uv, 0.0); }
        case 3u: { return textureSampleLevel(t, samp_mirror, uv, 0.0); }
        default: {
            if any(uv < vec2<f32>(0.0)) || any(uv > vec2<f32>(1.0)) {
                return vec4<f32>(0.0);
            }
            return textureSampleLevel(t, samp, uv, 0.0);
        }
    }
}

// Rotates `d` by `angle` radians counter-clockwise (y up).
fn rotate_ccw(d: vec2<f32>, angle: f32) -> vec2<f32> {
    let c = cos(angle);
    let s = sin(angle);
    return vec2<f32>(c * d.x - s * d.y, s * d.x + c * d.y);
}
