//! The mesh data shared by the primitives and the glTF loader: vertices, parts, images
//! and the mesh the renderer uploads.
//!
//! Everything here is plain Rust data; nothing touches the GPU. The renderer uploads
//! [`MeshData::vertices`] and [`MeshData::indices`] as they are and draws one call per
//! [`MeshPart`]. [`MeshData::primitive`] builds the built-in shapes (see `primitives`) and
//! [`MeshData::load_gltf`] reads a glTF 2.0 file (see `gltf`).
//!
//! # Conventions
//!
//! - **Space**: right-handed, y up (the same as glTF). Primitives have unit size and are
//!   centred at the origin; the renderer scales them. glTF positions are in the file's units
//!   (metres by the glTF spec) after the node transforms.
//! - **Winding**: `indices` is a triangle list; front faces are counter-clockwise seen from
//!   outside (wgpu `FrontFace::Ccw`, cull `Face::Back`). The glTF loader keeps this for
//!   mirrored nodes (negative determinant) by flipping their triangles.
//! - **Normals**: unit length, pointing outward.
//! - **UV**: `(0, 0)` is the top-left texel of an image and v grows downward (the image's rows
//!   go top to bottom). This is glTF's convention and wgpu's, so no flip is needed anywhere.
//!   UVs outside 0..1 mean repeat (glTF's default sampler); the loader keeps them as they are.
//! - **Colour**: [`MeshPart::base_color`] is linear RGBA; [`MeshImage::rgba8`] is
//!   sRGB-encoded with straight alpha (upload as `Rgba8UnormSrgb`), as glTF specifies.
//! - **Torus**: encoded differently from every other mesh; see [`Primitive::Torus`]. The
//!   renderer computes its points from the two radii in the vertex shader.

use std::ops::Range;

pub use vivid_engine::scene::PartMaterial;

#[cfg(doc)]
use super::primitives::Primitive;

/// One vertex as the GPU reads it: 48 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Vertex {
    /// Position (for [`Primitive::Torus`], the ring direction; see there).
    pub position: [f32; 3],
    /// Unit normal, pointing outward.
    pub normal: [f32; 3],
    /// Texture coordinate: (0, 0) is the image's top-left; values outside 0..1 repeat.
    pub uv: [f32; 2],
    /// Unit tangent along +u (xyz) and the bitangent's sign (w = ±1: the bitangent along
    /// +v is w·(normal × tangent)); glTF's convention. Only normal maps read it.
    pub tangent: [f32; 4],
}

const _: () = assert!(std::mem::size_of::<Vertex>() == 48);

/// The tangent of vertices that have none (primitives): +X, right-handed.
pub const NO_TANGENT: [f32; 4] = [1.0, 0.0, 0.0, 1.0];

/// A range of indices drawn with one material.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshPart {
    /// The indices this part draws, a range into [`MeshData::indices`] (a multiple of 3 long).
    pub indices: Range<u32>,
    /// Its material: factors, alpha mode, sidedness, and maps whose
    /// [`TextureRef::texture`](vivid_engine::scene::TextureRef) index
    /// [`MeshData::images`]. The default for primitives and for glTF primitives without a
    /// material (then with glTF's default metallic and roughness factors of 1).
    pub material: PartMaterial,
    /// Centre of the bounding box of the part's vertices (to sort transparent parts).
    pub centre: [f32; 3],
}

/// A decoded texture image: RGBA8, straight alpha, rows top to bottom; sRGB-encoded colour
/// (base colour, emissive) or linear data (normals, metallic-roughness, occlusion).
#[derive(Clone, Debug, PartialEq)]
pub struct MeshImage {
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
    /// `width * height * 4` bytes, row-major, top row first, no padding.
    pub rgba8: Vec<u8>,
    /// Whether the values are sRGB-encoded colour (else linear data).
    pub srgb: bool,
}

/// A mesh ready for upload: vertices, a triangle list, and the parts that draw it.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshData {
    /// The vertices, referenced by `indices`.
    pub vertices: Vec<Vertex>,
    /// Triangle list (counter-clockwise front faces), every index `< vertices.len()`.
    pub indices: Vec<u32>,
    /// The draw calls: consecutive, non-overlapping ranges covering `indices` in order.
    pub parts: Vec<MeshPart>,
    /// Images the parts' maps reference, each file image once per colour space.
    pub images: Vec<MeshImage>,
    /// Minimum corner of the axis-aligned bounding box of the positions (for the torus,
    /// see [`Primitive::Torus`]).
    pub bounds_min: [f32; 3],
    /// Maximum corner of the axis-aligned bounding box of the positions.
    pub bounds_max: [f32; 3],
}

/// The cross product `a × b`, in f64 (the primitives are computed in f64).
pub(super) fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Test helpers that look at a mesh's triangles in f64: their facing, area and normals.
#[cfg(test)]
pub(super) mod inspect {
    use super::{MeshData, Vertex, cross};

    pub fn v3(a: [f32; 3]) -> [f64; 3] {
        a.map(f64::from)
    }
    pub fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
        [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    }
    pub fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }
    pub fn len(a: [f64; 3]) -> f64 {
        dot(a, a).sqrt()
    }
    pub fn unit(a: [f64; 3]) -> [f64; 3] {
        let l = len(a);
        a.map(|c| c / l)
    }

    /// One triangle, seen through positions `pos(vertex)`.
    pub struct Tri {
        /// `(b − a) × (c − a)`: points to where the triangle looks counter-clockwise.
        pub cross: [f64; 3],
        pub centroid: [f64; 3],
        /// The three vertex normals.
        pub normals: [[f64; 3]; 3],
    }
    impl Tri {
        pub fn area(&self) -> f64 {
            len(self.cross) / 2.0
        }
        pub fn face(&self) -> [f64; 3] {
            unit(self.cross)
        }
    }

    pub fn triangles(mesh: &MeshData, pos: impl Fn(&Vertex) -> [f64; 3]) -> Vec<Tri> {
        mesh.indices
            .chunks_exact(3)
            .map(|t| {
                let v = [0, 1, 2].map(|k| mesh.vertices[t[k] as usize]);
                let p = v.map(|v| pos(&v));
                Tri {
                    cross: cross(sub(p[1], p[0]), sub(p[2], p[0])),
                    centroid: [0, 1, 2].map(|k| (p[0][k] + p[1][k] + p[2][k]) / 3.0),
                    normals: v.map(|v| v3(v.normal)),
                }
            })
            .collect()
    }

    pub fn plain(v: &Vertex) -> [f64; 3] {
        v3(v.position)
    }

    pub fn assert_normals_near_face(tris: &[Tri], min_dot: f64, what: &str) {
        for (i, t) in tris.iter().enumerate() {
            let face = t.face();
            for n in t.normals {
                let d = dot(face, n);
                assert!(d > min_dot, "{what} triangle {i}: normal·face = {d}");
            }
        }
    }
}
