//! `--record`: the CLI's side of a recording (`vivid::media::record`): started with the
//! engine, its tap installed into it, finished when the run ends. The handle lives here
//! (not in `main.rs`'s loops) so that the window runner's setup can start it too.

use std::sync::Mutex;

use vivid::Engine;
use vivid::media::record::{self, RecordOptions, Recording};

/// The recording of this run, between `start` and `finish`.
static RECORDING: Mutex<Option<Recording>> = Mutex::new(None);

/// Starts recording into `options.path` and installs the tap into `engine`.
pub fn start(engine: &mut Engine, options: &RecordOptions) -> anyhow::Result<()> {
    let (tap, recording) = record::start(options).map_err(|e| anyhow::anyhow!(e))?;
    engine.set_output_tap(Some(Box::new(tap)));
    *RECORDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(recording);
    match &options.pipewire {
        Some(name) => eprintln!("vivid: publishing the PipeWire video stream `{name}`"),
        None => eprintln!("vivid: recording {}", options.path.display()),
    }
    Ok(())
}

/// Ends the recording, if one runs: the copies in flight are written and the file closed.
/// Call it once the last frame is rendered.
// TODO(signals): the SIGINT/SIGTERM clean-exit hook must reach this too (it does when the
// render loops end on the signal and return normally).
pub fn finish(engine: &mut Engine) -> anyhow::Result<()> {
    let Some(recording) = RECORDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    else {
        return Ok(());
    };
    drop(engine.set_output_tap(None));
    let summary = recording.finish().map_err(|e| anyhow::anyhow!(e))?;
    let dropped = if summary.dropped > 0 {
        format!(" ({} left out to keep real time)", summary.dropped)
    } else {
        String::new()
    };
    eprintln!("vivid: recorded {} frames{dropped}", summary.frames);
    Ok(())
}
