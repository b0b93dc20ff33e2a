//! A sphere displaced by 5 octaves of value noise, sphere-traced in 96 steps, lit by one light.

fn hash(p: vec3<f32>) -> f32 {
    return fract(sin(dot(p, vec3<f32>(12.9898, 78.233, 37.719))) * 43758.5453);
}

fn noise(p: vec3<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let u = f * f * (3.0 - 2.0 * f);
    let a = mix(hash(i), hash(i + vec3<f32>(1.0, 0.0, 0.0)), u.x);
    let b = mix(hash(i + vec3<f32>(0.0, 1.0, 0.0)), hash(i + vec3<f32>(1.0, 1.0, 0.0)), u.x);
    let c = mix(hash(i + vec3<f32>(0.0, 0.0, 1.0)), hash(i + vec3<f32>(1.0, 0.0, 1.0)), u.x);
    let d = mix(hash(i + vec3<f32>(0.0, 1.0, 1.0)), hash(i + vec3<f32>(1.0, 1.0, 1.0)), u.x);
    return mix(mix(a, b, u.y), mix(c, d, u.y), u.z);
}

fn fbm(p: vec3<f32>) -> f32 {
    var s = 0.0;
    var a = 0.5;
    var q = p;
    for (var o = 0; o < 5; o++) {
        s += a * noise(q);
        q = q * 2.02 + vec3<f32>(1.7, 9.2, 3.1);
        a *= 0.5;
    }
    return s;
}

fn scene(p: vec3<f32>) -> f32 {
    return length(p) - 1.0 - 0.25 * fbm(p * 2.5 + vec3<f32>(0.0, 0.0, vivid.time * 0.3));
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    let p = (user_uv(uv) * 2.0 - 1.0) * vec2<f32>(aspect(vivid), 1.0);
    let dir = normalize(vec3<f32>(p, 1.8));
    let origin = vec3<f32>(0.0, 0.0, -3.2);
    var t = 0.0;
    var hit = false;
    for (var i = 0; i < 96; i++) {
        let d = scene(origin + dir * t);
        if d < 0.001 * t {
            hit = true;
            break;
        }
        t += d * 0.8;
        if t > 8.0 {
            break;
        }
    }
    if !hit {
        return vec4<f32>(0.02, 0.02, 0.05, 1.0);
    }
    let q = origin + dir * t;
    let e = vec2<f32>(0.002, 0.0);
    let n = normalize(vec3<f32>(
        scene(q + e.xyy) - scene(q - e.xyy),
        scene(q + e.yxy) - scene(q - e.yxy),
        scene(q + e.yyx) - scene(q - e.yyx),
    ));
    let light = max(dot(n, normalize(vec3<f32>(0.6, 0.7, -0.4))), 0.0);
    return vec4<f32>(vec3<f32>(0.9, 0.6, 0.3) * (0.1 + light), 1.0);
}
