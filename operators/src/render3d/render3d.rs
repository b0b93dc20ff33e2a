//! `render3d`: meshes lit by lights, with shadows, seen by a camera, into an image of the
//! chain (which any 2D operator can then take: bloom it, feed it back, composite it).
//!
//! A frame, as [`Render3d`] runs it:
//! - **uniforms** (every frame, CPU): the camera and lights (`Scene`), one `Mesh` block per
//!   part of every mesh, one view-projection per shadow map face; and for every shadow map
//!   a hash of what it depends on (the light, and every shadow-casting mesh's geometry,
//!   transform and shape).
//! - **prepare** (when the output, the meshes' geometry, the set of shadow maps or the
//!   environment file changed): the environment picture (read from its file), pipelines from
//!   the cache, the depth (and 4× MSAA) targets and shadow maps from the pool, their views,
//!   samplers for the parts' maps, and the bind groups.
//! - **encode**: the environment prefilter if the environment changed (once after loading;
//!   every frame only while a sky parameter is animated), the shadow passes of the maps
//!   whose hash changed (none in a static scene; six per point light when it or a caster
//!   moved), then one pass drawing the opaque and masked parts, the background, and the
//!   blended parts back to front.
//!
//! Limits: 16 lights (more are ignored), shadows for 8 point lights and 4 spot or
//! directional lights; blended parts are sorted by their centre, not per triangle.
//!
//! Here: the parameters, the frame's uniforms and draws, and the passes. The uniform blocks
//! are in `uniforms`, the pipelines and bind groups in `pipelines`, the textures (targets,
//! shadow maps, fallbacks) in `targets`, the shadow matrices and slots in `shadow`, the
//! image-based light in `environment`.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use vivid_engine::Result;
use vivid_engine::glam::{Mat4, Vec3};
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues, Rgba};
use vivid_engine::resources::{SamplerKind, TexturePool, UniformSlot, UniformWriter};
use vivid_engine::scene::{
    AlphaMode, CameraItem, CameraRef, LightItem, LightKind, LightList, MeshItem, MeshList,
    SceneItem, SceneView, TextureRef, linear_rgb,
};

use super::environment::{Environment, LoadState, SkySlot, SkyUniform};
use super::pipelines::{BindGroups, Layouts, MAPS, PartMaps, Pipelines, SceneInputs, pipelines};
use super::shadow::{self, MAX_2D_SHADOWS, MAX_CUBE_SHADOWS, ShadowSlot, assign_slots};
use super::targets::{Fallbacks, ShadowMap, Targets, update_shadow_maps};
pub use super::uniforms::{FaceUniforms, LightUniform, MAX_LIGHTS, MeshUniforms, SceneUniforms};
use super::uniforms::{cols, light_uniform, mesh_uniform, shadow_far};

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

vivid_engine::choice_enum! {
    /// What is behind the meshes.
    pub enum Background {
        /// `clear_color`.
        Color = "color",
        /// The environment (the picture, or the procedural sky), lit by
        /// `environment_intensity` and `exposure` like the meshes.
        Environment = "environment",
    }
}

