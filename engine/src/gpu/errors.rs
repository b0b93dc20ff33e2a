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
    /// The injected failure, until an error scope (or the error log) takes it.
    pending: Mutex<Option<String>>,
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
        self.faults.depth.fetch_add(1, Ordering::Relaxed);
        let value = f();
        self.faults.depth.fetch_sub(1, Ordering::Relaxed);
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        let injected = self.faults.pending.lock().ok().and_then(|mut p| p.take());
        if let Some(e) = v {
            return Err(EngineError::Gpu {
                context: context.to_string(),
                message: e.to_string(),
            });
        }
        match o.map(|e| e.to_string()).or(injected) {
            Some(message) => Err(EngineError::OutOfMemory {
                context: context.to_string(),
                message,
            }),
            None => Ok(value),
        }
    }

    /// **For tests:** the `n`th object created from now on (1: the next one) fails, as an
    /// out-of-memory error reported by the innermost [`scoped`](Self::scoped) around it, or
    /// in the [`errors`](Self::errors) log when no scope is open (where wgpu would report
    /// it). The object itself is still made, as wgpu still returns a handle for a failed
    /// creation. `0` turns it off.
    pub fn fail_creation(&self, n: u64) {
        self.faults.countdown.store(n, Ordering::Relaxed);
    }

    /// How many creations [`fail_creation`](Self::fail_creation) has failed so far.
    #[must_use]
    pub fn injected_faults(&self) -> u64 {
        self.faults.injected.load(Ordering::Relaxed)
    }

    /// Fails the creation of a `kind` object named `label` if a fault is due
    /// ([`fail_creation`](Self::fail_creation)).
    pub(super) fn fail_if_due(&self, kind: ObjectKind, label: Option<&str>) {
        let f = &self.faults;
        let due = f
            .countdown
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok_and(|before| before == 1);
        if !due {
            return;
        }
        f.injected.fetch_add(1, Ordering::Relaxed);
        let message = format!(
            "Not enough memory left (injected fault: creating {} `{}`)",
            kind.name().trim_end_matches('s'),
            label.unwrap_or("")
        );
        if f.depth.load(Ordering::Relaxed) == 0 {
            log::error!("wgpu: {message}");
            self.errors.push(message);
        } else if let Ok(mut p) = f.pending.lock() {
            p.get_or_insert(message);
        }
    }
}
