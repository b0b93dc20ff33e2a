//! The media operators import frames that arrive in DMA-BUF memory, end to end: a source
//! element of the test's own (`vividtestdmabufsrc`, a `PushSrc` handing out NV12 frames
//! as `DmaBufAllocator` memory over a pool of 3 buffers, caps `video/x-raw(memory:DMABuf)`,
//! as a VA-API decoder or a V4L2 camera does) played by a `pipeline` operator — the same
//! caps, sink and operator code a hardware decoder's frames take. Checked: the pixels are
//! the BT.709 formula's (worked out here), the frames are imported (`dmabuf_imported`),
//! not uploaded, once the pool's buffers were seen; 100 steady frames cycling the pool make
//! no GPU object; every `GstBuffer` is released (a drop counter on a parent-buffer meta), and
//! at most a few are held at any time.
//!
//! No element on this machine produces DMA-BUFs (no VA-API, V4L2 or DRM device): the
//! buffers are regular files, which lavapipe's import reads like a DMA-BUF (see
//! tests/dmabuf.rs); `DmaBufAllocator` wraps any fd.

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::os::fd::OwnedFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use vivid::{Engine, EngineOptions, Gpu, GpuOptions, PassMode};

const SIZE: usize = 64;
/// Buffers in the producer's pool.
const POOL: usize = 3;

/// `GstBuffer`s the producer made, and those released (their parent meta's guard dropped).
static MADE: AtomicU64 = AtomicU64::new(0);
static RELEASED: AtomicU64 = AtomicU64::new(0);

/// The tests count buffers: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Luma code of texel (x, y) of pool buffer `k`.
fn luma(k: usize, x: usize, y: usize) -> u8 {
    (16 + (x * 7 + y * 3 + 70 * k) % 220) as u8
}

/// Cb, Cr codes of chroma sample (i, j) of buffer `k`: affine in i and j, so the bilinear
/// filter's value between samples is the same affine function — and within 0..=255 for
/// every sample (i, j < 32) of every buffer, so the file holds it exactly.
fn cbcr(k: usize, i: f64, j: f64) -> (f64, f64) {
    let k = k as f64;
    (
        40.0 + 3.0 * i + 2.0 * j + 20.0 * k,
        200.0 - 2.0 * i - 3.0 * j - 20.0 * k,
    )
}

/// 10-bit luma code of texel (x, y) of P010 pool buffer `k`: codes all over 64..=940.
fn luma10(k: usize, x: usize, y: usize) -> u16 {
    (64 + (x * 13 + y * 7 + 200 * k) % 877) as u16
}

/// 10-bit Cb, Cr codes of P010 chroma sample (i, j) of buffer `k` (affine; within
/// 60..=940 for every sample of every buffer).
fn cbcr10(k: usize, i: f64, j: f64) -> (f64, f64) {
    let k = k as f64;
    (
        200.0 + 12.0 * i + 8.0 * j + 60.0 * k,
        800.0 - 8.0 * i - 12.0 * j - 60.0 * k,
    )
}

/// Bytes a row of the padded pool's planes (the driver reads only its own linear pitch
/// without explicit modifiers, so it refuses these).
const PADDED: usize = SIZE + 256;

/// Pool buffer `k`: NV12, luma rows of `stride` bytes (`SIZE`: GStreamer's default NV12
/// layout of a 64×64 frame), then `SIZE / 2` rows of Cb, Cr pairs.
fn nv12_file(k: usize, stride: usize) -> OwnedFd {
    let n = SIZE;
    let mut bytes = vec![0u8; stride * n * 3 / 2];
    for y in 0..n {
        for x in 0..n {
            bytes[y * stride + x] = luma(k, x, y);
        }
    }
    for j in 0..n / 2 {
        for i in 0..n / 2 {
            let (cb, cr) = cbcr(k, i as f64, j as f64);
            let at = stride * n + j * stride + 2 * i;
            bytes[at] = cb as u8;
            bytes[at + 1] = cr as u8;
        }
    }
    common::dmabuf::file_of(&bytes)
}

