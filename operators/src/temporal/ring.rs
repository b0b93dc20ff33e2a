//! The frame ring of `delay`, `time_machine` and `echo`: the input's last frames in one
//! 2D-array texture, and the pass that reads them.
//!
//! The ring is the operator's state, not scratch: made once for its size and number of
//! layers (those come from `Fixed` parameters, never from an expression), kept across
//! chain edits that keep the operator (and re-prepares for new input or output
//! textures), freed when the operator goes. It is a texture of its own, not the pool's, so
//! it starts transparent black (wgpu zero-initialises new textures): frames not written
//! yet read as transparent. Each frame writes the input into layer `count % layers`
//! (`shaders/ring.wgsl`: a compute pass with the layer as a uniform, or a fragment pass
//! into that layer's view on CPU drivers), then the operator's own shader reads any
//! layers it likes through a `texture_2d_array` ([`RingPass`]).

use vivid_engine::Result;
use vivid_engine::fullscreen::color_pass;
use vivid_engine::gpu::{GpuTexture, PassMode};
use vivid_engine::operator::{FrameHeader, PrepareCx, UniformCx};
use vivid_engine::resources::{CachedBindGroup, SamplerKind, UniformSlot, UniformWriter};

/// Most layers a ring may have (`max_texture_array_layers` of WebGPU's default limits).
pub const MAX_LAYERS: u32 = 256;

/// The uniform block of `shaders/ring.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct RingUniforms {
    header: FrameHeader,
    layer: u32,
    _pad: [u32; 3],
}

/// The ring texture and, on CPU drivers, a view of each layer to render into.
#[derive(Debug)]
struct RingTexture {
    texture: GpuTexture,
    layers: u32,
    layer_views: Vec<wgpu::TextureView>,
}

/// How the input gets into the ring.
#[derive(Debug)]
enum Write {
    Compute {
        pipeline: wgpu::ComputePipeline,
        groups: (u32, u32),
    },
    Render {
        pipeline: wgpu::RenderPipeline,
    },
}

/// The input's last frames.
#[derive(Debug, Default)]
pub struct FrameRing {
    ring: Option<RingTexture>,
    write: Option<Write>,
    bind_group: CachedBindGroup,
    /// Frames written so far (by this operator: a new ring of another size or length
    /// keeps counting).
    count: u64,
    slot: UniformSlot,
}

fn texture_entry(
    binding: u32,
    visibility: wgpu::ShaderStages,
    dimension: wgpu::TextureViewDimension,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension: dimension,
            multisampled: false,
        },
        count: None,
    }
}

fn uniform_entry(visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 0,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: None,
        },
        count: None,
    }
}

fn sampler_entry(visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding: 1,
        visibility,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    }
}

fn storage_entry(
    binding: u32,
    dimension: wgpu::TextureViewDimension,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::StorageTexture {
            access: wgpu::StorageTextureAccess::WriteOnly,
            format: wgpu::TextureFormat::Rgba16Float,
            view_dimension: dimension,
        },
        count: None,
    }
}

/// Stages a pass of `mode` runs in.
fn stages(mode: PassMode) -> (wgpu::ShaderStages, wgpu::ShaderStages) {
    match mode {
        PassMode::Compute => (wgpu::ShaderStages::COMPUTE, wgpu::ShaderStages::COMPUTE),
        PassMode::Render => (
            wgpu::ShaderStages::VERTEX_FRAGMENT,
            wgpu::ShaderStages::FRAGMENT,
        ),
    }
}

/// The uniform arena's buffer at binding 0, `size` bytes at a dynamic offset.
fn uniform_binding(buffer: &wgpu::Buffer, size: u64) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding: 0,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer,
            offset: 0,
            size: wgpu::BufferSize::new(size),
        }),
    }
}

