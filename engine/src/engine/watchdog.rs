//! The frame deadline's side of the engine: which frames finished in time, the last good
//! version of each project shader, and what a late frame does.
//!
//! Every frame is tagged with the *edit* it was rendered after (an edit: a chain set, shaders
//! reloaded, a device replaced). A frame that finished in time proves the shaders of its edit
//! and earlier: each project shader's text then becomes its last good version. A frame still
//! running [`EngineOptions::frame_deadline`](super::EngineOptions::frame_deadline) after its
//! submit is a fault when there is a suspect — a WGSL operator's shader that may not end: an
//! untrusted one (a project's), or a built-in edited live on disk. Trusted shaders always
//! end: with no suspect, a late frame is a slow one, waited for (a loaded machine, a CPU
//! driver compiling). The fault:
//! 1. the newest suspect — the shader changed by the latest edit (a project's before a
//!    built-in in the same edit) — is quarantined in the shader library: refused, by device
//!    recovery too, until its text changes ([`ShaderLibrary::quarantine`]);
//! 2. the device is replaced ([`Engine::replace_device`], as for a lost one): the late work
//!    keeps its old device busy until it ends — bounded by the loop guard — on a thread of
//!    its own ([`reap`]). On a CPU driver (lavapipe) that work keeps burning the CPU the new
//!    device renders with: while it runs, frames are excused from the deadline (for at most
//!    [`GRACE_DEADLINES`] deadlines), and the deadline applies again once it ended;
//! 3. the chain is set again: the quarantined file is reflected from its last good version
//!    when there is one, and otherwise its operator fails to build and draws nothing, its
//!    error showing the file; the rest of the chain renders on.
//!
//! [`ShaderLibrary::quarantine`]: crate::shaders::ShaderLibrary::quarantine

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::Engine;
use super::report::NodeError;
use crate::deadline::Missed;
use crate::error::Result;
use crate::gpu::Gpu;
use crate::operator::WgslShader;
use crate::shaders::{Quarantine, fxhash};

/// How long frames are excused from the deadline while a replaced device's late work still
/// runs, in deadlines.
pub(super) const GRACE_DEADLINES: u32 = 60;

/// Frames finished in time, last good versions, quarantines.
#[derive(Debug, Default)]
pub(super) struct Watchdog {
    /// Replaced devices whose work has not ended yet ([`reap`]).
    reaping: Arc<AtomicUsize>,
    /// Frames are excused from the deadline until then while `reaping` is not 0.
    grace_until: Option<Instant>,
    /// A wait outside a frame ([`Engine::wait_idle`], [`Engine::read_output`]) reached the
    /// deadline: the next frame handles it.
    late: AtomicBool,
    /// The current edit (frames are tagged with it).
    edit: u64,
    /// Whether a shader changed since `edit` began (the next change starts a new edit).
    changed_in_edit: bool,
    /// The edit in which each WGSL shader (library name) last changed.
    changed_at: HashMap<String, u64>,
    /// The hash each WGSL shader was last registered with.
    registered: HashMap<String, u64>,
    /// The latest edit a frame finished in time after.
    proven: u64,
    /// The last good version of each project shader: (hash of its text, its text).
    good: HashMap<String, (u64, Arc<str>)>,
    /// What each quarantined shader's operator shows (by library name).
    notices: BTreeMap<String, String>,
    /// Frames that missed the deadline.
    pub(super) missed: u64,
    /// The device generation [`Engine::recover_if_lost`] last reported.
    reported_device: u64,
    /// Built-in shaders reloaded from disk (a developer edits them live): suspects too.
    live_edited: HashSet<String>,
}

impl Watchdog {
    /// A wait outside a frame reached the deadline: the next frame handles it.
    pub(super) fn note_late(&self) {
        self.late.store(true, Ordering::Release);
    }

    /// Built-in shader `name` was reloaded from disk: a suspect from now on.
    pub(super) fn live_edited(&mut self, name: &str) {
        self.live_edited.insert(name.to_string());
    }

    /// The tag of a frame rendered now.
    pub(super) fn tag(&self) -> u64 {
        self.edit
    }

    /// Shader `name` was registered with text hashing to `hash` (the same again after a
    /// device recovery is no change).
    pub(super) fn shader_registered(&mut self, name: &str, hash: u64) {
        if self.registered.get(name) == Some(&hash) {
            return;
        }
        self.registered.insert(name.to_string(), hash);
        if !self.changed_in_edit {
            self.edit += 1;
            self.changed_in_edit = true;
        }
        self.changed_at.insert(name.to_string(), self.edit);
    }

