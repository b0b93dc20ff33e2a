//! Audio from a file (`--audio music.wav`): decoded once with `symphonia` to mono, then
//! analysed up to each frame's time — frame k at time t reads the audio up to t, so a run
//! with `--fps` gives the same values every time.

use std::path::{Path, PathBuf};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::{CODEC_TYPE_NULL, DecoderOptions};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::analysis::{AnalysisSettings, Analyzer, Features, WINDOW};
use crate::ControlError;

/// The longest file read, in seconds (mono f32 at 48 kHz: ~345 MB).
pub const MAX_SECONDS: u64 = 30 * 60;

/// A decoded file and its analysis, driven by the frames' time.
#[derive(Debug)]
pub struct FileSource {
    path: PathBuf,
    samples: std::sync::Arc<[f32]>,
    rate: u32,
    settings: AnalysisSettings,
    analyzer: Analyzer,
    /// Play it again from the start after its end (else silence).
    looped: bool,
}

impl FileSource {
    /// Decodes `path` (WAV or FLAC; channels mixed to mono).
    pub fn open(
        path: &Path,
        settings: AnalysisSettings,
        looped: bool,
    ) -> Result<Self, ControlError> {
        let (samples, rate) = decode(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            analyzer: Analyzer::new(rate, settings),
            samples: samples.into(),
            rate,
            settings,
            looped,
        })
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its samples, mono (shared: `--audio-play` plays them).
    #[must_use]
    pub fn samples(&self) -> std::sync::Arc<[f32]> {
        std::sync::Arc::clone(&self.samples)
    }

    /// Whether it loops.
    #[must_use]
    pub fn looped(&self) -> bool {
        self.looped
    }

    /// Its sample rate.
    #[must_use]
    pub fn rate(&self) -> u32 {
        self.rate
    }

    /// Its length in seconds.
    #[must_use]
    pub fn seconds(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.rate)
    }

    /// The analysis of the audio up to `time` seconds from the start. Frames move forward
    /// by a hop or two: only the new samples are analysed. A jump back, or more than two
    /// seconds ahead, starts the analysis again a second before `time`.
    pub fn features_at(&mut self, time: f64) -> Features {
        let target = (time.max(0.0) * f64::from(self.rate)) as u64;
        let pos = self.analyzer.position();
        let rate = u64::from(self.rate);
        if target < pos || target - pos > 2 * rate {
            self.analyzer = Analyzer::new(self.rate, self.settings);
            let start = target.saturating_sub(rate.max(WINDOW as u64));
            self.analyzer.push_silence(0);
            self.feed(start, target - start, true);
        } else {
            self.feed(pos, target - pos, false);
        }
        self.analyzer.features()
    }

    /// Hands the waveform and spectrum at the time of the last
    /// [`features_at`](Self::features_at) to the frame's audio.
    pub fn audio_into(&self, frame: &mut vivid_engine::audio::AudioFrame) {
        self.analyzer.audio_into(frame);
    }

    /// The analysis's last spectrum.
    #[must_use]
    pub fn spectrum(&self) -> &[f32] {
        self.analyzer.spectrum()
    }

    /// Pushes `n` samples from position `from` (`restart`: the analyser starts at `from`).
    fn feed(&mut self, from: u64, n: u64, restart: bool) {
        let len = self.samples.len() as u64;
        let mut at = from;
        let end = from + n;
        if restart && at > 0 && len == 0 {
            return;
        }
        while at < end {
            let (i, left) = if self.looped && len > 0 {
                (at % len, len - at % len)
            } else if at < len {
                (at, len - at)
            } else {
                self.analyzer.push_silence(end - at);
                return;
            };
            let k = left.min(end - at);
            let s = self
                .samples
                .get(i as usize..(i + k) as usize)
                .unwrap_or_default();
            self.analyzer.push(s);
            at += k;
        }
    }
}

/// Decodes a whole file to mono f32 samples and its rate.
pub fn decode(path: &Path) -> Result<(Vec<f32>, u32), ControlError> {
    let fail = |m: String| ControlError::Audio {
        path: path.to_path_buf(),
        message: m,
    };
    let file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let mss = MediaSourceStream::new(
        Box::new(file),
        symphonia::core::io::MediaSourceStreamOptions::default(),
    );
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            mss,
            &FormatOptions::default(),
            &MetadataOptions::default(),
        )
        .map_err(|e| fail(format!("not an audio file vivid reads (WAV, FLAC): {e}")))?;
    let mut format = probed.format;
    let track = format
        .tracks()
        .iter()
        .find(|t| t.codec_params.codec != CODEC_TYPE_NULL)
        .ok_or_else(|| fail("no audio track".into()))?;
    let track_id = track.id;
    let rate = track
        .codec_params
        .sample_rate
        .filter(|&r| r > 0)
        .ok_or_else(|| fail("no sample rate".into()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .map_err(|e| fail(format!("cannot decode: {e}")))?;
    let max = MAX_SECONDS * u64::from(rate);
    let mut mono = Vec::new();
    let mut buf: Option<SampleBuffer<f32>> = None;
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break;
            }
            Err(SymphoniaError::ResetRequired) => break,
            Err(e) => return Err(fail(format!("reading: {e}"))),
        };
        if packet.track_id() != track_id {
            continue;
        }
        let decoded = match decoder.decode(&packet) {
            Ok(d) => d,
            // A damaged packet is skipped, as players do.
            Err(SymphoniaError::DecodeError(e)) => {
                log::warn!("{}: a damaged packet skipped: {e}", path.display());
                continue;
            }
            Err(e) => return Err(fail(format!("decoding: {e}"))),
        };
        let spec = *decoded.spec();
        let channels = spec.channels.count().max(1);
        let b = buf.get_or_insert_with(|| SampleBuffer::new(decoded.capacity() as u64, spec));
        if b.capacity() < decoded.capacity() * channels {
            *b = SampleBuffer::new(decoded.capacity() as u64, spec);
        }
        b.copy_interleaved_ref(decoded);
        for frame in b.samples().chunks(channels) {
            mono.push(frame.iter().sum::<f32>() / channels as f32);
        }
        if mono.len() as u64 > max {
            return Err(fail(format!(
                "longer than {} minutes, the most vivid reads",
                MAX_SECONDS / 60
            )));
        }
    }
    if mono.is_empty() {
        return Err(fail("no samples".into()));
    }
    Ok((mono, rate))
}