/// P010 pool buffer `k` (GStreamer's `P010_10LE` layout): `luma10` and `cbcr10`.
fn p010_file(k: usize) -> OwnedFd {
    common::dmabuf::p010_file(
        SIZE,
        |x, y| luma10(k, x, y),
        |i, j| cbcr10(k, i as f64, j as f64),
    )
}

/// R'G'B' of limited-range codes by the standard's formula, worked out here: 8-bit BT.709
/// (Y' = (y - 16) / 219, Cb = (cb - 128) / 224), or 10-bit BT.2020 (Y' = (y - 64) / 876,
/// Cb = (cb - 512) / 896).
fn formula(ten_bit: bool, y: f64, cb: f64, cr: f64) -> [f64; 3] {
    let ((kr, kb), black, mid, (ys, cs)) = if ten_bit {
        ((0.2627, 0.0593), 64.0, 512.0, (876.0, 896.0))
    } else {
        ((0.2126, 0.0722), 16.0, 128.0, (219.0, 224.0))
    };
    let (y, cb, cr) = ((y - black) / ys, (cb - mid) / cs, (cr - mid) / cs);
    let r = y + 2.0 * (1.0 - kr) * cr;
    let b = y + 2.0 * (1.0 - kb) * cb;
    let g = (y - kr * r - kb * b) / (1.0 - kr - kb);
    [r, g, b].map(|v| v.clamp(0.0, 1.0))
}

/// The largest error of `pixels` against pool buffer `k`'s picture (P010's or NV12's).
fn error_against(p010: bool, k: usize, pixels: &[[f32; 4]]) -> f64 {
    let half = (SIZE / 2 - 1) as f64;
    let mut worst = 0.0f64;
    for y in 0..SIZE {
        for x in 0..SIZE {
            // Chroma sited at the centre of each 2×2 block, clamped at the edges.
            let ci = (x as f64 / 2.0 - 0.25).clamp(0.0, half);
            let cj = (y as f64 / 2.0 - 0.25).clamp(0.0, half);
            let want = if p010 {
                let (cb, cr) = cbcr10(k, ci, cj);
                formula(true, f64::from(luma10(k, x, y)), cb, cr)
            } else {
                let (cb, cr) = cbcr(k, ci, cj);
                formula(false, f64::from(luma(k, x, y)), cb, cr)
            };
            let p = pixels[y * SIZE + x];
            worst = worst.max((f64::from(p[3]) - 1.0).abs());
            for c in 0..3 {
                worst = worst.max((f64::from(p[c]) - want[c]).abs());
            }
        }
    }
    worst
}

/// `vividtestdmabufsrc`: NV12 frames in DMA-BUF memory from a pool of [`POOL`] buffers.
mod producer {
    use std::os::fd::OwnedFd;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    use std::sync::{LazyLock, Mutex};
    use std::time::Duration;

    use gstreamer as gst;
    use gstreamer::glib;
    use gstreamer::prelude::*;
    use gstreamer::subclass::prelude::*;
    use gstreamer_allocators as gst_allocators;
    use gstreamer_allocators::prelude::*;
    use gstreamer_base as gst_base;
    use gstreamer_base::prelude::*;
    use gstreamer_base::subclass::base_src::CreateSuccess;
    use gstreamer_base::subclass::prelude::*;

    /// The pools' buffers (fds the producer keeps; each frame wraps a duplicate): NV12's,
    /// then P010's.
    pub static FDS: Mutex<Vec<OwnedFd>> = Mutex::new(Vec::new());
    /// The producer hands out P010 frames (else NV12), from the next pipeline on.
    pub static P010: AtomicBool = AtomicBool::new(false);
    /// The producer hands out NV12 frames with rows padded to `PADDED` bytes (a video meta
    /// says so), which the driver refuses to import.
    pub static PADDED: AtomicBool = AtomicBool::new(false);
    /// The producer's caps say system memory though its memory is a DMA-BUF (as
    /// `v4l2src io-mode=dmabuf` does).
    pub static SYSTEM_CAPS: AtomicBool = AtomicBool::new(false);

