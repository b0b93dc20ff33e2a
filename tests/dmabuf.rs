//! DMA-BUF sharing on the software driver: export from one device and import into a second
//! (standing in for a second GPU), pixels identical; a buffer the CPU wrote read texel for
//! texel; refusals with typed errors and no reallocation; 1000 cycles of import/release
//! and of export-pool churn leaving fds, counts and RSS at baseline.
//!
//! On this CI's kernel (no `udmabuf`, no DMA heaps, no DRM device) no DMA-BUF can exist:
//! lavapipe exports opaque fds (memfds) there, and the CPU-written buffers are regular
//! files — both go through the same Vulkan import calls (`VkImportMemoryFdInfoKHR`) a real
//! DMA-BUF does; see the README's "Sharing frames without copies".

#![cfg(unix)]
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::os::fd::OwnedFd;

use vivid::{Engine, EngineOptions, Gpu, GpuOptions, PassMode};
use vivid_dmabuf::format::{ChromaPlane, Fourcc, HandleType, MOD_LINEAR, YuvMatrix, YuvRange};
use vivid_dmabuf::{DmabufDesc, DmabufError, ExportOptions};

const SIZE: u32 = 64;

/// The tests count the process's open fds: one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A device with external memory, or `None` (with the reason printed) where the driver
/// has no external-memory fds at all.
fn gpu() -> Option<Gpu> {
    let gpu = Gpu::headless(&GpuOptions {
        external_memory: true,
        ..GpuOptions::default()
    })
    .unwrap();
    if !gpu
        .device()
        .features()
        .contains(vivid::wgpu::Features::VULKAN_EXTERNAL_MEMORY_FD)
    {
        eprintln!(
            "SKIPPED: {} has no VK_KHR_external_memory_fd",
            gpu.describe()
        );
        return None;
    }
    Some(gpu)
}

/// The device, if it imports DMA-BUFs (`common::dmabuf::importing`).
fn dmabuf_gpu() -> Option<Gpu> {
    common::dmabuf::importing(gpu()?)
}

fn engine(gpu: Gpu, mode: PassMode) -> Engine {
    let mut registry = vivid::builtin_registry();
    vivid_dmabuf::register(&mut registry);
    Engine::new(
        gpu.with_pass_mode(mode),
        registry,
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        },
    )
}

/// A gradient over a checker: every texel different, alpha varying.
const SOURCE: &str = r#"
output = "mix"
[g]
type = "gradient"
size = [64, 64]
[c]
type = "checker"
size = [64, 64]
[mix]
type = "composite"
inputs = ["g", "c"]
mode = "multiply"
"#;

fn chain_in(source: &str) -> String {
    format!(
        "output = \"in\"\n[in]\ntype = \"dmabuf_in\"\nsize = [{SIZE}, {SIZE}]\nsource = \"{source}\"\n"
    )
}

