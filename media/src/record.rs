//! Recording the output (`--record`): a ring of readback buffers copied in the frame's own
//! encoder and mapped asynchronously (made once per output size: a steady frame creates
//! nothing), handed to an encoder thread that feeds GStreamer (H.264/H.265/ProRes/FFV1/VP9
//! in MP4, MOV, MKV or WebM) or writes a PNG sequence.
//!
//! A PNG sequence is written by several threads at once (`record/png.rs`: files are
//! independent); a video file by one (its frames go in order). Read-back pixel buffers are
//! reused: the writers hand them back.
//!
//! Frame-exact (headless `--fps`): every frame is recorded — when the ring is full the
//! render thread waits for the oldest copy, and a full queue to the encoder holds it back
//! (an offline render runs at the encoder's pace). Real time (a window): nothing waits; a
//! frame that finds no free buffer or a full queue is left out and counted.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use vivid_engine::gpu::{Gpu, GpuBuffer};
use vivid_engine::operator::FrameTime;
use vivid_engine::tap::OutputTap;

use crate::gst::{failure, make};

mod png;

/// Readback buffers: frames whose copy may be in flight at once.
const RING: usize = 4;
/// Frames queued for the encoder thread.
const QUEUE: usize = 8;

/// What to record and how.
#[derive(Clone, Debug, Default)]
pub struct RecordOptions {
    /// A video file (`.mp4`, `.mov`, `.mkv`, `.webm`) or a PNG sequence pattern with a
    /// printf-style number (`frames/%06d.png`).
    pub path: PathBuf,
    /// `h264` (default; `.mov`: `prores`), `h265`, `prores`, `ffv1`, `vp9`.
    pub codec: Option<String>,
    /// Target bit rate in kbit/s (default: constant quality).
    pub bitrate_kbps: Option<u32>,
    /// The render's frame rate, when fixed (`--fps`): the file's.
    pub fps: Option<f64>,
    /// Record every frame, waiting when needed (headless); otherwise leave frames out.
    pub exact: bool,
    /// Bits per channel of a PNG sequence: 8 (default; 0 means 8) or 16 (from the
    /// `Rgba16Float` output, converted on the encoder thread). Video files are 8-bit.
    pub depth: u8,
    /// The first frame recorded (`FrameTime::frame`): earlier frames (a preroll) are not
    /// recorded, and a PNG sequence's names count from it, one more a frame (`vivid render
    /// --frames A..B`: A, so that names are the global frame index).
    pub first_index: u64,
    /// Publish a PipeWire video stream with this node name instead of writing `path`
    /// (`--pipewire NAME`; needs GStreamer's `pipewiresink`, package `gstreamer1.0-pipewire`).
    pub pipewire: Option<String>,
}

/// Where frames go.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Sink {
    /// A GStreamer launch string of converter, encoder and muxer (the app source before it,
    /// the file sink after it).
    Video(String),
    /// PNG files named by the pattern, of 8 or 16 bits per channel.
    Png(String, u8),
    /// A GStreamer launch string ending in its own sink (a PipeWire stream).
    Stream(String),
}

