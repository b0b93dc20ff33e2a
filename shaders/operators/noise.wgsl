//! Fractal noise (perlin, simplex, worley, value), grey 0..1, animated by time * speed.
//!
//! Fractal 3D noise of user uv, scrolled along z by time * speed. Grey output in 0..1, opaque.
//!
//! category: generator
//! inputs: 0

struct Params {
    kind: u32,          // choice=perlin|simplex|worley|value default=perlin Noise algorithm: perlin, simplex, worley or value.
    scale: f32,         // default=4 range=0.001..10000 Noise cells across the image height (first octave).
    speed: f32,         // default=0.5 range=-1000..1000 Movement through the noise along z, in cells per second.
    octaves: u32,       // default=4 range=1..8 Number of octaves summed (fractal detail).
    lacunarity: f32,    // default=2 range=1..8 Frequency multiplier from one octave to the next.
    persistence: f32,   // default=0.5 range=0..1 Amplitude multiplier from one octave to the next.
    offset: vec3<f32>,  // default=[0, 0, 0] Offset in noise space [x, y, z], in cells.
    seed: u32,          // default=0 range=0..1000000 Seed: a different integer gives a different pattern.
}

// One well-mixed u32 per lattice point.
fn lattice_hash(p: vec3<i32>) -> u32 {
    var h = (bitcast<u32>(p.x) * 0x8da6b343u) ^ (bitcast<u32>(p.y) * 0xd8163841u)
        ^ (bitcast<u32>(p.z) * 0xcb1ab31fu) ^ (params.seed * 0x9e3779b9u);
    h = (h ^ (h >> 16u)) * 0x7feb352du;
    h = (h ^ (h >> 15u)) * 0x846ca68bu;
    return h ^ (h >> 16u);
}

// Ken Perlin's improved-noise gradients: 12 cube-edge directions picked by 4 bits.
fn grad(h: u32, f: vec3<f32>) -> f32 {
    let b = h & 15u;
    let a = select(f.y, f.x, b < 8u);
    let c = select(select(f.z, f.x, b == 12u || b == 14u), f.y, b < 4u);
    return select(-a, a, (b & 1u) == 0u) + select(-c, c, (b & 2u) == 0u);
}