/// The bytes of `texture` (one row of 64 RGBA8 texels is 256 bytes: no row padding).
#[expect(
    clippy::disallowed_methods,
    reason = "the test's own readback, not the engine's objects"
)]
fn read_bytes(gpu: &Gpu, texture: &vivid::wgpu::Texture) -> Vec<u8> {
    let (w, h) = (texture.width(), texture.height());
    let bytes_per_row = w * 4;
    assert_eq!(bytes_per_row % 256, 0);
    let buffer = gpu.device().create_buffer(&vivid::wgpu::BufferDescriptor {
        label: Some("test.readback"),
        size: u64::from(bytes_per_row * h),
        usage: vivid::wgpu::BufferUsages::COPY_DST | vivid::wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = gpu
        .device()
        .create_command_encoder(&vivid::wgpu::CommandEncoderDescriptor::default());
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        vivid::wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: vivid::wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(bytes_per_row),
                rows_per_image: None,
            },
        },
        vivid::wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    gpu.queue().submit([encoder.finish()]);
    buffer
        .slice(..)
        .map_async(vivid::wgpu::MapMode::Read, |r| r.unwrap());
    gpu.device()
        .poll(vivid::wgpu::PollType::wait_indefinitely())
        .unwrap();
    buffer.slice(..).get_mapped_range().unwrap().to_vec()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn rss() -> usize {
    memory_stats::memory_stats().map_or(0, |m| m.physical_mem)
}

/// Texel `i` of RGBA8 bytes, as floats.
fn pixel_f32(bytes: &[u8], i: usize) -> [f32; 4] {
    std::array::from_fn(|c| f32::from(bytes[i * 4 + c]) / 255.0)
}

#[test]
fn the_driver_imports_dma_bufs_and_exports_linear_images() {
    let _serial = serial();
    let Some(gpu) = gpu() else { return };
    for format in [
        vivid::wgpu::TextureFormat::Rgba8Unorm,
        vivid::wgpu::TextureFormat::Bgra8Unorm,
        vivid::wgpu::TextureFormat::Rgba16Float,
    ] {
        let caps = vivid_dmabuf::caps(gpu.device(), format).unwrap();
        eprintln!("{}: {format:?}: {caps:?}", gpu.describe());
        // Lavapipe (CI) imports DMA-BUFs; other drivers may export opaque fds only.
        if gpu.describe().contains("llvmpipe") {
            assert!(caps.import_dmabuf, "{caps:?}");
        }
        assert!(caps.export.is_some(), "{format:?}: {caps:?}");
    }
    // Formats vivid does not share are refused with the reason.
    let (tap, handle) = vivid_dmabuf::export(ExportOptions {
        format: vivid::wgpu::TextureFormat::Rgba32Float,
        ..ExportOptions::default()
    });
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    e.set_chain(&common::desc(SOURCE)).unwrap();
    e.set_output_tap(Some(Box::new(tap)));
    common::frame(&mut e, 0, false);
    common::frame(&mut e, 1, false);
    let error = handle.error().expect("refused");
    assert!(error.contains("Rgba32Float"), "{error}");
    assert_eq!(handle.stats().pools, 0);
}

#[test]
fn a_resized_output_gets_a_new_pool_and_frames_of_its_size() {
    let _serial = serial();
    let Some(gpu) = gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    let (tap, handle) = vivid_dmabuf::export(ExportOptions {
        format: vivid::wgpu::TextureFormat::Rgba16Float,
        ..ExportOptions::default()
    });
    e.set_output_tap(Some(Box::new(tap)));
    for (k, size) in [(0u64, 64u32), (1, 64), (2, 32), (3, 32), (4, 32)] {
        e.set_chain(&common::desc(
            &SOURCE.replace("[64, 64]", &format!("[{size}, {size}]")),
        ))
        .unwrap();
        common::frame(&mut e, k, false);
        let _ = gpu
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
        let f = handle.take().unwrap().expect("a frame");
        assert_eq!((f.width, f.height, f.frame), (size, size, k));
        assert_eq!(f.fourcc, Fourcc::ABGR16161616F);
        assert!(f.stride >= u64::from(size) * 8);
    }
    assert_eq!(handle.stats().pools, 2);
}

/// What a host handing the whole pool to a consumer (the PipeWire producer) relies on:
/// `pool()` describes every slot of the pool the frames come from (their fds name the
/// same files as the frames'), its number is the frames' `pool` and grows with a new
/// size, and `on_publish` is called once per published frame.
#[test]
fn the_pool_describes_every_slot_and_each_publication_is_announced() {
    use std::os::unix::fs::MetadataExt as _;
    use std::sync::atomic::{AtomicU64, Ordering};
    let _serial = serial();
    let Some(gpu) = gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    let (tap, handle) = vivid_dmabuf::export(ExportOptions {
        slots: 4,
        ..ExportOptions::default()
    });
    assert!(handle.pool().unwrap().is_none(), "no pool before a frame");
    let announced = std::sync::Arc::new(AtomicU64::new(0));
    let counter = announced.clone();
    handle.set_on_publish(move || {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    e.set_output_tap(Some(Box::new(tap)));
    let inode = |fd: &OwnedFd| {
        std::fs::File::from(fd.try_clone().unwrap())
            .metadata()
            .unwrap()
            .ino()
    };
    let mut numbers = Vec::new();
    for (k, size) in [(0u64, 64u32), (1, 64), (2, 64), (3, 32), (4, 32)] {
        e.set_chain(&common::desc(
            &SOURCE.replace("[64, 64]", &format!("[{size}, {size}]")),
        ))
        .unwrap();
        common::frame(&mut e, k, false);
        let _ = gpu
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
        let f = handle.take().unwrap().expect("a frame");
        let pool = handle.pool().unwrap().expect("a pool");
        assert_eq!(pool.slots.len(), 4);
        assert_eq!(pool.size, [size, size]);
        assert_eq!(pool.number, f.pool);
        assert_eq!(inode(&pool.slots[f.slot].fd), inode(&f.fd), "frame {k}");
        assert!(pool.slots.iter().all(|s| s.layout.stride == f.stride));
        numbers.push(pool.number);
    }
    assert_eq!(numbers[0], numbers[2]);
    assert!(numbers[3] > numbers[2], "{numbers:?}");
    assert_eq!(announced.load(Ordering::SeqCst), handle.stats().published);
    assert_eq!(handle.stats().published, 5);
}

#[test]
fn exported_from_one_device_imported_into_another_pixels_identical() {
    let _serial = serial();
    let Some(gpu_a) = gpu() else { return };
    let mut a = engine(gpu_a.clone(), gpu_a.pass_mode());
    a.set_chain(&common::desc(SOURCE)).unwrap();
    let (tap, handle) = vivid_dmabuf::export(ExportOptions::default());
    a.set_output_tap(Some(Box::new(tap)));
    a.set_capture(true);
    for k in 0..3 {
        common::frame(&mut a, k, k == 2);
    }
    let _ = gpu_a
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    assert_eq!(handle.error(), None);
    let exported = handle.take().unwrap().expect("a finished frame");
    assert_eq!((exported.width, exported.height), (SIZE, SIZE));
    assert_eq!(exported.fourcc, Fourcc::ABGR8888);
    assert_eq!(exported.modifier, MOD_LINEAR);
    eprintln!(
        "exported {:?} fd, stride {}, offset {}",
        exported.handle, exported.stride, exported.offset
    );
    // What A's engine read back itself (f16 premultiplied values): the exported bytes are
    // those values clamped and rounded to 8 bits.
    let own = a.read_output().unwrap();

    for mode in common::MODES {
        // Device B: another device of its own (another VkDevice), importing A's buffer.
        let gpu_b = gpu().unwrap();
        let mut b = engine(gpu_b.clone(), mode);
        let name = format!("roundtrip-{mode:?}");
        let source = vivid_dmabuf::source(&name);
        source
            .offer(
                exported.fd.try_clone().unwrap(),
                DmabufDesc {
                    width: exported.width,
                    height: exported.height,
                    fourcc: exported.fourcc,
                    modifier: exported.modifier,
                    offset: exported.offset,
                    stride: exported.stride,
                    handle: exported.handle,
                    chroma: None,
                },
            )
            .unwrap();
        b.set_chain(&common::desc(&chain_in(&name))).unwrap();
        let got = common::render(&mut b, 1, 60.0);
        assert_eq!(source.stats().imported, 1);
        // The buffer read on B is the bytes A's slot holds, texel for texel...
        let slot_bytes = read_bytes(&gpu_a, &exported.texture);
        for (i, p) in got.pixels.iter().enumerate() {
            common::assert_close(
                *p,
                pixel_f32(&slot_bytes, i),
                1e-3,
                &format!("{mode:?} texel {i}"),
            );
            // ...and those are A's output rounded to 8 bits.
            let want = own.pixels[i].map(|v| (v.clamp(0.0, 1.0) * 255.0).round() / 255.0);
            common::assert_close(
                *p,
                want,
                1.0 / 255.0 + 1e-3,
                &format!("{mode:?} vs A's output, texel {i}"),
            );
        }
        // Not a blank picture: the gradient varies.
        let distinct: std::collections::HashSet<_> = slot_bytes.chunks(4).collect();
        assert!(distinct.len() > 32, "{} distinct texels", distinct.len());
    }
}

/// A buffer the CPU wrote: `SIZE`×`SIZE` RGBA8 rows of `stride` bytes after `offset`
/// bytes, texel (x, y) = (4x, 4y, x ^ y, 255 - x) — known without vivid. A regular file
/// (no DMA-BUF can exist on this CI's kernel; the Vulkan import is the same).
fn cpu_buffer(stride: u64, offset: u64, len: u64) -> OwnedFd {
    let mut bytes = vec![0u8; len as usize];
    for y in 0..SIZE as usize {
        for x in 0..SIZE as usize {
            let at = offset as usize + y * stride as usize + x * 4;
            if at + 4 > bytes.len() {
                continue;
            }
            bytes[at..at + 4].copy_from_slice(&[
                (4 * x) as u8,
                (4 * y) as u8,
                (x ^ y) as u8,
                (255 - x) as u8,
            ]);
        }
    }
    common::dmabuf::file_of(&bytes)
}

fn linear_desc(fourcc: Fourcc, stride: u64, handle: HandleType) -> DmabufDesc {
    DmabufDesc {
        width: SIZE,
        height: SIZE,
        fourcc,
        modifier: MOD_LINEAR,
        offset: 0,
        stride,
        handle,
        chroma: None,
    }
}

#[test]
fn a_buffer_the_cpu_wrote_is_read_texel_for_texel_as_a_dma_buf() {
    let _serial = serial();
    let Some(device) = dmabuf_gpu() else { return };
    for mode in common::MODES {
        let mut e = engine(device.clone(), mode);
        let name = format!("cpu-{mode:?}");
        let source = vivid_dmabuf::source(&name);
        let stride = u64::from(SIZE) * 4;
        for (fourcc, swap, opaque) in [
            (Fourcc::ABGR8888, false, false),
            (Fourcc::ARGB8888, true, false),
            (Fourcc::XBGR8888, false, true),
        ] {
            let fd = cpu_buffer(stride, 0, stride * u64::from(SIZE));
            source
                .offer(fd, linear_desc(fourcc, stride, HandleType::DmaBuf))
                .unwrap();
            e.set_chain(&common::desc(&chain_in(&name))).unwrap();
            let got = common::render(&mut e, 1, 60.0);
            for y in 0..SIZE as usize {
                for x in 0..SIZE as usize {
                    let b = [(4 * x) as u8, (4 * y) as u8, (x ^ y) as u8, (255 - x) as u8];
                    let mut want = b.map(|v| f32::from(v) / 255.0);
                    if swap {
                        want.swap(0, 2);
                    }
                    if opaque {
                        want[3] = 1.0;
                    }
                    common::assert_close(
                        got.pixels[y * SIZE as usize + x],
                        want,
                        1e-3,
                        &format!("{mode:?} {fourcc} texel ({x}, {y})"),
                    );
                }
            }
        }
    }
}

/// Luma code of texel (x, y) of the NV12 test picture: every code of 16..=235 in turn.
fn nv12_y(x: usize, y: usize) -> u8 {
    (16 + (x * 7 + y * 3) % 220) as u8
}

/// Cb, Cr codes of chroma sample (i, j): affine in i and j, so the bilinear filter's
/// value between samples is the same affine function (exact, but at the clamped edges).
fn nv12_cbcr(i: f64, j: f64) -> (f64, f64) {
    (40.0 + 3.0 * i + 2.0 * j, 200.0 - 2.0 * i - 3.0 * j)
}

/// An NV12 buffer the CPU wrote: luma rows of `SIZE` bytes, then (at `chroma_offset`)
/// `SIZE / 2` rows of `SIZE / 2` Cb, Cr pairs (`SIZE` bytes a row).
fn nv12_buffer(chroma_offset: usize) -> OwnedFd {
    let n = SIZE as usize;
    let mut bytes = vec![0u8; chroma_offset + n * n / 2];
    for y in 0..n {
        for x in 0..n {
            bytes[y * n + x] = nv12_y(x, y);
        }
    }
    for j in 0..n / 2 {
        for i in 0..n / 2 {
            let (cb, cr) = nv12_cbcr(i as f64, j as f64);
            let at = chroma_offset + j * n + 2 * i;
            bytes[at] = cb as u8;
            bytes[at + 1] = cr as u8;
        }
    }
    common::dmabuf::file_of(&bytes)
}

/// R'G'B' of 8-bit codes by the standard's formula (ITU-R BT.709 / BT.601 Kr, Kb; limited
/// range: Y' = (y - 16) / 219, Cb = (cb - 128) / 224), worked out here, not by vivid.
fn rgb_of(kr: f64, kb: f64, y: f64, cb: f64, cr: f64) -> [f64; 3] {
    let (y, cb, cr) = (
        (y - 16.0) / 219.0,
        (cb - 128.0) / 224.0,
        (cr - 128.0) / 224.0,
    );
    let kg = 1.0 - kr - kb;
    let r = y + 2.0 * (1.0 - kr) * cr;
    let b = y + 2.0 * (1.0 - kb) * cb;
    let g = (y - kr * r - kb * b) / kg;
    [r, g, b].map(|v| v.clamp(0.0, 1.0))
}

#[test]
fn an_nv12_buffer_is_imported_as_two_planes_and_converted_by_the_formula() {
    let _serial = serial();
    let Some(device) = dmabuf_gpu() else { return };
    let n = SIZE as usize;
    let half = (n / 2 - 1) as f64;
    for mode in common::MODES {
        let mut e = engine(device.clone(), mode);
        let name = format!("nv12-{mode:?}");
        let source = vivid_dmabuf::source(&name);
        for (matrix, kr, kb) in [
            (YuvMatrix::Bt709, 0.2126, 0.0722),
            (YuvMatrix::Bt601, 0.299, 0.114),
        ] {
            let desc = DmabufDesc {
                width: SIZE,
                height: SIZE,
                fourcc: Fourcc::NV12,
                modifier: MOD_LINEAR,
                offset: 0,
                stride: u64::from(SIZE),
                handle: HandleType::DmaBuf,
                chroma: Some(ChromaPlane {
                    offset: (n * n) as u64,
                    stride: u64::from(SIZE),
                    matrix,
                    range: YuvRange::Limited,
                }),
            };
            source.offer(nv12_buffer(n * n), desc).unwrap();
            e.set_chain(&common::desc(&chain_in(&name))).unwrap();
            let got = common::render(&mut e, 1, 60.0);
            assert!(e.errors().is_empty(), "{:?}", e.errors());
            let mut worst = 0.0f64;
            let mut other_matrix = 0.0f64;
            for y in 0..n {
                for x in 0..n {
                    // Chroma sited at the centre of each 2×2 block: luma texel x lies at
                    // chroma position x / 2 - 1/4, clamped at the edges.
                    let ci = (x as f64 / 2.0 - 0.25).clamp(0.0, half);
                    let cj = (y as f64 / 2.0 - 0.25).clamp(0.0, half);
                    let (cb, cr) = nv12_cbcr(ci, cj);
                    let luma = f64::from(nv12_y(x, y));
                    let want = rgb_of(kr, kb, luma, cb, cr);
                    let p = got.pixels[y * n + x];
                    assert!((f64::from(p[3]) - 1.0).abs() < 1e-3, "alpha {p:?}");
                    for c in 0..3 {
                        worst = worst.max((f64::from(p[c]) - want[c]).abs());
                    }
                    // The other standard's answer, to show the test tells them apart.
                    let (okr, okb) = if kr > 0.25 {
                        (0.2126, 0.0722)
                    } else {
                        (0.299, 0.114)
                    };
                    let other = rgb_of(okr, okb, luma, cb, cr);
                    for c in 0..3 {
                        other_matrix = other_matrix.max((f64::from(p[c]) - other[c]).abs());
                    }
                }
            }
            // 8-bit filtering of the chroma (a code's 1/255 times the matrix's gain of
            // at most 1.86) and the f16 output.
            assert!(worst < 0.012, "{mode:?} {matrix:?}: worst error {worst}");
            assert!(other_matrix > 0.05, "{mode:?} {matrix:?}: {other_matrix}");
            eprintln!(
                "{mode:?} {matrix:?}: worst error {worst:.4}, other matrix {other_matrix:.3}"
            );
        }
        assert_eq!(source.stats().imported, 2);
        // A regular file is no DMA-BUF: no fences to wait for, implicit sync, saying why.
        assert_eq!(source.stats().implicit, 2);
        assert!(
            matches!(source.sync(), Some(vivid_dmabuf::sync::Sync::Implicit(r)) if r.contains("ENOTTY")),
            "{:?}",
            source.sync()
        );
    }
}

/// 10-bit luma code of texel (x, y) of the P010 test picture: codes all over 64..=940.
fn p010_y(x: usize, y: usize) -> u16 {
    (64 + (x * 13 + y * 7) % 877) as u16
}

/// 10-bit Cb, Cr codes of chroma sample (i, j): affine, as `nv12_cbcr`.
fn p010_cbcr(i: f64, j: f64) -> (f64, f64) {
    (200.0 + 12.0 * i + 8.0 * j, 800.0 - 8.0 * i - 12.0 * j)
}

/// A P010 buffer the CPU wrote: `p010_y` and `p010_cbcr`.
fn p010_buffer() -> OwnedFd {
    common::dmabuf::p010_file(SIZE as usize, p010_y, |i, j| p010_cbcr(i as f64, j as f64))
}

/// R'G'B' of 10-bit codes by BT.2020's formula: limited range Y' = (y - 64) / 876,
/// Cb = (cb - 512) / 896; full range Y' = y / 1023, Cb = (cb - 512) / 1023.
fn rgb_of_10bit(full: bool, y: f64, cb: f64, cr: f64) -> [f64; 3] {
    let (kr, kb) = (0.2627, 0.0593);
    let (y, cb, cr) = if full {
        (y / 1023.0, (cb - 512.0) / 1023.0, (cr - 512.0) / 1023.0)
    } else {
        (
            (y - 64.0) / 876.0,
            (cb - 512.0) / 896.0,
            (cr - 512.0) / 896.0,
        )
    };
    let r = y + 2.0 * (1.0 - kr) * cr;
    let b = y + 2.0 * (1.0 - kb) * cb;
    let g = (y - kr * r - kb * b) / (1.0 - kr - kb);
    [r, g, b].map(|v| v.clamp(0.0, 1.0))
}

#[test]
fn a_p010_buffer_is_imported_as_two_16_bit_planes_and_converted_by_the_formula() {
    let _serial = serial();
    let Some(device) = dmabuf_gpu() else { return };
    if !device
        .device()
        .features()
        .contains(vivid::wgpu::Features::TEXTURE_FORMAT_16BIT_NORM)
    {
        assert!(!device.describe().contains("llvmpipe"), "lavapipe has R16");
        eprintln!(
            "SKIPPED: {} has no 16-bit normalized textures",
            device.describe()
        );
        return;
    }
    let n = SIZE as usize;
    let half = (n / 2 - 1) as f64;
    for mode in common::MODES {
        let mut e = engine(device.clone(), mode);
        let name = format!("p010-{mode:?}");
        let source = vivid_dmabuf::source(&name);
        for range in [YuvRange::Limited, YuvRange::Full] {
            let desc = DmabufDesc {
                width: SIZE,
                height: SIZE,
                fourcc: Fourcc::P010,
                modifier: MOD_LINEAR,
                offset: 0,
                stride: u64::from(SIZE) * 2,
                handle: HandleType::DmaBuf,
                chroma: Some(ChromaPlane {
                    offset: (n * n * 2) as u64,
                    stride: u64::from(SIZE) * 2,
                    matrix: YuvMatrix::Bt2020,
                    range,
                }),
            };
            source.offer(p010_buffer(), desc).unwrap();
            e.set_chain(&common::desc(&chain_in(&name))).unwrap();
            let got = common::render(&mut e, 1, 60.0);
            assert!(e.errors().is_empty(), "{:?}", e.errors());
            let full = range == YuvRange::Full;
            let (mut worst, mut as_8bit) = (0.0f64, 0.0f64);
            for y in 0..n {
                for x in 0..n {
                    let ci = (x as f64 / 2.0 - 0.25).clamp(0.0, half);
                    let cj = (y as f64 / 2.0 - 0.25).clamp(0.0, half);
                    let (cb, cr) = p010_cbcr(ci, cj);
                    let luma = f64::from(p010_y(x, y));
                    let want = rgb_of_10bit(full, luma, cb, cr);
                    // The picture through an 8-bit path (the codes' top 8 bits): the test
                    // tells the 10-bit precision apart from it.
                    let top = |c: f64| (c / 4.0).floor();
                    let wrong = rgb_of(0.2627, 0.0593, top(luma), top(cb), top(cr));
                    let p = got.pixels[y * n + x];
                    assert!((f64::from(p[3]) - 1.0).abs() < 1e-3, "alpha {p:?}");
                    for c in 0..3 {
                        worst = worst.max((f64::from(p[c]) - want[c]).abs());
                        as_8bit = as_8bit.max((f64::from(p[c]) - wrong[c]).abs());
                    }
                }
            }
            // 16-bit samples filtered in float, and the f16 output (half an ulp just under
            // 1 is 4.9e-4); a 10-bit code is 1e-3.
            assert!(worst < 1e-3, "{mode:?} {range:?}: worst error {worst}");
            if !full {
                assert!(as_8bit > 2.0 * worst, "{mode:?}: {as_8bit} vs {worst}");
            }
            eprintln!(
                "{mode:?} P010 {range:?}: worst error {worst:.5} (8-bit reading: {as_8bit:.4})"
            );
        }
        assert_eq!(source.stats().imported, 2);
    }
}

#[test]
fn a_mismatch_is_refused_with_a_typed_error_and_never_reallocated() {
    let _serial = serial();
    let Some(gpu) = dmabuf_gpu() else { return };
    let stride = u64::from(SIZE) * 4;
    let len = stride * u64::from(SIZE);
    // Refused before anything is made: a fourcc vivid does not read, a short stride, a
    // buffer too short for its rows, the implicit modifier.
    let source = vivid_dmabuf::source("refused");
    let yuyv = Fourcc(u32::from_le_bytes(*b"YUYV"));
    let err = source.offer(
        cpu_buffer(stride, 0, len),
        linear_desc(yuyv, stride, HandleType::DmaBuf),
    );
    assert!(
        matches!(err, Err(DmabufError::Format(f)) if f == yuyv),
        "{err:?}"
    );
    assert!(err.unwrap_err().to_string().contains("YUYV"));
    // NV12 without its chroma plane, and a chroma plane on a one-plane fourcc.
    let err = source.offer(
        cpu_buffer(stride, 0, len),
        linear_desc(Fourcc::NV12, stride, HandleType::DmaBuf),
    );
    assert!(
        matches!(&err, Err(DmabufError::Layout(m)) if m.contains("chroma")),
        "{err:?}"
    );
    let mut extra = linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf);
    extra.chroma = Some(ChromaPlane {
        offset: 0,
        stride,
        matrix: YuvMatrix::Bt709,
        range: YuvRange::Limited,
    });
    let err = source.offer(cpu_buffer(stride, 0, len), extra);
    assert!(matches!(err, Err(DmabufError::Layout(_))), "{err:?}");
    // An NV12 buffer too short for its chroma plane.
    let mut short = linear_desc(Fourcc::NV12, u64::from(SIZE), HandleType::DmaBuf);
    short.chroma = Some(ChromaPlane {
        offset: u64::from(SIZE * SIZE),
        stride: u64::from(SIZE),
        matrix: YuvMatrix::Bt709,
        range: YuvRange::Limited,
    });
    let err = source.offer(cpu_buffer(stride, 0, u64::from(SIZE * SIZE)), short);
    assert!(
        matches!(&err, Err(DmabufError::Layout(m)) if m.contains("chroma")),
        "{err:?}"
    );
    let err = source.offer(
        cpu_buffer(stride, 0, len),
        linear_desc(Fourcc::ABGR8888, stride - 4, HandleType::DmaBuf),
    );
    assert!(matches!(err, Err(DmabufError::Layout(_))), "{err:?}");
    let err = source.offer(
        cpu_buffer(stride, 0, len / 2),
        linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf),
    );
    assert!(matches!(err, Err(DmabufError::Layout(_))), "{err:?}");
    let mut implicit = linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf);
    implicit.modifier = vivid_dmabuf::MOD_INVALID;
    let err = source.offer(cpu_buffer(stride, 0, len), implicit);
    assert!(matches!(err, Err(DmabufError::Modifier { .. })), "{err:?}");
    assert_eq!(source.stats().offered, 0);

    // Refused by the device: a tiled modifier (I915_FORMAT_MOD_X_TILED) where only linear
    // buffers are read, and a stride that is not the driver's linear layout.
    let explicit = gpu
        .device()
        .features()
        .contains(vivid::wgpu::Features::VULKAN_EXTERNAL_MEMORY_DMA_BUF);
    let mut tiled = linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf);
    tiled.modifier = 0x0100_0000_0000_0001;
    let mut padded = linear_desc(Fourcc::ABGR8888, stride + 256, HandleType::DmaBuf);
    padded.stride = stride + 256;
    let cases = [
        ("tiled", tiled, len, "modifier 0x0100000000000001"),
        ("padded", padded, (stride + 256) * u64::from(SIZE), "stride"),
    ];
    for (name, desc, len, says) in cases {
        if explicit && name == "tiled" {
            // A driver with explicit modifiers may read it: nothing to refuse.
            continue;
        }
        if name == "tiled" {
            let err = vivid_dmabuf::import::validate(&gpu, &desc).unwrap_err();
            assert!(matches!(err, DmabufError::Modifier { .. }), "{err:?}");
        }
        let mut e = engine(gpu.clone(), gpu.pass_mode());
        let source = vivid_dmabuf::source(name);
        source.offer(cpu_buffer(desc.stride, 0, len), desc).unwrap();
        e.set_chain(&common::desc(&chain_in(name))).unwrap();
        common::frame(&mut e, 0, false);
        let errors = e.errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let message = format!("{errors:?}");
        assert!(message.contains(says), "{name}: {message}");
        assert_eq!(source.stats().refused, 1);
        // The next frames try nothing again: no import, no object made.
        let created = e.gpu().counts().total_created();
        for k in 1..5 {
            common::frame(&mut e, k, false);
        }
        assert_eq!(source.stats().refused, 1, "{name}: refused again");
        assert_eq!(source.stats().imported, 0);
        assert_eq!(
            e.gpu().counts().total_created(),
            created,
            "{name}: objects made"
        );
        // A good buffer afterwards is shown.
        let good = linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf);
        source
            .offer(
                cpu_buffer(stride, 0, len.max(stride * u64::from(SIZE))),
                good,
            )
            .unwrap();
        common::frame(&mut e, 5, false);
        assert!(e.errors().is_empty(), "{:?}", e.errors());
        assert_eq!(source.stats().imported, 1);
    }
}