/// The launch string or PNG pattern for `options`, or why not.
fn sink_of(options: &RecordOptions) -> Result<Sink, String> {
    if let Some(name) = &options.pipewire {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(format!(
                "`{name}`: a PipeWire stream name is letters, digits, '-', '_' and '.'"
            ));
        }
        // Shared memory (SHM) buffers of RGBA frames: what every consumer takes.
        return Ok(Sink::Stream(format!(
            "videoconvert ! pipewiresink mode=provide stream-properties=\"props,media.class=(string)Video/Source,node.name=(string){name},node.description=(string)vivid\""
        )));
    }
    let path = options.path.to_string_lossy().to_string();
    let ext = options
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let depth = match options.depth {
        0 | 8 => 8,
        16 if ext == "png" => 16,
        16 => {
            return Err(format!(
                "{path}: 16 bits per channel is for PNG sequences (frames/%06d.png); video files are 8-bit"
            ));
        }
        d => return Err(format!("--record-depth {d}: 8 or 16")),
    };
    if ext == "png" {
        if !path.contains('%') {
            return Err(format!(
                "{path}: a PNG sequence needs a frame number in its name, e.g. frames/%06d.png"
            ));
        }
        return Ok(Sink::Png(path, depth));
    }
    let mux = match ext.as_str() {
        "mp4" | "m4v" => "mp4mux",
        "mov" => "qtmux",
        "mkv" => "matroskamux",
        "webm" => "webmmux",
        _ => {
            return Err(format!(
                "{path}: record into .mp4, .mov, .mkv, .webm or a PNG sequence (frames/%06d.png)"
            ));
        }
    };
    let default = if ext == "mov" {
        "prores"
    } else if ext == "webm" {
        "vp9"
    } else {
        "h264"
    };
    let codec = options
        .codec
        .as_deref()
        .unwrap_or(default)
        .to_ascii_lowercase();
    let rate = options.bitrate_kbps;
    let encoder = match codec.as_str() {
        "h264" => match rate {
            Some(k) => format!("x264enc speed-preset=veryfast bitrate={k}"),
            None => "x264enc speed-preset=veryfast pass=qual quantizer=20".into(),
        },
        "h265" | "hevc" => match rate {
            Some(k) => format!("x265enc speed-preset=veryfast bitrate={k}"),
            None => "x265enc speed-preset=veryfast".into(),
        },
        "prores" => "avenc_prores_ks".into(),
        "ffv1" => "avenc_ffv1".into(),
        "vp9" => match rate {
            Some(k) => format!("vp9enc deadline=1 target-bitrate={}", u64::from(k) * 1000),
            None => "vp9enc deadline=1".into(),
        },
        other => {
            return Err(format!(
                "unknown codec `{other}` (h264, h265, prores, ffv1, vp9)"
            ));
        }
    };
    // H.264 and H.265 in 4:2:0 for players; the others take what they like best.
    let convert = if matches!(codec.as_str(), "h264" | "h265" | "hevc") {
        "videoconvert ! video/x-raw,format=I420"
    } else {
        "videoconvert"
    };
    Ok(Sink::Video(format!("{convert} ! {encoder} ! {mux}")))
}

/// A frame read back, on its way to the encoder: `Rgba16Float` premultiplied, rows packed.
struct Readback {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    /// Nanoseconds from the first frame recorded.
    pts: u64,
    /// Its number in the recording.
    index: u64,
}

/// What the tap and the handle share.
#[derive(Debug, Default)]
struct Shared {
    /// Frames written.
    written: AtomicU64,
    /// Frames left out (real time).
    dropped: AtomicU64,
    /// The first error; recording has stopped then (the show goes on).
    error: Mutex<Option<String>>,
    failed: AtomicBool,
    /// A live stream's pipeline (PipeWire): stopped by `finish` before waiting for the
    /// thread, which may be blocked pushing into it while no consumer reads.
    live: Mutex<Option<gst::Pipeline>>,
    /// `finish` stopped the live stream: what fails from then on is its doing, not an error.
    stopping: AtomicBool,
    /// Read-back pixel buffers done with, to read the next frames into (no allocation per
    /// frame once warm).
    spare: Spare,
    /// 8-bit frames GStreamer is done with (a video file's), to convert the next ones into.
    spare_rgba: Spare,
}

/// Spare pixel buffers kept: enough for every frame in flight (an encoder's lookahead
/// included).
const SPARE: usize = RING + QUEUE + 32;

/// Byte buffers to reuse, at most [`SPARE`].
#[derive(Debug, Default)]
struct Spare(Mutex<Vec<Vec<u8>>>);

impl Spare {
    /// A buffer to fill (a spare one, emptied, if there is one).
    fn take(&self) -> Vec<u8> {
        let mut b = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        b.clear();
        b
    }

    /// Keeps `b` for a later frame.
    fn give(&self, b: Vec<u8>) {
        let mut spare = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if spare.len() < SPARE {
            spare.push(b);
        }
    }
}

/// An 8-bit frame in a GStreamer buffer: its bytes go back to `Shared::spare_rgba` when
/// GStreamer drops the buffer.
struct Recycled {
    bytes: Vec<u8>,
    home: Arc<Shared>,
}

impl AsRef<[u8]> for Recycled {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl AsMut<[u8]> for Recycled {
    fn as_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }
}

