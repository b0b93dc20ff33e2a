//! Fused runs of pointwise operators ([`crate::fusion`]): plan, uniforms, prepare, draw.
//!
//! A run that cannot be drawn (its uniforms misplaced, its pass failed) is left unfused for
//! a while (`BlockedRun`); shaders of runs gone are kept for when they come back.

use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

use super::Engine;
use super::runtime::ChainRuntime;
use crate::fullscreen::FullscreenPass;
use crate::fusion::RunLayout;
use crate::operator::PrepareCx;
use crate::resources::{PipelineCache, UniformSlot, UniformWriter};
use crate::scene::SceneView;
use crate::shaders::ShaderLibrary;

/// Frames a run whose pass ran out of memory is drawn unfused before fusing is tried again.
const FUSION_RETRY_FRAMES: u64 = 4;

/// Shaders (and pipelines) of fused runs no longer in the chain kept for when they come back.
const FUSED_SHADERS_KEPT: usize = 8;

/// A run left unfused because its pass could not be drawn: until frame `until` (out of
/// memory), or while the shaders are those of `generation` (anything else).
pub(super) struct BlockedRun {
    shader: String,
    /// Its first member's name.
    first: String,
    until: Option<u64>,
    generation: u64,
}

/// A run of pointwise operators and its pass.
pub(super) struct FusedRun {
    /// Node indices, in order.
    pub(super) members: Vec<usize>,
    /// Library name of its generated shader (`fused/<hash>.wgsl`).
    shader: String,
    /// Where the members' uniforms are, relative to the first's header.
    layout: RunLayout,
    pass: FullscreenPass,
    /// Shown in debug groups and the profile: `first…last`.
    pub(super) label: String,
    /// Prepare key (first input, last output, uniform buffer, shader generation) of the
    /// last successful prepare. (A failed run is planned out at once: see `BlockedRun`.)
    prepared: Option<u64>,
    /// Whether the pass is prepared for this frame's textures.
    ready: bool,
    /// This frame's offset of the first member's header, when every member's uniforms are
    /// where the shader expects them.
    base: Option<u32>,
    /// This frame's block of the members' `Params` ([`RunLayout`]), and its bytes (kept
    /// to make no allocation per frame).
    block: UniformSlot,
    block_bytes: Vec<u8>,
}

impl FusedRun {
    /// Whether it draws this frame (else its members draw one by one).
    pub(super) fn active(&self) -> bool {
        self.ready && self.base.is_some()
    }

    /// After member `k` pushed its uniforms at `at` (the arena's bytes now end at `end`):
    /// the shader expects each member's header and `Params` at fixed offsets from the
    /// first's header ([`RunLayout`]); if this one pushed anything else, the run does not
    /// draw (`base` is `None`).
    pub(super) fn check_uniforms(&mut self, k: usize, at: usize, end: usize) {
        if k == 0 {
            self.base = u32::try_from(at).ok();
        }
        let expected = self.base.map(|b| {
            (
                b as usize + self.layout.headers[k],
                b as usize + self.layout.ends[k],
            )
        });
        if expected != Some((at, end)) {
            self.base = None;
        }
    }

    /// After every member pushed its uniforms: copies their `Params` into the run's block
    /// and pushes it (the fused shader reads them there, consecutive).
    pub(super) fn push_block(&mut self, w: &mut UniformWriter<'_>) {
        let Some(base) = self.base else { return };
        self.block_bytes.clear();
        self.block_bytes.resize(self.layout.block_size(), 0);
        for (k, at) in self.layout.params.iter().enumerate() {
            let (Some(at), Some(to)) = (at, self.layout.block[k]) else {
                continue;
            };
            let size = self.layout.sizes[k];
            let Some(bytes) = w.written(base as usize + at, size) else {
                self.base = None;
                return;
            };
            self.block_bytes[to..to + size].copy_from_slice(bytes);
        }
        self.block = w.push_bytes(&self.block_bytes);
    }

    /// Records its one pass: the first member's header as `vivid`, the run's block as its
    /// `Params`.
    pub(super) fn encode(&self, encoder: &mut crate::encoder::FrameEncoder) {
        let header = UniformSlot {
            offset: self.base.unwrap_or(0),
            size: size_of::<crate::operator::FrameHeader>() as u32,
        };
        self.pass
            .dispatch_with(encoder, header, self.block, &self.label);
    }
}

/// What fusion keeps across plans.
#[derive(Default)]
pub(super) struct Fusion {
    /// Fused shaders no run uses now, least recently used first ([`FUSED_SHADERS_KEPT`]).
    unused: VecDeque<String>,
    /// Runs drawn operator by operator for now.
    blocked: Vec<BlockedRun>,
}

