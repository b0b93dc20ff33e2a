//! `render3d`: meshes lit by lights, with shadows, seen by a camera, into an image of the
//! chain (which any 2D operator can then take: bloom it, feed it back, composite it).
//!
//! A frame, as [`Render3d`] runs it:
//! - **uniforms** (every frame, CPU): the camera and lights (`Scene`), one `Mesh` block per
//!   part of every mesh, one view-projection per shadow map face; and for every shadow map
//!   a hash of what it depends on (the light, and every shadow-casting mesh's geometry,
//!   transform and shape).
//! - **prepare** (when the output, the meshes' geometry or the set of shadow maps changed):
//!   pipelines from the cache, the depth (and 4× MSAA) targets and shadow maps from the pool,
//!   their views, and the bind groups.
//! - **encode**: the shadow passes of the maps whose hash changed (none in a static scene;
//!   six per point light when it or a caster moved), then one pass drawing every mesh part.
//!
//! Limits: 16 lights (more are ignored), shadows for 8 point lights and 4 spot or
//! directional lights; meshes are opaque.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use vivid_engine::Result;
use vivid_engine::glam::{Mat3, Mat4, Vec3};
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues, Rgba};
use vivid_engine::resources::{SamplerKind, TextureKey, TexturePool, UniformSlot, UniformWriter};
use vivid_engine::scene::{
    CameraItem, CameraRef, LightItem, LightKind, LightList, MeshItem, MeshList, SceneView,
    ShapeMode, linear_rgb,
};

use super::shadow::{
    self, MAX_2D_SHADOWS, MAX_CUBE_SHADOWS, SHADOW_NEAR, ShadowSlot, assign_slots,
};

vivid_engine::choice_enum! {
    /// How surfaces are lit.
    pub enum Shading {
        /// Metallic-roughness PBR with smooth normals.
        Pbr = "pbr",
        /// The same with face normals: a faceted look.
        Flat = "flat",
        /// No lighting: base colour (× texture) + emissive, exactly as given.
        Unlit = "unlit",
    }
}

vivid_engine::choice_enum! {
    /// How linear light becomes display values.
    pub enum Tonemap {
        /// Identity below 0.76, highlights compressed smoothly into 1 (Khronos PBR
        /// Neutral's shoulder): colours look as chosen.
        Neutral = "neutral",
        /// Filmic (Narkowicz's ACES fit): more contrast, darker mid-tones.
        Aces = "aces",
        /// c / (1 + c).
        Reinhard = "reinhard",
        /// Clip at 1 (values above 1 are kept in the texture for bloom).
        None = "none",
    }
}

vivid_engine::params! {
    /// Parameters of `render3d`.
    pub struct Render3dParams {
        /// The `camera` to look through (none: 5 units back, 1.5 up, looking at the
        /// origin, fov 50).
        camera: CameraRef = CameraRef::default(),
        /// The `mesh` nodes to draw.
        meshes: MeshList = MeshList::default(),
        /// The lights (`point_light`, `spot_light`, `directional_light`); 16 at most.
        lights: LightList = LightList::default(),
        /// Background (display-referred; alpha < 1 leaves it see-through for composite).
        clear_color: Rgba = Rgba::BLACK,
        /// Ambient light: the colour a white surface shows with no light on it.
        ambient: Rgba = Rgba::new(0.1, 0.1, 0.1, 1.0),
        /// pbr, flat or unlit.
        shading: Shading = Shading::Pbr,
        /// Multiplier of the light before tone mapping.
        exposure: f32 [0.0, 1000.0] = 1.0,
        /// neutral, aces, reinhard or none.
        tonemap: Tonemap = Tonemap::Neutral,
        /// 4× multisampling of edges.
        antialias: bool = true,
    }
}

/// Indices of the reference parameters in [`Render3dParams`].
const CAMERA: usize = 0;
const MESHES: usize = 1;
const LIGHTS: usize = 2;
/// Most lights in the uniform block (`MAX_LIGHTS` in `render3d.wgsl`).
pub const MAX_LIGHTS: usize = 16;

