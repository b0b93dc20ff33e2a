//! `text`: a string — with placeholders such as `{time:.1}` and `{frame:04}` — in a font
//! from the project (`font`, a `.ttf` or `.otf`) or the bundled `DejaVu Sans`, laid over the
//! input (or transparent black): size, colour, alignment, line spacing, outline.
//!
//! **Cost.** The text is shaped and rasterised on the CPU ([`super::layout`]) into a
//! coverage image the size of the output (fill in red, outline in green, `Rg8Unorm`), and
//! only when what it shows changes: the formatted string, its layout parameters, the size
//! or the font. A `{time:.1}` placeholder re-rasterises ten times a second, not every
//! frame; a title never after its first frame. A text that only moves (an animated
//! `position`) is not rasterised again: the pass reads the coverage shifted by the move,
//! filtered bilinearly (exact for whole pixels, a fraction of a pixel softer between) —
//! unless its raster was cut off at the image's edges, which then shows what was cut. A change uploads only the rows of the old
//! and the new ink (one band, or two when they are far apart), through the engine's
//! staging path: the bytes are pushed into the uniform arena like uniforms and copied into
//! the texture (`copy_buffer_to_texture`) in this operator's encode. Nothing is created in a
//! steady frame: the texture is made once per output size (in prepare, which also uploads
//! its first picture), and the first frame reserves room in the arena for two bands of the
//! block's height (its lines, 1.5 em for ascent and descent, the outline), so a longer
//! string later never grows it. Memory: 2 bytes a pixel for the texture and a CPU copy; in
//! the arena (and its 3 staging buffers) two bands: for a 0.05-high counter at 1920x1080,
//! 2 × 90 rows × 3840 bytes ≈ 0.7 MB. A pass per frame composites it (one texel read per
//! pixel).

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::SystemTime;

use vivid_engine::files::{FileRules, Role};
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::glam::Vec2;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ExprVars, ParamStruct, ParamValues, Rgba, Variables};
use vivid_engine::resources::{SamplerKind, TexturePool, UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result};

use super::format::Template;
use super::layout::{self, DEFAULT_FONT, Font, Raster, Style};

vivid_engine::file_param! {
    /// A font file parameter (`font`).
    pub struct FontFile(Font);
}

vivid_engine::choice_enum! {
    /// Horizontal alignment at `position`.
    pub enum Align {
        /// Lines start at `position`.
        Left = "left",
        /// Lines are centred on it.
        Center = "center",
        /// Lines end at it.
        Right = "right",
    }
}

vivid_engine::choice_enum! {
    /// Vertical placement at `position`.
    pub enum VAlign {
        /// The block of lines centred on it.
        Middle = "middle",
        /// The first line's top (ascent) at it.
        Top = "top",
        /// The first line's baseline on it.
        Baseline = "baseline",
        /// The last line's bottom (descent) at it.
        Bottom = "bottom",
    }
}

vivid_engine::params! {
    /// Parameters of `text`.
    pub struct TextParams {
        /// The text; `\n` starts a line; `{time:.1}`, `{frame:04}`: values (`{{` for a brace).
        text: String = "vivid".to_string(),
        /// A .ttf or .otf file in the project folder (empty: the bundled DejaVu Sans).
        font: FontFile = FontFile::default(),
        /// Font size (the em), in image heights.
        font_size: f32 [0.001, 2.0] = 0.12,
        /// Fill colour.
        color: Rgba = Rgba::WHITE,
        /// Anchor [x, y] in uv (y up).
        position: Vec2 = Vec2::new(0.5, 0.5),
        /// left, center or right of the anchor.
        align: Align = Align::Center,
        /// middle, top, baseline or bottom at the anchor.
        valign: VAlign = VAlign::Middle,
        /// Distance between baselines, in font sizes.
        line_spacing: f32 [0.5, 4.0] = 1.2,
        /// Outline width, in image heights (0: none).
        outline: f32 [0.0, 0.2] = 0.0,
        /// Outline colour.
        outline_color: Rgba = Rgba::BLACK,
    }
}

