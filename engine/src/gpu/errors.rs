//! What goes wrong on the GPU: error scopes, the log of uncaptured errors, injected faults.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::{Gpu, ObjectKind};
use crate::error::{EngineError, Result};

/// Validation errors wgpu reported outside an error scope.
#[derive(Debug, Default)]
pub struct ErrorLog {
    messages: Mutex<Vec<String>>,
    count: AtomicU64,
}

impl ErrorLog {
    const KEEP: usize = 32;

    /// Logs `message` (keeping the last [`KEEP`](Self::KEEP)).
    pub(super) fn push(&self, message: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.messages.lock() {
            if m.len() >= Self::KEEP {
                m.remove(0);
            }
            m.push(message);
        }
    }

    /// How many uncaptured errors occurred.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The last messages (at most 32).
    #[must_use]
    pub fn recent(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Makes a chosen object creation fail (tests): see [`Gpu::fail_creation`].
#[derive(Debug, Default)]
pub(super) struct Faults {
    /// Creations left before the one that fails; 0: off.
    countdown: AtomicU64,
    /// The injected failure, with the depth of the scope it happened in, until that scope
    /// takes it (a scope nested in it, opened later, must not).
    pending: Mutex<Option<(u32, String)>>,
    /// Error scopes open now ([`Gpu::scoped`] nests).
    depth: AtomicU32,
    injected: AtomicU64,
}

impl Gpu {
    /// Errors wgpu reported outside error scopes.
    #[must_use]
    pub fn errors(&self) -> &ErrorLog {
        &self.errors
    }

    /// Runs `f` inside a validation + out-of-memory error scope and returns its first error:
    /// [`EngineError::Gpu`] for a validation error (the same call fails the same way
    /// again), [`EngineError::OutOfMemory`] for the transient kind (worth a retry).
    pub fn scoped<T>(&self, context: &str, f: impl FnOnce() -> T) -> Result<T> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let level = self.faults.depth.fetch_add(1, Ordering::Relaxed) + 1;
        let value = f();
        self.faults.depth.fetch_sub(1, Ordering::Relaxed);
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        let injected = self.take_injected(level);
        // An injected failure made an invalid object, and using it made validation errors:
        // they follow from the failure, which is reported as what it stands for.
        if let Some(message) = injected {
            return Err(EngineError::OutOfMemory {
                context: context.to_string(),
                message,
            });
        }
        if let Some(e) = v {
            return Err(EngineError::Gpu {
                context: context.to_string(),
                message: e.to_string(),
            });
        }
        match o.map(|e| e.to_string()) {
            Some(message) => Err(EngineError::OutOfMemory {
                context: context.to_string(),
                message,
            }),
            None => Ok(value),
        }
    }

    /// Runs `f` (which creates something to keep, e.g. in a cache) in an error scope of its
    /// own. Returns its value and, if it failed, the error; a failure is also passed on to
    /// the enclosing [`scoped`](Self::scoped) (so that the prepare around it fails as a
    /// whole), or logged in [`errors`](Self::errors) when none is open. Keep the value only
    /// if it succeeded: a failed creation is an invalid object.
    pub fn create_checked<T>(
        &self,
        context: &str,
        f: impl FnOnce() -> T,
    ) -> (T, Option<EngineError>) {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let level = self.faults.depth.fetch_add(1, Ordering::Relaxed) + 1;
        let value = f();
        self.faults.depth.fetch_sub(1, Ordering::Relaxed);
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        let injected = self.take_injected(level);
        let error = match (injected.or_else(|| o.map(|e| e.to_string())), v) {
            (Some(message), _) => EngineError::OutOfMemory {
                context: context.to_string(),
                message,
            },
            (None, Some(e)) => EngineError::Gpu {
                context: context.to_string(),
                message: e.to_string(),
            },
            (None, None) => return (value, None),
        };
        self.report(error.to_string());
        (value, Some(error))
    }

    /// Reports a creation's failure where it belongs: to the innermost open
    /// [`scoped`](Self::scoped) (whose caller then fails), else to the error log.
    pub(crate) fn report(&self, message: String) {
        let f = &self.faults;
        let depth = f.depth.load(Ordering::Relaxed);
        if depth == 0 {
            log::error!("wgpu: {message}");
            self.errors.push(message);
        } else if let Ok(mut p) = f.pending.lock() {
            p.get_or_insert((depth, message));
        }
    }

    /// The failure reported in the scope at `level` (or deeper), if any.
    fn take_injected(&self, level: u32) -> Option<String> {
        let mut p = self.faults.pending.lock().ok()?;
        if p.as_ref().is_some_and(|(at, _)| *at >= level) {
            p.take().map(|(_, m)| m)
        } else {
            None
        }
    }

    /// **For tests:** the `n`th object created from now on (1: the next one) fails, as an
    /// out-of-memory error reported by the innermost [`scoped`](Self::scoped) around it, or
    /// in the [`errors`](Self::errors) log when no scope is open (where wgpu would report
    /// it). The constructor returns an invalid object, as wgpu does for a failed creation:
    /// code that ignores the failure and uses it gets errors (and no pixels), as it would
    /// on a real device out of memory. `0` turns it off.
    pub fn fail_creation(&self, n: u64) {
        self.faults.countdown.store(n, Ordering::Relaxed);
    }

    pub(super) fn faults_injected(&self) -> u64 {
        self.faults.injected.load(Ordering::Relaxed)
    }

    /// How many creations [`fail_creation`](Self::fail_creation) has failed so far.
    #[must_use]
    pub fn injected_faults(&self) -> u64 {
        self.faults.injected.load(Ordering::Relaxed)
    }

    /// Fails the creation of a `kind` object named `label` if a fault is due
    /// ([`fail_creation`](Self::fail_creation)); returns whether it did (the caller makes
    /// an invalid object).
    pub(super) fn fail_if_due(&self, kind: ObjectKind, label: Option<&str>) -> bool {
        let f = &self.faults;
        let due = f
            .countdown
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok_and(|before| before == 1);
        if !due {
            return false;
        }
        f.injected.fetch_add(1, Ordering::Relaxed);
        let message = format!(
            "Not enough memory left (injected fault: creating {} `{}`)",
            kind.name().trim_end_matches('s'),
            label.unwrap_or("")
        );
        self.report(message);
        true
    }
}
