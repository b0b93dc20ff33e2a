//! Readback: the output texture (`Rgba16Float`, premultiplied) -> CPU -> 8-bit PNG.
//!
//! The copy is recorded into the frame's own encoder, so a snapshot adds no submit. The
//! buffer is created once (when capture is enabled) and reused. It holds at most
//! [`MAX_TILE_BYTES`] (and the device's `max_buffer_size`): a larger output (above about
//! 5792x5792) is read in tiles of rows — the first copied in the frame, each next one copied
//! and submitted when [`Engine::read_output`](crate::Engine::read_output) gets to it, into
//! the same buffer. Every wait is bounded by the frame deadline.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use half::f16;

use crate::deadline::wait_until;
use crate::error::{EngineError, Result};
use crate::gpu::{Gpu, GpuBuffer};

/// The most bytes the readback buffer takes (wgpu's default `max_buffer_size`): outputs
/// larger than this are read in tiles of rows.
pub const MAX_TILE_BYTES: u64 = 256 << 20;

/// A buffer the output is copied into.
#[derive(Debug)]
pub(crate) struct Readback {
    buffer: GpuBuffer,
    width: u32,
    height: u32,
    bytes_per_row: u32,
    /// Rows the buffer holds (a tile).
    tile_rows: u32,
    /// The texture of the last frame's copy: the tiles after the first are copied from it.
    source: Option<wgpu::Texture>,
    /// The tile the buffer holds now (the first after a frame's copy, the last after a read).
    holds: AtomicU32,
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
        let max = gpu.device().limits().max_buffer_size.min(MAX_TILE_BYTES);
        Self::with_tile_bytes(gpu, width, height, max)
    }

    /// [`new`](Self::new), reading at most `max_bytes` at a time.
    #[must_use]
    pub(crate) fn with_tile_bytes(gpu: &Gpu, width: u32, height: u32, max_bytes: u64) -> Self {
        let bytes_per_row = (width * 8).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let tile_rows = (max_bytes / u64::from(bytes_per_row)).clamp(1, u64::from(height)) as u32;
        let buffer = gpu.create_buffer(&wgpu::BufferDescriptor {
            label: Some("vivid.readback"),
            size: u64::from(bytes_per_row) * u64::from(tile_rows),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        Self {
            buffer,
            width,
            height,
            bytes_per_row,
            tile_rows,
            source: None,
            holds: AtomicU32::new(0),
        }
    }

    /// The size it was made for.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Tiles the output is read in (1: all of it is copied in the frame).
    #[must_use]
    pub(crate) fn tiles(&self) -> u32 {
        self.height.div_ceil(self.tile_rows)
    }

    /// Records the copy of the first rows of `texture` (all of it, unless it is read in
    /// tiles) into the buffer.
    pub(crate) fn encode_copy(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        texture: &wgpu::Texture,
    ) {
        self.copy_tile(encoder, texture, 0);
        self.source = (self.tiles() > 1).then(|| texture.clone());
        self.holds.store(0, Ordering::Relaxed);
    }

    /// Records the copy of tile `k` of `texture` into the buffer.
    fn copy_tile(&self, encoder: &mut wgpu::CommandEncoder, texture: &wgpu::Texture, k: u32) {
        let y = k * self.tile_rows;
        let rows = self.tile_rows.min(self.height - y);
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture,
                mip_level: 0,
                origin: wgpu::Origin3d { x: 0, y, z: 0 },
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.buffer.buffer,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(self.bytes_per_row),
                    rows_per_image: Some(rows),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: rows,
                depth_or_array_layers: 1,
            },
        );
    }

    /// Waits for the copy and reads the pixels. A wait for the GPU past `deadline` fails,
    /// unless `excused()` says to wait on.
    pub fn read(
        &self,
        gpu: &Gpu,
        deadline: Option<Duration>,
        excused: &dyn Fn() -> bool,
    ) -> Result<FloatImage> {
        let mut pixels = Vec::with_capacity(self.width as usize * self.height as usize);
        self.read_rows(gpu, deadline, excused, |_, row| {
            pixels.extend(row.chunks_exact(8).map(f16_pixel));
        })?;
        Ok(FloatImage {
            width: self.width,
            height: self.height,
            pixels,
        })
    }

    /// [`read`](Self::read) into 8-bit straight RGBA ([`to_rgba8`]), without the float
    /// image in between (a quarter of the memory: what `--snapshot` writes).
    pub fn read_rgba8(
        &self,
        gpu: &Gpu,
        deadline: Option<Duration>,
        excused: &dyn Fn() -> bool,
    ) -> Result<image::RgbaImage> {
        let mut img = image::RgbaImage::new(self.width, self.height);
        let row_len = self.width as usize * 4;
        self.read_rows(gpu, deadline, excused, |y, row| {
            let start = y as usize * row_len;
            if let Some(dst) = img.get_mut(start..start + row_len) {
                for (d, px) in dst.chunks_exact_mut(4).zip(row.chunks_exact(8)) {
                    d.copy_from_slice(&to_rgba8(f16_pixel(px)));
                }
            }
        })?;
        Ok(img)
    }

    /// Calls `row(y, bytes)` for every row, top to bottom (8 bytes a pixel, `f16` RGBA):
    /// the first tile from the frame's copy, the next ones each copied, submitted and
    /// mapped in turn (a second read copies the first again). Each wait for the GPU ends
    /// after `deadline`.
    fn read_rows(
        &self,
        gpu: &Gpu,
        deadline: Option<Duration>,
        excused: &dyn Fn() -> bool,
        mut row: impl FnMut(u32, &[u8]),
    ) -> Result<()> {
        for k in 0..self.tiles() {
            let mut submission = None;
            // The first tile is in the buffer after the frame's copy, until a read of the
            // others replaced it.
            if self.holds.load(Ordering::Relaxed) != k {
                let texture = self.source.as_ref().ok_or_else(|| EngineError::Gpu {
                    context: "reading back the output".into(),
                    message: "the output texture is gone".into(),
                })?;
                submission = Some(gpu.scoped("reading back the output", || {
                    let mut encoder = gpu.create_command_encoder("vivid.readback.tile");
                    self.copy_tile(&mut encoder, texture, k);
                    gpu.submit(encoder.finish())
                })?);
                self.holds.store(k, Ordering::Relaxed);
            }
            let y0 = k * self.tile_rows;
            let rows = self.tile_rows.min(self.height - y0);
            self.map(gpu, submission.as_ref(), deadline, excused)?;
            {
                let view = self
                    .buffer
                    .buffer
                    .slice(..)
                    .get_mapped_range()
                    .map_err(|e| EngineError::Gpu {
                        context: "mapping the readback buffer".into(),
                        message: e.to_string(),
                    })?;
                for r in 0..rows {
                    let start = r as usize * self.bytes_per_row as usize;
                    if let Some(bytes) = view.get(start..start + self.width as usize * 8) {
                        row(y0 + r, bytes);
                    }
                }
            }
            self.buffer.buffer.unmap();
        }
        Ok(())
    }

    /// Maps the buffer for reading once `submission` (`None`: everything) is done, waiting
    /// `deadline` at most (again while `excused()`).
    fn map(
        &self,
        gpu: &Gpu,
        submission: Option<&wgpu::SubmissionIndex>,
        deadline: Option<Duration>,
        excused: &dyn Fn() -> bool,
    ) -> Result<()> {
        let (tx, rx) = std::sync::mpsc::channel();
        self.buffer
            .buffer
            .slice(..)
            .map_async(wgpu::MapMode::Read, move |r| {
                let _ = tx.send(r);
            });
        let late = || EngineError::FrameDeadline {
            context: "reading back the output".into(),
            seconds: deadline.map_or(0.0, |d| d.as_secs_f64()),
        };
        // The map callback runs in a poll once the copy is done.
        let mapped = loop {
            let until = deadline.map(|d| Instant::now() + d);
            let done = wait_until(gpu, submission.cloned(), until).is_ok()
                && wait_until(gpu, None, until).is_ok();
            if let Ok(r) = rx.try_recv() {
                break r;
            }
            if done || !excused() {
                return Err(late());
            }
        };
        mapped.map_err(|e| EngineError::Gpu {
            context: "mapping the readback buffer".into(),
            message: e.to_string(),
        })
    }
}

