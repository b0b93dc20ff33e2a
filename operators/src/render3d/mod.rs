//! The 3D renderer: scene objects (`camera`, `mesh`, the lights) and `render3d`, which
//! draws them into an image of the chain.
//!
//! Scene objects are scene nodes (see `vivid_engine::scene`): tables in chain.toml with
//! parameters like any operator (animatable, `--set`), but no image; a `render3d` names
//! them (`camera = "cam"`, `meshes = [...]`, `lights = [...]`).
//!
//! A mesh's CPU-side data is [`geometry::MeshData`], built by `primitives` (the built-in
//! shapes) or by `gltf` (a glTF 2.0 file: `gltf_flatten` walks its scene, `gltf_primitive`
//! reads each primitive, `tangents` makes MikkTSpace tangents for normal maps).
//! `render3d` fills the blocks of `uniforms` and draws with the pipelines and bind groups
//! of `pipelines`, the textures of `targets`, the shadow matrices of `shadow` and the
//! image-based light of `environment` (prefiltered cubes, the split-sum table).

pub mod camera;
pub mod environment;
pub mod geometry;
pub mod gltf;
mod gltf_flatten;
mod gltf_primitive;
#[cfg(test)]
mod gltf_testing;
pub mod light;
pub mod mesh;
mod pipelines;
pub mod primitives;
#[allow(clippy::module_inception)]
pub mod render3d;
mod scene_node;
pub mod shadow;
mod tangents;
mod targets;
pub mod uniforms;

pub use camera::Camera;
pub use light::{DirectionalLight, PointLight, SpotLight};
pub use mesh::Mesh;
pub use render3d::Render3d;

/// Registers the 3D operator types.
pub fn register(registry: &mut vivid_engine::operator::Registry) {
    registry.add::<Camera>();
    registry.add::<Mesh>();
    registry.add::<PointLight>();
    registry.add::<SpotLight>();
    registry.add::<DirectionalLight>();
    registry.add::<Render3d>();
}
