//! The counted constructors of every wgpu object the engine makes; [`GpuTexture`], [`GpuBuffer`].

use std::sync::atomic::{AtomicU64, Ordering};

use super::counts::LiveGuard;
use super::{Gpu, ObjectKind, texture_bytes};

static NEXT_RESOURCE_ID: AtomicU64 = AtomicU64::new(1);

/// A new process-unique resource id (never 0). Bind groups cache against these.
pub fn next_resource_id() -> u64 {
    NEXT_RESOURCE_ID.fetch_add(1, Ordering::Relaxed)
}

/// A texture with its default view and a unique id; destroyed (memory freed) on drop.
#[derive(Debug)]
pub struct GpuTexture {
    /// The texture.
    pub texture: wgpu::Texture,
    /// A view of the whole texture.
    pub view: wgpu::TextureView,
    id: u64,
    /// Its creation (or its view's) failed: it is invalid ([`Gpu::fail_creation`]).
    failed: bool,
    _live: LiveGuard,
}

impl GpuTexture {
    /// Process-unique id; changes whenever the texture is a different one.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Width and height; `(0, 0)` for a texture whose creation failed, so that nothing
    /// that reuses textures by size takes it again.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        if self.failed {
            return (0, 0);
        }
        (self.texture.width(), self.texture.height())
    }

    /// Whether it was made (a failed creation gives an invalid texture: see
    /// [`Gpu::fail_creation`]).
    #[must_use]
    pub fn is_valid(&self) -> bool {
        !self.failed
    }

    /// The format.
    #[must_use]
    pub fn format(&self) -> wgpu::TextureFormat {
        self.texture.format()
    }
}

impl Drop for GpuTexture {
    fn drop(&mut self) {
        // Free the memory now, not when the last reference in wgpu goes away.
        self.texture.destroy();
    }
}

/// A buffer with a unique id; destroyed on drop.
#[derive(Debug)]
pub struct GpuBuffer {
    /// The buffer.
    pub buffer: wgpu::Buffer,
    id: u64,
    _live: LiveGuard,
}

impl GpuBuffer {
    /// Process-unique id.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        self.buffer.destroy();
    }
}

impl Gpu {
    /// Counts one creation of `kind`; returns true when an injected fault fails it
    /// ([`Gpu::fail_creation`]): the caller then makes an invalid object instead, as wgpu
    /// does for a creation that failed — unusable, and an error wherever it is used.
    fn created(&self, kind: ObjectKind, label: Option<&str>) -> bool {
        self.counts.bump(kind);
        self.fail_if_due(kind, label)
    }

