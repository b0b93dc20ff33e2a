//! A glTF scene flattened into one [`MeshData`]: the node tree walked with its transforms,
//! each triangle primitive appended as a part with its material (factors, alpha mode,
//! sidedness, and its maps with their samplers; images decoded to RGBA8 once per file
//! image and colour space), tangents generated (MikkTSpace) where a normal map needs them
//! and the file gives none.

use std::collections::HashMap;

use glam::{Mat4, Vec3};

use vivid_engine::scene::{AlphaMode, PartMaterial, TextureRef};

use super::geometry::{MeshData, MeshImage, MeshPart, NO_TANGENT, Vertex};
use super::gltf::{Problem, check_size, invalid};
use super::gltf_primitive::PrimitiveData;

/// Flattens the scene of `document`, whose buffers and decoded images are given, into one
/// mesh with its bounds.
pub(super) fn flatten(
    document: &gltf::Document,
    buffers: &[gltf::buffer::Data],
    images: &[gltf::image::Data],
) -> Result<MeshData, Problem> {
    Flattener {
        buffers,
        file_images: images,
        image_slots: HashMap::new(),
        out: MeshData {
            vertices: Vec::new(),
            indices: Vec::new(),
            parts: Vec::new(),
            images: Vec::new(),
            bounds_min: [0.0; 3],
            bounds_max: [0.0; 3],
        },
    }
    .run(document)
}

/// The scene's root nodes: those of the default scene, else of the first scene, else every
/// node that is nobody's child.
fn roots(document: &gltf::Document) -> Vec<gltf::Node<'_>> {
    let scene = document
        .default_scene()
        .or_else(|| document.scenes().next());
    if let Some(scene) = scene {
        return scene.nodes().collect();
    }
    let mut is_child = vec![false; document.nodes().len()];
    for node in document.nodes() {
        for child in node.children() {
            if let Some(flag) = is_child.get_mut(child.index()) {
                *flag = true;
            }
        }
    }
    document
        .nodes()
        .filter(|n| !is_child.get(n.index()).copied().unwrap_or(false))
        .collect()
}

struct Flattener<'a> {
    buffers: &'a [gltf::buffer::Data],
    file_images: &'a [gltf::image::Data],
    /// (glTF image index, sRGB) → index in `out.images`.
    image_slots: HashMap<(usize, bool), usize>,
    out: MeshData,
}

