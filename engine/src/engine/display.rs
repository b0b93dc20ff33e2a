//! Where a frame goes: the display blit, the overlay text, thumbnails, the readback.

use super::Engine;
use crate::error::{EngineError, Result};
use crate::fullscreen::Blit;
use crate::gpu::{Gpu, GpuTexture};
use crate::readback::{FloatImage, Readback};
use crate::resources::{TextureKey, UniformSlot};

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
}

/// Display blit state.
#[derive(Default)]
pub(super) struct Blitter {
    pub(super) pass: Option<Blit>,
    pub(super) slot: UniformSlot,
    /// The engine-owned display texture of [`Target::Copy`].
    pub(super) texture: Option<GpuTexture>,
}

/// Text shown over the output ([`Engine::set_overlay_text`]).
#[derive(Default)]
pub(super) struct OverlayText {
    pub(super) pass: Option<crate::overlay::Overlay>,
    pub(super) grid: Option<crate::overlay::TextGrid>,
    /// The text changed since it was last uploaded.
    pub(super) dirty: bool,
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
pub(super) struct Thumbnail {
    pub(super) texture: GpuTexture,
    pub(super) blit: Blit,
}

/// Thumbnails by node name, each at most `max_side` pixels wide or high.
pub(super) struct Thumbnails {
    pub(super) max_side: u32,
    pub(super) by_name: std::collections::HashMap<String, Thumbnail>,
    pub(super) slot: UniformSlot,
}

impl Thumbnails {
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
                let format = wgpu::TextureFormat::Rgba8UnormSrgb;
                let texture = self.gpu.create_texture(&wgpu::TextureDescriptor {
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
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                        | wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[],
                });
                t.by_name.insert(
                    n.name.clone(),
                    Thumbnail {
                        texture,
                        blit: Blit::new(format, size_of::<BlitUniforms>()),
                    },
                );
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
                self.display.readback = Some(Readback::new(&self.gpu, w, h));
            }
        }
        let format = match target {
            Target::None => return Ok(()),
            Target::View { format, .. } => *format,
            Target::Copy { texture } => {
                let format = texture.format().remove_srgb_suffix();
                let (w, h) = (texture.width(), texture.height());
                let key = TextureKey {
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
                    ..TextureKey::color_with_format(w, h, format)
                };
                let fits = self
                    .display
                    .blit
                    .texture
                    .as_ref()
                    .is_some_and(|d| d.size() == (w, h) && d.format() == format);
                if !fits {
                    if let Some(old) = self.display.blit.texture.take() {
                        self.pool.release(old);
                    }
                    self.display.blit.texture =
                        Some(self.pool.acquire(&self.gpu, key, "vivid.display"));
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
        if let (Some(overlay), Some(grid)) =
            (&mut self.display.overlay.pass, &self.display.overlay.grid)
        {
            if self.display.overlay.dirty {
                overlay.set_text(&self.gpu, grid);
                self.display.overlay.dirty = false;
            }
            match overlay.prepare(&self.gpu, &self.shaders, &self.arena, format) {
                Err(e) if e.is_transient() => log::error!("error overlay: {e}"),
                other => other?,
            }
        }
        Ok(())
    }

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
        if capture && let Some(r) = &self.display.readback {
            r.encode_copy(encoder, &out.texture);
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

    /// Reads the output copied by the last [`render`](Self::render) with `capture`.
    pub fn read_output(&self) -> Result<FloatImage> {
        let r = self
            .display
            .readback
            .as_ref()
            .ok_or_else(|| EngineError::Param("no frame was captured".into()))?;
        r.read(&self.gpu)
    }
}
