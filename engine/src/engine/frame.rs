//! One frame: `render` and its phases in order.

use std::hash::{Hash, Hasher};
use std::time::Instant;

use super::Engine;
use super::display::{BlitUniforms, FramePass, Target};
use super::fused::BlockedRun;
use super::report::FrameReport;
use super::runtime::MAX_RETRY_FRAMES;
use crate::error::{EngineError, Result};
use crate::gpu::GpuTexture;
use crate::operator::{EncodeCx, EncodeStats, FrameTime, MAX_INPUTS, PrepareCx, UniformCx};
use crate::resources::UniformSlot;
use crate::scene::SceneView;

impl Engine {
    /// Renders one frame at `time` into `target`; with `capture`, also copies the output for
    /// [`read_output`](Self::read_output).
    pub fn render(
        &mut self,
        time: FrameTime,
        target: Target<'_>,
        capture: bool,
    ) -> Result<FrameReport> {
        self.render_with(time, target, capture, None)
    }

    /// [`render`](Self::render), with `pass` drawn over the display after the blit, in the
    /// same encoder (the inspector's UI).
    pub fn render_with(
        &mut self,
        time: FrameTime,
        target: Target<'_>,
        capture: bool,
        mut pass: Option<&mut dyn FramePass>,
    ) -> Result<FrameReport> {
        self.recover_if_lost()?;
        // Frames in flight: wait for the GPU here, outside the frame's CPU time.
        self.arena.wait_for_staging(&self.gpu);
        let started = Instant::now();
        let counts = self.gpu.counts().clone();
        let created_before = counts.total_created();
        let before = counts.snapshot();
        if self.chain.is_none() {
            return Err(EngineError::NoChain);
        }
        self.display.capture |= capture;

        self.evaluate(time);
        self.ensure_outputs()?;
        self.update_scene(time);
        // A fused run that cannot be drawn this frame is left out and the chain planned
        // again at once (its members need their own textures): at most a few rounds.
        for _ in 0..4 {
            self.write_uniforms(time, &target);
            if self.arena.ensure_capacity(&self.gpu) {
                self.stats.mark_changed();
            }
            self.prepare_nodes(false);
            self.prepare_fused();
            if self.chain.as_ref().is_none_or(|rt| rt.fusion_planned) {
                break;
            }
            self.ensure_outputs()?;
        }
        self.prepare_thumbnails();
        self.prepare_target(&target)?;
        if let Some(p) = pass.as_deref_mut() {
            let format = match &target {
                Target::None => None,
                Target::View { format, .. } => Some(*format),
                Target::Copy { .. } => self.display.blit.texture.as_ref().map(GpuTexture::format),
            };
            if let Some(format) = format {
                match p.prepare(&self.gpu, format) {
                    Err(e) if e.is_transient() => log::error!("UI: {e}"),
                    other => other?,
                }
            }
        }
        self.pool.trim();
        let nodes = self.chain.as_ref().map_or(0, |rt| rt.nodes.len());
        let grew = self
            .profiler
            .as_mut()
            .is_some_and(|p| p.ensure(&self.gpu, nodes));
        if grew {
            self.stats.mark_changed();
        }
        if let Some(p) = &mut self.profiler {
            p.begin_frame();
        }

        let mut encoder = self.gpu.create_command_encoder("vivid.frame");
        self.arena.upload(&self.gpu, &mut encoder);
        let encoded = self.encode_nodes(&mut encoder);
        self.encode_target(&mut encoder, &target, capture, pass.as_deref_mut());
        if let Some(p) = &mut self.profiler {
            p.end_frame(&mut encoder, started.elapsed());
        }
        let submission = self.gpu.submit(encoder.finish());
        if let Some(p) = pass {
            p.after_submit(&submission);
        }
        self.arena.after_submit(Some(submission));
        if let Some(p) = &mut self.profiler {
            p.after_submit();
        }
        let _ = self.gpu.device().poll(wgpu::PollType::Poll);

        let after = counts.snapshot();
        let report = FrameReport {
            frame: time.frame,
            encoders: after.command_encoders - before.command_encoders,
            submits: after.submits - before.submits,
            objects_created: counts.total_created() - created_before,
            steady: self.stats.steady(),
            shadow_passes: encoded.shadow_passes,
        };
        self.stats
            .record(&self.gpu, &report, &before, &after, started.elapsed());
        Ok(report)
    }

