//! One frame: [`Engine::render`] and its phases, in the order they run.

use std::time::Instant;

use super::Engine;
use super::display::{FramePass, Target};
use super::report::FrameReport;
use crate::encoder::FrameEncoder;
use crate::error::{EngineError, Result};
use crate::operator::{Counters, EncodeCx, FrameTime, MAX_INPUTS, PrepareCx, UniformCx};
use crate::profile::Profiler;
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
        pass: Option<&mut dyn FramePass>,
    ) -> Result<FrameReport> {
        self.render_outputs(time, &mut [target], capture, pass)
    }

    /// [`render_with`](Self::render_with) into several targets: `targets[i]` shows output
    /// `i` (the chain's `[[window]]`s; the first shows the chain's output, or the node
    /// soloed, and gets the overlay and `pass`), each through its warp and blend. One
    /// encoder, one submit for all; [`Target::None`] leaves an output out this frame (a
    /// minimised window) without dropping what it prepared.
    pub fn render_outputs(
        &mut self,
        time: FrameTime,
        targets: &mut [Target<'_>],
        capture: bool,
        mut pass: Option<&mut dyn FramePass>,
    ) -> Result<FrameReport> {
        // A lost device, or a frame in flight past the deadline (a fault, `watchdog.rs`):
        // replaced. Frames in flight are waited for here, outside the frame's CPU time.
        let replaced = self.recover_if_lost()?;
        // The host's targets belong to the old device: nothing is drawn into them this
        // frame (the host configures its surfaces anew, `device_generation` moved).
        if replaced {
            for t in targets.iter_mut() {
                *t = Target::None;
            }
        }
        let target: &[Target<'_>] = targets;
        let started = Instant::now();
        let counts = self.gpu.counts().clone();
        let created_before = counts.total_created();
        let before = counts.snapshot();
        if self.chain.is_none() {
            return Err(EngineError::NoChain);
        }
        self.display.capture |= capture;

        // 1. evaluate
        self.evaluate(time);
        // 2. outputs
        self.ensure_outputs()?;
        // 3. scene
        self.update_scene(time);
        // 4. uniforms and 5. prepare
        self.write_uniforms_and_prepare(time, target)?;
        self.prepare_thumbnails();
        self.prepare_target(target)?;
        self.prepare_frame_pass(target, pass.as_deref_mut())?;
        self.prepare_tap(time);
        self.pool.trim();
        self.prepare_profiler();
        // 6. encode
        let (commands, encoded, operators_run, compute_passes) =
            self.encode(target, capture, pass.as_deref_mut(), started);
        // 7. submit
        self.submit(commands, pass);
        // 8. record
        let after = counts.snapshot();
        let report = FrameReport {
            frame: time.frame,
            encoders: after.command_encoders - before.command_encoders,
            submits: after.submits - before.submits,
            objects_created: counts.total_created() - created_before,
            steady: self.stats.steady(),
            counters: encoded,
            operators_run,
            compute_passes,
        };
        self.stats
            .record(&self.gpu, &report, &before, &after, started.elapsed());
        self.stats.last_time = Some(time.time);
        Ok(report)
    }

    /// Waits for the frame in flight whose staging buffer this frame uses — on a CPU driver
    /// for the last frame: lavapipe would wait for it anyway, inside this frame's submit (its
    /// uniform upload writes a buffer that frame reads), where no deadline reaches. A frame
    /// that finished proves its shaders good; one past the deadline is a fault — unless
    /// excused (nothing to suspect, or a replaced device's late work still runs), then its
    /// deadline starts again.
    pub(super) fn wait_for_frame_in_flight(&mut self) -> Result<()> {
        let ago = if self.gpu.adapter_info().device_type == wgpu::DeviceType::Cpu {
            1
        } else {
            crate::resources::RING
        };
        loop {
            match self.arena.wait_for_frame(&self.gpu, ago) {
                Ok(Some(tag)) => {
                    self.frame_finished(tag);
                    return Ok(());
                }
                Ok(None) => return Ok(()),
                Err(_) if self.late_frame_excused() => self.arena.restart_deadline(ago),
                Err(missed) => return self.handle_late_frame(missed),
            }
        }
    }

    /// Phase 1, evaluate: expressions of the variables (`time`, `frame`, `delta`, a host's
    /// own) give this frame's parameter values. Allocates nothing.
    fn evaluate(&mut self, time: FrameTime) {
        let delta = self
            .stats
            .last_time
            .map_or(0.0, |t| (time.time - t).max(0.0));
        self.vars.set_time(time.time, time.frame as f64, delta);
        if let Some(rt) = &mut self.chain {
            for n in &mut rt.nodes {
                n.params.evaluate(&self.vars);
            }
        }
    }

    /// Phase 2, outputs: makes sure every node has an output texture of its size. When a
    /// size, the node shown or the fusion settings changed (or a run left unfused may be
    /// tried again), the fused runs are planned, then the slots
    /// ([`ChainRuntime::replan`](super::runtime::ChainRuntime::replan)).
    fn ensure_outputs(&mut self) -> Result<()> {
        let unblocked = self
            .fusion
            .unblock(self.stats.run.frames, self.generations.shaders);
        let everything = self.display.thumbs.is_some();
        let Some(rt) = &mut self.chain else {
            return Ok(());
        };
        let needed = rt.update_needed(everything);
        let resized = rt
            .nodes
            .iter()
            .map(|n| n.size)
            .ne(rt.planned.iter().copied());
        if resized || needed || !rt.fusion_planned || unblocked {
            // Runs first: the slot plan keeps each run's input alive until it is drawn.
            self.plan_fusion();
            if let Some(rt) = &mut self.chain {
                rt.replan(&self.gpu, &mut self.pool)?;
                rt.forget_fused_members(&self.registry);
            }
        }
        Ok(())
    }

    /// Phase 3, scene: the scene nodes prepare if their key changed (a mesh builds its
    /// geometry), then each gives its item for this frame.
    fn update_scene(&mut self, time: FrameTime) {
        self.prepare_nodes(true);
        let Some(rt) = &mut self.chain else { return };
        for &i in &rt.spec.order {
            let needed = rt.is_needed(i);
            let n = &mut rt.nodes[i];
            if n.info.scene.is_none() {
                continue;
            }
            if !needed {
                rt.scene[i] = None;
                continue;
            }
            let cx = UniformCx {
                params: n.params.values(),
                time,
                delta: 0.0,
                size: (0, 0),
                input_sizes: &[],
                scene: SceneView::EMPTY,
                variables: self.registry.variables(),
                vars: &self.vars,
                audio: &self.audio,
            };
            rt.scene[i] = if n.prepared.is_some() {
                n.op.scene(&cx)
            } else {
                None
            };
        }
    }

    /// Phases 4 and 5, uniforms and prepare: the uniforms, then the prepare of the nodes
    /// and of the fused runs. A fused run that cannot be drawn this frame (its uniforms are
    /// not where its shader reads them, its pass failed) is left out and the chain planned
    /// again at once (its members need their own textures): at most a few rounds.
    fn write_uniforms_and_prepare(&mut self, time: FrameTime, target: &[Target<'_>]) -> Result<()> {
        for _ in 0..4 {
            self.write_uniforms(time, target);
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
        Ok(())
    }

    /// Phase 4, uniforms: every operator packs its uniform struct into the arena (CPU
    /// bytes); a fused run checks that its members' structs are where its shader reads
    /// them; then the display's uniforms.
    fn write_uniforms(&mut self, time: FrameTime, target: &[Target<'_>]) {
        let delta = self
            .stats
            .last_time
            .map_or(0.0, |t| (time.time - t).max(0.0));
        let mut w = self.arena.writer();
        let dummy = &self.dummy;
        let Some(rt) = &mut self.chain else { return };
        for &i in &rt.spec.order {
            let needed = rt.is_needed(i);
            let n = &mut rt.nodes[i];
            if n.info.scene.is_some() || !needed {
                continue;
            }
            // An input without a texture gets the dummy's size: 1×1.
            let ins = rt.slots.inputs(&n.inputs, dummy);
            let mut input_sizes = [(0u32, 0u32); MAX_INPUTS];
            for (dst, t) in input_sizes.iter_mut().zip(ins.as_slice()) {
                *dst = t.size();
            }
            let cx = UniformCx {
                params: n.params.values(),
                time,
                delta,
                size: (n.size[0], n.size[1]),
                input_sizes: &input_sizes[..ins.as_slice().len()],
                scene: SceneView::new(&rt.scene, &n.refs),
                variables: self.registry.variables(),
                vars: &self.vars,
                audio: &self.audio,
            };
            let at = w.next_offset();
            n.op.write_uniforms(&cx, &mut w);
            if let Some((r, k)) = rt.run_of.get(i).copied().flatten() {
                rt.runs[r].check_uniforms(k, at, w.len());
            }
        }
        for run in &mut rt.runs {
            run.push_block(&mut w);
        }
        self.fusion.block_misplaced(rt, self.generations.shaders);
        self.display.write_uniforms(&mut w, rt, target);
    }

    /// Phase 5, prepare: prepares the nodes (the scene nodes, or the image operators) whose
    /// prepare key changed — the only step that creates GPU objects, inside an error scope.
    /// All-or-nothing: a failure leaves the operator as it was and is its error.
    fn prepare_nodes(&mut self, scene_nodes: bool) {
        let Some(rt) = &mut self.chain else { return };
        let dummy = &self.dummy;
        let now = self.stats.run.frames;
        for &i in &rt.spec.order {
            let needed = rt.is_needed(i);
            let n = &mut rt.nodes[i];
            // A node nothing shown needs prepares nothing.
            if n.info.scene.is_some() != scene_nodes || !needed {
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
            // Scene nodes bind nothing of the engine's: only their own key counts (a mesh
            // must not rebuild its geometry because the uniform buffer grew).
            let binds = (!scene_nodes).then(|| (ins.as_slice(), output, self.arena.buffer_id()));
            let (bound, key) = n.prepare_keys(binds, self.generations.shaders, &scene);
            n.bound = bound;
            if !n.needs_prepare(key, now) {
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
                files: &self.files,
                pending: false,
            };
            let op = &mut n.op;
            let result = self
                .gpu
                .scoped(&format!("preparing `{}`", n.name), || op.prepare(&mut cx));
            let pending = cx.pending;
            let error_changed = match result.and_then(|r| r) {
                Ok(()) => n.prepare_succeeded(key),
                Err(e) => n.prepare_failed(&e, key, cx.still_bound, now),
            };
            if error_changed {
                self.generations.errors += 1;
            }
            // A file read on another thread: prepared again next frame until it arrives,
            // and the frame it arrives in is a change (it may make objects).
            if pending || n.pending {
                self.stats.mark_changed();
            }
            n.pending = pending;
        }
    }

    /// Makes the profiler's queries and buffers for as many nodes as the chain has (a
    /// change when it grows), and starts its frame.
    fn prepare_profiler(&mut self) {
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
    }

    /// Phase 6, encode: ONE command encoder: the uniform upload, every operator's passes in
    /// topological order, then the display blit or copy and the readback copy. `EncodeCx`
    /// holds no device: nothing is created here.
    fn encode(
        &mut self,
        target: &[Target<'_>],
        capture: bool,
        pass: Option<&mut (dyn FramePass + '_)>,
        started: Instant,
    ) -> (wgpu::CommandBuffer, Counters, u64, u32) {
        let mut encoder = FrameEncoder::new(
            self.gpu.create_command_encoder("vivid.frame"),
            self.gpu.device().features(),
        );
        self.arena.upload(&self.gpu, &mut encoder);
        let (encoded, operators_run) = self.encode_nodes(&mut encoder);
        self.encode_target(&mut encoder, target, capture, pass);
        if let Some(p) = &mut self.profiler {
            p.end_frame(&mut encoder, started.elapsed());
        }
        let compute_passes = encoder.compute_passes();
        (encoder.finish(), encoded, operators_run, compute_passes)
    }

    /// Each operator's passes (a fused run's one pass in place of its members'), with its
    /// thumbnail and, when profiling, timestamps around it. Returns the operators' counters
    /// and how many operators (a fused run: one) recorded their passes.
    fn encode_nodes(&mut self, encoder: &mut FrameEncoder) -> (Counters, u64) {
        let mut stats = Counters::default();
        let mut operators_run = 0u64;
        let Some(rt) = &mut self.chain else {
            return (stats, operators_run);
        };
        let dummy = &self.dummy;
        let mut profiler = self.profiler.as_mut();
        let thumbs = self.display.thumbs.as_ref();
        for &i in &rt.spec.order {
            // A member of a fused run: the run's pass draws, in place of its last member.
            if let Some((run, k)) = rt.drawn_by_run(i) {
                if k + 1 == run.members.len() {
                    profiled(&mut profiler, encoder, i, |encoder| run.encode(encoder));
                    operators_run += 1;
                }
                continue;
            }
            let n = &mut rt.nodes[i];
            let Some(output) = rt.slots.output(i) else {
                continue;
            };
            // Not prepared, or prepared for textures it no longer has (the prepare for its
            // new ones failed): it does not draw this frame. Its output reads transparent,
            // not whatever its texture (shared with other nodes) held.
            if n.prepared.is_none() || n.prepared_bound != n.bound {
                clear(encoder, &output.view);
                continue;
            }
            let ins = rt.slots.inputs(&n.inputs, dummy);
            operators_run += 1;
            profiled(&mut profiler, encoder, i, |encoder| {
                // A marker, not a debug group: a group could not stay open across the
                // compute pass operators share.
                encoder.marker(&n.name);
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
                if let Some(t) = thumbs {
                    t.draw(encoder, &n.name);
                }
            });
        }
        (stats, operators_run)
    }

    /// Phase 7, submit: one `queue.submit`; the staging buffer is mapped again (the frame
    /// tagged with the watchdog's edit); `device.poll(Poll)` (nothing waits for the GPU here).
    fn submit(&mut self, commands: wgpu::CommandBuffer, pass: Option<&mut dyn FramePass>) {
        let submission = self.gpu.submit(commands);
        if let Some(p) = pass {
            p.after_submit(&submission);
        }
        if let Some(t) = &mut self.display.tap {
            t.after_submit(&self.gpu);
        }
        self.arena
            .after_submit_tagged(Some(submission), self.watchdog.tag());
        if let Some(p) = &mut self.profiler {
            p.after_submit();
        }
        let _ = self.gpu.device().poll(wgpu::PollType::Poll);
    }
}

/// Clears `view` to transparent black (the output of an operator that cannot draw).
fn clear(encoder: &mut wgpu::CommandEncoder, view: &wgpu::TextureView) {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some("vivid.clear"),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                store: wgpu::StoreOp::Store,
            },
        })],
        depth_stencil_attachment: None,
        timestamp_writes: None,
        occlusion_query_set: None,
        multiview_mask: None,
    });
}

/// Records node `i`'s passes with `draw`, between the profiler's timestamps when it is on
/// (and its CPU time).
fn profiled(
    profiler: &mut Option<&mut Profiler>,
    encoder: &mut FrameEncoder,
    i: usize,
    draw: impl FnOnce(&mut FrameEncoder),
) {
    let started = profiler.is_some().then(Instant::now);
    if let Some(p) = profiler {
        p.before(encoder, i);
    }
    draw(encoder);
    if let (Some(p), Some(t)) = (profiler, started) {
        p.after(encoder, i, t.elapsed());
    }
}
