// render3d: meshes lit by point, spot and directional lights, with shadows, and by the
// environment (image-based light), from a camera.
//
// Colour: material and light colours arrive linear (converted from the chain's
// display-referred values on the CPU); lighting is computed in linear light, scaled by
// `exposure`, tone-mapped, and encoded back to display-referred values like every texture
// of the chain. `unlit` shows base colour + emissive as given (no exposure, no tone map).
// Shading: metallic-roughness PBR (GGX, height-correlated Smith, Schlick), or the same with
// face normals (`flat`). Ambient light: the environment's prefiltered specular and
// irradiance cubes with the split-sum BRDF table (multiple scattering compensated,
// Fdez-Agüera 2019), plus the flat `ambient` colour; glTF occlusion scales both.
#import "common/scene.wgsl"
#import "common/color.wgsl"
#import "common/environment.wgsl"

const MAX_LIGHTS: u32 = 16u;
const PI: f32 = 3.14159265;
// Levels of the specular cube (SPECULAR_LEVELS in render3d_environment.wgsl).
const SPECULAR_LEVELS: f32 = 6.0;
// Side of the BRDF table (LUT_SIZE in environment.rs).
const LUT_SIZE: f32 = 32.0;

struct Light {
    // xyz: position; w: range.
    position_range: vec4<f32>,
    // xyz: direction the light travels; w: kind (0 point, 1 spot, 2 directional).
    direction_kind: vec4<f32>,
    // rgb: linear colour × intensity.
    color: vec4<f32>,
    // x: cos of the cone's half-angle; y: cos where it is fully on; z: shadow slot (-1:
    // none; cube slots for point lights, 2D slots otherwise); w: shadow bias.
    cone_shadow: vec4<f32>,
    // x: near; y: far; z: a texel's world size (at distance 1 if w = 1, else absolute).
    shadow_params: vec4<f32>,
    // x: the shadow filter's radius in texels (1: 3×3 taps one texel apart).
    shadow_soft: vec4<f32>,
    // Spot and directional: world to shadow-map clip space, and back.
    view_proj: mat4x4<f32>,
    inv_view_proj: mat4x4<f32>,
};

struct Scene {
    view_proj: mat4x4<f32>,
    // Clip space to world (the background's rays).
    inv_view_proj: mat4x4<f32>,
    camera_position: vec4<f32>,
    // rgb: linear ambient; w: exposure.
    ambient: vec4<f32>,
    // x: lights; y: shading (0 pbr, 1 flat, 2 unlit); z: tone map (0 neutral, 1 aces,
    // 2 reinhard, 3 none).
    settings: vec4<u32>,
    // x: environment intensity (0: none); y, z: cos and sin of its rotation about +Y;
    // w: 1 if drawn as the background.
    environment: vec4<f32>,
    sky: Sky,
    lights: array<Light, MAX_LIGHTS>,
};

@group(0) @binding(0) var<uniform> scene: Scene;
@group(0) @binding(1) var shadow_sampler: sampler_comparison;
@group(0) @binding(2) var cube0: texture_depth_cube;
@group(0) @binding(3) var cube1: texture_depth_cube;
@group(0) @binding(4) var cube2: texture_depth_cube;
@group(0) @binding(5) var cube3: texture_depth_cube;
@group(0) @binding(6) var cube4: texture_depth_cube;
@group(0) @binding(7) var cube5: texture_depth_cube;
@group(0) @binding(8) var cube6: texture_depth_cube;
@group(0) @binding(9) var cube7: texture_depth_cube;
@group(0) @binding(10) var map0: texture_depth_2d;
@group(0) @binding(11) var map1: texture_depth_2d;
@group(0) @binding(12) var map2: texture_depth_2d;
@group(0) @binding(13) var map3: texture_depth_2d;
// The environment: GGX-prefiltered radiance (level = roughness × 5), irradiance / π, the
// split-sum table (A, B), their trilinear sampler, and the picture (background).
@group(0) @binding(14) var env_specular: texture_cube<f32>;
@group(0) @binding(15) var env_irradiance: texture_cube<f32>;
@group(0) @binding(16) var brdf_lut: texture_2d<f32>;
@group(0) @binding(17) var env_sampler: sampler;
@group(0) @binding(18) var env_picture: texture_2d<f32>;
@group(0) @binding(19) var equirect_sampler: sampler;

