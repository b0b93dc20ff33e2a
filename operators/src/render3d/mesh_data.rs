//! CPU-side mesh data for the 3D renderer: the built-in primitives and a glTF 2.0 loader.
//!
//! Everything here is plain Rust data; nothing touches the GPU. The renderer uploads
//! [`MeshData::vertices`] and [`MeshData::indices`] as they are and draws one call per
//! [`MeshPart`].
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

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use glam::{Mat3, Mat4, Vec3};

/// One vertex as the GPU reads it: 32 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Vertex {
    /// Position (for [`Primitive::Torus`], the ring direction; see there).
    pub position: [f32; 3],
    /// Unit normal, pointing outward.
    pub normal: [f32; 3],
    /// Texture coordinate: (0, 0) is the image's top-left; values outside 0..1 repeat.
    pub uv: [f32; 2],
}

const _: () = assert!(std::mem::size_of::<Vertex>() == 32);

/// A range of indices drawn with one material.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshPart {
    /// The indices this part draws, a range into [`MeshData::indices`] (a multiple of 3 long).
    pub indices: Range<u32>,
    /// glTF `baseColorFactor` (linear RGBA); `[1, 1, 1, 1]` for primitives and for glTF
    /// primitives without a material.
    pub base_color: [f32; 4],
    /// The base colour texture: an index into [`MeshData::images`], multiplied by
    /// `base_color`.
    pub image: Option<usize>,
}

/// A decoded base-colour image: sRGB-encoded RGBA8, straight alpha, rows top to bottom.
#[derive(Clone, Debug, PartialEq)]
pub struct MeshImage {
    /// Width in pixels (at least 1).
    pub width: u32,
    /// Height in pixels (at least 1).
    pub height: u32,
    /// `width * height * 4` bytes, row-major, top row first, no padding.
    pub rgba8: Vec<u8>,
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
    /// Base-colour images referenced by [`MeshPart::image`], each file image once.
    pub images: Vec<MeshImage>,
    /// Minimum corner of the axis-aligned bounding box of the positions (for the torus,
    /// see [`Primitive::Torus`]).
    pub bounds_min: [f32; 3],
    /// Maximum corner of the axis-aligned bounding box of the positions.
    pub bounds_max: [f32; 3],
}

/// A built-in mesh of unit size; the renderer scales it.
///
/// Tessellation is fixed: 64 segments around the Y axis, 32 from pole to pole (sphere) or
/// around the tube (torus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// The square x, z ∈ [−0.5, 0.5] at y = 0, facing +Y (seen from above, +x is right and
    /// +z is down). u runs along +x and v along +z, both 0..1: uv (0, 0) is the corner
    /// (−0.5, 0, −0.5).
    Plane,
    /// The cube [−0.5, 0.5]³: 24 vertices (each face its own normal, hard edges), uv 0..1 on
    /// every face, upright seen from outside (sides with +Y up, top with −Z up, bottom with
    /// +Z up).
    Box,
    /// The sphere of radius 1 (not 0.5) at the origin; the normal equals the position.
    /// u goes once around the Y axis (seam at −X, increasing to the right seen from outside),
    /// v from the north pole (+Y, v = 0) to the south pole (v = 1).
    Sphere,
    /// Radius 1, y ∈ [−0.5, 0.5]. The side has smooth outward normals (x, 0, z), uv u around
    /// as on the sphere and v from the top (0) to the bottom (1); the two flat caps (normals
    /// ±Y) have their own vertices (hard edges) and planar uv, x and z mapped to 0..1: the top
    /// like [`Primitive::Plane`], the bottom with v flipped so it reads unmirrored from below.
    Cylinder,
    /// Base radius 1 at y = −0.5, apex at y = +0.5. The side has the true cone normals
    /// normalize(x, 1, z) (for a point at unit radius direction (x, 0, z); radius = height = 1),
    /// with one apex vertex per segment so each keeps its own normal; uv u around as on the
    /// sphere, v from the apex (0) to the base (1). A flat base cap (normal −Y), uv as the
    /// cylinder's bottom cap.
    Cone,
    /// **Special encoding**: the renderer computes the torus from its ring radius `R` and
    /// tube radius `r` in the vertex shader. For ring angle u (around the Y axis) and tube
    /// angle v, a vertex stores
    ///
    /// - `position` = the ring direction d = (cos u, 0, sin u),
    /// - `normal` = the unit surface normal n = (cos v · cos u, sin v, cos v · sin u),
    /// - `uv` = (u / 2π, v / 2π),
    ///
    /// and the point is `R·d + r·n` (the normal stays `n`). Triangles are counter-clockwise
    /// seen from outside for any `R > r > 0`. 64 segments around the ring, 32 around the tube.
    ///
    /// `bounds_min`/`bounds_max` are those of `position` alone (R = 1, r = 0):
    /// [−1, 0, −1]..[1, 0, 1]. The renderer computes the real bounds:
    /// [−(R + r), −r, −(R + r)]..[R + r, r, R + r].
    Torus,
}

/// Segments around the Y axis (sphere, cylinder, cone, torus ring).
const SEGMENTS: u32 = 64;
/// Rings from pole to pole (sphere) or segments around the tube (torus).
const RINGS: u32 = 32;

/// The most vertices, and separately the most indices, a loaded mesh may have (2^26).
const MAX_ELEMENTS: usize = 1 << 26;

/// Why a mesh file could not be used. Display: one line naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The file could not be read (missing, unreadable).
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid glTF 2.0, or a buffer or image it references could not be
    /// loaded or decoded (gltf's error, which says which).
    #[error("{path}: not a usable glTF 2.0 file: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The glTF library's error.
        source: gltf::Error,
    },
    /// The data inside the file is inconsistent: an index past the vertices, an accessor
    /// outside its buffer, a non-finite position, a cycle in the node tree, …
    #[error("{path}: invalid glTF: {what}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        what: String,
    },
    /// The file uses a glTF feature this loader does not support (for example quantized
    /// positions).
    #[error("{path}: unsupported glTF: {what}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The feature.
        what: String,
    },
    /// The file has nothing to draw: no mesh in the scene with a triangle primitive (points
    /// and lines are skipped).
    #[error("{path}: no triangles to draw (points and lines are not drawn)")]
    NoTriangles {
        /// The file.
        path: PathBuf,
    },
    /// The mesh has more vertices or indices than the renderer accepts (2^26 each).
    #[error("{path}: too large: {count} {what} (at most {limit})")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// What there are too many of: `"vertices"`, `"indices"` or
        /// `"elements in one accessor"`.
        what: &'static str,
        /// How many the file needs (at least).
        count: usize,
        /// The limit.
        limit: usize,
    },
}

impl MeshData {
    /// Builds one of the built-in primitive meshes (see [`Primitive`] for each shape).
    ///
    /// One part covers all indices, with `base_color` `[1, 1, 1, 1]` and no image.
    #[must_use]
    pub fn primitive(kind: Primitive) -> MeshData {
        let mut builder = Builder::default();
        let (min, max) = match kind {
            Primitive::Plane => {
                builder.grid(1, 1, |i, j| {
                    let (s, t) = (f64::from(i), f64::from(j));
                    ([s - 0.5, 0.0, t - 0.5], [0.0, 1.0, 0.0], [s, t])
                });
                ([-0.5, 0.0, -0.5], [0.5, 0.0, 0.5])
            }
            Primitive::Box => {
                build_box(&mut builder);
                ([-0.5; 3], [0.5; 3])
            }
            Primitive::Sphere => {
                build_sphere(&mut builder);
                ([-1.0; 3], [1.0; 3])
            }
            Primitive::Cylinder => {
                build_cylinder(&mut builder);
                ([-1.0, -0.5, -1.0], [1.0, 0.5, 1.0])
            }
            Primitive::Cone => {
                build_cone(&mut builder);
                ([-1.0, -0.5, -1.0], [1.0, 0.5, 1.0])
            }
            Primitive::Torus => {
                builder.grid(SEGMENTS, RINGS, |i, j| {
                    let u = angle(i, SEGMENTS);
                    let v = angle(j, RINGS);
                    let d = [u.cos(), 0.0, u.sin()];
                    let n = [v.cos() * u.cos(), v.sin(), v.cos() * u.sin()];
                    (
                        d,
                        n,
                        [
                            f64::from(i) / f64::from(SEGMENTS),
                            f64::from(j) / f64::from(RINGS),
                        ],
                    )
                });
                ([-1.0, 0.0, -1.0], [1.0, 0.0, 1.0])
            }
        };
        let count = builder.indices.len() as u32;
        MeshData {
            vertices: builder.vertices,
            indices: builder.indices,
            parts: vec![MeshPart {
                indices: 0..count,
                base_color: [1.0; 4],
                image: None,
            }],
            images: Vec::new(),
            bounds_min: min,
            bounds_max: max,
        }
    }

