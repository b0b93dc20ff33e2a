//! Audio from a capture device (`cpal`): the device's callback mixes to mono into a bounded
//! ring; a thread of its own analyses it and publishes the latest [`Features`]. A device
//! that fails (unplugged) is logged once and opened again every two seconds.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};

use super::analysis::{AnalysisSettings, Analyzer, Features};
use crate::ControlError;

/// Seconds of audio the ring between the device and the analysis holds.
const RING_SECONDS: usize = 2;
/// How often a failed device is opened again.
const RETRY: Duration = Duration::from_secs(2);

/// Samples from the device's callback to the analysis thread, at most `cap`; when the
/// analysis falls behind, the oldest are dropped.
struct Ring {
    samples: std::collections::VecDeque<f32>,
    cap: usize,
}

struct Shared {
    ring: Mutex<Ring>,
    latest: Mutex<Features>,
    /// The latest waveform and spectrum, for the frame's audio textures.
    audio: Mutex<vivid_engine::audio::AudioFrame>,
    stop: AtomicBool,
    failed: AtomicBool,
    /// Samples the callback could not hand over (ring busy).
    dropped: AtomicU64,
}

/// A capture device analysed on its own thread.
pub struct CaptureSource {
    name: Option<String>,
    settings: AnalysisSettings,
    shared: Arc<Shared>,
    stream: Option<cpal::Stream>,
    thread: Option<JoinHandle<()>>,
    device_name: String,
    rate: u32,
    retry_at: Option<Instant>,
    logged: bool,
}

impl std::fmt::Debug for CaptureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureSource")
            .field("device", &self.device_name)
            .field("rate", &self.rate)
            .finish_non_exhaustive()
    }
}

/// The names of the capture devices there are.
#[must_use]
pub fn input_devices() -> Vec<String> {
    cpal::default_host()
        .input_devices()
        .map(|ds| ds.filter_map(|d| d.name().ok()).collect())
        .unwrap_or_default()
}

/// The names of the playback devices there are (`vivid devices` lists them).
#[must_use]
pub fn output_devices() -> Vec<String> {
    cpal::default_host()
        .output_devices()
        .map(|ds| ds.filter_map(|d| d.name().ok()).collect())
        .unwrap_or_default()
}

fn open_device(name: Option<&str>) -> Result<cpal::Device, ControlError> {
    let host = cpal::default_host();
    let device = match name {
        None | Some("default") => host.default_input_device(),
        Some(n) => host
            .input_devices()
            .ok()
            .and_then(|mut ds| ds.find(|d| d.name().ok().as_deref() == Some(n))),
    };
    device.ok_or_else(|| {
        let there = input_devices();
        ControlError::Device(format!(
            "no capture device {}; there {}",
            name.map_or_else(|| "(default)".to_string(), |n| format!("`{n}`")),
            if there.is_empty() {
                "are none".to_string()
            } else {
                format!("are: {}", there.join(", "))
            }
        ))
    })
}

impl CaptureSource {
    /// Opens capture device `name` (`None` or `"default"`: the default one) and starts
    /// analysing it.
    pub fn open(name: Option<&str>, settings: AnalysisSettings) -> Result<Self, ControlError> {
        let shared = Arc::new(Shared {
            ring: Mutex::new(Ring {
                samples: std::collections::VecDeque::new(),
                cap: 0,
            }),
            latest: Mutex::new(Features::default()),
            audio: Mutex::new(vivid_engine::audio::AudioFrame::default()),
            stop: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            dropped: AtomicU64::new(0),
        });
        let mut source = Self {
            name: name.map(str::to_string),
            settings,
            shared,
            stream: None,
            thread: None,
            device_name: String::new(),
            rate: 0,
            retry_at: None,
            logged: false,
        };
        source.start()?;
        Ok(source)
    }

    /// The device's name.
    #[must_use]
    pub fn device_name(&self) -> &str {
        &self.device_name
    }

