//! The running chain: its nodes, their output slots and the slot plan.

use std::sync::Arc;

use super::fused::FusedRun;
use crate::chain::{ChainSpec, NO_SLOT};
use crate::error::Result;
use crate::gpu::{Gpu, GpuTexture};
use crate::operator::{MAX_INPUTS, Operator, OperatorInfo};
use crate::params::ParamSet;
use crate::resources::{TextureKey, TexturePool};
use crate::scene::SceneItem;

pub(super) struct Node {
    pub(super) name: String,
    pub(super) info: Arc<OperatorInfo>,
    pub(super) op: Box<dyn Operator>,
    pub(super) params: ParamSet,
    pub(super) inputs: Vec<usize>,
    /// Per parameter: the scene nodes a reference parameter names.
    pub(super) refs: Vec<Vec<usize>>,
    /// `[0, 0]` for scene nodes.
    pub(super) size: [u32; 2],
    /// Prepare key of the last successful prepare.
    pub(super) prepared: Option<u64>,
    /// Prepare key of the last failed prepare (not retried until the key changes, unless
    /// the failure was transient: see `retry_at`).
    pub(super) failed: Option<u64>,
    /// After a transient failure (out of memory): the frame at which to try again.
    /// Back-off doubles with each failure in a row, up to `MAX_RETRY_FRAMES`.
    pub(super) retry_at: Option<u64>,
    /// Transient failures in a row.
    pub(super) attempts: u32,
    /// Hash of the textures and buffer it binds now, and when it last prepared.
    pub(super) bound: u64,
    pub(super) prepared_bound: u64,
    pub(super) error: Option<String>,
    /// See [`PrepareCx::files_generation`] and [`Engine::files_changed`].
    pub(super) files_generation: u64,
}

/// The longest wait between two attempts to prepare an operator that ran out of memory.
pub(super) const MAX_RETRY_FRAMES: u64 = 64;

pub(super) struct ChainRuntime {
    pub(super) spec: ChainSpec,
    pub(super) nodes: Vec<Node>,
    /// The nodes' output textures.
    pub(super) slots: Slots,
    /// Node sizes the plan was made for.
    pub(super) planned: Vec<[u32; 2]>,
    /// This frame's item of each scene node (by node index; `None` for the others).
    pub(super) scene: Vec<Option<SceneItem>>,
    /// The node shown (and read back): the chain's output, or a soloed node.
    pub(super) shown: usize,
    /// Runs of pointwise operators drawn as one pass each ([`crate::fusion`]).
    pub(super) runs: Vec<FusedRun>,
    /// For each node: its run and its place in it.
    pub(super) run_of: Vec<Option<(usize, usize)>>,
    /// Whether `runs` is up to date with the plan, the node shown and the settings.
    pub(super) fusion_planned: bool,
}

/// The nodes' output textures, shared by nodes that run one after the other
/// ([`crate::chain::plan_slots`]).
#[derive(Default)]
pub(super) struct Slots {
    textures: Vec<GpuTexture>,
    /// For each node, the index of its texture ([`NO_SLOT`]: none).
    of: Vec<usize>,
}

impl Slots {
    /// Node `i`'s output texture.
    pub(super) fn output(&self, i: usize) -> Option<&GpuTexture> {
        self.of.get(i).and_then(|&s| self.textures.get(s))
    }

    /// Whether node `i` was planned without a texture (a scene node, or a member of a fused
    /// run other than its last).
    pub(super) fn has_none(&self, i: usize) -> bool {
        self.of.get(i) == Some(&NO_SLOT)
    }

    /// The input textures of a node whose inputs are the nodes `inputs`: each one's output,
    /// `dummy` for one that has none (1×1), at most [`MAX_INPUTS`]. The one place a node's
    /// inputs are gathered, for its uniforms (their sizes), its prepare and its encode.
    pub(super) fn inputs<'a>(&'a self, inputs: &[usize], dummy: &'a GpuTexture) -> Inputs<'a> {
        let mut textures = [dummy; MAX_INPUTS];
        for (dst, &j) in textures.iter_mut().zip(inputs) {
            *dst = self.output(j).unwrap_or(dummy);
        }
        Inputs {
            textures,
            count: inputs.len().min(MAX_INPUTS),
        }
    }

    /// Gives the textures back to `pool`.
    pub(super) fn release(&mut self, pool: &mut TexturePool) {
        for t in self.textures.drain(..) {
            pool.release(t);
        }
    }

    /// Drops the textures (a lost device's: there is no pool to give them back to).
    pub(super) fn clear(&mut self) {
        self.textures.clear();
    }
}

/// A node's input textures, in a fixed array (nothing allocated per node and frame).
pub(super) struct Inputs<'a> {
    textures: [&'a GpuTexture; MAX_INPUTS],
    count: usize,
}

impl<'a> Inputs<'a> {
    /// The textures, in input order.
    pub(super) fn as_slice(&self) -> &[&'a GpuTexture] {
        &self.textures[..self.count]
    }
}

impl ChainRuntime {
    /// The fused run drawing node `i` this frame, and `i`'s place in it.
    pub(super) fn drawn_by_run(&self, i: usize) -> Option<(&FusedRun, usize)> {
        let (r, k) = self.run_of.get(i).copied().flatten()?;
        let run = &self.runs[r];
        run.active().then_some((run, k))
    }

    /// Node `i`'s output texture.
    pub(super) fn output(&self, i: usize) -> Option<&GpuTexture> {
        self.slots.output(i)
    }

    /// Makes the slot plan for the nodes' current sizes: old slot textures go back to the
    /// pool, the new ones come from it (same sizes: the same textures, nothing created).
    pub(super) fn replan(&mut self, gpu: &Gpu, pool: &mut TexturePool) -> Result<()> {
        let sizes: Vec<[u32; 2]> = self.nodes.iter().map(|n| n.size).collect();
        for (n, [w, h]) in self.nodes.iter().zip(&sizes) {
            if n.info.scene.is_none() {
                gpu.check_size(&format!("`{}`", n.name), *w, *h)?;
            }
        }
        let mut inputs: Vec<Vec<usize>> = self.nodes.iter().map(|n| n.inputs.clone()).collect();
        // A fused run is drawn by its last member from its first member's input: the
        // members before the last get no texture, and that input lives until the last.
        let mut planned_sizes = sizes.clone();
        for run in &self.runs {
            let (first, last) = (run.members[0], run.members[run.members.len() - 1]);
            inputs[last].clone_from(&self.nodes[first].inputs);
            for &m in &run.members[..run.members.len() - 1] {
                planned_sizes[m] = [0, 0];
            }
        }
        let (of, slot_sizes) =
            crate::chain::plan_slots(&self.spec.order, &inputs, &planned_sizes, self.shown);
        self.slots.release(pool);
        self.slots = Slots {
            textures: slot_sizes
                .iter()
                .map(|&[w, h]| pool.acquire(gpu, TextureKey::color(w, h), "vivid.slot"))
                .collect(),
            of,
        };
        self.planned = sizes;
        Ok(())
    }
}
