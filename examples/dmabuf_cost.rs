//! What the zero-copy path saves: CPU time and bytes moved per frame of a 4K output,
//! handed on (a) as a DMA-BUF from the export pool, (b) read back to the CPU (what a
//! recorder or a host without DMA-BUF does), against (c) rendering alone. And per 4K NV12
//! frame coming in (what a hardware decoder hands out): (d) imported where it lies from a
//! ring of three buffers (`dmabuf_in`), against (e) the same plus the CPU upload a frame in
//! system memory takes (its 12 MiB of planes written through a staging buffer into
//! textures, as the `video` operator's upload does).
//!
//!     cargo run --release --example dmabuf_cost            # 3840x2160, 30 frames each
//!     cargo run --release --example dmabuf_cost -- 1920 1080 60
//!
//! CPU time is the whole process's (user + system, every thread: on lavapipe the GPU's
//! work is CPU work too), from /proc/self/stat; bytes are counted from the formats.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::time::Instant;

use vivid::{Engine, EngineOptions, FrameTime, Gpu, GpuOptions, Target};

/// User + system CPU seconds of the process so far.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with the last ')').
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line (11 and 12 after the name), in
    // clock ticks of 1/100 s on Linux.
    (ticks(11) + ticks(12)) / 100.0
}

fn engine(gpu: &Gpu, width: u32, height: u32) -> Result<Engine, Box<dyn std::error::Error>> {
    let mut e = Engine::new(
        gpu.clone(),
        vivid::builtin_registry(),
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        },
    );
    let toml = format!("output = \"g\"\n[g]\ntype = \"gradient\"\nsize = [{width}, {height}]\n");
    e.set_chain(&vivid::project::parse_chain(
        std::path::Path::new("cost.toml"),
        &toml,
    ))?;
    Ok(e)
}

/// A `width`x`height` NV12 buffer (luma rows of `width` bytes, then the chroma rows), in a
/// file: on lavapipe a DMA-BUF import reads a file's pages where they lie, as a GPU reads
/// a decoder's buffer.
fn nv12_buffer(width: u32, height: u32, seed: u8) -> Result<OwnedFd, Box<dyn std::error::Error>> {
    let luma = (width * height) as usize;
    let mut bytes = vec![0u8; luma + luma / 2];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(31).wrapping_add(seed);
    }
    let mut file = tempfile::tempfile()?;
    file.write_all(&bytes)?;
    Ok(OwnedFd::from(file))
}

