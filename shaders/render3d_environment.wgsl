// render3d's environment prefilter: compute passes run once when the environment changes
// (never in a steady frame), into cube maps the main pass samples.
//
// - cs_source: the radiance cube's level 0 from the environment (the equirectangular
//   picture or the procedural sky), 4×4 samples per texel.
// - cs_downsample: each further level of the radiance cube, the mean of 2×2 texels.
// - cs_specular: each level of the specular cube, the radiance convolved with GGX of
//   roughness level / (levels − 1) (N = V = R; importance-sampled, filtered: each sample
//   reads the radiance level matching its solid angle). Level 0 is level 0 of the radiance.
// - cs_irradiance: the irradiance cube, ∫ L cos over the hemisphere of each normal divided
//   by π (what a white Lambertian surface shows), summed over every texel of a small level
//   of the radiance cube, normalised so that a constant environment gives itself exactly.
#import "common/environment.wgsl"

// Side of the radiance cube's level 0, and its levels (256 down to 1).
const RADIANCE_SIZE: u32 = 256u;
const RADIANCE_LEVELS: u32 = 9u;
// Levels of the specular cube (256 down to 8): roughness = level / (levels − 1).
const SPECULAR_LEVELS: u32 = 6u;
// GGX samples per texel of the specular cube.
const SPECULAR_SAMPLES: u32 = 64u;

@group(0) @binding(0) var<uniform> sky: Sky;
// The equirectangular picture (a 1×1 stand-in for the procedural sky).
@group(0) @binding(1) var source: texture_2d<f32>;
// Repeat along u (around), clamp along v.
@group(0) @binding(2) var equirect_sampler: sampler;
// Trilinear, clamped.
@group(0) @binding(3) var cube_sampler: sampler;
// The radiance cube, every level (the specular pass reads it).
@group(0) @binding(4) var radiance: texture_cube<f32>;
// One level of a cube as 6 layers, read texel by texel.
@group(0) @binding(5) var level: texture_2d_array<f32>;
// The level written.
@group(0) @binding(6) var out: texture_storage_2d_array<rgba16float, write>;

// The environment's radiance towards unit direction `d`.
fn environment(d: vec3<f32>) -> vec3<f32> {
    if sky.zenith.w > 0.5 {
        return textureSampleLevel(source, equirect_sampler, equirect_uv(d), 0.0).rgb;
    }
    return sky_radiance(sky, d);
}

// Unit direction through point (x + fx, y + fy) of a face `size` texels wide.
fn texel_direction(face: u32, x: f32, y: f32, size: f32) -> vec3<f32> {
    return normalize(cube_direction(face, 2.0 * x / size - 1.0, 2.0 * y / size - 1.0));
}

@compute @workgroup_size(8, 8, 1)
fn cs_source(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(out).x;
    if id.x >= size || id.y >= size {
        return;
    }
    var sum = vec3<f32>(0.0);
    for (var j = 0u; j < 4u; j++) {
        for (var i = 0u; i < 4u; i++) {
            let x = f32(id.x) + (f32(i) + 0.5) / 4.0;
            let y = f32(id.y) + (f32(j) + 0.5) / 4.0;
            sum += environment(texel_direction(id.z, x, y, f32(size)));
        }
    }
    textureStore(out, id.xy, id.z, vec4<f32>(min(sum / 16.0, vec3<f32>(65000.0)), 1.0));
}

@compute @workgroup_size(8, 8, 1)
fn cs_downsample(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(out).x;
    if id.x >= size || id.y >= size {
        return;
    }
    let p = vec2<i32>(id.xy) * 2;
    let f = i32(id.z);
    let sum = textureLoad(level, p, f, 0) + textureLoad(level, p + vec2<i32>(1, 0), f, 0)
        + textureLoad(level, p + vec2<i32>(0, 1), f, 0) + textureLoad(level, p + vec2<i32>(1, 1), f, 0);
    textureStore(out, id.xy, id.z, vec4<f32>(sum.rgb * 0.25, 1.0));
}

// The i-th of n points of the Hammersley set.
fn hammersley(i: u32, n: u32) -> vec2<f32> {
    return vec2<f32>(f32(i) / f32(n), f32(reverseBits(i)) * 2.3283064365386963e-10);
}

