//! Edits between frames: a new chain, parameters, sizes, shaders, files, a lost device.

use std::path::Path;
use std::time::Instant;

use super::Engine;
use super::display::{Blitter, Thumbnails};
use super::runtime::{ChainRuntime, Node, Slots};
use crate::chain::{ChainDesc, ChainSpec};
use crate::error::{EngineError, Result};
use crate::operator::WgslOperator;
use crate::params::{ParamKind, ParamSet, ParamSource, ParamValue, RawValue};
use crate::project::{apply_set, load_project};
use crate::resources::{PipelineCache, TextureKey, TexturePool, UniformArena};

/// What the host's edits set that outlives a chain, and the WGSL operators' shaders in use.
#[derive(Debug, Default)]
pub(super) struct Edits {
    /// The output size forced by [`Engine::set_output_size`].
    pub(super) size_override: Option<[u32; 2]>,
    /// The node shown instead of the chain's output (the inspector's "solo").
    pub(super) solo: Option<String>,
    /// Counts calls of [`Engine::files_changed`] that named a node's file.
    pub(super) files_counter: u64,
    /// Composed-text hash of the shader of each WGSL operator type in use.
    pub(super) wgsl_hashes: std::collections::HashMap<String, u64>,
    /// The chain as last set (reloading a built-in WGSL operator validates it again).
    pub(super) desc: Option<ChainDesc>,
    /// Bumped when the shader library changes in a way that may change a validation (a
    /// built-in shader reloaded, the library handed out mutably): a chain validated
    /// before on another thread is validated again ([`Engine::apply_loaded`]).
    pub(super) library: u64,
}

impl Engine {
    /// Shows node `name` instead of the chain's output (`None`: the output again). Scene
    /// nodes have no image and cannot be soloed. Kept across chain reloads while the node
    /// exists.
    pub fn set_solo(&mut self, name: Option<&str>) -> Result<()> {
        let Some(rt) = &mut self.chain else {
            return Err(EngineError::NoChain);
        };
        let shown = match name {
            None => rt.spec.main_node(),
            Some(n) => {
                let i = rt
                    .spec
                    .index_of(n)
                    .ok_or_else(|| EngineError::UnknownNode(n.to_string()))?;
                if rt.nodes[i].info.scene.is_some() {
                    return Err(EngineError::Param(format!("`{n}` has no image to show")));
                }
                i
            }
        };
        self.edits.solo = name.map(str::to_string);
        if rt.shown != shown {
            rt.shown = shown;
            rt.fusion_planned = false;
            rt.update_needed(self.display.thumbs.is_some());
            rt.replan(&self.gpu, &mut self.pool)?;
            self.pool.trim();
            self.stats.mark_changed();
        }
        Ok(())
    }

    /// The soloed node, if any.
    #[must_use]
    pub fn solo(&self) -> Option<&str> {
        self.edits.solo.as_deref()
    }

    /// Keeps a thumbnail of every operator's output, at most `max_side` pixels a side
    /// (`None`: none). Each is made once per operator (again only if its aspect changes)
    /// and drawn after the operator runs, in the frame's encoder.
    pub fn set_thumbnails(&mut self, max_side: Option<u32>) {
        let current = self.display.thumbs.as_ref().map(Thumbnails::max_side);
        if current == max_side {
            return;
        }
        self.display.thumbs = max_side.map(Thumbnails::new);
        // Every operator's output must be drawn to be shown: no fusion meanwhile.
        if let Some(rt) = &mut self.chain {
            rt.fusion_planned = false;
        }
        self.stats.mark_changed();
    }

    /// Fuses runs of pointwise operators into one pass each (on by default; see
    /// [`crate::fusion`]), or draws every operator on its own.
    pub fn set_fusion(&mut self, enabled: bool) {
        if self.options.fuse == enabled {
            return;
        }
        self.options.fuse = enabled;
        if let Some(rt) = &mut self.chain {
            rt.fusion_planned = false;
        }
        self.stats.mark_changed();
    }

