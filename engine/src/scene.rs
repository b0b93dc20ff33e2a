//! Scene objects: what camera, mesh and light nodes give the operators that draw them.
//!
//! A scene node is an operator without an output texture: its
//! [`OperatorInfo::scene`](crate::operator::OperatorInfo::scene) says which [`SceneKind`] it
//! is. Every frame the engine runs the scene nodes first —
//! [`Operator::prepare`](crate::Operator::prepare) when their prepare key changed (a mesh
//! builds its [`Geometry`] there), then
//! [`Operator::scene`](crate::Operator::scene), which returns this frame's [`SceneItem`] —
//! and keeps the items. An operator that names scene nodes in a reference parameter
//! (`camera = "cam"`, `meshes = ["floor", "box"]`) reads them through the [`SceneView`] in
//! its contexts; references are checked when the chain is validated (the names exist and
//! are of the right kind).
//!
//! Units and conventions: right-handed, y up, lengths in scene units, angles given in
//! degrees in chain.toml. Colours in items are linear (converted from the display-referred
//! values of chain.toml with [`srgb_to_linear`]).

use std::sync::Arc;

use glam::{Mat4, Vec3};

use crate::gpu::{GpuBuffer, GpuTexture};
use crate::params::{ParamKind, ParamType, ParamValue};

/// What a scene node is (defined beside the parameter kinds that name one).
pub use crate::params::SceneKind;

/// A perspective camera.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CameraItem {
    /// Eye position.
    pub position: Vec3,
    /// The point looked at (up is +Y).
    pub target: Vec3,
    /// Vertical field of view, degrees.
    pub fov_y: f32,
    /// Near plane distance.
    pub near: f32,
    /// Far plane distance.
    pub far: f32,
}

impl Default for CameraItem {
    /// What `render3d` uses without a camera: 5 units back, a little above the origin.
    fn default() -> Self {
        Self {
            position: Vec3::new(0.0, 1.5, 5.0),
            target: Vec3::ZERO,
            fov_y: 50.0,
            near: 0.05,
            far: 100.0,
        }
    }
}

impl CameraItem {
    /// The view matrix (world to camera), up = +Y (or +Z when looking straight up/down).
    #[must_use]
    pub fn view(&self) -> Mat4 {
        let dir = (self.target - self.position).normalize_or(Vec3::NEG_Z);
        let up = if dir.cross(Vec3::Y).length_squared() < 1e-8 {
            Vec3::Z
        } else {
            Vec3::Y
        };
        Mat4::look_to_rh(self.position, dir, up)
    }

    /// The projection for an output of aspect `width / height` (depth 0..1).
    #[must_use]
    pub fn projection(&self, aspect: f32) -> Mat4 {
        let near = self.near.max(1e-4);
        let far = self.far.max(near * 1.001);
        Mat4::perspective_rh(self.fov_y.clamp(1.0, 179.0).to_radians(), aspect, near, far)
    }
}

/// How a light shines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LightKind {
    /// From a point, in every direction.
    Point,
    /// From a point, in a cone.
    Spot,
    /// From infinitely far, in one direction (the sun).
    Directional,
}

/// A light.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LightItem {
    /// Kind.
    pub kind: LightKind,
    /// Position (point and spot lights).
    pub position: Vec3,
    /// Unit direction the light travels (spot and directional lights).
    pub direction: Vec3,
    /// Linear colour.
    pub color: Vec3,
    /// Multiplier of the colour.
    pub intensity: f32,
    /// Distance at which a point or spot light has faded to zero.
    pub range: f32,
    /// Spot: half-angle of the cone, radians.
    pub angle: f32,
    /// Spot: fraction of the cone (from its edge inwards) over which light fades in.
    pub blend: f32,
    /// Whether it casts shadows.
    pub cast_shadows: bool,
    /// Shadow bias, scene units.
    pub shadow_bias: f32,
    /// Side of the shadow map (of each cube face for point lights), pixels.
    pub shadow_resolution: u32,
    /// Radius of the shadow's filter, in shadow-map texels: 1 is a 3×3 kernel; larger
    /// values widen the penumbra (more taps, spread over the radius).
    pub shadow_softness: f32,
}

