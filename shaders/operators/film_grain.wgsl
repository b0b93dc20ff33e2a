//! Film grain: fresh noise every frame, strongest in the mid-tones; deterministic per frame index.
//!
//! Pointwise. Noise of unit variance (two hashes per grain, summed) on a grid of `grain`
//! pixels, smoothly interpolated between grains, a new pattern every frame from
//! `vivid.frame` and `seed` — so a render with `--fps` gives the same grain at the same
//! frame, every time. Added to the un-premultiplied colour as amount · noise ·
//! (0.5 + 2 l (1 − l)), l the luma (mid-grey gets it all, black and white half), clamped
//! to 0..1; alpha is kept.
//!
//! category: filter
//! inputs: 1
//! pointwise
#import "common/color.wgsl"

struct Params {
    amount: f32,  // default=0.08 range=0..10 Strength: the grain's standard deviation at mid-grey, in colour units (0..1).
    grain: f32,   // default=1.5 range=1..1000 Size of a grain, pixels.
    chroma: f32,  // default=0 range=0..1 Colour of the grain: 0 the same in every channel, 1 independent per channel.
    seed: u32,    // default=0 range=0..1000000 Seed: another integer, another grain.
}

fn grain_hash(x: i32, y: i32, z: u32) -> u32 {
    var h = (bitcast<u32>(x) * 0x8da6b343u) ^ (bitcast<u32>(y) * 0xd8163841u) ^ (z * 0xcb1ab31fu);
    h = (h ^ (h >> 16u)) * 0x7feb352du;
    h = (h ^ (h >> 15u)) * 0x846ca68bu;
    return h ^ (h >> 16u);
}

// Unit-variance noise at a grid point: the sum of two uniforms, centred.
fn grain_value(x: i32, y: i32, z: u32) -> f32 {
    let h = grain_hash(x, y, z);
    let u = vec2<f32>(f32(h & 0xffffu), f32(h >> 16u)) / 65535.0;
    return (u.x + u.y - 1.0) * 2.449489742783178; // / sqrt(1/6)
}

fn grain_noise(p: vec2<f32>, z: u32) -> f32 {
    let i = vec2<i32>(floor(p));
    let f = p - floor(p);
    let w = f * f * (3.0 - 2.0 * f);
    let a = grain_value(i.x, i.y, z);
    let b = grain_value(i.x + 1, i.y, z);
    let c = grain_value(i.x, i.y + 1, z);
    let d = grain_value(i.x + 1, i.y + 1, z);
    return mix(mix(a, b, w.x), mix(c, d, w.x), w.y);
}

fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {
    if c.a <= 0.0 {
        return c;
    }
    // Grid points at pixel centres when grain = 1.
    let p = (uv * vivid.resolution - 0.5) / params.grain;
    let z = (u32(vivid.frame) * 4u) ^ (params.seed * 0x9e3779b9u);
    let mono = grain_noise(p, z);
    let rgb = vec3<f32>(grain_noise(p, z + 1u), grain_noise(p, z + 2u), grain_noise(p, z + 3u));
    let n = mix(vec3<f32>(mono), rgb, params.chroma);
    let s = unpremultiply(c);
    let l = dot(s.rgb, vec3<f32>(0.2126, 0.7152, 0.0722));
    let w = 0.5 + 2.0 * l * (1.0 - l);
    let out = clamp(s.rgb + params.amount * w * n, vec3<f32>(0.0), vec3<f32>(1.0));
    return premultiply(vec4<f32>(out, s.a));
}
