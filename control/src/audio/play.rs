//! `--audio-play`: the `--audio` file played to the default output device (`cpal`), kept
//! in step with the frames' clock — a window shows and plays the same moment. The device's
//! callback reads the decoded samples through a [`Cursor`] (resampled to the device's rate,
//! every channel the same); each frame [`Player::sync`] compares where the sound is with
//! where the picture is and moves the sound when they are more than [`MAX_DRIFT`] apart
//! (the first frame, a jump of the clock, a stalled device).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use crate::ControlError;

/// Seconds the sound may be ahead of or behind the picture before it is moved.
pub const MAX_DRIFT: f64 = 0.05;

/// Where the sound is, in samples of the file, shared by the callback and the frames.
#[derive(Debug, Default)]
struct Shared {
    /// The callback's position (f64 bits), after its last buffer.
    position: AtomicU64,
    /// A position the next buffer starts from (f64 bits), when `seek` is set.
    target: AtomicU64,
    seek: AtomicBool,
}

/// Reads a file's samples at a device's rate: linear interpolation between samples, looped
/// or silence after the end. Allocates nothing.
#[derive(Debug)]
pub struct Cursor {
    samples: Arc<[f32]>,
    /// File samples per device frame.
    step: f64,
    /// In file samples.
    position: f64,
    looped: bool,
}

impl Cursor {
    /// A cursor at the start of `samples` (at `rate`) for a device at `device_rate`.
    #[must_use]
    pub fn new(samples: Arc<[f32]>, rate: u32, device_rate: u32, looped: bool) -> Self {
        Self {
            samples,
            step: f64::from(rate) / f64::from(device_rate.max(1)),
            position: 0.0,
            looped,
        }
    }

    /// Moves to `position` (file samples).
    pub fn seek(&mut self, position: f64) {
        self.position = position.max(0.0);
    }

    /// Where it is (file samples).
    #[must_use]
    pub fn position(&self) -> f64 {
        self.position
    }

    /// The next device frame's sample.
    pub fn next_sample(&mut self) -> f32 {
        let len = self.samples.len();
        let at = |i: usize| -> f32 {
            if self.looped && len > 0 {
                self.samples[i % len]
            } else {
                self.samples.get(i).copied().unwrap_or(0.0)
            }
        };
        let i = self.position.floor() as usize;
        let t = (self.position - self.position.floor()) as f32;
        let s = at(i) * (1.0 - t) + at(i + 1) * t;
        self.position += self.step;
        if self.looped && len > 0 && self.position >= len as f64 {
            self.position -= len as f64;
        }
        s
    }

    /// Fills `out`, `channels` values per frame, each frame's the same sample.
    pub fn fill<T: Copy>(&mut self, out: &mut [T], channels: usize, convert: impl Fn(f32) -> T) {
        for frame in out.chunks_mut(channels.max(1)) {
            frame.fill(convert(self.next_sample()));
        }
    }
}

/// The file playing on the default output device.
pub struct Player {
    shared: Arc<Shared>,
    rate: f64,
    device_name: String,
    /// Held to keep playing.
    _stream: cpal::Stream,
}

impl std::fmt::Debug for Player {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Player")
            .field("device", &self.device_name)
            .finish_non_exhaustive()
    }
}

impl Player {
    /// Plays `samples` (mono, at `rate`) on the default output device, from the start.
    pub fn open(samples: Arc<[f32]>, rate: u32, looped: bool) -> Result<Self, ControlError> {
        if let Some(why) = no_output() {
            return Err(ControlError::Device(format!(
                "no audio output device ({why})"
            )));
        }
        let host = cpal::default_host();
        let device = host
            .default_output_device()
            .ok_or_else(|| ControlError::Device("no audio output device".into()))?;
        let device_name = device.name().unwrap_or_else(|_| "(unnamed)".into());
        let fail = |e: &dyn std::fmt::Display| {
            ControlError::Device(format!("output device `{device_name}`: {e}"))
        };
        let supported = device.default_output_config().map_err(|e| fail(&e))?;
        let config: cpal::StreamConfig = supported.config();
        let channels = usize::from(config.channels.max(1));
        let shared = Arc::new(Shared::default());
        let mut cursor = Cursor::new(samples, rate, config.sample_rate.0, looped);
        let state = Arc::clone(&shared);
        let on_error = |e: cpal::StreamError| log::warn!("audio: playback: {e}");
        let mut render = move |data: &mut cpal::Data| {
            if state.seek.swap(false, Ordering::Relaxed) {
                cursor.seek(f64::from_bits(state.target.load(Ordering::Relaxed)));
            }
            if let Some(out) = data.as_slice_mut::<f32>() {
                cursor.fill(out, channels, |s| s);
            } else if let Some(out) = data.as_slice_mut::<i16>() {
                cursor.fill(out, channels, |s| (s.clamp(-1.0, 1.0) * 32_767.0) as i16);
            } else if let Some(out) = data.as_slice_mut::<u16>() {
                cursor.fill(out, channels, |s| {
                    ((s.clamp(-1.0, 1.0) + 1.0) * 32_767.5) as u16
                });
            } else if let Some(out) = data.as_slice_mut::<i32>() {
                cursor.fill(out, channels, |s| {
                    (f64::from(s.clamp(-1.0, 1.0)) * 2_147_483_647.0) as i32
                });
            }
            state
                .position
                .store(cursor.position().to_bits(), Ordering::Relaxed);
        };
        let format = supported.sample_format();
        if !matches!(
            format,
            cpal::SampleFormat::F32
                | cpal::SampleFormat::I16
                | cpal::SampleFormat::U16
                | cpal::SampleFormat::I32
        ) {
            return Err(fail(&format!(
                "sample format {format} is not one vivid plays"
            )));
        }
        let stream = device
            .build_output_stream_raw(
                &config,
                format,
                move |data: &mut cpal::Data, _: &cpal::OutputCallbackInfo| render(data),
                on_error,
                None,
            )
            .map_err(|e| fail(&e))?;
        stream.play().map_err(|e| fail(&e))?;
        Ok(Self {
            shared,
            rate: f64::from(rate),
            device_name,
            _stream: stream,
        })
    }

