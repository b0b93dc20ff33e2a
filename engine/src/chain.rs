//! Chain: named nodes, their inputs, topological order and validation.
//!
//! A [`ChainDesc`] is what the user wrote (chain.toml, `--set`, or Rust code through
//! [`ChainBuilder`]), with the source location of every piece. [`ChainDesc::validate`]
//! checks it against the [`Registry`] and gives a [`ChainSpec`] — or every problem found,
//! each with `file:line:col` and a hint.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Diagnostic, Diagnostics, EngineError, did_you_mean};
use crate::operator::{Interface, MAX_INPUTS, OperatorInfo, Registry};
use crate::params::{FileKind, ParamKind, ParamSource, ParamValue, RawValue};
use crate::scene::SceneKind;
use crate::shaders::ShaderLibrary;

/// Keys every operator table accepts besides its parameters.
pub(crate) const COMMON_KEYS: [&str; 4] = ["type", "input", "inputs", "size"];

/// Top-level keys of chain.toml.
pub(crate) const TOP_LEVEL_KEYS: [&str; 2] = ["output", "size"];

/// Resolution of operators that have neither `size` nor an input.
pub(crate) const DEFAULT_SIZE: [u32; 2] = [1280, 720];

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
    /// Problems found while reading the file (unknown top-level keys...).
    pub early: Vec<Diagnostic>,
}

/// A validated operator.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Instance name.
    pub name: String,
    /// Its type.
    pub info: Arc<OperatorInfo>,
    /// Names of its inputs, in order.
    pub inputs: Vec<String>,
    /// Explicit output size.
    pub size: Option<[u32; 2]>,
    /// The size its file gives it when `size` is not given: the pixel size of the picture an
    /// image file parameter names ([`FileKind::Image`]).
    pub natural_size: Option<[u32; 2]>,
    /// Parameters given explicitly: (index into `info.params`, source).
    pub params: Vec<(usize, ParamSource)>,
    /// Per parameter (by index): the nodes a reference parameter names (`camera`,
    /// `meshes`...), as indices into [`ChainSpec::nodes`]; empty for other parameters.
    pub refs: Vec<Vec<usize>>,
}

impl NodeSpec {
    /// Whether it is a scene node (no output texture).
    #[must_use]
    pub fn is_scene(&self) -> bool {
        self.info.scene.is_some()
    }
}

/// A validated chain.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    /// Operators in file order.
    pub nodes: Vec<NodeSpec>,
    /// Indices of `nodes` in an order where inputs come first.
    pub order: Vec<usize>,
    /// Index of the output node.
    pub output: usize,
    /// Resolution of nodes without `size` and inputs.
    pub default_size: [u32; 2],
}

impl ChainSpec {
    /// Index of the node named `name`.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Output size of every node (by index), from `size`, its file (an image's pixel
    /// size), the first input, or the default.
    #[must_use]
    pub fn sizes(&self) -> Vec<[u32; 2]> {
        let mut sizes = vec![self.default_size; self.nodes.len()];
        for &i in &self.order {
            let n = &self.nodes[i];
            sizes[i] = match (n.size.or(n.natural_size), n.inputs.first()) {
                _ if n.info.scene.is_some() => [0, 0],
                (Some(s), _) => s,
                (None, Some(first)) => self.index_of(first).map_or(self.default_size, |j| sizes[j]),
                (None, None) => self.default_size,
            };
        }
        sizes
    }

    /// Scales every explicit size (and the default, and the sizes files give, which become
    /// explicit) so that the output becomes `target`.
    /// Relative sizes inside the chain are kept; `--size` uses this.
    pub fn fit_output_to(&mut self, target: [u32; 2]) {
        let natural = self.sizes()[self.output];
        let sx = f64::from(target[0]) / f64::from(natural[0].max(1));
        let sy = f64::from(target[1]) / f64::from(natural[1].max(1));
        let scale = |s: [u32; 2]| -> [u32; 2] {
            [
                ((f64::from(s[0]) * sx).round() as u32).max(1),
                ((f64::from(s[1]) * sy).round() as u32).max(1),
            ]
        };
        for n in &mut self.nodes {
            // A size a file gave becomes explicit: a new version of the file with other
            // dimensions is then fitted into it, and `target` holds.
            n.size = n.size.or(n.natural_size).map(scale);
        }
        self.default_size = scale(self.default_size);
    }
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

