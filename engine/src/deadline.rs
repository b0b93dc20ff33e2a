//! Waiting for the GPU, bounded: a frame that does not finish within the frame deadline is a
//! fault ([`crate::Engine`] quarantines the newest shader and replaces the device), never a
//! wait without end.

use std::time::{Duration, Instant};

use crate::gpu::Gpu;

/// How long a frame may take on the GPU, from its submit to its end, unless
/// [`EngineOptions::frame_deadline`](crate::EngineOptions::frame_deadline) says otherwise:
/// generous — a CPU driver compiles a new pipeline at its first draw, inside the frame.
pub const DEFAULT_FRAME_DEADLINE: Duration = Duration::from_secs(10);

/// A wait for the GPU that reached its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Missed {
    /// How long the work had been running (since its submit, when known).
    pub(crate) running: Duration,
}

/// Waits until the GPU finished `submission` (`None`: everything submitted so far), until
/// `until` at the latest (`None`: no limit). `Err` when it was not done by then.
pub(crate) fn wait_until(
    gpu: &Gpu,
    submission: Option<wgpu::SubmissionIndex>,
    until: Option<Instant>,
) -> Result<(), ()> {
    let timeout = until.map(|t| t.saturating_duration_since(Instant::now()));
    match gpu.device().poll(wgpu::PollType::Wait {
        submission_index: submission,
        timeout,
    }) {
        Err(wgpu::PollError::Timeout) => Err(()),
        // Done, or nothing of that index to wait for.
        Ok(_) | Err(_) => Ok(()),
    }
}

/// [`wait_until`] for everything submitted, at most `deadline` from now; the time waited
/// when it was not done by then.
pub(crate) fn wait_idle(gpu: &Gpu, deadline: Option<Duration>) -> Result<(), Missed> {
    let started = Instant::now();
    wait_until(gpu, None, deadline.map(|d| started + d)).map_err(|()| Missed {
        running: started.elapsed(),
    })
}
