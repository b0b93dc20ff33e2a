// Integer hashes for procedural patterns (no textures, identical on every GPU).

// PCG-style 3D hash of integer lattice coordinates: three uniform u32s.
fn hash3u(p: vec3<i32>) -> vec3<u32> {
    var v = bitcast<vec3<u32>>(p) * 1664525u + 1013904223u;
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    v = v ^ (v >> vec3<u32>(16u));
    v.x += v.y * v.z;
    v.y += v.z * v.x;
    v.z += v.x * v.y;
    return v;
}

// Three floats uniform in [0, 1) for a lattice point.
fn hash3f(p: vec3<i32>) -> vec3<f32> {
    return vec3<f32>(hash3u(p) >> vec3<u32>(8u)) * (1.0 / 16777216.0);
}

// One float uniform in [0, 1) for a lattice point.
fn hash1f(p: vec3<i32>) -> f32 {
    return f32(hash3u(p).x >> 8u) * (1.0 / 16777216.0);
}
