//! Custom shader operators: `type = "shader"` with `shader = "file.wgsl"` in chain.toml.
//!
//! The file defines `fn shade(uv: vec2<f32>) -> vec4<f32>` and, optionally,
//! `struct Params { ... }`, whose fields become the operator's parameters: reflected with
//! naga (name, type, offset), with `default=`, `range=lo..hi`, `color` and a description
//! read from the comment after each field. The interface the shader sees is
//! `shaders/common/custom.wgsl` (added implicitly); `params` is bound at binding 6 when the
//! file declares `Params`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Diagnostic, Diagnostics, EngineError, Result};
use crate::fullscreen::FullscreenPass;
use crate::gpu::GpuTexture;
use crate::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorInfo, PrepareCx, UniformCx,
};
use crate::params::{ParamKind, ParamSource, ParamSpec, ParamValue, RawValue};
use crate::resources::{SamplerKind, UniformSlot, UniformWriter};
use crate::shaders::ShaderLibrary;

/// The `type` of custom shader operators.
pub const TYPE_NAME: &str = "shader";

/// Inputs a custom shader can read (`input0`..`input3`).
pub const MAX_CUSTOM_INPUTS: usize = 4;

/// The interface every custom shader gets.
const PRELUDE: &str = "common/custom.wgsl";

/// How one `Params` field is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    F32,
    I32,
    U32,
}

/// One reflected field of `Params`.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomParam {
    /// Index of its spec in the operator's parameters.
    pub spec_index: usize,
    /// Byte offset in `Params`.
    pub offset: u32,
    /// Components stored (1..4).
    pub components: u32,
    scalar: Scalar,
}

/// A project shader's reflected interface.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomShader {
    /// Name in the shader library (unique per file).
    pub library_name: String,
    /// The file.
    pub path: PathBuf,
    /// Its `Params` fields.
    pub params: Vec<CustomParam>,
    /// Size of `Params` in bytes (0 without one).
    pub params_size: u32,
    /// The generated binding of `params`, when the file declares `Params`.
    pub appendix: Option<String>,
    /// Hash of the composed text: a new one means the pipeline must be rebuilt.
    pub hash: u64,
}

/// The registry's entry for `type = "shader"` (its fixed part; the file adds the rest).
#[must_use]
pub fn base_info() -> OperatorInfo {
    OperatorInfo {
        name: Cow::Borrowed(TYPE_NAME),
        category: Category::Custom,
        summary: Cow::Borrowed(
            "A project's own WGSL: `shader = \"file.wgsl\"` defines fn shade(uv) -> vec4<f32>; the fields of its `struct Params` become parameters (see shaders/common/custom.wgsl).",
        ),
        inputs: InputSpec {
            min: 0,
            max: MAX_CUSTOM_INPUTS,
        },
        params: vec![shader_spec()].into(),
        custom: None,
        scene: None,
        pointwise: None,
    }
}

fn shader_spec() -> ParamSpec {
    ParamSpec::new("shader", ParamKind::Text, ParamValue::Text(String::new()))
        .doc("The WGSL file, relative to the project folder.")
}