/// A render pipeline of `shader`'s `fs_*` entry over the fullscreen triangle, into
/// `Rgba16Float`, with `layout`.
fn fragment_pipeline(
    cx: &mut PrepareCx<'_>,
    shader: &str,
    entry: &'static str,
    layout: &wgpu::PipelineLayout,
) -> Result<wgpu::RenderPipeline> {
    let gpu = cx.gpu;
    cx.pipelines
        .render_pipeline_with(gpu, cx.shaders, shader, 1, |module| {
            gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some("vivid.ring.pipeline"),
                layout: Some(layout),
                vertex: wgpu::VertexState {
                    module,
                    entry_point: Some("vs_fullscreen"),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    buffers: &[],
                },
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module,
                    entry_point: Some(entry),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: wgpu::TextureFormat::Rgba16Float,
                        blend: None,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        })
}

/// A compute pipeline of `shader`'s `entry` with `layout`.
fn compute_pipeline(
    cx: &mut PrepareCx<'_>,
    shader: &str,
    entry: &'static str,
    layout: &wgpu::PipelineLayout,
) -> Result<wgpu::ComputePipeline> {
    let gpu = cx.gpu;
    cx.pipelines
        .compute_pipeline_with(gpu, cx.shaders, shader, 0, |module| {
            gpu.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("vivid.ring.pipeline"),
                layout: Some(layout),
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions::default(),
                cache: None,
            })
        })
}

impl FrameRing {
    /// Frames written so far: this frame writes frame number `count()`.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The layer frame `frame` (counted like [`count`](Self::count)) is in, with `layers`
    /// layers.
    #[must_use]
    pub fn layer_of(frame: u64, layers: u32) -> u32 {
        (frame % u64::from(layers.max(1))) as u32
    }

