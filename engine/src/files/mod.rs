//! The one rule for reading the files a project names: inside the project folder (or a
//! folder the user allowed), regular files only, never larger than a stated limit, and no
//! open or read that can block on a pipe or a device.
//!
//! Every reader goes through here — chain.toml, shaders, an `image`'s picture, a `mesh`'s
//! glTF with its external buffers and textures (and LUTs, video, ISF to come):
//!
//! 1. **Where.** The path is resolved (symlinks followed, `..` removed); the result must be
//!    inside one of the [`FileRules`]' folders — the project's, and those the user allowed
//!    (`--allow-path DIR`, [`EngineOptions::allowed_paths`](crate::EngineOptions)). A link
//!    out of the project, an absolute path, `../` or a glTF's `file://` URI elsewhere is
//!    refused, naming where it leads.
//! 2. **What.** Only a regular file is opened: never a FIFO, a device (`/dev/zero`), a
//!    socket or a folder — checked on the resolved path before opening, and again on the
//!    open file (the file may have been swapped in between). The open itself is
//!    `O_NONBLOCK | O_NOFOLLOW` on Unix, so a FIFO swapped in after the check cannot hang
//!    it, and on Linux the open file's real path is checked against the folders again.
//! 3. **How much.** Its size is checked against the [`Role`]'s limit before reading, and
//!    the read stops one byte past the limit (a file that grows while read).
//!
//! Decoding runs off the render thread ([`loader`]); the checks here are a few system
//! calls.

pub mod loader;
pub mod pattern;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use loader::{Loading, Poll};

/// What a file is read as: its size limit and its name in messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// A project's chain.toml (64 MiB).
    Chain,
    /// A WGSL shader (16 MiB).
    Shader,
    /// A PNG or JPEG picture (`image`'s `path`, a glTF's external texture): 256 MiB.
    Picture,
    /// A glTF file, `.gltf` or `.glb` (1 GiB; a `.glb` holds its buffers).
    Model,
    /// A buffer a `.gltf` file refers to (`.bin`): 1 GiB.
    ModelBuffer,
    /// A 3D colour lookup table (`.cube`): 1 GiB (a 256³ table written with many digits is
    /// about 700 MB).
    Lut,
    /// An equirectangular Radiance HDR picture (`render3d`'s `environment`): 256 MiB.
    Environment,
    /// A TrueType or OpenType font (`text`'s `font`): 64 MiB.
    Font,
    /// A video file (the media layer's `video`): 1 TiB — it is streamed by its decoder,
    /// never read whole.
    Video,
}

const MIB: u64 = 1 << 20;

impl Role {
    /// The most bytes a file of this role may hold.
    #[must_use]
    pub const fn limit(self) -> u64 {
        match self {
            Self::Chain | Self::Font => 64 * MIB,
            Self::Shader => 16 * MIB,
            Self::Picture | Self::Environment => 256 * MIB,
            Self::Model | Self::ModelBuffer | Self::Lut => 1024 * MIB,
            Self::Video => 1024 * 1024 * MIB,
        }
    }

    /// What it is, in messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Chain => "chain file",
            Self::Shader => "shader",
            Self::Picture => "picture",
            Self::Model => "glTF file",
            Self::ModelBuffer => "glTF buffer",
            Self::Lut => "LUT",
            Self::Environment => "HDR environment",
            Self::Font => "font",
            Self::Video => "video file",
        }
    }
}