/// Reads, composes, validates and reflects the shader at `path`.
pub fn resolve(shaders: &ShaderLibrary, path: &Path) -> Result<Arc<OperatorInfo>> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let library_name = format!("custom:{}", path.display());
    if !defines_shade(&text) {
        return Err(EngineError::Shader(Diagnostics(vec![
            Diagnostic::file_level(
                &path,
                "a custom shader needs `fn shade(uv: vec2<f32>) -> vec4<f32>` (see shaders/common/custom.wgsl)",
            ),
        ])));
    }
    let declares_params = declares_params(&text);
    let appendix =
        declares_params.then(|| "@group(0) @binding(6) var<uniform> params: Params;".to_string());
    let composed = shaders.compose_parts(
        &library_name,
        &text,
        &path,
        &[PRELUDE.to_string()],
        appendix.as_deref(),
    )?;
    let module = &composed.module;
    let shader_error = |message: String| {
        EngineError::Shader(Diagnostics(vec![Diagnostic::file_level(&path, message)]))
    };
    if !module
        .functions
        .iter()
        .any(|(_, f)| f.name.as_deref() == Some("shade"))
    {
        return Err(shader_error(
            "a custom shader needs `fn shade(uv: vec2<f32>) -> vec4<f32>` (see shaders/common/custom.wgsl)".into(),
        ));
    }
    let mut specs = vec![shader_spec()];
    let mut params = Vec::new();
    let mut params_size = 0;
    if declares_params {
        let Some((_, ty)) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("Params"))
        else {
            return Err(shader_error("`Params` must be a struct".into()));
        };
        let naga::TypeInner::Struct { members, span } = &ty.inner else {
            return Err(shader_error("`Params` must be a struct".into()));
        };
        params_size = *span;
        let annotations = Annotations::find(&text);
        for m in members {
            let name = m.name.clone().unwrap_or_default();
            let (scalar, components, kind) = field_type(module, m.ty).ok_or_else(|| {
                let d = annotations.diag(&path, &text, &name, format!(
                    "`Params.{name}`: unsupported type; parameters are f32, i32, u32 or vec2/vec3/vec4<f32>"
                ));
                EngineError::Shader(Diagnostics(vec![d]))
            })?;
            let note = annotations.get(&name);
            let kind = if note.color && matches!(kind, ParamKind::Vec3 | ParamKind::Vec4) {
                ParamKind::Color
            } else {
                kind
            };
            let mut spec = ParamSpec::new(name.clone(), kind, default_value(kind, components))
                .doc(note.doc.clone());
            if scalar == Scalar::U32 {
                spec = spec.range(0.0, f64::from(u32::MAX));
            }
            if let Some((lo, hi)) = note.range {
                spec = spec.range(lo, hi);
            }
            if let Some(raw) = &note.default {
                match spec.parse(raw) {
                    Ok(ParamSource::Const(v)) => spec.default = v,
                    Ok(ParamSource::Animated { .. }) => {
                        let d = annotations.diag(
                            &path,
                            &text,
                            &name,
                            format!("`Params.{name}`: a default must be a constant"),
                        );
                        return Err(EngineError::Shader(Diagnostics(vec![d])));
                    }
                    Err(e) => {
                        let d = annotations.diag(
                            &path,
                            &text,
                            &name,
                            format!("`Params.{name}` default: {}", e.message),
                        );
                        return Err(EngineError::Shader(Diagnostics(vec![d])));
                    }
                }
            }
            params.push(CustomParam {
                spec_index: specs.len(),
                offset: m.offset,
                components,
                scalar,
            });
            specs.push(spec);
        }
    }
    let shader = CustomShader {
        library_name,
        path: path.clone(),
        params,
        params_size,
        appendix,
        hash: composed.hash,
    };
    let file = path
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().to_string());
    Ok(Arc::new(OperatorInfo {
        name: Cow::Borrowed(TYPE_NAME),
        category: Category::Custom,
        summary: Cow::Owned(format!("custom shader {file}")),
        inputs: InputSpec {
            min: 0,
            max: MAX_CUSTOM_INPUTS,
        },
        params: specs.into(),
        custom: Some(Arc::new(shader)),
        scene: None,
        pointwise: None,
    }))
}

/// Whether the file defines `fn shade` (outside comments).
fn defines_shade(text: &str) -> bool {
    text.lines().any(|l| {
        let code = l.split("//").next().unwrap_or("");
        code.split("fn").skip(1).any(|rest| {
            rest.starts_with(char::is_whitespace)
                && rest
                    .trim_start()
                    .strip_prefix("shade")
                    .is_some_and(|after| after.trim_start().starts_with('('))
        })
    })
}

/// Whether the file declares `struct Params` (outside comments).
fn declares_params(text: &str) -> bool {
    text.lines().any(|l| {
        let code = l.split("//").next().unwrap_or("");
        let mut words = code.split_whitespace();
        while let Some(w) = words.next() {
            if w == "struct" {
                return words
                    .next()
                    .is_some_and(|n| n == "Params" || n.starts_with("Params{"));
            }
        }
        false
    })
}

fn field_type(
    module: &naga::Module,
    ty: naga::Handle<naga::Type>,
) -> Option<(Scalar, u32, ParamKind)> {
    let scalar = |s: naga::Scalar| match (s.kind, s.width) {
        (naga::ScalarKind::Float, 4) => Some(Scalar::F32),
        (naga::ScalarKind::Sint, 4) => Some(Scalar::I32),
        (naga::ScalarKind::Uint, 4) => Some(Scalar::U32),
        _ => None,
    };
    match &module.types[ty].inner {
        naga::TypeInner::Scalar(s) => {
            let sc = scalar(*s)?;
            Some((
                sc,
                1,
                if sc == Scalar::F32 {
                    ParamKind::Float
                } else {
                    ParamKind::Int
                },
            ))
        }
        naga::TypeInner::Vector { size, scalar: s } if scalar(*s) == Some(Scalar::F32) => {
            let n = *size as u32;
            let kind = match n {
                2 => ParamKind::Vec2,
                3 => ParamKind::Vec3,
                _ => ParamKind::Vec4,
            };
            Some((Scalar::F32, n, kind))
        }
        _ => None,
    }
}

