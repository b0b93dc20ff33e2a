//! Operators written in WGSL: a built-in single-pass operator (`shaders/operators/*.wgsl`)
//! and a project's own shader (`type = "shader"`, `shader = "file.wgsl"`) are the same
//! thing — a file that defines `fn shade(uv)` (or, pointwise, `fn point(c, uv)`), declares
//! its parameters in `struct Params` and describes itself in its front matter
//! ([`super::declare`]). [`reflect`] reads all of that with naga into an [`OperatorInfo`]
//! holding a [`WgslShader`]; a [`WgslOperator`] runs it.
//!
//! The file is composed with `shaders/common/interface.wgsl` (its bindings and entry points)
//! and a generated appendix: its input textures, the `params` binding, and, for a pointwise
//! operator, the `shade` that samples its input and calls `point`.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::declare::{Annotations, FrontMatter, ListOf, find_code, front_matter};
use super::{
    Category, EncodeCx, InputSpec, MAX_INPUTS, Operator, OperatorInfo, PrepareCx, UniformCx,
};
use crate::error::{Diagnostic, Diagnostics, EngineError, Result};
use crate::fullscreen::FullscreenPass;
use crate::gpu::{Gpu, GpuTexture};
use crate::params::{ParamKind, ParamSource, ParamSpec, ParamValue};
use crate::resources::{PARAMS_BINDING, PipelineCache, SamplerKind, UniformSlot, UniformWriter};
use crate::shaders::{INTERFACE, ShaderLibrary};

/// The `type` of a project's own shader.
pub const PROJECT_TYPE: &str = "shader";

/// The parameter of a project shader naming its file.
pub const PROJECT_SHADER_PARAM: &str = "shader";

/// Inputs a project shader takes when its front matter does not say.
pub const PROJECT_INPUTS: InputSpec = InputSpec { min: 0, max: 4 };

pub use crate::resources::input_binding;

/// How one `Params` field is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scalar {
    F32,
    I32,
    U32,
}

/// Where one parameter goes in the `Params` struct.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WgslParam {
    /// Index of its spec in the operator's parameters.
    pub spec_index: usize,
    /// Byte offset in `Params`.
    pub offset: u32,
    /// Components stored (1..4); of a list, per element.
    pub components: u32,
    /// A list parameter: the length of its array (its elements are 16 bytes apart); 0 for
    /// any other.
    pub elements: u32,
    /// A `count=` field: it holds the number of elements of the list parameter
    /// `spec_index` (whose elements have `components` numbers each), not a value.
    pub count: bool,
    scalar: Scalar,
}

/// What WGSL generated from another language is composed with: vivid's entry points,
/// which call its `shade(uv)`.
pub const GENERATED_INTERFACE: &str = "common/operator.wgsl";

impl WgslParam {
    /// A parameter stored as `components` f32 (`int` false) or one i32 (`int` true) at
    /// `offset` (generated shaders, whose layout their generator knows).
    #[must_use]
    pub fn plain(spec_index: usize, offset: u32, components: u32, int: bool) -> Self {
        Self {
            spec_index,
            offset,
            components,
            elements: 0,
            count: false,
            scalar: if int { Scalar::I32 } else { Scalar::F32 },
        }
    }
}

/// A reflected WGSL operator: what its [`WgslOperator`] needs to run it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WgslShader {
    /// Name in the shader library (`operators/levels.wgsl`, or `project:<path>` for a
    /// project's file).
    pub library_name: String,
    /// The file (shown in diagnostics).
    pub path: PathBuf,
    /// Read from a file on disk at every compose (a project's), not the library's text.
    pub from_file: bool,
    /// Its `Params` fields.
    pub params: Vec<WgslParam>,
    /// Size of `Params` in bytes (0 without one).
    pub params_size: u32,
    /// Input textures bound (`input0`..): the most it takes.
    pub inputs: u32,
    /// Defines `point(c, uv)`: fused with its pointwise neighbours ([`crate::fusion`]).
    pub pointwise: bool,
    /// The generated WGSL appended to the file: its bindings (and a pointwise operator's
    /// `shade`).
    pub appendix: String,
    /// Hash of the composed text: a new one means the pipeline must be rebuilt.
    pub hash: u64,
    /// WGSL generated from another language (an ISF or Shadertoy file, `operator::isf`):
    /// the library holds this text, composed with `common/operator.wgsl` only (it declares
    /// its own bindings).
    pub generated: Option<Arc<str>>,
    /// The file's text as it was reflected (a project's file is composed from it, not read
    /// again: what runs is what was reflected).
    pub source: Arc<str>,
    /// Reflected from the last good version of a quarantined file, not from the file
    /// ([`resolve_project`]).
    pub fallback: bool,
}