    /// Counts a `GstBuffer`'s release: the parent meta's buffer it owns is freed with it.
    struct Guard([u8; 1]);

    impl AsRef<[u8]> for Guard {
        fn as_ref(&self) -> &[u8] {
            &self.0
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            super::RELEASED.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// The caps of the frames handed out now, or (`any`) of every kind it hands out.
    pub fn caps(any: bool) -> gst::Caps {
        let format = if any {
            "{ NV12, P010_10LE }"
        } else if P010.load(Ordering::SeqCst) {
            "P010_10LE"
        } else {
            "NV12"
        };
        let colorimetry = if P010.load(Ordering::SeqCst) {
            "bt2020"
        } else {
            "bt709"
        };
        let colorimetry = if any { "" } else { colorimetry };
        let colorimetry = if colorimetry.is_empty() {
            String::new()
        } else {
            format!(", colorimetry={colorimetry}")
        };
        let structure = |feature: &str| {
            format!(
                "video/x-raw{feature}, format={format}, width={0}, height={0}, \
                 framerate=30/1{colorimetry}",
                super::SIZE
            )
        };
        let text = if any {
            format!("{}; {}", structure("(memory:DMABuf)"), structure(""))
        } else if SYSTEM_CAPS.load(Ordering::SeqCst) {
            structure("")
        } else {
            structure("(memory:DMABuf)")
        };
        text.parse().unwrap()
    }

    mod imp {
        use super::*;

        #[derive(Default)]
        pub struct Src {
            made: AtomicU64,
        }

        #[glib::object_subclass]
        impl ObjectSubclass for Src {
            const NAME: &'static str = "VividTestDmabufSrc";
            type Type = super::Src;
            type ParentType = gst_base::PushSrc;
        }

        impl ObjectImpl for Src {
            fn constructed(&self) {
                self.parent_constructed();
                let obj = self.obj();
                obj.set_live(true);
                obj.set_format(gst::Format::Time);
                obj.set_do_timestamp(true);
            }
        }

        impl GstObjectImpl for Src {}

        impl ElementImpl for Src {
            fn metadata() -> Option<&'static gst::subclass::ElementMetadata> {
                static META: LazyLock<gst::subclass::ElementMetadata> = LazyLock::new(|| {
                    gst::subclass::ElementMetadata::new(
                        "vivid test DMA-BUF source",
                        "Source/Video",
                        "NV12 or P010 frames in DMA-BUF memory from a pool of 3 buffers",
                        "vivid",
                    )
                });
                Some(&*META)
            }

            fn pad_templates() -> &'static [gst::PadTemplate] {
                static TEMPLATES: LazyLock<Vec<gst::PadTemplate>> = LazyLock::new(|| {
                    vec![
                        gst::PadTemplate::new(
                            "src",
                            gst::PadDirection::Src,
                            gst::PadPresence::Always,
                            &caps(true),
                        )
                        .unwrap(),
                    ]
                });
                TEMPLATES.as_ref()
            }
        }

        impl BaseSrcImpl for Src {
            fn caps(&self, filter: Option<&gst::Caps>) -> Option<gst::Caps> {
                let caps = caps(false);
                Some(filter.map_or(caps.clone(), |f| {
                    f.intersect_with_mode(&caps, gst::CapsIntersectMode::First)
                }))
            }

            fn is_seekable(&self) -> bool {
                false
            }
        }

