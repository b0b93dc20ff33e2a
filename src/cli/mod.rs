//! Parts of the `vivid` command that are not argument parsing: the snapshot file, and the
//! signals that end a run.

pub mod snapshot;
pub mod stop;
