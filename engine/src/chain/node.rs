//! Validating one node: its type, inputs, size, parameters and the nodes they reference.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::{
    COMMON_KEYS, ChainDesc, Loc, NodeDesc, NodeSpec, Spanned, image_pixel_size, parse_size,
};
use crate::error::{Diagnostic, did_you_mean};
use crate::files::FileRules;
use crate::operator::{MAX_INPUTS, OperatorInfo, Registry};
use crate::params::{FileKind, ParamKind, ParamSource, ParamValue, RawValue};
use crate::scene::SceneKind;
use crate::shaders::ShaderLibrary;

/// What validating a node needs: the registry, and the names the chain defines.
#[derive(Clone, Copy)]
pub(super) struct NodeCx<'a> {
    pub(super) registry: &'a Registry,
    /// Each node's index by name.
    pub(super) index: &'a HashMap<&'a str, usize>,
    /// Node names in file order.
    pub(super) names: &'a [&'a str],
    /// What each name is (see [`ChainDesc::validate_with`]): a scene node's kind, `None` for
    /// an image operator.
    pub(super) kinds: &'a HashMap<&'a str, Option<SceneKind>>,
    pub(super) max_side: u32,
    pub(super) shaders: &'a ShaderLibrary,
    /// Where the files nodes name may be ([`crate::files`]).
    pub(super) files: &'a FileRules,
}

/// A node's parameters, validated.
#[derive(Default)]
struct Params {
    /// Parameters given explicitly: (index into `info.params`, source).
    given: Vec<(usize, ParamSource)>,
    /// The pixel size of the first image file a parameter names.
    natural_size: Option<[u32; 2]>,
    /// Per parameter: the nodes a reference parameter names (see [`NodeSpec::refs`]).
    refs: Vec<Vec<usize>>,
}

