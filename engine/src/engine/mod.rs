//! `Engine`: holds the chain and renders frames — one encoder, one submit, nothing created
//! in a steady frame.
//!
//! One frame, as [`Engine::render`] runs it:
//! 1. evaluate expressions of `time` and `frame`;
//! 2. make sure every node has an output texture of its size (pool, aliased slots); run
//!    the scene nodes (prepare if their key changed, then their [`SceneItem`] for the
//!    frame);
//! 3. every operator packs its uniforms into the arena (CPU);
//! 4. **prepare** the nodes whose inputs, output, uniform buffer or shaders changed — the
//!    only step that creates GPU objects;
//! 5. one command encoder: the uniform upload, every operator's passes in topological
//!    order, then the display blit or the readback copy;
//! 6. one `queue.submit`, `device.poll(Poll)`;
//! 7. statistics and the memory monitor.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::chain::{ChainDesc, ChainSpec};
use crate::custom::CustomOperator;
use crate::error::{EngineError, Result};
use crate::fullscreen::{Blit, FullscreenPass};
use crate::fusion::Pointwise;
use crate::gpu::{CountsSnapshot, Gpu, GpuTexture, WgpuCounters};
use crate::monitor::{MemoryMonitor, MonitorSample, rss_bytes};
use crate::operator::{
    EncodeCx, EncodeStats, FrameTime, MAX_INPUTS, Operator, OperatorInfo, PrepareCx, Registry,
    UniformCx,
};
use crate::params::{ParamKind, ParamSet, ParamSource, ParamValue, RawValue};
use crate::project::{apply_set, load_project};
use crate::readback::{FloatImage, Readback};
use crate::resources::{PipelineCache, TextureKey, TexturePool, UniformArena, UniformSlot};
use crate::scene::{SceneItem, SceneView};
use crate::shaders::ShaderLibrary;

/// Engine settings.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// Memory monitor period; `None` disables it.
    pub monitor_interval: Option<Duration>,
    /// Print the monitor's lines on stderr.
    pub monitor_print: bool,
    /// Frames after a change (new chain, new size) before a frame counts as steady.
    pub warmup_frames: u64,
    /// Fuse runs of pointwise operators into one pass each ([`crate::fusion`]).
    pub fuse: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            monitor_interval: Some(Duration::from_secs(10)),
            monitor_print: true,
            warmup_frames: 3,
            fuse: true,
        }
    }
}

/// Where a frame goes besides the chain's own textures.
#[derive(Clone, Copy, Debug, Default)]
pub enum Target<'a> {
    /// Nowhere: the host samples [`Engine::output_texture`] itself.
    #[default]
    None,
    /// Blit (letterboxed, converted to `format`) into a view the host owns.
    View {
        /// The view to render into (must allow `RENDER_ATTACHMENT`).
        view: &'a wgpu::TextureView,
        /// Its format (sRGB formats are handled: stored bytes equal display values).
        format: wgpu::TextureFormat,
        /// Its size.
        size: (u32, u32),
        /// Composite over black (a window) instead of keeping alpha.
        opaque: bool,
    },
    /// Blit into an engine-owned display texture, then copy into `texture` (an acquired
    /// surface texture, which must allow `COPY_DST` and match its format up to sRGB-ness).
    Copy {
        /// The destination.
        texture: &'a wgpu::Texture,
    },
}

/// What happened in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameReport {
    /// Frame index.
    pub frame: u64,
    /// Command encoders created in the frame.
    pub encoders: u64,
    /// Queue submits in the frame.
    pub submits: u64,
    /// wgpu objects the engine created in the frame.
    pub objects_created: u64,
    /// Whether the frame counted as steady (past warm-up since the last change).
    pub steady: bool,
    /// Shadow map passes recorded in the frame (0 when no shadow had to be redrawn).
    pub shadow_passes: u64,
}

/// Statistics of a run (`--stats-json`).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunStats {
    /// Frames rendered.
    pub frames: u64,
    /// Most command encoders in one frame.
    pub max_encoders_per_frame: u64,
    /// Most queue submits in one frame.
    pub max_submits_per_frame: u64,
    /// wgpu objects created in steady frames (after the first `warmup_frames` frames since
    /// the last change): the engine's own counts of every kind.
    pub gpu_objects_created_after_warmup: u64,
    /// The same, per kind (only kinds that were created).
    pub gpu_objects_created_after_warmup_by_kind: BTreeMap<String, u64>,
    /// wgpu's internal counters (live objects and allocated bytes) that differed from their
    /// value at the end of warm-up in some steady frame: (name, at warm-up, max seen).
    pub wgpu_counter_changes_after_warmup: Vec<(String, i64, i64)>,
    /// Frames of warm-up after each change.
    pub warmup_frames: u64,
    /// Changes that restarted warm-up (new chain, parameter edits, output or window size).
    pub changes: u64,
    /// Frames that counted as steady.
    pub steady_frames: u64,
    /// Shadow map passes of the last frame (0 in a static scene: maps are redrawn only
    /// when a light or a shadow caster changed).
    pub shadow_passes_last_frame: u64,
    /// Shadow map passes of the whole run.
    pub shadow_passes_total: u64,
    /// Process RSS after the first frame.
    pub rss_bytes_first: u64,
    /// Process RSS now (at the last frame).
    pub rss_bytes_last: u64,
    /// CPU time per frame (recording and submitting, not waiting for the GPU to free a
    /// frame in flight), milliseconds: mean, p50, p99, max.
    pub frame_cpu_ms: [f64; 4],
    /// Texture pool counters.
    pub texture_pool: crate::resources::PoolStats,
    /// wgpu errors reported outside error scopes.
    pub uncaptured_gpu_errors: u64,
    /// Expression results that were NaN or infinite (each kept the previous value).
    pub non_finite_expression_results: u64,
    /// Times the GPU device was lost and recreated.
    pub device_recoveries: u64,
    /// Events the monitor reported (device losses), with their time.
    pub events: Vec<String>,
    /// The engine's creation counts.
    pub counts: CountsSnapshot,
    /// The memory monitor's samples.
    pub monitor_samples: Vec<MonitorSample>,
}

/// Timings of one operator (medians and 99th percentiles, microseconds).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NodeProfile {
    /// Instance name.
    pub name: String,
    /// Operator type.
    pub type_name: String,
    /// Output size.
    pub size: [u32; 2],
    /// The least it can move through memory per frame: inputs read once, output written
    /// once (`Rgba16Float`: 8 bytes a pixel).
    pub floor_bytes: u64,
    /// GPU time: (median, p99).
    pub gpu_us: (f32, f32),
    /// CPU time recording its passes: (median, p99).
    pub cpu_us: (f32, f32),
    /// Frames measured.
    pub samples: usize,
    /// Operators drawn by this pass: 1, or a fused run's length (then `name` is
    /// `first…last`, `type_name` is `fused`, and the floor is that of one pass).
    pub operators: usize,
}

/// What [`Engine::profile`] measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Profile {
    /// Whether GPU times were measured (timestamp queries available).
    pub gpu_timing: bool,
    /// GPU time of whole frames, first operator start to last operator end: (median, p99).
    pub frame_gpu_us: (f32, f32),
    /// CPU time of whole frames in `render` up to the submit: evaluating parameters,
    /// packing uniforms, preparing, recording (not waiting for a frame in flight).
    pub frame_cpu_us: (f32, f32),
    /// Per operator, in the order they run.
    pub nodes: Vec<NodeProfile>,
}

