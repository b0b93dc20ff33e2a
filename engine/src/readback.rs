//! Readback: the output texture (`Rgba16Float`, premultiplied) -> CPU -> 8-bit PNG.
//!
//! The copy is recorded into the frame's own encoder, so a snapshot adds no submit. The
//! buffer is created once (when capture is enabled) and reused.

use std::path::Path;

use half::f16;

use crate::error::{EngineError, Result};
use crate::gpu::{Gpu, GpuBuffer};

/// A buffer the output is copied into.
#[derive(Debug)]
pub(crate) struct Readback {
    buffer: GpuBuffer,
    width: u32,
    height: u32,
    bytes_per_row: u32,
}

/// Pixels read back: premultiplied RGBA as stored, row 0 at the top.
#[derive(Clone, Debug, PartialEq)]
pub struct FloatImage {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// `width * height` pixels.
    pub pixels: Vec<[f32; 4]>,
}

impl FloatImage {
    /// The pixel at (x, y), y from the top.
    #[must_use]
    pub fn at(&self, x: u32, y: u32) -> [f32; 4] {
        self.pixels[(y * self.width + x) as usize]
    }

    /// Mean of every channel.
    #[must_use]
    pub fn mean(&self) -> [f64; 4] {
        let mut m = [0f64; 4];
        for p in &self.pixels {
            for c in 0..4 {
                m[c] += f64::from(p[c]);
            }
        }
        let n = self.pixels.len().max(1) as f64;
        m.map(|v| v / n)
    }

    /// 8-bit straight-alpha RGBA, as a PNG stores it: `round(clamp(v) * 255)` after
    /// un-premultiplying. No gamma is applied: values are display-referred already.
    #[must_use]
    pub fn to_rgba8(&self) -> image::RgbaImage {
        let mut img = image::RgbaImage::new(self.width, self.height);
        for (dst, src) in img.pixels_mut().zip(&self.pixels) {
            dst.0 = to_rgba8(*src);
        }
        img
    }
}

/// One premultiplied float pixel to straight 8-bit RGBA.
#[must_use]
pub fn to_rgba8(p: [f32; 4]) -> [u8; 4] {
    let a = p[3].clamp(0.0, 1.0);
    let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    // Fully transparent in 8 bits: no colour (un-premultiplying a tiny alpha would give
    // arbitrary, invisible RGB that differs from driver to driver).
    if q(a) == 0 {
        return [0, 0, 0, 0];
    }
    [q(p[0] / a), q(p[1] / a), q(p[2] / a), q(a)]
}

impl Readback {
    /// A readback buffer for a `width` x `height` `Rgba16Float` texture.
    #[must_use]
    pub fn new(gpu: &Gpu, width: u32, height: u32) -> Self {
        let bytes_per_row = (width * 8).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let buffer = gpu.create_buffer(&wgpu::BufferDescriptor {
            label: Some("vivid.readback"),
            size: u64::from(bytes_per_row) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            buffer,
            width,
            height,
            bytes_per_row,
        }
    }

    /// The size it was made for.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Records the copy of `texture` into the buffer.
    pub(crate) fn encode_copy(&self, encoder: &mut wgpu::CommandEncoder, texture: &wgpu::Texture) {
        encoder.copy_texture_to_buffer(
            texture.as_image_copy(),
            wgpu::TexelCopyBufferInfo {
                buffer: &self.buffer.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.bytes_per_row),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
    }

    /// Waits for the copy and reads the pixels.
    pub fn read(&self, gpu: &Gpu) -> Result<FloatImage> {
        let slice = self.buffer.buffer.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        gpu.device()
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| EngineError::Gpu {
                context: "reading back the output".into(),
                message: e.to_string(),
            })?;
        let mapped = rx.recv().map_err(|e| EngineError::Gpu {
            context: "reading back the output".into(),
            message: e.to_string(),
        })?;
        mapped.map_err(|e| EngineError::Gpu {
            context: "mapping the readback buffer".into(),
            message: e.to_string(),
        })?;
        let mut pixels = Vec::with_capacity((self.width * self.height) as usize);
        {
            let view = slice.get_mapped_range().map_err(|e| EngineError::Gpu {
                context: "mapping the readback buffer".into(),
                message: e.to_string(),
            })?;
            for y in 0..self.height as usize {
                let row = &view[y * self.bytes_per_row as usize..][..self.width as usize * 8];
                for px in row.chunks_exact(8) {
                    let c = |i: usize| f16::from_le_bytes([px[2 * i], px[2 * i + 1]]).to_f32();
                    pixels.push([c(0), c(1), c(2), c(3)]);
                }
            }
        }
        self.buffer.buffer.unmap();
        Ok(FloatImage {
            width: self.width,
            height: self.height,
            pixels,
        })
    }
}

/// Writes an 8-bit RGBA PNG.
pub fn save_png(img: &image::RgbaImage, path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    }
    img.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| EngineError::Image {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_rounds_without_gamma() {
        assert_eq!(to_rgba8([0.5, 0.25, 1.0, 1.0]), [128, 64, 255, 255]);
        // Premultiplied half-transparent red -> straight red, alpha 128.
        assert_eq!(to_rgba8([0.5, 0.0, 0.0, 0.5]), [255, 0, 0, 128]);
        assert_eq!(to_rgba8([2.0, -1.0, 0.0, 1.0]), [255, 0, 0, 255]);
        assert_eq!(to_rgba8([0.3, 0.3, 0.3, 0.0]), [0, 0, 0, 0]);
        assert_eq!(to_rgba8([0.001, 0.0005, 0.0, 0.001]), [0, 0, 0, 0]);
    }
}
