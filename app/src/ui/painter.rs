//! `EguiPainter`: draws egui's output over the display inside the frame's one encoder, under
//! the engine's allocation rules.
//!
//! Why not egui-wgpu: its `Renderer::update_buffers` goes through `Queue::write_buffer`,
//! which makes a staging buffer per call (three a frame: uniforms, indices, vertices) —
//! exactly the per-frame churn vivid exists to avoid. Here the frame's uniforms, vertices and
//! indices are one [`UniformArena`] (a buffer usable as all three, filled through the
//! engine's ring of mapped staging buffers with one copy), so a steady frame with the
//! inspector open creates nothing: buffers grow by powers of two, egui's textures are made
//! when egui creates them, user textures (thumbnails) get a bind group once per texture.
//! Every object goes through [`Gpu`]'s counted constructors.

use std::collections::HashMap;

use vivid_engine::FramePass;
use vivid_engine::Result;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::resources::{UniformArena, UniformSlot};

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Screen {
    size: [f32; 2],
    target_srgb: u32,
    _pad: u32,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Vertex {
    pos: [f32; 2],
    uv: [f32; 2],
    color: u32,
}

/// One draw: a mesh's index range, its texture and scissor.
#[derive(Clone, Copy, Debug)]
struct Draw {
    texture: egui::TextureId,
    /// Scissor in physical pixels: x, y, width, height.
    clip: [u32; 4],
    first_index: u32,
    index_count: u32,
    base_vertex: i32,
}

/// A texture egui draws with.
struct PainterTexture {
    /// Ours for egui's own textures (fonts, images); `None` for a user texture.
    texture: Option<GpuTexture>,
    /// What the bind group was made for (a user texture's id).
    key: u64,
    bind_group: wgpu::BindGroup,
}

/// A user texture (an operator's thumbnail) waiting for its bind group.
struct UserTexture {
    view: wgpu::TextureView,
    key: u64,
}

/// GPU objects made once per target format.
struct Pipeline {
    format: wgpu::TextureFormat,
    pipeline: wgpu::RenderPipeline,
}

/// Draws egui's tessellated output. Give it a frame with [`set_frame`](Self::set_frame),
/// then pass it to [`Engine::render_with`](vivid_engine::Engine::render_with).
pub struct EguiPainter {
    arena: Option<UniformArena>,
    gpu: Option<Gpu>,
    screen_layout: Option<wgpu::BindGroupLayout>,
    texture_layout: Option<wgpu::BindGroupLayout>,
    pipeline_layout: Option<wgpu::PipelineLayout>,
    module: Option<wgpu::ShaderModule>,
    pipeline: Option<Pipeline>,
    linear: Option<wgpu::Sampler>,
    nearest: Option<wgpu::Sampler>,
    /// Bind group of the arena's buffer (screen uniforms), by buffer id.
    screen_bind_group: Option<(u64, wgpu::BindGroup)>,
    textures: HashMap<egui::TextureId, PainterTexture>,
    users: HashMap<u64, UserTexture>,
    // This frame.
    deltas: egui::TexturesDelta,
    primitives: Vec<egui::ClippedPrimitive>,
    pixels_per_point: f32,
    size_px: (u32, u32),
    vertices: Vec<Vertex>,
    indices: Vec<u32>,
    draws: Vec<Draw>,
    slots: [UniformSlot; 3],
    to_free: Vec<egui::TextureId>,
}

impl std::fmt::Debug for EguiPainter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EguiPainter")
            .field("textures", &self.textures.len())
            .field("draws", &self.draws.len())
            .finish_non_exhaustive()
    }
}

impl Default for EguiPainter {
    fn default() -> Self {
        Self::new()
    }
}

