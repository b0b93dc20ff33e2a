//! vivid-media: the world in and out through GStreamer — video files, image sequences,
//! cameras and launch strings as operators (`video`, `image_sequence`, `video_in`,
//! `pipeline`), and recording of the output (`record`).
//!
//! Sources decode on their own threads and hand frames to the render thread through a
//! bounded, latest-wins slot (`source.rs`); the render thread uploads a frame's planes as
//! they come (I420, NV12, A420 or RGBA-like) through a ring of mapped staging buffers into
//! textures made once per format, and converts them on the GPU with the stream's own
//! colorimetry (`upload.rs`, `media/shaders/video.wgsl`): a steady frame creates no wgpu object.
//!
//! Timing: by default a source is *frame-exact* — frame k waits for the frame of its
//! position, so a render with a fixed step (`--fps`) is the same every run. A host that
//! renders in real time (a window) calls [`set_realtime`]`(true)`: then nothing waits, the
//! newest frame decoded is shown, and frames dropped or late are counted.

pub mod camera;
pub mod colorimetry;
mod decoder;
#[cfg(unix)]
pub mod dmabuf;
#[cfg(unix)]
mod dmabuf_imports;
#[cfg(unix)]
pub mod frame;
mod gst;
pub mod live;
pub mod ops;
pub mod playback;
pub mod record;
mod sequence;
mod source;
mod upload;

use std::sync::atomic::{AtomicBool, Ordering};

use vivid_engine::operator::Registry;

pub use upload::VideoUniforms;

static REALTIME: AtomicBool = AtomicBool::new(false);

/// Real time (a window: never wait for a decoder, show the newest frame) or frame-exact
/// (the default: frame k shows the frame of its position, waiting for it).
pub fn set_realtime(realtime: bool) {
    REALTIME.store(realtime, Ordering::Relaxed);
}

/// Whether sources run in real time ([`set_realtime`]).
#[must_use]
pub fn realtime() -> bool {
    REALTIME.load(Ordering::Relaxed)
}

/// Initialises GStreamer (once per process; later calls return the first result).
pub fn init() -> Result<(), String> {
    gst::init()
}

/// The shader of the media operators (`media/shaders/video.wgsl`).
const SHADERS: &[(&str, &str)] = &[("video.wgsl", include_str!("../shaders/video.wgsl"))];

/// Registers the media operators and their shader. GStreamer starts when an operator first
/// opens something; if it cannot, that operator reports why.
pub fn register(registry: &mut Registry) {
    ops::register(registry);
    for e in registry.add_shaders(SHADERS) {
        log::error!("media shader: {e}");
    }
}

#[cfg(test)]
mod tests {
    use vivid_engine::shaders::ShaderLibrary;

    /// `VideoUniforms` has exactly the size naga lays out for `struct Video`.
    #[test]
    fn the_uniform_struct_matches_the_shader() {
        let mut library = ShaderLibrary::new();
        for (name, text) in super::SHADERS {
            library.register(name, text);
        }
        let composed = library.compose("video.wgsl").expect("video.wgsl composes");
        let module = &composed.module;
        let mut layouter = naga::proc::Layouter::default();
        layouter.update(module.to_ctx()).expect("layout");
        let (handle, _) = module
            .types
            .iter()
            .find(|(_, t)| t.name.as_deref() == Some("Video"))
            .expect("struct Video");
        assert_eq!(
            layouter[handle].size as usize,
            size_of::<super::VideoUniforms>()
        );
        assert_eq!(size_of::<super::VideoUniforms>() % 16, 0);
    }
}