/// A material (metallic-roughness, the glTF model).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Material {
    /// Linear RGBA base colour (multiplied with the geometry's own colour and texture).
    pub base_color: [f32; 4],
    /// 0 dielectric .. 1 metal.
    pub metallic: f32,
    /// 0 mirror .. 1 matte.
    pub roughness: f32,
    /// Linear emitted colour.
    pub emissive: Vec3,
}

/// How the vertex shader turns a [`Geometry`]'s vertices into positions: the mesh's
/// `shape` uniform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShapeMode {
    /// position × `shape.xyz`, normal ÷ `shape.xyz` (renormalised).
    Scaled = 0,
    /// A torus: position holds the ring direction d, normal the tube normal n; the point
    /// is `shape.x`·d + `shape.y`·n.
    Torus = 1,
}

/// How a texture of a [`GeometryPart`] is sampled (a glTF sampler).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TextureRef {
    /// Index into [`Geometry::textures`].
    pub texture: usize,
    /// Wrap along u and v.
    pub address: [wgpu::AddressMode; 2],
    /// Magnification filter.
    pub mag: wgpu::FilterMode,
    /// Minification filter.
    pub min: wgpu::FilterMode,
    /// Filter between mip levels.
    pub mipmap: wgpu::MipmapFilterMode,
    /// Whether mip levels are used (false: the full-size level only).
    pub mipmapped: bool,
}

impl TextureRef {
    /// Texture `texture`, repeating, trilinear (glTF's default sampler).
    #[must_use]
    pub const fn repeat(texture: usize) -> Self {
        Self {
            texture,
            address: [wgpu::AddressMode::Repeat; 2],
            mag: wgpu::FilterMode::Linear,
            min: wgpu::FilterMode::Linear,
            mipmap: wgpu::MipmapFilterMode::Linear,
            mipmapped: true,
        }
    }
}

/// How a part's alpha is used (glTF `alphaMode`).
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum AlphaMode {
    /// Alpha ignored: fully opaque.
    #[default]
    Opaque,
    /// Drawn where alpha ≥ the cutoff, dropped elsewhere.
    Mask(f32),
    /// Blended over what is behind it (drawn after the opaque parts, back to front).
    Blend,
}

/// A part's material as its file gives it (glTF metallic-roughness): factors multiplied
/// with the mesh node's own material, and texture maps.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PartMaterial {
    /// Linear RGBA factor (a glTF material's base colour).
    pub base_color: [f32; 4],
    /// The file's metallic and roughness factors (× the texture's), used instead of the
    /// mesh node's `metallic` and `roughness`; `None` (the primitives): the node's.
    pub metallic_roughness: Option<[f32; 2]>,
    /// Linear emitted colour factor (× the emissive texture), added to the node's.
    pub emissive: [f32; 3],
    /// Scale of the normal map's x and y.
    pub normal_scale: f32,
    /// How much of the occlusion map applies (0 none, 1 all).
    pub occlusion_strength: f32,
    /// Alpha mode.
    pub alpha: AlphaMode,
    /// Whether back faces are drawn (and lit with the normal flipped); culled otherwise.
    pub double_sided: bool,
    /// sRGB colour (× `base_color`).
    pub base_color_texture: Option<TextureRef>,
    /// Linear: roughness in green, metallic in blue.
    pub metallic_roughness_texture: Option<TextureRef>,
    /// Linear tangent-space normals.
    pub normal_texture: Option<TextureRef>,
    /// Linear: ambient occlusion in red.
    pub occlusion_texture: Option<TextureRef>,
    /// sRGB emitted colour (× `emissive`).
    pub emissive_texture: Option<TextureRef>,
}

impl Default for PartMaterial {
    /// What leaves the mesh node's material as it is: white, the node's metallic and
    /// roughness, no emission, no maps, opaque, double-sided (the built-in primitives).
    fn default() -> Self {
        Self {
            base_color: [1.0; 4],
            metallic_roughness: None,
            emissive: [0.0; 3],
            normal_scale: 1.0,
            occlusion_strength: 1.0,
            alpha: AlphaMode::Opaque,
            double_sided: true,
            base_color_texture: None,
            metallic_roughness_texture: None,
            normal_texture: None,
            occlusion_texture: None,
            emissive_texture: None,
        }
    }
}

/// A part of a geometry drawn with one material.
#[derive(Debug)]
pub struct GeometryPart {
    /// Index range.
    pub indices: std::ops::Range<u32>,
    /// Its material (factors and maps).
    pub material: PartMaterial,
    /// Centre of its vertices' bounds (before the shape scale): blended parts are drawn
    /// back to front by it.
    pub centre: Vec3,
}

