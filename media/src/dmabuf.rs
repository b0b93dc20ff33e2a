//! The DMA-BUF seam of the media operators, the one way GStreamer frames in DMA-BUF memory
//! reach vivid's import (`vivid-dmabuf`) without a copy:
//!
//! - [`sink_caps`]: an app sink's caps offering `video/x-raw(memory:DMABuf)` first (NV12
//!   and RGBA-like) when the device imports, so a decoder or camera that can hand out
//!   DMA-BUFs (VA-API, NVDEC through `cudadmabuf`, V4L2) does, and every other pipeline
//!   negotiates system memory as before;
//! - [`describe`]: a sample's fd, [`DmabufDesc`] (one DMA-BUF for the whole frame, plane
//!   offsets and strides from the video meta, the stream's matrix and range) and identity,
//!   or why it is not one the import reads — the frame then takes the CPU upload, the
//!   reason logged once per operator ([`FallbackLog`]);
//! - the `video`, `pipeline` and `video_in` operators import such frames themselves
//!   (`dmabuf_imports.rs`); [`offer`] hands one to a host's `dmabuf_in` source instead,
//!   holding the `gst::Sample` — and with it the decoder's pool buffer — until vivid's GPU
//!   reads of it completed (`ImportSource::offer_owned`).
//!
//! GStreamer 1.22's `DMABuf` caps carry no modifier (`drm-format` came in 1.24): such
//! buffers are taken as `DRM_FORMAT_MOD_LINEAR`.

use std::borrow::Cow;
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;

use gstreamer as gst;
use gstreamer_allocators as gst_allocators;
use gstreamer_video as gst_video;
use vivid_dmabuf::format::{ChromaPlane, Fourcc, HandleType, MOD_LINEAR, YuvMatrix, YuvRange};
use vivid_dmabuf::import::{DmabufDesc, Identity, ImportSource};

use crate::colorimetry::{Matrix, Range};
use crate::frame::{Accept, Format, Layout};

/// The formats the import reads, in the `DMABuf` caps structure (NV12 first: what decoders
/// produce).
pub const DMABUF_FORMATS: &str = "{ NV12, RGBA, BGRA, RGBx, BGRx }";
/// [`DMABUF_FORMATS`] with 10-bit P010 (on a device with 16-bit normalized textures).
pub const DMABUF_FORMATS_P010: &str = "{ NV12, P010_10LE, RGBA, BGRA, RGBx, BGRx }";

/// An app sink's caps: `video/x-raw(memory:DMABuf)` in the formats the import reads first
/// when `accept.dmabuf` (the device imports DMA-BUFs; P010 too with `accept.p010`), then
/// system memory in `system_formats`. GStreamer takes the first structure both sides
/// accept, so a decoder that can hand out DMA-BUFs does, and every other pipeline
/// negotiates system memory as before.
pub fn sink_caps(accept: Accept, system_formats: &str) -> Result<gst::Caps, String> {
    crate::init()?;
    let system = format!("video/x-raw, format=(string){system_formats}");
    let text = if accept.dmabuf {
        let formats = if accept.p010 {
            DMABUF_FORMATS_P010
        } else {
            DMABUF_FORMATS
        };
        format!(
            "video/x-raw({}), format=(string){formats}; {system}",
            gst_allocators::CAPS_FEATURE_MEMORY_DMABUF
        )
    } else {
        system
    };
    text.parse::<gst::Caps>()
        .map_err(|e| format!("bad caps ({e})"))
}

/// The import's name of a matrix, if it reads it.
fn yuv_matrix(m: Matrix) -> Option<YuvMatrix> {
    Some(match m {
        Matrix::Bt601 => YuvMatrix::Bt601,
        Matrix::Bt709 => YuvMatrix::Bt709,
        Matrix::Bt2020 => YuvMatrix::Bt2020,
        Matrix::Fcc | Matrix::Smpte240m => return None,
    })
}

