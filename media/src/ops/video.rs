//! `video`: a video file from the project folder, decoded by GStreamer on its own thread.
//!
//! Playback follows the chain's clock from the frame the operator first runs (`speed`,
//! `paused`, in and out points `start`/`end`, `loop`), or a `time` expression that scrubs.
//! Frame-exact (headless, `vivid_media::set_realtime(false)`, the default): frame k waits
//! for the frame of its position, so `--fps F` shows the clip's frame at k/F every run. In
//! real time (a window) it shows the newest frame decoded and counts the frames it dropped
//! and repeated (`video_dropped`, `video_late` in the run's operator counters). A file that
//! changes on disk is opened again; until the new version plays, and if it fails, the last
//! good one keeps showing.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::{Duration, SystemTime};

use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamSpec, ParamStruct, ParamValues};
use vivid_engine::files::FileRules;
use vivid_engine::resources::{TexturePool, UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result};

use super::Fit;
use crate::frame::Accept;
use crate::playback::{Clock, Settings};
use crate::source::{SourceThread, TOLERANCE};
use crate::upload::{Uploader, VideoUniforms, media_error};

vivid_engine::file_param! {
    /// A video file parameter (`path`).
    pub struct VideoFile(Video);
}

vivid_engine::params! {
    /// The fields of [`VideoParams`] (`looping` is `loop` in chain.toml).
    pub struct VideoFields {
        /// A video file relative to the project folder: any container and codec GStreamer
        /// decodes here (MP4/MOV/MKV/WebM; H.264, HEVC, VP8/9, AV1, ProRes, FFV1, MJPEG…).
        /// Without `size`, the operator is the chain's size. Reloaded when the file changes.
        path: VideoFile = VideoFile::default(),
        /// Plays again from `start` after `end` (otherwise the last frame holds).
        looping: bool = true,
        /// Playback rate: 1 normal, 0.5 half speed, negative backwards (each frame a seek).
        speed: f32 [-8.0, 8.0] = 1.0,
        /// In point, seconds into the file.
        start: f32 [0.0, 1_000_000.0] = 0.0,
        /// Out point, seconds into the file; 0 (or anything before `start`): its end.
        end: f32 [0.0, 1_000_000.0] = 0.0,
        /// Seconds into the file to show, instead of playing by the clock (-1: play):
        /// an expression scrubs or seeks, e.g. "2 + sin(time)". Wrapped (or held) by
        /// `start`, `end` and `loop`.
        time: f32 [-1.0, 1_000_000.0] = -1.0,
        /// Holds the current frame.
        paused: bool = false,
        /// How the frame maps onto a `size` of another aspect: stretch, contain (all of it,
        /// transparent borders) or cover (fills, cropped).
        fit: Fit = Fit::Stretch,
        /// Upside down.
        flip_y: bool = false,
    }
}

/// Parameters of `video`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct VideoParams(pub VideoFields);

impl ParamStruct for VideoParams {
    fn specs() -> Vec<ParamSpec> {
        super::loop_named(VideoFields::specs())
    }

    fn read(values: &ParamValues) -> Self {
        Self(VideoFields::read(values))
    }
}

/// What a clip operator plays (`video`, `image_sequence`): its parameters, and how its
/// source opens. [`Player`] does the rest.
pub trait Clip: ParamStruct + std::fmt::Debug + Default + Send + 'static {
    /// The operator's type name.
    const NAME: &'static str;
    /// Its one-line summary.
    const SUMMARY: &'static str;
    /// The playback settings these parameters give.
    fn settings(&self) -> Settings;
    /// The file or folder (resolved by the chain).
    fn path(&self) -> String;
    /// How the frame maps onto the output.
    fn fit(&self) -> Fit;
    /// Upside down.
    fn flip_y(&self) -> bool;
    /// Whether `path` is a folder (not a file).
    const FOLDER: bool = false;
    /// Starts decoding `path` (a folder's or a pattern's frames read by `rules`); `accept`:
    /// whether a decoder may hand frames in DMA-BUF memory (the device imports them).
    fn open(&self, path: &Path, rules: &FileRules, accept: Accept) -> SourceThread;
    /// What else of the parameters opens the source again when it changes.
    fn source_key(&self) -> u64 {
        0
    }
}