impl Drop for Recycled {
    fn drop(&mut self) {
        self.home.spare_rgba.give(std::mem::take(&mut self.bytes));
    }
}

impl Shared {
    /// A read-back pixel buffer to fill.
    fn buffer(&self) -> Vec<u8> {
        self.spare.take()
    }

    /// Keeps a read-back pixel buffer for a later frame.
    fn give_back(&self, b: Vec<u8>) {
        self.spare.give(b);
    }

    fn fail(&self, message: String) {
        if self.stopping.load(Ordering::Relaxed) {
            self.failed.store(true, Ordering::Relaxed);
            return;
        }
        let mut e = self
            .error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if e.is_none() {
            log::error!("recording: {message}");
            *e = Some(message);
        }
        self.failed.store(true, Ordering::Relaxed);
    }
}

/// A recording in progress: its encoder thread and counts. [`finish`](Self::finish) after
/// the tap is taken out of the engine (`Engine::set_output_tap(None)`).
#[derive(Debug)]
pub struct Recording {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    path: PathBuf,
}

/// What a finished recording wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordSummary {
    /// Frames written.
    pub frames: u64,
    /// Frames left out (real time only).
    pub dropped: u64,
}

impl Recording {
    /// The error that stopped the recording, if one did (it is logged when it happens).
    #[must_use]
    pub fn error(&self) -> Option<String> {
        self.shared
            .error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Waits for the encoder to write everything and close the file (a live stream: stops
    /// it at once).
    pub fn finish(mut self) -> Result<RecordSummary, String> {
        let live = self
            .shared
            .live
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(pipeline) = live {
            // Flushing wakes a push blocked on a stream no one reads.
            self.shared.stopping.store(true, Ordering::Relaxed);
            let _ = pipeline.set_state(gst::State::Null);
        }
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            self.shared.fail("the encoder thread panicked".into());
        }
        match self.error() {
            Some(e) => Err(format!("recording {}: {e}", self.path.display())),
            None => Ok(RecordSummary {
                frames: self.shared.written.load(Ordering::Relaxed),
                dropped: self.shared.dropped.load(Ordering::Relaxed),
            }),
        }
    }
}

/// Starts a recording: the tap to install into the engine, and its handle. Fails for a path
/// or codec it cannot record (checked before the first frame).
pub fn start(options: &RecordOptions) -> Result<(RecordTap, Recording), String> {
    crate::gst::init()?;
    let sink = sink_of(options)?;
    if let Some(dir) = options.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot make the folder ({e})", dir.display()))?;
    }
    if let Sink::Video(launch) | Sink::Stream(launch) = &sink {
        // Every element exists (a missing plugin is said now, with its package).
        for factory in launch
            .split('!')
            .filter_map(|e| e.split_whitespace().next())
        {
            if !factory.contains('/') {
                make(factory)?;
            }
        }
    }
    let shared = Arc::new(Shared::default());
    let (tx, rx) = std::sync::mpsc::sync_channel::<Readback>(QUEUE);
    let theirs = shared.clone();
    let path = options.path.clone();
    let fps = options.fps;
    let thread = std::thread::Builder::new()
        .name("vivid-record".into())
        .spawn(move || encode_thread(&sink, &path, fps, &rx, &theirs))
        .map_err(|e| format!("cannot start the encoder thread ({e})"))?;
    let tap = RecordTap {
        ring: Vec::new(),
        size: [0, 0],
        tx: Some(tx),
        shared: shared.clone(),
        exact: options.exact,
        current: None,
        first: None,
        first_index: options.first_index,
        next_index: options.first_index,
        next_seq: 0,
        pending_time: 0,
    };
    Ok((
        tap,
        Recording {
            shared,
            thread: Some(thread),
            path: options.path.clone(),
        },
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    Free,
    /// Its copy is recorded in this frame's encoder.
    Copied,
    /// Mapping for reading, after the submit.
    Mapping,
}

#[derive(Debug)]
struct Slot {
    buffer: GpuBuffer,
    state: SlotState,
    mapped: Arc<AtomicBool>,
    /// Order of the frame it holds.
    seq: u64,
    pts: u64,
    index: u64,
}

/// The engine's side of a recording (`vivid_engine::tap::OutputTap`).
#[derive(Debug)]
pub struct RecordTap {
    ring: Vec<Slot>,
    size: [u32; 2],
    tx: Option<SyncSender<Readback>>,
    shared: Arc<Shared>,
    exact: bool,
    /// The slot this frame copies into (none: left out).
    current: Option<usize>,
    /// The time of the first frame recorded.
    first: Option<f64>,
    /// Frames before this one are not recorded (a preroll).
    first_index: u64,
    next_index: u64,
    next_seq: u64,
    pending_time: u64,
}

fn bytes_per_row(width: u32) -> u32 {
    (width * 8).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
}

impl RecordTap {
    /// Reads every mapped slot, oldest first, and hands it to the encoder.
    fn harvest(&mut self) {
        loop {
            let oldest = self
                .ring
                .iter()
                .enumerate()
                .filter(|(_, s)| s.state == SlotState::Mapping)
                .min_by_key(|(_, s)| s.seq)
                .map(|(i, _)| i);
            let Some(i) = oldest else { return };
            if !self.ring[i].mapped.load(Ordering::Acquire) {
                return;
            }
            let [w, h] = self.size;
            let slot = &mut self.ring[i];
            let row = w as usize * 8;
            let mut pixels = self.shared.buffer();
            pixels.reserve(row * h as usize);
            match slot.buffer.buffer.get_mapped_range(..) {
                Ok(view) => {
                    for y in 0..h as usize {
                        let from = y * bytes_per_row(w) as usize;
                        if let Some(r) = view.get(from..from + row) {
                            pixels.extend_from_slice(r);
                        }
                    }
                }
                Err(e) => self.shared.fail(format!("reading back a frame ({e})")),
            }
            slot.buffer.buffer.unmap();
            slot.state = SlotState::Free;
            let frame = Readback {
                width: w,
                height: h,
                pixels,
                pts: slot.pts,
                index: slot.index,
            };
            self.send(frame);
        }
    }

    fn send(&mut self, frame: Readback) {
        let Some(tx) = &self.tx else { return };
        if self.shared.failed.load(Ordering::Relaxed) {
            return;
        }
        if self.exact {
            if tx.send(frame).is_err() {
                self.tx = None;
            }
        } else {
            match tx.try_send(frame) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) => {
                    self.shared.dropped.fetch_add(1, Ordering::Relaxed);
                }
                Err(TrySendError::Disconnected(_)) => self.tx = None,
            }
        }
    }

