//! Import: a host's buffer (fd, size, fourcc, modifier, offset, stride) becomes the output
//! of a `dmabuf_in` node, sampled where it lies — no copy.
//!
//! Two-plane `NV12` buffers (hardware decoders', cameras') are imported as two images on
//! the same memory — luma as `R8Unorm` at plane 0's offset and stride, interleaved chroma
//! as `Rg8Unorm` at plane 1's, half size (wgpu 30 has no multi-planar import) — and
//! converted to R'G'B' in the node's pass with `shaders/common/yuv.wgsl`, the conversion
//! `vivid-media`'s video frames use.
//!
//! The host offers buffers to a named [`ImportSource`] from any thread ([`source`]); a
//! `dmabuf_in` node with `source = "name"` shows the newest one. Imports are cached by the
//! buffer's identity (the fd's device and inode — one per DMA-BUF, whatever fd names it —
//! plus its size, fourcc, modifier and layout): a producer cycling through a few buffers
//! is imported once per buffer, and a steady frame creates nothing. A buffer is refused
//! with a typed [`DmabufError`] before anything is made ([`validate`], [`check_offer`]),
//! and a refused one is not tried again every frame (the engine retries a failed prepare
//! only when its key changes: a new buffer).
//!
//! Release: an import leaves the cache when it is not among the last [`CACHE`] buffers
//! offered, or at once when the source is cleared. Dropping it drops its wgpu texture;
//! wgpu destroys the image and frees its memory (closing the driver's reference to the
//! buffer) only after the last submission that used it has completed.
//!
//! Synchronisation: [`ImportSource::offer`] waits, on the host's thread and at most the
//! source's timeout, for the producer's pending writes to the DMA-BUF
//! (`DMA_BUF_IOCTL_EXPORT_SYNC_FILE`, [`crate::sync`]); where the kernel or the buffer
//! refuses, the producer's promise stands (implicit sync, the reason logged once): the host
//! offers a buffer only once its producer has finished writing it, and does not write it
//! again while it is offered. vivid samples it in the frame after it is offered.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::io::{Seek, SeekFrom};
use std::os::fd::OwnedFd;
use std::os::unix::fs::MetadataExt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, TexturePool, UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result as EngineResult};

use crate::error::{DmabufError, Result};
use crate::format::{ChromaPlane, Fourcc, HandleType, MOD_INVALID, MOD_LINEAR, bytes_per_texel};
use crate::vk::{self, PlaneLayout};

/// Imports a `dmabuf_in` node keeps: the buffers a producer cycles through (a decoder's or
/// a compositor's ring is 2–4 deep).
pub const CACHE: usize = 4;

/// A buffer's description, as the producer gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DmabufDesc {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// DRM fourcc (`AB24`, `XB24`, `AR24`, `XR24`, `AB4H`; `NV12` or `P010` with `chroma`).
    pub fourcc: Fourcc,
    /// DRM modifier (`DRM_FORMAT_MOD_LINEAR` unless the device imports explicit modifiers).
    pub modifier: u64,
    /// Offset of the (first) plane in the buffer, bytes.
    pub offset: u64,
    /// Bytes per row of the (first) plane.
    pub stride: u64,
    /// The kind of fd (a DMA-BUF, or an opaque fd from a device of the same driver).
    pub handle: HandleType,
    /// A two-plane fourcc's second plane (`NV12`: Cb, Cr), in the same buffer, and the
    /// colorimetry it is converted with; `None` for a single-plane fourcc.
    pub chroma: Option<ChromaPlane>,
}

