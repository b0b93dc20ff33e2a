//! `Live`: a running project that follows its files — chain.toml, the project's own
//! shaders, the files its operators name (an `image`'s picture, a `mesh`'s glTF), and (when
//! the engine reads built-in shaders from disk) `shaders/`.
//!
//! Every reload is all-or-nothing: a broken chain.toml or WGSL is reported (with
//! `file:line:col`) and the running chain keeps going on its last good version until the file
//! is fixed. Operators that keep their name and type keep their state (a feedback trail
//! survives editing another operator). The time from the first file event to the GPU
//! finishing the first frame that shows the change is measured and logged:
//! `reloaded wobble.wgsl in 12 ms (3 ms after the debounce)`.
//!
//! What is watched: chain.toml's folder and the folders of the files the chain uses
//! ([`Engine::files_in_use`]: its shaders and the files its operators name — inside the
//! project folder or an allowed one, by the file rule), each on its own, plus the built-in
//! shaders' folder tree when they are read from disk. Never a folder through a link, never a
//! whole tree of the project: a project folder holding a link to `/usr` or a subfolder that
//! cannot be read starts and runs like any other. The set is updated after each reload.
//!
//! Followed by [`Live::poll`] (the window runner, each frame), chain.toml is read and
//! validated — TOML, `--set`, every expression, project shaders' reflection — on a loading
//! thread of its own (`Loader`); the render thread only applies the validated result, so a
//! huge chain.toml never stalls frames: they keep coming on the last good chain meanwhile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::watch::{Change, DEFAULT_DEBOUNCE, Watcher, folders_under};
use vivid_engine::project::CHAIN_FILE;
use vivid_engine::{ChainLoader, Engine, LoadedChain};
use vivid_engine::{Diagnostic, Diagnostics, EngineError, Result};

/// How long one reload took to show.
#[derive(Clone, Debug, PartialEq)]
pub struct ReloadTiming {
    /// What was reloaded (a file name).
    pub what: String,
    /// From the first file event to the GPU finishing the first frame with the change.
    pub total: Duration,
    /// The part after the debounced event reached vivid.
    pub after_debounce: Duration,
}

impl ReloadTiming {
    /// The log line: `reloaded wobble.wgsl in 12 ms (3 ms after the debounce)`.
    #[must_use]
    pub fn line(&self) -> String {
        format!(
            "reloaded {} in {:.0} ms ({:.1} ms after the debounce)",
            self.what,
            self.total.as_secs_f64() * 1000.0,
            self.after_debounce.as_secs_f64() * 1000.0
        )
    }
}

#[derive(Debug)]
struct Pending {
    what: String,
    first_seen: Instant,
    received: Instant,
}

/// A chain to read and validate on the loading thread.
struct Request {
    /// Newer requests supersede older ones.
    seq: u64,
    loader: ChainLoader,
    path: PathBuf,
    sets: Vec<String>,
    pending: Pending,
}

/// What the loading thread made of a [`Request`].
struct Loaded {
    seq: u64,
    result: Result<LoadedChain>,
    pending: Pending,
}

