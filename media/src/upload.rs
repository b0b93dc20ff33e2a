//! The GPU side of every media operator: a decoded frame's planes uploaded into textures made
//! once per format, and converted to the chain's premultiplied display values by
//! `media/shaders/video.wgsl`.
//!
//! Uploads follow the engine's staging path (`resources/uniform_arena.rs`): a ring of
//! buffers mapped for writing, one written per new frame and copied into the plane textures
//! by `copy_buffer_to_texture` in the frame's one encoder — not `Queue::write_texture`, which
//! makes a staging buffer per call. A buffer is mapped again in the next frame's encode (its
//! copy has been submitted by then), so playing a video creates no wgpu object in a steady
//! frame. Besides the planes, each upload writes a 1×1 *format texel* (layout, matrix,
//! range, alpha) that the shader reads: the description always travels with the pixels,
//! even in the frame a new stream's textures are made (uniforms are written before
//! prepare).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use vivid_engine::fullscreen::{FullscreenPass, color_pass};
use vivid_engine::gpu::{Gpu, GpuBuffer, GpuTexture};
use vivid_engine::operator::{FrameHeader, PrepareCx};
use vivid_engine::resources::{SamplerKind, UniformSlot};
use vivid_engine::{EngineError, Result};

use crate::frame::{Format, Frame, Plane};

/// Staging buffers per operator: frames whose upload may be in flight at once.
const RING: usize = 3;

/// The uniform block of `video.wgsl` (`struct Video`).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct VideoUniforms {
    /// The frame header.
    pub header: FrameHeader,
    /// 0 stretch, 1 contain, 2 cover.
    pub fit: u32,
    /// 1: upside down.
    pub flip_y: u32,
    /// Padding.
    pub pad: [u32; 2],
}

/// The shader and its uniform struct, for `OperatorType::UNIFORMS`.
pub const UNIFORMS: &[(&str, &str, usize)] = &[("video.wgsl", "Video", size_of::<VideoUniforms>())];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SlotState {
    /// Mapped for writing (when its `ready` flag is set).
    Mapped,
    /// Written and copied this frame or an earlier one: to be mapped again.
    Used,
}

#[derive(Debug)]
struct Staging {
    buffer: GpuBuffer,
    ready: Arc<AtomicBool>,
    state: SlotState,
}

/// Where each plane sits in a staging buffer.
#[derive(Debug, Clone, Copy)]
struct PlaneAt {
    plane: Plane,
    offset: u64,
    bytes_per_row: u32,
}

/// Textures and staging buffers for one stream format.
#[derive(Debug)]
struct Textures {
    format: Format,
    planes: Vec<GpuTexture>,
    texel: GpuTexture,
    layout: Vec<PlaneAt>,
    texel_offset: u64,
    ring: Vec<Staging>,
}

/// What [`Uploader::encode`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Uploaded {
    /// A new frame went up.
    pub uploaded: bool,
    /// A new frame was left out: no staging buffer was free (real time only).
    pub busy: bool,
}

/// A media operator's textures, staging ring and conversion pass.
#[derive(Debug)]
pub struct Uploader {
    textures: Option<Textures>,
    pass: FullscreenPass,
    /// The pass is bound to this output (and textures).
    bound: bool,
    /// The frame the textures hold.
    shown: u64,
    /// Only to wait for a staging buffer's mapping in frame-exact mode: it creates nothing.
    poller: Option<wgpu::Device>,
    /// The last upload error logged.
    failed: Option<String>,
}

impl Default for Uploader {
    fn default() -> Self {
        Self {
            textures: None,
            pass: FullscreenPass::new("video.wgsl", size_of::<VideoUniforms>()),
            bound: false,
            shown: 0,
            poller: None,
            failed: None,
        }
    }
}

/// Whether two formats need the same textures.
fn same_textures(a: &Format, b: &Format) -> bool {
    (a.layout, a.width, a.height) == (b.layout, b.width, b.height)
}

