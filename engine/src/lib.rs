//! vivid's engine: everything that is not a particular operator, and nothing of the app
//! around it — the embeddable part. It compiles no window system, UI toolkit or file
//! watcher: the winit window, the egui inspector and live reload are the `vivid-app` crate,
//! built on this one's public API. What a host needs to build such things lives here: the
//! [`engine::FramePass`] hook (a host's own pass in the frame's encoder), operator
//! thumbnails, node and parameter views ([`engine::NodeView`], [`engine::ParamView`]), the
//! profiler, the memory monitor, and the error [`overlay`].
//!
//! Data flow: a project folder's `chain.toml` ([`project`]) becomes a [`chain::ChainDesc`],
//! validated against the operator [`operator::Registry`] into a [`chain::ChainSpec`]; the
//! [`Engine`] instantiates its operators and renders frames: evaluate expressions
//! ([`params`](mod@params)) → scene nodes ([`scene`]: what a `render3d` draws) → prepare (the only step that creates GPU objects, through the counted
//! constructors of [`gpu::Gpu`], from the pools and caches in [`resources`]) → encode into
//! one command encoder → one submit → [`monitor`].

pub mod chain;
pub mod engine;
pub mod error;
pub mod fullscreen;
pub mod fusion;
pub mod gpu;
pub mod monitor;
pub mod operator;
pub mod overlay;
pub mod params;
pub mod profile;
pub mod project;
pub mod readback;
pub mod resources;
pub mod scene;
pub mod shaders;

pub use engine::{
    Engine, EngineOptions, FrameReport, NodeError, NodeProfile, Profile, RunStats, Target,
};
pub use error::{Diagnostic, Diagnostics, EngineError, Result};
pub use gpu::{Gpu, GpuOptions, PassMode};
pub use operator::{FrameTime, Operator, OperatorInfo, Registry};

// Re-exported so that operator crates and hosts use the same versions.
pub use bytemuck;
pub use glam;
pub use wgpu;
