//! Reflects one side of the image onto the other, across a vertical and/or horizontal line.
//!
//! horizontal: across the vertical line x = position.x (left and right meet), vertical:
//! across the horizontal line y = position.y, both: both (four quadrants from one).
//! `side` says which side is kept. Off-centre, the reflection may reach past the image:
//! `extend` says what is shown there.
//!
//! category: filter
//! inputs: 1
#import "common/warp.wgsl"

struct Params {
    axes: u32,            // choice=horizontal|vertical|both default=horizontal horizontal (x reflected), vertical (y reflected) or both.
    position: vec2<f32>,  // default=[0.5, 0.5] Where the mirror lines are [x, y], uv (0..1, y up).
    side: u32,            // choice=first|second default=first Which side is kept: first (left / bottom) or second (right / top).
    extend: u32,          // choice=transparent|clamp|repeat|mirror default=transparent Past the image: transparent, clamp, repeat or mirror.
}

// `x` reflected across `m` if it lies on the side that is replaced.
fn fold(x: f32, m: f32) -> f32 {
    if params.side == 0u {
        return select(x, 2.0 * m - x, x > m);
    }
    return select(x, 2.0 * m - x, x < m);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    var p = user_uv(uv);
    if params.axes != 1u {
        p.x = fold(p.x, params.position.x);
    }
    if params.axes != 0u {
        p.y = fold(p.y, params.position.y);
    }
    return sample_extend(input0, texture_uv(p), params.extend);
}
