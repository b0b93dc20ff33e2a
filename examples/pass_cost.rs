//! Where a full-screen compute pass's time goes: the same read-one-pixel, write-one-pixel
//! kernel in several shapes, run as a chain of dependent passes (each reads what the one
//! before wrote, as in a chain of operators), timed on the GPU between two timestamps.
//!
//!     cargo run --release --example pass_cost                  # 1920x1080 and 3840x2160
//!     cargo run --release --example pass_cost -- 4700          # with the copy rate, GB/s
//!
//! Prints µs per pass and, given the device's copy rate, the ratio to the floor (reading
//! 8 bytes and writing 8 bytes a pixel of `Rgba16Float`). A GPU without timestamp queries
//! inside encoders prints nothing useful: it says so and stops.

#![expect(
    clippy::disallowed_methods,
    reason = "a microbenchmark of raw wgpu passes: its objects are not the engine's, which counts its own"
)]

use std::sync::mpsc;

use vivid::wgpu;
use vivid::{Gpu, GpuOptions};

/// Dependent passes per measurement.
const PASSES: u32 = 100;
/// Measurements per variant (the median is printed).
const REPEATS: usize = 7;

/// One way of writing the pass.
struct Variant {
    name: &'static str,
    /// The workgroup's size.
    wg: (u32, u32),
    /// Pixels per thread along x and y.
    per: (u32, u32),
    /// The body: reads pixel `p` of `src` (with `samp` and `inv` = 1 / size at hand),
    /// yields `v`.
    read: &'static str,
    /// Dispatch one workgroup only (the pass's fixed cost).
    tiny: bool,
    /// All passes in one compute pass (wgpu still puts a barrier between dispatches).
    one_pass: bool,
}

const LOAD: &str = "textureLoad(src, p, 0)";
const SAMPLE: &str = "textureSampleLevel(src, samp, (vec2<f32>(p) + 0.5) * inv, 0.0)";

fn variants() -> Vec<Variant> {
    let v = |name, wg, per, read| Variant {
        name,
        wg,
        per,
        read,
        tiny: false,
        one_pass: false,
    };
    vec![
        v("load 16x16", (16, 16), (1, 1), LOAD),
        v("sample linear 16x16", (16, 16), (1, 1), SAMPLE),
        v("sample nearest 16x16", (16, 16), (1, 1), SAMPLE),
        v("load 8x8", (8, 8), (1, 1), LOAD),
        v("load 32x8", (32, 8), (1, 1), LOAD),
        v("load 64x4", (64, 4), (1, 1), LOAD),
        v("load 8x32", (8, 32), (1, 1), LOAD),
        v("load 16x16, 2x1 px", (16, 16), (2, 1), LOAD),
        v("load 16x16, 1x2 px", (16, 16), (1, 2), LOAD),
        v("load 16x16, 2x2 px", (16, 16), (2, 2), LOAD),
        v("load 8x8, 2x2 px", (8, 8), (2, 2), LOAD),
        v("load 32x8, 1x4 px", (32, 8), (1, 4), LOAD),
        Variant {
            one_pass: true,
            ..v("load 16x16, one compute pass", (16, 16), (1, 1), LOAD)
        },
        Variant {
            one_pass: true,
            ..v("one compute pass, sample linear", (16, 16), (1, 1), SAMPLE)
        },
        Variant {
            one_pass: true,
            ..v("one compute pass, 2x1 px", (16, 16), (2, 1), LOAD)
        },
        Variant {
            one_pass: true,
            ..v("one compute pass, 2x2 px", (16, 16), (2, 2), LOAD)
        },
        Variant {
            one_pass: true,
            ..v("one compute pass, 8x8 2x2 px", (8, 8), (2, 2), LOAD)
        },
        Variant {
            one_pass: true,
            ..v("one compute pass, 8x32", (8, 32), (1, 1), LOAD)
        },
        Variant {
            tiny: true,
            ..v("one workgroup (fixed cost)", (16, 16), (1, 1), LOAD)
        },
        Variant {
            tiny: true,
            one_pass: true,
            ..v("one workgroup, one compute pass", (16, 16), (1, 1), LOAD)
        },
    ]
}

fn shader(v: &Variant) -> String {
    let (wx, wy) = v.wg;
    let (px, py) = v.per;
    format!(
        "@group(0) @binding(0) var src: texture_2d<f32>;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var dst: texture_storage_2d<rgba16float, write>;
@compute @workgroup_size({wx}, {wy})
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {{
    let size = vec2<i32>(textureDimensions(dst));
    let inv = 1.0 / vec2<f32>(size);
    let base = vec2<i32>(wg.xy) * vec2<i32>({wx} * {px}, {wy} * {py}) + vec2<i32>(l.xy);
    for (var j = 0; j < {py}; j++) {{
        for (var i = 0; i < {px}; i++) {{
            let p = base + vec2<i32>(i * {wx}, j * {wy});
            if all(p < size) {{
                let v = {read};
                textureStore(dst, p, v * 0.999 + 0.0005);
            }}
        }}
    }}
}}
",
        read = v.read
    )
}

fn texture(device: &wgpu::Device, w: u32, h: u32) -> wgpu::Texture {
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some("pass_cost"),
        size: wgpu::Extent3d {
            width: w,
            height: h,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING
            | wgpu::TextureUsages::STORAGE_BINDING
            | wgpu::TextureUsages::COPY_SRC
            | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    })
}