vivid_engine::file_param! {
    /// An environment picture parameter (`environment`).
    pub struct EnvironmentFile(Environment);
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
        /// Flat ambient light, added to the environment's: the colour a white surface shows
        /// with no other light on it.
        ambient: Rgba = Rgba::BLACK,
        /// pbr, flat or unlit.
        shading: Shading = Shading::Pbr,
        /// Multiplier of the light before tone mapping.
        exposure: f32 [0.0, 1000.0] = 1.0,
        /// neutral, aces, reinhard or none.
        tonemap: Tonemap = Tonemap::Neutral,
        /// 4× multisampling of edges.
        antialias: bool = true,
        /// An equirectangular Radiance HDR picture (.hdr) in the project folder: the light
        /// all around the scene (image-based light), reloaded when the file changes. Empty:
        /// the procedural sky below.
        environment: EnvironmentFile = EnvironmentFile::default(),
        /// Multiplier of the environment's light (0: none; a white surface under a uniform
        /// environment of radiance L shows L × intensity).
        environment_intensity: f32 [0.0, 1000.0] = 1.0,
        /// Turn of the environment about +Y, degrees.
        environment_rotation: f32 [-36000.0, 36000.0] = 0.0,
        /// color (`clear_color`) or environment.
        background: Background = Background::Color,
        /// Procedural sky: its colour straight up (display-referred).
        sky_color: Rgba = Rgba::new(0.33, 0.5, 0.8, 1.0),
        /// Procedural sky: its colour at the horizon.
        horizon_color: Rgba = Rgba::new(0.75, 0.8, 0.85, 1.0),
        /// Procedural sky: the ground's colour (below the horizon).
        ground_color: Rgba = Rgba::new(0.3, 0.28, 0.25, 1.0),
        /// Procedural sky: the direction the sunlight travels (like a `directional_light`'s
        /// `direction`: y < 0 for a sun above the horizon).
        sun_direction: Vec3 = Vec3::new(-0.4, -1.0, -0.3),
        /// Procedural sky: the sun disc's colour (display-referred).
        sun_color: Rgba = Rgba::new(1.0, 0.95, 0.85, 1.0),
        /// Procedural sky: the sun disc's radiance multiplier (its disc is 2° across... in
        /// radius, so 40 lights a facing surface about as much as 0.15 of a white sky).
        sun_intensity: f32 [0.0, 1.0e6] = 40.0,
    }
}

/// Indices of the reference parameters in [`Render3dParams`].
const CAMERA: usize = 0;
const MESHES: usize = 1;
const LIGHTS: usize = 2;

/// A part of a mesh to draw this frame.
#[derive(Clone, Copy, Debug)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "independent facts about a draw"
)]
struct Draw {
    /// The mesh's node.
    node: usize,
    part: usize,
    slot: UniformSlot,
    cast: bool,
    /// Blended (drawn after the opaque parts and the background, back to front).
    blend: bool,
    double_sided: bool,
    /// Whether its alpha cuts it out of shadow maps (MASK, and BLEND at 0.5).
    cut: bool,
    /// Distance of its centre from the camera.
    distance: f32,
}

/// What `prepare` built.
#[derive(Debug)]
struct Prepared {
    pipelines: Pipelines,
    groups: BindGroups,
    targets: Targets,
}

/// The sampler settings of a map (a [`TextureRef`] without its texture).
type SamplerKey = (
    [wgpu::AddressMode; 2],
    wgpu::FilterMode,
    wgpu::FilterMode,
    wgpu::MipmapFilterMode,
    bool,
);

/// `render3d`.
#[derive(Debug, Default)]
pub struct Render3d {
    prepared: Option<Prepared>,
    shadows: Vec<ShadowMap>,
    /// Bound where a part has no texture or a shadow slot no map.
    fallbacks: Option<Fallbacks>,
    /// The image-based light.
    environment: Environment,
    /// Samplers of the parts' maps, made once per setting.
    samplers: HashMap<SamplerKey, wgpu::Sampler>,
    // This frame's uniforms.
    scene_slot: UniformSlot,
    /// The `Sky` block of the prefilter, and what it holds.
    sky_slot: UniformSlot,
    sky: SkyUniform,
    /// Whether the background is drawn.
    background: bool,
    /// Background, premultiplied.
    clear: wgpu::Color,
    draws: Vec<Draw>,
    /// Per shadow map (in `shadows` order): its face slots and content hash.
    faces: Vec<([UniformSlot; 6], u64)>,
}

impl OperatorType for Render3d {
    const NAME: &'static str = "render3d";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str = "Draws meshes lit by lights and an environment (a sky or an HDR picture), with shadows, from a camera into an image (PBR, flat or unlit; tone-mapped to display values).";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = Render3dParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = &[
        ("render3d.wgsl", "Scene", size_of::<SceneUniforms>()),
        ("render3d.wgsl", "Mesh", size_of::<MeshUniforms>()),
        ("render3d_shadow.wgsl", "Face", size_of::<FaceUniforms>()),
        ("render3d_shadow.wgsl", "Mesh", size_of::<MeshUniforms>()),
        ("render3d_environment.wgsl", "Sky", size_of::<SkyUniform>()),
    ];
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