/// The uniform block of `shaders/text.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct TextUniforms {
    header: FrameHeader,
    color: [f32; 4],
    outline_color: [f32; 4],
    offset: [f32; 2],
    _pad: [f32; 2],
}

/// Where the font came from: a new one is read when any of this changes.
#[derive(Clone, Debug, PartialEq)]
struct Source {
    path: String,
    len: u64,
    modified: Option<SystemTime>,
    generation: u64,
}

/// An uploaded band of rows, waiting for this frame's encode.
#[derive(Clone, Copy, Debug)]
struct Upload {
    slot: UniformSlot,
    y: u32,
    rows: u32,
}

/// `text`.
#[derive(Debug)]
pub struct Text {
    pass: FullscreenPass,
    coverage: Option<GpuTexture>,
    /// The uniform arena's buffer (a handle), the source of uploads.
    arena: Option<wgpu::Buffer>,
    font: Option<(Font, Source)>,
    /// The `text` value and the number of variables it was parsed with, and the result.
    template: Option<((String, usize), std::result::Result<Template, String>)>,
    formatted: String,
    /// What the coverage holds: a hash of the string and its layout.
    drawn: Option<u64>,
    /// The CPU copy of the coverage (2 bytes a pixel) and where its ink is.
    cpu: Vec<u8>,
    cpu_size: (u32, u32),
    ink: (u32, u32, u32, u32),
    /// The anchor the coverage was rasterised at, and whether ink was cut off there.
    raster_anchor: (f32, f32),
    clipped: bool,
    /// Pixels from the raster's anchor to this frame's: a moved text is shifted by the
    /// pass, not rasterised again (unless its raster was cut off at the image's edges).
    offset: [f32; 2],
    /// This frame's uploads: the rows of the old and the new ink (one band when they are
    /// close).
    uploads: [Option<Upload>; 2],
    /// Bytes this operator reserved in the arena (two bands of the block's height).
    reserved: usize,
    rastered: bool,
    slot: UniformSlot,
}

impl Default for Text {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("text.wgsl", size_of::<TextUniforms>()),
            coverage: None,
            arena: None,
            font: None,
            template: None,
            formatted: String::new(),
            drawn: None,
            cpu: Vec::new(),
            cpu_size: (0, 0),
            ink: (0, 0, 0, 0),
            raster_anchor: (0.0, 0.0),
            clipped: false,
            offset: [0.0; 2],
            uploads: [None; 2],
            reserved: 0,
            rastered: false,
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Text {
    const NAME: &'static str = "text";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "Text with {time:.1} / {frame} placeholders, a project font or the bundled DejaVu Sans, outline; over the input or transparent.";
    const INPUTS: InputSpec = InputSpec { min: 0, max: 1 };
    type Params = TextParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("text.wgsl", "Text", size_of::<TextUniforms>())];
}

/// Bytes of one row of an upload (copies need rows of 256-byte multiples).
fn row_bytes(width: u32) -> u32 {
    (width * 2).next_multiple_of(wgpu::COPY_BYTES_PER_ROW_ALIGNMENT)
}

/// Rows a band of ink can span: the block of `text`'s lines, 1.5 em for the ascent and
/// descent of usual fonts, the outline on both sides and a margin (a font that reaches
/// further only makes the arena grow once).
fn band_rows(p: &TextParams, size: (u32, u32), text: &str) -> u32 {
    let h = size.1 as f32;
    let em = p.font_size * h;
    let lines = text.matches('\n').count() as f32;
    let rows = lines * em * p.line_spacing + 1.5 * em + 2.0 * p.outline * h + 4.0;
    (rows.ceil() as u32).clamp(1, size.1)
}

