//! vivid-control: control from the world as expression variables and parameters — OSC in
//! over UDP (loopback by default), … — for hosts of a [`vivid_engine::Engine`].
//!
//! The engine has no network or audio dependency: it exposes variables a host sets each
//! frame ([`Engine::add_variable`](vivid_engine::Engine::add_variable),
//! [`add_namespace`](vivid_engine::Engine::add_namespace),
//! [`set_variable`](vivid_engine::Engine::set_variable)). This crate is such a host part:
//! each source runs on its own thread and hands the frame the latest values through a
//! bounded inbox, so a flood of input never grows memory nor holds up a frame.
//!
//! - `osc`: OSC in ([`osc::OscInput`]);
//! - `midi`: MIDI in from a port or a file ([`midi::live::MidiInput`],
//!   [`midi::file::MidiFile`]);
//! - `audio`: analysis of a file or a capture device ([`audio::FileSource`],
//!   [`audio::CaptureSource`]);
//! - `oscquery`: the parameters described for controllers over HTTP ([`oscquery::OscQuery`]);
//! - `link`: Ableton Link's tempo and beat (`--clock link`, feature `link`);
//! - `host`: [`Controls`], every source a run asked for, applied once per frame.

pub mod audio;
mod host;
pub mod link;
pub mod midi;
pub mod osc;
pub mod oscquery;
pub mod tempo;

pub use host::{ControlOptions, Controls, declare};

/// Why a control source could not start.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// A socket could not be bound.
    #[error("{what}: cannot listen on {addr}: {source}")]
    Bind {
        /// Which source.
        what: &'static str,
        /// The address asked for.
        addr: String,
        /// The system's reason.
        source: std::io::Error,
    },
    /// A thread could not be started.
    #[error("cannot start a thread: {0}")]
    Thread(String),
    /// A setting is wrong.
    #[error("{0}")]
    Config(String),
    /// An audio file could not be read.
    #[error("{}: {message}", path.display())]
    Audio {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        message: String,
    },
    /// A capture device could not be opened.
    #[error("audio: {0}")]
    Device(String),
    /// A MIDI port or file could not be opened.
    #[error("midi: {0}")]
    Midi(String),
}
