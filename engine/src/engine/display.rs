//! Where a frame goes besides the chain: display blit, overlay text, UI pass, thumbnails.
//!
//! The blit letterboxes the output into the target; a host's [`FramePass`] draws over it;
//! the inspector's thumbnails are drawn after each operator; the readback copies the output.

use std::collections::HashMap;

use super::Engine;
use crate::error::{EngineError, Result};
use crate::fullscreen::Blit;
use crate::gpu::{Gpu, GpuTexture};
use crate::readback::{FloatImage, Readback};
use crate::resources::{TextureKey, TexturePool, UniformArena, UniformSlot, UniformWriter};
use crate::shaders::ShaderLibrary;

/// Where a frame goes besides the chain's own textures.
#[derive(Clone, Copy, Debug, Default)]
pub enum Target<'a> {
    /// Nowhere: the host samples [`Engine::output_texture`] itself.
    #[default]
    None,
    /// Blit (letterboxed, converted to `format`) into a view the host owns.
    View {
        /// The view to render into (must allow `RENDER_ATTACHMENT`).
        view: &'a wgpu::TextureView,
        /// Its format (sRGB formats are handled: stored bytes equal display values).
        format: wgpu::TextureFormat,
        /// Its size.
        size: (u32, u32),
        /// Composite over black (a window) instead of keeping alpha.
        opaque: bool,
    },
    /// Blit into an engine-owned display texture, then copy into `texture` (an acquired
    /// surface texture, which must allow `COPY_DST` and match its format up to sRGB-ness).
    Copy {
        /// The destination.
        texture: &'a wgpu::Texture,
    },
}

/// What the engine draws besides the chain: the display blit, the error overlay, the
/// inspector's thumbnails, and the readback of the output.
#[derive(Default)]
pub(super) struct Display {
    pub(super) blit: Blitter,
    /// The output's copy for [`Engine::read_output`].
    pub(super) readback: Option<Readback>,
    /// Keep `readback` ready ([`Engine::set_capture`], or a frame rendered with `capture`).
    pub(super) capture: bool,
    pub(super) overlay: OverlayText,
    /// Small copies of every operator's output (the inspector's chain view).
    pub(super) thumbs: Option<Thumbnails>,
    /// A host's copy of every frame's output ([`Engine::set_output_tap`]: a recorder).
    pub(super) tap: Option<Box<dyn crate::tap::OutputTap>>,
    /// The part of the target the output is letterboxed into ([`Engine::set_display_area`]);
    /// none: all of it.
    pub(super) area: Option<DisplayArea>,
}

/// A rectangle of the target, in its pixels: where the output is letterboxed into when a
/// host's UI covers the rest ([`Engine::set_display_area`]).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DisplayArea {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

/// Display blit state.
#[derive(Default)]
pub(super) struct Blitter {
    pub(super) pass: Option<Blit>,
    pub(super) slot: UniformSlot,
    /// The engine-owned display texture of [`Target::Copy`].
    pub(super) texture: Option<GpuTexture>,
}

impl Blitter {
    /// The display texture for copies into `target` (its format without sRGB), from the pool
    /// when there is none of that size and format. Returns the format and whether it was
    /// made again.
    fn ensure_texture(
        &mut self,
        gpu: &Gpu,
        pool: &mut TexturePool,
        target: &wgpu::Texture,
    ) -> (wgpu::TextureFormat, bool) {
        let format = target.format().remove_srgb_suffix();
        let (w, h) = (target.width(), target.height());
        let key = TextureKey {
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            ..TextureKey::color_with_format(w, h, format)
        };
        let fits = self
            .texture
            .as_ref()
            .is_some_and(|d| d.size() == (w, h) && d.format() == format);
        if !fits {
            if let Some(old) = self.texture.take() {
                pool.release(old);
            }
            self.texture = Some(pool.acquire(gpu, key, "vivid.display"));
        }
        (format, !fits)
    }
}

/// Text shown over the output ([`Engine::set_overlay_text`]).
#[derive(Default)]
pub(super) struct OverlayText {
    pub(super) pass: Option<crate::overlay::Overlay>,
    pub(super) grid: Option<crate::overlay::TextGrid>,
    /// The text changed since it was last uploaded.
    pub(super) dirty: bool,
}

