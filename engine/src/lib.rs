//! vivid's engine: everything that is not a particular operator, and nothing of the app
//! around it — the embeddable part. It compiles no window system, UI toolkit or file
//! watcher: the winit window, the egui inspector and live reload are the `vivid-app` crate,
//! built on this one's public API. What a host needs to build such things lives here: the
//! [`FramePass`] hook (a host's own pass in the frame's encoder), operator
//! thumbnails, node and parameter views ([`NodeView`], [`ParamView`]), the
//! profiler, the memory monitor, and the error overlay.
//!
//! Data flow: a project folder's `chain.toml` ([`project`]) becomes a [`chain::ChainDesc`],
//! validated against the operator [`operator::Registry`] into a [`chain::ChainSpec`]; the
//! [`Engine`] instantiates its operators and renders frames: evaluate expressions
//! ([`params`](mod@params)) → scene nodes ([`scene`]: what a `render3d` draws) → prepare (the only step that creates GPU objects, through the counted
//! constructors of [`gpu::Gpu`], from the pools and caches in [`resources`]) → encode into
//! one command encoder → one submit → the memory monitor ([`MemoryMonitor`]).

pub mod audio;
pub mod chain;
pub mod clock;
pub mod deadline;
pub mod encoder;
mod engine;
mod error;
pub mod files;
pub mod fullscreen;
mod fusion;
pub mod gpu;
mod monitor;
pub mod operator;
mod overlay;
pub mod params;
mod profile;
pub mod project;
pub mod readback;
pub mod resources;
pub mod scene;
pub mod shaders;
pub mod stderr;
pub mod tap;
pub mod warp;

pub use engine::{
    ChainLoader, DisplayArea, Engine, EngineOptions, FramePass, FrameReport, LoadedChain,
    MOUSE_VARIABLES, NodeError, NodeProfile, NodeView, OperatorCounter, ParamView, Profile,
    RunStats, Target, output_point,
};
pub use error::{Diagnostic, Diagnostics, EngineError, Result, did_you_mean};
pub use gpu::{Gpu, GpuOptions, PassMode};
pub use monitor::{MemoryMonitor, MonitorSample, rss_bytes};
pub use operator::{FrameTime, Operator, OperatorInfo, Registry};
pub use readback::FloatImage;
pub use tap::OutputTap;

// Re-exported so that operator crates and hosts use the same versions.
pub use bytemuck;
pub use glam;
pub use wgpu;
