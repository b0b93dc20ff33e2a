//! The pipelines and bind groups of `render3d`: the bind group layouts, the main and the
//! shadow pipeline (both cached by the engine across instances), and the bind groups of a
//! prepared scene.

use std::collections::HashMap;

use vivid_engine::gpu::Gpu;
use vivid_engine::resources::PipelineCache;
use vivid_engine::shaders::ShaderLibrary;

use super::geometry::Vertex;
use super::shadow::{MAX_2D_SHADOWS, MAX_CUBE_SHADOWS, ShadowSlot};
use super::targets::{COLOR, DEPTH, Fallbacks, ShadowMap};
use super::uniforms::{FaceUniforms, MeshUniforms, SceneUniforms};

/// The bind group layouts (cached by name).
pub(super) struct Layouts {
    /// Group 0 of the main pass: the `Scene` block, the comparison sampler and every
    /// shadow map slot (cubes first).
    pub scene: wgpu::BindGroupLayout,
    /// Group 1 of both passes: a `Mesh` block, its base colour texture and sampler.
    pub mesh: wgpu::BindGroupLayout,
    /// Group 0 of a shadow pass: the `Face` block.
    pub face: wgpu::BindGroupLayout,
}

/// A uniform block at `binding` with a dynamic offset into the uniform arena.
fn uniform(binding: u32, visibility: wgpu::ShaderStages) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility,
        ty: wgpu::BindingType::Buffer {
            ty: wgpu::BufferBindingType::Uniform,
            has_dynamic_offset: true,
            min_binding_size: None,
        },
        count: None,
    }
}

/// A fragment-stage texture at `binding`.
fn texture(
    binding: u32,
    sample_type: wgpu::TextureSampleType,
    view_dimension: wgpu::TextureViewDimension,
) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Texture {
            sample_type,
            view_dimension,
            multisampled: false,
        },
        count: None,
    }
}

/// A fragment-stage sampler at `binding`.
fn sampler(binding: u32, kind: wgpu::SamplerBindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::FRAGMENT,
        ty: wgpu::BindingType::Sampler(kind),
        count: None,
    }
}

impl Layouts {
    pub fn get(gpu: &Gpu, cache: &mut PipelineCache) -> Layouts {
        let mut scene_entries = vec![
            uniform(0, wgpu::ShaderStages::VERTEX_FRAGMENT),
            sampler(1, wgpu::SamplerBindingType::Comparison),
        ];
        let depth = wgpu::TextureSampleType::Depth;
        for i in 0..MAX_CUBE_SHADOWS as u32 {
            scene_entries.push(texture(2 + i, depth, wgpu::TextureViewDimension::Cube));
        }
        for i in 0..MAX_2D_SHADOWS as u32 {
            let binding = 2 + MAX_CUBE_SHADOWS as u32 + i;
            scene_entries.push(texture(binding, depth, wgpu::TextureViewDimension::D2));
        }
        let scene = cache.named_layout(gpu, "vivid.render3d.scene", &scene_entries);
        let mesh = cache.named_layout(
            gpu,
            "vivid.render3d.mesh",
            &[
                uniform(0, wgpu::ShaderStages::VERTEX_FRAGMENT),
                texture(
                    1,
                    wgpu::TextureSampleType::Float { filterable: true },
                    wgpu::TextureViewDimension::D2,
                ),
                sampler(2, wgpu::SamplerBindingType::Filtering),
            ],
        );
        let face = cache.named_layout(
            gpu,
            "vivid.render3d.face",
            &[uniform(0, wgpu::ShaderStages::VERTEX)],
        );
        Layouts { scene, mesh, face }
    }
}

/// What differs between the main and the shadow pipeline.
struct PipelineShape {
    label: &'static str,
    vertex_entry: &'static str,
    /// The fragment entry point, writing one `COLOR` target (none: depth only).
    fragment_entry: Option<&'static str>,
    depth_bias: wgpu::DepthBiasState,
    samples: u32,
}

