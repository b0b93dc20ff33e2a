//! The largest chain vivid runs: operators, output texture memory, expression steps — a
//! chain beyond them is refused, with its place, before any GPU object is made.

use super::{ChainDesc, ChainSpec, plan_slots};
use crate::error::Diagnostic;
use crate::params::{Component, ParamSource};

/// The most operators in a chain. Each holds GPU objects (bind groups, textures); drivers
/// fail well before 100,000 of them (lavapipe crashed at ~65,000 bind groups).
pub const MAX_OPERATORS: usize = 4096;

/// The most bytes of output textures a chain may need (8 GiB): its slot plan's textures
/// (aliased, `Rgba16Float`: 8 bytes a pixel), as [`plan_slots`] gives them.
pub const MAX_TEXTURE_BYTES: u64 = 8 << 30;

/// The most expression steps a chain evaluates per frame (each a few nanoseconds).
pub const MAX_EXPRESSION_STEPS: usize = 1 << 20;

impl ChainDesc {
    /// The error for a chain of more than [`MAX_OPERATORS`] operators, at the first one
    /// beyond.
    pub(super) fn too_many_operators(&self) -> Option<Diagnostic> {
        let extra = self.nodes.get(MAX_OPERATORS)?;
        Some(
            self.diag(
                extra.name.loc.as_ref(),
                format!(
                    "the chain has {} operators; at most {MAX_OPERATORS} run (this is operator {})",
                    self.nodes.len(),
                    MAX_OPERATORS + 1
                ),
            )
            .with_hint("split the work into several chains, or use fewer, larger operators"),
        )
    }

    /// The errors for a validated chain beyond the limits of texture memory and expression
    /// steps.
    pub(super) fn beyond_limits(&self, spec: &ChainSpec) -> Vec<Diagnostic> {
        let mut errs = Vec::new();
        let bytes = texture_bytes(spec);
        if bytes > MAX_TEXTURE_BYTES {
            let out = self.nodes.get(spec.output);
            let loc = out
                .and_then(|n| n.size.as_ref().and_then(|s| s.loc.as_ref()))
                .or_else(|| out.and_then(|n| n.name.loc.as_ref()));
            errs.push(
                self.diag(
                    loc,
                    format!(
                        "the chain's textures would take {:.1} GiB; at most {} GiB are allowed",
                        bytes as f64 / f64::from(1u32 << 30),
                        MAX_TEXTURE_BYTES >> 30
                    ),
                )
                .with_hint(
                    "make the sizes smaller (`size = [w, h]`, the top-level `size`, or --size)",
                ),
            );
        }
        let mut steps = 0usize;
        for (desc, node) in self.nodes.iter().zip(&spec.nodes) {
            for (_, src) in &node.params {
                if let ParamSource::Animated { components, .. } = src {
                    for c in components {
                        if let Component::Expr(e) = c {
                            steps += e.len();
                        }
                    }
                }
            }
            if steps > MAX_EXPRESSION_STEPS {
                errs.push(
                    self.diag(
                        desc.name.loc.as_ref(),
                        format!(
                            "the chain's expressions have more than {MAX_EXPRESSION_STEPS} steps in all (reached at `{}`), each evaluated every frame",
                            desc.name.value
                        ),
                    )
                    .with_hint("simplify the expressions"),
                );
                break;
            }
        }
        errs
    }
}

/// Bytes of the output textures `spec`'s slot plan needs, before `--size` (8 a pixel).
#[must_use]
pub(crate) fn texture_bytes(spec: &ChainSpec) -> u64 {
    let sizes = spec.sizes();
    let inputs: Vec<Vec<usize>> = spec
        .nodes
        .iter()
        .map(|n| n.inputs.iter().filter_map(|s| spec.index_of(s)).collect())
        .collect();
    let (_, slots) = plan_slots(
        &spec.order,
        &inputs,
        &sizes,
        &spec.shown_nodes(spec.main_node()),
    );
    slots
        .iter()
        .map(|[w, h]| u64::from(*w) * u64::from(*h) * 8)
        .sum()
}
