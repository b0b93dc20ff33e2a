// render3d: meshes lit by point, spot and directional lights, with shadows, from a camera.
//
// Colour: material and light colours arrive linear (converted from the chain's
// display-referred values on the CPU); lighting is computed in linear light, scaled by
// `exposure`, tone-mapped, and encoded back to display-referred values like every texture
// of the chain. `unlit` shows base colour + emissive as given (no exposure, no tone map).
// Shading: metallic-roughness PBR (GGX, height-correlated Smith, Schlick), or the same with
// face normals (`flat`).
#import "common/scene.wgsl"
#import "common/color.wgsl"

const MAX_LIGHTS: u32 = 16u;
const PI: f32 = 3.14159265;

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
    // Spot and directional: world to shadow-map clip space.
    view_proj: mat4x4<f32>,
};

struct Scene {
    view_proj: mat4x4<f32>,
    camera_position: vec4<f32>,
    // rgb: linear ambient; w: exposure.
    ambient: vec4<f32>,
    // x: lights; y: shading (0 pbr, 1 flat, 2 unlit); z: tone map (0 neutral, 1 aces,
    // 2 reinhard, 3 none).
    settings: vec4<u32>,
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

@group(1) @binding(0) var<uniform> mesh: Mesh;
@group(1) @binding(1) var base_texture: texture_2d<f32>;
@group(1) @binding(2) var base_sampler: sampler;

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
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
    return out;
}

// The depth a cube face stores for offset `d` from the light (see shadow.rs).
fn cube_depth(d: vec3<f32>, near: f32, far: f32) -> f32 {
    let m = max(max(abs(d.x), abs(d.y)), max(abs(d.z), 1e-6));
    return far * (m - near) / (m * (far - near));
}

// Percentage-closer filtering on a cube: 9 taps around `d` (each a hardware 2×2 compare).
fn pcf_cube(t: texture_depth_cube, d: vec3<f32>, near: f32, far: f32, spread: f32) -> f32 {
    let n = normalize(d);
    var up = vec3<f32>(0.0, 1.0, 0.0);
    if abs(n.y) > 0.9 {
        up = vec3<f32>(1.0, 0.0, 0.0);
    }
    let t1 = normalize(cross(n, up));
    let t2 = cross(n, t1);
    let r = length(d) * spread;
    var sum = 0.0;
    for (var i = -1; i <= 1; i++) {
        for (var j = -1; j <= 1; j++) {
            let dd = d + (t1 * f32(i) + t2 * f32(j)) * r;
            sum += textureSampleCompareLevel(t, shadow_sampler, dd, cube_depth(dd, near, far));
        }
    }
    return sum / 9.0;
}

fn cube_shadow(slot: i32, d: vec3<f32>, near: f32, far: f32, spread: f32) -> f32 {
    switch slot {
        case 0: { return pcf_cube(cube0, d, near, far, spread); }
        case 1: { return pcf_cube(cube1, d, near, far, spread); }
        case 2: { return pcf_cube(cube2, d, near, far, spread); }
        case 3: { return pcf_cube(cube3, d, near, far, spread); }
        case 4: { return pcf_cube(cube4, d, near, far, spread); }
        case 5: { return pcf_cube(cube5, d, near, far, spread); }
        case 6: { return pcf_cube(cube6, d, near, far, spread); }
        case 7: { return pcf_cube(cube7, d, near, far, spread); }
        default: { return 1.0; }
    }
}

// 3×3 PCF on a 2D map; outside the map: lit.
fn pcf_map(t: texture_depth_2d, clip: vec4<f32>) -> f32 {
    let ndc = clip.xyz / clip.w;
    if clip.w <= 0.0 || abs(ndc.x) > 1.0 || abs(ndc.y) > 1.0 || ndc.z > 1.0 {
        return 1.0;
    }
    let uv = vec2<f32>(0.5 * ndc.x + 0.5, 0.5 - 0.5 * ndc.y);
    let texel = 1.0 / vec2<f32>(textureDimensions(t));
    var sum = 0.0;
    for (var i = -1; i <= 1; i++) {
        for (var j = -1; j <= 1; j++) {
            sum += textureSampleCompareLevel(t, shadow_sampler, uv + vec2<f32>(f32(i), f32(j)) * texel, ndc.z);
        }
    }
    return sum / 9.0;
}

fn map_shadow(slot: i32, clip: vec4<f32>) -> f32 {
    switch slot {
        case 0: { return pcf_map(map0, clip); }
        case 1: { return pcf_map(map1, clip); }
        case 2: { return pcf_map(map2, clip); }
        case 3: { return pcf_map(map3, clip); }
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
    if kind == 0u {
        let d = q - l.position_range.xyz;
        return cube_shadow(slot, d, l.shadow_params.x, l.shadow_params.y, l.shadow_params.z);
    }
    return map_shadow(slot, l.view_proj * vec4<f32>(q, 1.0));
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

@fragment
fn fs_main(in: VertexOut, @builtin(front_facing) front: bool) -> @location(0) vec4<f32> {
    // Derivatives and implicit-lod sampling first, in uniform control flow.
    let face_normal = normalize(cross(dpdx(in.world), dpdy(in.world)));
    let texel = textureSample(base_texture, base_sampler, in.uv);
    let albedo = mesh.base_color.rgb * texel.rgb;
    let emissive = mesh.emissive_metallic.rgb;
    let shading = scene.settings.y;
    if shading == 2u {
        return vec4<f32>(linear_to_srgb(max(albedo + emissive, vec3<f32>(0.0))), 1.0);
    }
    let v = normalize(scene.camera_position.xyz - in.world);
    var n = normalize(in.normal);
    if !front {
        n = -n;
    }
    if shading == 1u {
        n = face_normal;
        if dot(n, v) < 0.0 {
            n = -n;
        }
    }
    let metallic = clamp(mesh.emissive_metallic.w, 0.0, 1.0);
    let roughness = clamp(mesh.material.x, 0.0, 1.0);
    // Ambient light is reflected with the base colour (metals: their reflectance colour).
    var color = scene.ambient.rgb * albedo + emissive;
    let count = min(scene.settings.x, MAX_LIGHTS);
    for (var i = 0u; i < count; i++) {
        color += light_at(scene.lights[i], in.world, n, v, albedo, metallic, roughness);
    }
    color = max(color * scene.ambient.w, vec3<f32>(0.0));
    return vec4<f32>(linear_to_srgb(tonemap(color, scene.settings.z)), 1.0);
}
