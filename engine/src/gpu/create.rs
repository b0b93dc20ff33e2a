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
    _live: LiveGuard,
}

impl GpuTexture {
    /// Process-unique id; changes whenever the texture is a different one.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Width and height.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        (self.texture.width(), self.texture.height())
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
    /// Counts one creation of `kind`, and fails it if a fault is due.
    fn created(&self, kind: ObjectKind, label: Option<&str>) {
        self.counts.bump(kind);
        self.fail_if_due(kind, label);
    }

    /// Creates a texture and its default view (two counted objects).
    #[must_use]
    pub fn create_texture(&self, desc: &wgpu::TextureDescriptor<'_>) -> GpuTexture {
        self.created(ObjectKind::Texture, desc.label);
        let texture = self.device.create_texture(desc);
        let view = self.create_view(&texture, &wgpu::TextureViewDescriptor::default());
        GpuTexture {
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
        self.created(ObjectKind::TextureView, desc.label);
        texture.create_view(desc)
    }

    /// Creates a buffer.
    #[must_use]
    pub fn create_buffer(&self, desc: &wgpu::BufferDescriptor<'_>) -> GpuBuffer {
        self.created(ObjectKind::Buffer, desc.label);
        let buffer = self.device.create_buffer(desc);
        GpuBuffer {
            buffer,
            id: next_resource_id(),
            _live: self.counts.live(false, desc.size),
        }
    }

    /// Creates a sampler.
    #[must_use]
    pub fn create_sampler(&self, desc: &wgpu::SamplerDescriptor<'_>) -> wgpu::Sampler {
        self.created(ObjectKind::Sampler, desc.label);
        self.device.create_sampler(desc)
    }

    /// Creates a bind group layout.
    #[must_use]
    pub fn create_bind_group_layout(
        &self,
        desc: &wgpu::BindGroupLayoutDescriptor<'_>,
    ) -> wgpu::BindGroupLayout {
        self.created(ObjectKind::BindGroupLayout, desc.label);
        self.device.create_bind_group_layout(desc)
    }

    /// Creates a bind group.
    #[must_use]
    pub fn create_bind_group(&self, desc: &wgpu::BindGroupDescriptor<'_>) -> wgpu::BindGroup {
        self.created(ObjectKind::BindGroup, desc.label);
        self.device.create_bind_group(desc)
    }

    /// Creates a pipeline layout.
    #[must_use]
    pub fn create_pipeline_layout(
        &self,
        desc: &wgpu::PipelineLayoutDescriptor<'_>,
    ) -> wgpu::PipelineLayout {
        self.created(ObjectKind::PipelineLayout, desc.label);
        self.device.create_pipeline_layout(desc)
    }

    /// Creates a render pipeline.
    #[must_use]
    pub fn create_render_pipeline(
        &self,
        desc: &wgpu::RenderPipelineDescriptor<'_>,
    ) -> wgpu::RenderPipeline {
        self.created(ObjectKind::RenderPipeline, desc.label);
        self.device.create_render_pipeline(desc)
    }

    /// Creates a compute pipeline.
    #[must_use]
    pub fn create_compute_pipeline(
        &self,
        desc: &wgpu::ComputePipelineDescriptor<'_>,
    ) -> wgpu::ComputePipeline {
        self.created(ObjectKind::ComputePipeline, desc.label);
        self.device.create_compute_pipeline(desc)
    }

    /// Creates a shader module from validated naga IR.
    #[must_use]
    pub fn create_shader_module(
        &self,
        desc: wgpu::ShaderModuleDescriptor<'_>,
    ) -> wgpu::ShaderModule {
        self.created(ObjectKind::ShaderModule, desc.label);
        self.device.create_shader_module(desc)
    }

    /// Creates a query set.
    #[must_use]
    pub fn create_query_set(&self, desc: &wgpu::QuerySetDescriptor<'_>) -> wgpu::QuerySet {
        self.created(ObjectKind::QuerySet, desc.label);
        self.device.create_query_set(desc)
    }

    /// Creates the frame's command encoder (counted apart from objects).
    #[must_use]
    pub fn create_command_encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.counts.bump_command_encoders();
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