/// Why a file was not read. Display: one line naming the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// Nothing there (or a link to nothing).
    #[error("{}: no such file", path.display())]
    Missing {
        /// The path as named.
        path: PathBuf,
    },
    /// Not a regular file: a folder, a FIFO, a device, a socket.
    #[error("{} is {what}, not a file", path.display())]
    NotAFile {
        /// The path as named.
        path: PathBuf,
        /// What it is, with where a link leads: `a character device (/dev/zero)`.
        what: String,
    },
    /// Outside the project folder and every allowed folder.
    #[error("{} is outside the project folder {}{}", path.display(), project.display(), leads(path, resolved))]
    Outside {
        /// The path as named.
        path: PathBuf,
        /// Where it leads (symlinks resolved).
        resolved: PathBuf,
        /// The project folder.
        project: PathBuf,
    },
    /// Larger than its role allows.
    #[error("{} is {}: larger than the {} a {} may be", path.display(), bytes(*size), bytes(*limit), role.name())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (at least), bytes.
        size: u64,
        /// The limit, bytes.
        limit: u64,
        /// What it was read as.
        role: Role,
    },
    /// The operating system refused (permissions, I/O error).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl FileError {
    /// How to fix it, when there is something to say.
    #[must_use]
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Self::Outside { .. } => Some(
                "a project reads files from its own folder; run with `--allow-path DIR` to allow another folder",
            ),
            Self::NotAFile { .. } => {
                Some("vivid opens regular files only (not pipes, devices or sockets)")
            }
            _ => None,
        }
    }
}

/// ` (it leads to X)` when `resolved` differs from `path`.
fn leads(path: &Path, resolved: &Path) -> String {
    if path == resolved {
        String::new()
    } else {
        format!(" (it leads to {})", resolved.display())
    }
}

/// A byte count for messages: `256 MiB`, `5.0 GB`, `12 bytes`.
fn bytes(n: u64) -> String {
    if n >= MIB && n.is_multiple_of(MIB) {
        format!("{} MiB", n / MIB)
    } else if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else {
        format!("{n} bytes")
    }
}

/// A file that passed the checks: where it is and what it was when checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checked {
    /// The resolved path (canonical).
    pub path: PathBuf,
    /// Its length, bytes.
    pub len: u64,
    /// Its modification time.
    pub modified: Option<SystemTime>,
}

/// Which folders files may be read from. Cheap to clone (the folders are shared).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileRules {
    /// Canonical folders, the project's first; empty: anywhere.
    roots: Arc<[PathBuf]>,
}

impl FileRules {
    /// Files inside `project` or one of `allowed` (each resolved; a folder that does not
    /// exist allows nothing).
    #[must_use]
    pub fn new(project: &Path, allowed: &[PathBuf]) -> Self {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let roots: Vec<PathBuf> = std::iter::once(canonical(project))
            .chain(allowed.iter().map(|p| canonical(p)))
            .collect();
        Self {
            roots: roots.into(),
        }
    }

    /// No folder restriction: the checks on the file itself only (for a file the user names
    /// on the command line, such as a chain.toml).
    #[must_use]
    pub fn anywhere() -> Self {
        Self::default()
    }

    /// The project folder (resolved), if the rules have one.
    #[must_use]
    pub fn project(&self) -> Option<&Path> {
        self.roots.first().map(PathBuf::as_path)
    }

    /// The folders files may be in (resolved), the project's first.
    #[must_use]
    pub fn folders(&self) -> &[PathBuf] {
        &self.roots
    }

    /// Whether the resolved path `resolved` is inside one of the folders.
    #[must_use]
    pub fn allows(&self, resolved: &Path) -> bool {
        self.roots.is_empty() || self.roots.iter().any(|r| resolved.starts_with(r))
    }

    /// `path` resolved, if it exists and is inside the folders (it may be anything: use
    /// [`check`](Self::check) before reading).
    pub fn resolve(&self, path: &Path) -> Result<PathBuf, FileError> {
        let resolved = path.canonicalize().map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileError::Missing {
                path: path.to_path_buf(),
            },
            _ => FileError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
        if !self.allows(&resolved) {
            return Err(FileError::Outside {
                path: path.to_path_buf(),
                resolved,
                project: self.project().map(Path::to_path_buf).unwrap_or_default(),
            });
        }
        Ok(resolved)
    }