impl DmabufDesc {
    /// The wgpu format of each plane (one, or two for `NV12` and `P010`).
    fn formats(&self) -> Result<Vec<wgpu::TextureFormat>> {
        match (
            self.fourcc.planes(),
            self.fourcc.texture_format(),
            self.chroma,
        ) {
            (Some(planes), _, Some(_)) => Ok(planes.to_vec()),
            (Some(_), _, None) => Err(DmabufError::Layout(format!(
                "{} has two planes: the chroma plane's offset and stride are missing \
                 (hint: DmabufDesc::chroma)",
                self.fourcc
            ))),
            (None, Some(format), None) => Ok(vec![format]),
            (None, Some(_), Some(_)) => Err(DmabufError::Layout(format!(
                "{} has one plane, but a chroma plane was given",
                self.fourcc
            ))),
            (None, None, _) => Err(DmabufError::Format(self.fourcc)),
        }
    }

    /// Each plane's format, size, offset and stride.
    fn planes(&self) -> Result<Vec<PlaneSpec>> {
        let formats = self.formats()?;
        let mut planes = vec![PlaneSpec {
            format: formats[0],
            width: self.width,
            height: self.height,
            offset: self.offset,
            stride: self.stride,
        }];
        if let (Some(&format), Some(c)) = (formats.get(1), self.chroma) {
            planes.push(PlaneSpec {
                format,
                width: self.width.div_ceil(2),
                height: self.height.div_ceil(2),
                offset: c.offset,
                stride: c.stride,
            });
        }
        Ok(planes)
    }
}

/// One plane of a buffer, imported as an image of its own.
#[derive(Clone, Copy, Debug)]
struct PlaneSpec {
    format: wgpu::TextureFormat,
    width: u32,
    height: u32,
    offset: u64,
    stride: u64,
}

/// A buffer's identity: which buffer (device and inode of the fd) and how it is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    dev: u64,
    ino: u64,
    desc: DmabufDesc,
}

impl Identity {
    /// How the buffer is read (its description as offered).
    #[must_use]
    pub fn desc(&self) -> DmabufDesc {
        self.desc
    }
}

/// Whatever keeps an offered buffer's producer from writing it again (a decoder's
/// `GstBuffer`, a compositor's release callback): dropped when vivid is done reading it.
pub type Owner = Box<dyn std::any::Any + Send + Sync>;

/// A buffer offered to a source.
struct Offered {
    fd: OwnedFd,
    identity: Identity,
    /// The offer's number (every offer is a new one, even of the same buffer).
    serial: u64,
    /// Held until vivid's last read of this offer has completed on the GPU.
    owner: Option<Owner>,
}

impl std::fmt::Debug for Offered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offered")
            .field("fd", &self.fd)
            .field("identity", &self.identity)
            .field("serial", &self.serial)
            .field("owner", &self.owner.is_some())
            .finish()
    }
}

/// Counts of what a source's nodes did, for the host's statistics and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportStats {
    /// Buffers offered.
    pub offered: u64,
    /// Buffers imported (made into textures).
    pub imported: u64,
    /// Imports refused (a format, modifier or layout this device cannot read).
    pub refused: u64,
    /// Imports released (left the cache).
    pub released: u64,
    /// Offers whose producer's writes were waited for (explicit sync).
    pub synced: u64,
    /// Offers taken on the producer's promise (implicit sync: see [`ImportSource::sync`]).
    pub implicit: u64,
    /// Offers handed back: their owner dropped once vivid's reads of them completed (or at
    /// once, for an offer replaced before any frame read it).
    pub returned: u64,
}

#[derive(Debug, Default)]
struct Slot {
    current: Option<Arc<Offered>>,
    stats: ImportStats,
    last_error: Option<String>,
    /// How the last offer was synchronised.
    sync: Option<crate::sync::Sync>,
    /// The bounded wait for a producer's writes (none: [`crate::sync::DEFAULT_TIMEOUT`]).
    timeout: Option<std::time::Duration>,
}

type Slots = Mutex<HashMap<String, Arc<Mutex<Slot>>>>;

static SOURCES: LazyLock<Slots> = LazyLock::new(Slots::default);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn slot_of(name: &str) -> Arc<Mutex<Slot>> {
    let mut sources = lock(&SOURCES);
    if let Some(s) = sources.get(name) {
        return s.clone();
    }
    let s = Arc::new(Mutex::new(Slot::default()));
    sources.insert(name.to_string(), s.clone());
    s
}

