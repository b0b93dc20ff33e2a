//! The variables expressions read: their names ([`Variables`], a registry hosts extend) and
//! one frame's values ([`ExprVars`]).

use std::borrow::Cow;

/// The names expressions may read, each at a fixed slot.
///
/// Every chain can read `time`, `frame` and `delta`; a host adds its own by name
/// ([`add`](Self::add): `audio.bass`, `osc.fader1`, `bpm`) before the chain is validated,
/// and sets their values each frame through [`ExprVars::set`]. The evaluator knows nothing of
/// the names: an expression holds slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variables {
    /// (name, one-line documentation), by slot.
    names: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    /// Open namespaces, (prefix, documentation): any `prefix.name` a chain reads is added
    /// when the chain is loaded ([`declare_in`](Self::declare_in)), `osc.fader1` before
    /// the first packet for `/fader1` arrives.
    namespaces: Vec<(Cow<'static, str>, Cow<'static, str>)>,
}

/// The most variables a registry holds (namespaced names a chain declares included).
pub const MAX_VARIABLES: usize = 1 << 16;

impl Default for Variables {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Variables {
    /// Slot of `time`: seconds since the start (or `frame / fps` with a fixed step).
    pub const TIME: usize = 0;
    /// Slot of `frame`: the frame index, from 0.
    pub const FRAME: usize = 1;
    /// Slot of `delta`: seconds since the previous frame (0 at the first).
    pub const DELTA: usize = 2;

    /// `time`, `frame` and `delta`.
    #[must_use]
    pub fn builtin() -> Self {
        Self {
            names: vec![
                (
                    "time".into(),
                    "seconds since the start (frame / fps with a fixed step)".into(),
                ),
                ("frame".into(), "the frame index, from 0".into()),
                (
                    "delta".into(),
                    "seconds since the previous frame (0 at the first)".into(),
                ),
            ],
            namespaces: Vec::new(),
        }
    }

    /// Adds variable `name` (letters, digits and `_`, dotted parts allowed: `audio.bass`)
    /// and returns its slot; a name already there keeps its slot. Refuses names that are
    /// not identifiers, or that name a function or a constant.
    pub fn add(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        doc: impl Into<Cow<'static, str>>,
    ) -> Result<usize, String> {
        let name = name.into();
        if let Some(slot) = self.slot(&name) {
            return Ok(slot);
        }
        if !is_variable_name(&name) {
            return Err(format!(
                "`{name}` is not a variable name: letters, digits and `_`, parts joined by `.` (e.g. `audio.bass`)"
            ));
        }
        if super::funcs::lookup(&name).is_some() || super::funcs::constant(&name).is_some() {
            return Err(format!(
                "`{name}` is a function or a constant of expressions"
            ));
        }
        if self.names.len() >= MAX_VARIABLES {
            return Err(format!(
                "`{name}`: there are already {MAX_VARIABLES} variables, the most there can be"
            ));
        }
        self.names.push((name, doc.into()));
        Ok(self.names.len() - 1)
    }

    /// Opens namespace `prefix` (`osc`, `midi`): every variable `prefix.anything` a chain
    /// reads is added when the chain is loaded ([`declare_in`](Self::declare_in)), at 0
    /// until the host sets it. Refuses a prefix that is not a variable name.
    pub fn add_namespace(
        &mut self,
        prefix: impl Into<Cow<'static, str>>,
        doc: impl Into<Cow<'static, str>>,
    ) -> Result<(), String> {
        let prefix = prefix.into();
        if !is_variable_name(&prefix) {
            return Err(format!(
                "`{prefix}` is not a namespace: write it as `osc` or `audio.fx`"
            ));
        }
        if !self.namespaces.iter().any(|(p, _)| *p == prefix) {
            self.namespaces.push((prefix, doc.into()));
        }
        Ok(())
    }

