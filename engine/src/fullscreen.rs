//! `FullscreenPass`: one fragment shader over the whole output, the building block of most
//! 2D operators. It owns its pipeline handle and a bind group cached against the ids of the
//! uniform buffer, sampler and textures it binds.

use crate::error::Result;
use crate::gpu::{Gpu, GpuTexture};
use crate::operator::PrepareCx;
use crate::resources::{
    CachedBindGroup, FULLSCREEN_FORMAT, PipelineCache, PipelineKey, SamplerKind, UniformArena,
    UniformSlot,
};
use crate::shaders::ShaderLibrary;

/// A fullscreen fragment pass.
#[derive(Debug)]
pub struct FullscreenPass {
    shader: &'static str,
    entry: &'static str,
    format: wgpu::TextureFormat,
    uniform_size: u64,
    pipeline: Option<wgpu::RenderPipeline>,
    bind_group: CachedBindGroup,
    key: Vec<u64>,
}

impl FullscreenPass {
    /// A pass running `fs_main` of library shader `shader`, whose uniform struct is
    /// `uniform_size` bytes.
    #[must_use]
    pub fn new(shader: &'static str, uniform_size: usize) -> Self {
        Self {
            shader,
            entry: "fs_main",
            format: FULLSCREEN_FORMAT,
            uniform_size: uniform_size as u64,
            pipeline: None,
            bind_group: CachedBindGroup::default(),
            key: Vec::new(),
        }
    }

    /// Uses another fragment entry point.
    #[must_use]
    pub fn with_entry(mut self, entry: &'static str) -> Self {
        self.entry = entry;
        self
    }

    /// Renders into `format` instead of the chain's `Rgba16Float`.
    #[must_use]
    pub fn with_format(mut self, format: wgpu::TextureFormat) -> Self {
        self.format = format;
        self
    }

    /// Gets the pipeline and (re)builds the bind group for `textures` (bindings 2..).
    pub fn prepare(
        &mut self,
        cx: &mut PrepareCx<'_>,
        textures: &[&GpuTexture],
        sampler: SamplerKind,
    ) -> Result<()> {
        self.prepare_with(
            cx.gpu,
            cx.pipelines,
            cx.shaders,
            cx.uniforms,
            textures,
            sampler,
        )
    }

    /// [`prepare`](Self::prepare) from the parts of a [`PrepareCx`].
    pub fn prepare_with(
        &mut self,
        gpu: &Gpu,
        pipelines: &mut PipelineCache,
        shaders: &ShaderLibrary,
        uniforms: &UniformArena,
        textures: &[&GpuTexture],
        sampler: SamplerKind,
    ) -> Result<()> {
        let key = PipelineKey {
            shader: self.shader.to_string(),
            entry: self.entry,
            inputs: textures.len() as u32,
            format: self.format,
        };
        let pipeline = pipelines.fullscreen_pipeline(gpu, shaders, &key)?;
        let layout = pipelines.fullscreen_layout(gpu, key.inputs);
        let sampler_obj = pipelines.sampler(gpu, sampler);
        let Some(buffer) = uniforms.buffer() else {
            return Err(crate::EngineError::Param(
                "uniform arena not allocated".into(),
            ));
        };
        self.key.clear();
        self.key.push(uniforms.buffer_id());
        self.key.push(sampler.key());
        self.key.extend(textures.iter().map(|t| t.id()));
        let size = self.uniform_size;
        let label = format!("vivid.{}.bind_group", self.shader.trim_end_matches(".wgsl"));
        self.bind_group.get_or_create(&self.key, || {
            let mut entries = vec![
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer,
                        offset: 0,
                        size: wgpu::BufferSize::new(size),
                    }),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler_obj),
                },
            ];
            for (i, t) in textures.iter().enumerate() {
                entries.push(wgpu::BindGroupEntry {
                    binding: 2 + i as u32,
                    resource: wgpu::BindingResource::TextureView(&t.view),
                });
            }
            gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some(&label),
                layout: &layout,
                entries: &entries,
            })
        });
        self.pipeline = Some(pipeline);
        Ok(())
    }

    /// Whether [`prepare`](Self::prepare) has succeeded.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.pipeline.is_some() && self.bind_group.get().is_some()
    }

    /// Records the pass into `encoder`, writing every pixel of `target`.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        uniforms: UniformSlot,
        label: &str,
    ) {
        let (Some(pipeline), Some(bind_group)) = (&self.pipeline, self.bind_group.get()) else {
            return;
        };
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(label),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            ..Default::default()
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[uniforms.offset]);
        pass.draw(0..3, 0..1);
    }
}