/// A mesh's GPU data: a vertex buffer (`position: vec3, normal: vec3, uv: vec2, tangent:
/// vec4`, 48 bytes), a `u32` index buffer, parts, textures (colour maps sRGB, data maps
/// linear). Built by a mesh node in its
/// prepare; its buffers and textures are destroyed when the last `Arc` goes.
#[derive(Debug)]
pub struct Geometry {
    /// Process-unique id (bind groups and shadow caches key on it).
    pub id: u64,
    /// Vertices.
    pub vertices: GpuBuffer,
    /// Indices (`u32`).
    pub indices: GpuBuffer,
    /// Parts.
    pub parts: Vec<GeometryPart>,
    /// Textures of the parts' maps.
    pub textures: Vec<GpuTexture>,
    /// Bounds of the vertices' positions (before the shape scale).
    pub bounds: (Vec3, Vec3),
    /// How to read positions.
    pub mode: ShapeMode,
}

/// A mesh to draw this frame.
#[derive(Clone, Debug)]
pub struct MeshItem {
    /// Its geometry.
    pub geometry: Arc<Geometry>,
    /// Object to world.
    pub model: Mat4,
    /// `xyz`: per-axis scale ([`ShapeMode::Scaled`]) or the torus radii (`x` ring, `y` tube).
    pub shape: Vec3,
    /// Material.
    pub material: Material,
    /// Whether it casts shadows.
    pub cast_shadows: bool,
    /// Whether shadows fall on it.
    pub receive_shadows: bool,
}

impl MeshItem {
    /// A sphere (centre, radius) in world space that holds the whole mesh.
    #[must_use]
    pub fn world_bounds(&self) -> (Vec3, f32) {
        let (lo, hi) = self.geometry.bounds;
        let (lo, hi) = match self.geometry.mode {
            ShapeMode::Scaled => (lo * self.shape, hi * self.shape),
            ShapeMode::Torus => {
                let r = self.shape.x.abs() + self.shape.y.abs();
                (
                    Vec3::new(-r, -self.shape.y.abs(), -r),
                    Vec3::new(r, self.shape.y.abs(), r),
                )
            }
        };
        let centre = self.model.transform_point3((lo + hi) * 0.5);
        // The largest axis scale of the model bounds the stretch of any direction.
        let scale = self
            .model
            .x_axis
            .truncate()
            .length()
            .max(self.model.y_axis.truncate().length())
            .max(self.model.z_axis.truncate().length());
        (centre, (hi - lo).length() * 0.5 * scale)
    }
}

/// One scene node's contribution to this frame.
#[derive(Clone, Debug)]
pub enum SceneItem {
    /// A camera.
    Camera(CameraItem),
    /// A mesh.
    Mesh(MeshItem),
    /// A light.
    Light(LightItem),
}

/// The scene items an operator references, as its contexts give them.
#[derive(Clone, Copy, Debug)]
pub struct SceneView<'a> {
    items: &'a [Option<SceneItem>],
    refs: &'a [Vec<usize>],
}

