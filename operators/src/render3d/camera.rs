//! `camera`: a perspective camera for `render3d` (a scene node: no image of its own).

use vivid_engine::glam::Vec3;
use vivid_engine::operator::{Category, InputSpec, OperatorType};
use vivid_engine::scene::{CameraItem, SceneItem, SceneKind};

use super::scene_node::scene_node;

vivid_engine::params! {
    /// Parameters of `camera`.
    pub struct CameraParams {
        /// Eye position [x, y, z] (right-handed, y up).
        position: Vec3 = Vec3::new(0.0, 1.5, 5.0),
        /// The point looked at [x, y, z]; up is +Y.
        target: Vec3 = Vec3::ZERO,
        /// Vertical field of view, degrees.
        fov: f32 [1.0, 179.0] = 50.0,
        /// Near clipping distance (> 0).
        near: f32 [0.0001, 1.0e6] = 0.05,
        /// Far clipping distance.
        far: f32 [0.001, 1.0e7] = 100.0,
    }
}

/// `camera`.
#[derive(Debug, Default)]
pub struct Camera;

impl OperatorType for Camera {
    const NAME: &'static str = "camera";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str =
        "A perspective camera for render3d: position, target (up is +Y), vertical fov, near, far.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = CameraParams;
    const SCENE: Option<SceneKind> = Some(SceneKind::Camera);
}

scene_node!(Camera, CameraParams, |p| SceneItem::Camera(CameraItem {
    position: p.position,
    target: p.target,
    fov_y: p.fov,
    near: p.near,
    far: p.far.max(p.near * 1.001),
}));
