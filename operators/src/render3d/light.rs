//! The lights of `render3d`: `point_light`, `spot_light` and `directional_light` (scene
//! nodes: no image of their own).
//!
//! Units: a light's radiance is `color` (display-referred, converted to linear) ×
//! `intensity`. Point and spot lights fall off as 1/d², windowed smoothly to zero at `range`;
//! a white matte surface facing a point light of intensity 10 at distance 3 receives
//! 10/9 ≈ 1.1 and shows about 0.35 of that (its albedo / π). A directional light does not
//! fall off: intensity 3 makes a facing white matte surface ≈ 0.95.

use vivid_engine::glam::Vec3;
use vivid_engine::operator::{Category, InputSpec, OperatorType};
use vivid_engine::params::{Fixed, Rgba};
use vivid_engine::scene::{LightItem, LightKind, SceneItem, SceneKind, linear_rgb};

use super::scene_node::scene_node;

vivid_engine::params! {
    /// Parameters of `point_light`.
    pub struct PointLightParams {
        /// Position [x, y, z].
        position: Vec3 = Vec3::new(0.0, 3.0, 0.0),
        /// Colour (display-referred).
        color: Rgba = Rgba::WHITE,
        /// Multiplier of the colour (radiance at distance 1).
        intensity: f32 [0.0, 1.0e6] = 10.0,
        /// Distance at which the light has faded to zero.
        range: f32 [0.01, 1.0e6] = 20.0,
        /// Whether it casts shadows (a depth cube map: six passes when something moved).
        cast_shadows: bool = true,
        /// Shadow bias in scene units: raise it if surfaces shadow themselves (acne), lower
        /// it if shadows detach from their casters.
        shadow_bias: f32 [0.0, 10.0] = 0.02,
        /// Side of each cube face of the shadow map, pixels (not animatable).
        shadow_resolution: Fixed<u32> [16, 8192] = Fixed(1024),
        /// Radius of the shadow's soft edge, in shadow-map texels: 1 filters 3×3 texels (the
        /// default look), larger values widen the penumbra (up to 7×7 taps), 0 is hard.
        shadow_softness: f32 [0.0, 64.0] = 1.0,
    }
}

vivid_engine::params! {
    /// Parameters of `spot_light`.
    pub struct SpotLightParams {
        /// Position [x, y, z].
        position: Vec3 = Vec3::new(0.0, 4.0, 0.0),
        /// The point it aims at [x, y, z].
        target: Vec3 = Vec3::ZERO,
        /// Colour (display-referred).
        color: Rgba = Rgba::WHITE,
        /// Multiplier of the colour (radiance at distance 1).
        intensity: f32 [0.0, 1.0e6] = 20.0,
        /// Distance at which the light has faded to zero.
        range: f32 [0.01, 1.0e6] = 20.0,
        /// Full opening angle of the cone, degrees.
        angle: f32 [1.0, 179.0] = 45.0,
        /// Fraction of the cone, from its edge inwards, over which the light fades in
        /// (0: a hard edge).
        blend: f32 [0.0, 1.0] = 0.15,
        /// Whether it casts shadows (one depth map).
        cast_shadows: bool = true,
        /// Shadow bias in scene units.
        shadow_bias: f32 [0.0, 10.0] = 0.02,
        /// Side of the shadow map, pixels (not animatable).
        shadow_resolution: Fixed<u32> [16, 8192] = Fixed(1024),
        /// Radius of the shadow's soft edge, in shadow-map texels: 1 filters 3×3 texels (the
        /// default look), larger values widen the penumbra (up to 7×7 taps), 0 is hard.
        shadow_softness: f32 [0.0, 64.0] = 1.0,
    }
}

vivid_engine::params! {
    /// Parameters of `directional_light`.
    pub struct DirectionalLightParams {
        /// The direction the light travels [x, y, z] (the sun shining down: y < 0).
        direction: Vec3 = Vec3::new(-0.4, -1.0, -0.3),
        /// Colour (display-referred).
        color: Rgba = Rgba::WHITE,
        /// Multiplier of the colour (no falloff).
        intensity: f32 [0.0, 1.0e6] = 3.0,
        /// Whether it casts shadows (one depth map fitted around the scene's meshes).
        cast_shadows: bool = true,
        /// Shadow bias in scene units.
        shadow_bias: f32 [0.0, 10.0] = 0.02,
        /// Side of the shadow map, pixels (not animatable).
        shadow_resolution: Fixed<u32> [16, 8192] = Fixed(2048),
        /// Radius of the shadow's soft edge, in shadow-map texels: 1 filters 3×3 texels (the
        /// default look), larger values widen the penumbra (up to 7×7 taps), 0 is hard.
        shadow_softness: f32 [0.0, 64.0] = 1.0,
    }
}

/// `point_light`.
#[derive(Debug, Default)]
pub struct PointLight;

/// `spot_light`.
#[derive(Debug, Default)]
pub struct SpotLight;

/// `directional_light`.
#[derive(Debug, Default)]
pub struct DirectionalLight;

impl OperatorType for PointLight {
    const NAME: &'static str = "point_light";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str =
        "A light shining from a point in every direction; shadows in a depth cube map.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = PointLightParams;
    const SCENE: Option<SceneKind> = Some(SceneKind::Light);
}

impl OperatorType for SpotLight {
    const NAME: &'static str = "spot_light";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str =
        "A light shining from a point in a cone towards a target; shadows in a depth map.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = SpotLightParams;
    const SCENE: Option<SceneKind> = Some(SceneKind::Light);
}

impl OperatorType for DirectionalLight {
    const NAME: &'static str = "directional_light";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str =
        "Parallel light from far away (the sun); shadows in a depth map fitted to the scene.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = DirectionalLightParams;
    const SCENE: Option<SceneKind> = Some(SceneKind::Light);
}

scene_node!(PointLight, PointLightParams, |p| SceneItem::Light(
    LightItem {
        kind: LightKind::Point,
        position: p.position,
        direction: Vec3::NEG_Y,
        color: linear_rgb(p.color.0),
        intensity: p.intensity,
        range: p.range,
        angle: 0.0,
        blend: 0.0,
        cast_shadows: p.cast_shadows,
        shadow_bias: p.shadow_bias,
        shadow_resolution: p.shadow_resolution.0,
        shadow_softness: p.shadow_softness,
    }
));

scene_node!(SpotLight, SpotLightParams, |p| SceneItem::Light(
    LightItem {
        kind: LightKind::Spot,
        position: p.position,
        direction: (p.target - p.position).normalize_or(Vec3::NEG_Y),
        color: linear_rgb(p.color.0),
        intensity: p.intensity,
        range: p.range,
        angle: (p.angle * 0.5).to_radians(),
        blend: p.blend,
        cast_shadows: p.cast_shadows,
        shadow_bias: p.shadow_bias,
        shadow_resolution: p.shadow_resolution.0,
        shadow_softness: p.shadow_softness,
    }
));

scene_node!(DirectionalLight, DirectionalLightParams, |p| {
    SceneItem::Light(LightItem {
        kind: LightKind::Directional,
        position: Vec3::ZERO,
        direction: p.direction.normalize_or(Vec3::NEG_Y),
        color: linear_rgb(p.color.0),
        intensity: p.intensity,
        range: f32::INFINITY,
        angle: 0.0,
        blend: 0.0,
        cast_shadows: p.cast_shadows,
        shadow_bias: p.shadow_bias,
        shadow_resolution: p.shadow_resolution.0,
        shadow_softness: p.shadow_softness,
    })
});
