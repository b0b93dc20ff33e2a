//! What a frame and a run report: frame reports, run statistics, profiles, errors.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use super::{Engine, EngineOptions};
use crate::gpu::{CountsSnapshot, Gpu, WgpuCounters};
use crate::monitor::{MemoryMonitor, MonitorSample, rss_bytes};

/// What happened in one frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FrameReport {
    /// Frame index.
    pub frame: u64,
    /// Command encoders created in the frame.
    pub encoders: u64,
    /// Queue submits in the frame.
    pub submits: u64,
    /// wgpu objects the engine created in the frame.
    pub objects_created: u64,
    /// Whether the frame counted as steady (past warm-up since the last change).
    pub steady: bool,
    /// What the operators counted in the frame (`render3d`: `shadow_passes`, 0 when no
    /// shadow had to be redrawn).
    pub counters: crate::operator::Counters,
    /// Operators that recorded their passes (a fused run counts once): those the node
    /// shown needs and those that advance every frame; every one while thumbnails are on.
    pub operators_run: u64,
    /// Shared compute passes the operators' dispatches were recorded in
    /// ([`FrameEncoder`](crate::encoder::FrameEncoder)): one for a run of compute
    /// operators, a new one after anything that needs the encoder itself (a copy, a render
    /// pass). Passes an operator begins on the encoder itself are not counted.
    pub compute_passes: u32,
}

/// A counter of the operators ([`crate::operator::Counters`]) over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct OperatorCounter {
    /// Its value in the last frame.
    pub last_frame: u64,
    /// Its sum over the run.
    pub total: u64,
}

/// Statistics of a run (`--stats-json`).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RunStats {
    /// Frames rendered.
    pub frames: u64,
    /// Most command encoders in one frame.
    pub max_encoders_per_frame: u64,
    /// Most queue submits in one frame.
    pub max_submits_per_frame: u64,
    /// wgpu objects created in steady frames (after the first `warmup_frames` frames since
    /// the last change): the engine's own counts of every kind.
    pub gpu_objects_created_after_warmup: u64,
    /// The same, per kind (only kinds that were created).
    pub gpu_objects_created_after_warmup_by_kind: BTreeMap<String, u64>,
    /// wgpu's internal counters (live objects and allocated bytes) that differed from their
    /// value at the end of warm-up in some steady frame: (name, at warm-up, max seen).
    pub wgpu_counter_changes_after_warmup: Vec<(String, i64, i64)>,
    /// Frames of warm-up after each change.
    pub warmup_frames: u64,
    /// Changes that restarted warm-up (new chain, parameter edits, output or window size).
    pub changes: u64,
    /// Frames that counted as steady.
    pub steady_frames: u64,
    /// What the operators counted, by name: the last frame's value and the run's total
    /// (`render3d`'s `shadow_passes`: 0 in the last frame of a static scene, since maps are
    /// redrawn only when a light or a shadow caster changed).
    pub operator_counters: BTreeMap<String, OperatorCounter>,
    /// Process RSS after the first frame.
    pub rss_bytes_first: u64,
    /// Process RSS now (at the last frame).
    pub rss_bytes_last: u64,
    /// CPU time per frame (recording and submitting, not waiting for the GPU to free a
    /// frame in flight), milliseconds: mean, p50, p99, max.
    pub frame_cpu_ms: [f64; 4],
    /// Texture pool counters.
    pub texture_pool: crate::resources::PoolStats,
    /// wgpu errors reported outside error scopes.
    pub uncaptured_gpu_errors: u64,
    /// Expression results that were NaN or infinite (each kept the previous value).
    pub non_finite_expression_results: u64,
    /// Times the GPU device was lost and recreated.
    pub device_recoveries: u64,
    /// Frames the GPU did not finish within the frame deadline (each quarantined the newest
    /// shader and replaced the device).
    pub missed_deadlines: u64,
    /// Events the monitor reported (device losses), with their time.
    pub events: Vec<String>,
    /// The engine's creation counts.
    pub counts: CountsSnapshot,
    /// The memory monitor's samples.
    pub monitor_samples: Vec<MonitorSample>,
}