/// The layout of `p` for an image of `size`, in pixels.
fn style(p: &TextParams, size: (u32, u32)) -> Style {
    let h = size.1 as f32;
    let px = p.font_size * h;
    Style {
        px,
        line_height: px * p.line_spacing,
        align: match p.align {
            Align::Left => layout::Align::Left,
            Align::Center => layout::Align::Center,
            Align::Right => layout::Align::Right,
        },
        valign: match p.valign {
            VAlign::Top => layout::VAlign::Top,
            VAlign::Middle => layout::VAlign::Middle,
            VAlign::Baseline => layout::VAlign::Baseline,
            VAlign::Bottom => layout::VAlign::Bottom,
        },
        anchor: (p.position.x * size.0 as f32, (1.0 - p.position.y) * h),
        outline: p.outline * h,
    }
}

/// A hash of everything the coverage depends on.
fn layout_key(text: &str, s: &Style, size: (u32, u32), font: u64) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    size.hash(&mut h);
    font.hash(&mut h);
    // Not the anchor: a text that only moves is shifted, not rasterised again.
    for v in [s.px, s.line_height, s.outline] {
        v.to_bits().hash(&mut h);
    }
    (s.align as u32, s.valign as u32).hash(&mut h);
    h.finish()
}

fn premultiply(c: Rgba) -> [f32; 4] {
    let [red, green, blue, alpha] = c.0;
    [red * alpha, green * alpha, blue * alpha, alpha]
}

/// Where a font parameter's file is, and what it is now, by the file rule
/// ([`vivid_engine::files`]: inside the project or an allowed folder, a regular file, at
/// most [`Role::Font`]'s size), or why it cannot be read.
fn source_of(rules: &FileRules, path: &str, generation: u64) -> Result<Source> {
    let checked = rules
        .check(Path::new(path), Role::Font)
        .map_err(|e| EngineError::Param(format!("{path}: cannot read it ({e})")))?;
    Ok(Source {
        path: path.to_string(),
        len: checked.len,
        modified: checked.modified,
        generation,
    })
}

impl Text {
    /// The font for `path` (empty: the bundled one), read again if the file changed.
    /// Read on the render thread: fonts are small (a few MB at most, [`Role::Font`]
    /// bounds them).
    fn font_for(
        &self,
        rules: &FileRules,
        path: &str,
        generation: u64,
    ) -> Result<Option<(Font, Source)>> {
        let source = if path.is_empty() {
            Source {
                path: String::new(),
                len: DEFAULT_FONT.len() as u64,
                modified: None,
                generation: 0,
            }
        } else {
            source_of(rules, path, generation)?
        };
        if self.font.as_ref().is_some_and(|(_, s)| *s == source) {
            return Ok(None);
        }
        let data = if path.is_empty() {
            DEFAULT_FONT.to_vec()
        } else {
            rules
                .read(Path::new(path), Role::Font)
                .map_err(|e| EngineError::Param(format!("{path}: cannot read it ({e})")))?
        };
        let font = Font::new(data).map_err(|e| EngineError::Param(format!("{path}: {e}")))?;
        Ok(Some((font, source)))
    }

    /// A number naming the loaded font (its source), for the layout key.
    fn font_id(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        if let Some((_, s)) = &self.font {
            s.path.hash(&mut h);
            s.len.hash(&mut h);
            s.generation.hash(&mut h);
        }
        h.finish()
    }

