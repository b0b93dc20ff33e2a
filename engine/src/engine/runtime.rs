//! The running chain: its nodes, their output slots (the plan) and their inputs.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use super::fused::FusedRun;
use crate::chain::{ChainSpec, NO_SLOT};
use crate::error::{EngineError, Result};
use crate::gpu::{Gpu, GpuTexture};
use crate::operator::{MAX_INPUTS, Operator, OperatorInfo, Registry};
use crate::params::ParamSet;
use crate::resources::{TextureKey, TexturePool};
use crate::scene::{SceneItem, SceneView};

/// One operator of the running chain, with its parameters and where its prepare stands.
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
    /// See [`PrepareCx::files_generation`](crate::operator::PrepareCx::files_generation)
    /// and [`Engine::files_changed`](super::Engine::files_changed).
    pub(super) files_generation: u64,
    /// Its last prepare left a file being read on another thread
    /// ([`PrepareCx::pending`](crate::operator::PrepareCx::pending)): it prepares again.
    pub(super) pending: bool,
}

/// The longest wait between two attempts to prepare an operator that ran out of memory.
const MAX_RETRY_FRAMES: u64 = 64;

impl Node {
    /// Node `i` of `spec`, running `op` with `params`, its output `size`; not prepared yet.
    pub(super) fn new(
        spec: &ChainSpec,
        i: usize,
        op: Box<dyn Operator>,
        params: ParamSet,
        size: [u32; 2],
    ) -> Self {
        let n = &spec.nodes[i];
        Self {
            name: n.name.clone(),
            info: n.info.clone(),
            op,
            params,
            inputs: n.inputs.iter().filter_map(|s| spec.index_of(s)).collect(),
            refs: n.refs.clone(),
            size,
            prepared: None,
            failed: None,
            retry_at: None,
            attempts: 0,
            bound: 0,
            prepared_bound: 0,
            error: None,
            files_generation: 0,
            pending: false,
        }
    }

    /// Forgets its prepare, its failures and its error (a new device: it prepares again).
    pub(super) fn forget_prepare(&mut self) {
        self.prepared = None;
        self.failed = None;
        self.retry_at = None;
        self.attempts = 0;
        self.error = None;
        self.pending = false;
    }

    /// What its bind groups point at, and its prepare key. `binds`: its input and output
    /// textures and the uniform buffer's id (`None` for a scene node, which binds nothing of
    /// the engine's); then the key adds the shaders' generation (not for a scene node),
    /// what the operator says selects its GPU objects, the scene it reads, and the files
    /// it names ([`Engine::files_changed`](super::Engine::files_changed)).
    pub(super) fn prepare_keys(
        &self,
        binds: Option<(&[&GpuTexture], &GpuTexture, u64)>,
        shader_generation: u64,
        scene: &SceneView<'_>,
    ) -> (u64, u64) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if let Some((inputs, output, buffer)) = binds {
            for t in inputs {
                t.id().hash(&mut h);
            }
            output.id().hash(&mut h);
            buffer.hash(&mut h);
        }
        // What its bind groups point at: if a prepare for these fails, its old ones may
        // point at textures that are gone or now another node's.
        let bound = h.finish();
        if binds.is_some() {
            shader_generation.hash(&mut h);
        }
        self.op
            .prepare_key(self.params.values(), self.params.animated())
            .hash(&mut h);
        self.op.scene_key(scene).hash(&mut h);
        self.files_generation.hash(&mut h);
        (bound, h.finish())
    }

    /// Whether it prepares for `key` at frame `now`: not if it already did, nor if it
    /// failed for it (unless a transient failure's back-off is over) — unless a file it
    /// reads is still pending.
    pub(super) fn needs_prepare(&self, key: u64, now: u64) -> bool {
        self.pending
            || !(self.prepared == Some(key)
                || (self.failed == Some(key) && self.retry_at.is_none_or(|at| now < at)))
    }

    /// After a prepare for `key` succeeded. Returns whether an error cleared.
    pub(super) fn prepare_succeeded(&mut self, key: u64) -> bool {
        self.prepared = Some(key);
        self.prepared_bound = self.bound;
        self.failed = None;
        self.retry_at = None;
        self.attempts = 0;
        self.error.take().is_some()
    }

    /// After a prepare for `key` failed at frame `now` with `e` (`still_bound`: its bind
    /// groups point at its new textures all the same): `e` is its error; out of memory is
    /// tried again, less and less often. Returns true (its error changed).
    pub(super) fn prepare_failed(
        &mut self,
        e: &EngineError,
        key: u64,
        still_bound: bool,
        now: u64,
    ) -> bool {
        if still_bound {
            self.prepared_bound = self.bound;
        }
        let mut message = e.to_string();
        if e.is_transient() {
            use std::fmt::Write as _;
            // Out of memory now may not be later: try again, less and less often.
            self.attempts = self.attempts.saturating_add(1);
            let wait = (1u64 << self.attempts.min(6)).min(MAX_RETRY_FRAMES);
            self.retry_at = Some(now + wait);
            let _ = write!(message, " (retrying in {wait} frames)");
        } else {
            self.retry_at = None;
        }
        log::error!("`{}` ({}): {message}", self.name, self.info.name);
        self.failed = Some(key);
        self.error = Some(message);
        true
    }
}

