//! [`Controls`]: the sources a run asked for (`--osc`, …), registered with the engine once
//! and applied before each frame.

use vivid_engine::{Engine, FrameTime};

use crate::ControlError;
use crate::osc::{OscConfig, OscInput, parse_listen};

/// What to start, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct ControlOptions {
    /// `--osc`: a port (on 127.0.0.1) or `host:port`.
    pub osc: Option<String>,
}

/// The running sources.
#[derive(Debug, Default)]
pub struct Controls {
    osc: Option<OscInput>,
}

impl Controls {
    /// Starts every source `options` names (none: a `Controls` that does nothing).
    pub fn start(options: &ControlOptions) -> Result<Self, ControlError> {
        let osc = match &options.osc {
            Some(s) => {
                let addr =
                    parse_listen(s).map_err(|m| ControlError::Config(format!("--osc: {m}")))?;
                let input = OscInput::start(&OscConfig::new(addr))?;
                log::info!("osc: listening on udp {}", input.local_addr());
                Some(input)
            }
            None => None,
        };
        Ok(Self { osc })
    }

    /// Declares the variables and namespaces the sources set (call before loading a chain).
    pub fn register(&self, engine: &mut Engine) -> Result<(), ControlError> {
        // `osc.*` is always open: a chain may read OSC variables before --osc is given
        // (they stay 0), so that adding the flag never makes a chain invalid.
        engine
            .add_namespace(
                "osc",
                "OSC: `/fader1 0.5` sets osc.fader1 (see README, Control)",
            )
            .map_err(ControlError::Config)
    }

    /// OSC in, if started.
    #[must_use]
    pub fn osc(&self) -> Option<&OscInput> {
        self.osc.as_ref()
    }

    /// Applies what arrived since the last frame; call before rendering frame `time`.
    pub fn before_frame(&mut self, engine: &mut Engine, _time: FrameTime) {
        if let Some(osc) = &mut self.osc {
            osc.apply(engine);
        }
    }
}