    /// If the device was lost (driver reset, GPU removed, `Device::destroy`): makes a new
    /// device on the same adapter and everything again from the running chain — operators,
    /// pipelines, textures, uniforms — keeping every parameter, expression and `--set`
    /// value. State kept in GPU memory (a feedback trail) died with the device and starts
    /// over. The monitor prints the event. Otherwise it waits for the frame in flight that
    /// the next frame follows (bounded by the frame deadline): a frame past it replaces the
    /// device the same way, after quarantining the newest shader
    /// ([`EngineOptions::frame_deadline`](super::EngineOptions::frame_deadline)). Returns
    /// whether the device was replaced since the last call (here, or inside a
    /// [`render`](Self::render)).
    ///
    /// [`render`](Self::render) calls it first; a window runner calls it before acquiring
    /// a surface texture, so that it can configure the surface on the new device (and the
    /// driver has no late frame to wait for while acquiring). A host that renders into its
    /// own texture without calling it sees [`device_generation`](Self::device_generation)
    /// move: the frame that replaced the device drew nothing into the target, which
    /// belongs to the old device.
    pub fn recover_if_lost(&mut self) -> Result<bool> {
        if let Some(reason) = self.gpu.lost() {
            let (operators, ms) = self.replace_device()?;
            self.stats.run.device_recoveries += 1;
            self.stats.monitor.event(&format!(
                "GPU device lost ({reason}): recreated it and {operators} operators in {ms:.0} ms"
            ));
        } else {
            self.recover_if_late()?;
            self.wait_for_frame_in_flight()?;
        }
        Ok(self.watchdog.device_replaced(self.generations.device))
    }

    /// A new device on the same adapter and everything again from the running chain, as
    /// [`recover_if_lost`](Self::recover_if_lost) describes; the old device is released on a
    /// thread of its own (its work may still run: a late frame). Returns the operators made
    /// again and the milliseconds it took.
    pub(super) fn replace_device(&mut self) -> Result<(usize, f64)> {
        let started = Instant::now();
        let gpu = self.gpu.recreate()?;
        // What lived on the old device goes first (dropping destroys it there).
        let chain = self.chain.take();
        self.display.blits.clear();
        if let Some(c) = &mut self.display.output_capture {
            c.blit = Blitter::default();
        }
        self.display.readback = None;
        self.pipelines = PipelineCache::default();
        self.pool = TexturePool::default();
        self.edits.wgsl_hashes.clear();
        let old = std::mem::replace(&mut self.gpu, gpu);
        self.watchdog.retire(old, self.options.frame_deadline);
        self.arena = UniformArena::new(&self.gpu);
        self.arena.set_deadline(self.options.frame_deadline);
        self.dummy = self
            .gpu
            .create_texture(&TextureKey::color(1, 1).descriptor("vivid.dummy"));
        self.display.overlay.pass = self
            .display
            .overlay
            .pass
            .take()
            .map(|_| crate::overlay::Overlay::new(&self.gpu));
        self.display.overlay.dirty = true;
        if self.profiler.is_some() {
            self.profiler = Some(crate::profile::Profiler::new(&self.gpu));
        }
        let mut operators = 0;
        if let Some(mut rt) = chain {
            for n in &mut rt.nodes {
                if let Some(op) = self.registry.create(&n.info) {
                    n.op = op;
                }
                n.forget_prepare();
            }
            operators = rt.nodes.len();
            rt.device_lost();
            self.register_wgsl_shaders(&rt.spec)?;
            rt.replan(&self.gpu, &mut self.pool)?;
            self.chain = Some(rt);
        }
        self.generations.device += 1;
        self.generations.errors += 1;
        self.generations.shaders += 1;
        self.stats.mark_changed();
        Ok((operators, started.elapsed().as_secs_f64() * 1000.0))
    }

    /// Loads a project folder (or its chain.toml), applies `--set` overrides and makes it
    /// the running chain. On error the running chain (if any) is kept.
    pub fn load_project(&mut self, path: &Path, sets: &[String]) -> Result<()> {
        let mut project = load_project(path)?;
        let mut errs = Vec::new();
        for s in sets {
            if let Err(d) = apply_set(&mut project.desc, s) {
                errs.push(d);
            }
        }
        if !errs.is_empty() {
            return Err(EngineError::Project(crate::error::Diagnostics(errs)));
        }
        self.set_chain(&project.desc)
    }

