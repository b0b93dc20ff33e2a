//! What the DMA-BUF tests share (`tests/dmabuf.rs`, `tests/media_dmabuf.rs`): the device
//! that imports DMA-BUFs, or a skip that says why, and buffers the CPU writes.

use std::io::Write;
use std::os::fd::OwnedFd;

use vivid::Gpu;

/// `gpu` if it imports DMA-BUFs (`VK_EXT_external_memory_dma_buf`). Lavapipe does (CI runs
/// there: without it the test fails); another driver without it is skipped, saying so
/// (NVIDIA's, in a container without its DRM module, exports opaque fds only).
pub fn importing(gpu: Gpu) -> Option<Gpu> {
    let caps = vivid_dmabuf::caps(gpu.device(), vivid::wgpu::TextureFormat::Rgba8Unorm).unwrap();
    if caps.import_dmabuf {
        return Some(gpu);
    }
    assert!(
        !gpu.describe().contains("llvmpipe"),
        "lavapipe imports DMA-BUFs: {caps:?}"
    );
    eprintln!(
        "SKIPPED: {} cannot import DMA-BUFs ({caps:?})",
        gpu.describe()
    );
    None
}

/// `bytes` in a file of their own (lavapipe imports a regular file's fd as a DMA-BUF).
pub fn file_of(bytes: &[u8]) -> OwnedFd {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    OwnedFd::from(file)
}

/// A P010 picture of `n`×`n` (GStreamer's `P010_10LE`): luma rows of 16-bit little-endian
/// samples, the 10-bit code `luma(x, y)` in the high bits, then `n / 2` rows of Cb, Cr
/// pairs, `cbcr(i, j)`.
pub fn p010_file(
    n: usize,
    luma: impl Fn(usize, usize) -> u16,
    cbcr: impl Fn(usize, usize) -> (f64, f64),
) -> OwnedFd {
    let row = 2 * n;
    let mut bytes = vec![0u8; row * n * 3 / 2];
    for y in 0..n {
        for x in 0..n {
            let at = y * row + 2 * x;
            bytes[at..at + 2].copy_from_slice(&(luma(x, y) << 6).to_le_bytes());
        }
    }
    for j in 0..n / 2 {
        for i in 0..n / 2 {
            let (cb, cr) = cbcr(i, j);
            let at = row * n + j * row + 4 * i;
            bytes[at..at + 2].copy_from_slice(&((cb as u16) << 6).to_le_bytes());
            bytes[at + 2..at + 4].copy_from_slice(&((cr as u16) << 6).to_le_bytes());
        }
    }
    file_of(&bytes)
}