const DEPTH: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
const COLOR: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// One light in the `Scene` block (`Light` in `render3d.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LightUniform {
    position_range: [f32; 4],
    direction_kind: [f32; 4],
    color: [f32; 4],
    cone_shadow: [f32; 4],
    shadow_params: [f32; 4],
    view_proj: [[f32; 4]; 4],
}

/// The `Scene` block of `render3d.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SceneUniforms {
    view_proj: [[f32; 4]; 4],
    camera_position: [f32; 4],
    ambient: [f32; 4],
    settings: [u32; 4],
    lights: [LightUniform; MAX_LIGHTS],
}

/// The `Mesh` block of `common/scene.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct MeshUniforms {
    model: [[f32; 4]; 4],
    normal_matrix: [[f32; 4]; 3],
    base_color: [f32; 4],
    emissive_metallic: [f32; 4],
    shape: [f32; 4],
    material: [f32; 4],
}

/// The `Face` block of `render3d_shadow.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FaceUniforms {
    view_proj: [[f32; 4]; 4],
}

/// A shadow map and its views.
#[derive(Debug)]
struct ShadowMap {
    slot: ShadowSlot,
    resolution: u32,
    texture: GpuTexture,
    /// Cube (point) or 2D view, for sampling.
    sample_view: wgpu::TextureView,
    /// One 2D view per face to render into (6 or 1).
    face_views: Vec<wgpu::TextureView>,
    /// Hash of what the map shows, when it was last drawn.
    drawn: Option<u64>,
}

/// A part of a mesh to draw this frame.
#[derive(Clone, Copy, Debug)]
struct Draw {
    /// The mesh's node.
    node: usize,
    part: usize,
    slot: UniformSlot,
    cast: bool,
}

/// What `prepare` built.
#[derive(Debug)]
struct Prepared {
    main: wgpu::RenderPipeline,
    shadow: wgpu::RenderPipeline,
    scene_group: wgpu::BindGroup,
    face_group: wgpu::BindGroup,
    /// By texture id.
    mesh_groups: HashMap<u64, wgpu::BindGroup>,
    depth: GpuTexture,
    msaa: Option<GpuTexture>,
}

/// `render3d`.
#[derive(Debug, Default)]
pub struct Render3d {
    prepared: Option<Prepared>,
    shadows: Vec<ShadowMap>,
    /// 1×1 white (untextured parts), depth cube and 2D (unused shadow slots).
    white: Option<GpuTexture>,
    dummy_cube: Option<(GpuTexture, wgpu::TextureView)>,
    dummy_map: Option<GpuTexture>,
    // This frame's uniforms.
    scene_slot: UniformSlot,
    /// Background, premultiplied.
    clear: wgpu::Color,
    draws: Vec<Draw>,
    /// Per shadow map (in `shadows` order): its face slots and content hash.
    faces: Vec<([UniformSlot; 6], u64)>,
}

impl OperatorType for Render3d {
    const NAME: &'static str = "render3d";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str = "Draws meshes lit by lights, with shadows, from a camera into an image (PBR, flat or unlit; tone-mapped to display values).";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = Render3dParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = &[
        ("render3d.wgsl", "Scene", size_of::<SceneUniforms>()),
        ("render3d.wgsl", "Mesh", size_of::<MeshUniforms>()),
        ("render3d_shadow.wgsl", "Face", size_of::<FaceUniforms>()),
        ("render3d_shadow.wgsl", "Mesh", size_of::<MeshUniforms>()),
    ];
}

fn cols(m: Mat4) -> [[f32; 4]; 4] {
    m.to_cols_array_2d()
}

/// A hash of floats by their bits.
fn hash_floats(h: &mut impl Hasher, values: &[f32]) {
    for v in values {
        v.to_bits().hash(h);
    }
}