/// The single-plane fourcc of an RGBA-like layout.
fn rgb_fourcc(layout: Layout) -> Option<Fourcc> {
    Some(match layout {
        Layout::Rgba => Fourcc::ABGR8888,
        Layout::Bgra => Fourcc::ARGB8888,
        Layout::Rgbx => Fourcc::XBGR8888,
        Layout::Bgrx => Fourcc::XRGB8888,
        _ => return None,
    })
}

/// The buffer's planes as the import reads them: `fd` is the one DMA-BUF holding them all,
/// `base` the offset of the buffer's first memory in it; `offsets` and `strides` are the
/// video meta's (or the caps' layout), relative to the buffer's start.
pub fn plane_desc(
    format: &Format,
    base: u64,
    offsets: &[usize],
    strides: &[i32],
) -> Result<DmabufDesc, Cow<'static, str>> {
    let plane = |i: usize| -> Result<(u64, u64), Cow<'static, str>> {
        let offset = offsets.get(i).ok_or("a plane without an offset")?;
        let stride = strides.get(i).ok_or("a plane without a stride")?;
        let stride = u64::try_from(*stride).map_err(|_| "a negative stride (bottom-up rows)")?;
        Ok((base + *offset as u64, stride))
    };
    let (offset, stride) = plane(0)?;
    let (fourcc, chroma) = if let Some(fourcc) = rgb_fourcc(format.layout) {
        (fourcc, None)
    } else if matches!(format.layout, Layout::Nv12 | Layout::P010) {
        let matrix = yuv_matrix(format.matrix).ok_or_else(|| {
            Cow::Owned(format!(
                "the {:?} matrix: the import converts BT.601, BT.709 and BT.2020",
                format.matrix
            ))
        })?;
        let (chroma_offset, chroma_stride) = plane(1)?;
        let range = match format.range {
            Range::Limited => YuvRange::Limited,
            Range::Full => YuvRange::Full,
        };
        (
            if format.layout == Layout::P010 {
                Fourcc::P010
            } else {
                Fourcc::NV12
            },
            Some(ChromaPlane {
                offset: chroma_offset,
                stride: chroma_stride,
                matrix,
                range,
            }),
        )
    } else {
        return Err(format!(
            "{:?} frames: the import reads NV12, P010 and RGBA-like buffers",
            format.layout
        )
        .into());
    };
    Ok(DmabufDesc {
        width: format.width,
        height: format.height,
        fourcc,
        // GStreamer 1.22's DMABuf caps carry no modifier (`drm-format` came in 1.24): a
        // buffer negotiated without one is linear.
        modifier: MOD_LINEAR,
        offset,
        stride,
        handle: HandleType::DmaBuf,
        chroma,
    })
}

/// Where the last plane of `desc` ends in its buffer, bytes.
fn planes_end(desc: &DmabufDesc) -> u64 {
    let sample = match desc.fourcc {
        Fourcc::P010 => 2,
        Fourcc::NV12 => 1,
        _ => 4,
    };
    let (w, h) = (u64::from(desc.width), u64::from(desc.height));
    let luma = desc.offset + desc.stride * h.saturating_sub(1) + w * sample;
    desc.chroma.map_or(luma, |c| {
        luma.max(c.offset + c.stride * h.div_ceil(2).saturating_sub(1) + w.div_ceil(2) * 2 * sample)
    })
}

