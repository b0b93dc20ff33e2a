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
    /// `OSCQuery`: serve every parameter's address, type, range and value as JSON over HTTP
    /// on PORT (127.0.0.1) or HOST:PORT, for controllers (Open Stage Control, Chataigne)
    /// to discover what --osc sets.
    #[arg(long, value_name = "PORT|HOST:PORT", requires = "osc")]
    pub oscquery: Option<String>,
    /// Analyse an audio file (WAV, FLAC) at each frame's time — with --fps every run gives
    /// the same values: audio.level, audio.peak, audio.bass, audio.mid, audio.high,
    /// audio.band0…7, audio.beat, audio.bpm. Loops unless --audio-once.
    #[arg(long, value_name = "FILE", conflicts_with = "audio_in")]
    pub audio: Option<std::path::PathBuf>,
    /// Analyse a capture device instead (`default`, or a name as listed in the error for
    /// an unknown one): the same variables.
    #[arg(long, value_name = "DEVICE")]
    pub audio_in: Option<String>,
    /// Play the --audio file to the default output device, in step with the frames (a
    /// window). A headless run or one with --fps stays silent (deterministic); without an
    /// output device, a warning and no sound.
    #[arg(long, requires = "audio")]
    pub audio_play: bool,
    /// Silence after the end of the --audio file (default: it loops).
    #[arg(long, requires = "audio")]
    pub audio_once: bool,
    /// Seconds a rising audio value takes to follow (smoothing; 0: at once).
    #[arg(long, value_name = "SECS", default_value_t = 0.01)]
    pub audio_attack: f64,
    /// Seconds a falling audio value takes to follow (smoothing; 0: at once).
    #[arg(long, value_name = "SECS", default_value_t = 0.15)]
    pub audio_release: f64,
    /// MIDI in from a port (a part of its name, or `default` for the first): `midi.cc1_7`
    /// (channel 1, controller 7, 0..1), `midi.note1_60` (velocity while held), `midi.bend1`;
    /// its MIDI clock drives `tempo.*` (start, stop, continue). A port unplugged is
    /// connected again when it comes back (looked for once a second).
    #[arg(long, value_name = "PORT")]
    pub midi: Option<String>,
    /// Play a MIDI file at the frames' time (with --fps the same every run): the same
    /// variables as --midi.
    #[arg(long, value_name = "FILE")]
    pub midi_file: Option<std::path::PathBuf>,
    /// A fixed tempo for `tempo.bpm`, `tempo.beat` (whole beats since the start),
    /// `tempo.phase` (0..1 within the beat) and `tempo.playing`; without it they follow a
    /// MIDI clock on --midi, else the audio's estimate.
    #[arg(long, value_name = "BPM")]
    pub bpm: Option<f64>,
    /// Whether `--clock link` asked for Ableton Link (set from the outputs' `--clock`, the
    /// one flag for every clock): join the session on the local network (UDP multicast on
    /// every interface) and set `link.bpm`, `link.beat`, `link.phase`, `link.peers`.
    #[arg(skip)]
    pub link: bool,
    /// Send events over OSC to PORT (on 127.0.0.1) or HOST:PORT: `/vivid/tempo/beat <beat>
    /// <bpm>` at each whole beat, `/vivid/audio/onset <count>` at each onset of the audio.
    #[arg(long, value_name = "PORT|HOST:PORT")]
    pub osc_out: Option<String>,
    /// Also send a value to --osc-out: `/address=EXPRESSION` of the variables (e.g.
    /// `/vivid/bass=audio.bass`, `/phase=tempo.phase`, `/x=midi.cc1_7 * 2`) as a float.
    /// Repeat for more.
    #[arg(long, value_name = "/ADDRESS=EXPR", requires = "osc_out", value_parser = parse_send)]
    pub osc_send: Vec<SendSpec>,
    /// When --osc-send values go: `change` (when a value changed) or `frame` (every frame).
    #[arg(long, value_name = "change|frame", default_value = "change", value_parser = parse_rate)]
    pub osc_send_rate: SendRate,
}

#[cfg(feature = "control")]
use vivid::control::osc::send::{SendRate, SendSpec};

#[cfg(not(feature = "control"))]
type SendSpec = String;
#[cfg(not(feature = "control"))]
type SendRate = String;

#[cfg(feature = "control")]
fn parse_send(s: &str) -> Result<SendSpec, String> {
    SendSpec::parse(s)
}

#[cfg(feature = "control")]
fn parse_rate(s: &str) -> Result<SendRate, String> {
    SendRate::parse(s)
}

#[cfg(not(feature = "control"))]
fn parse_send(s: &str) -> Result<SendSpec, String> {
    Ok(s.to_string())
}

#[cfg(not(feature = "control"))]
fn parse_rate(s: &str) -> Result<SendRate, String> {
    Ok(s.to_string())
}

impl ControlArgs {
    /// Whether any source is asked for.
    #[cfg_attr(
        feature = "control",
        expect(dead_code, reason = "used without `control`")
    )]
    fn any(&self) -> bool {
        self.osc.is_some()
            || self.audio.is_some()
            || self.audio_in.is_some()
            || self.audio_play
            || self.midi.is_some()
            || self.midi_file.is_some()
            || self.bpm.is_some()
            || self.link
            || self.osc_out.is_some()
    }
}

#[cfg(feature = "control")]
mod imp {
    use std::cell::RefCell;
    use std::rc::Rc;
    #[cfg(feature = "window")]
    use std::sync::Arc;
    #[cfg(feature = "window")]
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::{ControlArgs, Engine, EngineError, FrameTime};
    use vivid::control::{ControlOptions, Controls};