    /// Pushes this frame's write (layer `count % layers`).
    pub fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>, layers: u32) {
        self.slot = out.push(&RingUniforms {
            header: cx.header(),
            layer: Self::layer_of(self.count, layers),
            _pad: [0; 3],
        });
    }

    /// Makes the ring (`layers` layers of `size`) if it has another shape, and the write
    /// pass from `input`. All-or-nothing.
    pub fn prepare(
        &mut self,
        cx: &mut PrepareCx<'_>,
        input: &GpuTexture,
        size: (u32, u32),
        layers: u32,
    ) -> Result<()> {
        let mode = cx.gpu.pass_mode();
        let layers = layers.clamp(2, MAX_LAYERS);
        let fresh = match &self.ring {
            Some(r) if r.texture.size() == size && r.layers == layers => None,
            _ => {
                // A failed one is never kept: the prepare fails and makes it again.
                let gpu = cx.gpu;
                let (made, failed) = gpu.create_checked("vivid.ring", || {
                    let texture = gpu.create_texture(&wgpu::TextureDescriptor {
                        label: Some("vivid.ring"),
                        size: wgpu::Extent3d {
                            width: size.0,
                            height: size.1,
                            depth_or_array_layers: layers,
                        },
                        mip_level_count: 1,
                        sample_count: 1,
                        dimension: wgpu::TextureDimension::D2,
                        format: wgpu::TextureFormat::Rgba16Float,
                        usage: wgpu::TextureUsages::TEXTURE_BINDING
                            | wgpu::TextureUsages::STORAGE_BINDING
                            | wgpu::TextureUsages::RENDER_ATTACHMENT,
                        view_formats: &[],
                    });
                    let layer_views = if mode == PassMode::Render {
                        (0..layers)
                            .map(|l| {
                                gpu.create_view(
                                    &texture.texture,
                                    &wgpu::TextureViewDescriptor {
                                        label: Some("vivid.ring.layer"),
                                        dimension: Some(wgpu::TextureViewDimension::D2),
                                        base_array_layer: l,
                                        array_layer_count: Some(1),
                                        ..Default::default()
                                    },
                                )
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    RingTexture {
                        texture,
                        layers,
                        layer_views,
                    }
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                Some(made)
            }
        };
        let ring = fresh.as_ref().or(self.ring.as_ref()).map(|r| &r.texture);
        let Some(ring) = ring else {
            return Ok(());
        };
        let (uniform_vis, vis) = stages(mode);
        let mut entries = vec![
            uniform_entry(uniform_vis),
            sampler_entry(vis),
            texture_entry(2, vis, wgpu::TextureViewDimension::D2),
        ];
        if mode == PassMode::Compute {
            entries.push(storage_entry(3, wgpu::TextureViewDimension::D2Array));
        }
        let name = match mode {
            PassMode::Compute => "vivid.ring.write.compute",
            PassMode::Render => "vivid.ring.write.render",
        };
        let layout = cx.pipelines.named_layout(cx.gpu, name, &entries);
        let pipeline_layout = cx.pipelines.named_pipeline_layout(cx.gpu, name, &[&layout]);
        let write = match mode {
            PassMode::Compute => Write::Compute {
                pipeline: compute_pipeline(cx, "ring.wgsl", "cs_write", &pipeline_layout)?,
                groups: (size.0.div_ceil(16), size.1.div_ceil(16)),
            },
            PassMode::Render => Write::Render {
                pipeline: fragment_pipeline(cx, "ring.wgsl", "fs_write", &pipeline_layout)?,
            },
        };
        let sampler = cx.pipelines.sampler(cx.gpu, SamplerKind::LinearClamp);
        let Some(buffer) = cx.uniforms.buffer() else {
            return Err(vivid_engine::EngineError::Param(
                "uniform arena not allocated".into(),
            ));
        };
        let key = [cx.uniforms.buffer_id(), input.id(), ring.id(), mode as u64];
        let gpu = cx.gpu;
        self.bind_group.get_or_create_checked(&key, || {
            let mut entries = vec![
                uniform_binding(buffer, size_of::<RingUniforms>() as u64),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&input.view),
                },
            ];
            if mode == PassMode::Compute {
                entries.push(wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::TextureView(&ring.view),
                });
            }
            // A failed one is not kept (the prepare fails and is tried again).
            let (group, failed) = gpu.create_checked("vivid.ring.write", || {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.ring.write"),
                    layout: &layout,
                    entries: &entries,
                })
            });
            (group, failed.is_none())
        });
        // The frame count runs on across a new ring (it starts transparent): the layer
        // this frame's uniforms named is the layer it writes.
        if let Some(r) = fresh {
            self.ring = Some(r);
        }
        self.write = Some(write);
        Ok(())
    }

    /// Records the write of this frame's input into its layer; the frame counts as written.
    pub fn encode_write(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let (Some(ring), Some(write), Some(bind_group)) =
            (&self.ring, &self.write, self.bind_group.get())
        else {
            return;
        };
        let layer = Self::layer_of(self.count, ring.layers);
        match write {
            Write::Compute { pipeline, groups } => {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("vivid.ring.write"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bind_group, &[self.slot.offset]);
                pass.dispatch_workgroups(groups.0, groups.1, 1);
            }
            Write::Render { pipeline } => {
                let Some(view) = ring.layer_views.get(layer as usize) else {
                    return;
                };
                let mut pass = color_pass(encoder, "vivid.ring.write", view, wgpu::LoadOp::Load);
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bind_group, &[self.slot.offset]);
                pass.draw(0..3, 0..1);
            }
        }
        self.count += 1;
    }

    /// The ring texture (all layers), once made.
    #[must_use]
    pub fn texture(&self) -> Option<&GpuTexture> {
        self.ring.as_ref().map(|r| &r.texture)
    }
}

/// An operator's pass reading the ring: its shader's `shade(uv)` (through
/// `common/operator.wgsl`'s `cs_main` or `fs_main`) with binding 2 a 2D texture (an input)
/// and binding 3 the ring as a `texture_2d_array`.
#[derive(Debug)]
pub struct RingPass {
    shader: &'static str,
    uniform_size: u64,
    pipeline: Option<ReadPipeline>,
    bind_group: CachedBindGroup,
}

#[derive(Debug)]
enum ReadPipeline {
    Compute {
        pipeline: wgpu::ComputePipeline,
        groups: (u32, u32),
    },
    Render {
        pipeline: wgpu::RenderPipeline,
        target: wgpu::TextureView,
    },
}

impl RingPass {
    /// A pass of library shader `shader`, whose uniform struct is `uniform_size` bytes.
    #[must_use]
    pub fn new(shader: &'static str, uniform_size: usize) -> Self {
        Self {
            shader,
            uniform_size: uniform_size as u64,
            pipeline: None,
            bind_group: CachedBindGroup::default(),
        }
    }