    /// Checks everything against `registry` (and sizes against `max_side`).
    pub fn validate(&self, registry: &Registry, max_side: u32) -> Result<ChainSpec, Diagnostics> {
        self.validate_with(registry, max_side, &ShaderLibrary::new())
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

    /// [`validate`](Self::validate), compiling custom shaders with `shaders` (its common
    /// helpers may come from disk).
    pub fn validate_with(
        &self,
        registry: &Registry,
        max_side: u32,
        shaders: &ShaderLibrary,
    ) -> Result<ChainSpec, Diagnostics> {
        let mut errs: Vec<Diagnostic> = self.early.clone();
        if self.nodes.is_empty() {
            if errs.is_empty() {
                errs.push(self.diag(None, "the chain is empty: it has no operators").with_hint(
                    "add a table such as `[noise]` with `type = \"noise\"`, and `output = \"noise\"` at the top",
                ));
            }
            return Err(Diagnostics(errs));
        }
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if index.insert(n.name.value.as_str(), i).is_some() {
                errs.push(self.diag(
                    n.name.loc.as_ref(),
                    format!("operator `{}` is defined twice", n.name.value),
                ));
            }
        }
        let names: Vec<&str> = self.nodes.iter().map(|n| n.name.value.as_str()).collect();
        // What each name is: a scene node's kind, `None` for an image operator (absent when
        // its type is unknown: that is reported once, at its `type`).
        let kinds: HashMap<&str, Option<SceneKind>> = self
            .nodes
            .iter()
            .filter_map(|n| {
                let t = n.type_name.as_ref()?;
                let info = registry.info(&t.value)?;
                Some((n.name.value.as_str(), info.scene))
            })
            .collect();
        let default_size = match &self.size {
            Some(s) => match parse_size(&s.value, max_side) {
                Ok(v) => v,
                Err(m) => {
                    errs.push(self.diag(s.loc.as_ref(), format!("top-level `size`: {m}")));
                    DEFAULT_SIZE
                }
            },
            None => DEFAULT_SIZE,
        };

        let mut nodes = Vec::with_capacity(self.nodes.len());
        for n in &self.nodes {
            let cx = NodeCx {
                registry,
                index: &index,
                names: &names,
                kinds: &kinds,
                max_side,
                shaders,
            };
            if let Some(spec) = self.validate_node(n, &cx, &mut errs) {
                nodes.push(spec);
            }
        }

        let output = match &self.output {
            Some(o) => {
                if let Some(Some(k)) = kinds.get(o.value.as_str()) {
                    errs.push(
                        self.diag(
                            o.loc.as_ref(),
                            format!(
                                "`output` names `{}`, a {}, which makes no image",
                                o.value,
                                k.name()
                            ),
                        )
                        .with_hint("show a `render3d` that draws it: `output = \"render\"`"),
                    );
                    None
                } else if let Some(&i) = index.get(o.value.as_str()) {
                    Some(i)
                } else {
                    let mut d = self.diag(
                        o.loc.as_ref(),
                        format!(
                            "`output` names `{}`, which is not an operator in this chain",
                            o.value
                        ),
                    );
                    if let Some(h) = did_you_mean(&o.value, names.iter().copied()) {
                        d = d.with_hint(h);
                    }
                    errs.push(d);
                    None
                }
            }
            // Without `output`, the last image operator in the file is shown.
            None => Some(
                self.nodes
                    .iter()
                    .rposition(|n| !matches!(kinds.get(n.name.value.as_str()), Some(Some(_))))
                    .unwrap_or(self.nodes.len() - 1),
            ),
        };

        if errs.is_empty()
            && let Err(cycle) = topological_order(&nodes_inputs(&nodes, &index))
        {
            let names_in_cycle: Vec<&str> = cycle.iter().map(|&i| names[i]).collect();
            let first = &self.nodes[cycle[0]];
            let loc = first
                .inputs
                .iter()
                .find(|s| cycle.get(1).is_some_and(|&j| s.value == names[j]))
                .and_then(|s| s.loc.as_ref())
                .or(first.inputs_loc.as_ref());
            let mut path = names_in_cycle.join(" -> ");
            path.push_str(" -> ");
            path.push_str(names_in_cycle[0]);
            errs.push(self.diag(loc, format!("the chain has a cycle: {path}")).with_hint(
                    "an operator cannot depend on its own output; use a `feedback` operator to read the previous frame",
                ));
        }
        if !errs.is_empty() {
            return Err(Diagnostics(errs));
        }
        let inputs = nodes_inputs(&nodes, &index);
        let order = topological_order(&inputs).unwrap_or_default();
        Ok(ChainSpec {
            nodes,
            order,
            output: output.unwrap_or(0),
            default_size,
        })
    }

