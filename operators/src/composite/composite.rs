//! `composite`: layers up to 8 inputs bottom-up with a blend mode and opacity.

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, MAX_INPUTS, Operator, OperatorType, PrepareCx,
    UniformCx,
};
use vivid_engine::resources::{SamplerKind, UniformSlot, UniformWriter};

vivid_engine::choice_enum! {
    /// How a layer combines with what is below it (a = below, b = the layer, both opaque).
    pub enum BlendMode {
        /// b over a (Porter-Duff over, premultiplied).
        Over = "over",
        /// min(a + b, 1).
        Add = "add",
        /// a * b.
        Multiply = "multiply",
        /// 1 - (1 - a)(1 - b).
        Screen = "screen",
        /// a <= 0.5 ? 2ab : 1 - 2(1 - a)(1 - b).
        Overlay = "overlay",
        /// |a - b|.
        Difference = "difference",
    }
}

vivid_engine::params! {
    /// Parameters of `composite`. Input 0 is the base; each next input is layered on top.
    pub struct CompositeParams {
        /// over, add, multiply, screen, overlay or difference.
        mode: BlendMode = BlendMode::Over,
        /// Opacity of every layer above the base (0..1).
        opacity: f32 [0.0, 1.0] = 1.0,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CompositeUniforms {
    header: FrameHeader,
    mode: u32,
    count: u32,
    opacity: f32,
    _pad: u32,
}

/// `composite`.
#[derive(Debug)]
pub struct Composite {
    pass: FullscreenPass,
    slot: UniformSlot,
}

impl Default for Composite {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("composite.wgsl", size_of::<CompositeUniforms>()),
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Composite {
    const NAME: &'static str = "composite";
    const CATEGORY: Category = Category::Composite;
    const SUMMARY: &'static str =
        "Layers inputs bottom-up (input 0 is the base) with a blend mode and opacity.";
    const INPUTS: InputSpec = InputSpec {
        min: 1,
        max: MAX_INPUTS,
    };
    type Params = CompositeParams;
}

impl Operator for Composite {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: CompositeParams = cx.params();
        self.slot = out.push(&CompositeUniforms {
            header: cx.header(),
            mode: p.mode as u32,
            count: cx.input_sizes.len() as u32,
            opacity: p.opacity,
            _pad: 0,
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        // The shader always binds 8 textures; unused slots repeat the last input.
        let inputs = cx.inputs;
        let Some(&last) = inputs.last() else {
            return Ok(());
        };
        let mut all: [&GpuTexture; MAX_INPUTS] = [last; MAX_INPUTS];
        all[..inputs.len()].copy_from_slice(inputs);
        let output = cx.output;
        self.pass
            .prepare(cx, &all, output, SamplerKind::LinearClamp)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.pass.dispatch(cx.encoder, self.slot, cx.name);
    }
}
