//! Validating a chain as a whole: unique names, the default size, the output, no cycles.

use std::collections::HashMap;

use super::node::NodeCx;
use super::{ChainDesc, ChainSpec, DEFAULT_SIZE, NodeSpec, parse_size, topological_order};
use crate::error::{Diagnostic, Diagnostics, did_you_mean};
use crate::files::FileRules;
use crate::operator::Registry;
use crate::scene::SceneKind;
use crate::shaders::ShaderLibrary;

impl ChainDesc {
    /// Checks everything against `registry` (and sizes against `max_side`).
    pub fn validate(&self, registry: &Registry, max_side: u32) -> Result<ChainSpec, Diagnostics> {
        self.validate_with(registry, max_side, &ShaderLibrary::new())
    }

    /// [`validate`](Self::validate), compiling custom shaders with `shaders` (its common
    /// helpers may come from disk).
    pub fn validate_with(
        &self,
        registry: &Registry,
        max_side: u32,
        shaders: &ShaderLibrary,
    ) -> Result<ChainSpec, Diagnostics> {
        self.validate_allowing(registry, max_side, shaders, &[])
    }

    /// [`validate_with`](Self::validate_with), the files nodes name read from the project
    /// folder or one of `allowed` ([`crate::files`]: `--allow-path`).
    pub fn validate_allowing(
        &self,
        registry: &Registry,
        max_side: u32,
        shaders: &ShaderLibrary,
        allowed: &[std::path::PathBuf],
    ) -> Result<ChainSpec, Diagnostics> {
        let files = FileRules::new(&self.project_dir(), allowed);
        let mut errs: Vec<Diagnostic> = self.early.clone();
        if self.nodes.is_empty() {
            if errs.is_empty() {
                errs.push(self.diag(None, "the chain is empty: it has no operators").with_hint(
                    "add a table such as `[noise]` with `type = \"noise\"`, and `output = \"noise\"` at the top",
                ));
            }
            return Err(Diagnostics(errs));
        }
        // Beyond the limit nothing else is looked at: validating 100,000 nodes is work.
        if let Some(d) = self.too_many_operators() {
            errs.push(d);
            return Err(Diagnostics(errs));
        }
        let index = self.name_index(&mut errs);
        let names: Vec<&str> = self.nodes.iter().map(|n| n.name.value.as_str()).collect();
        let kinds = self.node_kinds(registry);
        let default_size = self.default_size(max_side, &mut errs);

        let cx = NodeCx {
            registry,
            index: &index,
            names: &names,
            kinds: &kinds,
            max_side,
            shaders,
            files: &files,
        };
        let nodes: Vec<NodeSpec> = self
            .nodes
            .iter()
            .filter_map(|n| self.validate_node(n, &cx, &mut errs))
            .collect();
        let bindings = self.validate_bindings(&nodes, registry.variables(), &mut errs);
        self.validate_osc_out(registry.variables(), &mut errs);
        let output = self.output_index(&cx, &mut errs);
        let outputs = self.outputs_nodes(&cx, output, &mut errs);

        if errs.is_empty()
            && let Err(cycle) = topological_order(&nodes_inputs(&nodes, &index))
        {
            errs.push(self.cycle_error(&cycle, &names));
        }
        if !errs.is_empty() {
            return Err(Diagnostics(errs));
        }
        let inputs = nodes_inputs(&nodes, &index);
        let order = topological_order(&inputs).unwrap_or_default();
        let spec = ChainSpec {
            nodes,
            order,
            output: output.unwrap_or(0),
            default_size,
            outputs,
            bindings,
        };
        let beyond = self.beyond_limits(&spec);
        if !beyond.is_empty() {
            return Err(Diagnostics(beyond));
        }
        Ok(spec)
    }

