//! Reading and decoding a file on a thread of its own: an operator starts a [`Loading`] in
//! `prepare` and polls it there, frame after frame, without blocking the render thread
//! (or for at most [`Files::wait`](super::Files::wait) when the engine asks for
//! deterministic frames); until the result is there it keeps showing its last good state.
//!
//! A job that never ends (a file system that hangs) holds only its own thread; at most
//! [`MAX_RUNNING`] run at once, further loads are refused with an error until some end.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

/// Loads running at once, across the process.
pub const MAX_RUNNING: usize = 32;

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// Counts a running job for as long as it lives.
struct Running;

impl Running {
    fn start() -> Option<Self> {
        RUNNING
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < MAX_RUNNING).then_some(n + 1)
            })
            .ok()
            .map(|_| Self)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Loads running now (for tests and statistics).
#[must_use]
pub fn running() -> usize {
    RUNNING.load(Ordering::Acquire)
}

/// What [`Loading::poll`] found.
#[derive(Debug)]
pub enum Poll<T> {
    /// The job finished.
    Ready(T),
    /// The job failed: why (naming the file).
    Failed(String),
    /// Still running. `late` is set once when a frame waited the whole time it may wait
    /// for it: a message for the operator's error (`still reading X after 10 s`).
    Pending {
        /// The message, the first time the wait ran out.
        late: Option<String>,
    },
}

/// A file being read and decoded on another thread.
#[derive(Debug)]
pub struct Loading<T> {
    rx: Receiver<Result<T, String>>,
    path: PathBuf,
    started: Instant,
    /// The wait ran out once: never wait for this job again.
    waited_out: bool,
}

impl<T: Send + 'static> Loading<T> {
    /// Runs `job` (reading `path` and what it refers to, decoding it) on a thread of its
    /// own. Fails when [`MAX_RUNNING`] loads are still running (a file system that hangs).
    pub fn start(
        path: &Path,
        job: impl FnOnce() -> Result<T, String> + Send + 'static,
    ) -> Result<Self, String> {
        let running = Running::start().ok_or_else(|| {
            format!(
                "{}: not read: {MAX_RUNNING} files are still being read (is a file system hanging?)",
                path.display()
            )
        })?;
        let (tx, rx) = sync_channel(1);
        let shown = path.display().to_string();
        std::thread::Builder::new()
            .name("vivid-load".into())
            .spawn(move || {
                let _running = running;
                let result = std::panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|_| {
                    Err(format!("{shown}: internal error: reading it panicked"))
                });
                // The operator may have stopped waiting (a newer version, removed): fine.
                let _ = tx.send(result);
            })
            .map_err(|e| format!("{}: cannot start reading it ({e})", path.display()))?;
        Ok(Self {
            rx,
            path: path.to_path_buf(),
            started: Instant::now(),
            waited_out: false,
        })
    }
}

impl<T> Loading<T> {
    /// The file being read.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The result if it is there, waiting for it until `wait` has passed since the job
    /// started (zero: not at all). Once a wait ran out, later polls do not wait.
    pub fn poll(&mut self, wait: Duration) -> Poll<T> {
        let remaining = if self.waited_out {
            Duration::ZERO
        } else {
            wait.saturating_sub(self.started.elapsed())
        };
        let received = if remaining.is_zero() {
            self.rx.try_recv().map_err(|e| match e {
                TryRecvError::Empty => RecvTimeoutError::Timeout,
                TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
            })
        } else {
            self.rx.recv_timeout(remaining)
        };
        match received {
            Ok(Ok(value)) => Poll::Ready(value),
            Ok(Err(message)) => Poll::Failed(message),
            Err(RecvTimeoutError::Disconnected) => Poll::Failed(format!(
                "{}: the thread reading it stopped",
                self.path.display()
            )),
            Err(RecvTimeoutError::Timeout) => {
                let late = (!wait.is_zero() && !self.waited_out).then(|| {
                    self.waited_out = true;
                    format!(
                        "{}: still being read after {:.1} s (the last good version shows until it is)",
                        self.path.display(),
                        self.started.elapsed().as_secs_f64()
                    )
                });
                Poll::Pending { late }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn a_result_arrives_and_a_slow_job_is_late_once() {
        let mut quick = Loading::start(Path::new("a"), || Ok(7)).unwrap();
        assert!(matches!(quick.poll(Duration::from_secs(5)), Poll::Ready(7)));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let mut slow = Loading::start(Path::new("slow"), move || {
            let _ = rx.recv();
            Ok(1)
        })
        .unwrap();
        assert!(matches!(
            slow.poll(Duration::ZERO),
            Poll::Pending { late: None }
        ));
        let Poll::Pending { late: Some(m) } = slow.poll(Duration::from_millis(20)) else {
            panic!("late once");
        };
        assert!(m.contains("slow: still being read"), "{m}");
        // Waited out: no second wait, no second message.
        let t = Instant::now();
        assert!(matches!(
            slow.poll(Duration::from_secs(5)),
            Poll::Pending { late: None }
        ));
        assert!(t.elapsed() < Duration::from_secs(1));
        tx.send(()).unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        loop {
            match slow.poll(Duration::ZERO) {
                Poll::Ready(1) => break,
                Poll::Pending { .. } if Instant::now() < end => std::thread::yield_now(),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn a_panicking_job_is_a_failure() {
        let mut l = Loading::<u8>::start(Path::new("p"), || panic!("boom")).unwrap();
        let Poll::Failed(m) = l.poll(Duration::from_secs(5)) else {
            panic!("failed");
        };
        assert!(m.contains("panicked"), "{m}");
    }
}