impl Fusion {
    /// Gives the runs left unfused another try (a new chain).
    pub(super) fn unblock_all(&mut self) {
        self.blocked.clear();
    }

    /// Forgets the runs left unfused whose time is over (frame `now`) or whose shaders
    /// changed (`generation`). Returns whether any was.
    pub(super) fn unblock(&mut self, now: u64, generation: u64) -> bool {
        let blocked = self.blocked.len();
        self.blocked.retain(|b| match b.until {
            Some(until) => now < until,
            None => b.generation == generation,
        });
        self.blocked.len() != blocked
    }

    /// Forgets generated shader `name` (made again from its members' new text).
    pub(super) fn forget_shader(&mut self, name: &str) {
        self.unused.retain(|n| n != name);
    }

    /// Whether the run of `shader` from node `first` is left unfused.
    fn is_blocked(&self, shader: &str, first: &str) -> bool {
        self.blocked
            .iter()
            .any(|b| b.shader == shader && b.first == first)
    }

    /// Leaves `run` (first member `first`) unfused: until frame `until`, or while the
    /// shaders are those of `generation`.
    fn block(&mut self, run: &FusedRun, first: &str, until: Option<u64>, generation: u64) {
        self.blocked.push(BlockedRun {
            shader: run.shader.clone(),
            first: first.to_string(),
            until,
            generation,
        });
    }

    /// A run whose members did not push their uniforms where its shader reads them
    /// ([`FusedRun::check_uniforms`]) is drawn operator by operator from now on (planned
    /// again at once).
    pub(super) fn block_misplaced(&mut self, rt: &mut ChainRuntime, generation: u64) {
        for run in rt.runs.iter().filter(|r| r.base.is_none()) {
            log::warn!(
                "fusing `{}`: its operators' uniforms are not where the fused shader reads them; drawing them one by one",
                run.label
            );
            self.block(run, &rt.nodes[run.members[0]].name, None, generation);
            rt.fusion_planned = false;
        }
    }

    /// Shaders of runs gone are kept a while (the inspector turns fusion off and on with
    /// its thumbnails: no recompiling each time); the least recently used go beyond
    /// `FUSED_SHADERS_KEPT`, with their pipelines.
    fn drop_unused_shaders(
        &mut self,
        runs: &[FusedRun],
        shaders: &mut ShaderLibrary,
        pipelines: &mut PipelineCache,
    ) {
        let used = |name: &str| runs.iter().any(|r| r.shader == name);
        self.unused.retain(|n| !used(n));
        let newly_unused: Vec<String> = shaders
            .names()
            .filter(|n| n.starts_with("fused/") && !used(n))
            .filter(|n| !self.unused.iter().any(|u| u == n))
            .map(str::to_string)
            .collect();
        self.unused.extend(newly_unused);
        while self.unused.len() > FUSED_SHADERS_KEPT {
            if let Some(name) = self.unused.pop_front() {
                shaders.unregister(&name);
                pipelines.invalidate_shader(&name);
            }
        }
    }
}