/// A pipeline drawing mesh vertices ([`Vertex`]) of every facing (no culling) with a
/// depth test (`Less`, depth written).
fn mesh_pipeline(
    gpu: &Gpu,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    shape: &PipelineShape,
) -> wgpu::RenderPipeline {
    let vertex_buffers = [Some(wgpu::VertexBufferLayout {
        array_stride: size_of::<Vertex>() as u64,
        step_mode: wgpu::VertexStepMode::Vertex,
        attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x2],
    })];
    let targets = [Some(wgpu::ColorTargetState {
        format: COLOR,
        blend: None,
        write_mask: wgpu::ColorWrites::ALL,
    })];
    gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(shape.label),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(shape.vertex_entry),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            buffers: &vertex_buffers,
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH,
            depth_write_enabled: Some(true),
            depth_compare: Some(wgpu::CompareFunction::Less),
            stencil: wgpu::StencilState::default(),
            bias: shape.depth_bias,
        }),
        multisample: wgpu::MultisampleState {
            count: shape.samples,
            ..Default::default()
        },
        fragment: shape.fragment_entry.map(|entry| wgpu::FragmentState {
            module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The main pipeline (`render3d.wgsl` at `samples` per pixel) and the shadow pipeline
/// (`render3d_shadow.wgsl`, depth only).
pub(super) fn pipelines(
    gpu: &Gpu,
    cache: &mut PipelineCache,
    shaders: &ShaderLibrary,
    layouts: &Layouts,
    samples: u32,
) -> vivid_engine::Result<(wgpu::RenderPipeline, wgpu::RenderPipeline)> {
    let main_layout = cache.named_pipeline_layout(
        gpu,
        "vivid.render3d.layout",
        &[&layouts.scene, &layouts.mesh],
    );
    let shadow_layout = cache.named_pipeline_layout(
        gpu,
        "vivid.render3d.shadow_layout",
        &[&layouts.face, &layouts.mesh],
    );
    // Everything double-sided: back faces are lit with flipped normals.
    let main = cache.render_pipeline_with(
        gpu,
        shaders,
        "render3d.wgsl",
        u64::from(samples),
        |module| {
            let shape = PipelineShape {
                label: "vivid.render3d.pipeline",
                vertex_entry: "vs_main",
                fragment_entry: Some("fs_main"),
                depth_bias: wgpu::DepthBiasState::default(),
                samples,
            };
            mesh_pipeline(gpu, module, &main_layout, &shape)
        },
    )?;
    // Cube faces are reflections (see shadow.rs): no culling either.
    let shadow = cache.render_pipeline_with(gpu, shaders, "render3d_shadow.wgsl", 0, |module| {
        let shape = PipelineShape {
            label: "vivid.render3d.shadow_pipeline",
            vertex_entry: "vs_shadow",
            fragment_entry: None,
            depth_bias: wgpu::DepthBiasState {
                constant: 2,
                slope_scale: 1.5,
                clamp: 0.0,
            },
            samples: 1,
        };
        mesh_pipeline(gpu, module, &shadow_layout, &shape)
    })?;
    Ok((main, shadow))
}

/// The bind groups of a prepared scene.
#[derive(Debug)]
pub(super) struct BindGroups {
    pub scene: wgpu::BindGroup,
    pub face: wgpu::BindGroup,
    /// By texture id: one per base colour texture (and the white fallback).
    pub meshes: HashMap<u64, wgpu::BindGroup>,
}

/// The samplers the bind groups use.
pub(super) struct Samplers {
    /// Shadow map comparison.
    pub compare: wgpu::Sampler,
    /// Base colour textures (glTF's default wrap).
    pub repeat: wgpu::Sampler,
}

impl BindGroups {
    /// Binds the uniform arena `arena`, the shadow maps `shadows` (fallbacks in the unused
    /// slots) and each of `textures` (id, view).
    pub fn new(
        gpu: &Gpu,
        layouts: &Layouts,
        arena: &wgpu::Buffer,
        samplers: &Samplers,
        fallbacks: &Fallbacks,
        shadows: &[ShadowMap],
        textures: &[(u64, &wgpu::TextureView)],
    ) -> BindGroups {
        let scene = scene_group(gpu, &layouts.scene, arena, samplers, fallbacks, shadows);
        let face = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("vivid.render3d.face"),
            layout: &layouts.face,
            entries: &[arena_entry::<FaceUniforms>(arena)],
        });
        let mut meshes = HashMap::new();
        for &(id, view) in textures {
            meshes.entry(id).or_insert_with(|| {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.render3d.mesh"),
                    layout: &layouts.mesh,
                    entries: &[
                        arena_entry::<MeshUniforms>(arena),
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: wgpu::BindingResource::TextureView(view),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: wgpu::BindingResource::Sampler(&samplers.repeat),
                        },
                    ],
                })
            });
        }
        BindGroups {
            scene,
            face,
            meshes,
        }
    }
}

/// Binding 0: a block `T` of the uniform arena (at a dynamic offset).
fn arena_entry<T>(arena: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding: 0,
        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
            buffer: arena,
            offset: 0,
            size: wgpu::BufferSize::new(size_of::<T>() as u64),
        }),
    }
}

/// The main pass's group 0: the `Scene` block, the comparison sampler, and every shadow map
/// slot (a fallback where no map is).
fn scene_group(
    gpu: &Gpu,
    layout: &wgpu::BindGroupLayout,
    arena: &wgpu::Buffer,
    samplers: &Samplers,
    fallbacks: &Fallbacks,
    shadows: &[ShadowMap],
) -> wgpu::BindGroup {
    let mut cube_views = [&fallbacks.no_shadow_cube.1; MAX_CUBE_SHADOWS];
    let mut map_views = [&fallbacks.no_shadow_map.view; MAX_2D_SHADOWS];
    for m in shadows {
        match m.slot {
            ShadowSlot::Cube(i) => cube_views[i] = &m.sample_view,
            ShadowSlot::Flat(i) => map_views[i] = &m.sample_view,
        }
    }
    let mut entries = vec![
        arena_entry::<SceneUniforms>(arena),
        wgpu::BindGroupEntry {
            binding: 1,
            resource: wgpu::BindingResource::Sampler(&samplers.compare),
        },
    ];
    for (i, v) in cube_views.iter().chain(&map_views).enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 2 + i as u32,
            resource: wgpu::BindingResource::TextureView(v),
        });
    }
    gpu.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("vivid.render3d.scene"),
        layout,
        entries: &entries,
    })
}
