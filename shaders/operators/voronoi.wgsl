//! Voronoi cells (Hydra's): wandering points, each cell shaded (cells), its borders (edges), or the distance to its point.
//!
//! Points on a grid of cells, each moving on its own orbit at `speed`. `cells`: Hydra's
//! look — a grey per cell from its point, darkened by `blending` times the distance to
//! it; `edges`: anti-aliased lines `width` cells wide on the borders between cells;
//! `distance`: the distance to the nearest point, in cells (0 at the points). Opaque.
//!
//! category: generator
//! inputs: 0

struct Params {
    mode: u32,          // choice=cells|edges|distance default=cells cells (Hydra's), edges or distance.
    scale: f32,         // default=5 range=0.001..10000 Cells across the image height.
    speed: f32,         // default=0.3 range=-1000..1000 How fast the points move on their orbits (Hydra's speed: radians per second).
    blending: f32,      // default=0.3 range=0..10 cells: how much the distance to the cell's point darkens it (Hydra's blending).
    width: f32,         // default=0.05 range=0..10 edges: line width, in cells.
    offset: vec2<f32>,  // default=[0, 0] Shift of the pattern [x, y], in cells.
    seed: u32,          // default=0 range=0..1000000 Seed: a different integer gives different points.
}

const TAU: f32 = 6.283185307179586;

// Two well-mixed numbers in 0..1 per cell.
fn cell_hash(c: vec2<i32>) -> vec2<f32> {
    var h = (bitcast<u32>(c.x) * 0x8da6b343u) ^ (bitcast<u32>(c.y) * 0xd8163841u) ^ (params.seed * 0x9e3779b9u);
    h = (h ^ (h >> 16u)) * 0x7feb352du;
    h = (h ^ (h >> 15u)) * 0x846ca68bu;
    h = h ^ (h >> 16u);
    return vec2<f32>(f32(h & 0xffffu), f32(h >> 16u)) / 65535.0;
}

// The point of cell `c` (cell-local, 0..1), on its orbit at `time`.
fn cell_point(c: vec2<i32>) -> vec2<f32> {
    let h = cell_hash(c);
    return 0.5 + 0.5 * sin(vivid.time * params.speed + TAU * h);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let u = user_uv(uv);
    let p = vec2<f32>(u.x * aspect(vivid), u.y) * params.scale + params.offset;
    let i = vec2<i32>(floor(p));
    let f = fract(p);
    // The nearest point: its offset from p and its cell-local position.
    var best = 10.0;
    var nearest = vec2<f32>(0.0);
    var site = vec2<f32>(0.0);
    for (var y = -1; y <= 1; y++) {
        for (var x = -1; x <= 1; x++) {
            let n = vec2<i32>(x, y);
            let q = cell_point(i + n);
            let r = vec2<f32>(n) + q - f;
            let d = length(r);
            if d < best {
                best = d;
                nearest = r;
                site = q;
            }
        }
    }
    var v = 0.0;
    switch params.mode {
        case 1u: {
            // Distance to the border: to the bisectors between the nearest point and the others.
            var border = 10.0;
            for (var y = -2; y <= 2; y++) {
                for (var x = -2; x <= 2; x++) {
                    let n = vec2<i32>(x, y);
                    let r = vec2<f32>(n) + cell_point(i + n) - f;
                    let between = r - nearest;
                    if dot(between, between) > 1e-8 {
                        border = min(border, dot(0.5 * (nearest + r), normalize(between)));
                    }
                }
            }
            // Cells per pixel: the line's edge anti-aliased over one pixel.
            let px = params.scale / vivid.resolution.y;
            v = clamp((0.5 * params.width - border) / px + 0.5, 0.0, 1.0);
        }
        case 2u: { v = best; }
        default: { v = dot(site, vec2<f32>(0.3, 0.6)) * (1.0 - params.blending * best); }
    }
    return vec4<f32>(vec3<f32>(v), 1.0);
}