/// An error of one operator (shown while the rest of the chain keeps running).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeError {
    /// Instance name.
    pub node: String,
    /// What went wrong.
    pub message: String,
}

struct Node {
    name: String,
    info: Arc<OperatorInfo>,
    op: Box<dyn Operator>,
    params: ParamSet,
    inputs: Vec<usize>,
    /// Per parameter: the scene nodes a reference parameter names.
    refs: Vec<Vec<usize>>,
    /// `[0, 0]` for scene nodes.
    size: [u32; 2],
    /// Prepare key of the last successful prepare.
    prepared: Option<u64>,
    /// Prepare key of the last failed prepare (not retried until the key changes, unless
    /// the failure was transient: see `retry_at`).
    failed: Option<u64>,
    /// After a transient failure (out of memory): the frame at which to try again.
    /// Back-off doubles with each failure in a row, up to `MAX_RETRY_FRAMES`.
    retry_at: Option<u64>,
    /// Transient failures in a row.
    attempts: u32,
    /// Hash of the textures and buffer it binds now, and when it last prepared.
    bound: u64,
    prepared_bound: u64,
    error: Option<String>,
    /// See [`PrepareCx::files_generation`] and [`Engine::files_changed`].
    files_generation: u64,
}

/// Frames a run whose pass ran out of memory is drawn unfused before fusing is tried again.
const FUSION_RETRY_FRAMES: u64 = 4;

/// Shaders (and pipelines) of fused runs no longer in the chain kept for when they come back.
const FUSED_SHADERS_KEPT: usize = 8;

/// The longest wait between two attempts to prepare an operator that ran out of memory.
const MAX_RETRY_FRAMES: u64 = 64;

struct ChainRuntime {
    spec: ChainSpec,
    nodes: Vec<Node>,
    /// Output textures, shared by nodes that run one after the other (`plan_slots`).
    slots: Vec<GpuTexture>,
    /// For each node, its slot.
    slot_of: Vec<usize>,
    /// Node sizes the plan was made for.
    planned: Vec<[u32; 2]>,
    /// This frame's item of each scene node (by node index; `None` for the others).
    scene: Vec<Option<SceneItem>>,
    /// The node shown (and read back): the chain's output, or a soloed node.
    shown: usize,
    /// Runs of pointwise operators drawn as one pass each ([`crate::fusion`]).
    runs: Vec<FusedRun>,
    /// For each node: its run and its place in it.
    run_of: Vec<Option<(usize, usize)>>,
    /// Whether `runs` is up to date with the plan, the node shown and the settings.
    fusion_planned: bool,
}

/// A run left unfused because its pass could not be drawn: until frame `until` (out of
/// memory), or while the shaders are those of `generation` (anything else).
struct BlockedRun {
    shader: String,
    /// Its first member's name.
    first: String,
    until: Option<u64>,
    generation: u64,
}

/// A run of pointwise operators and its pass.
struct FusedRun {
    /// Node indices, in order.
    members: Vec<usize>,
    /// Library name of its generated shader (`fused/<hash>.wgsl`).
    shader: String,
    /// Offsets of the members' uniform structs relative to the first's, and their span.
    offsets: Vec<usize>,
    span: usize,
    pass: FullscreenPass,
    /// Shown in debug groups and the profile: `first…last`.
    label: String,
    /// Prepare key (first input, last output, uniform buffer, shader generation) of the
    /// last successful prepare. (A failed run is planned out at once: see `BlockedRun`.)
    prepared: Option<u64>,
    /// Whether the pass is prepared for this frame's textures.
    ready: bool,
    /// This frame's offset of the first member's uniforms, when every member's struct is
    /// where the shader expects it.
    base: Option<u32>,
}

impl FusedRun {
    /// Whether it draws this frame (else its members draw one by one).
    fn active(&self) -> bool {
        self.ready && self.base.is_some()
    }
}

/// Node `i`'s output texture, from the fields (so a node can be borrowed mutably meanwhile).
fn slot<'a>(slots: &'a [GpuTexture], slot_of: &[usize], i: usize) -> Option<&'a GpuTexture> {
    slot_of.get(i).and_then(|&s| slots.get(s))
}

impl ChainRuntime {
    /// The fused run drawing node `i` this frame, and `i`'s place in it.
    fn drawn_by_run(&self, i: usize) -> Option<(&FusedRun, usize)> {
        let (r, k) = self.run_of.get(i).copied().flatten()?;
        let run = &self.runs[r];
        run.active().then_some((run, k))
    }

    /// Node `i`'s output texture.
    fn output(&self, i: usize) -> Option<&GpuTexture> {
        slot(&self.slots, &self.slot_of, i)
    }

    /// Makes the slot plan for the nodes' current sizes: old slot textures go back to the
    /// pool, the new ones come from it (same sizes: the same textures, nothing created).
    fn replan(&mut self, gpu: &Gpu, pool: &mut TexturePool) -> Result<()> {
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
        let (slot_of, slot_sizes) =
            crate::chain::plan_slots(&self.spec.order, &inputs, &planned_sizes, self.shown);
        for t in self.slots.drain(..) {
            pool.release(t);
        }
        self.slots = slot_sizes
            .iter()
            .map(|&[w, h]| pool.acquire(gpu, TextureKey::color(w, h), "vivid.slot"))
            .collect();
        self.slot_of = slot_of;
        self.planned = sizes;
        Ok(())
    }
}

/// Display blit state.
struct Blitter {
    pass: Option<Blit>,
    slot: UniformSlot,
    display: Option<GpuTexture>,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct BlitUniforms {
    scale: [f32; 2],
    offset: [f32; 2],
    target_is_srgb: u32,
    opaque: u32,
    _pad: [u32; 2],
}

/// Frame-time samples kept for percentiles.
const FRAME_TIMES_KEPT: usize = 4096;

/// The render engine.
pub struct Engine {
    gpu: Gpu,
    registry: Registry,
    shaders: ShaderLibrary,
    pipelines: PipelineCache,
    pool: TexturePool,
    arena: UniformArena,
    chain: Option<ChainRuntime>,
    blit: Blitter,
    readback: Option<Readback>,
    capture: bool,
    size_override: Option<[u32; 2]>,
    dummy: GpuTexture,
    monitor: MemoryMonitor,
    options: EngineOptions,
    stats: RunStats,
    frame_times: std::collections::VecDeque<f32>,
    frames_since_change: u64,
    wgpu_baseline: Option<WgpuCounters>,
    changes: BTreeMap<&'static str, (isize, isize)>,
    last_report: FrameReport,
    monitor_started: bool,
    errors_generation: u64,
    /// Bumped when shaders are reloaded: every node prepares again.
    shader_generation: u64,
    overlay: Option<crate::overlay::Overlay>,
    profiler: Option<crate::profile::Profiler>,
    overlay_grid: Option<crate::overlay::TextGrid>,
    overlay_dirty: bool,
    /// Composed-text hash of each custom shader in use.
    custom_hashes: std::collections::HashMap<String, u64>,
    /// Bumped each time a lost device is replaced.
    device_generation: u64,
    /// The node shown instead of the chain's output (the inspector's "solo").
    solo: Option<String>,
    /// Small copies of every operator's output (the inspector's chain view).
    thumbs: Option<Thumbnails>,
    /// Counts calls of [`files_changed`](Self::files_changed) that named a node's file.
    files_counter: u64,
    /// Fused shaders no run uses now, least recently used first ([`FUSED_SHADERS_KEPT`]).
    fused_unused: std::collections::VecDeque<String>,
    /// Runs drawn operator by operator for now.
    fusion_blocked: Vec<BlockedRun>,
}

/// A pass drawn over the display after the blit, in the frame's one encoder (the
/// inspector's UI). Like an operator it creates objects only in `prepare`.
pub trait FramePass {
    /// Before the frame's encoder: makes what is missing for a target of `format`, through
    /// `gpu`'s counted constructors.
    fn prepare(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) -> Result<()>;
    /// Records its drawing onto `target` (`size` pixels), after the display blit.
    fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        size: (u32, u32),
    );
    /// After the frame's submit.
    fn after_submit(&mut self, submission: &wgpu::SubmissionIndex);
}

