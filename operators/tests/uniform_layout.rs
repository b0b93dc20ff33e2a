//! Every operator's Rust uniform struct has exactly the size naga lays out for the WGSL
//! struct bound at `@group(0) @binding(0)` of its shader (a mismatch would read garbage
//! or fail validation at bind time).

use vivid_engine::shaders::ShaderLibrary;
use vivid_operators::{SHADERS, SinglePass, composite, filters, generators, render3d, temporal};

fn wgsl_uniform_size(library: &ShaderLibrary, shader: &str) -> u32 {
    wgsl_uniform_size_at(library, shader, 0, 0)
}

fn wgsl_uniform_size_at(library: &ShaderLibrary, shader: &str, group: u32, binding: u32) -> u32 {
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
                    .is_some_and(|b| b.group == group && b.binding == binding)
        })
        .unwrap_or_else(|| panic!("{shader}: no uniform at group {group} binding {binding}"));
    layouter[var.ty].size
}

/// The size naga gives struct `name` of `shader` (a pointwise operator's file has no
/// bindings: the engine generates them around its struct).
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

fn size<T: SinglePass>() -> (&'static str, usize) {
    (T::SHADER, size_of::<T::Uniforms>())
}

/// The uniform struct of `T`: its name if it is pointwise.
fn struct_of<T: SinglePass>() -> Option<(&'static str, &'static str)> {
    T::POINT.map(|(_, s)| (T::SHADER, s))
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
        ("image.wgsl", size_of::<generators::ImageUniforms>()),
        size::<filters::Levels>(),
        size::<filters::Hsv>(),
        size::<filters::Transform>(),
        ("blur.wgsl", size_of::<filters::BlurUniforms>()),
        ("composite.wgsl", size_of::<composite::CompositeUniforms>()),
        ("feedback.wgsl", size_of::<temporal::FeedbackUniforms>()),
        (
            "render3d.wgsl",
            size_of::<render3d::render3d::SceneUniforms>(),
        ),
        (
            "render3d_shadow.wgsl",
            size_of::<render3d::render3d::FaceUniforms>(),
        ),
    ];
    assert_eq!(
        cases.len(),
        SHADERS
            .iter()
            .filter(|(n, _)| !n.starts_with("common/"))
            .count(),
        "every operator shader is checked"
    );
    // The per-mesh block, in both passes of render3d.
    for shader in ["render3d.wgsl", "render3d_shadow.wgsl"] {
        let wgsl = wgsl_uniform_size_at(&library, shader, 1, 0);
        assert_eq!(
            size_of::<render3d::render3d::MeshUniforms>(),
            wgsl as usize,
            "{shader}: Mesh"
        );
    }
    let pointwise = [struct_of::<filters::Levels>(), struct_of::<filters::Hsv>()];
    for (shader, rust) in cases {
        let named = pointwise.iter().flatten().find(|(s, _)| *s == shader);
        let wgsl = match named {
            Some((_, name)) => wgsl_struct_size(&library, shader, name),
            None => wgsl_uniform_size(&library, shader),
        };
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