    /// Validates `desc` and makes it the running chain. Operators that keep their name and
    /// type keep their state and textures; removed ones free theirs at once. On error the
    /// running chain is kept.
    pub fn set_chain(&mut self, desc: &ChainDesc) -> Result<()> {
        if self.registry.declare_variables_of(desc) > 0 {
            self.vars.resize(self.registry.variables());
        }
        let spec = desc
            .validate_allowing(
                &self.registry,
                self.gpu.max_texture_side(),
                &self.shaders,
                &self.options.allowed_paths,
            )
            .map_err(EngineError::Project)?;
        self.apply_spec(desc, spec)
    }

    /// Makes `spec`, validated from `desc` against this engine's registry and shaders, the
    /// running chain (see [`set_chain`](Self::set_chain)).
    pub(super) fn apply_spec(&mut self, desc: &ChainDesc, mut spec: ChainSpec) -> Result<()> {
        // Every operator can be made before anything of the running chain is touched.
        if let Some(n) = spec
            .nodes
            .iter()
            .find(|n| self.registry.create(&n.info).is_none())
        {
            return Err(EngineError::Param(format!(
                "operator type `{}` cannot be created",
                n.info.name
            )));
        }
        self.register_wgsl_shaders(&spec)?;
        if let Some(size) = self.edits.size_override {
            spec.fit_output_to(size);
        }
        // An operator in error that the edit removes takes its error with it: the errors
        // change (hosts follow `errors_generation`).
        let errors_before = self.errors();
        let (mut old, mut old_slots, old_bindings) = match self.chain.take() {
            Some(rt) => (rt.nodes, rt.slots, rt.bindings),
            None => (Vec::new(), Slots::default(), Vec::new()),
        };
        let nodes = self.make_nodes(&spec, &mut old);
        // Removed operators drop here (their own textures are freed now); the old output
        // slots go back to the pool, the new plan takes what it needs, the rest is freed.
        drop(old);
        old_slots.release(&mut self.pool);
        let shown = self
            .edits
            .solo
            .as_deref()
            .and_then(|s| spec.index_of(s))
            .filter(|&i| nodes[i].info.scene.is_none())
            .unwrap_or(spec.main_node());
        if let Some(t) = &mut self.display.thumbs {
            t.retain(|name| nodes.iter().any(|n| n.name == name));
        }
        let mut rt = ChainRuntime::new(spec, nodes, shown);
        for b in &mut rt.bindings {
            for o in &old_bindings {
                b.keep_state_of(o);
            }
            if let Some(n) = rt.nodes.get_mut(b.spec.node) {
                n.params.mark_bound(b.spec.param);
            }
        }
        rt.update_needed(self.display.thumbs.is_some());
        let planned = rt.replan(&self.gpu, &mut self.pool);
        self.pool.trim();
        self.drop_unused_wgsl_shaders(&rt.spec);
        self.edits.desc = Some(desc.clone());
        self.files = crate::files::Files::new(
            crate::files::FileRules::new(&desc.project_dir(), &self.options.allowed_paths),
            self.options.file_wait,
        );
        // A new chain: runs left unfused after a failure get another try.
        self.fusion.unblock_all();
        self.chain = Some(rt);
        if self.errors() != errors_before {
            self.generations.errors += 1;
        }
        self.stats.mark_changed();
        // wgpu frees destroyed resources in `poll`: do it now, not at a next frame that may
        // not come soon (a minimised window, a paused host).
        let _ = self.gpu.device().poll(wgpu::PollType::Poll);
        planned
    }

    /// The nodes of `spec`. An operator of `old` with the same name and type (and for WGSL
    /// operators the same shader) is taken out of it and kept, with its state; the others
    /// are made (every type can be: `set_chain` checked).
    fn make_nodes(&mut self, spec: &ChainSpec, old: &mut Vec<Node>) -> Vec<Node> {
        let sizes = spec.sizes();
        let mut nodes = Vec::with_capacity(spec.nodes.len());
        for (i, n) in spec.nodes.iter().enumerate() {
            let mut params = ParamSet::new(n.info.params.clone());
            for (idx, src) in &n.params {
                params.set(*idx, src.clone());
            }
            let reused = old
                .iter()
                .position(|o| {
                    o.name == n.name && o.info.name == n.info.name && o.info.shader == n.info.shader
                })
                .map(|k| old.swap_remove(k));
            let op = if let Some(mut o) = reused {
                o.op.chain_changed(params.values(), &mut self.pool);
                o.op
            } else {
                let Some(op) = self.registry.create(&n.info) else {
                    continue;
                };
                op
            };
            nodes.push(Node::new(spec, i, op, params, sizes[i]));
        }
        nodes
    }

