//! `hsv`: hue rotation, saturation and value scaling.

use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};

use crate::SinglePass;

vivid_engine::params! {
    /// Parameters of `hsv` (on un-premultiplied RGB; alpha is kept).
    pub struct HsvParams {
        /// Hue rotation, degrees.
        hue_shift: f32 [-3600.0, 3600.0] = 0.0,
        /// Saturation multiplier (0: grey, 1: unchanged); the result is clamped to 0..1.
        saturation: f32 [0.0, 100.0] = 1.0,
        /// Value (brightness) multiplier.
        value: f32 [0.0, 100.0] = 1.0,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct HsvUniforms {
    header: FrameHeader,
    hue_shift: f32,
    saturation: f32,
    value: f32,
    _pad: f32,
}

/// `hsv`.
#[derive(Debug)]
pub struct Hsv;

impl SinglePass for Hsv {
    const NAME: &'static str = "hsv";
    const SHADER: &'static str = "hsv.wgsl";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Hue shift, saturation and value.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = HsvParams;
    type Uniforms = HsvUniforms;
    const POINT: Option<(&'static str, &'static str)> = Some(("hsv", "Hsv"));

    fn uniforms(cx: &UniformCx<'_>, p: &HsvParams) -> HsvUniforms {
        HsvUniforms {
            header: cx.header(),
            hue_shift: p.hue_shift / 360.0,
            saturation: p.saturation,
            value: p.value,
            _pad: 0.0,
        }
    }
}
