//! The pipelines and bind groups of `render3d`: the bind group layouts, the main pass's
//! pipelines (opaque and blended parts, double-sided or culled; the background), the
//! shadow pipelines (all cached by the engine across instances), and the bind groups of a
//! prepared scene.

use std::collections::HashMap;

use vivid_engine::gpu::Gpu;
use vivid_engine::resources::PipelineCache;
use vivid_engine::shaders::ShaderLibrary;

use super::environment::EnvironmentTextures;
use super::geometry::Vertex;
use super::shadow::{MAX_2D_SHADOWS, MAX_CUBE_SHADOWS, ShadowSlot};
use super::targets::{COLOR, DEPTH, Fallbacks, ShadowMap};
use super::uniforms::{FaceUniforms, MeshUniforms, SceneUniforms};

/// The bind group layouts (cached by name).
pub(super) struct Layouts {
    /// Group 0 of the main pass: the `Scene` block, the comparison sampler, every shadow
    /// map slot (cubes first), and the environment.
    pub scene: wgpu::BindGroupLayout,
    /// Group 1 of both passes: a `Mesh` block and its part's maps (texture, sampler each).
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
        let float = wgpu::TextureSampleType::Float { filterable: true };
        let filtering = wgpu::SamplerBindingType::Filtering;
        scene_entries.extend([
            texture(ENVIRONMENT, float, wgpu::TextureViewDimension::Cube),
            texture(ENVIRONMENT + 1, float, wgpu::TextureViewDimension::Cube),
            texture(ENVIRONMENT + 2, float, wgpu::TextureViewDimension::D2),
            sampler(ENVIRONMENT + 3, filtering),
            texture(ENVIRONMENT + 4, float, wgpu::TextureViewDimension::D2),
            sampler(ENVIRONMENT + 5, filtering),
        ]);
        let scene = cache.named_layout(gpu, "vivid.render3d.scene", &scene_entries);
        let mut mesh_entries = vec![uniform(0, wgpu::ShaderStages::VERTEX_FRAGMENT)];
        for map in 0..MAPS as u32 {
            mesh_entries.push(texture(1 + 2 * map, float, wgpu::TextureViewDimension::D2));
            mesh_entries.push(sampler(2 + 2 * map, filtering));
        }
        let mesh = cache.named_layout(gpu, "vivid.render3d.mesh", &mesh_entries);
        let face = cache.named_layout(
            gpu,
            "vivid.render3d.face",
            &[uniform(0, wgpu::ShaderStages::VERTEX)],
        );
        Layouts { scene, mesh, face }
    }
}

/// The first binding of the environment in the scene group (specular, irradiance, BRDF
/// table, their sampler, the picture, its sampler).
const ENVIRONMENT: u32 = 2 + (MAX_CUBE_SHADOWS + MAX_2D_SHADOWS) as u32;

/// Maps of a part, in binding order (texture `1 + 2k`, sampler `2 + 2k`): base colour,
/// metallic-roughness, normal, occlusion, emissive.
pub(super) const MAPS: usize = 5;

/// What differs between the pipelines.
struct PipelineShape {
    label: &'static str,
    vertex_entry: &'static str,
    /// The fragment entry point; `None`: depth only.
    fragment_entry: Option<&'static str>,
    /// Whether it writes a `COLOR` target (else, with a fragment entry, depth only).
    color: bool,
    blend: Option<wgpu::BlendState>,
    cull: Option<wgpu::Face>,
    depth_write: bool,
    depth_compare: wgpu::CompareFunction,
    depth_bias: wgpu::DepthBiasState,
    samples: u32,
    /// Whether it reads mesh vertices ([`Vertex`]); else it makes its own (the sky).
    vertices: bool,
}

