//! `FullscreenPass`: one shader over the whole output, the building block of 2D operators,
//! and `Blit`, the render pass that puts the chain's output into a window or host texture.
//!
//! An operator's shader defines `fn shade(uv) -> vec4<f32>`; `shaders/common/operator.wgsl`
//! runs it once per pixel, as a compute dispatch (16×16 workgroups storing into binding 15)
//! or as a fragment pass, per the GPU's [`PassMode`]. Measured: data-centre GPUs (H100,
//! H200) run graphics work on a couple of their TPCs only — the noise operator took 3.1 ms
//! a 1080p frame as a fragment shader on an H200 and 0.12 ms as compute on an H100 — while
//! lavapipe's storage-texture stores cost ~5 ms more per 1080p pass than fragment writes.
//! Each pass owns its pipeline handle and a bind group cached against the ids of the
//! uniform buffer, sampler, inputs and output it binds.

use std::borrow::Cow;

use crate::encoder::PassEncoder;
use crate::error::Result;
use crate::gpu::{Gpu, GpuTexture, PassMode};
use crate::operator::PrepareCx;
use crate::resources::{
    CachedBindGroup, EXTRA_SAMPLERS, FULLSCREEN_FORMAT, OUTPUT_BINDING, PARAMS_BINDING,
    PipelineCache, PipelineKey, SamplerKind, UniformArena, UniformSlot,
};
use crate::shaders::ShaderLibrary;

/// Workgroup size of `cs_main` (`shaders/common/operator.wgsl`), in both dimensions.
pub const WORKGROUP: u32 = 16;

/// Entry point of a pass [`with_quads`](FullscreenPass::with_quads): `cs_main` as it
/// shades 2×2 pixels an invocation, so that a workgroup covers [`QUAD_TILE`]² pixels.
pub const QUAD_ENTRY: &str = "cs_main_quad";

/// Side of the square of output pixels one `cs_main_quad` workgroup covers.
pub const QUAD_TILE: u32 = 2 * WORKGROUP;

/// `size` bytes of the uniform arena at `binding`, bound at a dynamic offset.
fn uniform_entry(binding: u32, buffer: &wgpu::Buffer, size: u64) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer,
            offset: 0,
            size: wgpu::BufferSize::new(size),
        }),
    }
}

/// A render pass into `view`, which is first loaded or cleared. Dropping the pass at once
/// just clears.
pub fn color_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    label: &str,
    view: &wgpu::TextureView,
    load: wgpu::LoadOp<wgpu::Color>,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
        label: Some(label),
        color_attachments: &[Some(wgpu::RenderPassColorAttachment {
            view,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load,
                store: wgpu::StoreOp::Store,
            },
        })],
        ..Default::default()
    })
}

/// The pipeline of a pass, of the kind its GPU's [`PassMode`] asks for.
#[derive(Debug)]
enum Pipeline {
    Compute {
        pipeline: wgpu::ComputePipeline,
        /// Workgroups to dispatch (from the output size).
        groups: (u32, u32),
    },
    Render {
        pipeline: wgpu::RenderPipeline,
        /// The output's view (a handle clone: no new object).
        target: wgpu::TextureView,
    },
}

/// An operator's pass: `shade()` of one WGSL file over every pixel of its output, as a
/// compute dispatch or a fragment pass depending on the GPU (see [`PassMode`]).
#[derive(Debug)]
pub struct FullscreenPass {
    shader: Cow<'static, str>,
    /// Compute entry point: `cs_main` (16×16 workgroups over the output), or a shader's own
    /// ([`with_compute_entry`](Self::with_compute_entry)).
    compute_entry: &'static str,
    /// The output's format (`FULLSCREEN_FORMAT` unless [`with_format`](Self::with_format)).
    format: wgpu::TextureFormat,
    uniform_size: u64,
    /// Size of the second uniform struct at binding 10, if the shader has one.
    params_size: Option<u64>,
    pipeline: Option<Pipeline>,
    bind_group: CachedBindGroup,
    key: Vec<u64>,
    /// See [`with_shared_memory_written_first`](Self::with_shared_memory_written_first).
    shared_memory_written_first: bool,
}

impl FullscreenPass {
    /// A pass of library shader `shader`, whose uniform struct is `uniform_size` bytes.
    #[must_use]
    pub fn new(shader: impl Into<Cow<'static, str>>, uniform_size: usize) -> Self {
        Self {
            shader: shader.into(),
            compute_entry: "cs_main",
            format: FULLSCREEN_FORMAT,
            uniform_size: uniform_size as u64,
            params_size: None,
            pipeline: None,
            bind_group: CachedBindGroup::default(),
            key: Vec::new(),
            shared_memory_written_first: false,
        }
    }