@group(1) @binding(0) var<uniform> mesh: Mesh;
@group(1) @binding(1) var base_texture: texture_2d<f32>;
@group(1) @binding(2) var base_sampler: sampler;
@group(1) @binding(3) var mr_texture: texture_2d<f32>;
@group(1) @binding(4) var mr_sampler: sampler;
@group(1) @binding(5) var normal_texture: texture_2d<f32>;
@group(1) @binding(6) var normal_sampler: sampler;
@group(1) @binding(7) var occlusion_texture: texture_2d<f32>;
@group(1) @binding(8) var occlusion_sampler: sampler;
@group(1) @binding(9) var emissive_texture: texture_2d<f32>;
@group(1) @binding(10) var emissive_sampler: sampler;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
    @location(3) tangent: vec4<f32>,
};

@vertex
fn vs_main(v: VertexIn) -> VertexOut {
    let o = object_point(v, mesh.shape);
    let world = mesh.model * vec4<f32>(o.position, 1.0);
    var out: VertexOut;
    out.clip = scene.view_proj * world;
    out.world = world.xyz;
    out.normal = mesh.normal_matrix * o.normal;
    out.uv = v.uv;
    let m = mat3x3<f32>(mesh.model[0].xyz, mesh.model[1].xyz, mesh.model[2].xyz);
    out.tangent = vec4<f32>(m * o.tangent, v.tangent.w * mesh.alpha.z);
    return out;
}

// The depth a cube face stores for offset `d` from the light (see shadow.rs).
fn cube_depth(d: vec3<f32>, near: f32, far: f32) -> f32 {
    let m = max(max(abs(d.x), abs(d.y)), max(abs(d.z), 1e-6));
    return far * (m - near) / (m * (far - near));
}

// The half-width in taps of the shadow filter of radius `soft` texels, and the taps'
// spacing in texels: radius 1 is 3×3 taps a texel apart (the default look); larger radii
// take up to 7×7 taps spread over the radius; 0 is one tap (hard hardware 2×2 PCF).
fn pcf_kernel(soft: f32) -> vec2<f32> {
    let k = min(ceil(max(soft, 0.0)), 3.0);
    return vec2<f32>(k, soft / max(k, 1.0));
}

// One tap of pcf_cube: offset (i, j) taps across the cube around `d`. Each tap compares
// the depth of the receiver's plane (normal `n_surface`) along its direction, so that a
// wide filter on a sloped surface does not shadow the surface itself.
fn cube_tap(t: texture_depth_cube, d: vec3<f32>, n_surface: vec3<f32>, t1: vec3<f32>, t2: vec3<f32>, r: f32, i: i32, j: i32, near: f32, far: f32) -> f32 {
    let dd = d + (t1 * f32(i) + t2 * f32(j)) * r;
    let along = dot(n_surface, dd);
    var s = 1.0;
    if abs(along) > 1e-4 * length(dd) {
        s = clamp(dot(n_surface, d) / along, 0.5, 2.0);
    }
    return textureSampleCompareLevel(t, shadow_sampler, dd, cube_depth(dd * s, near, far));
}