/// Lets `offered` go: if this was its last holder, its owner is dropped now and counted
/// as returned.
fn hand_back(offered: Arc<Offered>, slot: &Mutex<Slot>) {
    if let Some(offered) = Arc::into_inner(offered) {
        if offered.owner.is_some() {
            lock(slot).stats.returned += 1;
        }
        drop(offered);
    }
}

/// The host's side of a named source: offers buffers to the `dmabuf_in` nodes reading it.
#[derive(Clone, Debug)]
pub struct ImportSource {
    slot: Arc<Mutex<Slot>>,
}

/// The source `name` (made on first use; every handle to one name is the same source).
#[must_use]
pub fn source(name: &str) -> ImportSource {
    ImportSource {
        slot: slot_of(name),
    }
}

/// Checks what can be checked of a buffer without a device: a fourcc vivid reads, a
/// modifier that says something, a stride that holds a row, and an fd that is a buffer
/// long enough for the plane. Returns its identity.
pub fn check_offer(fd: &OwnedFd, desc: &DmabufDesc) -> Result<Identity> {
    let planes = desc.planes()?;
    if desc.modifier == MOD_INVALID {
        return Err(DmabufError::Modifier {
            fourcc: desc.fourcc,
            modifier: desc.modifier,
            hint: "DRM_FORMAT_MOD_INVALID (an implicit layout) is not importable: give the \
                   buffer's explicit modifier"
                .into(),
        });
    }
    if desc.width == 0 || desc.height == 0 {
        return Err(DmabufError::Size {
            width: desc.width,
            height: desc.height,
            reason: "empty".into(),
        });
    }
    let mut needed = 0;
    for (i, p) in planes.iter().enumerate() {
        let PlaneSpec {
            format,
            width,
            height,
            offset,
            stride,
        } = *p;
        let row = u64::from(width) * u64::from(bytes_per_texel(format));
        if stride < row {
            return Err(DmabufError::Layout(format!(
                "plane {i}: stride {stride} is shorter than a row of {width} {} texels \
                 ({row} bytes)",
                desc.fourcc
            )));
        }
        needed = needed.max(offset + stride * u64::from(height - 1) + row);
    }
    let mut file = std::fs::File::from(fd.try_clone()?);
    let meta = file.metadata()?;
    // A DMA-BUF tells its size by seeking to its end. An opaque fd (a Vulkan export, as
    // NVIDIA's drivers give) cannot be seeked: the driver checks it at import instead (same
    // driver and device UUID, the image's own allocation size).
    let length = match file.seek(SeekFrom::End(0)) {
        Ok(length) => length,
        Err(e)
            if desc.handle == HandleType::OpaqueFd
                && e.raw_os_error() == Some(29 /* ESPIPE */) =>
        {
            u64::MAX
        }
        Err(e) => return Err(e.into()),
    };
    if length < needed {
        return Err(DmabufError::Layout(format!(
            "the buffer has {length} bytes; its planes (offset {} + {} rows of stride {}{}) \
             need {needed}",
            desc.offset,
            desc.height,
            desc.stride,
            desc.chroma.map_or(String::new(), |c| format!(
                ", chroma at {} with stride {}",
                c.offset, c.stride
            ))
        )));
    }
    Ok(Identity {
        dev: meta.dev(),
        ino: meta.ino(),
        desc: *desc,
    })
}

