//! The analysis itself, on a fixed grid of hops whatever the frame rate: level (RMS, peak),
//! bass/mid/high and log-spaced bands (RMS of the spectrum's part in each, by Parseval),
//! onsets (spectral flux over an adaptive threshold) and a BPM estimate (autocorrelation of
//! the flux), smoothed with attack/release times.

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};

/// Samples in one analysis window (46 ms at 44.1 kHz).
pub const WINDOW: usize = 2048;
/// Samples between two analyses (11.6 ms at 44.1 kHz): onsets are placed on this grid.
pub const HOP: usize = 512;
/// The most log-spaced bands.
pub const MAX_BANDS: usize = 32;
/// Seconds of flux the BPM estimate looks at.
const BPM_SECONDS: f64 = 6.0;
/// Seconds of flux the onset threshold adapts to.
const THRESHOLD_SECONDS: f64 = 1.0;
/// The shortest time between two onsets.
const REFRACTORY_SECONDS: f64 = 0.1;
/// BPM estimates are looked for in this range.
const BPM_RANGE: (f64, f64) = (70.0, 180.0);

/// How the analysis behaves.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalysisSettings {
    /// Seconds for a rising value to get ~63% of the way (0: at once).
    pub attack: f64,
    /// Seconds for a falling value to get ~63% of the way (0: at once).
    pub release: f64,
    /// How many log-spaced bands (`audio.band0` …), at most [`MAX_BANDS`].
    pub bands: usize,
    /// Seconds `audio.beat` takes to fall from 1 to 1/e after an onset.
    pub beat_decay: f64,
    /// Standard deviations of the recent flux above its mean an onset needs.
    pub sensitivity: f64,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        Self {
            attack: 0.01,
            release: 0.15,
            bands: 8,
            beat_decay: 0.15,
            sensitivity: 1.5,
        }
    }
}

/// One moment's analysis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    /// RMS of the window, 0..1 (a full-scale sine: 0.707).
    pub level: f32,
    /// Largest absolute sample of the window.
    pub peak: f32,
    /// RMS of the 20–250 Hz part.
    pub bass: f32,
    /// RMS of the 250–4000 Hz part.
    pub mid: f32,
    /// RMS of the part above 4000 Hz.
    pub high: f32,
    /// RMS of each log-spaced band from 20 Hz to the Nyquist frequency (`bands` used).
    pub bands: [f32; MAX_BANDS],
    /// 1 at an onset, falling exponentially (`beat_decay`).
    pub beat: f32,
    /// The tempo estimate (0 until there are onsets enough).
    pub bpm: f32,
    /// Onsets since the start.
    pub onsets: u64,
}

/// The streaming analysis: samples in ([`push`](Self::push)), features out
/// ([`features`](Self::features)). Allocates only when made.
pub struct Analyzer {
    rate: f64,
    settings: AnalysisSettings,
    fft: Arc<dyn RealToComplex<f32>>,
    hann: Vec<f32>,
    /// Σ w², for Parseval.
    hann_power: f32,
    /// The last WINDOW samples, circular at `head`.
    history: Vec<f32>,
    head: usize,
    /// Samples since the last hop.
    pending: usize,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    mags: Vec<f32>,
    prev_mags: Vec<f32>,
    /// Flux of the last hops, circular (`BPM_SECONDS` of them).
    flux: Vec<f32>,
    hops: u64,
    /// Samples pushed since the start.
    samples: u64,
    last_onset: Option<u64>,
    raw: Features,
    smooth: Features,
    /// Band edges (bin ranges) of bass, mid, high, then the log bands.
    edges: Vec<(usize, usize)>,
    /// The autocorrelation by lag (room for every lag the BPM estimate tries).
    ac: Vec<f64>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("rate", &self.rate)
            .field("hops", &self.hops)
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// An analysis of audio at `rate` samples per second.
    #[must_use]
    pub fn new(rate: u32, settings: AnalysisSettings) -> Self {
        let rate = f64::from(rate.max(1));
        let settings = AnalysisSettings {
            bands: settings.bands.clamp(1, MAX_BANDS),
            ..settings
        };
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(WINDOW);
        let hann: Vec<f32> = (0..WINDOW)
            .map(|n| {
                let x = (std::f64::consts::TAU * n as f64 / WINDOW as f64).cos();
                (0.5 - 0.5 * x) as f32
            })
            .collect();
        let hann_power = hann.iter().map(|w| w * w).sum();
        let bins = WINDOW / 2 + 1;
        let bin_of = |hz: f64| ((hz * WINDOW as f64 / rate).round() as usize).min(bins);
        let nyquist = rate / 2.0;
        let mut edges = vec![
            (bin_of(20.0), bin_of(250.0)),
            (bin_of(250.0), bin_of(4000.0)),
            (bin_of(4000.0), bins),
        ];
        let (lo, hi) = (20f64.ln(), nyquist.max(40.0).ln());
        for b in 0..settings.bands {
            let f0 = (lo + (hi - lo) * b as f64 / settings.bands as f64).exp();
            let f1 = (lo + (hi - lo) * (b + 1) as f64 / settings.bands as f64).exp();
            let (a, z) = (bin_of(f0), bin_of(f1));
            edges.push((a, z.max(a + 1).min(bins)));
        }
        let flux_len = (BPM_SECONDS * rate / HOP as f64).ceil() as usize;
        Self {
            rate,
            settings,
            scratch: fft.make_scratch_vec(),
            spectrum: fft.make_output_vec(),
            input: fft.make_input_vec(),
            fft,
            hann,
            hann_power,
            history: vec![0.0; WINDOW],
            head: 0,
            pending: 0,
            mags: vec![0.0; bins],
            prev_mags: vec![0.0; bins],
            flux: vec![0.0; flux_len.max(8)],
            hops: 0,
            samples: 0,
            last_onset: None,
            raw: Features::default(),
            smooth: Features::default(),
            edges,
            ac: vec![0.0; flux_len.max(8) / 2 + 2],
        }
    }