    /// The running control sources, shared by the engine's setup and the frame loop.
    #[derive(Clone)]
    pub struct Host(Rc<RefCell<Controls>>);

    impl Host {
        /// Starts the sources; `realtime`: frames follow the wall clock (a window without
        /// --fps), the only runs `--audio-play` plays in.
        pub fn start(args: &ControlArgs, realtime: bool) -> anyhow::Result<Self> {
            let check = |name: &str, v: f64| {
                if v.is_finite() && (0.0..=60.0).contains(&v) {
                    Ok(v)
                } else {
                    Err(anyhow::anyhow!(
                        "--{name}: {v} is not a number of seconds in 0..60"
                    ))
                }
            };
            let options = ControlOptions {
                osc: args.osc.clone(),
                oscquery: args.oscquery.clone(),
                link: args.link,
                audio: args.audio.clone(),
                audio_in: args.audio_in.clone(),
                audio_once: args.audio_once,
                audio_play: args.audio_play && realtime,
                midi: args.midi.clone(),
                midi_file: args.midi_file.clone(),
                osc_out: args.osc_out.clone(),
                osc_send: args.osc_send.clone(),
                osc_send_rate: args.osc_send_rate,
                bpm: match args.bpm {
                    Some(b) if !(b.is_finite() && (1.0..=1000.0).contains(&b)) => {
                        anyhow::bail!("--bpm: {b} is not a tempo in 1..1000")
                    }
                    b => b,
                },
                analysis: vivid::control::audio::AnalysisSettings {
                    attack: check("audio-attack", args.audio_attack)?,
                    release: check("audio-release", args.audio_release)?,
                    ..Default::default()
                },
            };
            let controls = Controls::start(&options)?;
            if let Some(osc) = controls.osc() {
                eprintln!("vivid: OSC in on udp {}", osc.local_addr());
            }
            if args.link {
                eprintln!("vivid: Ableton Link: joining the session on the local network");
            }
            if let Some(q) = controls.oscquery() {
                eprintln!("vivid: OSCQuery on http://{}", q.local_addr());
            }
            if let Some(f) = controls.audio_file() {
                eprintln!(
                    "vivid: audio from {} ({:.1} s at {} Hz)",
                    f.path().display(),
                    f.seconds(),
                    f.rate()
                );
            }
            if args.audio_play && !realtime {
                eprintln!(
                    "vivid: --audio-play: a headless or --fps render stays silent (deterministic)"
                );
            }
            if let Some(d) = controls.audio_play_device() {
                eprintln!("vivid: playing the audio on `{d}`");
            }
            if let Some(e) = controls.audio_play_error() {
                eprintln!("vivid: warning: --audio-play: {e}; the audio is analysed, not heard");
            }
            if let Some(c) = controls.capture() {
                eprintln!("vivid: audio from capture device `{}`", c.device_name());
            }
            if let Some(m) = controls.midi_in() {
                eprintln!("vivid: MIDI in from `{}`", m.port_name());
            }
            if let Some(m) = controls.midi_file() {
                eprintln!(
                    "vivid: MIDI from {} ({} events)",
                    m.path().display(),
                    m.len()
                );
            }
            Ok(Self(Rc::new(RefCell::new(controls))))
        }

        pub fn register(&self, engine: &mut Engine) -> Result<(), EngineError> {
            self.0
                .borrow_mut()
                .register(engine)
                .map_err(|e| EngineError::Param(e.to_string()))
        }

        pub fn before_frame(&self, engine: &mut Engine, time: FrameTime) {
            self.0.borrow_mut().before_frame(engine, time);
        }

        /// Before each frame: the `T` presses counted in `taps` since the last frame, as
        /// taps at this frame's time; then the controls.
        #[cfg(feature = "window")]
        pub fn hook(&self, taps: Arc<AtomicU32>) -> vivid::window::FrameHook {
            let host = self.clone();
            Box::new(move |engine, time| {
                for _ in 0..taps.swap(0, Ordering::Relaxed) {
                    host.0.borrow_mut().tap(time.time);
                }
                host.before_frame(engine, time);
            })
        }

        /// MIDI learn's source for the inspector: the controls moved on `--midi`'s port
        /// (or in `--midi-file`); none without either (no learn buttons).
        #[cfg(feature = "window")]
        pub fn learn_source(&self) -> Option<vivid::ui::LearnSource> {
            {
                let c = self.0.borrow();
                if c.midi_in().is_none() && c.midi_file().is_none() {
                    return None;
                }
            }
            let host = self.clone();
            Some(Box::new(move || host.0.borrow_mut().take_midi_move()))
        }
    }
}

#[cfg(not(feature = "control"))]
mod imp {
    #[cfg(feature = "window")]
    use std::sync::Arc;
    #[cfg(feature = "window")]
    use std::sync::atomic::AtomicU32;

    use super::{ControlArgs, Engine, EngineError, FrameTime};

    /// Built without `control`: no source can start.
    #[derive(Clone)]
    pub struct Host;

    impl Host {
        pub fn start(args: &ControlArgs, _realtime: bool) -> anyhow::Result<Self> {
            if args.any() {
                anyhow::bail!(
                    "this vivid was built without the `control` feature: --osc, --audio, --audio-in, --midi and --midi-file are not available"
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
        pub fn hook(&self, _taps: Arc<AtomicU32>) -> vivid::window::FrameHook {
            Box::new(|_, _| {})
        }

        #[cfg(feature = "window")]
        #[expect(clippy::unused_self, reason = "the same API as with `control`")]
        pub fn learn_source(&self) -> Option<vivid::ui::LearnSource> {
            None
        }
    }
}

pub use imp::Host;
