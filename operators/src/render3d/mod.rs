//! The 3D renderer: scene objects (`camera`, `mesh`, the lights) and `render3d`, which
//! draws them into an image of the chain.
//!
//! Scene objects are scene nodes (see `vivid_engine::scene`): tables in chain.toml with
//! parameters like any operator (animatable, `--set`), but no image; a `render3d` names
//! them (`camera = "cam"`, `meshes = [...]`, `lights = [...]`).

pub mod camera;
pub mod light;
pub mod mesh;
pub mod mesh_data;
#[allow(clippy::module_inception)]
pub mod render3d;
pub mod shadow;

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
