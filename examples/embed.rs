//! Embedding vivid in a host program: the host owns the wgpu device and the texture it
//! shows; vivid renders a chain built in Rust code (or loaded from a project folder) into
//! it, with parameters set from the host.
//!
//!     cargo run --example embed            # writes embed.png
//!     cargo run --example embed -- examples/04-compositing

#![expect(
    clippy::disallowed_methods,
    reason = "the host's own device objects (its texture, readback buffer, encoder), not the engine's"
)]

use std::path::Path;

use vivid::chain::ChainBuilder;
use vivid::wgpu;
use vivid::{Engine, EngineOptions, FrameTime, Gpu, Target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The host's own device (any wgpu 30 device works; vivid creates one if asked).
    let instance = vivid::gpu::new_instance(None);
    let adapter =
        pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))?;
    let (device, queue) =
        pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor::default()))?;
    let gpu = Gpu::from_device(device.clone(), queue.clone(), adapter.get_info());

    let mut engine = Engine::new(gpu, vivid::builtin_registry(), EngineOptions::default());
    match std::env::args().nth(1) {
        Some(project) => engine.load_project(Path::new(&project), &[])?,
        None => engine.set_chain(
            &ChainBuilder::new()
                .node("bg", "gradient")
                .param("mode", "radial")
                .size(640, 360)
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
                .build(),
        )?,
    }

    // The host's texture, created once, rendered into every frame.
    let (width, height) = (640, 360);
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

    for frame in 0..120u64 {
        // Parameters from the host, e.g. a sensor or a MIDI controller.
        if frame % 30 == 0 {
            let _ = engine.set_param("n", "octaves", 2 + (frame / 30) as i32);
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
        engine.render(time, target, false)?;
    }

    save(&device, &queue, &texture, Path::new("embed.png"))?;
    let stats = engine.stats();
    println!(
        "rendered {} frames into the host's texture: {} encoder and {} submit per frame, {} objects created after warm-up; wrote embed.png",
        stats.frames,
        stats.max_encoders_per_frame,
        stats.max_submits_per_frame,
        stats.gpu_objects_created_after_warmup
    );
    Ok(())
}

/// The host reads its own texture back (its business, with its own encoder).
fn save(
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    texture: &wgpu::Texture,
    path: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
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
    img.save(path)?;
    Ok(())
}
