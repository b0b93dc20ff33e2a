//! Parts of the `vivid` command that are not argument parsing: the snapshot file, frame
//! ranges of `vivid render`, and the signals that end a run.

pub mod render;
pub mod snapshot;
pub mod stop;
