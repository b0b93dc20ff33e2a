//! Tempo as variables: `tempo.bpm`, `tempo.beat` (whole beats since the start),
//! `tempo.phase` (0..1 within the beat) and `tempo.playing`, from a fixed `--bpm`, else a
//! MIDI clock that arrives on `--midi` (its start, stop and continue), else the audio's
//! estimate.

use crate::midi::clock::ClockReading;

/// The tempo's variables, (name, documentation).
pub const VARIABLES: [(&str, &str); 4] = [
    (
        "tempo.bpm",
        "tempo: beats per minute (--bpm, a MIDI clock, or the audio's estimate; 0 without)",
    ),
    ("tempo.beat", "tempo: whole beats since the start"),
    ("tempo.phase", "tempo: 0..1 within the beat"),
    (
        "tempo.playing",
        "tempo: 1 while playing (a MIDI clock between start or continue and stop; else while there is a tempo)",
    ),
];

/// Beats counted along the frames' time.
#[derive(Clone, Debug, Default)]
pub struct Tempo {
    /// A fixed tempo (`--bpm`); else the audio's estimate is followed.
    fixed: Option<f64>,
    beats: f64,
    bpm: f64,
    last: Option<f64>,
    playing: bool,
}

impl Tempo {
    /// A tempo fixed at `bpm`, or following the audio's estimate (`None`).
    #[must_use]
    pub fn new(fixed: Option<f64>) -> Self {
        Self {
            fixed: fixed.filter(|b| b.is_finite() && *b > 0.0),
            ..Self::default()
        }
    }

    /// Moves to `time` seconds: a fixed tempo counts `time · bpm / 60` beats exactly (the
    /// same at any frame rate); a followed one adds each frame's time at the tempo of the
    /// moment. A jump back in time starts counting again.
    pub fn step(&mut self, time: f64, estimate: Option<f64>) {
        self.step_with(time, estimate, None);
    }

    /// [`step`](Self::step), following a MIDI clock when one arrives (unless the tempo is
    /// fixed): its tempo, its position in beats, whether it plays.
    pub fn step_with(&mut self, time: f64, estimate: Option<f64>, clock: Option<ClockReading>) {
        if let Some(bpm) = self.fixed {
            self.bpm = bpm;
            self.beats = time.max(0.0) * bpm / 60.0;
            self.playing = true;
            return;
        }
        if let Some(c) = clock {
            self.bpm = c.bpm;
            self.beats = c.beats;
            self.playing = c.playing;
            self.last = Some(time);
            return;
        }
        self.bpm = estimate
            .filter(|b| b.is_finite() && *b > 0.0)
            .unwrap_or(0.0);
        let dt = self.last.map_or(0.0, |l| time - l);
        self.beats = if dt < 0.0 {
            0.0
        } else {
            self.beats + dt * self.bpm / 60.0
        };
        self.playing = self.bpm > 0.0;
        self.last = Some(time);
    }

    /// (bpm, whole beats, phase 0..1).
    #[must_use]
    pub fn values(&self) -> (f64, f64, f64) {
        (self.bpm, self.beats.floor(), self.beats.fract())
    }

    /// Whether it plays (`tempo.playing`).
    #[must_use]
    pub fn playing(&self) -> bool {
        self.playing
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "whole numbers of beats and tempos, exact")]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_tempo_counts_beats_exactly_and_a_followed_one_integrates() {
        let mut t = Tempo::new(Some(120.0));
        t.step(0.7, None);
        let (bpm, beat, phase) = t.values();
        assert_eq!((bpm, beat), (120.0, 1.0));
        assert!((phase - 0.4).abs() < 1e-9);
        let mut f = Tempo::new(None);
        for k in 0..=30 {
            f.step(f64::from(k) / 10.0, Some(if k < 10 { 60.0 } else { 120.0 }));
        }
        // Each frame adds its 0.1 s at the tempo of the moment: frames 1..=9 at 60 BPM
        // (0.9 beats), frames 10..=30 at 120 (4.2 beats): 5.1 beats.
        let (bpm, beat, phase) = f.values();
        assert_eq!((bpm, beat), (120.0, 5.0));
        assert!((phase - 0.1).abs() < 1e-9, "{phase}");
        f.step(0.0, Some(120.0));
        assert_eq!(f.values().1, 0.0, "a jump back starts again");
        assert_eq!(Tempo::new(Some(f64::NAN)).fixed, None);
    }

    #[test]
    fn a_midi_clock_sets_tempo_position_and_playing_unless_the_tempo_is_fixed() {
        let clock = ClockReading {
            bpm: 128.0,
            beats: 6.5,
            playing: false,
        };
        let mut t = Tempo::new(None);
        t.step_with(1.0, Some(90.0), Some(clock));
        assert_eq!(t.values(), (128.0, 6.0, 0.5));
        assert!(!t.playing());
        let mut fixed = Tempo::new(Some(100.0));
        fixed.step_with(0.6, None, Some(clock));
        assert_eq!(fixed.values().0, 100.0);
        assert!(fixed.playing());
    }
}
