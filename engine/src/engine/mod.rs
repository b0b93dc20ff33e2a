//! The render engine: holds the chain and renders frames — one encoder, one submit, nothing
//! created in a steady frame.
//!
//! One frame, as [`Engine::render`] runs it (`frame.rs`: `render_with` is the script; see
//! also ARCHITECTURE.md, "One frame"):
//! 1. **evaluate** — expressions of the variables (`time`, `frame`, `delta`, a host's own),
//!    clamped to ranges (`frame.rs`); only the nodes the shown one needs run (`runtime.rs`);
//! 2. **outputs** — every node has an output texture of its size: the fused runs are planned
//!    (`fused.rs`), then the slots, textures shared by nodes that run one after the other
//!    (`runtime.rs`);
//! 3. **scene** — the scene nodes prepare if their key changed and give this frame's
//!    `SceneItem` (`frame.rs`);
//! 4. **uniforms** — every operator packs its uniforms into the arena, CPU bytes
//!    (`frame.rs`); a fused run checks that its members' are where its shader reads them
//!    (`fused.rs`); then the display's (`display.rs`);
//! 5. **prepare** — the nodes whose inputs, output, uniform buffer or shaders changed
//!    (`frame.rs`, with `runtime.rs`'s `Node` keeping track), the fused runs' passes
//!    (`fused.rs`), the thumbnails, the display blit and the overlay (`display.rs`) — the
//!    only phase that creates GPU objects;
//! 6. **encode** — one command encoder: the uniform upload, every operator's passes in
//!    topological order (`frame.rs`; a node's input textures come from `Slots::inputs` in
//!    `runtime.rs`), then the display blit or copy and the readback copy (`display.rs`);
//! 7. **submit** — one `queue.submit`, `device.poll(Poll)` (`frame.rs`);
//! 8. **record** — the frame's counts, warm-up, the memory monitor (`report.rs`).
//!
//! Between frames the host edits (`edit.rs`): a new chain, parameters, sizes, the node shown,
//! thumbnails, fusion, shaders and files changed on disk, and a lost device is replaced. A
//! frame that misses its deadline quarantines the newest shader and replaces the device too
//! (`watchdog.rs`). The host reads back statistics, profiles and errors (`report.rs`) and
//! what the inspector shows of nodes and parameters (`views.rs`).

mod display;
mod edit;
mod frame;
mod fused;
mod load;
mod outputs;
mod pointer;
mod report;
mod runtime;
mod views;
mod watchdog;

pub use display::{DisplayArea, FramePass, Target};
pub use load::{ChainLoader, LoadedChain};
pub use pointer::{MOUSE_VARIABLES, output_point};
pub use report::{FrameReport, NodeError, NodeProfile, OperatorCounter, Profile, RunStats};
pub use views::{NodeView, ParamView};

use std::path::Path;
use std::time::Duration;

use crate::gpu::{Gpu, GpuTexture};
use crate::operator::Registry;
use crate::resources::{PipelineCache, TextureKey, TexturePool, UniformArena};
use crate::shaders::ShaderLibrary;
use display::Display;
use edit::Edits;
use fused::Fusion;
use report::Statistics;
use runtime::ChainRuntime;
use watchdog::Watchdog;

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
    /// How long the GPU may take to finish a frame, from its submit (`None`: without end).
    /// A frame still running then is a fault: the newest shader is quarantined (not built
    /// again, by device recovery either, until its file changes), the device is replaced,
    /// and the chain keeps rendering with that shader's last good version, or without it.
    /// Every wait of the engine for the GPU ends by it. Default
    /// [`DEFAULT_FRAME_DEADLINE`](crate::deadline::DEFAULT_FRAME_DEADLINE) (10 s: a CPU
    /// driver compiles new pipelines inside the first frame that uses them).
    pub frame_deadline: Option<Duration>,
    /// Folders outside the project folder whose files a project may read (`--allow-path`);
    /// see [`crate::files`].
    pub allowed_paths: Vec<std::path::PathBuf>,
    /// How long a frame may wait for a file an operator reads and decodes on another thread
    /// ([`crate::files::loader`]). The default, 10 s, makes renders deterministic: the frame
    /// after a change shows it. Zero (a window, a live run): frames never wait; the last good
    /// version shows until the new one is ready.
    pub file_wait: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            monitor_interval: Some(Duration::from_secs(10)),
            monitor_print: true,
            warmup_frames: 3,
            fuse: true,
            frame_deadline: Some(crate::deadline::DEFAULT_FRAME_DEADLINE),
            allowed_paths: Vec::new(),
            file_wait: Duration::from_secs(10),
        }
    }
}