    /// Checks `path` without opening it: it resolves inside the folders, is a regular file,
    /// and is not larger than `role` allows.
    pub fn check(&self, path: &Path, role: Role) -> Result<Checked, FileError> {
        // What it is first: a link to a device is reported as a device, wherever it is.
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => FileError::Missing {
                path: path.to_path_buf(),
            },
            _ => FileError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
        if !meta.is_file() {
            return Err(not_a_file(path, &meta));
        }
        let resolved = self.resolve(path)?;
        if meta.len() > role.limit() {
            return Err(FileError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                limit: role.limit(),
                role,
            });
        }
        Ok(Checked {
            path: resolved,
            len: meta.len(),
            modified: meta.modified().ok(),
        })
    }

    /// Opens `path` for reading after [`check`](Self::check)ing it, without following a
    /// last link or blocking on what may have been swapped in since; the open file is
    /// checked again.
    pub fn open(&self, path: &Path, role: Role) -> Result<(File, Checked), FileError> {
        let checked = self.check(path, role)?;
        let io = |source| FileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = open_nonblocking(&checked.path).map_err(|e| {
            if is_link_error(&e) {
                FileError::NotAFile {
                    path: path.to_path_buf(),
                    what: "a link swapped in while it was opened".into(),
                }
            } else {
                io(e)
            }
        })?;
        let meta = file.metadata().map_err(io)?;
        if !meta.is_file() {
            return Err(not_a_file(path, &meta));
        }
        if meta.len() > role.limit() {
            return Err(FileError::TooLarge {
                path: path.to_path_buf(),
                size: meta.len(),
                limit: role.limit(),
                role,
            });
        }
        if let Some(real) = real_path(&file)
            && !self.allows(&real)
        {
            return Err(FileError::Outside {
                path: path.to_path_buf(),
                resolved: real,
                project: self.project().map(Path::to_path_buf).unwrap_or_default(),
            });
        }
        let checked = Checked {
            len: meta.len(),
            modified: meta.modified().ok(),
            ..checked
        };
        Ok((file, checked))
    }

    /// The bytes of `path`, by the rule (see the module).
    pub fn read(&self, path: &Path, role: Role) -> Result<Vec<u8>, FileError> {
        self.read_checked(path, role).map(|(bytes, _)| bytes)
    }

    /// [`read`](Self::read), with what the file was when it was opened.
    pub fn read_checked(&self, path: &Path, role: Role) -> Result<(Vec<u8>, Checked), FileError> {
        let (file, checked) = self.open(path, role)?;
        let limit = role.limit();
        let mut bytes =
            Vec::with_capacity(usize::try_from(checked.len.min(limit) + 1).unwrap_or(0));
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| FileError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        if bytes.len() as u64 > limit {
            return Err(FileError::TooLarge {
                path: path.to_path_buf(),
                size: bytes.len() as u64,
                limit,
                role,
            });
        }
        Ok((bytes, checked))
    }

    /// The text of `path` (UTF-8), by the rule.
    pub fn read_text(&self, path: &Path, role: Role) -> Result<String, FileError> {
        let bytes = self.read(path, role)?;
        String::from_utf8(bytes).map_err(|e| FileError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.utf8_error()),
        })
    }
}

/// What the settings of a running engine give the operators that read files: the rules, and
/// how long a frame may wait for a file read on another thread.
#[derive(Clone, Debug)]
pub struct Files {
    rules: FileRules,
    wait: Duration,
}

impl Files {
    /// Files read by `rules`; frames wait at most `wait` for one ([`Loading::poll`]).
    #[must_use]
    pub fn new(rules: FileRules, wait: Duration) -> Self {
        Self { rules, wait }
    }

    /// The rules.
    #[must_use]
    pub fn rules(&self) -> &FileRules {
        &self.rules
    }

    /// How long a frame may wait for a file being read on another thread (zero: never).
    #[must_use]
    pub fn wait(&self) -> Duration {
        self.wait
    }
}

