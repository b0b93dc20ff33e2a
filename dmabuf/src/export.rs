//! Export: the shown output of every frame copied (or converted) into a pool of exportable
//! images, allocated once, inside the frame's one encoder; the host takes each finished
//! frame as an fd with its layout ([`ExportedFrame`]).
//!
//! [`export`] gives the two halves: an [`ExportTap`] for `Engine::set_output_tap` and the
//! host's [`ExportHandle`]. The sync point is completion: a frame is published only when
//! the submit that wrote it has completed on the GPU (`Queue::on_submitted_work_done`, run
//! by the `device.poll` the engine makes every frame), so the buffer an fd names is whole
//! when the host sees it; a slot is not written again while the host holds its frame.

use std::os::fd::OwnedFd;
use std::sync::{Arc, Mutex, MutexGuard};

use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::operator::FrameTime;
use vivid_engine::tap::OutputTap;

use crate::error::{DmabufError, Result};
use crate::format::{Fourcc, HandleType, MOD_LINEAR};
use crate::vk::{self, PlaneLayout};

/// Slots in the pool unless asked otherwise: one the host holds, one being written, one
/// finished and waiting.
pub const DEFAULT_SLOTS: usize = 3;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// `Rgba8Unorm` (`AB24`) or `Bgra8Unorm` (`AR24`): the chain's display-referred values,
    /// premultiplied, clamped to 0..1 (what `--snapshot` writes, before PNG's
    /// un-premultiplication); `Rgba16Float` (`AB4H`): the output's own texels, copied.
    pub format: wgpu::TextureFormat,
    /// Images in the pool (at least 2).
    pub slots: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            format: wgpu::TextureFormat::Rgba8Unorm,
            slots: DEFAULT_SLOTS,
        }
    }
}

/// One finished frame: a new fd of its buffer (the host's to close) and how to read it.
#[derive(Debug)]
pub struct ExportedFrame {
    /// A duplicate of the slot's fd: the host may keep it, pass it on, close it.
    pub fd: OwnedFd,
    /// The kind of fd: a DMA-BUF, or (only where the driver cannot export DMA-BUFs) an
    /// opaque Vulkan fd for a device of the same driver.
    pub handle: HandleType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DRM fourcc.
    pub fourcc: Fourcc,
    /// DRM modifier (always `DRM_FORMAT_MOD_LINEAR`).
    pub modifier: u64,
    /// Offset of the plane in the buffer.
    pub offset: u64,
    /// Bytes per row.
    pub stride: u64,
    /// The engine's frame index it shows.
    pub frame: u64,
    /// Which pool slot (0..slots).
    pub slot: usize,
    /// Which pool: grows with each one (a new output size or format); a [`Pool`] of the
    /// same number describes its slots.
    pub pool: u64,
    /// The slot's texture on vivid's device: a host on the same device reads it directly.
    pub texture: wgpu::Texture,
    /// While this frame is held, vivid does not write its slot.
    _lease: Arc<()>,
}

/// Counts of what the pool did, for the host's statistics and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Pools allocated (one per output size or format; the slots of one are made at once).
    pub pools: u64,
    /// Frames written into a slot.
    pub written: u64,
    /// Frames whose GPU work completed and that were published.
    pub published: u64,
    /// Frames not exported because every slot was held by the host or in flight.
    pub skipped: u64,
    /// Frames the host took.
    pub taken: u64,
}

/// One slot of a pool, for a host that hands the whole pool to a consumer up front (the
/// PipeWire producer: one buffer per slot).
#[derive(Debug)]
pub struct PoolSlot {
    /// A duplicate of the slot's fd (the host's to close).
    pub fd: OwnedFd,
    /// Offset, stride and bytes of memory behind the image.
    pub layout: PlaneLayout,
}

/// The current pool: what every [`ExportedFrame`] of the same `pool` number is one slot of.
#[derive(Debug)]
pub struct Pool {
    /// Its number ([`ExportedFrame::pool`]).
    pub number: u64,
    /// The kind of fds.
    pub handle: HandleType,
    /// Width and height in pixels.
    pub size: [u32; 2],
    /// DRM fourcc.
    pub fourcc: Fourcc,
    /// The slots, in slot order.
    pub slots: Vec<PoolSlot>,
}

/// Called (on the thread that polls the device, usually the render thread) each time a
/// frame is published; it must be quick and never block.
type OnPublish = Box<dyn Fn() + Send + Sync>;