fn fade(t: vec3<f32>) -> vec3<f32> {
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

// -1..1
fn perlin(p: vec3<f32>) -> f32 {
    let i = vec3<i32>(floor(p));
    let f = fract(p);
    let w = fade(f);
    let n000 = grad(lattice_hash(i), f);
    let n100 = grad(lattice_hash(i + vec3<i32>(1, 0, 0)), f - vec3<f32>(1.0, 0.0, 0.0));
    let n010 = grad(lattice_hash(i + vec3<i32>(0, 1, 0)), f - vec3<f32>(0.0, 1.0, 0.0));
    let n110 = grad(lattice_hash(i + vec3<i32>(1, 1, 0)), f - vec3<f32>(1.0, 1.0, 0.0));
    let n001 = grad(lattice_hash(i + vec3<i32>(0, 0, 1)), f - vec3<f32>(0.0, 0.0, 1.0));
    let n101 = grad(lattice_hash(i + vec3<i32>(1, 0, 1)), f - vec3<f32>(1.0, 0.0, 1.0));
    let n011 = grad(lattice_hash(i + vec3<i32>(0, 1, 1)), f - vec3<f32>(0.0, 1.0, 1.0));
    let n111 = grad(lattice_hash(i + vec3<i32>(1, 1, 1)), f - vec3<f32>(1.0, 1.0, 1.0));
    let x00 = mix(n000, n100, w.x);
    let x10 = mix(n010, n110, w.x);
    let x01 = mix(n001, n101, w.x);
    let x11 = mix(n011, n111, w.x);
    return mix(mix(x00, x10, w.y), mix(x01, x11, w.y), w.z);
}

// -1..1
fn value_noise(p: vec3<f32>) -> f32 {
    let i = vec3<i32>(floor(p));
    let w = fade(fract(p));
    let k = 1.0 / 2147483648.0;
    let v000 = f32(lattice_hash(i)) * k - 1.0;
    let v100 = f32(lattice_hash(i + vec3<i32>(1, 0, 0))) * k - 1.0;
    let v010 = f32(lattice_hash(i + vec3<i32>(0, 1, 0))) * k - 1.0;
    let v110 = f32(lattice_hash(i + vec3<i32>(1, 1, 0))) * k - 1.0;
    let v001 = f32(lattice_hash(i + vec3<i32>(0, 0, 1))) * k - 1.0;
    let v101 = f32(lattice_hash(i + vec3<i32>(1, 0, 1))) * k - 1.0;
    let v011 = f32(lattice_hash(i + vec3<i32>(0, 1, 1))) * k - 1.0;
    let v111 = f32(lattice_hash(i + vec3<i32>(1, 1, 1))) * k - 1.0;
    return mix(
        mix(mix(v000, v100, w.x), mix(v010, v110, w.x), w.y),
        mix(mix(v001, v101, w.x), mix(v011, v111, w.x), w.y),
        w.z,
    );
}

// Gustavson's 3D simplex noise, -1..1.
fn simplex(p: vec3<f32>) -> f32 {
    let f3 = 1.0 / 3.0;
    let g3 = 1.0 / 6.0;
    let s = floor(p + dot(p, vec3<f32>(f3)));
    let x0 = p - s + dot(s, vec3<f32>(g3));
    let e = step(x0.yzx, x0.xyz);
    let i1 = e * (1.0 - e.zxy);
    let i2 = 1.0 - e.zxy * (1.0 - e);
    let x1 = x0 - i1 + g3;
    let x2 = x0 - i2 + 2.0 * g3;
    let x3 = x0 - 1.0 + 3.0 * g3;
    let si = vec3<i32>(s);
    let h0 = lattice_hash(si);
    let h1 = lattice_hash(si + vec3<i32>(i1));
    let h2 = lattice_hash(si + vec3<i32>(i2));
    let h3 = lattice_hash(si + vec3<i32>(1, 1, 1));
    var w = max(vec4<f32>(0.6) - vec4<f32>(dot(x0, x0), dot(x1, x1), dot(x2, x2), dot(x3, x3)), vec4<f32>(0.0));
    w = w * w;
    w = w * w;
    let d = vec4<f32>(grad(h0, x0), grad(h1, x1), grad(h2, x2), grad(h3, x3));
    return clamp(32.0 * dot(w, d), -1.0, 1.0);
}

// The squared distance from `f` to feature point of the cell at offset `c` of cell `i`.
fn worley_cell(i: vec3<i32>, c: vec3<i32>, f: vec3<f32>) -> f32 {
    let h = lattice_hash(i + c);
    let jitter = vec3<f32>(vec3<u32>(h, h >> 11u, h >> 22u) & vec3<u32>(2047u, 2047u, 1023u))
        / vec3<f32>(2047.0, 2047.0, 1023.0);
    let d = vec3<f32>(c) + jitter - f;
    return dot(d, d);
}

// The least squared distance along one axis from `f` (0..1) to a cell at offset `c`
// (-1, 0, 1): its point lies anywhere in [c, c + 1].
fn worley_bound(c: i32, f: f32, lo: f32, hi: f32) -> f32 {
    return select(select(hi, 0.0, c == 0), lo, c < 0);
}

// Worley (cellular) F1 distance, remapped to -1..1. The nearest of the 27 cells' points,
// found without visiting the cells that cannot hold it: the home cell first, then each
// neighbour only if the nearest corner of its box is closer than the best so far
// (pruned per slab of z, row of y, then cell). Exact: the same minimum as visiting all 27
// (a skipped cell's point is at least as far as the bound), so the same pattern.
fn worley(p: vec3<f32>) -> f32 {
    let i = vec3<i32>(floor(p));
    let f = fract(p);
    let lo = f * f;
    let hi = (1.0 - f) * (1.0 - f);
    var best = worley_cell(i, vec3<i32>(0), f);
    for (var z = -1; z <= 1; z++) {
        let bz = worley_bound(z, f.z, lo.z, hi.z);
        if bz >= best {
            continue;
        }
        for (var y = -1; y <= 1; y++) {
            let by = bz + worley_bound(y, f.y, lo.y, hi.y);
            if by >= best {
                continue;
            }
            for (var x = -1; x <= 1; x++) {
                let b = by + worley_bound(x, f.x, lo.x, hi.x);
                if b >= best || (x == 0 && y == 0 && z == 0) {
                    continue;
                }
                best = min(best, worley_cell(i, vec3<i32>(x, y, z), f));
            }
        }
    }
    return clamp(sqrt(best), 0.0, 1.0) * 2.0 - 1.0;
}

fn sample_kind(p: vec3<f32>) -> f32 {
    switch params.kind {
        case 1u: { return simplex(p); }
        case 2u: { return worley(p); }
        case 3u: { return value_noise(p); }
        default: { return perlin(p); }
    }
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let q = user_uv(uv);
    var p = vec3<f32>(q.x * aspect(vivid), q.y, 0.0) * params.scale
        + params.offset + vec3<f32>(0.0, 0.0, vivid.time * params.speed);
    var sum = 0.0;
    var amp = 1.0;
    var norm = 0.0;
    let octaves = clamp(params.octaves, 1u, 8u);
    for (var o = 0u; o < octaves; o++) {
        sum += amp * sample_kind(p);
        norm += amp;
        amp *= params.persistence;
        // Rotate-free decorrelation: shift each octave.
        p = p * params.lacunarity + vec3<f32>(17.13, 31.71, 7.37);
    }
    let v = clamp(sum / max(norm, 1e-6) * 0.5 + 0.5, 0.0, 1.0);
    return vec4<f32>(v, v, v, 1.0);
}
