//! A checkerboard of square cells in two colours, anti-aliased by the exact pixel coverage.
//!
//! `scale` cells across the image height; a cell corner at `center`, whose upper-right
//! cell has `color_a`. Each pixel is the mean of the pattern over its area (exact when
//! unrotated: cells whose edges fall on pixel edges are crisp).
//!
//! category: generator
//! inputs: 0

struct Params {
    scale: f32,          // default=8 range=0.001..10000 Cells across the image height (cells are square).
    color_a: vec4<f32>,  // default=[1, 1, 1, 1] color Colour of the cell up and right of `center`, and every second one.
    color_b: vec4<f32>,  // default=[0, 0, 0, 1] color The other colour.
    center: vec2<f32>,   // default=[0.5, 0.5] A cell corner [x, y] in uv (0..1, y up); the pattern rotates and scales about it.
    rotate: f32,         // default=0 range=-36000..36000 Rotation, degrees counter-clockwise.
}

// The integral from 0 to x of the square wave that is +1 on [0, 1) and -1 on [1, 2).
fn square_integral(x: f32) -> f32 {
    return 1.0 - abs(fract(x * 0.5) * 2.0 - 1.0);
}

// The mean of that square wave over [x - w/2, x + w/2].
fn square_mean(x: f32, w: f32) -> f32 {
    if w <= 1e-6 {
        return select(-1.0, 1.0, fract(x * 0.5) < 0.5);
    }
    return (square_integral(x + 0.5 * w) - square_integral(x - 0.5 * w)) / w;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let d = (user_uv(uv) - params.center) * vec2<f32>(aspect(vivid), 1.0);
    let angle = radians(params.rotate);
    let c = cos(angle);
    let s = sin(angle);
    let q = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y) * params.scale;
    // A pixel's width in cells (turned: the width of its square's shadow on each axis).
    let w = params.scale / vivid.resolution.y * (abs(c) + abs(s));
    let v = square_mean(q.x, w) * square_mean(q.y, w);
    let a = vec4<f32>(params.color_a.rgb * params.color_a.a, params.color_a.a);
    let b = vec4<f32>(params.color_b.rgb * params.color_b.a, params.color_b.a);
    return mix(b, a, 0.5 + 0.5 * v);
}
