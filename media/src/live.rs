//! Live sources — a GStreamer launch string (`pipeline`) or a camera (`video_in`) — on a
//! thread of their own: `… ! videoconvert ! appsink`, the newest frame wins.
//!
//! The app sink holds one frame and drops older ones, so nothing queues and the render
//! thread never waits on a live source (it takes [`SourceThread::latest`]). A source that
//! fails (a camera unplugged, a stream gone) is reported once; its last frame stays in the
//! slot, and the thread opens it again at most once a second, off the render thread, until
//! it plays again (then the error clears). A source that ends (end of stream: a server gone,
//! a test source's `num-buffers`) holds its last frame and is opened again the same way.
//!
//! A launch string may not write or read files (the project file rule reads those: use
//! `video` or `image_sequence`) and has no sink of its own: see [`check_elements`].

use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use crate::camera::{self, CameraRequest};
use crate::decoder::{frame_of, sink_caps};
use crate::frame::Accept;
use crate::gst::poll_bus;
use crate::source::{Shared, SourceThread};

/// The app sink's name in the launch strings.
const SINK: &str = "vivid_sink";
/// A failed source is opened again after this long.
pub const RETRY: Duration = Duration::from_secs(1);
/// How long opening may take before it counts as failed.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// What a live source plays.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LiveSpec {
    /// A launch string producing video (vivid adds `! videoconvert ! appsink`).
    Launch(String),
    /// A V4L2 camera.
    Camera(CameraRequest),
}

impl LiveSpec {
    /// What it is, in messages.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Self::Launch(l) => format!("pipeline `{l}`"),
            Self::Camera(c) => c.describe(),
        }
    }
}

/// Starts playing `spec` on a thread of its own; `accept`: whether the sink offers
/// `memory:DMABuf` first (`decoder::sink_caps`).
#[must_use]
pub fn open(spec: LiveSpec, accept: Accept) -> SourceThread {
    SourceThread::spawn("vivid-live", move |shared| run(&spec, accept, shared))
}

/// How a pipeline stopped playing.
enum Ended {
    /// The owner asked it to.
    Stopped,
    /// The stream ended: the last frame holds until it opens again.
    Eos,
}

