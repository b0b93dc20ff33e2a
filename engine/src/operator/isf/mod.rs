//! ISF files as operators (`type = "isf"`, `path = "Bloom.fs"`): the JSON header's inputs
//! become parameters and inputs, the GLSL goes through naga's GLSL front end
//! ([`translate`]) and comes out as WGSL defining `fn shade(uv)` — then the same path as a
//! project's WGSL shader: validated, pipeline cached, run as a compute pass on GPUs and a
//! fragment pass on CPU drivers by [`WgslOperator`](super::WgslOperator), reloaded with the
//! chain when the file changes (the last good version keeps running on an error).

pub mod fixup;
pub mod header;
pub mod imported;
pub mod run;
pub mod translate;

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use header::InputKind;

use super::wgsl::{GENERATED_INTERFACE, WgslParam, WgslShader};
use super::{Category, InputSpec, OperatorInfo};
use crate::error::{Diagnostic, Diagnostics, EngineError, Result};
use crate::params::{ParamKind, ParamSpec, ParamValue};
use crate::shaders::ShaderLibrary;

/// The `type` of an ISF operator.
pub const ISF_TYPE: &str = "isf";

/// The parameter naming its file.
pub const ISF_PATH_PARAM: &str = "path";

/// Extensions of ISF fragment shaders.
pub const ISF_EXTENSIONS: &[&str] = &["fs", "isf"];

/// The registry's entry for `type = "isf"` (its fixed part; the file adds the rest).
#[must_use]
pub fn isf_info() -> OperatorInfo {
    OperatorInfo::new(
        ISF_TYPE,
        Category::Custom,
        "An ISF shader (Interactive Shader Format: GLSL with a JSON header): `path = \"Effect.fs\"`; its INPUTS become parameters and inputs.",
        InputSpec { min: 0, max: 4 },
        vec![path_spec()].into(),
    )
}

fn path_spec() -> ParamSpec {
    ParamSpec::new(
        ISF_PATH_PARAM,
        ParamKind::Text,
        ParamValue::Text(String::new()),
    )
    .doc("The ISF file (.fs), relative to the project folder; a sibling .vs is used too.")
}

fn errors(d: Vec<Diagnostic>) -> EngineError {
    EngineError::Shader(Diagnostics(d))
}

/// The file of an `IMPORTED` image's `PATH`, relative to ISF file `fs`'s folder.
#[must_use]
pub fn imported_path(fs: &Path, path: &str) -> PathBuf {
    fs.parent().unwrap_or_else(|| Path::new(".")).join(path)
}

/// The vertex shader beside `fs` (`Name.vs`), if there is one.
#[must_use]
pub fn sibling_vs(fs: &Path) -> Option<PathBuf> {
    let vs = fs.with_extension("vs");
    vs.is_file().then_some(vs)
}

/// The `type` of a Shadertoy image shader.
pub const SHADERTOY_TYPE: &str = "shadertoy";

/// Extensions of Shadertoy files.
pub const SHADERTOY_EXTENSIONS: &[&str] = &["glsl", "frag"];

/// The registry's entry for `type = "shadertoy"`.
#[must_use]
pub fn shadertoy_info() -> OperatorInfo {
    OperatorInfo::new(
        SHADERTOY_TYPE,
        Category::Custom,
        "A Shadertoy shader: `path = \"effect.glsl\"` defines mainImage(out vec4, in vec2); iChannel0..3 are its inputs; effect.bufa..bufd.glsl are Buffers A-D.",
        InputSpec { min: 0, max: 4 },
        vec![path_spec()].into(),
    )
}

