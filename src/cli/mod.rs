//! Parts of the `vivid` command that are not argument parsing: the snapshot file, frame
//! ranges of `vivid render`, the signals that end a run, and the flags of several outputs
//! and machines.

pub mod outputs;
pub mod render;
pub mod snapshot;
pub mod stop;
