//! `feedback`: the previous frame fed back — decayed, zoomed, rotated, offset — and
//! combined with the input. Its history texture persists across frames (and across chain
//! reloads that keep the operator).

use vivid_engine::Result;
use vivid_engine::fullscreen::{FullscreenPass, color_pass};
use vivid_engine::glam::Vec2;
use vivid_engine::gpu::{GpuTexture, PassMode};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::resources::{SamplerKind, TextureKey, UniformSlot, UniformWriter};

vivid_engine::choice_enum! {
    /// How the input and the fed-back frame combine.
    pub enum FeedbackBlend {
        /// The input over the history.
        Over = "over",
        /// min(input + history, 1).
        Add = "add",
        /// The brighter of the two, per channel.
        Max = "max",
    }
}

vivid_engine::params! {
    /// Parameters of `feedback`.
    pub struct FeedbackParams {
        /// Multiplier of the fed-back frame each frame (0: no trail, 1: forever).
        decay: f32 [0.0, 1.0] = 0.95,
        /// Zoom of the fed-back frame per frame, about the centre (>1 zooms in).
        zoom: f32 [0.01, 100.0] = 1.0,
        /// Rotation of the fed-back frame per frame, degrees counter-clockwise.
        rotate: f32 [-360.0, 360.0] = 0.0,
        /// Shift of the fed-back frame per frame [x, y], uv units (y up).
        offset: Vec2 = Vec2::ZERO,
        /// over, add or max.
        blend: FeedbackBlend = FeedbackBlend::Over,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FeedbackUniforms {
    header: FrameHeader,
    offset: [f32; 2],
    zoom: f32,
    rotate: f32,
    decay: f32,
    blend: u32,
    _pad: [u32; 2],
}

/// `feedback`.
#[derive(Debug)]
pub struct Feedback {
    pass: FullscreenPass,
    /// Output -> history, after the main pass, when the GPU runs compute passes: a copy
    /// pass is ~15x faster than `copy_texture_to_texture` there (measured on an H100, see
    /// `shaders/copy.wgsl`); on CPU adapters the transfer copy is the faster one.
    keep: FullscreenPass,
    keep_by_pass: bool,
    history: Option<GpuTexture>,
    /// The history texture is new (or reused from the pool): clear it before use.
    clear_history: bool,
    slot: UniformSlot,
    header: UniformSlot,
}

impl Default for Feedback {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("feedback.wgsl", size_of::<FeedbackUniforms>()),
            keep: FullscreenPass::new("engine/copy.wgsl", size_of::<FrameHeader>()),
            keep_by_pass: false,
            history: None,
            clear_history: true,
            slot: UniformSlot::default(),
            header: UniformSlot::default(),
        }
    }
}

impl OperatorType for Feedback {
    const NAME: &'static str = "feedback";
    const CATEGORY: Category = Category::Temporal;
    const SUMMARY: &'static str =
        "The previous frame fed back (decay, zoom, rotate, offset) and combined with the input.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = FeedbackParams;
    // Its history advances every frame, shown or not.
    const ADVANCES: bool = true;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("feedback.wgsl", "Feedback", size_of::<FeedbackUniforms>())];
}

impl Operator for Feedback {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: FeedbackParams = cx.params();
        self.header = out.push(&cx.header());
        self.slot = out.push(&FeedbackUniforms {
            header: cx.header(),
            offset: p.offset.to_array(),
            zoom: p.zoom,
            rotate: p.rotate.to_radians(),
            decay: p.decay,
            blend: p.blend as u32,
            _pad: [0; 2],
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let size = cx.output.size();
        let history = match self.history.take() {
            Some(h) if h.size() == size => h,
            other => {
                if let Some(h) = other {
                    cx.pool.release(h);
                }
                self.clear_history = true;
                cx.pool.acquire(
                    cx.gpu,
                    TextureKey::color(size.0, size.1),
                    "vivid.feedback.history",
                )
            }
        };
        let (input, output) = (cx.inputs[0], cx.output);
        let result = self
            .pass
            .prepare(cx, &[input, &history], output, SamplerKind::LinearClamp);
        let keep_by_pass = cx.gpu.pass_mode() == PassMode::Compute;
        let result = match result {
            Ok(()) if keep_by_pass => {
                self.keep
                    .prepare(cx, &[output], &history, SamplerKind::NearestClamp)
            }
            other => other,
        };
        self.keep_by_pass = keep_by_pass;
        self.history = Some(history);
        result
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let Some(history) = &self.history else { return };
        if self.clear_history {
            // A pooled texture may hold another operator's pixels: start from transparent.
            drop(color_pass(
                cx.encoder,
                "vivid.feedback.clear",
                &history.view,
                wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
            ));
            self.clear_history = false;
        }
        self.pass.dispatch(cx.encoder, self.slot, cx.name);
        if self.keep_by_pass {
            self.keep
                .dispatch(cx.encoder, self.header, "vivid.feedback.keep");
        } else {
            let (w, h) = cx.output.size();
            cx.encoder.copy_texture_to_texture(
                cx.output.texture.as_image_copy(),
                history.texture.as_image_copy(),
                wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
            );
        }
    }
}
