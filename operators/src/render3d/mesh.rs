//! `mesh`: something `render3d` draws — a primitive (plane, box, sphere, cylinder, cone,
//! torus) or a glTF 2.0 file — with its transform and material (a scene node: no image).
//!
//! The geometry (vertex and index buffers, base colour textures) is built in `prepare`,
//! only when `kind` or `path` changes (or the file, seen by the engine). A glTF file is read
//! and flattened on a thread of its own ([`Loading`], by the file rule of
//! [`vivid_engine::files`]); until it is there the last good geometry keeps drawing. Sizes (`size`, `radius`, `height`, `tube`) are not
//! geometry: the vertex shader applies them (see `shaders/common/scene.wgsl`), so they
//! animate freely without creating anything.

use std::sync::Arc;

use vivid_engine::Result;
use vivid_engine::files::{Loading, Poll};
use vivid_engine::glam::Vec3;
use vivid_engine::gpu::{Gpu, GpuTexture, next_resource_id};
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues, Rgba};
use vivid_engine::resources::UniformWriter;
use vivid_engine::scene::{
    Geometry, GeometryPart, Material, MeshItem, SceneItem, SceneKind, ShapeMode, linear_rgb,
    model_matrix, srgb_to_linear,
};

use super::geometry::{MeshData, MeshImage};
use super::primitives::Primitive;

vivid_engine::choice_enum! {
    /// Which primitive a `mesh` is (when it has no `path`).
    pub enum MeshKind {
        /// A square in the XZ plane facing +Y, `size` [x, _, z].
        Plane = "plane",
        /// A box of `size` [x, y, z].
        Box = "box",
        /// A sphere of `radius`.
        Sphere = "sphere",
        /// A cylinder of `radius` and `height` along Y.
        Cylinder = "cylinder",
        /// A cone of base `radius` and `height`, apex up.
        Cone = "cone",
        /// A torus around Y: ring `radius`, tube radius `tube`.
        Torus = "torus",
    }
}

vivid_engine::file_param! {
    /// A glTF file parameter (`path`).
    pub struct MeshFile(Mesh);
}

vivid_engine::params! {
    /// Parameters of `mesh`.
    pub struct MeshParams {
        /// plane, box, sphere, cylinder, cone or torus (ignored with `path`).
        #[param(group = "Shape")]
        kind: MeshKind = MeshKind::Box,
        /// A glTF 2.0 file (.gltf or .glb) relative to the project folder: its meshes (node
        /// transforms applied), base colours and base colour textures.
        #[param(group = "Shape")]
        path: MeshFile = MeshFile::default(),
        /// Box [x, y, z]; plane [x, _, z].
        #[param(when = "kind:box|plane", group = "Shape")]
        size: Vec3 = Vec3::ONE,
        /// Sphere, cylinder and cone radius; torus ring radius.
        #[param(when = "kind:sphere|cylinder|cone|torus", group = "Shape")]
        radius: f32 [0.0, 1.0e6] = 0.5,
        /// Cylinder and cone height.
        #[param(when = "kind:cylinder|cone", group = "Shape")]
        height: f32 [0.0, 1.0e6] = 1.0,
        /// Torus tube radius.
        #[param(when = "kind:torus", group = "Shape")]
        tube: f32 [0.0, 1.0e6] = 0.15,
        /// Position [x, y, z].
        #[param(group = "Transform")]
        position: Vec3 = Vec3::ZERO,
        /// Rotation [x, y, z] in degrees, applied about X, then Y, then Z.
        #[param(alias = "rotation", group = "Transform")]
        rotate: Vec3 = Vec3::ZERO,
        /// Scale [x, y, z] along the object's own axes.
        #[param(group = "Transform")]
        scale: Vec3 = Vec3::ONE,
        /// Base colour (display-referred; multiplies a glTF file's own colour and texture).
        #[param(group = "Material")]
        color: Rgba = Rgba::WHITE,
        /// 0: dielectric (plastic, wood) .. 1: metal.
        #[param(group = "Material")]
        metallic: f32 [0.0, 1.0] = 0.0,
        /// 0: mirror-smooth .. 1: matte.
        #[param(group = "Material")]
        roughness: f32 [0.0, 1.0] = 0.5,
        /// Emitted colour (display-referred; black: none). Shows even in the dark.
        #[param(group = "Material")]
        emissive: Rgba = Rgba::BLACK,
        /// Whether it casts shadows.
        #[param(group = "Shadows")]
        cast_shadows: bool = true,
        /// Whether shadows fall on it.
        #[param(group = "Shadows")]
        receive_shadows: bool = true,
    }
}

