//! A decoded frame as the sources hand it to the render thread: its format (pixel layout,
//! size, colorimetry) and its planes, still in GStreamer's buffer (no copy) or owned bytes.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gstreamer as gst;
use gstreamer_video as gst_video;
use gstreamer_video::prelude::*;

use crate::colorimetry::{Matrix, Range};

/// How a frame's pixels are laid out: the formats the sources ask GStreamer for (anything
/// else is converted into one of them by `videoconvert`, on the source's thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// Y, U and V planes; chroma halved both ways.
    I420,
    /// Y plane and interleaved UV; chroma halved both ways.
    Nv12,
    /// I420 with a full-size alpha plane.
    A420,
    /// One plane of 8-bit R, G, B, A.
    Rgba,
    /// One plane of 8-bit B, G, R, A.
    Bgra,
    /// One plane of R, G, B and a byte to ignore.
    Rgbx,
    /// One plane of B, G, R and a byte to ignore.
    Bgrx,
    /// Y, U and V planes, all full size (H.264 High 4:4:4 decodes to it).
    Y444,
    /// Y, U and V planes; chroma halved horizontally (4:2:2).
    Y42b,
    /// NV12's layout in 16-bit samples holding 10-bit codes in their high bits (10-bit
    /// hardware decoders' DMA-BUF frames; system-memory P010 is converted to I420 instead).
    P010,
}

/// The `format` list of the caps every source's app sink accepts, in order of preference.
pub const SINK_FORMATS: &str = "{ I420, NV12, A420, Y444, Y42B, RGBA, BGRA, RGBx, BGRx }";

impl Layout {
    /// The layout of a GStreamer format, if it is one of ours.
    #[must_use]
    pub fn from_gst(f: gst_video::VideoFormat) -> Option<Self> {
        use gst_video::VideoFormat as F;
        Some(match f {
            F::I420 => Self::I420,
            F::Nv12 => Self::Nv12,
            F::A420 => Self::A420,
            F::Rgba => Self::Rgba,
            F::Bgra => Self::Bgra,
            F::Rgbx => Self::Rgbx,
            F::Bgrx => Self::Bgrx,
            F::Y444 => Self::Y444,
            F::Y42b => Self::Y42b,
            F::P01010le => Self::P010,
            _ => return None,
        })
    }

    /// The number the shader knows it by (`video.wgsl`).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::I420 => 0,
            Self::Nv12 => 1,
            Self::A420 => 2,
            Self::Rgba => 3,
            Self::Bgra => 4,
            Self::Rgbx => 5,
            Self::Bgrx => 6,
            Self::Y444 => 7,
            Self::Y42b => 8,
            Self::P010 => 9,
        }
    }

    /// Whether the pixels are R'G'B' (no matrix applies).
    #[must_use]
    pub const fn is_rgb(self) -> bool {
        matches!(self, Self::Rgba | Self::Bgra | Self::Rgbx | Self::Bgrx)
    }

    /// Whether the pixels carry alpha.
    #[must_use]
    pub const fn has_alpha(self) -> bool {
        matches!(self, Self::A420 | Self::Rgba | Self::Bgra)
    }

    /// The planes of a `width` x `height` frame: each one's size, texture format and
    /// bytes per pixel.
    #[must_use]
    pub fn planes(self, width: u32, height: u32) -> Vec<Plane> {
        let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
        let plane = |width, height, format, bytes| Plane {
            width,
            height,
            format,
            bytes_per_pixel: bytes,
        };
        let r8 = wgpu::TextureFormat::R8Unorm;
        match self {
            Self::I420 => vec![
                plane(width, height, r8, 1),
                plane(cw, ch, r8, 1),
                plane(cw, ch, r8, 1),
            ],
            Self::Nv12 => vec![
                plane(width, height, r8, 1),
                plane(cw, ch, wgpu::TextureFormat::Rg8Unorm, 2),
            ],
            Self::P010 => vec![
                plane(width, height, wgpu::TextureFormat::R16Unorm, 2),
                plane(cw, ch, wgpu::TextureFormat::Rg16Unorm, 4),
            ],
            Self::A420 => vec![
                plane(width, height, r8, 1),
                plane(cw, ch, r8, 1),
                plane(cw, ch, r8, 1),
                plane(width, height, r8, 1),
            ],
            Self::Y444 => vec![
                plane(width, height, r8, 1),
                plane(width, height, r8, 1),
                plane(width, height, r8, 1),
            ],
            Self::Y42b => vec![
                plane(width, height, r8, 1),
                plane(cw, height, r8, 1),
                plane(cw, height, r8, 1),
            ],
            Self::Rgba | Self::Bgra | Self::Rgbx | Self::Bgrx => {
                vec![plane(width, height, wgpu::TextureFormat::Rgba8Unorm, 4)]
            }
        }
    }
}