impl Flattener<'_> {
    fn run(mut self, document: &gltf::Document) -> Result<MeshData, Problem> {
        // Depth first, in file order, without recursion (no stack overflow on deep trees).
        let mut visited = vec![false; document.nodes().len()];
        let mut stack: Vec<(gltf::Node<'_>, Mat4)> = roots(document)
            .into_iter()
            .rev()
            .map(|n| (n, Mat4::IDENTITY))
            .collect();
        while let Some((node, parent)) = stack.pop() {
            match visited.get_mut(node.index()) {
                Some(seen) if !*seen => *seen = true,
                _ => {
                    return Err(invalid(format!(
                        "node {} is reached twice (the node hierarchy must be a tree)",
                        node.index()
                    )));
                }
            }
            let world = parent * Mat4::from_cols_array_2d(&node.transform().matrix());
            if let Some(mesh) = node.mesh() {
                for primitive in mesh.primitives() {
                    self.primitive(&primitive, &world)
                        .map_err(|p| in_primitive(p, &node, &mesh, &primitive))?;
                }
            }
            let children: Vec<_> = node.children().collect();
            stack.extend(children.into_iter().rev().map(|c| (c, world)));
        }

        let out = self.out;
        if out.indices.is_empty() {
            return Err(Problem::NoTriangles);
        }
        let (min, max) = bounds(&out.vertices);
        Ok(MeshData {
            bounds_min: min.to_array(),
            bounds_max: max.to_array(),
            ..out
        })
    }

    /// Appends one primitive (a part) to `out`, or nothing if it has no triangles.
    fn primitive(&mut self, primitive: &gltf::Primitive<'_>, world: &Mat4) -> Result<(), Problem> {
        let Some(data) = PrimitiveData::read(primitive, self.buffers, world)? else {
            return Ok(());
        };
        let material = self.material(&primitive.material())?;
        let start = self.out.indices.len() as u32;
        self.append(&data, material.normal_texture.is_some())?;
        let end = self.out.indices.len() as u32;
        let (lo, hi) = data.positions.iter().fold(
            (Vec3::splat(f32::INFINITY), Vec3::splat(f32::NEG_INFINITY)),
            |(lo, hi), p| (lo.min(*p), hi.max(*p)),
        );
        self.out.parts.push(MeshPart {
            indices: start..end,
            material,
            centre: ((lo + hi) * 0.5).to_array(),
        });
        Ok(())
    }

    /// A glTF material as a part's: factors, alpha mode, sidedness and maps. A primitive
    /// without a material keeps the mesh node's metallic and roughness.
    fn material(&mut self, m: &gltf::Material<'_>) -> Result<PartMaterial, Problem> {
        let pbr = m.pbr_metallic_roughness();
        let mut out = PartMaterial {
            base_color: pbr.base_color_factor(),
            metallic_roughness: m
                .index()
                .map(|_| [pbr.metallic_factor(), pbr.roughness_factor()]),
            emissive: m.emissive_factor(),
            alpha: match m.alpha_mode() {
                gltf::material::AlphaMode::Opaque => AlphaMode::Opaque,
                gltf::material::AlphaMode::Mask => AlphaMode::Mask(m.alpha_cutoff().unwrap_or(0.5)),
                gltf::material::AlphaMode::Blend => AlphaMode::Blend,
            },
            double_sided: m.double_sided(),
            ..PartMaterial::default()
        };
        if let Some(info) = pbr.base_color_texture() {
            out.base_color_texture = Some(self.texture(&info.texture(), true)?);
        }
        if let Some(info) = pbr.metallic_roughness_texture() {
            out.metallic_roughness_texture = Some(self.texture(&info.texture(), false)?);
        }
        if let Some(info) = m.normal_texture() {
            out.normal_texture = Some(self.texture(&info.texture(), false)?);
            out.normal_scale = info.scale();
        }
        if let Some(info) = m.occlusion_texture() {
            out.occlusion_texture = Some(self.texture(&info.texture(), false)?);
            out.occlusion_strength = info.strength();
        }
        if let Some(info) = m.emissive_texture() {
            out.emissive_texture = Some(self.texture(&info.texture(), true)?);
        }
        Ok(out)
    }

    /// A glTF texture as a map: its image (decoded once per colour space) and its sampler.
    fn texture(&mut self, t: &gltf::Texture<'_>, srgb: bool) -> Result<TextureRef, Problem> {
        use gltf::texture::{MagFilter, MinFilter, WrappingMode};
        let texture = self.image(t.source().index(), srgb)?;
        let s = t.sampler();
        let wrap = |w: WrappingMode| match w {
            WrappingMode::ClampToEdge => wgpu::AddressMode::ClampToEdge,
            WrappingMode::MirroredRepeat => wgpu::AddressMode::MirrorRepeat,
            WrappingMode::Repeat => wgpu::AddressMode::Repeat,
        };
        let (nearest, linear) = (wgpu::FilterMode::Nearest, wgpu::FilterMode::Linear);
        let (mip_nearest, mip_linear) = (
            wgpu::MipmapFilterMode::Nearest,
            wgpu::MipmapFilterMode::Linear,
        );
        let (min, mipmap, mipmapped) = match s.min_filter() {
            None | Some(MinFilter::LinearMipmapLinear) => (linear, mip_linear, true),
            Some(MinFilter::Nearest) => (nearest, mip_nearest, false),
            Some(MinFilter::Linear) => (linear, mip_nearest, false),
            Some(MinFilter::NearestMipmapNearest) => (nearest, mip_nearest, true),
            Some(MinFilter::LinearMipmapNearest) => (linear, mip_nearest, true),
            Some(MinFilter::NearestMipmapLinear) => (nearest, mip_linear, true),
        };
        Ok(TextureRef {
            texture,
            address: [wrap(s.wrap_s()), wrap(s.wrap_t())],
            mag: match s.mag_filter() {
                Some(MagFilter::Nearest) => nearest,
                _ => linear,
            },
            min,
            mipmap,
            mipmapped,
        })
    }

    /// Appends the vertices and triangles of `data`: as they are when it has normals, else
    /// flat (each triangle its own three vertices with its face normal). Tangents: the
    /// file's, else generated if `tangents` (a normal map reads them), else a stand-in.
    fn append(&mut self, data: &PrimitiveData, tangents: bool) -> Result<(), Problem> {
        let PrimitiveData {
            positions,
            normals,
            tangents: file_tangents,
            uvs,
            triangles,
        } = data;
        let vertex_count = if normals.is_some() {
            positions.len()
        } else {
            triangles.len() * 3
        };
        let base = self.out.vertices.len();
        check_size("vertices", base.saturating_add(vertex_count))?;
        check_size(
            "indices",
            self.out.indices.len().saturating_add(triangles.len() * 3),
        )?;
        let base = base as u32;
        let mut part_triangles: Vec<[u32; 3]>;
        if let Some(normals) = normals {
            let file_tangent = |i: usize| file_tangents.as_ref().and_then(|t| t.get(i)).copied();
            self.out
                .vertices
                .extend(positions.iter().zip(normals).zip(uvs).enumerate().map(
                    |(i, ((p, n), uv))| Vertex {
                        position: p.to_array(),
                        normal: n.to_array(),
                        uv: *uv,
                        tangent: file_tangent(i).unwrap_or(NO_TANGENT),
                    },
                ));
            part_triangles = triangles.iter().map(|t| t.map(|i| base + i)).collect();
        } else {
            let uv_at = |i: u32| uvs.get(i as usize).copied().unwrap_or([0.0; 2]);
            let position_at = |i: u32| positions.get(i as usize).copied().unwrap_or(Vec3::ZERO);
            for t in triangles {
                let [a, b, c] = t.map(position_at);
                let n = (b - a).cross(c - a).try_normalize().unwrap_or(Vec3::Y);
                for &i in t {
                    self.out.vertices.push(Vertex {
                        position: position_at(i).to_array(),
                        normal: n.to_array(),
                        uv: uv_at(i),
                        tangent: NO_TANGENT,
                    });
                }
            }
            part_triangles = (0..triangles.len() as u32)
                .map(|t| [0, 1, 2].map(|k| base + 3 * t + k))
                .collect();
        }
        if tangents && (normals.is_none() || file_tangents.is_none()) {
            super::tangents::generate(&mut self.out.vertices, &mut part_triangles);
            check_size("vertices", self.out.vertices.len())?;
        }
        self.out.indices.extend(part_triangles.iter().flatten());
        Ok(())
    }

    /// The index in `out.images` of glTF image `index` as colour (`srgb`) or data,
    /// converting it the first time.
    fn image(&mut self, index: usize, srgb: bool) -> Result<usize, Problem> {
        if let Some(&slot) = self.image_slots.get(&(index, srgb)) {
            return Ok(slot);
        }
        let data = self
            .file_images
            .get(index)
            .ok_or_else(|| invalid(format!("image {index} does not exist")))?;
        let mut image = to_rgba8(data).map_err(|p| match p {
            Problem::Invalid(what) => invalid(format!("image {index}: {what}")),
            other => other,
        })?;
        image.srgb = srgb;
        let slot = self.out.images.len();
        self.out.images.push(image);
        self.image_slots.insert((index, srgb), slot);
        Ok(slot)
    }
}

