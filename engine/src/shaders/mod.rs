//! `ShaderLibrary`: embedded or on-disk WGSL, `#import` of shared helpers, naga validation and
//! diagnostics that point at the right file, line and column.
//!
//! A shader imports helpers with a line of its own: `#import "common/noise.wgsl"`. The line
//! is blanked and the helper's text appended after the shader (WGSL declarations may come in
//! any order), so line numbers inside the shader stay exact and errors inside a helper are
//! mapped back to the helper's file.
//!
//! Shaders are *trusted* (the engine's and the operators' own, `shaders/`) or *untrusted*
//! (a project's file, and whatever a loader of foreign shaders registers with
//! [`ShaderLibrary::register_untrusted`]). An untrusted shader is bounded ([`limits`]: source
//! size, arrays, memory per pixel, constants) and its loops guarded ([`guard`]) when it is
//! composed — [`harden`] is that step, for any loader — so what reaches the driver always
//! ends. A shader quarantined after it made a frame miss its deadline
//! ([`ShaderLibrary::quarantine`]) is refused until its text changes.

pub mod guard;
pub mod limits;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::error::{Diagnostic, Diagnostics, EngineError, Result};
pub use guard::{LOOP_BUDGET, guard_loops};
pub use limits::{ShaderLimits, Violation};

/// Where a library shader's text comes from.
#[derive(Clone, Debug)]
enum Source {
    /// Built into the binary (or read from the disk root when set).
    Embedded(Cow<'static, str>),
    /// A file: read at every compose, or (`text`) the version read when it was reflected
    /// (a project's own shader: what runs is what was reflected).
    File {
        /// The file.
        path: PathBuf,
        /// Its text, when kept.
        text: Option<Arc<str>>,
    },
}

/// A WGSL file known to the library.
#[derive(Clone, Debug)]
struct ShaderFile {
    source: Source,
    /// Path shown in diagnostics for the embedded text (e.g. `shaders/noise.wgsl`).
    display_path: PathBuf,
    /// Imports added as if the file began with `#import` lines for them.
    implicit: Vec<String>,
    /// Generated WGSL appended to the file (e.g. a binding that depends on its contents).
    appendix: Option<String>,
    /// Library shaders whose text a generated shader inlines (a fused pass's members): a
    /// change to their files changes it.
    derived: Vec<String>,
    /// Not the engine's own: bounded and loop-guarded when composed ([`harden`]).
    untrusted: bool,
}

/// A part of a composed shader: which file the bytes `start..end` came from.
#[derive(Clone, Debug)]
struct Segment {
    start: usize,
    end: usize,
    path: PathBuf,
    /// The file's own text (to compute its line and column).
    text: String,
    /// Offset of `start` inside `text`.
    file_offset: usize,
}

/// A shader after `#import` resolution and naga validation.
#[derive(Clone, Debug)]
pub struct ComposedShader {
    /// Library name, e.g. `noise.wgsl`.
    pub name: String,
    /// The composed WGSL text given to wgpu.
    pub text: String,
    /// The validated module (for reflection).
    pub module: naga::Module,
    /// Hash of `text`: pipelines are cached against it.
    pub hash: u64,
    /// Loops guarded ([`harden`]): `Some` for an untrusted shader, whose `module` is the
    /// guarded one (what wgpu gets).
    pub guarded_loops: Option<usize>,
}

/// A shader refused until its text changes: it made a frame miss its deadline.
#[derive(Clone, Debug)]
pub struct Quarantine {
    /// [`fxhash`] of the text refused (the file's own, before imports).
    pub source_hash: u64,
    /// Why, for the diagnostic.
    pub reason: String,
    /// The last version of it known good (its text), run instead while it is refused.
    pub fallback: Option<Arc<str>>,
}

/// The WGSL sources of the engine and the operators.
#[derive(Clone, Debug, Default)]
pub struct ShaderLibrary {
    files: BTreeMap<String, ShaderFile>,
    /// When set, files are read from here first (the source tree's `shaders/`).
    disk_root: Option<PathBuf>,
    /// Shaders refused until their text changes, by library name.
    quarantined: BTreeMap<String, Quarantine>,
    /// Untrusted shaders are bounded but their loops left as written (to measure what the
    /// guard costs: `vivid bench --no-loop-guard`).
    unguarded: bool,
}

/// Bounds an untrusted shader's module and guards its loops: what every loader of WGSL it
/// does not trust (a project's shader, ISF, Shadertoy) does after naga validated it and
/// before anything reaches the driver. `source_len` is the size of the user's text.
/// Checks [`limits::check_source`] and [`limits::check`] against `limits`, then rewrites
/// every loop with [`guard_loops`] and [`LOOP_BUDGET`]. Returns the loops guarded; the
/// module should be validated again (the engine does, [`ShaderLibrary::compose`]).
pub fn harden(
    module: &mut naga::Module,
    source_len: usize,
    limits: &ShaderLimits,
) -> std::result::Result<usize, Violation> {
    limits::check_source(source_len, limits)?;
    limits::check(module, limits)?;
    Ok(guard_loops(module, LOOP_BUDGET))
}

// The engine's own WGSL, every file of `shaders/common/` and `shaders/engine/` (the display
// and readback blit, the error overlay, the copy pass, the shared helpers and the interface of
// operators written in WGSL): `ENGINE_SHADERS`, made by build.rs.
include!(concat!(env!("OUT_DIR"), "/engine_shaders.rs"));

/// The interface every operator written in WGSL gets (an implicit import): its bindings and
/// entry points. See `shaders/common/interface.wgsl`.
pub const INTERFACE: &str = "common/interface.wgsl";

impl ShaderLibrary {
    /// A library holding the engine's own shaders.
    #[must_use]
    pub fn new() -> Self {
        let mut lib = Self::default();
        for (name, text) in ENGINE_SHADERS {
            lib.register(name, text);
        }
        lib
    }