/// Reads, translates and validates Shadertoy file `path` (the registry's `resolve`).
pub fn resolve_shadertoy(library: &ShaderLibrary, path: &Path) -> Result<Arc<OperatorInfo>> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let text = std::fs::read_to_string(&path).map_err(|e| EngineError::io(&path, e))?;
    let files = shadertoy_siblings(&path)?;
    let (t, passes) =
        translate::translate_shadertoy(&path, &text, &files).map_err(|d| errors(vec![d]))?;
    let wgsl = t.to_wgsl().map_err(errors)?;
    let head = header::Header {
        passes,
        ..header::Header::default()
    };
    let mut read = vec![path.clone()];
    read.extend(files.common.iter().map(|(p, _)| p.clone()));
    read.extend(files.buffers.iter().map(|(_, p, _)| p.clone()));
    finish(library, &path, &head, &t, &wgsl, SHADERTOY_TYPE, read)
}

/// The sibling of Shadertoy file `path` (`effect.glsl`) for `part`: `effect.PART.glsl`.
#[must_use]
pub fn shadertoy_sibling(path: &Path, part: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().to_string());
    let ext = path
        .extension()
        .map_or_else(|| "glsl".to_string(), |e| e.to_string_lossy().to_string());
    path.with_file_name(format!("{stem}.{part}.{ext}"))
}

/// The buffers (`effect.bufa.glsl` … `effect.bufd.glsl`) and common code
/// (`effect.common.glsl`) beside Shadertoy file `path`.
fn shadertoy_siblings(path: &Path) -> Result<translate::ShadertoyFiles> {
    let read = |p: PathBuf| -> Result<Option<(PathBuf, String)>> {
        if !p.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&p).map_err(|e| EngineError::io(&p, e))?;
        Ok(Some((p, text)))
    };
    let mut files = translate::ShadertoyFiles {
        common: read(shadertoy_sibling(path, "common"))?,
        buffers: Vec::new(),
    };
    for c in translate::SHADERTOY_BUFFERS {
        if let Some((p, text)) = read(shadertoy_sibling(path, &format!("buf{c}")))? {
            files.buffers.push((c, p, text));
        }
    }
    Ok(files)
}

/// Translates ISF file `path` to WGSL: the header, the translation and the WGSL text.
pub fn to_wgsl(path: &Path) -> Result<(header::Header, translate::Translated, String)> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::io(path, e))?;
    let head = header::parse(path, &text).map_err(|d| errors(vec![d]))?;
    // IMPORTED images are read (by the file rule) when the operator is prepared; a missing
    // one is an error at its PATH here.
    for imported in &head.imported {
        let file = imported_path(path, &imported.path);
        if !file.is_file() {
            let quoted = format!("\"{}\"", imported.path);
            let at = text[head.span.clone()]
                .find(&quoted)
                .map_or(head.span.start, |o| o + head.span.start + 1);
            return Err(errors(vec![
                Diagnostic::at_span(
                    path,
                    &text,
                    at..at + imported.path.len(),
                    format!(
                        "IMPORTED image `{}`: no file {} next to the .fs file",
                        imported.name,
                        file.display()
                    ),
                )
                .with_hint("IMPORTED paths are relative to the .fs file's folder"),
            ]));
        }
    }
    let vs_path = sibling_vs(path);
    let vs_text = match &vs_path {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| EngineError::io(p, e))?),
        None => None,
    };
    let vs = vs_path.as_deref().zip(vs_text.as_deref());
    let t = translate::translate(&head, path, &text, vs).map_err(|d| errors(vec![d]))?;
    let wgsl = t.to_wgsl().map_err(errors)?;
    Ok((head, t, wgsl))
}

/// Reads, translates, validates and reflects ISF file `path` (the registry's `resolve`).
pub fn resolve(library: &ShaderLibrary, path: &Path) -> Result<Arc<OperatorInfo>> {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let (head, t, wgsl) = to_wgsl(&path)?;
    let mut read = vec![path.clone()];
    read.extend(sibling_vs(&path));
    read.extend(head.imported.iter().map(|i| imported_path(&path, &i.path)));
    finish(library, &path, &head, &t, &wgsl, ISF_TYPE, read)
}