impl EguiPainter {
    /// A painter with nothing made yet (everything is made at the first `prepare`).
    #[must_use]
    pub fn new() -> Self {
        Self {
            arena: None,
            gpu: None,
            screen_layout: None,
            texture_layout: None,
            pipeline_layout: None,
            module: None,
            pipeline: None,
            linear: None,
            nearest: None,
            screen_bind_group: None,
            textures: HashMap::new(),
            users: HashMap::new(),
            deltas: egui::TexturesDelta::default(),
            primitives: Vec::new(),
            pixels_per_point: 1.0,
            size_px: (1, 1),
            vertices: Vec::new(),
            indices: Vec::new(),
            draws: Vec::new(),
            slots: [UniformSlot::default(); 3],
            to_free: Vec::new(),
        }
    }

    /// This frame's output of egui: texture changes, tessellated primitives, the scale, and
    /// the target's size in pixels. Texture changes accumulate until the next `prepare`.
    pub fn set_frame(
        &mut self,
        deltas: egui::TexturesDelta,
        primitives: Vec<egui::ClippedPrimitive>,
        pixels_per_point: f32,
        size_px: (u32, u32),
    ) {
        self.deltas.append(deltas);
        self.primitives = primitives;
        self.pixels_per_point = pixels_per_point.max(0.1);
        self.size_px = (size_px.0.max(1), size_px.1.max(1));
    }

    /// Makes `view` drawable as `egui::TextureId::User(id)`; `key` identifies the texture
    /// behind it (its bind group is made again only when the key changes).
    pub fn set_user_texture(&mut self, id: u64, view: &wgpu::TextureView, key: u64) {
        let current = self.users.get(&id).map(|u| u.key);
        if current != Some(key) {
            self.users.insert(
                id,
                UserTexture {
                    view: view.clone(),
                    key,
                },
            );
        }
    }

    /// Forgets user textures whose id `keep` refuses (removed operators).
    pub fn retain_user_textures(&mut self, keep: impl Fn(u64) -> bool) {
        self.users.retain(|id, _| keep(*id));
        self.textures.retain(|id, _| match id {
            egui::TextureId::User(u) => keep(*u),
            egui::TextureId::Managed(_) => true,
        });
    }