/// The sphere holding every mesh (centre, radius).
fn scene_bounds<'a>(meshes: impl Iterator<Item = &'a MeshItem>) -> (Vec3, f32) {
    let spheres: Vec<(Vec3, f32)> = meshes.map(MeshItem::world_bounds).collect();
    if spheres.is_empty() {
        return (Vec3::ZERO, 1.0);
    }
    let centre = spheres.iter().map(|s| s.0).sum::<Vec3>() / spheres.len() as f32;
    let radius = spheres
        .iter()
        .map(|(c, r)| c.distance(centre) + r)
        .fold(0.0f32, f32::max);
    (centre, radius.max(1e-3))
}

impl Render3d {
    /// The shadow maps this scene needs: (slot, resolution), in light order.
    fn shadow_plan(scene: &SceneView<'_>) -> Vec<(ShadowSlot, u32)> {
        let lights: Vec<&LightItem> = scene
            .lights(LIGHTS)
            .map(|(_, l)| l)
            .take(MAX_LIGHTS)
            .collect();
        assign_slots(lights.iter().copied())
            .zip(&lights)
            .filter_map(|(s, l)| s.map(|s| (s, l.shadow_resolution)))
            .collect()
    }

    fn light_uniform(
        l: &LightItem,
        slot: Option<ShadowSlot>,
        bounds: (Vec3, f32),
    ) -> (LightUniform, Mat4) {
        let kind = match l.kind {
            LightKind::Point => 0.0,
            LightKind::Spot => 1.0,
            LightKind::Directional => 2.0,
        };
        let slot_index = match slot {
            Some(ShadowSlot::Cube(i) | ShadowSlot::Flat(i)) => i as f32,
            None => -1.0,
        };
        let far = l.range.clamp(SHADOW_NEAR * 2.0, 1.0e6);
        let (view_proj, texel, scaled) = match l.kind {
            LightKind::Point => (Mat4::IDENTITY, 2.0 / l.shadow_resolution.max(1) as f32, 1.0),
            LightKind::Spot => {
                let (m, t) = shadow::spot_view_proj(l);
                (m, t, 1.0)
            }
            LightKind::Directional => {
                let (m, t) = shadow::directional_view_proj(l, bounds.0, bounds.1);
                (m, t, 0.0)
            }
        };
        let cos_outer = l.angle.cos();
        let cos_inner = (l.angle * (1.0 - l.blend)).cos().max(cos_outer + 1e-4);
        let u = LightUniform {
            position_range: l.position.extend(l.range.max(1e-3)).to_array(),
            direction_kind: l.direction.extend(kind).to_array(),
            color: (l.color * l.intensity).extend(0.0).to_array(),
            cone_shadow: [cos_outer, cos_inner, slot_index, l.shadow_bias],
            shadow_params: [SHADOW_NEAR, far, texel, scaled],
            view_proj: cols(view_proj),
        };
        (u, view_proj)
    }

    fn mesh_uniform(m: &MeshItem, part_color: [f32; 4]) -> MeshUniforms {
        let normal = Mat3::from_mat4(m.model).inverse().transpose();
        let normal = if normal.is_finite() {
            normal
        } else {
            Mat3::IDENTITY
        };
        let c = m.material.base_color;
        MeshUniforms {
            model: cols(m.model),
            normal_matrix: [
                normal.x_axis.extend(0.0).to_array(),
                normal.y_axis.extend(0.0).to_array(),
                normal.z_axis.extend(0.0).to_array(),
            ],
            base_color: [
                c[0] * part_color[0],
                c[1] * part_color[1],
                c[2] * part_color[2],
                c[3] * part_color[3],
            ],
            emissive_metallic: m.material.emissive.extend(m.material.metallic).to_array(),
            shape: m
                .shape
                .extend(match m.geometry.mode {
                    ShapeMode::Scaled => 0.0,
                    ShapeMode::Torus => 1.0,
                })
                .to_array(),
            material: [
                m.material.roughness,
                if m.receive_shadows { 1.0 } else { 0.0 },
                0.0,
                0.0,
            ],
        }
    }

