//! `echo`: the input and its past — `taps` frames, `spacing` frames apart, each `decay`
//! times the one after it — added, the brightest of them, or averaged: motion trails.
//!
//! Added, a still image `c` becomes `c (1 − decay^taps) / (1 − decay)` (alpha at most 1);
//! averaged, it stays `c`. Its state is a ring of `(taps − 1) spacing + 1` frames in one
//! 2D-array texture ([`super::ring`]), sized once (`taps` and `spacing` are fixed; `decay`
//! and `mode` are uniforms). One pass reads the `taps` layers. Memory: that many images
//! of the output's size.

use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{Fixed, ParamStruct, ParamValues};
use vivid_engine::resources::{TexturePool, UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result};

use super::ring::{FrameRing, MAX_LAYERS, RingPass, RingUniforms};

vivid_engine::choice_enum! {
    /// How the taps combine.
    pub enum EchoMode {
        /// Their sum (alpha at most 1).
        Add = "add",
        /// The brightest, per channel.
        Max = "max",
        /// Their weighted mean: a still image stays as it is.
        Average = "average",
    }
}

vivid_engine::params! {
    /// Parameters of `echo`.
    pub struct EchoParams {
        /// Frames combined: this one and `taps - 1` earlier ones (not animatable).
        taps: Fixed<u32> [1, 16] = Fixed(4),
        /// Frames between two taps (not animatable).
        spacing: Fixed<u32> [1, 60] = Fixed(4),
        /// Weight of each tap relative to the one after it (0: only the input).
        decay: f32 [0.0, 1.0] = 0.6,
        /// add, max or average.
        mode: EchoMode = EchoMode::Add,
    }
}

/// The uniform block of `shaders/echo.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct EchoUniforms {
    header: FrameHeader,
    newest: u32,
    layers: u32,
    taps: u32,
    spacing: u32,
    decay: f32,
    mode: u32,
    _pad: [u32; 2],
}

/// Ring layers for `taps` taps `spacing` apart.
fn layers(p: &EchoParams) -> u32 {
    (p.taps.0.max(1) - 1) * p.spacing.0.max(1) + 1
}

/// `echo`.
#[derive(Debug)]
pub struct Echo {
    ring: FrameRing,
    pass: RingPass,
    slot: UniformSlot,
}

impl Default for Echo {
    fn default() -> Self {
        Self {
            ring: FrameRing::default(),
            pass: RingPass::new("echo.wgsl", size_of::<EchoUniforms>()),
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Echo {
    const NAME: &'static str = "echo";
    const CATEGORY: Category = Category::Temporal;
    const SUMMARY: &'static str = "Motion trails: the input and `taps - 1` earlier frames `spacing` apart, each `decay` times the next, added, max or averaged.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = EchoParams;
    // Its output is made of earlier frames.
    const STATEFUL: bool = true;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("echo.wgsl", "Echo", size_of::<EchoUniforms>()), ("ring.wgsl", "Ring", size_of::<RingUniforms>())];
}

impl Operator for Echo {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: EchoParams = cx.params();
        let n = layers(&p).clamp(2, MAX_LAYERS);
        self.ring.write_uniforms(cx, out, n);
        self.slot = out.push(&EchoUniforms {
            header: cx.header(),
            newest: FrameRing::layer_of(self.ring.count(), n),
            layers: n,
            taps: p.taps.0.max(1),
            spacing: p.spacing.0.max(1),
            decay: p.decay,
            mode: p.mode as u32,
            _pad: [0; 2],
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = EchoParams::read(cx.params);
        let n = layers(&p);
        if n > MAX_LAYERS {
            return Err(EngineError::Param(format!(
                "echo: {} taps {} frames apart need {n} frames of history; at most {MAX_LAYERS} (fewer taps or a smaller spacing)",
                p.taps.0, p.spacing.0
            )));
        }
        let (input, output) = (cx.inputs[0], cx.output);
        self.ring.prepare(cx, input, output.size(), n)?;
        let Some(ring) = self.ring.texture() else {
            return Ok(());
        };
        self.pass.prepare(cx, input, ring, output)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.ring.encode_write(cx.encoder);
        self.pass.draw(cx.encoder, self.slot, "vivid.echo");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = EchoParams::read(params);
        (u64::from(p.taps.0) << 32) | u64::from(p.spacing.0)
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        let p = EchoParams::read(params);
        self.ring.forget_unless(layers(&p));
    }
}