    fn ensure_objects(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) -> Result<()> {
        if self.arena.is_none() {
            self.arena = Some(UniformArena::with_usage(
                gpu,
                "vivid.ui.buffer",
                wgpu::BufferUsages::UNIFORM
                    | wgpu::BufferUsages::VERTEX
                    | wgpu::BufferUsages::INDEX,
            ));
        }
        let screen_layout = self
            .screen_layout
            .get_or_insert_with(|| {
                gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("vivid.ui.screen_layout"),
                    entries: &[wgpu::BindGroupLayoutEntry {
                        binding: 0,
                        visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                        ty: wgpu::BindingType::Buffer {
                            ty: wgpu::BufferBindingType::Uniform,
                            has_dynamic_offset: true,
                            min_binding_size: wgpu::BufferSize::new(size_of::<Screen>() as u64),
                        },
                        count: None,
                    }],
                })
            })
            .clone();
        let texture_layout = self
            .texture_layout
            .get_or_insert_with(|| {
                gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                    label: Some("vivid.ui.texture_layout"),
                    entries: &[
                        wgpu::BindGroupLayoutEntry {
                            binding: 0,
                            visibility: wgpu::ShaderStages::FRAGMENT,
                            ty: wgpu::BindingType::Texture {
                                sample_type: wgpu::TextureSampleType::Float { filterable: true },
                                view_dimension: wgpu::TextureViewDimension::D2,
                                multisampled: false,
                            },
                            count: None,
                        },
                        wgpu::BindGroupLayoutEntry {
                            binding: 1,
                            visibility: wgpu::ShaderStages::FRAGMENT,
                            ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                            count: None,
                        },
                    ],
                })
            })
            .clone();
        let pipeline_layout = self
            .pipeline_layout
            .get_or_insert_with(|| {
                gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                    label: Some("vivid.ui.pipeline_layout"),
                    bind_group_layouts: &[Some(&screen_layout), Some(&texture_layout)],
                    immediate_size: 0,
                })
            })
            .clone();
        for (slot, filter, label) in [
            (
                &mut self.linear,
                wgpu::FilterMode::Linear,
                "vivid.ui.linear",
            ),
            (
                &mut self.nearest,
                wgpu::FilterMode::Nearest,
                "vivid.ui.nearest",
            ),
        ] {
            slot.get_or_insert_with(|| {
                gpu.create_sampler(&wgpu::SamplerDescriptor {
                    label: Some(label),
                    address_mode_u: wgpu::AddressMode::ClampToEdge,
                    address_mode_v: wgpu::AddressMode::ClampToEdge,
                    mag_filter: filter,
                    min_filter: filter,
                    ..Default::default()
                })
            });
        }
        if self.pipeline.as_ref().is_none_or(|p| p.format != format) {
            #[allow(clippy::single_match_else, reason = "reads better than if let here")]
            let module = match &self.module {
                Some(m) => m.clone(),
                None => {
                    let m = gpu.scoped("compiling the UI shader", || {
                        gpu.create_shader_module(wgpu::ShaderModuleDescriptor {
                            label: Some("vivid.ui.shader"),
                            source: wgpu::ShaderSource::Wgsl(include_str!("egui.wgsl").into()),
                        })
                    })?;
                    self.module = Some(m.clone());
                    m
                }
            };
            let pipeline = gpu.scoped("creating the UI pipeline", || {
                gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some("vivid.ui.pipeline"),
                    layout: Some(&pipeline_layout),
                    vertex: wgpu::VertexState {
                        module: &module,
                        entry_point: Some("vs_main"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        buffers: &[Some(wgpu::VertexBufferLayout {
                            array_stride: size_of::<Vertex>() as u64,
                            step_mode: wgpu::VertexStepMode::Vertex,
                            attributes: &wgpu::vertex_attr_array![0 => Float32x2, 1 => Float32x2, 2 => Uint32],
                        })],
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
                            blend: Some(wgpu::BlendState::PREMULTIPLIED_ALPHA_BLENDING),
                            write_mask: wgpu::ColorWrites::ALL,
                        })],
                    }),
                    multiview_mask: None,
                    cache: None,
                })
            })?;
            self.pipeline = Some(Pipeline { format, pipeline });
        }
        Ok(())
    }

    fn sampler_for(&self, options: egui::TextureOptions) -> Option<&wgpu::Sampler> {
        match options.magnification {
            egui::TextureFilter::Nearest => self.nearest.as_ref(),
            egui::TextureFilter::Linear => self.linear.as_ref(),
        }
    }

    /// Applies egui's texture changes: new textures are made (counted), patches are written
    /// with `queue.write_texture` (only when egui changes a texture: new glyphs).
    fn apply_deltas(&mut self, gpu: &Gpu) {
        let mut deltas = std::mem::take(&mut self.deltas);
        let set = std::mem::take(&mut deltas.set);
        let free = std::mem::take(&mut deltas.free);
        let Some(layout) = self.texture_layout.clone() else {
            return;
        };
        for (id, patches) in set {
            for delta in patches {
                let egui::ImageData::Color(image) = &delta.image;
                let [w, h] = image.size;
                let (w, h) = (w as u32, h as u32);
                if w == 0 || h == 0 {
                    continue;
                }
                let bytes: &[u8] = bytemuck::cast_slice(&image.pixels);
                #[allow(clippy::single_match_else, reason = "a patch, or a new texture")]
                let origin = match delta.pos {
                    Some([x, y]) => wgpu::Origin3d {
                        x: x as u32,
                        y: y as u32,
                        z: 0,
                    },
                    None => {
                        // A whole new texture (or a new size): made now.
                        let texture = gpu.create_texture(&wgpu::TextureDescriptor {
                            label: Some("vivid.ui.texture"),
                            size: wgpu::Extent3d {
                                width: w,
                                height: h,
                                depth_or_array_layers: 1,
                            },
                            mip_level_count: 1,
                            sample_count: 1,
                            dimension: wgpu::TextureDimension::D2,
                            format: wgpu::TextureFormat::Rgba8UnormSrgb,
                            usage: wgpu::TextureUsages::TEXTURE_BINDING
                                | wgpu::TextureUsages::COPY_DST,
                            view_formats: &[],
                        });
                        let Some(sampler) = self.sampler_for(delta.options) else {
                            continue;
                        };
                        let bind_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                            label: Some("vivid.ui.texture_bind_group"),
                            layout: &layout,
                            entries: &[
                                wgpu::BindGroupEntry {
                                    binding: 0,
                                    resource: wgpu::BindingResource::TextureView(&texture.view),
                                },
                                wgpu::BindGroupEntry {
                                    binding: 1,
                                    resource: wgpu::BindingResource::Sampler(sampler),
                                },
                            ],
                        });
                        self.textures.insert(
                            id,
                            PainterTexture {
                                key: texture.id(),
                                texture: Some(texture),
                                bind_group,
                            },
                        );
                        wgpu::Origin3d::ZERO
                    }
                };
                let Some(target) = self.textures.get(&id).and_then(|t| t.texture.as_ref()) else {
                    continue;
                };
                gpu.queue().write_texture(
                    wgpu::TexelCopyTextureInfo {
                        texture: &target.texture,
                        mip_level: 0,
                        origin,
                        aspect: wgpu::TextureAspect::All,
                    },
                    bytes,
                    wgpu::TexelCopyBufferLayout {
                        offset: 0,
                        bytes_per_row: Some(4 * w),
                        rows_per_image: Some(h),
                    },
                    wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                );
            }
        }
        // Freed after this frame's drawing, which may still use them.
        self.to_free.extend(free);
    }

    /// Bind groups for user textures that are new or changed.
    fn bind_user_textures(&mut self, gpu: &Gpu) {
        let (Some(layout), Some(sampler)) = (&self.texture_layout, &self.linear) else {
            return;
        };
        for (&id, user) in &self.users {
            let tid = egui::TextureId::User(id);
            if self.textures.get(&tid).is_some_and(|t| t.key == user.key) {
                continue;
            }
            let bind_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("vivid.ui.thumbnail_bind_group"),
                layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&user.view),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::Sampler(sampler),
                    },
                ],
            });
            self.textures.insert(
                tid,
                PainterTexture {
                    texture: None,
                    key: user.key,
                    bind_group,
                },
            );
        }
    }

    /// Flattens the primitives into one vertex and one index list with a draw each.
    fn build_meshes(&mut self) {
        self.vertices.clear();
        self.indices.clear();
        self.draws.clear();
        let ppp = self.pixels_per_point;
        let (w, h) = self.size_px;
        for p in &self.primitives {
            let egui::epaint::Primitive::Mesh(mesh) = &p.primitive else {
                // Paint callbacks (custom GPU drawing inside egui) are not used by vivid.
                continue;
            };
            if mesh.indices.is_empty() {
                continue;
            }
            let r = p.clip_rect;
            let x0 = (r.min.x * ppp).round().clamp(0.0, w as f32) as u32;
            let y0 = (r.min.y * ppp).round().clamp(0.0, h as f32) as u32;
            let x1 = (r.max.x * ppp).round().clamp(0.0, w as f32) as u32;
            let y1 = (r.max.y * ppp).round().clamp(0.0, h as f32) as u32;
            if x1 <= x0 || y1 <= y0 {
                continue;
            }
            let base_vertex = self.vertices.len() as i32;
            let first_index = self.indices.len() as u32;
            self.vertices.extend(mesh.vertices.iter().map(|v| Vertex {
                pos: [v.pos.x, v.pos.y],
                uv: [v.uv.x, v.uv.y],
                color: u32::from_le_bytes(v.color.to_array()),
            }));
            self.indices.extend_from_slice(&mesh.indices);
            self.draws.push(Draw {
                texture: mesh.texture_id,
                clip: [x0, y0, x1 - x0, y1 - y0],
                first_index,
                index_count: mesh.indices.len() as u32,
                base_vertex,
            });
        }
    }
}

