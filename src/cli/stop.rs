//! Signals end a run cleanly: SIGINT (Ctrl-C), SIGTERM (systemd, `kill`, `timeout`) and
//! SIGHUP (a closed terminal) set a flag the runners check between frames — the run stops
//! after the frame being drawn and writes what it was asked to (`--snapshot`,
//! `--stats-json`), then exits 0. A second signal exits at once (status 128 + its number);
//! a run that has not ended [`GRACE`] after the first exits the same way.
//!
//! The handlers are `signal-hook`'s (a maintained crate: async-signal-safe registration,
//! signals delivered to an ordinary thread).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How long a run may take to end after the first signal.
pub const GRACE: Duration = Duration::from_secs(5);

/// The flag the signals set.
#[derive(Clone, Debug, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Whether a signal asked the run to end.
    #[must_use]
    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself (for the window runner).
    #[must_use]
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

/// Installs the handlers; the returned flag is set by the first signal. If they cannot be
/// installed the run goes on with the default handling (logged).
#[must_use]
pub fn install() -> Stop {
    let stop = Stop::default();
    #[cfg(unix)]
    if let Err(e) = listen(stop.0.clone()) {
        log::warn!("cannot handle signals ({e}): SIGINT and SIGTERM end vivid at once");
    }
    stop
}

#[cfg(unix)]
fn listen(flag: Arc<AtomicBool>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new()
        .name("vivid-signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let name = signal_name(signal);
                if flag.swap(true, Ordering::SeqCst) {
                    vivid::stderr_line!("vivid: {name} again: exiting now");
                    std::process::exit(128 + signal);
                }
                vivid::stderr_line!(
                    "vivid: {name}: stopping after this frame (send it again to exit at once)"
                );
                let _ = std::thread::Builder::new()
                    .name("vivid-stop-grace".into())
                    .spawn(move || {
                        std::thread::sleep(GRACE);
                        vivid::stderr_line!(
                            "vivid: still running {} s after {name}: exiting now",
                            GRACE.as_secs()
                        );
                        std::process::exit(128 + signal);
                    });
            }
        })?;
    Ok(())
}

#[cfg(unix)]
fn signal_name(signal: i32) -> &'static str {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}