    /// Rasterises the formatted text into the CPU copy; returns the rows that changed —
    /// the old ink's and the new ink's (first, count; either may be empty) — or `None`
    /// when nothing did.
    fn raster(&mut self, params: &TextParams, size: (u32, u32)) -> Option<[(u32, u32); 2]> {
        let (font, _) = self.font.as_ref()?;
        let layout_style = style(params, size);
        let key = layout_key(&self.formatted, &layout_style, size, self.font_id());
        let anchor = layout_style.anchor;
        if self.drawn == Some(key)
            && self.cpu_size == size
            && (anchor == self.raster_anchor || !self.clipped)
        {
            self.offset = [
                anchor.0 - self.raster_anchor.0,
                anchor.1 - self.raster_anchor.1,
            ];
            return None;
        }
        let fresh = self.cpu_size != size;
        if fresh {
            self.cpu = vec![0; (size.0 * size.1 * 2) as usize];
            self.cpu_size = size;
            self.ink = (0, 0, 0, 0);
        }
        let drawn: Raster = layout::raster(font, &self.formatted, &layout_style, size);
        // Clear the old ink, write the new.
        let (ox, oy, ow, oh) = self.ink;
        for y in oy..oy + oh {
            let at = ((y * size.0 + ox) * 2) as usize;
            self.cpu[at..at + (ow * 2) as usize].fill(0);
        }
        let (x0, y0, width, height) = drawn.rect;
        for row in 0..height {
            let at = (((y0 + row) * size.0 + x0) * 2) as usize;
            for col in 0..width as usize {
                let i = (row * width) as usize + col;
                self.cpu[at + 2 * col] = drawn.fill.get(i).copied().unwrap_or(0);
                self.cpu[at + 2 * col + 1] = drawn.outline.get(i).copied().unwrap_or(0);
            }
        }
        self.ink = drawn.rect;
        self.raster_anchor = anchor;
        self.clipped = drawn.clipped;
        self.offset = [0.0; 2];
        self.drawn = Some(key);
        self.rastered = true;
        if fresh {
            return Some([(0, size.1), (0, 0)]);
        }
        // Nothing drawn before or now: nothing to send.
        (oh > 0 || height > 0).then_some([(oy, oh), (y0, height)])
    }

    /// Rows `y..y + rows` of the CPU copy, each padded to the copy alignment.
    fn rows_of(&self, y: u32, rows: u32) -> Vec<u8> {
        let (w, _) = self.cpu_size;
        let stride = row_bytes(w) as usize;
        let mut out = vec![0; stride * rows as usize];
        for r in 0..rows as usize {
            let src = ((y as usize + r) * w as usize) * 2;
            out[r * stride..r * stride + w as usize * 2]
                .copy_from_slice(&self.cpu[src..src + w as usize * 2]);
        }
        out
    }

    /// Formats the string with this frame's values (parsing it again only when it, or the
    /// set of variables, changed).
    fn format(&mut self, p: &TextParams, variables: &Variables, vars: &ExprVars) {
        let stale = self
            .template
            .as_ref()
            .is_none_or(|((src, n), _)| *src != p.text || *n != variables.len());
        if stale {
            let parsed = Template::parse(&p.text, variables);
            self.template = Some(((p.text.clone(), variables.len()), parsed));
        }
        if let Some((_, Ok(t))) = &self.template {
            t.format_into(&mut self.formatted, vars);
        }
    }
}