// A half vector drawn from GGX of `a` (= roughness²) around +Z.
fn sample_ggx(xi: vec2<f32>, a: f32) -> vec3<f32> {
    let phi = 2.0 * ENV_PI * xi.x;
    let cos_t = sqrt((1.0 - xi.y) / (1.0 + (a * a - 1.0) * xi.y));
    let sin_t = sqrt(max(1.0 - cos_t * cos_t, 0.0));
    return vec3<f32>(sin_t * cos(phi), sin_t * sin(phi), cos_t);
}

@compute @workgroup_size(8, 8, 1)
fn cs_specular(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(out).x;
    if id.x >= size || id.y >= size {
        return;
    }
    let mip = firstLeadingBit(RADIANCE_SIZE / size);
    if mip == 0u {
        // Roughness 0: a mirror reflects the radiance itself.
        textureStore(out, id.xy, id.z, textureLoad(level, vec2<i32>(id.xy), i32(id.z), 0));
        return;
    }
    let roughness = f32(mip) / f32(SPECULAR_LEVELS - 1u);
    let a = roughness * roughness;
    let n = texel_direction(id.z, f32(id.x) + 0.5, f32(id.y) + 0.5, f32(size));
    var up = vec3<f32>(0.0, 1.0, 0.0);
    if abs(n.y) > 0.999 {
        up = vec3<f32>(1.0, 0.0, 0.0);
    }
    let tx = normalize(cross(up, n));
    let ty = cross(n, tx);
    // Solid angle of a texel of the radiance cube's level 0.
    let texel_angle = 4.0 * ENV_PI / (6.0 * f32(RADIANCE_SIZE * RADIANCE_SIZE));
    var sum = vec3<f32>(0.0);
    var weight = 0.0;
    for (var i = 0u; i < SPECULAR_SAMPLES; i++) {
        let h_t = sample_ggx(hammersley(i, SPECULAR_SAMPLES), a);
        let h = tx * h_t.x + ty * h_t.y + n * h_t.z;
        let l = 2.0 * dot(n, h) * h - n;
        let n_l = dot(n, l);
        if n_l > 0.0 {
            // pdf of l: D(h) (n·h) / (4 v·h), with v = n.
            let n_h = h_t.z;
            let d = (n_h * n_h * (a * a - 1.0) + 1.0);
            let ggx = a * a / (ENV_PI * d * d);
            let pdf = ggx / 4.0;
            let sample_angle = 1.0 / (f32(SPECULAR_SAMPLES) * pdf + 1e-6);
            let lod = clamp(0.5 * log2(sample_angle / texel_angle) + 1.0, 0.0, f32(RADIANCE_LEVELS - 1u));
            sum += textureSampleLevel(radiance, cube_sampler, l, lod).rgb * n_l;
            weight += n_l;
        }
    }
    textureStore(out, id.xy, id.z, vec4<f32>(sum / max(weight, 1e-6), 1.0));
}

@compute @workgroup_size(8, 8, 1)
fn cs_irradiance(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(out).x;
    if id.x >= size || id.y >= size {
        return;
    }
    let n = texel_direction(id.z, f32(id.x) + 0.5, f32(id.y) + 0.5, f32(size));
    let src = textureDimensions(level).x;
    let step = 2.0 / f32(src);
    var sum = vec3<f32>(0.0);
    var weight = 0.0;
    for (var f = 0u; f < 6u; f++) {
        for (var y = 0u; y < src; y++) {
            for (var x = 0u; x < src; x++) {
                let sc = (f32(x) + 0.5) * step - 1.0;
                let tc = (f32(y) + 0.5) * step - 1.0;
                let d = cube_direction(f, sc, tc);
                let r2 = dot(d, d);
                // The texel's solid angle: step² / r³.
                let w = max(dot(n, d), 0.0) * inverseSqrt(r2) * step * step / (r2 * sqrt(r2));
                if w > 0.0 {
                    sum += textureLoad(level, vec2<u32>(x, y), f, 0).rgb * w;
                    weight += w;
                }
            }
        }
    }
    textureStore(out, id.xy, id.z, vec4<f32>(sum / max(weight, 1e-9), 1.0));
}
