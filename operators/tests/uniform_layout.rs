//! Every operator's Rust uniform struct has exactly the size naga lays out for the WGSL
//! struct bound at `@group(0) @binding(0)` of its shader (a mismatch would read garbage
//! or fail validation at bind time).

use vivid_engine::shaders::ShaderLibrary;
use vivid_operators::{SHADERS, SinglePass, composite, filters, generators, temporal};

fn wgsl_uniform_size(library: &ShaderLibrary, shader: &str) -> u32 {
    let composed = library
        .compose(shader)
        .unwrap_or_else(|e| panic!("{shader}: {e}"));
    let module = &composed.module;
    let mut layouter = naga::proc::Layouter::default();
    layouter.update(module.to_ctx()).expect("layout");
    let (_, var) = module
        .global_variables
        .iter()
        .find(|(_, v)| {
            v.space == naga::AddressSpace::Uniform
                && v.binding
                    .as_ref()
                    .is_some_and(|b| b.group == 0 && b.binding == 0)
        })
        .unwrap_or_else(|| panic!("{shader}: no uniform at group 0 binding 0"));
    layouter[var.ty].size
}

fn size<T: SinglePass>() -> (&'static str, usize) {
    (T::SHADER, size_of::<T::Uniforms>())
}

#[test]
fn rust_and_wgsl_uniform_structs_have_the_same_size() {
    let mut library = ShaderLibrary::new();
    for (name, text) in SHADERS {
        library.register(name, text);
    }
    let cases = [
        size::<generators::Noise>(),
        size::<generators::Solid>(),
        size::<generators::Gradient>(),
        size::<generators::Shape>(),
        size::<filters::Levels>(),
        size::<filters::Hsv>(),
        size::<filters::Transform>(),
        ("blur.wgsl", size_of::<filters::BlurUniforms>()),
        ("composite.wgsl", size_of::<composite::CompositeUniforms>()),
        ("feedback.wgsl", size_of::<temporal::FeedbackUniforms>()),
    ];
    assert_eq!(
        cases.len(),
        SHADERS.len(),
        "every operator shader is checked"
    );
    for (shader, rust) in cases {
        let wgsl = wgsl_uniform_size(&library, shader);
        assert_eq!(
            rust, wgsl as usize,
            "{shader}: Rust {rust} bytes, WGSL {wgsl} bytes"
        );
        assert_eq!(
            rust % 16,
            0,
            "{shader}: uniform size must be a multiple of 16"
        );
    }
}
