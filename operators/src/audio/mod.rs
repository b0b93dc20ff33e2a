//! Audio as textures: `audio_spectrum` (the magnitude spectrum, optionally a scrolling
//! history) and `audio_waveform` (the last samples), from the [`AudioFrame`] a host sets
//! each frame (`--audio`, `--audio-in`, an embedder's analysis) — for shaders and other
//! operators to take as inputs, ISF's `audio` and `audioFFT` inputs among them.
//!
//! Both share [`AudioTexture`]: a data texture of `width × rows` texels made in prepare,
//! one row written per frame — bytes pushed into the uniform arena like uniforms, then
//! `copy_buffer_to_texture` in the frame's encoder (not `Queue::write_texture`, which
//! makes a staging buffer per call) — and one pass (`shaders/audio_texture.wgsl`) that
//! maps it onto the output, newest row at the top. A steady frame creates nothing.
//!
//! [`AudioFrame`]: vivid_engine::audio::AudioFrame

use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{EncodeCx, FrameHeader, PrepareCx, UniformCx};
use vivid_engine::resources::{SamplerKind, UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result};

vivid_engine::operator_modules! {
    audio_spectrum::AudioSpectrum,
    audio_waveform::AudioWaveform,
}

/// The uniform block of `shaders/audio_texture.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AudioTextureUniforms {
    header: FrameHeader,
    /// Data texels across.
    width: u32,
    /// Rows of history.
    rows: u32,
    /// The row written this frame (the newest).
    head: u32,
    _pad: u32,
}

/// The shader and its uniform struct, for `OperatorType::UNIFORMS`.
pub const UNIFORMS: &[(&str, &str, usize)] = &[(
    "audio_texture.wgsl",
    "AudioTexture",
    size_of::<AudioTextureUniforms>(),
)];

/// The data texture of an audio operator, its upload and its pass.
#[derive(Debug)]
pub struct AudioTexture {
    name: &'static str,
    pass: FullscreenPass,
    data: Option<GpuTexture>,
    /// The arena's buffer (a handle), the copy's source.
    arena: Option<wgpu::Buffer>,
    /// This frame's row: where it is in the arena, and the row of the data texture...
    pushed: Option<(UniformSlot, u32)>,
    /// ...when it is to be copied this frame (the data texture was ready for it).
    upload: Option<(UniformSlot, u32)>,
    /// The value of silence (what a new data texture holds).
    silence: f32,
    slot: UniformSlot,
    /// Rows written since the start (the next row is `written % rows`).
    written: u64,
    /// This frame's values, then its row of texels, packed (kept: no allocation a frame).
    values: Vec<f32>,
    row: Vec<u8>,
    /// It said, once, that it reads silence (no host sets the audio).
    said_silent: bool,
}

impl AudioTexture {
    fn new(name: &'static str, silence: f32) -> Self {
        Self {
            name,
            pushed: None,
            silence,
            pass: FullscreenPass::new("audio_texture.wgsl", size_of::<AudioTextureUniforms>()),
            data: None,
            arena: None,
            upload: None,
            slot: UniformSlot::default(),
            written: 0,
            values: Vec::new(),
            row: Vec::new(),
            said_silent: false,
        }
    }

    /// Packs this frame's row of `width` values (written by `fill`, each 0 by default) and
    /// the pass's uniforms, for a data texture of `rows` rows.
    fn write_uniforms(
        &mut self,
        cx: &UniformCx<'_>,
        out: &mut UniformWriter<'_>,
        (width, rows): (u32, u32),
        fill: impl FnOnce(&mut [f32]),
    ) {
        if !cx.audio.is_live() && !self.said_silent {
            self.said_silent = true;
            log::warn!(
                "{}: no audio source (--audio FILE or --audio-in DEVICE): it reads silence",
                self.name
            );
        }
        let rows = rows.max(1);
        let head = (self.written % u64::from(rows)) as u32;
        let ready = self
            .data
            .as_ref()
            .is_some_and(|d| d.size() == (width, rows));
        self.upload = None;
        // The values, then the texels (value, value, value, 1) as f16.
        let n = width as usize;
        self.values.clear();
        self.values.resize(n, 0.0);
        fill(&mut self.values);
        self.row.clear();
        let one = half::f16::ONE.to_bits();
        for v in &self.values {
            let v = half::f16::from_f32(if v.is_finite() { *v } else { 0.0 }).to_bits();
            self.row
                .extend_from_slice(bytemuck::cast_slice(&[v, v, v, one]));
        }
        // Pushed every frame (the same bytes in the arena whether or not the texture is
        // ready: its layout never depends on the first frame).
        let slot = out.push_bytes(&self.row);
        self.pushed = Some((slot, head));
        if ready {
            self.upload = self.pushed;
            self.written += 1;
        }
        self.slot = out.push(&AudioTextureUniforms {
            header: cx.header(),
            width,
            rows,
            head,
            _pad: 0,
        });
    }

    /// Makes the data texture (`width × rows`, cleared) when its size changed, and binds it.
    fn prepare(&mut self, cx: &mut PrepareCx<'_>, (width, rows): (u32, u32)) -> Result<()> {
        let size = (width.max(1), rows.max(1));
        if self.data.as_ref().is_none_or(|d| d.size() != size) {
            let gpu = cx.gpu;
            let label = format!("vivid.{}.data", self.name);
            let (made, failed) = gpu.create_checked(&label, || {
                gpu.create_data_texture(&label, size, wgpu::TextureFormat::Rgba16Float)
            });
            if let Some(e) = failed {
                return Err(e);
            }
            // Silence in every row, then this frame's row (pushed before the texture was).
            let v = half::f16::from_f32(self.silence).to_bits();
            let texel = [v, v, v, half::f16::ONE.to_bits()];
            let texels = vec![texel; (size.0 * size.1) as usize];
            cx.gpu.queue().write_texture(
                made.texture.as_image_copy(),
                bytemuck::cast_slice(&texels),
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(size.0 * 8),
                    rows_per_image: None,
                },
                wgpu::Extent3d {
                    width: size.0,
                    height: size.1,
                    depth_or_array_layers: 1,
                },
            );
            self.data = Some(made);
            self.upload = self.pushed.filter(|(_, row)| *row < size.1);
            self.written = self.upload.map_or(0, |(_, row)| u64::from(row) + 1);
        }
        let Some(data) = &self.data else {
            return Err(EngineError::Param(format!(
                "{}: no data texture",
                self.name
            )));
        };
        self.arena = cx.uniforms.buffer().cloned();
        let output = cx.output;
        self.pass
            .prepare(cx, &[data], output, SamplerKind::NearestClamp)
    }

    /// Copies this frame's row into the data texture, then draws the output.
    fn encode(&mut self, cx: &mut EncodeCx<'_>, label: &str) {
        if let (Some((slot, row)), Some(arena), Some(data)) =
            (self.upload.take(), &self.arena, &self.data)
        {
            let (width, _) = data.size();
            cx.encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer: arena,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: u64::from(slot.offset),
                        bytes_per_row: None,
                        rows_per_image: None,
                    },
                },
                wgpu::TexelCopyTextureInfo {
                    texture: &data.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d { x: 0, y: row, z: 0 },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d {
                    width,
                    height: 1,
                    depth_or_array_layers: 1,
                },
            );
        }
        self.pass.dispatch(cx.encoder, self.slot, label);
    }
}
