//! `solid`: one colour everywhere.

use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};
use vivid_engine::params::Rgba;

use crate::SinglePass;

vivid_engine::params! {
    /// Parameters of `solid`.
    pub struct SolidParams {
        /// Colour, display-referred: [r, g, b] or [r, g, b, a] (0..1), or "#rrggbb".
        color: Rgba = Rgba::WHITE,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SolidUniforms {
    header: FrameHeader,
    color: [f32; 4],
}

/// `solid`.
#[derive(Debug)]
pub struct Solid;

impl SinglePass for Solid {
    const NAME: &'static str = "solid";
    const SHADER: &'static str = "solid.wgsl";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "One colour everywhere.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = SolidParams;
    type Uniforms = SolidUniforms;

    fn uniforms(cx: &UniformCx<'_>, p: &SolidParams) -> SolidUniforms {
        SolidUniforms {
            header: cx.header(),
            color: p.color.premultiplied(),
        }
    }
}
