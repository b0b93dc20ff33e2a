// lut: a 3D colour lookup table applied to straight RGB with trilinear interpolation. The
// table is a 2D texture of its blue slices (tiles of size × size, `columns` per row; red
// along x, green along y within a tile) and a last row describing it: texel 0 is
// (size, columns, 0, 1), texel 1 DOMAIN_MIN, texel 2 DOMAIN_MAX. The eight lattice points
// around a colour are loaded and mixed here in f32 (operators/src/filters/lut.rs says why).
#import "common/operator.wgsl"
#import "common/color.wgsl"

struct Lut {
    header: FrameHeader,
    // 0: the input, 1: fully graded.
    amount: f32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Lut;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var source: texture_2d<f32>;
@group(0) @binding(3) var table: texture_2d<f32>;

// The table's output at lattice point `i` (each component 0..size-1).
fn lattice(i: vec3<u32>, size: u32, columns: u32) -> vec3<f32> {
    let tile = vec2<u32>(i.z % columns, i.z / columns);
    return textureLoad(table, tile * size + i.xy, 0).rgb;
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let c = textureSampleLevel(source, samp, uv, 0.0);
    let s = unpremultiply(c);
    let last = textureDimensions(table).y - 1u;
    let desc = textureLoad(table, vec2<u32>(0u, last), 0);
    let n = max(u32(desc.x), 2u);
    let columns = max(u32(desc.y), 1u);
    let domain_min = textureLoad(table, vec2<u32>(1u, last), 0).rgb;
    let domain_max = textureLoad(table, vec2<u32>(2u, last), 0).rgb;
    // Position on the lattice, in points (clamped to the domain).
    let t = clamp((s.rgb - domain_min) / (domain_max - domain_min), vec3<f32>(0.0), vec3<f32>(1.0))
        * f32(n - 1u);
    let i = min(vec3<u32>(floor(t)), vec3<u32>(n - 2u));
    let f = t - vec3<f32>(i);
    let c00 = mix(lattice(i, n, columns), lattice(i + vec3<u32>(1u, 0u, 0u), n, columns), f.x);
    let c10 = mix(lattice(i + vec3<u32>(0u, 1u, 0u), n, columns), lattice(i + vec3<u32>(1u, 1u, 0u), n, columns), f.x);
    let c01 = mix(lattice(i + vec3<u32>(0u, 0u, 1u), n, columns), lattice(i + vec3<u32>(1u, 0u, 1u), n, columns), f.x);
    let c11 = mix(lattice(i + vec3<u32>(0u, 1u, 1u), n, columns), lattice(i + vec3<u32>(1u, 1u, 1u), n, columns), f.x);
    let graded = mix(mix(c00, c10, f.y), mix(c01, c11, f.y), f.z);
    return premultiply(vec4<f32>(mix(s.rgb, graded, u.amount), s.a));
}