// Percentage-closer filtering on a cube around `d` (from the light), taps spread across it
// (each a hardware 2×2 compare); `spread`: a texel's size at distance 1. The four corner
// taps and the centre go first: where all five are wholly lit or wholly shadowed (most of
// a picture), so is the kernel between them, and the rest is skipped.
fn pcf_cube(t: texture_depth_cube, d: vec3<f32>, n_surface: vec3<f32>, near: f32, far: f32, spread: f32, soft: f32) -> f32 {
    let n = normalize(d);
    var up = vec3<f32>(0.0, 1.0, 0.0);
    if abs(n.y) > 0.9 {
        up = vec3<f32>(1.0, 0.0, 0.0);
    }
    let t1 = normalize(cross(n, up));
    let t2 = cross(n, t1);
    let kernel = pcf_kernel(soft);
    let k = i32(kernel.x);
    let r = length(d) * spread * kernel.y;
    let centre = cube_tap(t, d, n_surface, t1, t2, r, 0, 0, near, far);
    if k == 0 {
        return centre;
    }
    let outline = centre + cube_tap(t, d, n_surface, t1, t2, r, -k, -k, near, far)
        + cube_tap(t, d, n_surface, t1, t2, r, k, -k, near, far)
        + cube_tap(t, d, n_surface, t1, t2, r, -k, k, near, far)
        + cube_tap(t, d, n_surface, t1, t2, r, k, k, near, far);
    if outline <= 0.0 || outline >= 5.0 {
        return outline / 5.0;
    }
    var sum = 0.0;
    for (var i = -k; i <= k; i++) {
        for (var j = -k; j <= k; j++) {
            sum += cube_tap(t, d, n_surface, t1, t2, r, i, j, near, far);
        }
    }
    let taps = f32(2 * k + 1);
    return sum / (taps * taps);
}

fn cube_shadow(slot: i32, d: vec3<f32>, n: vec3<f32>, near: f32, far: f32, spread: f32, soft: f32) -> f32 {
    switch slot {
        case 0: { return pcf_cube(cube0, d, n, near, far, spread, soft); }
        case 1: { return pcf_cube(cube1, d, n, near, far, spread, soft); }
        case 2: { return pcf_cube(cube2, d, n, near, far, spread, soft); }
        case 3: { return pcf_cube(cube3, d, n, near, far, spread, soft); }
        case 4: { return pcf_cube(cube4, d, n, near, far, spread, soft); }
        case 5: { return pcf_cube(cube5, d, n, near, far, spread, soft); }
        case 6: { return pcf_cube(cube6, d, n, near, far, spread, soft); }
        case 7: { return pcf_cube(cube7, d, n, near, far, spread, soft); }
        default: { return 1.0; }
    }
}

// One tap of pcf_map at `offset` (in uv) from `uv`: the receiver's plane's depth there.
fn map_tap(t: texture_depth_2d, uv: vec2<f32>, ndc: vec3<f32>, plane: vec4<f32>, offset: vec2<f32>) -> f32 {
    let p = ndc.xy + vec2<f32>(2.0 * offset.x, -2.0 * offset.y);
    var z = ndc.z;
    // Depth of the receiver's plane at ndc (x, y): plane · (x, y, z, 1) = 0.
    if abs(plane.z) >= 1e-6 {
        z = clamp(-(plane.x * p.x + plane.y * p.y + plane.w) / plane.z, ndc.z - 0.05, ndc.z + 0.05);
    }
    return textureSampleCompareLevel(t, shadow_sampler, uv + offset, z);
}

// PCF on a 2D map (see pcf_kernel); outside the map: lit. `plane`: the receiver's plane in
// the map's clip space (each tap compares the plane's depth there, see pcf_cube). Corners
// and centre first, as in pcf_cube.
fn pcf_map(t: texture_depth_2d, clip: vec4<f32>, plane: vec4<f32>, soft: f32) -> f32 {
    let ndc = clip.xyz / clip.w;
    if clip.w <= 0.0 || abs(ndc.x) > 1.0 || abs(ndc.y) > 1.0 || ndc.z > 1.0 {
        return 1.0;
    }
    let uv = vec2<f32>(0.5 * ndc.x + 0.5, 0.5 - 0.5 * ndc.y);
    let kernel = pcf_kernel(soft);
    let k = i32(kernel.x);
    let texel = kernel.y / vec2<f32>(textureDimensions(t));
    let centre = map_tap(t, uv, ndc, plane, vec2<f32>(0.0));
    if k == 0 {
        return centre;
    }
    let e = f32(k) * texel;
    let outline = centre + map_tap(t, uv, ndc, plane, vec2<f32>(-e.x, -e.y))
        + map_tap(t, uv, ndc, plane, vec2<f32>(e.x, -e.y))
        + map_tap(t, uv, ndc, plane, vec2<f32>(-e.x, e.y))
        + map_tap(t, uv, ndc, plane, e);
    if outline <= 0.0 || outline >= 5.0 {
        return outline / 5.0;
    }
    var sum = 0.0;
    for (var i = -k; i <= k; i++) {
        for (var j = -k; j <= k; j++) {
            sum += map_tap(t, uv, ndc, plane, vec2<f32>(f32(i), f32(j)) * texel);
        }
    }
    let taps = f32(2 * k + 1);
    return sum / (taps * taps);
}

