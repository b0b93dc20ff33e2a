//! Tempo as variables: `tempo.bpm`, `tempo.beat` (whole beats since the start),
//! `tempo.phase` (0..1 within the beat) and `tempo.playing`, from a fixed `--bpm`, else a
//! MIDI clock that arrives on `--midi` (its start, stop and continue), else taps (the `T`
//! key in the window: [`Taps`]), else the audio's estimate.

use std::collections::VecDeque;

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

/// A gap between taps longer than this starts a new tempo.
pub const TAP_RESET_SECONDS: f64 = 2.0;

/// Taps kept: the tempo is the mean of the last seven intervals.
const TAPS_KEPT: usize = 8;

/// Tap tempo: the times a performer tapped the beat, on the frames' clock.
#[derive(Clone, Debug, Default)]
pub struct Taps {
    times: VecDeque<f64>,
}

impl Taps {
    /// A tap at `time`. After a pause of [`TAP_RESET_SECONDS`] (or a jump back in time)
    /// the taps before it no longer count.
    pub fn tap(&mut self, time: f64) {
        if !time.is_finite() {
            return;
        }
        if self
            .times
            .back()
            .is_some_and(|&last| time < last || time - last > TAP_RESET_SECONDS)
        {
            self.times.clear();
        }
        if self.times.len() == TAPS_KEPT {
            self.times.pop_front();
        }
        self.times.push_back(time);
    }

    /// The tapped tempo: 60 over the mean interval, once two taps were made.
    #[must_use]
    pub fn bpm(&self) -> Option<f64> {
        let (first, last) = (self.times.front()?, self.times.back()?);
        let intervals = self.times.len().checked_sub(1).filter(|&n| n > 0)?;
        let mean = (last - first) / intervals as f64;
        (mean > 0.0).then(|| 60.0 / mean)
    }

    /// The last tap's time.
    #[must_use]
    pub fn last(&self) -> Option<f64> {
        self.times.back().copied()
    }
}

/// Beats counted along the frames' time.
#[derive(Clone, Debug, Default)]
pub struct Tempo {
    /// A fixed tempo (`--bpm`); else the audio's estimate is followed.
    fixed: Option<f64>,
    beats: f64,
    bpm: f64,
    last: Option<f64>,
    playing: bool,
    taps: Taps,
    /// The last tap the beat count was put on (a tap lands on a whole beat).
    aligned: Option<f64>,
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
        let tapped = self.taps.bpm();
        self.bpm = tapped
            .or(estimate)
            .filter(|b| b.is_finite() && *b > 0.0)
            .unwrap_or(0.0);
        let dt = self.last.map_or(0.0, |l| time - l);
        self.beats = if dt < 0.0 {
            0.0
        } else {
            self.beats + dt * self.bpm / 60.0
        };
        // A new tap: the count at the tap's moment goes to the nearest whole beat.
        if let (Some(_), Some(tap)) = (tapped, self.taps.last())
            && self.aligned != Some(tap)
            && tap <= time
        {
            let since = (time - tap) * self.bpm / 60.0;
            self.beats = ((self.beats - since).round() + since).max(0.0);
            self.aligned = Some(tap);
        }
        self.playing = self.bpm > 0.0;
        self.last = Some(time);
    }

    /// A tap of the beat at `time` (the frames' clock): with two or more, the tempo is
    /// theirs (unless `--bpm` or a MIDI clock sets it) and each tap falls on a whole beat.
    pub fn tap(&mut self, time: f64) {
        self.taps.tap(time);
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
    fn taps_set_the_tempo_and_land_on_whole_beats() {
        let mut t = Tempo::new(None);
        // Frames at 100 fps; taps every 0.5 s (120 BPM) from 1.03 s, the audio says 90.
        let mut seen = Vec::new();
        for k in 0..=300 {
            let time = f64::from(k) / 100.0;
            if k >= 103 && (k - 103) % 50 == 0 && k <= 253 {
                t.tap(time);
            }
            t.step(time, Some(90.0));
            if k == 103 || k == 153 || k == 203 || k == 253 {
                seen.push(t.values());
            }
        }
        // One tap is no tempo yet: the audio's 90.
        assert_eq!(seen[0].0, 90.0);
        // From the second tap on: 120 BPM, and every tap on a whole beat.
        for (bpm, _, phase) in &seen[1..] {
            assert!((bpm - 120.0).abs() < 1e-9, "{bpm}");
            assert!(phase.abs() < 1e-9, "{phase}");
        }
        let beats: Vec<f64> = seen[1..].iter().map(|v| v.1).collect();
        assert_eq!(beats[1] - beats[0], 1.0);
        assert_eq!(beats[2] - beats[1], 1.0);
        // A pause longer than the reset: one tap is not a tempo, the old one is forgotten.
        let mut taps = Taps::default();
        taps.tap(0.0);
        taps.tap(0.4);
        assert!((taps.bpm().unwrap() - 150.0).abs() < 1e-9);
        taps.tap(10.0);
        assert_eq!(taps.bpm(), None);
        taps.tap(f64::NAN);
        assert_eq!(taps.last(), Some(10.0));
        // A MIDI clock or --bpm wins over taps.
        let mut fixed = Tempo::new(Some(100.0));
        fixed.tap(0.0);
        fixed.tap(0.5);
        fixed.step(1.0, None);
        assert_eq!(fixed.values().0, 100.0);
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
