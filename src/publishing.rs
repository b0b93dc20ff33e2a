//! `--pipewire NAME` without copies: the output exported into a pool of shareable images
//! (`vivid::dmabuf::export`) whose slots are the PipeWire stream's buffers
//! (`vivid::dmabuf::pipewire`). Where the pool cannot be shared (a device without external
//! memory, or opaque fds that are neither DMA-BUFs nor memfds), `start` says why in one
//! line and the caller publishes copies through GStreamer instead (`recording.rs`).

use std::sync::Mutex;

use vivid::Engine;
use vivid::dmabuf::pipewire::{self, PublishOptions, Publisher};
use vivid::dmabuf::{ExportOptions, export};

/// Slots in the pool: one with the consumer, one queued after it, one being written, one
/// finished and waiting. The stream lends at most all but one (the one vivid writes next),
/// so a consumer holding buffers costs frames while it holds them, and nothing after.
const SLOTS: usize = 4;

/// The stream of this run, between `start` and `finish`.
static PUBLISHER: Mutex<Option<Publisher>> = Mutex::new(None);

/// Publishes `engine`'s output as the stream `name` from the export pool, if the pool can
/// be shared; `Ok(false)` (after one line saying why) if it cannot.
pub fn start(engine: &mut Engine, name: &str, fps: Option<f64>) -> anyhow::Result<bool> {
    let memory = match pipewire::sharable(engine.gpu()) {
        Ok(memory) => memory,
        Err(why) => {
            eprintln!("vivid: --pipewire publishes copies in shared memory ({why})");
            return Ok(false);
        }
    };
    let (tap, handle) = export(ExportOptions {
        format: vivid::wgpu::TextureFormat::Rgba8Unorm,
        slots: SLOTS,
    });
    let options = PublishOptions {
        name: name.to_owned(),
        memory,
        max_fps: fps.map_or(60, |f| f.round().clamp(1.0, 1000.0) as u32),
        copy: false,
    };
    let publisher = pipewire::publish(&handle, options)?;
    engine.set_output_tap(Some(Box::new(tap)));
    *PUBLISHER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(publisher);
    eprintln!(
        "vivid: publishing the PipeWire video stream `{name}` (RGBA, no copies: its buffers are the export pool's {SLOTS} {})",
        memory.name()
    );
    Ok(true)
}

/// Stops the stream, if one runs, and says what it did.
pub fn finish(engine: &mut Engine) {
    let Some(publisher) = PUBLISHER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
    else {
        return;
    };
    drop(engine.set_output_tap(None));
    let stats = publisher.stats();
    let error = publisher.error();
    drop(publisher);
    let copied = if stats.copied > 0 {
        format!(
            "; {} of them copied for a consumer that takes no DMA-BUFs",
            stats.copied
        )
    } else {
        String::new()
    };
    eprintln!(
        "vivid: streamed {} frames without copies{copied} ({} left out while their buffer was with a consumer, {} before a consumer was ready)",
        stats.streamed, stats.busy, stats.unready
    );
    if let Some(e) = error {
        eprintln!("vivid: the PipeWire stream failed: {e}");
    }
}
