//! `vivid render`: a range of frames rendered offline, deterministically (frame k at time
//! k/fps), so that slices rendered anywhere — a Slurm array task, a Kubernetes pod — join
//! into the same pictures as one sequential run.

use std::fmt;

/// Frames `start..end`: from `start` (included) to `end` (excluded), by global frame index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameRange {
    /// The first frame rendered.
    pub start: u64,
    /// One past the last frame rendered (more than `start`).
    pub end: u64,
}

impl FrameRange {
    /// How many frames.
    #[must_use]
    pub fn len(self) -> u64 {
        self.end - self.start
    }
}

impl fmt::Display for FrameRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// `--frames`: `N` (frames `0..N`) or `A..B` (frames A to B-1, as in Rust and Python).
pub fn parse_frame_range(s: &str) -> Result<FrameRange, String> {
    let number = |v: &str| {
        v.trim().parse::<u64>().map_err(|_| {
            format!(
                "`{s}` is not a whole number of frames (N) or a range of frames (A..B, B excluded)"
            )
        })
    };
    let (start, end) = match s.split_once("..") {
        Some((a, b)) => (number(a)?, number(b)?),
        None => (0, number(s)?),
    };
    if end <= start {
        return Err(if s.contains("..") {
            format!(
                "`{s}`: an empty range of frames (A..B renders A to B-1: B must be more than A)"
            )
        } else {
            "0 frames: nothing to render (give at least 1)".into()
        });
    }
    Ok(FrameRange { start, end })
}

/// The frame a run starts at: `preroll` frames before the range (not before frame 0).
#[must_use]
pub fn first_frame(range: FrameRange, preroll: u64) -> u64 {
    range.start.saturating_sub(preroll)
}

/// What to warn of before a range render of a chain whose `stateful` nodes (name, type)
/// depend on earlier frames, starting at `first` instead of frame 0: `None` when the
/// render starts at frame 0 (then it is the sequential run) or nothing is stateful.
#[must_use]
pub fn stateful_warning(
    range: FrameRange,
    first: u64,
    stateful: &[(String, String)],
    audio: bool,
) -> Option<String> {
    if first == 0 || (stateful.is_empty() && !audio) {
        return None;
    }
    let mut what: Vec<String> = stateful
        .iter()
        .map(|(name, kind)| format!("`{name}` ({kind})"))
        .collect();
    if audio {
        what.push("the --audio analysis (its smoothing)".into());
    }
    let preroll = range.start - first;
    let verb = if what.len() == 1 { "depends" } else { "depend" };
    let which = what.join(", ");
    Some(if preroll == 0 {
        format!(
            "warning: {which} {verb} on earlier frames: frames {range} rendered without a \
             preroll differ from the same frames of a sequential run\n  hint: add --preroll N \
             to run N frames before {} without writing them (docs/cluster.md: the residual \
             difference by N)",
            range.start
        )
    } else {
        format!(
            "note: {which} {verb} on earlier frames: frames {range} start from a preroll of \
             {preroll} frames, not from frame 0 (docs/cluster.md: the residual difference by \
             N; --preroll {} makes it the sequential run exactly)",
            range.start
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_exclude_their_end() {
        assert_eq!(
            parse_frame_range("10..20"),
            Ok(FrameRange { start: 10, end: 20 })
        );
        assert_eq!(parse_frame_range("5"), Ok(FrameRange { start: 0, end: 5 }));
        assert_eq!(parse_frame_range(" 0 .. 1 ").map(FrameRange::len), Ok(1));
        for bad in [
            "0", "3..3", "4..2", "..5", "5..", "a..b", "-1..4", "1...4", "",
        ] {
            assert!(parse_frame_range(bad).is_err(), "{bad}");
        }
        let r = FrameRange {
            start: 100,
            end: 200,
        };
        assert_eq!(first_frame(r, 30), 70);
        assert_eq!(first_frame(r, 1000), 0);
        assert_eq!(r.to_string(), "100..200");
    }

    #[test]
    fn only_a_stateful_range_not_from_frame_0_is_warned_of() {
        let r = FrameRange { start: 50, end: 60 };
        let fb = [("trails".to_string(), "feedback".to_string())];
        assert!(stateful_warning(r, 50, &fb, false).is_some_and(|w| w.contains("--preroll")));
        assert!(stateful_warning(r, 20, &fb, false).is_some_and(|w| w.starts_with("note")));
        assert_eq!(stateful_warning(r, 0, &fb, false), None);
        assert_eq!(stateful_warning(r, 50, &[], false), None);
        assert!(stateful_warning(r, 50, &[], true).is_some_and(|w| w.contains("--audio")));
    }
}