impl Clip for VideoParams {
    const NAME: &'static str = "video";
    const SUMMARY: &'static str = "A video file from the project folder (GStreamer: MP4, MOV, MKV…; H.264, HEVC, ProRes, VP9…), played by the clock or scrubbed by `time`, frame-exact with --fps; reloaded when the file changes.";

    fn settings(&self) -> Settings {
        let p = &self.0;
        Settings {
            speed: f64::from(p.speed),
            start: f64::from(p.start),
            end: f64::from(p.end),
            looping: p.looping,
            paused: p.paused,
            time: (p.time >= 0.0).then_some(f64::from(p.time)),
        }
    }

    fn path(&self) -> String {
        self.0.path.0.clone()
    }

    fn fit(&self) -> Fit {
        self.0.fit
    }

    fn flip_y(&self) -> bool {
        self.0.flip_y
    }

    fn open(&self, path: &Path, _rules: &FileRules, accept: Accept) -> SourceThread {
        crate::decoder::open(path, accept)
    }
}

/// What a decoded stream was opened from: opened again when any of it changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileId {
    pub path: String,
    len: u64,
    modified: Option<SystemTime>,
    generation: u64,
    /// [`Clip::source_key`].
    key: u64,
}

impl FileId {
    /// The file at `path` as it is now, or why it cannot be read.
    pub fn of(path: &str, folder: bool, generation: u64, key: u64) -> Result<Self> {
        // A pattern of frames (`frames/*.png`): its folder.
        let pattern = folder && vivid_engine::files::pattern::is_pattern(Path::new(path));
        let at = if pattern {
            Path::new(path).parent().unwrap_or(Path::new(path))
        } else {
            Path::new(path)
        };
        let meta = std::fs::metadata(at)
            .map_err(|e| media_error(path, format!("cannot read it ({e})")))?;
        if meta.is_dir() && !folder {
            return Err(media_error(path, "is a folder, not a video file"));
        }
        if !meta.is_dir() && folder {
            return Err(media_error(path, "is not a folder"));
        }
        Ok(Self {
            path: path.to_string(),
            len: meta.len(),
            modified: meta.modified().ok(),
            generation,
            key,
        })
    }
}

/// An open stream and what it was opened from.
#[derive(Debug)]
pub(crate) struct Stream {
    pub source: SourceThread,
    pub file: FileId,
    /// Errors of the source already reported.
    pub reported: u64,
}

/// How long frame-exact rendering waits for a file to open or a frame to decode.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

/// `video`: a [`Player`] of a file.
pub type Video = Player<VideoParams>;

/// A clip operator: `video`, `image_sequence`.
#[derive(Debug, Default)]
pub struct Player<P: Clip> {
    slot: UniformSlot,
    upload: Uploader,
    playing: Option<Stream>,
    pending: Option<Stream>,
    clock: Clock,
    /// This frame's position in the clip, nanoseconds.
    position: u64,
    /// The request for it, and the stream it went to (by its `FileId`).
    request: Option<(u64, FileId)>,
    /// The stream index shown last (for the dropped-frame count).
    last_index: Option<u64>,
    /// A file that failed to open, and why: not opened again until it changes.
    failed: Option<(FileId, String)>,
    /// Says once why frames take the CPU upload (not a DMA-BUF import).
    #[cfg(unix)]
    fallback: crate::dmabuf::FallbackLog,
    /// Frames in DMA-BUF memory, drawn where they lie.
    #[cfg(unix)]
    imports: crate::dmabuf_imports::Imports,
    params: std::marker::PhantomData<fn() -> P>,
}