impl Textures {
    fn new(gpu: &Gpu, format: Format, name: &str) -> Result<Self> {
        gpu.check_size(name, format.width, format.height)?;
        let texture = |w: u32, h: u32, f: wgpu::TextureFormat, what: &str| {
            gpu.create_texture(&wgpu::TextureDescriptor {
                label: Some(what),
                size: wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: wgpu::TextureDimension::D2,
                format: f,
                usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            })
        };
        let mut layout = Vec::new();
        let mut planes = Vec::new();
        let mut offset = 0u64;
        for plane in format.layout.planes(format.width, format.height) {
            let bytes_per_row = (plane.width * plane.bytes_per_pixel)
                .next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
            layout.push(PlaneAt {
                plane,
                offset,
                bytes_per_row,
            });
            offset += u64::from(bytes_per_row) * u64::from(plane.height);
            planes.push(texture(
                plane.width,
                plane.height,
                plane.format,
                "vivid.video.plane",
            ));
        }
        let texel_offset = offset;
        let size = offset + u64::from(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT);
        let texel = texture(1, 1, wgpu::TextureFormat::Rgba8Unorm, "vivid.video.format");
        let ring = (0..RING)
            .map(|_| Staging {
                buffer: gpu.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("vivid.video.staging"),
                    size,
                    usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                    mapped_at_creation: true,
                }),
                ready: Arc::new(AtomicBool::new(true)),
                state: SlotState::Mapped,
            })
            .collect();
        Ok(Self {
            format,
            planes,
            texel,
            layout,
            texel_offset,
            ring,
        })
    }

    /// Maps again, for writing, every buffer whose copy was recorded in an earlier frame.
    fn remap(&mut self) {
        for s in &mut self.ring {
            if s.state == SlotState::Used {
                s.state = SlotState::Mapped;
                s.ready.store(false, Ordering::Release);
                let ready = s.ready.clone();
                s.buffer
                    .buffer
                    .map_async(wgpu::MapMode::Write, .., move |r| {
                        if let Err(e) = r {
                            log::warn!("video staging buffer: {e}");
                        }
                        ready.store(true, Ordering::Release);
                    });
            }
        }
    }

    fn free_slot(&self) -> Option<usize> {
        self.ring
            .iter()
            .position(|s| s.state == SlotState::Mapped && s.ready.load(Ordering::Acquire))
    }

    /// Writes `frame` into staging buffer `i` and records its copies into the textures.
    fn write(
        &mut self,
        i: usize,
        frame: &Frame,
        encoder: &mut wgpu::CommandEncoder,
    ) -> std::result::Result<(), String> {
        let staging = &mut self.ring[i];
        staging.state = SlotState::Used;
        let buffer = &staging.buffer.buffer;
        let written = {
            let mut view = buffer
                .get_mapped_range_mut(..)
                .map_err(|e| format!("staging buffer not mapped ({e})"))?;
            let layout = &self.layout;
            let result = frame.with_planes(|p, src, stride| {
                let Some(at) = layout.get(p) else { return };
                let row = (at.plane.width * at.plane.bytes_per_pixel) as usize;
                for y in 0..at.plane.height as usize {
                    let (from, to) = (
                        y * stride,
                        at.offset as usize + y * at.bytes_per_row as usize,
                    );
                    if let Some(s) = src.get(from..from + row)
                        && to + row <= view.len()
                    {
                        view.slice(to..to + row).copy_from_slice(s);
                    }
                }
            });
            let f = frame.format;
            let texel = [
                f.layout.code(),
                f.matrix as u8,
                f.range as u8,
                u8::from(f.layout.has_alpha()),
            ];
            let at = self.texel_offset as usize;
            if at + 4 <= view.len() {
                view.slice(at..at + 4).copy_from_slice(&texel);
            }
            result
        };
        buffer.unmap();
        written?;
        let copy = |encoder: &mut wgpu::CommandEncoder, texture: &GpuTexture, offset, bpr, w, h| {
            encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset,
                        bytes_per_row: Some(bpr),
                        rows_per_image: None,
                    },
                },
                texture.texture.as_image_copy(),
                wgpu::Extent3d {
                    width: w,
                    height: h,
                    depth_or_array_layers: 1,
                },
            );
        };
        for (at, texture) in self.layout.iter().zip(&self.planes) {
            copy(
                encoder,
                texture,
                at.offset,
                at.bytes_per_row,
                at.plane.width,
                at.plane.height,
            );
        }
        copy(
            encoder,
            &self.texel,
            self.texel_offset,
            wgpu::COPY_BYTES_PER_ROW_ALIGNMENT,
            1,
            1,
        );
        Ok(())
    }
}