impl OverlayText {
    /// When there is a text: uploads it if it changed, and prepares the overlay's pass for
    /// a target of `format`.
    fn prepare(
        &mut self,
        gpu: &Gpu,
        shaders: &ShaderLibrary,
        arena: &UniformArena,
        format: wgpu::TextureFormat,
    ) -> Result<()> {
        let (Some(overlay), Some(grid)) = (&mut self.pass, &self.grid) else {
            return Ok(());
        };
        if self.dirty {
            overlay.set_text(gpu, grid);
            self.dirty = false;
        }
        match overlay.prepare(gpu, shaders, arena, format) {
            Err(e) if e.is_transient() => log::error!("error overlay: {e}"),
            other => other?,
        }
        Ok(())
    }
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct BlitUniforms {
    pub(super) scale: [f32; 2],
    pub(super) offset: [f32; 2],
    pub(super) target_is_srgb: u32,
    pub(super) opaque: u32,
    pub(super) _pad: [u32; 2],
}

/// A pass drawn over the display after the blit, in the frame's one encoder (the
/// inspector's UI). Like an operator it creates objects only in `prepare`.
pub trait FramePass {
    /// Before the frame's encoder: makes what is missing for a target of `format`, through
    /// `gpu`'s counted constructors.
    fn prepare(&mut self, gpu: &Gpu, format: wgpu::TextureFormat) -> Result<()>;
    /// Records its drawing onto `target` (`size` pixels), after the display blit.
    fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &wgpu::TextureView,
        size: (u32, u32),
    );
    /// After the frame's submit.
    fn after_submit(&mut self, submission: &wgpu::SubmissionIndex);
}

/// One operator's thumbnail: its output blitted into a small sRGB texture after it runs.
struct Thumbnail {
    texture: GpuTexture,
    blit: Blit,
}