    /// Puts the shaders of the WGSL operators of `spec` in the library with their
    /// interface; for each that is new or whose text changed, drops its old pipelines and
    /// builds the new one inside an error scope, so that a shader naga accepts but the
    /// driver does not fails here, before anything running is replaced.
    fn register_wgsl_shaders(&mut self, spec: &ChainSpec) -> Result<()> {
        let result = self.register_wgsl_shaders_of(spec);
        self.watchdog.end_edit();
        result
    }

    /// [`register_wgsl_shaders`](Self::register_wgsl_shaders), one edit of the watchdog's.
    fn register_wgsl_shaders_of(&mut self, spec: &ChainSpec) -> Result<()> {
        for n in &spec.nodes {
            let Some(shader) = &n.info.shader else {
                continue;
            };
            let name = &shader.library_name;
            shader.register(&mut self.shaders);
            let previous = self.edits.wgsl_hashes.insert(name.clone(), shader.hash);
            if previous == Some(shader.hash) {
                continue;
            }
            // New text: whatever is cached (even a module whose pipeline failed) is stale.
            self.pipelines.invalidate_shader(name);
            self.generations.shaders += 1;
            self.watchdog.shader_registered(name, shader.hash);
            // Quarantined and unchanged: not built (its operator's prepare is refused).
            if self.check_quarantine(shader) {
                continue;
            }
            if let Err(e) = WgslOperator::new(shader.clone()).compile(
                &self.gpu,
                &mut self.pipelines,
                &self.shaders,
            ) {
                // Try again at the next reload, even if the text is the same.
                self.edits.wgsl_hashes.remove(name);
                self.pipelines.invalidate_shader(name);
                return Err(match e {
                    EngineError::Gpu { message, .. } => {
                        EngineError::Shader(crate::error::Diagnostics(vec![
                            crate::error::Diagnostic::file_level(
                                &shader.path,
                                format!("the GPU driver rejected this shader: {message}"),
                            ),
                        ]))
                    }
                    other => other,
                });
            }
        }
        Ok(())
    }

    /// Forgets the shaders of WGSL operators `spec` does not use (a project's files leave
    /// the library).
    fn drop_unused_wgsl_shaders(&mut self, spec: &ChainSpec) {
        let used: Vec<&str> = spec
            .nodes
            .iter()
            .filter_map(|n| n.info.shader.as_ref())
            .map(|s| s.library_name.as_str())
            .collect();
        let gone: Vec<String> = self
            .edits
            .wgsl_hashes
            .keys()
            .filter(|k| !used.contains(&k.as_str()))
            .cloned()
            .collect();
        for name in gone {
            self.edits.wgsl_hashes.remove(&name);
            if name.starts_with("project:") {
                self.shaders.unregister(&name);
            }
            self.pipelines.invalidate_shader(&name);
        }
    }