    pub(super) fn evaluate(&mut self, time: FrameTime) {
        let vars = crate::params::ExprVars {
            time: time.time,
            frame: time.frame as f64,
        };
        if let Some(rt) = &mut self.chain {
            for n in &mut rt.nodes {
                n.params.evaluate(vars);
            }
        }
    }

    pub(super) fn ensure_outputs(&mut self) -> Result<()> {
        let (now, generation) = (self.stats.run.frames, self.generations.shaders);
        let blocked = self.fusion.blocked.len();
        self.fusion.blocked.retain(|b| match b.until {
            Some(until) => now < until,
            None => b.generation == generation,
        });
        let unblocked = self.fusion.blocked.len() != blocked;
        let Some(rt) = &self.chain else {
            return Ok(());
        };
        let resized = rt
            .nodes
            .iter()
            .map(|n| n.size)
            .ne(rt.planned.iter().copied());
        if resized || !rt.fusion_planned || unblocked {
            // Runs first: the slot plan keeps each run's input alive until it is drawn.
            self.plan_fusion();
            if let Some(rt) = &mut self.chain {
                rt.replan(&self.gpu, &mut self.pool)?;
                // A pointwise operator inside a fused run has no texture now: what it had
                // prepared (a bind group holding its old textures) goes, with a fresh,
                // empty instance (they keep no state).
                for (i, n) in rt.nodes.iter_mut().enumerate() {
                    if n.info.pointwise.is_some()
                        && n.prepared.is_some()
                        && rt.slots.has_none(i)
                        && let Some(op) = self.registry.create(&n.info.name)
                    {
                        n.op = op;
                        n.prepared = None;
                        n.failed = None;
                    }
                }
            }
        }
        Ok(())
    }

    pub(super) fn write_uniforms(&mut self, time: FrameTime, target: &Target<'_>) {
        let mut w = self.arena.writer();
        let dummy = &self.dummy;
        let Some(rt) = &mut self.chain else { return };
        for &i in &rt.spec.order {
            let n = &mut rt.nodes[i];
            if n.info.scene.is_some() {
                continue;
            }
            // An input without a texture gets the dummy's size: 1×1.
            let ins = rt.slots.inputs(&n.inputs, dummy);
            let mut input_sizes = [(0u32, 0u32); MAX_INPUTS];
            for (dst, t) in input_sizes.iter_mut().zip(ins.as_slice()) {
                *dst = t.size();
            }
            let count = ins.as_slice().len();
            let cx = UniformCx {
                params: n.params.values(),
                time,
                size: (n.size[0], n.size[1]),
                input_sizes: &input_sizes[..count],
                scene: SceneView::new(&rt.scene, &n.refs),
            };
            let at = w.next_offset();
            n.op.write_uniforms(&cx, &mut w);
            // A fused run's shader expects its members' structs at fixed offsets from the
            // first: check that each pushed exactly one, there.
            if let Some((r, k)) = rt.run_of.get(i).copied().flatten() {
                let run = &mut rt.runs[r];
                let size = n.info.pointwise.map_or(0, |p| p.uniform_size);
                if k == 0 {
                    run.base = u32::try_from(at).ok();
                }
                let expected = run.base.map(|b| b as usize + run.offsets[k]);
                if expected != Some(at) || w.len() != at + size {
                    run.base = None;
                }
            }
        }
        // A run whose members did not push their uniforms where its shader reads them is
        // drawn operator by operator from now on (planned again at once).
        for run in rt.runs.iter().filter(|r| r.base.is_none()) {
            log::warn!(
                "fusing `{}`: its operators' uniforms are not where the fused shader reads them; drawing them one by one",
                run.label
            );
            self.fusion.blocked.push(BlockedRun {
                shader: run.shader.clone(),
                first: rt.nodes[run.members[0]].name.clone(),
                until: None,
                generation: self.generations.shaders,
            });
            rt.fusion_planned = false;
        }
        if let Some(t) = &mut self.display.thumbs {
            t.slot = w.push(&BlitUniforms {
                scale: [1.0, 1.0],
                offset: [0.0, 0.0],
                target_is_srgb: 1,
                opaque: 0,
                _pad: [0; 2],
            });
        }
        let out = rt.nodes[rt.shown].size;
        let (tsize, srgb, opaque) = match target {
            Target::None => return,
            Target::View {
                size,
                format,
                opaque,
                ..
            } => (*size, format.is_srgb(), *opaque),
            Target::Copy { texture } => ((texture.width(), texture.height()), false, true),
        };
        // Letterbox: fit the output inside the target, keeping its aspect ratio.
        let (ow, oh) = (out[0] as f32, out[1] as f32);
        let (tw, th) = (tsize.0.max(1) as f32, tsize.1.max(1) as f32);
        let s = (tw / ow).min(th / oh);
        let scale = [ow * s / tw, oh * s / th];
        let offset = [(1.0 - scale[0]) * 0.5, (1.0 - scale[1]) * 0.5];
        self.display.blit.slot = w.push(&BlitUniforms {
            scale,
            offset,
            target_is_srgb: u32::from(srgb),
            opaque: u32::from(opaque),
            _pad: [0; 2],
        });
        if let (Some(overlay), Some(grid)) =
            (&mut self.display.overlay.pass, &self.display.overlay.grid)
        {
            overlay.write_uniforms(&mut w, grid, tsize, srgb);
        }
    }