    /// Waits (polling the device) until every mapping in flight is done, then harvests.
    fn drain(&mut self, gpu: &Gpu) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self
            .ring
            .iter()
            .any(|s| s.state == SlotState::Mapping && !s.mapped.load(Ordering::Acquire))
            && Instant::now() < deadline
        {
            let _ = gpu.device().poll(wgpu::PollType::Wait {
                submission_index: None,
                timeout: Some(Duration::from_millis(100)),
            });
        }
        self.harvest();
    }
}

impl OutputTap for RecordTap {
    fn prepare(&mut self, gpu: &Gpu, time: FrameTime, size: [u32; 2]) {
        self.current = None;
        if self.tx.is_none() || self.shared.failed.load(Ordering::Relaxed) {
            return;
        }
        if size != self.size {
            // A new output size: what is in flight goes first, then a ring of the new size.
            // (The encoder thread starts a new file section; see `encode_thread`.)
            self.drain(gpu);
            self.size = size;
            let bytes = u64::from(bytes_per_row(size[0])) * u64::from(size[1]);
            self.ring = (0..RING)
                .map(|_| Slot {
                    buffer: gpu.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("vivid.record.readback"),
                        size: bytes,
                        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    }),
                    state: SlotState::Free,
                    mapped: Arc::new(AtomicBool::new(false)),
                    seq: 0,
                    pts: 0,
                    index: 0,
                })
                .collect();
        }
        self.harvest();
        if time.frame < self.first_index {
            // A preroll: rendered, not recorded (the ring is made on its first frame
            // anyway, so that the recorded frames create nothing).
            return;
        }
        let mut free = self.ring.iter().position(|s| s.state == SlotState::Free);
        if free.is_none() && self.exact {
            self.drain(gpu);
            free = self.ring.iter().position(|s| s.state == SlotState::Free);
        }
        let Some(i) = free else {
            self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let first = *self.first.get_or_insert(time.time);
        self.pending_time = ((time.time - first).max(0.0) * 1e9).round() as u64;
        self.current = Some(i);
    }

    fn encode(&mut self, encoder: &mut wgpu::CommandEncoder, output: &wgpu::Texture) {
        let Some(i) = self.current else { return };
        let [w, h] = self.size;
        if (output.width(), output.height()) != (w, h) {
            self.current = None;
            return;
        }
        let slot = &mut self.ring[i];
        encoder.copy_texture_to_buffer(
            output.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &slot.buffer.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(bytes_per_row(w)),
                    rows_per_image: Some(h),
                },
            },
            wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
        );
        slot.state = SlotState::Copied;
        slot.seq = self.next_seq;
        slot.pts = self.pending_time;
        slot.index = self.next_index;
        self.next_seq += 1;
        self.next_index += 1;
    }

    fn after_submit(&mut self, _gpu: &Gpu) {
        let Some(i) = self.current.take() else { return };
        let slot = &mut self.ring[i];
        if slot.state != SlotState::Copied {
            return;
        }
        slot.state = SlotState::Mapping;
        slot.mapped.store(false, Ordering::Release);
        let mapped = slot.mapped.clone();
        let shared = self.shared.clone();
        slot.buffer
            .buffer
            .map_async(wgpu::MapMode::Read, .., move |r| {
                if let Err(e) = r {
                    shared.fail(format!("mapping a readback buffer ({e})"));
                }
                mapped.store(true, Ordering::Release);
            });
    }

    fn finish(&mut self, gpu: &Gpu) {
        self.drain(gpu);
        // The encoder thread sees the end and closes the file.
        self.tx = None;
    }
}