/// The corners of the axis-aligned box around the positions of `vertices`.
fn bounds(vertices: &[Vertex]) -> (Vec3, Vec3) {
    let mut min = Vec3::splat(f32::INFINITY);
    let mut max = Vec3::splat(f32::NEG_INFINITY);
    for v in vertices {
        let p = Vec3::from(v.position);
        min = min.min(p);
        max = max.max(p);
    }
    (min, max)
}

/// Prefixes an error from a primitive with where it is.
fn in_primitive(
    problem: Problem,
    node: &gltf::Node<'_>,
    mesh: &gltf::Mesh<'_>,
    primitive: &gltf::Primitive<'_>,
) -> Problem {
    let at = format!(
        "node {} mesh {}{} primitive {}",
        node.index(),
        mesh.index(),
        mesh.name().map(|n| format!(" ({n:?})")).unwrap_or_default(),
        primitive.index()
    );
    match problem {
        Problem::Invalid(what) => Problem::Invalid(format!("{at}: {what}")),
        Problem::Unsupported(what) => Problem::Unsupported(format!("{at}: {what}")),
        other => other,
    }
}

/// Converts a decoded image of any format to RGBA8: grey (R8, R16) to r = g = b, grey-alpha
/// likewise, 16-bit channels to their high byte, float channels clamped to 0..1 × 255.
fn to_rgba8(data: &gltf::image::Data) -> Result<MeshImage, Problem> {
    use gltf::image::Format;
    let (channels, bytes) = match data.format {
        Format::R8 => (1, 1),
        Format::R8G8 => (2, 1),
        Format::R8G8B8 => (3, 1),
        Format::R8G8B8A8 => (4, 1),
        Format::R16 => (1, 2),
        Format::R16G16 => (2, 2),
        Format::R16G16B16 => (3, 2),
        Format::R16G16B16A16 => (4, 2),
        Format::R32G32B32FLOAT => (3, 4),
        Format::R32G32B32A32FLOAT => (4, 4),
    };
    let pixels = (data.width as usize).checked_mul(data.height as usize);
    let expected = pixels.and_then(|p| p.checked_mul(channels * bytes));
    if data.width == 0 || data.height == 0 || expected != Some(data.pixels.len()) {
        return Err(invalid(format!(
            "{}x{} {:?} image has {} bytes of pixel data",
            data.width,
            data.height,
            data.format,
            data.pixels.len()
        )));
    }
    let channel = |c: &[u8]| -> u8 {
        match *c {
            [v] => v,
            [a, b] => (u16::from_ne_bytes([a, b]) >> 8) as u8,
            [a, b, c, d] => {
                let value = f32::from_ne_bytes([a, b, c, d]);
                // NaN → 0 (`clamp` keeps NaN, and `as u8` turns NaN into 0).
                (value.clamp(0.0, 1.0) * 255.0).round() as u8
            }
            _ => 0,
        }
    };
    let mut rgba8 = Vec::with_capacity(pixels.unwrap_or(0) * 4);
    for pixel in data.pixels.chunks_exact(channels * bytes) {
        let mut c = [0u8; 4];
        for (slot, value) in c.iter_mut().zip(pixel.chunks_exact(bytes)) {
            *slot = channel(value);
        }
        rgba8.extend_from_slice(&match channels {
            1 => [c[0], c[0], c[0], 255],
            2 => [c[0], c[0], c[0], c[1]],
            3 => [c[0], c[1], c[2], 255],
            _ => c,
        });
    }
    Ok(MeshImage {
        width: data.width,
        height: data.height,
        rgba8,
        srgb: true,
    })
}