impl Uploader {
    /// The format the textures are made for.
    #[must_use]
    pub fn format(&self) -> Option<Format> {
        self.textures.as_ref().map(|t| t.format)
    }

    /// Makes the textures and staging ring for `format` if they are not made for it yet
    /// (none when `None`: nothing known yet), and binds the conversion pass to them and to
    /// `cx.output`. All-or-nothing.
    pub fn prepare(&mut self, cx: &mut PrepareCx<'_>, format: Option<Format>) -> Result<()> {
        self.poller = Some(cx.gpu.device().clone());
        let keep = match (&self.textures, &format) {
            (Some(t), Some(f)) => same_textures(&t.format, f),
            (None, None) => true,
            _ => false,
        };
        let made = match format {
            Some(f) if !keep => Some(Textures::new(cx.gpu, f, cx.name)?),
            _ => None,
        };
        let textures = made
            .as_ref()
            .or(if keep { self.textures.as_ref() } else { None });
        let Some(t) = textures else {
            self.textures = None;
            self.bound = false;
            return Ok(());
        };
        let dummy = cx.dummy;
        let plane = |i: usize| t.planes.get(i).unwrap_or(dummy);
        let inputs = [plane(0), plane(1), plane(2), plane(3), &t.texel];
        self.pass
            .prepare(cx, &inputs, cx.output, SamplerKind::LinearClamp)?;
        if let Some(made) = made {
            self.textures = Some(made);
            self.shown = 0;
        } else if let (Some(t), Some(f)) = (&mut self.textures, format) {
            // Same textures; the colorimetry may be another stream's.
            t.format = f;
        }
        self.bound = true;
        Ok(())
    }

    /// Uploads `frame` if it is new (waiting for a staging buffer when `exact`, leaving it
    /// out otherwise), then draws the textures into `output` — or clears it when there is
    /// nothing to draw yet.
    pub fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        output: &GpuTexture,
        frame: Option<&Frame>,
        exact: bool,
        slot: UniformSlot,
        name: &str,
    ) -> Uploaded {
        let mut done = Uploaded::default();
        if let Some(t) = &mut self.textures {
            t.remap();
            if let Some(frame) = frame.filter(|f| f.id != self.shown)
                && same_textures(&t.format, &frame.format)
            {
                let mut slot = t.free_slot();
                if slot.is_none() && exact {
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while slot.is_none() && Instant::now() < deadline {
                        if let Some(device) = &self.poller {
                            let _ = device.poll(wgpu::PollType::Wait {
                                submission_index: None,
                                timeout: Some(Duration::from_millis(100)),
                            });
                        }
                        slot = t.free_slot();
                    }
                }
                match slot {
                    Some(i) => match t.write(i, frame, encoder) {
                        Ok(()) => {
                            self.shown = frame.id;
                            done.uploaded = true;
                        }
                        // Once per message (a frame that cannot be mapped fails every
                        // frame alike).
                        Err(e) => {
                            if self.failed.as_deref() != Some(e.as_str()) {
                                log::error!("`{name}`: {e}");
                                self.failed = Some(e);
                            }
                        }
                    },
                    None => done.busy = true,
                }
            }
        }
        if self.bound {
            self.pass.dispatch(encoder, slot, name);
        } else {
            drop(color_pass(
                encoder,
                name,
                &output.view,
                wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
            ));
        }
        done
    }
}

/// A media operator's error about `what` (a file, a device), as the engine reports it.
#[must_use]
pub fn media_error(what: &str, message: impl std::fmt::Display) -> EngineError {
    EngineError::Param(format!("{what}: {message}"))
}
