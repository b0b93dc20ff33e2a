//! `PipelineCache`: shader modules, render pipelines, bind group layouts and samplers,
//! each created once and shared by every operator that asks for the same key.

use std::collections::HashMap;

use crate::error::Result;
use crate::gpu::Gpu;
use crate::shaders::ShaderLibrary;

/// The format of every texture in the chain.
pub const FULLSCREEN_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The samplers the engine offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SamplerKind {
    /// Bilinear, clamped to the edge.
    LinearClamp,
    /// Bilinear, repeating.
    LinearRepeat,
    /// Bilinear, mirrored at the edges.
    LinearMirror,
    /// Nearest texel, clamped.
    NearestClamp,
    /// Depth comparison (`LessEqual`), bilinear: hardware PCF for shadow maps.
    ShadowCompare,
}

impl SamplerKind {
    /// A number for bind group keys.
    #[must_use]
    pub const fn key(self) -> u64 {
        self as u64
    }
}

/// Binding of an operator's output storage texture (see `shaders/common/operator.wgsl`).
pub const OUTPUT_BINDING: u32 = 15;

/// Binding of a WGSL operator's `Params` uniform (see `shaders/common/interface.wgsl`).
pub const PARAMS_BINDING: u32 = 10;

/// The most images a pass binds: WebGPU's minimum of `max_sampled_textures_per_shader_stage`
/// (vivid asks the device for at least that). Eight fit at bindings 2..=9; the rest (an ISF
/// file's pass targets) go after the output, at 16.. ([`input_binding`]).
pub const MAX_BOUND_IMAGES: usize = 16;

/// Binding of input texture `i`: 2..=9 for the first eight (`input0`..`input7`), then 16..
/// (bindings 10..=15 are the params, the extra samplers and the output).
#[must_use]
pub const fn input_binding(i: u32) -> u32 {
    if i < 8 { 2 + i } else { 16 + (i - 8) }
}

/// The samplers every pass binds besides binding 1's (`samp`, linear clamped), at these
/// bindings (`samp_repeat`, `samp_mirror`, `samp_nearest` in `shaders/common/interface.wgsl`).
pub const EXTRA_SAMPLERS: [(u32, SamplerKind); 3] = [
    (11, SamplerKind::LinearRepeat),
    (12, SamplerKind::LinearMirror),
    (13, SamplerKind::NearestClamp),
];

/// What makes two pipelines the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineKey {
    /// Library name of the WGSL file.
    pub shader: String,
    /// Fragment entry point.
    pub entry: &'static str,
    /// Number of input textures bound after the uniforms and the sampler.
    pub inputs: u32,
    /// Whether binding 10 holds a second uniform struct (a WGSL operator's `Params`).
    pub params: bool,
    /// Target format (render pipelines) or the output's storage format (compute pipelines;
    /// `FULLSCREEN_FORMAT` but for an ISF file's `FLOAT` passes).
    pub format: wgpu::TextureFormat,
    /// The compute entry writes every element of its `var<workgroup>` memory before reading
    /// it, so wgpu need not zero it first
    /// ([`FullscreenPass::with_shared_memory_written_first`](crate::fullscreen::FullscreenPass::with_shared_memory_written_first)).
    pub shared_memory_written_first: bool,
}

/// Which kind of pass a layout is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Stage {
    /// Fragment shader into a render target (the display blit).
    Render,
    /// Compute shader writing binding 15 (every operator).
    Compute,
}

#[derive(Clone, Debug)]
struct Layout {
    bind_group: wgpu::BindGroupLayout,
    pipeline: wgpu::PipelineLayout,
}

/// Pipelines, layouts and samplers, created once.
#[derive(Debug, Default)]
pub struct PipelineCache {
    samplers: HashMap<SamplerKind, wgpu::Sampler>,
    /// By stage, inputs, params and (compute) the output's storage format.
    layouts: HashMap<(Stage, u32, bool, wgpu::TextureFormat), Layout>,
    modules: HashMap<String, wgpu::ShaderModule>,
    pipelines: HashMap<PipelineKey, wgpu::RenderPipeline>,
    compute: HashMap<PipelineKey, wgpu::ComputePipeline>,
    named_layouts: HashMap<&'static str, wgpu::BindGroupLayout>,
    named_pipeline_layouts: HashMap<&'static str, wgpu::PipelineLayout>,
    /// Pipelines of any shape: (shader, variant).
    custom: HashMap<(String, u64), wgpu::RenderPipeline>,
    /// Compute pipelines of any shape: (shader, variant).
    custom_compute: HashMap<(String, u64), wgpu::ComputePipeline>,
}