fn map_shadow(slot: i32, clip: vec4<f32>, plane: vec4<f32>, soft: f32) -> f32 {
    switch slot {
        case 0: { return pcf_map(map0, clip, plane, soft); }
        case 1: { return pcf_map(map1, clip, plane, soft); }
        case 2: { return pcf_map(map2, clip, plane, soft); }
        case 3: { return pcf_map(map3, clip, plane, soft); }
        default: { return 1.0; }
    }
}

// How much of light `l` reaches `p` (1 lit, 0 shadowed). `n`: the surface normal, `to_light`:
// unit direction to the light.
fn shadow(l: Light, p: vec3<f32>, n: vec3<f32>, to_light: vec3<f32>) -> f32 {
    let slot = i32(l.cone_shadow.z);
    if slot < 0 || mesh.material.y < 0.5 {
        return 1.0;
    }
    let kind = u32(l.direction_kind.w);
    var texel = l.shadow_params.z;
    if l.shadow_params.w > 0.5 {
        texel *= length(l.position_range.xyz - p);
    }
    // Move the point off the surface (normal offset, ~1.5 texels) and towards the light.
    let q = p + n * (1.5 * texel) + to_light * l.cone_shadow.w;
    let soft = l.shadow_soft.x;
    if kind == 0u {
        let d = q - l.position_range.xyz;
        return cube_shadow(slot, d, n, l.shadow_params.x, l.shadow_params.y, l.shadow_params.z, soft);
    }
    // The receiver's plane (through q, normal n) in the map's clip space: a plane is a row
    // vector, taken through the inverse.
    let plane = vec4<f32>(n, -dot(n, q)) * l.inv_view_proj;
    return map_shadow(slot, l.view_proj * vec4<f32>(q, 1.0), plane, soft);
}

fn brdf(n: vec3<f32>, v: vec3<f32>, l: vec3<f32>, albedo: vec3<f32>, metallic: f32, roughness: f32) -> vec3<f32> {
    let h = normalize(l + v);
    let n_l = max(dot(n, l), 0.0);
    let n_v = max(dot(n, v), 1e-4);
    let n_h = max(dot(n, h), 0.0);
    let v_h = max(dot(v, h), 0.0);
    let a = max(roughness * roughness, 0.002);
    let a2 = a * a;
    let dd = n_h * n_h * (a2 - 1.0) + 1.0;
    let distribution = a2 / (PI * dd * dd);
    let visibility = 0.5 / max(n_l * sqrt(n_v * n_v * (1.0 - a2) + a2) + n_v * sqrt(n_l * n_l * (1.0 - a2) + a2), 1e-6);
    let f0 = mix(vec3<f32>(0.04), albedo, metallic);
    let fresnel = f0 + (1.0 - f0) * pow(1.0 - v_h, 5.0);
    let diffuse = (1.0 - fresnel) * (1.0 - metallic) * albedo / PI;
    return (diffuse + distribution * visibility * fresnel) * n_l;
}

fn light_at(l: Light, p: vec3<f32>, n: vec3<f32>, v: vec3<f32>, albedo: vec3<f32>, metallic: f32, roughness: f32) -> vec3<f32> {
    let kind = u32(l.direction_kind.w);
    var to_light = -l.direction_kind.xyz;
    var attenuation = 1.0;
    if kind != 2u {
        let offset = l.position_range.xyz - p;
        let d2 = max(dot(offset, offset), 1e-4);
        to_light = offset * inverseSqrt(d2);
        let ratio = sqrt(d2) / l.position_range.w;
        let window = clamp(1.0 - ratio * ratio * ratio * ratio, 0.0, 1.0);
        attenuation = window * window / d2;
        if kind == 1u {
            let c = dot(-to_light, l.direction_kind.xyz);
            attenuation *= smoothstep(l.cone_shadow.x, l.cone_shadow.y, c);
        }
    }
    if attenuation <= 0.0 || dot(n, to_light) <= 0.0 {
        return vec3<f32>(0.0);
    }
    let s = shadow(l, p, n, to_light);
    return brdf(n, v, to_light, albedo, metallic, roughness) * l.color.rgb * (attenuation * s);
}