        impl PushSrcImpl for Src {
            fn create(
                &self,
                _buffer: Option<&mut gst::BufferRef>,
            ) -> Result<CreateSuccess, gst::FlowError> {
                // About 200 frames a second: a new one for nearly every frame rendered.
                std::thread::sleep(Duration::from_millis(5));
                let p010 = P010.load(Ordering::SeqCst);
                let padded = PADDED.load(Ordering::SeqCst);
                let pool = if p010 {
                    1
                } else if padded {
                    2
                } else {
                    0
                };
                let k = self.made.fetch_add(1, Ordering::SeqCst) as usize % super::super::POOL
                    + pool * super::super::POOL;
                let fd = FDS
                    .lock()
                    .unwrap()
                    .get(k)
                    .ok_or(gst::FlowError::Error)?
                    .try_clone()
                    .map_err(|_| gst::FlowError::Error)?;
                let row = if padded {
                    super::super::PADDED
                } else {
                    super::super::SIZE * if p010 { 2 } else { 1 }
                };
                let len = row * super::super::SIZE * 3 / 2;
                let allocator = gst_allocators::DmaBufAllocator::new();
                // SAFETY: `fd` is a duplicate we own, handed over to the memory (closed with
                // it); the file is `len` bytes long.
                #[expect(unsafe_code, reason = "DmaBufAllocator::alloc takes a raw fd")]
                let memory = unsafe { allocator.alloc_dmabuf(fd, len) }
                    .map_err(|_| gst::FlowError::Error)?;
                let mut buffer = gst::Buffer::new();
                {
                    let b = buffer.get_mut().ok_or(gst::FlowError::Error)?;
                    b.append_memory(memory);
                    if padded {
                        let n = super::super::SIZE;
                        let stride = super::super::PADDED;
                        gstreamer_video::VideoMeta::add_full(
                            b,
                            gstreamer_video::VideoFrameFlags::empty(),
                            gstreamer_video::VideoFormat::Nv12,
                            n as u32,
                            n as u32,
                            &[0, stride * n],
                            &[stride as i32, stride as i32],
                        )
                        .map_err(|_| gst::FlowError::Error)?;
                    }
                    let guard = gst::Buffer::from_slice(Guard([0]));
                    super::super::MADE.fetch_add(1, Ordering::SeqCst);
                    gst::ParentBufferMeta::add(b, &guard);
                }
                Ok(CreateSuccess::NewBuffer(buffer))
            }
        }
    }

    glib::wrapper! {
        pub struct Src(ObjectSubclass<imp::Src>)
            @extends gst_base::PushSrc, gst_base::BaseSrc, gst::Element, gst::Object;
    }

    /// What the next pipeline's producer hands out (every test says all of it).
    pub fn set(p010: bool, padded: bool, system_caps: bool) {
        P010.store(p010, Ordering::SeqCst);
        PADDED.store(padded, Ordering::SeqCst);
        SYSTEM_CAPS.store(system_caps, Ordering::SeqCst);
    }

    /// Registers the element (once), with the pool's buffers.
    pub fn register() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            gst::init().unwrap();
            let mut fds: Vec<OwnedFd> = (0..super::POOL)
                .map(|k| super::nv12_file(k, super::SIZE))
                .collect();
            fds.extend((0..super::POOL).map(super::p010_file));
            fds.extend((0..super::POOL).map(|k| super::nv12_file(k, super::PADDED)));
            *FDS.lock().unwrap() = fds;
            gst::Element::register(
                None,
                "vividtestdmabufsrc",
                gst::Rank::NONE,
                Src::static_type(),
            )
            .unwrap();
        });
    }
}

/// A device that imports DMA-BUFs (lavapipe does: CI fails without it), or `None` with the
/// reason printed for a driver without.
fn dmabuf_gpu() -> Option<Gpu> {
    let gpu = Gpu::headless(&GpuOptions {
        external_memory: true,
        ..GpuOptions::default()
    })
    .unwrap();
    common::dmabuf::importing(gpu)
}

fn engine(gpu: Gpu, mode: PassMode) -> Engine {
    Engine::new(
        gpu.with_pass_mode(mode),
        vivid::builtin_registry(),
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        },
    )
}

fn chain(launch: &str) -> String {
    format!(
        "output = \"p\"\n[p]\ntype = \"pipeline\"\npipeline = \"{launch}\"\nsize = [{SIZE}, {SIZE}]\n"
    )
}

use common::frame;

fn counter(e: &Engine, name: &str) -> u64 {
    e.stats().operator_counters.get(name).map_or(0, |c| c.total)
}

fn alive() -> u64 {
    MADE.load(Ordering::SeqCst) - RELEASED.load(Ordering::SeqCst)
}