/// The operator info of a translated file.
fn finish(
    library: &ShaderLibrary,
    path: &Path,
    head: &header::Header,
    t: &translate::Translated,
    wgsl: &str,
    type_name: &'static str,
    read: Vec<PathBuf>,
) -> Result<Arc<OperatorInfo>> {
    let path = path.to_path_buf();
    let library_name = format!("project:{type_name}:{}", path.display());
    // FLOAT passes store 32-bit floats through an entry point of their own.
    let float = head.passes.iter().any(|p| p.float && p.target.is_some());
    let with_float;
    let wgsl = if float {
        with_float = format!("{wgsl}\n{}", run::FLOAT_ENTRY_WGSL);
        with_float.as_str()
    } else {
        wgsl
    };
    let composed = library
        .compose_parts(
            &library_name,
            wgsl,
            &path,
            &[GENERATED_INTERFACE.to_string()],
            None,
            true,
        )
        .map_err(|e| not_at_generated_lines(e, &path))?;
    // The params block's layout, as naga laid it out.
    let (offsets, params_size) = composed
        .module
        .types
        .iter()
        .find_map(|(_, ty)| match &ty.inner {
            naga::TypeInner::Struct { members, span }
                if ty.name.as_deref() == Some(translate::PARAMS_STRUCT) =>
            {
                Some((members.iter().map(|m| m.offset).collect::<Vec<_>>(), *span))
            }
            _ => None,
        })
        .unwrap_or_default();
    let mut specs = vec![path_spec()];
    let mut params = Vec::new();
    let mut events = Vec::new();
    for (k, u) in t.uniforms.iter().enumerate() {
        if head.inputs[u.input].kind == InputKind::Event {
            events.push((offsets.get(k).copied().unwrap_or(0), specs.len()));
        }
        let input = &head.inputs[u.input];
        params.push(WgslParam::plain(
            specs.len(),
            offsets.get(k).copied().unwrap_or(0),
            u.components,
            u.int,
        ));
        specs.push(param_spec(input));
    }
    let shader = WgslShader {
        library_name,
        path: path.clone(),
        from_file: false,
        params,
        params_size,
        inputs: t.images.len() as u32,
        pointwise: false,
        appendix: String::new(),
        hash: composed.hash,
        generated: Some(Arc::from(wgsl)),
        source: Arc::from(wgsl),
        fallback: false,
    };
    let advances = head
        .passes
        .iter()
        .any(|p| p.persistent && p.target.is_some());
    run::remember(
        shader.hash,
        run::Program {
            passes: if head.passes.is_empty() {
                vec![header::Pass::default()]
            } else {
                head.passes.clone()
            },
            targets: t.images[t.inputs..t.images.len() - t.imported].to_vec(),
            imported: head
                .imported
                .iter()
                .map(|i| imported_path(&path, &i.path))
                .collect(),
            images: t.inputs,
            date: t
                .uses_date
                .then(|| offsets.get(t.uniforms.len()).copied())
                .flatten(),
            events,
            mouse: t
                .uses_mouse
                .then(|| offsets.get(t.uniforms.len() + 1).copied())
                .flatten(),
            // Inputs that WIDTH/HEIGHT expressions name (their values select the targets'
            // sizes; the others must not make a new prepare when they are animated).
            names: t
                .uniforms
                .iter()
                .enumerate()
                .map(|(k, u)| (head.inputs[u.input].name.clone(), k + 1))
                .filter(|(name, _)| {
                    head.passes.iter().any(|p| {
                        [&p.width, &p.height]
                            .into_iter()
                            .flatten()
                            .any(|e| e.contains(name.as_str()))
                    })
                })
                .collect(),
        },
    );
    let file = path
        .file_name()
        .map_or_else(String::new, |f| f.to_string_lossy().to_string());
    let summary = if type_name == SHADERTOY_TYPE {
        format!("Shadertoy shader {file}")
    } else if head.description.is_empty() {
        format!("ISF shader {file}")
    } else {
        format!("ISF {file}: {}", head.description)
    };
    Ok(Arc::new(OperatorInfo {
        shader: Some(Arc::new(shader)),
        advances,
        stateful: advances,
        files: read.into(),
        ..OperatorInfo::new(
            Cow::Borrowed(type_name),
            Category::Custom,
            summary,
            InputSpec {
                min: 0,
                max: t.inputs,
            },
            specs.into(),
        )
    }))
}

