//! A video file decoded on its own thread: `filesrc ! decodebin ! videoconvert ! appsink`,
//! stepped to the position the render thread asks for.
//!
//! The app sink does not sync to a clock and holds at most two frames, so GStreamer decodes
//! only as far as the thread pulls. For each request the thread pulls forward until the
//! frame whose display time holds the position; a position behind the current frame, or
//! more than [`SEEK_AHEAD`] past it, is a flushing, accurate seek. `videoconvert` passes
//! I420, NV12, A420 and RGBA-like frames through untouched (the GPU converts them with the
//! stream's colorimetry) and converts anything else into one of them.
//!
//! In real time (`crate::realtime()` when the file opens) the thread does not wait for a
//! request to decode: it decodes ahead of the clock into the bounded queue of
//! [`State::ahead`](crate::source::State::ahead) (at most [`AHEAD`] frames, no copies: the
//! decoder's buffers, recycled by its pool), and the render thread takes the newest frame
//! whose time has come. Requests only say where the clock is: a position behind the frame
//! shown (a loop, a scrub backwards) or far ahead of what is decoded is a seek.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;

use crate::frame::{Accept, Format, Frame, Pixels, SINK_FORMATS};
use crate::gst::{make, poll_bus, wait_async_done};
use crate::source::{Ahead, Shared, SourceThread, TOLERANCE};

/// Positions this far past the current frame are reached by seeking, not decoding forward.
const SEEK_AHEAD: u64 = 1_000_000_000;
/// How long opening a file may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(20);

/// Starts decoding `path` on a thread of its own; `accept`: whether the sink offers
/// `memory:DMABuf` first ([`sink_caps`]).
pub fn open(path: &Path, accept: Accept) -> SourceThread {
    let path = path.to_path_buf();
    let realtime = crate::realtime();
    SourceThread::spawn("vivid-video", move |shared| {
        let result = Pipeline::open(&path, accept, shared).and_then(|mut p| {
            let r = if realtime {
                p.run_ahead(shared)
            } else {
                p.run(shared)
            };
            p.close();
            r
        });
        if let Err(e) = result
            && !shared.stopped()
        {
            shared.fail(e);
        }
    })
}

/// The app sink's caps: our layouts only, in system memory — and first in DMA-BUF memory
/// (the formats the import reads) when `accept` says so.
pub fn sink_caps(accept: Accept) -> Result<gst::Caps, String> {
    #[cfg(unix)]
    return crate::dmabuf::sink_caps(accept, SINK_FORMATS);
    #[cfg(not(unix))]
    {
        let _ = accept;
        format!("video/x-raw, format=(string){SINK_FORMATS}")
            .parse::<gst::Caps>()
            .map_err(|e| format!("bad caps ({e})"))
    }
}

/// A frame of `sample` (its buffer shared, not copied), with the info of its caps.
pub fn frame_of(sample: &gst::Sample) -> Result<Arc<Frame>, String> {
    let caps = sample.caps().ok_or("a frame without caps")?;
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| format!("bad caps ({e})"))?;
    let format = Format::from_info(&info)
        .ok_or_else(|| format!("unexpected pixel format {:?}", info.format()))?;
    let buffer = sample.buffer_owned().ok_or("a frame without pixels")?;
    let pts = buffer.pts().map_or(0, gst::ClockTime::nseconds);
    let duration = buffer.duration().map_or_else(
        || format.fps().map_or(0, |f| (1e9 / f) as u64),
        gst::ClockTime::nseconds,
    );
    #[cfg(unix)]
    let (reason, dmabuf) = match crate::dmabuf::describe(sample) {
        Ok(d) => (
            std::borrow::Cow::Borrowed("a DMA-BUF frame not imported yet"),
            Some(d),
        ),
        Err(reason) => (reason, None),
    };
    #[cfg(not(unix))]
    let (reason, dmabuf) = (
        std::borrow::Cow::Borrowed("decoded into system memory"),
        None,
    );
    Ok(Frame::new_via(
        format,
        Pixels::Buffer(buffer, info),
        pts,
        duration,
        reason,
        dmabuf,
    ))
}

