//! Undo and redo of the inspector's edits in this session (Ctrl+Z, Ctrl+Shift+Z).

use vivid_engine::params::RawValue;

/// Changes kept for undo.
const LIMIT: usize = 500;

/// One edit: a parameter went from `before` to `after` (chain.toml's syntax, expressions
/// as strings), and what "save" would write before and after it.
#[derive(Clone, Debug)]
pub(super) struct Change {
    pub(super) node: String,
    pub(super) param: String,
    pub(super) before: RawValue,
    pub(super) after: RawValue,
    pub(super) unsaved_before: Option<toml_edit::Value>,
    pub(super) unsaved_after: Option<toml_edit::Value>,
}

/// The edits done, and those undone (which a new edit forgets).
#[derive(Debug, Default)]
pub(super) struct History {
    done: Vec<Change>,
    undone: Vec<Change>,
}

impl History {
    /// Records `change`; with `merge`, into the last change when it is of the same
    /// parameter (one drag of a slider is one change).
    pub(super) fn push(&mut self, change: Change, merge: bool) {
        self.undone.clear();
        if merge
            && let Some(last) = self.done.last_mut()
            && last.node == change.node
            && last.param == change.param
        {
            last.after = change.after;
            last.unsaved_after = change.unsaved_after;
            return;
        }
        if self.done.len() == LIMIT {
            self.done.remove(0);
        }
        self.done.push(change);
    }

    /// The change to undo (moved to the undone ones).
    pub(super) fn undo(&mut self) -> Option<Change> {
        let c = self.done.pop()?;
        self.undone.push(c.clone());
        Some(c)
    }

    /// The change to redo (moved back to the done ones).
    pub(super) fn redo(&mut self) -> Option<Change> {
        let c = self.undone.pop()?;
        self.done.push(c.clone());
        Some(c)
    }

    /// (changes that can be undone, changes that can be redone).
    pub(super) fn depth(&self) -> (usize, usize) {
        (self.done.len(), self.undone.len())
    }

    /// The edits were saved: going back or forth from here is an edit to save again, each
    /// value written as `to_toml` gives it.
    pub(super) fn saved(&mut self, to_toml: impl Fn(&RawValue) -> toml_edit::Value) {
        for c in self.done.iter_mut().chain(&mut self.undone) {
            c.unsaved_before = Some(to_toml(&c.before));
            c.unsaved_after = Some(to_toml(&c.after));
        }
    }

    /// Forgets the changes of operators `keep` says no to (they left the chain).
    pub(super) fn forget(&mut self, keep: impl Fn(&str) -> bool) {
        self.done.retain(|c| keep(&c.node));
        self.undone.retain(|c| keep(&c.node));
    }
}