/// Checks a buffer against `gpu`: it can import this handle type, fourcc and modifier.
pub fn validate(gpu: &Gpu, desc: &DmabufDesc) -> Result<()> {
    let format = desc.formats()?[0];
    gpu.check_size("dmabuf_in", desc.width, desc.height)
        .map_err(|e| DmabufError::Size {
            width: desc.width,
            height: desc.height,
            reason: e.to_string(),
        })?;
    if format == wgpu::TextureFormat::R16Unorm
        && !gpu
            .device()
            .features()
            .contains(wgpu::Features::TEXTURE_FORMAT_16BIT_NORM)
    {
        return Err(DmabufError::Unsupported(format!(
            "{} needs 16-bit normalized textures: the device was made without \
             TEXTURE_FORMAT_16BIT_NORM (GpuOptions::external_memory asks for it where the \
             adapter has it)",
            desc.fourcc
        )));
    }
    let caps = vk::caps(gpu.device(), format)?;
    if desc.handle == HandleType::DmaBuf && !caps.import_dmabuf {
        return Err(DmabufError::Unsupported(
            "the driver lacks VK_EXT_external_memory_dma_buf".into(),
        ));
    }
    if desc.modifier != MOD_LINEAR
        && !(caps.explicit_modifiers && desc.handle == HandleType::DmaBuf)
    {
        return Err(DmabufError::Modifier {
            fourcc: desc.fourcc,
            modifier: desc.modifier,
            hint: "this device reads DRM_FORMAT_MOD_LINEAR (0) only: it lacks \
                   VK_EXT_image_drm_format_modifier (or the device was made without \
                   GpuOptions::external_memory)"
                .into(),
        });
    }
    Ok(())
}

/// Imports `fd` as textures on `gpu` (each counted as one of its textures), after
/// [`validate`]; `identity` from [`check_offer`]: one texture per plane (one; two for
/// `NV12`, each an image of its own on the same memory). The fd is duplicated: the caller
/// keeps it.
pub fn import_textures(gpu: &Gpu, fd: &OwnedFd, identity: &Identity) -> Result<Vec<GpuTexture>> {
    let desc = &identity.desc;
    validate(gpu, desc)?;
    let mut textures = Vec::new();
    for plane in desc.planes()? {
        let PlaneSpec {
            format,
            width,
            height,
            offset,
            stride,
        } = plane;
        let texture_desc = wgpu::TextureDescriptor {
            label: Some("vivid.dmabuf_in.buffer"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: vk::wgpu_usage(false),
            view_formats: &[],
        };
        let plane = PlaneLayout {
            offset,
            stride,
            size: 0,
        };
        let texture = vk::import(
            gpu.device(),
            fd.try_clone()?,
            &texture_desc,
            desc.handle,
            desc.modifier,
            plane,
        )?;
        textures.push(gpu.adopt_texture(texture, &texture_desc));
    }
    Ok(textures)
}

impl ImportSource {
    /// Offers a buffer: the nodes reading this source show it from their next frame on,
    /// until another is offered. Waits (here, at most the source's timeout) for the
    /// producer's pending writes where the kernel tells them; elsewhere the producer must
    /// have finished writing it (see the module's synchronisation note). vivid keeps `fd`
    /// (and closes it when the buffer is no longer offered and no import of it is in use).
    /// Refused at once, with nothing changed, if it cannot be a buffer vivid reads, or
    /// ([`DmabufError::Sync`]) if its writes do not finish in time.
    pub fn offer(&self, fd: OwnedFd, desc: DmabufDesc) -> Result<()> {
        self.offer_owned(fd, desc, None)
    }

    /// [`Self::offer`], with `owner` — what keeps the producer from writing the buffer
    /// again (a decoder's `GstBuffer`, a pool slot's guard) — held until vivid is done
    /// with this offer: dropped after the last GPU submission that read it has completed
    /// (on the thread that polls the device: the engine's, each frame), or at once if
    /// another offer replaces it before any frame read it.
    pub fn offer_owned(&self, fd: OwnedFd, desc: DmabufDesc, owner: Option<Owner>) -> Result<()> {
        let identity = check_offer(&fd, &desc)?;
        let timeout = lock(&self.slot)
            .timeout
            .unwrap_or(crate::sync::DEFAULT_TIMEOUT);
        let sync = crate::sync::wait_for_writes(&fd, desc.handle, timeout)?;
        let mut s = lock(&self.slot);
        s.stats.offered += 1;
        match sync {
            crate::sync::Sync::Explicit => s.stats.synced += 1,
            crate::sync::Sync::Implicit(_) => s.stats.implicit += 1,
        }
        s.sync = Some(sync);
        let serial = s.stats.offered;
        let replaced = s.current.replace(Arc::new(Offered {
            fd,
            identity,
            serial,
            owner,
        }));
        // Replaced before a node took it (or a node holds it too: then the node hands it
        // back): counted when its last holder lets it go.
        drop(s);
        if let Some(old) = replaced {
            hand_back(old, &self.slot);
        }
        Ok(())
    }

    /// How the last buffer offered was synchronised (explicitly, or implicitly and why).
    #[must_use]
    pub fn sync(&self) -> Option<crate::sync::Sync> {
        lock(&self.slot).sync.clone()
    }

    /// How long [`Self::offer`] waits at most for a producer's writes (default
    /// [`crate::sync::DEFAULT_TIMEOUT`]).
    pub fn set_sync_timeout(&self, timeout: std::time::Duration) {
        lock(&self.slot).timeout = Some(timeout);
    }

    /// Offers nothing: the nodes show transparent black and release every import.
    pub fn clear(&self) {
        let old = lock(&self.slot).current.take();
        if let Some(old) = old {
            hand_back(old, &self.slot);
        }
    }

    /// What the nodes reading this source did.
    #[must_use]
    pub fn stats(&self) -> ImportStats {
        lock(&self.slot).stats
    }

    /// The last import refused, and why.
    #[must_use]
    pub fn last_error(&self) -> Option<String> {
        lock(&self.slot).last_error.clone()
    }
}

vivid_engine::params! {
    /// Parameters of `dmabuf_in`.
    pub struct DmabufInParams {
        /// The source a host offers buffers to (`vivid_dmabuf::import::source(name)`).
        source: String = "main".to_string(),
    }
}

/// The uniform block of `dmabuf_in.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DmabufInUniforms {
    header: FrameHeader,
    opaque: u32,
    /// 0: one RGBA-like plane; 1: `NV12` (luma, then interleaved chroma); 2: `P010`
    /// (the same, 10-bit codes in 16-bit samples).
    planar: u32,
    /// `YuvMatrix` (`common/yuv.wgsl`'s numbering).
    matrix: u32,
    /// `YuvRange`.
    range: u32,
}