    /// Also binds a second uniform struct of `size` bytes at binding 10 (a WGSL operator's
    /// `Params`); [`dispatch_with`](Self::dispatch_with) then takes its slot.
    #[must_use]
    pub fn with_params(mut self, size: usize) -> Self {
        self.params_size = Some(size as u64);
        self
    }

    /// Runs compute entry point `entry` of the shader instead of `cs_main` (a pass with its
    /// own workgroup size and shared memory; dispatch it with
    /// [`dispatch_groups`](Self::dispatch_groups)). Render mode still draws `fs_main`.
    #[must_use]
    pub fn with_compute_entry(mut self, entry: &'static str) -> Self {
        self.compute_entry = entry;
        self
    }

    /// The compute entry ([`with_compute_entry`](Self::with_compute_entry), one of vivid's
    /// own shaders) writes every `var<workgroup>` element it reads first, so the pipeline
    /// skips WebGPU's zeroing of shared memory at every workgroup's start (a store of each
    /// element and a barrier: 0.4–1.5 µs of a 1080p blur on the H200). Never for a shader
    /// with a project's code in it: it could read what another workgroup left there.
    #[must_use]
    pub fn with_shared_memory_written_first(mut self) -> Self {
        self.shared_memory_written_first = true;
        self
    }

    /// Runs `cs_main_quad` in compute mode: 2×2 pixels an invocation, for a memory-bound
    /// pass (an operator declared pointwise, drawn on its own).
    #[must_use]
    pub fn with_quads(self) -> Self {
        self.with_compute_entry(QUAD_ENTRY)
    }

    /// Renders into an output of `format` (`Rgba32Float`: an ISF file's `FLOAT` pass; its
    /// compute entry, [`with_compute_entry`](Self::with_compute_entry), must store that
    /// format).
    #[must_use]
    pub fn with_format(mut self, format: wgpu::TextureFormat) -> Self {
        self.format = format;
        self
    }

    /// Builds (and caches) the pipeline for `inputs` input textures without binding
    /// anything: to find out, before swapping an operator in, whether its shader builds.
    pub fn compile(
        &self,
        gpu: &Gpu,
        pipelines: &mut PipelineCache,
        shaders: &ShaderLibrary,
        inputs: u32,
    ) -> Result<()> {
        let mode = gpu.pass_mode();
        let key = PipelineKey {
            shader: self.shader.to_string(),
            entry: match mode {
                PassMode::Compute => self.compute_entry,
                PassMode::Render => "fs_main",
            },
            inputs,
            params: self.params_size.is_some(),
            format: self.format,
            shared_memory_written_first: self.shared_memory_written_first,
        };
        match mode {
            PassMode::Compute => pipelines.operator_pipeline(gpu, shaders, &key).map(drop),
            PassMode::Render => pipelines.fullscreen_pipeline(gpu, shaders, &key).map(drop),
        }
    }

