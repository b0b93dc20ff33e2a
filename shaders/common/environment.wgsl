// render3d's environment: the procedural sky, cube-map face directions, and directions as
// equirectangular picture coordinates. Shared by the main pass (ambient light, background)
// and the prefilter passes (render3d_environment.wgsl).

// The environment as the shaders read it (`Sky` in operators/src/render3d/uniforms.rs).
struct Sky {
    // rgb: linear radiance straight up; w: 1 if the environment is a picture (equirect).
    zenith: vec4<f32>,
    // rgb: linear radiance at the horizon.
    horizon: vec4<f32>,
    // rgb: linear radiance of the ground (below the horizon).
    ground: vec4<f32>,
    // xyz: unit direction towards the sun; w: the sun disc's angular radius, radians.
    sun: vec4<f32>,
    // rgb: linear radiance of the sun's disc.
    sun_color: vec4<f32>,
};

const ENV_PI: f32 = 3.14159265;

// The procedural sky's radiance towards unit direction `d`: zenith to horizon above, a quick
// fade to the ground below, a sun disc (anti-aliased edge) and a faint glow around it.
fn sky_radiance(sky: Sky, d: vec3<f32>) -> vec3<f32> {
    let h = clamp(d.y, -1.0, 1.0);
    var c: vec3<f32>;
    if h >= 0.0 {
        c = mix(sky.zenith.rgb, sky.horizon.rgb, pow(1.0 - h, 4.0));
    } else {
        c = mix(sky.horizon.rgb, sky.ground.rgb, 1.0 - pow(1.0 + h, 12.0));
    }
    let angle = acos(clamp(dot(d, sky.sun.xyz), -1.0, 1.0));
    let r = max(sky.sun.w, 1e-4);
    let disc = 1.0 - smoothstep(r * 0.85, r * 1.15, angle);
    let glow = 0.02 * exp(-angle * 8.0);
    let above = smoothstep(-0.02, 0.02, h);
    return c + sky.sun_color.rgb * ((disc + glow) * above);
}

// Equirectangular coordinates of unit direction `d`: u = 0.5 looks towards −Z, u grows
// towards +X (to the right of a camera looking at −Z); v = 0 straight up, 1 straight down.
fn equirect_uv(d: vec3<f32>) -> vec2<f32> {
    let phi = atan2(d.x, -d.z);
    return vec2<f32>(0.5 + phi / (2.0 * ENV_PI), acos(clamp(d.y, -1.0, 1.0)) / ENV_PI);
}

// The direction of point (sc, tc) in -1..1 on cube face `face` (layers +X, −X, +Y, −Y,
// +Z, −Z; Vulkan's cube sampling table, t down the rows), not normalised.
fn cube_direction(face: u32, sc: f32, tc: f32) -> vec3<f32> {
    switch face {
        case 0u: { return vec3<f32>(1.0, -tc, -sc); }
        case 1u: { return vec3<f32>(-1.0, -tc, sc); }
        case 2u: { return vec3<f32>(sc, 1.0, tc); }
        case 3u: { return vec3<f32>(sc, -1.0, -tc); }
        case 4u: { return vec3<f32>(sc, -tc, 1.0); }
        default: { return vec3<f32>(-sc, -tc, -1.0); }
    }
}