#[cfg(test)]
// Exact float comparisons are intended (copied values, transforms by 0 and ±1), and the
#[cfg(test)]
// Exact float comparisons are intended (copied values, transforms by 0 and ±1), and the
// geometry reads best with x, y, z, u, v, n.
#[allow(clippy::float_cmp, clippy::many_single_char_names)]
mod tests {
    use super::*;
    use crate::render3d::gltf::MeshError;
    use crate::render3d::gltf_testing::{
        Doc, TRIANGLE, assert_not_panicked, load_bytes, one_primitive,
    };

    #[test]
    fn missing_normals_are_computed_flat() {
        let mut doc = Doc::default();
        // Two triangles sharing vertices 0 and 1: one faces +Z, the other +Y.
        let p = doc.floats(
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            "VEC3",
        );
        let i = doc.indices_u16(&[0, 1, 2, 0, 3, 1]);
        let m = load_bytes(
            "flat.glb",
            &doc.glb(&one_primitive(
                &format!(r#""POSITION":{p}"#),
                &format!(r#","indices":{i}"#),
            )),
        )
        .unwrap();
        assert_eq!(
            m.vertices.len(),
            6,
            "de-indexed: three vertices per triangle"
        );
        assert_eq!(m.indices, (0..6).collect::<Vec<_>>());
        let normals: Vec<_> = m.vertices.iter().map(|v| v.normal).collect();
        let (z, y) = ([0.0, 0.0, 1.0], [0.0, 1.0, 0.0]);
        assert_eq!(normals, vec![z, z, z, y, y, y]);
        assert!(
            m.vertices.iter().all(|v| v.uv == [0.0, 0.0]),
            "no TEXCOORD_0 → 0"
        );
        assert_eq!(m.vertices[4].position, [0.0, 0.0, 1.0]);
        assert_eq!((m.bounds_min, m.bounds_max), ([0.0; 3], [1.0; 3]));
    }

    #[test]
    fn materials_images_and_node_transforms() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let mut png = Vec::new();
        image::RgbaImage::from_raw(2, 1, vec![255, 0, 0, 255, 0, 0, 255, 128])
            .unwrap()
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let img = doc.view(&png, "");
        let rest = format!(
            r#""images":[{{"bufferView":{img},"mimeType":"image/png"}}],
            "textures":[{{"source":0}}],
            "materials":[
                {{"pbrMetallicRoughness":{{"baseColorTexture":{{"index":0}},"baseColorFactor":[1,0,0,1]}}}},
                {{"pbrMetallicRoughness":{{"baseColorTexture":{{"index":0}},"baseColorFactor":[0,1,0,0.5]}}}}],
            "meshes":[
                {{"primitives":[{{"attributes":{{"POSITION":{p}}},"material":0}},{{"attributes":{{"POSITION":{p}}},"material":1}}]}},
                {{"primitives":[{{"attributes":{{"POSITION":{p}}}}}]}}],
            "nodes":[{{"mesh":0,"children":[1]}},{{"mesh":1,"translation":[10,0,0]}}],
            "scenes":[{{"nodes":[0]}}],"scene":0"#
        );
        let m = load_bytes("materials.glb", &doc.glb(&rest)).unwrap();
        assert_eq!(m.parts.len(), 3);
        assert_eq!(m.parts[0].indices, 0..3);
        assert_eq!(m.parts[1].indices, 3..6);
        assert_eq!(m.parts[2].indices, 6..9);
        let image = |i: usize| m.parts[i].material.base_color_texture.map(|t| t.texture);
        assert_eq!(m.parts[0].material.base_color, [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(m.parts[1].material.base_color, [0.0, 1.0, 0.0, 0.5]);
        assert_eq!(m.parts[2].material.base_color, [1.0; 4], "no material");
        assert_eq!(image(0), Some(0));
        assert_eq!(image(1), Some(0), "the same glTF image is stored once");
        assert_eq!(image(2), None);
        assert_eq!(
            m.images,
            vec![MeshImage {
                width: 2,
                height: 1,
                rgba8: vec![255, 0, 0, 255, 0, 0, 255, 128],
                srgb: true,
            }]
        );
        assert_eq!(m.bounds_min, [0.0; 3]);
        assert_eq!(
            m.bounds_max,
            [11.0, 1.0, 0.0],
            "the child node is translated"
        );
    }

    #[test]
    fn scene_choice_and_parent_transforms() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let mesh = format!(r#""meshes":[{{"primitives":[{{"attributes":{{"POSITION":{p}}}}}]}}]"#);
        // No scenes: every root node, children under their parent's transform.
        let nodes = r#""nodes":[
            {"mesh":0,"translation":[1,0,0],"children":[1]},
            {"mesh":0,"translation":[0,3,0]},
            {"mesh":0,"translation":[-4,0,0]}]"#;
        let m = load_bytes("roots.glb", &doc.glb(&format!("{mesh},{nodes}"))).unwrap();
        assert_eq!(m.parts.len(), 3);
        assert_eq!(
            (m.bounds_min, m.bounds_max),
            ([-4.0, 0.0, 0.0], [2.0, 4.0, 0.0])
        );
        // The default scene wins over scene 0.
        let scenes = r#""scenes":[{"nodes":[0]},{"nodes":[2]}],"scene":1"#;
        let m = load_bytes("scene.glb", &doc.glb(&format!("{mesh},{nodes},{scenes}"))).unwrap();
        assert_eq!(m.parts.len(), 1);
        assert_eq!(
            (m.bounds_min, m.bounds_max),
            ([-4.0, 0.0, 0.0], [-3.0, 1.0, 0.0])
        );
    }

    #[test]
    fn node_cycles_are_errors() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let mesh = format!(r#""meshes":[{{"primitives":[{{"attributes":{{"POSITION":{p}}}}}]}}]"#);
        for nodes in [
            r#""nodes":[{"mesh":0,"children":[1]},{"children":[0]}],"scenes":[{"nodes":[0]}]"#,
            r#""nodes":[{"mesh":0,"children":[0]}],"scenes":[{"nodes":[0]}]"#,
            r#""nodes":[{"children":[2]},{"children":[2]},{"mesh":0}],"scenes":[{"nodes":[0,1]}]"#,
        ] {
            let e = load_bytes("cycle.glb", &doc.glb(&format!("{mesh},{nodes}"))).unwrap_err();
            assert_not_panicked(&e);
        }
    }

    #[test]
    fn lines_and_points_only_is_no_triangles() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        for mode in 0..=3 {
            let rest = one_primitive(&format!(r#""POSITION":{p}"#), &format!(r#","mode":{mode}"#));
            let e = load_bytes("lines.glb", &doc.glb(&rest)).unwrap_err();
            assert!(
                matches!(e, MeshError::NoTriangles { .. }),
                "mode {mode}: {e}"
            );
            assert!(e.to_string().contains("lines.glb"), "{e}");
        }
        // No meshes at all, and a node without a mesh.
        let e = load_bytes("empty.glb", &doc.glb(r#""nodes":[{}]"#)).unwrap_err();
        assert!(matches!(e, MeshError::NoTriangles { .. }), "{e}");
    }

    #[test]
    fn image_formats_convert_to_rgba8() {
        use gltf::image::{Data, Format};
        let convert = |format, pixels: Vec<u8>| {
            to_rgba8(&Data {
                pixels,
                format,
                width: 1,
                height: 1,
            })
            .unwrap()
            .rgba8
        };
        assert_eq!(convert(Format::R8, vec![7]), [7, 7, 7, 255]);
        assert_eq!(convert(Format::R8G8, vec![7, 9]), [7, 7, 7, 9]);
        assert_eq!(convert(Format::R8G8B8, vec![1, 2, 3]), [1, 2, 3, 255]);
        assert_eq!(convert(Format::R8G8B8A8, vec![1, 2, 3, 4]), [1, 2, 3, 4]);
        let u16s = |v: &[u16]| v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<_>>();
        assert_eq!(
            convert(Format::R16, u16s(&[0xABCD])),
            [0xAB, 0xAB, 0xAB, 255]
        );
        assert_eq!(
            convert(Format::R16G16, u16s(&[0x1234, 0xFF00])),
            [0x12, 0x12, 0x12, 0xFF]
        );
        assert_eq!(
            convert(Format::R16G16B16, u16s(&[0x100, 0x200, 0x300])),
            [1, 2, 3, 255]
        );
        assert_eq!(
            convert(Format::R16G16B16A16, u16s(&[0x100, 0x200, 0x300, 0xFFFF])),
            [1, 2, 3, 255]
        );
        let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<_>>();
        assert_eq!(
            convert(Format::R32G32B32FLOAT, f32s(&[-1.0, 0.5, 2.0])),
            [0, 128, 255, 255]
        );
        assert_eq!(
            convert(Format::R32G32B32A32FLOAT, f32s(&[f32::NAN, 1.0, 0.0, 0.25])),
            [0, 255, 0, 64]
        );
        // Pixel data that does not match the size is an error.
        let short = Data {
            pixels: vec![0; 3],
            format: Format::R8G8B8A8,
            width: 1,
            height: 1,
        };
        assert!(matches!(to_rgba8(&short), Err(Problem::Invalid(_))));
    }
}