#[test]
fn a_producer_cycling_three_buffers_makes_nothing_in_a_steady_frame() {
    let _serial = serial();
    let Some(gpu) = dmabuf_gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    let stride = u64::from(SIZE) * 4;
    let len = stride * u64::from(SIZE);
    let ring: Vec<OwnedFd> = (0..3).map(|_| cpu_buffer(stride, 0, len)).collect();
    let source = vivid_dmabuf::source("ring");
    // The chain shows the import, and exports its output too.
    e.set_chain(&common::desc(&chain_in("ring"))).unwrap();
    let (tap, handle) = vivid_dmabuf::export(ExportOptions::default());
    e.set_output_tap(Some(Box::new(tap)));
    let offer = |k: usize| {
        source
            .offer(
                ring[k % 3].try_clone().unwrap(),
                linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf),
            )
            .unwrap();
    };
    for k in 0..6 {
        offer(k);
        common::frame(&mut e, k as u64, false);
        drop(handle.take().unwrap());
    }
    let before = e.gpu().counts().snapshot();
    let wgpu_before = e.gpu().wgpu_counters();
    for k in 6..60 {
        offer(k);
        common::frame(&mut e, k as u64, false);
        drop(handle.take().unwrap());
    }
    let after = e.gpu().counts().snapshot();
    assert_eq!(
        after.created, before.created,
        "objects made in steady frames"
    );
    assert_eq!(after.live_textures, before.live_textures);
    assert_eq!(source.stats().imported, 3, "each buffer imported once");
    let stats = handle.stats();
    assert_eq!(stats.pools, 1);
    assert!(stats.published >= 50, "{stats:?}");
    let wgpu_after = e.gpu().wgpu_counters();
    assert_eq!(format!("{wgpu_before:?}"), format!("{wgpu_after:?}"));
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}