/// GPU nanoseconds of `record` (which fills an encoder), the median of [`REPEATS`].
fn time(gpu: &Gpu, record: &dyn Fn(&mut wgpu::CommandEncoder)) -> Option<f64> {
    let device = gpu.device();
    let queue = gpu.queue();
    let set = device.create_query_set(&wgpu::QuerySetDescriptor {
        label: None,
        ty: wgpu::QueryType::Timestamp,
        count: 2,
    });
    let resolve = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 16,
        usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    });
    let read = device.create_buffer(&wgpu::BufferDescriptor {
        label: None,
        size: 16,
        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    let period = f64::from(queue.get_timestamp_period());
    let mut samples = Vec::new();
    for _ in 0..=REPEATS {
        let mut enc = device.create_command_encoder(&wgpu::CommandEncoderDescriptor::default());
        enc.write_timestamp(&set, 0);
        record(&mut enc);
        enc.write_timestamp(&set, 1);
        enc.resolve_query_set(&set, 0..2, &resolve, 0);
        enc.copy_buffer_to_buffer(&resolve, 0, &read, 0, 16);
        queue.submit([enc.finish()]);
        let (tx, rx) = mpsc::channel();
        read.slice(..).map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        device.poll(wgpu::PollType::wait_indefinitely()).ok()?;
        rx.recv().ok()?.ok()?;
        let ns = {
            let view = read.slice(..).get_mapped_range().ok()?;
            let t: &[u64] = vivid::bytemuck::cast_slice(&view);
            (t[1].saturating_sub(t[0])) as f64 * period
        };
        read.unmap();
        samples.push(ns);
    }
    // The first is a warm-up.
    let mut s = samples.split_off(1);
    s.sort_by(f64::total_cmp);
    Some(s[s.len() / 2])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bandwidth: Option<f64> = std::env::args().nth(1).and_then(|a| a.parse().ok());
    let gpu = Gpu::headless(&GpuOptions::default())?;
    println!("{}", gpu.describe());
    if !gpu
        .device()
        .features()
        .contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS)
    {
        println!("no timestamp queries inside encoders on this device: nothing to measure");
        return Ok(());
    }
    let device = gpu.device();
    let linear = device.create_sampler(&wgpu::SamplerDescriptor {
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        ..Default::default()
    });
    let nearest = device.create_sampler(&wgpu::SamplerDescriptor::default());
    for (w, h) in [(1920u32, 1080u32), (3840, 2160)] {
        let floor_us = bandwidth.map(|gbs| f64::from(w) * f64::from(h) * 16.0 / (gbs * 1e3));
        println!(
            "\n{w}x{h}, {PASSES} dependent passes{}",
            floor_us.map_or(String::new(), |f| format!(", floor {f:.2} µs a pass"))
        );
        let a = texture(device, w, h);
        let b = texture(device, w, h);
        let views = [
            a.create_view(&wgpu::TextureViewDescriptor::default()),
            b.create_view(&wgpu::TextureViewDescriptor::default()),
        ];
        // Reference: copies of the same bytes.
        let copy = time(&gpu, &|enc| {
            for k in 0..PASSES {
                let (s, d) = if k % 2 == 0 { (&a, &b) } else { (&b, &a) };
                enc.copy_texture_to_texture(s.as_image_copy(), d.as_image_copy(), s.size());
            }
        });
        report("copy_texture_to_texture", copy, floor_us);
        for v in variants() {
            let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(v.name),
                source: wgpu::ShaderSource::Wgsl(shader(&v).into()),
            });
            let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(v.name),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            });
            let sampler = if v.name.contains("nearest") {
                &nearest
            } else {
                &linear
            };
            let layout = pipeline.get_bind_group_layout(0);
            let groups: Vec<wgpu::BindGroup> = (0..2)
                .map(|k| {
                    let mut entries = vec![wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&views[k]),
                    }];
                    if v.read == SAMPLE {
                        entries.push(wgpu::BindGroupEntry {
                            binding: 1,
                            resource: wgpu::BindingResource::Sampler(sampler),
                        });
                    }
                    entries.push(wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::TextureView(&views[1 - k]),
                    });
                    device.create_bind_group(&wgpu::BindGroupDescriptor {
                        label: None,
                        layout: &layout,
                        entries: &entries,
                    })
                })
                .collect();
            let dispatch = if v.tiny {
                (1, 1)
            } else {
                (w.div_ceil(v.wg.0 * v.per.0), h.div_ceil(v.wg.1 * v.per.1))
            };
            let t = time(&gpu, &|enc| {
                if v.one_pass {
                    let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                    pass.set_pipeline(&pipeline);
                    for k in 0..PASSES as usize {
                        pass.set_bind_group(0, &groups[k % 2], &[]);
                        pass.dispatch_workgroups(dispatch.0, dispatch.1, 1);
                    }
                } else {
                    for k in 0..PASSES as usize {
                        let mut pass =
                            enc.begin_compute_pass(&wgpu::ComputePassDescriptor::default());
                        pass.set_pipeline(&pipeline);
                        pass.set_bind_group(0, &groups[k % 2], &[]);
                        pass.dispatch_workgroups(dispatch.0, dispatch.1, 1);
                    }
                }
            });
            report(v.name, t, if v.tiny { None } else { floor_us });
        }
    }
    Ok(())
}

fn report(name: &str, ns: Option<f64>, floor_us: Option<f64>) {
    let Some(ns) = ns else {
        println!("{name:<34} (not timed)");
        return;
    };
    let us = ns / 1e3 / f64::from(PASSES);
    match floor_us {
        Some(f) => println!("{name:<34} {us:8.2} µs a pass  {:5.2}x floor", us / f),
        None => println!("{name:<34} {us:8.2} µs a pass"),
    }
}
