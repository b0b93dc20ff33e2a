//! `pipeline` and `video_in`: live sources (`live.rs`) as operators. The newest frame is
//! shown; the render thread never waits for one — except, headless and frame-exact, for the
//! first frame after the source opens (so that `--frames 1 --snapshot` shows a picture). A
//! source that fails shows its error (logged once), its last frame stays, and it is opened
//! again off the render thread until it plays (then the error clears). Changing the
//! parameters that select the source opens the new one; the old one shows until the new one
//! plays.

use std::hash::{Hash, Hasher};

use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{UniformSlot, UniformWriter};
use vivid_engine::{EngineError, Result};

use super::Fit;
use super::video::WAIT;
use crate::live::LiveSpec;
use crate::source::SourceThread;
use crate::upload::{Uploader, VideoUniforms, media_error};

/// What a live operator plays (`pipeline`, `video_in`): its parameters and source.
pub trait LiveClip: ParamStruct + std::fmt::Debug + Default + Send + 'static {
    /// The operator's type name.
    const NAME: &'static str;
    /// Its one-line summary.
    const SUMMARY: &'static str;
    /// The source these parameters select, or why there is none.
    fn spec(&self) -> std::result::Result<LiveSpec, String>;
    /// How the frame maps onto the output.
    fn fit(&self) -> Fit;
    /// Upside down.
    fn flip_y(&self) -> bool;
}

/// An open live source.
#[derive(Debug)]
struct Stream {
    source: SourceThread,
    spec: LiveSpec,
    /// Frame-exact: the first frame was waited for.
    waited: bool,
    /// The times it had opened when its imports were made: a reconnection is another
    /// pipeline, with another pool of buffers.
    opens: u64,
}

/// A live operator: `pipeline`, `video_in`.
#[derive(Debug, Default)]
pub struct LiveOp<P: LiveClip> {
    slot: UniformSlot,
    upload: Uploader,
    playing: Option<Stream>,
    pending: Option<Stream>,
    /// Frames in DMA-BUF memory, drawn where they lie.
    #[cfg(unix)]
    imports: crate::dmabuf_imports::Imports,
    /// Says once why frames take the CPU upload (not a DMA-BUF import).
    #[cfg(unix)]
    fallback: crate::dmabuf::FallbackLog,
    params: std::marker::PhantomData<fn() -> P>,
}

impl<P: LiveClip> OperatorType for LiveOp<P> {
    const NAME: &'static str = P::NAME;
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = P::SUMMARY;
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = P;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] = crate::upload::UNIFORMS;
}

/// Hashes what of a stream's status selects GPU objects or must be reported.
fn hash_status(s: Option<&Stream>, h: &mut impl Hasher) {
    if let Some(s) = s {
        let st = s.source.state();
        (st.ready, st.format, st.errors, st.opens, st.error.is_some()).hash(h);
    }
}

impl<P: LiveClip> Operator for LiveOp<P> {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: P = cx.params();
        self.slot = out.push(&VideoUniforms {
            header: cx.header(),
            fit: p.fit() as u32,
            flip_y: u32::from(p.flip_y()),
            pad: [0; 2],
        });
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        P::read(params).spec().hash(&mut h);
        hash_status(self.playing.as_ref(), &mut h);
        hash_status(self.pending.as_ref(), &mut h);
        #[cfg(unix)]
        self.imports.key(&mut h);
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let exact = !crate::realtime();
        let spec = P::read(cx.params)
            .spec()
            .map_err(|e| EngineError::Param(format!("`{}` ({}): {e}", cx.name, P::NAME)))?;
        #[cfg(unix)]
        let accept = self.imports.enabled(cx);
        #[cfg(not(unix))]
        let accept = crate::frame::Accept::default();
        let current = |s: &Option<Stream>| s.as_ref().is_some_and(|s| s.spec == spec);
        if !current(&self.playing) && !current(&self.pending) {
            self.pending = Some(Stream {
                source: crate::live::open(spec.clone(), accept),
                spec: spec.clone(),
                waited: false,
                opens: 0,
            });
        }
        // The source's error while it has one (the thread logs it once; the engine shows it
        // until a reconnection clears it and so changes the prepare key).
        let mut error = None;
        if let Some(p) = &mut self.pending {
            if exact && !p.waited {
                p.source.wait_frame(WAIT);
                p.waited = true;
            }
            let (has_frame, failed) = {
                let st = p.source.state();
                (st.frame.is_some(), st.error.clone())
            };
            if has_frame || (failed.is_some() && self.playing.is_none()) {
                self.playing = self.pending.take();
                // The old source's buffers go with it.
                #[cfg(unix)]
                self.imports.clear();
            } else if let Some(e) = failed {
                // The new source fails while the old one plays on: its error, the old picture.
                error = Some(media_error(&spec.describe(), e));
            }
        }
        if error.is_none()
            && let Some(s) = &self.playing
            && let Some(e) = s.source.state().error.clone()
        {
            error = Some(media_error(&s.spec.describe(), e));
        }
        let format = self.playing.as_ref().and_then(|s| s.source.state().format);
        self.upload.prepare(cx, format)?;
        #[cfg(unix)]
        if let Some(s) = &mut self.playing {
            let opens = s.source.state().opens;
            if opens != s.opens {
                // Reconnected: the old pipeline's buffers are not coming back.
                s.opens = opens;
                self.imports.clear();
            }
        }
        #[cfg(unix)]
        self.imports.prepare(cx)?;
        match error {
            Some(e) => {
                cx.still_bound = self.upload.format().is_some();
                Err(e)
            }
            None => Ok(()),
        }
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let exact = !crate::realtime();
        let frame = self.playing.as_mut().and_then(|s| {
            if exact && !s.waited {
                s.waited = true;
                s.source.wait_frame(WAIT)
            } else {
                s.source.latest()
            }
        });
        #[cfg(unix)]
        let imported =
            self.imports
                .encode(cx.encoder, frame.as_ref(), self.slot, cx.name, cx.stats);
        #[cfg(not(unix))]
        let imported = false;
        if imported {
            return;
        }
        let done = self.upload.encode(
            cx.encoder,
            cx.output,
            frame.as_deref(),
            false,
            self.slot,
            cx.name,
        );
        #[cfg(unix)]
        if done.uploaded
            && let Some(f) = &frame
            && f.dmabuf.is_none()
        {
            self.fallback.note(cx.name, &f.cpu_reason);
        }
        if done.busy {
            cx.stats.add("video_dropped", 1);
        }
    }
}