    fn validate_node(
        &self,
        n: &NodeDesc,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<NodeSpec> {
        let NodeCx {
            registry,
            index,
            names,
            kinds,
            max_side,
            shaders,
        } = *cx;
        let name = &n.name.value;
        let Some(type_name) = &n.type_name else {
            errs.push(
                self.diag(
                    n.name.loc.as_ref(),
                    format!("operator `{name}` has no `type`"),
                )
                .with_hint(format!(
                    "add `type = \"...\"`; types: {}",
                    registry.names().collect::<Vec<_>>().join(", ")
                )),
            );
            return None;
        };
        let Some(info) = registry.info(&type_name.value) else {
            let mut d = self.diag(
                type_name.loc.as_ref(),
                format!("unknown operator type `{}`", type_name.value),
            );
            d = match did_you_mean(&type_name.value, registry.names()) {
                Some(h) => d.with_hint(h),
                None => d.with_hint("`vivid operators` lists the types"),
            };
            errs.push(d);
            return None;
        };
        let info = match self.resolve_interface(n, info, registry, shaders) {
            Ok(info) => info,
            Err(ds) => {
                errs.extend(ds);
                return None;
            }
        };
        let info = &info;
        let before = errs.len();
        // Inputs.
        for s in &n.inputs {
            if let Some(Some(k)) = kinds.get(s.value.as_str()) {
                errs.push(
                    self.diag(
                        s.loc.as_ref(),
                        format!(
                            "`{name}` takes input `{}`, a {}: inputs are images",
                            s.value,
                            k.name()
                        ),
                    )
                    .with_hint("a `render3d` draws scene objects: `camera = \"...\"`, `meshes = [...]`, `lights = [...]`"),
                );
            } else if !index.contains_key(s.value.as_str()) {
                let mut d = self.diag(
                    s.loc.as_ref(),
                    format!(
                        "`{name}` takes input `{}`, which is not an operator in this chain",
                        s.value
                    ),
                );
                if let Some(h) = did_you_mean(&s.value, names.iter().copied().filter(|x| x != name))
                {
                    d = d.with_hint(h);
                }
                errs.push(d);
            }
        }
        let count = n.inputs.len();
        let spec = info.inputs;
        if let Some(k) = info.scene
            && count > 0
        {
            let loc = n.inputs_loc.as_ref().or(n.name.loc.as_ref());
            errs.push(
                self.diag(
                    loc,
                    format!("`{name}` is a {} and takes no input", k.name()),
                )
                .with_hint("remove `input`/`inputs`"),
            );
        } else if count < spec.min || count > spec.max.min(MAX_INPUTS) {
            let loc = n.inputs_loc.as_ref().or(n.name.loc.as_ref());
            let msg = if spec.max == 0 {
                format!(
                    "`{name}` ({}) is a generator and takes no input, found {count}",
                    info.name
                )
            } else if count < spec.min {
                format!(
                    "`{name}` ({}) needs {} input{}, found {count}",
                    info.name,
                    if spec.min == spec.max {
                        spec.min.to_string()
                    } else {
                        format!("at least {}", spec.min)
                    },
                    if spec.min == 1 { "" } else { "s" }
                )
            } else {
                format!(
                    "`{name}` ({}) takes at most {} inputs, found {count}",
                    info.name,
                    spec.max.min(MAX_INPUTS)
                )
            };
            let hint = if count < spec.min {
                if spec.max == 1 {
                    "add `input = \"name\"`"
                } else {
                    "add `inputs = [\"a\", \"b\"]`"
                }
            } else {
                "chain several operators"
            };
            errs.push(self.diag(loc, msg).with_hint(hint));
        }
        // Size: a scene node's own `size` parameter (a box's), else the output size.
        let own_size = info.scene.is_some() && info.params.iter().any(|p| p.name == "size");
        let size_param = n.size.as_ref().filter(|_| own_size).map(|v| {
            (
                Spanned {
                    value: "size".to_string(),
                    loc: v.loc.clone(),
                },
                v.clone(),
            )
        });
        if let (Some(k), Some(s), false) = (info.scene, &n.size, own_size) {
            errs.push(
                self.diag(
                    s.loc.as_ref(),
                    format!("`{name}` is a {}: it has no size", k.name()),
                )
                .with_hint("give `size` to the `render3d` that draws it"),
            );
        }
        let size = n
            .size
            .as_ref()
            .filter(|_| info.scene.is_none())
            .and_then(|s| match parse_size(&s.value, max_side) {
                Ok(v) => Some(v),
                Err(m) => {
                    errs.push(self.diag(s.loc.as_ref(), format!("`{name}.size`: {m}")));
                    None
                }
            });
        // Parameters.
        let mut params = Vec::new();
        let mut natural_size = None;
        let mut refs: Vec<Vec<usize>> = Vec::new();
        for (key, value) in n.params.iter().chain(size_param.as_ref()) {
            let Some(i) = info.params.iter().position(|p| p.name == key.value) else {
                let candidates = info
                    .params
                    .iter()
                    .map(|p| p.name.as_ref())
                    .chain(COMMON_KEYS);
                let mut d = self.diag(
                    key.loc.as_ref(),
                    format!(
                        "unknown parameter `{}` for `{name}` (type {})",
                        key.value, info.name
                    ),
                );
                d = match did_you_mean(&key.value, candidates) {
                    Some(h) => d.with_hint(h),
                    None => d.with_hint(format!(
                        "`{}` has: {}",
                        info.name,
                        info.params
                            .iter()
                            .map(|p| p.name.as_ref())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
                errs.push(d);
                continue;
            };
            match info.params[i].parse(&value.value) {
                Ok(ParamSource::Const(ParamValue::Text(file)))
                    if matches!(info.params[i].kind, ParamKind::File(_)) && !file.is_empty() =>
                {
                    let ParamKind::File(kind) = info.params[i].kind else {
                        continue;
                    };
                    match self.resolve_file(n, &key.value, value, kind, &file) {
                        Ok(path) => {
                            if kind == FileKind::Image {
                                match image_pixel_size(Path::new(&path), max_side) {
                                    Ok(s) => natural_size = natural_size.or(Some(s)),
                                    Err(m) => errs.push(self.diag(
                                        value.loc.as_ref(),
                                        format!("`{name}.{}`: {m}", key.value),
                                    )),
                                }
                            }
                            params.push((i, ParamSource::Const(ParamValue::Text(path))));
                        }
                        Err(d) => errs.push(d),
                    }
                }
                Ok(src) => {
                    if let (ParamKind::Node(k) | ParamKind::Nodes(k), ParamSource::Const(v)) =
                        (info.params[i].kind, &src)
                    {
                        let named = self.resolve_refs(n, value, k, v, cx, errs);
                        refs.resize(info.params.len(), Vec::new());
                        refs[i] = named;
                    }
                    params.push((i, src));
                }
                Err(e) => {
                    let mut d = self.diag(value.loc.as_ref(), format!("`{name}`: {}", e.message));
                    if let Some(h) = e.hint {
                        d = d.with_hint(h);
                    }
                    errs.push(d);
                }
            }
        }
        (errs.len() == before).then(|| NodeSpec {
            name: name.clone(),
            info: info.clone(),
            inputs: n.inputs.iter().map(|s| s.value.clone()).collect(),
            size,
            natural_size: natural_size.filter(|_| info.scene.is_none()),
            params,
            refs,
        })
    }

    /// The node indices a reference parameter's value names; wrong names are reported at
    /// the name itself when it can be found in the source.
    fn resolve_refs(
        &self,
        n: &NodeDesc,
        value: &Spanned<RawValue>,
        kind: SceneKind,
        v: &ParamValue,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Vec<usize> {
        let names: &[String] = match v {
            ParamValue::Text(s) if s.is_empty() => &[],
            ParamValue::Text(s) => std::slice::from_ref(s),
            ParamValue::List(l) => l,
            _ => &[],
        };
        let mut out = Vec::with_capacity(names.len());
        for target in names {
            let loc = self.narrow(value.loc.as_ref(), &format!("\"{target}\""));
            match cx.kinds.get(target.as_str()) {
                Some(Some(k)) if *k == kind => {
                    if let Some(&i) = cx.index.get(target.as_str()) {
                        out.push(i);
                    }
                }
                Some(Some(k)) => errs.push(self.diag(
                    loc.as_ref(),
                    format!(
                        "`{}` names `{target}`, a {}, where a {} is expected",
                        n.name.value,
                        k.name(),
                        kind.name()
                    ),
                )),
                Some(None) => errs.push(self.diag(
                    loc.as_ref(),
                    format!(
                        "`{}` names `{target}`, an image operator, where a {} is expected",
                        n.name.value,
                        kind.name()
                    ),
                )),
                // Its type is unknown: reported at its `type`.
                None if cx.index.contains_key(target.as_str()) => {}
                None => {
                    let candidates = cx
                        .kinds
                        .iter()
                        .filter(|(_, k)| **k == Some(kind))
                        .map(|(name, _)| *name);
                    let mut d = self.diag(
                        loc.as_ref(),
                        format!(
                            "`{}` names {} `{target}`, which is not in this chain",
                            n.name.value,
                            kind.name()
                        ),
                    );
                    d = match did_you_mean(target, candidates) {
                        Some(h) => d.with_hint(h),
                        None => d.with_hint(format!(
                            "add a table `[{target}]` with `type = \"{}\"`",
                            match kind {
                                SceneKind::Camera => "camera",
                                SceneKind::Mesh => "mesh",
                                SceneKind::Light => "point_light",
                            }
                        )),
                    };
                    errs.push(d);
                }
            }
        }
        out
    }

    /// The path of a file parameter's value, resolved from the project folder, if it is
    /// there and of the right kind.
    fn resolve_file(
        &self,
        n: &NodeDesc,
        key: &str,
        value: &Spanned<RawValue>,
        kind: crate::params::FileKind,
        file: &str,
    ) -> Result<String, Diagnostic> {
        let name = &n.name.value;
        let dir = self.project_dir();
        let path = dir.join(file);
        let ext_ok = |p: &Path| {
            p.extension()
                .is_some_and(|e| kind.extensions().iter().any(|k| e.eq_ignore_ascii_case(k)))
        };
        let list = kind
            .extensions()
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(", ");
        if path.is_dir() {
            return Err(self
                .diag(
                    value.loc.as_ref(),
                    format!(
                        "`{name}.{key}`: {} is a folder, not a {}",
                        path.display(),
                        kind.name()
                    ),
                )
                .with_hint(format!("name a file in it ({list})")));
        }
        if !path.is_file() {
            let mut d = self.diag(
                value.loc.as_ref(),
                format!("`{name}.{key}`: no {} {}", kind.name(), path.display()),
            );
            let files: Vec<String> = std::fs::read_dir(path.parent().unwrap_or(&dir))
                .map(|rd| {
                    rd.filter_map(std::result::Result::ok)
                        .map(|e| e.file_name().to_string_lossy().to_string())
                        .filter(|f| ext_ok(Path::new(f)))
                        .collect()
                })
                .unwrap_or_default();
            let leaf = Path::new(file)
                .file_name()
                .map_or_else(|| file.to_string(), |f| f.to_string_lossy().to_string());
            d = match did_you_mean(&leaf, files.iter().map(String::as_str)) {
                Some(h) => d.with_hint(h),
                None => d.with_hint(format!(
                    "paths are relative to the project folder {}",
                    dir.display()
                )),
            };
            return Err(d);
        }
        if !ext_ok(&path) {
            return Err(self.diag(
                value.loc.as_ref(),
                format!(
                    "`{name}.{key}`: {} is not a {} ({list})",
                    path.display(),
                    kind.name()
                ),
            ));
        }
        // Canonical: the file watcher reports changes with canonical paths.
        let path = path.canonicalize().unwrap_or(path);
        Ok(path.to_string_lossy().to_string())
    }

    /// `loc` narrowed to the first occurrence of `needle` inside it, if any.
    fn narrow(&self, loc: Option<&Loc>, needle: &str) -> Option<Loc> {
        let l = loc?;
        let text = &self.sources.get(l.source)?.1;
        let within = text.get(l.range.clone())?;
        match within.find(needle) {
            Some(at) => Some(Loc {
                source: l.source,
                range: l.range.start + at..l.range.start + at + needle.len(),
            }),
            None => Some(l.clone()),
        }
    }
}

/// What validating one node needs.
#[derive(Clone, Copy)]
struct NodeCx<'a> {
    registry: &'a Registry,
    index: &'a HashMap<&'a str, usize>,
    names: &'a [&'a str],
    kinds: &'a HashMap<&'a str, Option<SceneKind>>,
    max_side: u32,
    shaders: &'a ShaderLibrary,
}

impl ChainDesc {
    /// The interface of node `n` of a type whose registered info is `info`: that info, or
    /// reflected again from its WGSL (a built-in operator written in WGSL, whose file may
    /// have been edited), or reflected from the file the node names (a project's shader).
    fn resolve_interface(
        &self,
        n: &NodeDesc,
        info: &Arc<OperatorInfo>,
        registry: &Registry,
        shaders: &ShaderLibrary,
    ) -> Result<Arc<OperatorInfo>, Vec<Diagnostic>> {
        let name = &n.name.value;
        let errors = |e: EngineError, loc: Option<&Loc>| match e {
            EngineError::Shader(d) | EngineError::Project(d) => d.0,
            other => vec![self.diag(loc, format!("`{name}`: {other}"))],
        };
        match registry.interface(&info.name) {
            None | Some(Interface::Fixed) => Ok(info.clone()),
            Some(Interface::Library) => match registry.declaring_shader(&info.name) {
                Some(shader) => registry
                    .reflect_library(shaders, shader)
                    .map_err(|e| errors(e, n.name.loc.as_ref())),
                None => Ok(info.clone()),
            },
            Some(Interface::File {
                param,
                extensions,
                resolve,
            }) => {
                let path = self.interface_file(n, &info.name, param, extensions)?;
                let loc = n
                    .params
                    .iter()
                    .find(|(k, _)| k.value == param)
                    .and_then(|(_, v)| v.loc.as_ref());
                resolve(shaders, &path).map_err(|e| errors(e, loc))
            }
        }
    }

    /// The file parameter `param` of node `n` names, resolved from the project folder.
    fn interface_file(
        &self,
        n: &NodeDesc,
        type_name: &str,
        param: &str,
        extensions: &[&str],
    ) -> Result<PathBuf, Vec<Diagnostic>> {
        let name = &n.name.value;
        let Some((_, value)) = n.params.iter().find(|(k, _)| k.value == param) else {
            let example = extensions.first().map_or("file", |e| e);
            return Err(vec![
                self.diag(
                    n.name.loc.as_ref(),
                    format!("`{name}` ({type_name}) needs the file it runs"),
                )
                .with_hint(format!(
                    "add `{param} = \"my-{type_name}.{example}\"`, a file in the project folder"
                )),
            ]);
        };
        let RawValue::Str(file) = &value.value else {
            return Err(vec![self.diag(
                value.loc.as_ref(),
                format!("`{name}.{param}` must be a file name (a string)"),
            )]);
        };
        let dir = self.project_dir();
        let path = dir.join(file);
        if !path.is_file() {
            let mut d = self.diag(
                value.loc.as_ref(),
                format!("`{name}`: no {type_name} file {}", path.display()),
            );
            let files: Vec<String> = std::fs::read_dir(&dir)
                .map(|rd| {
                    rd.filter_map(std::result::Result::ok)
                        .map(|e| e.file_name().to_string_lossy().to_string())
                        .filter(|f| {
                            Path::new(f).extension().is_some_and(|e| {
                                extensions.iter().any(|x| e.eq_ignore_ascii_case(x))
                            })
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(h) = did_you_mean(file, files.iter().map(String::as_str)) {
                d = d.with_hint(h);
            }
            return Err(vec![d]);
        }
        Ok(path)
    }
}

fn nodes_inputs(nodes: &[NodeSpec], index: &HashMap<&str, usize>) -> Vec<Vec<usize>> {
    // `nodes` holds only valid nodes when there are no errors, so it lines up with `index`.
    nodes
        .iter()
        .map(|n| {
            n.inputs
                .iter()
                .filter_map(|s| index.get(s.as_str()).copied())
                .collect()
        })
        .collect()
}

/// The slot of a node without an output texture.
pub(crate) const NO_SLOT: usize = usize::MAX;

/// Transient aliasing of node outputs: which texture slot holds each node's output, and
/// each slot's size. A slot is taken again, later in the frame, once every consumer of the
/// node that wrote it has run; `keep`'s slot (the output shown) is never taken again. The
/// inputs of a node are still in use when it runs, so a node never writes a slot it reads.
///
/// `order` is topological; `inputs[i]` are node `i`'s inputs; `sizes[i]` its output size,
/// `[0, 0]` for nodes without an output texture (scene nodes), which get [`NO_SLOT`].
#[must_use]
pub(crate) fn plan_slots(
    order: &[usize],
    inputs: &[Vec<usize>],
    sizes: &[[u32; 2]],
    keep: usize,
) -> (Vec<usize>, Vec<[u32; 2]>) {
    let n = sizes.len();
    let mut pos = vec![0; n];
    for (p, &i) in order.iter().enumerate() {
        pos[i] = p;
    }
    let mut last = pos.clone();
    for (c, ins) in inputs.iter().enumerate() {
        for &i in ins {
            last[i] = last[i].max(pos[c]);
        }
    }
    if keep < n {
        last[keep] = usize::MAX;
    }
    let mut slot_of = vec![NO_SLOT; n];
    let mut slot_sizes: Vec<[u32; 2]> = Vec::new();
    let mut active: Vec<(usize, usize)> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    for (p, &i) in order.iter().enumerate() {
        if sizes[i] == [0, 0] {
            continue;
        }
        active.retain(|&(until, slot)| {
            let done = until < p;
            if done {
                free.push(slot);
            }
            !done
        });
        let reusable = free.iter().position(|&s| slot_sizes[s] == sizes[i]);
        let slot = if let Some(k) = reusable {
            free.swap_remove(k)
        } else {
            slot_sizes.push(sizes[i]);
            slot_sizes.len() - 1
        };
        slot_of[i] = slot;
        active.push((last[i], slot));
    }
    (slot_of, slot_sizes)
}

/// The pixel size of the image file at `path` (read from its header), if the GPU can hold
/// it; otherwise what is wrong, naming the file.
pub(crate) fn image_pixel_size(path: &Path, max_side: u32) -> Result<[u32; 2], String> {
    let (w, h) = crate::params::image_size(path).map_err(|m| format!("{}: {m}", path.display()))?;
    crate::resources::budget::check_picture(w, h, max_side)
        .map_err(|m| format!("{} is {m}", path.display()))?;
    Ok([w, h])
}

/// `[w, h]` with 1 <= w, h <= `max_side`.
pub fn parse_size(raw: &RawValue, max_side: u32) -> Result<[u32; 2], String> {
    let RawValue::Array(items) = raw else {
        return Err(format!(
            "expected [width, height] in pixels, found {}",
            raw.type_name()
        ));
    };
    let side = |v: &RawValue| match v {
        RawValue::Int(i) => Ok(*i),
        RawValue::Float(f) if f.fract() == 0.0 && f.is_finite() => Ok(*f as i64),
        other => Err(format!(
            "expected whole numbers of pixels, found {}",
            other.type_name()
        )),
    };
    if items.len() != 2 {
        return Err(format!(
            "expected [width, height], found {} values",
            items.len()
        ));
    }
    let (w, h) = (side(&items[0])?, side(&items[1])?);
    let ok = |x: i64| x >= 1 && x <= i64::from(max_side);
    if !ok(w) || !ok(h) {
        return Err(format!(
            "{w}x{h} is not a valid size: each side must be 1..={max_side} (the GPU's max_texture_dimension_2d)"
        ));
    }
    Ok([w as u32, h as u32])
}

/// Kahn's algorithm, stable (ties keep index order). On a cycle, returns one cycle's nodes.
pub(crate) fn topological_order(inputs: &[Vec<usize>]) -> Result<Vec<usize>, Vec<usize>> {
    let n = inputs.len();
    let mut indegree: Vec<usize> = inputs.iter().map(Vec::len).collect();
    let mut consumers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ins) in inputs.iter().enumerate() {
        for &j in ins {
            consumers[j].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &c in &consumers[i] {
            indegree[c] -= 1;
            if indegree[c] == 0 {
                ready.insert(c);
            }
        }
    }
    if order.len() == n {
        return Ok(order);
    }
    // Walk inputs among the remaining nodes until one repeats: that is a cycle.
    let mut seen = vec![usize::MAX; n];
    let mut cur = (0..n).find(|&i| indegree[i] > 0).unwrap_or(0);
    let mut path = Vec::new();
    while seen[cur] == usize::MAX {
        seen[cur] = path.len();
        path.push(cur);
        cur = inputs[cur]
            .iter()
            .copied()
            .find(|&j| indegree[j] > 0)
            .unwrap_or(cur);
    }
    let mut cycle: Vec<usize> = path[seen[cur]..].to_vec();
    // Report in data-flow order (producer first).
    cycle.reverse();
    Err(cycle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_puts_inputs_first_and_is_stable() {
        // 0 <- 2, 1 <- 0
        let inputs = vec![vec![2], vec![0], vec![]];
        assert_eq!(topological_order(&inputs), Ok(vec![2, 0, 1]));
        assert_eq!(
            topological_order(&[vec![], vec![], vec![]]),
            Ok(vec![0, 1, 2])
        );
    }

    #[test]
    fn a_linear_chain_needs_two_slots_and_the_output_keeps_its_own() {
        let n = 100;
        let order: Vec<usize> = (0..n).collect();
        let inputs: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        let sizes = vec![[64, 64]; n];
        let (slot_of, slots) = plan_slots(&order, &inputs, &sizes, n - 1);
        assert_eq!(slots.len(), 2, "{slot_of:?}");
        for i in 1..n {
            assert_ne!(
                slot_of[i],
                slot_of[i - 1],
                "node {i} would overwrite its input"
            );
        }
    }

    #[test]
    fn slots_are_reused_only_after_every_consumer_and_by_size() {
        // 0 feeds 1 and 3; 2 is another size; 3 = f(0, 1) is the output.
        let order = vec![0, 1, 2, 3];
        let inputs = vec![vec![], vec![0], vec![], vec![0, 1]];
        let sizes = vec![[8, 8], [8, 8], [4, 4], [8, 8]];
        let (slot_of, slots) = plan_slots(&order, &inputs, &sizes, 3);
        // 0 and 1 are both read by 3: three slots of 8x8 at least... 0, 1, 3 all distinct.
        assert_ne!(slot_of[0], slot_of[1]);
        assert_ne!(slot_of[3], slot_of[0]);
        assert_ne!(slot_of[3], slot_of[1]);
        assert_eq!(slots[slot_of[2]], [4, 4]);
        // A dead node's slot is free at once for the next of its size.
        let (s, _) = plan_slots(&[0, 1], &[vec![], vec![]], &[[8, 8], [8, 8]], 1);
        assert_eq!(s[0], s[1]);
    }

    #[test]
    fn cycles_are_found() {
        let inputs = vec![vec![1], vec![2], vec![0], vec![]];
        let cycle = topological_order(&inputs).expect_err("cycle");
        assert_eq!(cycle.len(), 3);
        assert_eq!(topological_order(&[vec![0]]), Err(vec![0]));
    }

    #[test]
    fn sizes_parse_and_check_limits() {
        let s = |w: i64, h: i64| RawValue::Array(vec![RawValue::Int(w), RawValue::Int(h)]);
        assert_eq!(parse_size(&s(640, 480), 8192), Ok([640, 480]));
        assert!(parse_size(&s(0, 480), 8192).is_err());
        assert!(
            parse_size(&s(100_000, 480), 8192)
                .expect_err("too big")
                .contains("8192")
        );
        assert!(parse_size(&RawValue::Int(3), 8192).is_err());
    }
}