impl WgslShader {
    /// Puts it in `library` with its interface and appendix, as [`reflect`] composed it.
    pub fn register(&self, library: &mut ShaderLibrary) {
        if let Some(text) = &self.generated {
            library.register_text(&self.library_name, text, &self.path, &[GENERATED_INTERFACE]);
        } else if self.from_file {
            library.register_file_text(
                &self.library_name,
                &self.path,
                self.source.clone(),
                &[INTERFACE],
                Some(self.appendix.clone()),
            );
        } else {
            library.set_interface(
                &self.library_name,
                &[INTERFACE],
                Some(self.appendix.clone()),
            );
        }
    }
}

/// A WGSL file to reflect.
#[derive(Clone, Debug)]
pub struct Source {
    /// Name in the shader library.
    pub library_name: String,
    /// The operator type's name.
    pub type_name: Cow<'static, str>,
    /// The file, for diagnostics.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// A project's file (read from disk at every compose), not a library shader.
    pub from_file: bool,
}

/// The registry's entry for `type = "shader"` (its fixed part; the file adds the rest).
#[must_use]
pub fn project_info() -> OperatorInfo {
    OperatorInfo::new(
        PROJECT_TYPE,
        Category::Custom,
        "A project's own WGSL: `shader = \"file.wgsl\"` defines fn shade(uv) -> vec4<f32>; the fields of its `struct Params` become parameters (`vivid operators --shader-api`).",
        PROJECT_INPUTS,
        vec![project_shader_spec()].into(),
    )
}

fn project_shader_spec() -> ParamSpec {
    ParamSpec::new(
        PROJECT_SHADER_PARAM,
        ParamKind::Text,
        ParamValue::Text(String::new()),
    )
    .doc("The WGSL file, relative to the project folder.")
}

/// The interface of every operator written in WGSL, as documented for users
/// (`shaders/common/interface.wgsl`, built in).
#[must_use]
pub fn interface_text() -> &'static str {
    crate::shaders::ENGINE_SHADERS
        .iter()
        .find(|(n, _)| *n == INTERFACE)
        .map_or("", |(_, t)| t)
}