impl ChainDesc {
    /// Node `n` checked against its type, or `None` with every problem in `errs`.
    pub(super) fn validate_node(
        &self,
        n: &NodeDesc,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<NodeSpec> {
        let info = self.node_info(n, cx, errs)?;
        let before = errs.len();
        self.check_inputs(n, cx, errs);
        self.check_input_count(n, &info, errs);
        let size = self.output_size(n, &info, cx.max_side, errs);
        let params = self.node_params(n, &info, cx, errs);
        let natural_size = params.natural_size.filter(|_| info.scene.is_none());
        (errs.len() == before).then(|| NodeSpec {
            name: n.name.value.clone(),
            info,
            inputs: n.inputs.iter().map(|s| s.value.clone()).collect(),
            size,
            natural_size,
            params: params.given,
            refs: params.refs,
        })
    }

    /// The type of node `n` with its interface resolved
    /// ([`resolve_interface`](Self::resolve_interface)); `None` when it has no type, an
    /// unknown one, or an interface that does not resolve (reported).
    fn node_info(
        &self,
        n: &NodeDesc,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<Arc<OperatorInfo>> {
        let registry = cx.registry;
        let Some(type_name) = &n.type_name else {
            errs.push(
                self.diag(
                    n.name.loc.as_ref(),
                    format!("operator `{}` has no `type`", n.name.value),
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
        match self.resolve_interface(n, info, registry, cx.shaders, cx.files) {
            Ok(info) => Some(info),
            Err(ds) => {
                errs.extend(ds);
                None
            }
        }
    }

    /// Each input of node `n` names an image operator of this chain.
    fn check_inputs(&self, n: &NodeDesc, cx: &NodeCx<'_>, errs: &mut Vec<Diagnostic>) {
        let name = &n.name.value;
        for s in &n.inputs {
            if let Some(Some(k)) = cx.kinds.get(s.value.as_str()) {
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
            } else if !cx.index.contains_key(s.value.as_str()) {
                let mut d = self.diag(
                    s.loc.as_ref(),
                    format!(
                        "`{name}` takes input `{}`, which is not an operator in this chain",
                        s.value
                    ),
                );
                let others = cx.names.iter().copied().filter(|x| x != name);
                if let Some(h) = did_you_mean(&s.value, others) {
                    d = d.with_hint(h);
                }
                errs.push(d);
            }
        }
    }

    /// Node `n` has as many inputs as its type takes (a scene node: none).
    fn check_input_count(&self, n: &NodeDesc, info: &OperatorInfo, errs: &mut Vec<Diagnostic>) {
        let name = &n.name.value;
        let count = n.inputs.len();
        let loc = n.inputs_loc.as_ref().or(n.name.loc.as_ref());
        if let Some(k) = info.scene
            && count > 0
        {
            errs.push(
                self.diag(
                    loc,
                    format!("`{name}` is a {} and takes no input", k.name()),
                )
                .with_hint("remove `input`/`inputs`"),
            );
        } else if let Some((message, hint)) = input_count_problem(name, info, count) {
            errs.push(self.diag(loc, message).with_hint(hint));
        }
    }

    /// Node `n`'s explicit output size, from its `size`. A scene node has none: its `size`
    /// is its own parameter ([`own_size_param`]) or an error.
    fn output_size(
        &self,
        n: &NodeDesc,
        info: &OperatorInfo,
        max_side: u32,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<[u32; 2]> {
        let name = &n.name.value;
        let s = n.size.as_ref()?;
        if let Some(k) = info.scene {
            if !has_own_size(info) {
                errs.push(
                    self.diag(
                        s.loc.as_ref(),
                        format!("`{name}` is a {}: it has no size", k.name()),
                    )
                    .with_hint("give `size` to the `render3d` that draws it"),
                );
            }
            return None;
        }
        match parse_size(&s.value, max_side) {
            Ok(v) => Some(v),
            Err(m) => {
                errs.push(self.diag(s.loc.as_ref(), format!("`{name}.size`: {m}")));
                None
            }
        }
    }

    /// Node `n`'s parameters (with a scene node's own `size`), parsed by its type's.
    fn node_params(
        &self,
        n: &NodeDesc,
        info: &OperatorInfo,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Params {
        let size_param = own_size_param(n, info);
        let mut out = Params::default();
        // Where each parameter was given (a former name and the new one may both be).
        let mut given_at: Vec<Option<&Spanned<String>>> = vec![None; info.params.len()];
        for (key, value) in n.params.iter().chain(size_param.as_ref()) {
            let Some(i) = info
                .params
                .iter()
                .position(|p| p.name == key.value)
                .or_else(|| info.params.iter().position(|p| p.answers_to(&key.value)))
            else {
                errs.push(self.unknown_param(n, info, key));
                continue;
            };
            let name = info.params[i].name.as_ref();
            if name != key.value {
                let d = self.diag(key.loc.as_ref(), "");
                log::warn!(
                    "{}:{}:{}: `{}.{}` is now `{name}` (the old name still works; write `{name}`)",
                    d.file.display(),
                    d.line,
                    d.col,
                    n.name.value,
                    key.value,
                );
            }
            if let Some(first) = given_at[i].replace(key) {
                let same_source =
                    first.loc.as_ref().map(|l| l.source) == key.loc.as_ref().map(|l| l.source);
                if same_source {
                    errs.push(
                        self.diag(
                            key.loc.as_ref(),
                            format!(
                                "`{}` gives `{name}` twice (as `{}` and `{}`)",
                                n.name.value, first.value, key.value
                            ),
                        )
                        .with_hint(format!("keep one `{name} = ...`")),
                    );
                    continue;
                }
                // A later source (`--set`) overrides the file.
                out.given.retain(|(j, _)| *j != i);
            }
            match (
                info.params[i].parse_with(&value.value, cx.registry.variables()),
                info.params[i].kind,
            ) {
                (Ok(ParamSource::Const(ParamValue::Text(file))), ParamKind::File(kind))
                    if !file.is_empty() =>
                {
                    match self.resolve_file(n, &key.value, value, kind, &file, cx.files) {
                        Ok(path) => {
                            if kind == FileKind::Image {
                                let size = self.image_size(n, key, value, &path, cx, errs);
                                out.natural_size = out.natural_size.or(size);
                            }
                            out.given
                                .push((i, ParamSource::Const(ParamValue::Text(path))));
                        }
                        Err(d) => errs.push(d),
                    }
                }
                (Ok(src), kind) => {
                    if let (ParamKind::Node(k) | ParamKind::Nodes(k), ParamSource::Const(v)) =
                        (kind, &src)
                    {
                        let named = self.resolve_refs(n, value, k, v, cx, errs);
                        out.refs.resize(info.params.len(), Vec::new());
                        out.refs[i] = named;
                    }
                    out.given.push((i, src));
                }
                (Err(e), _) => {
                    // Inside an expression: at the column of the problem in the file.
                    let loc =
                        e.at.as_ref()
                            .and_then(|at| self.inside(value.loc.as_ref(), &at.text, &at.span))
                            .or_else(|| value.loc.clone());
                    let mut d =
                        self.diag(loc.as_ref(), format!("`{}`: {}", n.name.value, e.message));
                    if let Some(h) = e.hint {
                        d = d.with_hint(h);
                    }
                    errs.push(d);
                }
            }
        }
        out
    }

    /// The error for a key of node `n` that is no parameter of its type.
    fn unknown_param(
        &self,
        n: &NodeDesc,
        info: &OperatorInfo,
        key: &Spanned<String>,
    ) -> Diagnostic {
        let candidates = info
            .params
            .iter()
            .map(|p| p.name.as_ref())
            .chain(COMMON_KEYS);
        let d = self.diag(
            key.loc.as_ref(),
            format!(
                "unknown parameter `{}` for `{}` (type {})",
                key.value, n.name.value, info.name
            ),
        );
        match did_you_mean(&key.value, candidates) {
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
        }
    }

    /// The pixel size of the image file at `path`, which parameter `key` of node `n` names;
    /// `None` when the GPU cannot hold it (reported).
    fn image_size(
        &self,
        n: &NodeDesc,
        key: &Spanned<String>,
        value: &Spanned<RawValue>,
        path: &str,
        cx: &NodeCx<'_>,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<[u32; 2]> {
        match image_pixel_size(cx.files, Path::new(path), cx.max_side) {
            Ok(s) => Some(s),
            Err(m) => {
                errs.push(self.diag(
                    value.loc.as_ref(),
                    format!("`{}.{}`: {m}", n.name.value, key.value),
                ));
                None
            }
        }
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
                None => errs.push(self.missing_ref(n, target, kind, loc.as_ref(), cx)),
            }
        }
        out
    }

    /// The error for a reference to `target`, a `kind` node that is not in this chain.
    fn missing_ref(
        &self,
        n: &NodeDesc,
        target: &str,
        kind: SceneKind,
        loc: Option<&Loc>,
        cx: &NodeCx<'_>,
    ) -> Diagnostic {
        let candidates = cx
            .kinds
            .iter()
            .filter(|(_, k)| **k == Some(kind))
            .map(|(name, _)| *name);
        let d = self.diag(
            loc,
            format!(
                "`{}` names {} `{target}`, which is not in this chain",
                n.name.value,
                kind.name()
            ),
        );
        match did_you_mean(target, candidates) {
            Some(h) => d.with_hint(h),
            None => d.with_hint(format!(
                "add a table `[{target}]` with `type = \"{}\"`",
                match kind {
                    SceneKind::Camera => "camera",
                    SceneKind::Mesh => "mesh",
                    SceneKind::Light => "point_light",
                }
            )),
        }
    }

    /// The byte range `span` of the text `written` where it is inside `loc` (a string as
    /// written, without escapes that would make the file's text differ from the value).
    fn inside(
        &self,
        loc: Option<&Loc>,
        written: &str,
        span: &std::ops::Range<usize>,
    ) -> Option<Loc> {
        let l = loc?;
        let text = &self.sources.get(l.source)?.1;
        let at = l.range.start + text.get(l.range.clone())?.find(written)?;
        Some(Loc {
            source: l.source,
            range: at + span.start..at + span.end.max(span.start),
        })
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

/// What is wrong with `count` inputs to node `name` of type `info`, if anything: the
/// message and a hint.
fn input_count_problem(
    name: &str,
    info: &OperatorInfo,
    count: usize,
) -> Option<(String, &'static str)> {
    let spec = info.inputs;
    let max = spec.max.min(MAX_INPUTS);
    if count >= spec.min && count <= max {
        return None;
    }
    let message = if spec.max == 0 {
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
            "`{name}` ({}) takes at most {max} inputs, found {count}",
            info.name
        )
    };
    let hint = if count >= spec.min {
        "chain several operators"
    } else if spec.max == 1 {
        "add `input = \"name\"`"
    } else {
        "add `inputs = [\"a\", \"b\"]`"
    };
    Some((message, hint))
}

/// Whether the scene node type `info` has a `size` parameter of its own (a box's), which
/// the `size` key gives.
fn has_own_size(info: &OperatorInfo) -> bool {
    info.scene.is_some() && info.params.iter().any(|p| p.name == "size")
}

/// Node `n`'s `size` as the parameter it is when its type has a `size` of its own
/// ([`has_own_size`]).
fn own_size_param(
    n: &NodeDesc,
    info: &OperatorInfo,
) -> Option<(Spanned<String>, Spanned<RawValue>)> {
    let v = n.size.as_ref().filter(|_| has_own_size(info))?;
    Some((
        Spanned {
            value: "size".to_string(),
            loc: v.loc.clone(),
        },
        v.clone(),
    ))
}
