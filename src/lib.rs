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
//! ## A guide for hosts
//!
//! Depend on vivid with `default-features = false` (the engine and the built-in operators,
//! no window, egui or notify; see [Features](#features)); it draws with wgpu 30, re-exported
//! as [`wgpu`] so that the versions match. Each task below is a complete program that runs
//! (as a doc-test, on Mesa's software driver in CI); `cargo run --example embed` puts them
//! together.
//!
//! ### Render into your texture, on your device
//!
//! The host owns the device, the queue and the texture it shows. [`Gpu::from_device`] wraps
//! them (vivid installs no error handler or device-lost callback on a host's device);
//! [`Engine::render`] draws one frame — one command encoder, one submit — at the time the
//! host gives, and blits it into the host's view: letterboxed, converted to the view's
//! format (for sRGB formats too, the stored values are the display values).
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{chain::ChainBuilder, wgpu, Engine, EngineOptions, FrameTime, Gpu, Target};
//!
//! // The host's device (here made as any wgpu program makes one).
//! let instance = vivid::gpu::new_instance(None);
//! let adapter = pollster::block_on(instance.request_adapter(&Default::default()))?;
//! let (device, queue) = pollster::block_on(adapter.request_device(&Default::default()))?;
//! let gpu = Gpu::from_device(device.clone(), queue.clone(), adapter.get_info());
//!
//! let options = EngineOptions { monitor_interval: None, ..Default::default() };
//! let mut engine = Engine::new(gpu, vivid::builtin_registry(), options);
//! engine.set_chain(
//!     &ChainBuilder::new()
//!         .node("bg", "gradient").param("mode", "radial").size(320, 180)
//!         .node("n", "noise").param("scale", "4 + sin(time)")
//!         .node("out", "composite").inputs(&["bg", "n"]).param("mode", "multiply")
//!         .build(),
//! )?;
//!
//! // The host's texture and view, created once.
//! let texture = device.create_texture(&wgpu::TextureDescriptor {
//!     label: Some("host"),
//!     size: wgpu::Extent3d { width: 320, height: 180, depth_or_array_layers: 1 },
//!     mip_level_count: 1,
//!     sample_count: 1,
//!     dimension: wgpu::TextureDimension::D2,
//!     format: wgpu::TextureFormat::Rgba8UnormSrgb,
//!     usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
//!     view_formats: &[],
//! });
//! let view = texture.create_view(&Default::default());
//! for frame in 0..10 {
//!     let time = FrameTime { time: frame as f64 / 60.0, frame }; // the host's clock
//!     let target = Target::View { view: &view, format: texture.format(), size: (320, 180), opaque: false };
//!     // `false`: no copy of the output for `read_output` (see "Read a frame back").
//!     engine.render(time, target, false)?;
//! }
//! let stats = engine.stats();
//! assert_eq!((stats.max_encoders_per_frame, stats.max_submits_per_frame), (1, 1));
//! assert_eq!(stats.gpu_objects_created_after_warmup, 0);
//! # Ok(()) }
//! ```
//!
//! ([`Gpu::headless`] makes a device of vivid's own instead; [`Target::Copy`] copies into a
//! texture — an acquired surface's — rather than drawing into a view.)
//!
//! ### Sample the output in your own passes
//!
//! With [`Target::None`] vivid draws the chain and nothing else; the output operator's
//! texture ([`Engine::output_texture`]: `Rgba16Float`, premultiplied alpha, display-referred
//! values) is the host's to bind. It is the same texture every steady frame; it changes
//! only when the chain's output or size does, so a host keeps its bind group until then.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{chain::ChainBuilder, wgpu, FrameTime, Gpu, Target};
//!
//! let mut engine = vivid::engine_with_builtins(Gpu::headless(&Default::default())?);
//! engine.set_chain(&ChainBuilder::new().node("n", "noise").size(256, 256).build())?;
//! engine.render(FrameTime { time: 0.0, frame: 0 }, Target::None, false)?;
//! let texture = engine.output_texture().expect("a frame was rendered");
//! assert_eq!(texture.format(), wgpu::TextureFormat::Rgba16Float);
//! assert_eq!((texture.width(), texture.height()), (256, 256));
//! let view = texture.create_view(&Default::default()); // bind it in the host's pipeline
//! # drop(view);
//! # Ok(()) }
//! ```
//!
//! ### Set parameters
//!
//! Any parameter of any operator, at any time, from the host: a number, a vector, a choice by
//! name, or an expression of `time` and `frame` — the same values chain.toml takes. A bad one
//! is refused (a typed [`EngineError`] that says why) and changes nothing.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{chain::ChainBuilder, FrameTime, Gpu, Target};
//!
//! let mut engine = vivid::engine_with_builtins(Gpu::headless(&Default::default())?);
//! engine.set_chain(&ChainBuilder::new().node("dot", "shape").size(160, 90).build())?;
//! engine.set_param("dot", "shape_size", 0.3)?;                   // a number
//! engine.set_param("dot", "color", [1.0f32, 0.5, 0.0])?;         // a colour
//! engine.set_param("dot", "kind", "star")?;                      // a choice
//! engine.set_param("dot", "shape_size", "0.3 + 0.1 * sin(time)")?; // animated
//! assert!(engine.set_param("dot", "kind", "stra").is_err());     // did you mean `star`?
//! assert!(engine.set_param("dot", "sise", 1.0).is_err());        // no such parameter
//! engine.render(FrameTime { time: 0.5, frame: 30 }, Target::None, false)?;
//! // What the inspector shows: every parameter with its value and metadata.
//! let params = engine.param_views("dot").expect("a node named dot");
//! assert!(params.iter().any(|p| p.spec.name == "shape_size"));
//! # Ok(()) }
//! ```
//!
//! ### React to errors
//!
//! Loading a project and [`Engine::set_chain`] return located errors (`file:line:col`, the
//! line, a hint) and keep the running chain. An operator that fails *while running* — a
//! picture broken after it loaded, a pipeline that does not build, a GPU allocation — keeps
//! its last good output while the rest of the chain runs: [`Engine::errors`] lists those,
//! and [`Engine::errors_generation`] changes whenever the list does, so a host polls the
//! number each frame and reads the list only when it moved.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{FrameTime, Gpu, Target};
//!
//! let dir = tempfile::tempdir()?;
//! let pic = dir.path().join("pic.png");
//! image::RgbaImage::from_fn(32, 32, |x, y| image::Rgba([(x * 8) as u8, (y * 8) as u8, 90, 255]))
//!     .save(&pic)?;
//! std::fs::write(dir.path().join("chain.toml"), "[pic]\ntype = \"image\"\npath = \"pic.png\"\n")?;
//!
//! let mut engine = vivid::engine_with_builtins(Gpu::headless(&Default::default())?);
//! engine.load_project(dir.path(), &[])?;
//!
//! // A mistake in a chain: refused with its place; the running chain is kept.
//! let err = engine.load_project(dir.path(), &["pic.fit=strech".into()]).unwrap_err();
//! assert!(err.to_string().contains("stretch"), "{err}"); // the hint
//!
//! // A file broken after it loaded: the operator's error, shown while the chain runs on.
//! let bytes = std::fs::read(&pic)?;
//! std::fs::write(&pic, &bytes[..bytes.len() / 2])?;
//! engine.files_changed(&[pic.clone()]); // what `vivid::live` does when a file is saved
//! let mut seen = engine.errors_generation();
//! for frame in 0..3 {
//!     engine.render(FrameTime { time: frame as f64 / 60.0, frame }, Target::None, false)?;
//!     if engine.errors_generation() != seen {
//!         seen = engine.errors_generation();
//!         for e in engine.errors() {
//!             eprintln!("error in `{}`: {}", e.node, e.message); // the host shows it
//!         }
//!     }
//! }
//! assert_eq!(engine.errors()[0].node, "pic");
//! # Ok(()) }
//! ```
//!
//! ### Read a frame back
//!
//! `render(time, target, true)` also copies the output for [`Engine::read_output`] (to the
//! CPU, as floats; [`readback::save_png`] writes a PNG). Call [`Engine::set_capture`] before
//! the first frame when frames will be read back, so that a steady frame still creates
//! nothing.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use vivid::{chain::ChainBuilder, FrameTime, Gpu, Target};
//!
//! let mut engine = vivid::engine_with_builtins(Gpu::headless(&Default::default())?);
//! engine.set_chain(&ChainBuilder::new().node("s", "solid").param("color", [0.5f32, 0.25, 1.0]).size(8, 8).build())?;
//! engine.set_capture(true);
//! engine.render(FrameTime { time: 0.0, frame: 0 }, Target::None, true)?;
//! let image = engine.read_output()?;
//! assert_eq!(image.to_rgba8().get_pixel(0, 0).0, [128, 64, 255, 255]);
//! # Ok(()) }
//! ```
//!
//! ### Follow a project's files (feature `app`)
//!
//! `vivid::live::Live` watches a
//! project folder (chain.toml, its shaders, the files its operators name) and applies every
//! save all-or-nothing: a broken file is reported and the last good version keeps running.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # #[cfg(feature = "app")] {
//! use vivid::live::Live;
//! use vivid::{FrameTime, Gpu, Target};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::write(dir.path().join("chain.toml"), "[n]\ntype = \"noise\"\nsize = [64, 36]\n")?;
//! let mut engine = vivid::engine_with_builtins(Gpu::headless(&Default::default())?);
//! engine.load_project(dir.path(), &[])?;
//! // `true`: watch the folder (`false`: the host calls `live.apply` with its own changes).
//! let mut live = Live::new(&engine, dir.path(), Vec::new(), true)?;
//! for frame in 0..3 {
//!     if live.poll(&mut engine) {
//!         // Something was reloaded or failed to: show the errors, or clear them.
//!         engine.set_overlay_text(live.error_text().as_deref());
//!     }
//!     engine.render(FrameTime { time: frame as f64 / 60.0, frame }, Target::None, false)?;
//!     for t in live.frame_done(&engine) {
//!         println!("{}", t.line()); // "reloaded chain.toml in 12 ms (3 ms after the debounce)"
//!     }
//! }
//! # }
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! - **`window`** (default) — the `vivid-app` crate's winit runner (`vivid::window`: what
//!   the `vivid` binary opens), and everything of `app`.
//! - **`app`** — the app layer without a window: live reload (`vivid::live`,
//!   `vivid::watch`: notify) and the egui inspector (`vivid::ui`, with `vivid::egui`).
//! - **`media`** (default) — video files as an operator (`video`) and recording of the
//!   output, through GStreamer (`vivid::media`, the `vivid-media` crate).
//!
//! An installation that only embeds the engine depends on
//! `vivid = { git = "https://github.com/vivid-render/vivid", default-features = false }`
//! (or a `path` to a clone; vivid is not on crates.io, where `vivid` is another program) and
//! compiles no winit, egui or notify.

