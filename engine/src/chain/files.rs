//! The files a node names, found in the project folder: the shader it runs, its file
//! parameters — each checked by the file rule ([`crate::files`]: inside the project folder
//! or an allowed one, a regular file, not too large) and stored resolved.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{ChainDesc, Loc, NodeDesc, Spanned};
use crate::error::{Diagnostic, EngineError, did_you_mean};
use crate::files::{FileError, FileRules, Role};
use crate::operator::{Interface, OperatorInfo, Registry};
use crate::params::{FileKind, RawValue};
use crate::shaders::ShaderLibrary;

impl ChainDesc {
    /// The interface of node `n` of a type whose registered info is `info`: that info, or
    /// reflected again from its WGSL (a built-in operator written in WGSL, whose file may
    /// have been edited), or reflected from the file the node names (a project's shader).
    pub(super) fn resolve_interface(
        &self,
        n: &NodeDesc,
        info: &Arc<OperatorInfo>,
        registry: &Registry,
        shaders: &ShaderLibrary,
        files: &FileRules,
    ) -> Result<Arc<OperatorInfo>, Vec<Diagnostic>> {
        let name = &n.name.value;
        let errors = |e: EngineError, loc: Option<&Loc>| match e {
            EngineError::Shader(d) | EngineError::Project(d) => d.0,
            other => vec![self.diag(loc, format!("`{name}`: {other}"))],
        };
        match registry.interface(&info.name) {
            None | Some(Interface::Fixed) => Ok(info.clone()),
            Some(Interface::Library) => match registry.declaring_shader(&info.name) {
                Some(shader) => registry
                    .reflect_library(shaders, shader)
                    .map_err(|e| errors(e, n.name.loc.as_ref())),
                None => Ok(info.clone()),
            },
            Some(Interface::File {
                param,
                extensions,
                resolve,
            }) => {
                let path = self.interface_file(n, &info.name, param, extensions, files)?;
                let loc = n
                    .params
                    .iter()
                    .find(|(k, _)| k.value == param)
                    .and_then(|(_, v)| v.loc.as_ref());
                resolve(shaders, &path).map_err(|e| errors(e, loc))
            }
        }
    }

    /// The file parameter `param` of node `n` names, resolved from the project folder.
    fn interface_file(
        &self,
        n: &NodeDesc,
        type_name: &str,
        param: &str,
        extensions: &[&str],
        files: &FileRules,
    ) -> Result<PathBuf, Vec<Diagnostic>> {
        let name = &n.name.value;
        let Some((_, value)) = n.params.iter().find(|(k, _)| k.value == param) else {
            let example = extensions.first().map_or("file", |e| e);
            return Err(vec![
                self.diag(
                    n.name.loc.as_ref(),
                    format!("`{name}` ({type_name}) needs the file it runs"),
                )
                .with_hint(format!(
                    "add `{param} = \"my-{type_name}.{example}\"`, a file in the project folder"
                )),
            ]);
        };
        let RawValue::Str(file) = &value.value else {
            return Err(vec![self.diag(
                value.loc.as_ref(),
                format!("`{name}.{param}` must be a file name (a string)"),
            )]);
        };
        let dir = self.project_dir();
        let path = dir.join(file);
        match files.check(&path, Role::Shader) {
            Ok(checked) => Ok(checked.path),
            Err(FileError::Missing { .. }) => {
                let mut d = self.diag(
                    value.loc.as_ref(),
                    format!("`{name}`: no {type_name} file {}", path.display()),
                );
                let names = files_with_extension(&dir, extensions);
                if let Some(h) = did_you_mean(file, names.iter().map(String::as_str)) {
                    d = d.with_hint(h);
                }
                Err(vec![d])
            }
            Err(e) => Err(vec![file_diag(
                self.diag(value.loc.as_ref(), format!("`{name}.{param}`: {e}")),
                &e,
            )]),
        }
    }