// Identity below 0.76, then highlights compressed smoothly towards 1, desaturating a
// little (the shoulder of Khronos' PBR Neutral, without its toe, so that darks and the
// ambient colour stay as given).
fn tonemap_neutral(c: vec3<f32>) -> vec3<f32> {
    let start = 0.76;
    let peak = max(c.r, max(c.g, c.b));
    if peak < start {
        return c;
    }
    let d = 1.0 - start;
    let new_peak = 1.0 - d * d / (peak + d - start);
    let scaled = c * (new_peak / peak);
    let g = 1.0 - 1.0 / (0.15 * (peak - new_peak) + 1.0);
    return mix(scaled, vec3<f32>(new_peak), g);
}

// Narkowicz's fit of the ACES filmic curve.
fn tonemap_aces(c: vec3<f32>) -> vec3<f32> {
    let x = c * 0.6;
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), vec3<f32>(0.0), vec3<f32>(1.0));
}

fn tonemap(c: vec3<f32>, mode: u32) -> vec3<f32> {
    switch mode {
        case 0u: { return tonemap_neutral(c); }
        case 1u: { return tonemap_aces(c); }
        case 2u: { return c / (1.0 + c); }
        default: { return c; }
    }
}

// A world direction in the environment's frame (rotated about +Y by its rotation).
fn environment_direction(d: vec3<f32>) -> vec3<f32> {
    let c = scene.environment.y;
    let s = scene.environment.z;
    return vec3<f32>(c * d.x - s * d.z, d.y, s * d.x + c * d.z);
}

// The environment's light reflected by a surface (normal `n`, towards the eye `v`):
// diffuse from the irradiance cube, specular from the prefiltered cube and the split-sum
// table, with the energy multiple scattering would add (Fdez-Agüera's compensation: a
// white surface of any roughness under a uniform environment shows it exactly).
fn environment_light(n: vec3<f32>, v: vec3<f32>, albedo: vec3<f32>, metallic: f32, roughness: f32) -> vec3<f32> {
    let n_v = clamp(dot(n, v), 0.0, 1.0);
    let lut_uv = (vec2<f32>(n_v, roughness) * (LUT_SIZE - 1.0) + 0.5) / LUT_SIZE;
    let ab = textureSampleLevel(brdf_lut, env_sampler, lut_uv, 0.0).rg;
    let f0 = mix(vec3<f32>(0.04), albedo, metallic);
    let fss_ess = f0 * ab.x + ab.y;
    let ems = clamp(1.0 - (ab.x + ab.y), 0.0, 1.0);
    let f_avg = f0 + (1.0 - f0) / 21.0;
    let fms_ems = ems * fss_ess * f_avg / (1.0 - f_avg * ems);
    let kd = albedo * (1.0 - metallic) * (1.0 - fss_ess - fms_ems);
    let r = reflect(-v, n);
    let specular = textureSampleLevel(env_specular, env_sampler, environment_direction(r), roughness * (SPECULAR_LEVELS - 1.0)).rgb;
    let irradiance = textureSampleLevel(env_irradiance, env_sampler, environment_direction(n), 0.0).rgb;
    return (fss_ess * specular + (fms_ems + kd) * irradiance) * scene.environment.x;
}

// The environment's radiance towards world direction `d` (the background).
fn environment_radiance(d: vec3<f32>) -> vec3<f32> {
    let e = environment_direction(d);
    if scene.sky.zenith.w > 0.5 {
        return textureSampleLevel(env_picture, equirect_sampler, equirect_uv(e), 0.0).rgb;
    }
    return sky_radiance(scene.sky, e);
}