#[derive(Debug)]
struct SlotShared {
    fd: OwnedFd,
    texture: wgpu::Texture,
    layout: PlaneLayout,
    lease: Arc<()>,
    in_flight: bool,
}

#[derive(Default)]
struct Shared {
    slots: Vec<SlotShared>,
    handle: Option<HandleType>,
    size: [u32; 2],
    fourcc: Option<Fourcc>,
    /// The newest published frame: (slot, frame index).
    latest: Option<(usize, u64)>,
    stats: ExportStats,
    error: Option<String>,
    /// Grows with each pool: a completion of a frame written into an older pool (the
    /// output was resized while it was in flight) publishes nothing.
    generation: u64,
    on_publish: Option<Arc<OnPublish>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("slots", &self.slots.len())
            .field("size", &self.size)
            .field("latest", &self.latest)
            .field("stats", &self.stats)
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The host's side: takes finished frames.
#[derive(Clone, Debug)]
pub struct ExportHandle {
    shared: Arc<Mutex<Shared>>,
}

impl ExportHandle {
    /// The newest finished frame not taken yet, if any (latest wins: older ones are
    /// skipped).
    pub fn take(&self) -> Result<Option<ExportedFrame>> {
        let mut s = lock(&self.shared);
        let Some((slot, frame)) = s.latest.take() else {
            return Ok(None);
        };
        let (Some(handle), Some(fourcc)) = (s.handle, s.fourcc) else {
            return Ok(None);
        };
        let [width, height] = s.size;
        let Some(entry) = s.slots.get(slot) else {
            return Ok(None);
        };
        let out = ExportedFrame {
            fd: entry.fd.try_clone()?,
            handle,
            width,
            height,
            fourcc,
            modifier: MOD_LINEAR,
            offset: entry.layout.offset,
            stride: entry.layout.stride,
            frame,
            slot,
            pool: s.generation,
            texture: entry.texture.clone(),
            _lease: entry.lease.clone(),
        };
        s.stats.taken += 1;
        Ok(Some(out))
    }

    /// The current pool (`None` before the first frame and after a failure): every slot's
    /// fd and layout, for a host that registers all of them with a consumer at once.
    pub fn pool(&self) -> Result<Option<Pool>> {
        let s = lock(&self.shared);
        let (Some(handle), Some(fourcc)) = (s.handle, s.fourcc) else {
            return Ok(None);
        };
        if s.slots.is_empty() {
            return Ok(None);
        }
        let slots = s
            .slots
            .iter()
            .map(|slot| {
                Ok(PoolSlot {
                    fd: slot.fd.try_clone()?,
                    layout: slot.layout,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Pool {
            number: s.generation,
            handle,
            size: s.size,
            fourcc,
            slots,
        }))
    }

    /// Calls `f` each time a frame is published (from inside the device poll that saw its
    /// work complete: `f` must be quick and never block — a wake-up of another thread,
    /// which then calls [`take`](Self::take)). Replaces an earlier one.
    pub fn set_on_publish(&self, f: impl Fn() + Send + Sync + 'static) {
        lock(&self.shared).on_publish = Some(Arc::new(Box::new(f)));
    }

    /// What the pool did so far.
    #[must_use]
    pub fn stats(&self) -> ExportStats {
        lock(&self.shared).stats
    }

    /// Why exporting stopped, if it did (an unsupported device or format).
    #[must_use]
    pub fn error(&self) -> Option<String> {
        lock(&self.shared).error.clone()
    }
}

/// The 8-bit conversion's pipeline, made once per tap (a new size keeps it).
#[derive(Debug)]
struct ConvertPipeline {
    pipeline: wgpu::RenderPipeline,
    layout: wgpu::BindGroupLayout,
}

/// The 8-bit conversion at one size: the output copied into `source`, drawn into a slot.
#[derive(Debug)]
struct Convert {
    source: GpuTexture,
    bind_group: wgpu::BindGroup,
}

/// The pool's GPU side, for `Engine::set_output_tap`.
#[derive(Debug)]
pub struct ExportTap {
    options: ExportOptions,
    shared: Arc<Mutex<Shared>>,
    slots: Vec<GpuTexture>,
    convert: Option<Convert>,
    pipeline: Option<ConvertPipeline>,
    size: [u32; 2],
    /// The slot written in this frame's encoder, and the frame.
    written: Option<(usize, u64)>,
    frame: u64,
    failed: bool,
}

/// A pool exporting `options.format`, as its two halves.
#[must_use]
pub fn export(options: ExportOptions) -> (ExportTap, ExportHandle) {
    let shared = Arc::new(Mutex::new(Shared::default()));
    (
        ExportTap {
            options: ExportOptions {
                slots: options.slots.max(2),
                ..options
            },
            shared: shared.clone(),
            slots: Vec::new(),
            convert: None,
            pipeline: None,
            size: [0, 0],
            written: None,
            frame: 0,
            failed: false,
        },
        ExportHandle { shared },
    )
}

const CONVERT_WGSL: &str = r"
@group(0) @binding(0) var src: texture_2d<f32>;

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> @builtin(position) vec4<f32> {
    let p = vec2<f32>(f32((i << 1u) & 2u), f32(i & 2u));
    return vec4<f32>(p * 2.0 - 1.0, 0.0, 1.0);
}

@fragment
fn fs_main(@builtin(position) p: vec4<f32>) -> @location(0) vec4<f32> {
    return clamp(textureLoad(src, vec2<i32>(p.xy), 0), vec4<f32>(0.0), vec4<f32>(1.0));
}
";

impl ConvertPipeline {
    fn new(gpu: &Gpu, format: wgpu::TextureFormat) -> Self {
        let module = gpu.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("vivid.dmabuf_export.convert"),
            source: wgpu::ShaderSource::Wgsl(CONVERT_WGSL.into()),
        });
        let layout = gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("vivid.dmabuf_export.layout"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Float { filterable: false },
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            }],
        });
        let pipeline_layout = gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("vivid.dmabuf_export.pipeline_layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        let pipeline = gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some("vivid.dmabuf_export.pipeline"),
            layout: Some(&pipeline_layout),
            vertex: wgpu::VertexState {
                module: &module,
                entry_point: Some("vs_main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                buffers: &[],
            },
            primitive: wgpu::PrimitiveState::default(),
            depth_stencil: None,
            multisample: wgpu::MultisampleState::default(),
            fragment: Some(wgpu::FragmentState {
                module: &module,
                entry_point: Some("fs_main"),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format,
                    blend: None,
                    write_mask: wgpu::ColorWrites::ALL,
                })],
            }),
            multiview_mask: None,
            cache: None,
        });
        Self { pipeline, layout }
    }
}