/// A pipeline of `shape`.
fn pipeline(
    gpu: &Gpu,
    module: &wgpu::ShaderModule,
    layout: &wgpu::PipelineLayout,
    shape: &PipelineShape,
) -> wgpu::RenderPipeline {
    let vertex_buffers = [Some(wgpu::VertexBufferLayout {
        array_stride: size_of::<Vertex>() as u64,
        step_mode: wgpu::VertexStepMode::Vertex,
        attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x2, 3 => Float32x4],
    })];
    let color = [Some(wgpu::ColorTargetState {
        format: COLOR,
        blend: shape.blend,
        write_mask: wgpu::ColorWrites::ALL,
    })];
    let targets: &[Option<wgpu::ColorTargetState>] = if shape.color { &color } else { &[] };
    gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some(shape.label),
        layout: Some(layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(shape.vertex_entry),
            compilation_options: wgpu::PipelineCompilationOptions::default(),
            buffers: if shape.vertices { &vertex_buffers } else { &[] },
        },
        primitive: wgpu::PrimitiveState {
            cull_mode: shape.cull,
            ..Default::default()
        },
        depth_stencil: Some(wgpu::DepthStencilState {
            format: DEPTH,
            depth_write_enabled: Some(shape.depth_write),
            depth_compare: Some(shape.depth_compare),
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
            targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The pipelines of `render3d`.
#[derive(Debug)]
pub(super) struct Pipelines {
    /// Opaque and masked parts: [double-sided, back faces culled].
    pub opaque: [wgpu::RenderPipeline; 2],
    /// Blended parts (premultiplied over, no depth write): [double-sided, culled].
    pub blend: [wgpu::RenderPipeline; 2],
    /// The environment as the background, where no mesh is.
    pub sky: wgpu::RenderPipeline,
    /// Shadow maps: depth only.
    pub shadow: wgpu::RenderPipeline,
    /// Shadow maps of parts cut by their alpha (a fragment stage that discards).
    pub shadow_mask: wgpu::RenderPipeline,
}

impl Pipelines {
    /// The main pass's pipeline of a part that is `blended`, and `double_sided` or not.
    pub fn part(&self, blended: bool, double_sided: bool) -> &wgpu::RenderPipeline {
        let set = if blended { &self.blend } else { &self.opaque };
        &set[usize::from(!double_sided)]
    }
}

/// The pipelines: `render3d.wgsl` at `samples` per pixel, `render3d_shadow.wgsl`.
pub(super) fn pipelines(
    gpu: &Gpu,
    cache: &mut PipelineCache,
    shaders: &ShaderLibrary,
    layouts: &Layouts,
    samples: u32,
) -> vivid_engine::Result<Pipelines> {
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
    let main_shape = PipelineShape {
        label: "vivid.render3d.pipeline",
        vertex_entry: "vs_main",
        fragment_entry: Some("fs_main"),
        color: true,
        blend: None,
        cull: None,
        depth_write: true,
        depth_compare: wgpu::CompareFunction::Less,
        depth_bias: wgpu::DepthBiasState::default(),
        samples,
        vertices: true,
    };
    let premultiplied = wgpu::BlendState {
        color: wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
            operation: wgpu::BlendOperation::Add,
        },
        alpha: wgpu::BlendComponent {
            src_factor: wgpu::BlendFactor::One,
            dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
            operation: wgpu::BlendOperation::Add,
        },
    };
    // Variants (key: samples × 8 + kind): opaque/blend × double-sided/culled, the sky.
    let mut main = |kind: u64, shape: PipelineShape| {
        cache.render_pipeline_with(
            gpu,
            shaders,
            "render3d.wgsl",
            u64::from(samples) * 8 + kind,
            |module| pipeline(gpu, module, &main_layout, &shape),
        )
    };
    let back = Some(wgpu::Face::Back);
    let opaque = [
        main(0, PipelineShape { ..main_shape }),
        main(
            1,
            PipelineShape {
                cull: back,
                ..main_shape
            },
        ),
    ];
    let blended = PipelineShape {
        label: "vivid.render3d.blend_pipeline",
        blend: Some(premultiplied),
        depth_write: false,
        ..main_shape
    };
    let blend = [
        main(2, PipelineShape { ..blended }),
        main(
            3,
            PipelineShape {
                cull: back,
                ..blended
            },
        ),
    ];
    let sky = main(
        4,
        PipelineShape {
            label: "vivid.render3d.sky_pipeline",
            vertex_entry: "vs_sky",
            fragment_entry: Some("fs_sky"),
            depth_write: false,
            depth_compare: wgpu::CompareFunction::LessEqual,
            vertices: false,
            ..main_shape
        },
    );
    let [o0, o1] = opaque;
    let [b0, b1] = blend;
    let (opaque, blend, sky) = ([o0?, o1?], [b0?, b1?], sky?);
    // Cube faces are reflections (see shadow.rs): no culling.
    let shadow_shape = PipelineShape {
        label: "vivid.render3d.shadow_pipeline",
        vertex_entry: "vs_shadow",
        fragment_entry: None,
        color: false,
        blend: None,
        cull: None,
        depth_write: true,
        depth_compare: wgpu::CompareFunction::Less,
        depth_bias: wgpu::DepthBiasState {
            constant: 2,
            slope_scale: 1.5,
            clamp: 0.0,
        },
        samples: 1,
        vertices: true,
    };
    let shadow = cache.render_pipeline_with(gpu, shaders, "render3d_shadow.wgsl", 0, |module| {
        pipeline(gpu, module, &shadow_layout, &shadow_shape)
    })?;
    let shadow_mask =
        cache.render_pipeline_with(gpu, shaders, "render3d_shadow.wgsl", 1, |module| {
            let shape = PipelineShape {
                fragment_entry: Some("fs_shadow_mask"),
                ..shadow_shape
            };
            pipeline(gpu, module, &shadow_layout, &shape)
        })?;
    Ok(Pipelines {
        opaque,
        blend,
        sky,
        shadow,
        shadow_mask,
    })
}

/// The bind groups of a prepared scene.
#[derive(Debug)]
pub(super) struct BindGroups {
    pub scene: wgpu::BindGroup,
    pub face: wgpu::BindGroup,
    /// By (geometry id, part index): the part's `Mesh` block and maps.
    pub parts: HashMap<(u64, usize), wgpu::BindGroup>,
}

/// The samplers and environment textures the scene group binds.
pub(super) struct SceneInputs<'a> {
    /// Shadow map comparison.
    pub compare: wgpu::Sampler,
    pub environment: &'a EnvironmentTextures,
    /// The environment picture (or its stand-in).
    pub picture: &'a wgpu::TextureView,
}