fn default_value(kind: ParamKind, components: u32) -> ParamValue {
    match kind {
        ParamKind::Int => ParamValue::Int(0),
        ParamKind::Vec2 => ParamValue::Vec2([0.0; 2]),
        ParamKind::Vec3 => ParamValue::Vec3([0.0; 3]),
        ParamKind::Vec4 => ParamValue::Vec4([0.0; 4]),
        ParamKind::Color if components == 3 => ParamValue::Color([1.0; 4]),
        ParamKind::Color => ParamValue::Color([1.0; 4]),
        _ => ParamValue::Float(0.0),
    }
}

/// What the comment after a `Params` field says.
#[derive(Clone, Debug, Default, PartialEq)]
struct Note {
    default: Option<RawValue>,
    range: Option<(f64, f64)>,
    color: bool,
    doc: String,
}

/// The comments of the fields of `struct Params`, with their places.
struct Annotations {
    /// (field name, byte offset of the field in the text, note).
    fields: Vec<(String, usize, Note)>,
}

impl Annotations {
    fn find(text: &str) -> Self {
        let mut fields = Vec::new();
        let Some(start) = text.find("struct Params") else {
            return Self { fields };
        };
        let Some(open) = text[start..].find('{').map(|i| start + i) else {
            return Self { fields };
        };
        let close = text[open..].find('}').map_or(text.len(), |i| open + i);
        let mut offset = open + 1;
        for line in text[open + 1..close].split_inclusive('\n') {
            let (code, comment) = match line.find("//") {
                Some(i) => (&line[..i], Some(&line[i + 2..])),
                None => (line, None),
            };
            if let Some((name, _)) = code.split_once(':') {
                let name = name.trim().trim_start_matches('@').to_string();
                if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    let at = offset + line.find(name.as_str()).unwrap_or(0);
                    fields.push((name, at, comment.map(parse_note).unwrap_or_default()));
                }
            }
            offset += line.len();
        }
        Self { fields }
    }

    fn get(&self, name: &str) -> Note {
        self.fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, note)| note.clone())
            .unwrap_or_default()
    }

    fn diag(&self, path: &Path, text: &str, name: &str, message: String) -> Diagnostic {
        match self.fields.iter().find(|(n, _, _)| n == name) {
            Some((_, at, _)) => Diagnostic::at_span(path, text, *at..*at + name.len(), message),
            None => Diagnostic::file_level(path, message),
        }
    }
}

