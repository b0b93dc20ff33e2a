//! vivid's built-in operators, one file per operator, grouped by kind.
//!
//! Each operator is `operators/src/<kind>/<name>.rs` with its WGSL in `shaders/<name>.wgsl`
//! and its chain.toml type string `"<name>"`. Parameters are one struct per operator (the
//! `params!` macro), from which `vivid operators`, `--set` and the inspector read their
//! metadata.

pub mod composite;
pub mod filters;
pub mod generators;
pub mod render3d;
mod single;
pub mod temporal;

pub use single::{Single, SinglePass};

use vivid_engine::operator::Registry;

/// The WGSL of the built-in operators (embedded; the engine can read them from disk).
pub const SHADERS: &[(&str, &str)] = &[
    ("noise.wgsl", include_str!("../../shaders/noise.wgsl")),
    ("solid.wgsl", include_str!("../../shaders/solid.wgsl")),
    ("image.wgsl", include_str!("../../shaders/image.wgsl")),
    ("gradient.wgsl", include_str!("../../shaders/gradient.wgsl")),
    ("shape.wgsl", include_str!("../../shaders/shape.wgsl")),
    ("levels.wgsl", include_str!("../../shaders/levels.wgsl")),
    ("hsv.wgsl", include_str!("../../shaders/hsv.wgsl")),
    (
        "transform.wgsl",
        include_str!("../../shaders/transform.wgsl"),
    ),
    ("blur.wgsl", include_str!("../../shaders/blur.wgsl")),
    (
        "composite.wgsl",
        include_str!("../../shaders/composite.wgsl"),
    ),
    ("feedback.wgsl", include_str!("../../shaders/feedback.wgsl")),
    ("render3d.wgsl", include_str!("../../shaders/render3d.wgsl")),
    (
        "render3d_shadow.wgsl",
        include_str!("../../shaders/render3d_shadow.wgsl"),
    ),
    (
        "common/scene.wgsl",
        include_str!("../../shaders/common/scene.wgsl"),
    ),
];

/// Registers every built-in operator type and its shaders.
pub fn register_builtin(registry: &mut Registry) {
    registry.add::<Single<generators::Noise>>();
    registry.add::<Single<generators::Solid>>();
    registry.add::<Single<generators::Gradient>>();
    registry.add::<Single<generators::Shape>>();
    registry.add::<generators::Image>();
    registry.add::<Single<filters::Levels>>();
    registry.add::<Single<filters::Hsv>>();
    registry.add::<Single<filters::Transform>>();
    registry.add::<filters::Blur>();
    registry.add::<composite::Composite>();
    registry.add::<temporal::Feedback>();
    registry.add::<render3d::Camera>();
    registry.add::<render3d::Mesh>();
    registry.add::<render3d::PointLight>();
    registry.add::<render3d::SpotLight>();
    registry.add::<render3d::DirectionalLight>();
    registry.add::<render3d::Render3d>();
    for (name, text) in SHADERS {
        registry.add_shader(name, text);
    }
}

/// A registry with every built-in operator.
#[must_use]
pub fn builtin_registry() -> Registry {
    let mut r = Registry::new();
    register_builtin(&mut r);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operator_has_its_shader_and_documented_params() {
        let r = builtin_registry();
        let names: Vec<_> = r.names().collect();
        // The seventeen built-ins and `shader` (a project's own WGSL, from the engine).
        assert_eq!(names.len(), 18, "{names:?}");
        for info in r.infos().into_iter().filter(|i| i.name != "shader") {
            for p in info.params.iter() {
                assert!(!p.doc.is_empty(), "{}.{} has no doc", info.name, p.name);
            }
            // Scene nodes (camera, mesh, lights) draw nothing themselves.
            if info.scene.is_some() {
                continue;
            }
            let shader = format!("{}.wgsl", info.name);
            assert!(
                SHADERS.iter().any(|(n, _)| *n == shader),
                "{shader} missing"
            );
        }
    }
}
