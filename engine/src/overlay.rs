//! `Overlay`: text — shader and chain errors with their `file:line:col` — drawn over the output
//! in a window, by one fragment pass after the display blit, in the frame's encoder.
//!
//! Glyphs are the 8×8 public-domain font of the `font8x8` crate, in a texture made once; the
//! text is a grid of character codes in a second texture, rewritten only when the text
//! changes. A steady frame with an error on screen creates nothing.

use std::collections::HashMap;

use crate::error::{EngineError, Result};
use crate::gpu::{Gpu, GpuTexture};
use crate::resources::{CachedBindGroup, UniformArena, UniformSlot, UniformWriter};
use crate::shaders::ShaderLibrary;

/// Columns of the text grid.
pub(crate) const COLS: u32 = 160;
/// Rows of the text grid.
pub(crate) const ROWS: u32 = 48;
/// Margin between the box's edge and the text, in pixels (as in `overlay.wgsl`).
const PADDING: f32 = 8.0;

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct OverlayUniforms {
    box_min: [f32; 2],
    box_max: [f32; 2],
    cell: [f32; 2],
    grid: [u32; 2],
    target_is_srgb: u32,
    _pad: [u32; 3],
}

/// Text laid out on the grid: character codes and the extent used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextGrid {
    codes: Vec<u32>,
    /// Longest line, in characters.
    pub cols: u32,
    /// Lines.
    pub rows: u32,
}

impl TextGrid {
    /// Lays `text` out: tabs as 4 spaces, lines wrapped at [`COLS`], at most [`ROWS`] lines
    /// (the last says how many were cut), characters outside ASCII as `?`.
    #[must_use]
    pub fn new(text: &str) -> Self {
        let mut lines: Vec<Vec<u32>> = Vec::new();
        for line in text.replace('\t', "    ").lines() {
            let codes: Vec<u32> = line
                .chars()
                .map(|c| {
                    if (' '..='~').contains(&c) {
                        c as u32
                    } else {
                        u32::from(b'?')
                    }
                })
                .collect();
            if codes.is_empty() {
                lines.push(Vec::new());
            }
            for chunk in codes.chunks(COLS as usize) {
                lines.push(chunk.to_vec());
            }
        }
        if lines.len() > ROWS as usize {
            let cut = lines.len() - (ROWS as usize - 1);
            lines.truncate(ROWS as usize - 1);
            lines.push(
                format!("... ({cut} more lines)")
                    .bytes()
                    .map(u32::from)
                    .collect(),
            );
        }
        let mut codes = vec![u32::from(b' '); (COLS * ROWS) as usize];
        for (r, line) in lines.iter().enumerate() {
            codes[r * COLS as usize..][..line.len()].copy_from_slice(line);
        }
        let cols = lines.iter().map(Vec::len).max().unwrap_or(0) as u32;
        Self {
            codes,
            cols,
            rows: lines.len() as u32,
        }
    }
}

/// The overlay's GPU state (made on first use, kept while the engine lives).
#[derive(Debug)]
pub(crate) struct Overlay {
    font: GpuTexture,
    text: GpuTexture,
    layout: wgpu::BindGroupLayout,
    pipeline_layout: wgpu::PipelineLayout,
    module: Option<wgpu::ShaderModule>,
    pipelines: HashMap<wgpu::TextureFormat, wgpu::RenderPipeline>,
    bind_group: CachedBindGroup,
    slot: UniformSlot,
}