impl FramePass for EguiPainter {
    fn prepare(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) -> Result<()> {
        self.ensure_objects(gpu, format)?;
        self.gpu = Some(gpu.clone());
        self.apply_deltas(gpu);
        self.bind_user_textures(gpu);
        self.build_meshes();
        let Some(arena) = &mut self.arena else {
            return Ok(());
        };
        let ppp = self.pixels_per_point;
        let mut w = arena.writer();
        let screen = w.push(&Screen {
            size: [self.size_px.0 as f32 / ppp, self.size_px.1 as f32 / ppp],
            target_srgb: u32::from(format.is_srgb()),
            _pad: 0,
        });
        let vertices = w.push_bytes(bytemuck::cast_slice(&self.vertices));
        let indices = w.push_bytes(bytemuck::cast_slice(&self.indices));
        self.slots = [screen, vertices, indices];
        arena.ensure_capacity(gpu);
        let id = arena.buffer_id();
        if self
            .screen_bind_group
            .as_ref()
            .is_none_or(|(k, _)| *k != id)
            && let (Some(buffer), Some(layout)) = (arena.buffer(), &self.screen_layout)
        {
            let bind_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("vivid.ui.screen_bind_group"),
                layout,
                entries: &[wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer,
                        offset: 0,
                        size: wgpu::BufferSize::new(size_of::<Screen>() as u64),
                    }),
                }],
            });
            self.screen_bind_group = Some((id, bind_group));
        }
        Ok(())
    }

    fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        size: (u32, u32),
    ) {
        let (Some(arena), Some(gpu)) = (&mut self.arena, &self.gpu) else {
            return;
        };
        if self.draws.is_empty() {
            return;
        }
        arena.upload(gpu, encoder);
        let (Some(pipeline), Some((_, screen_bg)), Some(buffer)) =
            (&self.pipeline, &self.screen_bind_group, arena.buffer())
        else {
            return;
        };
        let [screen, vertices, indices] = self.slots;
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("vivid.ui"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(&pipeline.pipeline);
        pass.set_bind_group(0, screen_bg, &[screen.offset]);
        let v0 = u64::from(vertices.offset);
        let i0 = u64::from(indices.offset);
        pass.set_vertex_buffer(0, buffer.slice(v0..v0 + u64::from(vertices.size).max(4)));
        pass.set_index_buffer(
            buffer.slice(i0..i0 + u64::from(indices.size).max(4)),
            wgpu::IndexFormat::Uint32,
        );
        for d in &self.draws {
            let Some(texture) = self.textures.get(&d.texture) else {
                continue;
            };
            let [x, y, w, h] = d.clip;
            // The target may be smaller than the frame egui laid out for (a resize).
            let x = x.min(size.0);
            let y = y.min(size.1);
            let w = w.min(size.0 - x);
            let h = h.min(size.1 - y);
            if w == 0 || h == 0 {
                continue;
            }
            pass.set_scissor_rect(x, y, w, h);
            pass.set_bind_group(1, &texture.bind_group, &[]);
            pass.draw_indexed(
                d.first_index..d.first_index + d.index_count,
                d.base_vertex,
                0..1,
            );
        }
    }

    fn after_submit(&mut self, submission: &wgpu::SubmissionIndex) {
        for id in self.to_free.drain(..) {
            self.textures.remove(&id);
        }
        if let Some(arena) = &mut self.arena {
            arena.after_submit(Some(submission.clone()));
        }
    }
}
