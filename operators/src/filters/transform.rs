//! `transform`: scale, rotate and translate the input.

use vivid_engine::glam::Vec2;
use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};
use vivid_engine::resources::SamplerKind;

use crate::SinglePass;

vivid_engine::choice_enum! {
    /// What shows where the moved image does not cover.
    pub enum Extend {
        /// Transparent black.
        Transparent = "transparent",
        /// The edge pixels, stretched.
        Clamp = "clamp",
        /// The image, tiled.
        Repeat = "repeat",
        /// The image, tiled with mirroring.
        Mirror = "mirror",
    }
}

vivid_engine::params! {
    /// Parameters of `transform`: scale, then rotate, about `pivot`, then translate.
    pub struct TransformParams {
        /// Scale [x, y] (a single number scales both).
        scale: Vec2 [-1000.0, 1000.0] = Vec2::ONE,
        /// Rotation, degrees counter-clockwise.
        rotate: f32 [-36000.0, 36000.0] = 0.0,
        /// Translation [x, y] in uv units (1: a whole image width / height; y up).
        translate: Vec2 = Vec2::ZERO,
        /// Centre of scaling and rotation, uv.
        pivot: Vec2 = Vec2::new(0.5, 0.5),
        /// Outside the image: transparent, clamp, repeat or mirror.
        extend: Extend = Extend::Transparent,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TransformUniforms {
    header: FrameHeader,
    scale: [f32; 2],
    translate: [f32; 2],
    pivot: [f32; 2],
    rotate: f32,
    extend: u32,
}

/// `transform`.
#[derive(Debug)]
pub struct Transform;

impl SinglePass for Transform {
    const NAME: &'static str = "transform";
    const SHADER: &'static str = "transform.wgsl";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Scale, rotate and translate.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = TransformParams;
    type Uniforms = TransformUniforms;

    fn uniforms(cx: &UniformCx<'_>, p: &TransformParams) -> TransformUniforms {
        TransformUniforms {
            header: cx.header(),
            scale: p.scale.to_array(),
            translate: p.translate.to_array(),
            pivot: p.pivot.to_array(),
            rotate: p.rotate.to_radians(),
            extend: p.extend as u32,
        }
    }

    fn sampler(p: &TransformParams) -> SamplerKind {
        match p.extend {
            Extend::Transparent | Extend::Clamp => SamplerKind::LinearClamp,
            Extend::Repeat => SamplerKind::LinearRepeat,
            Extend::Mirror => SamplerKind::LinearMirror,
        }
    }
}
