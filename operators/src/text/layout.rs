//! `text`'s layout and rasterisation on the CPU: lines shaped with harfrust (`HarfBuzz`'s
//! shaping in Rust: kerning, ligatures, marks), glyph outlines from skrifa, filled — and
//! stroked for the outline — by tiny-skia into 8-bit coverage. All three are maintained
//! crates the workspace already builds (egui uses them).

use harfrust::{ShaperData, UnicodeBuffer};
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider};
use tiny_skia::{FillRule, LineCap, LineJoin, Mask, Path, PathBuilder, Stroke, Transform};

/// The font bundled for `text` without a `font`: `DejaVu Sans`, Latin subset (Bitstream Vera
/// licence with `DejaVu`'s public-domain changes: `operators/fonts/LICENSE-DejaVu.txt`).
pub static DEFAULT_FONT: &[u8] = include_bytes!("../../fonts/DejaVuSans-subset.ttf");

/// A font file's bytes and what shaping it needs, checked once.
pub struct Font {
    data: Vec<u8>,
    shaper: ShaperData,
    units_per_em: f32,
}

impl std::fmt::Debug for Font {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Font")
            .field("bytes", &self.data.len())
            .finish_non_exhaustive()
    }
}

impl Font {
    /// Parses a TrueType or OpenType file. The error says what is wrong with it.
    pub fn new(data: Vec<u8>) -> Result<Self, String> {
        let font =
            FontRef::new(&data).map_err(|e| format!("not a TrueType or OpenType font ({e})"))?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        if metrics.units_per_em == 0 {
            return Err("the font has no units per em (head table)".into());
        }
        if font.outline_glyphs().format().is_none() {
            return Err("the font has no glyph outlines (glyf or CFF)".into());
        }
        let shaper = ShaperData::new(&font);
        let units_per_em = f32::from(metrics.units_per_em);
        Ok(Self {
            data,
            shaper,
            units_per_em,
        })
    }

    fn font(&self) -> FontRef<'_> {
        // Checked in `new`.
        FontRef::new(&self.data)
            .unwrap_or_else(|_| FontRef::new(DEFAULT_FONT).expect("bundled font"))
    }
}

/// Horizontal alignment of each line at the anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// Lines start at the anchor.
    Left,
    /// Lines are centred on it.
    Center,
    /// Lines end at it.
    Right,
}

/// Vertical placement of the block of lines at the anchor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VAlign {
    /// The first line's ascent at the anchor.
    Top,
    /// The block centred on it.
    Middle,
    /// The first line's baseline on it.
    Baseline,
    /// The last line's descent at it.
    Bottom,
}

/// Where and how big, in pixels of the image (y down).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// Font size (the em), pixels.
    pub px: f32,
    /// Distance between baselines, pixels.
    pub line_height: f32,
    /// Alignment of each line at the anchor.
    pub align: Align,
    /// Placement of the block at the anchor.
    pub valign: VAlign,
    /// The anchor, pixels from the top-left corner.
    pub anchor: (f32, f32),
    /// Outline width, pixels (0: none).
    pub outline: f32,
}

/// Coverage of the text in a rectangle of the image.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Raster {
    /// The rectangle: x, y, width, height (within the image; empty when nothing shows).
    pub rect: (u32, u32, u32, u32),
    /// Fill coverage, `width × height`, row by row.
    pub fill: Vec<u8>,
    /// Outline coverage (empty without an outline).
    pub outline: Vec<u8>,
    /// Whether ink fell outside the image (cut off at its edges).
    pub clipped: bool,
}

/// Collects a glyph's outline into a path, placed at a pen position (skrifa's y is up).
struct Pen<'a> {
    path: &'a mut PathBuilder,
    x: f32,
    y: f32,
}

impl OutlinePen for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.path.move_to(self.x + x, self.y - y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.path.line_to(self.x + x, self.y - y);
    }
    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        self.path
            .quad_to(self.x + cx0, self.y - cy0, self.x + x, self.y - y);
    }
    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        self.path.cubic_to(
            self.x + cx0,
            self.y - cy0,
            self.x + cx1,
            self.y - cy1,
            self.x + x,
            self.y - y,
        );
    }
    fn close(&mut self) {
        self.path.close();
    }
}