/// The error for `path`, which `meta` says is not a regular file.
fn not_a_file(path: &Path, meta: &std::fs::Metadata) -> FileError {
    let kind = describe(meta.file_type());
    let what = match std::fs::canonicalize(path) {
        Ok(target) if target != path => format!("{kind} ({})", target.display()),
        _ => kind.to_string(),
    };
    FileError::NotAFile {
        path: path.to_path_buf(),
        what,
    }
}

/// What a file type is, for messages: `a FIFO (named pipe)`, `a character device`.
fn describe(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() {
        "a folder"
    } else if t.is_symlink() {
        "a link"
    } else {
        "not a regular file"
    }
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// Whether opening failed because the last component had become a link (`O_NOFOLLOW`).
fn is_link_error(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    {
        e.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Where the open `file` really is (Linux: its `/proc/self/fd` link), to check that no
/// folder on its path was swapped for a link between the check and the open.
#[cfg(target_os = "linux")]
fn real_path(file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd as _;
    std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()
}

#[cfg(not(target_os = "linux"))]
fn real_path(_file: &File) -> Option<PathBuf> {
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    fn project() -> (tempfile::TempDir, FileRules) {
        let dir = tempfile::tempdir().unwrap();
        let rules = FileRules::new(dir.path(), &[]);
        (dir, rules)
    }

    #[test]
    fn a_file_inside_is_read_and_one_outside_is_refused() {
        let (dir, rules) = project();
        let inside = dir.path().join("a.txt");
        std::fs::write(&inside, "hello").unwrap();
        assert_eq!(rules.read(&inside, Role::Shader).unwrap(), b"hello");
        let other = tempfile::tempdir().unwrap();
        let outside = other.path().join("b.txt");
        std::fs::write(&outside, "secret").unwrap();
        let e = rules.read(&outside, Role::Shader).unwrap_err();
        assert!(matches!(e, FileError::Outside { .. }), "{e}");
        // `..` out of the project, and a link out of it.
        let up = dir
            .path()
            .join("..")
            .join(other.path().file_name().unwrap())
            .join("b.txt");
        assert!(matches!(
            rules.read(&up, Role::Shader),
            Err(FileError::Outside { .. })
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.txt");
            std::os::unix::fs::symlink(&outside, &link).unwrap();
            let e = rules.read(&link, Role::Shader).unwrap_err();
            assert!(e.to_string().contains("it leads to"), "{e}");
            // Allowed explicitly: read.
            let allowing = FileRules::new(dir.path(), &[other.path().to_path_buf()]);
            assert_eq!(allowing.read(&link, Role::Shader).unwrap(), b"secret");
        }
    }

    #[cfg(unix)]
    #[test]
    fn devices_fifos_and_folders_are_named_and_never_opened() {
        let (dir, rules) = project();
        let zero = dir.path().join("z.png");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let e = rules.read(&zero, Role::Picture).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "{} is a character device (/dev/zero), not a file",
                zero.display()
            )
        );
        let fifo = dir.path().join("f.png");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            let e = rules.read(&fifo, Role::Picture).unwrap_err();
            assert!(e.to_string().contains("a FIFO"), "{e}");
        }
        let e = rules.read(dir.path(), Role::Picture).unwrap_err();
        assert!(e.to_string().contains("a folder"), "{e}");
        let e = rules
            .read(&dir.path().join("nothing"), Role::Picture)
            .unwrap_err();
        assert!(matches!(e, FileError::Missing { .. }), "{e}");
    }

    #[test]
    fn sizes_are_checked_before_reading() {
        let (dir, rules) = project();
        let big = dir.path().join("big.wgsl");
        let f = File::create(&big).unwrap();
        f.set_len(Role::Shader.limit() + 1).unwrap();
        let e = rules.read(&big, Role::Shader).unwrap_err();
        assert!(matches!(e, FileError::TooLarge { .. }), "{e}");
        assert!(e.to_string().contains("16 MiB"), "{e}");
    }
}
