// What render3d's passes share: a mesh's uniforms, the vertex layout, and how a mesh's
// vertices become points (its primitive's `shape`: per-axis size, or a torus's radii).

struct Mesh {
    model: mat4x4<f32>,
    // Inverse transpose of the model's 3×3 (normals to world).
    normal_matrix: mat3x3<f32>,
    // Linear RGBA: the mesh's colour × the part's (glTF) base colour factor.
    base_color: vec4<f32>,
    // rgb: linear emitted colour of the mesh node; w: metallic (× the texture's blue).
    emissive_metallic: vec4<f32>,
    // xyz: per-axis size (w = 0), or ring and tube radii (w = 1, a torus).
    shape: vec4<f32>,
    // x: roughness (× the texture's green); y: 1 if shadows fall on it; z: normal map
    // scale (0: no normal map); w: occlusion strength.
    material: vec4<f32>,
    // rgb: linear emitted colour of the part (× the emissive texture).
    emissive_map: vec4<f32>,
    // x: alpha mode (0 opaque, 1 mask, 2 blend); y: mask cutoff; z: the model's
    // handedness (1, or −1 if it mirrors); w: 0.
    alpha: vec4<f32>,
};

struct VertexIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
    // xyz: unit tangent (along +u); w: ±1, the bitangent is w·(normal × tangent).
    @location(3) tangent: vec4<f32>,
};

struct ObjectPoint {
    position: vec3<f32>,
    normal: vec3<f32>,
    tangent: vec3<f32>,
};

// The vertex in object space. A torus stores its ring direction in `position` and its tube
// normal in `normal` (see operators/src/render3d/primitives.rs): the point is R·d + r·n.
fn object_point(v: VertexIn, shape: vec4<f32>) -> ObjectPoint {
    if shape.w > 0.5 {
        return ObjectPoint(shape.x * v.position + shape.y * v.normal, v.normal, v.tangent.xyz);
    }
    let s = select(shape.xyz, vec3<f32>(1e-6), abs(shape.xyz) < vec3<f32>(1e-6));
    return ObjectPoint(v.position * s, v.normal / s, v.tangent.xyz * s);
}