    /// Adds an embedded shader under `name` (a path relative to `shaders/`).
    pub fn register(&mut self, name: &str, text: &'static str) {
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::Embedded(Cow::Borrowed(text)),
                display_path: Path::new("shaders").join(name),
                implicit: Vec::new(),
                appendix: None,
                derived: Vec::new(),
                untrusted: false,
            },
        );
    }

    /// Adds (or replaces) an untrusted shader given as text (a loader of foreign shaders:
    /// ISF, Shadertoy, after translating them to WGSL), its diagnostics pointing at
    /// `display_path`, with `implicit` imports and a generated `appendix`. It is bounded and
    /// loop-guarded when composed ([`harden`]).
    pub fn register_untrusted(
        &mut self,
        name: &str,
        display_path: &Path,
        text: String,
        implicit: &[&str],
        appendix: Option<String>,
    ) {
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::Embedded(Cow::Owned(text)),
                display_path: display_path.to_path_buf(),
                implicit: implicit.iter().map(|s| (*s).to_string()).collect(),
                appendix,
                derived: Vec::new(),
                untrusted: true,
            },
        );
    }

    /// Adds (or replaces) a shader read from `path` at every compose, with `implicit`
    /// imports and a generated `appendix`. A file is untrusted (a project's): it is bounded
    /// and loop-guarded when composed.
    pub fn register_file(
        &mut self,
        name: &str,
        path: &Path,
        implicit: &[&str],
        appendix: Option<String>,
    ) {
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::File {
                    path: path.to_path_buf(),
                    text: None,
                },
                display_path: path.to_path_buf(),
                implicit: implicit.iter().map(|s| (*s).to_string()).collect(),
                appendix,
                derived: Vec::new(),
                untrusted: true,
            },
        );
    }

    /// Like [`register_file`](Self::register_file), with the file's `text` as it was read
    /// (a project's shader when it was reflected): composed from that text, not the disk,
    /// so what runs is what was reflected; diagnostics and file matching use `path`.
    pub fn register_file_text(
        &mut self,
        name: &str,
        path: &Path,
        text: Arc<str>,
        implicit: &[&str],
        appendix: Option<String>,
    ) {
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::File {
                    path: path.to_path_buf(),
                    text: Some(text),
                },
                display_path: path.to_path_buf(),
                implicit: implicit.iter().map(|s| (*s).to_string()).collect(),
                appendix,
                derived: Vec::new(),
                untrusted: true,
            },
        );
    }

    /// Guards the loops of untrusted shaders (on by default). Off, they are still bounded by
    /// [`ShaderLimits`] but a loop that never ends hangs the GPU: only to measure what the
    /// guard costs (`vivid bench --no-loop-guard`). Set it before shaders are composed.
    pub fn set_loop_guard(&mut self, enabled: bool) {
        self.unguarded = !enabled;
    }

    /// Whether `name` is untrusted: a project's file, a shader registered with
    /// [`register_untrusted`](Self::register_untrusted), or one generated from any such
    /// (a fused pass inlining a project's pointwise shader).
    #[must_use]
    pub fn is_untrusted(&self, name: &str) -> bool {
        self.files.get(name).is_some_and(|f| {
            f.untrusted || f.derived.iter().any(|d| d != name && self.is_untrusted(d))
        })
    }

    /// Refuses shader `name` while its text is the one `q` names (it made a frame miss its
    /// deadline): [`compose`](Self::compose) fails with `q.reason` until the text changes,
    /// and so does any shader generated from it (a fused pass). A project's shader whose
    /// file is still that text is reflected from `q.fallback` instead, when there is one
    /// ([`crate::operator::wgsl::resolve_project`]).
    pub fn quarantine(&mut self, name: &str, q: Quarantine) {
        self.quarantined.insert(name.to_string(), q);
    }

    /// Lifts the quarantine of `name` (its file changed). Returns whether it was quarantined.
    pub fn lift_quarantine(&mut self, name: &str) -> bool {
        self.quarantined.remove(name).is_some()
    }

    /// The quarantine of `name`, if it is quarantined.
    #[must_use]
    pub fn quarantine_of(&self, name: &str) -> Option<&Quarantine> {
        self.quarantined.get(name)
    }

    /// Names quarantined now.
    pub fn quarantined(&self) -> impl Iterator<Item = &str> {
        self.quarantined.keys().map(String::as_str)
    }

    /// Why `name`, whose text is `text`, is refused (or a shader generated from it), if it is.
    fn refusal(&self, name: &str, text: &str) -> Option<&Quarantine> {
        if let Some(q) = self
            .quarantined
            .get(name)
            .filter(|q| q.source_hash == fxhash(text.as_bytes()))
        {
            return Some(q);
        }
        let derived = &self.files.get(name)?.derived;
        derived.iter().filter(|d| *d != name).find_map(|d| {
            let (t, _) = self.read(d).ok()?;
            self.refusal(d, &t)
        })
    }

    /// Gives embedded shader `name` (a WGSL operator's file) its `implicit` imports and a
    /// generated `appendix` (its bindings), as [`register_file`](Self::register_file) does
    /// for a file on disk. Nothing happens for an unknown name.
    pub fn set_interface(&mut self, name: &str, implicit: &[&str], appendix: Option<String>) {
        if let Some(f) = self.files.get_mut(name) {
            f.implicit = implicit.iter().map(|s| (*s).to_string()).collect();
            f.appendix = appendix;
        }
    }

    /// The text of `name` with its imports appended (their directives blanked), without its
    /// implicit imports and appendix, and without the files `skip` names or anything only
    /// they import: the WGSL an operator adds to the interface, to be inlined elsewhere (a
    /// fused pass, [`crate::fusion`]).
    pub(crate) fn expand(&self, name: &str, skip: &[String]) -> Result<String> {
        let (text, path) = self.read(name)?;
        let mut out = String::new();
        let mut segments = Vec::new();
        let mut imported: Vec<String> = skip.to_vec();
        self.append(&text, &path, &mut out, &mut segments, &mut imported, 0)?;
        Ok(out)
    }

    /// Every file `name` imports, transitively, by library name (its own name first).
    #[must_use]
    pub(crate) fn imports_of(&self, name: &str) -> Vec<String> {
        let mut seen = vec![name.to_string()];
        let mut k = 0;
        while k < seen.len() {
            let current = seen[k].clone();
            k += 1;
            let Ok((text, _)) = self.read(&current) else {
                continue;
            };
            for target in import_targets(&text) {
                if !seen.contains(&target) {
                    seen.push(target);
                }
            }
        }
        seen
    }

    /// The current text of `name` (from the disk root when it is there) and the path its
    /// diagnostics show.
    pub fn text(&self, name: &str) -> Result<(String, PathBuf)> {
        self.read(name)
    }

    /// Adds (or replaces) a shader the engine generated at run time (a fused run of
    /// pointwise operators, see [`crate::fusion`]) from the text of the library shaders
    /// `derived` (so that [`files_of`](Self::files_of) follows them). Its diagnostics point
    /// at `shaders/<name>`.
    pub(crate) fn register_generated(&mut self, name: &str, text: String, derived: Vec<String>) {
        let untrusted = derived.iter().any(|d| self.is_untrusted(d));
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::Embedded(Cow::Owned(text)),
                display_path: Path::new("shaders").join(name),
                implicit: Vec::new(),
                appendix: None,
                derived,
                untrusted,
            },
        );
    }

    /// Adds (or replaces) WGSL generated from a file in another language (an ISF file):
    /// `text`, shown as `path` in diagnostics, composed with `implicit` imports; untrusted
    /// (bounded and loop-guarded when composed).
    pub fn register_text(&mut self, name: &str, text: &str, path: &Path, implicit: &[&str]) {
        self.files.insert(
            name.to_string(),
            ShaderFile {
                source: Source::Embedded(Cow::Owned(text.to_string())),
                display_path: path.to_path_buf(),
                implicit: implicit.iter().map(|s| (*s).to_string()).collect(),
                appendix: None,
                derived: Vec::new(),
                // A foreign file's: bounded and loop-guarded when composed ([`harden`]).
                untrusted: true,
            },
        );
    }

    /// Whether `name` was generated from other shaders' text
    /// ([`register_generated`](Self::register_generated)): it is made again, not reloaded.
    #[must_use]
    pub(crate) fn is_derived(&self, name: &str) -> bool {
        self.files.get(name).is_some_and(|f| !f.derived.is_empty())
    }

    /// Whether `name` is registered.
    #[must_use]
    pub fn contains(&self, name: &str) -> bool {
        self.files.contains_key(name)
    }

    /// The files on disk that shader `name` is made of: its own (if it has one) and those of
    /// everything it imports, transitively. A change to any of them changes the shader.
    #[must_use]
    pub(crate) fn files_of(&self, name: &str) -> Vec<PathBuf> {
        let mut seen = vec![name.to_string()];
        let mut files = Vec::new();
        let mut k = 0;
        while k < seen.len() {
            let current = seen[k].clone();
            k += 1;
            if let Some(p) = self.file_path(&current) {
                files.push(p);
            }
            let Ok((text, _)) = self.read(&current) else {
                continue;
            };
            let (implicit, derived) = self
                .files
                .get(&current)
                .map(|f| (f.implicit.clone(), f.derived.clone()))
                .unwrap_or_default();
            let imports = import_targets(&text)
                .into_iter()
                .chain(implicit)
                .chain(derived);
            for target in imports {
                if !target.is_empty() && !seen.contains(&target) {
                    seen.push(target);
                }
            }
        }
        files
    }

    /// Removes a shader added with [`register_file`](Self::register_file).
    pub(crate) fn unregister(&mut self, name: &str) {
        self.files.remove(name);
    }

    /// The file on disk that `name` is read from, if any (for matching file changes).
    #[must_use]
    pub fn file_path(&self, name: &str) -> Option<PathBuf> {
        match &self.files.get(name)?.source {
            Source::File { path, .. } => Some(path.clone()),
            Source::Embedded(_) => self
                .disk_root
                .as_ref()
                .map(|r| r.join(name))
                .filter(|p| p.is_file()),
        }
    }

    /// Reads files from `dir` (when present there) instead of the embedded text.
    pub fn set_disk_root(&mut self, dir: Option<PathBuf>) {
        self.disk_root = dir;
    }

    /// The folder files are read from, if any.
    #[must_use]
    pub fn disk_root(&self) -> Option<&Path> {
        self.disk_root.as_deref()
    }

    /// Names of all registered shaders.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The current text of `name` and the path to show for it.
    fn read(&self, name: &str) -> Result<(String, PathBuf)> {
        let f = self.files.get(name);
        if let Some(Source::File { path, text }) = f.map(|f| &f.source) {
            // Checked against the project folder when the chain was validated; read by the
            // file rule (a regular file, not too large, never blocking).
            let text = match text {
                Some(t) => t.to_string(),
                None => read_shader(path)?,
            };
            return Ok((text, path.clone()));
        }
        if let Some(root) = &self.disk_root {
            let path = root.join(name);
            if path.is_file() {
                let text = read_shader(&path)?;
                return Ok((text, path));
            }
        }
        match f {
            Some(ShaderFile {
                source: Source::Embedded(text),
                display_path,
                ..
            }) => Ok((text.to_string(), display_path.clone())),
            _ => Err(EngineError::Shader(Diagnostics(vec![
                Diagnostic::file_level(
                    Path::new("shaders").join(name),
                    format!("no shader named `{name}`"),
                ),
            ]))),
        }
    }

    /// Resolves imports of library shader `name` and validates it with naga.
    /// An untrusted shader is also bounded and its loops guarded ([`harden`]); a
    /// quarantined one ([`quarantine`](Self::quarantine)) is refused.
    pub fn compose(&self, name: &str) -> Result<ComposedShader> {
        let (text, path) = self.read(name)?;
        let (implicit, appendix) = self.files.get(name).map_or((&[][..], None), |f| {
            (&f.implicit[..], f.appendix.as_deref())
        });
        if let Some(q) = self.refusal(name, &text) {
            return Err(EngineError::Shader(Diagnostics(vec![
                Diagnostic::file_level(&path, q.reason.clone())
                    .with_hint("save a change to the file to try it again"),
            ])));
        }
        self.compose_parts(
            name,
            &text,
            &path,
            implicit,
            appendix,
            self.is_untrusted(name),
        )
    }

    /// Like [`compose`](Self::compose) for an untrusted shader that is not in the library (a
    /// project's custom shader): `text` read from `path`; its imports come from the library.
    pub fn compose_text(&self, name: &str, text: &str, path: &Path) -> Result<ComposedShader> {
        self.compose_parts(name, text, path, &[], None, true)
    }

    /// `text` from `path`, then its imports, the `implicit` imports, and `appendix`;
    /// `untrusted`: bounded and loop-guarded ([`harden`]).
    pub(crate) fn compose_parts(
        &self,
        name: &str,
        text: &str,
        path: &Path,
        implicit: &[String],
        appendix: Option<&str>,
        untrusted: bool,
    ) -> Result<ComposedShader> {
        if untrusted && let Err(v) = limits::check_source(text.len(), &ShaderLimits::DEFAULT) {
            return Err(EngineError::Shader(Diagnostics(vec![
                Diagnostic::file_level(path, v.message).with_hint(v.hint),
            ])));
        }
        let mut out = String::with_capacity(text.len() * 2);
        let mut segments = Vec::new();
        let mut imported = Vec::<String>::new();
        self.append(text, path, &mut out, &mut segments, &mut imported, 0)?;
        for target in implicit {
            if !imported.contains(target) {
                imported.push(target.clone());
                let (t, p) = self.read(target)?;
                self.append(&t, &p, &mut out, &mut segments, &mut imported, 1)?;
            }
        }
        if let Some(extra) = appendix {
            let start = out.len();
            out.push_str(extra);
            out.push('\n');
            segments.push(Segment {
                start,
                end: out.len(),
                path: PathBuf::from("<generated by vivid>"),
                text: format!("{extra}\n"),
                file_offset: 0,
            });
        }
        let mut module = validate(&out, &segments)?;
        let guarded_loops = if untrusted {
            let limits = ShaderLimits::DEFAULT;
            let checked = if self.unguarded {
                limits::check(&module, &limits).map(|()| 0)
            } else {
                harden(&mut module, text.len(), &limits)
            };
            let loops = checked.map_err(|v| {
                let d = match v.span.to_range() {
                    Some(r) => diagnostic_at(&segments, r, v.message),
                    None => Diagnostic::file_level(path, v.message),
                };
                EngineError::Shader(Diagnostics(vec![d.with_hint(v.hint)]))
            })?;
            // The guard's `break`s make control flow non-uniform: a barrier after a loop
            // is refused here, with its place, rather than by the driver.
            if loops > 0 {
                check_module(&module, &segments).map_err(|e| match e {
                    EngineError::Shader(mut d) => {
                        for x in &mut d.0 {
                            x.hint = Some(format!(
                                "vivid bounds every loop of a project's shader ({LOOP_BUDGET} iterations a pixel), which makes what follows a loop non-uniform"
                            ));
                        }
                        EngineError::Shader(d)
                    }
                    other => other,
                })?;
            }
            Some(loops)
        } else {
            None
        };
        let hash = fxhash(out.as_bytes());
        Ok(ComposedShader {
            name: name.to_string(),
            text: out,
            module,
            hash,
            guarded_loops,
        })
    }

    fn append(
        &self,
        text: &str,
        path: &Path,
        out: &mut String,
        segments: &mut Vec<Segment>,
        imported: &mut Vec<String>,
        depth: usize,
    ) -> Result<()> {
        let mut imports = Vec::new();
        let start = out.len();
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("#import") {
                let target = rest.trim().trim_matches('"').to_string();
                if target.is_empty() {
                    let d = Diagnostic::at_span(
                        path,
                        text,
                        offset..offset + line.trim_end().len(),
                        "`#import` needs a file name, e.g. #import \"common/noise.wgsl\"",
                    );
                    return Err(EngineError::Shader(Diagnostics(vec![d])));
                }
                if !self.files.contains_key(&target)
                    && !self
                        .disk_root
                        .as_ref()
                        .is_some_and(|r| r.join(&target).is_file())
                {
                    let names: Vec<&str> = self.names().collect();
                    let mut d = Diagnostic::at_span(
                        path,
                        text,
                        offset..offset + line.trim_end().len(),
                        format!("cannot import `{target}`: no such shader"),
                    );
                    if let Some(h) = crate::error::did_you_mean(&target, names) {
                        d = d.with_hint(h);
                    }
                    return Err(EngineError::Shader(Diagnostics(vec![d])));
                }
                imports.push(target);
                // Keep the line count: blank the directive.
                out.push_str(&" ".repeat(line.trim_end_matches('\n').len()));
                if line.ends_with('\n') {
                    out.push('\n');
                }
            } else {
                out.push_str(line);
            }
            offset += line.len();
        }
        if !out.ends_with('\n') {
            out.push('\n');
        }
        segments.push(Segment {
            start,
            end: out.len(),
            path: path.to_path_buf(),
            text: text.to_string(),
            file_offset: 0,
        });
        if depth > 8 {
            return Ok(());
        }
        for target in imports {
            if imported.contains(&target) {
                continue;
            }
            imported.push(target.clone());
            let (t, p) = self.read(&target)?;
            self.append(&t, &p, out, segments, imported, depth + 1)?;
        }
        Ok(())
    }
}

