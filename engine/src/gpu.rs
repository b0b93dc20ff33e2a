//! `Gpu`: instance, adapter, device and queue — headless, for a window, or wrapping a host's
//! device — and the counted constructors through which the engine creates every wgpu object.
//!
//! Every `create_*` here bumps a per-kind counter. Those counts, with wgpu's own internal
//! counters, are how the engine proves that a steady frame creates nothing.
//!
//! Two failure paths live here too:
//! - **fault injection** ([`Gpu::fail_creation`], for tests): the Nth object created from
//!   now on is reported as an out-of-memory failure by the error scope around it — the way
//!   wgpu reports a real one (the handle exists, the scope says it failed) — so that tests
//!   can prove every half-done initialisation drops what it made;
//! - **device loss**: the device-lost callback sets a flag ([`Gpu::lost`]) and
//!   [`Gpu::recreate`] asks the same adapter for a new device.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::error::{EngineError, Result};

/// The kinds of wgpu object the engine counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `wgpu::Buffer`.
    Buffer,
    /// `wgpu::Texture`.
    Texture,
    /// `wgpu::TextureView`.
    TextureView,
    /// `wgpu::Sampler`.
    Sampler,
    /// `wgpu::BindGroup`.
    BindGroup,
    /// `wgpu::BindGroupLayout`.
    BindGroupLayout,
    /// `wgpu::PipelineLayout`.
    PipelineLayout,
    /// `wgpu::RenderPipeline`.
    RenderPipeline,
    /// `wgpu::ComputePipeline`.
    ComputePipeline,
    /// `wgpu::ShaderModule`.
    ShaderModule,
    /// `wgpu::QuerySet`.
    QuerySet,
}

impl ObjectKind {
    /// Every kind, in a fixed order.
    pub const ALL: [Self; 11] = [
        Self::Buffer,
        Self::Texture,
        Self::TextureView,
        Self::Sampler,
        Self::BindGroup,
        Self::BindGroupLayout,
        Self::PipelineLayout,
        Self::RenderPipeline,
        Self::ComputePipeline,
        Self::ShaderModule,
        Self::QuerySet,
    ];

    /// `snake_case` name, as in `--stats-json`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Buffer => "buffers",
            Self::Texture => "textures",
            Self::TextureView => "texture_views",
            Self::Sampler => "samplers",
            Self::BindGroup => "bind_groups",
            Self::BindGroupLayout => "bind_group_layouts",
            Self::PipelineLayout => "pipeline_layouts",
            Self::RenderPipeline => "render_pipelines",
            Self::ComputePipeline => "compute_pipelines",
            Self::ShaderModule => "shader_modules",
            Self::QuerySet => "query_sets",
        }
    }
}

/// Monotonic creation counts per kind, plus live textures/buffers and their bytes.
#[derive(Debug, Default)]
pub struct ObjectCounts {
    created: [AtomicU64; ObjectKind::ALL.len()],
    command_encoders: AtomicU64,
    submits: AtomicU64,
    live_textures: AtomicI64,
    live_buffers: AtomicI64,
    texture_bytes: AtomicI64,
    buffer_bytes: AtomicI64,
}

