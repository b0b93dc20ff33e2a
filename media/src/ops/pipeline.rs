//! `pipeline`: a GStreamer launch string as a live source (`LiveOp`): RTSP, UDP, NDI where
//! a plugin exists, test sources.

use super::Fit;
use super::live::{LiveClip, LiveOp};
use crate::live::LiveSpec;

vivid_engine::params! {
    /// Parameters of `pipeline`.
    pub struct PipelineParams {
        /// A GStreamer launch string producing video; vivid adds `! videoconvert ! appsink`.
        /// E.g. "videotestsrc pattern=ball", "rtspsrc location=rtsp://cam/stream ! decodebin",
        /// "udpsrc port=5000 caps=application/x-rtp ! rtph264depay ! avdec_h264" (udpsrc
        /// listens on 127.0.0.1 unless `address=` is given). No files, no sinks: a file of
        /// the project plays through `video`.
        pipeline: String = String::new(),
        /// How the frame maps onto a `size` of another aspect: stretch, contain or cover.
        fit: Fit = Fit::Stretch,
        /// Upside down.
        flip_y: bool = false,
    }
}

impl LiveClip for PipelineParams {
    const NAME: &'static str = "pipeline";
    const SUMMARY: &'static str = "A GStreamer launch string as a live source (RTSP, UDP, NDI or test sources, e.g. \"videotestsrc pattern=ball\"): the newest frame shows; a failed stream is opened again each second.";

    fn spec(&self) -> std::result::Result<LiveSpec, String> {
        if self.pipeline.trim().is_empty() {
            return Err("no `pipeline`: give a GStreamer launch string producing video, e.g. \"videotestsrc pattern=ball\"".into());
        }
        Ok(LiveSpec::Launch(self.pipeline.clone()))
    }

    fn fit(&self) -> Fit {
        self.fit
    }

    fn flip_y(&self) -> bool {
        self.flip_y
    }
}

/// `pipeline`.
pub type Pipeline = LiveOp<PipelineParams>;