    /// An edit is complete: the next change starts a new one.
    pub(super) fn end_edit(&mut self) {
        self.changed_in_edit = false;
    }

    /// Whether a late frame is excused because a replaced device's late work still runs
    /// (and, on a CPU driver, takes the CPU from the new one), within the grace after the
    /// replacement.
    fn reaping(&self) -> bool {
        self.reaping.load(Ordering::Acquire) > 0
            && self.grace_until.is_some_and(|t| Instant::now() < t)
    }

    /// Releases `old`, a replaced device, on a thread of its own; frames are excused from
    /// the deadline while its work runs, for at most [`GRACE_DEADLINES`] times `deadline`.
    pub(super) fn retire(&mut self, old: Gpu, deadline: Option<Duration>) {
        if let Some(d) = deadline {
            self.grace_until = Some(Instant::now() + d * GRACE_DEADLINES);
        }
        reap(old, Some(self.reaping.clone()));
    }

    /// Whether the device generation is not `generation` any more since the last call.
    pub(super) fn device_replaced(&mut self, generation: u64) -> bool {
        let replaced = self.reported_device != generation;
        self.reported_device = generation;
        replaced
    }

    /// The notice of quarantined shader `name`, if it is.
    pub(super) fn notice(&self, name: &str) -> Option<&str> {
        self.notices.get(name).map(String::as_str)
    }
}

impl Engine {
    /// Whether a frame past the deadline is waited for rather than a fault: a replaced
    /// device's late work still runs (within the grace), or no shader of the chain is a
    /// suspect (trusted shaders end: the frame is slow, not hostile).
    pub(super) fn late_frame_excused(&self) -> bool {
        self.watchdog.reaping() || self.newest_shader().is_none()
    }

    /// A frame tagged `tag` finished in time: the project shaders of its edit and earlier
    /// are good.
    pub(super) fn frame_finished(&mut self, tag: u64) {
        let w = &mut self.watchdog;
        if tag <= w.proven {
            return;
        }
        w.proven = tag;
        let Some(rt) = &self.chain else { return };
        for s in rt.nodes.iter().filter_map(|n| n.info.shader.as_deref()) {
            if !s.from_file
                || s.fallback
                || w.changed_at.get(&s.library_name).is_none_or(|&e| e > tag)
            {
                continue;
            }
            let hash = fxhash(s.source.as_bytes());
            if w.good.get(&s.library_name).is_none_or(|(h, _)| *h != hash) {
                w.good
                    .insert(s.library_name.clone(), (hash, s.source.clone()));
            }
        }
    }

    /// If a wait outside a frame found a frame late: handles it now (see
    /// [`handle_late_frame`](Self::handle_late_frame)).
    pub(super) fn recover_if_late(&mut self) -> Result<()> {
        if self.watchdog.late.swap(false, Ordering::AcqRel) && !self.late_frame_excused() {
            let running = self.options.frame_deadline.unwrap_or_default();
            self.handle_late_frame(Missed { running })?;
        }
        Ok(())
    }

    /// A frame missed the deadline: quarantine the newest shader, replace the device, set
    /// the chain again (the module's documentation).
    pub(super) fn handle_late_frame(&mut self, missed: Missed) -> Result<()> {
        self.watchdog.missed += 1;
        self.stats.run.missed_deadlines += 1;
        let deadline = self
            .options
            .frame_deadline
            .unwrap_or_default()
            .as_secs_f64();
        let victim = self.newest_shader();
        let mut what = String::from("no shader to quarantine");
        let mut fallback = false;
        if let Some(s) = &victim {
            let (text, path) = self.shaders.text(&s.library_name)?;
            let hash = fxhash(text.as_bytes());
            let good = self
                .watchdog
                .good
                .get(&s.library_name)
                .filter(|(h, _)| *h != hash)
                .map(|(_, t)| t.clone());
            fallback = good.is_some();
            let reason = format!(
                "this shader kept the GPU busy past the {deadline:.1} s frame deadline: quarantined until the file changes"
            );
            self.shaders.quarantine(
                &s.library_name,
                Quarantine {
                    source_hash: hash,
                    reason: reason.clone(),
                    fallback: good,
                },
            );
            // A chain a loading thread validated before this (with the hostile text) is
            // validated again when applied (`apply_loaded`): with the last good version.
            self.edits.library += 1;
            let running = if fallback {
                "; running its last good version"
            } else {
                ""
            };
            self.watchdog.notices.insert(
                s.library_name.clone(),
                format!("{}: {reason}{running}", path.display()),
            );
            what = format!("quarantined {}", path.display());
            log::error!(
                "{}: a frame ran {:.1} s, past the {deadline:.1} s frame deadline: quarantined{running}",
                path.display(),
                missed.running.as_secs_f64()
            );
        }
        let (operators, ms) = self.replace_device()?;
        // The quarantined file is reflected again: from its last good version.
        if fallback
            && let Some(desc) = self.edits.desc.clone()
            && let Err(e) = self.set_chain(&desc)
        {
            log::error!("after quarantining a shader, setting the chain again failed: {e}");
        }
        self.generations.errors += 1;
        self.stats.monitor.event(&format!(
            "a frame missed the {deadline:.1} s frame deadline: {what}; recreated the GPU device and {operators} operators in {ms:.0} ms"
        ));
        Ok(())
    }

