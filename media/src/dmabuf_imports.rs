//! The media operators' DMA-BUF imports: a frame that arrived in DMA-BUF memory
//! (`dmabuf::describe`, carried by [`Frame::dmabuf`]) is drawn from its own memory — its
//! planes imported by `vivid_dmabuf::import::import_textures` and converted by the very
//! pass (`media/shaders/video.wgsl`, same fit, flip and colorimetry) that draws uploaded
//! frames — with no CPU copy.
//!
//! Imports are made in prepare only and cached by the buffer's identity (the fd's device
//! and inode plus size, fourcc, modifier, offsets and strides), at most [`CACHE`]: a
//! decoder's pool cycling through a few buffers is imported once per buffer, and a steady
//! frame creates nothing. A buffer seen in encode before it was imported is uploaded
//! through the CPU that once and imported in the next prepare (the prepare key names the
//! buffers wanted); a buffer the device refuses is uploaded from then on, the reason
//! logged once. Imports leave the cache least recently shown first, and all of them when
//! the operator's stream goes (its producer's pool with it).
//!
//! The frame shown is held — its `gst::Buffer` and with it the producer's pool slot —
//! until the GPU work that read it has completed: when another frame replaces it, it is
//! handed to `Queue::on_submitted_work_done` (every frame that read it was submitted by
//! then), and dropped when the engine's poll sees that work done.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use vivid_dmabuf::import::Identity;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{Counters, PrepareCx};
use vivid_engine::resources::{SamplerKind, UniformSlot};
use vivid_engine::{EngineError, Result};

use crate::dmabuf::FallbackLog;
use crate::frame::{Accept, Format, Frame, Layout};
use crate::upload::VideoUniforms;

/// Imports an operator keeps: a decoder's or camera's pool is 3–8 buffers deep.
pub const CACHE: usize = 8;

/// One imported buffer, with the pass bound to its planes.
#[derive(Debug)]
struct Cached {
    identity: Identity,
    /// Kept alive with the pass's bind group (one texture per plane).
    planes: Vec<GpuTexture>,
    /// The 1×1 format texel `video.wgsl` reads (layout, matrix, range, alpha).
    texel: GpuTexture,
    pass: FullscreenPass,
    /// When it was last shown (encode count), for eviction.
    used: u64,
}

/// What drew the operator's output last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Drawn {
    /// The upload's textures (or nothing yet).
    Upload,
    /// Import `cache[i]`'s pass.
    Import(Identity),
}

/// An operator's DMA-BUF imports (see the module's comment).
#[derive(Debug)]
pub struct Imports {
    /// What the device imports (asked once, in the first prepare).
    accept: Option<Accept>,
    cache: Vec<Cached>,
    /// Frames seen in encode whose buffer is not imported yet: imported in the next
    /// prepare (the frame is held until then, and with it the fd).
    wanted: Vec<Arc<Frame>>,
    /// Buffers the device refused, and why: uploaded from then on.
    refused: HashMap<Identity, String>,
    /// The frame drawn last (held until the frames that read it have completed).
    showing: Option<Arc<Frame>>,
    drawn: Drawn,
    /// The id of the frame seen last (a frame shown again is not new).
    last: Option<u64>,
    /// The queue the reads go to (to hand frames back once they completed).
    queue: Option<wgpu::Queue>,
    encodes: u64,
    log: FallbackLog,
}

impl Default for Imports {
    fn default() -> Self {
        Self {
            accept: None,
            cache: Vec::new(),
            wanted: Vec::new(),
            refused: HashMap::new(),
            showing: None,
            drawn: Drawn::Upload,
            last: None,
            queue: None,
            encodes: 0,
            log: FallbackLog::default(),
        }
    }
}

/// The format texel of an imported frame: what `video.wgsl` reads its planes as. An
/// `AR24`/`XR24` buffer is imported as `Bgra8Unorm`, which samples as R, G, B, A already.
fn texel_of(format: &Format) -> [u8; 4] {
    let layout = match format.layout {
        Layout::Bgra => Layout::Rgba,
        Layout::Bgrx => Layout::Rgbx,
        other => other,
    };
    [
        layout.code(),
        format.matrix as u8,
        format.range as u8,
        u8::from(format.layout.has_alpha()),
    ]
}