// Linear light to the chain's display-referred values: exposure, tone map, sRGB encoding.
fn display(c: vec3<f32>) -> vec3<f32> {
    return linear_to_srgb(tonemap(max(c * scene.ambient.w, vec3<f32>(0.0)), scene.settings.z));
}

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    // Derivatives and implicit-lod sampling first, in uniform control flow.
    let face_normal = normalize(cross(dpdx(in.world), dpdy(in.world)));
    let base_texel = textureSample(base_texture, base_sampler, in.uv);
    let mr_texel = textureSample(mr_texture, mr_sampler, in.uv);
    let normal_texel = textureSample(normal_texture, normal_sampler, in.uv);
    let occlusion_texel = textureSample(occlusion_texture, occlusion_sampler, in.uv);
    let emissive_texel = textureSample(emissive_texture, emissive_sampler, in.uv);

    let base = mesh.base_color * base_texel;
    let mode = u32(mesh.alpha.x);
    if mode == 1u && base.a < mesh.alpha.y {
        discard;
    }
    let alpha = select(1.0, clamp(base.a, 0.0, 1.0), mode == 2u);
    let albedo = base.rgb;
    let emissive = mesh.emissive_metallic.rgb + mesh.emissive_map.rgb * emissive_texel.rgb;
    let shading = scene.settings.y;
    if shading == 2u {
        return vec4<f32>(linear_to_srgb(max(albedo + emissive, vec3<f32>(0.0))) * alpha, alpha);
    }
    let v = normalize(scene.camera_position.xyz - in.world);
    var n = normalize(in.normal);
    if mesh.material.z != 0.0 {
        // Tangent space (the tangent made orthogonal to the interpolated normal).
        let t = normalize(in.tangent.xyz - n * dot(n, in.tangent.xyz));
        let b = cross(n, t) * select(-1.0, 1.0, in.tangent.w >= 0.0);
        let m = (normal_texel.xyz * 2.0 - 1.0) * vec3<f32>(mesh.material.z, mesh.material.z, 1.0);
        n = normalize(t * m.x + b * m.y + n * m.z);
    }
    if !front {
        n = -n;
    }
    if shading == 1u {
        n = face_normal;
        if dot(n, v) < 0.0 {
            n = -n;
        }
    }
    let metallic = clamp(mesh.emissive_metallic.w * mr_texel.b, 0.0, 1.0);
    let roughness = clamp(mesh.material.x * mr_texel.g, 0.0, 1.0);
    let occlusion = 1.0 + mesh.material.w * (occlusion_texel.r - 1.0);
    // Ambient light: the flat colour (reflected with the base colour; metals: their
    // reflectance colour) and the environment's.
    var ambient = scene.ambient.rgb * albedo;
    if scene.environment.x > 0.0 {
        ambient += environment_light(n, v, albedo, metallic, roughness);
    }
    var color = ambient * occlusion + emissive;
    let count = min(scene.settings.x, MAX_LIGHTS);
    for (var i = 0u; i < count; i++) {
        color += light_at(scene.lights[i], in.world, n, v, albedo, metallic, roughness);
    }
    return vec4<f32>(display(color) * alpha, alpha);
}

struct SkyOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) ndc: vec2<f32>,
};

// The background: one triangle covering the view at the far plane (depth 1), drawn where
// no mesh is.
@vertex
fn vs_sky(@builtin(vertex_index) i: u32) -> SkyOut {
    let p = vec2<f32>(f32((i << 1u) & 2u) * 2.0 - 1.0, f32(i & 2u) * 2.0 - 1.0);
    var out: SkyOut;
    out.clip = vec4<f32>(p, 1.0, 1.0);
    out.ndc = p;
    return out;
}

@fragment
fn fs_sky(in: SkyOut) -> @location(0) vec4<f32> {
    let near = scene.inv_view_proj * vec4<f32>(in.ndc, 0.0, 1.0);
    let far = scene.inv_view_proj * vec4<f32>(in.ndc, 1.0, 1.0);
    let d = normalize(far.xyz / far.w - near.xyz / near.w);
    return vec4<f32>(display(environment_radiance(d) * scene.environment.x), 1.0);
}
