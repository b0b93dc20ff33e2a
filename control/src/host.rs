//! [`Controls`]: the sources a run asked for (`--osc`, `--audio`, `--audio-in`), registered
//! with the engine once and applied before each frame.

use std::path::PathBuf;

use vivid_engine::{Engine, FrameTime};

use crate::ControlError;
use crate::audio::{AnalysisSettings, AudioSlots, CaptureSource, FileSource};
use crate::midi::file::MidiFile;
use crate::midi::live::MidiInput;
use crate::midi::{Latest, MidiApplier};
use crate::osc::{OscConfig, OscInput, parse_listen};

/// Declares every variable and namespace [`Controls`] sets in `registry`: `osc.*` and the
/// audio variables (8 bands). A registry with them validates chains that read them, whether
/// or not a source runs (`vivid::builtin_registry` does this when built with `control`).
pub fn declare(registry: &mut vivid_engine::Registry) -> Result<(), String> {
    registry.add_namespace("osc", OSC_DOC)?;
    registry.add_namespace("midi", MIDI_DOC)?;
    for (name, doc) in crate::tempo::VARIABLES
        .iter()
        .chain(&crate::link::VARIABLES)
    {
        registry.add_variable(*name, *doc)?;
    }
    for (name, doc) in crate::audio::variables(AnalysisSettings::default().bands) {
        registry.add_variable(name, doc)?;
    }
    Ok(())
}

const MIDI_DOC: &str = "MIDI: midi.cc1_7 (channel 1, controller 7), midi.note1_60, midi.bend1";
const OSC_DOC: &str = "OSC: `/fader1 0.5` sets osc.fader1 (see README, Control)";

/// What to start, as the command line gives it.
#[derive(Clone, Debug, Default)]
pub struct ControlOptions {
    /// `--osc`: a port (on 127.0.0.1) or `host:port`.
    pub osc: Option<String>,
    /// `--audio`: a file analysed at each frame's time.
    pub audio: Option<PathBuf>,
    /// `--audio-in`: a capture device (`default` or a name).
    pub audio_in: Option<String>,
    /// How the audio is analysed.
    pub analysis: AnalysisSettings,
    /// `--audio-once`: silence after the file's end (else it loops).
    pub audio_once: bool,
    /// `--audio-play`: play the `--audio` file to the default output device, in step with
    /// the frames' clock (a host that renders in real time; a deterministic render stays
    /// silent). No device is not an error: [`Controls::audio_play_error`] says why.
    pub audio_play: bool,
    /// `--midi`: an input port (a part of its name, or `default` for the first).
    pub midi: Option<String>,
    /// `--midi-file`: a MIDI file played at each frame's time.
    pub midi_file: Option<PathBuf>,
    /// `--bpm`: a fixed tempo (else `tempo.*` follows the audio's estimate).
    pub bpm: Option<f64>,
    /// `--osc-out`: where beats and onsets are sent (`host:port`, or a port on 127.0.0.1).
    pub osc_out: Option<String>,
    /// `--clock link`: join the Ableton Link session (feature `link`).
    pub link: bool,
    /// `--oscquery`: serve the parameters' namespace over HTTP (a port on 127.0.0.1, or
    /// `host:port`); needs `osc`.
    pub oscquery: Option<String>,
    /// `--osc-send`: values sent there too (`/address=EXPR`).
    pub osc_send: Vec<crate::osc::send::SendSpec>,
    /// `--osc-send-rate`: every frame, or on change.
    pub osc_send_rate: crate::osc::send::SendRate,
}

