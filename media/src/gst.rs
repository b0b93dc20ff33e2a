//! GStreamer plumbing shared by the sources and the recorder: initialisation, elements with
//! a useful error when a plugin is missing, bus messages as text, waiting for a state.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;

/// Initialises GStreamer once per process; the error (no GStreamer, a broken registry) is
/// kept and returned to every caller.
pub fn init() -> Result<(), String> {
    static INIT: OnceLock<Result<(), String>> = OnceLock::new();
    INIT.get_or_init(|| {
        gst::init().map_err(|e| {
            format!(
                "GStreamer could not start ({e}); install it (Debian: gstreamer1.0-plugins-base)"
            )
        })
    })
    .clone()
}

/// The Debian package that holds a plugin element, for hints.
fn package_of(factory: &str) -> &'static str {
    match factory {
        "x264enc" | "x265enc" => "gstreamer1.0-plugins-ugly",
        f if f.starts_with("av") => "gstreamer1.0-libav",
        "matroskamux" | "matroskademux" | "qtmux" | "mp4mux" | "qtdemux" | "pngenc" | "pngdec"
        | "jpegenc" | "jpegdec" | "v4l2src" | "multifilesink" => "gstreamer1.0-plugins-good",
        _ => "gstreamer1.0-plugins-base / -good / -bad",
    }
}

/// A new element of `factory`, or why not (with the package to install).
pub fn make(factory: &str) -> Result<gst::Element, String> {
    gst::ElementFactory::make(factory).build().map_err(|_| {
        format!(
            "the GStreamer element `{factory}` is missing (install {})",
            package_of(factory)
        )
    })
}

/// A bus message that ends a pipeline, as text; `None` for the others. A missing-plugin
/// message becomes "no decoder for …".
pub fn failure(msg: &gst::MessageRef) -> Option<String> {
    use gst::MessageView;
    if gstreamer_pbutils::MissingPluginMessage::is(msg) {
        let what = gstreamer_pbutils::MissingPluginMessage::parse(msg)
            .map_or_else(|_| "a plugin".into(), |m| m.description().to_string());
        return Some(format!(
            "GStreamer has no plugin for {what} (install gstreamer1.0-libav, -plugins-good, -bad or -ugly)"
        ));
    }
    match msg.view() {
        MessageView::Error(e) => {
            let debug = e
                .debug()
                .map(|d| {
                    // The last line of GStreamer's debug text is the useful one.
                    let d = d.to_string();
                    let last = d.lines().last().unwrap_or_default().trim().to_string();
                    format!(" ({last})")
                })
                .unwrap_or_default();
            Some(format!("{}{debug}", e.error()))
        }
        _ => None,
    }
}

/// Waits (up to `timeout`) for `pipeline` to finish a state change (`AsyncDone`), failing
/// with the first error or missing plugin posted. `stopped` ends the wait early.
pub fn wait_async_done(
    pipeline: &gst::Pipeline,
    timeout: Duration,
    stopped: impl Fn() -> bool,
) -> Result<(), String> {
    let bus = pipeline
        .bus()
        .ok_or_else(|| "the pipeline has no bus".to_string())?;
    let deadline = Instant::now() + timeout;
    // A missing plugin is posted before the error it causes: keep its text.
    let mut missing = None;
    while Instant::now() < deadline {
        if stopped() {
            return Err("stopped".into());
        }
        let Some(msg) = bus.timed_pop(gst::ClockTime::from_mseconds(50)) else {
            continue;
        };
        match msg.view() {
            gst::MessageView::AsyncDone(_) => return Ok(()),
            gst::MessageView::Eos(_) => return Err("the stream is empty".into()),
            _ => {}
        }
        if gstreamer_pbutils::MissingPluginMessage::is(&msg) {
            missing = failure(&msg);
        } else if let Some(f) = failure(&msg) {
            return Err(missing.unwrap_or(f));
        }
    }
    Err(format!(
        "no picture after {:.0} s (not a video GStreamer can play?)",
        timeout.as_secs_f64()
    ))
}

/// The first error or end of stream waiting on `pipeline`'s bus, without blocking.
pub fn poll_bus(pipeline: &gst::Pipeline) -> Option<Result<(), String>> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop() {
        if let gst::MessageView::Eos(_) = msg.view() {
            return Some(Ok(()));
        }
        if let Some(f) = failure(&msg) {
            return Some(Err(f));
        }
    }
    None
}