/// A copy of [`ObjectCounts`] at one moment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct CountsSnapshot {
    /// Objects created so far, per kind (see [`ObjectKind::name`]).
    pub created: [(&'static str, u64); ObjectKind::ALL.len()],
    /// Command encoders created so far.
    pub command_encoders: u64,
    /// Queue submissions so far.
    pub submits: u64,
    /// Textures alive now.
    pub live_textures: i64,
    /// Buffers alive now.
    pub live_buffers: i64,
    /// Bytes of the live textures (the engine's estimate).
    pub texture_bytes: i64,
    /// Bytes of the live buffers.
    pub buffer_bytes: i64,
}

impl Default for CountsSnapshot {
    fn default() -> Self {
        Self {
            created: ObjectKind::ALL.map(|k| (k.name(), 0)),
            command_encoders: 0,
            submits: 0,
            live_textures: 0,
            live_buffers: 0,
            texture_bytes: 0,
            buffer_bytes: 0,
        }
    }
}

impl CountsSnapshot {
    /// Sum of objects created, all kinds (command encoders not included).
    #[must_use]
    pub fn total_created(&self) -> u64 {
        self.created.iter().map(|(_, n)| n).sum()
    }
}

impl ObjectCounts {
    fn bump(&self, kind: ObjectKind) {
        self.created[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot of the counts.
    #[must_use]
    pub fn snapshot(&self) -> CountsSnapshot {
        CountsSnapshot {
            created: ObjectKind::ALL
                .map(|k| (k.name(), self.created[k as usize].load(Ordering::Relaxed))),
            command_encoders: self.command_encoders.load(Ordering::Relaxed),
            submits: self.submits.load(Ordering::Relaxed),
            live_textures: self.live_textures.load(Ordering::Relaxed),
            live_buffers: self.live_buffers.load(Ordering::Relaxed),
            texture_bytes: self.texture_bytes.load(Ordering::Relaxed),
            buffer_bytes: self.buffer_bytes.load(Ordering::Relaxed),
        }
    }

    /// Objects created so far, all kinds.
    #[must_use]
    pub fn total_created(&self) -> u64 {
        self.created.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

/// wgpu's internal (hal) counters we follow: gauges of live objects and allocated bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WgpuCounters {
    /// Live hal buffers.
    pub buffers: isize,
    /// Live hal textures (wgpu 30.0.1 on Vulkan drifts negative: use deltas).
    pub textures: isize,
    /// Live hal texture views.
    pub texture_views: isize,
    /// Live bind groups.
    pub bind_groups: isize,
    /// Live bind group layouts.
    pub bind_group_layouts: isize,
    /// Live render pipelines.
    pub render_pipelines: isize,
    /// Live compute pipelines.
    pub compute_pipelines: isize,
    /// Live pipeline layouts.
    pub pipeline_layouts: isize,
    /// Live samplers.
    pub samplers: isize,
    /// Live hal command encoders (pooled by wgpu).
    pub command_encoders: isize,
    /// Live shader modules.
    pub shader_modules: isize,
    /// Live query sets.
    pub query_sets: isize,
    /// Live fences.
    pub fences: isize,
    /// Bytes allocated for buffers.
    pub buffer_memory: isize,
    /// Bytes allocated for textures.
    pub texture_memory: isize,
    /// Number of device memory allocations.
    pub memory_allocations: isize,
}

impl WgpuCounters {
    /// Reads the device's counters (all zero without wgpu's `counters` feature).
    #[must_use]
    pub fn read(device: &wgpu::Device) -> Self {
        let h = device.get_internal_counters().hal;
        Self {
            buffers: h.buffers.read(),
            textures: h.textures.read(),
            texture_views: h.texture_views.read(),
            bind_groups: h.bind_groups.read(),
            bind_group_layouts: h.bind_group_layouts.read(),
            render_pipelines: h.render_pipelines.read(),
            compute_pipelines: h.compute_pipelines.read(),
            pipeline_layouts: h.pipeline_layouts.read(),
            samplers: h.samplers.read(),
            command_encoders: h.command_encoders.read(),
            shader_modules: h.shader_modules.read(),
            query_sets: h.query_sets.read(),
            fences: h.fences.read(),
            buffer_memory: h.buffer_memory.read(),
            texture_memory: h.texture_memory.read(),
            memory_allocations: h.memory_allocations.read(),
        }
    }

    /// Pairs of (name, value) for reports.
    #[must_use]
    pub fn fields(&self) -> [(&'static str, isize); 16] {
        [
            ("buffers", self.buffers),
            ("textures", self.textures),
            ("texture_views", self.texture_views),
            ("bind_groups", self.bind_groups),
            ("bind_group_layouts", self.bind_group_layouts),
            ("render_pipelines", self.render_pipelines),
            ("compute_pipelines", self.compute_pipelines),
            ("pipeline_layouts", self.pipeline_layouts),
            ("samplers", self.samplers),
            ("command_encoders", self.command_encoders),
            ("shader_modules", self.shader_modules),
            ("query_sets", self.query_sets),
            ("fences", self.fences),
            ("buffer_memory", self.buffer_memory),
            ("texture_memory", self.texture_memory),
            ("memory_allocations", self.memory_allocations),
        ]
    }

    /// The fields that differ from `base`, as (name, base, now).
    #[must_use]
    pub fn diff(&self, base: &Self) -> Vec<(&'static str, isize, isize)> {
        self.fields()
            .iter()
            .zip(base.fields())
            .filter(|((_, a), (_, b))| a != b)
            .map(|((n, a), (_, b))| (*n, b, *a))
            .collect()
    }
}

static NEXT_RESOURCE_ID: AtomicU64 = AtomicU64::new(1);

/// A new process-unique resource id (never 0). Bind groups cache against these.
pub fn next_resource_id() -> u64 {
    NEXT_RESOURCE_ID.fetch_add(1, Ordering::Relaxed)
}

/// Decrements the live count and bytes of its kind when dropped.
#[derive(Debug)]
struct LiveGuard {
    counts: Arc<ObjectCounts>,
    texture: bool,
    bytes: i64,
}

impl Drop for LiveGuard {
    fn drop(&mut self) {
        let (n, b) = if self.texture {
            (&self.counts.live_textures, &self.counts.texture_bytes)
        } else {
            (&self.counts.live_buffers, &self.counts.buffer_bytes)
        };
        n.fetch_sub(1, Ordering::Relaxed);
        b.fetch_sub(self.bytes, Ordering::Relaxed);
    }
}

/// A texture with its default view and a unique id; destroyed (memory freed) on drop.
#[derive(Debug)]
pub struct GpuTexture {
    /// The texture.
    pub texture: wgpu::Texture,
    /// A view of the whole texture.
    pub view: wgpu::TextureView,
    id: u64,
    _live: LiveGuard,
}

impl GpuTexture {
    /// Process-unique id; changes whenever the texture is a different one.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Width and height.
    #[must_use]
    pub fn size(&self) -> (u32, u32) {
        (self.texture.width(), self.texture.height())
    }

    /// The format.
    #[must_use]
    pub fn format(&self) -> wgpu::TextureFormat {
        self.texture.format()
    }
}

impl Drop for GpuTexture {
    fn drop(&mut self) {
        // Free the memory now, not when the last reference in wgpu goes away.
        self.texture.destroy();
    }
}

/// A buffer with a unique id; destroyed on drop.
#[derive(Debug)]
pub struct GpuBuffer {
    /// The buffer.
    pub buffer: wgpu::Buffer,
    id: u64,
    _live: LiveGuard,
}

impl GpuBuffer {
    /// Process-unique id.
    #[must_use]
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl Drop for GpuBuffer {
    fn drop(&mut self) {
        self.buffer.destroy();
    }
}

/// Validation errors wgpu reported outside an error scope.
#[derive(Debug, Default)]
pub struct ErrorLog {
    messages: Mutex<Vec<String>>,
    count: AtomicU64,
}

impl ErrorLog {
    const KEEP: usize = 32;

    fn push(&self, message: String) {
        self.count.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut m) = self.messages.lock() {
            if m.len() >= Self::KEEP {
                m.remove(0);
            }
            m.push(message);
        }
    }

    /// How many uncaptured errors occurred.
    #[must_use]
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// The last messages (at most 32).
    #[must_use]
    pub fn recent(&self) -> Vec<String> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// How operators' shaders run: as compute dispatches or as fragment passes. Both run the
/// same WGSL `shade()` and give the same pixels; which is faster depends on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PassMode {
    /// Compute shaders storing into the output (GPUs: data-centre GPUs such as the H100
    /// run graphics work on a couple of TPCs only, compute is ~25x faster there).
    Compute,
    /// Fragment shaders over a fullscreen triangle (CPU drivers such as lavapipe, where a
    /// storage-texture store costs ~5 ms more per 1080p pass than a fragment write).
    Render,
}

impl PassMode {
    /// `Render` for CPU adapters, `Compute` otherwise; `VIVID_PASSES=compute|render`
    /// overrides.
    #[must_use]
    pub fn for_adapter(info: &wgpu::AdapterInfo) -> Self {
        match std::env::var("VIVID_PASSES").as_deref() {
            Ok("compute") => Self::Compute,
            Ok("render") => Self::Render,
            _ if info.device_type == wgpu::DeviceType::Cpu => Self::Render,
            _ => Self::Compute,
        }
    }
}

/// Makes a chosen object creation fail (tests): see [`Gpu::fail_creation`].
#[derive(Debug, Default)]
struct Faults {
    /// Creations left before the one that fails; 0: off.
    countdown: AtomicU64,
    /// The injected failure, until an error scope (or the error log) takes it.
    pending: Mutex<Option<String>>,
    /// Error scopes open now ([`Gpu::scoped`] nests).
    depth: AtomicU32,
    injected: AtomicU64,
}

/// Set by the device-lost callback.
#[derive(Debug, Default)]
struct Lost {
    lost: AtomicBool,
    reason: Mutex<String>,
}

/// The GPU the engine renders on. Cheap to clone (wgpu handles are reference-counted).
#[derive(Clone, Debug)]
pub struct Gpu {
    device: wgpu::Device,
    queue: wgpu::Queue,
    adapter_info: wgpu::AdapterInfo,
    /// The adapter the device came from (not for a host's device): a lost device is
    /// recreated on it.
    adapter: Option<wgpu::Adapter>,
    pass_mode: PassMode,
    counts: Arc<ObjectCounts>,
    errors: Arc<ErrorLog>,
    faults: Arc<Faults>,
    lost: Arc<Lost>,
}

/// Options for [`Gpu::headless`].
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Prefer a low-power adapter.
    pub low_power: bool,
    /// Force how operators run (default: [`PassMode::for_adapter`]).
    pub pass_mode: Option<PassMode>,
}

impl Gpu {
    /// Creates an instance, adapter and device of vivid's own, without a window.
    ///
    /// `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` select the backend and adapter (e.g.
    /// `WGPU_ADAPTER_NAME=llvmpipe` for Mesa's software Vulkan driver).
    pub fn headless(options: &GpuOptions) -> Result<Self> {
        let instance = new_instance(None);
        let adapter = pollster::block_on(request_adapter(&instance, None, options))?;
        let gpu = Self::from_adapter(&adapter)?;
        Ok(match options.pass_mode {
            Some(mode) => gpu.with_pass_mode(mode),
            None => gpu,
        })
    }

    /// Creates a device on `adapter` (which must outlive nothing: the device keeps what it needs).
    pub fn from_adapter(adapter: &wgpu::Adapter) -> Result<Self> {
        let (device, queue) = Self::request_device(adapter)?;
        let mut gpu = Self::from_device(device, queue, adapter.get_info());
        gpu.adapter = Some(adapter.clone());
        gpu.install_handlers();
        Ok(gpu)
    }

    /// A new device on the same adapter, replacing a lost one: same pass mode, and the same
    /// counts, error log and fault switch (so statistics run on across the loss). Fails
    /// for a host's device ([`from_device`](Self::from_device)): the host recreates it.
    pub(crate) fn recreate(&self) -> Result<Self> {
        let adapter = self.adapter.as_ref().ok_or_else(|| {
            EngineError::RequestDevice(
                "the device was lost and belongs to the host program: it must recreate it".into(),
            )
        })?;
        let (device, queue) = Self::request_device(adapter)?;
        let gpu = Self {
            device,
            queue,
            adapter_info: self.adapter_info.clone(),
            adapter: Some(adapter.clone()),
            pass_mode: self.pass_mode,
            counts: self.counts.clone(),
            errors: self.errors.clone(),
            faults: self.faults.clone(),
            lost: Arc::new(Lost::default()),
        };
        gpu.install_handlers();
        Ok(gpu)
    }

    /// The uncaptured-error handler and the device-lost callback of a device of our own.
    fn install_handlers(&self) {
        let errors = self.errors.clone();
        self.device
            .on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
                let msg = e.to_string();
                log::error!("wgpu: {msg}");
                errors.push(msg);
            }));
        let lost = self.lost.clone();
        self.device
            .set_device_lost_callback(move |reason, message| {
                log::error!("GPU device lost ({reason:?}): {message}");
                if let Ok(mut r) = lost.reason.lock() {
                    *r = format!("{reason:?}: {message}");
                }
                lost.lost.store(true, Ordering::Release);
            });
    }

    fn request_device(adapter: &wgpu::Adapter) -> Result<(wgpu::Device, wgpu::Queue)> {
        let mut limits = wgpu::Limits::default().using_resolution(adapter.limits());
        // render3d's main pass samples 21 textures (shadow maps, environment, a part's
        // maps): ask for what the adapter has, up to 32 (Vulkan drivers give far more).
        limits.max_sampled_textures_per_shader_stage = adapter
            .limits()
            .max_sampled_textures_per_shader_stage
            .clamp(limits.max_sampled_textures_per_shader_stage, 32);
        let desc = wgpu::DeviceDescriptor {
            label: Some("vivid.device"),
            // Timestamps inside the frame's encoder, for `vivid bench`, where the adapter
            // has them.
            required_features: adapter.features()
                & (wgpu::Features::TIMESTAMP_QUERY
                    | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS),
            required_limits: limits,
            experimental_features: wgpu::ExperimentalFeatures::disabled(),
            memory_hints: wgpu::MemoryHints::MemoryUsage,
            trace: wgpu::Trace::Off,
        };
        pollster::block_on(adapter.request_device(&desc))
            .map_err(|e| EngineError::RequestDevice(e.to_string()))
    }

    /// Wraps a host's device and queue. vivid installs no error handler and no device-lost
    /// callback on it (the host owns those): its own GPU work that can fail runs inside
    /// error scopes, and a host that loses its device makes a new engine on its new one.
    #[must_use]
    pub fn from_device(
        device: wgpu::Device,
        queue: wgpu::Queue,
        adapter_info: wgpu::AdapterInfo,
    ) -> Self {
        Self {
            device,
            queue,
            pass_mode: PassMode::for_adapter(&adapter_info),
            adapter_info,
            adapter: None,
            counts: Arc::new(ObjectCounts::default()),
            errors: Arc::new(ErrorLog::default()),
            faults: Arc::new(Faults::default()),
            lost: Arc::new(Lost::default()),
        }
    }

    /// Why the device was lost, once its device-lost callback has run (vivid's own devices
    /// only). wgpu runs the callback from `device.poll`, which the engine calls every frame.
    #[must_use]
    pub fn lost(&self) -> Option<String> {
        if !self.lost.lost.load(Ordering::Acquire) {
            return None;
        }
        Some(
            self.lost
                .reason
                .lock()
                .map(|r| r.clone())
                .unwrap_or_default(),
        )
    }

    /// **For tests:** the `n`th object created from now on (1: the next one) fails, as an
    /// out-of-memory error reported by the innermost [`scoped`](Self::scoped) around it, or
    /// in the [`errors`](Self::errors) log when no scope is open (where wgpu would report
    /// it). The object itself is still made, as wgpu still returns a handle for a failed
    /// creation. `0` turns it off.
    pub fn fail_creation(&self, n: u64) {
        self.faults.countdown.store(n, Ordering::Relaxed);
    }

    /// How many creations [`fail_creation`](Self::fail_creation) has failed so far.
    #[must_use]
    pub fn injected_faults(&self) -> u64 {
        self.faults.injected.load(Ordering::Relaxed)
    }

    /// Counts one creation of `kind`, and fails it if a fault is due.
    fn created(&self, kind: ObjectKind, label: Option<&str>) {
        self.counts.bump(kind);
        let f = &self.faults;
        let due = f
            .countdown
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok_and(|before| before == 1);
        if !due {
            return;
        }
        f.injected.fetch_add(1, Ordering::Relaxed);
        let message = format!(
            "Not enough memory left (injected fault: creating {} `{}`)",
            kind.name().trim_end_matches('s'),
            label.unwrap_or("")
        );
        if f.depth.load(Ordering::Relaxed) == 0 {
            log::error!("wgpu: {message}");
            self.errors.push(message);
        } else if let Ok(mut p) = f.pending.lock() {
            p.get_or_insert(message);
        }
    }

    /// How operators run on this GPU.
    #[must_use]
    pub fn pass_mode(&self) -> PassMode {
        self.pass_mode
    }

    /// The same GPU with operators run as `mode` (set it before creating an engine).
    #[must_use]
    pub fn with_pass_mode(mut self, mode: PassMode) -> Self {
        self.pass_mode = mode;
        self
    }

    /// The device. Creating objects through it directly bypasses the engine's counts.
    #[must_use]
    pub fn device(&self) -> &wgpu::Device {
        &self.device
    }

    /// The queue.
    #[must_use]
    pub fn queue(&self) -> &wgpu::Queue {
        &self.queue
    }

    /// Adapter name, backend and driver.
    #[must_use]
    pub fn adapter_info(&self) -> &wgpu::AdapterInfo {
        &self.adapter_info
    }

    /// One line describing the adapter.
    #[must_use]
    pub fn describe(&self) -> String {
        let i = &self.adapter_info;
        let mode = match self.pass_mode {
            PassMode::Compute => "compute passes",
            PassMode::Render => "render passes",
        };
        format!(
            "{} ({:?}, {} {}; {mode})",
            i.name, i.backend, i.driver, i.driver_info
        )
    }

    /// The engine's own creation counts.
    #[must_use]
    pub fn counts(&self) -> &Arc<ObjectCounts> {
        &self.counts
    }

    /// Errors wgpu reported outside error scopes.
    #[must_use]
    pub fn errors(&self) -> &ErrorLog {
        &self.errors
    }

    /// wgpu's internal counters now.
    #[must_use]
    pub fn wgpu_counters(&self) -> WgpuCounters {
        WgpuCounters::read(&self.device)
    }

    /// The largest width or height of a 2D texture.
    #[must_use]
    pub fn max_texture_side(&self) -> u32 {
        self.device.limits().max_texture_dimension_2d
    }

    /// Checks a texture size against the device.
    pub fn check_size(&self, what: &str, width: u32, height: u32) -> Result<()> {
        let limit = self.max_texture_side();
        if width == 0 || height == 0 || width > limit || height > limit {
            return Err(EngineError::BadSize {
                what: what.to_string(),
                width,
                height,
                limit,
            });
        }
        Ok(())
    }

    /// Runs `f` inside a validation + out-of-memory error scope and returns its first error:
    /// [`EngineError::Gpu`] for a validation error (the same call fails the same way
    /// again), [`EngineError::OutOfMemory`] for the transient kind (worth a retry).
    pub fn scoped<T>(&self, context: &str, f: impl FnOnce() -> T) -> Result<T> {
        let oom = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let validation = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        self.faults.depth.fetch_add(1, Ordering::Relaxed);
        let value = f();
        self.faults.depth.fetch_sub(1, Ordering::Relaxed);
        let v = pollster::block_on(validation.pop());
        let o = pollster::block_on(oom.pop());
        let injected = self.faults.pending.lock().ok().and_then(|mut p| p.take());
        if let Some(e) = v {
            return Err(EngineError::Gpu {
                context: context.to_string(),
                message: e.to_string(),
            });
        }
        match o.map(|e| e.to_string()).or(injected) {
            Some(message) => Err(EngineError::OutOfMemory {
                context: context.to_string(),
                message,
            }),
            None => Ok(value),
        }
    }

    fn live(&self, texture: bool, bytes: u64) -> LiveGuard {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let (n, b) = if texture {
            (&self.counts.live_textures, &self.counts.texture_bytes)
        } else {
            (&self.counts.live_buffers, &self.counts.buffer_bytes)
        };
        n.fetch_add(1, Ordering::Relaxed);
        b.fetch_add(bytes, Ordering::Relaxed);
        LiveGuard {
            counts: self.counts.clone(),
            texture,
            bytes,
        }
    }

    /// Creates a texture and its default view (two counted objects).
    #[must_use]
    pub fn create_texture(&self, desc: &wgpu::TextureDescriptor<'_>) -> GpuTexture {
        self.created(ObjectKind::Texture, desc.label);
        let texture = self.device.create_texture(desc);
        let view = self.create_view(&texture, &wgpu::TextureViewDescriptor::default());
        GpuTexture {
            texture,
            view,
            id: next_resource_id(),
            _live: self.live(true, texture_bytes(desc)),
        }
    }

    /// Creates a view of `texture`.
    #[must_use]
    pub fn create_view(
        &self,
        texture: &wgpu::Texture,
        desc: &wgpu::TextureViewDescriptor<'_>,
    ) -> wgpu::TextureView {
        self.created(ObjectKind::TextureView, desc.label);
        texture.create_view(desc)
    }

    /// Creates a buffer.
    #[must_use]
    pub fn create_buffer(&self, desc: &wgpu::BufferDescriptor<'_>) -> GpuBuffer {
        self.created(ObjectKind::Buffer, desc.label);
        let buffer = self.device.create_buffer(desc);
        GpuBuffer {
            buffer,
            id: next_resource_id(),
            _live: self.live(false, desc.size),
        }
    }

    /// Creates a sampler.
    #[must_use]
    pub fn create_sampler(&self, desc: &wgpu::SamplerDescriptor<'_>) -> wgpu::Sampler {
        self.created(ObjectKind::Sampler, desc.label);
        self.device.create_sampler(desc)
    }

    /// Creates a bind group layout.
    #[must_use]
    pub fn create_bind_group_layout(
        &self,
        desc: &wgpu::BindGroupLayoutDescriptor<'_>,
    ) -> wgpu::BindGroupLayout {
        self.created(ObjectKind::BindGroupLayout, desc.label);
        self.device.create_bind_group_layout(desc)
    }

    /// Creates a bind group.
    #[must_use]
    pub fn create_bind_group(&self, desc: &wgpu::BindGroupDescriptor<'_>) -> wgpu::BindGroup {
        self.created(ObjectKind::BindGroup, desc.label);
        self.device.create_bind_group(desc)
    }

    /// Creates a pipeline layout.
    #[must_use]
    pub fn create_pipeline_layout(
        &self,
        desc: &wgpu::PipelineLayoutDescriptor<'_>,
    ) -> wgpu::PipelineLayout {
        self.created(ObjectKind::PipelineLayout, desc.label);
        self.device.create_pipeline_layout(desc)
    }

    /// Creates a render pipeline.
    #[must_use]
    pub fn create_render_pipeline(
        &self,
        desc: &wgpu::RenderPipelineDescriptor<'_>,
    ) -> wgpu::RenderPipeline {
        self.created(ObjectKind::RenderPipeline, desc.label);
        self.device.create_render_pipeline(desc)
    }

    /// Creates a compute pipeline.
    #[must_use]
    pub fn create_compute_pipeline(
        &self,
        desc: &wgpu::ComputePipelineDescriptor<'_>,
    ) -> wgpu::ComputePipeline {
        self.created(ObjectKind::ComputePipeline, desc.label);
        self.device.create_compute_pipeline(desc)
    }

    /// Creates a shader module from validated naga IR.
    #[must_use]
    pub fn create_shader_module(
        &self,
        desc: wgpu::ShaderModuleDescriptor<'_>,
    ) -> wgpu::ShaderModule {
        self.created(ObjectKind::ShaderModule, desc.label);
        self.device.create_shader_module(desc)
    }

    /// Creates a query set.
    #[must_use]
    pub fn create_query_set(&self, desc: &wgpu::QuerySetDescriptor<'_>) -> wgpu::QuerySet {
        self.created(ObjectKind::QuerySet, desc.label);
        self.device.create_query_set(desc)
    }

    /// Creates the frame's command encoder (counted apart from objects).
    #[must_use]
    pub fn create_command_encoder(&self, label: &str) -> wgpu::CommandEncoder {
        self.counts.command_encoders.fetch_add(1, Ordering::Relaxed);
        self.device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) })
    }

    /// Submits one command buffer (counted).
    #[must_use = "the submission index tells when the GPU is done"]
    pub fn submit(&self, buffer: wgpu::CommandBuffer) -> wgpu::SubmissionIndex {
        self.counts.submits.fetch_add(1, Ordering::Relaxed);
        self.queue.submit(std::iter::once(buffer))
    }
}