/// `default=0.1 range=0..1 color Some description` → a note.
fn parse_note(comment: &str) -> Note {
    let mut note = Note::default();
    let mut doc = Vec::new();
    let mut rest = comment.trim();
    while !rest.is_empty() {
        let (word, tail) = if let Some(value) = rest.strip_prefix("default=") {
            // A value may be an array with spaces: take through the closing bracket.
            let end = if value.starts_with('[') {
                value.find(']').map_or(value.len(), |i| i + 1)
            } else {
                value.find(char::is_whitespace).unwrap_or(value.len())
            };
            let v = &value[..end];
            note.default = toml::de::DeValue::parse(v)
                .ok()
                .and_then(|d| to_raw(d.get_ref()))
                .or_else(|| Some(RawValue::Str(v.to_string())));
            ("", &value[end..])
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        if let Some(r) = word.strip_prefix("range=") {
            if let Some((lo, hi)) = r.split_once("..")
                && let (Ok(lo), Ok(hi)) =
                    (lo.parse::<f64>(), hi.trim_start_matches('=').parse::<f64>())
            {
                note.range = Some((lo.min(hi), lo.max(hi)));
            }
        } else if word == "color" || word == "colour" {
            note.color = true;
        } else if !word.is_empty() {
            doc.push(word);
        }
        rest = tail.trim_start();
    }
    note.doc = doc.join(" ");
    note
}

fn to_raw(v: &toml::de::DeValue<'_>) -> Option<RawValue> {
    use toml::de::DeValue;
    Some(match v {
        DeValue::Integer(i) => RawValue::Int(i.as_str().parse().ok()?),
        DeValue::Float(f) => RawValue::Float(f.as_str().parse().ok()?),
        DeValue::Boolean(b) => RawValue::Bool(*b),
        DeValue::String(s) => RawValue::Str(s.to_string()),
        DeValue::Array(a) => RawValue::Array(
            a.iter()
                .map(|x| to_raw(x.get_ref()))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// A custom shader operator instance.
#[derive(Debug)]
pub struct CustomOperator {
    shader: Arc<CustomShader>,
    pass: FullscreenPass,
    header: UniformSlot,
    params: UniformSlot,
    bytes: Vec<u8>,
}

impl CustomOperator {
    /// An operator running `shader`.
    #[must_use]
    pub fn new(shader: Arc<CustomShader>) -> Self {
        let mut pass = FullscreenPass::new(shader.library_name.clone(), size_of::<FrameHeader>());
        if shader.params_size > 0 {
            pass = pass.with_params(shader.params_size as usize);
        }
        Self {
            bytes: vec![0; shader.params_size as usize],
            shader,
            pass,
            header: UniformSlot::default(),
            params: UniformSlot::default(),
        }
    }

    /// The shader it runs.
    #[must_use]
    pub fn shader(&self) -> &Arc<CustomShader> {
        &self.shader
    }

    /// Builds its pipeline now (cached for its first prepare), inside an error scope:
    /// failures naga does not catch surface before the operator is swapped in.
    pub fn compile(
        &self,
        gpu: &crate::gpu::Gpu,
        pipelines: &mut crate::resources::PipelineCache,
        shaders: &ShaderLibrary,
    ) -> Result<()> {
        self.pass
            .compile(gpu, pipelines, shaders, MAX_CUSTOM_INPUTS as u32)
    }
}

impl Operator for CustomOperator {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        self.header = out.push(&cx.header());
        if self.bytes.is_empty() {
            return;
        }
        for p in &self.shader.params {
            let Some(value) = cx.params.get(p.spec_index) else {
                continue;
            };
            let comps: [f32; 4] = match value {
                ParamValue::Int(i) => [*i as f32, 0.0, 0.0, 0.0],
                v => {
                    let c = v.components();
                    std::array::from_fn(|k| c.get(k).copied().unwrap_or(0.0))
                }
            };
            for (k, &x) in comps.iter().take(p.components as usize).enumerate() {
                let at = p.offset as usize + 4 * k;
                let word = match (p.scalar, value) {
                    (Scalar::F32, _) => x.to_le_bytes(),
                    (Scalar::I32, ParamValue::Int(i)) => i.to_le_bytes(),
                    (Scalar::U32, ParamValue::Int(i)) => {
                        u32::try_from(*i).unwrap_or(0).to_le_bytes()
                    }
                    (Scalar::I32, _) => (x as i32).to_le_bytes(),
                    (Scalar::U32, _) => (x.max(0.0) as u32).to_le_bytes(),
                };
                if let Some(dst) = self.bytes.get_mut(at..at + 4) {
                    dst.copy_from_slice(&word);
                }
            }
        }
        self.params = out.push_bytes(&self.bytes);
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        // input0..input3 always bound: unconnected ones read transparent black.
        let mut inputs: [&GpuTexture; MAX_CUSTOM_INPUTS] = [cx.dummy; MAX_CUSTOM_INPUTS];
        for (dst, src) in inputs.iter_mut().zip(cx.inputs) {
            *dst = src;
        }
        let output = cx.output;
        self.pass
            .prepare(cx, &inputs, output, SamplerKind::LinearClamp)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        if self.bytes.is_empty() {
            self.pass.dispatch(cx.encoder, self.header, cx.name);
        } else {
            self.pass
                .dispatch_with(cx.encoder, self.header, self.params, cx.name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_give_defaults_ranges_colours_and_docs() {
        let n = parse_note(" default=0.25 range=0..2 How far it wobbles");
        assert_eq!(n.default, Some(RawValue::Float(0.25)));
        assert_eq!(n.range, Some((0.0, 2.0)));
        assert_eq!(n.doc, "How far it wobbles");
        let n = parse_note("default=[1, 0.5, 0, 1] color");
        assert_eq!(
            n.default,
            Some(RawValue::Array(vec![
                RawValue::Int(1),
                RawValue::Float(0.5),
                RawValue::Int(0),
                RawValue::Int(1)
            ]))
        );
        assert!(n.color);
        assert_eq!(parse_note("").default, None);
    }

    #[test]
    fn params_struct_is_found_outside_comments() {
        assert!(declares_params("struct Params {\n a: f32,\n}\n"));
        assert!(!declares_params(
            "// struct Params { a: f32 }\nfn shade() {}\n"
        ));
        assert!(!declares_params("struct ParamsX { a: f32 }\n"));
        assert!(defines_shade("fn shade(uv: vec2<f32>) -> vec4<f32> {"));
        assert!(!defines_shade("// fn shade(uv: vec2<f32>)\nfn shady() {}"));
        assert!(!defines_shade("fn shader_thing() {}"));
    }

    #[test]
    fn annotations_locate_fields() {
        let text =
            "struct Params {\n    amount: f32, // default=2 range=0..4\n    tint: vec4<f32>,\n}\n";
        let a = Annotations::find(text);
        assert_eq!(a.get("amount").default, Some(RawValue::Int(2)));
        let d = a.diag(Path::new("x.wgsl"), text, "tint", "m".into());
        assert_eq!((d.line, d.col), (3, 5));
    }
}