/// The running sources.
#[derive(Debug, Default)]
pub struct Controls {
    osc: Option<OscInput>,
    file: Option<FileSource>,
    capture: Option<CaptureSource>,
    bands: usize,
    audio_slots: Option<AudioSlots>,
    midi_in: Option<MidiInput>,
    midi_file: Option<MidiFile>,
    midi_latest: Latest,
    midi_applier: MidiApplier,
    tempo: crate::tempo::Tempo,
    tempo_slots: Vec<usize>,
    osc_out: Option<crate::osc::out::OscOutput>,
    /// The Link session joined, and the `link.*` slots.
    #[cfg(feature = "link")]
    link: Option<crate::link::LinkClock>,
    link_slots: Vec<usize>,
    /// `--oscquery`'s server.
    oscquery: Option<crate::oscquery::OscQuery>,
    /// `--osc-send`'s values: as given, then parsed by `register`.
    send_specs: Vec<crate::osc::send::SendSpec>,
    send_rate: crate::osc::send::SendRate,
    sends: crate::osc::send::Sends,
    /// `--audio-play`'s player, or why it could not start.
    player: Option<crate::audio::play::Player>,
    play_error: Option<String>,
    /// Whether the command line named OSC out (`--osc-out`): then `[osc_out]` is ignored.
    cli_osc_out: bool,
    /// The running chain's `[osc_out]` as last applied.
    file_osc_out: Option<vivid_engine::chain::OscOutDesc>,
    /// Whether beats and onsets are sent (`[osc_out] events`; always with `--osc-out`).
    send_events: bool,
    /// MIDI moves seen by [`take_midi_move`](Self::take_midi_move).
    learn_seen: u64,
    /// The last whole beat and onset count sent.
    sent_beat: f64,
    sent_onsets: u64,
}

impl Controls {
    /// Starts every source `options` names (none: a `Controls` that does nothing).
    pub fn start(options: &ControlOptions) -> Result<Self, ControlError> {
        if options.audio.is_some() && options.audio_in.is_some() {
            return Err(ControlError::Config(
                "--audio and --audio-in: give one source of audio".into(),
            ));
        }
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
        let oscquery = match (&options.oscquery, &osc) {
            (Some(s), Some(osc)) => {
                let addr = parse_listen(s)
                    .map_err(|m| ControlError::Config(format!("--oscquery: {m}")))?;
                Some(crate::oscquery::OscQuery::start(addr, osc.local_addr())?)
            }
            (Some(_), None) => {
                return Err(ControlError::Config(
                    "--oscquery describes the parameters OSC in sets: give --osc PORT too".into(),
                ));
            }
            _ => None,
        };
        if options.link && !cfg!(feature = "link") {
            return Err(ControlError::Config(
                "--clock link: this vivid was built without the `link` feature (Ableton Link)"
                    .into(),
            ));
        }
        let file = match &options.audio {
            Some(p) => Some(FileSource::open(p, options.analysis, !options.audio_once)?),
            None => None,
        };
        if !options.osc_send.is_empty() && options.osc_out.is_none() {
            return Err(ControlError::Config(
                "--osc-send sends to --osc-out HOST:PORT: give it too".into(),
            ));
        }
        let (player, play_error) = match (&file, options.audio_play) {
            (Some(f), true) => {
                match crate::audio::play::Player::open(f.samples(), f.rate(), f.looped()) {
                    Ok(p) => (Some(p), None),
                    Err(e) => (None, Some(e.to_string())),
                }
            }
            (None, true) => (
                None,
                Some("--audio-play plays the --audio file: give one".into()),
            ),
            _ => (None, None),
        };
        let capture = match &options.audio_in {
            Some(name) => Some(CaptureSource::open(Some(name), options.analysis)?),
            None => None,
        };
        let midi_in = match &options.midi {
            Some(name) => Some(MidiInput::open(name)?),
            None => None,
        };
        let midi_file = match &options.midi_file {
            Some(p) => Some(MidiFile::open(p)?),
            None => None,
        };
        Ok(Self {
            osc,
            file,
            capture,
            bands: options.analysis.bands,
            audio_slots: None,
            midi_in,
            midi_file,
            midi_latest: Latest::default(),
            midi_applier: MidiApplier::default(),
            tempo: crate::tempo::Tempo::new(options.bpm),
            tempo_slots: Vec::new(),
            osc_out: match &options.osc_out {
                Some(s) => Some(crate::osc::out::OscOutput::new(
                    parse_listen(s).map_err(|m| ControlError::Config(format!("--osc-out: {m}")))?,
                )?),
                None => None,
            },
            #[cfg(feature = "link")]
            link: options
                .link
                .then(|| crate::link::LinkClock::join(options.bpm.unwrap_or(120.0))),
            link_slots: Vec::new(),
            oscquery,
            send_specs: options.osc_send.clone(),
            send_rate: options.osc_send_rate,
            sends: crate::osc::send::Sends::default(),
            player,
            play_error,
            cli_osc_out: options.osc_out.is_some(),
            file_osc_out: None,
            send_events: true,
            learn_seen: 0,
            sent_beat: 0.0,
            sent_onsets: 0,
        })
    }