/// The fd (ours), description and identity of a `sample` in DMA-BUF memory, or why it is not
/// one the import reads. Frames negotiated as `memory:DMABuf` are; so are frames whose caps
/// say system memory but whose memory is a DMA-BUF all the same (`v4l2src io-mode=dmabuf`,
/// V4L2 stateful decoders: mappable DMA-BUFs).
pub fn describe(sample: &gst::Sample) -> Result<Described, Cow<'static, str>> {
    let caps = sample.caps().ok_or("a frame without caps")?;
    let in_dmabuf = caps
        .features(0)
        .is_some_and(|f| f.contains(gst_allocators::CAPS_FEATURE_MEMORY_DMABUF));
    let dmabuf_memory = || {
        sample.buffer().is_some_and(|b| {
            b.n_memory() > 0
                && b.peek_memory(0)
                    .downcast_memory_ref::<gst_allocators::DmaBufMemory>()
                    .is_some()
        })
    };
    if !in_dmabuf && !dmabuf_memory() {
        return Err(Cow::Borrowed(
            "the pipeline hands frames in system memory (no element here offers \
             memory:DMABuf: no VA-API, NVDEC or V4L2 decoder)",
        ));
    }
    let info = gst_video::VideoInfo::from_caps(caps).map_err(|e| format!("bad caps ({e})"))?;
    let format = Format::from_info(&info)
        .ok_or_else(|| format!("unexpected pixel format {:?}", info.format()))?;
    let buffer = sample.buffer().ok_or("a frame without a buffer")?;
    // Every memory must be a DMA-BUF, all of them the same one (NV12's planes may come as
    // two memories of one buffer): one fd names the whole frame.
    let mut fd = None;
    let mut identity = None;
    let mut base = 0;
    for (i, memory) in buffer.iter_memories().enumerate() {
        let Some(dmabuf) = memory.downcast_memory_ref::<gst_allocators::DmaBufMemory>() else {
            return Err(Cow::Borrowed(
                "memory:DMABuf caps, but the memory is not a DMA-BUF",
            ));
        };
        let dup =
            vivid_dmabuf::dup_raw(dmabuf.fd()).map_err(|e| format!("the DMA-BUF's fd: {e}"))?;
        let meta = std::fs::File::from(dup.try_clone().map_err(|e| e.to_string())?)
            .metadata()
            .map_err(|e| format!("the DMA-BUF's fd: {e}"))?;
        let this = (meta.dev(), meta.ino());
        if identity.is_some_and(|id| id != this) {
            return Err(Cow::Borrowed(
                "a frame in several DMA-BUFs: the import reads one buffer per frame",
            ));
        }
        if i == 0 {
            base = memory.offset() as u64;
            identity = Some(this);
            fd = Some(dup);
        }
    }
    let fd = fd.ok_or("a buffer without memory")?;
    let (offsets, strides) = match buffer.meta::<gst_video::VideoMeta>() {
        Some(meta) => (meta.offset().to_vec(), meta.stride().to_vec()),
        None => (info.offset().to_vec(), info.stride().to_vec()),
    };
    let desc = plane_desc(&format, base, &offsets, &strides)?;
    let extent = planes_end(&desc).saturating_sub(base);
    if extent > buffer.size() as u64 {
        return Err(format!(
            "the frame's planes reach {extent} bytes into a buffer of {}: its video meta does \
             not fit its memory",
            buffer.size()
        )
        .into());
    }
    let identity = vivid_dmabuf::import::check_offer(&fd, &desc).map_err(|e| e.to_string())?;
    // The producer's pending writes (a decoder's), waited for here — on the source's
    // thread, never the render thread — where the kernel tells them; elsewhere implicit
    // sync, said once by `vivid_dmabuf::sync`.
    vivid_dmabuf::sync::wait_for_writes(&fd, desc.handle, vivid_dmabuf::sync::DEFAULT_TIMEOUT)
        .map_err(|e| e.to_string())?;
    Ok(Described { fd, desc, identity })
}

/// A frame in DMA-BUF memory, as the import reads it.
#[derive(Debug)]
pub struct Described {
    /// A duplicate of the buffer's fd (ours).
    pub fd: OwnedFd,
    /// Its planes.
    pub desc: DmabufDesc,
    /// Which buffer it is and how it is read: the import cache's key.
    pub identity: Identity,
}