    /// The namespace `name` is in, if any (`osc` for `osc.fader1`).
    #[must_use]
    pub fn namespace_of(&self, name: &str) -> Option<&str> {
        self.namespaces.iter().map(|(p, _)| p.as_ref()).find(|p| {
            name.len() > p.len() + 1 && name.starts_with(p) && name.as_bytes()[p.len()] == b'.'
        })
    }

    /// Every open namespace, (prefix, documentation).
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &str)> {
        self.namespaces
            .iter()
            .map(|(n, d)| (n.as_ref(), d.as_ref()))
    }

    /// Adds every name of an open namespace that expression `text` reads and that is not
    /// there yet; returns how many were added. Text that does not parse adds what it can
    /// (the parser reports the rest).
    pub fn declare_in(&mut self, text: &str) -> usize {
        if self.namespaces.is_empty() {
            return 0;
        }
        let mut added = 0;
        for word in identifiers(text) {
            if self.slot(word).is_none()
                && is_variable_name(word)
                && let Some(ns) = self.namespace_of(word)
            {
                let doc = format!("in namespace `{ns}`");
                if self.add(word.to_string(), doc).is_ok() {
                    added += 1;
                }
            }
        }
        added
    }

    /// The slot of variable `name`.
    #[must_use]
    pub fn slot(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|(n, _)| n == name)
    }

    /// The name at `slot`.
    #[must_use]
    pub fn name(&self, slot: usize) -> Option<&str> {
        self.names.get(slot).map(|(n, _)| n.as_ref())
    }

    /// Every name, by slot.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(|(n, _)| n.as_ref())
    }

    /// Every (name, documentation), by slot.
    pub fn docs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().map(|(n, d)| (n.as_ref(), d.as_ref()))
    }

    /// How many there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Never: the built-in ones are always there.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// The words of expression text that may be names: runs of letters, digits, `_` and `.`
/// that start with a letter or `_` (numbers such as `1.5e3` are skipped whole).
fn identifiers(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let start = i;
            let c = bytes[i];
            let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
            if word(c) {
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
                if c.is_ascii_alphabetic() || c == b'_' {
                    return text.get(start..i);
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

/// Whether `s` is `ident(.ident)*`, each `ident` a letter or `_` then letters, digits, `_`.
fn is_variable_name(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// The values of the variables for one frame, by slot ([`Variables`]). Made once with
/// room for every variable; setting values allocates nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprVars {
    values: Vec<f64>,
}

impl Default for ExprVars {
    fn default() -> Self {
        Self::new(&Variables::builtin())
    }
}

impl ExprVars {
    /// Every variable of `vars` at 0.
    #[must_use]
    pub fn new(vars: &Variables) -> Self {
        Self {
            values: vec![0.0; vars.len()],
        }
    }

    /// The built-in variables at `time` seconds and frame `frame` (`delta` 0).
    #[must_use]
    pub fn at(time: f64, frame: f64) -> Self {
        let mut v = Self::default();
        v.set_time(time, frame, 0.0);
        v
    }

    /// Sets `time`, `frame` and `delta`.
    pub fn set_time(&mut self, time: f64, frame: f64, delta: f64) {
        self.set(Variables::TIME, time);
        self.set(Variables::FRAME, frame);
        self.set(Variables::DELTA, delta);
    }

    /// Sets the variable at `slot` (a slot beyond those made is ignored: see
    /// [`resize`](Self::resize)).
    pub fn set(&mut self, slot: usize, value: f64) {
        if let Some(v) = self.values.get_mut(slot) {
            *v = value;
        }
    }

    /// The value at `slot` (0 for a slot beyond those made).
    #[must_use]
    pub fn get(&self, slot: usize) -> f64 {
        self.values.get(slot).copied().unwrap_or(0.0)
    }

    /// Makes room for every variable of `vars` (new ones at 0): after [`Variables::add`].
    pub fn resize(&mut self, vars: &Variables) {
        self.values.resize(vars.len(), 0.0);
    }
}