impl Convert {
    fn new(gpu: &Gpu, pipeline: &ConvertPipeline, size: [u32; 2]) -> Self {
        let source = gpu.create_texture(&wgpu::TextureDescriptor {
            label: Some("vivid.dmabuf_export.source"),
            size: wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: wgpu::TextureFormat::Rgba16Float,
            usage: wgpu::TextureUsages::COPY_DST | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        let bind_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("vivid.dmabuf_export.bind_group"),
            layout: &pipeline.layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(&source.view),
            }],
        });
        Self { source, bind_group }
    }
}

impl ExportTap {
    /// The slots' textures (for a host reading them on this device, and the tests).
    #[must_use]
    pub fn slot_texture(&self, slot: usize) -> Option<&wgpu::Texture> {
        self.slots.get(slot).map(|t| &t.texture)
    }

    /// Makes the pool for `size`, all or nothing.
    fn allocate(&mut self, gpu: &Gpu, size: [u32; 2]) -> Result<()> {
        let format = self.options.format;
        let fourcc = Fourcc::of(format)
            .ok_or_else(|| DmabufError::Unsupported(format!("exporting {format:?}")))?;
        gpu.check_size("dmabuf export", size[0], size[1])
            .map_err(|e| DmabufError::Size {
                width: size[0],
                height: size[1],
                reason: e.to_string(),
            })?;
        let caps = vk::caps(gpu.device(), format)?;
        let handle = caps.export.ok_or_else(|| {
            DmabufError::Unsupported(format!(
                "the driver cannot export linear {format:?} images as DMA-BUFs or fds"
            ))
        })?;
        let desc = wgpu::TextureDescriptor {
            label: Some("vivid.dmabuf_export.slot"),
            size: wgpu::Extent3d {
                width: size[0],
                height: size[1],
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: vk::wgpu_usage(true),
            view_formats: &[],
        };
        let mut textures = Vec::with_capacity(self.options.slots);
        let mut shared = Vec::with_capacity(self.options.slots);
        for _ in 0..self.options.slots {
            let (texture, layout, fd) = vk::create_exportable(gpu.device(), &desc, handle)?;
            shared.push(SlotShared {
                fd,
                texture: texture.clone(),
                layout,
                lease: Arc::new(()),
                in_flight: false,
            });
            textures.push(gpu.adopt_texture(texture, &desc));
        }
        let convert = if format == wgpu::TextureFormat::Rgba16Float {
            None
        } else {
            let pipeline = self
                .pipeline
                .get_or_insert_with(|| ConvertPipeline::new(gpu, format));
            Some(Convert::new(gpu, pipeline, size))
        };
        self.slots = textures;
        self.convert = convert;
        self.size = size;
        let mut s = lock(&self.shared);
        s.slots = shared;
        s.handle = Some(handle);
        s.size = size;
        s.fourcc = Some(fourcc);
        s.latest = None;
        s.stats.pools += 1;
        s.generation += 1;
        Ok(())
    }

    /// A slot that is neither in flight, nor held by the host, nor the newest finished one.
    fn free_slot(&self) -> Option<usize> {
        let s = lock(&self.shared);
        let latest = s.latest.map(|(i, _)| i);
        s.slots
            .iter()
            .enumerate()
            .find(|(i, slot)| {
                !slot.in_flight && Arc::strong_count(&slot.lease) == 1 && Some(*i) != latest
            })
            .map(|(i, _)| i)
    }
}

impl OutputTap for ExportTap {
    fn prepare(&mut self, gpu: &Gpu, time: FrameTime, size: [u32; 2]) {
        self.frame = time.frame;
        if self.failed || size == self.size {
            return;
        }
        // A new size: the old pool goes (its fds stay valid for hosts that hold them: the
        // memory lives while any fd or import of it does).
        self.slots.clear();
        self.convert = None;
        if let Err(e) = self.allocate(gpu, size) {
            log::error!("DMA-BUF export stopped: {e}");
            let mut s = lock(&self.shared);
            s.error = Some(e.to_string());
            s.slots.clear();
            s.latest = None;
            drop(s);
            self.failed = true;
        }
    }

