//! What the zero-copy path saves: CPU time and bytes moved per frame of a 4K output,
//! handed on (a) as a DMA-BUF from the export pool, (b) read back to the CPU (what a
//! recorder or a host without DMA-BUF does), against (c) rendering alone.
//!
//!     cargo run --release --example dmabuf_cost            # 3840x2160, 30 frames each
//!     cargo run --release --example dmabuf_cost -- 1920 1080 60
//!
//! CPU time is the whole process's (user + system, every thread: on lavapipe the GPU's
//! work is CPU work too), from /proc/self/stat; bytes are counted from the formats.

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
    Ok(())
}
