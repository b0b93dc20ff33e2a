//! `delay`: the input as it was `frames` frames ago (transparent black until then).
//!
//! A ring of `frames + 1` frames (one 2D-array texture, [`super::ring`]) sized once:
//! `frames` is fixed, not an expression. Each frame writes the input into the ring and
//! shows the layer written `frames` frames before — two passes, nothing created. The ring
//! is state: it survives edits of other operators and goes with this one. Memory: `frames + 1`
//! images of the output's size (at 1920x1080, 16.6 MB each).

use vivid_engine::Result;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{Fixed, ParamStruct, ParamValues};
use vivid_engine::resources::{TexturePool, UniformSlot, UniformWriter};

use super::ring::{FrameRing, MAX_LAYERS, RingPass, RingUniforms};

vivid_engine::params! {
    /// Parameters of `delay`.
    pub struct DelayParams {
        /// How many frames back (sizes the ring: not animatable).
        frames: Fixed<u32> [1, 255] = Fixed(30),
    }
}

/// The uniform block of `shaders/delay.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DelayUniforms {
    header: FrameHeader,
    layer: u32,
    _pad: [u32; 3],
}

/// Ring layers for a delay of `frames`: this frame and the `frames` before it.
fn layers(frames: u32) -> u32 {
    (frames + 1).min(MAX_LAYERS)
}

/// `delay`.
#[derive(Debug)]
pub struct Delay {
    ring: FrameRing,
    pass: RingPass,
    slot: UniformSlot,
}

impl Default for Delay {
    fn default() -> Self {
        Self {
            ring: FrameRing::default(),
            pass: RingPass::new("delay.wgsl", size_of::<DelayUniforms>()),
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Delay {
    const NAME: &'static str = "delay";
    const CATEGORY: Category = Category::Temporal;
    const SUMMARY: &'static str =
        "The input as it was `frames` frames ago (transparent before); a ring of frames sized once.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = DelayParams;
    // Its output is made of earlier frames.
    const STATEFUL: bool = true;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("delay.wgsl", "Delay", size_of::<DelayUniforms>()), ("ring.wgsl", "Ring", size_of::<RingUniforms>())];
}

impl Operator for Delay {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let frames = cx.params::<DelayParams>().frames.0;
        let n = layers(frames);
        self.ring.write_uniforms(cx, out, n);
        // This frame is number `count`; the one to show, `count - frames`.
        let shown = self.ring.count() + u64::from(n) - u64::from(frames);
        self.slot = out.push(&DelayUniforms {
            header: cx.header(),
            layer: FrameRing::layer_of(shown, n),
            _pad: [0; 3],
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let frames = DelayParams::read(cx.params).frames.0;
        let (input, output) = (cx.inputs[0], cx.output);
        self.ring.prepare(cx, input, output.size(), layers(frames))?;
        let Some(ring) = self.ring.texture() else {
            return Ok(());
        };
        self.pass.prepare(cx, input, ring, output)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.ring.encode_write(cx.encoder);
        self.pass.draw(cx.encoder, self.slot, "vivid.delay");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        u64::from(DelayParams::read(params).frames.0)
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another length needs another ring: free this one now.
        let frames = DelayParams::read(params).frames.0;
        self.ring.forget_unless(layers(frames));
    }
}
