//! A source thread and its handoff to the render thread: the render thread asks for a
//! position (a *request*), the thread decodes and publishes the frame that answers it into a
//! latest-wins slot. Nothing queues: a newer request replaces an older one, a newer frame
//! the older one.
//!
//! - Frame-exact rendering (`--fps`, headless) waits for the answer to its own request
//!   ([`SourceThread::wait_answer`]): frame k shows what belongs to time k/fps, every run
//!   the same — the decoder is stepped, not raced.
//! - Real time (a window) never waits. A live source's newest frame is taken
//!   ([`SourceThread::latest`]). A video file's thread decodes *ahead* into a small bounded
//!   queue ([`State::ahead`], [`AHEAD`] frames), and the render thread takes the newest
//!   frame whose time has come ([`SourceThread::take_due`]), dropping older ones: decoding
//!   overlaps rendering, so its latency is not added to every frame.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::frame::{Format, Frame};

/// Frames a real-time video thread decodes ahead of the clock: a few frames of CPU memory
/// (their pixels stay in the decoder's buffers, which GStreamer's pool reuses once dropped).
pub const AHEAD: usize = 4;

/// Slack for frame times: positions computed in floating point, and containers that round
/// timestamps (Matroska to 1 ms: frame 2 of a 30 fps clip is at 67 ms, not 66.67).
pub const TOLERANCE: u64 = 1_000_000;

/// What the thread and the render thread share.
#[derive(Debug, Default)]
pub struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

/// The slot and the thread's status.
#[derive(Debug, Default)]
pub struct State {
    /// The newest request: (id, position). Ids grow from 1.
    pub request: Option<(u64, u64)>,
    /// The id of the newest request `frame` answers.
    pub answered: u64,
    /// The newest frame.
    pub frame: Option<Arc<Frame>>,
    /// The stream's format, once known.
    pub format: Option<Format>,
    /// The stream's length in nanoseconds, if known.
    pub duration: Option<u64>,
    /// The thread opened its source (the format is known) or failed to.
    pub ready: bool,
    /// The newest error, and how many there were (an error changes the operator's prepare
    /// key, so that it is reported once).
    pub error: Option<String>,
    /// Errors so far.
    pub errors: u64,
    /// Set by the owner: the thread ends.
    pub stop: bool,
    /// Frames decoded but never published (the source ran ahead, or skipped).
    pub skipped: u64,
    /// The thread has ended (after an error, or when stopped).
    pub finished: bool,
    /// Times a live source opened (a reconnection counts: it clears the error shown).
    pub opens: u64,
    /// Real time: frames decoded ahead of the clock, oldest first (at most [`AHEAD`]).
    pub ahead: VecDeque<Arc<Frame>>,
    /// Stream time of position 0 (a file's first frame; positions count from it).
    pub origin: u64,
    /// Real time: the time of the frame the render thread took last from `ahead` since the
    /// thread last seeked (the thread seeks when the clock goes behind it).
    pub taken: Option<u64>,
}

impl State {
    /// Real time: drops the frames of `ahead` that a later due frame replaces at stream
    /// time `at` (all but the newest with `pts <= at`). Returns how many.
    pub fn drop_superseded(&mut self, at: u64) -> u64 {
        let mut dropped = 0;
        while self.ahead.get(1).is_some_and(|f| f.pts <= at) {
            self.ahead.pop_front();
            dropped += 1;
        }
        self.skipped += dropped;
        dropped
    }
}

impl Shared {
    /// The state, even if a thread panicked holding it (it holds plain values).
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Changes the state and wakes whoever waits on it.
    pub fn update(&self, f: impl FnOnce(&mut State)) {
        f(&mut self.lock());
        self.changed.notify_all();
    }

    /// Whether the owner asked the thread to end.
    pub fn stopped(&self) -> bool {
        self.lock().stop
    }

    /// The thread side: the source is open.
    pub fn opened(&self, format: Format, duration: Option<u64>) {
        self.update(|s| {
            s.format = Some(format);
            s.duration = duration;
            s.ready = true;
        });
    }

    /// The thread side: an error (the last frame stays in the slot).
    pub fn fail(&self, message: String) {
        log::debug!("media source: {message}");
        self.update(|s| {
            s.error = Some(message);
            s.errors += 1;
            s.ready = true;
        });
    }

    /// The thread side: `frame` is the newest, answering request `answers`.
    pub fn publish(&self, frame: Arc<Frame>, answers: u64) {
        self.update(|s| {
            s.format = Some(frame.format);
            s.frame = Some(frame);
            s.answered = s.answered.max(answers);
        });
    }

    /// The thread side: request `id` is answered by the frame already in the slot (or by
    /// none: the position is past what the source has).
    pub fn answer(&self, id: u64) {
        self.update(|s| s.answered = s.answered.max(id));
    }