    /// Gets the pipeline and (re)builds the bind group: `inputs` at bindings 2.. and, in
    /// compute mode, `output` (an `Rgba16Float` texture with `STORAGE_BINDING`) at binding
    /// 15. A no-op when none of their ids changed.
    pub fn prepare(
        &mut self,
        cx: &mut PrepareCx<'_>,
        inputs: &[&GpuTexture],
        output: &GpuTexture,
        sampler: SamplerKind,
    ) -> Result<()> {
        let mode = cx.gpu.pass_mode();
        let params = self.params_size.is_some();
        let key = PipelineKey {
            shader: self.shader.to_string(),
            entry: match mode {
                PassMode::Compute => self.compute_entry,
                PassMode::Render => "fs_main",
            },
            inputs: inputs.len() as u32,
            params,
            format: self.format,
            shared_memory_written_first: self.shared_memory_written_first,
        };
        let (pipeline, layout) = match mode {
            PassMode::Compute => {
                let (w, h) = output.size();
                let pipeline = Pipeline::Compute {
                    pipeline: cx.pipelines.operator_pipeline(cx.gpu, cx.shaders, &key)?,
                    groups: if self.compute_entry == QUAD_ENTRY {
                        (w.div_ceil(QUAD_TILE), h.div_ceil(QUAD_TILE))
                    } else {
                        (w.div_ceil(WORKGROUP), h.div_ceil(WORKGROUP))
                    },
                };
                (
                    pipeline,
                    cx.pipelines
                        .operator_layout_for(cx.gpu, key.inputs, params, self.format),
                )
            }
            PassMode::Render => {
                let pipeline = Pipeline::Render {
                    pipeline: cx.pipelines.fullscreen_pipeline(cx.gpu, cx.shaders, &key)?,
                    target: output.view.clone(),
                };
                (
                    pipeline,
                    cx.pipelines.fullscreen_layout(cx.gpu, key.inputs, params),
                )
            }
        };
        let sampler_obj = cx.pipelines.sampler(cx.gpu, sampler);
        let extra = EXTRA_SAMPLERS.map(|(_, kind)| cx.pipelines.sampler(cx.gpu, kind));
        let Some(buffer) = cx.uniforms.buffer() else {
            return Err(crate::EngineError::Param(
                "uniform arena not allocated".into(),
            ));
        };
        self.key.clear();
        self.key.push(cx.uniforms.buffer_id());
        self.key.push(sampler.key());
        self.key.extend(inputs.iter().map(|t| t.id()));
        self.key.push(output.id());
        // A new pipeline (a reloaded shader) needs no new bind group: same layout.
        let gpu = cx.gpu;
        let (size, params_size) = (self.uniform_size, self.params_size);
        let label = format!("vivid.{}.bind_group", self.shader.trim_end_matches(".wgsl"));
        self.bind_group.get_or_create_checked(&self.key, || {
            let mut entries = vec![
                uniform_entry(0, buffer, size),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler_obj),
                },
            ];
            for ((binding, _), s) in EXTRA_SAMPLERS.iter().zip(&extra) {
                entries.push(wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: wgpu::BindingResource::Sampler(s),
                });
            }
            if let Some(p) = params_size {
                entries.push(uniform_entry(PARAMS_BINDING, buffer, p));
            }
            if mode == PassMode::Compute {
                entries.push(wgpu::BindGroupEntry {
                    binding: OUTPUT_BINDING,
                    resource: wgpu::BindingResource::TextureView(&output.view),
                });
            }
            for (i, t) in inputs.iter().enumerate() {
                entries.push(wgpu::BindGroupEntry {
                    binding: crate::resources::input_binding(i as u32),
                    resource: wgpu::BindingResource::TextureView(&t.view),
                });
            }
            // A failed one is not kept (the prepare fails and is tried again).
            let (group, failed) = gpu.create_checked(&label, || {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some(&label),
                    layout: &layout,
                    entries: &entries,
                })
            });
            (group, failed.is_none())
        });
        self.pipeline = Some(pipeline);
        Ok(())
    }

    /// Records the pass into `encoder`: every pixel of the output it was prepared with.
    /// In compute mode, into the frame's shared compute pass when `encoder` is the frame's
    /// [`FrameEncoder`](crate::encoder::FrameEncoder).
    pub fn dispatch(
        &self,
        encoder: &mut (impl PassEncoder + ?Sized),
        uniforms: UniformSlot,
        label: &str,
    ) {
        self.record(encoder, &[uniforms.offset], None, label);
    }

    /// [`dispatch`](Self::dispatch) for a pass [`with_params`](Self::with_params).
    pub fn dispatch_with(
        &self,
        encoder: &mut (impl PassEncoder + ?Sized),
        uniforms: UniformSlot,
        params: UniformSlot,
        label: &str,
    ) {
        self.record(encoder, &[uniforms.offset, params.offset], None, label);
    }

    /// [`dispatch`](Self::dispatch) with `groups` workgroups in compute mode (a pass
    /// [`with_compute_entry`](Self::with_compute_entry)); render mode draws as usual.
    pub fn dispatch_groups(
        &self,
        encoder: &mut (impl PassEncoder + ?Sized),
        uniforms: UniformSlot,
        groups: (u32, u32),
        label: &str,
    ) {
        self.record(encoder, &[uniforms.offset], Some(groups), label);
    }

    fn record(
        &self,
        encoder: &mut (impl PassEncoder + ?Sized),
        offsets: &[u32],
        own_groups: Option<(u32, u32)>,
        label: &str,
    ) {
        let (Some(pipeline), Some(bind_group)) = (&self.pipeline, self.bind_group.get()) else {
            return;
        };
        match pipeline {
            Pipeline::Compute { pipeline, groups } => {
                let groups = own_groups.unwrap_or(*groups);
                encoder.compute(label, &mut |pass| {
                    pass.set_pipeline(pipeline);
                    pass.set_bind_group(0, bind_group, offsets);
                    pass.dispatch_workgroups(groups.0, groups.1, 1);
                });
            }
            Pipeline::Render { pipeline, target } => {
                let mut pass = color_pass(encoder.commands(), label, target, wgpu::LoadOp::Load);
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, bind_group, offsets);
                pass.draw(0..3, 0..1);
            }
        }
    }
}