    fn encode(&mut self, encoder: &mut wgpu::CommandEncoder, output: &wgpu::Texture) {
        if self.slots.is_empty() || [output.width(), output.height()] != self.size {
            return;
        }
        let Some(i) = self.free_slot() else {
            lock(&self.shared).stats.skipped += 1;
            return;
        };
        let slot = &self.slots[i];
        let extent = wgpu::Extent3d {
            width: self.size[0],
            height: self.size[1],
            depth_or_array_layers: 1,
        };
        match (&self.convert, &self.pipeline) {
            // Made together: a conversion has its pipeline.
            (Some(_), None) => return,
            (None, _) => encoder.copy_texture_to_texture(
                output.as_image_copy(),
                slot.texture.as_image_copy(),
                extent,
            ),
            (Some(c), Some(p)) => {
                encoder.copy_texture_to_texture(
                    output.as_image_copy(),
                    c.source.texture.as_image_copy(),
                    extent,
                );
                let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("vivid.dmabuf_export.convert"),
                    color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                        view: &slot.view,
                        depth_slice: None,
                        resolve_target: None,
                        ops: wgpu::Operations {
                            load: wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                            store: wgpu::StoreOp::Store,
                        },
                    })],
                    depth_stencil_attachment: None,
                    timestamp_writes: None,
                    occlusion_query_set: None,
                    multiview_mask: None,
                });
                pass.set_pipeline(&p.pipeline);
                pass.set_bind_group(0, &c.bind_group, &[]);
                pass.draw(0..3, 0..1);
            }
        }
        let mut s = lock(&self.shared);
        s.slots[i].in_flight = true;
        s.stats.written += 1;
        drop(s);
        self.written = Some((i, self.frame));
    }

    fn after_submit(&mut self, gpu: &Gpu) {
        let Some((slot, frame)) = self.written.take() else {
            return;
        };
        let shared = self.shared.clone();
        let generation = lock(&shared).generation;
        gpu.queue().on_submitted_work_done(move || {
            let mut s = lock(&shared);
            if s.generation != generation {
                return;
            }
            if let Some(entry) = s.slots.get_mut(slot) {
                entry.in_flight = false;
                s.latest = Some((slot, frame));
                s.stats.published += 1;
                let on_publish = s.on_publish.clone();
                drop(s);
                if let Some(f) = on_publish {
                    f();
                }
            }
        });
    }

    fn finish(&mut self, gpu: &Gpu) {
        // Publish what is in flight.
        let _ = gpu.device().poll(wgpu::PollType::wait_indefinitely());
    }
}
