//! What hosts and the inspector see of the running chain: nodes, parameters, fused runs.

use super::Engine;
use crate::params::ParamValue;

/// What the inspector shows of one operator.
#[derive(Clone, Debug)]
pub struct NodeView {
    /// Instance name.
    pub name: String,
    /// Operator type.
    pub type_name: String,
    /// Names of its inputs (texture inputs, then scene references).
    pub inputs: Vec<String>,
    /// Output size (`[0, 0]` for scene nodes).
    pub size: [u32; 2],
    /// Whether it is a scene node (camera, mesh, light: no image).
    pub scene: bool,
    /// Its current error, if any.
    pub error: Option<String>,
    /// Its output depends on earlier frames ([`crate::OperatorInfo::stateful`]).
    pub stateful: bool,
}

/// One parameter as the inspector shows it.
#[derive(Clone, Debug)]
pub struct ParamView {
    /// Its metadata (kind, default, range, choices, doc).
    pub spec: crate::params::ParamSpec,
    /// Its value this frame.
    pub value: ParamValue,
    /// The expression text when it is animated.
    pub expression: Option<String>,
    /// The source of the `[bindings]` entry driving it, if one does (`midi.cc1_7`).
    pub bound: Option<String>,
}

impl Engine {
    /// The runs of operators drawn as one pass each, by instance name, as of the last
    /// frame: empty when nothing is fused.
    #[must_use]
    pub fn fused_runs(&self) -> Vec<Vec<String>> {
        let Some(rt) = &self.chain else {
            return Vec::new();
        };
        rt.runs
            .iter()
            .filter(|r| r.active())
            .map(|r| {
                r.members
                    .iter()
                    .map(|&i| rt.nodes[i].name.clone())
                    .collect()
            })
            .collect()
    }

    /// Every node of the running chain, in the order they run.
    #[must_use]
    pub fn node_views(&self) -> Vec<NodeView> {
        let Some(rt) = &self.chain else {
            return Vec::new();
        };
        rt.spec
            .order
            .iter()
            .map(|&i| {
                let n = &rt.nodes[i];
                let mut inputs: Vec<String> =
                    n.inputs.iter().map(|&j| rt.nodes[j].name.clone()).collect();
                for r in n.refs.iter().flatten() {
                    inputs.push(rt.nodes[*r].name.clone());
                }
                NodeView {
                    name: n.name.clone(),
                    type_name: n.info.name.to_string(),
                    inputs,
                    size: n.size,
                    scene: n.info.scene.is_some(),
                    error: n.error.clone(),
                    stateful: n.info.stateful,
                }
            })
            .collect()
    }

    /// The chain's output node.
    #[must_use]
    pub fn output_name(&self) -> Option<&str> {
        let rt = self.chain.as_ref()?;
        Some(&rt.nodes[rt.spec.output].name)
    }

    /// The running chain as written (chain.toml with `--set` applied), if one runs: what a
    /// host reads its own tables from (`[osc_out]`).
    #[must_use]
    pub fn chain_desc(&self) -> Option<&crate::chain::ChainDesc> {
        self.edits.desc.as_ref()
    }

    /// Node `name`'s parameters with this frame's values.
    #[must_use]
    pub fn param_views(&self, name: &str) -> Option<Vec<ParamView>> {
        let rt = self.chain.as_ref()?;
        let index = rt.spec.index_of(name)?;
        let n = &rt.nodes[index];
        let values = n.params.values();
        Some(
            n.params
                .specs()
                .iter()
                .enumerate()
                .map(|(i, spec)| ParamView {
                    spec: spec.clone(),
                    value: values
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| spec.default.clone()),
                    expression: n.params.expression_text(i),
                    bound: rt
                        .bindings
                        .iter()
                        .find(|b| b.spec.node == index && b.spec.param == i)
                        .map(|b| b.spec.desc.source.value.clone()),
                })
                .collect(),
        )
    }

    /// Names of the running operators, in file order.
    #[must_use]
    pub fn node_names(&self) -> Vec<String> {
        self.chain
            .as_ref()
            .map(|rt| rt.nodes.iter().map(|n| n.name.clone()).collect())
            .unwrap_or_default()
    }

    /// Output size of node `name` this frame.
    #[must_use]
    pub fn node_size(&self, name: &str) -> Option<[u32; 2]> {
        let rt = self.chain.as_ref()?;
        rt.spec.index_of(name).map(|i| rt.nodes[i].size)
    }
}