impl Imports {
    /// What a newly opened source's sink may accept: DMA-BUF frames when the device imports
    /// them, P010 ones too when it has 16-bit normalized textures (asked once).
    pub fn enabled(&mut self, cx: &PrepareCx<'_>) -> Accept {
        *self.accept.get_or_insert_with(|| {
            let dmabuf = vivid_dmabuf::caps(cx.gpu.device(), wgpu::TextureFormat::Rgba8Unorm)
                .is_ok_and(|c| c.import_dmabuf);
            let p010 = dmabuf
                && cx
                    .gpu
                    .device()
                    .features()
                    .contains(wgpu::Features::TEXTURE_FORMAT_16BIT_NORM);
            Accept { dmabuf, p010 }
        })
    }

    /// Hashes what selects GPU objects: the buffers imported or wanted (a new buffer
    /// prepares once; a steady stream does not).
    pub fn key(&self, h: &mut impl Hasher) {
        let mut ids: Vec<u64> = self
            .cache
            .iter()
            .map(|c| c.identity)
            .chain(
                self.wanted
                    .iter()
                    .filter_map(|f| f.dmabuf.as_ref().map(|d| d.identity)),
            )
            .map(|id| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                id.hash(&mut h);
                h.finish()
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.hash(h);
    }

    /// Imports the buffers wanted and binds every import's pass to `cx.output`. A buffer
    /// the device refuses is remembered (uploaded from then on) and its reason logged
    /// once; it fails nothing else.
    pub fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        if self.queue.is_none() {
            self.queue = Some(cx.gpu.queue().clone());
        }
        for frame in std::mem::take(&mut self.wanted) {
            let Some(d) = &frame.dmabuf else { continue };
            if self.cache.iter().any(|c| c.identity == d.identity)
                || self.refused.contains_key(&d.identity)
            {
                continue;
            }
            match vivid_dmabuf::import::import_textures(cx.gpu, &d.fd, &d.identity) {
                Ok(planes) => {
                    let texel = cx.gpu.create_texel_texture(
                        "vivid.video.import_format",
                        wgpu::TextureFormat::Rgba8Unorm,
                        texel_of(&frame.format),
                    );
                    self.cache.push(Cached {
                        identity: d.identity,
                        planes,
                        texel,
                        pass: FullscreenPass::new("video.wgsl", size_of::<VideoUniforms>()),
                        used: self.encodes,
                    });
                }
                Err(e) => {
                    let reason = format!("the device refused its DMA-BUF ({e})");
                    self.log.note(cx.name, &reason);
                    self.refused.insert(d.identity, reason);
                }
            }
        }
        self.evict();
        let dummy = cx.dummy;
        let output = cx.output;
        for c in &mut self.cache {
            let planes = &c.planes;
            let plane = |i: usize| planes.get(i).unwrap_or(dummy);
            let inputs = [plane(0), plane(1), dummy, dummy, &c.texel];
            c.pass
                .prepare(cx, &inputs, output, SamplerKind::LinearClamp)
                .map_err(|e| EngineError::Param(format!("`{}`: {e}", cx.name)))?;
        }
        Ok(())
    }

    /// Drops the least recently shown imports beyond [`CACHE`] (never the one shown).
    fn evict(&mut self) {
        while self.cache.len() > CACHE {
            let shown = match self.drawn {
                Drawn::Import(id) => Some(id),
                Drawn::Upload => None,
            };
            let Some(oldest) = (0..self.cache.len())
                .filter(|&i| Some(self.cache[i].identity) != shown)
                .min_by_key(|&i| self.cache[i].used)
            else {
                return;
            };
            self.cache.swap_remove(oldest);
        }
    }

    /// Every import goes (the stream that made them went: its pool with it). The frame
    /// shown is handed back once the frames that read it completed.
    pub fn clear(&mut self) {
        self.release_shown();
        self.cache.clear();
        self.wanted.clear();
        self.refused.clear();
        self.drawn = Drawn::Upload;
        self.last = None;
    }

