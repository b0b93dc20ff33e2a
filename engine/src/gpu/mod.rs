//! The GPU vivid renders on ([`Gpu`]): its device, counted object creation, errors, counts.
//!
//! A [`Gpu`] holds an instance's adapter, device and queue — headless, for a window, or
//! wrapping a host's device — and the counted constructors through which the engine creates
//! every wgpu object.
//!
//! Every `create_*` here bumps a per-kind counter. Those counts, with wgpu's own internal
//! counters, are how the engine proves that a steady frame creates nothing.
//!
//! Two failure paths live here too:
//! - **fault injection** ([`Gpu::fail_creation`], for tests): the Nth object created from
//!   now on is reported as an out-of-memory failure by the error scope around it — the way
//!   wgpu reports a real one (the handle exists, the scope says it failed) — so that tests
//!   can prove every half-done initialisation drops what it made;
//! - **device loss**: the device-lost callback sets a flag ([`Gpu::lost`]) and
//!   [`Gpu::recreate`] asks the same adapter for a new device.
//!
//! - `device`: instance, adapter and device set-up, device loss, [`PassMode`];
//! - `create`: the counted constructors, [`GpuTexture`] and [`GpuBuffer`];
//! - `errors`: error scopes ([`Gpu::scoped`]), the [`ErrorLog`], fault injection;
//! - `counts`: [`ObjectCounts`] and [`WgpuCounters`].

mod counts;
mod create;
mod device;
mod errors;

use std::sync::Arc;

pub use counts::{
    CountsSnapshot, ObjectCounts, ObjectKind, POOLED_COMMAND_ENCODERS, WgpuCounters, texture_bytes,
};
pub use create::{GpuBuffer, GpuTexture, next_resource_id};
pub use device::{GpuOptions, PassMode, external_memory_features, new_instance, request_adapter};
pub use errors::ErrorLog;

use device::Lost;
use errors::Faults;

/// The GPU the engine renders on. Cheap to clone (wgpu handles are reference-counted).
#[derive(Clone, Debug)]
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter_info: wgpu::AdapterInfo,
    /// The adapter the device came from (not for a host's device): a lost device is
    /// recreated on it.
    adapter: Option<wgpu::Adapter>,
    pass_mode: PassMode,
    counts: Arc<ObjectCounts>,
    errors: Arc<ErrorLog>,
    faults: Arc<Faults>,
    lost: Arc<Lost>,
}
