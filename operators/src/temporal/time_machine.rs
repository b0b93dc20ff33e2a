//! `time_machine`: every pixel of the first input delayed by its own number of frames, the
//! second input's luminance times `frames` (0: now, 1: `frames` frames ago) — a slit-scan
//! with a gradient for the map, a melting past with noise.
//!
//! Its state is a ring of `frames + 1` frames in one 2D-array texture ([`super::ring`]),
//! sized once (`frames` is fixed); the pass reads one or two layers per pixel (`smooth`
//! blends the two frames around a fractional delay). Memory: `frames + 1` images of the
//! output's size.

use vivid_engine::Result;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{Fixed, ParamStruct, ParamValues};
use vivid_engine::resources::{TexturePool, UniformSlot, UniformWriter};

use super::ring::{FrameRing, MAX_LAYERS, RingPass, RingUniforms};

vivid_engine::params! {
    /// Parameters of `time_machine`.
    pub struct TimeMachineParams {
        /// Longest delay, in frames: where the map is white (sizes the ring: not animatable).
        frames: Fixed<u32> [1, 255] = Fixed(60),
        /// Blend the two frames around a fractional delay (else the nearest one).
        smooth: bool = true,
    }
}

/// The uniform block of `shaders/time_machine.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TimeMachineUniforms {
    header: FrameHeader,
    frames: f32,
    newest: u32,
    layers: u32,
    blend: u32,
}

/// Ring layers for delays up to `frames`.
fn layers(frames: u32) -> u32 {
    (frames + 1).min(MAX_LAYERS)
}

/// `time_machine`.
#[derive(Debug)]
pub struct TimeMachine {
    ring: FrameRing,
    pass: RingPass,
    slot: UniformSlot,
}

impl Default for TimeMachine {
    fn default() -> Self {
        Self {
            ring: FrameRing::default(),
            pass: RingPass::new("time_machine.wgsl", size_of::<TimeMachineUniforms>()),
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for TimeMachine {
    const NAME: &'static str = "time_machine";
    const CATEGORY: Category = Category::Temporal;
    const SUMMARY: &'static str = "Each pixel of the first input delayed by the second's luminance: 0 now, 1 `frames` frames ago (slit-scan).";
    const INPUTS: InputSpec = InputSpec { min: 2, max: 2 };
    type Params = TimeMachineParams;
    // Its output is made of earlier frames.
    const STATEFUL: bool = true;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = &[(
        "time_machine.wgsl",
        "TimeMachine",
        size_of::<TimeMachineUniforms>(),
    ), ("ring.wgsl", "Ring", size_of::<RingUniforms>())];
}

impl Operator for TimeMachine {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: TimeMachineParams = cx.params();
        let n = layers(p.frames.0);
        self.ring.write_uniforms(cx, out, n);
        self.slot = out.push(&TimeMachineUniforms {
            header: cx.header(),
            frames: (n - 1) as f32,
            newest: FrameRing::layer_of(self.ring.count(), n),
            layers: n,
            blend: u32::from(p.smooth),
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let frames = TimeMachineParams::read(cx.params).frames.0;
        let (input, map, output) = (cx.inputs[0], cx.inputs[1], cx.output);
        self.ring.prepare(cx, input, output.size(), layers(frames))?;
        let Some(ring) = self.ring.texture() else {
            return Ok(());
        };
        self.pass.prepare(cx, map, ring, output)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.ring.encode_write(cx.encoder);
        self.pass.draw(cx.encoder, self.slot, "vivid.time_machine");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        u64::from(TimeMachineParams::read(params).frames.0)
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        let frames = TimeMachineParams::read(params).frames.0;
        self.ring.forget_unless(layers(frames));
    }
}