    /// Gets the pipeline and binds `input`, `ring` and `output`.
    pub fn prepare(
        &mut self,
        cx: &mut PrepareCx<'_>,
        input: &GpuTexture,
        ring: &GpuTexture,
        output: &GpuTexture,
    ) -> Result<()> {
        let mode = cx.gpu.pass_mode();
        let (uniform_vis, vis) = stages(mode);
        let mut entries = vec![
            uniform_entry(uniform_vis),
            sampler_entry(vis),
            texture_entry(2, vis, wgpu::TextureViewDimension::D2),
            texture_entry(3, vis, wgpu::TextureViewDimension::D2Array),
        ];
        if mode == PassMode::Compute {
            entries.push(storage_entry(15, wgpu::TextureViewDimension::D2));
        }
        let name = match mode {
            PassMode::Compute => "vivid.ring.read.compute",
            PassMode::Render => "vivid.ring.read.render",
        };
        let layout = cx.pipelines.named_layout(cx.gpu, name, &entries);
        let pipeline_layout = cx.pipelines.named_pipeline_layout(cx.gpu, name, &[&layout]);
        let pipeline = match mode {
            PassMode::Compute => {
                let (w, h) = output.size();
                ReadPipeline::Compute {
                    pipeline: compute_pipeline(cx, self.shader, "cs_main", &pipeline_layout)?,
                    groups: (w.div_ceil(16), h.div_ceil(16)),
                }
            }
            PassMode::Render => ReadPipeline::Render {
                pipeline: fragment_pipeline(cx, self.shader, "fs_main", &pipeline_layout)?,
                target: output.view.clone(),
            },
        };
        let sampler = cx.pipelines.sampler(cx.gpu, SamplerKind::LinearClamp);
        let Some(buffer) = cx.uniforms.buffer() else {
            return Err(vivid_engine::EngineError::Param(
                "uniform arena not allocated".into(),
            ));
        };
        let key = [
            cx.uniforms.buffer_id(),
            input.id(),
            ring.id(),
            output.id(),
            mode as u64,
        ];
        let (gpu, size) = (cx.gpu, self.uniform_size);
        self.bind_group.get_or_create_checked(&key, || {
            let mut entries = vec![
                uniform_binding(buffer, size),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&input.view),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: wgpu::BindingResource::TextureView(&ring.view),
                },
            ];
            if mode == PassMode::Compute {
                entries.push(wgpu::BindGroupEntry {
                    binding: 15,
                    resource: wgpu::BindingResource::TextureView(&output.view),
                });
            }
            let (group, failed) = gpu.create_checked("vivid.ring.read", || {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.ring.read"),
                    layout: &layout,
                    entries: &entries,
                })
            });
            (group, failed.is_none())
        });
        self.pipeline = Some(pipeline);
        Ok(())
    }

    /// Records the pass over every pixel of the output.
    pub fn draw(&self, encoder: &mut wgpu::CommandEncoder, slot: UniformSlot, label: &str) {
        let (Some(pipeline), Some(bind_group)) = (&self.pipeline, self.bind_group.get()) else {
            return;
        };
        match pipeline {
            ReadPipeline::Compute { pipeline, groups } => {
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some(label),
                    timestamp_writes: None,
                });
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bind_group, &[slot.offset]);
                pass.dispatch_workgroups(groups.0, groups.1, 1);
            }
            ReadPipeline::Render { pipeline, target } => {
                let mut pass = color_pass(encoder, label, target, wgpu::LoadOp::Load);
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bind_group, &[slot.offset]);
                pass.draw(0..3, 0..1);
            }
        }
    }
}

impl FrameRing {
    /// Drops the ring unless it has `layers` layers (after an edit that needs another one:
    /// its memory goes now, not at the next prepare).
    pub fn forget_unless(&mut self, layers: u32) {
        if self
            .ring
            .as_ref()
            .is_some_and(|r| r.layers != layers.clamp(2, MAX_LAYERS))
        {
            let count = self.count;
            *self = Self::default();
            self.count = count;
        }
    }
}
