//! vivid's app layer: what the `vivid` program puts around the engine — a window, a live
//! inspector, and reloading a project's files while it plays. An installation that embeds
//! [`vivid_engine`] and draws into its own textures does not need it (nor winit, egui or
//! notify, which only this crate compiles).
//!
//! - [`watch`] — `Watcher`: notify, debounced, on folders (editors save by renaming over the
//!   file) → the files that changed and when they first changed.
//! - [`live`] — `Live`: a running project that follows its files. chain.toml and project
//!   shaders reload through `Engine::set_chain`, built-in shaders through
//!   `Engine::reload_shaders`, other files through `Engine::files_changed`; a broken file is
//!   reported with `file:line:col` while the last good version keeps rendering, and each
//!   reload's latency (first file event → GPU done with the first frame showing it) is
//!   measured.
//! - [`ui`] — `Inspector`: the egui overlay (chain view with thumbnails, parameter panel that
//!   saves into chain.toml keeping its layout, performance and memory plots, errors), built
//!   only from the engine's public views and edits; its `EguiPainter` is an engine
//!   `FramePass` that draws egui into the frame's one encoder and creates nothing in a
//!   steady frame. It knows nothing of windows: tests drive it with synthetic input.
//! - [`window`] (feature `window`, on by default) — the winit runner: a window showing the
//!   chain's output, with the inspector on Tab, fullscreen on F, and live reload; it
//!   reconfigures its surface on resize, loss and device loss. With `[[window]]` tables a
//!   window per output, all drawn in the frame's one encoder.
//! - [`outputs`] (feature `window`) — placing the outputs' windows on monitors, and the
//!   monitors' list (`vivid devices`).

pub mod live;
#[cfg(feature = "window")]
pub mod outputs;
pub mod ui;
pub mod watch;
#[cfg(feature = "window")]
pub mod window;

// Re-exported so that hosts driving the inspector use egui's version.
pub use egui;