/// Timings of one operator (medians and 99th percentiles, microseconds).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NodeProfile {
    /// Instance name.
    pub name: String,
    /// Operator type.
    pub type_name: String,
    /// Output size.
    pub size: [u32; 2],
    /// The least it can move through memory per frame: inputs read once, output written
    /// once (`Rgba16Float`: 8 bytes a pixel).
    pub floor_bytes: u64,
    /// GPU time: (median, p99).
    pub gpu_us: (f32, f32),
    /// CPU time recording its passes: (median, p99).
    pub cpu_us: (f32, f32),
    /// Frames measured.
    pub samples: usize,
    /// Operators drawn by this pass: 1, or a fused run's length (then `name` is
    /// `first…last`, `type_name` is `fused`, and the floor is that of one pass).
    pub operators: usize,
}

/// What [`Engine::profile`] measured.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Profile {
    /// Whether GPU times were measured (timestamp queries available).
    pub gpu_timing: bool,
    /// GPU time of whole frames, first operator start to last operator end: (median, p99).
    pub frame_gpu_us: (f32, f32),
    /// CPU time of whole frames in `render` up to the submit: evaluating parameters,
    /// packing uniforms, preparing, recording (not waiting for a frame in flight).
    pub frame_cpu_us: (f32, f32),
    /// Per operator, in the order they run.
    pub nodes: Vec<NodeProfile>,
}

/// An error of one operator (shown while the rest of the chain keeps running).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeError {
    /// Instance name.
    pub node: String,
    /// What went wrong.
    pub message: String,
}

/// Frame-time samples kept for percentiles.
pub(super) const FRAME_TIMES_KEPT: usize = 4096;

/// Warm-up, the run's statistics and the memory monitor.
pub(super) struct Statistics {
    pub(super) run: RunStats,
    /// CPU time of recent frames, milliseconds ([`FRAME_TIMES_KEPT`]).
    frame_times: VecDeque<f32>,
    /// Frames since the last change: steady from `run.warmup_frames` on.
    frames_since_change: u64,
    /// wgpu's counters at the end of warm-up.
    wgpu_baseline: Option<WgpuCounters>,
    /// wgpu counters that moved in steady frames: (at warm-up, farthest seen).
    counter_changes: BTreeMap<&'static str, (isize, isize)>,
    last_report: FrameReport,
    pub(super) monitor: MemoryMonitor,
    /// Whether the monitor started (at the first steady frame).
    monitor_started: bool,
    /// Time of the last frame rendered (for each frame's `delta`).
    pub(super) last_time: Option<f64>,
}

impl Statistics {
    /// Nothing recorded yet; warm-up and the monitor as `options` say.
    pub(super) fn new(options: &EngineOptions) -> Self {
        Self {
            run: RunStats {
                warmup_frames: options.warmup_frames,
                ..Default::default()
            },
            frame_times: VecDeque::with_capacity(FRAME_TIMES_KEPT),
            frames_since_change: 0,
            wgpu_baseline: None,
            counter_changes: BTreeMap::new(),
            last_report: FrameReport::default(),
            monitor: MemoryMonitor::new(options.monitor_interval, options.monitor_print),
            monitor_started: false,
            last_time: None,
        }
    }

    /// Whether a frame now counts as steady (past warm-up since the last change).
    pub(super) fn steady(&self) -> bool {
        self.frames_since_change >= self.run.warmup_frames
    }

    /// Starts a new warm-up: the next frames may create objects.
    pub(super) fn mark_changed(&mut self) {
        self.frames_since_change = 0;
        self.wgpu_baseline = None;
        self.run.changes += 1;
    }