impl Operator for Text {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: TextParams = cx.params();
        self.format(&p, cx.variables, cx.vars);
        // The first frame (at this size, with this many lines) reserves two bands of the
        // block's height in the arena: later uploads then fit without growing it.
        let band = band_rows(&p, cx.size, &self.formatted);
        let reserve = (2 * band * row_bytes(cx.size.0)) as usize;
        if self.reserved < reserve {
            out.push_bytes(&vec![0; reserve]);
            self.reserved = reserve;
        }
        self.uploads = [None; 2];
        let ready = self.coverage.as_ref().is_some_and(|t| t.size() == cx.size);
        if ready && let Some([old, new]) = self.raster(&p, cx.size) {
            let (top, bottom) = (old.0.min(new.0), (old.0 + old.1).max(new.0 + new.1));
            // One band when they are close (or one is empty), else each on its own.
            let bands = if old.1 == 0 || new.1 == 0 || bottom - top <= 2 * band {
                let (top, bottom) = match (old.1, new.1) {
                    (0, _) => (new.0, new.0 + new.1),
                    (_, 0) => (old.0, old.0 + old.1),
                    _ => (top, bottom),
                };
                [(top, bottom - top), (0, 0)]
            } else {
                [old, new]
            };
            for (k, (y, rows)) in bands.into_iter().enumerate() {
                if rows > 0 {
                    let slot = out.push_bytes(&self.rows_of(y, rows));
                    self.uploads[k] = Some(Upload { slot, y, rows });
                }
            }
        }
        self.slot = out.push(&TextUniforms {
            header: cx.header(),
            color: premultiply(p.color),
            outline_color: premultiply(p.outline_color),
            offset: self.offset,
            _pad: [0.0; 2],
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = TextParams::read(cx.params);
        let size = cx.output.size();
        if let Some((_, Err(e))) = &self.template {
            return Err(EngineError::Param(format!("`{}`: {e}", cx.name)));
        }
        // A font that fails to load leaves the last good one.
        if let Some(font) = self.font_for(cx.files.rules(), &p.font.0, cx.files_generation)? {
            self.font = Some(font);
        }
        let fresh = self.coverage.as_ref().is_none_or(|t| t.size() != size);
        let coverage = match self.coverage.take() {
            Some(t) if t.size() == size => t,
            _ => {
                // A failed one is never kept: the prepare fails and makes it again.
                let gpu = cx.gpu;
                let (made, failed) = gpu.create_checked("vivid.text.coverage", || {
                    gpu.create_data_texture("vivid.text.coverage", size, wgpu::TextureFormat::Rg8Unorm)
                });
                if let Some(e) = failed {
                    return Err(e);
                }
                made
            }
        };
        // A new texture, or a new font: the whole picture now (prepare may upload).
        if fresh || self.raster(&p, size).is_some() {
            self.cpu_size = (0, 0);
            self.raster(&p, size);
            let rows = self.rows_of(0, size.1);
            cx.gpu.queue().write_texture(
                coverage.texture.as_image_copy(),
                &rows,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(row_bytes(size.0)),
                    rows_per_image: None,
                },
                wgpu::Extent3d {
                    width: size.0,
                    height: size.1,
                    depth_or_array_layers: 1,
                },
            );
            self.uploads = [None; 2];
        }
        let input = cx.inputs.first().copied().unwrap_or(cx.dummy);
        let result = self
            .pass
            .prepare(cx, &[input, &coverage], cx.output, SamplerKind::LinearClamp);
        self.arena = cx.uniforms.buffer().cloned();
        self.coverage = Some(coverage);
        result
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let uploads = std::mem::take(&mut self.uploads);
        for up in uploads.into_iter().flatten() {
            let (Some(arena), Some(texture)) = (&self.arena, &self.coverage) else {
                break;
            };
            let (w, _) = texture.size();
            cx.encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer: arena,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: u64::from(up.slot.offset),
                        bytes_per_row: Some(row_bytes(w)),
                        rows_per_image: None,
                    },
                },
                wgpu::TexelCopyTextureInfo {
                    texture: &texture.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d { x: 0, y: up.y, z: 0 },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d {
                    width: w,
                    height: up.rows,
                    depth_or_array_layers: 1,
                },
            );
        }
        if std::mem::take(&mut self.rastered) {
            cx.stats.add("text_rasters", 1);
        }
        self.pass.dispatch(cx.encoder, self.slot, "vivid.text");
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let p = TextParams::read(params);
        let mut h = std::collections::hash_map::DefaultHasher::new();
        p.font.0.hash(&mut h);
        p.text.hash(&mut h);
        h.finish()
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another font file: the old one's memory goes now.
        let p = TextParams::read(params);
        if self.font.as_ref().is_some_and(|(_, s)| s.path != p.font.0) {
            self.font = None;
        }
    }
}