/// Bytes a texture occupies (all mips and layers), as the engine estimates it.
#[must_use]
pub fn texture_bytes(desc: &wgpu::TextureDescriptor<'_>) -> u64 {
    let block = u64::from(desc.format.block_copy_size(None).unwrap_or(4));
    let layers = u64::from(desc.size.depth_or_array_layers.max(1));
    let mut total = 0u64;
    let (mut w, mut h) = (u64::from(desc.size.width), u64::from(desc.size.height));
    for _ in 0..desc.mip_level_count.max(1) {
        total += w * h * block * layers * u64::from(desc.sample_count.max(1));
        w = (w / 2).max(1);
        h = (h / 2).max(1);
    }
    total
}

/// A new wgpu instance; `display` is the window system's display handle, if any.
#[must_use]
pub fn new_instance(display: Option<Box<dyn wgpu::wgt::WgpuHasDisplayHandle>>) -> wgpu::Instance {
    let mut desc = match display {
        Some(d) => wgpu::InstanceDescriptor::new_with_display_handle_from_env(d),
        None => wgpu::InstanceDescriptor::new_without_display_handle_from_env(),
    };
    if std::env::var_os("WGPU_BACKEND").is_none() {
        // Vulkan/Metal/DX12 first: they have the memory counters and allocator reports.
        desc.backends = wgpu::Backends::PRIMARY;
    }
    wgpu::Instance::new(desc)
}

/// Picks an adapter (honouring `WGPU_ADAPTER_NAME`), compatible with `surface` if given.
pub async fn request_adapter(
    instance: &wgpu::Instance,
    surface: Option<&wgpu::Surface<'_>>,
    options: &GpuOptions,
) -> Result<wgpu::Adapter> {
    if std::env::var_os("WGPU_ADAPTER_NAME").is_some() {
        return wgpu::util::initialize_adapter_from_env(instance, surface)
            .await
            .map_err(|e| EngineError::NoAdapter(e.to_string()));
    }
    let power_preference = if options.low_power {
        wgpu::PowerPreference::LowPower
    } else {
        wgpu::PowerPreference::HighPerformance
    };
    instance
        .request_adapter(&wgpu::RequestAdapterOptions {
            power_preference,
            force_fallback_adapter: false,
            compatible_surface: surface,
            apply_limit_buckets: false,
        })
        .await
        .map_err(|e| EngineError::NoAdapter(e.to_string()))
}