    /// Declares the variables and namespaces the sources set (call before loading a
    /// chain). All of them, whichever sources run: a chain reading `audio.bass` or
    /// `osc.fader1` is valid without `--audio` or `--osc` (they stay 0).
    pub fn register(&mut self, engine: &mut Engine) -> Result<(), ControlError> {
        engine
            .add_namespace("osc", OSC_DOC)
            .map_err(ControlError::Config)?;
        engine
            .add_namespace("midi", MIDI_DOC)
            .map_err(ControlError::Config)?;
        let bands = if self.bands == 0 {
            AnalysisSettings::default().bands
        } else {
            self.bands
        };
        self.audio_slots = Some(AudioSlots::register(engine, bands).map_err(ControlError::Config)?);
        self.tempo_slots = crate::tempo::VARIABLES
            .iter()
            .map(|(n, d)| engine.add_variable(*n, *d))
            .collect::<Result<_, _>>()
            .map_err(ControlError::Config)?;
        self.link_slots = crate::link::VARIABLES
            .iter()
            .map(|(n, d)| engine.add_variable(*n, *d))
            .collect::<Result<_, _>>()
            .map_err(ControlError::Config)?;
        self.sends = crate::osc::send::Sends::new(engine, &self.send_specs, self.send_rate)?;
        Ok(())
    }

    /// OSC in, if started.
    #[must_use]
    pub fn osc(&self) -> Option<&OscInput> {
        self.osc.as_ref()
    }

    /// The audio file, if one is analysed.
    #[must_use]
    pub fn audio_file(&self) -> Option<&FileSource> {
        self.file.as_ref()
    }

    /// The capture device, if one is analysed.
    #[must_use]
    pub fn capture(&self) -> Option<&CaptureSource> {
        self.capture.as_ref()
    }

    /// `--audio-play`'s output device, if it plays.
    #[must_use]
    pub fn audio_play_device(&self) -> Option<&str> {
        self.player
            .as_ref()
            .map(crate::audio::play::Player::device_name)
    }

    /// Why `--audio-play` does not play (no output device…), if it was asked for.
    #[must_use]
    pub fn audio_play_error(&self) -> Option<&str> {
        self.play_error.as_deref()
    }

    /// The `OSCQuery` server, if serving.
    #[must_use]
    pub fn oscquery(&self) -> Option<&crate::oscquery::OscQuery> {
        self.oscquery.as_ref()
    }

    /// OSC out, if sending.
    #[must_use]
    pub fn osc_out(&self) -> Option<&crate::osc::out::OscOutput> {
        self.osc_out.as_ref()
    }

    /// The MIDI port, if one is connected.
    #[must_use]
    pub fn midi_in(&self) -> Option<&MidiInput> {
        self.midi_in.as_ref()
    }

    /// Uses `input` as the MIDI port (one opened with
    /// [`MidiInput::open_with`](crate::midi::live::MidiInput::open_with): a test's ports).
    pub fn set_midi_input(&mut self, input: MidiInput) {
        self.midi_in = Some(input);
    }

    /// A tap of the beat at `time` (the frames' clock; the window's `T` key): see
    /// [`Taps`](crate::tempo::Taps).
    pub fn tap(&mut self, time: f64) {
        self.tempo.tap(time);
    }

    /// The variable of the MIDI control moved last (`midi.cc1_7`, `midi.note1_60`), when
    /// one moved since the previous call — what MIDI learn binds. From the port and the
    /// MIDI file alike.
    pub fn take_midi_move(&mut self) -> Option<String> {
        let (mut moves, mut last) = self.midi_latest.last_moved();
        if let Some(m) = &self.midi_in {
            let (n, name) = m.with_latest(|l| l.last_moved());
            if n > 0 {
                last = name;
            }
            moves += n;
        }
        if moves > self.learn_seen {
            self.learn_seen = moves;
            return last;
        }
        None
    }

    /// The MIDI file, if one plays.
    #[must_use]
    pub fn midi_file(&self) -> Option<&MidiFile> {
        self.midi_file.as_ref()
    }