/// One operator's thumbnail: its output blitted into a small sRGB texture after it runs.
struct Thumbnail {
    texture: GpuTexture,
    blit: Blit,
}

/// Thumbnails by node name, each at most `max_side` pixels wide or high.
struct Thumbnails {
    max_side: u32,
    by_name: std::collections::HashMap<String, Thumbnail>,
    slot: UniformSlot,
}

impl Thumbnails {
    fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.by_name.retain(|name, _| keep(name));
    }

    /// The thumbnail size for an output of `size`, keeping its aspect ratio.
    fn size_for(&self, [w, h]: [u32; 2]) -> (u32, u32) {
        let m = self.max_side as f32;
        let (w, h) = (w.max(1) as f32, h.max(1) as f32);
        let s = (m / w).min(m / h);
        (
            ((w * s).round() as u32).max(1),
            ((h * s).round() as u32).max(1),
        )
    }
}

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
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("gpu", &self.gpu.describe())
            .field("nodes", &self.node_names())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine on `gpu` with the operator types of `registry`.
    #[must_use]
    pub fn new(gpu: Gpu, registry: Registry, options: EngineOptions) -> Self {
        let mut shaders = ShaderLibrary::new();
        for (name, text) in registry.shaders() {
            shaders.register(name, text);
        }
        // A pointwise operator's file holds only its function: its pass is generated.
        for info in registry.infos() {
            if let Some(p) = &info.pointwise {
                shaders.register_generated(&p.pass_name(), p.pass_text());
            }
        }
        // Development: read WGSL from a folder (e.g. the source tree's shaders/) instead of
        // the embedded copies.
        if let Some(dir) = std::env::var_os("VIVID_SHADER_DIR") {
            shaders.set_disk_root(Some(dir.into()));
        }
        let arena = UniformArena::new(&gpu);
        let dummy = gpu.create_texture(&TextureKey::color(1, 1).descriptor("vivid.dummy"));
        let monitor = MemoryMonitor::new(options.monitor_interval, options.monitor_print);
        let stats = RunStats {
            warmup_frames: options.warmup_frames,
            ..Default::default()
        };
        Self {
            gpu,
            registry,
            shaders,
            pipelines: PipelineCache::default(),
            pool: TexturePool::default(),
            arena,
            chain: None,
            blit: Blitter {
                pass: None,
                slot: UniformSlot::default(),
                display: None,
            },
            readback: None,
            capture: false,
            size_override: None,
            dummy,
            monitor,
            options,
            stats,
            frame_times: std::collections::VecDeque::with_capacity(FRAME_TIMES_KEPT),
            frames_since_change: 0,
            wgpu_baseline: None,
            changes: BTreeMap::new(),
            last_report: FrameReport::default(),
            monitor_started: false,
            errors_generation: 0,
            shader_generation: 0,
            overlay: None,
            profiler: None,
            overlay_grid: None,
            overlay_dirty: false,
            custom_hashes: std::collections::HashMap::new(),
            device_generation: 0,
            solo: None,
            thumbs: None,
            files_counter: 0,
            fused_unused: std::collections::VecDeque::new(),
            fusion_blocked: Vec::new(),
        }
    }

    /// Shows node `name` instead of the chain's output (`None`: the output again). Scene
    /// nodes have no image and cannot be soloed. Kept across chain reloads while the node
    /// exists.
    pub fn set_solo(&mut self, name: Option<&str>) -> Result<()> {
        let Some(rt) = &mut self.chain else {
            return Err(EngineError::NoChain);
        };
        let shown = match name {
            None => rt.spec.output,
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
        self.solo = name.map(str::to_string);
        if rt.shown != shown {
            rt.shown = shown;
            rt.fusion_planned = false;
            rt.replan(&self.gpu, &mut self.pool)?;
            self.pool.trim();
            self.mark_changed();
        }
        Ok(())
    }

    /// The soloed node, if any.
    #[must_use]
    pub fn solo(&self) -> Option<&str> {
        self.solo.as_deref()
    }

    /// Keeps a thumbnail of every operator's output, at most `max_side` pixels a side
    /// (`None`: none). Each is made once per operator (again only if its aspect changes)
    /// and drawn after the operator runs, in the frame's encoder.
    pub fn set_thumbnails(&mut self, max_side: Option<u32>) {
        let current = self.thumbs.as_ref().map(|t| t.max_side);
        if current == max_side {
            return;
        }
        self.thumbs = max_side.map(|m| Thumbnails {
            max_side: m.clamp(8, 512),
            by_name: std::collections::HashMap::new(),
            slot: UniformSlot::default(),
        });
        // Every operator's output must be drawn to be shown: no fusion meanwhile.
        if let Some(rt) = &mut self.chain {
            rt.fusion_planned = false;
        }
        self.mark_changed();
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
        self.mark_changed();
    }

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

    /// Operator `name`'s thumbnail (sRGB, premultiplied) and its texture's id, once drawn.
    #[must_use]
    pub fn thumbnail(&self, name: &str) -> Option<(&wgpu::TextureView, u64)> {
        let t = self.thumbs.as_ref()?.by_name.get(name)?;
        Some((&t.texture.view, t.texture.id()))
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

    /// Node `name`'s parameters with this frame's values.
    #[must_use]
    pub fn param_views(&self, name: &str) -> Option<Vec<ParamView>> {
        let rt = self.chain.as_ref()?;
        let n = &rt.nodes[rt.spec.index_of(name)?];
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
                })
                .collect(),
        )
    }

    /// CPU time of recent frames, milliseconds, oldest first (up to 4096).
    #[must_use]
    pub fn frame_times(&self) -> impl ExactSizeIterator<Item = f32> + '_ {
        self.frame_times.iter().copied()
    }

    /// How many times a lost device was replaced (a window runner reconfigures its surface
    /// on [`gpu`](Self::gpu)'s new device when this changes).
    #[must_use]
    pub fn device_generation(&self) -> u64 {
        self.device_generation
    }

    /// If the device was lost (driver reset, GPU removed, `Device::destroy`): makes a new
    /// device on the same adapter and everything again from the running chain — operators,
    /// pipelines, textures, uniforms — keeping every parameter, expression and `--set`
    /// value. State kept in GPU memory (a feedback trail) died with the device and starts
    /// over. The monitor prints the event. Returns whether a recovery happened.
    ///
    /// [`render`](Self::render) calls it first; a window runner calls it before acquiring
    /// a surface texture, so that it can configure the surface on the new device.
    pub fn recover_if_lost(&mut self) -> Result<bool> {
        let Some(reason) = self.gpu.lost() else {
            return Ok(false);
        };
        let started = Instant::now();
        let gpu = self.gpu.recreate()?;
        // What lived on the old device goes first (dropping destroys it there).
        let chain = self.chain.take();
        self.blit = Blitter {
            pass: None,
            slot: UniformSlot::default(),
            display: None,
        };
        self.readback = None;
        self.pipelines = PipelineCache::default();
        self.pool = TexturePool::default();
        self.custom_hashes.clear();
        self.gpu = gpu;
        self.arena = UniformArena::new(&self.gpu);
        self.dummy = self
            .gpu
            .create_texture(&TextureKey::color(1, 1).descriptor("vivid.dummy"));
        self.overlay = self
            .overlay
            .take()
            .map(|_| crate::overlay::Overlay::new(&self.gpu));
        self.overlay_dirty = true;
        if self.profiler.is_some() {
            self.profiler = Some(crate::profile::Profiler::new(&self.gpu));
        }
        let mut operators = 0;
        if let Some(mut rt) = chain {
            for n in &mut rt.nodes {
                let fresh: Option<Box<dyn Operator>> = match &n.info.custom {
                    Some(c) => Some(Box::new(CustomOperator::new(c.clone()))),
                    None => self.registry.create(&n.info.name),
                };
                if let Some(op) = fresh {
                    n.op = op;
                }
                n.prepared = None;
                n.failed = None;
                n.retry_at = None;
                n.attempts = 0;
                n.error = None;
            }
            operators = rt.nodes.len();
            rt.slots.clear();
            rt.planned.clear();
            // Their passes hold the old device's objects: planned anew.
            rt.runs.clear();
            rt.fusion_planned = false;
            rt.scene.iter_mut().for_each(|s| *s = None);
            self.register_custom_shaders(&rt.spec)?;
            rt.replan(&self.gpu, &mut self.pool)?;
            self.chain = Some(rt);
        }
        self.device_generation += 1;
        self.stats.device_recoveries += 1;
        self.errors_generation += 1;
        self.shader_generation += 1;
        self.mark_changed();
        self.monitor.event(&format!(
            "GPU device lost ({reason}): recreated it and {operators} operators in {:.0} ms",
            started.elapsed().as_secs_f64() * 1000.0
        ));
        Ok(true)
    }

    /// The GPU.
    #[must_use]
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The operator types.
    #[must_use]
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The shader library (e.g. to read shaders from a source tree).
    pub fn shaders_mut(&mut self) -> &mut ShaderLibrary {
        &mut self.shaders
    }

    /// The file library shader `name` is read from, if it is read from disk.
    #[must_use]
    pub fn shader_file(&self, name: &str) -> Option<std::path::PathBuf> {
        self.shaders.file_path(name)
    }

    /// The folder built-in shaders are read from, if not the embedded copies.
    #[must_use]
    pub fn shader_root(&self) -> Option<&Path> {
        self.shaders.disk_root()
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
        let mut spec = desc
            .validate_with(&self.registry, self.gpu.max_texture_side(), &self.shaders)
            .map_err(EngineError::Project)?;
        // Every operator can be made before anything of the running chain is touched.
        if let Some(n) = spec
            .nodes
            .iter()
            .find(|n| n.info.custom.is_none() && self.registry.create(&n.info.name).is_none())
        {
            return Err(EngineError::Param(format!(
                "operator type `{}` cannot be created",
                n.info.name
            )));
        }
        self.register_custom_shaders(&spec)?;
        if let Some(size) = self.size_override {
            spec.fit_output_to(size);
        }
        let sizes = spec.sizes();
        let (mut old, old_slots): (Vec<Node>, Vec<GpuTexture>) = match self.chain.take() {
            Some(rt) => (rt.nodes, rt.slots),
            None => (Vec::new(), Vec::new()),
        };
        let mut nodes = Vec::with_capacity(spec.nodes.len());
        for (i, n) in spec.nodes.iter().enumerate() {
            let mut params = ParamSet::new(n.info.params.clone());
            for (idx, src) in &n.params {
                params.set(*idx, src.clone());
            }
            let inputs = n.inputs.iter().filter_map(|s| spec.index_of(s)).collect();
            // Same name, same type (and for custom shaders the same text): keep the
            // operator and its state.
            let reused = old
                .iter()
                .position(|o| {
                    o.name == n.name && o.info.name == n.info.name && o.info.custom == n.info.custom
                })
                .map(|k| old.swap_remove(k));
            let op = if let Some(mut o) = reused {
                o.op.chain_changed(params.values(), &mut self.pool);
                o.op
            } else {
                let op: Box<dyn Operator> = if let Some(c) = &n.info.custom {
                    Box::new(CustomOperator::new(c.clone()))
                } else {
                    // Checked above: every type here can be made.
                    let Some(op) = self.registry.create(&n.info.name) else {
                        continue;
                    };
                    op
                };
                op
            };
            nodes.push(Node {
                name: n.name.clone(),
                info: n.info.clone(),
                op,
                params,
                inputs,
                refs: n.refs.clone(),
                size: sizes[i],
                prepared: None,
                failed: None,
                retry_at: None,
                attempts: 0,
                bound: 0,
                prepared_bound: 0,
                error: None,
                files_generation: 0,
            });
        }
        // Removed operators drop here (their own textures are freed now); the old output
        // slots go back to the pool, the new plan takes what it needs, the rest is freed.
        drop(old);
        for t in old_slots {
            self.pool.release(t);
        }
        let shown = self
            .solo
            .as_deref()
            .and_then(|s| spec.index_of(s))
            .filter(|&i| nodes[i].info.scene.is_none())
            .unwrap_or(spec.output);
        if let Some(t) = &mut self.thumbs {
            t.retain(|name| nodes.iter().any(|n| n.name == name));
        }
        let mut rt = ChainRuntime {
            scene: vec![None; nodes.len()],
            spec,
            nodes,
            slots: Vec::new(),
            slot_of: Vec::new(),
            planned: Vec::new(),
            shown,
            runs: Vec::new(),
            run_of: Vec::new(),
            fusion_planned: false,
        };
        let planned = rt.replan(&self.gpu, &mut self.pool);
        self.pool.trim();
        self.drop_unused_custom_shaders(&rt.spec);
        // A new chain: runs left unfused after a failure get another try.
        self.fusion_blocked.clear();
        self.chain = Some(rt);
        self.mark_changed();
        // wgpu frees destroyed resources in `poll`: do it now, not at a next frame that may
        // not come soon (a minimised window, a paused host).
        let _ = self.gpu.device().poll(wgpu::PollType::Poll);
        planned
    }

    /// Registers the custom shaders of `spec` in the library; for each that is new or whose
    /// text changed, drops its old pipelines and builds the new ones inside an error scope,
    /// so that a shader naga accepts but the driver does not fails here, before anything
    /// running is replaced.
    fn register_custom_shaders(&mut self, spec: &ChainSpec) -> Result<()> {
        for n in &spec.nodes {
            let Some(c) = &n.info.custom else { continue };
            self.shaders.register_file(
                &c.library_name,
                &c.path,
                &["common/custom.wgsl"],
                c.appendix.clone(),
            );
            let previous = self.custom_hashes.insert(c.library_name.clone(), c.hash);
            if previous == Some(c.hash) {
                continue;
            }
            // New text: whatever is cached (even a module whose pipeline failed) is stale.
            self.pipelines.invalidate_shader(&c.library_name);
            self.shader_generation += 1;
            if let Err(e) = CustomOperator::new(c.clone()).compile(
                &self.gpu,
                &mut self.pipelines,
                &self.shaders,
            ) {
                // Try again at the next reload, even if the text is the same.
                self.custom_hashes.remove(&c.library_name);
                self.pipelines.invalidate_shader(&c.library_name);
                return Err(match e {
                    EngineError::Gpu { message, .. } => {
                        EngineError::Shader(crate::error::Diagnostics(vec![
                            crate::error::Diagnostic::file_level(
                                &c.path,
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

    /// Forgets the custom shaders `spec` does not use.
    fn drop_unused_custom_shaders(&mut self, spec: &ChainSpec) {
        let used: Vec<&str> = spec
            .nodes
            .iter()
            .filter_map(|n| n.info.custom.as_ref())
            .map(|c| c.library_name.as_str())
            .collect();
        let gone: Vec<String> = self
            .custom_hashes
            .keys()
            .filter(|k| !used.contains(&k.as_str()))
            .cloned()
            .collect();
        for name in gone {
            self.custom_hashes.remove(&name);
            self.shaders.unregister(&name);
            self.pipelines.invalidate_shader(&name);
        }
    }

    /// Reloads built-in shaders after files changed on disk (the library's disk root, e.g.
    /// the source tree's `shaders/`): every shader made of a file in `changed` — its own, or
    /// one it imports (a `common/` helper; `levels.wgsl` for the fused passes that call
    /// it) — is validated first; if any fails, nothing changes and the running pipelines
    /// keep rendering. Otherwise their pipelines are rebuilt at the next frame. Returns the
    /// shaders reloaded. (Custom shaders reload with the chain: their parameters may have
    /// changed.)
    pub fn reload_shaders(&mut self, changed: &[std::path::PathBuf]) -> Result<Vec<String>> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let changed: Vec<_> = changed.iter().map(|p| canonical(p)).collect();
        let affected: Vec<String> = self
            .shaders
            .names()
            .filter(|name| !name.starts_with("common/") && !name.starts_with("custom:"))
            .filter(|name| {
                self.shaders
                    .files_of(name)
                    .iter()
                    .any(|f| changed.contains(&canonical(f)))
            })
            .map(str::to_string)
            .collect();
        let mut diagnostics = Vec::new();
        for name in &affected {
            match self.shaders.compose(name) {
                Ok(_) => {}
                Err(EngineError::Shader(d)) => diagnostics.extend(d.0),
                Err(other) => return Err(other),
            }
        }
        if !diagnostics.is_empty() {
            return Err(EngineError::Shader(crate::error::Diagnostics(diagnostics)));
        }
        for name in &affected {
            self.pipelines.invalidate_shader(name);
        }
        if !affected.is_empty() {
            self.shader_generation += 1;
            self.mark_changed();
        }
        Ok(affected)
    }

    /// Forces the output to `size` (scaling every size in the chain), or back to the chain's
    /// own sizes with `None`. Applies to the running chain and later ones.
    pub fn set_output_size(&mut self, size: Option<[u32; 2]>) -> Result<()> {
        if let Some([w, h]) = size {
            self.gpu.check_size("output size", w, h)?;
        }
        self.size_override = size;
        if let Some(rt) = &mut self.chain {
            if let Some(s) = size {
                rt.spec.fit_output_to(s);
            }
            let sizes = rt.spec.sizes();
            for (n, s) in rt.nodes.iter_mut().zip(sizes) {
                n.size = s;
            }
            self.mark_changed();
        }
        Ok(())
    }

    /// Sets a parameter of a running operator (same value syntax as chain.toml).
    pub fn set_param(&mut self, node: &str, param: &str, value: impl Into<RawValue>) -> Result<()> {
        let value = value.into();
        let rt = self.chain.as_mut().ok_or(EngineError::NoChain)?;
        let i = rt
            .spec
            .index_of(node)
            .ok_or_else(|| EngineError::UnknownNode(node.to_string()))?;
        if param == "size" && rt.nodes[i].info.scene.is_none() {
            let s = crate::chain::parse_size(&value, self.gpu.max_texture_side())
                .map_err(|m| EngineError::Param(format!("`{node}.size`: {m}")))?;
            rt.spec.nodes[i].size = Some(s);
            if let Some(o) = self.size_override {
                rt.spec.fit_output_to(o);
            }
            let sizes = rt.spec.sizes();
            for (n, s) in rt.nodes.iter_mut().zip(sizes) {
                n.size = s;
            }
            self.mark_changed();
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
            .parse(&value)
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

    /// Shows `text` over the output in a box at the top-left of the target (a window, a host
    /// view), or nothing with `None`. Used for shader and chain errors. Changing the text
    /// is a change (warm-up restarts); an unchanged text costs nothing per frame.
    pub fn set_overlay_text(&mut self, text: Option<&str>) {
        let grid = text.map(crate::overlay::TextGrid::new);
        if grid == self.overlay_grid {
            return;
        }
        if grid.is_some() && self.overlay.is_none() {
            self.overlay = Some(crate::overlay::Overlay::new(&self.gpu));
        }
        self.overlay_grid = grid;
        self.overlay_dirty = true;
        self.mark_changed();
    }

    /// Measures every operator: GPU time (timestamp queries, where the device has them) and
    /// CPU encode time. See [`profile`](Self::profile).
    pub fn set_profiling(&mut self, enabled: bool) {
        self.profiler = enabled.then(|| crate::profile::Profiler::new(&self.gpu));
        self.mark_changed();
    }

    /// Forgets the samples measured so far (e.g. after warm-up frames).
    pub fn reset_profile(&mut self) {
        if let Some(p) = &mut self.profiler {
            p.clear();
        }
    }

    /// Timings per operator and per frame, with what each operator moves through memory at
    /// the least (its inputs read once, its output written once). Waits for frames in
    /// flight. `None` unless [`set_profiling`](Self::set_profiling) is on.
    pub fn profile(&mut self) -> Option<Profile> {
        self.profiler.as_mut()?.flush(&self.gpu);
        self.profile_now()
    }

    /// [`profile`](Self::profile) from the samples collected so far, without waiting for
    /// frames in flight (for a live display).
    #[must_use]
    pub fn profile_now(&self) -> Option<Profile> {
        let p = self.profiler.as_ref()?;
        let rt = self.chain.as_ref()?;
        let bytes = |[w, h]: [u32; 2]| u64::from(w) * u64::from(h) * 8;
        let nodes = rt
            .spec
            .order
            .iter()
            .filter(|&&i| rt.nodes[i].info.scene.is_none())
            // A fused run is one row, at its last member.
            .filter(|&&i| {
                rt.drawn_by_run(i)
                    .is_none_or(|(run, k)| k + 1 == run.members.len())
            })
            .map(|&i| {
                let n = &rt.nodes[i];
                let s = p.node(i).cloned().unwrap_or_default();
                let (name, type_name, first, operators) = match rt.drawn_by_run(i) {
                    Some((run, _)) => (
                        run.label.clone(),
                        "fused".to_string(),
                        &rt.nodes[run.members[0]],
                        run.members.len(),
                    ),
                    None => (n.name.clone(), n.info.name.to_string(), n, 1),
                };
                let read: u64 = first.inputs.iter().map(|&j| bytes(rt.nodes[j].size)).sum();
                NodeProfile {
                    name,
                    type_name,
                    size: n.size,
                    floor_bytes: read + bytes(n.size),
                    gpu_us: crate::profile::median_p99(&s.gpu_us),
                    cpu_us: crate::profile::median_p99(&s.cpu_us),
                    samples: s.cpu_us.len(),
                    operators,
                }
            })
            .collect();
        let frame = p.frame();
        Some(Profile {
            gpu_timing: p.gpu_timing(),
            frame_gpu_us: crate::profile::median_p99(&frame.gpu_us),
            frame_cpu_us: crate::profile::median_p99(&frame.cpu_us),
            nodes,
        })
    }

    /// Keeps a readback buffer ready so that [`render`](Self::render) with `capture` adds no
    /// object in a steady frame. Enable before the first frame when a snapshot will be taken.
    pub fn set_capture(&mut self, enabled: bool) {
        self.capture = enabled;
        if !enabled {
            self.readback = None;
        }
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

    /// The output node's texture (after a frame).
    #[must_use]
    pub fn output_texture(&self) -> Option<&wgpu::Texture> {
        let rt = self.chain.as_ref()?;
        rt.output(rt.shown).map(|t| &t.texture)
    }

    /// The output size.
    #[must_use]
    pub fn output_size(&self) -> Option<[u32; 2]> {
        let rt = self.chain.as_ref()?;
        Some(rt.nodes[rt.shown].size)
    }

    /// Current errors of operators.
    #[must_use]
    pub fn errors(&self) -> Vec<NodeError> {
        self.chain
            .as_ref()
            .map(|rt| {
                rt.nodes
                    .iter()
                    .filter_map(|n| {
                        n.error.as_ref().map(|e| NodeError {
                            node: n.name.clone(),
                            message: e.clone(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Changes whenever an operator's error appears, changes or clears: poll this each frame
    /// and call [`errors`](Self::errors) only when it moved.
    #[must_use]
    pub fn errors_generation(&self) -> u64 {
        self.errors_generation
    }

    /// Starts a new warm-up: the next frames may create objects.
    fn mark_changed(&mut self) {
        self.frames_since_change = 0;
        self.wgpu_baseline = None;
        self.stats.changes += 1;
    }

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
        self.capture |= capture;

        self.evaluate(time);
        self.ensure_outputs()?;
        self.update_scene(time);
        // A fused run that cannot be drawn this frame is left out and the chain planned
        // again at once (its members need their own textures): at most a few rounds.
        for _ in 0..4 {
            self.write_uniforms(time, &target);
            if self.arena.ensure_capacity(&self.gpu) {
                self.mark_changed();
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
                Target::Copy { .. } => self.blit.display.as_ref().map(GpuTexture::format),
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
            self.mark_changed();
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
            steady: self.frames_since_change >= self.options.warmup_frames,
            shadow_passes: encoded.shadow_passes,
        };
        self.record(&report, &before, &after, started.elapsed());
        Ok(report)
    }

    fn evaluate(&mut self, time: FrameTime) {
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

    fn ensure_outputs(&mut self) -> Result<()> {
        let (now, generation) = (self.stats.frames, self.shader_generation);
        let blocked = self.fusion_blocked.len();
        self.fusion_blocked.retain(|b| match b.until {
            Some(until) => now < until,
            None => b.generation == generation,
        });
        let unblocked = self.fusion_blocked.len() != blocked;
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
                        && rt.slot_of.get(i) == Some(&crate::chain::NO_SLOT)
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

    /// Finds the runs of pointwise operators to fuse ([`crate::fusion::plan_runs`]) and
    /// registers their shaders; a run that is still there keeps its pass and bind group,
    /// and the shaders and pipelines of runs gone are dropped.
    fn plan_fusion(&mut self) {
        let Some(rt) = &mut self.chain else { return };
        rt.fusion_planned = true;
        let enabled = self.options.fuse && self.thumbs.is_none();
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
                .fusion_blocked
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
        self.fused_unused.retain(|n| !used(n));
        let newly_unused: Vec<String> = self
            .shaders
            .names()
            .filter(|n| n.starts_with("fused/") && !used(n))
            .filter(|n| !self.fused_unused.iter().any(|u| u == n))
            .map(str::to_string)
            .collect();
        self.fused_unused.extend(newly_unused);
        while self.fused_unused.len() > FUSED_SHADERS_KEPT {
            if let Some(name) = self.fused_unused.pop_front() {
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

    fn write_uniforms(&mut self, time: FrameTime, target: &Target<'_>) {
        let mut w = self.arena.writer();
        let Some(rt) = &mut self.chain else { return };
        for &i in &rt.spec.order {
            let n = &mut rt.nodes[i];
            if n.info.scene.is_some() {
                continue;
            }
            let mut input_sizes = [(0u32, 0u32); MAX_INPUTS];
            let count = n.inputs.len().min(MAX_INPUTS);
            for (dst, &j) in input_sizes.iter_mut().zip(&n.inputs) {
                *dst = slot(&rt.slots, &rt.slot_of, j).map_or((1, 1), GpuTexture::size);
            }
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
            self.fusion_blocked.push(BlockedRun {
                shader: run.shader.clone(),
                first: rt.nodes[run.members[0]].name.clone(),
                until: None,
                generation: self.shader_generation,
            });
            rt.fusion_planned = false;
        }
        if let Some(t) = &mut self.thumbs {
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
        self.blit.slot = w.push(&BlitUniforms {
            scale,
            offset,
            target_is_srgb: u32::from(srgb),
            opaque: u32::from(opaque),
            _pad: [0; 2],
        });
        if let (Some(overlay), Some(grid)) = (&mut self.overlay, &self.overlay_grid) {
            overlay.write_uniforms(&mut w, grid, tsize, srgb);
        }
    }

    /// Scene nodes first: prepare those whose key changed (a mesh builds its geometry),
    /// then take every scene node's item for this frame.
    fn update_scene(&mut self, time: FrameTime) {
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
    fn prepare_nodes(&mut self, scene_nodes: bool) {
        let Some(rt) = &mut self.chain else { return };
        let errors_generation = &mut self.errors_generation;
        let dummy = &self.dummy;
        let now = self.stats.frames;
        for &i in &rt.spec.order {
            let n = &mut rt.nodes[i];
            if n.info.scene.is_some() != scene_nodes {
                continue;
            }
            let mut ins: [&GpuTexture; MAX_INPUTS] = [dummy; MAX_INPUTS];
            let count = n.inputs.len().min(MAX_INPUTS);
            for (dst, &j) in ins.iter_mut().zip(&n.inputs) {
                *dst = slot(&rt.slots, &rt.slot_of, j).unwrap_or(dummy);
            }
            // Scene nodes have no output: they get the dummy.
            let output = if scene_nodes {
                dummy
            } else if let Some(o) = slot(&rt.slots, &rt.slot_of, i) {
                o
            } else {
                continue;
            };
            let scene = SceneView::new(&rt.scene, &n.refs);
            let mut h = std::collections::hash_map::DefaultHasher::new();
            // Scene nodes bind nothing of the engine's: only their own key counts (a mesh
            // must not rebuild its geometry because the uniform buffer grew).
            if !scene_nodes {
                for t in &ins[..count] {
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
                self.shader_generation.hash(&mut h);
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
                inputs: &ins[..count],
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

    /// Prepares the fused runs' passes whose textures, uniform buffer or shaders changed.
    /// A run that fails is drawn operator by operator meanwhile.
    fn prepare_fused(&mut self) {
        let Some(rt) = &mut self.chain else { return };
        let dummy = &self.dummy;
        let now = self.stats.frames;
        for run in &mut rt.runs {
            run.ready = false;
            let (first, last) = (run.members[0], run.members[run.members.len() - 1]);
            let input = rt.nodes[first]
                .inputs
                .first()
                .and_then(|&j| slot(&rt.slots, &rt.slot_of, j))
                .unwrap_or(dummy);
            let Some(output) = slot(&rt.slots, &rt.slot_of, last) else {
                continue;
            };
            let mut h = std::collections::hash_map::DefaultHasher::new();
            input.id().hash(&mut h);
            output.id().hash(&mut h);
            self.arena.buffer_id().hash(&mut h);
            self.shader_generation.hash(&mut h);
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
                    self.fusion_blocked.push(BlockedRun {
                        shader: run.shader.clone(),
                        first: rt.nodes[first].name.clone(),
                        until,
                        generation: self.shader_generation,
                    });
                    rt.fusion_planned = false;
                }
            }
        }
    }

    /// Makes each operator's thumbnail once (again only if its aspect changes) and keeps
    /// its blit's bind group on the operator's output.
    fn prepare_thumbnails(&mut self) {
        let (Some(rt), Some(t)) = (&self.chain, &mut self.thumbs) else {
            return;
        };
        for (i, n) in rt.nodes.iter().enumerate() {
            if n.info.scene.is_some() {
                continue;
            }
            let Some(source) = rt.output(i) else { continue };
            let (w, h) = t.size_for(n.size);
            let fits = t
                .by_name
                .get(&n.name)
                .is_some_and(|th| th.texture.size() == (w, h));
            if !fits {
                let format = wgpu::TextureFormat::Rgba8UnormSrgb;
                let texture = self.gpu.create_texture(&wgpu::TextureDescriptor {
                    label: Some("vivid.thumbnail"),
                    size: wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format,
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                        | wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[],
                });
                t.by_name.insert(
                    n.name.clone(),
                    Thumbnail {
                        texture,
                        blit: Blit::new(format, size_of::<BlitUniforms>()),
                    },
                );
            }
            if let Some(th) = t.by_name.get_mut(&n.name)
                && let Err(e) = th.blit.prepare(
                    &self.gpu,
                    &mut self.pipelines,
                    &self.shaders,
                    &self.arena,
                    source,
                )
            {
                log::error!("thumbnail of `{}`: {e}", n.name);
                t.by_name.remove(&n.name);
            }
        }
    }

    fn prepare_target(&mut self, target: &Target<'_>) -> Result<()> {
        let Some(rt) = &self.chain else { return Ok(()) };
        let Some(out) = rt.output(rt.shown) else {
            return Ok(());
        };
        if self.capture {
            let (w, h) = out.size();
            if self.readback.as_ref().is_none_or(|r| r.size() != (w, h)) {
                self.readback = Some(Readback::new(&self.gpu, w, h));
            }
        }
        let format = match target {
            Target::None => return Ok(()),
            Target::View { format, .. } => *format,
            Target::Copy { texture } => {
                let format = texture.format().remove_srgb_suffix();
                let (w, h) = (texture.width(), texture.height());
                let key = TextureKey {
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
                    ..TextureKey::color_with_format(w, h, format)
                };
                let fits = self
                    .blit
                    .display
                    .as_ref()
                    .is_some_and(|d| d.size() == (w, h) && d.format() == format);
                if !fits {
                    if let Some(old) = self.blit.display.take() {
                        self.pool.release(old);
                    }
                    self.blit.display = Some(self.pool.acquire(&self.gpu, key, "vivid.display"));
                    // A resized window is a change, like an edit: warm-up starts again
                    // (`mark_changed`, on the fields: the chain is borrowed).
                    self.frames_since_change = 0;
                    self.wgpu_baseline = None;
                    self.stats.changes += 1;
                }
                format
            }
        };
        if self.blit.pass.as_ref().is_none_or(|b| b.format() != format) {
            self.blit.pass = Some(Blit::new(format, size_of::<BlitUniforms>()));
        }
        if let Some(pass) = &mut self.blit.pass {
            let prepared = pass.prepare(
                &self.gpu,
                &mut self.pipelines,
                &self.shaders,
                &self.arena,
                out,
            );
            match prepared {
                // Nothing is shown this frame; the blit is prepared again next frame.
                Err(e) if e.is_transient() => log::error!("display: {e}"),
                other => other?,
            }
        }
        if let (Some(overlay), Some(grid)) = (&mut self.overlay, &self.overlay_grid) {
            if self.overlay_dirty {
                overlay.set_text(&self.gpu, grid);
                self.overlay_dirty = false;
            }
            match overlay.prepare(&self.gpu, &self.shaders, &self.arena, format) {
                Err(e) if e.is_transient() => log::error!("error overlay: {e}"),
                other => other?,
            }
        }
        Ok(())
    }

    fn encode_nodes(&mut self, encoder: &mut wgpu::CommandEncoder) -> EncodeStats {
        let mut stats = EncodeStats::default();
        let Some(rt) = &mut self.chain else {
            return stats;
        };
        let dummy = &self.dummy;
        let mut profiler = self.profiler.as_mut();
        let thumbs = self.thumbs.as_ref();
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
            let Some(output) = slot(&rt.slots, &rt.slot_of, i) else {
                continue;
            };
            let mut ins: [&GpuTexture; MAX_INPUTS] = [dummy; MAX_INPUTS];
            let count = n.inputs.len().min(MAX_INPUTS);
            for (dst, &j) in ins.iter_mut().zip(&n.inputs) {
                *dst = slot(&rt.slots, &rt.slot_of, j).unwrap_or(dummy);
            }
            let started = profiler.is_some().then(Instant::now);
            if let Some(p) = &mut profiler {
                p.before(encoder, i);
            }
            encoder.push_debug_group(&n.name);
            let mut cx = EncodeCx {
                encoder: &mut *encoder,
                inputs: &ins[..count],
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

    fn encode_target(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &Target<'_>,
        capture: bool,
        ui: Option<&mut (dyn FramePass + '_)>,
    ) {
        let Some(rt) = &self.chain else { return };
        let Some(out) = rt.output(rt.shown) else {
            return;
        };
        if capture && let Some(r) = &self.readback {
            r.encode_copy(encoder, &out.texture);
        }
        let Some(pass) = &self.blit.pass else {
            return;
        };
        let overlay = self
            .overlay
            .as_ref()
            .filter(|_| self.overlay_grid.is_some());
        match target {
            Target::None => {}
            Target::View {
                view, format, size, ..
            } => {
                pass.draw(encoder, view, self.blit.slot);
                if let Some(o) = overlay {
                    o.draw(encoder, view, *format);
                }
                if let Some(ui) = ui {
                    ui.encode(encoder, view, *size);
                }
            }
            Target::Copy { texture } => {
                if let Some(display) = &self.blit.display {
                    pass.draw(encoder, &display.view, self.blit.slot);
                    if let Some(o) = overlay {
                        o.draw(encoder, &display.view, display.format());
                    }
                    if let Some(ui) = ui {
                        ui.encode(encoder, &display.view, display.size());
                    }
                    encoder.copy_texture_to_texture(
                        display.texture.as_image_copy(),
                        texture.as_image_copy(),
                        wgpu::Extent3d {
                            width: texture.width(),
                            height: texture.height(),
                            depth_or_array_layers: 1,
                        },
                    );
                }
            }
        }
    }

    fn record(
        &mut self,
        report: &FrameReport,
        before: &CountsSnapshot,
        after: &CountsSnapshot,
        cpu: Duration,
    ) {
        let s = &mut self.stats;
        s.frames += 1;
        s.max_encoders_per_frame = s.max_encoders_per_frame.max(report.encoders);
        s.max_submits_per_frame = s.max_submits_per_frame.max(report.submits);
        s.shadow_passes_last_frame = report.shadow_passes;
        s.shadow_passes_total += report.shadow_passes;
        if report.steady {
            s.steady_frames += 1;
            s.gpu_objects_created_after_warmup += report.objects_created;
            if report.objects_created > 0 {
                for ((name, a), (_, b)) in after.created.iter().zip(&before.created) {
                    if a > b {
                        *s.gpu_objects_created_after_warmup_by_kind
                            .entry((*name).to_string())
                            .or_default() += a - b;
                    }
                }
            }
            let now = self.gpu.wgpu_counters();
            match &self.wgpu_baseline {
                None => self.wgpu_baseline = Some(now),
                Some(base) => {
                    // wgpu-hal's pooled command encoders follow how far the GPU lags (one
                    // more under load), not what the engine makes: not a change.
                    for (name, was, is) in now
                        .diff(base)
                        .into_iter()
                        .filter(|(n, ..)| *n != "command_encoders")
                    {
                        let e = self.changes.entry(name).or_insert((was, is));
                        if (is - was).abs() > (e.1 - e.0).abs() {
                            *e = (was, is);
                        }
                    }
                }
            }
        }
        self.frames_since_change += 1;
        if self.frame_times.len() == FRAME_TIMES_KEPT {
            self.frame_times.pop_front();
        }
        self.frame_times.push_back(cpu.as_secs_f32() * 1000.0);
        if s.frames == 1 {
            s.rss_bytes_first = rss_bytes();
        }
        self.last_report = *report;
        // The monitor's baseline is the first steady frame: start-up allocations (shader
        // JIT, swapchain) are not growth.
        if report.steady && !self.monitor_started {
            self.monitor_started = true;
            self.monitor.restart();
        }
        if self.monitor_started {
            let gpu = &self.gpu;
            let frame = s.frames;
            self.monitor.tick(|t| memory_sample(gpu, t, frame));
        }
    }

    /// Reads the output copied by the last [`render`](Self::render) with `capture`.
    pub fn read_output(&self) -> Result<FloatImage> {
        let r = self
            .readback
            .as_ref()
            .ok_or_else(|| EngineError::Param("no frame was captured".into()))?;
        r.read(&self.gpu)
    }

    /// The run's statistics so far (RSS now, monitor samples included).
    #[must_use]
    pub fn stats(&self) -> RunStats {
        let mut s = self.stats.clone();
        s.rss_bytes_last = rss_bytes();
        s.texture_pool = self.pool.stats();
        s.uncaptured_gpu_errors = self.gpu.errors().count();
        s.non_finite_expression_results = self.chain.as_ref().map_or(0, |rt| {
            rt.nodes.iter().map(|n| n.params.non_finite_count()).sum()
        });
        s.counts = self.gpu.counts().snapshot();
        s.monitor_samples = self.monitor.samples().copied().collect();
        s.events = self.monitor.events();
        s.wgpu_counter_changes_after_warmup = self
            .changes
            .iter()
            .map(|(n, (a, b))| ((*n).to_string(), *a as i64, *b as i64))
            .collect();
        let mut t: Vec<f32> = self.frame_times.iter().copied().collect();
        if !t.is_empty() {
            t.sort_by(f32::total_cmp);
            let pct = |p: f64| f64::from(t[((t.len() - 1) as f64 * p).round() as usize]);
            let mean = t.iter().map(|&x| f64::from(x)).sum::<f64>() / t.len() as f64;
            s.frame_cpu_ms = [mean, pct(0.5), pct(0.99), pct(1.0)];
        }
        s
    }

    /// The memory monitor.
    #[must_use]
    pub fn monitor(&self) -> &MemoryMonitor {
        &self.monitor
    }

    /// A memory sample now (also what the monitor records).
    #[must_use]
    pub fn memory_sample(&self) -> MonitorSample {
        memory_sample(&self.gpu, self.monitor.elapsed(), self.stats.frames)
    }

    /// The last frame's report.
    #[must_use]
    pub fn last_report(&self) -> FrameReport {
        self.last_report
    }

    /// Waits until the GPU has finished all submitted work.
    pub fn wait_idle(&self) {
        let _ = self.gpu.device().poll(wgpu::PollType::wait_indefinitely());
    }
}

// ---------------------------------------------------------------------------------------
// Files named by parameters (`image.path`, `mesh.path`): reloaded when they change on disk.
// ---------------------------------------------------------------------------------------

impl Engine {
    /// Files changed on disk (as the watcher reports them: [`crate::live::Live`] calls
    /// this). Every node with a file parameter ([`ParamKind::File`]) naming one of them
    /// prepares again at the next frame — an `image` decodes its picture again, a `mesh`
    /// reads its glTF — and a picture that gives its node its size (no `size`) gives the
    /// new one. Until the new version loads, the last good one keeps rendering; a failure
    /// is the node's error ([`errors`](Self::errors)). Returns the files of `paths` that a
    /// node names (canonical).
    pub fn files_changed(&mut self, paths: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let changed: Vec<_> = paths.iter().map(|p| canonical(p)).collect();
        let max_side = self.gpu.max_texture_side();
        let Some(rt) = &mut self.chain else {
            return Vec::new();
        };
        let generation = self.files_counter + 1;
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
                if !changed.contains(&path) {
                    continue;
                }
                named = true;
                if !affected.contains(&path) {
                    affected.push(path);
                }
                // An unreadable file keeps the old size; its prepare reports the problem.
                if kind == crate::params::FileKind::Image
                    && let Ok(size) = crate::chain::image_pixel_size(Path::new(file), max_side)
                    && spec.natural_size != Some(size)
                {
                    spec.natural_size = Some(size);
                    resized |= spec.size.is_none();
                }
            }
            if named {
                n.files_generation = generation;
            }
        }
        if resized {
            let sizes = rt.spec.sizes();
            for (n, s) in rt.nodes.iter_mut().zip(sizes) {
                n.size = s;
            }
        }
        if !affected.is_empty() {
            self.files_counter = generation;
            self.mark_changed();
        }
        affected
    }

    /// [`set_param`](Self::set_param) of a file parameter (a path as given: relative to
    /// the working directory, not the project). A picture must be readable (its header)
    /// before it is set, and it gives its node its size.
    fn set_file_param(&mut self, node: usize, idx: usize, src: ParamSource) -> Result<()> {
        let max_side = self.gpu.max_texture_side();
        let rt = self.chain.as_mut().ok_or(EngineError::NoChain)?;
        let (n, spec) = (&mut rt.nodes[node], &mut rt.spec.nodes[node]);
        let p = &n.params.specs()[idx];
        let natural = match (p.kind, &src) {
            (
                ParamKind::File(crate::params::FileKind::Image),
                ParamSource::Const(ParamValue::Text(file)),
            ) if !file.is_empty() => Some(
                crate::chain::image_pixel_size(Path::new(file), max_side)
                    .map_err(|m| EngineError::Param(format!("`{}.{}`: {m}", n.name, p.name)))?,
            ),
            _ => None,
        };
        n.params.set(idx, src);
        if natural != spec.natural_size {
            spec.natural_size = natural;
            if spec.size.is_none() {
                let sizes = rt.spec.sizes();
                for (n, s) in rt.nodes.iter_mut().zip(sizes) {
                    n.size = s;
                }
                self.mark_changed();
            }
        }
        Ok(())
    }
}

fn memory_sample(gpu: &Gpu, t: f64, frame: u64) -> MonitorSample {
    let c = gpu.counts().snapshot();
    let w = gpu.wgpu_counters();
    let hal = (w.texture_memory + w.buffer_memory).max(0) as u64;
    let own = (c.texture_bytes + c.buffer_bytes).max(0) as u64;
    MonitorSample {
        t,
        frame,
        rss_bytes: rss_bytes(),
        gpu_bytes: if hal > 0 { hal } else { own },
        textures: c.live_textures,
        buffers: c.live_buffers,
    }
}