    /// An invalid bind group layout (two entries at one binding).
    fn invalid_layout(&self) -> wgpu::BindGroupLayout {
        let entry = wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        #[expect(
            clippy::disallowed_methods,
            reason = "the counted constructors' own failure path"
        )]
        self.device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("vivid.failed"),
                entries: &[entry, entry],
            })
    }

    /// An invalid pipeline layout (made of an invalid bind group layout).
    fn invalid_pipeline_layout(&self) -> wgpu::PipelineLayout {
        let bad = self.invalid_layout();
        #[expect(
            clippy::disallowed_methods,
            reason = "the counted constructors' own failure path"
        )]
        self.device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("vivid.failed"),
                bind_group_layouts: &[Some(&bad)],
                immediate_size: 0,
            })
    }

    /// Creates a texture and its default view (two counted objects).
    #[must_use]
    pub fn create_texture(&self, desc: &wgpu::TextureDescriptor<'_>) -> GpuTexture {
        let failed = self.created(ObjectKind::Texture, desc.label);
        let texture = if failed {
            // Zero texels: invalid, as a texture whose memory could not be had.
            let size = wgpu::Extent3d {
                width: 0,
                ..desc.size
            };
            #[expect(
                clippy::disallowed_methods,
                reason = "the counted constructors' own failure path"
            )]
            self.device.create_texture(&wgpu::TextureDescriptor {
                size,
                ..desc.clone()
            })
        } else {
            #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
            self.device.create_texture(desc)
        };
        let views_before = self.faults_injected();
        let view = self.create_view(&texture, &wgpu::TextureViewDescriptor::default());
        GpuTexture {
            failed: failed || self.faults_injected() != views_before,
            texture,
            view,
            id: next_resource_id(),
            _live: self.counts.live(true, texture_bytes(desc)),
        }
    }

    /// A 2D texture the CPU writes and shaders sample (`TEXTURE_BINDING | COPY_DST`, one
    /// level): an operator's data — a LUT, glyph coverage, an audio spectrum.
    #[must_use]
    pub fn create_data_texture(
        &self,
        label: &str,
        (width, height): (u32, u32),
        format: wgpu::TextureFormat,
    ) -> GpuTexture {
        self.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
            view_formats: &[],
        })
    }

    /// A 1×1 data texture of a four-byte `format` (`Rgba8Unorm`, `Rgba8UnormSrgb`…) holding
    /// `texel`: a constant a shader samples (render3d's white, a video frame's format).
    #[must_use]
    pub fn create_texel_texture(
        &self,
        label: &str,
        format: wgpu::TextureFormat,
        texel: [u8; 4],
    ) -> GpuTexture {
        let texture = self.create_data_texture(label, (1, 1), format);
        self.queue().write_texture(
            texture.texture.as_image_copy(),
            &texel,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(4),
                rows_per_image: None,
            },
            wgpu::Extent3d {
                width: 1,
                height: 1,
                depth_or_array_layers: 1,
            },
        );
        texture
    }

    /// Adopts a texture made outside the counted constructors — one wrapped from the
    /// driver's own image (`Device::create_texture_from_hal`: an imported or exportable
    /// DMA-BUF, `vivid-dmabuf`) — counting it and its default view like
    /// [`create_texture`](Self::create_texture)'s. `desc` is the one it was made with.
    #[must_use]
    pub fn adopt_texture(
        &self,
        texture: wgpu::Texture,
        desc: &wgpu::TextureDescriptor<'_>,
    ) -> GpuTexture {
        let failed = self.created(ObjectKind::Texture, desc.label);
        let views_before = self.faults_injected();
        let view = self.create_view(&texture, &wgpu::TextureViewDescriptor::default());
        GpuTexture {
            failed: failed || self.faults_injected() != views_before,
            texture,
            view,
            id: next_resource_id(),
            _live: self.counts.live(true, texture_bytes(desc)),
        }
    }

    /// Creates a view of `texture`.
    #[must_use]
    pub fn create_view(
        &self,
        texture: &wgpu::Texture,
        desc: &wgpu::TextureViewDescriptor<'_>,
    ) -> wgpu::TextureView {
        let failed = self.created(ObjectKind::TextureView, desc.label);
        // A failed one: a mip level the texture does not have.
        let base_mip_level = if failed {
            u32::MAX / 2
        } else {
            desc.base_mip_level
        };
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        texture.create_view(&wgpu::TextureViewDescriptor {
            base_mip_level,
            ..desc.clone()
        })
    }

    /// Creates a buffer.
    #[must_use]
    pub fn create_buffer(&self, desc: &wgpu::BufferDescriptor<'_>) -> GpuBuffer {
        let failed = self.created(ObjectKind::Buffer, desc.label);
        // No usage at all: invalid.
        let usage = if failed {
            wgpu::BufferUsages::empty()
        } else {
            desc.usage
        };
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        let buffer = self.device.create_buffer(&wgpu::BufferDescriptor {
            usage,
            ..desc.clone()
        });
        GpuBuffer {
            buffer,
            id: next_resource_id(),
            _live: self.counts.live(false, desc.size),
        }
    }

    /// Creates a sampler.
    #[must_use]
    pub fn create_sampler(&self, desc: &wgpu::SamplerDescriptor<'_>) -> wgpu::Sampler {
        let failed = self.created(ObjectKind::Sampler, desc.label);
        // A negative level-of-detail clamp: invalid.
        let lod_min_clamp = if failed { -1.0 } else { desc.lod_min_clamp };
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_sampler(&wgpu::SamplerDescriptor {
            lod_min_clamp,
            ..desc.clone()
        })
    }

    /// Creates a bind group layout.
    #[must_use]
    pub fn create_bind_group_layout(
        &self,
        desc: &wgpu::BindGroupLayoutDescriptor<'_>,
    ) -> wgpu::BindGroupLayout {
        if self.created(ObjectKind::BindGroupLayout, desc.label) {
            return self.invalid_layout();
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_bind_group_layout(desc)
    }

    /// Creates a bind group.
    #[must_use]
    pub fn create_bind_group(&self, desc: &wgpu::BindGroupDescriptor<'_>) -> wgpu::BindGroup {
        if self.created(ObjectKind::BindGroup, desc.label) {
            let bad = self.invalid_layout();
            #[expect(
                clippy::disallowed_methods,
                reason = "the counted constructors' own failure path"
            )]
            return self.device.create_bind_group(&wgpu::BindGroupDescriptor {
                layout: &bad,
                ..desc.clone()
            });
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_bind_group(desc)
    }

    /// Creates a pipeline layout.
    #[must_use]
    pub fn create_pipeline_layout(
        &self,
        desc: &wgpu::PipelineLayoutDescriptor<'_>,
    ) -> wgpu::PipelineLayout {
        if self.created(ObjectKind::PipelineLayout, desc.label) {
            return self.invalid_pipeline_layout();
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_pipeline_layout(desc)
    }

    /// Creates a render pipeline.
    #[must_use]
    pub fn create_render_pipeline(
        &self,
        desc: &wgpu::RenderPipelineDescriptor<'_>,
    ) -> wgpu::RenderPipeline {
        if self.created(ObjectKind::RenderPipeline, desc.label) {
            let bad = self.invalid_pipeline_layout();
            #[expect(
                clippy::disallowed_methods,
                reason = "the counted constructors' own failure path"
            )]
            return self
                .device
                .create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    layout: Some(&bad),
                    ..desc.clone()
                });
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_render_pipeline(desc)
    }

    /// Creates a compute pipeline.
    #[must_use]
    pub fn create_compute_pipeline(
        &self,
        desc: &wgpu::ComputePipelineDescriptor<'_>,
    ) -> wgpu::ComputePipeline {
        if self.created(ObjectKind::ComputePipeline, desc.label) {
            let bad = self.invalid_pipeline_layout();
            #[expect(
                clippy::disallowed_methods,
                reason = "the counted constructors' own failure path"
            )]
            return self
                .device
                .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                    layout: Some(&bad),
                    ..desc.clone()
                });
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_compute_pipeline(desc)
    }

    /// Creates a shader module from validated naga IR.
    #[must_use]
    pub fn create_shader_module(
        &self,
        desc: wgpu::ShaderModuleDescriptor<'_>,
    ) -> wgpu::ShaderModule {
        if self.created(ObjectKind::ShaderModule, desc.label) {
            #[expect(
                clippy::disallowed_methods,
                reason = "the counted constructors' own failure path"
            )]
            return self
                .device
                .create_shader_module(wgpu::ShaderModuleDescriptor {
                    label: desc.label,
                    source: wgpu::ShaderSource::Wgsl("not a shader".into()),
                });
        }
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_shader_module(desc)
    }

    /// Creates a query set.
    #[must_use]
    pub fn create_query_set(&self, desc: &wgpu::QuerySetDescriptor<'_>) -> wgpu::QuerySet {
        // More queries than a set may hold: invalid.
        let count = if self.created(ObjectKind::QuerySet, desc.label) {
            u32::MAX
        } else {
            desc.count
        };
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device.create_query_set(&wgpu::QuerySetDescriptor {
            count,
            ..desc.clone()
        })
    }

    /// Creates the frame's command encoder (counted apart from objects).
    #[must_use]
    pub fn create_command_encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.counts.bump_command_encoders();
        #[expect(clippy::disallowed_methods, reason = "the counted constructor")]
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Submits one command buffer (counted).
    #[must_use = "the submission index tells when the GPU is done"]
    pub fn submit(&self, buffer: wgpu::CommandBuffer) -> wgpu::SubmissionIndex {
        self.counts.bump_submits();
        self.queue.submit(std::iter::once(buffer))
    }
}