/// The files a WGSL text imports (`#import "…"` lines), in order.
fn import_targets(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("#import"))
        .map(|rest| rest.trim().trim_matches('"').to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Maps a byte range of the composed text to a diagnostic in the right file.
fn diagnostic_at(
    segments: &[Segment],
    span: std::ops::Range<usize>,
    message: String,
) -> Diagnostic {
    for s in segments {
        if span.start >= s.start && span.start < s.end {
            let local = span.start - s.start + s.file_offset;
            let len = span.end.saturating_sub(span.start);
            return Diagnostic::at_span(&s.path, &s.text, local..local + len, message);
        }
    }
    let path = segments
        .first()
        .map_or_else(|| PathBuf::from("<shader>"), |s| s.path.clone());
    Diagnostic::file_level(path, message)
}

fn validate(text: &str, segments: &[Segment]) -> Result<naga::Module> {
    let module = naga::front::wgsl::parse_str(text).map_err(|e| {
        let mut message = e.message().to_string();
        let mut span = None;
        for (s, label) in e.labels() {
            if span.is_none() {
                span = s.to_range();
                if !label.is_empty() && label != message {
                    message = format!("{message}: {label}");
                }
            }
        }
        let d = match span {
            Some(r) => diagnostic_at(segments, r, message),
            None => diagnostic_at(segments, 0..0, message),
        };
        EngineError::Shader(Diagnostics(vec![d]))
    })?;
    check_module(&module, segments)?;
    Ok(module)
}

/// Validates `module` (parsed from the text `segments` describe) with naga.
fn check_module(module: &naga::Module, segments: &[Segment]) -> Result<()> {
    // `pack2x16float`/`unpack2x16float` (blur keeps its shared-memory tiles as half floats):
    // wgpu allows them wherever the adapter has `SHADER_F16_IN_F32`, every Vulkan one.
    let mut validator = naga::valid::Validator::new(
        naga::valid::ValidationFlags::all(),
        naga::valid::Capabilities::default() | naga::valid::Capabilities::SHADER_FLOAT16_IN_FLOAT32,
    );
    validator.validate(module).map_err(|e| {
        let mut message = e.as_inner().to_string();
        let mut source = std::error::Error::source(e.as_inner());
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        let first = e.spans().next();
        let d = match first.and_then(|(s, _)| s.to_range()) {
            Some(r) => {
                let label = first.map(|(_, l)| l.clone()).unwrap_or_default();
                let msg = if label.is_empty() {
                    message
                } else {
                    format!("{message} ({label})")
                };
                diagnostic_at(segments, r, msg)
            }
            None => diagnostic_at(segments, 0..0, message),
        };
        EngineError::Shader(Diagnostics(vec![d]))
    })?;
    Ok(())
}

/// A small, stable, non-cryptographic hash (`FxHash`) for cache keys.
#[must_use]
pub(crate) fn fxhash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0;
    for chunk in bytes.chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    h
}