/// `mesh`.
#[derive(Debug, Default)]
pub struct Mesh {
    geometry: Option<Arc<Geometry>>,
    load: Option<MeshLoad>,
}

/// A glTF file being read and flattened on another thread.
#[derive(Debug)]
struct MeshLoad {
    path: String,
    /// [`PrepareCx::files_generation`] when it started.
    generation: u64,
    loading: Loading<MeshData>,
}

impl OperatorType for Mesh {
    const NAME: &'static str = "mesh";
    const CATEGORY: Category = Category::Render3d;
    const SUMMARY: &'static str = "A primitive (plane, box, sphere, cylinder, cone, torus) or a glTF file, with transform and PBR material, for render3d.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = MeshParams;
    const SCENE: Option<SceneKind> = Some(SceneKind::Mesh);
}

impl MeshKind {
    fn primitive(self) -> Primitive {
        match self {
            Self::Plane => Primitive::Plane,
            Self::Box => Primitive::Box,
            Self::Sphere => Primitive::Sphere,
            Self::Cylinder => Primitive::Cylinder,
            Self::Cone => Primitive::Cone,
            Self::Torus => Primitive::Torus,
        }
    }
}

/// Longest side of a mesh texture on the GPU (larger images are reduced on load).
const MAX_TEXTURE_SIDE: u32 = 4096;

/// A buffer holding `bytes`, written at creation (no staging, no queue write).
fn buffer_with(
    gpu: &Gpu,
    label: &str,
    usage: wgpu::BufferUsages,
    bytes: &[u8],
) -> vivid_engine::gpu::GpuBuffer {
    let size = (bytes.len() as u64)
        .next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT)
        .max(wgpu::COPY_BUFFER_ALIGNMENT);
    let buffer = gpu.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage,
        mapped_at_creation: true,
    });
    if let Ok(mut view) = buffer.buffer.get_mapped_range_mut(0..bytes.len() as u64) {
        view.copy_from_slice(bytes);
    }
    buffer.buffer.unmap();
    buffer
}

