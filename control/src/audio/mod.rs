//! Audio analysis as expression variables: `audio.level`, `audio.peak`, `audio.bass`,
//! `audio.mid`, `audio.high`, `audio.band0`…, `audio.beat`, `audio.bpm`.
//!
//! - `analysis`: the analysis on a fixed grid of hops ([`Analyzer`]);
//! - `file`: a decoded file analysed up to each frame's time ([`FileSource`]);
//! - `capture`: a capture device, analysed on its own thread ([`CaptureSource`]);
//! - `play`: the file played to the output device in step with the frames ([`play::Player`]).

pub mod analysis;
pub mod capture;
pub mod file;
pub mod play;

pub use analysis::{AnalysisSettings, Analyzer, Features, MAX_BANDS};
pub use capture::CaptureSource;
pub use file::FileSource;

use vivid_engine::Engine;

/// The variables, by slot, set from [`Features`].
#[derive(Clone, Debug)]
pub struct AudioSlots {
    level: usize,
    peak: usize,
    bass: usize,
    mid: usize,
    high: usize,
    beat: usize,
    bpm: usize,
    bands: Vec<usize>,
}

/// The audio variables, (name, documentation): the fixed ones, then `bands` of
/// `audio.bandK`.
#[must_use]
pub fn variables(bands: usize) -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = [
        ("audio.level", "audio: RMS level of the last 46 ms, 0..1"),
        (
            "audio.peak",
            "audio: largest sample of the last 46 ms, 0..1",
        ),
        ("audio.bass", "audio: RMS of 20-250 Hz"),
        ("audio.mid", "audio: RMS of 250-4000 Hz"),
        ("audio.high", "audio: RMS above 4000 Hz"),
        ("audio.beat", "audio: 1 at an onset, decaying"),
        ("audio.bpm", "audio: tempo estimate (0 until known)"),
    ]
    .into_iter()
    .map(|(n, d)| (n.to_string(), d))
    .collect();
    v.extend((0..bands.min(MAX_BANDS)).map(|k| {
        (
            format!("audio.band{k}"),
            "audio: RMS of a log-spaced band from 20 Hz",
        )
    }));
    v
}

impl AudioSlots {
    /// Adds the audio variables to `engine` (`bands` of `audio.bandK`); names already
    /// there keep their slots.
    pub fn register(engine: &mut Engine, bands: usize) -> Result<Self, String> {
        let slots = variables(bands)
            .into_iter()
            .map(|(n, d)| engine.add_variable(n, d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            level: slots[0],
            peak: slots[1],
            bass: slots[2],
            mid: slots[3],
            high: slots[4],
            beat: slots[5],
            bpm: slots[6],
            bands: slots[7..].to_vec(),
        })
    }

    /// Sets every audio variable from `f`. Allocates nothing.
    pub fn set(&self, engine: &mut Engine, f: &Features) {
        engine.set_variable(self.level, f64::from(f.level));
        engine.set_variable(self.peak, f64::from(f.peak));
        engine.set_variable(self.bass, f64::from(f.bass));
        engine.set_variable(self.mid, f64::from(f.mid));
        engine.set_variable(self.high, f64::from(f.high));
        engine.set_variable(self.beat, f64::from(f.beat));
        engine.set_variable(self.bpm, f64::from(f.bpm));
        for (slot, v) in self.bands.iter().zip(&f.bands) {
            engine.set_variable(*slot, f64::from(*v));
        }
    }
}
