//! `--pipewire`: vivid's output as a PipeWire video stream whose buffers ARE the export
//! pool's slots ([`mod@crate::export`]) — no copy on vivid's side: a consumer maps (or
//! imports) the very memory the GPU wrote.
//!
//! One PipeWire buffer per slot, its block the slot's fd: a DMA-BUF (`SPA_DATA_DmaBuf`,
//! format with the LINEAR modifier) where the driver exports DMA-BUFs, or, where it exports
//! opaque fds that are memfds (lavapipe), a memfd (`SPA_DATA_MemFd`). A slot is not
//! written again while its buffer is with PipeWire: the frame (its lease) is held from
//! queueing until the stream hands the buffer back. A frame whose buffer is still out is
//! left out and counted; the render never waits. Where the pool's fds are neither (opaque
//! fds of a real GPU), [`sharable`] says so and the host publishes copies instead.
//!
//! The stream runs on a thread of its own ([`Publisher`]), woken by the export's
//! `on_publish`. The unsafe code (raw PipeWire buffers) is in `buffers` alone.

#[allow(unsafe_code)]
mod buffers;
pub mod params;
mod stream;

use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;

use vivid_engine::gpu::Gpu;

use crate::error::{DmabufError, Result};
use crate::format::HandleType;

/// The `pipewire` crate this module is built on (for hosts and tests consuming a stream
/// in the same process, with the same libpipewire).
pub use ::pipewire as pw;

pub use stream::{PublishOptions, PublishStats, Publisher, publish};

/// What memory the stream's buffers are: the export pool's fds as they are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Memory {
    /// DMA-BUFs (`SPA_DATA_DmaBuf`, with the LINEAR modifier).
    DmaBuf,
    /// Memfds (`SPA_DATA_MemFd`): opaque Vulkan fds that are memfds (lavapipe).
    MemFd,
}

impl Memory {
    /// The SPA data type.
    #[must_use]
    pub fn data_type(self) -> u32 {
        match self {
            Self::DmaBuf => ::pipewire::spa::sys::SPA_DATA_DmaBuf,
            Self::MemFd => ::pipewire::spa::sys::SPA_DATA_MemFd,
        }
    }

    /// As the log says it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::DmaBuf => "DMA-BUFs",
            Self::MemFd => "memfds",
        }
    }
}

/// The open file an fd names, as `/proc/self/fd` shows it (`/memfd:...` for a memfd).
fn link_of(fd: &OwnedFd) -> Option<PathBuf> {
    std::fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd())).ok()
}

/// Whether `fd` is a memfd.
#[must_use]
pub fn is_memfd(fd: &OwnedFd) -> bool {
    link_of(fd).is_some_and(|p| p.to_string_lossy().starts_with("/memfd:"))
}

/// Where the memory behind a memfd the driver exported begins, and the memfd's size.
///
/// An opaque fd's contents are the driver's own business; the one driver that exports
/// memfds (Mesa's llvmpipe/lavapipe, `os_malloc_aligned_fd`) starts them with a header —
/// the memfd's size and the offset of the memory (page-aligned), as two native `usize`s,
/// then a 16-byte driver id, and the offset again in the word just before the memory — so
/// a consumer mapping the memfd from that offset finds the image at the image's own.
/// Refused (with why) where the header does not say all of that (another driver, or
/// another layout: the pool is not shared, the host copies).
pub fn memfd_memory(fd: &OwnedFd) -> std::result::Result<(u64, u64), String> {
    use std::os::unix::fs::FileExt as _;
    const WORD: usize = std::mem::size_of::<usize>();
    let file = std::fs::File::from(fd.try_clone().map_err(|e| e.to_string())?);
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    let mut header = [0u8; 2 * WORD];
    // `read_at` (pread) leaves the file position, which the driver's own import uses.
    file.read_at(&mut header, 0)
        .map_err(|e| format!("reading the memfd's header: {e}"))?;
    let word = |i: usize| {
        let mut bytes = [0u8; WORD];
        bytes.copy_from_slice(&header[i * WORD..(i + 1) * WORD]);
        usize::from_ne_bytes(bytes) as u64
    };
    let (size, offset) = (word(0), word(1));
    let header_bytes = (2 * WORD + 16) as u64;
    let refused = || {
        format!(
            "a memfd of {len} bytes without the header of Mesa's software drivers (size {size}, offset {offset})"
        )
    };
    if size != len || offset < header_bytes || offset >= size || offset % 4096 != 0 {
        return Err(refused());
    }
    let mut back = [0u8; WORD];
    file.read_at(&mut back, offset - WORD as u64)
        .map_err(|e| format!("reading the memfd's header: {e}"))?;
    if usize::from_ne_bytes(back) as u64 != offset {
        return Err(refused());
    }
    Ok((offset, size))
}

/// The (device, inode) of the file `fd` names: the identity a consumer that received it
/// through PipeWire sees too.
pub fn identity(fd: &OwnedFd) -> std::io::Result<(u64, u64)> {
    use std::os::unix::fs::MetadataExt as _;
    let file = std::fs::File::from(fd.try_clone()?);
    let meta = file.metadata()?;
    Ok((meta.dev(), meta.ino()))
}

/// Whether `gpu`'s export pool (8-bit RGBA) can be the stream's memory, and as what;
/// [`DmabufError::NotShared`] says why not otherwise (the host then publishes copies).
/// Where the driver exports opaque fds, one 1x1 image is exported to look at its fd (at
/// setup, not in a frame).
pub fn sharable(gpu: &Gpu) -> Result<Memory> {
    sharable_as(gpu).map_err(DmabufError::NotShared)
}

fn sharable_as(gpu: &Gpu) -> std::result::Result<Memory, String> {
    if !gpu
        .device()
        .features()
        .contains(wgpu::Features::VULKAN_EXTERNAL_MEMORY_FD)
    {
        return Err(format!(
            "{} was made without external memory (Vulkan fds)",
            gpu.describe()
        ));
    }
    let format = wgpu::TextureFormat::Rgba8Unorm;
    let caps = crate::vk::caps(gpu.device(), format).map_err(|e| e.to_string())?;
    match caps.export {
        None => Err(format!(
            "{} cannot export linear images as fds",
            gpu.describe()
        )),
        Some(HandleType::DmaBuf) => Ok(Memory::DmaBuf),
        Some(HandleType::OpaqueFd) => {
            let desc = wgpu::TextureDescriptor {
                label: Some("vivid.pipewire.probe"),
                size: wgpu::Extent3d {
                    width: 1,
                    height: 1,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format,
                usage: crate::vk::wgpu_usage(true),
                view_formats: &[],
            };
            let (_texture, _layout, fd) =
                crate::vk::create_exportable(gpu.device(), &desc, HandleType::OpaqueFd)
                    .map_err(|e| e.to_string())?;
            if is_memfd(&fd) {
                memfd_memory(&fd)?;
                Ok(Memory::MemFd)
            } else {
                Err(format!(
                    "{} exports opaque fds that are neither DMA-BUFs nor memfds ({}), which \
                     other processes cannot map",
                    gpu.describe(),
                    link_of(&fd).map_or_else(|| "?".into(), |p| p.display().to_string())
                ))
            }
        }
    }
}
