//! The media operators: `video` (a file), `image_sequence` (a folder or glob of numbered
//! frames), `pipeline` (a GStreamer launch string) and `video_in` (a V4L2 camera or capture card). One line
//! each registers them.

vivid_engine::choice_enum! {
    /// How a frame maps onto an output of another aspect ratio (as `image`'s `fit`).
    pub enum Fit {
        /// All of the output, the frame distorted.
        Stretch = "stretch",
        /// All of the frame, its aspect kept: transparent borders.
        Contain = "contain",
        /// All of the output, its aspect kept: what overflows is cropped.
        Cover = "cover",
    }
}

/// `specs` with the field `looping` named `loop`, as chain.toml writes it (`loop` is a
/// keyword of Rust, so the fields cannot carry the name themselves).
fn loop_named(
    mut specs: Vec<vivid_engine::params::ParamSpec>,
) -> Vec<vivid_engine::params::ParamSpec> {
    for s in &mut specs {
        if s.name == "looping" {
            s.name = "loop".into();
        }
    }
    specs
}

mod live;
pub use live::{LiveClip, LiveOp};

vivid_engine::operator_modules! {
    video::Video,
    image_sequence::ImageSequence,
    pipeline::Pipeline,
    video_in::VideoIn,
}