/// Opens, plays, and after a failure opens again (every [`RETRY`]) until stopped.
fn run(spec: &LiveSpec, accept: Accept, shared: &Shared) {
    // An error has been reported since the source last played (reported once).
    let mut failing = false;
    loop {
        if shared.stopped() {
            return;
        }
        let attempt = Instant::now();
        let result = Live::open(spec, accept, shared).and_then(|live| {
            if failing {
                log::warn!("{}: playing again", spec.describe());
            }
            failing = false;
            shared.update(|s| {
                s.error = None;
                s.opens += 1;
            });
            let r = live.play(shared);
            live.close();
            r
        });
        // Asked to stop (the result is its doing).
        if shared.stopped() {
            return;
        }
        match result {
            // A stream that ended (a server gone, a test source's `num-buffers`): its last
            // frame holds, and it is opened again (a test source loops).
            Ok(_) => log::info!("{}: the stream ended; opening it again", spec.describe()),
            Err(e) if failing => log::debug!("{}: still failing ({e})", spec.describe()),
            Err(e) => {
                log::warn!("{}: {e}", spec.describe());
                shared.fail(e);
                failing = true;
            }
        }
        // At most one attempt per RETRY, waking for a stop.
        let next = attempt + RETRY;
        while Instant::now() < next {
            if shared.stopped() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A playing pipeline and its sink.
struct Live {
    pipeline: gst::Pipeline,
    sink: gst_app::AppSink,
}

/// The full launch string of `spec` (the source, then vivid's converter and sink), and a
/// camera's mode as chosen (to report).
fn launch_of(spec: &LiveSpec) -> Result<(String, Option<camera::Chosen>), String> {
    let (source, chosen) = match spec {
        LiveSpec::Launch(l) => {
            let l = l.trim().trim_end_matches('!').trim();
            if l.is_empty() {
                return Err("the pipeline is empty: give a GStreamer launch string producing video, e.g. \"videotestsrc pattern=ball\"".into());
            }
            (l.to_string(), None)
        }
        LiveSpec::Camera(c) => {
            let chosen = camera::choose(c)?;
            (chosen.launch.clone(), Some(chosen))
        }
    };
    Ok((
        format!("{source} ! videoconvert ! appsink name={SINK}"),
        chosen,
    ))
}

impl Live {
    /// Builds and starts the pipeline; waits (up to [`OPEN_TIMEOUT`]) for its first frame,
    /// which it publishes.
    fn open(spec: &LiveSpec, accept: Accept, shared: &Shared) -> Result<Self, String> {
        crate::gst::init()?;
        let (launch, chosen) = launch_of(spec)?;
        let pipeline = gst::parse::launch(&launch)
            .map_err(|e| format!("not a GStreamer pipeline ({e})"))?
            .downcast::<gst::Pipeline>()
            .map_err(|_| "not a GStreamer pipeline".to_string())?;
        let live = Self::configure(pipeline, accept)?;
        if let LiveSpec::Launch(l) = spec {
            loopback_udp(&live.pipeline, l);
        }
        if let Err(e) = live.start(shared) {
            live.close();
            return Err(e);
        }
        if let Some(c) = chosen {
            let format = shared.lock().format;
            c.report(format.as_ref());
        }
        Ok(live)
    }

    fn configure(pipeline: gst::Pipeline, accept: Accept) -> Result<Self, String> {
        check_elements(&pipeline)?;
        let sink = pipeline
            .by_name(SINK)
            .and_then(|e| e.downcast::<gst_app::AppSink>().ok())
            .ok_or("the pipeline has no sink of vivid's")?;
        sink.set_caps(Some(&sink_caps(accept)?));
        // The newest frame only; paced by the pipeline's clock (a test source plays at its
        // rate, not as fast as it can).
        sink.set_max_buffers(1);
        sink.set_drop(true);
        sink.set_sync(true);
        Ok(Self { pipeline, sink })
    }

    fn start(&self, shared: &Shared) -> Result<(), String> {
        if self.pipeline.set_state(gst::State::Playing).is_err() {
            return Err(poll_bus(&self.pipeline)
                .and_then(Result::err)
                .unwrap_or_else(|| "GStreamer cannot start it".into()));
        }
        let deadline = Instant::now() + OPEN_TIMEOUT;
        while Instant::now() < deadline {
            if shared.stopped() {
                return Err("stopped".into());
            }
            if let Some(sample) = self.sink.try_pull_sample(gst::ClockTime::from_mseconds(50)) {
                let frame = frame_of(&sample)?;
                shared.opened(frame.format, None);
                shared.publish(frame, 0);
                return Ok(());
            }
            match poll_bus(&self.pipeline) {
                Some(Err(e)) => return Err(e),
                Some(Ok(())) => return Err("the stream ended before its first frame".into()),
                None => {}
            }
        }
        Err(format!(
            "no picture after {:.0} s",
            OPEN_TIMEOUT.as_secs_f64()
        ))
    }

    /// Publishes frames until stopped, the stream ends or fails.
    fn play(&self, shared: &Shared) -> Result<Ended, String> {
        loop {
            if shared.stopped() {
                return Ok(Ended::Stopped);
            }
            if let Some(sample) = self
                .sink
                .try_pull_sample(gst::ClockTime::from_mseconds(100))
            {
                shared.publish(frame_of(&sample)?, 0);
            }
            match poll_bus(&self.pipeline) {
                Some(Err(e)) => return Err(e),
                Some(Ok(())) => return Ok(Ended::Eos),
                None if self.sink.is_eos() => return Ok(Ended::Eos),
                None => {}
            }
        }
    }

    fn close(&self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Element factories that read or write files, or run programs: refused in a launch
/// string (a project's files go through the project file rule).
const REFUSED: &[&str] = &[
    "filesrc",
    "multifilesrc",
    "splitfilesrc",
    "splitmuxsrc",
    "giosrc",
    "giostreamsrc",
    "imagesequencesrc",
    "playbin",
    "playbin3",
];

/// Refuses a pipeline with an element that reads or writes files (`filesrc`, a source of
/// `file://` URIs, any sink but vivid's, a `location` or `uri` naming a file): a launch string is for devices and network streams; a file
/// is played by `video` or `image_sequence`, through the project file rule.
pub fn check_elements(pipeline: &gst::Pipeline) -> Result<(), String> {
    let mut it = pipeline.iterate_recurse();
    while let Ok(Some(element)) = it.next() {
        let Some(factory) = element.factory() else {
            continue;
        };
        let name = factory.name();
        if element.name() == SINK && name == "appsink" {
            continue;
        }
        // Any source that takes `file://` URIs reads files, whatever its name.
        let reads_files = factory.uri_type() == gst::URIType::Src
            && factory
                .uri_protocols()
                .iter()
                .any(|p| p.eq_ignore_ascii_case("file"));
        if REFUSED.contains(&name.as_str()) || reads_files {
            return Err(format!(
                "`{name}` is not allowed in a pipeline: play a file of the project with `video` or `image_sequence`"
            ));
        }
        if factory.klass().contains("Sink") {
            return Err(format!(
                "`{name}` is a sink: a pipeline ends in the video it produces (vivid adds its own sink)"
            ));
        }
        for property in ["location", "uri"] {
            if element.find_property(property).is_some()
                && let Ok(Some(v)) = element.property_value(property).get::<Option<String>>()
                && (v.starts_with('/') || v.to_ascii_lowercase().starts_with("file:"))
            {
                return Err(format!(
                    "`{name}` reads a file ({v}): play a file of the project with `video` or `image_sequence`"
                ));
            }
        }
    }
    Ok(())
}

/// `udpsrc` listens on loopback unless the launch string gives an `address` (or `uri`):
/// anything listening on the network binds to loopback by default.
fn loopback_udp(pipeline: &gst::Pipeline, launch: &str) {
    if launch.contains("address=") || launch.contains("uri=") {
        return;
    }
    let mut it = pipeline.iterate_recurse();
    while let Ok(Some(element)) = it.next() {
        if element.factory().is_some_and(|f| f.name() == "udpsrc") {
            element.set_property("address", "127.0.0.1");
            log::info!("udpsrc listens on 127.0.0.1 (write address=0.0.0.0 for every interface)");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(launch: &str) -> Result<(), String> {
        crate::gst::init()?;
        let (full, _) = launch_of(&LiveSpec::Launch(launch.into()))?;
        let p = gst::parse::launch(&full)
            .map_err(|e| e.to_string())?
            .downcast::<gst::Pipeline>()
            .map_err(|_| "not a pipeline".to_string())?;
        check_elements(&p)
    }

    #[test]
    fn files_and_sinks_are_refused_in_a_pipeline() {
        assert!(parse("videotestsrc pattern=ball").is_ok());
        assert!(parse("videotestsrc ! ").is_ok());
        let e = parse("filesrc location=/etc/passwd ! decodebin").unwrap_err();
        assert!(e.contains("filesrc"), "{e}");
        let e =
            parse("videotestsrc ! tee name=t ! queue ! filesink location=/tmp/x t.").unwrap_err();
        assert!(e.contains("filesink"), "{e}");
        let e = parse("multifilesrc location=/tmp/%d.png ! pngdec").unwrap_err();
        assert!(e.contains("multifilesrc"), "{e}");
        let e = parse("uridecodebin uri=file:///etc/passwd").unwrap_err();
        assert!(e.contains("file"), "{e}");
        assert!(parse("uridecodebin uri=rtsp://127.0.0.1:8554/x").is_ok());
        assert!(parse("").unwrap_err().contains("empty"));
    }
}