/// One `f16` RGBA pixel (8 bytes, little-endian) as floats.
fn f16_pixel(px: &[u8]) -> [f32; 4] {
    let c = |i: usize| f16::from_le_bytes([px[2 * i], px[2 * i + 1]]).to_f32();
    [c(0), c(1), c(2), c(3)]
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

    /// A `w` x `h` texture whose pixel (x, y) is (x, y, x + y, 1) / 64, and the frame's
    /// encoder with a readback of it of at most `tile_bytes`.
    fn read_back(
        gpu: &Gpu,
        w: u32,
        h: u32,
        tile_bytes: u64,
    ) -> (Readback, FloatImage, image::RgbaImage) {
        let texture = gpu.create_texture(&wgpu::TextureDescriptor {
            label: Some("test"),
            size: wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba16Float,
            usage: wgpu::TextureUsages::COPY_SRC | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        });
        let data: Vec<u8> = (0..h)
            .flat_map(|y| (0..w).map(move |x| [x, y, x + y, 64]))
            .flat_map(|c| c.map(|v| f16::from_f32(v as f32 / 64.0).to_le_bytes()))
            .flatten()
            .collect();
        gpu.queue().write_texture(
            texture.texture.as_image_copy(),
            &data,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(w * 8),
                rows_per_image: None,
            },
            texture.texture.size(),
        );
        let mut r = Readback::with_tile_bytes(gpu, w, h, tile_bytes);
        let mut encoder = gpu.create_command_encoder("test");
        r.encode_copy(&mut encoder, &texture.texture);
        let _ = gpu.submit(encoder.finish());
        let img = r
            .read(gpu, Some(Duration::from_secs(30)), &|| false)
            .expect("reads");
        let rgba = r
            .read_rgba8(gpu, Some(Duration::from_secs(30)), &|| false)
            .expect("reads");
        (r, img, rgba)
    }

    #[test]
    #[expect(
        clippy::float_cmp,
        reason = "k / 64 is exact in f16: the values must come back"
    )]
    fn a_large_output_is_read_in_tiles_of_rows() {
        let gpu = Gpu::headless(&crate::GpuOptions::default()).expect("a GPU adapter");
        let (w, h) = (40, 23);
        // 40 pixels are 320 bytes, a row 512 with its alignment: 3 rows a tile, 8 tiles.
        let (tiled, img, rgba) = read_back(&gpu, w, h, 3 * 512 + 100);
        assert_eq!(tiled.tiles(), 8);
        let (whole, all, all_rgba) = read_back(&gpu, w, h, MAX_TILE_BYTES);
        assert_eq!(whole.tiles(), 1);
        assert_eq!(img, all);
        assert_eq!(rgba, all_rgba);
        for (x, y) in [(0, 0), (39, 0), (5, 2), (5, 3), (17, 22), (39, 22)] {
            let want = [x, y, x + y, 64].map(|v| v as f32 / 64.0);
            assert_eq!(img.at(x, y), want, "({x}, {y})");
            assert_eq!(rgba.get_pixel(x, y).0, to_rgba8(want), "({x}, {y})");
        }
        assert_eq!(gpu.errors().count(), 0, "{:?}", gpu.errors().recent());
    }
}
