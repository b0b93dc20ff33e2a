//! An anti-aliased SDF shape (circle, rect, triangle, star, ring, polygon), filled or outlined, on transparent black.
//!
//! With `stroke` > 0 only a band that wide inside the shape's edge is drawn (the outline
//! keeps the filled shape's outer size). Distances are exact for circles, rects and the
//! star family at equal width and height; for an ellipse they are approximate.
//!
//! category: generator
//! inputs: 0

struct Params {
    kind: u32,              // choice=circle|rect|triangle|star|ring|polygon default=circle group=Shape circle, rect, triangle, star, ring or polygon.
    shape_size: vec2<f32>,  // default=[0.5, 0.5] range=0..100 group=Shape Width and height of the shape, in units of the image height (0.5: half the height).
    position: vec2<f32>,    // default=[0.5, 0.5] group=Place Centre [x, y] in uv (0..1, y up).
    rotate: f32,            // default=0 range=-36000..36000 alias=rotation group=Place Rotation, degrees counter-clockwise.
    softness: f32,          // default=0 range=0..10 group=Look Edge softness, in units of the image height (0: crisp, one-pixel anti-aliasing).
    color: vec4<f32>,       // default=[1, 1, 1, 1] color group=Look Fill colour.
    sides: u32,             // default=5 range=3..64 when=kind:star|polygon group=Shape Points of a star, sides of a polygon.
    inner: f32,             // default=0.5 range=0..1 when=kind:star|ring group=Shape Inner radius of a star or ring, as a fraction of the outer radius.
    stroke: f32,            // default=0 range=0..100 group=Look Outline width, in units of the image height, inside the edge (0: filled).
}

const PI: f32 = 3.141592653589793;

// Signed distance to a star of `n` points with tips at radius 1 (one tip up) and inner
// vertices at radius `k`; k = cos(PI / n) gives the regular n-gon.
fn sd_star(p: vec2<f32>, n: f32, k: f32) -> f32 {
    let an = PI / n;
    let a0 = atan2(p.x, p.y) + an;
    let a = abs(a0 - floor(a0 / (2.0 * an)) * 2.0 * an - an);
    let pp = length(p) * vec2<f32>(sin(a), cos(a));
    let tip = vec2<f32>(0.0, 1.0);
    let valley = k * vec2<f32>(sin(an), cos(an));
    let e = valley - tip;
    let w = pp - tip;
    let t = clamp(dot(w, e) / dot(e, e), 0.0, 1.0);
    let d = length(w - e * t);
    return select(d, -d, e.x * w.y - e.y * w.x < 0.0);
}

// Signed distance to a box of half-size `half` (exact, in the units of `p`).
fn sd_box(p: vec2<f32>, half: vec2<f32>) -> f32 {
    let d = abs(p) - half;
    return length(max(d, vec2<f32>(0.0))) + min(max(d.x, d.y), 0.0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let d = (p - params.position) * vec2<f32>(aspect(vivid), 1.0);
    let rotate = radians(params.rotate);
    let c = cos(rotate);
    let s = sin(rotate);
    let r = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let half = max(params.shape_size * 0.5, vec2<f32>(1e-6));
    let q = r / half;
    // Unit-space distance to units of the image height (exact at equal width and height).
    let unit = min(half.x, half.y);
    var sd = 0.0;
    switch params.kind {
        case 1u: { sd = sd_box(r, half); }
        case 2u: { sd = sd_star(q, 3.0, cos(PI / 3.0)) * unit; }
        case 3u: { sd = sd_star(q, f32(max(params.sides, 2u)), params.inner) * unit; }
        case 4u: {
            let mid = (1.0 + params.inner) * 0.5;
            sd = (abs(length(q) - mid) - (1.0 - params.inner) * 0.5) * unit;
        }
        case 5u: {
            let n = f32(max(params.sides, 3u));
            sd = sd_star(q, n, cos(PI / n)) * unit;
        }
        default: { sd = (length(q) - 1.0) * unit; }
    }
    // An outline: the band `stroke` wide inside the edge.
    if params.stroke > 0.0 {
        let w = 0.5 * params.stroke;
        sd = abs(sd + w) - w;
    }
    let px = sd * vivid.resolution.y;
    let edge = max(params.softness * vivid.resolution.y, 1.0);
    let coverage = clamp(0.5 - px / edge, 0.0, 1.0);
    let color = vec4<f32>(params.color.rgb * params.color.a, params.color.a);
    return color * coverage;
}