impl Thumbnail {
    /// A `w`×`h` thumbnail (nothing drawn yet).
    fn new(gpu: &Gpu, w: u32, h: u32) -> Self {
        let format = wgpu::TextureFormat::Rgba8UnormSrgb;
        let texture = gpu.create_texture(&wgpu::TextureDescriptor {
            label: Some("vivid.thumbnail"),
            size: wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        Self {
            texture,
            blit: Blit::new(format, size_of::<BlitUniforms>()),
        }
    }
}

/// Thumbnails by node name, each at most `max_side` pixels wide or high.
pub(super) struct Thumbnails {
    max_side: u32,
    by_name: HashMap<String, Thumbnail>,
    slot: UniformSlot,
}

impl Thumbnails {
    /// None yet, each at most `max_side` pixels a side (8 to 512).
    pub(super) fn new(max_side: u32) -> Self {
        Self {
            max_side: max_side.clamp(8, 512),
            by_name: HashMap::new(),
            slot: UniformSlot::default(),
        }
    }

    /// The longest side of a thumbnail.
    pub(super) fn max_side(&self) -> u32 {
        self.max_side
    }

    /// Draws node `name`'s output (bound when prepared) into its thumbnail.
    pub(super) fn draw(&self, encoder: &mut wgpu::CommandEncoder, name: &str) {
        if let Some(thumb) = self.by_name.get(name) {
            thumb.blit.draw(encoder, &thumb.texture.view, self.slot);
        }
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.by_name.retain(|name, _| keep(name));
    }

    /// The thumbnail size for an output of `size`, keeping its aspect ratio.
    pub(super) fn size_for(&self, [w, h]: [u32; 2]) -> (u32, u32) {
        let m = self.max_side as f32;
        let (w, h) = (w.max(1) as f32, h.max(1) as f32);
        let s = (m / w).min(m / h);
        (
            ((w * s).round() as u32).max(1),
            ((h * s).round() as u32).max(1),
        )
    }
}

impl Display {
    /// Phase 4, the display's part: the thumbnails' blit uniforms, then (with a target) the
    /// display blit's, letterboxing the output (`shown` pixels), and the overlay's.
    pub(super) fn write_uniforms(
        &mut self,
        w: &mut UniformWriter<'_>,
        shown: [u32; 2],
        target: &Target<'_>,
    ) {
        if let Some(t) = &mut self.thumbs {
            t.slot = w.push(&BlitUniforms {
                scale: [1.0, 1.0],
                offset: [0.0, 0.0],
                target_is_srgb: 1,
                opaque: 0,
                _pad: [0; 2],
            });
        }
        let (tsize, srgb, opaque) = match target {
            Target::None => return,
            Target::View {
                size,
                format,
                opaque,
                ..
            } => (*size, format.is_srgb(), *opaque),
            Target::Copy { texture } => ((texture.width(), texture.height()), false, true),
        };
        let (scale, offset) = letterbox(shown, tsize, self.area);
        self.blit.slot = w.push(&BlitUniforms {
            scale,
            offset,
            target_is_srgb: u32::from(srgb),
            opaque: u32::from(opaque),
            _pad: [0; 2],
        });
        if let (Some(overlay), Some(grid)) = (&mut self.overlay.pass, &self.overlay.grid) {
            overlay.write_uniforms(w, grid, tsize, srgb);
        }
    }
}

/// Letterbox: the scale and offset (in target UV) that fit an output of `out` pixels inside
/// `area` of a target of `target` pixels (all of it without one), centred, keeping its
/// aspect ratio.
pub(super) fn letterbox(
    out: [u32; 2],
    target: (u32, u32),
    area: Option<DisplayArea>,
) -> ([f32; 2], [f32; 2]) {
    let (ow, oh) = (out[0].max(1) as f32, out[1].max(1) as f32);
    let (tw, th) = (target.0.max(1) as f32, target.1.max(1) as f32);
    let a = area.map_or(
        DisplayArea {
            x: 0.0,
            y: 0.0,
            width: tw,
            height: th,
        },
        |a| {
            // Kept inside the target, at least a pixel.
            let x = a.x.clamp(0.0, tw - 1.0);
            let y = a.y.clamp(0.0, th - 1.0);
            DisplayArea {
                x,
                y,
                width: a.width.clamp(1.0, tw - x),
                height: a.height.clamp(1.0, th - y),
            }
        },
    );
    let s = (a.width / ow).min(a.height / oh);
    let (w, h) = (ow * s, oh * s);
    let scale = [w / tw, h / th];
    let offset = [
        (a.x + (a.width - w) * 0.5) / tw,
        (a.y + (a.height - h) * 0.5) / th,
    ];
    (scale, offset)
}

impl Engine {
    /// Operator `name`'s thumbnail (sRGB, premultiplied) and its texture's id, once drawn.
    #[must_use]
    pub fn thumbnail(&self, name: &str) -> Option<(&wgpu::TextureView, u64)> {
        let t = self.display.thumbs.as_ref()?.by_name.get(name)?;
        Some((&t.texture.view, t.texture.id()))
    }

    /// Shows `text` over the output in a box at the top-left of the target (a window, a host
    /// view), or nothing with `None`. Used for shader and chain errors. Changing the text
    /// is a change (warm-up restarts); an unchanged text costs nothing per frame.
    pub fn set_overlay_text(&mut self, text: Option<&str>) {
        let grid = text.map(crate::overlay::TextGrid::new);
        if grid == self.display.overlay.grid {
            return;
        }
        if grid.is_some() && self.display.overlay.pass.is_none() {
            self.display.overlay.pass = Some(crate::overlay::Overlay::new(&self.gpu));
        }
        self.display.overlay.grid = grid;
        self.display.overlay.dirty = true;
        self.stats.mark_changed();
    }

    /// Letterboxes the output into `area` of the target (its pixels) instead of all of it —
    /// the part a host's UI leaves free, as the inspector's panels do — or into all of it
    /// with `None`. The rest of the target is black. Costs nothing per frame: the blit's
    /// uniforms change, no object.
    pub fn set_display_area(&mut self, area: Option<DisplayArea>) {
        self.display.area = area;
    }

    /// The area set by [`set_display_area`](Self::set_display_area).
    #[must_use]
    pub fn display_area(&self) -> Option<DisplayArea> {
        self.display.area
    }

    /// Keeps a readback buffer ready so that [`render`](Self::render) with `capture` adds no
    /// object in a steady frame. Enable before the first frame when a snapshot will be taken.
    pub fn set_capture(&mut self, enabled: bool) {
        self.display.capture = enabled;
        if !enabled {
            self.display.readback = None;
        }
    }

    /// Makes each operator's thumbnail once (again only if its aspect changes) and keeps
    /// its blit's bind group on the operator's output.
    pub(super) fn prepare_thumbnails(&mut self) {
        let (Some(rt), Some(t)) = (&self.chain, &mut self.display.thumbs) else {
            return;
        };
        for (i, n) in rt.nodes.iter().enumerate() {
            if n.info.scene.is_some() {
                continue;
            }
            let Some(source) = rt.output(i) else { continue };
            let (w, h) = t.size_for(n.size);
            let fits = t
                .by_name
                .get(&n.name)
                .is_some_and(|th| th.texture.size() == (w, h));
            if !fits {
                t.by_name
                    .insert(n.name.clone(), Thumbnail::new(&self.gpu, w, h));
            }
            if let Some(th) = t.by_name.get_mut(&n.name)
                && let Err(e) = th.blit.prepare(
                    &self.gpu,
                    &mut self.pipelines,
                    &self.shaders,
                    &self.arena,
                    source,
                )
            {
                log::error!("thumbnail of `{}`: {e}", n.name);
                t.by_name.remove(&n.name);
            }
        }
    }

    /// Phase 5, the display's part: the readback buffer (with capture); with a target, the
    /// display texture of a [`Target::Copy`], the blit for the target's format, and the
    /// overlay.
    pub(super) fn prepare_target(&mut self, target: &Target<'_>) -> Result<()> {
        let Some(rt) = &self.chain else { return Ok(()) };
        let Some(out) = rt.output(rt.shown) else {
            return Ok(());
        };
        if self.display.capture {
            let (w, h) = out.size();
            if self
                .display
                .readback
                .as_ref()
                .is_none_or(|r| r.size() != (w, h))
            {
                // Kept only if it was made; else tried again at the next frame.
                let (made, failed) = self.gpu.create_checked("making the readback buffer", || {
                    Readback::new(&self.gpu, w, h)
                });
                self.display.readback = failed.is_none().then_some(made);
            }
        }
        let format = match target {
            Target::None => return Ok(()),
            Target::View { format, .. } => *format,
            Target::Copy { texture } => {
                let (format, remade) =
                    self.display
                        .blit
                        .ensure_texture(&self.gpu, &mut self.pool, texture);
                if remade {
                    // A resized window is a change, like an edit: warm-up starts again.
                    self.stats.mark_changed();
                }
                format
            }
        };
        if self
            .display
            .blit
            .pass
            .as_ref()
            .is_none_or(|b| b.format() != format)
        {
            self.display.blit.pass = Some(Blit::new(format, size_of::<BlitUniforms>()));
        }
        if let Some(pass) = &mut self.display.blit.pass {
            let prepared = pass.prepare(
                &self.gpu,
                &mut self.pipelines,
                &self.shaders,
                &self.arena,
                out,
            );
            match prepared {
                // Nothing is shown this frame; the blit is prepared again next frame.
                Err(e) if e.is_transient() => log::error!("display: {e}"),
                other => other?,
            }
        }
        self.display
            .overlay
            .prepare(&self.gpu, &self.shaders, &self.arena, format)
    }

    /// Prepares `pass` (a host's UI) for the target's format, if there is a target.
    pub(super) fn prepare_frame_pass(
        &self,
        target: &Target<'_>,
        pass: Option<&mut (dyn FramePass + '_)>,
    ) -> Result<()> {
        let Some(p) = pass else { return Ok(()) };
        let format = match target {
            Target::None => None,
            Target::View { format, .. } => Some(*format),
            Target::Copy { .. } => self.display.blit.texture.as_ref().map(GpuTexture::format),
        };
        if let Some(format) = format {
            match p.prepare(&self.gpu, format) {
                Err(e) if e.is_transient() => log::error!("UI: {e}"),
                other => other?,
            }
        }
        Ok(())
    }

    /// Phase 6, the display's part: the readback copy (with `capture`), then the blit into
    /// the target (letterboxed), the overlay and `ui` over it; for a [`Target::Copy`], into
    /// the display texture, then copied into the target.
    pub(super) fn encode_target(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        target: &Target<'_>,
        capture: bool,
        ui: Option<&mut (dyn FramePass + '_)>,
    ) {
        let Some(rt) = &self.chain else { return };
        let Some(out) = rt.output(rt.shown) else {
            return;
        };
        if capture && let Some(r) = &mut self.display.readback {
            r.encode_copy(encoder, &out.texture);
        }
        if let Some(tap) = &mut self.display.tap {
            tap.encode(encoder, &out.texture);
        }
        let Some(pass) = &self.display.blit.pass else {
            return;
        };
        let overlay = self
            .display
            .overlay
            .pass
            .as_ref()
            .filter(|_| self.display.overlay.grid.is_some());
        match target {
            Target::None => {}
            Target::View {
                view, format, size, ..
            } => {
                pass.draw(encoder, view, self.display.blit.slot);
                if let Some(o) = overlay {
                    o.draw(encoder, view, *format);
                }
                if let Some(ui) = ui {
                    ui.encode(encoder, view, *size);
                }
            }
            Target::Copy { texture } => {
                if let Some(display) = &self.display.blit.texture {
                    pass.draw(encoder, &display.view, self.display.blit.slot);
                    if let Some(o) = overlay {
                        o.draw(encoder, &display.view, display.format());
                    }
                    if let Some(ui) = ui {
                        ui.encode(encoder, &display.view, display.size());
                    }
                    encoder.copy_texture_to_texture(
                        display.texture.as_image_copy(),
                        texture.as_image_copy(),
                        wgpu::Extent3d {
                            width: texture.width(),
                            height: texture.height(),
                            depth_or_array_layers: 1,
                        },
                    );
                }
            }
        }
    }

    /// Installs `tap` (or none): from the next frame on, it copies every frame's output in
    /// the frame's encoder (a recorder). Returns the one it replaces, after its
    /// [`finish`](crate::tap::OutputTap::finish): its copies in flight are handed on.
    pub fn set_output_tap(
        &mut self,
        tap: Option<Box<dyn crate::tap::OutputTap>>,
    ) -> Option<Box<dyn crate::tap::OutputTap>> {
        let mut old = std::mem::replace(&mut self.display.tap, tap);
        if let Some(t) = &mut old {
            t.finish(&self.gpu);
        }
        old
    }

    /// Phase 5, the tap's part: prepares it for this frame's output.
    pub(super) fn prepare_tap(&mut self, time: crate::operator::FrameTime) {
        let size = self.output_size();
        if let (Some(tap), Some(size)) = (&mut self.display.tap, size) {
            tap.prepare(&self.gpu, time, size);
        }
    }

    /// Reads the output copied by the last [`render`](Self::render) with `capture`. Read it
    /// right after that frame: an output larger than the readback buffer
    /// ([`crate::readback::MAX_TILE_BYTES`]) is read in tiles, the first copied in the frame,
    /// the others now. Waits at most the frame deadline (a late frame is then handled at
    /// the next [`render`](Self::render)).
    pub fn read_output(&self) -> Result<FloatImage> {
        let r = self.readback()?;
        r.read(&self.gpu, self.options.frame_deadline, &|| {
            self.late_frame_excused()
        })
        .inspect_err(|e| self.note_error(e))
    }

    /// [`read_output`](Self::read_output) as 8-bit straight RGBA (as a PNG stores it,
    /// [`FloatImage::to_rgba8`]), without the float image in between: a quarter of the
    /// memory, for large snapshots.
    pub fn read_output_rgba8(&self) -> Result<image::RgbaImage> {
        let r = self.readback()?;
        r.read_rgba8(&self.gpu, self.options.frame_deadline, &|| {
            self.late_frame_excused()
        })
        .inspect_err(|e| self.note_error(e))
    }

    /// A late frame found by a read: handled at the next frame.
    fn note_error(&self, e: &EngineError) {
        if matches!(e, EngineError::FrameDeadline { .. }) {
            self.watchdog.note_late();
        }
    }

    fn readback(&self) -> Result<&Readback> {
        self.display
            .readback
            .as_ref()
            .ok_or_else(|| EngineError::Param("no frame was captured".into()))
    }
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "the placements compared are exact (halves of small integers)"
)]
mod tests {
    use super::{DisplayArea, letterbox};

    /// Where the blit puts the output, in target pixels: (x0, y0, x1, y1).
    fn placed(out: [u32; 2], target: (u32, u32), area: Option<DisplayArea>) -> [f32; 4] {
        let (scale, offset) = letterbox(out, target, area);
        let (tw, th) = (target.0 as f32, target.1 as f32);
        [
            offset[0] * tw,
            offset[1] * th,
            (offset[0] + scale[0]) * tw,
            (offset[1] + scale[1]) * th,
        ]
    }

    #[test]
    fn the_output_is_letterboxed_into_the_area() {
        // All of a 16:9 target: all of it.
        assert_eq!(
            placed([640, 360], (1280, 720), None),
            [0.0, 0.0, 1280.0, 720.0]
        );
        // A 16:9 output in a 400x600 area at (100, 50): as wide as the area, centred in it.
        assert_eq!(
            placed(
                [640, 360],
                (1280, 720),
                Some(DisplayArea {
                    x: 100.0,
                    y: 50.0,
                    width: 400.0,
                    height: 600.0
                })
            ),
            [100.0, 237.5, 500.0, 462.5]
        );
        // An area wider than the output's aspect: as high as the area.
        assert_eq!(
            placed(
                [100, 100],
                (1280, 720),
                Some(DisplayArea {
                    x: 0.0,
                    y: 20.0,
                    width: 900.0,
                    height: 500.0
                })
            ),
            [200.0, 20.0, 700.0, 520.0]
        );
    }
}
