// shape: an anti-aliased SDF shape — circle, rect, triangle, star, ring, polygon.
#import "common/operator.wgsl"

struct Shape {
    header: FrameHeader,
    // Premultiplied.
    color: vec4<f32>,
    // Centre, user uv.
    position: vec2<f32>,
    // Width and height, in units of the image height.
    size: vec2<f32>,
    // Radians, counter-clockwise.
    rotation: f32,
    // Edge width, in units of the image height (0: one-pixel anti-aliasing).
    softness: f32,
    // Star inner radius / ring inner radius, as a fraction of the outer.
    inner: f32,
    // 0 circle, 1 rect, 2 triangle, 3 star, 4 ring, 5 polygon.
    kind: u32,
    sides: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Shape;

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

fn sd_box(p: vec2<f32>) -> f32 {
    let d = abs(p) - vec2<f32>(1.0);
    return length(max(d, vec2<f32>(0.0))) + min(max(d.x, d.y), 0.0);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = user_uv(uv);
    let d = (p - u.position) * vec2<f32>(aspect(u.header), 1.0);
    let c = cos(u.rotation);
    let s = sin(u.rotation);
    let r = vec2<f32>(c * d.x + s * d.y, -s * d.x + c * d.y);
    let half = max(u.size * 0.5, vec2<f32>(1e-6));
    let q = r / half;
    var sd = 0.0;
    switch u.kind {
        case 1u: { sd = sd_box(q); }
        case 2u: { sd = sd_star(q, 3.0, cos(PI / 3.0)); }
        case 3u: { sd = sd_star(q, f32(max(u.sides, 2u)), u.inner); }
        case 4u: {
            let mid = (1.0 + u.inner) * 0.5;
            sd = abs(length(q) - mid) - (1.0 - u.inner) * 0.5;
        }
        case 5u: {
            let n = f32(max(u.sides, 3u));
            sd = sd_star(q, n, cos(PI / n));
        }
        default: { sd = length(q) - 1.0; }
    }
    // Unit-space distance to pixels (approximate for non-uniform sizes).
    let px = sd * min(half.x, half.y) * u.header.resolution.y;
    let edge = max(u.softness * u.header.resolution.y, 1.0);
    let coverage = clamp(0.5 - px / edge, 0.0, 1.0);
    return u.color * coverage;
}