/// The table of operator types of `registry` as Markdown: type, inputs, summary and
/// parameters (the README's table is this, checked by a test).
#[must_use]
pub fn markdown_table(registry: &super::Registry) -> String {
    use std::fmt::Write as _;
    let mut s = String::from("| type | inputs | what | parameters |\n|---|---|---|---|\n");
    for info in registry.infos() {
        let params = info
            .params
            .iter()
            .map(|p| {
                if p.choices.is_empty() {
                    format!("`{}`", p.name)
                } else {
                    format!("`{}` ({})", p.name, p.choices.join(" / "))
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} |",
            info.name,
            info.inputs.describe(),
            info.summary.replace('|', "\\|"),
            params
        );
    }
    s
}

/// Reads, composes, validates and reflects a project's shader file at `path`.
///
/// A file still holding the text that was quarantined ([`ShaderLibrary::quarantine`]: it
/// made a frame miss its deadline) is reflected from its last good version instead, when
/// there is one ([`WgslShader::fallback`]); without one it is reflected as it is, and
/// refused when its pipeline is built.
pub fn resolve_project(library: &ShaderLibrary, path: &Path) -> Result<Arc<OperatorInfo>> {
    // Checked against the project folder by validation; read by the file rule.
    let text = crate::files::FileRules::anywhere()
        .read_text(path, crate::files::Role::Shader)
        .map_err(|e| EngineError::Param(e.to_string()))?;
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let library_name = format!("project:{}", path.display());
    let fallback = library
        .quarantine_of(&library_name)
        .filter(|q| q.source_hash == crate::shaders::fxhash(text.as_bytes()))
        .and_then(|q| q.fallback.clone());
    let info = reflect(
        library,
        &Source {
            library_name,
            type_name: Cow::Borrowed(PROJECT_TYPE),
            path,
            text: fallback.as_deref().map_or(text, str::to_string),
            from_file: true,
        },
    )?;
    if fallback.is_none() {
        return Ok(info);
    }
    let mut info = Arc::unwrap_or_clone(info);
    if let Some(shader) = &mut info.shader {
        Arc::make_mut(shader).fallback = true;
    }
    Ok(Arc::new(info))
}

/// The generated WGSL appended to an operator's file: `inputs` textures, the `params`
/// binding if it declares `Params`, and the `shade` of a pointwise operator.
#[must_use]
pub(crate) fn appendix(inputs: u32, declares_params: bool, pointwise: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    for i in 0..inputs {
        let _ = writeln!(
            s,
            "@group(0) @binding({}) var input{i}: texture_2d<f32>;",
            input_binding(i)
        );
    }
    if declares_params {
        let _ = writeln!(
            s,
            "@group(0) @binding({PARAMS_BINDING}) var<uniform> params: Params;"
        );
    }
    if pointwise {
        s.push_str(
            "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return point(textureSampleLevel(input0, samp, uv, 0.0), uv);\n}\n",
        );
    }
    s
}

fn shader_error(path: &Path, message: impl Into<String>) -> EngineError {
    EngineError::Shader(Diagnostics(vec![Diagnostic::file_level(path, message)]))
}

/// Reflects a WGSL operator: front matter, `Params` (with naga's layout and the fields'
/// notes), validation of the composed shader.
pub fn reflect(library: &ShaderLibrary, src: &Source) -> Result<Arc<OperatorInfo>> {
    let (path, text) = (&src.path, &src.text);
    let located = |d: Diagnostic| EngineError::Shader(Diagnostics(vec![d]));
    let fm: FrontMatter = front_matter(path, text).map_err(located)?;
    let project = src.from_file;
    let inputs = fm.inputs.unwrap_or(if project {
        PROJECT_INPUTS
    } else {
        InputSpec::NONE
    });
    let entry = if fm.pointwise { "point" } else { "shade" };
    let signature = if fm.pointwise {
        "fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32>"
    } else {
        "fn shade(uv: vec2<f32>) -> vec4<f32>"
    };
    if find_code(text, &format!("fn {entry}")).is_none() {
        return Err(shader_error(
            path,
            format!(
                "{} needs `{signature}` (see `vivid operators --shader-api`)",
                if fm.pointwise {
                    "a pointwise operator"
                } else {
                    "an operator's shader"
                }
            ),
        ));
    }
    if fm.pointwise {
        if inputs != InputSpec::ONE {
            return Err(shader_error(
                path,
                "a pointwise operator takes exactly one input: `//! inputs: 1`",
            ));
        }
        if let Some(at) = find_code(text, "fn shade") {
            return Err(located(Diagnostic::at_span(
                path,
                text,
                at..at + 8,
                "a pointwise operator defines `point`, and vivid makes its `shade`",
            )));
        }
        if let Some(at) = (0..MAX_INPUTS).find_map(|i| find_code(text, &format!("input{i}"))) {
            return Err(located(Diagnostic::at_span(
                path,
                text,
                at..at + 6,
                "a pointwise operator gets its input pixel as `c`: it cannot sample its inputs",
            )));
        }
    }
    let declares_params = find_code(text, "struct Params").is_some();
    let appendix = appendix(inputs.max as u32, declares_params, fm.pointwise);
    // A project's file is untrusted: bounded and loop-guarded (`shaders::harden`), its
    // limits refused here, at validation, with their place.
    let composed = library.compose_parts(
        &src.library_name,
        text,
        path,
        &[INTERFACE.to_string()],
        Some(&appendix),
        src.from_file,
    )?;
    let module = &composed.module;
    if !module
        .functions
        .iter()
        .any(|(_, f)| f.name.as_deref() == Some(entry))
    {
        return Err(shader_error(
            path,
            format!("the shader needs `{signature}`"),
        ));
    }
    let (specs, params, params_size) = if declares_params {
        reflect_params(module, path, text)?
    } else {
        (Vec::new(), Vec::new(), 0)
    };
    let mut all_specs = Vec::with_capacity(specs.len() + 1);
    if project {
        all_specs.push(project_shader_spec());
    }
    let offset = all_specs.len();
    all_specs.extend(specs);
    let params = params
        .into_iter()
        .map(|p| WgslParam {
            spec_index: p.spec_index + offset,
            ..p
        })
        .collect();
    let shader = WgslShader {
        library_name: src.library_name.clone(),
        path: path.clone(),
        from_file: src.from_file,
        params,
        params_size,
        inputs: inputs.max as u32,
        pointwise: fm.pointwise,
        appendix,
        hash: composed.hash,
        generated: None,
        source: Arc::from(text.as_str()),
        fallback: false,
    };
    let summary = if fm.summary.is_empty() {
        if !project {
            return Err(shader_error(
                path,
                "a built-in operator needs a summary: a `//!` line at the top of the file",
            ));
        }
        let file = path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().to_string());
        format!("custom shader {file}")
    } else {
        fm.summary
    };
    let category = match fm.category {
        Some(c) => c,
        None if project => Category::Custom,
        None => {
            return Err(shader_error(
                path,
                "a built-in operator needs `//! category: …` in its front matter",
            ));
        }
    };
    Ok(Arc::new(OperatorInfo {
        shader: Some(Arc::new(shader)),
        ..OperatorInfo::new(
            src.type_name.clone(),
            category,
            summary,
            inputs,
            all_specs.into(),
        )
    }))
}

