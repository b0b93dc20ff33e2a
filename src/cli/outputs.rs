//! The flags of several outputs and machines: `--clock system` with `--epoch` (frames
//! numbered by the host's clock), `--canvas` and `--viewport` (one machine's part of a
//! larger picture), `--snapshot-output` (a snapshot of one `[[window]]` through its warp
//! and blend).

use clap::{Args, ValueEnum};
use vivid::Engine;
use vivid::clock::SystemClock;
use vivid::readback::FloatImage;

/// Where frame times come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Clock {
    /// From the start of the run (`--fps`: frame k at k / F).
    #[default]
    Start,
    /// From the host's wall clock since `--epoch`: frame k = floor((now − epoch) × fps), so
    /// machines with synchronised clocks show the same frame at the same instant.
    System,
    /// From the start of the run, joining the Ableton Link session on the local network:
    /// `link.*` and `tempo.*` (beat, phase, bpm) follow the session, so what a chain
    /// animates with them is in step with every peer (other vivids, Live, Resolume…).
    Link,
}

/// Several outputs and machines.
#[derive(Args, Debug, Clone, Default)]
pub struct OutputArgs {
    /// Frame clock: `start` (default); `system`: frame k = floor((now − epoch) × fps) of
    /// the host's clock, for lockstep across machines (needs --epoch; --fps defaults to
    /// 60; headless, --frames N then ends at frame N−1 of that timeline, at its instant);
    /// `link`: from the start, with `link.*` and `tempo.*` following the Ableton Link
    /// session on the local network.
    #[arg(long, value_enum, default_value_t = Clock::Start)]
    pub clock: Clock,
    /// Unix seconds of frame 0 for `--clock system`; give every machine the same, e.g.
    /// `--epoch $(date +%s)` computed once.
    #[arg(long, value_name = "UNIX_SECS", value_parser = parse_epoch)]
    pub epoch: Option<f64>,
    /// The whole picture's size when machines each show a part (`--viewport`); every
    /// machine renders all of it (like --size).
    #[arg(long, value_name = "WxH", value_parser = crate::parse_size, conflicts_with = "size")]
    pub canvas: Option<[u32; 2]>,
    /// The part of the canvas this process shows and snapshots: x,y,w,h in pixels from its
    /// top-left corner.
    #[arg(long, value_name = "X,Y,W,H", value_parser = parse_viewport)]
    pub viewport: Option<[u32; 4]>,
    /// `--snapshot` writes output N (a `[[window]]`, from 0) through its warp and blend,
    /// at its window's `size` (default: its picture's), instead of the node shown.
    #[arg(long, value_name = "N", requires = "snapshot")]
    pub snapshot_output: Option<usize>,
}

fn parse_epoch(s: &str) -> Result<f64, String> {
    let e: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("`{s}` is not Unix seconds (e.g. 1767225600)"))?;
    if e.is_finite() && (0.0..1e11).contains(&e) {
        Ok(e)
    } else {
        Err(format!("`{s}` is not Unix seconds (e.g. 1767225600)"))
    }
}

fn parse_viewport(s: &str) -> Result<[u32; 4], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let bad = || format!("`{s}` is not x,y,w,h in pixels (e.g. 0,0,1920,1080)");
    let [left, top, width, height] = parts[..] else {
        return Err(bad());
    };
    let num = |v: &str| v.parse::<u32>().map_err(|_| bad());
    let v = [num(left)?, num(top)?, num(width)?, num(height)?];
    if v[2] == 0 || v[3] == 0 {
        return Err(format!("`{s}`: the viewport needs a width and a height"));
    }
    Ok(v)
}

