//! `levels`: contrast, brightness, gamma (and invert) on straight colour.

use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};

use crate::SinglePass;

vivid_engine::params! {
    /// Parameters of `levels`: `c' = pow(((c - 0.5) * contrast + 0.5) * brightness, 1 / gamma)`,
    /// then `1 - c'` if `invert`, on un-premultiplied RGB; alpha is kept.
    pub struct LevelsParams {
        /// Multiplier after contrast (1: unchanged).
        brightness: f32 [0.0, 100.0] = 1.0,
        /// Contrast around mid-grey 0.5 (1: unchanged, 0: flat grey).
        contrast: f32 [0.0, 100.0] = 1.0,
        /// Gamma (1: unchanged, >1 brightens mid-tones).
        gamma: f32 [0.01, 100.0] = 1.0,
        /// Invert the colour after the other steps.
        invert: bool = false,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LevelsUniforms {
    header: FrameHeader,
    brightness: f32,
    contrast: f32,
    gamma: f32,
    invert: u32,
}

/// `levels`.
#[derive(Debug)]
pub struct Levels;

impl SinglePass for Levels {
    const NAME: &'static str = "levels";
    const SHADER: &'static str = "levels.wgsl";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Brightness, contrast and gamma.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = LevelsParams;
    type Uniforms = LevelsUniforms;
    const POINT: Option<(&'static str, &'static str)> = Some(("levels", "Levels"));

    fn uniforms(cx: &UniformCx<'_>, p: &LevelsParams) -> LevelsUniforms {
        LevelsUniforms {
            header: cx.header(),
            brightness: p.brightness,
            contrast: p.contrast,
            gamma: p.gamma,
            invert: u32::from(p.invert),
        }
    }
}