/// The NV12 input modes: (d) import only, (e) import plus the CPU upload of the planes.
fn nv12_in(
    gpu: &Gpu,
    width: u32,
    height: u32,
    frames: u64,
    upload: bool,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    use vivid::dmabuf::format::{ChromaPlane, Fourcc, HandleType, MOD_LINEAR, YuvMatrix, YuvRange};
    let mut registry = vivid::builtin_registry();
    vivid::dmabuf::register(&mut registry);
    let mut e = Engine::new(
        gpu.clone(),
        registry,
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        },
    );
    let name = format!("cost-{upload}");
    let toml = format!(
        "output = \"in\"\n[in]\ntype = \"dmabuf_in\"\nsize = [{width}, {height}]\nsource = \"{name}\"\n"
    );
    e.set_chain(&vivid::project::parse_chain(
        std::path::Path::new("cost.toml"),
        &toml,
    ))?;
    let ring = (0..3u8)
        .map(|k| nv12_buffer(width, height, k))
        .collect::<Result<Vec<_>, _>>()?;
    let source = vivid::dmabuf::source(&name);
    let desc = vivid::dmabuf::DmabufDesc {
        width,
        height,
        fourcc: Fourcc::NV12,
        modifier: MOD_LINEAR,
        offset: 0,
        stride: u64::from(width),
        handle: HandleType::DmaBuf,
        chroma: Some(ChromaPlane {
            offset: u64::from(width * height),
            stride: u64::from(width),
            matrix: YuvMatrix::Bt709,
            range: YuvRange::Limited,
        }),
    };
    // The system-memory path's planes: written each frame through the queue's staging
    // buffer into textures, as the video upload writes its staging ring.
    let planes = upload.then(|| {
        let luma = (width * height) as usize;
        let texture = |w: u32, h: u32, format| {
            gpu.create_texture(&vivid::wgpu::TextureDescriptor {
                label: Some("cost.plane"),
                size: vivid::wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: vivid::wgpu::TextureDimension::D2,
                format,
                usage: vivid::wgpu::TextureUsages::COPY_DST
                    | vivid::wgpu::TextureUsages::TEXTURE_BINDING,
                view_formats: &[],
            })
        };
        (
            texture(width, height, vivid::wgpu::TextureFormat::R8Unorm),
            texture(width / 2, height / 2, vivid::wgpu::TextureFormat::Rg8Unorm),
            vec![7u8; luma + luma / 2],
        )
    });
    let run = |e: &mut Engine, k: u64| -> Result<(), Box<dyn std::error::Error>> {
        source.offer(ring[(k % 3) as usize].try_clone()?, desc)?;
        if let Some((y, uv, bytes)) = &planes {
            let luma = (width * height) as usize;
            let write = |t: &vivid::gpu::GpuTexture, data: &[u8], row: u32, w: u32, h: u32| {
                gpu.queue().write_texture(
                    t.texture.as_image_copy(),
                    data,
                    vivid::wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(row),
                        rows_per_image: None,
                    },
                    vivid::wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                );
            };
            write(y, &bytes[..luma], width, width, height);
            write(uv, &bytes[luma..], width, width / 2, height / 2);
        }
        e.render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            false,
        )?;
        Ok(())
    };
    for k in 0..3 {
        run(&mut e, k)?;
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let (cpu0, t0) = (cpu_seconds(), Instant::now());
    for k in 3..3 + frames {
        run(&mut e, k)?;
    }
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    if let Some(error) = e.errors().first() {
        return Err(format!("{error:?}").into());
    }
    let stats = source.stats();
    if stats.imported != 3 {
        return Err(format!("expected 3 imports (a ring of 3), got {stats:?}").into());
    }
    Ok((
        (cpu_seconds() - cpu0) / frames as f64 * 1e3,
        t0.elapsed().as_secs_f64() / frames as f64 * 1e3,
    ))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (width, height, frames) = (
        args.first().copied().unwrap_or(3840),
        args.get(1).copied().unwrap_or(2160),
        u64::from(args.get(2).copied().unwrap_or(30)),
    );
    let gpu = Gpu::headless(&GpuOptions {
        external_memory: true,
        ..GpuOptions::default()
    })?;
    println!(
        "{} — {width}x{height}, {frames} frames each",
        gpu.describe()
    );
    let pixels = f64::from(width) * f64::from(height);
    let mib = |bytes: f64| bytes / f64::from(1u32 << 20);
    for mode in [
        "render only",
        "export (DMA-BUF pool)",
        "readback to the CPU",
    ] {
        let mut e = engine(&gpu, width, height)?;
        let handle = (mode.starts_with("export")).then(|| {
            let (tap, handle) = vivid::dmabuf::export(vivid::dmabuf::ExportOptions::default());
            e.set_output_tap(Some(Box::new(tap)));
            handle
        });
        let readback = mode.starts_with("readback");
        e.set_capture(readback);
        let run = |e: &mut Engine, k: u64| -> Result<(), Box<dyn std::error::Error>> {
            e.render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                readback,
            )?;
            if readback {
                let image = e.read_output_rgba8()?;
                std::hint::black_box(image);
            }
            if let Some(h) = &handle {
                // What a host does with a frame: take it (an fd and its layout).
                std::hint::black_box(h.take()?);
            }
            Ok(())
        };
        for k in 0..3 {
            run(&mut e, k)?;
        }
        let _ = gpu
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
        let (cpu0, t0) = (cpu_seconds(), Instant::now());
        for k in 3..3 + frames {
            run(&mut e, k)?;
        }
        let _ = gpu
            .device()
            .poll(vivid::wgpu::PollType::wait_indefinitely());
        let cpu = (cpu_seconds() - cpu0) / frames as f64 * 1e3;
        let wall = t0.elapsed().as_secs_f64() / frames as f64 * 1e3;
        // Bytes each way of handing the frame on, beyond rendering it:
        // export: the f16 output copied (read 8 + write 8 B/px) and converted to 8 bits
        // (read 8 + write 4 B/px), all on the GPU; the CPU touches none.
        // readback: the output copied into a mappable buffer on the GPU (8 + 8 B/px), then
        // read by the CPU and converted into an RGBA8 image (8 read + 4 written B/px).
        let (gpu_bytes, cpu_bytes) = match mode {
            m if m.starts_with("export") => (pixels * 28.0, 0.0),
            m if m.starts_with("readback") => (pixels * 16.0, pixels * 12.0),
            _ => (0.0, 0.0),
        };
        println!(
            "{mode:<24} CPU {cpu:7.1} ms/frame  wall {wall:7.1} ms/frame  moved: GPU {:6.1} MiB, CPU {:6.1} MiB per frame",
            mib(gpu_bytes),
            mib(cpu_bytes)
        );
        if let Some(h) = &handle {
            let s = h.stats();
            println!(
                "    export pool: {} pool(s), {} written, {} published, {} skipped",
                s.pools, s.written, s.published, s.skipped
            );
        }
    }
    // NV12 in: 1.5 bytes a pixel.
    let nv12 = pixels * 1.5;
    for upload in [false, true] {
        let (cpu, wall) = match nv12_in(&gpu, width, height, frames, upload) {
            Ok(figures) => figures,
            Err(e) => {
                // NVIDIA's driver in a container without its DRM module imports no
                // DMA-BUFs: the export rows above still hold.
                println!("NV12 in: not measured on this device: {e}");
                break;
            }
        };
        // Import: the conversion pass reads the planes where they lie; the CPU touches
        // none. Upload: the planes written into the staging buffer (read + write by the
        // CPU), then copied into the textures on the GPU (read + write).
        let (mode, gpu_bytes, cpu_bytes) = if upload {
            ("NV12 in: CPU upload", nv12 * 2.0, nv12 * 2.0)
        } else {
            ("NV12 in: DMA-BUF import", 0.0, 0.0)
        };
        println!(
            "{mode:<24} CPU {cpu:7.1} ms/frame  wall {wall:7.1} ms/frame  moved: GPU {:6.1} MiB, CPU {:6.1} MiB per frame (beyond the conversion)",
            mib(gpu_bytes),
            mib(cpu_bytes)
        );
    }
    Ok(())
}
