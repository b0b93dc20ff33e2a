//! `gradient`: `color_a` to `color_b` — linear, radial, angular or diamond.

use vivid_engine::glam::Vec2;
use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};
use vivid_engine::params::Rgba;

use crate::SinglePass;

vivid_engine::choice_enum! {
    /// Gradient shape.
    pub enum GradientMode {
        /// Along a direction, edge to edge.
        Linear = "linear",
        /// Distance from the centre.
        Radial = "radial",
        /// Angle around the centre.
        Angular = "angular",
        /// Manhattan distance from the centre.
        Diamond = "diamond",
    }
}

vivid_engine::choice_enum! {
    /// What happens past the ends.
    pub enum Extend {
        /// Hold the end colours.
        Clamp = "clamp",
        /// Start again.
        Repeat = "repeat",
        /// Go back and forth.
        Mirror = "mirror",
    }
}

vivid_engine::params! {
    /// Parameters of `gradient`.
    pub struct GradientParams {
        /// linear, radial, angular or diamond.
        mode: GradientMode = GradientMode::Linear,
        /// Colour at the start (left edge for linear at angle 0; the centre otherwise).
        color_a: Rgba = Rgba::BLACK,
        /// Colour at the end.
        color_b: Rgba = Rgba::WHITE,
        /// Direction of a linear gradient / start of an angular one, degrees counter-clockwise (0: left to right).
        angle: f32 [-36000.0, 36000.0] = 0.0,
        /// Centre [x, y] in uv (0..1, y up).
        center: Vec2 = Vec2::new(0.5, 0.5),
        /// Gradient repetitions across its span (1: one ramp edge to edge / centre to half the image height).
        scale: f32 [0.001, 1000.0] = 1.0,
        /// Past the ends: clamp, repeat or mirror.
        extend: Extend = Extend::Clamp,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GradientUniforms {
    header: FrameHeader,
    color_a: [f32; 4],
    color_b: [f32; 4],
    center: [f32; 2],
    angle: f32,
    scale: f32,
    mode: u32,
    extend: u32,
    _pad: [u32; 2],
}

/// `gradient`.
#[derive(Debug)]
pub struct Gradient;

impl SinglePass for Gradient {
    const NAME: &'static str = "gradient";
    const SHADER: &'static str = "gradient.wgsl";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "A colour ramp: linear, radial, angular or diamond.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = GradientParams;
    type Uniforms = GradientUniforms;

    fn uniforms(cx: &UniformCx<'_>, p: &GradientParams) -> GradientUniforms {
        GradientUniforms {
            header: cx.header(),
            color_a: p.color_a.premultiplied(),
            color_b: p.color_b.premultiplied(),
            center: p.center.to_array(),
            angle: p.angle.to_radians(),
            scale: p.scale,
            mode: p.mode as u32,
            extend: p.extend as u32,
            _pad: [0; 2],
        }
    }
}
