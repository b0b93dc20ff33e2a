//! `audio_waveform`: this frame's last `samples` audio samples as a texture, oldest at the
//! left, -1..1 mapped to 0..1 as ISF's `audio` inputs expect (silence reads 0.5), times
//! `gain` and clamped; optionally with the last `history` frames as rows below.

use vivid_engine::Result;
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{Fixed, ParamStruct, ParamValues};
use vivid_engine::resources::UniformWriter;

use super::AudioTexture;

vivid_engine::params! {
    /// Parameters of `audio_waveform`.
    pub struct AudioWaveformParams {
        /// Texels across, the last samples (sizes the data texture: not animatable).
        samples: Fixed<u32> [2, 4096] = Fixed(512),
        /// Rows: this frame's samples and the frames' before it, scrolling down (sizes the
        /// data texture: not animatable).
        history: Fixed<u32> [1, 1024] = Fixed(1),
        /// Multiplies every sample before the mapping to 0..1.
        gain: f32 [0.0, 100.0] = 1.0,
    }
}

/// `audio_waveform`.
#[derive(Debug)]
pub struct AudioWaveform {
    texture: AudioTexture,
}

impl Default for AudioWaveform {
    fn default() -> Self {
        Self {
            texture: AudioTexture::new("audio_waveform", 0.5),
        }
    }
}

impl OperatorType for AudioWaveform {
    const NAME: &'static str = "audio_waveform";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "The audio's last `samples` samples as a texture, -1..1 mapped to 0..1 (as ISF audio inputs expect): for shaders and ISF audio inputs. Needs --audio or --audio-in (else silence, 0.5).";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = AudioWaveformParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = super::UNIFORMS;
}

/// The last `out.len()` samples of `src` (silence before its start), times `gain`, mapped
/// from -1..1 to 0..1 and clamped there.
pub fn map_samples(src: &[f32], gain: f32, out: &mut [f32]) {
    let pad = out.len().saturating_sub(src.len());
    let tail = &src[src.len().saturating_sub(out.len())..];
    out[..pad].fill(0.5);
    for (o, s) in out[pad..].iter_mut().zip(tail) {
        *o = (0.5 + 0.5 * gain * s).clamp(0.0, 1.0);
    }
}

impl Operator for AudioWaveform {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: AudioWaveformParams = cx.params();
        let audio = cx.audio;
        self.texture
            .write_uniforms(cx, out, (p.samples.0, p.history.0), |values| {
                map_samples(audio.waveform(), p.gain, values);
            });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = AudioWaveformParams::read(cx.params);
        self.texture.prepare(cx, (p.samples.0, p.history.0))
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.texture.encode(cx, "vivid.audio_waveform");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = AudioWaveformParams::read(params);
        u64::from(p.samples.0) << 32 | u64::from(p.history.0)
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "halves, ones and zeros, exact")]
mod tests {
    use super::map_samples;

    #[test]
    fn samples_map_to_0_1_right_aligned() {
        let mut out = [9.0; 5];
        map_samples(&[-1.0, 0.0, 1.0], 1.0, &mut out);
        assert_eq!(out, [0.5, 0.5, 0.0, 0.5, 1.0]);
        map_samples(&[0.25, 0.5, -4.0], 2.0, &mut out[..2]);
        assert_eq!(out[..2], [1.0, 0.0]);
    }
}