/// The glyphs of `text` as one path, laid out by `style`, and each line's advance width.
pub fn outline(font: &Font, text: &str, style: &Style) -> (Option<Path>, Vec<f32>) {
    let f = font.font();
    let shaper = font.shaper.shaper(&f).build();
    let outlines = f.outline_glyphs();
    let metrics = f.metrics(Size::new(style.px), LocationRef::default());
    let scale = style.px / font.units_per_em;
    let lines: Vec<&str> = text.split('\n').collect();
    let n = lines.len() as f32;
    // Baseline of the first line.
    let first = match style.valign {
        VAlign::Top => style.anchor.1 + metrics.ascent,
        VAlign::Baseline => style.anchor.1,
        VAlign::Middle => {
            let block = metrics.ascent - metrics.descent + (n - 1.0) * style.line_height;
            style.anchor.1 - block / 2.0 + metrics.ascent
        }
        VAlign::Bottom => style.anchor.1 + metrics.descent - (n - 1.0) * style.line_height,
    };
    let mut path = PathBuilder::new();
    let mut widths = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(line);
        buffer.guess_segment_properties();
        let glyphs = shaper.shape(buffer, harfrust::ShapeOptions::new());
        let width: f32 = glyphs
            .glyph_positions()
            .iter()
            .map(|p| p.x_advance as f32 * scale)
            .sum();
        widths.push(width);
        let mut x = match style.align {
            Align::Left => style.anchor.0,
            Align::Center => style.anchor.0 - width / 2.0,
            Align::Right => style.anchor.0 - width,
        };
        let baseline = first + i as f32 * style.line_height;
        for (info, pos) in glyphs.glyph_infos().iter().zip(glyphs.glyph_positions()) {
            if let Some(glyph) = outlines.get(GlyphId::new(info.glyph_id)) {
                let mut pen = Pen {
                    path: &mut path,
                    x: x + pos.x_offset as f32 * scale,
                    y: baseline - pos.y_offset as f32 * scale,
                };
                let settings = DrawSettings::unhinted(Size::new(style.px), LocationRef::default());
                let _ = glyph.draw(settings, &mut pen);
            }
            x += pos.x_advance as f32 * scale;
        }
    }
    (path.finish(), widths)
}

/// Rasterises `text` for an image of `size`: fill and outline coverage over the part of
/// the image the ink covers.
pub fn raster(font: &Font, text: &str, style: &Style, size: (u32, u32)) -> Raster {
    let (Some(path), _) = outline(font, text, style) else {
        return Raster::default();
    };
    let stroked = (style.outline > 0.0)
        .then(|| {
            let stroke = Stroke {
                width: 2.0 * style.outline,
                line_cap: LineCap::Round,
                line_join: LineJoin::Round,
                ..Stroke::default()
            };
            path.stroke(&stroke, 1.0)
        })
        .flatten();
    let b = stroked.as_ref().map_or(path.bounds(), Path::bounds);
    let clamp = |v: f32, hi: u32| (v.max(0.0) as u32).min(hi);
    let (x0, y0) = (
        clamp(b.left().floor() - 1.0, size.0),
        clamp(b.top().floor() - 1.0, size.1),
    );
    let (x1, y1) = (
        clamp(b.right().ceil() + 1.0, size.0),
        clamp(b.bottom().ceil() + 1.0, size.1),
    );
    let clipped = b.left().floor() - 1.0 < 0.0
        || b.top().floor() - 1.0 < 0.0
        || b.right().ceil() + 1.0 > size.0 as f32
        || b.bottom().ceil() + 1.0 > size.1 as f32;
    if x1 <= x0 || y1 <= y0 {
        return Raster {
            clipped,
            ..Raster::default()
        };
    }
    let (w, h) = (x1 - x0, y1 - y0);
    let at = Transform::from_translate(-(x0 as f32), -(y0 as f32));
    let cover = |p: &Path| {
        Mask::new(w, h).map_or_else(Vec::new, |mut m| {
            m.fill_path(p, FillRule::Winding, true, at);
            m.data().to_vec()
        })
    };
    Raster {
        rect: (x0, y0, w, h),
        fill: cover(&path),
        outline: stroked.as_ref().map_or_else(Vec::new, cover),
        clipped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn style(align: Align) -> Style {
        Style {
            px: 40.0,
            line_height: 48.0,
            align,
            valign: VAlign::Baseline,
            anchor: (200.0, 60.0),
            outline: 0.0,
        }
    }

    #[test]
    fn the_bundled_font_loads_and_lays_out_lines() {
        let font = Font::new(DEFAULT_FONT.to_vec()).unwrap();
        let (path, widths) = outline(&font, "Hello\nvivid 0123", &style(Align::Left));
        assert!(path.is_some());
        assert_eq!(widths.len(), 2);
        assert!(widths[1] > widths[0]);
        assert!(Font::new(b"not a font".to_vec()).is_err());
    }

    #[test]
    fn alignment_moves_the_ink_by_the_line_width() {
        let font = Font::new(DEFAULT_FONT.to_vec()).unwrap();
        let size = (400, 100);
        let left = raster(&font, "Tx", &style(Align::Left), size);
        let right = raster(&font, "Tx", &style(Align::Right), size);
        let (_, widths) = outline(&font, "Tx", &style(Align::Left));
        let shift = left.rect.0 as f32 - right.rect.0 as f32;
        assert!((shift - widths[0]).abs() <= 1.0, "{shift} vs {}", widths[0]);
    }
}