    /// The sample rate.
    #[must_use]
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// Samples pushed since the start.
    #[must_use]
    pub fn position(&self) -> u64 {
        self.samples
    }

    /// Feeds mono samples; every [`HOP`] of them is analysed. Non-finite samples count as 0.
    pub fn push(&mut self, samples: &[f32]) {
        for &s in samples {
            self.history[self.head] = if s.is_finite() { s } else { 0.0 };
            self.head = (self.head + 1) % WINDOW;
            self.samples += 1;
            self.pending += 1;
            if self.pending == HOP {
                self.pending = 0;
                self.hop();
            }
        }
    }

    /// Feeds `n` samples of silence.
    pub fn push_silence(&mut self, n: u64) {
        const ZEROS: [f32; HOP] = [0.0; HOP];
        let mut left = n;
        while left > 0 {
            let k = left.min(HOP as u64) as usize;
            self.push(&ZEROS[..k]);
            left -= k as u64;
        }
    }

    /// The features now (at the last sample pushed): smoothed values, `beat` decayed since
    /// the last onset, the BPM estimate.
    #[must_use]
    pub fn features(&self) -> Features {
        let mut f = self.smooth.clone();
        f.beat = self.last_onset.map_or(0.0, |at| {
            let dt = (self.samples.saturating_sub(at)) as f64 / self.rate;
            (-dt / self.settings.beat_decay.max(1e-3)).exp() as f32
        });
        f.bpm = self.raw.bpm;
        f.onsets = self.raw.onsets;
        f
    }

    /// The magnitude spectrum of the last hop (`WINDOW / 2 + 1` bins; a sine of amplitude
    /// A peaks near A at its bin).
    #[must_use]
    pub fn spectrum(&self) -> &[f32] {
        &self.mags
    }

    /// Writes the last `out.len()` samples pushed (at most [`WINDOW`]), oldest first;
    /// before the start, silence.
    pub fn waveform_into(&self, out: &mut [f32]) {
        let n = out.len().min(WINDOW);
        let pad = out.len() - n;
        out[..pad].fill(0.0);
        for (i, o) in out[pad..].iter_mut().enumerate() {
            *o = self.history[(self.head + WINDOW - n + i) % WINDOW];
        }
    }

    /// Hands this moment's waveform (the last [`WINDOW`] samples) and spectrum to the
    /// frame's audio. Allocates nothing.
    pub fn audio_into(&self, frame: &mut vivid_engine::audio::AudioFrame) {
        let (wave, spectrum) = frame.storage(WINDOW, self.mags.len(), self.rate as f32);
        self.waveform_into(wave);
        spectrum.copy_from_slice(&self.mags[..spectrum.len()]);
    }