    /// Scene nodes first: prepare those whose key changed (a mesh builds its geometry),
    /// then take every scene node's item for this frame.
    pub(super) fn update_scene(&mut self, time: FrameTime) {
        self.prepare_nodes(true);
        let Some(rt) = &mut self.chain else { return };
        for &i in &rt.spec.order {
            let n = &mut rt.nodes[i];
            if n.info.scene.is_none() {
                continue;
            }
            let cx = UniformCx {
                params: n.params.values(),
                time,
                size: (0, 0),
                input_sizes: &[],
                scene: SceneView::EMPTY,
            };
            rt.scene[i] = if n.prepared.is_some() {
                n.op.scene(&cx)
            } else {
                None
            };
        }
    }

    /// Prepares the nodes (the scene nodes, or the image operators) whose prepare key
    /// changed.
    pub(super) fn prepare_nodes(&mut self, scene_nodes: bool) {
        let Some(rt) = &mut self.chain else { return };
        let errors_generation = &mut self.generations.errors;
        let dummy = &self.dummy;
        let now = self.stats.run.frames;
        for &i in &rt.spec.order {
            let n = &mut rt.nodes[i];
            if n.info.scene.is_some() != scene_nodes {
                continue;
            }
            let ins = rt.slots.inputs(&n.inputs, dummy);
            // Scene nodes have no output: they get the dummy.
            let output = if scene_nodes {
                dummy
            } else if let Some(o) = rt.slots.output(i) {
                o
            } else {
                continue;
            };
            let scene = SceneView::new(&rt.scene, &n.refs);
            let mut h = std::collections::hash_map::DefaultHasher::new();
            // Scene nodes bind nothing of the engine's: only their own key counts (a mesh
            // must not rebuild its geometry because the uniform buffer grew).
            if !scene_nodes {
                for t in ins.as_slice() {
                    t.id().hash(&mut h);
                }
                output.id().hash(&mut h);
                self.arena.buffer_id().hash(&mut h);
            }
            // What its bind groups point at: if a prepare for these fails, its old ones may
            // point at textures that are gone or now another node's.
            let bound = h.finish();
            n.bound = bound;
            if !scene_nodes {
                self.generations.shaders.hash(&mut h);
            }
            n.op.prepare_key(n.params.values(), n.params.animated())
                .hash(&mut h);
            n.op.scene_key(&scene).hash(&mut h);
            // A file it names changed on disk (`files_changed`).
            n.files_generation.hash(&mut h);
            let key = h.finish();
            if n.prepared == Some(key)
                || (n.failed == Some(key) && n.retry_at.is_none_or(|at| now < at))
            {
                continue;
            }
            let mut cx = PrepareCx {
                gpu: &self.gpu,
                pipelines: &mut self.pipelines,
                shaders: &self.shaders,
                pool: &mut self.pool,
                uniforms: &self.arena,
                dummy,
                inputs: ins.as_slice(),
                output,
                params: n.params.values(),
                animated: n.params.animated(),
                name: &n.name,
                scene,
                files_generation: n.files_generation,
                still_bound: false,
            };
            let op = &mut n.op;
            let result = self
                .gpu
                .scoped(&format!("preparing `{}`", n.name), || op.prepare(&mut cx));
            match result.and_then(|r| r) {
                Ok(()) => {
                    n.prepared = Some(key);
                    n.prepared_bound = bound;
                    n.failed = None;
                    n.retry_at = None;
                    n.attempts = 0;
                    if n.error.take().is_some() {
                        *errors_generation += 1;
                    }
                }
                Err(e) => {
                    if cx.still_bound {
                        n.prepared_bound = bound;
                    }
                    let mut message = e.to_string();
                    if e.is_transient() {
                        use std::fmt::Write as _;
                        // Out of memory now may not be later: try again, less and less often.
                        n.attempts = n.attempts.saturating_add(1);
                        let wait = (1u64 << n.attempts.min(6)).min(MAX_RETRY_FRAMES);
                        n.retry_at = Some(now + wait);
                        let _ = write!(message, " (retrying in {wait} frames)");
                    } else {
                        n.retry_at = None;
                    }
                    log::error!("`{}` ({}): {message}", n.name, n.info.name);
                    n.failed = Some(key);
                    n.error = Some(message);
                    *errors_generation += 1;
                }
            }
        }
    }