/// An offer's owner that counts when it is dropped (handed back to its producer).
struct Owner(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl Drop for Owner {
    fn drop(&mut self) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn an_offer_is_handed_back_once_the_frames_that_read_it_have_completed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let _serial = serial();
    let Some(gpu) = dmabuf_gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    let stride = u64::from(SIZE) * 4;
    let len = stride * u64::from(SIZE);
    let ring: Vec<OwnedFd> = (0..2).map(|_| cpu_buffer(stride, 0, len)).collect();
    let source = vivid_dmabuf::source("owned");
    e.set_chain(&common::desc(&chain_in("owned"))).unwrap();
    let back: Vec<Arc<AtomicUsize>> = (0..4).map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let returned = |i: usize| back[i].load(Ordering::SeqCst);
    let offer = |k: usize| {
        let owner: vivid_dmabuf::import::Owner = Box::new(Owner(back[k].clone()));
        source
            .offer_owned(
                ring[k % 2].try_clone().unwrap(),
                linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf),
                Some(owner),
            )
            .unwrap();
    };
    let settle = || {
        let _ = gpu
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
    };
    // Offer 0 shown: held, however long the GPU has been idle.
    offer(0);
    common::frame(&mut e, 0, false);
    common::frame(&mut e, 1, false);
    settle();
    assert_eq!(returned(0), 0, "offer 0 is shown");
    // Offer 1 replaces it: 0 is still held (the frames that read it may be in flight)
    // until the next frame's prepare hands it to the queue, and back once those completed.
    offer(1);
    assert_eq!(
        returned(0),
        0,
        "offer 0 handed back before its reads completed"
    );
    common::frame(&mut e, 2, false);
    settle();
    assert_eq!(
        returned(0),
        1,
        "offer 0 not handed back after its reads completed"
    );
    assert_eq!(returned(1), 0, "offer 1 is shown");
    // Offer 2 replaced by 3 before any frame read it: 2 goes back at once.
    offer(2);
    offer(3);
    assert_eq!(
        returned(2),
        1,
        "an offer no frame read is handed back at once"
    );
    common::frame(&mut e, 3, false);
    settle();
    assert_eq!((returned(1), returned(3)), (1, 0));
    // The same buffer offered again is imported once but its owners are handed back in turn.
    assert_eq!(source.stats().imported, 2);
    source.clear();
    common::frame(&mut e, 4, false);
    settle();
    assert_eq!(returned(3), 1, "cleared: the last offer is handed back");
    assert!(
        back.iter().all(|b| b.load(Ordering::SeqCst) == 1),
        "each exactly once"
    );
    assert_eq!(source.stats().returned, 4);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}