/// The lights that have a shadow map, in the order of the maps, each with its map's
/// view-projection (for a point light, identity: its six faces have their own).
type ShadowLights<'a> = [Option<(&'a LightItem, Mat4)>; MAX_CUBE_SHADOWS + MAX_2D_SHADOWS];

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

    /// The `Scene` block (camera, ambient, settings and lights) of a `size` output, and the
    /// lights that have a shadow map.
    fn scene_uniforms<'a>(
        p: &Render3dParams,
        scene: &SceneView<'a>,
        size: (u32, u32),
    ) -> (SceneUniforms, ShadowLights<'a>) {
        let camera = scene
            .camera(CAMERA)
            .copied()
            .unwrap_or_else(CameraItem::default);
        let aspect = size.0.max(1) as f32 / size.1.max(1) as f32;
        let view_proj = camera.projection(aspect) * camera.view();
        let bounds = scene_bounds(scene.meshes(MESHES).map(|(_, m)| m));

        let inverse = view_proj.inverse();
        let rotation = p.environment_rotation.to_radians();
        let mut uniforms = SceneUniforms {
            view_proj: cols(view_proj),
            inv_view_proj: cols(if inverse.is_finite() {
                inverse
            } else {
                Mat4::IDENTITY
            }),
            camera_position: camera.position.extend(1.0).to_array(),
            ambient: linear_rgb(p.ambient.0).extend(p.exposure).to_array(),
            settings: [0, p.shading as u32, p.tonemap as u32, 0],
            environment: [
                p.environment_intensity,
                rotation.cos(),
                rotation.sin(),
                if p.background == Background::Environment {
                    1.0
                } else {
                    0.0
                },
            ],
            sky: Self::sky(p),
            lights: [LightUniform::default(); MAX_LIGHTS],
        };
        let lights = || scene.lights(LIGHTS).map(|(_, l)| l).take(MAX_LIGHTS);
        let mut count = 0;
        let mut shadow_lights: ShadowLights<'a> = [None; MAX_CUBE_SHADOWS + MAX_2D_SHADOWS];
        let mut maps = 0;
        for (l, slot) in lights().zip(assign_slots(lights())) {
            let (u, m) = light_uniform(l, slot, bounds);
            uniforms.lights[count] = u;
            count += 1;
            if slot.is_some() && maps < shadow_lights.len() {
                shadow_lights[maps] = Some((l, m));
                maps += 1;
            }
        }
        uniforms.settings[0] = count as u32;
        (uniforms, shadow_lights)
    }

    /// The `Sky` block: the procedural sky's colours and sun, or (w of `zenith` = 1) the
    /// picture (while the first is read, a black stand-in; later ones, the last good).
    fn sky(p: &Render3dParams) -> SkyUniform {
        let picture = if p.environment.0.is_empty() { 0.0 } else { 1.0 };
        let sun = (-p.sun_direction).normalize_or(Vec3::Y);
        SkyUniform {
            zenith: linear_rgb(p.sky_color.0).extend(picture).to_array(),
            horizon: linear_rgb(p.horizon_color.0).extend(0.0).to_array(),
            ground: linear_rgb(p.ground_color.0).extend(0.0).to_array(),
            sun: sun.extend(SUN_RADIUS).to_array(),
            sun_color: (linear_rgb(p.sun_color.0) * p.sun_intensity)
                .extend(0.0)
                .to_array(),
        }
    }

    /// One `Mesh` block per part of every mesh, and its draw: opaque and masked parts in
    /// order, then blended parts from the farthest to the nearest (seen from `eye`).
    fn push_draws(&mut self, scene: &SceneView<'_>, eye: Vec3, out: &mut UniformWriter<'_>) {
        self.draws.clear();
        for (node, m) in scene.meshes(MESHES) {
            for (part, pc) in m.geometry.parts.iter().enumerate() {
                let material = &pc.material;
                let slot = out.push(&mesh_uniform(m, material));
                let blend = material.alpha == AlphaMode::Blend;
                let centre = if m.geometry.mode == vivid_engine::scene::ShapeMode::Scaled {
                    m.model.transform_point3(pc.centre * m.shape)
                } else {
                    m.model.transform_point3(Vec3::ZERO)
                };
                self.draws.push(Draw {
                    node,
                    part,
                    slot,
                    cast: m.cast_shadows,
                    blend,
                    double_sided: material.double_sided,
                    cut: material.alpha != AlphaMode::Opaque,
                    distance: centre.distance(eye),
                });
            }
        }
        // Stable: opaque parts keep their order; blended ones go last, far to near.
        self.draws.sort_by(|a, b| match (a.blend, b.blend) {
            (false, false) => std::cmp::Ordering::Equal,
            (false, true) => std::cmp::Ordering::Less,
            (true, false) => std::cmp::Ordering::Greater,
            (true, true) => b.distance.total_cmp(&a.distance),
        });
    }

    /// One `Face` block per face of every shadow map (six for a point light, else one), in
    /// the order of the maps (the plan's order: light order), and what each map shows.
    fn push_shadow_faces(
        &mut self,
        shadow_lights: &ShadowLights<'_>,
        scene: &SceneView<'_>,
        out: &mut UniformWriter<'_>,
    ) {
        self.faces.clear();
        for (l, m) in shadow_lights.iter().flatten() {
            let mut slots = [UniformSlot::default(); 6];
            if l.kind == LightKind::Point {
                let far = shadow_far(l);
                for (face, s) in slots.iter_mut().enumerate() {
                    let vp = shadow::cube_face_view_proj(l.position, far, face);
                    *s = out.push(&FaceUniforms::new(vp));
                }
            } else {
                slots[0] = out.push(&FaceUniforms::new(*m));
            }
            self.faces.push((slots, Self::shadow_hash(l, scene)));
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
}

/// The sun disc's angular radius, radians (2°).
const SUN_RADIUS: f32 = 0.035;

/// Draws the parts of a scene's meshes with a prepared scene's mesh bind groups.
struct PartDrawer<'a> {
    scene: SceneView<'a>,
    /// By (geometry id, part).
    groups: &'a HashMap<(u64, usize), wgpu::BindGroup>,
}