impl Drop for RecordTap {
    fn drop(&mut self) {
        self.tx = None;
    }
}

/// `n` in the printf-style `pattern` (`%d`, `%06d`).
fn numbered(pattern: &str, n: u64) -> String {
    let Some(at) = pattern.find('%') else {
        return pattern.to_string();
    };
    let rest = &pattern[at + 1..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = &rest[digits.len()..];
    let Some(after) = after.strip_prefix('d') else {
        return pattern.to_string();
    };
    let width: usize = digits.parse().unwrap_or(0);
    format!("{}{n:0width$}{after}", &pattern[..at])
}

/// The encoder thread: frames in until the tap is gone, then the file is closed (a PNG
/// sequence: handed to the writers, then waits for them).
fn encode_thread(
    sink: &Sink,
    path: &Path,
    fps: Option<f64>,
    rx: &Receiver<Readback>,
    shared: &Arc<Shared>,
) {
    if let Sink::Png(pattern, depth) = sink {
        png_sequence(pattern, *depth, rx, shared);
        return;
    }
    let mut video: Option<(gst::Pipeline, gst_app::AppSrc, [u32; 2])> = None;
    while let Ok(frame) = rx.recv() {
        if shared.failed.load(Ordering::Relaxed) {
            continue;
        }
        let (Sink::Video(launch) | Sink::Stream(launch)) = sink else {
            continue;
        };
        let mut rgba = shared.spare_rgba.take();
        png::to_rgba8(&frame.pixels, &mut rgba);
        let rgba = Recycled {
            bytes: rgba,
            home: shared.clone(),
        };
        let size = [frame.width, frame.height];
        shared.give_back(frame.pixels);
        if video.as_ref().is_some_and(|v| v.2 != size) {
            // The output size changed: the file keeps its first size (a new
            // one would need a new file).
            shared.fail(format!(
                "the output size changed to {}x{} while recording (the file is {}x{})",
                size[0],
                size[1],
                video.as_ref().map_or(0, |v| v.2[0]),
                video.as_ref().map_or(0, |v| v.2[1])
            ));
            continue;
        }
        if video.is_none() {
            let file = matches!(sink, Sink::Video(_)).then_some(path);
            match open_video(launch, file, fps, size) {
                Ok((p, s)) => {
                    if file.is_none() {
                        *shared
                            .live
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(p.clone());
                    }
                    video = Some((p, s, size));
                }
                Err(e) => {
                    shared.fail(e);
                    continue;
                }
            }
        }
        let result = video
            .as_ref()
            .map_or(Ok(()), |(p, src, _)| push(p, src, rgba, frame.pts, fps));
        match result {
            Ok(()) => {
                shared.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => shared.fail(e),
        }
    }
    if let Some((pipeline, src, _)) = video {
        if let Err(e) = close_video(&pipeline, &src, matches!(sink, Sink::Stream(_))) {
            shared.fail(e);
        }
        let _ = pipeline.set_state(gst::State::Null);
    }
}

/// A PNG sequence: each frame handed to the next free writer of [`png::writers`] (a bounded
/// queue of one job per writer: a full one holds this thread, and so the tap's queue, back),
/// then waits for them to finish.
fn png_sequence(pattern: &str, depth: u8, rx: &Receiver<Readback>, shared: &Arc<Shared>) {
    let count = png::writers();
    let (jobs, their_jobs) = std::sync::mpsc::sync_channel::<png::PngJob>(count);
    let theirs = shared.clone();
    let done: png::Done = Arc::new(move |r: Result<(), String>, pixels: Vec<u8>| {
        match r {
            Ok(()) => {
                theirs.written.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => theirs.fail(e),
        }
        theirs.give_back(pixels);
    });
    let writers = match png::spawn_writers(count, their_jobs, depth, &done) {
        Ok(w) => w,
        Err(e) => {
            shared.fail(e);
            return;
        }
    };
    while let Ok(frame) = rx.recv() {
        if shared.failed.load(Ordering::Relaxed) {
            shared.give_back(frame.pixels);
            continue;
        }
        let job = png::PngJob {
            name: numbered(pattern, frame.index),
            size: [frame.width, frame.height],
            pixels: frame.pixels,
        };
        if jobs.send(job).is_err() {
            shared.fail("the PNG writers stopped".into());
        }
    }
    drop(jobs);
    for w in writers {
        if w.join().is_err() {
            shared.fail("a PNG writer panicked".into());
        }
    }
}

/// `appsrc ! launch ! filesink` (or `appsrc ! launch` when `launch` ends in its own sink:
/// `path` none) for `size` frames, playing.
fn open_video(
    launch: &str,
    path: Option<&Path>,
    fps: Option<f64>,
    size: [u32; 2],
) -> Result<(gst::Pipeline, gst_app::AppSrc), String> {
    let bin = gst::parse::bin_from_description(launch, true)
        .map_err(|e| format!("cannot make the encoder ({e})"))?;
    let rate = match fps {
        Some(f) if f.fract() == 0.0 => gst::Fraction::new(f as i32, 1),
        Some(f) => gst::Fraction::new((f * 1000.0).round() as i32, 1000),
        None => gst::Fraction::new(0, 1),
    };
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Rgba, size[0], size[1])
        .fps(rate)
        .build()
        .map_err(|e| format!("bad frame size ({e})"))?;
    let caps = info.to_caps().map_err(|e| e.to_string())?;
    let src = gst_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .block(true)
        .max_bytes(u64::from(size[0]) * u64::from(size[1]) * 4 * 4)
        .build();
    let mut elements: Vec<gst::Element> = vec![src.clone().upcast(), bin.upcast()];
    if let Some(path) = path {
        let file = make("filesink")?;
        file.set_property("location", path.to_string_lossy().to_string());
        elements.push(file);
    }
    let pipeline = gst::Pipeline::new();
    pipeline.add_many(&elements).map_err(|e| e.to_string())?;
    gst::Element::link_many(&elements).map_err(|e| format!("cannot link the encoder ({e})"))?;
    if pipeline.set_state(gst::State::Playing).is_err() {
        let why = bus_error(&pipeline).unwrap_or_else(|| "cannot start the encoder".into());
        let _ = pipeline.set_state(gst::State::Null);
        return Err(why);
    }
    Ok((pipeline, src))
}

/// The first error on `pipeline`'s bus, without waiting.
fn bus_error(pipeline: &gst::Pipeline) -> Option<String> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop() {
        if let Some(f) = failure(&msg) {
            return Some(f);
        }
    }
    None
}

/// Pushes one frame.
fn push(
    pipeline: &gst::Pipeline,
    src: &gst_app::AppSrc,
    rgba: Recycled,
    pts: u64,
    fps: Option<f64>,
) -> Result<(), String> {
    let mut buffer = gst::Buffer::from_mut_slice(rgba);
    if let Some(b) = buffer.get_mut() {
        b.set_pts(gst::ClockTime::from_nseconds(pts));
        if let Some(f) = fps {
            b.set_duration(gst::ClockTime::from_nseconds((1e9 / f).round() as u64));
        }
    }
    src.push_buffer(buffer).map_err(|e| {
        bus_error(pipeline).unwrap_or_else(|| format!("the encoder stopped ({e:?})"))
    })?;
    bus_error(pipeline).map_or(Ok(()), Err)
}

/// Ends the stream and waits for the file to be closed. A `live` stream (PipeWire) has no
/// file: it is given a moment, and one that does not answer (its consumer gone) just ends.
fn close_video(pipeline: &gst::Pipeline, src: &gst_app::AppSrc, live: bool) -> Result<(), String> {
    let _ = src.end_of_stream();
    let bus = pipeline.bus().ok_or("the pipeline has no bus")?;
    let wait = gst::ClockTime::from_seconds(if live { 2 } else { 60 });
    let Some(msg) = bus.timed_pop_filtered(wait, &[gst::MessageType::Eos, gst::MessageType::Error])
    else {
        return if live {
            Ok(())
        } else {
            Err("the encoder did not finish in 60 s".into())
        };
    };
    match failure(&msg) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bits_keep_what_eight_round_away() {
        // Two half floats 1/1024 apart near 0.5: one 8-bit code, two 16-bit ones.
        let (a, b) = (0.5f32, 0.5 + 1.0 / 1024.0);
        assert_eq!(
            vivid_engine::readback::to_rgba8([a, a, a, 1.0]),
            vivid_engine::readback::to_rgba8([b, b, b, 1.0])
        );
        assert_ne!(png::rgba16([a, a, a, 1.0]), png::rgba16([b, b, b, 1.0]));
        assert_eq!(
            png::rgba16([0.25, 0.5, 1.0, 0.5]),
            [32768, 65535, 65535, 32768]
        );
        assert_eq!(png::rgba16([0.1, 0.1, 0.1, 0.0]), [0; 4]);
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered("f/%06d.png", 42), "f/000042.png");
        assert_eq!(numbered("%d.png", 7), "7.png");
    }

    #[test]
    fn sinks_by_extension_and_codec() {
        let o = |p: &str, c: Option<&str>| RecordOptions {
            path: p.into(),
            codec: c.map(str::to_string),
            ..RecordOptions::default()
        };
        assert!(
            matches!(sink_of(&o("a.mp4", None)), Ok(Sink::Video(s)) if s.contains("x264enc") && s.ends_with("mp4mux"))
        );
        assert!(matches!(sink_of(&o("a.mov", None)), Ok(Sink::Video(s)) if s.contains("prores")));
        let pw = RecordOptions {
            pipewire: Some("vivid-out".into()),
            ..RecordOptions::default()
        };
        assert!(
            matches!(sink_of(&pw), Ok(Sink::Stream(s)) if s.contains("pipewiresink") && s.contains("node.name=(string)vivid-out"))
        );
        let bad = RecordOptions {
            pipewire: Some("a b\"".into()),
            ..RecordOptions::default()
        };
        assert!(sink_of(&bad).is_err());
        assert!(
            matches!(sink_of(&o("a.mkv", Some("ffv1"))), Ok(Sink::Video(s)) if s.contains("avenc_ffv1 ! matroskamux"))
        );
        assert_eq!(
            sink_of(&o("f/%04d.png", None)),
            Ok(Sink::Png("f/%04d.png".into(), 8))
        );
        let deep = |p: &str| {
            sink_of(&RecordOptions {
                depth: 16,
                ..o(p, None)
            })
        };
        assert_eq!(deep("f/%04d.png"), Ok(Sink::Png("f/%04d.png".into(), 16)));
        assert!(deep("a.mp4").is_err_and(|e| e.contains("PNG")));
        assert!(sink_of(&o("f/x.png", None)).is_err());
        assert!(sink_of(&o("a.gif", None)).is_err());
        assert!(sink_of(&o("a.mp4", Some("divx"))).is_err());
    }
}