    pub(super) fn encode_nodes(&mut self, encoder: &mut wgpu::CommandEncoder) -> EncodeStats {
        let mut stats = EncodeStats::default();
        let Some(rt) = &mut self.chain else {
            return stats;
        };
        let dummy = &self.dummy;
        let mut profiler = self.profiler.as_mut();
        let thumbs = self.display.thumbs.as_ref();
        for &i in &rt.spec.order {
            // A member of a fused run: the run's pass draws, in place of its last member.
            if let Some((run, k)) = rt.drawn_by_run(i) {
                if k + 1 < run.members.len() {
                    continue;
                }
                let started = profiler.is_some().then(Instant::now);
                if let Some(p) = &mut profiler {
                    p.before(encoder, i);
                }
                let uniforms = UniformSlot {
                    offset: run.base.unwrap_or(0),
                    size: run.span as u32,
                };
                run.pass.dispatch(encoder, uniforms, &run.label);
                if let (Some(p), Some(t)) = (&mut profiler, started) {
                    p.after(encoder, i, t.elapsed());
                }
                continue;
            }
            let n = &mut rt.nodes[i];
            // Not prepared, or prepared for textures it no longer has (the prepare for its
            // new ones failed): it does not draw this frame.
            if n.prepared.is_none() || n.prepared_bound != n.bound {
                continue;
            }
            let Some(output) = rt.slots.output(i) else {
                continue;
            };
            let ins = rt.slots.inputs(&n.inputs, dummy);
            let started = profiler.is_some().then(Instant::now);
            if let Some(p) = &mut profiler {
                p.before(encoder, i);
            }
            encoder.push_debug_group(&n.name);
            let mut cx = EncodeCx {
                encoder: &mut *encoder,
                inputs: ins.as_slice(),
                output,
                name: &n.name,
                scene: SceneView::new(&rt.scene, &n.refs),
                stats: &mut stats,
            };
            n.op.encode(&mut cx);
            // Its output may be reused by a later node: the thumbnail is taken now.
            if let Some(t) = thumbs
                && let Some(thumb) = t.by_name.get(&n.name)
            {
                thumb.blit.draw(encoder, &thumb.texture.view, t.slot);
            }
            encoder.pop_debug_group();
            if let (Some(p), Some(t)) = (&mut profiler, started) {
                p.after(encoder, i, t.elapsed());
            }
        }
        stats
    }
}
