//! [`AudioFrame`]: the audio a host hands the frame — the last samples and a magnitude
//! spectrum — for the operators that turn it into textures (`audio_waveform`,
//! `audio_spectrum`, an ISF shader's `audio`/`audioFFT` inputs through them).
//!
//! The engine has no audio dependency: a host (vivid-control's `--audio`, `--audio-in`, an
//! embedder's own analysis) sets it before each frame with [`Engine::audio_mut`]
//! (`crate::Engine::audio_mut`). Storage is made once at the largest sizes: setting it
//! allocates nothing.

/// The most samples a frame's waveform holds.
pub const MAX_SAMPLES: usize = 4096;
/// The most bins a frame's spectrum holds.
pub const MAX_BINS: usize = 4096;

/// This frame's audio: mono samples in -1..1 (oldest first) and magnitudes of the spectrum
/// of the window ending at the last sample (bin k at `k * rate / (2 * (bins - 1))` Hz; a
/// full-scale sine peaks near 1 at its bin).
#[derive(Clone, Debug)]
pub struct AudioFrame {
    waveform: Vec<f32>,
    samples: usize,
    spectrum: Vec<f32>,
    bins: usize,
    rate: f32,
    /// Whether a host set it at least once (else every operator reads silence).
    live: bool,
}

impl Default for AudioFrame {
    fn default() -> Self {
        Self {
            waveform: vec![0.0; MAX_SAMPLES],
            samples: 0,
            spectrum: vec![0.0; MAX_BINS],
            bins: 0,
            rate: 0.0,
            live: false,
        }
    }
}

impl AudioFrame {
    /// Sets this frame's audio: `waveform` (its last [`MAX_SAMPLES`] kept), `spectrum`
    /// (its first [`MAX_BINS`] kept) and the sample `rate`. Non-finite values read as 0.
    pub fn set(&mut self, waveform: &[f32], spectrum: &[f32], rate: f32) {
        let w = &waveform[waveform.len().saturating_sub(MAX_SAMPLES)..];
        for (d, s) in self.waveform.iter_mut().zip(w) {
            *d = if s.is_finite() { *s } else { 0.0 };
        }
        self.samples = w.len();
        let s = &spectrum[..spectrum.len().min(MAX_BINS)];
        for (d, v) in self.spectrum.iter_mut().zip(s) {
            *d = if v.is_finite() { *v } else { 0.0 };
        }
        self.bins = s.len();
        self.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        self.live = true;
    }

    /// Writable storage for this frame's audio, to fill in place (`samples` of waveform and
    /// `bins` of spectrum, each at most its maximum): for a host whose analysis keeps its
    /// own rings. Marks the frame live.
    pub fn storage(&mut self, samples: usize, bins: usize, rate: f32) -> (&mut [f32], &mut [f32]) {
        self.samples = samples.min(MAX_SAMPLES);
        self.bins = bins.min(MAX_BINS);
        self.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        self.live = true;
        (
            &mut self.waveform[..self.samples],
            &mut self.spectrum[..self.bins],
        )
    }

    /// The last samples, oldest first (empty until a host set them).
    #[must_use]
    pub fn waveform(&self) -> &[f32] {
        &self.waveform[..self.samples]
    }

    /// The spectrum's magnitudes, from 0 Hz to the Nyquist frequency.
    #[must_use]
    pub fn spectrum(&self) -> &[f32] {
        &self.spectrum[..self.bins]
    }

    /// The sample rate (0 until set).
    #[must_use]
    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// Whether a host ever set it: without one, audio operators read silence.
    #[must_use]
    pub fn is_live(&self) -> bool {
        self.live
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "values copied, exactly")]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_the_latest_samples_and_cleans_non_finite_values() {
        let mut a = AudioFrame::default();
        assert!(!a.is_live());
        assert!(a.waveform().is_empty());
        let long: Vec<f32> = (0..MAX_SAMPLES + 10).map(|i| i as f32).collect();
        a.set(&long, &[1.0, f32::NAN, 3.0], 48_000.0);
        assert!(a.is_live());
        assert_eq!(a.waveform().len(), MAX_SAMPLES);
        assert_eq!(a.waveform()[0], 10.0);
        assert_eq!(a.spectrum(), &[1.0, 0.0, 3.0]);
        assert_eq!(a.rate(), 48_000.0);
        let (w, s) = a.storage(4, 2, 44_100.0);
        w.copy_from_slice(&[0.5; 4]);
        s.copy_from_slice(&[0.25; 2]);
        assert_eq!(a.waveform(), &[0.5; 4]);
        assert_eq!(a.spectrum(), &[0.25; 2]);
    }
}