#[test]
fn an_nv12_producer_cycling_three_buffers_makes_nothing_in_a_steady_frame() {
    let _serial = serial();
    let Some(gpu) = dmabuf_gpu() else { return };
    let n = SIZE as usize;
    for mode in common::MODES {
        let mut e = engine(gpu.clone(), mode);
        let name = format!("nv12-ring-{mode:?}");
        let ring: Vec<OwnedFd> = (0..3).map(|_| nv12_buffer(n * n)).collect();
        let source = vivid_dmabuf::source(&name);
        e.set_chain(&common::desc(&chain_in(&name))).unwrap();
        let desc = DmabufDesc {
            width: SIZE,
            height: SIZE,
            fourcc: Fourcc::NV12,
            modifier: MOD_LINEAR,
            offset: 0,
            stride: u64::from(SIZE),
            handle: HandleType::DmaBuf,
            chroma: Some(ChromaPlane {
                offset: (n * n) as u64,
                stride: u64::from(SIZE),
                matrix: YuvMatrix::Bt709,
                range: YuvRange::Full,
            }),
        };
        let offer = |k: usize| {
            source
                .offer(ring[k % 3].try_clone().unwrap(), desc)
                .unwrap();
        };
        for k in 0..6 {
            offer(k);
            common::frame(&mut e, k as u64, false);
        }
        let before = e.gpu().counts().snapshot();
        let wgpu_before = e.gpu().wgpu_counters();
        for k in 6..40 {
            offer(k);
            common::frame(&mut e, k as u64, false);
        }
        let after = e.gpu().counts().snapshot();
        assert_eq!(
            after.created, before.created,
            "{mode:?}: objects made in steady frames"
        );
        assert_eq!(after.live_textures, before.live_textures);
        // Two planes per buffer, each imported once.
        assert_eq!(source.stats().imported, 3, "{mode:?}");
        assert_eq!(
            format!("{wgpu_before:?}"),
            format!("{:?}", e.gpu().wgpu_counters())
        );
        assert!(e.errors().is_empty(), "{:?}", e.errors());
    }
}