    /// What a shadow map shows depends on: the light, and every caster (for a directional
    /// light, every mesh: its fit covers them all).
    fn shadow_hash(light: &LightItem, scene: &SceneView<'_>) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        hash_floats(
            &mut h,
            &[
                light.position.x,
                light.position.y,
                light.position.z,
                light.direction.x,
                light.direction.y,
                light.direction.z,
                light.range,
                light.angle,
            ],
        );
        light.shadow_resolution.hash(&mut h);
        for (node, m) in scene.meshes(MESHES) {
            if !m.cast_shadows && light.kind != LightKind::Directional {
                continue;
            }
            node.hash(&mut h);
            m.cast_shadows.hash(&mut h);
            m.geometry.id.hash(&mut h);
            hash_floats(&mut h, &m.model.to_cols_array());
            hash_floats(&mut h, &m.shape.to_array());
        }
        h.finish()
    }

    fn depth_key(w: u32, h: u32, samples: u32) -> TextureKey {
        TextureKey {
            sample_count: samples,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            ..TextureKey::color_with_format(w, h, DEPTH)
        }
    }
}

impl Operator for Render3d {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: Render3dParams = cx.params();
        let scene = cx.scene;
        let camera = scene
            .camera(CAMERA)
            .copied()
            .unwrap_or_else(CameraItem::default);
        let aspect = cx.size.0.max(1) as f32 / cx.size.1.max(1) as f32;
        let view_proj = camera.projection(aspect) * camera.view();
        let bounds = scene_bounds(scene.meshes(MESHES).map(|(_, m)| m));

        let mut uniforms = SceneUniforms {
            view_proj: cols(view_proj),
            camera_position: camera.position.extend(1.0).to_array(),
            ambient: linear_rgb(p.ambient.0).extend(p.exposure).to_array(),
            settings: [0, p.shading as u32, p.tonemap as u32, 0],
            lights: [LightUniform::default(); MAX_LIGHTS],
        };
        let lights = || scene.lights(LIGHTS).map(|(_, l)| l).take(MAX_LIGHTS);
        let mut count = 0;
        let mut shadow_matrices: [Option<(&LightItem, Mat4)>; MAX_CUBE_SHADOWS + MAX_2D_SHADOWS] =
            [None; MAX_CUBE_SHADOWS + MAX_2D_SHADOWS];
        let mut maps = 0;
        for (l, slot) in lights().zip(assign_slots(lights())) {
            let (u, m) = Self::light_uniform(l, slot, bounds);
            uniforms.lights[count] = u;
            count += 1;
            if slot.is_some() && maps < shadow_matrices.len() {
                shadow_matrices[maps] = Some((l, m));
                maps += 1;
            }
        }
        uniforms.settings[0] = count as u32;
        self.scene_slot = out.push(&uniforms);
        let clear = p.clear_color.premultiplied().map(f64::from);
        self.clear = wgpu::Color {
            r: clear[0],
            g: clear[1],
            b: clear[2],
            a: clear[3],
        };

        // One block per part of every mesh.
        self.draws.clear();
        for (node, m) in scene.meshes(MESHES) {
            for (part, pc) in m.geometry.parts.iter().enumerate() {
                let slot = out.push(&Self::mesh_uniform(m, pc.base_color));
                self.draws.push(Draw {
                    node,
                    part,
                    slot,
                    cast: m.cast_shadows,
                });
            }
        }

