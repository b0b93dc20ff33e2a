//! `audio_spectrum`: the magnitude spectrum of this frame's audio as a texture, `bins`
//! texels across (linear from 0 Hz, or log-spaced from `min_hz`, to the Nyquist
//! frequency), optionally with the last `history` frames as rows below it (newest at the
//! top). A texel holds the largest magnitude of the analysis bins it covers: a full-scale
//! sine reads about 1 in the bin of its frequency — what ISF's `audioFFT` inputs expect.

use vivid_engine::Result;
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{Fixed, ParamStruct, ParamValues};
use vivid_engine::resources::UniformWriter;

use super::AudioTexture;

vivid_engine::choice_enum! {
    /// How bins are spaced in frequency.
    pub enum Spacing {
        /// Equal widths from 0 Hz to the Nyquist frequency (as FFT images are).
        Linear = "linear",
        /// Equal ratios from `min_hz` to the Nyquist frequency (as ears hear).
        Log = "log",
    }
}

vivid_engine::params! {
    /// Parameters of `audio_spectrum`.
    pub struct AudioSpectrumParams {
        /// Texels across, one per frequency bin (sizes the data texture: not animatable).
        bins: Fixed<u32> [2, 4096] = Fixed(256),
        /// Rows: this frame's spectrum and the frames' before it, scrolling down (1: only
        /// this frame's; sizes the data texture: not animatable).
        history: Fixed<u32> [1, 1024] = Fixed(1),
        /// Linear (0 Hz to Nyquist in equal steps) or log-spaced (from `min_hz`).
        spacing: Spacing = Spacing::Linear,
        /// Lowest frequency of log spacing, Hz.
        min_hz: f32 [1.0, 2000.0] = 20.0,
        /// Multiplies every magnitude.
        gain: f32 [0.0, 100.0] = 1.0,
    }
}

/// `audio_spectrum`.
#[derive(Debug)]
pub struct AudioSpectrum {
    texture: AudioTexture,
}

impl Default for AudioSpectrum {
    fn default() -> Self {
        Self {
            texture: AudioTexture::new("audio_spectrum", 0.0),
        }
    }
}

impl OperatorType for AudioSpectrum {
    const NAME: &'static str = "audio_spectrum";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "The audio's magnitude spectrum as a texture (`bins` across, linear or log-spaced; `history` rows scrolling down): for shaders and ISF audioFFT inputs. Needs --audio or --audio-in (else silence).";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = AudioSpectrumParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = super::UNIFORMS;
}

/// Resamples spectrum `src` (magnitudes from 0 Hz to `nyquist`, evenly spaced) into `out`:
/// each output bin the largest magnitude of the source bins in its frequency range (the
/// value at its centre when it is narrower than one source bin), times `gain`.
pub fn resample(src: &[f32], nyquist: f32, spacing: Spacing, min_hz: f32, gain: f32, out: &mut [f32]) {
    let n = out.len();
    if src.len() < 2 || n == 0 || nyquist <= 0.0 {
        out.fill(0.0);
        return;
    }
    let step = nyquist / (src.len() - 1) as f32; // Hz per source bin
    let lo = min_hz.clamp(1.0, nyquist * 0.5);
    let edge = |b: usize| -> f32 {
        let t = b as f32 / n as f32;
        match spacing {
            Spacing::Linear => t * nyquist,
            Spacing::Log => lo * (nyquist / lo).powf(t),
        }
    };
    for (b, o) in out.iter_mut().enumerate() {
        let (f0, f1) = (edge(b), edge(b + 1));
        let (k0, k1) = ((f0 / step).ceil() as usize, (f1 / step).ceil() as usize);
        let k1 = k1.min(src.len());
        let v = if k1 > k0 {
            src[k0..k1].iter().copied().fold(0.0f32, f32::max)
        } else {
            // Narrower than a source bin: interpolated at its centre.
            let at = (0.5 * (f0 + f1) / step).min((src.len() - 1) as f32);
            let below = at.floor() as usize;
            let above = (below + 1).min(src.len() - 1);
            let frac = at - below as f32;
            src[below] * (1.0 - frac) + src[above] * frac
        };
        *o = v * gain;
    }
}

impl Operator for AudioSpectrum {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: AudioSpectrumParams = cx.params();
        let audio = cx.audio;
        self.texture
            .write_uniforms(cx, out, (p.bins.0, p.history.0), |values| {
                resample(
                    audio.spectrum(),
                    audio.rate() * 0.5,
                    p.spacing,
                    p.min_hz,
                    p.gain,
                    values,
                );
            });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = AudioSpectrumParams::read(cx.params);
        self.texture.prepare(cx, (p.bins.0, p.history.0))
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.texture.encode(cx, "vivid.audio_spectrum");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = AudioSpectrumParams::read(params);
        u64::from(p.bins.0) << 32 | u64::from(p.history.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peak_lands_in_the_bin_of_its_frequency() {
        // 1025 source bins to 24 kHz: 23.4375 Hz each; a peak at 1500 Hz (bin 64).
        let mut src = vec![0.0; 1025];
        src[64] = 1.0;
        let mut out = vec![0.0; 256];
        resample(&src, 24_000.0, Spacing::Linear, 20.0, 2.0, &mut out);
        // 256 bins of 93.75 Hz: 1500 Hz is the start of bin 16.
        let best = out.iter().enumerate().fold((0, 0.0), |a, (i, v)| if *v > a.1 { (i, *v) } else { a });
        assert_eq!(best.0, 16);
        assert!((best.1 - 2.0).abs() < 1e-6, "{best:?}");
        resample(&src, 24_000.0, Spacing::Log, 20.0, 1.0, &mut out);
        // log: 1500 Hz at t = ln(1500/20) / ln(24000/20) of the way.
        let t = (1500f32 / 20.0).ln() / (24_000f32 / 20.0).ln();
        let expect = (t * 256.0) as usize;
        let best = out.iter().enumerate().fold((0, 0.0), |a, (i, v)| if *v > a.1 { (i, *v) } else { a });
        assert!(best.0.abs_diff(expect) <= 1, "{best:?} vs {expect}");
        assert!((best.1 - 1.0).abs() < 1e-6);
    }

    #[test]
    fn no_spectrum_is_silence() {
        let mut out = vec![1.0; 8];
        resample(&[], 0.0, Spacing::Linear, 20.0, 1.0, &mut out);
        assert!(out.iter().all(|v| v.abs() < 1e-12), "{out:?}");
    }
}
