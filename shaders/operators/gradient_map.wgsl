//! Colours an image by its luminance through a ramp of up to 8 stops (the way to colour noise).
//!
//! Luminance (Rec. 709 weights of the straight colour) is the position along the ramp:
//! black takes the first stop, white the last. `stops` and `positions` as in `ramp`. The
//! stop's alpha multiplies the pixel's.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"
#import "common/ramp.wgsl"

struct Params {
    stops: array<vec4<f32>, 8>,     // colors default=["#000000", "#ffffff"] The colours from black to white, in order (up to 8): "#rrggbb", [r, g, b] or [r, g, b, a].
    positions: array<vec4<f32>, 8>, // floats range=0..1 default=[] The luminance at which each stop sits (0..1, increasing); stops past the last position given are spread evenly up to 1.
    offset: f32,                    // default=0 range=-1000..1000 Added to the luminance before the lookup; animate it with extend = "repeat" to cycle the colours.
    extend: u32,                    // choice=clamp|repeat|mirror default=clamp Past the ends: clamp, repeat or mirror.
    stop_count: u32,                // count=stops
    position_count: u32,            // count=positions
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    let s = unpremultiply(c);
    let t = ramp_extend(dot(s.rgb, LUMA) + params.offset, params.extend);
    return ramp_at(t) * s.a;
}