    /// Loads a glTF 2.0 file (`.gltf` with embedded `data:` URIs or external files next to
    /// it, or `.glb`) and flattens its scene into one mesh.
    ///
    /// The default scene is used (else the first scene, else every root node). Each node's
    /// world transform is applied to positions and (inverse-transpose) to normals; every
    /// triangle primitive becomes one [`MeshPart`] with its material's base colour factor and
    /// base colour texture. Triangle strips and fans become lists; points and lines are
    /// skipped. Missing normals (or unusable ones) are computed flat, per triangle; a missing
    /// `TEXCOORD_0` is (0, 0).
    ///
    /// Not supported (ignored): skins, morph targets, cameras, lights, animations, other
    /// textures (normal, metallic-roughness, emissive, occlusion), `TEXCOORD_1` (a texture
    /// that names it is sampled with `TEXCOORD_0`), samplers (wrap is assumed repeat),
    /// alpha mode and cutoff, double-sidedness, `KHR_texture_transform`. Files that require
    /// an extension (quantization, Draco, meshopt) are refused.
    ///
    /// Never panics on malformed input: every index and offset is checked.
    pub fn load_gltf(path: &Path) -> Result<MeshData, MeshError> {
        let bytes = std::fs::read(path).map_err(|source| MeshError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        // The checks in `load` keep the gltf crate off its own panics (it has a few on
        // malformed input); catching an unwind is the last line of defence.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(&bytes, base)))
            .unwrap_or_else(|_| {
                Err(Problem::Invalid(
                    "internal error: the glTF reader panicked on this file".to_string(),
                ))
            });
        result.map_err(|problem| problem.at(path))
    }
}

// ---------------------------------------------------------------------------------------
// Primitives
// ---------------------------------------------------------------------------------------

/// `2π · i / n`.
fn angle(i: u32, n: u32) -> f64 {
    std::f64::consts::TAU * f64::from(i) / f64::from(n)
}

/// The unit direction around the Y axis at angle `theta`, chosen so that increasing
/// `theta` moves to the right seen from outside (seam at −X): (−cos θ, 0, sin θ).
fn around(theta: f64) -> [f64; 3] {
    [-theta.cos(), 0.0, theta.sin()]
}

/// Accumulates vertices (computed in f64, stored in f32) and triangles.
#[derive(Default)]
struct Builder {
    vertices: Vec<Vertex>,
    indices: Vec<u32>,
}

impl Builder {
    fn vertex(&mut self, p: [f64; 3], n: [f64; 3], uv: [f64; 2]) -> u32 {
        let index = self.vertices.len() as u32;
        self.vertices.push(Vertex {
            position: p.map(|c| c as f32),
            normal: n.map(|c| c as f32),
            uv: uv.map(|c| c as f32),
        });
        index
    }

    fn triangle(&mut self, a: u32, b: u32, c: u32) {
        self.indices.extend([a, b, c]);
    }

    /// A `(cols + 1) × (rows + 1)` grid of vertices `f(i, j)` with two triangles per cell,
    /// where, seen from outside, `i` runs to the right and `j` runs down (any parametrisation
    /// that keeps this orientation, e.g. the torus's rotated by 180°, works too).
    fn grid(
        &mut self,
        cols: u32,
        rows: u32,
        vertex_at: impl Fn(u32, u32) -> ([f64; 3], [f64; 3], [f64; 2]),
    ) {
        let first = self.vertices.len() as u32;
        for j in 0..=rows {
            for i in 0..=cols {
                let (p, n, uv) = vertex_at(i, j);
                self.vertex(p, n, uv);
            }
        }
        let at = |i: u32, j: u32| first + j * (cols + 1) + i;
        for j in 0..rows {
            for i in 0..cols {
                // a b    a = top-left, b = top-right,
                // d c    d = bottom-left, c = bottom-right: a → d → c → b is CCW.
                let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
                self.triangle(a, d, c);
                self.triangle(a, c, b);
            }
        }
    }