    /// Adds the frame of `report` (creation counts `before` and `after` it, `cpu` time) to
    /// the run's statistics; ticks the memory monitor.
    pub(super) fn record(
        &mut self,
        gpu: &Gpu,
        report: &FrameReport,
        before: &CountsSnapshot,
        after: &CountsSnapshot,
        cpu: Duration,
    ) {
        let s = &mut self.run;
        s.frames += 1;
        s.max_encoders_per_frame = s.max_encoders_per_frame.max(report.encoders);
        s.max_submits_per_frame = s.max_submits_per_frame.max(report.submits);
        for c in s.operator_counters.values_mut() {
            c.last_frame = 0;
        }
        for (name, n) in report.counters.iter() {
            let c = s.operator_counters.entry(name.to_string()).or_default();
            c.last_frame = n;
            c.total += n;
        }
        if report.steady {
            s.steady_frames += 1;
            s.gpu_objects_created_after_warmup += report.objects_created;
            if report.objects_created > 0 {
                for ((name, a), (_, b)) in after.created.iter().zip(&before.created) {
                    if a > b {
                        *s.gpu_objects_created_after_warmup_by_kind
                            .entry((*name).to_string())
                            .or_default() += a - b;
                    }
                }
            }
            let now = gpu.wgpu_counters();
            match &self.wgpu_baseline {
                None => self.wgpu_baseline = Some(now),
                Some(base) => {
                    // wgpu-hal's pooled command encoders within their bound are no change
                    // (`WgpuCounters::diff`).
                    for (name, was, is) in now.diff(base) {
                        let e = self.counter_changes.entry(name).or_insert((was, is));
                        if (is - was).abs() > (e.1 - e.0).abs() {
                            *e = (was, is);
                        }
                    }
                }
            }
        }
        self.frames_since_change += 1;
        if self.frame_times.len() == FRAME_TIMES_KEPT {
            self.frame_times.pop_front();
        }
        self.frame_times.push_back(cpu.as_secs_f32() * 1000.0);
        if s.frames == 1 {
            s.rss_bytes_first = rss_bytes();
        }
        self.last_report = *report;
        // The monitor's baseline is the first steady frame: start-up allocations (shader
        // JIT, swapchain) are not growth.
        if report.steady && !self.monitor_started {
            self.monitor_started = true;
            self.monitor.restart();
        }
        if self.monitor_started {
            let frame = s.frames;
            self.monitor.tick(|t| memory_sample(gpu, t, frame));
        }
    }
}