impl PipelineCache {
    /// The sampler of `kind`.
    pub fn sampler(&mut self, gpu: &Gpu, kind: SamplerKind) -> wgpu::Sampler {
        if let Some(s) = self.samplers.get(&kind) {
            return s.clone();
        }
        // Kept only if it was made (a failure is an invalid sampler: not cached).
        let (sampler, ok) = gpu.create_checked("creating a sampler", || {
            if kind == SamplerKind::ShadowCompare {
                return gpu.create_sampler(&wgpu::SamplerDescriptor {
                    label: Some("vivid.sampler.shadow"),
                    address_mode_u: wgpu::AddressMode::ClampToEdge,
                    address_mode_v: wgpu::AddressMode::ClampToEdge,
                    address_mode_w: wgpu::AddressMode::ClampToEdge,
                    mag_filter: wgpu::FilterMode::Linear,
                    min_filter: wgpu::FilterMode::Linear,
                    compare: Some(wgpu::CompareFunction::LessEqual),
                    ..Default::default()
                });
            }
            let (mode, filter) = match kind {
                SamplerKind::LinearClamp => {
                    (wgpu::AddressMode::ClampToEdge, wgpu::FilterMode::Linear)
                }
                SamplerKind::LinearRepeat => (wgpu::AddressMode::Repeat, wgpu::FilterMode::Linear),
                SamplerKind::LinearMirror => {
                    (wgpu::AddressMode::MirrorRepeat, wgpu::FilterMode::Linear)
                }
                SamplerKind::NearestClamp | SamplerKind::ShadowCompare => {
                    (wgpu::AddressMode::ClampToEdge, wgpu::FilterMode::Nearest)
                }
            };
            gpu.create_sampler(&wgpu::SamplerDescriptor {
                label: Some("vivid.sampler"),
                address_mode_u: mode,
                address_mode_v: mode,
                address_mode_w: mode,
                mag_filter: filter,
                min_filter: filter,
                ..Default::default()
            })
        });
        if ok.is_none() {
            self.samplers.insert(kind, sampler.clone());
        }
        sampler
    }

    /// The bind group layout of a render pass with `inputs` textures:
    /// 0 = uniforms (dynamic offset), 1 = sampler, 2.. = textures, 11..13 = the
    /// [`EXTRA_SAMPLERS`], and with `params` 10 = a second uniform struct (dynamic offset).
    pub fn fullscreen_layout(
        &mut self,
        gpu: &Gpu,
        inputs: u32,
        params: bool,
    ) -> wgpu::BindGroupLayout {
        self.layout(gpu, Stage::Render, inputs, params, FULLSCREEN_FORMAT)
            .0
            .bind_group
    }

    /// The bind group layout of an operator's compute pass: as [`fullscreen_layout`], plus
    /// binding 15 = the output (write-only `Rgba16Float` storage texture).
    ///
    /// [`fullscreen_layout`]: Self::fullscreen_layout
    pub fn operator_layout(
        &mut self,
        gpu: &Gpu,
        inputs: u32,
        params: bool,
    ) -> wgpu::BindGroupLayout {
        self.operator_layout_for(gpu, inputs, params, FULLSCREEN_FORMAT)
    }

    /// [`operator_layout`](Self::operator_layout) with an output of storage format `format`
    /// (`Rgba32Float`: an ISF file's `FLOAT` pass).
    pub fn operator_layout_for(
        &mut self,
        gpu: &Gpu,
        inputs: u32,
        params: bool,
        format: wgpu::TextureFormat,
    ) -> wgpu::BindGroupLayout {
        self.layout(gpu, Stage::Compute, inputs, params, format)
            .0
            .bind_group
    }

