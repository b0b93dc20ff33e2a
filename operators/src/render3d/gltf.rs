//! glTF 2.0 import: reads a `.gltf` or `.glb` file with its buffers and images, checks
//! what the gltf crate would otherwise panic on, and hands the document to
//! `gltf_flatten`, which turns its scene into one [`MeshData`].
//!
//! Every file — the glTF itself, an external buffer (`.bin`), an external texture — is read
//! by the file rule ([`vivid_engine::files`]): inside the project folder (or an allowed one)
//! after resolving links, `..` and `file://` URIs, a regular file, not too large. The gltf
//! crate's own importer reads any path it is given, so external URIs are resolved here.
//!
//! Every error names the file ([`MeshError`]); inside the loader it is a `Problem` until
//! the path is attached.

use std::path::{Path, PathBuf};

use vivid_engine::files::{FileError, FileRules, Role};

use super::geometry::MeshData;
use super::gltf_flatten::flatten;

/// The most vertices, and separately the most indices, a loaded mesh may have (2^26).
const MAX_ELEMENTS: usize = 1 << 26;

/// Why a mesh file could not be used. Display: one line naming the file and what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeshError {
    /// The file could not be read: missing, unreadable, outside the project folder, not a
    /// regular file, too large (the file rule's error, which names it).
    #[error("{0}")]
    Read(FileError),
    /// A file the glTF refers to (an external buffer or texture) could not be read: the
    /// error names the glTF, what in it refers to the file, and the file.
    #[error("{}: {what}: {source}", path.display())]
    Reference {
        /// The glTF file.
        path: PathBuf,
        /// What refers to it: `buffer 0 ("scene.bin")`.
        what: String,
        /// The file rule's error, naming the file referred to.
        source: FileError,
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
    /// Loads a glTF 2.0 file (`.gltf` with embedded `data:` URIs or external files next to
    /// it, or `.glb`) and flattens its scene into one mesh; the file and what it refers to
    /// must be inside the glTF's own folder ([`load_gltf_with`](Self::load_gltf_with) for
    /// a project's rules).
    pub fn load_gltf(path: &Path) -> Result<MeshData, MeshError> {
        let folder = path.parent().unwrap_or_else(|| Path::new("."));
        Self::load_gltf_with(&FileRules::new(folder, &[]), path)
    }

    /// Loads a glTF 2.0 file, reading it and every file it refers to by `rules`, and
    /// flattens its scene into one mesh.
    ///
    /// The default scene is used (else the first scene, else every root node). Each node's
    /// world transform is applied to positions and (inverse-transpose) to normals; every
    /// triangle primitive becomes one [`MeshPart`](super::geometry::MeshPart) with its material's base colour factor and
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
    pub fn load_gltf_with(rules: &FileRules, path: &Path) -> Result<MeshData, MeshError> {
        let bytes = rules.read(path, Role::Model).map_err(MeshError::Read)?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        // The checks in `load` keep the gltf crate off its own panics (it has a few on
        // malformed input); catching an unwind is the last line of defence.
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load(rules, &bytes, base)))
                .unwrap_or_else(|_| {
                    Err(Problem::Invalid(
                        "internal error: the glTF reader panicked on this file".to_string(),
                    ))
                });
        result.map_err(|problem| problem.at(path))
    }
}

/// A [`MeshError`] before the path is attached.
#[derive(Debug)]
pub(super) enum Problem {
    Parse(gltf::Error),
    Invalid(String),
    Unsupported(String),
    NoTriangles,
    TooLarge { what: &'static str, count: usize },
    Reference { what: String, source: FileError },
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
            Problem::Reference { what, source } => MeshError::Reference { path, what, source },
        }
    }
}

/// A [`Problem::Invalid`] saying `what`.
pub(super) fn invalid(what: impl Into<String>) -> Problem {
    Problem::Invalid(what.into())
}

/// A [`Problem::TooLarge`] if `count` is over the limit.
pub(super) fn check_size(what: &'static str, count: usize) -> Result<(), Problem> {
    if count > MAX_ELEMENTS {
        Err(Problem::TooLarge { what, count })
    } else {
        Ok(())
    }
}

/// Parses, loads the buffers and images (resolving relative URIs against `base`, reading
/// files by `rules`), and flattens the scene.
fn load(rules: &FileRules, bytes: &[u8], base: &Path) -> Result<MeshData, Problem> {
    check_glb_header(bytes)?;
    let gltf::Gltf { document, blob } = gltf::Gltf::from_slice(bytes).map_err(Problem::Parse)?;
    let buffers = import_buffers(rules, &document, base, blob)?;
    check_views(&document, &buffers)?;
    check_image_sources(&document)?;
    let images = import_images(rules, &document, base, &buffers)?;
    flatten(&document, &buffers, &images)
}

/// Where a URI that is not a `data:` URI points: `file:` URIs and relative references
/// (percent-decoded, from `base`). Other schemes are unsupported.
fn uri_path(base: &Path, uri: &str, what: &str) -> Result<PathBuf, Problem> {
    if let Some(rest) = uri
        .strip_prefix("file://")
        .or_else(|| uri.strip_prefix("file:"))
    {
        return Ok(PathBuf::from(decode_uri(rest)));
    }
    if uri.contains(':') {
        return Err(Problem::Unsupported(format!(
            "{what}: the URI {uri:?} (only relative paths, file: and data: URIs are read)"
        )));
    }
    Ok(base.join(decode_uri(uri)))
}