/// The text of the shader file at `path`, by the file rule ([`crate::files`]).
fn read_shader(path: &Path) -> Result<String> {
    crate::files::FileRules::anywhere()
        .read_text(path, crate::files::Role::Shader)
        .map_err(|e| {
            EngineError::Shader(Diagnostics(vec![Diagnostic::file_level(
                path,
                e.to_string(),
            )]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib() -> ShaderLibrary {
        let mut l = ShaderLibrary::new();
        l.register("helper.wgsl", "fn helper() -> f32 {\n    return 1.0;\n}\n");
        l.register(
            "bad_helper.wgsl",
            "fn bad() -> f32 {\n    return undefined_thing;\n}\n",
        );
        l
    }

    #[test]
    fn engine_shaders_validate() {
        let l = ShaderLibrary::new();
        for (name, _) in ENGINE_SHADERS {
            if name.starts_with("engine/") {
                l.compose(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }

    #[test]
    fn imports_keep_line_numbers_of_the_importing_file() {
        let l = lib();
        let src = "#import \"helper.wgsl\"\n\nfn f() -> f32 {\n    return helper() + oops;\n}\n";
        let err = l
            .compose_text("x.wgsl", src, Path::new("proj/x.wgsl"))
            .expect_err("must fail");
        let EngineError::Shader(d) = err else {
            panic!("{err}")
        };
        let d = &d.0[0];
        assert_eq!(d.file, Path::new("proj/x.wgsl"));
        assert_eq!((d.line, d.col), (4, 23), "{d}");
        assert!(d.to_string().contains("oops"), "{d}");
    }

    #[test]
    fn errors_inside_an_import_point_at_the_import() {
        let l = lib();
        let src = "#import \"bad_helper.wgsl\"\nfn f() -> f32 { return bad(); }\n";
        let err = l
            .compose_text("x.wgsl", src, Path::new("x.wgsl"))
            .expect_err("must fail");
        let EngineError::Shader(d) = err else {
            panic!("{err}")
        };
        assert_eq!(d.0[0].file, Path::new("shaders/bad_helper.wgsl"));
        assert_eq!(d.0[0].line, 2);
    }

    #[test]
    fn unknown_import_is_reported_with_a_hint() {
        let l = lib();
        let err = l
            .compose_text("x.wgsl", "#import \"helpr.wgsl\"\n", Path::new("x.wgsl"))
            .expect_err("must fail");
        let text = err.to_string();
        assert!(text.contains("x.wgsl:1:1"), "{text}");
        assert!(text.contains("did you mean `helper.wgsl`?"), "{text}");
    }

    #[test]
    fn untrusted_shaders_are_bounded_and_guarded_and_trusted_ones_are_not() {
        let src = "fn f() -> f32 {\n    var x = 0.0;\n    loop { x += 1.0; }\n    return x;\n}\n";
        let mut l = lib();
        l.register(
            "trusted.wgsl",
            "fn f() -> f32 {\n    var x = 0.0;\n    loop { x += 1.0; }\n    return x;\n}\n",
        );
        assert_eq!(
            l.compose("trusted.wgsl").expect("valid").guarded_loops,
            None
        );
        // What an ISF or Shadertoy loader does with its translated text.
        l.register_untrusted("isf:x", Path::new("x.fs"), src.into(), &[], None);
        let c = l.compose("isf:x").expect("valid");
        assert_eq!(c.guarded_loops, Some(1));
        assert!(
            c.module
                .global_variables
                .iter()
                .any(|(_, g)| g.name.as_deref() == Some(guard::GUARD_NAME))
        );
        l.register_untrusted(
            "isf:big",
            Path::new("big.fs"),
            "var<private> a: array<f32, 5000>;\nfn f() -> f32 { return a[0]; }\n".into(),
            &[],
            None,
        );
        let e = l
            .compose("isf:big")
            .expect_err("over the limits")
            .to_string();
        assert!(
            e.contains("big.fs:1:1") && e.contains("5000 elements"),
            "{e}"
        );
        // A quarantined shader is refused until its text changes.
        l.quarantine(
            "isf:x",
            Quarantine {
                source_hash: fxhash(src.as_bytes()),
                reason: "too slow".into(),
                fallback: None,
            },
        );
        let e = l.compose("isf:x").expect_err("quarantined").to_string();
        assert!(e.contains("too slow") && e.contains("x.fs"), "{e}");
        l.register_untrusted("isf:x", Path::new("x.fs"), format!("{src}\n"), &[], None);
        assert!(l.compose("isf:x").is_ok());
    }

    #[test]
    fn validation_errors_have_a_location() {
        let l = lib();
        let src = "fn f() -> f32 {\n    let x: i32 = 1;\n    return x;\n}\n";
        let err = l
            .compose_text("x.wgsl", src, Path::new("x.wgsl"))
            .expect_err("must fail");
        let EngineError::Shader(d) = err else {
            panic!("{err}")
        };
        assert!(d.0[0].line >= 1, "{}", d.0[0]);
    }
}