/// One plane of a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plane {
    /// Width in samples.
    pub width: u32,
    /// Height in rows.
    pub height: u32,
    /// The texture it is uploaded into.
    pub format: wgpu::TextureFormat,
    /// Bytes per sample (of all its components).
    pub bytes_per_pixel: u32,
}

/// What a stream's frames are: everything the GPU side needs to make its textures and
/// convert the pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Format {
    /// Pixel layout.
    pub layout: Layout,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Y'CbCr matrix (ignored for RGB layouts).
    pub matrix: Matrix,
    /// Code range (ignored for RGB layouts).
    pub range: Range,
    /// Frames per second as a fraction (0/1: unknown or variable).
    pub rate: (i32, i32),
}

impl Format {
    /// The format of `info`, if its pixels are in one of our layouts.
    #[must_use]
    pub fn from_info(info: &gst_video::VideoInfo) -> Option<Self> {
        let layout = Layout::from_gst(info.format())?;
        let c = info.colorimetry();
        let fps = info.fps();
        Some(Self {
            layout,
            width: info.width(),
            height: info.height(),
            matrix: Matrix::from_gst(c.matrix(), info.height()),
            range: Range::from_gst(c.range()),
            rate: (fps.numer(), fps.denom()),
        })
    }

    /// Frames per second, if known.
    #[must_use]
    pub fn fps(&self) -> Option<f64> {
        (self.rate.0 > 0 && self.rate.1 > 0)
            .then(|| f64::from(self.rate.0) / f64::from(self.rate.1))
    }

    /// A short description: `1920x1080 I420 BT.709 limited @ 30 fps`.
    #[must_use]
    pub fn describe(&self) -> String {
        let rate = self
            .fps()
            .map_or(String::new(), |f| format!(" @ {f:.3} fps"));
        let colour = if self.layout.is_rgb() {
            String::new()
        } else {
            format!(" {:?} {:?}", self.matrix, self.range)
        };
        format!(
            "{}x{} {:?}{colour}{rate}",
            self.width, self.height, self.layout
        )
    }
}

/// Where a frame's pixels are.
#[derive(Debug)]
pub enum Pixels {
    /// In a GStreamer buffer, described by `info` (strides may be the buffer's own).
    Buffer(gst::Buffer, gst_video::VideoInfo),
    /// Owned RGBA bytes, `width * 4` a row (an image sequence's frame).
    Rgba(Vec<u8>),
}

/// What a source's sink accepts besides system memory in [`SINK_FORMATS`]: the device
/// decides (it imports DMA-BUFs; it has 16-bit normalized textures for P010's planes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Accept {
    /// Frames in DMA-BUF memory (`memory:DMABuf` offered first: NV12, RGBA-like).
    pub dmabuf: bool,
    /// 10-bit P010 frames in DMA-BUF memory too.
    pub p010: bool,
}