impl<P: Clip> OperatorType for Player<P> {
    const NAME: &'static str = P::NAME;
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = P::SUMMARY;
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = P;
    // Played by the clock from the frame it first runs (a `time` expression scrubs
    // instead, the same in any range of frames).
    const STATEFUL: bool = true;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = crate::upload::UNIFORMS;
}

/// Seconds to nanoseconds (negative: 0).
pub(crate) fn nanos(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1e9).round() as u64
}

/// Hashes what of a stream's status selects GPU objects or must be reported: whether it
/// is open, its format, its errors.
pub(crate) fn hash_status(s: Option<&Stream>, h: &mut impl Hasher) {
    if let Some(s) = s {
        let st = s.source.state();
        (st.ready, st.format, st.errors).hash(h);
    }
}

impl<P: Clip> Player<P> {
    /// The stream to prepare for: the pending one once it opened (swapped in), else the
    /// playing one. A pending stream that failed is dropped and its error returned.
    fn settle_pending(&mut self, exact: bool) -> Result<()> {
        let Some(p) = &self.pending else {
            return Ok(());
        };
        if exact {
            p.source.wait_ready(WAIT);
        }
        let (ready, error) = {
            let st = p.source.state();
            (st.ready, st.error.clone())
        };
        if let Some(e) = error {
            let file = p.file.clone();
            self.pending = None;
            let err = media_error(&file.path, &e);
            self.failed = Some((file, e));
            return Err(err);
        }
        if ready && let Some(p) = self.pending.take() {
            let new_path = self.playing.as_ref().is_none_or(|s| s.file.path != p.file.path);
            // (The clock restarted when the path changed: `chain_changed`.)
            if new_path {
                self.last_index = None;
            }
            // Another decoder: the old one's buffers (and their imports) go.
            #[cfg(unix)]
            self.imports.clear();
            self.playing = Some(p);
        }
        Ok(())
    }
}