    /// The layouts of a pass (made once), and the error if making them failed now (then
    /// they are invalid and not kept).
    fn layout(
        &mut self,
        gpu: &Gpu,
        stage: Stage,
        inputs: u32,
        params: bool,
        format: wgpu::TextureFormat,
    ) -> (Layout, Option<crate::error::EngineError>) {
        // A render pass's target is no binding: one layout for every format.
        let format = match stage {
            Stage::Render => FULLSCREEN_FORMAT,
            Stage::Compute => format,
        };
        if let Some(l) = self.layouts.get(&(stage, inputs, params, format)) {
            return (l.clone(), None);
        }
        let (layout, ok) = gpu.create_checked("creating a pass layout", || {
            let (uniform_visibility, visibility) = match stage {
                Stage::Render => (
                    wgpu::ShaderStages::VERTEX_FRAGMENT,
                    wgpu::ShaderStages::FRAGMENT,
                ),
                Stage::Compute => (wgpu::ShaderStages::COMPUTE, wgpu::ShaderStages::COMPUTE),
            };
            let mut entries = vec![wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: uniform_visibility,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: None,
                },
                count: None,
            }];
            for binding in std::iter::once(1).chain(EXTRA_SAMPLERS.map(|(b, _)| b)) {
                entries.push(wgpu::BindGroupLayoutEntry {
                    binding,
                    visibility,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                });
            }
            for i in 0..inputs {
                entries.push(wgpu::BindGroupLayoutEntry {
                    binding: input_binding(i),
                    visibility,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                });
            }
            if params {
                entries.push(wgpu::BindGroupLayoutEntry {
                    binding: PARAMS_BINDING,
                    visibility: uniform_visibility,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: None,
                    },
                    count: None,
                });
            }
            if stage == Stage::Compute {
                entries.push(wgpu::BindGroupLayoutEntry {
                    binding: OUTPUT_BINDING,
                    visibility,
                    ty: wgpu::BindingType::StorageTexture {
                        access: wgpu::StorageTextureAccess::WriteOnly,
                        format,
                        view_dimension: wgpu::TextureViewDimension::D2,
                    },
                    count: None,
                });
            }
            let bind_group = gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("vivid.pass.layout"),
                entries: &entries,
            });
            let pipeline = gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("vivid.pass.pipeline_layout"),
                bind_group_layouts: &[Some(&bind_group)],
                immediate_size: 0,
            });
            Layout {
                bind_group,
                pipeline,
            }
        });
        // Kept only if both were made.
        if ok.is_none() {
            self.layouts
                .insert((stage, inputs, params, format), layout.clone());
        }
        (layout, ok)
    }

    /// Forgets the module and pipelines of `shader` (after its source changed).
    pub fn invalidate_shader(&mut self, shader: &str) {
        self.modules.remove(shader);
        self.pipelines.retain(|k, _| k.shader != shader);
        self.compute.retain(|k, _| k.shader != shader);
        self.custom.retain(|k, _| k.0 != shader);
        self.custom_compute.retain(|k, _| k.0 != shader);
    }

    /// A bind group layout known by `name`, made by `build` the first time.
    pub fn named_layout(
        &mut self,
        gpu: &Gpu,
        name: &'static str,
        entries: &[wgpu::BindGroupLayoutEntry],
    ) -> wgpu::BindGroupLayout {
        if let Some(l) = self.named_layouts.get(name) {
            return l.clone();
        }
        let (layout, ok) = gpu.create_checked(name, || {
            gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(name),
                entries,
            })
        });
        if ok.is_none() {
            self.named_layouts.insert(name, layout.clone());
        }
        layout
    }

    /// A pipeline layout known by `name`, of `layouts`, made the first time.
    pub fn named_pipeline_layout(
        &mut self,
        gpu: &Gpu,
        name: &'static str,
        layouts: &[&wgpu::BindGroupLayout],
    ) -> wgpu::PipelineLayout {
        if let Some(l) = self.named_pipeline_layouts.get(name) {
            return l.clone();
        }
        let layouts: Vec<Option<&wgpu::BindGroupLayout>> =
            layouts.iter().map(|l| Some(*l)).collect();
        let (layout, ok) = gpu.create_checked(name, || {
            gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(name),
                bind_group_layouts: &layouts,
                immediate_size: 0,
            })
        });
        if ok.is_none() {
            self.named_pipeline_layouts.insert(name, layout.clone());
        }
        layout
    }

    /// A render pipeline of any shape from library shader `shader`, cached under
    /// (`shader`, `variant`) and made by `build` (given the compiled module) on a miss,
    /// inside an error scope. Dropped by [`invalidate_shader`](Self::invalidate_shader).
    pub fn render_pipeline_with(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        shader: &str,
        variant: u64,
        build: impl FnOnce(&wgpu::ShaderModule) -> wgpu::RenderPipeline,
    ) -> Result<wgpu::RenderPipeline> {
        let key = (shader.to_string(), variant);
        if let Some(p) = self.custom.get(&key) {
            return Ok(p.clone());
        }
        let module = self.module(gpu, shaders, shader)?;
        let pipeline = gpu.scoped(&format!("creating a pipeline of {shader}"), || {
            build(&module)
        })?;
        self.custom.insert(key, pipeline.clone());
        Ok(pipeline)
    }

    /// A compute pipeline of any shape (its own layout, entry point and workgroup size) from
    /// library shader `shader`, cached under (`shader`, `variant`) and made by `build`
    /// (given the compiled module) on a miss, inside an error scope. Dropped by
    /// [`invalidate_shader`](Self::invalidate_shader).
    pub fn compute_pipeline_with(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        shader: &str,
        variant: u64,
        build: impl FnOnce(&wgpu::ShaderModule) -> wgpu::ComputePipeline,
    ) -> Result<wgpu::ComputePipeline> {
        let key = (shader.to_string(), variant);
        if let Some(p) = self.custom_compute.get(&key) {
            return Ok(p.clone());
        }
        let module = self.module(gpu, shaders, shader)?;
        let pipeline = gpu.scoped(&format!("creating a pipeline of {shader}"), || {
            build(&module)
        })?;
        self.custom_compute.insert(key, pipeline.clone());
        Ok(pipeline)
    }

    /// The shader module of `shader`, compiled (naga-validated first; an untrusted shader
    /// bounded and loop-guarded, a quarantined one refused: [`ShaderLibrary::compose`]) on
    /// a miss.
    fn module(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        shader: &str,
    ) -> Result<wgpu::ShaderModule> {
        if let Some(m) = self.modules.get(shader) {
            return Ok(m.clone());
        }
        let composed = shaders.compose(shader)?;
        let label = format!("vivid.{}", shader.trim_end_matches(".wgsl"));
        // The module naga validated — for an untrusted shader, bounded and loop-guarded
        // (`shaders::harden`) — goes to wgpu as IR: what runs is what was checked.
        let module = gpu.scoped(&format!("compiling {shader}"), || {
            gpu.create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(&label),
                source: wgpu::ShaderSource::Naga(std::borrow::Cow::Owned(composed.module)),
            })
        })?;
        self.modules.insert(shader.to_string(), module.clone());
        Ok(module)
    }

    /// An operator's compute pipeline: entry `key.entry` (normally `cs_main` from
    /// `common/operator.wgsl`), 16×16 workgroups writing binding 15.
    pub fn operator_pipeline(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        key: &PipelineKey,
    ) -> Result<wgpu::ComputePipeline> {
        if let Some(p) = self.compute.get(key) {
            return Ok(p.clone());
        }
        let module = self.module(gpu, shaders, &key.shader)?;
        let (layout, failed) = self.layout(gpu, Stage::Compute, key.inputs, key.params, key.format);
        if let Some(e) = failed {
            return Err(e);
        }
        let layout = layout.pipeline;
        let label = format!("vivid.{}.pipeline", key.shader.trim_end_matches(".wgsl"));
        let pipeline = gpu.scoped(&format!("creating the pipeline of {}", key.shader), || {
            gpu.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(&label),
                layout: Some(&layout),
                module: &module,
                entry_point: Some(key.entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    // WebGPU zeroes a workgroup's shared memory before it starts: a store of
                    // every element and a barrier, in every workgroup. A pass that writes
                    // before it reads opts out.
                    zero_initialize_workgroup_memory: !key.shared_memory_written_first,
                    ..wgpu::PipelineCompilationOptions::default()
                },
                cache: None,
            })
        })?;
        self.compute.insert(key.clone(), pipeline.clone());
        Ok(pipeline)
    }

    /// The fullscreen render pipeline of `key`: vertex `vs_fullscreen`, fragment `key.entry`,
    /// no blending. Compiles the shader (naga-validated, errors with `file:line:col`) on a miss.
    pub fn fullscreen_pipeline(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        key: &PipelineKey,
    ) -> Result<wgpu::RenderPipeline> {
        if let Some(p) = self.pipelines.get(key) {
            return Ok(p.clone());
        }
        let module = self.module(gpu, shaders, &key.shader)?;
        let (layout, failed) = self.layout(gpu, Stage::Render, key.inputs, key.params, key.format);
        if let Some(e) = failed {
            return Err(e);
        }
        let layout = layout.pipeline;
        let label = format!("vivid.{}.pipeline", key.shader.trim_end_matches(".wgsl"));
        let pipeline = gpu.scoped(&format!("creating the pipeline of {}", key.shader), || {
            gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                label: Some(&label),
                layout: Some(&layout),
                vertex: wgpu::VertexState {
                    module: &module,
                    entry_point: Some("vs_fullscreen"),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    buffers: &[],
                },
                primitive: wgpu::PrimitiveState::default(),
                depth_stencil: None,
                multisample: wgpu::MultisampleState::default(),
                fragment: Some(wgpu::FragmentState {
                    module: &module,
                    entry_point: Some(key.entry),
                    compilation_options: wgpu::PipelineCompilationOptions::default(),
                    targets: &[Some(wgpu::ColorTargetState {
                        format: key.format,
                        blend: None,
                        write_mask: wgpu::ColorWrites::ALL,
                    })],
                }),
                multiview_mask: None,
                cache: None,
            })
        })?;
        self.pipelines.insert(key.clone(), pipeline.clone());
        Ok(pipeline)
    }
}