    /// Takes the running chain's `[osc_out]` when it changed (a chain loaded or reloaded),
    /// unless the command line named OSC out: it wins. A mistake (an address that does not
    /// resolve, a socket refused) is logged and leaves OSC out off until the next change.
    fn follow_osc_out(&mut self, engine: &mut Engine) {
        if self.cli_osc_out {
            return;
        }
        let wanted = engine.chain_desc().and_then(|d| d.osc_out.as_ref());
        if wanted == self.file_osc_out.as_ref() {
            return;
        }
        let wanted = wanted.cloned();
        self.osc_out = None;
        self.sends = crate::osc::send::Sends::default();
        self.send_events = true;
        if let Some(o) = &wanted {
            match self.start_file_osc_out(engine, o) {
                Ok(()) => log::info!(
                    "osc out: sending to {} ([osc_out] in chain.toml)",
                    o.to.value
                ),
                Err(e) => log::warn!("[osc_out]: {e}"),
            }
        }
        self.file_osc_out = wanted;
    }

    fn start_file_osc_out(
        &mut self,
        engine: &mut Engine,
        o: &vivid_engine::chain::OscOutDesc,
    ) -> Result<(), ControlError> {
        let to = parse_listen(&o.to.value)
            .map_err(|m| ControlError::Config(format!("`to = {}`: {m}", o.to.value)))?;
        let specs: Vec<crate::osc::send::SendSpec> = o
            .send
            .iter()
            .map(|(a, e)| crate::osc::send::SendSpec {
                address: a.value.clone(),
                expr: e.value.clone(),
            })
            .collect();
        let rate = if o.every_frame {
            crate::osc::send::SendRate::Frame
        } else {
            crate::osc::send::SendRate::Change
        };
        self.sends = crate::osc::send::Sends::new(engine, &specs, rate)?;
        self.osc_out = Some(crate::osc::out::OscOutput::new(to)?);
        self.send_events = o.events;
        Ok(())
    }

    /// Applies what arrived since the last frame and the audio at `time`; call before
    /// rendering that frame.
    pub fn before_frame(&mut self, engine: &mut Engine, time: FrameTime) {
        self.follow_osc_out(engine);
        if let Some(osc) = &mut self.osc {
            osc.apply(engine);
        }
        let features = if let Some(f) = &mut self.file {
            let features = f.features_at(time.time);
            f.audio_into(engine.audio_mut());
            Some(features)
        } else if let Some(c) = &mut self.capture {
            let features = c.features();
            c.audio_into(engine.audio_mut());
            Some(features)
        } else {
            None
        };
        let estimate = features.as_ref().map(|f| f64::from(f.bpm));
        let onsets = features.as_ref().map_or(0, |f| f.onsets);
        if let (Some(f), Some(slots)) = (features, &self.audio_slots) {
            slots.set(engine, &f);
        }
        let mut clock = self.midi_in.as_ref().and_then(MidiInput::clock);
        #[cfg(feature = "link")]
        if let Some(link) = &mut self.link {
            let (bpm, beats, peers) = link.read();
            for (slot, v) in
                self.link_slots
                    .iter()
                    .zip([bpm, beats.floor(), beats.fract(), peers as f64])
            {
                engine.set_variable(*slot, v);
            }
            clock = Some(crate::link::LinkClock::reading(bpm, beats));
        }
        self.tempo.step_with(time.time, estimate, clock);
        let (bpm, beat, phase) = self.tempo.values();
        let playing = if self.tempo.playing() { 1.0 } else { 0.0 };
        for (slot, v) in self.tempo_slots.iter().zip([bpm, beat, phase, playing]) {
            engine.set_variable(*slot, v);
        }
        if let Some(out) = &mut self.osc_out
            && self.send_events
        {
            if bpm > 0.0 && (beat - self.sent_beat).abs() >= 1.0 {
                out.send(
                    "/vivid/tempo/beat",
                    vec![rosc::OscType::Double(beat), rosc::OscType::Double(bpm)],
                );
            }
            if onsets > self.sent_onsets {
                out.send(
                    "/vivid/audio/onset",
                    vec![rosc::OscType::Long(onsets as i64)],
                );
            }
        }
        self.sent_beat = beat;
        self.sent_onsets = onsets;
        if let Some(f) = &mut self.midi_file {
            f.play_to(time.time, &mut self.midi_latest);
            self.midi_applier.apply(engine, &mut self.midi_latest);
        }
        if let Some(m) = &self.midi_in {
            let applier = &mut self.midi_applier;
            m.with_latest(|latest| applier.apply(engine, latest));
        }
        if let Some(q) = &self.oscquery {
            q.publish(engine);
        }
        // Last: the values sent read everything applied above.
        if let Some(out) = &mut self.osc_out {
            self.sends.each(engine, time, |address, v| {
                out.send(address, vec![rosc::OscType::Float(v)]);
            });
        }
    }
}