/// An import kept, with the pass bound to it.
#[derive(Debug)]
struct Cached {
    identity: Identity,
    /// One texture per plane.
    textures: Vec<GpuTexture>,
    pass: FullscreenPass,
    /// When it was last offered (prepare count), for eviction.
    used: u64,
}

/// `dmabuf_in`: the buffer a host offers to `source`, sampled where it lies.
#[derive(Debug)]
pub struct DmabufIn {
    cache: Vec<Cached>,
    /// The pass shown when nothing is offered (transparent black).
    empty: FullscreenPass,
    /// Index into `cache` of what is shown; none: `empty`.
    shown: Option<usize>,
    slot: UniformSlot,
    source: Option<(String, Arc<Mutex<Slot>>)>,
    prepares: u64,
    /// The offer the frames since the last prepare read (its owner is held), and the
    /// source it came from.
    showing: Option<(Arc<Offered>, Arc<Mutex<Slot>>)>,
    /// The queue the reads were submitted to: an offer is handed back when the work
    /// submitted to it so far has completed.
    queue: Option<wgpu::Queue>,
}

impl DmabufIn {
    /// Hands back the offer shown until now, once the GPU work submitted so far — every
    /// frame that read it — has completed.
    fn hand_back_shown(&mut self) {
        let Some((offered, slot)) = self.showing.take() else {
            return;
        };
        match &self.queue {
            Some(queue) => queue.on_submitted_work_done(move || hand_back(offered, &slot)),
            None => hand_back(offered, &slot),
        }
    }
}