/// The render engine.
pub struct Engine {
    gpu: Gpu,
    registry: Registry,
    shaders: ShaderLibrary,
    pipelines: PipelineCache,
    pool: TexturePool,
    arena: UniformArena,
    /// A 1×1 texture bound where a node has no input (or, for scene nodes, no output).
    dummy: GpuTexture,
    options: EngineOptions,
    /// The running chain.
    chain: Option<ChainRuntime>,
    /// Runs left unfused and fused shaders kept for later (`fused.rs`).
    fusion: Fusion,
    /// Where frames go besides the chain's textures (`display.rs`).
    display: Display,
    /// Per-operator timings, when on ([`set_profiling`](Self::set_profiling)).
    profiler: Option<crate::profile::Profiler>,
    /// Warm-up, the run's statistics and the memory monitor (`report.rs`).
    stats: Statistics,
    /// What edits set that outlives a chain, and the WGSL operators' shaders in use (`edit.rs`).
    edits: Edits,
    /// Frames finished in time, shaders' last good versions, quarantines (`watchdog.rs`).
    watchdog: Watchdog,
    generations: Generations,
    /// The rules the running chain's files are read by (its project folder, the allowed
    /// ones), for the operators that read them.
    files: crate::files::Files,
    /// This frame's values of the variables expressions read (slots of the registry's
    /// [`Variables`](crate::params::Variables)).
    vars: crate::params::ExprVars,
    /// This frame's audio, as a host set it ([`audio_mut`](Self::audio_mut)).
    audio: crate::audio::AudioFrame,
}