/// Offers `sample` to `source` if it is a DMA-BUF frame the import reads, holding the
/// sample (so the decoder does not reuse its buffer) until vivid's reads of it complete.
/// Otherwise gives the sample back with the reason, for the CPU upload.
pub fn offer(
    source: &ImportSource,
    sample: gst::Sample,
) -> Result<(), (gst::Sample, Cow<'static, str>)> {
    let Described { fd, desc, .. } = match describe(&sample) {
        Ok(found) => found,
        Err(reason) => return Err((sample, reason)),
    };
    let owner: vivid_dmabuf::import::Owner = Box::new(sample.clone());
    source
        .offer_owned(fd, desc, Some(owner))
        .map_err(|e| (sample, Cow::Owned(e.to_string())))
}

/// Says once per operator why its frames take the CPU upload.
#[derive(Debug, Default)]
pub struct FallbackLog {
    said: Option<String>,
}

impl FallbackLog {
    /// Logs (at info level) that `node`'s frames go through the CPU because of `reason`,
    /// the first time, and again only if the reason changes. Returns the line logged.
    pub fn note(&mut self, node: &str, reason: &str) -> Option<String> {
        if self.said.as_deref() == Some(reason) {
            return None;
        }
        self.said = Some(reason.to_string());
        let line = format!("`{node}`: frames uploaded through the CPU: {reason}");
        log::info!("{line}");
        Some(line)
    }
}

#[cfg(test)]
mod tests {
    use gstreamer as gst;
    use gstreamer::prelude::*;
    use gstreamer_app as gst_app;

    use super::{describe, plane_desc, sink_caps};
    use crate::frame::Accept;

    /// A device that imports DMA-BUFs, P010 too.
    const IMPORT: Accept = Accept {
        dmabuf: true,
        p010: true,
    };
    use crate::colorimetry::{Matrix, Range};
    use crate::frame::{Format, Layout};
    use vivid_dmabuf::format::{Fourcc, YuvMatrix, YuvRange};

    fn pull(launch: &str, caps: &gst::Caps) -> gst::Sample {
        crate::init().expect("GStreamer");
        let pipeline = gst::parse::launch(launch)
            .expect("pipeline")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        let sink = pipeline
            .by_name("sink")
            .expect("sink")
            .downcast::<gst_app::AppSink>()
            .expect("an app sink");
        sink.set_caps(Some(caps));
        pipeline.set_state(gst::State::Playing).expect("playing");
        let sample = sink.pull_sample().expect("a frame");
        pipeline.set_state(gst::State::Null).expect("stopped");
        sample
    }

    /// A pipeline that makes system memory negotiates it though DMA-BUF is offered first,
    /// and its frames say why they are not imported.
    #[test]
    fn system_memory_is_negotiated_when_no_element_offers_dma_bufs() {
        let caps = sink_caps(IMPORT, crate::frame::SINK_FORMATS).expect("caps");
        assert_eq!(caps.size(), 2);
        let first = caps.features(0).expect("features");
        assert!(first.contains(gstreamer_allocators::CAPS_FEATURE_MEMORY_DMABUF));
        let sample = pull(
            "videotestsrc num-buffers=1 ! video/x-raw,format=NV12,width=16,height=8 ! appsink name=sink",
            &caps,
        );
        let negotiated = sample.caps().expect("caps");
        assert!(
            !negotiated
                .features(0)
                .is_some_and(|f| f.contains(gstreamer_allocators::CAPS_FEATURE_MEMORY_DMABUF))
        );
        let reason = describe(&sample).expect_err("system memory");
        assert!(reason.contains("system memory"), "{reason}");
    }

