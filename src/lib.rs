//! # vivid
//!
//! A creative-coding render engine on wgpu. A *project* is a folder with a `chain.toml`
//! describing a chain of texture operators; vivid renders it every frame, in a window or
//! headless, and embeds in host programs as this library.
//!
//! ## Data flow
//!
//! 1. **project** — [`project::load_project`] reads `chain.toml` into a [`chain::ChainDesc`]
//!    that remembers where every key was written; [`project::apply_set`] applies
//!    `--set NAME.PARAM=VALUE` overrides.
//! 2. **chain** — [`chain::ChainDesc::validate`] checks it against the operator
//!    [`Registry`] (types, parameters, inputs, cycles, sizes) and reports every problem with
//!    <file:line:col> and a hint; the result is a [`chain::ChainSpec`] in topological order.
//! 3. **prepare** — [`Engine::render`] evaluates expressions of `time` and `frame`, runs the
//!    scene nodes (camera, meshes, lights: [`scene`]) that a `render3d` draws, then lets
//!    the operators whose inputs, output or shaders changed (re)create their GPU objects.
//!    This is the only step that creates objects, through the counted constructors of
//!    [`Gpu`], from the texture pool and the pipeline cache.
//! 4. **encode** — every operator records its passes into the frame's ONE command encoder
//!    (the uniform upload first, the display blit or readback copy last). Encode gets no
//!    device: it cannot create objects.
//! 5. **submit** — one `queue.submit` per frame, then `device.poll`.
//! 6. **monitor** — the [`monitor::MemoryMonitor`] samples RSS and GPU memory every N
//!    seconds; [`Engine::stats`] proves the steady state (zero objects created, one encoder
//!    and one submit per frame).
//!
//! ## Embedding
//!
//! On vivid's own device (or wrap yours with [`Gpu::from_device`]), load a project or build
//! a chain in code, set parameters, and render into a texture the host owns:
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{chain::ChainBuilder, Engine, FrameTime, Gpu, Target};
//!
//! let gpu = Gpu::headless(&Default::default())?;
//! let mut engine = vivid::engine_with_builtins(gpu.clone());
//! engine.set_chain(
//!     &ChainBuilder::new()
//!         .node("bg", "gradient").param("mode", "radial").size(640, 360)
//!         .node("n", "noise").param("scale", "4 + sin(time)")
//!         .node("out", "composite").inputs(&["bg", "n"]).param("mode", "multiply")
//!         .build(),
//! )?;
//! engine.set_param("n", "octaves", 6)?;
//!
//! // The host's texture and view, created once.
//! let texture = gpu.device().create_texture(&vivid::wgpu::TextureDescriptor {
//!     label: Some("host"),
//!     size: vivid::wgpu::Extent3d { width: 640, height: 360, depth_or_array_layers: 1 },
//!     mip_level_count: 1,
//!     sample_count: 1,
//!     dimension: vivid::wgpu::TextureDimension::D2,
//!     format: vivid::wgpu::TextureFormat::Rgba8UnormSrgb,
//!     usage: vivid::wgpu::TextureUsages::RENDER_ATTACHMENT | vivid::wgpu::TextureUsages::TEXTURE_BINDING,
//!     view_formats: &[],
//! });
//! let view = texture.create_view(&Default::default());
//! for frame in 0..60 {
//!     let time = FrameTime { time: frame as f64 / 60.0, frame };
//!     let target = Target::View { view: &view, format: texture.format(), size: (640, 360), opaque: false };
//!     engine.render(time, target, false)?;
//! }
//! # Ok(()) }
//! ```
//!
//! `cargo run --example embed` runs a complete version of this.
//!
//! ## Features
//!
//! - **`window`** (default) — the `vivid-app` crate's winit runner (`vivid::window`: what
//!   the `vivid` binary opens), and everything of `app`.
//! - **`app`** — the app layer without a window: live reload (`vivid::live`,
//!   `vivid::watch`: notify) and the egui inspector (`vivid::ui`, with `vivid::egui`).
//!
//! An installation that only embeds the engine depends on
//! `vivid = { version = "…", default-features = false }` (or on `vivid-engine` and
//! `vivid-operators` directly) and compiles no winit, egui or notify.

pub use vivid_engine::{
    ChainLoader, Diagnostic, Diagnostics, DisplayArea, Engine, EngineError, EngineOptions,
    FloatImage, FramePass, FrameReport, FrameTime, Gpu, GpuOptions, LoadedChain, MemoryMonitor,
    MonitorSample, NodeError, NodeProfile, NodeView, Operator, OperatorInfo, ParamView, PassMode,
    Profile, Registry, Result, RunStats, Target, rss_bytes,
};
pub use vivid_engine::{bytemuck, glam, wgpu};
pub use vivid_engine::{
    chain, files, fullscreen, gpu, operator, params, project, readback, resources, scene, shaders,
    stderr, stderr_line,
};
pub use vivid_operators as operators;

#[cfg(feature = "app")]
pub use vivid_app::{egui, live, ui, watch};

#[cfg(feature = "window")]
pub use vivid_app::window;

/// A registry with every built-in operator type.
#[must_use]
pub fn builtin_registry() -> Registry {
    vivid_operators::builtin_registry()
}

/// An engine on `gpu` with the built-in operators and default options (monitor every 10 s,
/// printed on stderr).
#[must_use]
pub fn engine_with_builtins(gpu: Gpu) -> Engine {
    Engine::new(gpu, builtin_registry(), EngineOptions::default())
}