/// Plays the producer's NV12 (or `p010`) frames through a `pipeline` operator and checks
/// them imported, steady, right and released (see the module's comment).
fn frames_are_imported_not_uploaded_and_released(p010: bool, system_caps: bool) {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(gpu) = dmabuf_gpu() else { return };
    if p010
        && !gpu
            .device()
            .features()
            .contains(vivid::wgpu::Features::TEXTURE_FORMAT_16BIT_NORM)
    {
        assert!(!gpu.describe().contains("llvmpipe"), "lavapipe has R16");
        eprintln!(
            "SKIPPED: {} has no 16-bit normalized textures",
            gpu.describe()
        );
        return;
    }
    producer::register();
    producer::set(p010, false, system_caps);
    for mode in common::MODES {
        let mut e = engine(gpu.clone(), mode);
        e.set_chain(&common::desc(&chain("vividtestdmabufsrc")))
            .unwrap();
        // 16-bit samples: the f16 output's half ulp (4.9e-4 just under 1) and a 10-bit
        // code (1e-3); 8-bit chroma filtering times the matrix's gain.
        let tolerance = if p010 { 1e-3 } else { 0.012 };
        // The first frame: its buffer not imported yet, uploaded through the CPU — the same
        // picture.
        e.set_capture(true);
        frame(&mut e, 0, true);
        assert_eq!(counter(&e, "dmabuf_uploaded"), 1, "{mode:?}");
        let first = e.read_output().unwrap();
        let best = (0..POOL)
            .map(|b| error_against(p010, b, &first.pixels))
            .fold(f64::INFINITY, f64::min);
        assert!(
            best < tolerance,
            "{mode:?}: the uploaded frame is off by {best}"
        );
        e.set_capture(false);
        // Warm-up: every pool buffer seen (uploaded that once) and imported.
        let mut k = 1;
        while k < 60 {
            frame(&mut e, k, false);
            std::thread::sleep(Duration::from_millis(5));
            k += 1;
        }
        assert!(e.errors().is_empty(), "{mode:?}: {:?}", e.errors());
        let uploaded = counter(&e, "dmabuf_uploaded");
        assert!(
            (1..=POOL as u64).contains(&uploaded),
            "{mode:?}: {uploaded} frames uploaded before their buffer was imported"
        );
        // 100 steady frames cycling the pool: imported, nothing made.
        let imported = counter(&e, "dmabuf_imported");
        let before = e.gpu().counts().snapshot();
        let mut held = 0;
        for _ in 0..100 {
            let report = frame(&mut e, k, false);
            assert_eq!(report.objects_created, 0, "{mode:?} frame {k}");
            held = held.max(alive());
            std::thread::sleep(Duration::from_millis(5));
            k += 1;
        }
        assert_eq!(e.gpu().counts().snapshot().created, before.created);
        assert_eq!(counter(&e, "dmabuf_uploaded"), uploaded, "{mode:?}");
        let new = counter(&e, "dmabuf_imported") - imported;
        assert!(new >= 30, "{mode:?}: only {new} new frames imported");
        // At most the sink's, the source's slot, the one shown and those in flight.
        assert!(held <= 8, "{mode:?}: {held} buffers held at once");
        // The picture: one of the pool's, by the formula (8-bit chroma filtering times the
        // matrix's gain, and the f16 output), and told apart from the others.
        e.set_capture(true);
        frame(&mut e, k, true);
        let got = e.read_output().unwrap();
        let mut errors: Vec<f64> = (0..POOL)
            .map(|b| error_against(p010, b, &got.pixels))
            .collect();
        errors.sort_by(f64::total_cmp);
        assert!(errors[0] < tolerance, "{mode:?}: errors {errors:?}");
        assert!(errors[1] > 0.05, "{mode:?}: errors {errors:?}");
        eprintln!(
            "{mode:?} {}: {uploaded} uploaded in warm-up, {new} imported in 100 steady frames, \
             at most {held} buffers held, errors against the pool's pictures {errors:?}",
            if p010 { "P010" } else { "NV12" }
        );
        assert_eq!(e.gpu().errors().count(), 0);
        // Everything goes back to the producer once the engine and its source are gone.
        // (The frame shown last goes back when the device's poll sees its reads done: the
        // test holds the device, so it polls.)
        drop(e);
        let deadline = Instant::now() + Duration::from_secs(10);
        while alive() > 0 && Instant::now() < deadline {
            let _ = gpu
                .device()
                .poll(vivid::wgpu::PollType::wait_indefinitely());
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(alive(), 0, "{mode:?}: GstBuffers never released");
    }
}

#[test]
fn nv12_dma_buf_frames_are_imported_not_uploaded_and_released_after_the_gpu_read() {
    frames_are_imported_not_uploaded_and_released(false, false);
}

/// Caps that say system memory over DMA-BUF memory (`v4l2src io-mode=dmabuf`): imported
/// all the same.
#[test]
fn dma_bufs_under_system_memory_caps_are_imported_too() {
    frames_are_imported_not_uploaded_and_released(false, true);
}

#[test]
fn p010_dma_buf_frames_are_imported_by_the_10_bit_formula() {
    frames_are_imported_not_uploaded_and_released(true, false);
}

/// Frames the device refuses to import (rows padded past the driver's own pitch: without
/// explicit modifiers only that layout is read) are uploaded through the CPU from their
/// video meta's strides — the right picture, every frame, the import tried once per buffer
/// and never again (no GPU object made in steady frames).
#[test]
fn refused_dma_buf_frames_are_uploaded_with_their_strides() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(gpu) = dmabuf_gpu() else { return };
    let caps = vivid_dmabuf::caps(gpu.device(), vivid::wgpu::TextureFormat::R8Unorm).unwrap();
    if caps.explicit_modifiers {
        eprintln!("SKIPPED: {} imports padded rows", gpu.describe());
        return;
    }
    producer::register();
    producer::set(false, true, false);
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    e.set_chain(&common::desc(&chain("vividtestdmabufsrc")))
        .unwrap();
    let mut k = 0;
    while k < 30 {
        frame(&mut e, k, false);
        std::thread::sleep(Duration::from_millis(5));
        k += 1;
    }
    let before = e.gpu().counts().snapshot();
    for _ in 0..30 {
        let report = frame(&mut e, k, false);
        assert_eq!(report.objects_created, 0, "frame {k}");
        std::thread::sleep(Duration::from_millis(5));
        k += 1;
    }
    assert_eq!(e.gpu().counts().snapshot().created, before.created);
    e.set_capture(true);
    frame(&mut e, k, true);
    let got = e.read_output().unwrap();
    producer::set(false, false, false);
    let best = (0..POOL)
        .map(|b| error_against(false, b, &got.pixels))
        .fold(f64::INFINITY, f64::min);
    assert!(
        best < 0.012,
        "off by {best}; imported {}, uploaded {}, errors {:?}, pixel 0 {:?}",
        counter(&e, "dmabuf_imported"),
        counter(&e, "dmabuf_uploaded"),
        e.errors(),
        got.pixels[0]
    );
    assert_eq!(counter(&e, "dmabuf_imported"), 0);
    assert!(counter(&e, "dmabuf_uploaded") >= 30);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
    eprintln!(
        "padded rows: {} frames uploaded, none imported, off by {best:.4}",
        counter(&e, "dmabuf_uploaded")
    );
}

/// An importing device's sink still negotiates system memory with a source that has only
/// that, and those frames are uploaded as before (no DMA-BUF counted).
#[test]
fn system_memory_frames_are_uploaded_on_an_importing_device() {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(gpu) = dmabuf_gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    e.set_chain(&common::desc(&chain(
        "videotestsrc pattern=red ! video/x-raw,format=RGBA,width=16,height=16",
    )))
    .unwrap();
    let got = common::render(&mut e, 3, 60.0);
    common::assert_close(got.pixels[0], [1.0, 0.0, 0.0, 1.0], 2e-3, "red");
    assert_eq!(counter(&e, "dmabuf_imported"), 0);
    assert_eq!(counter(&e, "dmabuf_uploaded"), 0);
}