impl Drop for DmabufIn {
    fn drop(&mut self) {
        self.hand_back_shown();
    }
}

impl Default for DmabufIn {
    fn default() -> Self {
        Self {
            showing: None,
            queue: None,
            cache: Vec::new(),
            empty: pass(),
            shown: None,
            slot: UniformSlot::default(),
            source: None,
            prepares: 0,
        }
    }
}

fn pass() -> FullscreenPass {
    FullscreenPass::new("dmabuf_in.wgsl", size_of::<DmabufInUniforms>())
}

impl OperatorType for DmabufIn {
    const NAME: &'static str = "dmabuf_in";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "A buffer a host program offers as a DMA-BUF (vivid_dmabuf::import::source; RGBA-like, NV12 or P010), sampled where it lies, without a copy.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = DmabufInParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("dmabuf_in.wgsl", "DmabufIn", size_of::<DmabufInUniforms>())];
}

impl DmabufIn {
    fn slot(&mut self, name: &str) -> Arc<Mutex<Slot>> {
        match &self.source {
            Some((n, s)) if n == name => s.clone(),
            _ => {
                let s = slot_of(name);
                self.source = Some((name.to_string(), s.clone()));
                s
            }
        }
    }

    /// Drops the imports beyond the [`CACHE`] most recently offered; `keep_none`: all.
    fn evict(&mut self, slot: &Mutex<Slot>, keep_none: bool) {
        let before = self.cache.len();
        if keep_none {
            self.cache.clear();
        } else {
            while self.cache.len() > CACHE {
                let oldest = (0..self.cache.len())
                    .min_by_key(|&i| self.cache[i].used)
                    .unwrap_or(0);
                self.cache.swap_remove(oldest);
            }
        }
        let released = (before - self.cache.len()) as u64;
        if released > 0 {
            lock(slot).stats.released += released;
        }
    }
}

fn key_of(offered: Option<&Offered>, name: &str) -> u64 {
    let mut h = DefaultHasher::new();
    name.hash(&mut h);
    // Every offer prepares (even of a buffer imported before: its owner is taken over).
    offered.map(|o| (o.identity, o.serial)).hash(&mut h);
    h.finish()
}

