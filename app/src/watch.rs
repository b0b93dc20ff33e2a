//! `Watcher`: notify (debounced) → the set of files that changed, with when they changed.
//!
//! Directories are watched, not files: editors save by writing a temporary file and
//! renaming it over the old one, which a watch on the file itself would lose.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify::event::EventKind;
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, RecommendedCache, new_debouncer, notify::RecommendedWatcher,
};

use vivid_engine::{EngineError, Result};

/// How long after the last event of a burst the change is reported.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);

/// A file that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The file (canonical where it still exists).
    pub path: PathBuf,
    /// When the first event about it was seen (before the debounce).
    pub first_seen: Instant,
}

/// Watches folders and reports changed files.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    rx: Receiver<DebounceEventResult>,
    roots: Vec<PathBuf>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// Watches `dirs` (recursively) with the given debounce time.
    pub fn new(dirs: &[PathBuf], debounce: Duration) -> Result<Self> {
        let (tx, rx) = channel();
        let tick = (debounce / 4).max(Duration::from_millis(2));
        let mut debouncer =
            new_debouncer(debounce, Some(tick), tx).map_err(|e| watch_error(None, &e))?;
        let mut roots = Vec::new();
        for dir in dirs {
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            debouncer
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| watch_error(Some(&dir), &e))?;
            roots.push(dir);
        }
        Ok(Self {
            debouncer,
            rx,
            roots,
        })
    }

    /// The watched folders.
    #[must_use]
    pub fn roots(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Changes reported since the last call (never blocks). Several events about one file
    /// are one change, with the earliest time.
    pub fn poll(&mut self) -> Vec<Change> {
        let mut changed: BTreeMap<PathBuf, Instant> = BTreeMap::new();
        loop {
            match self.rx.try_recv() {
                Ok(Ok(events)) => {
                    for e in events {
                        if matches!(e.event.kind, EventKind::Access(_)) {
                            continue;
                        }
                        for p in &e.event.paths {
                            let at = changed.entry(p.clone()).or_insert(e.time);
                            *at = (*at).min(e.time);
                        }
                    }
                }
                Ok(Err(errors)) => {
                    for e in errors {
                        log::warn!("file watcher: {e}");
                    }
                }
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        changed
            .into_iter()
            .map(|(path, first_seen)| Change {
                path: path.canonicalize().unwrap_or(path),
                first_seen,
            })
            .collect()
    }

    /// Stops watching (also happens on drop).
    pub fn stop(self) {
        self.debouncer.stop();
    }
}

fn watch_error(dir: Option<&Path>, e: &notify::Error) -> EngineError {
    let what = dir.map_or_else(
        || "starting the file watcher".to_string(),
        |d| format!("watching {}", d.display()),
    );
    EngineError::Surface(format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Polls until `pred` holds for the changes seen, or 5 s pass.
    fn wait_for(w: &mut Watcher, pred: impl Fn(&[Change]) -> bool) -> Vec<Change> {
        let end = Instant::now() + Duration::from_secs(5);
        let mut all = Vec::new();
        while Instant::now() < end {
            all.extend(w.poll());
            if pred(&all) {
                return all;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("timed out; saw {all:?}");
    }

    #[test]
    fn a_save_by_rename_is_seen_as_a_change_of_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("chain.toml");
        std::fs::write(&file, "a").expect("write");
        let mut w =
            Watcher::new(&[dir.path().to_path_buf()], Duration::from_millis(20)).expect("watch");
        // What editors do: write a temporary file, rename it over the original.
        let tmp = dir.path().join(".chain.toml.swp");
        std::fs::write(&tmp, "b").expect("write");
        std::fs::rename(&tmp, &file).expect("rename");
        let target = file.canonicalize().expect("exists");
        let seen = wait_for(&mut w, |c| c.iter().any(|c| c.path == target));
        assert!(seen.iter().any(|c| c.path == target));
    }
}
