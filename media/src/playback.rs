//! Where in a clip a frame is: the chain's clock turned into a position by `speed`,
//! `paused`, in and out points and `loop` — or a `time` expression that scrubs directly.
//! Pure arithmetic, tested on its own.

/// The playback settings of this frame (a `video`'s parameters).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    /// Rate; 1 is normal, negative plays backwards.
    pub speed: f64,
    /// In point, seconds into the clip.
    pub start: f64,
    /// Out point, seconds into the clip; at or before `start`: the clip's end.
    pub end: f64,
    /// Wrap around at the out point (otherwise the last frame holds).
    pub looping: bool,
    /// Hold the position.
    pub paused: bool,
    /// A position given directly (seconds into the clip), instead of the clock.
    pub time: Option<f64>,
}

/// The clock of one clip: it starts at the in point on the first frame it is asked about.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Clock {
    /// Chain time and clip position at the last change of speed or pause.
    anchor: Option<(f64, f64)>,
    speed: f64,
    paused: bool,
}

/// Slack for positions at the out point (half a microsecond).
const EPSILON: f64 = 5e-7;

impl Clock {
    /// The clip position (seconds) at chain time `t`, given the clip's `length` (seconds,
    /// if known).
    pub fn position(&mut self, t: f64, s: &Settings, length: Option<f64>) -> f64 {
        let start = s.start.max(0.0);
        let end = if s.end > start { Some(s.end) } else { length };
        let raw = if let Some(time) = s.time {
            self.anchor = None;
            time
        } else {
            let (t0, p0) = *self.anchor.get_or_insert((t, start));
            let raw = if self.paused {
                p0
            } else {
                p0 + (t - t0) * self.speed
            };
            // A change of speed or pause takes effect from here, without a jump.
            // (Exact comparison: any new value of the parameter is a change.)
            if self.speed.to_bits() != s.speed.to_bits() || self.paused != s.paused {
                self.anchor = Some((t, raw));
                self.speed = s.speed;
                self.paused = s.paused;
            }
            raw
        };
        wrap(raw, start, end, s.looping)
    }
}

/// `raw` in `start..end`: wrapped around when looping, else held at the ends.
#[must_use]
pub fn wrap(raw: f64, start: f64, end: Option<f64>, looping: bool) -> f64 {
    match end {
        Some(end) if end > start => {
            if looping {
                let span = end - start;
                let p = start + (raw - start).rem_euclid(span);
                // Within rounding of the out point: the in point.
                if end - p < EPSILON { start } else { p }
            } else {
                raw.clamp(start, end)
            }
        }
        _ => raw.max(start),
    }
}

#[cfg(test)]
#[expect(
    clippy::float_cmp,
    reason = "positions that are whole or held are exact; the others are compared with a margin"
)]
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings {
            speed: 1.0,
            start: 0.0,
            end: 0.0,
            looping: true,
            paused: false,
            time: None,
        }
    }

    #[test]
    fn plays_from_the_in_point_at_its_speed_and_loops() {
        let mut c = Clock::default();
        let s = Settings {
            speed: 2.0,
            start: 1.0,
            end: 3.0,
            ..settings()
        };
        assert_eq!(c.position(10.0, &s, Some(5.0)), 1.0);
        assert_eq!(c.position(10.5, &s, Some(5.0)), 2.0);
        // 1 + 2 * 1.25 = 3.5 -> wraps to 1.5 in 1..3.
        assert!((c.position(11.25, &s, Some(5.0)) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn frame_k_at_k_over_fps_is_exact() {
        let mut c = Clock::default();
        let s = settings();
        for k in 0..300u32 {
            let t = f64::from(k) / 30.0;
            let p = c.position(t, &s, Some(100.0));
            assert_eq!((p * 30.0 + 1e-6).floor() as u32, k);
        }
    }

    #[test]
    fn without_loop_the_last_frame_holds_and_backwards_wraps() {
        let mut c = Clock::default();
        let once = Settings {
            looping: false,
            ..settings()
        };
        c.position(0.0, &once, Some(2.0));
        assert_eq!(c.position(5.0, &once, Some(2.0)), 2.0);
        let mut c = Clock::default();
        let back = Settings {
            speed: -1.0,
            ..settings()
        };
        c.position(0.0, &back, Some(2.0));
        assert!((c.position(0.5, &back, Some(2.0)) - 1.5).abs() < 1e-12);
    }

    #[test]
    fn pause_and_speed_changes_do_not_jump() {
        let mut c = Clock::default();
        let mut s = settings();
        c.position(0.0, &s, None);
        assert_eq!(c.position(1.0, &s, None), 1.0);
        s.paused = true;
        assert_eq!(c.position(1.0, &s, None), 1.0);
        assert_eq!(c.position(3.0, &s, None), 1.0);
        s.paused = false;
        s.speed = 0.5;
        assert_eq!(c.position(3.0, &s, None), 1.0);
        assert_eq!(c.position(5.0, &s, None), 2.0);
    }

    #[test]
    fn a_time_expression_scrubs_within_the_points() {
        let mut c = Clock::default();
        let s = Settings {
            time: Some(7.5),
            start: 1.0,
            end: 3.0,
            ..settings()
        };
        assert!((c.position(0.0, &s, Some(10.0)) - 1.5).abs() < 1e-12);
        let held = Settings {
            looping: false,
            ..s
        };
        assert_eq!(c.position(0.0, &held, Some(10.0)), 3.0);
    }
}
