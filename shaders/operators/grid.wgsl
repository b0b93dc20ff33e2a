//! A grid of lines or dots over a background, anti-aliased by the exact pixel coverage.
//!
//! Lines every `spacing` (in units of the image height) through `center`, `width` wide;
//! or, with `style = "dots"`, a dot of diameter `width` at each crossing. Lines are the
//! mean of the pattern over each pixel's area (exact when unrotated).
//!
//! category: generator
//! inputs: 0

struct Params {
    style: u32,             // choice=lines|dots default=lines lines or dots.
    spacing: vec2<f32>,     // default=[0.1, 0.1] range=0.0001..1000 Distance between lines [x, y], in units of the image height.
    width: f32,             // default=0.005 range=0..1000 Line width or dot diameter, in units of the image height.
    color: vec4<f32>,       // default=[1, 1, 1, 1] color Colour of the lines or dots.
    background: vec4<f32>,  // default=[0, 0, 0, 0] color Colour between them (transparent: composite the grid over something).
    center: vec2<f32>,      // default=[0.5, 0.5] Where two lines cross (a dot sits) [x, y], in uv (0..1, y up).
    rotate: f32,            // default=0 range=-36000..36000 Rotation, degrees counter-clockwise.
}

// The integral from 0 to v of a pulse train: 1 on [k, k + w) for every integer k.
fn pulse_integral(v: f32, w: f32) -> f32 {
    return floor(v) * w + min(fract(v), w);
}

// How much of [u - fp/2, u + fp/2] lies in lines `w` wide centred on the integers.
fn line_cover(u: f32, w: f32, fp: f32) -> f32 {
    let v = u + 0.5 * w;
    if fp <= 1e-6 {
        return select(0.0, 1.0, fract(v) < w);
    }
    return clamp((pulse_integral(v + 0.5 * fp, w) - pulse_integral(v - 0.5 * fp, w)) / fp, 0.0, 1.0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let d = (user_uv(uv) - params.center) * vec2<f32>(aspect(vivid), 1.0);
    let angle = radians(params.rotate);
    let c = cos(angle);
    let s = sin(angle);
    let q = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let spacing = max(params.spacing, vec2<f32>(1e-4));
    // A pixel's size in units of the image height (turned: its shadow on each axis).
    let px = 1.0 / vivid.resolution.y;
    var cover = 0.0;
    if params.style == 1u {
        let cell = (fract(q / spacing + 0.5) - 0.5) * spacing;
        let sd = length(cell) - 0.5 * params.width;
        cover = clamp(0.5 - sd / px, 0.0, 1.0);
    } else {
        let w = min(params.width / spacing, vec2<f32>(1.0));
        let fp = px * (abs(c) + abs(s)) / spacing;
        let cx = line_cover(q.x / spacing.x, w.x, fp.x);
        let cy = line_cover(q.y / spacing.y, w.y, fp.y);
        cover = cx + cy - cx * cy;
    }
    let fg = vec4<f32>(params.color.rgb * params.color.a, params.color.a);
    let bg = vec4<f32>(params.background.rgb * params.background.a, params.background.a);
    return mix(bg, fg, cover);
}