    /// Reloads built-in shaders after files changed on disk (the library's disk root, e.g.
    /// the source tree's `shaders/`): every shader made of a file in `changed` — its own, or
    /// one it imports (a `common/` helper; `levels.wgsl` for the fused passes that call
    /// it) — is validated first; if any fails, nothing changes and the running pipelines
    /// keep rendering. Otherwise their pipelines are rebuilt at the next frame. Returns the
    /// shaders reloaded. A built-in operator written in WGSL whose file changed is reflected
    /// again (its parameters may have changed) and the running chain validated again; a
    /// fused pass inlining it is made again. (A project's shaders reload with its chain.)
    pub fn reload_shaders(&mut self, changed: &[std::path::PathBuf]) -> Result<Vec<String>> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let changed: Vec<_> = changed.iter().map(|p| canonical(p)).collect();
        let affected: Vec<String> = self
            .shaders
            .names()
            .filter(|name| !name.starts_with("common/") && !name.starts_with("project:"))
            .filter(|name| {
                self.shaders
                    .files_of(name)
                    .iter()
                    .any(|f| changed.contains(&canonical(f)))
            })
            .map(str::to_string)
            .collect();
        let mut diagnostics = Vec::new();
        // A fused pass inlines its members' text: it is made again from them, not reloaded.
        let (derived, affected): (Vec<String>, Vec<String>) = affected
            .into_iter()
            .partition(|name| self.shaders.is_derived(name));
        let mut hashes = Vec::with_capacity(affected.len());
        for name in &affected {
            // Its file changed: a quarantine ends (or the compose below refuses it again).
            self.lift_quarantine(name);
            match self.shaders.compose(name) {
                Ok(c) => hashes.push(c.hash),
                Err(EngineError::Shader(d)) => diagnostics.extend(d.0),
                Err(other) => return Err(other),
            }
        }
        if !diagnostics.is_empty() {
            return Err(EngineError::Shader(crate::error::Diagnostics(diagnostics)));
        }
        for (name, hash) in affected.iter().zip(hashes) {
            self.pipelines.invalidate_shader(name);
            self.edits.wgsl_hashes.remove(name);
            self.watchdog.shader_registered(name, hash);
            self.watchdog.live_edited(name);
        }
        self.watchdog.end_edit();
        for name in &derived {
            self.shaders.unregister(name);
            self.pipelines.invalidate_shader(name);
            self.fusion.forget_shader(name);
            if let Some(rt) = &mut self.chain {
                rt.fusion_planned = false;
            }
        }
        let affected: Vec<String> = affected.into_iter().chain(derived).collect();
        if !affected.is_empty() {
            self.edits.library += 1;
            self.generations.shaders += 1;
            self.stats.mark_changed();
        }
        // An operator type declared by a changed file: its interface is reflected again.
        let declared = affected.iter().any(|name| {
            self.registry
                .names()
                .any(|t| self.registry.declaring_shader(t) == Some(name.as_str()))
        });
        if declared && let Some(desc) = self.edits.desc.clone() {
            self.set_chain(&desc)?;
        }
        Ok(affected)
    }

    /// Forces the output to `size` (scaling every size in the chain), or back to the chain's
    /// own sizes with `None`. Applies to the running chain and later ones.
    pub fn set_output_size(&mut self, size: Option<[u32; 2]>) -> Result<()> {
        if let Some([w, h]) = size {
            self.gpu.check_size("output size", w, h)?;
        }
        self.edits.size_override = size;
        if let Some(rt) = &mut self.chain {
            if let Some(s) = size {
                rt.spec.fit_output_to(s);
            }
            rt.apply_sizes();
            self.stats.mark_changed();
        }
        Ok(())
    }

    /// [`set_param`](Self::set_param), numbers outside the parameter's range brought to its
    /// nearest end first (what a controller sends: a fader past its end is the end) — the
    /// value is typed as chain.toml's; only the range check differs.
    pub fn set_param_clamped(
        &mut self,
        node: &str,
        param: &str,
        value: impl Into<RawValue>,
    ) -> Result<()> {
        fn clamp(v: RawValue, lo: f64, hi: f64) -> RawValue {
            match v {
                RawValue::Float(x) => RawValue::Float(x.clamp(lo, hi)),
                RawValue::Int(i) => {
                    let (lo, hi) = (lo.ceil(), hi.floor());
                    if (i as f64) < lo {
                        RawValue::Int(lo as i64)
                    } else if (i as f64) > hi {
                        RawValue::Int(hi as i64)
                    } else {
                        RawValue::Int(i)
                    }
                }
                RawValue::Array(items) => {
                    RawValue::Array(items.into_iter().map(|v| clamp(v, lo, hi)).collect())
                }
                other => other,
            }
        }
        let value = value.into();
        let range = self.chain.as_ref().and_then(|rt| {
            let n = &rt.nodes[rt.spec.index_of(node)?];
            n.params.specs()[n.params.index_of(param)?].range
        });
        let value = match range {
            Some((lo, hi)) if lo <= hi => clamp(value, lo, hi),
            _ => value,
        };
        self.set_param(node, param, value)
    }

    /// Sets a parameter of a running operator (same value syntax as chain.toml).
    pub fn set_param(&mut self, node: &str, param: &str, value: impl Into<RawValue>) -> Result<()> {
        let value = value.into();
        if self.registry.declare_variables_in(&value) > 0 {
            self.vars.resize(self.registry.variables());
        }
        let rt = self.chain.as_mut().ok_or(EngineError::NoChain)?;
        let i = rt
            .spec
            .index_of(node)
            .ok_or_else(|| EngineError::UnknownNode(node.to_string()))?;
        if param == "size" && rt.nodes[i].info.scene.is_none() {
            let s = crate::chain::parse_size(&value, self.gpu.max_texture_side())
                .map_err(|m| EngineError::Param(format!("`{node}.size`: {m}")))?;
            rt.spec.nodes[i].size = Some(s);
            if let Some(o) = self.edits.size_override {
                rt.spec.fit_output_to(o);
            }
            rt.apply_sizes();
            self.stats.mark_changed();
            return Ok(());
        }
        let n = &mut rt.nodes[i];
        let idx = n.params.index_of(param).ok_or_else(|| {
            let hint =
                crate::error::did_you_mean(param, n.params.specs().iter().map(|s| s.name.as_ref()))
                    .map_or(String::new(), |h| format!("; {h}"));
            EngineError::Param(format!(
                "`{node}` ({}) has no parameter `{param}`{hint}",
                n.info.name
            ))
        })?;
        let spec = &n.params.specs()[idx];
        let src = spec
            .parse_with(&value, self.registry.variables())
            .map_err(|m| EngineError::Param(format!("`{node}`: {m}")))?;
        if let (ParamKind::Node(kind) | ParamKind::Nodes(kind), ParamSource::Const(v)) =
            (spec.kind, &src)
        {
            let names: &[String] = match v {
                ParamValue::Text(s) if s.is_empty() => &[],
                ParamValue::Text(s) => std::slice::from_ref(s),
                ParamValue::List(l) => l,
                _ => &[],
            };
            let mut resolved = Vec::with_capacity(names.len());
            for target in names {
                let j = rt.spec.index_of(target).ok_or_else(|| {
                    EngineError::Param(format!(
                        "`{node}.{param}`: no {} `{target}` in this chain",
                        kind.name()
                    ))
                })?;
                if rt.nodes[j].info.scene != Some(kind) {
                    return Err(EngineError::Param(format!(
                        "`{node}.{param}`: `{target}` is not a {}",
                        kind.name()
                    )));
                }
                resolved.push(j);
            }
            let n = &mut rt.nodes[i];
            n.refs.resize(n.params.specs().len(), Vec::new());
            n.refs[idx] = resolved;
            n.params.set(idx, src);
            return Ok(());
        }
        if matches!(spec.kind, ParamKind::File(_)) {
            return self.set_file_param(i, idx, src);
        }
        n.params.set(idx, src);
        Ok(())
    }

    // Files named by parameters (`image.path`, `mesh.path`): reloaded when they change on
    // disk.

    /// Files changed on disk (as the watcher reports them: `vivid_app::live::Live` calls
    /// this). Every node with a file parameter ([`ParamKind::File`]) naming one of them, or
    /// whose operator reads one ([`OperatorInfo::files`](crate::OperatorInfo::files): an
    /// ISF file's `IMPORTED` pictures), prepares again at the next frame — an `image` decodes its picture again, a `mesh`
    /// reads its glTF — and a picture that gives its node its size (no `size`) gives the
    /// new one. Until the new version loads, the last good one keeps rendering; a failure
    /// is the node's error ([`errors`](Self::errors)). Returns the files of `paths` that a
    /// node names (canonical).
    pub fn files_changed(&mut self, paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let changed: Vec<_> = paths.iter().map(|p| canonical(p)).collect();
        let max_side = self.gpu.max_texture_side();
        let rules = self.files.rules();
        let Some(rt) = &mut self.chain else {
            return Vec::new();
        };
        let generation = self.edits.files_counter + 1;
        let mut affected = Vec::new();
        let mut resized = false;
        for (n, spec) in rt.nodes.iter_mut().zip(&mut rt.spec.nodes) {
            let mut named = false;
            for (p, value) in n.params.specs().iter().zip(&n.params.values().0) {
                let (ParamKind::File(kind), ParamValue::Text(file)) = (p.kind, value) else {
                    continue;
                };
                if file.is_empty() {
                    continue;
                }
                let path = canonical(Path::new(file));
                // A folder of frames changes with any file in it (a pattern's: its folder).
                let folder = if crate::files::pattern::is_pattern(&path) {
                    path.parent()
                        .map_or_else(|| path.clone(), Path::to_path_buf)
                } else {
                    path.clone()
                };
                let inside = kind == crate::params::FileKind::Frames
                    && changed.iter().any(|c| c.starts_with(&folder));
                if !changed.contains(&path) && !inside {
                    continue;
                }
                named = true;
                if !affected.contains(&path) {
                    affected.push(path);
                }
                // An unreadable file keeps the old size; its prepare reports the problem.
                if kind == crate::params::FileKind::Image
                    && let Ok(size) =
                        crate::chain::image_pixel_size(rules, Path::new(file), max_side)
                    && spec.natural_size != Some(size)
                {
                    spec.natural_size = Some(size);
                    resized |= spec.size.is_none();
                }
            }
            // The files the operator reads besides its parameters' (IMPORTED pictures).
            for f in n.info.files.iter() {
                let path = canonical(f);
                if changed.contains(&path) {
                    named = true;
                    if !affected.contains(&path) {
                        affected.push(path);
                    }
                }
            }
            if named {
                n.files_generation = generation;
            }
        }
        if resized {
            rt.apply_sizes();
        }
        if !affected.is_empty() {
            self.edits.files_counter = generation;
            self.stats.mark_changed();
        }
        affected
    }

    /// The files the running chain reads, resolved: those its nodes' file parameters name
    /// and its nodes' own shaders (a project's `.wgsl`). A runner that follows files watches
    /// the folders these are in.
    #[must_use]
    pub fn files_in_use(&self) -> Vec<std::path::PathBuf> {
        let Some(rt) = &self.chain else {
            return Vec::new();
        };
        let mut files: Vec<std::path::PathBuf> = Vec::new();
        for n in &rt.nodes {
            for (p, value) in n.params.specs().iter().zip(&n.params.values().0) {
                if let (ParamKind::File(_), ParamValue::Text(file)) = (p.kind, value)
                    && !file.is_empty()
                {
                    files.push(file.into());
                }
            }
            if let Some(shader) = n.info.shader.as_ref().filter(|s| s.from_file) {
                files.push(shader.path.clone());
            }
            files.extend(n.info.files.iter().cloned());
        }
        files.sort();
        files.dedup();
        files
    }

    /// [`set_param`](Self::set_param) of a file parameter (a path as given: relative to
    /// the working directory, not the project). The file must pass the file rule
    /// ([`crate::files`]: inside the project folder or an allowed one, a regular file); a
    /// picture must be readable (its header) before it is set, and it gives its node its
    /// size. The resolved path is stored.
    fn set_file_param(&mut self, node: usize, idx: usize, src: ParamSource) -> Result<()> {
        let max_side = self.gpu.max_texture_side();
        let rules = self.files.rules().clone();
        let rt = self.chain.as_mut().ok_or(EngineError::NoChain)?;
        let (n, spec) = (&mut rt.nodes[node], &mut rt.spec.nodes[node]);
        let p = &n.params.specs()[idx];
        let fail = |m: String| EngineError::Param(format!("`{}.{}`: {m}", n.name, p.name));
        let (src, natural) = match (p.kind, src) {
            (ParamKind::File(kind), ParamSource::Const(ParamValue::Text(file)))
                if !file.is_empty() =>
            {
                let checked = rules
                    .check(Path::new(&file), kind.role())
                    .map_err(|e| fail(e.to_string()))?;
                let natural = if kind == crate::params::FileKind::Image {
                    Some(
                        crate::chain::image_pixel_size(&rules, &checked.path, max_side)
                            .map_err(fail)?,
                    )
                } else {
                    None
                };
                let resolved = checked.path.to_string_lossy().to_string();
                (ParamSource::Const(ParamValue::Text(resolved)), natural)
            }
            (_, src) => (src, None),
        };
        n.params.set(idx, src);
        if natural != spec.natural_size {
            spec.natural_size = natural;
            if spec.size.is_none() {
                rt.apply_sizes();
                self.stats.mark_changed();
            }
        }
        Ok(())
    }
}
