//! `image_sequence`: a folder of numbered PNG/JPEG frames, or a pattern of them
//! (`frames/*.png`), played like a video (`Player`): frame i at i/`fps`, with `loop`,
//! `speed`, in and out points, `time` and `paused`. Frames are in natural order (2 before
//! 10) and each is read through the project file rule.

use std::hash::{Hash, Hasher};
use std::path::Path;

use vivid_engine::files::FileRules;
use vivid_engine::params::{ParamSpec, ParamStruct, ParamValues};

use super::Fit;
use super::video::{Clip, Player};
use crate::playback::Settings;
use crate::source::SourceThread;

vivid_engine::file_param! {
    /// A folder of frames parameter (`path`).
    pub struct FramesFolder(Frames);
}

vivid_engine::params! {
    /// The fields of [`SequenceParams`] (`looping` is `loop` in chain.toml).
    pub struct SequenceFields {
        /// A folder of numbered PNG or JPEG frames relative to the project folder, or a
        /// pattern of them in one ("frames/shot_*.png"; `*` and `?` in the file name),
        /// played in natural order (2 before 10). Reloaded when a file in it changes.
        path: FramesFolder = FramesFolder::default(),
        /// Frames per second of the sequence.
        fps: f32 [0.1, 1000.0] = 30.0,
        /// Plays again from `start` after `end` (otherwise the last frame holds).
        looping: bool = true,
        /// Playback rate: 1 normal, 0.5 half speed, negative backwards.
        speed: f32 [-8.0, 8.0] = 1.0,
        /// In point, seconds into the sequence.
        start: f32 [0.0, 1_000_000.0] = 0.0,
        /// Out point, seconds; 0 (or anything before `start`): its end.
        end: f32 [0.0, 1_000_000.0] = 0.0,
        /// Seconds into the sequence to show, instead of playing by the clock (-1: play).
        time: f32 [-1.0, 1_000_000.0] = -1.0,
        /// Holds the current frame.
        paused: bool = false,
        /// How the frame maps onto a `size` of another aspect: stretch, contain or cover.
        fit: Fit = Fit::Stretch,
        /// Upside down.
        flip_y: bool = false,
    }
}

/// Parameters of `image_sequence`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SequenceParams(pub SequenceFields);

impl ParamStruct for SequenceParams {
    fn specs() -> Vec<ParamSpec> {
        super::loop_named(SequenceFields::specs())
    }

    fn read(values: &ParamValues) -> Self {
        Self(SequenceFields::read(values))
    }
}

impl Clip for SequenceParams {
    const NAME: &'static str = "image_sequence";
    const SUMMARY: &'static str = "A folder (or pattern, frames/*.png) of numbered PNG/JPEG frames played like a video at `fps` (loop, speed, in/out points, `time`), frame-exact with --fps; reloaded when a frame changes.";
    const FOLDER: bool = true;

    fn settings(&self) -> Settings {
        let p = &self.0;
        Settings {
            speed: f64::from(p.speed),
            start: f64::from(p.start),
            end: f64::from(p.end),
            looping: p.looping,
            paused: p.paused,
            time: (p.time >= 0.0).then_some(f64::from(p.time)),
        }
    }

    fn path(&self) -> String {
        self.0.path.0.clone()
    }

    fn fit(&self) -> Fit {
        self.0.fit
    }

    fn flip_y(&self) -> bool {
        self.0.flip_y
    }

    fn open(&self, path: &Path, rules: &FileRules, _accept: crate::frame::Accept) -> SourceThread {
        crate::sequence::open(path, f64::from(self.0.fps), rules.clone())
    }

    fn source_key(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.0.fps.to_bits().hash(&mut h);
        h.finish()
    }
}

/// `image_sequence`.
pub type ImageSequence = Player<SequenceParams>;
