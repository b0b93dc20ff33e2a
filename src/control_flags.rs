//! The command line's control flags (`--osc`, …) and the host part that applies them each
//! frame: `vivid-control` when built with the `control` feature.

use clap::Args;
use vivid::{Engine, EngineError, FrameTime};

/// Control from the world: OSC, … as expression variables and parameters.
#[derive(Args, Debug, Clone, Default)]
pub struct ControlArgs {
    /// OSC in over UDP: a port (listens on 127.0.0.1) or HOST:PORT (0.0.0.0:9000 listens on
    /// every interface, with a warning). `/vivid/<node>/<param> value…` sets a parameter
    /// (typed and clamped as --set); any other address sets the variable `osc.<name>`
    /// (`/fader1` → `osc.fader1`) expressions read.
    #[arg(long, value_name = "PORT|HOST:PORT")]
    pub osc: Option<String>,
}

#[cfg(feature = "control")]
mod imp {
    use std::cell::RefCell;
    use std::rc::Rc;

    use super::{ControlArgs, Engine, EngineError, FrameTime};
    use vivid::control::{ControlOptions, Controls};

    /// The running control sources, shared by the engine's setup and the frame loop.
    #[derive(Clone)]
    pub struct Host(Rc<RefCell<Controls>>);

    impl Host {
        pub fn start(args: &ControlArgs) -> anyhow::Result<Self> {
            let options = ControlOptions {
                osc: args.osc.clone(),
            };
            let controls = Controls::start(&options)?;
            if let Some(osc) = controls.osc() {
                eprintln!("vivid: OSC in on udp {}", osc.local_addr());
            }
            Ok(Self(Rc::new(RefCell::new(controls))))
        }

        pub fn register(&self, engine: &mut Engine) -> Result<(), EngineError> {
            self.0
                .borrow()
                .register(engine)
                .map_err(|e| EngineError::Param(e.to_string()))
        }

        pub fn before_frame(&self, engine: &mut Engine, time: FrameTime) {
            self.0.borrow_mut().before_frame(engine, time);
        }

        #[cfg(feature = "window")]
        pub fn hook(&self) -> vivid::window::FrameHook {
            let host = self.clone();
            Box::new(move |engine, time| host.before_frame(engine, time))
        }
    }
}

#[cfg(not(feature = "control"))]
mod imp {
    use super::{ControlArgs, Engine, EngineError, FrameTime};

    /// Built without `control`: no source can start.
    #[derive(Clone)]
    pub struct Host;

    impl Host {
        pub fn start(args: &ControlArgs) -> anyhow::Result<Self> {
            if args.osc.is_some() {
                anyhow::bail!(
                    "this vivid was built without the `control` feature: --osc is not available"
                );
            }
            Ok(Self)
        }

        #[expect(
            clippy::unused_self,
            clippy::unnecessary_wraps,
            reason = "the same API as with `control`"
        )]
        pub fn register(&self, _engine: &mut Engine) -> Result<(), EngineError> {
            Ok(())
        }

        #[expect(clippy::unused_self, reason = "the same API as with `control`")]
        pub fn before_frame(&self, _engine: &mut Engine, _time: FrameTime) {}

        #[cfg(feature = "window")]
        #[expect(clippy::unused_self, reason = "the same API as with `control`")]
        pub fn hook(&self) -> vivid::window::FrameHook {
            Box::new(|_, _| {})
        }
    }
}

pub use imp::Host;