    /// Hands the frame shown back once the GPU work submitted so far has completed.
    fn release_shown(&mut self) {
        if let Some(frame) = self.showing.take() {
            match &self.queue {
                Some(queue) => queue.on_submitted_work_done(move || drop(frame)),
                None => drop(frame),
            }
        }
    }

    /// Draws `frame` from its imported buffer if it is one (or, with no new frame, the
    /// import drawn last) into the pass's output, and says so (`true`); `false`: the
    /// caller uploads and draws it. A DMA-BUF frame not imported yet is wanted for the
    /// next prepare, and one uploaded is counted (`dmabuf_uploaded`); a new one drawn
    /// from its import is counted as `dmabuf_imported`.
    pub fn encode(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        frame: Option<&Arc<Frame>>,
        slot: UniformSlot,
        name: &str,
        stats: &mut Counters,
    ) -> bool {
        self.encodes += 1;
        let new = frame.filter(|f| self.last != Some(f.id));
        let Some(frame) = new else {
            // Nothing new: what drew last draws again.
            return match self.drawn {
                Drawn::Import(id) => self.dispatch(encoder, id, slot, name),
                Drawn::Upload => false,
            };
        };
        self.last = Some(frame.id);
        let Some(d) = &frame.dmabuf else {
            self.release_shown();
            self.drawn = Drawn::Upload;
            return false;
        };
        let id = d.identity;
        if !self.cache.iter().any(|c| c.identity == id) {
            // Refused: uploaded from now on (the reason was logged once). Not imported yet:
            // uploaded this once, imported in the next prepare.
            if let Some(reason) = self.refused.get(&id) {
                self.log.note(name, reason);
            } else if self.wanted.len() < CACHE
                && !self
                    .wanted
                    .iter()
                    .any(|f| f.dmabuf.as_ref().is_some_and(|w| w.identity == id))
            {
                // One frame per buffer, at most CACHE of them: held (with their buffers)
                // only until the next prepare, which a new identity brings.
                self.wanted.push(frame.clone());
            }
            stats.add("dmabuf_uploaded", 1);
            self.release_shown();
            self.drawn = Drawn::Upload;
            return false;
        }
        self.release_shown();
        self.showing = Some(frame.clone());
        self.drawn = Drawn::Import(id);
        stats.add("dmabuf_imported", 1);
        self.dispatch(encoder, id, slot, name)
    }

    fn dispatch(
        &mut self,
        encoder: &mut wgpu::CommandEncoder,
        id: Identity,
        slot: UniformSlot,
        name: &str,
    ) -> bool {
        let used = self.encodes;
        match self.cache.iter_mut().find(|c| c.identity == id) {
            Some(c) => {
                c.used = used;
                c.pass.dispatch(encoder, slot, name);
                true
            }
            None => false,
        }
    }
}

impl Drop for Imports {
    fn drop(&mut self) {
        self.release_shown();
    }
}

#[cfg(test)]
mod tests {
    use super::texel_of;
    use crate::colorimetry::{Matrix, Range};
    use crate::frame::{Format, Layout};

    /// An imported `AR24` frame samples as R, G, B, A (`Bgra8Unorm`): its texel says RGBA,
    /// not BGRA (which would swap red and blue a second time); NV12 keeps its colorimetry.
    #[test]
    fn imported_layouts_are_described_as_they_sample() {
        let f = |layout| Format {
            layout,
            width: 2,
            height: 2,
            matrix: Matrix::Bt709,
            range: Range::Limited,
            rate: (30, 1),
        };
        assert_eq!(texel_of(&f(Layout::Bgra))[0], Layout::Rgba.code());
        assert_eq!(texel_of(&f(Layout::Bgrx))[0], Layout::Rgbx.code());
        assert_eq!(texel_of(&f(Layout::Bgra))[3], 1);
        let nv12 = texel_of(&f(Layout::Nv12));
        assert_eq!(
            nv12,
            [
                Layout::Nv12.code(),
                Matrix::Bt709 as u8,
                Range::Limited as u8,
                0
            ]
        );
    }
}