impl Engine {
    /// Finds the runs of pointwise operators to fuse ([`crate::fusion::plan_runs`]) and
    /// registers their shaders; a run that is still there keeps its pass and bind group,
    /// and the shaders and pipelines of runs gone are dropped.
    pub(super) fn plan_fusion(&mut self) {
        let Some(rt) = &mut self.chain else { return };
        rt.fusion_planned = true;
        let enabled = self.options.fuse && self.display.thumbs.is_none();
        let align = self.arena.align();
        let max_span =
            (self.gpu.device().limits().max_uniform_buffer_binding_size as usize).min(1 << 16);
        let groups = if enabled {
            let pointwise: Vec<Option<u32>> = rt
                .nodes
                .iter()
                .enumerate()
                // A node that does not run is in no run.
                .map(|(i, n)| {
                    n.info
                        .pointwise()
                        .filter(|_| rt.is_needed(i))
                        .map(|s| s.params_size)
                })
                .collect();
            let inputs: Vec<Vec<usize>> = rt.nodes.iter().map(|n| n.inputs.clone()).collect();
            let sizes: Vec<[u32; 2]> = rt.nodes.iter().map(|n| n.size).collect();
            crate::fusion::plan_runs(
                &rt.spec.order,
                &pointwise,
                &inputs,
                &sizes,
                &rt.spec.shown_nodes(rt.shown),
                align,
                max_span,
            )
        } else {
            Vec::new()
        };
        let mut old = std::mem::take(&mut rt.runs);
        for members in groups {
            let pw: Vec<&crate::operator::WgslShader> = members
                .iter()
                .filter_map(|&i| rt.nodes[i].info.pointwise().map(AsRef::as_ref))
                .collect();
            let sizes: Vec<u32> = pw.iter().map(|s| s.params_size).collect();
            let layout = crate::fusion::layout(&sizes, align);
            let text = match crate::fusion::shader_text(&self.shaders, &pw, &layout) {
                Ok(text) => text,
                Err(e) => {
                    log::warn!(
                        "fusing `{}`: {e}; drawing its operators one by one",
                        rt.nodes[members[0]].name
                    );
                    continue;
                }
            };
            let shader = format!(
                "fused/{:016x}.wgsl",
                crate::shaders::fxhash(text.as_bytes())
            );
            if self.fusion.is_blocked(&shader, &rt.nodes[members[0]].name) {
                continue;
            }
            if let Some(k) = old
                .iter()
                .position(|r| r.members == members && r.shader == shader)
            {
                rt.runs.push(old.swap_remove(k));
                continue;
            }
            if !self.shaders.contains(&shader) {
                let from = pw.iter().map(|m| m.library_name.clone()).collect();
                self.shaders.register_generated(&shader, text, from);
            }
            let (first, last) = (members[0], members[members.len() - 1]);
            let label = format!("{}…{}", rt.nodes[first].name, rt.nodes[last].name);
            let pass =
                FullscreenPass::new(shader.clone(), size_of::<crate::operator::FrameHeader>())
                    .with_params(layout.block_size());
            rt.runs.push(FusedRun {
                pass,
                members,
                shader,
                layout,
                label,
                prepared: None,
                ready: false,
                base: None,
                block: UniformSlot::default(),
                block_bytes: Vec::new(),
            });
        }
        drop(old);
        self.fusion
            .drop_unused_shaders(&rt.runs, &mut self.shaders, &mut self.pipelines);
        rt.index_runs();
    }

    /// Prepares the fused runs' passes whose textures, uniform buffer or shaders changed.
    /// A run that fails is drawn operator by operator meanwhile.
    pub(super) fn prepare_fused(&mut self) {
        let Some(rt) = &mut self.chain else { return };
        let dummy = &self.dummy;
        let now = self.stats.run.frames;
        for run in &mut rt.runs {
            run.ready = false;
            let (first, last) = (run.members[0], run.members[run.members.len() - 1]);
            let input = rt.nodes[first]
                .inputs
                .first()
                .and_then(|&j| rt.slots.output(j))
                .unwrap_or(dummy);
            let Some(output) = rt.slots.output(last) else {
                continue;
            };
            let mut h = std::collections::hash_map::DefaultHasher::new();
            input.id().hash(&mut h);
            output.id().hash(&mut h);
            self.arena.buffer_id().hash(&mut h);
            self.generations.shaders.hash(&mut h);
            let key = h.finish();
            if run.prepared == Some(key) {
                run.ready = true;
                continue;
            }
            let n = &rt.nodes[last];
            let mut cx = PrepareCx {
                gpu: &self.gpu,
                pipelines: &mut self.pipelines,
                shaders: &self.shaders,
                pool: &mut self.pool,
                uniforms: &self.arena,
                dummy,
                inputs: &[input],
                output,
                params: n.params.values(),
                animated: n.params.animated(),
                name: &run.label,
                scene: SceneView::EMPTY,
                files_generation: 0,
                still_bound: false,
                files: &self.files,
                pending: false,
            };
            let pass = &mut run.pass;
            let result = self.gpu.scoped(&format!("preparing `{}`", run.label), || {
                pass.prepare(
                    &mut cx,
                    &[input],
                    output,
                    crate::resources::SamplerKind::LinearClamp,
                )
            });
            match result.and_then(|r| r) {
                Ok(()) => {
                    run.prepared = Some(key);
                    run.ready = true;
                }
                Err(e) => {
                    // Its operators draw one by one (planned again at once); out of memory
                    // is tried again later. No operator shows it: the GPU's error log does.
                    self.gpu.report(format!(
                        "fusing `{}`: {e}; drawing its operators one by one",
                        run.label
                    ));
                    let until = e.is_transient().then_some(now + FUSION_RETRY_FRAMES);
                    let first = &rt.nodes[first].name;
                    self.fusion
                        .block(run, first, until, self.generations.shaders);
                    rt.fusion_planned = false;
                }
            }
        }
    }
}
