// An output of the chain (a window, a projector): the part of a node's picture it shows
// (`crop`), through the grid mesh (bilinear cells) and the corner pin (a homography), onto
// the target, with edge-blend ramps and black-level lift. The formulas are those of
// engine/src/warp.rs. Coordinates are normalised, y up, like every uv of vivid.
#import "common/color.wgsl"

struct Output {
    // Corner pin: unit square -> output, rows of a 3x3 matrix (w unused); and its inverse.
    pin: array<vec4<f32>, 3>,
    unpin: array<vec4<f32>, 3>,
    // The part of the source shown: x, y, width, height in source uv (y up).
    crop: vec4<f32>,
    // Blend ramp widths in content units: left, right, bottom, top (0: none).
    edges: vec4<f32>,
    target_size: vec2<f32>,
    gamma: f32,
    black_level: f32,
    // Grid points per row, rows.
    grid: vec2<u32>,
    // 1 when the target view is sRGB-encoding (pre-decode, as blit.wgsl does).
    target_is_srgb: u32,
    // 1 to composite over black (a window).
    opaque: u32,
    // Grid points, two per vec4 (xy, zw), row after row, bottom row first.
    points: array<vec4<f32>, 128>,
}

@group(0) @binding(0) var<uniform> u: Output;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

struct VsOut {
    @builtin(position) position: vec4<f32>,
    @location(0) @interpolate(flat) cell: u32,
}

fn grid_point(i: u32, j: u32) -> vec2<f32> {
    let k = j * u.grid.x + i;
    let v = u.points[k / 2u];
    return select(v.zw, v.xy, k % 2u == 0u);
}

fn project(m: array<vec4<f32>, 3>, p: vec2<f32>) -> vec2<f32> {
    let q = vec3<f32>(p, 1.0);
    let w = dot(m[2].xyz, q);
    return vec2<f32>(dot(m[0].xyz, q), dot(m[1].xyz, q)) / w;
}

fn cross2(a: vec2<f32>, b: vec2<f32>) -> f32 {
    return a.x * b.y - a.y * b.x;
}

// (s, t) with p = bilinear(a, b, c, d)(s, t): a at (0,0), b (1,0), c (1,1), d (0,1).
fn inverse_bilinear(p: vec2<f32>, a: vec2<f32>, b: vec2<f32>, c: vec2<f32>, d: vec2<f32>) -> vec2<f32> {
    let e = b - a;
    let f = d - a;
    let g = a - b + c - d;
    let h = p - a;
    let k2 = cross2(g, f);
    let k1 = cross2(e, f) + cross2(h, g);
    let k0 = cross2(h, e);
    var t: f32;
    if abs(k2) < 1e-7 {
        t = -k0 / k1;
    } else {
        let disc = sqrt(max(k1 * k1 - 4.0 * k0 * k2, 0.0));
        t = (-k1 - disc) / (2.0 * k2);
        if t < -1e-4 || t > 1.0 + 1e-4 {
            t = (-k1 + disc) / (2.0 * k2);
        }
    }
    let den = e + g * t;
    let num = h - f * t;
    let s = select(num.y / den.y, num.x / den.x, abs(den.x) >= abs(den.y));
    return vec2<f32>(s, t);
}

@vertex
fn vs_fullscreen(@builtin(vertex_index) index: u32) -> VsOut {
    let cols = u.grid.x - 1u;
    let cell = index / 6u;
    // Two triangles per cell: (0,0) (1,0) (1,1), (0,0) (1,1) (0,1).
    var corner = vec2<u32>(0u, 0u);
    switch index % 6u {
        case 1u: { corner = vec2<u32>(1u, 0u); }
        case 2u, 4u: { corner = vec2<u32>(1u, 1u); }
        case 5u: { corner = vec2<u32>(0u, 1u); }
        default: {}
    }
    let p = project(u.pin, grid_point(cell % cols + corner.x, cell / cols + corner.y));
    var out: VsOut;
    out.position = vec4<f32>(p * 2.0 - 1.0, 0.0, 1.0);
    out.cell = cell;
    return out;
}

fn ramp(x: f32) -> f32 {
    let y = clamp(x, 0.0, 1.0);
    return y * y * (3.0 - 2.0 * y);
}

@fragment
fn fs_main(in: VsOut) -> @location(0) vec4<f32> {
    let p = vec2<f32>(in.position.x / u.target_size.x, 1.0 - in.position.y / u.target_size.y);
    let q = project(u.unpin, p);
    let cols = u.grid.x - 1u;
    let cx = in.cell % cols;
    let cy = in.cell / cols;
    let st = inverse_bilinear(
        q,
        grid_point(cx, cy),
        grid_point(cx + 1u, cy),
        grid_point(cx + 1u, cy + 1u),
        grid_point(cx, cy + 1u),
    );
    let g = (vec2<f32>(f32(cx), f32(cy)) + clamp(st, vec2<f32>(0.0), vec2<f32>(1.0)))
        / vec2<f32>(f32(cols), f32(u.grid.y - 1u));
    let s = u.crop.xy + g * u.crop.zw;
    let uv = vec2<f32>(s.x, 1.0 - s.y);
    // Shrinking: average a grid over the pixel's footprint (as blit.wgsl).
    let fw = fwidth(uv);
    let dims = vec2<f32>(textureDimensions(src));
    let footprint = max(fw.x * dims.x, fw.y * dims.y);
    let n = clamp(i32(ceil(footprint * 0.5)), 1, 6);
    var c = vec4<f32>(0.0);
    if n == 1 {
        c = textureSampleLevel(src, samp, uv, 0.0);
    } else {
        for (var j = 0; j < n; j++) {
            for (var i = 0; i < n; i++) {
                let o = (vec2<f32>(f32(i), f32(j)) + 0.5) / f32(n) - 0.5;
                c += textureSampleLevel(src, samp, uv + o * fw, 0.0);
            }
        }
        c /= f32(n * n);
    }
    if u.opaque != 0u {
        c = vec4<f32>(c.rgb, 1.0);
    }
    c = clamp(c, vec4<f32>(0.0), vec4<f32>(1.0));
    // Edge blend: the ramps' product, sent as w^(1/gamma) so that light adds up.
    let d = vec4<f32>(g.x, 1.0 - g.x, g.y, 1.0 - g.y);
    var w = 1.0;
    for (var k = 0; k < 4; k++) {
        if u.edges[k] > 0.0 {
            w *= ramp(d[k] / u.edges[k]);
        }
    }
    let f = select(0.0, pow(w, 1.0 / u.gamma), w > 0.0);
    c = vec4<f32>(c.rgb * f, select(c.a * f, c.a, u.opaque != 0u));
    if w >= 1.0 {
        c = vec4<f32>(u.black_level + (1.0 - u.black_level) * c.rgb, c.a);
    }
    if u.target_is_srgb != 0u {
        c = vec4<f32>(srgb_to_linear(c.rgb), c.a);
    }
    return c;
}