impl PartDrawer<'_> {
    fn draw(&self, pass: &mut wgpu::RenderPass<'_>, d: &Draw) {
        let Some(SceneItem::Mesh(m)) = self.scene.item(d.node) else {
            return;
        };
        let Some(part) = m.geometry.parts.get(d.part) else {
            return;
        };
        let Some(group) = self.groups.get(&(m.geometry.id, d.part)) else {
            return;
        };
        pass.set_bind_group(1, group, &[d.slot.offset]);
        pass.set_vertex_buffer(0, m.geometry.vertices.buffer.slice(..));
        pass.set_index_buffer(
            m.geometry.indices.buffer.slice(..),
            wgpu::IndexFormat::Uint32,
        );
        pass.draw_indexed(part.indices.clone(), 0, 0..1);
    }
}

/// A pass drawing depth into one face of a shadow map.
fn begin_shadow_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    view: &wgpu::TextureView,
) -> wgpu::RenderPass<'e> {
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
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
    })
}

/// The pass drawing the scene into `output`, cleared to `clear`.
fn begin_main_pass<'e>(
    encoder: &'e mut wgpu::CommandEncoder,
    output: &wgpu::TextureView,
    targets: &Targets,
    clear: wgpu::Color,
) -> wgpu::RenderPass<'e> {
    // Multisampled: only the resolved image is kept (the samples are discarded).
    let (view, resolve, store) = match &targets.msaa {
        Some(m) => (&m.view, Some(output), wgpu::StoreOp::Discard),
        None => (output, None, wgpu::StoreOp::Store),
    };
    encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
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
            view: &targets.depth.view,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Clear(1.0),
                store: wgpu::StoreOp::Discard,
            }),
            stencil_ops: None,
        }),
        ..Default::default()
    })
}