    /// A flat disc of radius 1 at height `y` (normal +Y if `up`, else −Y), planar uv upright
    /// seen from outside (like [`Primitive::Box`]'s top and bottom faces).
    fn cap(&mut self, y: f64, up: bool) {
        let (ny, v_sign) = if up { (1.0, 1.0) } else { (-1.0, -1.0) };
        let normal = [0.0, ny, 0.0];
        let centre = self.vertex([0.0, y, 0.0], normal, [0.5, 0.5]);
        let first = self.vertices.len() as u32;
        for i in 0..SEGMENTS {
            let d = around(angle(i, SEGMENTS));
            self.vertex(
                [d[0], y, d[2]],
                normal,
                [0.5 + 0.5 * d[0], 0.5 + v_sign * 0.5 * d[2]],
            );
        }
        for i in 0..SEGMENTS {
            let a = first + i;
            let b = first + (i + 1) % SEGMENTS;
            if up {
                self.triangle(centre, a, b);
            } else {
                self.triangle(centre, b, a);
            }
        }
    }
}

fn build_box(b: &mut Builder) {
    // (outward normal, up direction seen from outside); right = up × normal.
    let faces: [([f64; 3], [f64; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]),
        ([0.0, -1.0, 0.0], [0.0, 0.0, 1.0]),
    ];
    for (n, up) in faces {
        let right = cross(up, n);
        b.grid(1, 1, |i, j| {
            let (s, t) = (f64::from(i), f64::from(j));
            let p = std::array::from_fn(|k| 0.5 * n[k] + (s - 0.5) * right[k] + (0.5 - t) * up[k]);
            (p, n, [s, t])
        });
    }
}

fn build_sphere(b: &mut Builder) {
    let cols = SEGMENTS;
    let rows = RINGS;
    let first = b.vertices.len() as u32;
    for j in 0..=rows {
        let phi = std::f64::consts::PI * f64::from(j) / f64::from(rows);
        for i in 0..=cols {
            let d = around(angle(i, cols));
            let p = [d[0] * phi.sin(), phi.cos(), d[2] * phi.sin()];
            // At the poles every column has its own vertex, its u in the middle of the
            // one triangle that uses it.
            // (The last column's pole vertex is unused; clamped to keep u in 0..1.)
            let u = if j == 0 || j == rows {
                ((f64::from(i) + 0.5) / f64::from(cols)).min(1.0)
            } else {
                f64::from(i) / f64::from(cols)
            };
            b.vertex(p, p, [u, f64::from(j) / f64::from(rows)]);
        }
    }
    let at = |i: u32, j: u32| first + j * (cols + 1) + i;
    for j in 0..rows {
        for i in 0..cols {
            let (a, bb, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            if j == 0 {
                // a and b are both the north pole.
                b.triangle(a, d, c);
            } else if j == rows - 1 {
                // d and c are both the south pole.
                b.triangle(a, d, bb);
            } else {
                b.triangle(a, d, c);
                b.triangle(a, c, bb);
            }
        }
    }
}

fn build_cylinder(b: &mut Builder) {
    b.grid(SEGMENTS, 1, |i, j| {
        let d = around(angle(i, SEGMENTS));
        let y = 0.5 - f64::from(j);
        (
            [d[0], y, d[2]],
            d,
            [f64::from(i) / f64::from(SEGMENTS), f64::from(j)],
        )
    });
    b.cap(0.5, true);
    b.cap(-0.5, false);
}

fn build_cone(b: &mut Builder) {
    // For base radius r and height h the side normal at direction d is normalize(h·d, r);
    // here r = h = 1.
    let normal_at = |d: [f64; 3]| {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        [d[0] * s, s, d[2] * s]
    };
    let first = b.vertices.len() as u32;
    for i in 0..=SEGMENTS {
        let d = around(angle(i, SEGMENTS));
        b.vertex(
            [d[0], -0.5, d[2]],
            normal_at(d),
            [f64::from(i) / f64::from(SEGMENTS), 1.0],
        );
    }
    for i in 0..SEGMENTS {
        let mid = std::f64::consts::TAU * (f64::from(i) + 0.5) / f64::from(SEGMENTS);
        let apex = b.vertex(
            [0.0, 0.5, 0.0],
            normal_at(around(mid)),
            [(f64::from(i) + 0.5) / f64::from(SEGMENTS), 0.0],
        );
        // Seen from outside: base i bottom-left, base i+1 bottom-right, apex on top.
        b.triangle(first + i, first + i + 1, apex);
    }
    b.cap(-0.5, false);
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

// ---------------------------------------------------------------------------------------
// glTF
// ---------------------------------------------------------------------------------------

/// A [`MeshError`] before the path is attached.
#[derive(Debug)]
enum Problem {
    Parse(gltf::Error),
    Invalid(String),
    Unsupported(String),
    NoTriangles,
    TooLarge { what: &'static str, count: usize },
}

impl Problem {
    fn at(self, path: &Path) -> MeshError {
        let path = path.to_path_buf();
        match self {
            Problem::Parse(source) => MeshError::Parse { path, source },
            Problem::Invalid(what) => MeshError::Invalid { path, what },
            Problem::Unsupported(what) => MeshError::Unsupported { path, what },
            Problem::NoTriangles => MeshError::NoTriangles { path },
            Problem::TooLarge { what, count } => MeshError::TooLarge {
                path,
                what,
                count,
                limit: MAX_ELEMENTS,
            },
        }
    }
}

fn invalid(what: impl Into<String>) -> Problem {
    Problem::Invalid(what.into())
}

fn check_size(what: &'static str, count: usize) -> Result<(), Problem> {
    if count > MAX_ELEMENTS {
        Err(Problem::TooLarge { what, count })
    } else {
        Ok(())
    }
}

/// Parses, loads the buffers and images (resolving relative URIs against `base`), and
/// flattens the scene.
fn load(bytes: &[u8], base: &Path) -> Result<MeshData, Problem> {
    check_glb_header(bytes)?;
    let gltf::Gltf { document, blob } = gltf::Gltf::from_slice(bytes).map_err(Problem::Parse)?;
    let buffers = gltf::import_buffers(&document, Some(base), blob).map_err(Problem::Parse)?;
    check_views(&document, &buffers)?;
    check_image_sources(&document)?;
    let images = gltf::import_images(&document, Some(base), &buffers).map_err(Problem::Parse)?;
    Flattener {
        buffers: &buffers,
        file_images: &images,
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
    .run(&document)
}

/// The gltf crate subtracts 12 from a GLB's declared length unchecked.
fn check_glb_header(bytes: &[u8]) -> Result<(), Problem> {
    if let Some(rest) = bytes.strip_prefix(b"glTF") {
        let length = rest
            .get(4..8)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| invalid("GLB header is truncated"))?;
        if length < 12 {
            return Err(invalid(format!(
                "GLB header declares a length of {length} bytes, shorter than the header"
            )));
        }
    }
    Ok(())
}

/// Every buffer view must lie inside its buffer (the gltf crate slices images unchecked).
fn check_views(document: &gltf::Document, buffers: &[gltf::buffer::Data]) -> Result<(), Problem> {
    for view in document.views() {
        let buffer_len = buffers.get(view.buffer().index()).map_or(0, |b| b.len());
        let end = view.offset().checked_add(view.length());
        if end.is_none_or(|end| end > buffer_len) {
            return Err(invalid(format!(
                "buffer view {} (offset {}, length {}) reaches past the end of buffer {} ({} bytes)",
                view.index(),
                view.offset(),
                view.length(),
                view.buffer().index(),
                buffer_len
            )));
        }
    }
    Ok(())
}

/// An image needs a `uri`, or a `bufferView` with a `mimeType` (the gltf crate unwraps both).
fn check_image_sources(document: &gltf::Document) -> Result<(), Problem> {
    for (i, image) in document.as_json().images.iter().enumerate() {
        let ok = if image.buffer_view.is_some() {
            image.mime_type.is_some()
        } else {
            image.uri.is_some()
        };
        if !ok {
            return Err(invalid(format!(
                "image {i} needs a uri, or a bufferView with a mimeType"
            )));
        }
    }
    Ok(())
}

/// Checks that `count` elements of `elem` bytes, `stride` apart from `offset`, fit in `view`
/// (which [`check_views`] has already checked against its buffer).
fn check_range(
    what: &str,
    view: &gltf::buffer::View<'_>,
    offset: usize,
    count: usize,
    elem: usize,
) -> Result<(), Problem> {
    let stride = view.stride().unwrap_or(elem);
    if stride < elem {
        return Err(invalid(format!(
            "{what}: byteStride {stride} of buffer view {} is smaller than an element ({elem} bytes)",
            view.index()
        )));
    }
    let end = count
        .checked_sub(1)
        .and_then(|n| n.checked_mul(stride))
        .and_then(|n| n.checked_add(elem))
        .and_then(|n| n.checked_add(offset));
    if end.is_none_or(|end| end > view.length()) {
        return Err(invalid(format!(
            "{what}: {count} elements from byte {offset} do not fit in buffer view {} ({} bytes)",
            view.index(),
            view.length()
        )));
    }
    Ok(())
}

/// Checks an accessor's type and that all its data (dense and sparse) lies inside its
/// buffers, so the gltf reader can neither panic nor come up short. Returns its count.
fn check_accessor(
    what: &str,
    accessor: &gltf::Accessor<'_>,
    dimensions: gltf::accessor::Dimensions,
    data_types: &[gltf::accessor::DataType],
) -> Result<usize, Problem> {
    let what = format!("{what} (accessor {})", accessor.index());
    if accessor.dimensions() != dimensions || !data_types.contains(&accessor.data_type()) {
        return Err(Problem::Unsupported(format!(
            "{what} is {:?} {:?}; expected {dimensions:?} of {data_types:?}",
            accessor.dimensions(),
            accessor.data_type()
        )));
    }
    let count = accessor.count();
    check_size("elements in one accessor", count)?;
    if count == 0 {
        return Ok(0);
    }
    let elem = accessor.size();
    if let Some(view) = accessor.view() {
        check_range(&what, &view, accessor.offset(), count, elem)?;
    }
    if let Some(sparse) = accessor.sparse() {
        let n = sparse.count();
        if n == 0 || n > count {
            return Err(invalid(format!(
                "{what}: sparse count {n} must be 1..={count}"
            )));
        }
        let indices = sparse.indices();
        let index_size = indices.index_type().size();
        check_range(&what, &indices.view(), indices.offset(), n, index_size)?;
        let values = sparse.values();
        check_range(&what, &values.view(), values.offset(), n, elem)?;
    }
    Ok(count)
}

struct Flattener<'a> {
    buffers: &'a [gltf::buffer::Data],
    file_images: &'a [gltf::image::Data],
    /// glTF image index → index in `out.images`.
    image_slots: HashMap<usize, usize>,
    out: MeshData,
}

impl Flattener<'_> {
    fn run(mut self, document: &gltf::Document) -> Result<MeshData, Problem> {
        let scene = document
            .default_scene()
            .or_else(|| document.scenes().next());
        let roots: Vec<gltf::Node<'_>> = if let Some(scene) = scene {
            scene.nodes().collect()
        } else {
            // No scenes: every node that is nobody's child.
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
        };

        // Depth first, in file order, without recursion (no stack overflow on deep trees).
        let mut visited = vec![false; document.nodes().len()];
        let mut stack: Vec<(gltf::Node<'_>, Mat4)> = roots
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
        let mut min = Vec3::splat(f32::INFINITY);
        let mut max = Vec3::splat(f32::NEG_INFINITY);
        for v in &out.vertices {
            let p = Vec3::from(v.position);
            min = min.min(p);
            max = max.max(p);
        }
        Ok(MeshData {
            bounds_min: min.to_array(),
            bounds_max: max.to_array(),
            ..out
        })
    }

    /// Appends one primitive (a part) to `out`, or nothing if it has no triangles.
    fn primitive(&mut self, primitive: &gltf::Primitive<'_>, world: &Mat4) -> Result<(), Problem> {
        use gltf::accessor::{DataType, Dimensions};
        use gltf::mesh::{Mode, Semantic};

        let mode = primitive.mode();
        if !matches!(
            mode,
            Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan
        ) {
            return Ok(());
        }
        let Some(position_accessor) = primitive.get(&Semantic::Positions) else {
            return Ok(());
        };
        let count = check_accessor(
            "POSITION",
            &position_accessor,
            Dimensions::Vec3,
            &[DataType::F32],
        )?;
        if count == 0 {
            return Ok(());
        }
        let same_count = |what: &str, n: usize| {
            if n == count {
                Ok(())
            } else {
                Err(invalid(format!(
                    "{what} has {n} elements but POSITION has {count}"
                )))
            }
        };
        let normal_accessor = primitive.get(&Semantic::Normals);
        if let Some(a) = &normal_accessor {
            same_count(
                "NORMAL",
                check_accessor("NORMAL", a, Dimensions::Vec3, &[DataType::F32])?,
            )?;
        }
        let uv_accessor = primitive.get(&Semantic::TexCoords(0));
        if let Some(a) = &uv_accessor {
            let n = check_accessor(
                "TEXCOORD_0",
                a,
                Dimensions::Vec2,
                &[DataType::F32, DataType::U8, DataType::U16],
            )?;
            same_count("TEXCOORD_0", n)?;
        }
        let index_accessor = primitive.indices();
        if let Some(a) = &index_accessor {
            let n = check_accessor(
                "indices",
                a,
                Dimensions::Scalar,
                &[DataType::U8, DataType::U16, DataType::U32],
            )?;
            if n == 0 {
                // (The gltf reader cannot read an empty accessor.)
                return Ok(());
            }
        }

        let buffers = self.buffers;
        let reader = primitive.reader(|b| buffers.get(b.index()).map(|d| &d.0[..]));
        let missing = |what: &str| invalid(format!("{what}: data could not be read"));

        // Positions, in world space.
        let mut positions = Vec::with_capacity(count);
        for (i, p) in reader
            .read_positions()
            .ok_or_else(|| missing("POSITION"))?
            .enumerate()
        {
            let p = Vec3::from(p);
            if !p.is_finite() {
                return Err(invalid(format!("POSITION {i} is not finite: {p}")));
            }
            let w = world.transform_point3(p);
            if !w.is_finite() {
                return Err(invalid(format!(
                    "POSITION {i} is not finite after the node transform: {w}"
                )));
            }
            positions.push(w);
        }
        same_count("POSITION data", positions.len())?;

        let uvs: Vec<[f32; 2]> = match reader.read_tex_coords(0) {
            Some(t) => t.into_f32().collect(),
            None => vec![[0.0; 2]; count],
        };
        same_count("TEXCOORD_0 data", uvs.len())?;
        if let Some(i) = uvs.iter().position(|uv| !uv.iter().all(|c| c.is_finite())) {
            return Err(invalid(format!("TEXCOORD_0 {i} is not finite")));
        }

        // Indices → triangles.
        let indices: Vec<u32> = match reader.read_indices() {
            Some(read) => read.into_u32().collect(),
            None if index_accessor.is_some() => return Err(missing("indices")),
            None => (0..count as u32).collect(),
        };
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= count) {
            return Err(invalid(format!(
                "index {bad} is out of range ({count} vertices)"
            )));
        }
        let mut triangles = triangulate(mode, &indices);
        if triangles.is_empty() {
            return Ok(());
        }

        // A mirroring transform turns counter-clockwise into clockwise: swap back.
        let linear = Mat3::from_mat4(*world);
        let det = linear.determinant();
        if det < 0.0 {
            for t in &mut triangles {
                t.swap(1, 2);
            }
        }

        // Normals: the inverse-transpose of the linear part, as the cofactor matrix times
        // sign(det) (defined even when the matrix is singular), then renormalised.
        let normals: Option<Vec<Vec3>> = match (&normal_accessor, reader.read_normals()) {
            (None, _) => None,
            (Some(_), None) => return Err(missing("NORMAL")),
            (Some(_), Some(read)) => {
                let (a, b, c) = (linear.x_axis, linear.y_axis, linear.z_axis);
                let sign = if det < 0.0 { -1.0 } else { 1.0 };
                let cofactor = Mat3::from_cols(b.cross(c), c.cross(a), a.cross(b)) * sign;
                let normals: Vec<Vec3> = read
                    .map(|n| (cofactor * Vec3::from(n)).normalize_or_zero())
                    .collect();
                same_count("NORMAL data", normals.len())?;
                // Zero, non-finite or degenerate normals: compute flat ones instead.
                normals
                    .iter()
                    .all(|n| n.is_finite() && (n.length_squared() - 1.0).abs() < 1e-3)
                    .then_some(normals)
            }
        };

        let vertex_count = if normals.is_some() {
            count
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
        let start = self.out.indices.len() as u32;
        let uv_at = |i: u32| uvs.get(i as usize).copied().unwrap_or([0.0; 2]);
        let position_at = |i: u32| positions.get(i as usize).copied().unwrap_or(Vec3::ZERO);

        if let Some(normals) = normals {
            self.out
                .vertices
                .extend(
                    positions
                        .iter()
                        .zip(&normals)
                        .zip(&uvs)
                        .map(|((p, n), uv)| Vertex {
                            position: p.to_array(),
                            normal: n.to_array(),
                            uv: *uv,
                        }),
                );
            self.out
                .indices
                .extend(triangles.iter().flatten().map(|&i| base + i));
        } else {
            // Flat: each triangle gets its own three vertices with its face normal.
            for t in &triangles {
                let [a, b, c] = t.map(position_at);
                let n = (b - a).cross(c - a).try_normalize().unwrap_or(Vec3::Y);
                for &i in t {
                    self.out.vertices.push(Vertex {
                        position: position_at(i).to_array(),
                        normal: n.to_array(),
                        uv: uv_at(i),
                    });
                }
            }
            let end = base + vertex_count as u32;
            self.out.indices.extend(base..end);
        }
        let end = self.out.indices.len() as u32;

        let pbr = primitive.material().pbr_metallic_roughness();
        let image = match pbr.base_color_texture() {
            Some(info) => Some(self.image(info.texture().source().index())?),
            None => None,
        };
        self.out.parts.push(MeshPart {
            indices: start..end,
            base_color: pbr.base_color_factor(),
            image,
        });
        Ok(())
    }

    /// The index in `out.images` of glTF image `index`, converting it the first time.
    fn image(&mut self, index: usize) -> Result<usize, Problem> {
        if let Some(&slot) = self.image_slots.get(&index) {
            return Ok(slot);
        }
        let data = self
            .file_images
            .get(index)
            .ok_or_else(|| invalid(format!("image {index} does not exist")))?;
        let image = to_rgba8(data).map_err(|p| match p {
            Problem::Invalid(what) => invalid(format!("image {index}: {what}")),
            other => other,
        })?;
        let slot = self.out.images.len();
        self.out.images.push(image);
        self.image_slots.insert(index, slot);
        Ok(slot)
    }
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

/// Turns a triangle list, strip or fan into a list (glTF spec §3.7.2.1); a list's leftover
/// indices (fewer than 3) are ignored.
fn triangulate(mode: gltf::mesh::Mode, indices: &[u32]) -> Vec<[u32; 3]> {
    use gltf::mesh::Mode;
    match mode {
        Mode::Triangles => indices
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .collect(),
        Mode::TriangleStrip => indices
            .windows(3)
            .enumerate()
            .map(|(i, w)| {
                if i.is_multiple_of(2) {
                    [w[0], w[1], w[2]]
                } else {
                    [w[0], w[2], w[1]]
                }
            })
            .collect(),
        Mode::TriangleFan => match indices.split_first() {
            Some((&centre, rest)) => rest.windows(2).map(|w| [w[0], w[1], centre]).collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
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
    })
}

#[cfg(test)]
// Exact float comparisons are intended (copied values, transforms by 0 and ±1), and the
// geometry reads best with x, y, z, u, v, n.
#[allow(clippy::float_cmp, clippy::many_single_char_names)]
mod tests {
    use super::*;
    use std::f64::consts::{PI, TAU};
    use std::sync::atomic::{AtomicUsize, Ordering};

    const ALL: [Primitive; 6] = [
        Primitive::Plane,
        Primitive::Box,
        Primitive::Sphere,
        Primitive::Cylinder,
        Primitive::Cone,
        Primitive::Torus,
    ];

    fn v3(a: [f32; 3]) -> [f64; 3] {
        a.map(f64::from)
    }
    fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
        [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
    }
    fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
        a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
    }
    fn len(a: [f64; 3]) -> f64 {
        dot(a, a).sqrt()
    }
    fn unit(a: [f64; 3]) -> [f64; 3] {
        let l = len(a);
        a.map(|c| c / l)
    }

    /// One triangle, seen through positions `pos(vertex)`.
    struct Tri {
        /// `(b − a) × (c − a)`: points to where the triangle looks counter-clockwise.
        cross: [f64; 3],
        centroid: [f64; 3],
        /// The three vertex normals.
        normals: [[f64; 3]; 3],
    }
    impl Tri {
        fn area(&self) -> f64 {
            len(self.cross) / 2.0
        }
        fn face(&self) -> [f64; 3] {
            unit(self.cross)
        }
    }

    fn triangles(mesh: &MeshData, pos: impl Fn(&Vertex) -> [f64; 3]) -> Vec<Tri> {
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

    fn plain(v: &Vertex) -> [f64; 3] {
        v3(v.position)
    }

    /// Max angle between a vertex normal and its triangle's face normal: 1.5 × the largest
    /// angular step of the tessellation (`steps` segments per full turn).
    fn smooth_limit(steps: u32) -> f64 {
        (1.5 * TAU / f64::from(steps)).cos()
    }

    fn assert_normals_near_face(tris: &[Tri], min_dot: f64, what: &str) {
        for (i, t) in tris.iter().enumerate() {
            let face = t.face();
            for n in t.normals {
                let d = dot(face, n);
                assert!(d > min_dot, "{what} triangle {i}: normal·face = {d}");
            }
        }
    }

    #[test]
    fn every_primitive_is_well_formed() {
        for kind in ALL {
            let m = MeshData::primitive(kind);
            let n = m.vertices.len() as u32;
            assert!(
                !m.indices.is_empty() && m.indices.len().is_multiple_of(3),
                "{kind:?}"
            );
            assert!(
                m.indices.iter().all(|&i| i < n),
                "{kind:?}: index out of range"
            );
            assert_eq!(
                m.parts,
                vec![MeshPart {
                    indices: 0..m.indices.len() as u32,
                    base_color: [1.0; 4],
                    image: None,
                }],
                "{kind:?}"
            );
            assert!(m.images.is_empty());
            for v in &m.vertices {
                let l = len(v3(v.normal));
                assert!((l - 1.0).abs() < 1e-5, "{kind:?}: normal length {l}");
                assert!(
                    v.uv.iter().all(|c| (0.0..=1.0).contains(c)),
                    "{kind:?}: uv {:?}",
                    v.uv
                );
            }
            // Bounds: every position inside, and each face of the box touched.
            let mut lo = [f32::INFINITY; 3];
            let mut hi = [f32::NEG_INFINITY; 3];
            for v in &m.vertices {
                for k in 0..3 {
                    lo[k] = lo[k].min(v.position[k]);
                    hi[k] = hi[k].max(v.position[k]);
                }
            }
            for k in 0..3 {
                assert!(
                    (lo[k] - m.bounds_min[k]).abs() < 1e-6,
                    "{kind:?} min {lo:?}"
                );
                assert!(
                    (hi[k] - m.bounds_max[k]).abs() < 1e-6,
                    "{kind:?} max {hi:?}"
                );
            }
            // Triangles are not degenerate.
            for t in triangles(&m, plain)
                .iter()
                .filter(|_| kind != Primitive::Torus)
            {
                assert!(t.area() > 1e-6, "{kind:?}: degenerate triangle");
            }
        }
    }

    #[test]
    fn primitive_bounds_are_exact() {
        let expect = |kind, min: [f32; 3], max: [f32; 3]| {
            let m = MeshData::primitive(kind);
            assert_eq!((m.bounds_min, m.bounds_max), (min, max), "{kind:?}");
        };
        expect(Primitive::Plane, [-0.5, 0.0, -0.5], [0.5, 0.0, 0.5]);
        expect(Primitive::Box, [-0.5; 3], [0.5; 3]);
        expect(Primitive::Sphere, [-1.0; 3], [1.0; 3]);
        expect(Primitive::Cylinder, [-1.0, -0.5, -1.0], [1.0, 0.5, 1.0]);
        expect(Primitive::Cone, [-1.0, -0.5, -1.0], [1.0, 0.5, 1.0]);
        expect(Primitive::Torus, [-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]);
    }

    #[test]
    fn plane_faces_up_with_uv_along_x_and_z() {
        let m = MeshData::primitive(Primitive::Plane);
        for t in triangles(&m, plain) {
            assert!(dot(t.face(), [0.0, 1.0, 0.0]) > 0.99999);
        }
        for v in &m.vertices {
            assert_eq!(v.position[1], 0.0);
            assert_eq!(v.normal, [0.0, 1.0, 0.0]);
            assert_eq!(v.uv, [v.position[0] + 0.5, v.position[2] + 0.5]);
        }
        let area: f64 = triangles(&m, plain).iter().map(Tri::area).sum();
        assert!((area - 1.0).abs() < 1e-9);
    }

    #[test]
    fn box_has_24_vertices_hard_edges_and_outward_ccw_faces() {
        let m = MeshData::primitive(Primitive::Box);
        assert_eq!(m.vertices.len(), 24);
        assert_eq!(m.indices.len(), 36);
        let tris = triangles(&m, plain);
        for t in &tris {
            assert!(
                dot(t.face(), t.centroid) > 0.0,
                "inward face {:?}",
                t.centroid
            );
            // The face normal is an axis, and every vertex normal equals it.
            assert!(t.face().iter().any(|c| (c.abs() - 1.0).abs() < 1e-9));
        }
        assert_normals_near_face(&tris, 0.99999, "box");
        let area: f64 = tris.iter().map(Tri::area).sum();
        assert!((area - 6.0).abs() < 1e-9);
        for v in &m.vertices {
            assert!(v.position.iter().all(|c| c.abs() == 0.5));
            assert!(v.uv.iter().all(|&c| c == 0.0 || c == 1.0));
            // Upright on the sides: v = 0 at the top edge.
            if v.normal[1] == 0.0 {
                assert_eq!(v.uv[1], 0.5 - v.position[1]);
            }
        }
    }

    #[test]
    fn sphere_is_round_outward_and_ccw() {
        let m = MeshData::primitive(Primitive::Sphere);
        for v in &m.vertices {
            assert!((len(v3(v.position)) - 1.0).abs() < 1e-6);
            assert!(
                len(sub(v3(v.position), v3(v.normal))) < 1e-6,
                "normal ≠ position"
            );
            // v runs from the north pole (0) to the south pole (1).
            let v_expected = f64::from(v.position[1]).clamp(-1.0, 1.0).acos() / PI;
            assert!((f64::from(v.uv[1]) - v_expected).abs() < 1e-5);
        }
        let tris = triangles(&m, plain);
        for t in &tris {
            assert!(
                dot(t.face(), t.centroid) > 0.0,
                "inward face at {:?}",
                t.centroid
            );
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "sphere");
        let area: f64 = tris.iter().map(Tri::area).sum();
        let exact = 4.0 * PI;
        assert!((area - exact).abs() / exact < 0.01, "area {area}");
    }

    #[test]
    fn sphere_u_increases_to_the_right_seen_from_outside() {
        // Seen from +Z (looking at −Z, +X to the right), u grows with x near (0, 0, 1).
        let m = MeshData::primitive(Primitive::Sphere);
        let near = |x: f32| {
            m.vertices
                .iter()
                .filter(|v| v.position[1].abs() < 0.05 && v.position[2] > 0.9)
                .min_by(|a, b| {
                    (a.position[0] - x)
                        .abs()
                        .total_cmp(&(b.position[0] - x).abs())
                })
                .map(|v| v.uv[0])
                .unwrap()
        };
        assert!(near(0.3) > near(-0.3));
    }

    #[test]
    fn cylinder_side_and_caps() {
        let m = MeshData::primitive(Primitive::Cylinder);
        let tris = triangles(&m, plain);
        let (mut side_area, mut top_area, mut bottom_area) = (0.0, 0.0, 0.0);
        for t in &tris {
            let f = t.face();
            if t.normals.iter().all(|n| n[1] == 0.0) {
                let radial = [t.centroid[0], 0.0, t.centroid[2]];
                assert!(dot(f, radial) > 0.0, "inward side face");
                assert!(f[1].abs() < 1e-9);
                side_area += t.area();
            } else if t.centroid[1] > 0.0 {
                assert!((t.centroid[1] - 0.5).abs() < 1e-9);
                assert!(dot(f, [0.0, 1.0, 0.0]) > 0.99999, "top cap faces {f:?}");
                assert!(t.normals.iter().all(|&n| n == [0.0, 1.0, 0.0]));
                top_area += t.area();
            } else {
                assert!((t.centroid[1] + 0.5).abs() < 1e-9);
                assert!(dot(f, [0.0, -1.0, 0.0]) > 0.99999, "bottom cap faces {f:?}");
                assert!(t.normals.iter().all(|&n| n == [0.0, -1.0, 0.0]));
                bottom_area += t.area();
            }
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "cylinder");
        for v in &m.vertices {
            let n = v.normal;
            if n[1] == 0.0 {
                assert_eq!(n, [v.position[0], 0.0, v.position[2]]);
            }
        }
        // Hard edge: the top rim has side and cap vertices at the same place.
        let rim = [-1.0, 0.5, 0.0];
        let normals: Vec<_> = m
            .vertices
            .iter()
            .filter(|v| len(sub(v3(v.position), rim)) < 1e-6)
            .map(|v| v.normal)
            .collect();
        assert!(normals.contains(&[0.0, 1.0, 0.0]) && normals.contains(&[-1.0, 0.0, 0.0]));
        assert!(
            (side_area - TAU).abs() / TAU < 0.01,
            "side area {side_area}"
        );
        assert!((top_area - PI).abs() / PI < 0.01 && (bottom_area - PI).abs() / PI < 0.01);
    }

    #[test]
    fn cone_has_true_normals_and_a_base() {
        let m = MeshData::primitive(Primitive::Cone);
        let tris = triangles(&m, plain);
        let (mut side_area, mut base_area) = (0.0, 0.0);
        for t in &tris {
            let f = t.face();
            if t.normals.iter().all(|n| n[1] > 0.0) {
                // The true normal of a cone of radius 1 and height 1 at this direction:
                // perpendicular to the slant (−d, 1), outward and upward: (d, 1)/√2.
                let rho = t.centroid[0].hypot(t.centroid[2]);
                let expected = unit([t.centroid[0] / rho, 1.0, t.centroid[2] / rho]);
                assert!(dot(f, expected) > 0.9999, "side face {f:?} vs {expected:?}");
                for n in t.normals {
                    // Vertex normals are true cone normals (45° up).
                    assert!((n[1] - 0.5f64.sqrt()).abs() < 1e-6);
                }
                side_area += t.area();
            } else {
                assert!(dot(f, [0.0, -1.0, 0.0]) > 0.99999, "base faces {f:?}");
                assert!((t.centroid[1] + 0.5).abs() < 1e-9);
                base_area += t.area();
            }
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "cone");
        // Lateral area π·r·slant = π·√2.
        let lateral = PI * 2f64.sqrt();
        assert!(
            (side_area - lateral).abs() / lateral < 0.01,
            "side area {side_area}"
        );
        assert!((base_area - PI).abs() / PI < 0.01);
        // The apex is at the top, with one vertex per segment.
        let apexes = m
            .vertices
            .iter()
            .filter(|v| v.position == [0.0, 0.5, 0.0])
            .count();
        assert_eq!(apexes, SEGMENTS as usize);
    }

    #[test]
    fn torus_encoding_area_and_winding() {
        let m = MeshData::primitive(Primitive::Torus);
        for v in &m.vertices {
            let (u, w) = (TAU * f64::from(v.uv[0]), TAU * f64::from(v.uv[1]));
            let d = [u.cos(), 0.0, u.sin()];
            let n = [w.cos() * u.cos(), w.sin(), w.cos() * u.sin()];
            assert!(
                len(sub(v3(v.position), d)) < 1e-6,
                "position is the ring direction"
            );
            assert!(
                len(sub(v3(v.normal), n)) < 1e-6,
                "normal is the tube normal"
            );
        }
        let (big, small) = (1.0, 0.3);
        let point = |v: &Vertex| {
            let (d, n) = (v3(v.position), v3(v.normal));
            [0, 1, 2].map(|k| big * d[k] + small * n[k])
        };
        let tris = triangles(&m, point);
        for t in &tris {
            assert!(t.area() > 1e-9, "degenerate torus triangle");
            // Outward at a torus point is its tube normal n (and away from the tube's centre
            // circle): the average of the vertex normals.
            let n = unit([0, 1, 2].map(|k| t.normals.iter().map(|n| n[k]).sum::<f64>()));
            assert!(
                dot(t.face(), n) > 0.0,
                "torus triangle not CCW from outside"
            );
            let ring = unit([t.centroid[0], 0.0, t.centroid[2]]);
            let from_tube = sub(t.centroid, ring.map(|c| c * big));
            assert!(dot(t.face(), from_tube) > 0.0);
        }
        assert_normals_near_face(&tris, smooth_limit(RINGS), "torus");
        let area: f64 = tris.iter().map(Tri::area).sum();
        let exact = 4.0 * PI * PI * big * small;
        assert!(
            (area - exact).abs() / exact < 0.01,
            "area {area} vs {exact}"
        );
    }

    // ---------------------------------------------------------------------------------
    // glTF
    // ---------------------------------------------------------------------------------

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../testing-fixtures/assets")
            .join(name)
    }

    /// A file in the temp directory, removed on drop.
    struct Temp(PathBuf);
    impl Temp {
        fn new(name: &str, bytes: &[u8]) -> Temp {
            static COUNTER: AtomicUsize = AtomicUsize::new(0);
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let dir =
                std::env::temp_dir().join(format!("vivid-mesh-data-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            Temp(path)
        }
    }
    impl Drop for Temp {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn load_bytes(name: &str, bytes: &[u8]) -> Result<MeshData, MeshError> {
        let file = Temp::new(name, bytes);
        MeshData::load_gltf(&file.0)
    }

    /// Builds a glTF document with one binary buffer.
    #[derive(Default)]
    struct Doc {
        bin: Vec<u8>,
        views: Vec<String>,
        accessors: Vec<String>,
    }

    impl Doc {
        fn view(&mut self, bytes: &[u8], extra: &str) -> usize {
            while !self.bin.len().is_multiple_of(4) {
                self.bin.push(0);
            }
            self.views.push(format!(
                r#"{{"buffer":0,"byteOffset":{},"byteLength":{}{extra}}}"#,
                self.bin.len(),
                bytes.len()
            ));
            self.bin.extend_from_slice(bytes);
            self.views.len() - 1
        }

        fn accessor(&mut self, json: String) -> usize {
            self.accessors.push(json);
            self.accessors.len() - 1
        }

        /// A float accessor of `ty` ("VEC2", "VEC3") with min and max (of the finite values).
        fn floats(&mut self, data: &[f32], ty: &str) -> usize {
            let n = if ty == "VEC2" { 2 } else { 3 };
            let bytes: Vec<u8> = data.iter().flat_map(|f| f.to_le_bytes()).collect();
            let view = self.view(&bytes, "");
            let fold = |k: usize, f: fn(f32, f32) -> f32| {
                let v = data
                    .iter()
                    .skip(k)
                    .step_by(n)
                    .filter(|x| x.is_finite())
                    .fold(None, |acc: Option<f32>, &x| {
                        Some(acc.map_or(x, |a| f(a, x)))
                    });
                format!("{:?}", v.unwrap_or(0.0))
            };
            let min: Vec<String> = (0..n).map(|k| fold(k, f32::min)).collect();
            let max: Vec<String> = (0..n).map(|k| fold(k, f32::max)).collect();
            self.accessor(format!(
                r#"{{"bufferView":{view},"componentType":5126,"count":{},"type":"{ty}","min":[{}],"max":[{}]}}"#,
                data.len() / n,
                min.join(","),
                max.join(",")
            ))
        }

        fn indices_u16(&mut self, data: &[u16]) -> usize {
            let bytes: Vec<u8> = data.iter().flat_map(|i| i.to_le_bytes()).collect();
            let view = self.view(&bytes, "");
            self.accessor(format!(
                r#"{{"bufferView":{view},"componentType":5123,"count":{},"type":"SCALAR"}}"#,
                data.len()
            ))
        }

        fn indices_u32(&mut self, data: &[u32]) -> usize {
            let bytes: Vec<u8> = data.iter().flat_map(|i| i.to_le_bytes()).collect();
            let view = self.view(&bytes, "");
            self.accessor(format!(
                r#"{{"bufferView":{view},"componentType":5125,"count":{},"type":"SCALAR"}}"#,
                data.len()
            ))
        }

        fn json(&self, buffer_uri: Option<&str>, rest: &str) -> String {
            let uri = buffer_uri
                .map(|u| format!(r#","uri":"{u}""#))
                .unwrap_or_default();
            format!(
                r#"{{"asset":{{"version":"2.0"}},"buffers":[{{"byteLength":{}{uri}}}],"bufferViews":[{}],"accessors":[{}],{rest}}}"#,
                self.bin.len(),
                self.views.join(","),
                self.accessors.join(","),
            )
        }

        /// The document as a GLB (the buffer is the BIN chunk).
        fn glb(&self, rest: &str) -> Vec<u8> {
            let mut json = self.json(None, rest).into_bytes();
            while !json.len().is_multiple_of(4) {
                json.push(b' ');
            }
            let mut bin = self.bin.clone();
            while !bin.len().is_multiple_of(4) {
                bin.push(0);
            }
            let total = 12 + 8 + json.len() + 8 + bin.len();
            let mut out = Vec::new();
            out.extend_from_slice(b"glTF");
            out.extend_from_slice(&2u32.to_le_bytes());
            out.extend_from_slice(&(total as u32).to_le_bytes());
            out.extend_from_slice(&(json.len() as u32).to_le_bytes());
            out.extend_from_slice(b"JSON");
            out.extend_from_slice(&json);
            out.extend_from_slice(&(bin.len() as u32).to_le_bytes());
            out.extend_from_slice(b"BIN\0");
            out.extend_from_slice(&bin);
            out
        }
    }

    /// One node, one mesh, one primitive with these attributes and extra primitive fields.
    fn one_primitive(attributes: &str, extra: &str) -> String {
        format!(
            r#""meshes":[{{"primitives":[{{"attributes":{{{attributes}}}{extra}}}]}}],"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}],"scene":0"#
        )
    }

    fn assert_not_panicked(e: &MeshError) {
        assert!(!e.to_string().contains("panicked"), "{e}");
    }

    /// A triangle in the z = 0 plane, counter-clockwise seen from +Z.
    const TRIANGLE: [f32; 9] = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];

    #[test]
    fn box_textured_fixture() {
        let path = fixture("BoxTextured.gltf");
        let m = MeshData::load_gltf(&path).unwrap();
        assert_eq!(m.vertices.len(), 24);
        assert_eq!(m.indices.len(), 36);
        assert_eq!(m.parts.len(), 1);
        assert_eq!(m.parts[0].indices, 0..36);
        assert_eq!(m.parts[0].base_color, [1.0; 4]);
        assert_eq!(m.parts[0].image, Some(0));
        assert_eq!(m.images.len(), 1);
        let img = &m.images[0];
        assert!(img.width > 0 && img.height > 0);
        assert_eq!(
            img.rgba8.len(),
            4 * img.width as usize * img.height as usize
        );
        // The PNG's IHDR (base64 "AAAA0wAAANMI") says 211 × 211.
        assert_eq!((img.width, img.height), (211, 211));
        assert_eq!(m.bounds_min, [-0.5; 3]);
        assert_eq!(m.bounds_max, [0.5; 3]);

        // The file's raw data, read independently; the root node's column-major matrix
        // [1,0,0,0, 0,0,-1,0, 0,1,0,0, 0,0,0,1] maps (x, y, z) to (x, z, −y).
        let (doc, buffers, _) = gltf::import(&path).unwrap();
        let prim = doc.meshes().next().unwrap().primitives().next().unwrap();
        let reader = prim.reader(|b| Some(&buffers[b.index()]));
        let raw_p: Vec<[f32; 3]> = reader.read_positions().unwrap().collect();
        let raw_n: Vec<[f32; 3]> = reader.read_normals().unwrap().collect();
        let raw_uv: Vec<[f32; 2]> = reader.read_tex_coords(0).unwrap().into_f32().collect();
        let raw_i: Vec<u32> = reader.read_indices().unwrap().into_u32().collect();
        let rot = |[x, y, z]: [f32; 3]| [x, z, -y];
        let mut saw_z_up = false;
        for (i, v) in m.vertices.iter().enumerate() {
            assert_eq!(v.position, rot(raw_p[i]));
            assert_eq!(v.normal, rot(raw_n[i]));
            assert_eq!(v.uv, raw_uv[i]);
            if raw_n[i] == [0.0, 0.0, 1.0] {
                assert_eq!(v.normal, [0.0, 1.0, 0.0]);
                assert_eq!(v.position[1], 0.5, "the +Y face is the top");
                saw_z_up = true;
            }
        }
        assert!(saw_z_up);
        assert_eq!(m.indices, raw_i, "a rotation keeps the winding");
        assert!(
            m.vertices.iter().any(|v| v.uv[0] == 6.0),
            "UVs up to 6 are kept"
        );
        // The box is closed: CCW faces point outward, and vertex normals match them.
        let tris = triangles(&m, plain);
        for t in &tris {
            assert!(dot(t.face(), t.centroid) > 0.0);
        }
        assert_normals_near_face(&tris, 0.99999, "BoxTextured");
    }

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
    fn missing_indices_draw_vertices_in_order() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let n = doc.floats(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0], "VEC3");
        let uv = doc.floats(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], "VEC2");
        let rest = one_primitive(
            &format!(r#""POSITION":{p},"NORMAL":{n},"TEXCOORD_0":{uv}"#),
            "",
        );
        let m = load_bytes("noindices.glb", &doc.glb(&rest)).unwrap();
        assert_eq!(m.indices, vec![0, 1, 2]);
        assert_eq!(m.vertices[1].uv, [1.0, 0.0]);
        assert_eq!(m.vertices[2].position, [0.0, 1.0, 0.0]);
        assert_eq!(m.parts[0].image, None);
    }

    #[test]
    fn strips_and_fans_become_lists() {
        let mut doc = Doc::default();
        // A unit square as a strip (0,0) (1,0) (0,1) (1,1) and as a fan (0,0) (1,0) (1,1) (0,1).
        let strip = doc.floats(
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0],
            "VEC3",
        );
        let fan = doc.floats(
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
            "VEC3",
        );
        let rest = format!(
            r#""meshes":[{{"primitives":[{{"attributes":{{"POSITION":{strip}}},"mode":5}},{{"attributes":{{"POSITION":{fan}}},"mode":6}}]}}],"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}]"#
        );
        let m = load_bytes("strip.glb", &doc.glb(&rest)).unwrap();
        assert_eq!(m.parts.len(), 2);
        assert_eq!(m.parts[0].indices, 0..6);
        assert_eq!(m.parts[1].indices, 6..12);
        // Flat normals de-index, so compare positions: strip (0,1,2) (1,3,2); fan (1,2,0) (2,3,0).
        let pos: Vec<[f32; 2]> = m
            .indices
            .iter()
            .map(|&i| {
                let p = m.vertices[i as usize].position;
                [p[0], p[1]]
            })
            .collect();
        let expected = [
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        assert_eq!(pos, expected);
        for t in triangles(&m, plain) {
            assert!(dot(t.face(), [0.0, 0.0, 1.0]) > 0.99999, "CCW from +Z");
            assert_eq!(t.normals, [[0.0, 0.0, 1.0]; 3]);
        }
    }

    /// A regular tetrahedron centred at the origin, 12 vertices, each face CCW from outside
    /// with its outward normal.
    fn tetrahedron() -> (Vec<f32>, Vec<f32>) {
        let v = [
            [1.0, 1.0, 1.0],
            [1.0, -1.0, -1.0],
            [-1.0, 1.0, -1.0],
            [-1.0, -1.0, 1.0],
        ];
        let (mut p, mut n) = (Vec::new(), Vec::new());
        for [a, mut b, mut c] in [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]] {
            let centroid = [0, 1, 2].map(|k| v[a][k] + v[b][k] + v[c][k]);
            let mut f = cross(sub(v[b], v[a]), sub(v[c], v[a]));
            if dot(f, centroid) < 0.0 {
                std::mem::swap(&mut b, &mut c);
                f = f.map(|x| -x);
            }
            let f = unit(f);
            for i in [a, b, c] {
                p.extend(v[i].map(|x| x as f32));
                n.extend(f.map(|x| x as f32));
            }
        }
        (p, n)
    }

    #[test]
    fn mirrored_node_keeps_ccw_and_outward_normals() {
        let (p, n) = tetrahedron();
        for with_normals in [true, false] {
            for scale in [[1.0, 1.0, 1.0], [-2.0, 1.0, 0.5], [-1.0, 1.0, 1.0]] {
                let mut doc = Doc::default();
                let pa = doc.floats(&p, "VEC3");
                let na = doc.floats(&n, "VEC3");
                let attributes = if with_normals {
                    format!(r#""POSITION":{pa},"NORMAL":{na}"#)
                } else {
                    format!(r#""POSITION":{pa}"#)
                };
                // A 90° turn about Y, then the (possibly mirroring, non-uniform) scale.
                let rest = format!(
                    r#""meshes":[{{"primitives":[{{"attributes":{{{attributes}}}}}]}}],"nodes":[{{"mesh":0,"rotation":[0,0.70710678,0,0.70710678],"scale":{scale:?}}}],"scenes":[{{"nodes":[0]}}]"#
                );
                let m = load_bytes("mirror.glb", &doc.glb(&rest)).unwrap();
                assert_eq!(m.indices.len(), 12);
                let tris = triangles(&m, plain);
                for t in &tris {
                    assert!(
                        dot(t.face(), t.centroid) > 0.0,
                        "scale {scale:?}: face turned inward"
                    );
                }
                // The inverse-transpose keeps normals perpendicular to the scaled faces.
                assert_normals_near_face(&tris, 0.99999, "tetrahedron");
            }
        }
    }

    #[test]
    fn sparse_accessors_are_read() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let indices = doc.view(&1u32.to_le_bytes(), "");
        let values: Vec<u8> = [2.0f32, 0.0, 0.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let values = doc.view(&values, "");
        // Accessor p with vertex 1 replaced by (2, 0, 0).
        let sparse = doc.accessor(format!(
            r#"{{"bufferView":{p},"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[2,1,0],
            "sparse":{{"count":1,"indices":{{"bufferView":{indices},"componentType":5125}},"values":{{"bufferView":{values}}}}}}}"#
        ));
        let rest = one_primitive(&format!(r#""POSITION":{sparse}"#), "");
        let m = load_bytes("sparse.glb", &doc.glb(&rest)).unwrap();
        let positions: Vec<_> = m.vertices.iter().map(|v| v.position).collect();
        assert_eq!(positions, [[0.0; 3], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
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
        assert_eq!(m.parts[0].base_color, [1.0, 0.0, 0.0, 1.0]);
        assert_eq!(m.parts[1].base_color, [0.0, 1.0, 0.0, 0.5]);
        assert_eq!(m.parts[2].base_color, [1.0; 4], "no material");
        assert_eq!(m.parts[0].image, Some(0));
        assert_eq!(
            m.parts[1].image,
            Some(0),
            "the same glTF image is stored once"
        );
        assert_eq!(m.parts[2].image, None);
        assert_eq!(
            m.images,
            vec![MeshImage {
                width: 2,
                height: 1,
                rgba8: vec![255, 0, 0, 255, 0, 0, 255, 128],
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
    fn external_buffer_next_to_the_gltf() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let bin = Temp::new("tri.bin", &doc.bin);
        let json = doc.json(
            Some("tri.bin"),
            &one_primitive(&format!(r#""POSITION":{p}"#), ""),
        );
        let gltf_path = bin.0.with_file_name("tri.gltf");
        std::fs::write(&gltf_path, json).unwrap();
        let m = MeshData::load_gltf(&gltf_path).unwrap();
        assert_eq!(m.indices.len(), 3);
        assert_eq!(m.vertices[1].position, [1.0, 0.0, 0.0]);
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

    #[test]
    fn index_out_of_range_is_an_error() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let i = doc.indices_u32(&[0, 1, 5]);
        let rest = one_primitive(&format!(r#""POSITION":{p}"#), &format!(r#","indices":{i}"#));
        let e = load_bytes("oob.glb", &doc.glb(&rest)).unwrap_err();
        assert!(matches!(e, MeshError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("index 5 is out of range"), "{e}");
    }

    #[test]
    fn non_finite_position_is_an_error() {
        let mut doc = Doc::default();
        let mut data = TRIANGLE;
        data[4] = f32::NAN;
        let p = doc.floats(&data, "VEC3");
        let e = load_bytes(
            "nan.glb",
            &doc.glb(&one_primitive(&format!(r#""POSITION":{p}"#), "")),
        )
        .unwrap_err();
        assert!(matches!(e, MeshError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("not finite"), "{e}");
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
    fn missing_file_error_names_the_path() {
        let path = std::env::temp_dir().join("vivid-mesh-data-does-not-exist.glb");
        let e = MeshData::load_gltf(&path).unwrap_err();
        assert!(matches!(e, MeshError::Read { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(!text.contains('\n'));
    }

    #[test]
    fn truncated_files_are_errors() {
        let text = std::fs::read(fixture("BoxTextured.gltf")).unwrap();
        for cut in [0, 1, text.len() / 3, text.len() / 2, text.len() - 2] {
            let e = load_bytes("cut.gltf", &text[..cut]).unwrap_err();
            assert!(matches!(e, MeshError::Parse { .. }), "cut at {cut}: {e}");
            assert!(e.to_string().contains("cut.gltf"), "{e}");
        }
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let glb = doc.glb(&one_primitive(&format!(r#""POSITION":{p}"#), ""));
        assert!(load_bytes("whole.glb", &glb).is_ok());
        for cut in (0..glb.len()).step_by(5) {
            let e = load_bytes("cut.glb", &glb[..cut]).unwrap_err();
            assert_not_panicked(&e);
        }
    }

    #[test]
    fn random_bytes_are_errors() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut random = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect()
        };
        for prefix in [&b""[..], b"glTF", b"glTF\x02\0\0\0", b"{", b"{\"asset\":"] {
            for n in [0, 3, 11, 64, 4096] {
                let mut bytes = prefix.to_vec();
                bytes.extend(random(n));
                let e = load_bytes("random.glb", &bytes).unwrap_err();
                assert_not_panicked(&e);
            }
        }
        // A GLB whose header declares a length shorter than the header itself.
        let mut bytes = b"glTF".to_vec();
        bytes.extend(2u32.to_le_bytes());
        bytes.extend(4u32.to_le_bytes());
        bytes.extend(random(32));
        let e = load_bytes("short.glb", &bytes).unwrap_err();
        assert!(matches!(e, MeshError::Invalid { .. }), "{e}");
    }

    #[test]
    fn malformed_data_is_an_error_not_a_panic() {
        // Each case: accessors and views written by hand over a valid triangle's buffer.
        let cases: [(&str, &str, &str); 9] = [
            // POSITION of the wrong type.
            (
                "VEC2 positions",
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC2","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            (
                "u16 positions",
                r#"{"bufferView":0,"componentType":5123,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // More elements than the view holds.
            (
                "count past the view",
                r#"{"bufferView":0,"componentType":5126,"count":4,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // An offset past the view.
            (
                "offset past the view",
                r#"{"bufferView":0,"byteOffset":4000000000,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // A stride shorter than the element.
            (
                "stride too small",
                r#"{"bufferView":1,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // Too many vertices.
            (
                "too large",
                r#"{"bufferView":0,"componentType":5126,"count":67108865,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // A view past the end of its buffer.
            (
                "view past buffer",
                r#"{"bufferView":2,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                "",
            ),
            // An image in a buffer view without a MIME type.
            (
                "image without mimeType",
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1]}"#,
                r#","images":[{"bufferView":0}]"#,
            ),
            // Sparse accessor with zero sparse count.
            (
                "sparse count 0",
                r#"{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,1],"sparse":{"count":0,"indices":{"bufferView":0,"componentType":5125},"values":{"bufferView":0}}}"#,
                "",
            ),
        ];
        let bin: Vec<u8> = TRIANGLE.iter().flat_map(|f| f.to_le_bytes()).collect();
        for (name, accessor, extra) in cases {
            let mut views = vec![
                r#"{"buffer":0,"byteLength":36}"#.to_string(),
                r#"{"buffer":0,"byteLength":36,"byteStride":4}"#.to_string(),
            ];
            if name == "view past buffer" {
                views.push(r#"{"buffer":0,"byteOffset":8,"byteLength":36}"#.to_string());
            }
            let doc = Doc {
                bin: bin.clone(),
                views,
                accessors: vec![accessor.to_string()],
            };
            let rest = format!("{}{extra}", one_primitive(r#""POSITION":0"#, ""));
            let e = load_bytes("bad.glb", &doc.glb(&rest)).unwrap_err();
            assert_not_panicked(&e);
            if name == "too large" {
                assert!(matches!(e, MeshError::TooLarge { .. }), "{name}: {e}");
            }
            if name.contains("positions") {
                assert!(matches!(e, MeshError::Unsupported { .. }), "{name}: {e}");
            }
        }
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
    fn errors_display_on_one_line() {
        let e = Problem::TooLarge {
            what: "vertices",
            count: 1 << 27,
        }
        .at(Path::new("big.glb"));
        assert_eq!(
            e.to_string(),
            "big.glb: too large: 134217728 vertices (at most 67108864)"
        );
        let e = Problem::Unsupported("x".into()).at(Path::new("a.gltf"));
        assert_eq!(e.to_string(), "a.gltf: unsupported glTF: x");
    }
}