    /// The output device's name.
    #[must_use]
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// Keeps the sound at `time` seconds of the file: moves it there when it is more than
    /// [`MAX_DRIFT`] away. Call once per frame with the frame's time.
    pub fn sync(&self, time: f64) {
        let want = time.max(0.0) * self.rate;
        let now = f64::from_bits(self.shared.position.load(Ordering::Relaxed));
        if drifted(now, want, self.rate) {
            self.shared.target.store(want.to_bits(), Ordering::Relaxed);
            self.shared.seek.store(true, Ordering::Relaxed);
        }
    }
}

/// Why there is certainly no output device, found without opening one (ALSA prints a page
/// of its own errors on stderr when asked for a device that is not there): on Linux, no
/// sound card in `/proc/asound/cards` (or no such file) and no `PulseAudio` or `PipeWire` server to route to.
fn no_output() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    // Missing: no ALSA driver in the kernel at all (a container, a server).
    let cards = std::fs::read_to_string("/proc/asound/cards").unwrap_or_default();
    if !cards.is_empty() && !cards.contains("no soundcards") {
        return None;
    }
    let runtime = std::env::var_os("XDG_RUNTIME_DIR").map(std::path::PathBuf::from);
    let server = ["pulse/native", "pipewire-0"]
        .iter()
        .any(|s| runtime.as_ref().is_some_and(|r| r.join(s).exists()))
        || std::env::var_os("PULSE_SERVER").is_some();
    (!server)
        .then(|| "no sound card in /proc/asound/cards, no PulseAudio or PipeWire server".into())
}

/// Whether the sound at `now` is too far from the picture at `want` (file samples at
/// `rate`). A looped file's position wraps: compared modulo nothing — a jump back at the
/// loop point is a drift, and moving there is right.
fn drifted(now: f64, want: f64, rate: f64) -> bool {
    (now - want).abs() > MAX_DRIFT * rate
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "halves and whole samples, exact")]
mod tests {
    use super::*;

    #[test]
    fn the_cursor_resamples_loops_and_seeks() {
        let samples: Arc<[f32]> = Arc::from(vec![0.0, 1.0, 0.0, -1.0]);
        // A device at twice the file's rate: every other value interpolated.
        let mut c = Cursor::new(Arc::clone(&samples), 100, 200, true);
        let mut out = [0.0f32; 10];
        c.fill(&mut out, 2, |s| s);
        assert_eq!(out, [0.0, 0.0, 0.5, 0.5, 1.0, 1.0, 0.5, 0.5, 0.0, 0.0]);
        c.seek(3.0);
        // Sample 3, then half way back to sample 0 (looped).
        assert_eq!([c.next_sample(), c.next_sample()], [-1.0, -0.5]);
        // Not looped: silence after the end.
        let mut once = Cursor::new(samples, 100, 100, false);
        once.seek(3.0);
        assert_eq!([once.next_sample(), once.next_sample()], [-1.0, 0.0]);
    }

    #[test]
    fn drift_beyond_50_ms_moves_the_sound() {
        assert!(!drifted(48_000.0, 48_000.0 + 2_000.0, 48_000.0));
        assert!(drifted(48_000.0, 48_000.0 + 2_500.0, 48_000.0));
        assert!(drifted(0.0, 96_000.0, 48_000.0));
    }
}