impl OutputArgs {
    /// Checks what the parser cannot: the clock's needs, the viewport inside the canvas.
    pub fn check(&self) -> Result<(), String> {
        match (self.clock, self.epoch) {
            (Clock::Link, _) if !cfg!(feature = "link") => {
                return Err("--clock link: this vivid was built without Ableton Link (the `link` feature); use --clock system with synchronised host clocks (PTP or NTP)".into());
            }
            (Clock::System, None) => {
                return Err("--clock system needs --epoch: the same Unix seconds on every machine, e.g. --epoch $(date +%s) computed once".into());
            }
            (Clock::Start | Clock::Link, Some(_)) => {
                return Err("--epoch is for --clock system".into());
            }
            _ => {}
        }
        if let (Some([x, y, w, h]), Some([cw, ch])) = (self.viewport, self.canvas)
            && (u64::from(x) + u64::from(w) > u64::from(cw)
                || u64::from(y) + u64::from(h) > u64::from(ch))
        {
            return Err(format!(
                "--viewport {x},{y},{w},{h} is not inside --canvas {cw}x{ch}"
            ));
        }
        Ok(())
    }

    /// The system clock, with `--clock system`.
    #[must_use]
    pub fn system_clock(&self, fps: Option<f64>) -> Option<SystemClock> {
        (self.clock == Clock::System)
            .then(|| SystemClock::new(self.epoch.unwrap_or(0.0), fps.unwrap_or(60.0)))
    }

    /// Sets the viewport and the capture of `--snapshot-output` on a loaded engine.
    pub fn apply(&self, engine: &mut Engine) -> Result<(), String> {
        engine.set_viewport(self.viewport);
        if let Some(n) = self.snapshot_output {
            let count = engine.output_count();
            if n >= count {
                return Err(format!(
                    "--snapshot-output {n}: the chain has {count} output(s) (`[[window]]` tables, counted from 0)"
                ));
            }
            let size = engine
                .output_desc(n)
                .and_then(|d| d.size)
                .or_else(|| engine.output_picture_size(n))
                .unwrap_or([1, 1]);
            engine.set_output_capture(Some((n, size)));
        }
        Ok(())
    }

    /// The part of a read-back picture a snapshot keeps: the viewport (unless the picture
    /// is an output's capture, which shows it already).
    #[must_use]
    pub fn crop(&self, img: FloatImage) -> FloatImage {
        match self.viewport {
            Some(v) if self.snapshot_output.is_none() => crop(&img, v),
            _ => img,
        }
    }
}

/// `img`'s pixels in `[x, y, w, h]` (clamped to it), rows from the top.
#[must_use]
pub fn crop(img: &FloatImage, [x, y, w, h]: [u32; 4]) -> FloatImage {
    let x0 = x.min(img.width);
    let y0 = y.min(img.height);
    let x1 = x.saturating_add(w).min(img.width);
    let y1 = y.saturating_add(h).min(img.height);
    let mut pixels = Vec::with_capacity(((x1 - x0) * (y1 - y0)) as usize);
    for row in y0..y1 {
        let start = (row * img.width + x0) as usize;
        pixels.extend_from_slice(&img.pixels[start..start + (x1 - x0) as usize]);
    }
    FloatImage {
        width: x1 - x0,
        height: y1 - y0,
        pixels,
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "exact small integers")]
mod tests {
    use super::*;

    #[test]
    fn viewports_parse_and_crop() {
        assert_eq!(parse_viewport("0, 10,32,16"), Ok([0, 10, 32, 16]));
        assert!(parse_viewport("0,0,0,5").is_err());
        assert!(parse_viewport("1,2,3").is_err());
        let img = FloatImage {
            width: 4,
            height: 2,
            pixels: (0..8).map(|i| [i as f32, 0.0, 0.0, 1.0]).collect(),
        };
        let c = crop(&img, [1, 1, 2, 5]);
        assert_eq!((c.width, c.height), (2, 1));
        assert_eq!(c.pixels[0][0], 5.0);
    }

    #[test]
    fn the_system_clock_needs_an_epoch() {
        let a = OutputArgs {
            clock: Clock::System,
            ..OutputArgs::default()
        };
        assert!(a.check().unwrap_err().contains("--epoch"));
        let link = OutputArgs {
            clock: Clock::Link,
            ..OutputArgs::default()
        };
        // Ableton Link is a default feature: the clock is there unless built without it.
        assert_eq!(link.check().is_ok(), cfg!(feature = "link"));
    }
}