impl Operator for DmabufIn {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        // Uniforms are written before prepare: from the buffer offered now, which the
        // prepare of this frame shows.
        let slot = match &self.source {
            Some((_, s)) => s.clone(),
            None => self.slot(&cx.params::<DmabufInParams>().source),
        };
        let desc = lock(&slot).current.as_ref().map(|o| o.identity.desc);
        let opaque = desc.is_some_and(|d| d.fourcc.ignores_alpha());
        let chroma = desc.and_then(|d| d.chroma);
        self.slot = out.push(&DmabufInUniforms {
            header: cx.header(),
            opaque: u32::from(opaque),
            planar: match desc {
                Some(d) if d.fourcc == Fourcc::P010 => 2,
                Some(d) if d.chroma.is_some() => 1,
                _ => 0,
            },
            matrix: chroma.map_or(0, |c| c.matrix as u32),
            range: chroma.map_or(0, |c| c.range as u32),
        });
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        // The buffer offered now: a new one prepares (imports, or picks a cached import).
        let name = DmabufInParams::read(params).source;
        let slot = match &self.source {
            Some((n, s)) if *n == name => s.clone(),
            _ => slot_of(&name),
        };
        let s = lock(&slot);
        key_of(s.current.as_deref(), &name)
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> EngineResult<()> {
        let name = DmabufInParams::read(cx.params).source;
        let slot = self.slot(&name);
        let offered = lock(&slot).current.clone();
        self.prepares += 1;
        if self.queue.is_none() {
            self.queue = Some(cx.gpu.queue().clone());
        }
        // The offer shown until now goes back to its producer once the frames that read
        // it have completed (they were all submitted before this prepare).
        let same = match (&self.showing, &offered) {
            (Some((a, _)), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        if !same {
            self.hand_back_shown();
        }
        let Some(offered) = offered else {
            self.evict(&slot, true);
            self.shown = None;
            return self.empty.prepare(
                cx,
                &[cx.dummy, cx.dummy],
                cx.output,
                SamplerKind::LinearClamp,
            );
        };
        let cached = self
            .cache
            .iter()
            .position(|c| c.identity == offered.identity);
        let index = if let Some(i) = cached {
            i
        } else {
            let textures = match import_textures(cx.gpu, &offered.fd, &offered.identity) {
                Ok(t) => t,
                Err(e) => {
                    let mut s = lock(&slot);
                    s.stats.refused += 1;
                    s.last_error = Some(e.to_string());
                    drop(s);
                    return Err(EngineError::Param(format!("dmabuf_in '{name}': {e}")));
                }
            };
            lock(&slot).stats.imported += 1;
            self.cache.push(Cached {
                identity: offered.identity,
                textures,
                pass: pass(),
                used: self.prepares,
            });
            self.cache.len() - 1
        };
        self.cache[index].used = self.prepares;
        let identity = offered.identity;
        if !same {
            self.showing = Some((offered, slot.clone()));
        }
        self.evict(&slot, false);
        let index = self
            .cache
            .iter()
            .position(|c| c.identity == identity)
            .unwrap_or(0);
        let Some(c) = self.cache.get_mut(index) else {
            return Ok(());
        };
        let Some(luma) = c.textures.first() else {
            return Ok(());
        };
        let chroma = c.textures.get(1).unwrap_or(cx.dummy);
        c.pass
            .prepare(cx, &[luma, chroma], cx.output, SamplerKind::LinearClamp)?;
        self.shown = Some(index);
        Ok(())
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        match self.shown.and_then(|i| self.cache.get(i)) {
            Some(c) => c.pass.dispatch(cx.encoder, self.slot, cx.name),
            None => self.empty.dispatch(cx.encoder, self.slot, cx.name),
        }
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another source: its imports go now.
        let name = DmabufInParams::read(params).source;
        if self.source.as_ref().is_some_and(|(n, _)| *n != name)
            && let Some((_, slot)) = self.source.take()
        {
            self.evict(&slot, true);
            self.shown = None;
            self.hand_back_shown();
        }
    }
}

/// The `dmabuf_in` shader.
const SHADERS: &[(&str, &str)] = &[("dmabuf_in.wgsl", include_str!("../shaders/dmabuf_in.wgsl"))];

/// Registers `dmabuf_in` and its shader (a host that offers buffers calls this on its
/// registry; it is not among vivid's built-in operators).
pub fn register(registry: &mut vivid_engine::operator::Registry) {
    registry.add::<DmabufIn>();
    for e in registry.add_shaders(SHADERS) {
        log::error!("dmabuf shader: {e}");
    }
}

/// The identity of the buffer `source` offers now, if any.
#[must_use]
pub fn offered_identity(source: &ImportSource) -> Option<Identity> {
    lock(&source.slot).current.as_ref().map(|o| o.identity)
}

#[cfg(test)]
mod tests {
    use vivid_engine::shaders::ShaderLibrary;

    /// `DmabufInUniforms` has exactly the size naga lays out for `struct DmabufIn`.
    #[test]
    fn the_uniform_struct_matches_the_shader() {
        let mut library = ShaderLibrary::new();
        for (name, text) in super::SHADERS {
            library.register(name, text);
        }
        let composed = library
            .compose("dmabuf_in.wgsl")
            .expect("dmabuf_in.wgsl composes");
        let module = &composed.module;
        let mut layouter = naga::proc::Layouter::default();
        layouter.update(module.to_ctx()).expect("layout");
        let (handle, _) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("DmabufIn"))
            .expect("struct DmabufIn");
        assert_eq!(
            layouter[handle].size as usize,
            size_of::<super::DmabufInUniforms>()
        );
    }
}
