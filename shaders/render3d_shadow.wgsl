// render3d's shadow pass: shadow-casting meshes into one depth map (or one cube face).
// Parts whose alpha cuts them (MASK, and BLEND at 0.5) drop their cut-out texels.
#import "common/scene.wgsl"

struct Face {
    view_proj: mat4x4<f32>,
};

@group(0) @binding(0) var<uniform> face: Face;
@group(1) @binding(0) var<uniform> mesh: Mesh;
@group(1) @binding(1) var base_texture: texture_2d<f32>;
@group(1) @binding(2) var base_sampler: sampler;

struct ShadowOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vs_shadow(v: VertexIn) -> ShadowOut {
    let o = object_point(v, mesh.shape);
    var out: ShadowOut;
    out.clip = face.view_proj * (mesh.model * vec4<f32>(o.position, 1.0));
    out.uv = v.uv;
    return out;
}

@fragment
fn fs_shadow_mask(in: ShadowOut) {
    let a = mesh.base_color.a * textureSample(base_texture, base_sampler, in.uv).a;
    let cutoff = select(0.5, mesh.alpha.y, u32(mesh.alpha.x) == 1u);
    if a < cutoff {
        discard;
    }
}
