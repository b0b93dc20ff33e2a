//! vivid's built-in operators.
//!
//! - A single-pass operator is ONE file, `shaders/operators/<name>.wgsl`: it declares its
//!   parameters and describes itself in the file (see `shaders/common/interface.wgsl`), and
//!   `build.rs` embeds every file there. Nothing else to edit.
//! - A multi-pass or stateful operator is a Rust file, `operators/src/<kind>/<name>.rs`
//!   (its parameters in one `params!` struct), with its WGSL in `shaders/<name>.wgsl`, and
//!   one line in its kind's `operator_modules!` list. The 3D renderer is a folder
//!   (`render3d/`).

pub mod audio;
pub mod filters;
pub mod generators;
pub mod render3d;
pub mod temporal;
pub mod text;

use vivid_engine::operator::Registry;

include!(concat!(env!("OUT_DIR"), "/shaders.rs"));

/// Registers every built-in operator type and its shaders.
pub fn register_builtin(registry: &mut Registry) {
    generators::register(registry);
    audio::register(registry);
    filters::register(registry);
    temporal::register(registry);
    text::register(registry);
    render3d::register(registry);
    // The single-pass operators: one per file of shaders/operators/ (embedded, reflected).
    for e in registry.add_shaders(SHADERS) {
        // A bug in a built-in shader (the tests reflect every one): the rest still work.
        log::error!("built-in operator: {e}");
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
    fn every_builtin_shader_declares_its_operator() {
        let mut r = Registry::new();
        let errors = r.add_shaders(SHADERS);
        assert!(errors.is_empty(), "{errors:?}");
        let declared = SHADERS
            .iter()
            .filter(|(n, _)| n.starts_with("operators/"))
            .count();
        assert!(declared >= 8, "{declared}");
        assert_eq!(
            r.names().count(),
            declared + Registry::new().names().count(),
            "every file is a type, plus the engine's own (`shader`; `isf`, `shadertoy` with its `isf` feature)"
        );
    }

    #[test]
    fn every_operator_documents_its_parameters() {
        let r = builtin_registry();
        for info in r.infos() {
            assert!(!info.summary.is_empty(), "{} has no summary", info.name);
            for p in info.params.iter() {
                assert!(!p.doc.is_empty(), "{}.{} has no doc", info.name, p.name);
            }
        }
    }

    #[test]
    fn conditions_and_former_names_fit_each_operator() {
        let r = builtin_registry();
        for info in r.infos() {
            for p in info.params.iter() {
                if let Some(c) = &p.when {
                    assert_eq!(c.check(&info.params), Ok(()), "{}.{}", info.name, p.name);
                }
                for alias in &p.aliases {
                    assert!(
                        !info.params.iter().any(|q| q.name == *alias),
                        "{}.{}: alias `{alias}` is another parameter's name",
                        info.name,
                        p.name
                    );
                }
            }
        }
        // The rename that made aliases: one word for one idea.
        for (op, old, new) in [
            ("shape", "rotation", "rotate"),
            ("mesh", "rotation", "rotate"),
        ] {
            let info = r.info(op).map(|i| i.params.clone()).unwrap_or_default();
            assert!(
                info.iter().any(|p| p.name == new && p.answers_to(old)),
                "{op}.{new} should accept `{old}`"
            );
        }
    }
}
