//! MIDI clock in: 24 timing clocks (0xF8) a quarter note give the tempo, start (0xFA),
//! continue (0xFB) and stop (0xFC) whether it plays and where — `tempo.bpm`, `tempo.beat`,
//! `tempo.phase` and `tempo.playing` follow a clock that arrives (see [`crate::tempo`]).
//! The tempo is the mean of the last [`WINDOW`] tick intervals by their timestamps (the
//! port's, in microseconds), so the render thread's timing does not enter it.

/// Timing clocks per quarter note.
pub const PPQN: u64 = 24;
/// Tick intervals averaged for the tempo (one beat).
pub const WINDOW: usize = 24;
/// Microseconds without a tick after which the clock counts as gone.
pub const TIMEOUT_US: u64 = 2_000_000;

/// What a clock said so far.
#[derive(Clone, Debug, Default)]
pub struct MidiClock {
    /// Ticks since start (or since the song position), while playing.
    ticks: u64,
    playing: bool,
    /// The last tick's timestamp and the intervals before it (circular).
    last_tick: Option<u64>,
    intervals: [u64; WINDOW],
    filled: usize,
    next: usize,
}

/// What the tempo reads from a clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClockReading {
    /// Beats per minute (0 until two ticks came).
    pub bpm: f64,
    /// Quarter notes since start, fractional.
    pub beats: f64,
    /// Between start (or continue) and stop.
    pub playing: bool,
}

impl MidiClock {
    /// Reads one message at `stamp_us`; returns whether it was a clock message.
    pub fn message(&mut self, bytes: &[u8], stamp_us: u64) -> bool {
        match bytes.first() {
            Some(0xF8) => {
                if let Some(last) = self.last_tick {
                    let dt = stamp_us.saturating_sub(last);
                    if dt > 0 && dt < TIMEOUT_US {
                        self.intervals[self.next] = dt;
                        self.next = (self.next + 1) % WINDOW;
                        self.filled = (self.filled + 1).min(WINDOW);
                    } else {
                        self.filled = 0;
                    }
                }
                self.last_tick = Some(stamp_us);
                if self.playing {
                    self.ticks += 1;
                }
            }
            Some(0xFA) => {
                self.ticks = 0;
                self.playing = true;
            }
            Some(0xFB) => self.playing = true,
            Some(0xFC) => self.playing = false,
            // Song position pointer: sixteenth notes (6 ticks each).
            Some(0xF2) if bytes.len() >= 3 => {
                let sixteenths = u64::from(bytes[1] & 0x7f) | u64::from(bytes[2] & 0x7f) << 7;
                self.ticks = sixteenths * 6;
            }
            _ => return false,
        }
        true
    }

    /// The tempo and position now (`now_us` on the stamps' clock), or `None` when no tick
    /// came for [`TIMEOUT_US`] (no clock, or it went away).
    #[must_use]
    pub fn reading(&self, now_us: u64) -> Option<ClockReading> {
        let last = self.last_tick?;
        if now_us.saturating_sub(last) > TIMEOUT_US {
            return None;
        }
        let bpm = if self.filled == 0 {
            0.0
        } else {
            let mean =
                self.intervals[..self.filled].iter().sum::<u64>() as f64 / self.filled as f64;
            60e6 / (mean * PPQN as f64)
        };
        Some(ClockReading {
            bpm,
            beats: self.ticks as f64 / PPQN as f64,
            playing: self.playing,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_give_the_tempo_and_start_stop_continue_the_position() {
        let mut c = MidiClock::default();
        assert_eq!(c.reading(0), None);
        // 120 BPM: a tick every 60 / (120 · 24) s = 20833 µs.
        let dt = 20_833;
        let mut t = 0;
        let mut tick = |c: &mut MidiClock, n: u64| {
            for _ in 0..n {
                t += dt;
                assert!(c.message(&[0xF8], t));
            }
            t
        };
        let now = tick(&mut c, 10);
        let r = c.reading(now).expect("a clock");
        assert!((r.bpm - 120.0).abs() < 0.01, "{}", r.bpm);
        assert_eq!(
            (r.beats, r.playing),
            (0.0, false),
            "ticks before start do not count"
        );
        c.message(&[0xFA], now);
        let now = tick(&mut c, 36);
        let r = c.reading(now).expect("a clock");
        assert_eq!((r.beats, r.playing), (1.5, true));
        c.message(&[0xFC], now);
        let now = tick(&mut c, 12);
        assert_eq!(
            c.reading(now).map(|r| (r.beats, r.playing)),
            Some((1.5, false))
        );
        c.message(&[0xFB], now);
        let now = tick(&mut c, 6);
        assert_eq!(c.reading(now).map(|r| r.beats), Some(1.75));
        // Song position 8 sixteenths: beat 2.
        c.message(&[0xF2, 8, 0], now);
        assert_eq!(c.reading(now).map(|r| r.beats), Some(2.0));
        assert!(!c.message(&[0xB0, 7, 1], now), "not clock");
        // Silence for longer than the timeout: no clock.
        assert_eq!(c.reading(now + TIMEOUT_US + 1), None);
    }
}
