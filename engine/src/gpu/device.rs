//! Setting up the GPU: instance, adapter, device (headless, a host's, or recreated when lost).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::errors::Faults;
use super::{ErrorLog, Gpu, ObjectCounts};
use crate::error::{EngineError, Result};

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

/// Features [`Gpu::from_adapter_with`] may add, kept when a lost device is recreated.
const EXTRA: wgpu::Features =
    wgpu::Features::VULKAN_EXTERNAL_MEMORY_FD.union(wgpu::Features::VULKAN_EXTERNAL_MEMORY_DMA_BUF);

/// Set by the device-lost callback.
#[derive(Debug, Default)]
pub(super) struct Lost {
    lost: AtomicBool,
    reason: Mutex<String>,
}

/// Options for [`Gpu::headless`].
#[derive(Clone, Debug, Default)]
pub struct GpuOptions {
    /// Prefer a low-power adapter.
    pub low_power: bool,
    /// Force how operators run (default: [`PassMode::for_adapter`]).
    pub pass_mode: Option<PassMode>,
    /// Ask for the external-memory features the adapter has (Vulkan:
    /// `VULKAN_EXTERNAL_MEMORY_FD`, `VULKAN_EXTERNAL_MEMORY_DMA_BUF`), for sharing frames
    /// as DMA-BUFs (`vivid-dmabuf`). Off: the device is made exactly as without it.
    pub external_memory: bool,
}

/// The external-memory features (DMA-BUF sharing) `adapter` has.
#[must_use]
pub fn external_memory_features(adapter: &wgpu::Adapter) -> wgpu::Features {
    adapter.features()
        & (wgpu::Features::VULKAN_EXTERNAL_MEMORY_FD
            | wgpu::Features::VULKAN_EXTERNAL_MEMORY_DMA_BUF
            // P010 buffers' planes (10-bit codes in 16-bit samples) are read as R16Unorm
            // and Rg16Unorm.
            | wgpu::Features::TEXTURE_FORMAT_16BIT_NORM)
}

impl Gpu {
    /// Creates an instance, adapter and device of vivid's own, without a window.
    ///
    /// `WGPU_BACKEND` and `WGPU_ADAPTER_NAME` select the backend and adapter (e.g.
    /// `WGPU_ADAPTER_NAME=llvmpipe` for Mesa's software Vulkan driver).
    pub fn headless(options: &GpuOptions) -> Result<Self> {
        let instance = new_instance(None);
        let adapter = pollster::block_on(request_adapter(&instance, None, options))?;
        let extra = if options.external_memory {
            external_memory_features(&adapter)
        } else {
            wgpu::Features::empty()
        };
        let gpu = Self::from_adapter_with(&adapter, extra)?;
        Ok(match options.pass_mode {
            Some(mode) => gpu.with_pass_mode(mode),
            None => gpu,
        })
    }

    /// Creates a device on `adapter` (which must outlive nothing: the device keeps what it needs).
    pub fn from_adapter(adapter: &wgpu::Adapter) -> Result<Self> {
        Self::from_adapter_with(adapter, wgpu::Features::empty())
    }

    /// [`from_adapter`](Self::from_adapter), also asking for `extra` features (which the
    /// adapter must have); a lost device is recreated with them too.
    pub fn from_adapter_with(adapter: &wgpu::Adapter, extra: wgpu::Features) -> Result<Self> {
        let (device, queue) = Self::request_device(adapter, extra)?;
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
        let (device, queue) = Self::request_device(adapter, self.device.features() & EXTRA)?;
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

    fn request_device(
        adapter: &wgpu::Adapter,
        extra: wgpu::Features,
    ) -> Result<(wgpu::Device, wgpu::Queue)> {
        let mut limits = wgpu::Limits::default().using_resolution(adapter.limits());
        // render3d's main pass samples 21 textures (shadow maps, environment, a part's
        // maps): ask for what the adapter has, up to 32 (Vulkan drivers give far more).
        limits.max_sampled_textures_per_shader_stage = adapter
            .limits()
            .max_sampled_textures_per_shader_stage
            .clamp(limits.max_sampled_textures_per_shader_stage, 32);
        let desc = wgpu::DeviceDescriptor {
            label: Some("vivid.device"),
            // Timestamps inside the frame's encoder, for `vivid bench`, and filtering of
            // 32-bit float textures (an ISF file's `FLOAT` targets), where the adapter has
            // them. `extra`: what the caller asked for (external memory, for DMA-BUF sharing).
            required_features: (adapter.features()
                & (wgpu::Features::TIMESTAMP_QUERY
                    | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS
                    | wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES
                    | wgpu::Features::FLOAT32_FILTERABLE))
                | extra,
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
