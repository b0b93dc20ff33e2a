//! The host's wall clock as the frame clock (`--clock system`): frame `k` is
//! `floor((now - epoch) * fps)` and has time `k / fps`, so processes on machines whose
//! clocks are synchronised (PTP, NTP) and that share `epoch` and `fps` show the same frame
//! at the same instant, whenever each started.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::operator::FrameTime;

/// Frames numbered from a shared epoch by the system clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SystemClock {
    /// Unix seconds of frame 0.
    pub epoch: f64,
    /// Frames a second.
    pub fps: f64,
}

impl SystemClock {
    /// Frame 0 at `epoch` (Unix seconds), `fps` frames a second (clamped to 0.001..=1000).
    #[must_use]
    pub fn new(epoch: f64, fps: f64) -> Self {
        Self {
            epoch,
            fps: fps.clamp(0.001, 1000.0),
        }
    }

    /// The system clock now, in Unix seconds.
    #[must_use]
    pub fn unix_now() -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    /// The frame shown at Unix time `unix` (0 before the epoch).
    #[must_use]
    pub fn frame_at(&self, unix: f64) -> u64 {
        let k = ((unix - self.epoch) * self.fps).floor();
        if k.is_finite() && k > 0.0 {
            k.min(u64::MAX as f64 / 2.0) as u64
        } else {
            0
        }
    }

    /// The frame shown now.
    #[must_use]
    pub fn frame_now(&self) -> u64 {
        self.frame_at(Self::unix_now())
    }

    /// Frame `k`'s time: `k / fps` seconds.
    #[must_use]
    pub fn frame_time(&self, k: u64) -> FrameTime {
        FrameTime {
            time: k as f64 / self.fps,
            frame: k,
        }
    }

    /// How long until frame `k` is due (zero once it is).
    #[must_use]
    pub fn until(&self, k: u64) -> Duration {
        let due = self.epoch + k as f64 / self.fps;
        Duration::try_from_secs_f64(due - Self::unix_now()).unwrap_or(Duration::ZERO)
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "exact: 300 / 30")]
mod tests {
    use super::SystemClock;

    #[test]
    fn frames_count_from_the_epoch() {
        let c = SystemClock::new(1_700_000_000.0, 30.0);
        assert_eq!(c.frame_at(1_700_000_000.0), 0);
        assert_eq!(c.frame_at(1_699_999_000.0), 0);
        assert_eq!(c.frame_at(1_700_000_001.0 - 1e-4), 29);
        assert_eq!(c.frame_at(1_700_000_010.01), 300);
        assert_eq!(c.frame_time(300).time, 10.0);
        assert!(c.until(0).is_zero());
    }
}