impl Operator for Render3d {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: Render3dParams = cx.params();
        let scene = cx.scene;
        let (uniforms, shadow_lights) = Self::scene_uniforms(&p, &scene, cx.size);
        self.scene_slot = out.push(&uniforms);
        let clear = p.clear_color.premultiplied().map(f64::from);
        self.clear = wgpu::Color {
            r: clear[0],
            g: clear[1],
            b: clear[2],
            a: clear[3],
        };
        let eye = Vec3::from_slice(&uniforms.camera_position);
        self.sky = uniforms.sky;
        self.background = p.background == Background::Environment;
        self.sky_slot = out.push(&self.sky);
        self.push_draws(&scene, eye, out);
        self.push_shadow_faces(&shadow_lights, &scene, out);
    }

    fn chain_changed(&mut self, _params: &ParamValues, pool: &mut TexturePool) {
        // The lights may be gone: their maps are freed now, made again at the next prepare.
        for m in self.shadows.drain(..) {
            pool.release(m.texture);
        }
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = Render3dParams::read(params);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        p.antialias.hash(&mut h);
        p.environment.0.hash(&mut h);
        h.finish()
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

        // Shared, made once per instance (kept only if they were made: a failed creation
        // is an invalid texture).
        if self.fallbacks.is_none() {
            let (made, failed) =
                gpu.create_checked("render3d's fallback textures", || Fallbacks::new(gpu));
            if let Some(e) = failed {
                return Err(e);
            }
            self.fallbacks = Some(made);
        }
        let Some(fallbacks) = self.fallbacks.as_ref() else {
            return Ok(());
        };
        // The environment picture: read again only when its path or file changed, on the
        // loader thread; meanwhile the last good one shows and this prepares again.
        let late = match self.environment.load(
            gpu,
            cx.files.rules(),
            &p.environment.0,
            cx.files_generation,
            cx.files.wait(),
        )? {
            LoadState::Current => None,
            LoadState::Pending(late) => {
                cx.pending = true;
                late
            }
        };
        // Shadow maps: kept while the plan (slot, resolution) is the same.
        update_shadow_maps(
            &mut self.shadows,
            &Self::shadow_plan(&cx.scene),
            gpu,
            cx.pool,
        )?;
        // Layouts and pipelines (cached by the engine across instances).
        let layouts = Layouts::get(gpu, cx.pipelines);
        let pipelines = pipelines(gpu, cx.pipelines, cx.shaders, &layouts, samples)?;

        // Bind groups.
        let Some(arena) = cx.uniforms.buffer() else {
            return Err(vivid_engine::EngineError::Param(
                "render3d: the uniform buffer is not ready".into(),
            ));
        };
        self.environment
            .prepare(gpu, cx.pipelines, cx.shaders, &SkySlot { arena })?;
        for (_, m) in cx.scene.meshes(MESHES) {
            for part in &m.geometry.parts {
                for r in maps_of(&part.material).into_iter().flatten() {
                    let key = sampler_key(&r);
                    if self.samplers.contains_key(&key) {
                        continue;
                    }
                    // Kept only if it was made (a failed creation is an invalid sampler).
                    let (sampler, failed) =
                        gpu.create_checked("making a map's sampler", || map_sampler(gpu, &r));
                    if let Some(e) = failed {
                        return Err(e);
                    }
                    self.samplers.insert(key, sampler);
                }
            }
        }
        let default_sampler = cx.pipelines.sampler(gpu, SamplerKind::LinearRepeat);
        let white = &fallbacks.white;
        let mut parts: Vec<((u64, usize), PartMaps<'_>)> = Vec::new();
        for (_, m) in cx.scene.meshes(MESHES) {
            for (index, part) in m.geometry.parts.iter().enumerate() {
                let maps = maps_of(&part.material).map(|r| {
                    let texture = r.and_then(|r| m.geometry.textures.get(r.texture));
                    let sampler = r.and_then(|r| self.samplers.get(&sampler_key(&r)));
                    match (texture, sampler) {
                        (Some(t), Some(s)) => (&t.view, s),
                        _ => (&white.view, &default_sampler),
                    }
                });
                parts.push(((m.geometry.id, index), maps));
            }
        }
        let (Some(environment), Some(picture)) = (
            self.environment.textures.as_ref(),
            self.environment.picture_view(),
        ) else {
            return Err(vivid_engine::EngineError::Param(
                "render3d: the environment is not ready".into(),
            ));
        };
        let inputs = SceneInputs {
            compare: cx.pipelines.sampler(gpu, SamplerKind::ShadowCompare),
            environment,
            picture,
        };
        let groups = BindGroups::new(
            gpu,
            &layouts,
            arena,
            &inputs,
            fallbacks,
            &self.shadows,
            &parts,
        );

        // Targets (the output is the resolve target when multisampling).
        let old = self.prepared.take().map(|o| o.targets);
        let targets = Targets::new(old, cx.output.size(), samples, gpu, cx.pool);
        self.prepared = Some(Prepared {
            pipelines,
            groups,
            targets,
        });
        // A picture read for longer than a frame may wait: said once, while the scene
        // (prepared above, with the last good picture) keeps drawing.
        match late {
            Some(message) => {
                cx.still_bound = true;
                Err(vivid_engine::EngineError::Param(message))
            }
            None => Ok(()),
        }
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let Some(prep) = &self.prepared else {
            return;
        };
        let parts = PartDrawer {
            scene: cx.scene,
            groups: &prep.groups.parts,
        };

        // The environment's cubes, if it changed.
        let hash = self.environment.hash(&self.sky);
        if self
            .environment
            .encode(cx.encoder, self.sky_slot.offset, hash)
        {
            cx.stats.add("environment_prefilters", 1);
        }

        // Shadow maps whose content changed.
        for (map, (slots, hash)) in self.shadows.iter_mut().zip(&self.faces) {
            if map.drawn == Some(*hash) {
                continue;
            }
            for (face, view) in map.face_views.iter().enumerate() {
                let mut pass = begin_shadow_pass(cx.encoder, view);
                pass.set_bind_group(0, &prep.groups.face, &[slots[face].offset]);
                for cut in [false, true] {
                    let pipeline = if cut {
                        &prep.pipelines.shadow_mask
                    } else {
                        &prep.pipelines.shadow
                    };
                    pass.set_pipeline(pipeline);
                    for d in self.draws.iter().filter(|d| d.cast && d.cut == cut) {
                        parts.draw(&mut pass, d);
                    }
                }
                cx.stats.add("shadow_passes", 1);
            }
            map.drawn = Some(*hash);
        }

        // The scene: opaque and masked parts, the background, blended parts.
        let mut pass = begin_main_pass(cx.encoder, &cx.output.view, &prep.targets, self.clear);
        pass.set_bind_group(0, &prep.groups.scene, &[self.scene_slot.offset]);
        let mut background = self.background;
        for d in &self.draws {
            if d.blend && background {
                pass.set_pipeline(&prep.pipelines.sky);
                pass.draw(0..3, 0..1);
                background = false;
            }
            pass.set_pipeline(prep.pipelines.part(d.blend, d.double_sided));
            parts.draw(&mut pass, d);
        }
        if background {
            pass.set_pipeline(&prep.pipelines.sky);
            pass.draw(0..3, 0..1);
        }
    }
}

/// A part's maps in binding order ([`MAPS`]).
fn maps_of(m: &vivid_engine::scene::PartMaterial) -> [Option<TextureRef>; MAPS] {
    [
        m.base_color_texture,
        m.metallic_roughness_texture,
        m.normal_texture,
        m.occlusion_texture,
        m.emissive_texture,
    ]
}

fn sampler_key(r: &TextureRef) -> SamplerKey {
    (r.address, r.mag, r.min, r.mipmap, r.mipmapped)
}

/// The sampler of a map (its glTF sampler).
fn map_sampler(gpu: &vivid_engine::gpu::Gpu, r: &TextureRef) -> wgpu::Sampler {
    gpu.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("vivid.render3d.map_sampler"),
        address_mode_u: r.address[0],
        address_mode_v: r.address[1],
        mag_filter: r.mag,
        min_filter: r.min,
        mipmap_filter: r.mipmap,
        lod_max_clamp: if r.mipmapped { 32.0 } else { 0.0 },
        ..Default::default()
    })
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
    fn scene_bounds_hold_every_sphere() {
        let (c, r) = scene_bounds(std::iter::empty());
        assert_eq!((c, r), (Vec3::ZERO, 1.0));
    }
}