    /// Each node's index by name; a name given twice is reported (and the later node kept).
    fn name_index(&self, errs: &mut Vec<Diagnostic>) -> HashMap<&str, usize> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if index.insert(n.name.value.as_str(), i).is_some() {
                errs.push(self.diag(
                    n.name.loc.as_ref(),
                    format!("operator `{}` is defined twice", n.name.value),
                ));
            }
        }
        index
    }

    /// What each name is: a scene node's kind, `None` for an image operator (absent when
    /// its type is unknown: that is reported once, at its `type`).
    fn node_kinds(&self, registry: &Registry) -> HashMap<&str, Option<SceneKind>> {
        self.nodes
            .iter()
            .filter_map(|n| {
                let t = n.type_name.as_ref()?;
                let info = registry.info(&t.value)?;
                Some((n.name.value.as_str(), info.scene))
            })
            .collect()
    }

    /// The top-level `size`, or [`DEFAULT_SIZE`] (also when it is wrong, which is reported).
    fn default_size(&self, max_side: u32, errs: &mut Vec<Diagnostic>) -> [u32; 2] {
        let Some(s) = &self.size else {
            return DEFAULT_SIZE;
        };
        parse_size(&s.value, max_side).unwrap_or_else(|m| {
            errs.push(self.diag(s.loc.as_ref(), format!("top-level `size`: {m}")));
            DEFAULT_SIZE
        })
    }

    /// The index of the node shown: the one `output` names, or without `output` the last
    /// image operator in the file. `None` when `output` names no image operator (reported).
    fn output_index(&self, cx: &NodeCx<'_>, errs: &mut Vec<Diagnostic>) -> Option<usize> {
        let Some(o) = &self.output else {
            let last_image = self
                .nodes
                .iter()
                .rposition(|n| !matches!(cx.kinds.get(n.name.value.as_str()), Some(Some(_))));
            if last_image.is_none() {
                errs.push(self.no_image_error(cx));
            }
            return last_image;
        };
        if let Some(Some(k)) = cx.kinds.get(o.value.as_str()) {
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
            return None;
        }
        if let Some(&i) = cx.index.get(o.value.as_str()) {
            return Some(i);
        }
        let mut d = self.diag(
            o.loc.as_ref(),
            format!(
                "`output` names `{}`, which is not an operator in this chain",
                o.value
            ),
        );
        if let Some(h) = did_you_mean(&o.value, cx.names.iter().copied()) {
            d = d.with_hint(h);
        }
        errs.push(d);
        None
    }

    /// The `[[window]]`s with the node each shows (`node`, else the chain's output); a
    /// name that is no image operator is reported at it.
    fn outputs_nodes(
        &self,
        cx: &NodeCx<'_>,
        output: Option<usize>,
        errs: &mut Vec<Diagnostic>,
    ) -> Vec<super::OutputSpec> {
        let mut specs = Vec::new();
        for o in &self.outputs {
            let node = match &o.node {
                None => output,
                Some(n) => {
                    match (
                        cx.index.get(n.value.as_str()),
                        cx.kinds.get(n.value.as_str()),
                    ) {
                        (Some(_), Some(Some(k))) => {
                            errs.push(self.diag(
                                n.loc.as_ref(),
                                format!(
                                    "window `node` names `{}`, a {}, which makes no image",
                                    n.value,
                                    k.name()
                                ),
                            ));
                            None
                        }
                        (Some(&i), _) => Some(i),
                        (None, _) => {
                            let mut d = self.diag(
                            n.loc.as_ref(),
                            format!("window `node` names `{}`, which is not an operator in this chain", n.value),
                        );
                            if let Some(h) = did_you_mean(&n.value, cx.names.iter().copied()) {
                                d = d.with_hint(h);
                            }
                            errs.push(d);
                            None
                        }
                    }
                }
            };
            if let Some(node) = node {
                specs.push(super::OutputSpec {
                    node,
                    desc: o.clone(),
                });
            }
        }
        specs
    }

    /// The error for a chain of scene objects only (a camera, meshes, lights): nothing in it
    /// makes an image to show.
    fn no_image_error(&self, cx: &NodeCx<'_>) -> Diagnostic {
        let first = &self.nodes[0];
        let what = match cx.kinds.get(first.name.value.as_str()) {
            Some(Some(k)) => format!("`{}` is a {}", first.name.value, k.name()),
            _ => format!("`{}` is a scene object", first.name.value),
        };
        let others = if self.nodes.len() > 1 {
            " (like every operator in it)"
        } else {
            ""
        };
        self.diag(
            first.name.loc.as_ref(),
            format!("the chain makes no image: {what}{others}, which makes none"),
        )
        .with_hint(
            "add a `render3d` that draws the scene, e.g. `[render]` with `type = \"render3d\"`, `camera = \"cam\"`, `meshes = [...]`, `lights = [...]`",
        )
    }

    /// The error for a cycle (node indices in data-flow order), at the input that closes it.
    fn cycle_error(&self, cycle: &[usize], names: &[&str]) -> Diagnostic {
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
        self.diag(loc, format!("the chain has a cycle: {path}")).with_hint(
            "an operator cannot depend on its own output; use a `feedback` operator to read the previous frame",
        )
    }
}

/// Each node's inputs as indices.
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