#[test]
fn a_thousand_imports_and_releases_leave_fds_counts_and_rss_at_baseline() {
    let _serial = serial();
    let Some(gpu) = dmabuf_gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    let stride = u64::from(SIZE) * 4;
    let len = stride * u64::from(SIZE);
    let source = vivid_dmabuf::source("churn");
    e.set_chain(&common::desc(&chain_in("churn"))).unwrap();
    let cycle = |e: &mut Engine, k: u64| {
        // A new buffer every frame (a producer allocating each one), then none.
        source
            .offer(
                cpu_buffer(stride, 0, len),
                linear_desc(Fourcc::ABGR8888, stride, HandleType::DmaBuf),
            )
            .unwrap();
        common::frame(e, 2 * k, false);
        source.clear();
        common::frame(e, 2 * k + 1, false);
    };
    for k in 0..20 {
        cycle(&mut e, k);
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let (fds, live, mem) = (open_fds(), e.gpu().counts().snapshot(), rss());
    let wgpu_before = e.gpu().wgpu_counters();
    for k in 20..1020 {
        cycle(&mut e, k);
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let now = e.gpu().counts().snapshot();
    assert_eq!(source.stats().imported, 1020);
    assert_eq!(source.stats().released, 1020);
    assert_eq!(open_fds(), fds, "open fds");
    assert_eq!(now.live_textures, live.live_textures);
    assert_eq!(now.texture_bytes, live.texture_bytes);
    let wgpu_now = e.gpu().wgpu_counters();
    assert_eq!(
        wgpu_now.texture_memory, wgpu_before.texture_memory,
        "{wgpu_now:?}"
    );
    let grown = rss().saturating_sub(mem);
    assert!(
        grown < 8 << 20,
        "RSS grew {} KiB over 1000 imports",
        grown >> 10
    );
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}

#[test]
fn a_thousand_export_pools_leave_fds_counts_and_rss_at_baseline() {
    let _serial = serial();
    let Some(gpu) = gpu() else { return };
    let mut e = engine(gpu.clone(), gpu.pass_mode());
    e.set_chain(&common::desc(SOURCE)).unwrap();
    let cycle = |e: &mut Engine, k: u64| {
        // A pool made, two frames exported and taken, the pool dropped.
        let (tap, handle) = vivid_dmabuf::export(ExportOptions::default());
        e.set_output_tap(Some(Box::new(tap)));
        common::frame(e, 2 * k, false);
        common::frame(e, 2 * k + 1, false);
        let _ = e
            .gpu()
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
        let taken = handle.take().unwrap().expect("a frame");
        assert_eq!(taken.frame, 2 * k + 1);
        drop(taken);
        drop(e.set_output_tap(None));
        assert_eq!(handle.stats().pools, 1);
    };
    for k in 0..20 {
        cycle(&mut e, k);
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let (fds, live, mem) = (open_fds(), e.gpu().counts().snapshot(), rss());
    let wgpu_before = e.gpu().wgpu_counters();
    for k in 20..1020 {
        cycle(&mut e, k);
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let now = e.gpu().counts().snapshot();
    assert_eq!(open_fds(), fds, "open fds");
    assert_eq!(now.live_textures, live.live_textures);
    assert_eq!(now.texture_bytes, live.texture_bytes);
    let wgpu_now = e.gpu().wgpu_counters();
    assert_eq!(
        wgpu_now.texture_memory, wgpu_before.texture_memory,
        "{wgpu_now:?}"
    );
    let grown = rss().saturating_sub(mem);
    assert!(
        grown < 8 << 20,
        "RSS grew {} KiB over 1000 pools",
        grown >> 10
    );
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}