/// A URI reference percent-decoded (left as it is if that does not give UTF-8).
fn decode_uri(uri: &str) -> String {
    urlencoding::decode(uri).map_or_else(|_| uri.to_string(), std::borrow::Cow::into_owned)
}

/// The bytes of the file `uri` refers to, by the file rule.
fn read_reference(
    rules: &FileRules,
    base: &Path,
    uri: &str,
    what: String,
    role: Role,
) -> Result<Vec<u8>, Problem> {
    let path = uri_path(base, uri, &what)?;
    rules
        .read(&path, role)
        .map_err(|source| Problem::Reference { what, source })
}

/// The document's buffers: the GLB's binary chunk, `data:` URIs, and external files read by
/// the file rule; each at least as long as the document says.
fn import_buffers(
    rules: &FileRules,
    document: &gltf::Document,
    base: &Path,
    mut blob: Option<Vec<u8>>,
) -> Result<Vec<gltf::buffer::Data>, Problem> {
    let mut buffers = Vec::new();
    for buffer in document.buffers() {
        let data = match buffer.source() {
            gltf::buffer::Source::Uri(uri) if !uri.starts_with("data:") => {
                let what = format!("buffer {} ({uri:?})", buffer.index());
                let mut bytes = read_reference(rules, base, uri, what, Role::ModelBuffer)?;
                while !bytes.len().is_multiple_of(4) {
                    bytes.push(0);
                }
                gltf::buffer::Data(bytes)
            }
            // The binary chunk, or a `data:` URI: no file is read.
            source => gltf::buffer::Data::from_source_and_blob(source, None, &mut blob)
                .map_err(Problem::Parse)?,
        };
        if data.len() < buffer.length() {
            return Err(Problem::Parse(gltf::Error::BufferLength {
                buffer: buffer.index(),
                expected: buffer.length(),
                actual: data.len(),
            }));
        }
        buffers.push(data);
    }
    Ok(buffers)
}

/// The document's images, decoded: from buffer views, `data:` URIs, and external files
/// read by the file rule.
fn import_images(
    rules: &FileRules,
    document: &gltf::Document,
    base: &Path,
    buffers: &[gltf::buffer::Data],
) -> Result<Vec<gltf::image::Data>, Problem> {
    let mut images = Vec::new();
    for image in document.images() {
        let data = match image.source() {
            gltf::image::Source::Uri { uri, mime_type } if !uri.starts_with("data:") => {
                let what = format!("image {} ({uri:?})", image.index());
                let bytes = read_reference(rules, base, uri, what.clone(), Role::Picture)?;
                decode_image(&bytes, mime_type, uri).map_err(|e| invalid(format!("{what}: {e}")))?
            }
            // A buffer view or a `data:` URI: no file is read.
            source => gltf::image::Data::from_source(source, Some(base), buffers)
                .map_err(Problem::Parse)?,
        };
        images.push(data);
    }
    Ok(images)
}

/// Decodes an external texture's bytes (PNG or JPEG: the MIME type, else the extension,
/// else the content tells which) as the gltf crate would.
fn decode_image(
    bytes: &[u8],
    mime_type: Option<&str>,
    uri: &str,
) -> Result<gltf::image::Data, String> {
    use gltf::image::Format;
    use image::{DynamicImage, ImageFormat};
    let ext = Path::new(uri)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let format = match (mime_type, ext.as_deref()) {
        (Some("image/png"), _) | (None, Some("png")) => Some(ImageFormat::Png),
        (Some("image/jpeg"), _) | (None, Some("jpg" | "jpeg")) => Some(ImageFormat::Jpeg),
        _ => image::guess_format(bytes).ok(),
    }
    .ok_or_else(|| "not a PNG or JPEG image".to_string())?;
    let decoded = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| format!("not a readable image ({e})"))?;
    let (width, height) = (decoded.width(), decoded.height());
    let (format, pixels) = match decoded {
        DynamicImage::ImageLuma8(i) => (Format::R8, i.into_raw()),
        DynamicImage::ImageLumaA8(i) => (Format::R8G8, i.into_raw()),
        DynamicImage::ImageRgb8(i) => (Format::R8G8B8, i.into_raw()),
        DynamicImage::ImageRgba8(i) => (Format::R8G8B8A8, i.into_raw()),
        other => (Format::R8G8B8A8, other.into_rgba8().into_raw()),
    };
    Ok(gltf::image::Data {
        pixels,
        format,
        width,
        height,
    })
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

#[cfg(test)]
// Exact float comparisons are intended (copied values, transforms by 0 and ±1), and the
// geometry reads best with x, y, z, u, v, n.
#[allow(clippy::float_cmp, clippy::many_single_char_names)]
mod tests {
    use super::*;
    use crate::render3d::geometry::inspect::{assert_normals_near_face, dot, plain, triangles};
    use crate::render3d::gltf_testing::{
        Doc, TRIANGLE, Temp, assert_not_panicked, fixture, load_bytes, one_primitive,
    };

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