/// The parameters of `struct Params`: their specs, where each is stored, and the struct's
/// size.
fn reflect_params(
    module: &naga::Module,
    path: &Path,
    text: &str,
) -> Result<(Vec<ParamSpec>, Vec<WgslParam>, u32)> {
    let shader_error = |message: String| shader_error(path, message);
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
    let limit = crate::shaders::ShaderLimits::DEFAULT.max_params_bytes;
    if u64::from(*span) > limit {
        let at = find_code(text, "struct Params").unwrap_or(0);
        return Err(EngineError::Shader(Diagnostics(vec![
            Diagnostic::at_span(
                path,
                text,
                at..at + "struct Params".len(),
                format!("`Params` is {span} bytes: more than one uniform binding holds"),
            )
            .with_hint(format!(
                "`Params` may be at most {} KiB (the GPU's max_uniform_buffer_binding_size)",
                limit / 1024
            )),
        ])));
    }
    let annotations =
        Annotations::find(path, text).map_err(|d| EngineError::Shader(Diagnostics(vec![d])))?;
    let mut specs = Vec::new();
    let mut params = Vec::new();
    // `count=` fields: (field name, offset, scalar, the list it counts).
    let mut counts: Vec<(String, u32, Scalar, String)> = Vec::new();
    for m in members {
        let name = m.name.clone().unwrap_or_default();
        let located = |message: String| {
            EngineError::Shader(Diagnostics(vec![
                annotations.diag(path, text, &name, message),
            ]))
        };
        let note = annotations.get(&name);
        let (scalar, components, kind) = match field_type(module, m.ty) {
            Some(FieldType::Value(scalar, components, kind)) => {
                if let Some(list) = note.list {
                    return Err(located(format!(
                        "`Params.{name}`: `{}` is for a list, declared `array<vec4<f32>, N>`",
                        list.word()
                    )));
                }
                (scalar, components, kind)
            }
            Some(FieldType::List(n)) => {
                let n = u16::try_from(n).unwrap_or(u16::MAX);
                let kind = match (note.list, note.color) {
                    (Some(ListOf::Colors), _) | (None, true) => ParamKind::Colors(n),
                    (Some(ListOf::Floats), false) => ParamKind::Floats(n),
                    _ => {
                        return Err(located(format!(
                            "`Params.{name}`: an array is a list parameter: annotate it `colors` (up to {n} colours) or `floats` (up to {n} numbers, each in `.x`)"
                        )));
                    }
                };
                (Scalar::F32, kind.components() as u32, kind)
            }
            None => {
                return Err(located(format!(
                    "`Params.{name}`: unsupported type; parameters are f32, i32, u32, vec2/vec3/vec4<f32>, or array<vec4<f32>, N> for a list"
                )));
            }
        };
        let integer = scalar != Scalar::F32;
        if let Some(list) = note.count {
            if !integer || components != 1 {
                return Err(located(format!(
                    "`Params.{name}`: `count=` is for a u32 or i32 field"
                )));
            }
            counts.push((name.clone(), m.offset, scalar, list));
            continue;
        }
        let kind = if note.color && kind.element().is_none() {
            if !matches!(kind, ParamKind::Vec3 | ParamKind::Vec4) {
                return Err(located(format!(
                    "`Params.{name}`: `color` is for a vec3<f32> or vec4<f32>"
                )));
            }
            ParamKind::Color
        } else if note.boolean || !note.choices.is_empty() {
            if !integer {
                return Err(located(format!(
                    "`Params.{name}`: `{}` is for a u32 or i32 field",
                    if note.boolean { "bool" } else { "choice=" }
                )));
            }
            if note.boolean {
                ParamKind::Bool
            } else {
                ParamKind::Choice
            }
        } else {
            kind
        };
        let mut spec =
            ParamSpec::new(name.clone(), kind, default_value(kind)).doc(note.doc.clone());
        spec.choices = note.choices.iter().cloned().map(Cow::Owned).collect();
        spec.fixed = note.fixed;
        spec.aliases = note.aliases.iter().cloned().map(Cow::Owned).collect();
        spec.group = note.group.clone().map(Cow::Owned);
        spec.when.clone_from(&note.when);
        if scalar == Scalar::U32 && kind == ParamKind::Int {
            spec = spec.range(0.0, f64::from(u32::MAX));
        }
        if let Some((lo, hi)) = note.range {
            spec = spec.range(lo, hi);
        }
        if let Some(raw) = &note.default {
            match spec.parse(raw) {
                Ok(ParamSource::Const(v)) => spec.default = v,
                Ok(ParamSource::Animated { .. }) => {
                    return Err(located(format!(
                        "`Params.{name}`: a default must be a constant"
                    )));
                }
                Err(e) => {
                    return Err(located(format!("`Params.{name}` default: {}", e.message)));
                }
            }
        }
        params.push(WgslParam {
            spec_index: specs.len(),
            offset: m.offset,
            components,
            elements: kind.max_len().map_or(0, |n| n as u32),
            count: false,
            scalar,
        });
        specs.push(spec);
    }
    for (name, offset, scalar, list) in counts {
        let target = specs
            .iter()
            .position(|s| s.name == list)
            .filter(|&i| specs[i].kind.element().is_some());
        let Some(spec_index) = target else {
            return Err(EngineError::Shader(Diagnostics(vec![annotations.diag(
                path,
                text,
                &name,
                format!("`Params.{name}`: `count={list}` names no list field of `Params`"),
            )])));
        };
        params.push(WgslParam {
            spec_index,
            offset,
            components: specs[spec_index].kind.components() as u32,
            elements: 0,
            count: true,
            scalar,
        });
    }
    // A condition names another field of the struct and values it can have.
    for spec in &specs {
        if let Some(c) = &spec.when
            && let Err(m) = c.check(&specs)
        {
            let name = spec.name.as_ref();
            return Err(EngineError::Shader(Diagnostics(vec![annotations.diag(
                path,
                text,
                name,
                format!("`Params.{name}`: {m}"),
            )])));
        }
    }
    Ok((specs, params, *span))
}