        // Shadow faces, in the order of the maps (the plan's order: light order).
        self.faces.clear();
        for (l, m) in shadow_matrices.iter().take(maps).flatten() {
            let mut slots = [UniformSlot::default(); 6];
            if l.kind == LightKind::Point {
                let far = l.range.clamp(SHADOW_NEAR * 2.0, 1.0e6);
                for (face, s) in slots.iter_mut().enumerate() {
                    let vp = shadow::cube_face_view_proj(l.position, far, face);
                    *s = out.push(&FaceUniforms {
                        view_proj: cols(vp),
                    });
                }
            } else {
                slots[0] = out.push(&FaceUniforms {
                    view_proj: cols(*m),
                });
            }
            self.faces.push((slots, Self::shadow_hash(l, &scene)));
        }
    }

    fn chain_changed(&mut self, _params: &ParamValues, pool: &mut TexturePool) {
        // The lights may be gone: their maps are freed now, made again at the next prepare.
        for m in self.shadows.drain(..) {
            pool.release(m.texture);
        }
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = Render3dParams::read(params);
        u64::from(p.antialias)
    }

    fn scene_key(&self, scene: &SceneView<'_>) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (node, m) in scene.meshes(MESHES) {
            node.hash(&mut h);
            m.geometry.id.hash(&mut h);
        }
        Self::shadow_plan(scene).hash(&mut h);
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p: Render3dParams = Render3dParams::read(cx.params);
        let samples = if p.antialias { 4 } else { 1 };
        let gpu = cx.gpu;
        let (w, h) = cx.output.size();

        // Shared, made once per instance.
        let white = self.white.get_or_insert_with(|| {
            let t = gpu.create_texture(&wgpu::TextureDescriptor {
                label: Some("vivid.render3d.white"),
                size: wgpu::Extent3d {
                    width: 1,
                    height: 1,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: wgpu::TextureFormat::Rgba8UnormSrgb,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
            gpu.queue().write_texture(
                t.texture.as_image_copy(),
                &[255; 4],
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
            t
        });
        let white_id = white.id();
        let depth_texture = |layers: u32, label: &str| {
            gpu.create_texture(&wgpu::TextureDescriptor {
                label: Some(label),
                size: wgpu::Extent3d {
                    width: 1,
                    height: 1,
                    depth_or_array_layers: layers,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: DEPTH,
                usage: wgpu::TextureUsages::TEXTURE_BINDING
                    | wgpu::TextureUsages::RENDER_ATTACHMENT,
                view_formats: &[],
            })
        };
        if self.dummy_cube.is_none() {
            let cube = depth_texture(6, "vivid.render3d.no_shadow_cube");
            let view = gpu.create_view(
                &cube.texture,
                &wgpu::TextureViewDescriptor {
                    dimension: Some(wgpu::TextureViewDimension::Cube),
                    ..Default::default()
                },
            );
            self.dummy_cube = Some((cube, view));
        }
        if self.dummy_map.is_none() {
            self.dummy_map = Some(depth_texture(1, "vivid.render3d.no_shadow_map"));
        }

        // Shadow maps: kept while the plan (slot, resolution) is the same.
        let plan = Self::shadow_plan(&cx.scene);
        let same = plan.len() == self.shadows.len()
            && plan
                .iter()
                .zip(&self.shadows)
                .all(|(a, m)| a.0 == m.slot && a.1 == m.resolution);
        if !same {
            for m in self.shadows.drain(..) {
                cx.pool.release(m.texture);
            }
            for &(slot, res) in &plan {
                gpu.check_size("shadow_resolution", res, res)?;
                let layers = if matches!(slot, ShadowSlot::Cube(_)) {
                    6
                } else {
                    1
                };
                let key = TextureKey {
                    layers,
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                        | wgpu::TextureUsages::TEXTURE_BINDING,
                    ..TextureKey::color_with_format(res, res, DEPTH)
                };
                let texture = cx.pool.acquire(gpu, key, "vivid.render3d.shadow");
                let sample_view = gpu.create_view(
                    &texture.texture,
                    &wgpu::TextureViewDescriptor {
                        dimension: Some(if layers == 6 {
                            wgpu::TextureViewDimension::Cube
                        } else {
                            wgpu::TextureViewDimension::D2
                        }),
                        ..Default::default()
                    },
                );
                let face_views = (0..layers)
                    .map(|f| {
                        gpu.create_view(
                            &texture.texture,
                            &wgpu::TextureViewDescriptor {
                                dimension: Some(wgpu::TextureViewDimension::D2),
                                base_array_layer: f,
                                array_layer_count: Some(1),
                                ..Default::default()
                            },
                        )
                    })
                    .collect();
                self.shadows.push(ShadowMap {
                    slot,
                    resolution: res,
                    texture,
                    sample_view,
                    face_views,
                    drawn: None,
                });
            }
        }

        // Layouts and pipelines (cached by the engine across instances).
        let uniform = |binding, visibility| wgpu::BindGroupLayoutEntry {
            binding,
            visibility,
            ty: wgpu::BindingType::Buffer {
                ty: wgpu::BufferBindingType::Uniform,
                has_dynamic_offset: true,
                min_binding_size: None,
            },
            count: None,
        };
        let depth_entry = |binding, dim| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Depth,
                view_dimension: dim,
                multisampled: false,
            },
            count: None,
        };
        let mut scene_entries = vec![
            uniform(0, wgpu::ShaderStages::VERTEX_FRAGMENT),
            wgpu::BindGroupLayoutEntry {
                binding: 1,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                count: None,
            },
        ];
        for i in 0..MAX_CUBE_SHADOWS as u32 {
            scene_entries.push(depth_entry(2 + i, wgpu::TextureViewDimension::Cube));
        }
        for i in 0..MAX_2D_SHADOWS as u32 {
            scene_entries.push(depth_entry(
                2 + MAX_CUBE_SHADOWS as u32 + i,
                wgpu::TextureViewDimension::D2,
            ));
        }
        let scene_layout = cx
            .pipelines
            .named_layout(gpu, "vivid.render3d.scene", &scene_entries);
        let mesh_layout = cx.pipelines.named_layout(
            gpu,
            "vivid.render3d.mesh",
            &[
                uniform(0, wgpu::ShaderStages::VERTEX_FRAGMENT),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 2,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
            ],
        );
        let face_layout = cx.pipelines.named_layout(
            gpu,
            "vivid.render3d.face",
            &[uniform(0, wgpu::ShaderStages::VERTEX)],
        );
        let main_layout = cx.pipelines.named_pipeline_layout(
            gpu,
            "vivid.render3d.layout",
            &[&scene_layout, &mesh_layout],
        );
        let shadow_layout = cx.pipelines.named_pipeline_layout(
            gpu,
            "vivid.render3d.shadow_layout",
            &[&face_layout, &mesh_layout],
        );
        let vertex_buffers = [Some(wgpu::VertexBufferLayout {
            array_stride: 32,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x2],
        })];
        let main = cx.pipelines.render_pipeline_with(
            gpu,
            cx.shaders,
            "render3d.wgsl",
            u64::from(samples),
            |module| {
                gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some("vivid.render3d.pipeline"),
                    layout: Some(&main_layout),
                    vertex: wgpu::VertexState {
                        module,
                        entry_point: Some("vs_main"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        buffers: &vertex_buffers,
                    },
                    // Everything double-sided: back faces are lit with flipped normals.
                    primitive: wgpu::PrimitiveState::default(),
                    depth_stencil: Some(wgpu::DepthStencilState {
                        format: DEPTH,
                        depth_write_enabled: Some(true),
                        depth_compare: Some(wgpu::CompareFunction::Less),
                        stencil: wgpu::StencilState::default(),
                        bias: wgpu::DepthBiasState::default(),
                    }),
                    multisample: wgpu::MultisampleState {
                        count: samples,
                        ..Default::default()
                    },
                    fragment: Some(wgpu::FragmentState {
                        module,
                        entry_point: Some("fs_main"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        targets: &[Some(wgpu::ColorTargetState {
                            format: COLOR,
                            blend: None,
                            write_mask: wgpu::ColorWrites::ALL,
                        })],
                    }),
                    multiview_mask: None,
                    cache: None,
                })
            },
        )?;
        let shadow_pipeline = cx.pipelines.render_pipeline_with(
            gpu,
            cx.shaders,
            "render3d_shadow.wgsl",
            0,
            |module| {
                gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some("vivid.render3d.shadow_pipeline"),
                    layout: Some(&shadow_layout),
                    vertex: wgpu::VertexState {
                        module,
                        entry_point: Some("vs_shadow"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        buffers: &vertex_buffers,
                    },
                    // Cube faces are reflections (see shadow.rs): no culling.
                    primitive: wgpu::PrimitiveState::default(),
                    depth_stencil: Some(wgpu::DepthStencilState {
                        format: DEPTH,
                        depth_write_enabled: Some(true),
                        depth_compare: Some(wgpu::CompareFunction::Less),
                        stencil: wgpu::StencilState::default(),
                        bias: wgpu::DepthBiasState {
                            constant: 2,
                            slope_scale: 1.5,
                            clamp: 0.0,
                        },
                    }),
                    multisample: wgpu::MultisampleState::default(),
                    fragment: None,
                    multiview_mask: None,
                    cache: None,
                })
            },
        )?;

        // Bind groups.
        let Some(arena) = cx.uniforms.buffer() else {
            return Err(vivid_engine::EngineError::Param(
                "render3d: the uniform buffer is not ready".into(),
            ));
        };
        let arena_entry = |size: usize| wgpu::BindGroupEntry {
            binding: 0,
            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                buffer: arena,
                offset: 0,
                size: wgpu::BufferSize::new(size as u64),
            }),
        };
        let compare = cx.pipelines.sampler(gpu, SamplerKind::ShadowCompare);
        let repeat = cx.pipelines.sampler(gpu, SamplerKind::LinearRepeat);
        let (Some((_, dummy_cube)), Some(dummy_map)) = (&self.dummy_cube, &self.dummy_map) else {
            return Ok(());
        };
        let mut cube_views: Vec<&wgpu::TextureView> = vec![dummy_cube; MAX_CUBE_SHADOWS];
        let mut map_views: Vec<&wgpu::TextureView> = vec![&dummy_map.view; MAX_2D_SHADOWS];
        for m in &self.shadows {
            match m.slot {
                ShadowSlot::Cube(i) => cube_views[i] = &m.sample_view,
                ShadowSlot::Flat(i) => map_views[i] = &m.sample_view,
            }
        }
        let mut entries = vec![
            arena_entry(size_of::<SceneUniforms>()),
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(&compare),
            },
        ];
        for (i, v) in cube_views.iter().chain(&map_views).enumerate() {
            entries.push(wgpu::BindGroupEntry {
                binding: 2 + i as u32,
                resource: wgpu::BindingResource::TextureView(v),
            });
        }
        let scene_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("vivid.render3d.scene"),
            layout: &scene_layout,
            entries: &entries,
        });
        let face_group = gpu.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("vivid.render3d.face"),
            layout: &face_layout,
            entries: &[arena_entry(size_of::<FaceUniforms>())],
        });
        let mut mesh_groups = HashMap::new();
        let mut textures: Vec<(u64, &wgpu::TextureView)> = vec![(white_id, &white.view)];
        for (_, m) in cx.scene.meshes(MESHES) {
            for t in &m.geometry.textures {
                textures.push((t.id(), &t.view));
            }
        }
        for (id, view) in textures {
            mesh_groups.entry(id).or_insert_with(|| {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.render3d.mesh"),
                    layout: &mesh_layout,
                    entries: &[
                        arena_entry(size_of::<MeshUniforms>()),
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: wgpu::BindingResource::TextureView(view),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: wgpu::BindingResource::Sampler(&repeat),
                        },
                    ],
                })
            });
        }

        // Targets (the output is the resolve target when multisampling).
        let old = self.prepared.take();
        let (old_depth, old_msaa) = match old {
            Some(o) => (Some(o.depth), o.msaa),
            None => (None, None),
        };
        let depth_key = Self::depth_key(w, h, samples);
        let depth = match old_depth {
            Some(d) if d.size() == (w, h) && d.texture.sample_count() == samples => d,
            other => {
                if let Some(d) = other {
                    cx.pool.release(d);
                }
                cx.pool.acquire(gpu, depth_key, "vivid.render3d.depth")
            }
        };
        let msaa = match (samples > 1, old_msaa) {
            (true, Some(m)) if m.size() == (w, h) => Some(m),
            (want, other) => {
                if let Some(m) = other {
                    cx.pool.release(m);
                }
                want.then(|| {
                    let key = TextureKey {
                        sample_count: samples,
                        usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                        ..TextureKey::color_with_format(w, h, COLOR)
                    };
                    cx.pool.acquire(gpu, key, "vivid.render3d.msaa")
                })
            }
        };
        self.prepared = Some(Prepared {
            main,
            shadow: shadow_pipeline,
            scene_group,
            face_group,
            mesh_groups,
            depth,
            msaa,
        });
        Ok(())
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let (Some(prep), Some(white)) = (&self.prepared, &self.white) else {
            return;
        };
        let scene = cx.scene;
        let white = white.id();
        let draw_mesh = |pass: &mut wgpu::RenderPass<'_>, d: &Draw| {
            let Some(vivid_engine::scene::SceneItem::Mesh(m)) = scene.item(d.node) else {
                return;
            };
            let Some(part) = m.geometry.parts.get(d.part) else {
                return;
            };
            let texture = part
                .texture
                .and_then(|t| m.geometry.textures.get(t))
                .map_or(white, GpuTexture::id);
            let Some(group) = prep.mesh_groups.get(&texture) else {
                return;
            };
            pass.set_bind_group(1, group, &[d.slot.offset]);
            pass.set_vertex_buffer(0, m.geometry.vertices.buffer.slice(..));
            pass.set_index_buffer(
                m.geometry.indices.buffer.slice(..),
                wgpu::IndexFormat::Uint32,
            );
            pass.draw_indexed(part.indices.clone(), 0, 0..1);
        };

        // Shadow maps whose content changed.
        for (map, (slots, hash)) in self.shadows.iter_mut().zip(&self.faces) {
            if map.drawn == Some(*hash) {
                continue;
            }
            for (face, view) in map.face_views.iter().enumerate() {
                let mut pass = cx.encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("vivid.render3d.shadow"),
                    color_attachments: &[],
                    depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                        view,
                        depth_ops: Some(wgpu::Operations {
                            load: wgpu::LoadOp::Clear(1.0),
                            store: wgpu::StoreOp::Store,
                        }),
                        stencil_ops: None,
                    }),
                    ..Default::default()
                });
                pass.set_pipeline(&prep.shadow);
                pass.set_bind_group(0, &prep.face_group, &[slots[face].offset]);
                for d in self.draws.iter().filter(|d| d.cast) {
                    draw_mesh(&mut pass, d);
                }
                cx.stats.shadow_passes += 1;
            }
            map.drawn = Some(*hash);
        }

        // The scene.
        let clear = self.clear;
        // Multisampled: only the resolved image is kept (the samples are discarded).
        let (view, resolve, store) = match &prep.msaa {
            Some(m) => (&m.view, Some(&cx.output.view), wgpu::StoreOp::Discard),
            None => (&cx.output.view, None, wgpu::StoreOp::Store),
        };
        let mut pass = cx.encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("vivid.render3d.main"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: resolve,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(clear),
                    store,
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: &prep.depth.view,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(1.0),
                    store: wgpu::StoreOp::Discard,
                }),
                stencil_ops: None,
            }),
            ..Default::default()
        });
        pass.set_pipeline(&prep.main);
        pass.set_bind_group(0, &prep.scene_group, &[self.scene_slot.offset]);
        for d in &self.draws {
            draw_mesh(&mut pass, d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_parameter_indices_match_the_struct() {
        let specs = Render3dParams::specs();
        assert_eq!(specs[CAMERA].name, "camera");
        assert_eq!(specs[MESHES].name, "meshes");
        assert_eq!(specs[LIGHTS].name, "lights");
    }

    #[test]
    fn uniform_blocks_are_multiples_of_16() {
        assert_eq!(size_of::<LightUniform>(), 144);
        assert_eq!(size_of::<MeshUniforms>(), 176);
        assert_eq!(size_of::<SceneUniforms>() % 16, 0);
    }

    #[test]
    fn scene_bounds_hold_every_sphere() {
        let (c, r) = scene_bounds(std::iter::empty());
        assert_eq!((c, r), (Vec3::ZERO, 1.0));
    }
}