    /// The latest analysis; a failed device is opened again (every two seconds).
    pub fn features(&mut self) -> Features {
        if self.shared.failed.load(Ordering::Relaxed) {
            self.recover();
        }
        self.shared
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Hands the latest waveform and spectrum to the frame's audio (silence until the
    /// device delivered some).
    pub fn audio_into(&self, frame: &mut vivid_engine::audio::AudioFrame) {
        let a = self
            .shared
            .audio
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        frame.set(a.waveform(), a.spectrum(), a.rate());
    }

    fn recover(&mut self) {
        let now = Instant::now();
        if self.retry_at.is_some_and(|t| now < t) {
            return;
        }
        self.retry_at = Some(now + RETRY);
        self.stop_thread();
        self.stream = None;
        match self.start() {
            Ok(()) => {
                log::warn!("audio: capture device `{}` open again", self.device_name);
                self.logged = false;
            }
            Err(e) => {
                if !self.logged {
                    log::warn!(
                        "audio: {e}; trying again every {} s (logged once)",
                        RETRY.as_secs()
                    );
                    self.logged = true;
                }
                *self
                    .shared
                    .latest
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Features::default();
            }
        }
    }

    fn start(&mut self) -> Result<(), ControlError> {
        let device = open_device(self.name.as_deref())?;
        let device_name = device.name().unwrap_or_else(|_| "(unnamed)".into());
        let supported = device
            .default_input_config()
            .map_err(|e| ControlError::Device(format!("`{device_name}`: {e}")))?;
        let config: cpal::StreamConfig = supported.config();
        let channels = usize::from(config.channels.max(1));
        let rate = config.sample_rate.0;
        self.shared.failed.store(false, Ordering::Relaxed);
        self.shared.stop.store(false, Ordering::Relaxed);
        {
            let mut ring = self
                .shared
                .ring
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let cap = rate as usize * RING_SECONDS;
            ring.cap = cap;
            ring.samples.clear();
            ring.samples.reserve(cap);
        }
        let data_shared = Arc::clone(&self.shared);
        let err_shared = Arc::clone(&self.shared);
        let on_error = move |e: cpal::StreamError| {
            if !err_shared.failed.swap(true, Ordering::Relaxed) {
                log::warn!("audio: capture failed: {e}");
            }
        };
        let format = supported.sample_format();
        let stream = device
            .build_input_stream_raw(
                &config,
                format,
                move |data: &cpal::Data, _: &cpal::InputCallbackInfo| {
                    deliver(&data_shared, data, channels);
                },
                on_error,
                None,
            )
            .map_err(|e| ControlError::Device(format!("`{device_name}`: {e}")))?;
        stream
            .play()
            .map_err(|e| ControlError::Device(format!("`{device_name}`: {e}")))?;
        let shared = Arc::clone(&self.shared);
        let settings = self.settings;
        let thread = std::thread::Builder::new()
            .name("vivid-audio".into())
            .spawn(move || analyse(&shared, rate, settings))
            .map_err(|e| ControlError::Thread(e.to_string()))?;
        self.stream = Some(stream);
        self.thread = Some(thread);
        self.device_name = device_name;
        self.rate = rate;
        Ok(())
    }

    fn stop_thread(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for CaptureSource {
    fn drop(&mut self) {
        self.stream = None;
        self.stop_thread();
    }
}

/// The device's callback: mixes `data` to mono into the ring (never waits for the lock).
fn deliver(shared: &Shared, data: &cpal::Data, channels: usize) {
    let Ok(mut ring) = shared.ring.try_lock() else {
        shared
            .dropped
            .fetch_add((data.len() / channels) as u64, Ordering::Relaxed);
        return;
    };
    let mut put = |frame_sum: f32| {
        if ring.samples.len() >= ring.cap {
            ring.samples.pop_front();
        }
        ring.samples.push_back(frame_sum / channels as f32);
    };
    macro_rules! mix {
        ($t:ty, $to:expr) => {
            if let Some(s) = data.as_slice::<$t>() {
                for frame in s.chunks(channels) {
                    put(frame.iter().map(|&x| $to(x)).sum());
                }
            }
        };
    }
    mix!(f32, |x: f32| x);
    mix!(f64, |x: f64| x as f32);
    mix!(i16, |x: i16| f32::from(x) / 32_768.0);
    mix!(u16, |x: u16| (f32::from(x) - 32_768.0) / 32_768.0);
    mix!(i32, |x: i32| x as f32 / 2_147_483_648.0);
    mix!(u8, |x: u8| (f32::from(x) - 128.0) / 128.0);
}

/// The analysis thread: takes what the ring holds every few milliseconds, analyses it and
/// publishes the features.
fn analyse(shared: &Shared, rate: u32, settings: AnalysisSettings) {
    let mut analyzer = Analyzer::new(rate, settings);
    let mut chunk: Vec<f32> = Vec::with_capacity(rate as usize * RING_SECONDS);
    while !shared.stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(5));
        chunk.clear();
        {
            let mut ring = shared.ring.lock().unwrap_or_else(PoisonError::into_inner);
            chunk.extend(ring.samples.drain(..));
        }
        if chunk.is_empty() {
            continue;
        }
        analyzer.push(&chunk);
        let f = analyzer.features();
        *shared.latest.lock().unwrap_or_else(PoisonError::into_inner) = f;
        analyzer.audio_into(&mut shared.audio.lock().unwrap_or_else(PoisonError::into_inner));
    }
}
