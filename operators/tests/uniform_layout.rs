//! Every uniform struct an operator's Rust code packs has exactly the size naga lays out for
//! the WGSL struct of the same name (a mismatch would read garbage or fail validation at
//! bind time). The list comes from the registry (`OperatorType::UNIFORMS`); operators
//! written in WGSL have no Rust twin at all — their layout is reflected.

#![allow(clippy::unwrap_used, reason = "tests")]

use vivid_engine::operator::Registry;
use vivid_engine::shaders::ShaderLibrary;
use vivid_operators::{SHADERS, builtin_registry};

/// The size naga gives struct `name` of `shader`.
fn wgsl_struct_size(library: &ShaderLibrary, shader: &str, name: &str) -> u32 {
    let composed = library
        .compose(shader)
        .unwrap_or_else(|e| panic!("{shader}: {e}"));
    let module = &composed.module;
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).expect("layout");
    let (handle, _) = module
        .types
        .iter()
        .find(|(_, t)| t.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("{shader}: no struct {name}"));
    layouter[handle].size
}

#[test]
fn rust_and_wgsl_uniform_structs_have_the_same_size() {
    let registry: Registry = builtin_registry();
    let mut library = ShaderLibrary::new();
    for (name, text) in SHADERS {
        library.register(name, text);
    }
    let mut checked = 0;
    for info in registry.infos() {
        for &(shader, name, rust) in registry.uniforms(&info.name) {
            let wgsl = wgsl_struct_size(&library, shader, name);
            assert_eq!(
                rust, wgsl as usize,
                "{}: {shader} `{name}`: Rust {rust} bytes, WGSL {wgsl} bytes",
                info.name
            );
            assert_eq!(rust % 16, 0, "{shader} `{name}`: not a multiple of 16");
            checked += 1;
        }
    }
    // Every shader of a Rust operator (not common/, engine/ or a WGSL operator's own file)
    // is checked at least once.
    for (shader, _) in SHADERS
        .iter()
        .filter(|(n, _)| !n.starts_with("operators/") && !n.starts_with("common/"))
    {
        assert!(
            registry
                .infos()
                .iter()
                .any(|i| registry.uniforms(&i.name).iter().any(|u| u.0 == *shader)),
            "{shader}: no operator declares its uniform structs"
        );
    }
    assert!(checked >= 6, "{checked}");
}
