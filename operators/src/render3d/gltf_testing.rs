//! Test helpers for the glTF loader: glTF documents written by hand ([`Doc`]), files in the
//! temp directory, and the fixture folder.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::geometry::MeshData;
use super::gltf::MeshError;

/// A file of `testing-fixtures/assets`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../testing-fixtures/assets")
        .join(name)
}

/// A file in the temp directory, removed on drop.
pub struct Temp(pub PathBuf);
impl Temp {
    pub fn new(name: &str, bytes: &[u8]) -> Temp {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("vivid-mesh-data-{}-{n}", std::process::id()));
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

/// Loads `bytes` as a glTF file named `name` (the extension says which kind).
pub fn load_bytes(name: &str, bytes: &[u8]) -> Result<MeshData, MeshError> {
    let file = Temp::new(name, bytes);
    MeshData::load_gltf(&file.0)
}

/// Builds a glTF document with one binary buffer.
#[derive(Default)]
pub struct Doc {
    pub bin: Vec<u8>,
    pub views: Vec<String>,
    pub accessors: Vec<String>,
}

impl Doc {
    pub fn view(&mut self, bytes: &[u8], extra: &str) -> usize {
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

    pub fn accessor(&mut self, json: String) -> usize {
        self.accessors.push(json);
        self.accessors.len() - 1
    }

    /// A float accessor of `ty` ("VEC2", "VEC3") with min and max (of the finite values).
    pub fn floats(&mut self, data: &[f32], ty: &str) -> usize {
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

    pub fn indices_u16(&mut self, data: &[u16]) -> usize {
        let bytes: Vec<u8> = data.iter().flat_map(|i| i.to_le_bytes()).collect();
        let view = self.view(&bytes, "");
        self.accessor(format!(
            r#"{{"bufferView":{view},"componentType":5123,"count":{},"type":"SCALAR"}}"#,
            data.len()
        ))
    }

    pub fn indices_u32(&mut self, data: &[u32]) -> usize {
        let bytes: Vec<u8> = data.iter().flat_map(|i| i.to_le_bytes()).collect();
        let view = self.view(&bytes, "");
        self.accessor(format!(
            r#"{{"bufferView":{view},"componentType":5125,"count":{},"type":"SCALAR"}}"#,
            data.len()
        ))
    }

    pub fn json(&self, buffer_uri: Option<&str>, rest: &str) -> String {
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
    pub fn glb(&self, rest: &str) -> Vec<u8> {
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
pub fn one_primitive(attributes: &str, extra: &str) -> String {
    format!(
        r#""meshes":[{{"primitives":[{{"attributes":{{{attributes}}}{extra}}}]}}],"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}],"scene":0"#
    )
}

/// The loader's panic guard did not have to catch anything.
pub fn assert_not_panicked(e: &MeshError) {
    assert!(!e.to_string().contains("panicked"), "{e}");
}

/// A triangle in the z = 0 plane, counter-clockwise seen from +Z.
pub const TRIANGLE: [f32; 9] = [0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