struct Pipeline {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
    /// The first frame's time: positions count from it. (An H.264 stream with B-frames in an
    /// MP4 without an edit list starts at two frames' time, not 0: without this, position 0
    /// would be before every frame.)
    origin: u64,
}

impl Pipeline {
    /// Builds the pipeline for `path` and prerolls it: the format and length are known.
    fn open(path: &Path, accept: Accept, shared: &Shared) -> Result<Self, String> {
        crate::gst::init()?;
        let pipeline = gst::Pipeline::new();
        let src = make("filesrc")?;
        src.set_property("location", path.to_string_lossy().to_string());
        let decode = make("decodebin")?;
        let convert = make("videoconvert")?;
        let sink = gst_app::AppSink::builder()
            .caps(&sink_caps(accept)?)
            .sync(false)
            .max_buffers(2)
            .drop(false)
            .build();
        pipeline
            .add_many([&src, &decode, &convert, sink.upcast_ref()])
            .map_err(|e| e.to_string())?;
        src.link(&decode).map_err(|e| e.to_string())?;
        convert.link(&sink).map_err(|e| e.to_string())?;
        let convert_sink = convert
            .static_pad("sink")
            .ok_or("videoconvert has no sink pad")?;
        // The first video stream goes to the sink; audio and others are not linked (and
        // decodebin drops them).
        decode.connect_pad_added(move |_, pad| {
            let is_video = pad
                .current_caps()
                .and_then(|c| c.structure(0).map(|s| s.name().starts_with("video/")))
                .unwrap_or(false);
            if is_video && !convert_sink.is_linked() {
                let _ = pad.link(&convert_sink);
            }
        });
        let mut this = Self {
            pipeline,
            sink,
            origin: 0,
        };
        if let Err(e) = this.preroll(shared) {
            this.close();
            return Err(e);
        }
        Ok(this)
    }

    fn preroll(&mut self, shared: &Shared) -> Result<(), String> {
        self.pipeline
            .set_state(gst::State::Paused)
            .map_err(|_| "GStreamer cannot open it".to_string())
            .or_else(|e| {
                // The bus says why.
                poll_bus(&self.pipeline).map_or(Err(e), |r| r.and(Err("cannot open it".into())))
            })?;
        wait_async_done(&self.pipeline, OPEN_TIMEOUT, || shared.stopped())?;
        let sample = self
            .sink
            .try_pull_preroll(gst::ClockTime::from_seconds(5))
            .ok_or("no video stream in it")?;
        let first = frame_of(&sample)?;
        self.origin = first.pts;
        shared.update(|s| s.origin = first.pts);
        let duration = self
            .pipeline
            .query_duration::<gst::ClockTime>()
            .map(gst::ClockTime::nseconds)
            .filter(|d| *d > 0);
        shared.opened(first.format, duration);
        self.pipeline
            .set_state(gst::State::Playing)
            .map_err(|_| "GStreamer cannot play it".to_string())?;
        Ok(())
    }

    fn close(&self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }

    /// Answers requests until stopped.
    fn run(&mut self, shared: &Shared) -> Result<(), String> {
        let mut current: Option<Arc<Frame>> = None;
        let mut published = 0u64;
        let mut eos = false;
        let mut seen = 0;
        // A frame pulled that starts after the position asked for: the next one to show.
        let mut ahead: Option<Arc<Frame>> = None;
        loop {
            if let Some(Err(e)) = poll_bus(&self.pipeline) {
                return Err(e);
            }
            let Some((id, target)) = shared.next_request(seen, Duration::from_millis(200)) else {
                if shared.stopped() {
                    return Ok(());
                }
                continue;
            };
            seen = id;
            // Stream time: positions count from the first frame.
            let target = target + self.origin;
            let behind = current.as_ref().is_some_and(|c| target + TOLERANCE < c.pts);
            let far = current
                .as_ref()
                .map_or(target > SEEK_AHEAD, |c| target > c.end() + SEEK_AHEAD);
            let mut seeked = false;
            if behind || far || (eos && current.as_ref().is_none_or(|c| target < c.pts)) {
                self.pipeline
                    .seek_simple(
                        gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
                        gst::ClockTime::from_nseconds(target),
                    )
                    .map_err(|e| format!("cannot seek to {:.3} s ({e})", target as f64 / 1e9))?;
                current = None;
                ahead = None;
                eos = false;
                seeked = true;
            }
            while !eos && !current.as_ref().is_some_and(|c| covers(c, target)) {
                if shared.stopped() {
                    return Ok(());
                }
                let next = match ahead.take() {
                    Some(f) => Some(f),
                    None => self
                        .sink
                        .try_pull_sample(gst::ClockTime::from_mseconds(100))
                        .map(|s| frame_of(&s))
                        .transpose()?,
                };
                match next {
                    Some(frame) => {
                        // It starts after the position: the current frame is the one shown
                        // there (the stream has a gap, or durations that do not add up).
                        if !seeked
                            && frame.pts > target + TOLERANCE
                            && current
                                .as_ref()
                                .is_some_and(|c| c.pts <= target + TOLERANCE)
                        {
                            ahead = Some(frame);
                            break;
                        }
                        if let Some(old) = current.replace(frame)
                            && old.id != published
                        {
                            shared.update(|s| s.skipped += 1);
                        }
                        // (After an accurate seek the first frame is the one holding the
                        // position, or one a rounded timestamp makes end just after it:
                        // `covers` decides, as without a seek.)
                    }
                    None if self.sink.is_eos() => eos = true,
                    None => {
                        if let Some(Err(e)) = poll_bus(&self.pipeline) {
                            return Err(e);
                        }
                    }
                }
            }
            match &current {
                Some(frame) => {
                    published = frame.id;
                    shared.publish(frame.clone(), id);
                }
                // Past the end with nothing decoded since the seek: the last frame shown
                // stays.
                None => shared.answer(id),
            }
        }
    }
}

impl Pipeline {
    /// Real time: decodes ahead of the clock into the shared queue until stopped (see the
    /// module's comment).
    fn run_ahead(&mut self, shared: &Shared) -> Result<(), String> {
        let mut eos = false;
        // The request last looked at, and the stream time decoding restarted from (the
        // first frame, or the last seek's target).
        let mut seen = 0;
        let mut floor = self.origin;
        // The end of the newest frame decoded.
        let mut newest = self.origin;
        loop {
            if let Some(Err(e)) = poll_bus(&self.pipeline) {
                return Err(e);
            }
            // Wait for room in the queue (unless at the end) or a new request.
            let Some(Ahead { request, full }) =
                shared.wait_ahead(seen, eos, Duration::from_millis(100))
            else {
                return Ok(());
            };
            if let Some((id, target, taken)) = request {
                seen = id;
                let target = target + self.origin;
                // Behind what is shown (or, nothing shown since a seek, before it started),
                // or further ahead than decoding forward is worth: seek there.
                let behind = target + TOLERANCE < taken.unwrap_or(floor);
                let far = target > newest + SEEK_AHEAD;
                if behind || far {
                    self.pipeline
                        .seek_simple(
                            gst::SeekFlags::FLUSH | gst::SeekFlags::ACCURATE,
                            gst::ClockTime::from_nseconds(target),
                        )
                        .map_err(|e| {
                            format!("cannot seek to {:.3} s ({e})", target as f64 / 1e9)
                        })?;
                    shared.restart_ahead();
                    floor = target;
                    newest = target;
                    eos = false;
                }
                // The render thread answers itself from the queue: nobody waits on this.
                shared.answer(id);
            }
            if eos || full {
                continue;
            }
            match self
                .sink
                .try_pull_sample(gst::ClockTime::from_mseconds(100))
                .map(|s| frame_of(&s))
                .transpose()?
            {
                Some(frame) => {
                    newest = newest.max(frame.end());
                    shared.update(|s| s.ahead.push_back(frame));
                }
                None if self.sink.is_eos() => eos = true,
                None => {}
            }
        }
    }
}

/// Whether `frame` is the one shown at `position`: a frame that starts within
/// [`TOLERANCE`] after it counts as started.
fn covers(frame: &Frame, position: u64) -> bool {
    let p = position + TOLERANCE;
    frame.pts <= p && (p < frame.end() || frame.duration == 0)
}