#![forbid(unsafe_code)]

pub use vivid_engine::{
    ChainLoader, Diagnostic, Diagnostics, DisplayArea, Engine, EngineError, EngineOptions,
    FloatImage, FramePass, FrameReport, FrameTime, Gpu, GpuOptions, LoadedChain, MemoryMonitor,
    MonitorSample, NodeError, NodeProfile, NodeView, Operator, OperatorInfo, ParamView, PassMode,
    Profile, Registry, Result, RunStats, Target, rss_bytes,
};
pub use vivid_engine::{bytemuck, glam, wgpu};
pub use vivid_engine::{
    chain, clock, files, fullscreen, gpu, operator, params, project, readback, resources, scene,
    shaders, stderr, stderr_line, warp,
};
pub use vivid_operators as operators;

#[cfg(feature = "app")]
pub use vivid_app::{egui, live, ui, watch};

#[cfg(feature = "window")]
pub use vivid_app::{outputs, window};

#[cfg(feature = "media")]
pub use vivid_media as media;

#[cfg(feature = "control")]
pub use vivid_control as control;

/// Frames shared without copies (Linux, Vulkan): export the output as DMA-BUFs, import a
/// host's buffers as `dmabuf_in` nodes (register them with `vivid::dmabuf::register`).
#[cfg(all(feature = "dmabuf", unix))]
pub use vivid_dmabuf as dmabuf;

/// A registry with every built-in operator type (with feature `media`, `video` and
/// `image_sequence` too), and with feature `control` the variables it sets.
#[must_use]
pub fn builtin_registry() -> Registry {
    #[cfg_attr(
        not(any(feature = "media", feature = "control")),
        expect(unused_mut, reason = "declared with `media` or `control`")
    )]
    let mut r = vivid_operators::builtin_registry();
    #[cfg(feature = "media")]
    vivid_media::register(&mut r);
    // The variables `vivid-control` sets (`osc.*`, `audio.*`): chains reading them are
    // valid in every host, whether or not a source runs (they read 0).
    #[cfg(feature = "control")]
    if let Err(e) = vivid_control::declare(&mut r) {
        log::error!("control variables: {e}");
    }
    r
}

/// An engine on `gpu` with the built-in operators and default options (monitor every 10 s,
/// printed on stderr).
#[must_use]
pub fn engine_with_builtins(gpu: Gpu) -> Engine {
    Engine::new(gpu, builtin_registry(), EngineOptions::default())
}