/// What a `Params` field's type stores.
enum FieldType {
    /// A scalar or vector: how, how many components, the parameter kind.
    Value(Scalar, u32, ParamKind),
    /// `array<vec4<f32>, N>`: a list of up to N elements.
    List(u32),
}

fn field_type(module: &naga::Module, ty: naga::Handle<naga::Type>) -> Option<FieldType> {
    let scalar = |s: naga::Scalar| match (s.kind, s.width) {
        (naga::ScalarKind::Float, 4) => Some(Scalar::F32),
        (naga::ScalarKind::Sint, 4) => Some(Scalar::I32),
        (naga::ScalarKind::Uint, 4) => Some(Scalar::U32),
        _ => None,
    };
    match &module.types[ty].inner {
        naga::TypeInner::Scalar(s) => {
            let sc = scalar(*s)?;
            Some(FieldType::Value(
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
            Some(FieldType::Value(Scalar::F32, n, kind))
        }
        naga::TypeInner::Array {
            base,
            size: naga::ArraySize::Constant(n),
            stride: 16,
        } if matches!(
            module.types[*base].inner,
            naga::TypeInner::Vector {
                size: naga::VectorSize::Quad,
                scalar: naga::Scalar::F32,
            }
        ) =>
        {
            Some(FieldType::List(n.get()))
        }
        _ => None,
    }
}

fn default_value(kind: ParamKind) -> ParamValue {
    match kind {
        ParamKind::Int => ParamValue::Int(0),
        ParamKind::Bool => ParamValue::Bool(false),
        ParamKind::Choice => ParamValue::Choice(0),
        ParamKind::Vec2 => ParamValue::Vec2([0.0; 2]),
        ParamKind::Vec3 => ParamValue::Vec3([0.0; 3]),
        ParamKind::Vec4 => ParamValue::Vec4([0.0; 4]),
        ParamKind::Color => ParamValue::Color([1.0; 4]),
        ParamKind::Floats(_) | ParamKind::Colors(_) => ParamValue::Numbers(Vec::new()),
        _ => ParamValue::Float(0.0),
    }
}

/// The factory of operators written in WGSL: runs the node's reflected shader.
#[must_use]
pub fn make(info: &OperatorInfo) -> Option<Box<dyn Operator>> {
    let shader = info.shader.clone()?;
    Some(Box::new(WgslOperator::new(shader)))
}

/// An instance of an operator written in WGSL.
#[derive(Debug)]
pub struct WgslOperator {
    shader: Arc<WgslShader>,
    pass: FullscreenPass,
    header: UniformSlot,
    params: UniformSlot,
    bytes: Vec<u8>,
}

impl WgslOperator {
    /// An operator running `shader`.
    #[must_use]
    pub fn new(shader: Arc<WgslShader>) -> Self {
        let mut pass =
            FullscreenPass::new(shader.library_name.clone(), size_of::<super::FrameHeader>());
        if shader.params_size > 0 {
            pass = pass.with_params(shader.params_size as usize);
        }
        if shader.pointwise {
            pass = pass.with_quads();
        }
        Self {
            // Padded to 16 bytes: a fused run's struct holds it at that size.
            bytes: vec![0; (shader.params_size as usize).next_multiple_of(16)],
            shader,
            pass,
            header: UniformSlot::default(),
            params: UniformSlot::default(),
        }
    }

    /// Where its `Params` went in this frame's uniforms (after
    /// [`write_uniforms`](Operator::write_uniforms)); for an operator running the same
    /// shader in several passes (a multi-pass ISF file).
    #[must_use]
    pub fn params_slot(&self) -> UniformSlot {
        self.params
    }

    /// Whether its shader declares parameters (is dispatched with a `params` slot).
    #[must_use]
    pub fn has_params(&self) -> bool {
        !self.bytes.is_empty()
    }

    /// The shader it runs.
    #[must_use]
    pub fn shader(&self) -> &Arc<WgslShader> {
        &self.shader
    }

    /// Builds its pipeline now (cached for its first prepare), inside an error scope:
    /// failures naga does not catch surface before the operator is swapped in.
    pub fn compile(
        &self,
        gpu: &Gpu,
        pipelines: &mut PipelineCache,
        shaders: &ShaderLibrary,
    ) -> Result<()> {
        self.pass
            .compile(gpu, pipelines, shaders, self.shader.inputs)
    }
}

/// Packs `value` into `bytes` at `p`'s place.
fn pack(p: &WgslParam, value: &ParamValue, bytes: &mut [u8]) {
    if p.count {
        let n = value.components().len() / (p.components as usize).max(1);
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        put(bytes, p.offset as usize, n.to_le_bytes());
        return;
    }
    if p.elements > 0 {
        // A list: element k at 16 k bytes, the unused ones zero.
        let width = p.components as usize;
        let numbers = value.components();
        for k in 0..p.elements as usize {
            for c in 0..4 {
                let x = if c < width {
                    numbers.get(k * width + c).copied().unwrap_or(0.0)
                } else {
                    0.0
                };
                put(bytes, p.offset as usize + 16 * k + 4 * c, x.to_le_bytes());
            }
        }
        return;
    }
    let comps: [f32; 4] = match value {
        ParamValue::Int(i) => [*i as f32, 0.0, 0.0, 0.0],
        ParamValue::Bool(b) => [f32::from(u8::from(*b)), 0.0, 0.0, 0.0],
        ParamValue::Choice(c) => [*c as f32, 0.0, 0.0, 0.0],
        v => {
            let c = v.components();
            std::array::from_fn(|k| c.get(k).copied().unwrap_or(0.0))
        }
    };
    for (k, &x) in comps.iter().take(p.components as usize).enumerate() {
        let word = match (p.scalar, value) {
            (Scalar::F32, _) => x.to_le_bytes(),
            (Scalar::I32, ParamValue::Int(i)) => i.to_le_bytes(),
            (Scalar::U32, ParamValue::Int(i)) => u32::try_from(*i).unwrap_or(0).to_le_bytes(),
            (Scalar::I32 | Scalar::U32, ParamValue::Choice(c)) => c.to_le_bytes(),
            (Scalar::I32, _) => (x as i32).to_le_bytes(),
            (Scalar::U32, _) => (x.max(0.0) as u32).to_le_bytes(),
        };
        put(bytes, p.offset as usize + 4 * k, word);
    }
}

/// Writes one 4-byte word at `at` (nothing if it falls outside `bytes`).
fn put(bytes: &mut [u8], at: usize, word: [u8; 4]) {
    if let Some(dst) = bytes.get_mut(at..at + 4) {
        dst.copy_from_slice(&word);
    }
}

impl WgslOperator {
    /// [`write_uniforms`](Operator::write_uniforms), `patch` applied to the packed `Params`
    /// bytes before they are pushed: a generated shader's values that are no parameter
    /// (an ISF file's `DATE`, its one-frame events).
    pub fn write_uniforms_patched(
        &mut self,
        cx: &UniformCx<'_>,
        out: &mut UniformWriter<'_>,
        patch: &mut dyn FnMut(&mut [u8]),
    ) {
        self.header = out.push(&cx.header());
        if self.bytes.is_empty() {
            return;
        }
        for p in &self.shader.params {
            if let Some(value) = cx.params.get(p.spec_index) {
                pack(p, value, &mut self.bytes);
            }
        }
        patch(&mut self.bytes);
        self.params = out.push_bytes(&self.bytes);
    }
}

impl Operator for WgslOperator {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        self.write_uniforms_patched(cx, out, &mut |_| {});
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        // Every declared input is bound: unconnected ones read transparent black.
        let mut inputs: [&GpuTexture; MAX_INPUTS] = [cx.dummy; MAX_INPUTS];
        for (dst, src) in inputs.iter_mut().zip(cx.inputs) {
            *dst = src;
        }
        let output = cx.output;
        let count = (self.shader.inputs as usize).min(MAX_INPUTS);
        self.pass
            .prepare(cx, &inputs[..count], output, SamplerKind::LinearClamp)
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

    fn reflect_text(text: &str, from_file: bool) -> Result<Arc<OperatorInfo>> {
        let library = ShaderLibrary::new();
        reflect(
            &library,
            &Source {
                library_name: "operators/t.wgsl".into(),
                type_name: Cow::Borrowed("t"),
                path: PathBuf::from("t.wgsl"),
                text: text.into(),
                from_file,
            },
        )
    }

    #[test]
    fn a_declared_operator_reflects_its_parameters_and_front_matter() {
        let info = reflect_text(
            "//! Makes things.\n//! category: filter\n//! inputs: 1..3\n\nstruct Params {\n    /// Amount.\n    a: f32, // default=0.5 range=0..1\n    on: u32, // bool default=true\n    mode: u32, // choice=x|y|z default=y\n    tint: vec3<f32>, // color default=[1, 0, 0]\n}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    return textureSampleLevel(input2, samp, uv, 0.0) * params.a;\n}\n",
            false,
        )
        .unwrap();
        assert_eq!(info.summary, "Makes things.");
        assert_eq!(info.category, Category::Filter);
        assert_eq!(info.inputs, InputSpec { min: 1, max: 3 });
        let p = &info.params;
        assert_eq!(p.len(), 4);
        assert_eq!(
            (p[0].name.as_ref(), p[0].kind, p[0].range),
            ("a", ParamKind::Float, Some((0.0, 1.0)))
        );
        assert_eq!(p[0].doc, "Amount.");
        assert_eq!(p[1].default, ParamValue::Bool(true));
        assert_eq!(p[2].default, ParamValue::Choice(1));
        assert_eq!(p[2].choices, ["x", "y", "z"]);
        assert_eq!(p[3].kind, ParamKind::Color);
        assert_eq!(p[3].default, ParamValue::Color([1.0, 0.0, 0.0, 1.0]));
        let s = info.shader.as_ref().unwrap();
        assert_eq!(s.inputs, 3);
        assert_eq!(s.params_size, 32);
        assert_eq!(s.params[3].offset, 16);
    }

    #[test]
    fn mistakes_are_located() {
        let e = reflect_text("//! X.\n//! category: filter\nfn shady() {}\n", false).unwrap_err();
        assert!(e.to_string().contains("fn shade(uv"), "{e}");
        let e = reflect_text(
            "//! X.\n//! category: filter\n//! inputs: 1\n//! pointwise\nfn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return textureSampleLevel(input0, samp, uv, 0.0);\n}\n",
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("t.wgsl:6:31"), "{e}");
        let e = reflect_text(
            "//! X.\nstruct Params {\n    a: f32, // bool\n}\nfn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.a); }\n",
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("t.wgsl:3:5"), "{e}");
        // Built-ins need a category; a project's file does not.
        let e = reflect_text(
            "//! X.\nfn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(0.0); }\n",
            false,
        )
        .unwrap_err();
        assert!(e.to_string().contains("category"), "{e}");
        let info = reflect_text(
            "fn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(0.0); }\n",
            true,
        )
        .unwrap();
        assert_eq!(info.category, Category::Custom);
        assert_eq!(info.params[0].name, PROJECT_SHADER_PARAM);
    }

    #[test]
    fn a_pointwise_operator_gets_a_generated_pass() {
        let info = reflect_text(
            "//! Doubles.\n//! category: filter\n//! inputs: 1\n//! pointwise\nstruct Params { k: f32 }\nfn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return c * params.k;\n}\n",
            false,
        )
        .unwrap();
        let s = info.pointwise().unwrap();
        assert!(
            s.appendix
                .contains("return point(textureSampleLevel(input0"),
            "{}",
            s.appendix
        );
    }

    #[test]
    fn values_pack_where_naga_puts_them() {
        let info = reflect_text(
            "//! P.\n//! category: filter\nstruct Params {\n a: f32,\n n: i32,\n on: u32, // bool\n m: u32, // choice=a|b|c\n v: vec3<f32>,\n}\nfn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.a); }\n",
            false,
        )
        .unwrap();
        let s = info.shader.as_ref().unwrap();
        let mut bytes = vec![0u8; s.params_size as usize];
        let values = [
            ParamValue::Float(1.5),
            ParamValue::Int(-3),
            ParamValue::Bool(true),
            ParamValue::Choice(2),
            ParamValue::Vec3([1.0, 2.0, 3.0]),
        ];
        for (p, v) in s.params.iter().zip(&values) {
            pack(p, v, &mut bytes);
        }
        let word = |i: usize| <[u8; 4]>::try_from(&bytes[i * 4..i * 4 + 4]).unwrap();
        assert_eq!(f32::from_le_bytes(word(0)).to_bits(), 1.5f32.to_bits());
        assert_eq!(i32::from_le_bytes(word(1)), -3);
        assert_eq!(u32::from_le_bytes(word(2)), 1);
        assert_eq!(u32::from_le_bytes(word(3)), 2);
        assert_eq!(f32::from_le_bytes(word(6)).to_bits(), 3.0f32.to_bits());
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "the values packed are exact")]
    fn list_fields_reflect_as_list_parameters_with_their_counts() {
        let info = reflect_text(
            "//! R.\n//! category: generator\nstruct Params {\n    n: u32, // count=stops\n    stops: array<vec4<f32>, 4>, // colors default=[\"#ff0000\", [0, 0, 1]] The colours.\n    at: array<vec4<f32>, 3>, // floats range=0..1 default=[0.25]\n    k: i32, // count=at\n}\nfn shade(uv: vec2<f32>) -> vec4<f32> { return params.stops[params.n - 1u] * params.at[0].x; }\n",
            false,
        )
        .unwrap();
        let p = &info.params;
        assert_eq!(p.len(), 2, "counts are not parameters");
        assert_eq!(p[0].kind, ParamKind::Colors(4));
        assert_eq!(p[0].doc, "The colours.");
        assert_eq!(
            p[0].default,
            ParamValue::Numbers(vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0])
        );
        assert_eq!(p[1].kind, ParamKind::Floats(3));
        assert_eq!(p[1].range, Some((0.0, 1.0)));
        assert_eq!(p[1].default, ParamValue::Numbers(vec![0.25]));
        let s = info.shader.as_ref().unwrap();
        // n at 0, stops at 16 (4 x 16), at at 80 (3 x 16), k at 128.
        let mut bytes = vec![0xffu8; s.params_size as usize];
        let stops = ParamValue::Numbers(vec![0.5, 0.25, 1.0, 1.0, 0.0, 1.0, 0.0, 0.5]);
        let at = ParamValue::Numbers(vec![0.1, 0.9]);
        for w in &s.params {
            let v = if w.spec_index == 0 { &stops } else { &at };
            pack(w, v, &mut bytes);
        }
        let f =
            |i: usize| f32::from_le_bytes(<[u8; 4]>::try_from(&bytes[i * 4..i * 4 + 4]).unwrap());
        let u =
            |i: usize| u32::from_le_bytes(<[u8; 4]>::try_from(&bytes[i * 4..i * 4 + 4]).unwrap());
        assert_eq!(u(0), 2, "stop count");
        assert_eq!([f(4), f(5), f(6), f(7)], [0.5, 0.25, 1.0, 1.0]);
        assert_eq!([f(8), f(9), f(10), f(11)], [0.0, 1.0, 0.0, 0.5]);
        assert!((12..20).all(|i| f(i) == 0.0), "unused elements are zero");
        assert_eq!([f(20), f(21), f(22), f(23)], [0.1, 0.0, 0.0, 0.0]);
        assert_eq!(f(24), 0.9);
        assert!((28..32).all(|i| f(i) == 0.0));
        assert_eq!(u(32), 2, "position count");
    }

    #[test]
    fn list_mistakes_are_located() {
        let shader = |fields: &str| {
            reflect_text(
                &format!("//! R.\n//! category: generator\nstruct Params {{\n{fields}\n}}\nfn shade(uv: vec2<f32>) -> vec4<f32> {{ return vec4<f32>(0.0); }}\n"),
                false,
            )
            .unwrap_err()
            .to_string()
        };
        let e = shader("    a: array<vec4<f32>, 2>,");
        assert!(
            e.contains("t.wgsl:4:5") && e.contains("annotate it `colors`"),
            "{e}"
        );
        let e = shader("    a: vec4<f32>, // colors");
        assert!(
            e.contains("t.wgsl:4:5") && e.contains("is for a list"),
            "{e}"
        );
        let e = shader("    a: array<vec4<f32>, 2>, // colors\n    n: u32, // count=b");
        assert!(
            e.contains("t.wgsl:5:5") && e.contains("names no list field"),
            "{e}"
        );
        let e = shader("    a: array<vec4<f32>, 2>, // colors\n    n: f32, // count=a");
        assert!(e.contains("t.wgsl:5:5") && e.contains("u32 or i32"), "{e}");
        let e = shader("    a: array<vec4<f32>, 2>, // colors default=[1, 2]");
        assert!(e.contains("t.wgsl:4:5") && e.contains("a[0]"), "{e}");
        let e = shader("    a: array<vec4<f32>, 2>, // floats default=[1, 2, 3]");
        assert!(e.contains("at most 2 numbers, found 3"), "{e}");
    }
}