/// Halves an sRGB RGBA8 image (box filter in linear light; odd sides keep their last row
/// or column).
fn half(image: &MeshImage) -> MeshImage {
    let (width, height) = ((image.width / 2).max(1), (image.height / 2).max(1));
    let mut out = vec![0u8; (width * height * 4) as usize];
    let texel = |col: u32, row: u32, channel: usize| -> f32 {
        let col = col.min(image.width - 1);
        let row = row.min(image.height - 1);
        let byte = image.rgba8[((row * image.width + col) * 4) as usize + channel];
        let value = f32::from(byte) / 255.0;
        if channel == 3 {
            value
        } else {
            srgb_to_linear(value)
        }
    };
    for row in 0..height {
        for col in 0..width {
            for channel in 0..4 {
                let sum = texel(2 * col, 2 * row, channel)
                    + texel(2 * col + 1, 2 * row, channel)
                    + texel(2 * col, 2 * row + 1, channel)
                    + texel(2 * col + 1, 2 * row + 1, channel);
                let mean = sum / 4.0;
                let encoded = if channel == 3 {
                    mean
                } else {
                    linear_to_srgb(mean)
                };
                out[((row * width + col) * 4) as usize + channel] =
                    (encoded * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    MeshImage {
        width,
        height,
        rgba8: out,
    }
}

fn linear_to_srgb(c: f32) -> f32 {
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// An sRGB texture with a full mip chain (made on the CPU) of `image`.
fn upload_image(gpu: &Gpu, image: &MeshImage) -> GpuTexture {
    let mut level = image.clone();
    while level.width.max(level.height) > MAX_TEXTURE_SIDE {
        level = half(&level);
    }
    let mips = 32 - level.width.max(level.height).leading_zeros();
    let texture = gpu.create_texture(&wgpu::TextureDescriptor {
        label: Some("vivid.mesh.texture"),
        size: wgpu::Extent3d {
            width: level.width,
            height: level.height,
            depth_or_array_layers: 1,
        },
        mip_level_count: mips,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba8UnormSrgb,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    for mip in 0..mips {
        gpu.queue().write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture.texture,
                mip_level: mip,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            &level.rgba8,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(level.width * 4),
                rows_per_image: None,
            },
            wgpu::Extent3d {
                width: level.width,
                height: level.height,
                depth_or_array_layers: 1,
            },
        );
        if mip + 1 < mips {
            level = half(&level);
        }
    }
    texture
}

/// The GPU geometry of `data`.
fn upload(gpu: &Gpu, data: &MeshData, mode: ShapeMode) -> Result<Geometry> {
    if data.indices.is_empty() || data.vertices.is_empty() {
        return Err(vivid_engine::EngineError::Param(
            "the mesh has no triangles".into(),
        ));
    }
    for image in &data.images {
        if image.width == 0
            || image.height == 0
            || image.rgba8.len() != (image.width * image.height * 4) as usize
        {
            return Err(vivid_engine::EngineError::Param(format!(
                "a texture of the mesh is malformed ({}x{}, {} bytes)",
                image.width,
                image.height,
                image.rgba8.len()
            )));
        }
    }
    let vertices = buffer_with(
        gpu,
        "vivid.mesh.vertices",
        wgpu::BufferUsages::VERTEX,
        bytemuck::cast_slice(&data.vertices),
    );
    let indices = buffer_with(
        gpu,
        "vivid.mesh.indices",
        wgpu::BufferUsages::INDEX,
        bytemuck::cast_slice(&data.indices),
    );
    let textures = data.images.iter().map(|i| upload_image(gpu, i)).collect();
    let parts = data
        .parts
        .iter()
        .map(|p| GeometryPart {
            indices: p.indices.clone(),
            base_color: p.base_color,
            texture: p.image,
        })
        .collect();
    Ok(Geometry {
        id: next_resource_id(),
        vertices,
        indices,
        parts,
        textures,
        bounds: (Vec3::from(data.bounds_min), Vec3::from(data.bounds_max)),
        mode,
    })
}

impl Mesh {
    /// The glTF file at `path`, read and flattened on another thread: started now if no load
    /// of this version runs, then polled. `None` while it is still being read (the node is
    /// prepared again next frame; the last good geometry keeps drawing).
    fn poll_file(&mut self, cx: &mut PrepareCx<'_>, path: &str) -> Result<Option<MeshData>> {
        let running = self
            .load
            .as_ref()
            .is_some_and(|l| l.path == path && l.generation >= cx.files_generation);
        if !running {
            let rules = cx.files.rules().clone();
            let file = std::path::PathBuf::from(path);
            let loading = Loading::start(&file.clone(), move || {
                MeshData::load_gltf_with(&rules, &file).map_err(|e| e.to_string())
            })
            .map_err(vivid_engine::EngineError::Param)?;
            self.load = Some(MeshLoad {
                path: path.to_string(),
                generation: cx.files_generation,
                loading,
            });
        }
        let Some(load) = &mut self.load else {
            return Ok(None);
        };
        match load.loading.poll(cx.files.wait()) {
            Poll::Ready(data) => {
                self.load = None;
                Ok(Some(data))
            }
            Poll::Failed(message) => {
                self.load = None;
                Err(vivid_engine::EngineError::Param(message))
            }
            Poll::Pending { late } => {
                cx.pending = true;
                match late {
                    Some(message) => Err(vivid_engine::EngineError::Param(message)),
                    None => Ok(None),
                }
            }
        }
    }
}

impl Operator for Mesh {
    fn write_uniforms(&mut self, _cx: &UniformCx<'_>, _out: &mut UniformWriter<'_>) {}

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        use std::hash::{Hash, Hasher};
        let p = MeshParams::read(params);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if p.path.0.is_empty() {
            (p.kind as u32).hash(&mut h);
        } else {
            p.path.0.hash(&mut h);
        }
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = MeshParams::read(cx.params);
        let (data, mode) = if p.path.0.is_empty() {
            self.load = None;
            let mode = if p.kind == MeshKind::Torus {
                ShapeMode::Torus
            } else {
                ShapeMode::Scaled
            };
            (MeshData::primitive(p.kind.primitive()), mode)
        } else {
            match self.poll_file(cx, &p.path.0)? {
                Some(data) => (data, ShapeMode::Scaled),
                None => return Ok(()),
            }
        };
        // Built into a local: on error the previous geometry stays.
        let geometry = upload(cx.gpu, &data, mode)?;
        self.geometry = Some(Arc::new(geometry));
        Ok(())
    }

    fn encode(&mut self, _cx: &mut EncodeCx<'_>) {}

    fn scene(&mut self, cx: &UniformCx<'_>) -> Option<SceneItem> {
        let geometry = self.geometry.clone()?;
        let p: MeshParams = cx.params();
        let shape = if p.path.0.is_empty() {
            match p.kind {
                MeshKind::Plane => Vec3::new(p.size.x, 1.0, p.size.z),
                MeshKind::Box => p.size,
                MeshKind::Sphere => Vec3::splat(p.radius),
                MeshKind::Cylinder | MeshKind::Cone => Vec3::new(p.radius, p.height, p.radius),
                MeshKind::Torus => Vec3::new(p.radius, p.tube, 0.0),
            }
        } else {
            Vec3::ONE
        };
        // A primitive switched to a glTF file (or back) keeps drawing its old geometry
        // until the new one is built; its shape must match that geometry.
        let shape = if geometry.mode == ShapeMode::Torus && p.kind != MeshKind::Torus {
            Vec3::new(p.radius, p.tube, 0.0)
        } else {
            shape
        };
        let base = linear_rgb(p.color.0);
        Some(SceneItem::Mesh(MeshItem {
            geometry,
            model: model_matrix(p.position, p.rotate, p.scale),
            shape,
            material: Material {
                base_color: [base.x, base.y, base.z, p.color.0[3]],
                metallic: p.metallic,
                roughness: p.roughness,
                emissive: linear_rgb(p.emissive.0),
            },
            cast_shadows: p.cast_shadows,
            receive_shadows: p.receive_shadows,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_keeps_the_mean_in_linear_light() {
        let image = MeshImage {
            width: 2,
            height: 2,
            rgba8: vec![
                255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255,
            ],
        };
        let h = half(&image);
        assert_eq!((h.width, h.height), (1, 1));
        // Half white, half black is 0.5 linear: 188 in sRGB (not 128).
        assert_eq!(h.rgba8, vec![188, 188, 188, 255]);
    }

    #[test]
    fn shape_params_are_not_in_the_prepare_key() {
        let specs: std::sync::Arc<[_]> = MeshParams::specs().into();
        let mut set = vivid_engine::params::ParamSet::new(specs);
        let key = |set: &vivid_engine::params::ParamSet| {
            Mesh::default().prepare_key(set.values(), set.animated())
        };
        let k0 = key(&set);
        let radius = set.index_of("radius").expect("radius");
        let src = set.specs()[radius]
            .parse(&"1 + sin(time)".into())
            .expect("expression");
        set.set(radius, src);
        set.evaluate(&vivid_engine::params::ExprVars::at(1.0, 1.0));
        assert_eq!(key(&set), k0);
        let kind = set.index_of("kind").expect("kind");
        let src = set.specs()[kind].parse(&"sphere".into()).expect("choice");
        set.set(kind, src);
        assert_ne!(key(&set), k0);
    }
}
