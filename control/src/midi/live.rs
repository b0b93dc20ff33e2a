//! MIDI from a port (`--midi NAME`, midir): the port's callback writes into a shared
//! [`Latest`] (bounded: one value per control), the frame takes what changed.

use std::sync::{Arc, Mutex, PoisonError};

use super::{Latest, parse};
use crate::ControlError;

/// A connected input port.
pub struct MidiInput {
    port_name: String,
    latest: Arc<Mutex<Latest>>,
    _connection: midir::MidiInputConnection<()>,
}

impl std::fmt::Debug for MidiInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiInput")
            .field("port", &self.port_name)
            .finish_non_exhaustive()
    }
}

/// The names of the input ports there are.
pub fn ports() -> Result<Vec<String>, ControlError> {
    let input = midir::MidiInput::new("vivid").map_err(|e| ControlError::Midi(e.to_string()))?;
    Ok(input
        .ports()
        .iter()
        .filter_map(|p| input.port_name(p).ok())
        .collect())
}

impl MidiInput {
    /// Connects to the first input port whose name contains `name` (`default`: the first
    /// port there is).
    pub fn open(name: &str) -> Result<Self, ControlError> {
        let mut input =
            midir::MidiInput::new("vivid").map_err(|e| ControlError::Midi(e.to_string()))?;
        input.ignore(midir::Ignore::All);
        let ports = input.ports();
        let names: Vec<String> = ports
            .iter()
            .filter_map(|p| input.port_name(p).ok())
            .collect();
        let found = ports
            .iter()
            .zip(&names)
            .find(|(_, n)| name == "default" || n.contains(name));
        let Some((port, port_name)) = found else {
            return Err(ControlError::Midi(format!(
                "no MIDI input port `{name}`; there {}",
                if names.is_empty() {
                    "are none".to_string()
                } else {
                    format!("are: {}", names.join(", "))
                }
            )));
        };
        let port_name = port_name.clone();
        let latest = Arc::new(Mutex::new(Latest::default()));
        let sink = Arc::clone(&latest);
        let connection = input
            .connect(
                port,
                "vivid-in",
                move |_, bytes, ()| {
                    if let Some(e) = parse(bytes) {
                        sink.lock().unwrap_or_else(PoisonError::into_inner).put(e);
                    }
                },
                (),
            )
            .map_err(|e| ControlError::Midi(format!("`{port_name}`: {e}")))?;
        Ok(Self {
            port_name,
            latest,
            _connection: connection,
        })
    }

    /// The port's name.
    #[must_use]
    pub fn port_name(&self) -> &str {
        &self.port_name
    }

    /// Runs `f` on what arrived (under the lock: keep it short).
    pub fn with_latest<R>(&self, f: impl FnOnce(&mut Latest) -> R) -> R {
        f(&mut self.latest.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