    /// The newest suspect: the shader of a WGSL operator that may not end — untrusted, or a
    /// built-in edited live — changed by the latest edit (a project's first when several
    /// changed together), among those not quarantined already.
    fn newest_shader(&self) -> Option<Arc<WgslShader>> {
        let rt = self.chain.as_ref()?;
        rt.nodes
            .iter()
            .filter_map(|n| n.info.shader.clone())
            .filter(|s| {
                s.from_file
                    || self.shaders.is_untrusted(&s.library_name)
                    || self.watchdog.live_edited.contains(&s.library_name)
            })
            .filter(|s| self.shaders.quarantine_of(&s.library_name).is_none())
            .max_by_key(|s| {
                (
                    self.watchdog
                        .changed_at
                        .get(&s.library_name)
                        .copied()
                        .unwrap_or(0),
                    s.from_file,
                )
            })
    }

    /// Shader `s` is being registered: if it was quarantined and its file changed, the
    /// quarantine is lifted. Returns whether it is quarantined (not to be built).
    pub(super) fn check_quarantine(&mut self, s: &WgslShader) -> bool {
        let Some(q) = self.shaders.quarantine_of(&s.library_name) else {
            return false;
        };
        if s.fallback {
            return false;
        }
        if q.source_hash == fxhash(s.source.as_bytes()) {
            return true;
        }
        self.lift_quarantine(&s.library_name);
        false
    }

    /// Lifts the quarantine of `name` (its file changed).
    pub(super) fn lift_quarantine(&mut self, name: &str) {
        if self.shaders.lift_quarantine(name) {
            self.edits.library += 1;
            self.watchdog.notices.remove(name);
            self.generations.errors += 1;
        }
    }

    /// The notices of operators running the last good version of a quarantined shader (an
    /// operator that runs nothing shows its own error).
    pub(super) fn quarantine_errors(&self, out: &mut Vec<NodeError>) {
        let Some(rt) = &self.chain else { return };
        for n in &rt.nodes {
            if n.error.is_some() {
                continue;
            }
            if let Some(notice) = n
                .info
                .shader
                .as_ref()
                .and_then(|s| self.watchdog.notice(&s.library_name))
            {
                out.push(NodeError {
                    node: n.name.clone(),
                    message: notice.to_string(),
                });
            }
        }
    }
}

/// Drops `old` (a replaced device's `Gpu`) on a thread of its own once its queue is idle:
/// dropping the last handle of a queue waits for its work, which may be a late frame's.
/// `busy` counts the devices still being released.
pub(super) fn reap(old: Gpu, busy: Option<Arc<AtomicUsize>>) {
    if let Some(b) = &busy {
        b.fetch_add(1, Ordering::AcqRel);
    }
    let counted = busy.clone();
    let spawned = std::thread::Builder::new()
        .name("vivid-old-device".into())
        .spawn(move || {
            let _ = old.device().poll(wgpu::PollType::wait_indefinitely());
            drop(old);
            if let Some(b) = counted {
                b.fetch_sub(1, Ordering::AcqRel);
            }
        });
    if let Err(e) = spawned {
        log::error!("cannot start a thread to release the old GPU device: {e}");
        if let Some(b) = busy {
            b.fetch_sub(1, Ordering::AcqRel);
        }
    }
}