    /// Caps that say `DMABuf` over buffers that are not (an `appsrc` declaring the feature)
    /// are negotiated as DMA-BUF, and refused at the memory, saying so.
    #[test]
    fn dma_buf_caps_over_system_memory_are_refused_at_the_memory() {
        crate::init().expect("GStreamer");
        let pipeline = gst::parse::launch("appsrc name=src format=time ! appsink name=sink")
            .expect("pipeline")
            .downcast::<gst::Pipeline>()
            .expect("a pipeline");
        let src = pipeline
            .by_name("src")
            .expect("src")
            .downcast::<gst_app::AppSrc>()
            .expect("an app source");
        let sink = pipeline
            .by_name("sink")
            .expect("sink")
            .downcast::<gst_app::AppSink>()
            .expect("an app sink");
        let declared: gst::Caps =
            "video/x-raw(memory:DMABuf), format=NV12, width=16, height=8, framerate=30/1"
                .parse()
                .expect("caps");
        src.set_caps(Some(&declared));
        sink.set_caps(Some(
            &sink_caps(IMPORT, crate::frame::SINK_FORMATS).expect("caps"),
        ));
        pipeline.set_state(gst::State::Playing).expect("playing");
        src.push_buffer(gst::Buffer::from_mut_slice(vec![128u8; 16 * 8 * 3 / 2]))
            .expect("pushed");
        let sample = sink.pull_sample().expect("a frame");
        pipeline.set_state(gst::State::Null).expect("stopped");
        let negotiated = sample.caps().expect("caps");
        assert!(
            negotiated
                .features(0)
                .is_some_and(|f| f.contains(gstreamer_allocators::CAPS_FEATURE_MEMORY_DMABUF)),
            "{negotiated}"
        );
        let reason = describe(&sample).expect_err("not a DMA-BUF");
        assert!(reason.contains("not a DMA-BUF"), "{reason}");
        // Without import the sink refuses DMABuf caps altogether: it asks system memory only.
        let system = sink_caps(Accept::default(), crate::frame::SINK_FORMATS).expect("caps");
        assert!(!system.can_intersect(&declared));
        assert!(
            sink_caps(IMPORT, crate::frame::SINK_FORMATS)
                .expect("caps")
                .can_intersect(&declared)
        );
    }

    /// NV12's planes from a video meta's offsets and strides: luma at the buffer's offset,
    /// chroma after it, with the stream's matrix and range; other layouts say why not.
    #[test]
    fn nv12_planes_are_described_from_the_meta() {
        let format = Format {
            layout: Layout::Nv12,
            width: 1920,
            height: 1080,
            matrix: Matrix::Bt709,
            range: Range::Limited,
            rate: (30, 1),
        };
        let desc = plane_desc(&format, 4096, &[0, 2048 * 1088], &[2048, 2048]).expect("NV12");
        assert_eq!(desc.fourcc, Fourcc::NV12);
        assert_eq!((desc.offset, desc.stride), (4096, 2048));
        let chroma = desc.chroma.expect("two planes");
        assert_eq!((chroma.offset, chroma.stride), (4096 + 2048 * 1088, 2048));
        assert_eq!(
            (chroma.matrix, chroma.range),
            (YuvMatrix::Bt709, YuvRange::Limited)
        );
        let fcc = Format {
            matrix: Matrix::Fcc,
            ..format
        };
        assert!(plane_desc(&fcc, 0, &[0, 1], &[1, 1]).is_err_and(|e| e.contains("Fcc")));
        let i420 = Format {
            layout: Layout::I420,
            ..format
        };
        assert!(plane_desc(&i420, 0, &[0, 1, 2], &[1, 1, 1]).is_err_and(|e| e.contains("I420")));
        let rgba = Format {
            layout: Layout::Rgba,
            ..format
        };
        let desc = plane_desc(&rgba, 0, &[0], &[7680]).expect("RGBA");
        assert_eq!((desc.fourcc, desc.chroma), (Fourcc::ABGR8888, None));
        assert!(plane_desc(&rgba, 0, &[0], &[-7680]).is_err());
    }

    /// The reason is said once per operator, and again only when it changes.
    #[test]
    fn a_fallback_reason_is_logged_once_until_it_changes() {
        let mut log = super::FallbackLog::default();
        let first = log.note("clip", "system memory").expect("said");
        assert!(
            first.starts_with("`clip`: frames uploaded through the CPU"),
            "{first}"
        );
        assert!(log.note("clip", "system memory").is_none());
        assert!(log.note("clip", "refused").is_some());
        assert!(log.note("clip", "refused").is_none());
    }
}
