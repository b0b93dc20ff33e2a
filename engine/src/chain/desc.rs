//! The chain as written: nodes, values and where each was written, and [`ChainBuilder`].

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::error::Diagnostic;
use crate::params::RawValue;

/// Keys every operator table accepts besides its parameters.
pub(crate) const COMMON_KEYS: [&str; 4] = ["type", "input", "inputs", "size"];

/// Top-level keys of chain.toml.
pub(crate) const TOP_LEVEL_KEYS: [&str; 5] = ["output", "size", "window", "bindings", "osc_out"];

/// Where a piece of a [`ChainDesc`] was written: a source (index into
/// [`ChainDesc::sources`]) and a byte range in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Loc {
    /// Index of the source text.
    pub source: usize,
    /// Byte range.
    pub range: Range<usize>,
}

/// A value and where it was written (if it was written anywhere).
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Its location.
    pub loc: Option<Loc>,
}

impl<T> Spanned<T> {
    /// A value with no location (built in code).
    pub fn bare(value: T) -> Self {
        Self { value, loc: None }
    }

    /// A value at `loc`.
    pub fn at(value: T, loc: Loc) -> Self {
        Self {
            value,
            loc: Some(loc),
        }
    }
}

/// One operator as written.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeDesc {
    /// Instance name (the table name), located at the table header.
    pub name: Spanned<String>,
    /// `type = "..."`, if given.
    pub type_name: Option<Spanned<String>>,
    /// `input` / `inputs`, located at each name.
    pub inputs: Vec<Spanned<String>>,
    /// Location of the `input`/`inputs` value as a whole.
    pub inputs_loc: Option<Loc>,
    /// `size = [w, h]`, if given.
    pub size: Option<Spanned<RawValue>>,
    /// Every other key: (key, value).
    pub params: Vec<(Spanned<String>, Spanned<RawValue>)>,
}

impl NodeDesc {
    /// A node of type `type_name` named `name`, with no location.
    #[must_use]
    pub fn new(name: &str, type_name: &str) -> Self {
        Self {
            name: Spanned::bare(name.to_string()),
            type_name: Some(Spanned::bare(type_name.to_string())),
            inputs: Vec::new(),
            inputs_loc: None,
            size: None,
            params: Vec::new(),
        }
    }

    /// Sets (or replaces) a parameter.
    pub fn set_param(&mut self, key: Spanned<String>, value: Spanned<RawValue>) {
        if key.value == "size" {
            self.size = Some(value);
        } else if let Some(p) = self.params.iter_mut().find(|(k, _)| k.value == key.value) {
            *p = (key, value);
        } else {
            self.params.push((key, value));
        }
    }
}

/// A chain as written, with its sources for diagnostics.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChainDesc {
    /// (path, text) of each source: chain.toml first, then one per `--set`.
    pub sources: Vec<(PathBuf, String)>,
    /// Top-level `output`.
    pub output: Option<Spanned<String>>,
    /// Top-level `size` (default resolution).
    pub size: Option<Spanned<RawValue>>,
    /// Operators in file order.
    pub nodes: Vec<NodeDesc>,
    /// `[[window]]` tables: the outputs (none: one window showing the output).
    pub outputs: Vec<super::OutputDesc>,
    /// `[bindings]`: sources driving parameters, in file order.
    pub bindings: Vec<super::BindingDesc>,
    /// `[osc_out]`: what to send over OSC and where (read by a host such as
    /// `vivid-control`; the engine itself sends nothing).
    pub osc_out: Option<super::OscOutDesc>,
    /// Problems found while reading the file (unknown top-level keys...).
    pub early: Vec<Diagnostic>,
}

/// Builds a chain in Rust code (for embedding).
///
/// ```
/// use vivid_engine::chain::ChainBuilder;
/// let desc = ChainBuilder::new()
///     .node("bg", "solid").param("color", [0.1f32, 0.1, 0.2])
///     .node("n", "noise").param("scale", "4 + sin(time)").size(640, 360)
///     .node("out", "composite").inputs(&["bg", "n"]).param("mode", "screen")
///     .output("out")
///     .build();
/// assert_eq!(desc.nodes.len(), 3);
/// ```
#[derive(Debug, Default)]
#[must_use]
pub struct ChainBuilder {
    desc: ChainDesc,
}

impl ChainBuilder {
    /// An empty chain.
    pub fn new() -> Self {
        let mut desc = ChainDesc::default();
        desc.sources.push((PathBuf::from("<code>"), String::new()));
        Self { desc }
    }

    /// Adds an operator; following calls configure it.
    pub fn node(mut self, name: &str, type_name: &str) -> Self {
        self.desc.nodes.push(NodeDesc::new(name, type_name));
        self
    }

    fn last(&mut self) -> Option<&mut NodeDesc> {
        self.desc.nodes.last_mut()
    }

    /// Sets a parameter of the last operator.
    pub fn param(mut self, name: &str, value: impl Into<RawValue>) -> Self {
        let v = value.into();
        if let Some(n) = self.last() {
            n.set_param(Spanned::bare(name.into()), Spanned::bare(v));
        }
        self
    }

    /// Connects one input to the last operator.
    pub fn input(self, name: &str) -> Self {
        self.inputs(&[name])
    }

    /// Connects inputs to the last operator.
    pub fn inputs(mut self, names: &[&str]) -> Self {
        if let Some(n) = self.last() {
            n.inputs = names
                .iter()
                .map(|s| Spanned::bare((*s).to_string()))
                .collect();
        }
        self
    }

    /// Sets the output size of the last operator.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        if let Some(n) = self.last() {
            n.size = Some(Spanned::bare(RawValue::Array(vec![
                RawValue::Int(i64::from(width)),
                RawValue::Int(i64::from(height)),
            ])));
        }
        self
    }

    /// Names the output operator.
    pub fn output(mut self, name: &str) -> Self {
        self.desc.output = Some(Spanned::bare(name.into()));
        self
    }

    /// The description (validate it with [`ChainDesc::validate`], or hand it to the engine).
    #[must_use]
    pub fn build(self) -> ChainDesc {
        self.desc
    }
}

impl ChainDesc {
    /// A diagnostic at `loc` (or about the first source when there is none).
    #[must_use]
    pub fn diag(&self, loc: Option<&Loc>, message: impl Into<String>) -> Diagnostic {
        if let Some((l, (path, text))) =
            loc.and_then(|l| self.sources.get(l.source).map(|s| (l, s)))
        {
            Diagnostic::at_span(path, text, l.range.clone(), message)
        } else {
            let path = self
                .sources
                .first()
                .map_or_else(|| PathBuf::from("<code>"), |s| s.0.clone());
            Diagnostic::file_level(path, message)
        }
    }

    /// The folder relative paths (custom shaders) are resolved from: chain.toml's.
    #[must_use]
    pub fn project_dir(&self) -> PathBuf {
        self.sources
            .first()
            .and_then(|(p, _)| p.parent())
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}