impl Engine {
    /// CPU time of recent frames, milliseconds, oldest first (up to 4096).
    #[must_use]
    pub fn frame_times(&self) -> impl ExactSizeIterator<Item = f32> + '_ {
        self.stats.frame_times.iter().copied()
    }

    /// Measures every operator: GPU time (timestamp queries, where the device has them) and
    /// CPU encode time. See [`profile`](Self::profile).
    pub fn set_profiling(&mut self, enabled: bool) {
        self.profiler = enabled.then(|| crate::profile::Profiler::new(&self.gpu));
        self.stats.mark_changed();
    }

    /// Forgets the samples measured so far (e.g. after warm-up frames).
    pub fn reset_profile(&mut self) {
        if let Some(p) = &mut self.profiler {
            p.clear();
        }
    }

    /// Timings per operator and per frame, with what each operator moves through memory at
    /// the least (its inputs read once, its output written once). Waits for frames in
    /// flight. `None` unless [`set_profiling`](Self::set_profiling) is on.
    pub fn profile(&mut self) -> Option<Profile> {
        self.profiler.as_mut()?.flush(&self.gpu);
        self.profile_now()
    }

    /// [`profile`](Self::profile) from the samples collected so far, without waiting for
    /// frames in flight (for a live display).
    #[must_use]
    pub fn profile_now(&self) -> Option<Profile> {
        let p = self.profiler.as_ref()?;
        let rt = self.chain.as_ref()?;
        let bytes = |[w, h]: [u32; 2]| u64::from(w) * u64::from(h) * 8;
        let nodes = rt
            .spec
            .order
            .iter()
            .filter(|&&i| rt.nodes[i].info.scene.is_none())
            // A fused run is one row, at its last member.
            .filter(|&&i| {
                rt.drawn_by_run(i)
                    .is_none_or(|(run, k)| k + 1 == run.members.len())
            })
            .map(|&i| {
                let n = &rt.nodes[i];
                let s = p.node(i).cloned().unwrap_or_default();
                let (name, type_name, first, operators) = match rt.drawn_by_run(i) {
                    Some((run, _)) => (
                        run.label.clone(),
                        "fused".to_string(),
                        &rt.nodes[run.members[0]],
                        run.members.len(),
                    ),
                    None => (n.name.clone(), n.info.name.to_string(), n, 1),
                };
                let read: u64 = first.inputs.iter().map(|&j| bytes(rt.nodes[j].size)).sum();
                NodeProfile {
                    name,
                    type_name,
                    size: n.size,
                    floor_bytes: read + bytes(n.size),
                    gpu_us: crate::profile::median_p99(&s.gpu_us),
                    cpu_us: crate::profile::median_p99(&s.cpu_us),
                    samples: s.cpu_us.len(),
                    operators,
                }
            })
            .collect();
        let frame = p.frame();
        Some(Profile {
            gpu_timing: p.gpu_timing(),
            frame_gpu_us: crate::profile::median_p99(&frame.gpu_us),
            frame_cpu_us: crate::profile::median_p99(&frame.cpu_us),
            nodes,
        })
    }

    /// Current errors of operators, and the operators running the last good version of a
    /// quarantined shader (a frame missed its deadline: see
    /// [`EngineOptions::frame_deadline`](super::EngineOptions::frame_deadline)).
    #[must_use]
    pub fn errors(&self) -> Vec<NodeError> {
        let mut errors: Vec<NodeError> = self
            .chain
            .as_ref()
            .map(|rt| {
                rt.nodes
                    .iter()
                    .filter_map(|n| {
                        n.error.as_ref().map(|e| NodeError {
                            node: n.name.clone(),
                            message: e.clone(),
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        self.quarantine_errors(&mut errors);
        errors
    }

    /// Changes whenever an operator's error appears, changes or clears: poll this each frame
    /// and call [`errors`](Self::errors) only when it moved.
    #[must_use]
    pub fn errors_generation(&self) -> u64 {
        self.generations.errors
    }

    /// The run's statistics so far (RSS now, monitor samples included).
    #[must_use]
    pub fn stats(&self) -> RunStats {
        let mut s = self.stats.run.clone();
        s.rss_bytes_last = rss_bytes();
        s.texture_pool = self.pool.stats();
        s.uncaptured_gpu_errors = self.gpu.errors().count();
        s.non_finite_expression_results = self.chain.as_ref().map_or(0, |rt| {
            rt.nodes.iter().map(|n| n.params.non_finite_count()).sum()
        });
        s.counts = self.gpu.counts().snapshot();
        s.monitor_samples = self.stats.monitor.samples().copied().collect();
        s.events = self.stats.monitor.events();
        s.wgpu_counter_changes_after_warmup = self
            .stats
            .counter_changes
            .iter()
            .map(|(n, (a, b))| ((*n).to_string(), *a as i64, *b as i64))
            .collect();
        let mut t: Vec<f32> = self.stats.frame_times.iter().copied().collect();
        if !t.is_empty() {
            t.sort_by(f32::total_cmp);
            let pct = |p: f64| f64::from(t[((t.len() - 1) as f64 * p).round() as usize]);
            let mean = t.iter().map(|&x| f64::from(x)).sum::<f64>() / t.len() as f64;
            s.frame_cpu_ms = [mean, pct(0.5), pct(0.99), pct(1.0)];
        }
        s
    }

    /// The memory monitor.
    #[must_use]
    pub fn monitor(&self) -> &MemoryMonitor {
        &self.stats.monitor
    }

    /// A memory sample now (also what the monitor records).
    #[must_use]
    pub fn memory_sample(&self) -> MonitorSample {
        memory_sample(
            &self.gpu,
            self.stats.monitor.elapsed(),
            self.stats.run.frames,
        )
    }

    /// The last frame's report.
    #[must_use]
    pub fn last_report(&self) -> FrameReport {
        self.stats.last_report
    }
}

fn memory_sample(gpu: &Gpu, t: f64, frame: u64) -> MonitorSample {
    let c = gpu.counts().snapshot();
    let w = gpu.wgpu_counters();
    let hal = (w.texture_memory + w.buffer_memory).max(0) as u64;
    let own = (c.texture_bytes + c.buffer_bytes).max(0) as u64;
    MonitorSample {
        t,
        frame,
        rss_bytes: rss_bytes(),
        gpu_bytes: if hal > 0 { hal } else { own },
        textures: c.live_textures,
        buffers: c.live_buffers,
    }
}