/// A frame ready for upload.
#[derive(Debug)]
pub struct Frame {
    /// Unique in the process: the render thread uploads a frame once.
    pub id: u64,
    /// Its format.
    pub format: Format,
    /// Its pixels.
    pub pixels: Pixels,
    /// Presentation time in the stream, nanoseconds.
    pub pts: u64,
    /// How long it shows, nanoseconds (0: unknown).
    pub duration: u64,
    /// Its number in the stream (from its time and the rate), for statistics.
    pub index: u64,
    /// Why it goes through the CPU upload rather than a DMA-BUF import (`dmabuf.rs`).
    pub cpu_reason: Cow<'static, str>,
    /// Its buffer as the DMA-BUF import reads it, when it arrived in DMA-BUF memory the
    /// import reads (then the operator imports it rather than uploading it).
    #[cfg(unix)]
    pub dmabuf: Option<crate::dmabuf::Described>,
}

static NEXT_FRAME_ID: AtomicU64 = AtomicU64::new(1);

/// The number of the frame at `pts` (nanoseconds) in a stream of `fps`: the nearest one.
#[must_use]
pub fn index_at(pts: u64, fps: f64) -> u64 {
    (pts as f64 / 1e9 * fps).round() as u64
}

impl Frame {
    /// A frame with a new id.
    #[must_use]
    pub fn new(format: Format, pixels: Pixels, pts: u64, duration: u64) -> Arc<Self> {
        Self::new_via(
            format,
            pixels,
            pts,
            duration,
            Cow::Borrowed("decoded on the CPU"),
            None,
        )
    }

    /// [`new`](Self::new), saying why it takes the CPU upload, with its DMA-BUF when it is
    /// one the import reads (`None` elsewhere than on unix).
    #[must_use]
    pub fn new_via(
        format: Format,
        pixels: Pixels,
        pts: u64,
        duration: u64,
        cpu_reason: Cow<'static, str>,
        #[cfg(unix)] dmabuf: Option<crate::dmabuf::Described>,
        #[cfg(not(unix))] _dmabuf: Option<()>,
    ) -> Arc<Self> {
        // The nearest frame number: containers round timestamps (Matroska and WebM to 1 ms,
        // so frame 1 of a 30 fps clip is at 33 ms, 0.99 frames), and rounding down counted a
        // third of such a clip's frames as dropped.
        let index = format.fps().map_or(0, |f| index_at(pts, f));
        Arc::new(Self {
            id: NEXT_FRAME_ID.fetch_add(1, Ordering::Relaxed),
            format,
            pixels,
            pts,
            duration,
            index,
            cpu_reason,
            #[cfg(unix)]
            dmabuf,
        })
    }

    /// The end of its display time, nanoseconds (its start when its duration is unknown).
    #[must_use]
    pub fn end(&self) -> u64 {
        self.pts + self.duration
    }

    /// Calls `put(plane, bytes, stride)` for each plane, in order. Fails if the buffer
    /// cannot be mapped.
    pub fn with_planes(&self, mut put: impl FnMut(usize, &[u8], usize)) -> Result<(), String> {
        match &self.pixels {
            Pixels::Rgba(bytes) => {
                put(0, bytes, self.format.width as usize * 4);
                Ok(())
            }
            Pixels::Buffer(buffer, info) => {
                let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, info)
                    .map_err(|e| format!("cannot map a decoded frame ({e})"))?;
                for p in 0..frame.n_planes() {
                    let stride = frame.plane_stride()[p as usize];
                    let data = frame
                        .plane_data(p)
                        .map_err(|e| format!("cannot read plane {p} ({e})"))?;
                    put(p as usize, data, stride.max(0) as usize);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::index_at;

    #[test]
    fn frame_numbers_survive_timestamps_rounded_to_milliseconds() {
        // 30 fps in Matroska/WebM: 0, 33, 67, 100, 133, 167 ms... are frames 0, 1, 2, 3...
        for k in 0..3000u64 {
            let exact = k * 1_000_000_000 / 30;
            let ms = (exact + 500_000) / 1_000_000 * 1_000_000;
            assert_eq!(index_at(exact, 30.0), k);
            assert_eq!(index_at(ms, 30.0), k, "{ms} ns");
            // NTSC rates, rounded to ms too.
            let ntsc = k * 1_001_000_000_000 / 30_000;
            assert_eq!(
                index_at((ntsc + 500_000) / 1_000_000 * 1_000_000, 30_000.0 / 1001.0),
                k
            );
        }
    }
}