/// The running chain: its spec, its nodes, their output slots and the fused runs.
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
    /// For each node: whether it runs (see [`update_needed`](Self::update_needed)).
    pub(super) needed: Vec<bool>,
    /// What `needed` was computed for: the node shown, and whether every node runs.
    needed_for: Option<(usize, bool)>,
    /// The `[bindings]` with their state, applied after the expressions each frame.
    pub(super) bindings: Vec<crate::chain::Binding>,
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
    /// A chain of `nodes` made from `spec`, showing node `shown`; nothing planned yet.
    pub(super) fn new(spec: ChainSpec, nodes: Vec<Node>, shown: usize) -> Self {
        let spec_bindings = spec
            .bindings
            .iter()
            .cloned()
            .map(crate::chain::Binding::new)
            .collect();
        Self {
            scene: vec![None; nodes.len()],
            spec,
            nodes,
            slots: Slots::default(),
            planned: Vec::new(),
            shown,
            runs: Vec::new(),
            run_of: Vec::new(),
            fusion_planned: false,
            needed: Vec::new(),
            needed_for: None,
            bindings: spec_bindings,
        }
    }

    /// Which nodes run: the node shown and what it needs (its inputs, theirs, the scene
    /// nodes they name), and operators whose state advances every frame
    /// ([`OperatorInfo::advances`]) with what they need — or, with `everything` (the
    /// inspector's thumbnails show every node), all of them. The others prepare nothing,
    /// get no texture and record nothing (they were validated all the same). Computed again
    /// only when the node shown or `everything` changed; returns whether it was.
    pub(super) fn update_needed(&mut self, everything: bool) -> bool {
        if self.needed_for == Some((self.shown, everything)) {
            return false;
        }
        self.needed_for = Some((self.shown, everything));
        let n = self.nodes.len();
        let mut needed = vec![everything; n];
        if !everything {
            let mut stack: Vec<usize> = self.spec.shown_nodes(self.shown);
            stack.extend((0..n).filter(|&i| self.nodes[i].info.advances));
            while let Some(i) = stack.pop() {
                if i >= n || std::mem::replace(&mut needed[i], true) {
                    continue;
                }
                stack.extend(self.nodes[i].inputs.iter().copied());
                stack.extend(self.nodes[i].refs.iter().flatten().copied());
            }
        }
        let changed = needed != self.needed;
        self.needed = needed;
        changed
    }

    /// Whether node `i` runs this frame.
    pub(super) fn is_needed(&self, i: usize) -> bool {
        self.needed.get(i).copied().unwrap_or(true)
    }

    /// The device was lost: its textures, fused passes and scene items go (the nodes'
    /// operators are made again by the caller); everything is planned anew.
    pub(super) fn device_lost(&mut self) {
        self.slots.clear();
        self.planned.clear();
        // Their passes hold the old device's objects: planned anew.
        self.runs.clear();
        self.fusion_planned = false;
        self.scene.iter_mut().for_each(|s| *s = None);
    }

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

    /// Makes `run_of` for the current runs.
    pub(super) fn index_runs(&mut self) {
        self.run_of = vec![None; self.nodes.len()];
        for (r, run) in self.runs.iter().enumerate() {
            for (k, &m) in run.members.iter().enumerate() {
                self.run_of[m] = Some((r, k));
            }
        }
    }

    /// Gives every node the size the spec gives it now.
    pub(super) fn apply_sizes(&mut self) {
        let sizes = self.spec.sizes();
        for (n, s) in self.nodes.iter_mut().zip(sizes) {
            n.size = s;
        }
    }

    /// After a plan: a pointwise operator inside a fused run has no texture now, so what it
    /// had prepared (a bind group holding its old textures) goes, with a fresh, empty
    /// instance (they keep no state).
    pub(super) fn forget_fused_members(&mut self, registry: &Registry) {
        for (i, n) in self.nodes.iter_mut().enumerate() {
            if n.info.pointwise().is_some()
                && n.prepared.is_some()
                && self.slots.has_none(i)
                && let Some(op) = registry.create(&n.info)
            {
                n.op = op;
                n.prepared = None;
                n.failed = None;
            }
        }
    }

    /// Makes the slot plan for the nodes' current sizes: old slot textures go back to the
    /// pool, the new ones come from it (same sizes: the same textures, nothing created).
    pub(super) fn replan(&mut self, gpu: &Gpu, pool: &mut TexturePool) -> Result<()> {
        let sizes: Vec<[u32; 2]> = self.nodes.iter().map(|n| n.size).collect();
        for (i, (n, [w, h])) in self.nodes.iter().zip(&sizes).enumerate() {
            if n.info.scene.is_none() && self.is_needed(i) {
                gpu.check_size(&format!("`{}`", n.name), *w, *h)?;
            }
        }
        let mut inputs: Vec<Vec<usize>> = self.nodes.iter().map(|n| n.inputs.clone()).collect();
        // A fused run is drawn by its last member from its first member's input: the
        // members before the last get no texture, and that input lives until the last.
        let mut planned_sizes = sizes.clone();
        // Nodes that do not run get no texture.
        for (i, s) in planned_sizes.iter_mut().enumerate() {
            if !self.is_needed(i) {
                *s = [0, 0];
            }
        }
        for run in &self.runs {
            let (first, last) = (run.members[0], run.members[run.members.len() - 1]);
            inputs[last].clone_from(&self.nodes[first].inputs);
            for &m in &run.members[..run.members.len() - 1] {
                planned_sizes[m] = [0, 0];
            }
        }
        let (of, slot_sizes) = crate::chain::plan_slots(
            &self.spec.order,
            &inputs,
            &planned_sizes,
            &self.spec.shown_nodes(self.shown),
        );
        self.slots.release(pool);
        let (textures, failed) = gpu.create_checked("making the chain's textures", || {
            slot_sizes
                .iter()
                .map(|&[w, h]| pool.acquire(gpu, TextureKey::color(w, h), "vivid.slot"))
                .collect::<Vec<_>>()
        });
        if failed.is_some() {
            // Out of memory (reported): no textures this frame (nothing draws); planned
            // again at the next frame. Which one failed is not known: none goes back.
            drop(textures);
            self.slots = Slots::default();
            self.planned.clear();
            return Ok(());
        }
        self.slots = Slots { textures, of };
        self.planned = sizes;
        Ok(())
    }
}
