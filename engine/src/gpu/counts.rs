//! The engine's counts of the wgpu objects it creates, and wgpu's own internal counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::Gpu;

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

    /// Counts one creation of `kind`.
    pub(super) fn bump(&self, kind: ObjectKind) {
        self.created[kind as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one command encoder.
    pub(super) fn bump_command_encoders(&self) {
        self.command_encoders.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one queue submission.
    pub(super) fn bump_submits(&self) {
        self.submits.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts a new live texture (or buffer) of `bytes` until the guard returned drops.
    pub(super) fn live(self: &Arc<Self>, texture: bool, bytes: u64) -> LiveGuard {
        let bytes = i64::try_from(bytes).unwrap_or(i64::MAX);
        let (n, b) = if texture {
            (&self.live_textures, &self.texture_bytes)
        } else {
            (&self.live_buffers, &self.buffer_bytes)
        };
        n.fetch_add(1, Ordering::Relaxed);
        b.fetch_add(bytes, Ordering::Relaxed);
        LiveGuard {
            counts: self.clone(),
            texture,
            bytes,
        }
    }
}

/// Decrements the live count and bytes of its kind when dropped.
#[derive(Debug)]
pub(super) struct LiveGuard {
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

/// How far wgpu-hal's pooled command encoders may move from a baseline without it being a
/// change (see [`WgpuCounters::diff`]): the frames in flight (3) and the one being recorded.
pub const POOLED_COMMAND_ENCODERS: isize = 4;

/// wgpu's internal (hal) counters we follow: gauges of live objects and allocated bytes.
/// They count live objects, not creations (an object made and dropped between two reads
/// leaves them as they were; wgpu keeps no count of creations): the engine's own
/// [`ObjectCounts`] count every creation, and clippy forbids creating wgpu objects anywhere
/// else (`clippy.toml`).
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

    /// The fields that differ from `base`, as (name, base, now) — the one rule every check
    /// of wgpu's counters uses: `command_encoders` counts wgpu-hal's pool, one per
    /// submission in flight, which follows how far the GPU lags (a loaded machine: more),
    /// not what the engine makes; up to [`POOLED_COMMAND_ENCODERS`] more or fewer than
    /// `base` is no change, beyond is.
    #[must_use]
    pub fn diff(&self, base: &Self) -> Vec<(&'static str, isize, isize)> {
        self.fields()
            .iter()
            .zip(base.fields())
            .filter(|((n, a), (_, b))| {
                if *n == "command_encoders" {
                    (a - b).abs() > POOLED_COMMAND_ENCODERS
                } else {
                    a != b
                }
            })
            .map(|((n, a), (_, b))| (*n, b, *a))
            .collect()
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

impl Gpu {
    /// The engine's own creation counts.
    #[must_use]
    pub fn counts(&self) -> &Arc<ObjectCounts> {
        &self.counts
    }

    /// wgpu's internal counters now.
    #[must_use]
    pub fn wgpu_counters(&self) -> WgpuCounters {
        WgpuCounters::read(&self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::{POOLED_COMMAND_ENCODERS, WgpuCounters};

    #[test]
    fn pooled_command_encoders_move_within_a_bound_and_no_further() {
        let base = WgpuCounters {
            command_encoders: 3,
            buffers: 10,
            ..Default::default()
        };
        let pooled = WgpuCounters {
            command_encoders: 3 + POOLED_COMMAND_ENCODERS,
            ..base.clone()
        };
        assert!(pooled.diff(&base).is_empty());
        // Encoders made and kept every frame: a leak, whatever the pool.
        let leak = WgpuCounters {
            command_encoders: 103,
            ..base.clone()
        };
        assert_eq!(leak.diff(&base), vec![("command_encoders", 3, 103)]);
        let buffer = WgpuCounters {
            buffers: 11,
            ..base.clone()
        };
        assert_eq!(buffer.diff(&base), vec![("buffers", 10, 11)]);
    }
}
