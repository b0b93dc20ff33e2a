//! The uniform blocks of `render3d` as its shaders read them (`Scene` with its `Light`s,
//! `Mesh`, `Face`) and how a scene's lights and meshes fill them.

use vivid_engine::glam::{Mat3, Mat4, Vec3};
use vivid_engine::scene::{AlphaMode, LightItem, LightKind, MeshItem, PartMaterial, ShapeMode};

use super::environment::SkyUniform;
use super::shadow::{SHADOW_NEAR, ShadowSlot, directional_view_proj, spot_view_proj};

/// Most lights in the uniform block (`MAX_LIGHTS` in `render3d.wgsl`).
pub const MAX_LIGHTS: usize = 16;

/// One light in the `Scene` block (`Light` in `render3d.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LightUniform {
    position_range: [f32; 4],
    direction_kind: [f32; 4],
    color: [f32; 4],
    cone_shadow: [f32; 4],
    shadow_params: [f32; 4],
    shadow_soft: [f32; 4],
    view_proj: [[f32; 4]; 4],
    inv_view_proj: [[f32; 4]; 4],
}

/// The `Scene` block of `render3d.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SceneUniforms {
    pub(super) view_proj: [[f32; 4]; 4],
    pub(super) inv_view_proj: [[f32; 4]; 4],
    pub(super) camera_position: [f32; 4],
    pub(super) ambient: [f32; 4],
    /// Light count, shading, tone map, 0.
    pub(super) settings: [u32; 4],
    /// Environment intensity, cos and sin of its rotation, 1 if it is the background.
    pub(super) environment: [f32; 4],
    pub(super) sky: SkyUniform,
    pub(super) lights: [LightUniform; MAX_LIGHTS],
}

/// The `Mesh` block of `common/scene.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MeshUniforms {
    model: [[f32; 4]; 4],
    normal_matrix: [[f32; 4]; 3],
    base_color: [f32; 4],
    emissive_metallic: [f32; 4],
    shape: [f32; 4],
    material: [f32; 4],
    emissive_map: [f32; 4],
    alpha: [f32; 4],
}

/// The `Face` block of `render3d_shadow.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FaceUniforms {
    view_proj: [[f32; 4]; 4],
}

impl FaceUniforms {
    /// The block of a shadow map face seen through `view_proj`.
    pub(super) fn new(view_proj: Mat4) -> FaceUniforms {
        FaceUniforms {
            view_proj: cols(view_proj),
        }
    }
}

/// A matrix as the shaders read it: four columns.
pub(super) fn cols(m: Mat4) -> [[f32; 4]; 4] {
    m.to_cols_array_2d()
}

/// The far plane of the shadow projections of `l` (its range, kept sane).
pub(super) fn shadow_far(l: &LightItem) -> f32 {
    l.range.clamp(SHADOW_NEAR * 2.0, 1.0e6)
}

/// The uniform of light `l`, whose shadow map (if any) is `slot`, in a scene within the
/// sphere `bounds`; and the view-projection of its shadow map (identity for a point
/// light, whose six faces have their own).
pub(super) fn light_uniform(
    l: &LightItem,
    slot: Option<ShadowSlot>,
    bounds: (Vec3, f32),
) -> (LightUniform, Mat4) {
    let kind = match l.kind {
        LightKind::Point => 0.0,
        LightKind::Spot => 1.0,
        LightKind::Directional => 2.0,
    };
    let slot_index = match slot {
        Some(ShadowSlot::Cube(i) | ShadowSlot::Flat(i)) => i as f32,
        None => -1.0,
    };
    let far = l.range.clamp(SHADOW_NEAR * 2.0, 1.0e6);
    let (view_proj, texel, scaled) = match l.kind {
        LightKind::Point => (Mat4::IDENTITY, 2.0 / l.shadow_resolution.max(1) as f32, 1.0),
        LightKind::Spot => {
            let (m, t) = spot_view_proj(l);
            (m, t, 1.0)
        }
        LightKind::Directional => {
            let (m, t) = directional_view_proj(l, bounds.0, bounds.1);
            (m, t, 0.0)
        }
    };
    let cos_outer = l.angle.cos();
    let cos_inner = (l.angle * (1.0 - l.blend)).cos().max(cos_outer + 1e-4);
    let u = LightUniform {
        position_range: l.position.extend(l.range.max(1e-3)).to_array(),
        direction_kind: l.direction.extend(kind).to_array(),
        color: (l.color * l.intensity).extend(0.0).to_array(),
        cone_shadow: [cos_outer, cos_inner, slot_index, l.shadow_bias],
        shadow_params: [SHADOW_NEAR, far, texel, scaled],
        shadow_soft: [l.shadow_softness.max(0.0), 0.0, 0.0, 0.0],
        view_proj: cols(view_proj),
        inv_view_proj: cols({
            let inverse = view_proj.inverse();
            if inverse.is_finite() {
                inverse
            } else {
                Mat4::IDENTITY
            }
        }),
    };
    (u, view_proj)
}

/// The uniform of `m` drawing a part of material `part` (its factors multiplied with the
/// mesh node's material; its metallic and roughness instead of the node's, if it has them).
pub(super) fn mesh_uniform(m: &MeshItem, part: &PartMaterial) -> MeshUniforms {
    let linear = Mat3::from_mat4(m.model);
    let normal = linear.inverse().transpose();
    let normal = if normal.is_finite() {
        normal
    } else {
        Mat3::IDENTITY
    };
    let c = m.material.base_color;
    let p = part.base_color;
    let [metallic, roughness] = part
        .metallic_roughness
        .unwrap_or([m.material.metallic, m.material.roughness]);
    let (mode, cutoff) = match part.alpha {
        AlphaMode::Opaque => (0.0, 0.0),
        AlphaMode::Mask(cutoff) => (1.0, cutoff),
        AlphaMode::Blend => (2.0, 0.0),
    };
    let normal_scale = if part.normal_texture.is_some() {
        part.normal_scale
    } else {
        0.0
    };
    MeshUniforms {
        model: cols(m.model),
        normal_matrix: [
            normal.x_axis.extend(0.0).to_array(),
            normal.y_axis.extend(0.0).to_array(),
            normal.z_axis.extend(0.0).to_array(),
        ],
        base_color: [c[0] * p[0], c[1] * p[1], c[2] * p[2], c[3] * p[3]],
        emissive_metallic: m.material.emissive.extend(metallic).to_array(),
        shape: m
            .shape
            .extend(match m.geometry.mode {
                ShapeMode::Scaled => 0.0,
                ShapeMode::Torus => 1.0,
            })
            .to_array(),
        material: [
            roughness,
            if m.receive_shadows { 1.0 } else { 0.0 },
            normal_scale,
            part.occlusion_strength,
        ],
        emissive_map: [part.emissive[0], part.emissive[1], part.emissive[2], 0.0],
        alpha: [
            mode,
            cutoff,
            if linear.determinant() < 0.0 {
                -1.0
            } else {
                1.0
            },
            0.0,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_blocks_are_multiples_of_16() {
        assert_eq!(size_of::<LightUniform>(), 224);
        assert_eq!(size_of::<MeshUniforms>(), 208);
        assert_eq!(size_of::<SceneUniforms>() % 16, 0);
    }
}