impl Overlay {
    /// Makes the font and text textures and the layout.
    #[must_use]
    pub fn new(gpu: &Gpu) -> Self {
        let texture =
            |label, width, height, format| gpu.create_data_texture(label, (width, height), format);
        let font = texture("vivid.overlay.font", 128, 64, wgpu::TextureFormat::R8Unorm);
        let text = texture(
            "vivid.overlay.text",
            COLS,
            ROWS,
            wgpu::TextureFormat::R32Uint,
        );
        // 128 glyphs, 16 a row; bit x of row y of a glyph is its pixel (x, y).
        let mut pixels = vec![0u8; 128 * 64];
        for (code, glyph) in font8x8::legacy::BASIC_LEGACY.iter().enumerate() {
            let (gx, gy) = ((code % 16) * 8, (code / 16) * 8);
            for (y, row) in glyph.iter().enumerate() {
                for x in 0..8 {
                    if row >> x & 1 == 1 {
                        pixels[(gy + y) * 128 + gx + x] = 255;
                    }
                }
            }
        }
        write(gpu, &font.texture, &pixels, 128, (128, 64));
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty,
            count: None,
        };
        let texture_entry = |binding, sample_type| {
            entry(
                binding,
                wgpu::BindingType::Texture {
                    sample_type,
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
            )
        };
        let layout = gpu.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("vivid.overlay.layout"),
            entries: &[
                entry(
                    0,
                    wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: true,
                        min_binding_size: None,
                    },
                ),
                texture_entry(1, wgpu::TextureSampleType::Float { filterable: false }),
                texture_entry(2, wgpu::TextureSampleType::Uint),
            ],
        });
        let pipeline_layout = gpu.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("vivid.overlay.pipeline_layout"),
            bind_group_layouts: &[Some(&layout)],
            immediate_size: 0,
        });
        Self {
            font,
            text,
            layout,
            pipeline_layout,
            module: None,
            pipelines: HashMap::new(),
            bind_group: CachedBindGroup::default(),
            slot: UniformSlot::default(),
        }
    }

    /// Uploads the text (only when it changed: this is not a steady frame).
    pub(crate) fn set_text(&mut self, gpu: &Gpu, grid: &TextGrid) {
        write(
            gpu,
            &self.text.texture,
            bytemuck::cast_slice(&grid.codes),
            COLS * 4,
            (COLS, ROWS),
        );
    }

    /// This frame's uniforms: the box for `grid` in a target of `size`.
    pub fn write_uniforms(
        &mut self,
        out: &mut UniformWriter<'_>,
        grid: &TextGrid,
        size: (u32, u32),
        srgb: bool,
    ) {
        let scale = if size.0 >= 1100 { 2.0 } else { 1.0 };
        let cell = [8.0 * scale, 10.0 * scale];
        let box_min = [8.0, 8.0];
        let box_max = [
            (box_min[0] + grid.cols as f32 * cell[0] + 2.0 * PADDING).min(size.0 as f32 - 8.0),
            (box_min[1] + grid.rows as f32 * cell[1] + 2.0 * PADDING).min(size.1 as f32 - 8.0),
        ];
        self.slot = out.push(&OverlayUniforms {
            box_min,
            box_max,
            cell,
            grid: [COLS, ROWS],
            target_is_srgb: u32::from(srgb),
            _pad: [0; 3],
        });
    }

    /// The pipeline for `format` and the bind group (made once each).
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        uniforms: &UniformArena,
        format: wgpu::TextureFormat,
    ) -> Result<()> {
        if !self.pipelines.contains_key(&format) {
            if self.module.is_none() {
                let composed = shaders.compose("engine/overlay.wgsl")?;
                self.module = Some(gpu.scoped("compiling overlay.wgsl", || {
                    gpu.create_shader_module(wgpu::ShaderModuleDescriptor {
                        label: Some("vivid.overlay"),
                        source: wgpu::ShaderSource::Wgsl(composed.text.into()),
                    })
                })?);
            }
            let Some(module) = &self.module else {
                return Ok(());
            };
            let pipeline = gpu.scoped("creating the overlay pipeline", || {
                gpu.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
                    label: Some("vivid.overlay.pipeline"),
                    layout: Some(&self.pipeline_layout),
                    vertex: wgpu::VertexState {
                        module,
                        entry_point: Some("vs_fullscreen"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        buffers: &[],
                    },
                    primitive: wgpu::PrimitiveState::default(),
                    depth_stencil: None,
                    multisample: wgpu::MultisampleState::default(),
                    fragment: Some(wgpu::FragmentState {
                        module,
                        entry_point: Some("fs_main"),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        targets: &[Some(wgpu::ColorTargetState {
                            format,
                            blend: None,
                            write_mask: wgpu::ColorWrites::ALL,
                        })],
                    }),
                    multiview_mask: None,
                    cache: None,
                })
            })?;
            self.pipelines.insert(format, pipeline);
        }
        let buffer = uniforms
            .buffer()
            .ok_or_else(|| EngineError::Param("uniform arena not allocated".into()))?;
        let (layout, font, text) = (&self.layout, &self.font, &self.text);
        self.bind_group
            .get_or_create(&[uniforms.buffer_id(), font.id(), text.id()], || {
                gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("vivid.overlay.bind_group"),
                    layout,
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                                buffer,
                                offset: 0,
                                size: wgpu::BufferSize::new(size_of::<OverlayUniforms>() as u64),
                            }),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: wgpu::BindingResource::TextureView(&font.view),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: wgpu::BindingResource::TextureView(&text.view),
                        },
                    ],
                })
            });
        Ok(())
    }

    /// Draws the box over `target` (of `format`), keeping what is outside it.
    pub fn draw(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        format: wgpu::TextureFormat,
    ) {
        let (Some(pipeline), Some(bind_group)) =
            (self.pipelines.get(&format), self.bind_group.get())
        else {
            return;
        };
        let mut pass =
            crate::fullscreen::color_pass(encoder, "vivid.overlay", target, wgpu::LoadOp::Load);
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind_group, &[self.slot.offset]);
        pass.draw(0..3, 0..1);
    }
}

fn write(
    gpu: &Gpu,
    texture: &wgpu::Texture,
    data: &[u8],
    bytes_per_row: u32,
    (width, height): (u32, u32),
) {
    gpu.queue().write_texture(
        texture.as_image_copy(),
        data,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(bytes_per_row),
            rows_per_image: Some(height),
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_laid_out_on_the_grid() {
        let g = TextGrid::new("ab\n\tc\né");
        assert_eq!((g.cols, g.rows), (5, 3));
        assert_eq!(g.codes[0], u32::from(b'a'));
        assert_eq!(g.codes[COLS as usize + 4], u32::from(b'c'));
        assert_eq!(g.codes[2 * COLS as usize], u32::from(b'?'));
        let long = "x".repeat(COLS as usize + 3);
        assert_eq!(TextGrid::new(&long).rows, 2);
        let many = "l\n".repeat(100);
        let g = TextGrid::new(&many);
        assert_eq!(g.rows, ROWS);
    }
}