/// An error found in the WGSL made from the file at `path` (what the GLSL checks did not
/// catch): its place is the WGSL's, not the file's, so it is said without a line — the
/// generated line quoted in the message, never shown as a line of the file.
fn not_at_generated_lines(e: EngineError, path: &Path) -> EngineError {
    let EngineError::Shader(Diagnostics(ds)) = e else {
        return e;
    };
    EngineError::Shader(Diagnostics(
        ds.into_iter()
            .map(|d| {
                if d.file != path {
                    return d;
                }
                let near = d.source_line.as_deref().map_or_else(String::new, |l| {
                    format!(" (in the WGSL vivid made from it: `{}`)", l.trim())
                });
                let mut out = Diagnostic::file_level(path, format!("{}{near}", d.message));
                out.hint = d.hint;
                out
            })
            .collect(),
    ))
}

/// The parameter an ISF input becomes.
fn param_spec(input: &header::Input) -> ParamSpec {
    let d = &input.default;
    let at = |k: usize, or: f64| d.get(k).copied().unwrap_or(or) as f32;
    let (kind, default) = match input.kind {
        InputKind::Bool | InputKind::Event => {
            (ParamKind::Bool, ParamValue::Bool(at(0, 0.0) != 0.0))
        }
        InputKind::Long => {
            let value = at(0, 0.0) as i64;
            let index = input.values.iter().position(|v| *v == value).unwrap_or(0);
            (ParamKind::Choice, ParamValue::Choice(index as u32))
        }
        InputKind::Color => (
            ParamKind::Color,
            ParamValue::Color([at(0, 0.0), at(1, 0.0), at(2, 0.0), at(3, 1.0)]),
        ),
        InputKind::Point2D => (ParamKind::Vec2, ParamValue::Vec2([at(0, 0.0), at(1, 0.0)])),
        _ => (ParamKind::Float, ParamValue::Float(at(0, 0.0))),
    };
    let mut spec = ParamSpec::new(input.name.clone(), kind, default).doc(input.label.clone());
    if let Some((lo, hi)) = input.range
        && matches!(input.kind, InputKind::Float | InputKind::Point2D)
        && lo < hi
    {
        spec = spec.range(lo, hi);
    }
    if input.kind == InputKind::Long {
        spec.choices = if input.labels.len() == input.values.len() {
            input.labels.iter().cloned().map(Cow::Owned).collect()
        } else {
            input
                .values
                .iter()
                .map(|v| Cow::Owned(v.to_string()))
                .collect()
        };
    }
    spec
}

/// Translates and validates ISF file `path` (`vivid isf-check`): `Ok` or its located
/// errors.
pub fn check(library: &ShaderLibrary, path: &Path) -> Result<()> {
    resolve(library, path).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_of_the_sample_translates_and_validates() {
        // The sample of Vidvox's collection that fixtures.txt names, files of collection/.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testing-fixtures/isf");
        let library = ShaderLibrary::new();
        let list = std::fs::read_to_string(dir.join("fixtures.txt")).unwrap();
        let files: Vec<_> = list
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|name| dir.join("collection").join(name))
            .collect();
        assert_eq!(files.len(), 54);
        assert!(files.iter().all(|f| f.is_file()), "{files:?}");
        let failed: Vec<String> = files
            .iter()
            .filter_map(|f| {
                check(&library, f)
                    .err()
                    .map(|e| format!("{}: {e}", f.display()))
            })
            .collect();
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }
}
