//! [`DmabufError`]: why a buffer could not be shared.

use crate::format::Fourcc;

/// Why a DMA-BUF could not be imported or exported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DmabufError {
    /// The device is not a Vulkan device, or its driver lacks an extension.
    #[error("DMA-BUF sharing is not available here: {0}")]
    Unsupported(String),
    /// The fourcc is not one vivid imports (single-plane 8-bit RGBA/BGRA, half-float RGBA,
    /// two-plane NV12 or P010).
    #[error("fourcc {0} is not supported (hint: AB24, XB24, AR24, XR24, AB4H, NV12 or P010)")]
    Format(Fourcc),
    /// The modifier is not one this device can read.
    #[error(
        "modifier 0x{modifier:016x} is not supported for {fourcc} on this device (hint: {hint})"
    )]
    Modifier {
        /// The buffer's fourcc.
        fourcc: Fourcc,
        /// The buffer's modifier.
        modifier: u64,
        /// What this device reads.
        hint: String,
    },
    /// The buffer's plane layout is not one this device can use.
    #[error("plane layout refused: {0}")]
    Layout(String),
    /// The size is zero or larger than the device allows.
    #[error("size {width}x{height} refused: {reason}")]
    Size {
        /// Width in pixels.
        width: u32,
        /// Height in pixels.
        height: u32,
        /// Why.
        reason: String,
    },
    /// The file descriptor could not be read (duplicated, measured).
    #[error("the buffer's file descriptor: {0}")]
    Fd(#[from] std::io::Error),
    /// The producer's writes did not finish in time (explicit sync's bounded wait).
    #[error("synchronisation: {0}")]
    Sync(String),
    /// The export pool cannot be a PipeWire stream's memory (why: the device, the kind of
    /// fds); the host publishes copies instead.
    #[error("the export pool cannot be shared: {0}")]
    NotShared(String),
    /// PipeWire could not be reached or refused the stream.
    #[error("PipeWire: {0}")]
    PipeWire(String),
    /// A Vulkan call failed.
    #[error("Vulkan {call} failed: {result}")]
    Vulkan {
        /// The call.
        call: &'static str,
        /// Its result code.
        result: String,
    },
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, DmabufError>;