/// What one part binds: per map (in [`MAPS`] order), a view and a sampler.
pub(super) type PartMaps<'a> = [(&'a wgpu::TextureView, &'a wgpu::Sampler); MAPS];

impl BindGroups {
    /// Binds the uniform arena `arena`, the shadow maps `shadows` (fallbacks in the unused
    /// slots), the environment, and each part's maps (`parts`: key, maps).
    pub fn new(
        gpu: &Gpu,
        layouts: &Layouts,
        arena: &wgpu::Buffer,
        inputs: &SceneInputs<'_>,
        fallbacks: &Fallbacks,
        shadows: &[ShadowMap],
        parts: &[((u64, usize), PartMaps<'_>)],
    ) -> BindGroups {
        let scene = scene_group(gpu, &layouts.scene, arena, inputs, fallbacks, shadows);
        let face = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("vivid.render3d.face"),
            layout: &layouts.face,
            entries: &[arena_entry::<FaceUniforms>(arena)],
        });
        let mut groups = HashMap::new();
        for (key, maps) in parts {
            groups.entry(*key).or_insert_with(|| {
                let mut entries = vec![arena_entry::<MeshUniforms>(arena)];
                for (k, (view, sampler)) in maps.iter().enumerate() {
                    entries.push(wgpu::BindGroupEntry {
                        binding: 1 + 2 * k as u32,
                        resource: wgpu::BindingResource::TextureView(view),
                    });
                    entries.push(wgpu::BindGroupEntry {
                        binding: 2 + 2 * k as u32,
                        resource: wgpu::BindingResource::Sampler(sampler),
                    });
                }
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.render3d.mesh"),
                    layout: &layouts.mesh,
                    entries: &entries,
                })
            });
        }
        BindGroups {
            scene,
            face,
            parts: groups,
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

/// The main pass's group 0: the `Scene` block, the comparison sampler, every shadow map
/// slot (a fallback where no map is), and the environment.
fn scene_group(
    gpu: &Gpu,
    layout: &wgpu::BindGroupLayout,
    arena: &wgpu::Buffer,
    inputs: &SceneInputs<'_>,
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
            resource: wgpu::BindingResource::Sampler(&inputs.compare),
        },
    ];
    for (i, v) in cube_views.iter().chain(&map_views).enumerate() {
        entries.push(wgpu::BindGroupEntry {
            binding: 2 + i as u32,
            resource: wgpu::BindingResource::TextureView(v),
        });
    }
    let env = inputs.environment;
    let view = wgpu::BindingResource::TextureView;
    let sampler = wgpu::BindingResource::Sampler;
    for (i, resource) in [
        view(env.specular()),
        view(env.irradiance()),
        view(env.lut()),
        sampler(&env.sampler),
        view(inputs.picture),
        sampler(&env.equirect_sampler),
    ]
    .into_iter()
    .enumerate()
    {
        entries.push(wgpu::BindGroupEntry {
            binding: ENVIRONMENT + i as u32,
            resource,
        });
    }
    gpu.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("vivid.render3d.scene"),
        layout,
        entries: &entries,
    })
}