    /// Waits up to `timeout` until `done` holds (checked at once, then at every change).
    /// Returns the state then.
    pub fn wait_until(
        &self,
        timeout: Duration,
        mut done: impl FnMut(&State) -> bool,
    ) -> MutexGuard<'_, State> {
        let s = self.lock();
        self.changed
            .wait_timeout_while(s, timeout, |s| !done(s))
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .0
    }

    /// Real time, the thread side: waits up to `timeout` for room in `ahead` (unless `at_end`)
    /// or a request newer than `seen`. `None` when stopped; else that request, if any, with
    /// the time of the frame taken last, and whether `ahead` is full.
    pub fn wait_ahead(&self, seen: u64, at_end: bool, timeout: Duration) -> Option<Ahead> {
        let s = self.wait_until(timeout, |s| {
            s.stop || s.request.is_some_and(|r| r.0 > seen) || (!at_end && s.ahead.len() < AHEAD)
        });
        if s.stop {
            return None;
        }
        Some(Ahead {
            request: s
                .request
                .filter(|r| r.0 > seen)
                .map(|(id, position)| (id, position, s.taken)),
            full: s.ahead.len() >= AHEAD,
        })
    }

    /// Real time, the thread side: the frames decoded ahead are dropped (counted as
    /// skipped) and nothing counts as taken: decoding restarts elsewhere.
    pub fn restart_ahead(&self) {
        self.update(|s| {
            s.skipped += s.ahead.len() as u64;
            s.ahead.clear();
            s.taken = None;
        });
    }

    /// The thread side: the newest request newer than `seen`, waiting up to `timeout` for
    /// one; `None` on time-out or when stopped (see [`stopped`](Self::stopped)).
    pub fn next_request(&self, seen: u64, timeout: Duration) -> Option<(u64, u64)> {
        let deadline = Instant::now() + timeout;
        let mut s = self.lock();
        loop {
            if s.stop {
                return None;
            }
            if let Some(r) = s.request.filter(|r| r.0 > seen) {
                return Some(r);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            s = self
                .changed
                .wait_timeout(s, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }
}

/// What a real-time thread waiting to decode ahead woke to ([`Shared::wait_ahead`]).
#[derive(Clone, Copy, Debug)]
pub struct Ahead {
    /// A new request: (id, position, the time of the frame the render thread took last).
    pub request: Option<(u64, u64, Option<u64>)>,
    /// `ahead` holds [`AHEAD`] frames.
    pub full: bool,
}

/// A source's thread, owned by an operator; stopped and joined on drop.
#[derive(Debug)]
pub struct SourceThread {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    next_id: u64,
}

impl SourceThread {
    /// Runs `body` on a thread named `name`.
    pub fn spawn(name: &str, body: impl FnOnce(&Shared) + Send + 'static) -> Self {
        let shared = Arc::new(Shared::default());
        let theirs = shared.clone();
        let thread = std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                body(&theirs);
                theirs.update(|s| s.finished = true);
            });
        let thread = match thread {
            Ok(t) => Some(t),
            Err(e) => {
                shared.fail(format!("cannot start a thread ({e})"));
                None
            }
        };
        Self {
            shared,
            thread,
            next_id: 1,
        }
    }

    /// The shared state (to read the status).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    /// Asks for the frame at `position` (nanoseconds, or a frame number for a sequence).
    /// Returns the request's id.
    pub fn request(&mut self, position: u64) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.shared.update(|s| s.request = Some((id, position)));
        id
    }

    /// Waits until the source is open or failed, up to `timeout`. Returns whether it is.
    pub fn wait_ready(&self, timeout: Duration) -> bool {
        let s = self.shared.lock();
        let (s, _) = self
            .shared
            .changed
            .wait_timeout_while(s, timeout, |s| !s.ready)
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.ready
    }

    /// Waits until request `id` is answered and returns the frame then in the slot (`None`
    /// if there is none), or the source's error, or a time-out.
    pub fn wait_answer(&self, id: u64, timeout: Duration) -> Result<Option<Arc<Frame>>, String> {
        let s = self.shared.lock();
        let errors_before = s.errors;
        let (s, _) = self
            .shared
            .changed
            .wait_timeout_while(s, timeout, |s| {
                s.answered < id && s.errors == errors_before && !s.finished
            })
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if s.answered >= id {
            return Ok(s.frame.clone());
        }
        match &s.error {
            Some(e) if s.errors != errors_before || s.finished => Err(e.clone()),
            _ if s.finished => Err("the media thread ended".into()),
            _ => Err(format!(
                "no frame after {:.1} s: the decoder is stuck",
                timeout.as_secs_f64()
            )),
        }
    }

    /// Waits up to `timeout` for a first frame (or an error, or the thread's end). Returns
    /// the newest.
    pub fn wait_frame(&self, timeout: Duration) -> Option<Arc<Frame>> {
        let s = self.shared.lock();
        let errors = s.errors;
        let (s, _) = self
            .shared
            .changed
            .wait_timeout_while(s, timeout, |s| {
                s.frame.is_none() && !s.finished && s.errors == errors
            })
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.frame.clone()
    }

    /// The newest frame, without waiting.
    pub fn latest(&self) -> Option<Arc<Frame>> {
        self.shared.lock().frame.clone()
    }

    /// Real time: the frame to show at `position` (nanoseconds from the first frame),
    /// without waiting — the newest decoded-ahead frame whose time has come (older ones are
    /// dropped), else the one shown before. Wakes the thread: there is room to decode.
    pub fn take_due(&self, position: u64) -> Option<Arc<Frame>> {
        let mut s = self.shared.lock();
        let at = position + s.origin + TOLERANCE;
        s.drop_superseded(at);
        if s.ahead.front().is_some_and(|f| f.pts <= at)
            && let Some(f) = s.ahead.pop_front()
        {
            s.taken = Some(f.pts);
            s.frame = Some(f.clone());
            drop(s);
            self.shared.changed.notify_all();
            return Some(f);
        }
        s.frame.clone()
    }
}

impl Drop for SourceThread {
    fn drop(&mut self) {
        self.shared.update(|s| s.stop = true);
        if let Some(t) = self.thread.take()
            && t.join().is_err()
        {
            log::error!("a media thread panicked");
        }
    }
}
