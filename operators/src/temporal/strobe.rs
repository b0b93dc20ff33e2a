//! `strobe`: the input switched on and off, `rate` times a second, on for the `duty`
//! fraction of each period (from `phase`), transparent black while off.
//!
//! On or off is decided on the CPU from the frame's time in f64: the period's fraction is
//! `fract(time * rate + phase)`, on while it is below `duty`; a frame exactly on a
//! boundary (within 1e-9 of a period) belongs to the interval starting there. With `--fps`
//! frame k has time k / fps, so the same frames are on in every run: at 60 fps, rate 10
//! and duty 0.5, frames 0–2 are on, 3–5 off, and so on. One pass, the input times 0 or 1.

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::resources::{SamplerKind, UniformSlot, UniformWriter};

vivid_engine::params! {
    /// Parameters of `strobe`.
    pub struct StrobeParams {
        /// Flashes per second (0: always on).
        rate: f32 [0.0, 120.0] = 4.0,
        /// Fraction of each period the input shows.
        duty: f32 [0.0, 1.0] = 0.5,
        /// Shift of the flashes, in periods (0..1).
        phase: f32 [0.0, 1.0] = 0.0,
    }
}

/// The uniform block of `shaders/strobe.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct StrobeUniforms {
    header: FrameHeader,
    gain: f32,
    _pad: [f32; 3],
}

/// Whether the strobe is on at `time` seconds.
#[must_use]
pub fn is_on(time: f64, rate: f64, duty: f64, phase: f64) -> bool {
    if rate <= 0.0 {
        return true;
    }
    let x = time * rate + phase + 1e-9;
    x - x.floor() < duty
}

/// `strobe`.
#[derive(Debug)]
pub struct Strobe {
    pass: FullscreenPass,
    slot: UniformSlot,
}

impl Default for Strobe {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("strobe.wgsl", size_of::<StrobeUniforms>()),
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Strobe {
    const NAME: &'static str = "strobe";
    const CATEGORY: Category = Category::Temporal;
    const SUMMARY: &'static str = "The input flashing on and off: `rate` per second, on for `duty` of each period; exact frames with --fps.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = StrobeParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("strobe.wgsl", "Strobe", size_of::<StrobeUniforms>())];
}

impl Operator for Strobe {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: StrobeParams = cx.params();
        let on = is_on(
            cx.time.time,
            f64::from(p.rate),
            f64::from(p.duty),
            f64::from(p.phase),
        );
        self.slot = out.push(&StrobeUniforms {
            header: cx.header(),
            gain: if on { 1.0 } else { 0.0 },
            _pad: [0.0; 3],
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let (input, output) = (cx.inputs[0], cx.output);
        self.pass
            .prepare(cx, &[input], output, SamplerKind::NearestClamp)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.pass.dispatch(cx.encoder, self.slot, "vivid.strobe");
    }
}

#[cfg(test)]
mod tests {
    use super::is_on;

    #[test]
    fn frames_on_a_boundary_start_the_next_interval() {
        // 60 fps, 10 Hz, half on: 3 frames on, 3 off.
        let on: Vec<bool> = (0..12)
            .map(|k| is_on(f64::from(k) / 60.0, 10.0, 0.5, 0.0))
            .collect();
        assert_eq!(
            on,
            [true, true, true, false, false, false, true, true, true, false, false, false]
        );
        assert!(is_on(123.4, 0.0, 0.0, 0.0), "rate 0 is always on");
        assert!(!is_on(0.0, 1.0, 0.0, 0.0), "duty 0 is always off");
    }
}