/// Counters that move when something every node depends on changed.
#[derive(Debug, Default)]
struct Generations {
    /// Changes whenever an operator's error appears, changes or clears.
    errors: u64,
    /// Bumped when shaders are reloaded: every node prepares again.
    shaders: u64,
    /// Bumped each time a lost device is replaced.
    device: u64,
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
        // Development: read WGSL from a folder (e.g. the source tree's shaders/) instead of
        // the embedded copies.
        if let Some(dir) = std::env::var_os("VIVID_SHADER_DIR") {
            shaders.set_disk_root(Some(dir.into()));
        }
        let mut arena = UniformArena::new(&gpu);
        arena.set_deadline(options.frame_deadline);
        let dummy = gpu.create_texture(&TextureKey::color(1, 1).descriptor("vivid.dummy"));
        let stats = Statistics::new(&options);
        let files = crate::files::Files::new(
            crate::files::FileRules::new(Path::new("."), &options.allowed_paths),
            options.file_wait,
        );
        let vars = crate::params::ExprVars::new(registry.variables());
        Self {
            gpu,
            registry,
            shaders,
            pipelines: PipelineCache::default(),
            pool: TexturePool::default(),
            arena,
            dummy,
            options,
            chain: None,
            fusion: Fusion::default(),
            display: Display::default(),
            profiler: None,
            stats,
            edits: Edits::default(),
            watchdog: Watchdog::default(),
            generations: Generations::default(),
            files,
            vars,
            audio: crate::audio::AudioFrame::default(),
        }
    }

    /// Adds a variable expressions may read (`audio.bass`, `osc.fader1`) and returns its
    /// slot; chains validated from now on may name it. See
    /// [`Variables::add`](crate::params::Variables::add).
    pub fn add_variable(
        &mut self,
        name: impl Into<std::borrow::Cow<'static, str>>,
        doc: impl Into<std::borrow::Cow<'static, str>>,
    ) -> std::result::Result<usize, String> {
        let slot = self.registry.add_variable(name, doc)?;
        self.vars.resize(self.registry.variables());
        Ok(slot)
    }

    /// Opens a namespace of variables (`osc`, `midi`): any `osc.name` a chain reads is
    /// added when the chain is loaded, at 0 until set. See
    /// [`Variables::add_namespace`](crate::params::Variables::add_namespace).
    pub fn add_namespace(
        &mut self,
        prefix: impl Into<std::borrow::Cow<'static, str>>,
        doc: impl Into<std::borrow::Cow<'static, str>>,
    ) -> std::result::Result<(), String> {
        self.registry.add_namespace(prefix, doc)
    }

    /// This frame's audio, for a host to set before rendering it (its last samples and
    /// spectrum: what `audio_waveform`, `audio_spectrum` and ISF audio inputs read). Until
    /// set, they read silence. Setting it allocates nothing.
    pub fn audio_mut(&mut self) -> &mut crate::audio::AudioFrame {
        &mut self.audio
    }

    /// This frame's audio.
    #[must_use]
    pub fn audio(&self) -> &crate::audio::AudioFrame {
        &self.audio
    }

    /// Sets the value of the variable at `slot` ([`add_variable`](Self::add_variable),
    /// [`variable_slot`](Self::variable_slot)) for the next frames (the built-in `time`,
    /// `frame` and `delta` are set by each frame). Allocates nothing; a slot beyond the
    /// registry's is ignored.
    pub fn set_variable(&mut self, slot: usize, value: f64) {
        self.vars.set(slot, value);
    }

    /// The slot of variable `name`, if the registry has it (namespaced names appear once a
    /// chain reading them was loaded). Hosts look slots up when the chain changes
    /// ([`variables_generation`](Self::variables_generation)), not every frame.
    #[must_use]
    pub fn variable_slot(&self, name: &str) -> Option<usize> {
        self.registry.variables().slot(name)
    }

    /// The value the variable at `slot` has now.
    #[must_use]
    pub fn variable(&self, slot: usize) -> f64 {
        self.vars.get(slot)
    }

    /// How many variables there are: it grows when a chain declares namespaced names, and
    /// a host holding name → slot maps looks them up again when it changed.
    #[must_use]
    pub fn variables_generation(&self) -> usize {
        self.registry.variables().len()
    }

    /// How many times a lost device was replaced (a window runner reconfigures its surface
    /// on [`gpu`](Self::gpu)'s new device when this changes).
    #[must_use]
    pub fn device_generation(&self) -> u64 {
        self.generations.device
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
        self.edits.library += 1;
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

    /// The rules the running chain's files are read by ([`crate::files`]).
    #[must_use]
    pub fn file_rules(&self) -> &crate::files::FileRules {
        self.files.rules()
    }

    /// Waits until the GPU has finished all submitted work, at most the frame deadline
    /// ([`EngineOptions::frame_deadline`]): work still running then is a late frame, handled
    /// at the next [`render`](Self::render).
    pub fn wait_idle(&self) {
        while crate::deadline::wait_idle(&self.gpu, self.options.frame_deadline).is_err() {
            // Slow, not hostile (nothing to suspect), or a replaced device's late work takes
            // the CPU (on a CPU driver): wait on.
            if !self.late_frame_excused() {
                self.watchdog.note_late();
                return;
            }
        }
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Dropping the last handle of a queue waits for its work: work that is late (a
        // hostile shader, bounded by its loop guard but maybe long on a CPU driver) ends on
        // a thread of its own, not in the host's.
        if crate::deadline::wait_idle(&self.gpu, Some(Duration::ZERO)).is_err() {
            watchdog::reap(self.gpu.clone(), None);
        }
    }
}