impl<P: Clip> Operator for Player<P> {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: P = cx.params();
        let length = self.playing.as_ref().and_then(|s| {
            let st = s.source.state();
            st.duration.map(|d| d as f64 / 1e9)
        });
        // Real time: the clip starts when its first frame is there to show (opening a
        // file takes a few frames; the clock would otherwise run past the first ones).
        if crate::realtime() && self.last_index.is_none() {
            self.clock = Clock::default();
        }
        self.position = nanos(self.clock.position(cx.time.time, &p.settings(), length));
        // Ask early: the decoder works while the rest of the frame is prepared.
        if let Some(s) = &mut self.playing {
            self.request = Some((s.source.request(self.position), s.file.clone()));
        }
        self.slot = out.push(&VideoUniforms {
            header: cx.header(),
            fit: p.fit() as u32,
            flip_y: u32::from(p.flip_y()),
            pad: [0; 2],
        });
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        let p = P::read(params);
        (p.path(), p.source_key()).hash(&mut h);
        hash_status(self.playing.as_ref(), &mut h);
        hash_status(self.pending.as_ref(), &mut h);
        #[cfg(unix)]
        self.imports.key(&mut h);
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let exact = !crate::realtime();
        #[cfg(unix)]
        let accept = self.imports.enabled(cx);
        #[cfg(not(unix))]
        let accept = Accept::default();
        let p = P::read(cx.params);
        let path = p.path();
        if path.is_empty() {
            return Err(EngineError::Param(format!(
                "`{}` ({}) has no `path`: give it a {} in the project folder",
                cx.name,
                P::NAME,
                if P::FOLDER { "folder of frames" } else { "video file" }
            )));
        }
        let result = FileId::of(&path, P::FOLDER, cx.files_generation, p.source_key()).and_then(|file| {
            let current = |s: &Option<Stream>| s.as_ref().is_some_and(|s| s.file == file);
            if let Some((f, e)) = &self.failed
                && *f == file
            {
                return Err(media_error(&f.path, e));
            }
            if !current(&self.playing) && !current(&self.pending) {
                self.pending = Some(Stream {
                    source: p.open(Path::new(&path), cx.files.rules(), accept),
                    file,
                    reported: 0,
                });
            }
            self.settle_pending(exact)
        });
        // The playing stream's own failure (a corrupt frame mid-file): reported once; its
        // last frame stays.
        let failed = self.playing.as_mut().and_then(|s| {
            let st = s.source.state();
            let new = st.errors > s.reported;
            let message = st.error.clone();
            drop(st);
            s.reported = s.reported.max(s.source.state().errors);
            new.then(|| media_error(&s.file.path, message.unwrap_or_default()))
        });
        let format = self.playing.as_ref().and_then(|s| s.source.state().format);
        self.upload.prepare(cx, format)?;
        #[cfg(unix)]
        self.imports.prepare(cx)?;
        match result.err().or(failed) {
            Some(e) => {
                // The last good frame keeps showing, bound to this prepare's output.
                cx.still_bound = self.upload.format().is_some();
                Err(e)
            }
            None => Ok(()),
        }
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let exact = !crate::realtime();
        let mut frame = None;
        let mut origin = 0;
        if let Some(s) = &mut self.playing {
            // Asked before a new stream was swapped in: ask this one.
            let id = match &self.request {
                Some((id, file)) if *file == s.file => *id,
                _ => s.source.request(self.position),
            };
            self.request = None;
            frame = if exact {
                match s.source.wait_answer(id, WAIT) {
                    Ok(f) => f,
                    Err(e) => {
                        log::debug!("`{}`: {e}", cx.name);
                        s.source.latest()
                    }
                }
            } else {
                s.source.take_due(self.position)
            };
            origin = s.source.state().origin;
        }
        #[cfg(unix)]
        let imported = self
            .imports
            .encode(cx.encoder, frame.as_ref(), self.slot, cx.name, cx.stats);
        #[cfg(not(unix))]
        let imported = false;
        let done = if imported {
            // Shown from its own memory: new when it is not the frame shown before.
            crate::upload::Uploaded {
                uploaded: frame
                    .as_ref()
                    .is_some_and(|f| self.last_index != Some(f.index)),
                busy: false,
            }
        } else {
            self.upload.encode(
                cx.encoder,
                cx.output,
                frame.as_deref(),
                exact,
                self.slot,
                cx.name,
            )
        };
        if let Some(f) = &frame {
            #[cfg(unix)]
            if done.uploaded && !imported && f.dmabuf.is_none() {
                self.fallback.note(cx.name, &f.cpu_reason);
            }
            if !exact && done.uploaded {
                if let Some(last) = self.last_index
                    && f.index > last + 1
                {
                    cx.stats.add("video_dropped", f.index - last - 1);
                }
                self.last_index = Some(f.index);
            }
            // Showing a frame whose time is over: the decoder is behind.
            // (Within the slack of rounded timestamps, as `take_due` takes frames.)
            if !exact && f.duration > 0 && f.end() + TOLERANCE < self.position + origin {
                cx.stats.add("video_late", 1);
            }
        }
        if done.busy {
            cx.stats.add("video_dropped", 1);
        }
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another file: the old stream's thread and decoder stop now.
        let path = P::read(params).path();
        let shown = self.playing.as_ref().or(self.pending.as_ref());
        if shown.is_some_and(|s| s.file.path != path) {
            // Another clip starts from its in point on the next frame.
            self.clock = Clock::default();
        }
        if self.playing.as_ref().is_some_and(|s| s.file.path != path) {
            self.playing = None;
            self.request = None;
            // Its decoder's buffers go with it.
            #[cfg(unix)]
            self.imports.clear();
        }
        if self.pending.as_ref().is_some_and(|s| s.file.path != path) {
            self.pending = None;
        }
    }
}
