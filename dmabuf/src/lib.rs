//! DMA-BUF import and export for vivid on Vulkan: frames shared between devices and
//! processes without a CPU copy.
//!
//! - [`export`]: a pool of exportable images, allocated once, that the engine's output is
//!   copied (or converted) into inside the frame's one encoder; the host takes each finished
//!   frame as an fd with its fourcc, modifier, offset and stride.
//! - [`import`]: a host's buffer (fd, size, fourcc, modifier, offset, stride) becomes the
//!   output of a `dmabuf_in` node, sampled where it lies; imports are cached by the
//!   buffer's identity and released when vivid's last use of them has completed.
//! - [`pipewire`] (feature `pipewire`): the pool's slots published as a PipeWire video
//!   stream's buffers (its raw buffers are the crate's other unsafe module).
//! - `vk` (private): vivid's unsafe Vulkan code, each block with its safety argument (the
//!   only other unsafe module is `pipewire::buffers`).

#[cfg(unix)]
#[allow(unsafe_code)]
mod vk;

mod error;
pub mod format;

pub use error::{DmabufError, Result};
pub use format::{Fourcc, HandleType, MOD_INVALID, MOD_LINEAR};

#[cfg(unix)]
pub mod export;
#[cfg(unix)]
pub mod import;
#[cfg(all(target_os = "linux", feature = "pipewire"))]
pub mod pipewire;
#[cfg(unix)]
pub mod sync;

#[cfg(unix)]
pub use export::{
    ExportHandle, ExportOptions, ExportStats, ExportTap, ExportedFrame, Pool, PoolSlot, export,
};
#[cfg(unix)]
pub use import::{DmabufDesc, ImportSource, ImportStats, register, source};

/// A new fd of our own for the open file a bare integer names (one a C library such as
/// GStreamer hands out); fails with `EBADF` if none is open.
#[cfg(unix)]
pub fn dup_raw(raw: std::os::fd::RawFd) -> std::io::Result<std::os::fd::OwnedFd> {
    vk::dup_raw(raw)
}

/// What a device can do with shared memory for `format`: the handle type it exports
/// linear images as, whether it imports DMA-BUFs, and whether with explicit modifiers.
#[cfg(unix)]
pub fn caps(device: &wgpu::Device, format: wgpu::TextureFormat) -> Result<Caps> {
    vk::caps(device, format)
}

#[cfg(unix)]
pub use vk::{Caps, PlaneLayout};
