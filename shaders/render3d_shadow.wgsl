// render3d's shadow pass: shadow-casting meshes into one depth map (or one cube face).
#import "common/scene.wgsl"

struct Face {
    view_proj: mat4x4<f32>,
};

@group(0) @binding(0) var<uniform> face: Face;
@group(1) @binding(0) var<uniform> mesh: Mesh;

@vertex
fn vs_shadow(v: VertexIn) -> @builtin(position) vec4<f32> {
    let o = object_point(v, mesh.shape);
    return face.view_proj * (mesh.model * vec4<f32>(o.position, 1.0));
}
