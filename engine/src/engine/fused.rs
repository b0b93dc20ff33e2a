//! Fused runs of pointwise operators: planning them and preparing their passes.

use std::hash::{Hash, Hasher};

use super::Engine;
use crate::fullscreen::FullscreenPass;
use crate::fusion::Pointwise;
use crate::operator::PrepareCx;
use crate::scene::SceneView;

/// Frames a run whose pass ran out of memory is drawn unfused before fusing is tried again.
pub(super) const FUSION_RETRY_FRAMES: u64 = 4;

/// Shaders (and pipelines) of fused runs no longer in the chain kept for when they come back.
pub(super) const FUSED_SHADERS_KEPT: usize = 8;

/// A run left unfused because its pass could not be drawn: until frame `until` (out of
/// memory), or while the shaders are those of `generation` (anything else).
pub(super) struct BlockedRun {
    pub(super) shader: String,
    /// Its first member's name.
    pub(super) first: String,
    pub(super) until: Option<u64>,
    pub(super) generation: u64,
}

/// A run of pointwise operators and its pass.
pub(super) struct FusedRun {
    /// Node indices, in order.
    pub(super) members: Vec<usize>,
    /// Library name of its generated shader (`fused/<hash>.wgsl`).
    pub(super) shader: String,
    /// Offsets of the members' uniform structs relative to the first's, and their span.
    pub(super) offsets: Vec<usize>,
    pub(super) span: usize,
    pub(super) pass: FullscreenPass,
    /// Shown in debug groups and the profile: `first…last`.
    pub(super) label: String,
    /// Prepare key (first input, last output, uniform buffer, shader generation) of the
    /// last successful prepare. (A failed run is planned out at once: see `BlockedRun`.)
    pub(super) prepared: Option<u64>,
    /// Whether the pass is prepared for this frame's textures.
    pub(super) ready: bool,
    /// This frame's offset of the first member's uniforms, when every member's struct is
    /// where the shader expects it.
    pub(super) base: Option<u32>,
}

impl FusedRun {
    /// Whether it draws this frame (else its members draw one by one).
    pub(super) fn active(&self) -> bool {
        self.ready && self.base.is_some()
    }
}

/// What fusion keeps across plans.
#[derive(Default)]
pub(super) struct Fusion {
    /// Fused shaders no run uses now, least recently used first ([`FUSED_SHADERS_KEPT`]).
    pub(super) unused: std::collections::VecDeque<String>,
    /// Runs drawn operator by operator for now.
    pub(super) blocked: Vec<BlockedRun>,
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
            let pointwise: Vec<Option<Pointwise>> =
                rt.nodes.iter().map(|n| n.info.pointwise).collect();
            let inputs: Vec<Vec<usize>> = rt.nodes.iter().map(|n| n.inputs.clone()).collect();
            let sizes: Vec<[u32; 2]> = rt.nodes.iter().map(|n| n.size).collect();
            crate::fusion::plan_runs(
                &rt.spec.order,
                &pointwise,
                &inputs,
                &sizes,
                rt.shown,
                align,
                max_span,
            )
        } else {
            Vec::new()
        };
        let mut old = std::mem::take(&mut rt.runs);
        for members in groups {
            let pw: Vec<Pointwise> = members
                .iter()
                .filter_map(|&i| rt.nodes[i].info.pointwise)
                .collect();
            let (offsets, span) = crate::fusion::layout(&pw, align);
            let text = crate::fusion::shader_text(&pw, &offsets);
            let shader = format!(
                "fused/{:016x}.wgsl",
                crate::shaders::fxhash(text.as_bytes())
            );
            let first = &rt.nodes[members[0]].name;
            if self
                .fusion
                .blocked
                .iter()
                .any(|b| b.shader == shader && b.first == *first)
            {
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
                self.shaders.register_generated(&shader, text);
            }
            let (first, last) = (members[0], members[members.len() - 1]);
            let label = format!("{}…{}", rt.nodes[first].name, rt.nodes[last].name);
            rt.runs.push(FusedRun {
                pass: FullscreenPass::new(shader.clone(), span),
                members,
                shader,
                offsets,
                span,
                label,
                prepared: None,
                ready: false,
                base: None,
            });
        }
        drop(old);
        // Shaders of runs gone are kept a while (the inspector turns fusion off and on with
        // its thumbnails: no recompiling each time); the least recently used go beyond
        // `FUSED_SHADERS_KEPT`, with their pipelines.
        let used = |name: &str| rt.runs.iter().any(|r| r.shader == name);
        self.fusion.unused.retain(|n| !used(n));
        let newly_unused: Vec<String> = self
            .shaders
            .names()
            .filter(|n| n.starts_with("fused/") && !used(n))
            .filter(|n| !self.fusion.unused.iter().any(|u| u == n))
            .map(str::to_string)
            .collect();
        self.fusion.unused.extend(newly_unused);
        while self.fusion.unused.len() > FUSED_SHADERS_KEPT {
            if let Some(name) = self.fusion.unused.pop_front() {
                self.shaders.unregister(&name);
                self.pipelines.invalidate_shader(&name);
            }
        }
        rt.run_of = vec![None; rt.nodes.len()];
        for (r, run) in rt.runs.iter().enumerate() {
            for (k, &m) in run.members.iter().enumerate() {
                rt.run_of[m] = Some((r, k));
            }
        }
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
                    // is tried again later.
                    log::warn!(
                        "fusing `{}`: {e}; drawing its operators one by one",
                        run.label
                    );
                    let until = e.is_transient().then_some(now + FUSION_RETRY_FRAMES);
                    self.fusion.blocked.push(BlockedRun {
                        shader: run.shader.clone(),
                        first: rt.nodes[first].name.clone(),
                        until,
                        generation: self.generations.shaders,
                    });
                    rt.fusion_planned = false;
                }
            }
        }
    }
}