    fn hop(&mut self) {
        // The window, oldest sample first.
        let mut sum_sq = 0.0f32;
        let mut peak = 0.0f32;
        for n in 0..WINDOW {
            let s = self.history[(self.head + n) % WINDOW];
            sum_sq += s * s;
            peak = peak.max(s.abs());
            self.input[n] = s * self.hann[n];
        }
        if self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
            .is_err()
        {
            return;
        }
        std::mem::swap(&mut self.mags, &mut self.prev_mags);
        let sum_w: f32 = WINDOW as f32 / 2.0; // Σ hann
        let mut flux = 0.0f32;
        for (k, c) in self.spectrum.iter().enumerate() {
            let m = c.norm() * 2.0 / sum_w;
            flux += (m - self.prev_mags[k]).max(0.0);
            self.mags[k] = m;
        }
        // Parseval: the mean square of the part of the signal in bins a..z.
        let power = |spectrum: &[Complex<f32>], (a, z): (usize, usize)| -> f32 {
            let e: f32 = spectrum
                .get(a..z)
                .map_or(0.0, |s| s.iter().map(Complex::norm_sqr).sum());
            (2.0 * e / (WINDOW as f32 * self.hann_power)).sqrt()
        };
        self.raw.level = (sum_sq / WINDOW as f32).sqrt();
        self.raw.peak = peak;
        self.raw.bass = power(&self.spectrum, self.edges[0]);
        self.raw.mid = power(&self.spectrum, self.edges[1]);
        self.raw.high = power(&self.spectrum, self.edges[2]);
        for b in 0..self.settings.bands {
            self.raw.bands[b] = power(&self.spectrum, self.edges[3 + b]);
        }
        self.onset(flux);
        self.hops += 1;
        self.smooth_step();
        if self.hops.is_multiple_of(8) {
            self.raw.bpm = self.estimate_bpm().unwrap_or(self.raw.bpm);
        }
    }

    fn onset(&mut self, flux: f32) {
        let len = self.flux.len();
        let recent = ((THRESHOLD_SECONDS * self.rate / HOP as f64) as usize).clamp(4, len);
        let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
        for i in 1..=recent {
            let v = f64::from(self.flux[(self.hops as usize + len - i) % len]);
            sum += v;
            sum_sq += v * v;
        }
        let mean = sum / recent as f64;
        let std = (sum_sq / recent as f64 - mean * mean).max(0.0).sqrt();
        self.flux[self.hops as usize % len] = flux;
        let threshold = mean + self.settings.sensitivity * std + 0.01;
        let refractory = (REFRACTORY_SECONDS * self.rate) as u64;
        let free = self
            .last_onset
            .is_none_or(|at| self.samples.saturating_sub(at) >= refractory);
        if f64::from(flux) > threshold && free && self.hops > 0 {
            self.last_onset = Some(self.samples);
            self.raw.onsets += 1;
        }
    }

    fn smooth_step(&mut self) {
        let dt = HOP as f64 / self.rate;
        let coef = |tau: f64| {
            if tau <= 0.0 {
                1.0
            } else {
                (1.0 - (-dt / tau).exp()) as f32
            }
        };
        let (up, down) = (coef(self.settings.attack), coef(self.settings.release));
        let step = |s: &mut f32, x: f32| *s += (x - *s) * if x > *s { up } else { down };
        step(&mut self.smooth.level, self.raw.level);
        step(&mut self.smooth.peak, self.raw.peak);
        step(&mut self.smooth.bass, self.raw.bass);
        step(&mut self.smooth.mid, self.raw.mid);
        step(&mut self.smooth.high, self.raw.high);
        for b in 0..self.settings.bands {
            step(&mut self.smooth.bands[b], self.raw.bands[b]);
        }
    }

    /// The tempo whose beat period best lines the flux up with itself (autocorrelation of
    /// the flux above its mean over the last seconds), refined between lags.
    fn estimate_bpm(&mut self) -> Option<f32> {
        let len = self.flux.len();
        let count = (self.hops as usize).min(len);
        if count < len / 2 || self.raw.onsets < 4 {
            return None;
        }
        let hop_s = HOP as f64 / self.rate;
        let lag_min = (60.0 / BPM_RANGE.1 / hop_s).floor() as usize;
        let lag_max = ((60.0 / BPM_RANGE.0 / hop_s).ceil() as usize).min(count / 2);
        if lag_min < 2 || lag_max <= lag_min + 1 {
            return None;
        }
        let (flux, hops) = (&self.flux, self.hops as usize);
        let series = |i: usize| f64::from(flux[(hops + len - count + i) % len]);
        let mean = (0..count).map(series).sum::<f64>() / count as f64;
        let lags = lag_min - 1..=lag_max + 1;
        for (lag, slot) in lags.clone().zip(&mut self.ac[lags]) {
            *slot = (0..count - lag)
                .map(|i| (series(i) - mean).max(0.0) * (series(i + lag) - mean).max(0.0))
                .sum::<f64>()
                / (count - lag) as f64;
        }
        let (best_lag, best) = (lag_min..=lag_max)
            .map(|lag| (lag, self.ac[lag]))
            .fold((0, 0.0), |acc, x| if x.1 > acc.1 { x } else { acc });
        if best <= 0.0 {
            return None;
        }
        let (before, at, after) = (
            self.ac[best_lag - 1],
            self.ac[best_lag],
            self.ac[best_lag + 1],
        );
        let curvature = before - 2.0 * at + after;
        let shift = if curvature.abs() > 1e-12 {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        };
        Some((60.0 / ((best_lag as f64 + shift) * hop_s)) as f32)
    }
}
