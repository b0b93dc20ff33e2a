//! Embedding vivid in a host program: the host owns the wgpu device and the texture it
//! shows; vivid renders a chain built in Rust code (or loaded from a project folder) into
//! it, with parameters set by the host, and the host watches for operator errors.
//!
//!     cargo run --example embed                                # writes embed.png
//!     cargo run --example embed -- examples/04-compositing     # a project folder instead
//!
//! `tests/examples.rs` runs this file's `run` and checks the host's texture against the same
//! chain rendered by an engine of its own.

#![expect(
    clippy::disallowed_methods,
    reason = "the host's own device objects (its texture, readback buffer, encoder), not the engine's"
)]

use std::path::Path;

use vivid::chain::{ChainBuilder, ChainDesc};
use vivid::wgpu;
use vivid::{Engine, EngineOptions, FrameTime, Gpu, RunStats, Target};

/// The host's picture size.
pub const SIZE: (u32, u32) = (640, 360);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let project = std::env::args().nth(1);
    let done = run(project.as_deref().map(Path::new), 120)?;
    done.pixels.save("embed.png")?;
    let s = &done.stats;
    println!(
        "rendered {} frames into the host's texture: {} encoder and {} submit per frame, {} objects created after warm-up; wrote embed.png",
        s.frames,
        s.max_encoders_per_frame,
        s.max_submits_per_frame,
        s.gpu_objects_created_after_warmup
    );
    Ok(())
}

/// The chain the host builds in code when it is given no project folder.
#[must_use]
pub fn chain() -> ChainDesc {
    ChainBuilder::new()
        .node("bg", "gradient")
        .param("mode", "radial")
        .size(SIZE.0, SIZE.1)
        .param("color_a", [0.95f32, 0.45, 0.2])
        .param("color_b", [0.05f32, 0.02, 0.12])
        .node("n", "noise")
        .param("scale", "4 + sin(time)")
        .param("kind", "simplex")
        .node("mix", "composite")
        .inputs(&["bg", "n"])
        .param("mode", "overlay")
        .node("out", "hsv")
        .input("mix")
        .param("hue_shift", "time * 30")
        .output("out")
        .build()
}

/// What a run leaves: the host's texture after the last frame, and the engine's statistics.
pub struct Done {
    /// The host's texture, read back by the host.
    pub pixels: image::RgbaImage,
    /// One encoder and one submit per frame, objects created after warm-up, ...
    pub stats: RunStats,
}

/// The host: its own device, its own texture, its frame loop.
pub fn run(project: Option<&Path>, frames: u64) -> Result<Done, Box<dyn std::error::Error>> {
    // The host's own device (any wgpu 30 device works; `Gpu::headless` makes one if asked).
    let instance = vivid::gpu::new_instance(None);
    let adapter =
        pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))?;
    let (device, queue) =
        pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))?;
    // vivid draws on it: the handles are cheap clones of the host's.
    let gpu = Gpu::from_device(device.clone(), queue.clone(), adapter.get_info());

    let options = EngineOptions {
        monitor_interval: None, // no memory lines on stderr: the host has its own logging
        ..EngineOptions::default()
    };
    let mut engine = Engine::new(gpu, vivid::builtin_registry(), options);
    match project {
        Some(dir) => engine.load_project(dir, &[])?,
        None => engine.set_chain(&chain())?,
    }

    // The host's texture, created once, rendered into every frame. vivid letterboxes the
    // chain's output into it and converts to its format (sRGB or not: the stored values are
    // the display values).
    let (width, height) = SIZE;
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("host.target"),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8UnormSrgb,
        usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
        view_formats: &[],
    });
    let view = texture.create_view(&wgpu::TextureViewDescriptor::default());

    let mut errors_seen = engine.errors_generation();
    for frame in 0..frames {
        // Parameters from the host, e.g. a sensor or a MIDI controller. (A project loaded
        // from a folder may have no `n`: the error says so, and the host carries on.)
        if frame % 30 == 0
            && let Err(e) = engine.set_param("n", "octaves", 2 + (frame / 30) as i32)
        {
            eprintln!("host: {e}");
        }
        let time = FrameTime {
            time: frame as f64 / 60.0,
            frame,
        };
        let target = Target::View {
            view: &view,
            format: texture.format(),
            size: (width, height),
            opaque: false,
        };
        // `false`: no copy of the output for `Engine::read_output` (the host has its texture).
        engine.render(time, target, false)?;
        // An operator that fails (a shader that does not build, a picture that will not
        // load) keeps its last good output and the chain keeps running; the generation
        // moves whenever that list changes.
        if engine.errors_generation() != errors_seen {
            errors_seen = engine.errors_generation();
            for e in engine.errors() {
                eprintln!("host: error in `{}`: {}", e.node, e.message);
            }
        }
    }

    let pixels = read_back(&device, &queue, &texture)?;
    Ok(Done {
        pixels,
        stats: engine.stats(),
    })
}

/// The host reads its own texture back (its business, with its own encoder).
fn read_back(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
) -> Result<image::RgbaImage, Box<dyn std::error::Error>> {
    let (w, h) = (texture.width(), texture.height());
    let row = (w * 4).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
    let buffer = device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("host.readback"),
        size: u64::from(row * h),
        usage: wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::MAP_READ,
        mapped_at_creation: false,
    });
    let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
    encoder.copy_texture_to_buffer(
        texture.as_image_copy(),
        wgpu::TexelCopyBufferInfo {
            buffer: &buffer,
            layout: wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(row),
                rows_per_image: Some(h),
            },
        },
        wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
    );
    queue.submit([encoder.finish()]);
    buffer.slice(..).map_async(wgpu::MapMode::Read, |_| {});
    device.poll(wgpu::PollType::wait_indefinitely())?;
    let data = buffer.slice(..).get_mapped_range()?;
    let mut img = image::RgbaImage::new(w, h);
    for (y, line) in data.chunks(row as usize).enumerate() {
        for x in 0..w as usize {
            img.put_pixel(
                x as u32,
                y as u32,
                image::Rgba([
                    line[4 * x],
                    line[4 * x + 1],
                    line[4 * x + 2],
                    line[4 * x + 3],
                ]),
            );
        }
    }
    Ok(img)
}