/// A fragment pass of `blit.wgsl` (or another engine shader drawing the source texture
/// bound at 2: `engine/output.wgsl`) into a render target of any format (the window's
/// display texture, a host's view).
#[derive(Debug)]
pub struct Blit {
    shader: &'static str,
    format: wgpu::TextureFormat,
    uniform_size: u64,
    pipeline: Option<wgpu::RenderPipeline>,
    bind_group: CachedBindGroup,
    key: Vec<u64>,
}

impl Blit {
    /// A blit into `format`, with a uniform struct of `uniform_size` bytes.
    #[must_use]
    pub fn new(format: wgpu::TextureFormat, uniform_size: usize) -> Self {
        Self {
            shader: "engine/blit.wgsl",
            format,
            uniform_size: uniform_size as u64,
            pipeline: None,
            bind_group: CachedBindGroup::default(),
            key: Vec::new(),
        }
    }

    /// Draws with library shader `shader` (its `vs_fullscreen` and `fs_main`, the bindings
    /// of `blit.wgsl`) instead of `engine/blit.wgsl`.
    #[must_use]
    pub fn with_shader(mut self, shader: &'static str) -> Self {
        self.shader = shader;
        self
    }

    /// The target format.
    #[must_use]
    pub fn format(&self) -> wgpu::TextureFormat {
        self.format
    }

    /// Gets the pipeline and the bind group for `source`.
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        pipelines: &mut PipelineCache,
        shaders: &ShaderLibrary,
        uniforms: &UniformArena,
        source: &GpuTexture,
    ) -> Result<()> {
        let key = PipelineKey {
            shader: self.shader.to_string(),
            entry: "fs_main",
            inputs: 1,
            params: false,
            format: self.format,
            shared_memory_written_first: false,
        };
        let pipeline = pipelines.fullscreen_pipeline(gpu, shaders, &key)?;
        let layout = pipelines.fullscreen_layout(gpu, 1, false);
        let sampler = pipelines.sampler(gpu, SamplerKind::LinearClamp);
        let extra = EXTRA_SAMPLERS.map(|(_, kind)| pipelines.sampler(gpu, kind));
        let Some(buffer) = uniforms.buffer() else {
            return Err(crate::EngineError::Param(
                "uniform arena not allocated".into(),
            ));
        };
        self.key.clear();
        self.key.extend([uniforms.buffer_id(), source.id()]);
        let size = self.uniform_size;
        self.bind_group.get_or_create_checked(&self.key, || {
            let mut entries = vec![
                uniform_entry(0, buffer, size),
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(&sampler),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: wgpu::BindingResource::TextureView(&source.view),
                },
            ];
            for ((binding, _), s) in EXTRA_SAMPLERS.iter().zip(&extra) {
                entries.push(wgpu::BindGroupEntry {
                    binding: *binding,
                    resource: wgpu::BindingResource::Sampler(s),
                });
            }
            let (group, failed) = gpu.create_checked("vivid.blit.bind_group", || {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.blit.bind_group"),
                    layout: &layout,
                    entries: &entries,
                })
            });
            (group, failed.is_none())
        });
        self.pipeline = Some(pipeline);
        Ok(())
    }

    /// Records the blit into `target`, writing every pixel.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        uniforms: UniformSlot,
    ) {
        self.draw_vertices(encoder, target, uniforms, 3, wgpu::Color::TRANSPARENT);
    }

    /// Clears `target` to `clear` and draws `vertices` vertices of the shader's
    /// `vs_fullscreen` (an output's warp mesh: 6 per grid cell).
    pub fn draw_vertices(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        uniforms: UniformSlot,
        vertices: u32,
        clear: wgpu::Color,
    ) {
        let (Some(pipeline), Some(bind_group)) = (&self.pipeline, self.bind_group.get()) else {
            return;
        };
        let mut pass = color_pass(encoder, "vivid.blit", target, wgpu::LoadOp::Clear(clear));
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[uniforms.offset]);
        pass.draw(0..vertices, 0..1);
    }
}
