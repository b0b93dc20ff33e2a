//! `MemoryMonitor`: process RSS and GPU memory/object counts, sampled every N seconds,
//! printed as one line on stderr (never panicking on a closed pipe) and kept (bounded) for the API and `--stats-json`.
//!
//! ```text
//! [10.0s] Memory: 109 MB (total: +0.0 MB, last 10s: +0.0 MB) | GPU: 48 MB in 12 textures, 9 buffers (total: +0.0 MB)
//! ```

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One reading.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct MonitorSample {
    /// Seconds since the monitor started.
    pub t: f64,
    /// Frames rendered so far.
    pub frame: u64,
    /// Resident set size of the process, bytes (0 where the OS does not tell).
    pub rss_bytes: u64,
    /// GPU memory in use by vivid, bytes: wgpu's allocated texture + buffer memory when its
    /// counters are available, else the engine's own estimate.
    pub gpu_bytes: u64,
    /// Live textures created by the engine.
    pub textures: i64,
    /// Live buffers created by the engine.
    pub buffers: i64,
}

/// Resident set size of this process (Linux, macOS, Windows).
#[must_use]
pub fn rss_bytes() -> u64 {
    memory_stats::memory_stats().map_or(0, |m| m.physical_mem as u64)
}

/// Keeps the last [`MemoryMonitor::KEEP`] samples (a run of weeks must not grow).
#[derive(Debug)]
pub struct MemoryMonitor {
    interval: Option<Duration>,
    print: bool,
    start: Instant,
    next: Instant,
    first: Option<MonitorSample>,
    samples: VecDeque<MonitorSample>,
    events: VecDeque<String>,
}

const MB: f64 = 1024.0 * 1024.0;

impl MemoryMonitor {
    /// Samples kept.
    pub(crate) const KEEP: usize = 8640;
    /// Events kept.
    pub(crate) const EVENTS_KEPT: usize = 64;

    /// A monitor sampling every `interval` (never if `None`), printing when `print`.
    #[must_use]
    pub fn new(interval: Option<Duration>, print: bool) -> Self {
        let now = Instant::now();
        Self {
            interval,
            print,
            start: now,
            next: now,
            first: None,
            samples: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// Reports something that happened (a lost device recreated): a line now, printed when
    /// the monitor prints, and kept (the last [`EVENTS_KEPT`](Self::EVENTS_KEPT)).
    pub fn event(&mut self, what: &str) -> String {
        let line = format!("[{:.1}s] {what}", self.elapsed());
        if self.print {
            crate::stderr_line!("{line}");
        }
        if self.events.len() == Self::EVENTS_KEPT {
            self.events.pop_front();
        }
        self.events.push_back(line.clone());
        line
    }

    /// The events reported, oldest first.
    #[must_use]
    pub fn events(&self) -> Vec<String> {
        self.events.iter().cloned().collect()
    }

    /// Seconds since start.
    #[must_use]
    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Restarts the clock (the first tick samples at once).
    pub(crate) fn restart(&mut self) {
        self.start = Instant::now();
        self.next = self.start;
        self.first = None;
        self.samples.clear();
    }

    /// Called once per frame; takes a sample when the interval has passed. Returns the line
    /// printed, if any.
    pub fn tick(&mut self, sample: impl FnOnce(f64) -> MonitorSample) -> Option<String> {
        let interval = self.interval?;
        let now = Instant::now();
        if now < self.next {
            return None;
        }
        let s = sample(now.duration_since(self.start).as_secs_f64());
        self.next = if self.first.is_none() {
            self.start + interval
        } else {
            self.next + interval
        };
        if self.next <= now {
            self.next = now + interval;
        }
        let line = self.record(s);
        if let Some(l) = &line
            && self.print
        {
            crate::stderr_line!("{l}");
        }
        line
    }

    /// Records a sample; returns its line (none for the very first sample, the baseline).
    pub(crate) fn record(&mut self, s: MonitorSample) -> Option<String> {
        let prev = self.samples.back().copied();
        if self.samples.len() == Self::KEEP {
            self.samples.pop_front();
        }
        self.samples.push_back(s);
        let Some(first) = self.first else {
            self.first = Some(s);
            return None;
        };
        let prev = prev.unwrap_or(first);
        Some(format_line(&first, &prev, &s))
    }

    /// The kept samples, oldest first (the first one is the baseline).
    pub fn samples(&self) -> impl Iterator<Item = &MonitorSample> {
        self.samples.iter()
    }

    /// The baseline sample.
    #[must_use]
    pub fn first(&self) -> Option<&MonitorSample> {
        self.first.as_ref()
    }
}

fn delta(a: u64, b: u64) -> String {
    format!("{:+.1}", (b as f64 - a as f64) / MB)
}

/// The monitor's line for sample `now`, given the baseline and the previous sample.
#[must_use]
pub(crate) fn format_line(
    first: &MonitorSample,
    prev: &MonitorSample,
    now: &MonitorSample,
) -> String {
    format!(
        "[{:.1}s] Memory: {:.0} MB (total: {} MB, last {:.0}s: {} MB) | GPU: {:.0} MB in {} textures, {} buffers (total: {} MB)",
        now.t,
        now.rss_bytes as f64 / MB,
        delta(first.rss_bytes, now.rss_bytes),
        now.t - prev.t,
        delta(prev.rss_bytes, now.rss_bytes),
        now.gpu_bytes as f64 / MB,
        now.textures,
        now.buffers,
        delta(first.gpu_bytes, now.gpu_bytes),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: f64, rss_mb: u64, gpu_mb: u64) -> MonitorSample {
        MonitorSample {
            t,
            frame: 0,
            rss_bytes: rss_mb << 20,
            gpu_bytes: gpu_mb << 20,
            textures: 12,
            buffers: 9,
        }
    }

    #[test]
    fn line_shows_totals_and_growth() {
        let mut m = MemoryMonitor::new(Some(Duration::from_secs(10)), false);
        assert_eq!(m.record(s(0.0, 100, 48)), None);
        let l = m.record(s(10.0, 109, 48)).expect("line");
        assert_eq!(
            l,
            "[10.0s] Memory: 109 MB (total: +9.0 MB, last 10s: +9.0 MB) | GPU: 48 MB in 12 textures, 9 buffers (total: +0.0 MB)"
        );
        let l = m.record(s(20.0, 109, 50)).expect("line");
        assert!(l.contains("last 10s: +0.0 MB"), "{l}");
        assert!(l.contains("(total: +2.0 MB)"), "{l}");
    }

    #[test]
    fn samples_are_bounded() {
        let mut m = MemoryMonitor::new(Some(Duration::from_secs(1)), false);
        for i in 0..(MemoryMonitor::KEEP + 10) {
            m.record(s(i as f64, 1, 1));
        }
        assert_eq!(m.samples().count(), MemoryMonitor::KEEP);
        assert_eq!(m.first().map(|f| f.t), Some(0.0));
    }

    #[test]
    fn rss_is_read_on_this_os() {
        assert!(rss_bytes() > 0);
    }
}
