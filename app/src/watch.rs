//! `Watcher`: notify (debounced) → the set of files that changed, with when they changed.
//!
//! Folders are watched, not files: editors save by writing a temporary file and renaming it
//! over the old one, which a watch on the file itself would lose. Each folder is watched on
//! its own, not recursively, and never through a link: the runner watches the folders of
//! the files the chain uses ([`Live`](crate::live::Live)), so a link in the project to
//! `/usr` adds nothing, and a subfolder that cannot be read is no reason not to start. A
//! folder that cannot be watched is logged once and skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, TryRecvError, channel};
use std::time::{Duration, Instant};

use notify::RecursiveMode;
use notify::event::EventKind;
use notify_debouncer_full::{
    DebounceEventResult, Debouncer, RecommendedCache, new_debouncer_opt, notify::RecommendedWatcher,
};

use vivid_engine::{EngineError, Result};

/// How long after the last event of a burst the change is reported.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(30);

/// The most folders [`folders_under`] lists (a tree of built-in shaders has a handful).
pub const MAX_TREE_FOLDERS: usize = 256;

/// A file that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// The file (canonical where it still exists).
    pub path: PathBuf,
    /// When the first event about it was seen (before the debounce).
    pub first_seen: Instant,
}

/// Watches folders (each on its own, not recursively) and reports changed files.
pub struct Watcher {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    rx: Receiver<DebounceEventResult>,
    /// Watched now.
    folders: BTreeSet<PathBuf>,
    /// Could not be watched (logged once each).
    refused: BTreeSet<PathBuf>,
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("folders", &self.folders)
            .finish_non_exhaustive()
    }
}

impl Watcher {
    /// A watcher (watching nothing yet: [`watch_folders`](Self::watch_folders)) reporting
    /// after the given debounce time. Fails only if the system's file watching cannot start
    /// at all (`EngineError::Watch`).
    pub fn new(debounce: Duration) -> Result<Self> {
        let (tx, rx) = channel();
        let tick = (debounce / 4).max(Duration::from_millis(2));
        let config = notify::Config::default().with_follow_symlinks(false);
        let debouncer =
            new_debouncer_opt(debounce, Some(tick), tx, RecommendedCache::new(), config)
                .map_err(|e| EngineError::Watch(format!("cannot start watching files: {e}")))?;
        Ok(Self {
            debouncer,
            rx,
            folders: BTreeSet::new(),
            refused: BTreeSet::new(),
        })
    }

    /// Watches exactly `folders` (each resolved, on its own): starts the watches that are
    /// new, stops those no longer asked for. A folder that cannot be watched (it cannot be
    /// read, it is gone) is logged once and skipped; it is tried again at the next call.
    pub fn watch_folders(&mut self, folders: &[PathBuf]) {
        let wanted: BTreeSet<PathBuf> = folders
            .iter()
            .map(|d| d.canonicalize().unwrap_or_else(|_| d.clone()))
            .collect();
        let gone: Vec<PathBuf> = self.folders.difference(&wanted).cloned().collect();
        for dir in gone {
            let _ = self.debouncer.unwatch(&dir);
            self.folders.remove(&dir);
        }
        for dir in wanted {
            if self.folders.contains(&dir) {
                continue;
            }
            match self.debouncer.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.refused.remove(&dir);
                    self.folders.insert(dir);
                }
                Err(e) => {
                    if self.refused.insert(dir.clone()) {
                        log::warn!(
                            "not following changes in {}: {e} (vivid keeps running; saves there are not seen)",
                            dir.display()
                        );
                    }
                }
            }
        }
    }

    /// The folders watched now.
    #[must_use]
    pub fn folders(&self) -> Vec<PathBuf> {
        self.folders.iter().cloned().collect()
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

/// `root` and the folders under it, resolved, without following links and skipping what
/// cannot be read (at most [`MAX_TREE_FOLDERS`]): the folders to watch for a tree such as
/// the built-in shaders' `shaders/`.
#[must_use]
pub fn folders_under(root: &Path) -> Vec<PathBuf> {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut out = vec![root.clone()];
    let mut next = 0;
    while next < out.len() && out.len() < MAX_TREE_FOLDERS {
        let Ok(entries) = std::fs::read_dir(&out[next]) else {
            next += 1;
            continue;
        };
        next += 1;
        for entry in entries.flatten() {
            // `file_type` does not follow links: a link to a folder is not a folder here.
            if entry.file_type().is_ok_and(|t| t.is_dir()) && out.len() < MAX_TREE_FOLDERS {
                out.push(entry.path());
            }
        }
    }
    out
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
        let mut w = Watcher::new(Duration::from_millis(20)).expect("watch");
        w.watch_folders(&[dir.path().to_path_buf()]);
        // What editors do: write a temporary file, rename it over the original.
        let tmp = dir.path().join(".chain.toml.swp");
        std::fs::write(&tmp, "b").expect("write");
        std::fs::rename(&tmp, &file).expect("rename");
        let target = file.canonicalize().expect("exists");
        let seen = wait_for(&mut w, |c| c.iter().any(|c| c.path == target));
        assert!(seen.iter().any(|c| c.path == target));
    }

    #[cfg(unix)]
    #[test]
    fn a_tree_is_listed_without_following_links_and_a_missing_folder_is_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("mkdir");
        std::os::unix::fs::symlink("/usr", dir.path().join("usr")).expect("link");
        let folders = folders_under(dir.path());
        assert_eq!(folders.len(), 3, "{folders:?}");
        let mut w = Watcher::new(Duration::from_millis(20)).expect("watch");
        w.watch_folders(&[dir.path().to_path_buf(), dir.path().join("gone")]);
        assert_eq!(w.folders().len(), 1);
    }
}
