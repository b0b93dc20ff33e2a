//! Constant blocks: each cell of a grid shows the colour at its centre.
//!
//! The grid starts at the bottom-left corner; cells are `cell` pixels wide and high
//! (`unit = "pixels"`), or `cell` is how many of them fit across the width and height
//! (`unit = "count"`). A cell cut by the top or right edge shows the colour at its centre
//! clamped to the image.
//!
//! category: filter
//! inputs: 1

struct Params {
    cell: vec2<f32>, // default=[16, 16] range=0.001..100000 Cell [width, height]: in pixels, or cells across the width and height (see unit).
    unit: u32,       // choice=pixels|count default=pixels What `cell` counts: pixels per cell, or cells across the image.
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let res = vivid.resolution;
    var cell = max(params.cell, vec2<f32>(1e-3));
    if params.unit == 1u {
        cell = res / cell;
    }
    // Pixel position from the bottom-left corner.
    let px = user_uv(uv) * res;
    let centre = (floor(px / cell) + 0.5) * cell;
    let q = clamp(centre / res, vec2<f32>(0.0), vec2<f32>(1.0));
    return textureSampleLevel(input0, samp, texture_uv(q), 0.0);
}