/// The loading thread: takes the newest request, reads and validates, sends the result.
/// It ends when its [`Live`] drops (the request channel closes).
#[derive(Debug)]
struct Loader {
    requests: mpsc::Sender<Request>,
    results: mpsc::Receiver<Loaded>,
    /// The newest request sent; 0: none.
    sent: u64,
    /// The newest request applied (or superseded by a synchronous load).
    done: u64,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

impl Loader {
    fn spawn() -> Option<Self> {
        let (requests, inbox) = mpsc::channel::<Request>();
        let (outbox, results) = mpsc::channel();
        std::thread::Builder::new()
            .name("vivid-loader".into())
            // Deeply nested expressions and TOML recurse (both are depth-limited).
            .stack_size(8 << 20)
            .spawn(move || {
                while let Ok(mut req) = inbox.recv() {
                    // Only the newest matters: a save made while loading supersedes it.
                    while let Ok(newer) = inbox.try_recv() {
                        req = newer;
                    }
                    let result = req.loader.load(&req.path, &req.sets);
                    let loaded = Loaded {
                        seq: req.seq,
                        result,
                        pending: req.pending,
                    };
                    if outbox.send(loaded).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(Self {
            requests,
            results,
            sent: 0,
            done: 0,
        })
    }
}

/// A project followed on disk.
#[derive(Debug)]
pub struct Live {
    dir: PathBuf,
    chain_path: PathBuf,
    sets: Vec<String>,
    shader_root: Option<PathBuf>,
    watcher: Option<Watcher>,
    /// The files the running chain uses (resolved), as of the last load.
    in_use: Vec<PathBuf>,
    chain_error: Option<Diagnostics>,
    shader_errors: BTreeMap<PathBuf, Diagnostics>,
    pending: Vec<Pending>,
    timings: Vec<ReloadTiming>,
    /// Started at the first chain change [`poll`](Self::poll) sees.
    loader: Option<Loader>,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

impl Live {
    /// Follows `project` (a folder or its chain.toml), re-applying `sets` on every reload.
    /// With `watch`, starts a file watcher on the folders of chain.toml and of the files the
    /// running chain uses, and on the engine's shader folder (if it reads shaders from disk);
    /// without, call [`apply`](Self::apply). Fails only if file watching cannot start at all
    /// (`EngineError::Watch`).
    pub fn new(engine: &Engine, project: &Path, sets: Vec<String>, watch: bool) -> Result<Self> {
        let (dir, chain_path) = if project.is_file() {
            (
                project
                    .parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
                project.to_path_buf(),
            )
        } else {
            (project.to_path_buf(), project.join(CHAIN_FILE))
        };
        let dir = canonical(&dir);
        // A chain.toml that does not exist yet (a run waiting for it) is named as the
        // watcher will report it once written: in the resolved folder.
        let chain_path = match chain_path.canonicalize() {
            Ok(p) => p,
            Err(_) => dir.join(chain_path.file_name().unwrap_or(CHAIN_FILE.as_ref())),
        };
        let shader_root = engine.shader_root().map(canonical);
        let watcher = if watch {
            Some(Watcher::new(DEFAULT_DEBOUNCE)?)
        } else {
            None
        };
        let mut live = Self {
            dir,
            chain_path,
            sets,
            shader_root,
            watcher,
            in_use: Vec::new(),
            chain_error: None,
            shader_errors: BTreeMap::new(),
            pending: Vec::new(),
            timings: Vec::new(),
            loader: None,
        };
        live.follow(engine);
        Ok(live)
    }

    /// The folders watched.
    #[must_use]
    pub fn watched(&self) -> Vec<PathBuf> {
        self.watcher
            .as_ref()
            .map(Watcher::folders)
            .unwrap_or_default()
    }

    /// The project folder (resolved).
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The chain could not be loaded (at start): `e` is shown as its error (
    /// [`errors`](Self::errors)) until a save of chain.toml, or of a file it names, loads.
    pub fn chain_failed(&mut self, e: EngineError) {
        self.chain_error = Some(to_diagnostics(e, &self.chain_path));
    }

    /// Whether the chain is in error (it did not load, or its last edit did not).
    #[must_use]
    pub fn chain_in_error(&self) -> bool {
        self.chain_error.is_some()
    }

    /// Watches what the running chain uses now: chain.toml's folder, the folders of its
    /// files ([`Engine::files_in_use`]), and the built-in shaders' tree if read from disk.
    fn follow(&mut self, engine: &Engine) {
        self.in_use = engine.files_in_use().iter().map(|p| canonical(p)).collect();
        let Some(watcher) = &mut self.watcher else {
            return;
        };
        let chain_dir = self
            .chain_path
            .parent()
            .map_or_else(|| self.dir.clone(), Path::to_path_buf);
        let mut folders = vec![chain_dir];
        folders.extend(
            self.in_use
                .iter()
                .filter_map(|f| f.parent().map(Path::to_path_buf)),
        );
        if let Some(root) = &self.shader_root {
            folders.extend(folders_under(root));
        }
        folders.sort();
        folders.dedup();
        watcher.watch_folders(&folders);
    }

    /// Applies what changed on disk since the last call: a changed chain.toml (or project
    /// shader) is handed to the loading thread, and a chain it finished loading is applied.
    /// Returns whether anything was reloaded or failed to (then [`errors`](Self::errors)
    /// may have changed: show them).
    pub fn poll(&mut self, engine: &mut Engine) -> bool {
        let mut acted = self.finish_loads(engine);
        let changes = match &mut self.watcher {
            Some(w) => w.poll(),
            None => return acted,
        };
        if !changes.is_empty() {
            acted |= self.apply_changes(engine, &changes, true);
        }
        acted
    }

    /// Applies `changes` (as the watcher reports them; tests and hosts may call it
    /// directly), all of them now: a chain.toml is read and validated on the calling
    /// thread. Returns whether anything was reloaded or reported.
    pub fn apply(&mut self, engine: &mut Engine, changes: &[Change]) -> bool {
        self.apply_changes(engine, changes, false)
    }

    /// [`apply`](Self::apply), but a chain.toml is read and validated on the loading
    /// thread; [`poll`](Self::poll) applies it once it is ready ([`loading`](Self::loading)
    /// says whether one is on its way). Returns whether anything was reloaded or reported
    /// now (a chain handed to the loading thread is not yet).
    pub fn queue(&mut self, engine: &mut Engine, changes: &[Change]) -> bool {
        self.apply_changes(engine, changes, true)
    }

    /// Whether a chain is being loaded on the loading thread.
    #[must_use]
    pub fn loading(&self) -> bool {
        self.loader.as_ref().is_some_and(|l| l.done < l.sent)
    }

    /// Applies the newest chain the loading thread finished, if any. Returns whether one
    /// was applied or failed.
    fn finish_loads(&mut self, engine: &mut Engine) -> bool {
        let Some(loader) = &mut self.loader else {
            return false;
        };
        let mut newest: Option<Loaded> = None;
        while let Ok(l) = loader.results.try_recv() {
            newest = Some(l);
        }
        let Some(loaded) = newest.filter(|l| l.seq > loader.done) else {
            return false;
        };
        // A newer request is on its way: this one is stale.
        if loaded.seq < loader.sent {
            return false;
        }
        loader.done = loaded.seq;
        match loaded.result.and_then(|c| engine.apply_loaded(c)) {
            Ok(()) => {
                self.chain_error = None;
                // The chain may use other files now.
                self.follow(engine);
                self.pending.push(loaded.pending);
            }
            Err(e) => self.chain_error = Some(to_diagnostics(e, &self.chain_path)),
        }
        true
    }

    fn apply_changes(&mut self, engine: &mut Engine, changes: &[Change], background: bool) -> bool {
        let received = Instant::now();
        let mut chain: Option<&Change> = None;
        let mut builtin: Vec<&Change> = Vec::new();
        let mut other: Vec<&Change> = Vec::new();
        for c in changes {
            let path = canonical(&c.path);
            let is_wgsl = path.extension().is_some_and(|e| e == "wgsl");
            // A project's shaders: WGSL, and ISF/Shadertoy GLSL (`.fs` with its `.vs`).
            let is_project_shader = path.extension().is_some_and(|e| {
                matches!(e.to_str(), Some("wgsl" | "fs" | "vs" | "frag" | "glsl"))
            });
            if self
                .shader_root
                .as_ref()
                .is_some_and(|r| path.starts_with(r))
                && is_wgsl
            {
                builtin.push(c);
            } else if path == self.chain_path
                || (is_project_shader
                    && (path.starts_with(&self.dir) || self.in_use.contains(&path)))
                || (self.chain_error.is_some() && path.starts_with(&self.dir))
            {
                // A project shader reloads with the chain: its parameters may have changed.
                // While the chain is in error, any file of the project may be what fixes it
                // (a picture it names that was missing).
                if chain.is_none_or(|first| c.first_seen < first.first_seen) {
                    chain = Some(c);
                }
            } else {
                // Maybe a file an operator names (a picture, a glTF model): the engine
                // knows which (inside the project or an allowed folder).
                other.push(c);
            }
        }
        let mut acted = false;
        if !builtin.is_empty() {
            acted = true;
            let paths: Vec<PathBuf> = builtin.iter().map(|c| canonical(&c.path)).collect();
            match engine.reload_shaders(&paths) {
                Ok(reloaded) => {
                    // Every shader reloaded was validated: its old error is gone.
                    let files: Vec<PathBuf> = reloaded
                        .iter()
                        .filter_map(|n| engine.shader_file(n))
                        .map(|p| canonical(&p))
                        .collect();
                    self.shader_errors
                        .retain(|p, _| !paths.contains(p) && !files.contains(p));
                    let first = builtin
                        .iter()
                        .map(|c| c.first_seen)
                        .min()
                        .unwrap_or(received);
                    self.pending.push(Pending {
                        what: names(&paths),
                        first_seen: first,
                        received,
                    });
                }
                Err(e) => {
                    let d = to_diagnostics(e, &paths[0]);
                    for p in &paths {
                        self.shader_errors.insert(p.clone(), d.clone());
                    }
                }
            }
        }
        if let Some(c) = chain {
            // Handed to the loading thread, it is reloaded (or reported) later, by `poll`.
            acted |= !background;
            let what = canonical(&c.path)
                .file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().to_string());
            let pending = Pending {
                what,
                first_seen: c.first_seen,
                received,
            };
            if background {
                self.request_load(engine, pending);
            } else {
                self.load_now(engine, pending);
            }
        }
        // After the chain: its nodes are the ones that read the files again.
        if !other.is_empty() {
            let paths: Vec<PathBuf> = other.iter().map(|c| canonical(&c.path)).collect();
            let named = engine.files_changed(&paths);
            if !named.is_empty() {
                acted = true;
                let first = other
                    .iter()
                    .filter(|c| named.contains(&canonical(&c.path)))
                    .map(|c| c.first_seen)
                    .min()
                    .unwrap_or(received);
                self.pending.push(Pending {
                    what: names(&named),
                    first_seen: first,
                    received,
                });
            }
        }
        acted
    }

    /// Reads, validates and applies chain.toml on this thread.
    fn load_now(&mut self, engine: &mut Engine, pending: Pending) {
        // Whatever the loading thread is doing is superseded by this.
        if let Some(l) = &mut self.loader {
            l.done = l.sent;
        }
        let loaded = engine.chain_loader().load(&self.chain_path, &self.sets);
        match loaded.and_then(|c| engine.apply_loaded(c)) {
            Ok(()) => {
                self.chain_error = None;
                self.follow(engine);
                self.pending.push(pending);
            }
            Err(e) => self.chain_error = Some(to_diagnostics(e, &self.chain_path)),
        }
    }

    /// Hands chain.toml to the loading thread (started now if it is not running), with a
    /// copy of what validating it needs.
    fn request_load(&mut self, engine: &mut Engine, pending: Pending) {
        if self.loader.is_none() {
            self.loader = Loader::spawn();
        }
        let Some(loader) = &mut self.loader else {
            // No thread could be started: load here.
            self.load_now(engine, pending);
            return;
        };
        loader.sent += 1;
        let request = Request {
            seq: loader.sent,
            loader: engine.chain_loader(),
            path: self.chain_path.clone(),
            sets: self.sets.clone(),
            pending,
        };
        if loader.requests.send(request).is_err() {
            // The thread is gone (it panicked): start another at the next change.
            self.loader = None;
        }
    }

    /// Call after each rendered frame. For reloads applied before it, waits for the GPU to
    /// finish the frame and returns their timings (also kept: [`timings`](Self::timings)).
    pub fn frame_done(&mut self, engine: &Engine) -> Vec<ReloadTiming> {
        if self.pending.is_empty() {
            return Vec::new();
        }
        engine.wait_idle();
        let now = Instant::now();
        let done: Vec<ReloadTiming> = self
            .pending
            .drain(..)
            .map(|p| ReloadTiming {
                what: p.what,
                total: now.saturating_duration_since(p.first_seen),
                after_debounce: now.saturating_duration_since(p.received),
            })
            .collect();
        self.timings.extend(done.iter().cloned());
        done
    }

    /// Every reload timing so far.
    #[must_use]
    pub fn timings(&self) -> &[ReloadTiming] {
        &self.timings
    }

    /// The problems with the files as they are now (empty when everything loaded).
    #[must_use]
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.chain_error
            .iter()
            .chain(self.shader_errors.values())
            .flat_map(|d| d.0.iter())
            .collect()
    }

    /// The errors as text for the screen, if any.
    #[must_use]
    pub fn error_text(&self) -> Option<String> {
        let errors = self.errors();
        if errors.is_empty() {
            return None;
        }
        Some(
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n\n"),
        )
    }
}

fn names(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| {
            p.file_name()
                .map_or_else(String::new, |f| f.to_string_lossy().to_string())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn to_diagnostics(e: EngineError, file: &Path) -> Diagnostics {
    match e {
        EngineError::Project(d) | EngineError::Shader(d) => d,
        other => Diagnostics(vec![Diagnostic::file_level(file, other.to_string())]),
    }
}
