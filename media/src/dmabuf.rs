//! The DMA-BUF seam of the media operators: whether a decoded frame can be imported
//! without a copy (`vivid-dmabuf`), or goes through the CPU upload — and why, logged once
//! per operator ([`FallbackLog`]).
//!
//! [`route`] looks at a sample: caps with `memory:DMABuf`, one single-plane RGBA-like
//! layout, one memory that is a DMA-BUF, a video meta for its stride and offset. Only then
//! does it give the fd and its description ([`Route::DmaBuf`]), checked by
//! `vivid_dmabuf::import::check_offer`. GStreamer 1.22's `DMABuf` caps carry no modifier
//! (`drm-format` came in 1.24): such buffers are taken as `DRM_FORMAT_MOD_LINEAR`.
//!
//! Untested here: no element on the CI machine produces `DMABuf` memory (no VA-API, no V4L2
//! device, no GL), and the video sink asks for system memory only (`decoder::sink_caps`),
//! so every frame takes the CPU path with its reason logged. What the DMA-BUF branch still
//! needs to show frames is written in the README ("Sharing frames without copies").

use std::borrow::Cow;
use std::os::fd::OwnedFd;

use gstreamer as gst;
use gstreamer_allocators as gst_allocators;
use gstreamer_video as gst_video;
use vivid_dmabuf::format::{Fourcc, HandleType, MOD_LINEAR};
use vivid_dmabuf::import::DmabufDesc;

use crate::frame::{Format, Layout};

/// How a decoded frame reaches the GPU.
#[derive(Debug)]
pub enum Route {
    /// Importable as it lies: the fd (ours) and its description.
    DmaBuf {
        /// A duplicate of the buffer's fd.
        fd: OwnedFd,
        /// Its plane.
        desc: DmabufDesc,
    },
    /// Through the CPU upload, for this reason.
    Cpu(Cow<'static, str>),
}

/// The single-plane fourcc of a layout.
fn fourcc_of(layout: Layout) -> Option<Fourcc> {
    Some(match layout {
        Layout::Rgba => Fourcc::ABGR8888,
        Layout::Bgra => Fourcc::ARGB8888,
        Layout::Rgbx => Fourcc::XBGR8888,
        Layout::Bgrx => Fourcc::XRGB8888,
        _ => return None,
    })
}

/// How `sample` (a frame of `format`) can reach the GPU.
#[must_use]
pub fn route(sample: &gst::Sample, format: &Format) -> Route {
    let dmabuf_caps = sample
        .caps()
        .and_then(|c| c.features(0))
        .is_some_and(|f| f.contains(gst_allocators::CAPS_FEATURE_MEMORY_DMABUF));
    if !dmabuf_caps {
        return Route::Cpu(Cow::Borrowed(
            "the decoder hands frames in system memory (no memory:DMABuf caps: no VA-API or \
             V4L2 decoder here)",
        ));
    }
    let Some(fourcc) = fourcc_of(format.layout) else {
        return Route::Cpu(
            format!(
                "{:?} frames have several planes: the video upload binds no import (NV12 \
                 imports through `dmabuf_frames` into a `dmabuf_in` node)",
                format.layout
            )
            .into(),
        );
    };
    let Some(buffer) = sample.buffer() else {
        return Route::Cpu(Cow::Borrowed("a frame without a buffer"));
    };
    if buffer.n_memory() != 1 {
        return Route::Cpu(format!("a buffer of {} memories", buffer.n_memory()).into());
    }
    let Some(dmabuf) = buffer
        .peek_memory(0)
        .downcast_memory_ref::<gst_allocators::DmaBufMemory>()
    else {
        return Route::Cpu(Cow::Borrowed(
            "memory:DMABuf caps, but the memory is not a DMA-BUF",
        ));
    };
    let (offset, stride) = match buffer.meta::<gst_video::VideoMeta>() {
        Some(meta) => (meta.offset()[0] as u64, meta.stride()[0] as u64),
        None => (0, u64::from(format.width) * 4),
    };
    let fd = match vivid_dmabuf::dup_raw(dmabuf.fd()) {
        Ok(fd) => fd,
        Err(e) => return Route::Cpu(format!("the DMA-BUF's fd: {e}").into()),
    };
    let desc = DmabufDesc {
        width: format.width,
        height: format.height,
        fourcc,
        modifier: MOD_LINEAR,
        offset,
        stride,
        handle: HandleType::DmaBuf,
        chroma: None,
    };
    match vivid_dmabuf::import::check_offer(&fd, &desc) {
        Ok(_) => Route::DmaBuf { fd, desc },
        Err(e) => Route::Cpu(e.to_string().into()),
    }
}

/// Says once per operator why its frames take the CPU upload.
#[derive(Debug, Default)]
pub struct FallbackLog {
    said: Option<String>,
}

impl FallbackLog {
    /// Logs (at info level) that `node`'s frames go through the CPU because of `reason`,
    /// the first time, and again only if the reason changes. Returns the line logged.
    pub fn note(&mut self, node: &str, reason: &str) -> Option<String> {
        if self.said.as_deref() == Some(reason) {
            return None;
        }
        self.said = Some(reason.to_string());
        let line = format!("`{node}`: frames uploaded through the CPU: {reason}");
        log::info!("{line}");
        Some(line)
    }
}

/// Why a frame of `sample` takes the CPU upload (every frame does for now: the upload does
/// not bind imports yet — a DMA-BUF frame says so).
#[must_use]
pub fn cpu_reason(sample: &gst::Sample, format: &Format) -> Cow<'static, str> {
    match route(sample, format) {
        Route::Cpu(reason) => reason,
        Route::DmaBuf { .. } => Cow::Borrowed(
            "a DMA-BUF frame, but the video upload does not import yet (mapped instead)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    use gstreamer_app as gst_app;

    use super::{FallbackLog, Route, route};
    use crate::frame::Format;

    /// A real decoded frame of this machine's GStreamer (`videotestsrc`: system memory)
    /// takes the CPU path, for the reason that says so; the reason is logged once.
    #[test]
    fn a_system_memory_frame_falls_back_with_its_reason_logged_once() {
        crate::init().expect("GStreamer");
        let pipeline = gst::parse::launch(
            "videotestsrc num-buffers=3 ! video/x-raw,format=RGBA,width=16,height=8 ! appsink name=sink",
        )
        .expect("pipeline")
        .downcast::<gst::Pipeline>()
        .expect("a pipeline");
        let sink = pipeline
            .by_name("sink")
            .expect("sink")
            .downcast::<gst_app::AppSink>()
            .expect("an app sink");
        pipeline.set_state(gst::State::Playing).expect("playing");
        let mut log = FallbackLog::default();
        let mut lines = Vec::new();
        for _ in 0..3 {
            let sample = sink.pull_sample().expect("a frame");
            let info = gstreamer_video::VideoInfo::from_caps(sample.caps().expect("caps"))
                .expect("video caps");
            let format = Format::from_info(&info).expect("RGBA is ours");
            let Route::Cpu(reason) = route(&sample, &format) else {
                panic!("videotestsrc made a DMA-BUF");
            };
            assert!(reason.contains("system memory"), "{reason}");
            lines.extend(log.note("clip", &reason));
        }
        pipeline.set_state(gst::State::Null).expect("stopped");
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("`clip`: frames uploaded through the CPU"));
    }
}