    /// The path of a file parameter's value, resolved from the project folder, if it is
    /// there and of the right kind.
    pub(super) fn resolve_file(
        &self,
        n: &NodeDesc,
        key: &str,
        value: &Spanned<RawValue>,
        kind: FileKind,
        file: &str,
        files: &FileRules,
    ) -> Result<String, Diagnostic> {
        let name = &n.name.value;
        let dir = self.project_dir();
        let path = dir.join(file);
        let list = kind
            .extensions()
            .iter()
            .map(|e| format!(".{e}"))
            .collect::<Vec<_>>()
            .join(", ");
        if kind == FileKind::Frames {
            return self.resolve_frames(n, key, value, &path, &list, files);
        }
        if path.is_dir() {
            return Err(self
                .diag(
                    value.loc.as_ref(),
                    format!(
                        "`{name}.{key}`: {} is a folder, not a {}",
                        path.display(),
                        kind.name()
                    ),
                )
                .with_hint(format!("name a file in it ({list})")));
        }
        let checked = match files.check(&path, kind.role()) {
            Ok(checked) => checked,
            Err(FileError::Missing { .. }) => {
                let d = self.diag(
                    value.loc.as_ref(),
                    format!("`{name}.{key}`: no {} {}", kind.name(), path.display()),
                );
                return Err(missing_file_hint(d, file, &path, &dir, kind));
            }
            Err(e) => {
                return Err(file_diag(
                    self.diag(value.loc.as_ref(), format!("`{name}.{key}`: {e}")),
                    &e,
                ));
            }
        };
        if !has_extension(&path, kind.extensions()) {
            return Err(self.diag(
                value.loc.as_ref(),
                format!(
                    "`{name}.{key}`: {} is not a {} ({list})",
                    path.display(),
                    kind.name()
                ),
            ));
        }
        // Resolved: the file watcher reports changes with canonical paths.
        Ok(checked.path.to_string_lossy().to_string())
    }
}

/// `d` (about a file the rules refused with `e`) with the rule's hint, if it has one.
fn file_diag(d: Diagnostic, e: &FileError) -> Diagnostic {
    match e.hint() {
        Some(h) => d.with_hint(h),
        None => d,
    }
}

impl ChainDesc {
    /// A folder of frames, or a pattern of frame files in one (`frames/*.png`): the folder
    /// must be one, inside the project folder (or an allowed one), and at least one frame
    /// file must match; every match passes the file rule ([`FileRules::matches`]).
    fn resolve_frames(
        &self,
        n: &NodeDesc,
        key: &str,
        value: &Spanned<RawValue>,
        path: &Path,
        list: &str,
        files: &FileRules,
    ) -> Result<String, Diagnostic> {
        let name = &n.name.value;
        let pattern = crate::files::pattern::is_pattern(path);
        let folder = if pattern {
            path.parent().unwrap_or(path)
        } else {
            path
        };
        if !folder.is_dir() || crate::files::pattern::is_pattern(folder) {
            return Err(self
                .diag(
                    value.loc.as_ref(),
                    format!("`{name}.{key}`: {} is not a folder", folder.display()),
                )
                .with_hint(format!(
                    "name a folder of numbered frames ({list}) or a pattern of them in one (frames/*.png), relative to the project folder"
                )));
        }
        let matches = files
            .matches(path, FileKind::Frames.extensions(), FileKind::Frames.role())
            .map_err(|e| {
                file_diag(
                    self.diag(value.loc.as_ref(), format!("`{name}.{key}`: {e}")),
                    &e,
                )
            })?;
        if matches.is_empty() {
            return Err(self.diag(
                value.loc.as_ref(),
                if pattern {
                    format!(
                        "`{name}.{key}`: no frames ({list}) match {}",
                        path.display()
                    )
                } else {
                    format!("`{name}.{key}`: no frames ({list}) in {}", folder.display())
                },
            ));
        }
        // Resolved (the rule checked it is inside): the file watcher reports changes with
        // canonical paths.
        let resolved = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_path_buf());
        let resolved = match path.file_name().filter(|_| pattern) {
            Some(p) => resolved.join(p),
            None => resolved,
        };
        Ok(resolved.to_string_lossy().to_string())
    }
}

/// `d` (a file parameter names `file`, at `path`, which is no file) with a hint: a file of
/// `kind` with a close name in the folder `path` points into, or else where paths are
/// resolved from (`dir`, the project folder).
fn missing_file_hint(
    d: Diagnostic,
    file: &str,
    path: &Path,
    dir: &Path,
    kind: FileKind,
) -> Diagnostic {
    let files = files_with_extension(path.parent().unwrap_or(dir), kind.extensions());
    let leaf = Path::new(file)
        .file_name()
        .map_or_else(|| file.to_string(), |f| f.to_string_lossy().to_string());
    match did_you_mean(&leaf, files.iter().map(String::as_str)) {
        Some(h) => d.with_hint(h),
        None => d.with_hint(format!(
            "paths are relative to the project folder {}",
            dir.display()
        )),
    }
}

/// Whether `path` ends in one of `extensions` (any case).
fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension()
        .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The names of the files in `dir` that end in one of `extensions` (none when it cannot be
/// read).
fn files_with_extension(dir: &Path, extensions: &[&str]) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(std::result::Result::ok)
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|f| has_extension(Path::new(f), extensions))
                .collect()
        })
        .unwrap_or_default()
}
