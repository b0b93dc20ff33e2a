//! A recording's pixels for the encoders: read-back `Rgba16Float` (premultiplied) to
//! straight 8- or 16-bit RGBA, and a PNG sequence written by several threads at once (each
//! file is independent).
//!
//! The conversion is per pixel; an opaque pixel (alpha >= 1, most of a frame) is three
//! lookups in a table indexed by the half float's bits, the same numbers as
//! [`vivid_engine::readback::to_rgba8`] computes. PNGs use the `png` crate's fast deflate
//! (`fdeflate`) with the adaptive filter — the `image` crate's default, which measured as the
//! best of time and size (see the README's recording section).

use std::sync::mpsc::Receiver;
use std::sync::{Arc, LazyLock, Mutex};
use std::thread::JoinHandle;

use half::f16;
use image::ImageEncoder;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};

/// The bits of a half float 1.0, and of +infinity: an alpha in this range clamps to 1.
const ONE: u16 = 0x3C00;
const INF: u16 = 0x7C00;

/// Half-float bits to an 8-bit code, clamped to 0..1 (as `readback::to_rgba8` with alpha 1).
static TO_U8: LazyLock<Box<[u8]>> = LazyLock::new(|| {
    (0..=u16::MAX)
        .map(|b| (f16::from_bits(b).to_f32().clamp(0.0, 1.0) * 255.0).round() as u8)
        .collect()
});

/// Half-float bits to a 16-bit code, clamped to 0..1 (as [`rgba16`] with alpha 1).
static TO_U16: LazyLock<Box<[u16]>> = LazyLock::new(|| {
    (0..=u16::MAX)
        .map(|b| (f16::from_bits(b).to_f32().clamp(0.0, 1.0) * 65535.0).round() as u16)
        .collect()
});

/// The four half floats of one read-back pixel, as bits.
fn halves(px: &[u8]) -> [u16; 4] {
    [
        u16::from_le_bytes([px[0], px[1]]),
        u16::from_le_bytes([px[2], px[3]]),
        u16::from_le_bytes([px[4], px[5]]),
        u16::from_le_bytes([px[6], px[7]]),
    ]
}

/// Straight 8-bit RGBA of read-back pixels (`Rgba16Float`, rows packed), into `out`.
pub fn to_rgba8(pixels: &[u8], out: &mut Vec<u8>) {
    straight(
        pixels,
        &TO_U8,
        u8::MAX,
        vivid_engine::readback::to_rgba8,
        out,
    );
}

/// Straight 16-bit RGBA of read-back pixels (as [`to_rgba8`], to 65535): the half floats'
/// 10-bit mantissas keep more than 256 levels.
pub fn to_rgba16(pixels: &[u8], out: &mut Vec<u16>) {
    straight(pixels, &TO_U16, u16::MAX, rgba16, out);
}

/// Read-back pixels to straight RGBA of `T`: an opaque pixel through `lut` (indexed by a
/// half float's bits), any other through `pixel`, which un-premultiplies.
fn straight<T: Copy>(
    pixels: &[u8],
    lut: &[T],
    opaque: T,
    pixel: fn([f32; 4]) -> [T; 4],
    out: &mut Vec<T>,
) {
    out.clear();
    out.reserve(pixels.len() / 2);
    for px in pixels.chunks_exact(8) {
        let h = halves(px);
        if (ONE..=INF).contains(&h[3]) {
            out.extend_from_slice(&[
                lut[usize::from(h[0])],
                lut[usize::from(h[1])],
                lut[usize::from(h[2])],
                opaque,
            ]);
        } else {
            let c = |i: usize| f16::from_bits(h[i]).to_f32();
            out.extend_from_slice(&pixel([c(0), c(1), c(2), c(3)]));
        }
    }
}

/// One premultiplied float pixel to straight 16-bit RGBA (fully transparent: no colour).
pub fn rgba16(p: [f32; 4]) -> [u16; 4] {
    let a = p[3].clamp(0.0, 1.0);
    let q = |v: f32| (v.clamp(0.0, 1.0) * 65535.0).round() as u16;
    if q(a) == 0 {
        return [0; 4];
    }
    [q(p[0] / a), q(p[1] / a), q(p[2] / a), q(a)]
}

