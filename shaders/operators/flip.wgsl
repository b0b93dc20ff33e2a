//! Flips the image left-right, upside down, or both.
//!
//! category: filter
//! inputs: 1

struct Params {
    axes: u32, // choice=horizontal|vertical|both default=horizontal horizontal (left and right swap), vertical (top and bottom swap) or both.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    var q = uv;
    if params.axes != 1u {
        q.x = 1.0 - q.x;
    }
    if params.axes != 0u {
        q.y = 1.0 - q.y;
    }
    return textureSampleLevel(input0, samp, q, 0.0);
}
