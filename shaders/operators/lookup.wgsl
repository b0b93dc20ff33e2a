//! Colours an image through a second one used as a lookup table: luminance picks the colour along a row of it.
//!
//! Input 0 is the image, input 1 the table: luminance (Rec. 709 weights of the straight
//! colour) 0..1 runs from the centre of its first pixel to the centre of its last along
//! the row at height `row`. With `channel = "rgb"`, red, green and blue each look up
//! their own channel. The table's alpha multiplies the pixel's. TouchDesigner's Lookup.
//!
//! category: filter
//! inputs: 2

struct Params {
    channel: u32, // choice=luminance|rgb default=luminance luminance: one lookup for the colour; rgb: one per channel.
    row: f32,     // default=0.5 range=0..1 Which row of the table, in uv (0 bottom, 1 top): a table of several palettes picks one.
}

const LUMA: vec3<f32> = vec3<f32>(0.2126, 0.7152, 0.0722);

// The table's (premultiplied) colour at `x` in 0..1 along the chosen row.
fn table(x: f32) -> vec4<f32> {
    let size = vec2<f32>(textureDimensions(input1));
    let u = (clamp(x, 0.0, 1.0) * (size.x - 1.0) + 0.5) / size.x;
    return textureSampleLevel(input1, samp, vec2<f32>(u, 1.0 - params.row), 0.0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let c = textureSampleLevel(input0, samp, uv, 0.0);
    let s = select(vec4<f32>(0.0), vec4<f32>(c.rgb / c.a, c.a), c.a > 0.0);
    if params.channel == 1u {
        let r = table(s.r);
        let g = table(s.g);
        let b = table(s.b);
        let straight = vec3<f32>(
            select(0.0, r.r / r.a, r.a > 0.0),
            select(0.0, g.g / g.a, g.a > 0.0),
            select(0.0, b.b / b.a, b.a > 0.0),
        );
        return vec4<f32>(straight * s.a, s.a);
    }
    return table(dot(s.rgb, LUMA)) * s.a;
}