/// A writer's conversion buffers, reused from file to file.
#[derive(Default)]
pub struct Scratch {
    rgba8: Vec<u8>,
    rgba16: Vec<u16>,
}

/// Writes `width` x `height` read-back `pixels` as PNG file `name`, of `depth` bits per
/// channel, converting in `scratch`.
pub fn write_png(
    pixels: &[u8],
    [width, height]: [u32; 2],
    name: &str,
    depth: u8,
    scratch: &mut Scratch,
) -> Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| format!("{name}: {e}");
    let file = std::fs::File::create(name).map_err(|e| fail(&e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let encoder =
        PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Adaptive);
    let written = if depth == 16 {
        to_rgba16(pixels, &mut scratch.rgba16);
        encoder.write_image(
            bytemuck::cast_slice(&scratch.rgba16),
            width,
            height,
            image::ExtendedColorType::Rgba16,
        )
    } else {
        to_rgba8(pixels, &mut scratch.rgba8);
        encoder.write_image(
            &scratch.rgba8,
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
    };
    written.map_err(|e| fail(&e))?;
    std::io::Write::flush(&mut out).map_err(|e| fail(&e))
}

/// PNG writers: as many as the machine has cores (at most 8), since a file is mostly
/// deflate on one core.
#[must_use]
pub fn writers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 8))
}

/// One frame for a PNG writer: its pixels, size and file name.
pub struct PngJob {
    /// `Rgba16Float`, rows packed.
    pub pixels: Vec<u8>,
    /// Width and height.
    pub size: [u32; 2],
    /// The file.
    pub name: String,
}

/// Called by a writer after each file, with its result and its pixel buffer (to reuse).
pub type Done = Arc<dyn Fn(Result<(), String>, Vec<u8>) + Send + Sync>;

/// Starts `count` threads writing the jobs of `rx` (shared: each takes the next one) at
/// `depth` bits. `done(result, pixels)` is called after each file, with its pixel buffer to
/// reuse.
pub fn spawn_writers(
    count: usize,
    rx: Receiver<PngJob>,
    depth: u8,
    done: &Done,
) -> Result<Vec<JoinHandle<()>>, String> {
    let rx = Arc::new(Mutex::new(rx));
    (0..count)
        .map(|i| {
            let rx = rx.clone();
            let done = done.clone();
            std::thread::Builder::new()
                .name(format!("vivid-png-{i}"))
                .spawn(move || {
                    let mut scratch = Scratch::default();
                    loop {
                        // The lock is held only to take a job, not while writing it.
                        let job = rx
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .recv();
                        let Ok(job) = job else { return };
                        let r = write_png(&job.pixels, job.size, &job.name, depth, &mut scratch);
                        done(r, job.pixels);
                    }
                })
                .map_err(|e| format!("cannot start a PNG writer ({e})"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Read-back bytes of pixels given as half-float bits.
    fn bytes(pixels: &[[u16; 4]]) -> Vec<u8> {
        pixels
            .iter()
            .flat_map(|p| p.iter().flat_map(|c| c.to_le_bytes()))
            .collect()
    }

    #[test]
    fn the_tables_give_what_the_formula_gives_for_every_half_float() {
        // Every half float as a colour channel, opaque (alpha 1, and alpha above 1, which
        // clamps), and a few translucent alphas (the formula's path): the same codes as
        // `readback::to_rgba8` and `rgba16` computed on the floats.
        for alpha in [0x3C00u16, 0x4000, 0x3800, 0x2E66, 0x0000, 0x7C00] {
            let pixels: Vec<[u16; 4]> = (0..=u16::MAX).map(|b| [b, b, 0x3800, alpha]).collect();
            let mut got8 = Vec::new();
            to_rgba8(&bytes(&pixels), &mut got8);
            let mut got16 = Vec::new();
            to_rgba16(&bytes(&pixels), &mut got16);
            for (i, p) in pixels.iter().enumerate() {
                let f = p.map(|b| f16::from_bits(b).to_f32());
                assert_eq!(
                    got8[i * 4..i * 4 + 4],
                    vivid_engine::readback::to_rgba8(f),
                    "8-bit {p:04x?}"
                );
                assert_eq!(got16[i * 4..i * 4 + 4], rgba16(f), "16-bit {p:04x?}");
            }
        }
    }
}