impl<'a> SceneView<'a> {
    /// No scene.
    pub const EMPTY: SceneView<'static> = SceneView {
        items: &[],
        refs: &[],
    };

    /// A view of `items` (by node index) through `refs` (per parameter: node indices).
    #[must_use]
    pub fn new(items: &'a [Option<SceneItem>], refs: &'a [Vec<usize>]) -> Self {
        Self { items, refs }
    }

    /// The node indices parameter `param` references, in order.
    #[must_use]
    pub fn refs(&self, param: usize) -> &'a [usize] {
        self.refs.get(param).map_or(&[], Vec::as_slice)
    }

    /// The item of node `node` this frame (None if it failed or is not a scene node).
    #[must_use]
    pub fn item(&self, node: usize) -> Option<&'a SceneItem> {
        self.items.get(node).and_then(Option::as_ref)
    }

    /// The camera parameter `param` names, if any.
    #[must_use]
    pub fn camera(&self, param: usize) -> Option<&'a CameraItem> {
        self.refs(param).iter().find_map(|&i| match self.item(i) {
            Some(SceneItem::Camera(c)) => Some(c),
            _ => None,
        })
    }

    /// The meshes parameter `param` names (node index, item), skipping failed ones.
    pub fn meshes(&self, param: usize) -> impl Iterator<Item = (usize, &'a MeshItem)> + 'a {
        let items = self.items;
        self.refs(param)
            .iter()
            .filter_map(move |&i| match items.get(i).and_then(Option::as_ref) {
                Some(SceneItem::Mesh(m)) => Some((i, m)),
                _ => None,
            })
    }

    /// The lights parameter `param` names (node index, item), skipping failed ones.
    pub fn lights(&self, param: usize) -> impl Iterator<Item = (usize, &'a LightItem)> + 'a {
        let items = self.items;
        self.refs(param)
            .iter()
            .filter_map(move |&i| match items.get(i).and_then(Option::as_ref) {
                Some(SceneItem::Light(l)) => Some((i, l)),
                _ => None,
            })
    }
}

/// The display-referred (sRGB-encoded) value `c` as linear light.
#[must_use]
pub fn srgb_to_linear(c: f32) -> f32 {
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// An RGB colour from chain.toml as linear light.
#[must_use]
pub fn linear_rgb(c: [f32; 4]) -> Vec3 {
    Vec3::new(
        srgb_to_linear(c[0]),
        srgb_to_linear(c[1]),
        srgb_to_linear(c[2]),
    )
}

/// Object-to-world matrix from a position, Euler angles in degrees (applied X, then Y, then
/// Z: `R = Rz · Ry · Rx`) and a per-axis scale.
#[must_use]
pub fn model_matrix(position: Vec3, rotation_deg: Vec3, scale: Vec3) -> Mat4 {
    let r = rotation_deg * (std::f32::consts::PI / 180.0);
    let rotation = glam::Quat::from_euler(glam::EulerRot::ZYX, r.z, r.y, r.x);
    Mat4::from_scale_rotation_translation(scale, rotation, position)
}

/// A parameter naming one camera node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CameraRef(pub String);

/// A parameter naming mesh nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeshList(pub Vec<String>);

/// A parameter naming light nodes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LightList(pub Vec<String>);

impl ParamType for CameraRef {
    const KIND: ParamKind = ParamKind::Node(SceneKind::Camera);
    fn to_value(&self) -> ParamValue {
        ParamValue::Text(self.0.clone())
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Text(s)) => Self(s.clone()),
            _ => Self::default(),
        }
    }
}

macro_rules! list_param {
    ($t:ident, $kind:ident) => {
        impl ParamType for $t {
            const KIND: ParamKind = ParamKind::Nodes(SceneKind::$kind);
            fn to_value(&self) -> ParamValue {
                ParamValue::List(self.0.clone())
            }
            fn from_value(v: Option<&ParamValue>) -> Self {
                match v {
                    Some(ParamValue::List(s)) => Self(s.clone()),
                    _ => Self::default(),
                }
            }
        }
    };
}
list_param!(MeshList, Mesh);
list_param!(LightList, Light);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_matrix_rotates_x_then_y_then_z() {
        // 90° about X takes +Y to +Z; then 90° about Y takes +Z to +X.
        let m = model_matrix(Vec3::ZERO, Vec3::new(90.0, 90.0, 0.0), Vec3::ONE);
        let v = m.transform_vector3(Vec3::Y);
        assert!((v - Vec3::X).length() < 1e-5, "{v}");
        let m = model_matrix(Vec3::new(1.0, 2.0, 3.0), Vec3::ZERO, Vec3::splat(2.0));
        assert_eq!(m.transform_point3(Vec3::ONE), Vec3::new(3.0, 4.0, 5.0));
    }

    #[test]
    fn srgb_round_values() {
        assert!(srgb_to_linear(0.0).abs() < 1e-9);
        assert!((srgb_to_linear(1.0) - 1.0).abs() < 1e-6);
        assert!((srgb_to_linear(0.5) - 0.214_041).abs() < 1e-5);
    }

    #[test]
    fn camera_looking_straight_down_has_a_view() {
        let c = CameraItem {
            position: Vec3::new(0.0, 10.0, 0.0),
            target: Vec3::ZERO,
            ..CameraItem::default()
        };
        let v = c.view();
        assert!(v.is_finite());
        let p = v.transform_point3(Vec3::ZERO);
        assert!((p - Vec3::new(0.0, 0.0, -10.0)).length() < 1e-4, "{p}");
    }
}
