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
}

impl SamplerKind {
    /// A number for bind group keys.
    #[must_use]
    pub const fn key(self) -> u64 {
        self as u64
    }
}

/// What makes two fullscreen pipelines the same.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PipelineKey {
    /// Library name of the WGSL file.
    pub shader: String,
    /// Fragment entry point.
    pub entry: &'static str,
    /// Number of input textures bound after the uniforms and the sampler.
    pub inputs: u32,
    /// Target format.
    pub format: wgpu::TextureFormat,
}

#[derive(Debug)]
struct Layout {
    bind_group: wgpu::BindGroupLayout,
    pipeline: wgpu::PipelineLayout,
}

#[derive(Debug)]
struct CachedPipeline {
    shader_hash: u64,
    pipeline: wgpu::RenderPipeline,
}

/// Pipelines, layouts and samplers, created once.
#[derive(Debug, Default)]
pub struct PipelineCache {
    samplers: HashMap<SamplerKind, wgpu::Sampler>,
    layouts: HashMap<u32, Layout>,
    modules: HashMap<String, (u64, wgpu::ShaderModule)>,
    pipelines: HashMap<PipelineKey, CachedPipeline>,
}

impl PipelineCache {
    /// The sampler of `kind`.
    pub fn sampler(&mut self, gpu: &Gpu, kind: SamplerKind) -> wgpu::Sampler {
        self.samplers
            .entry(kind)
            .or_insert_with(|| {
                let (mode, filter) = match kind {
                    SamplerKind::LinearClamp => {
                        (wgpu::AddressMode::ClampToEdge, wgpu::FilterMode::Linear)
                    }
                    SamplerKind::LinearRepeat => {
                        (wgpu::AddressMode::Repeat, wgpu::FilterMode::Linear)
                    }
                    SamplerKind::LinearMirror => {
                        (wgpu::AddressMode::MirrorRepeat, wgpu::FilterMode::Linear)
                    }
                    SamplerKind::NearestClamp => {
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
            })
            .clone()
    }

    /// The bind group layout of a fullscreen pass with `inputs` textures:
    /// 0 = uniforms (dynamic offset), 1 = sampler, 2.. = textures.
    pub fn fullscreen_layout(&mut self, gpu: &Gpu, inputs: u32) -> wgpu::BindGroupLayout {
        self.layout(gpu, inputs).bind_group.clone()
    }

    fn layout(&mut self, gpu: &Gpu, inputs: u32) -> &Layout {
        self.layouts.entry(inputs).or_insert_with(|| {
            let mut entries = vec![
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: None,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ];
            for i in 0..inputs {
                entries.push(wgpu::BindGroupLayoutEntry {
                    binding: 2 + i,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                });
            }
            let bind_group = gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("vivid.fullscreen.layout"),
                entries: &entries,
            });
            let pipeline = gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("vivid.fullscreen.pipeline_layout"),
                bind_group_layouts: &[Some(&bind_group)],
                immediate_size: 0,
            });
            Layout {
                bind_group,
                pipeline,
            }
        })
    }

    /// Forgets the module and pipelines of `shader` (after its source changed).
    pub fn invalidate_shader(&mut self, shader: &str) {
        self.modules.remove(shader);
        self.pipelines.retain(|k, _| k.shader != shader);
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
            return Ok(p.pipeline.clone());
        }
        let (hash, module) = if let Some((h, m)) = self.modules.get(&key.shader) {
            (*h, m.clone())
        } else {
            {
                let composed = shaders.compose(&key.shader)?;
                let label = format!("vivid.{}", key.shader.trim_end_matches(".wgsl"));
                let module = gpu.scoped(&format!("compiling {}", key.shader), || {
                    gpu.create_shader_module(wgpu::ShaderModuleDescriptor {
                        label: Some(&label),
                        source: wgpu::ShaderSource::Wgsl(composed.text.clone().into()),
                    })
                })?;
                self.modules
                    .insert(key.shader.clone(), (composed.hash, module.clone()));
                (composed.hash, module)
            }
        };
        let layout = self.layout(gpu, key.inputs).pipeline.clone();
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
        self.pipelines.insert(
            key.clone(),
            CachedPipeline {
                shader_hash: hash,
                pipeline: pipeline.clone(),
            },
        );
        Ok(pipeline)
    }

    /// Hash of the compiled text of `shader`, if compiled.
    #[must_use]
    pub fn shader_hash(&self, shader: &str) -> Option<u64> {
        self.modules.get(shader).map(|(h, _)| *h)
    }

    /// Number of cached pipelines.
    #[must_use]
    pub fn pipeline_count(&self) -> usize {
        self.pipelines.len()
    }

    /// Whether any cached pipeline was built from a different version of its shader.
    #[must_use]
    pub fn has_stale(&self) -> bool {
        self.pipelines.iter().any(|(k, p)| {
            self.modules
                .get(&k.shader)
                .is_some_and(|(h, _)| *h != p.shader_hash)
        })
    }
}
