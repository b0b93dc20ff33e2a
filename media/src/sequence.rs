//! An image sequence decoded on its own thread: the PNG/JPEG files of a folder in the order
//! of their numbers, frame i shown from i/fps to (i+1)/fps. Positions come in nanoseconds,
//! as for a video file; the thread decodes only the frame asked for.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::colorimetry::{Matrix, Range};
use crate::frame::{Format, Frame, Layout, Pixels};
use crate::source::{Shared, SourceThread};

/// The frame files of `dir`, in the order of the last number in their names (then by name).
pub fn frames_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list it ({e})"))?;
    let mut files: Vec<(u64, String, PathBuf)> = entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|x| {
                    ["png", "jpg", "jpeg"]
                        .iter()
                        .any(|e| x.eq_ignore_ascii_case(e))
                })
        })
        .map(|p| {
            let stem = p
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            (last_number(&stem).unwrap_or(u64::MAX), stem, p)
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err("no PNG or JPEG frames in it".into());
    }
    Ok(files.into_iter().map(|f| f.2).collect())
}

/// The last run of digits in `name`, as a number.
fn last_number(name: &str) -> Option<u64> {
    let end = name.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = name[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    name[start..end].parse().ok()
}

/// Frames per second as the fraction a `Format` holds.
fn rate(fps: f64) -> (i32, i32) {
    ((fps * 1000.0).round() as i32, 1000)
}

/// Frame `index` of `files`, decoded.
fn decode(files: &[PathBuf], index: usize, fps: f64) -> Result<Arc<Frame>, String> {
    let path = &files[index.min(files.len() - 1)];
    let img = image::open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .to_rgba8();
    let format = Format {
        layout: Layout::Rgba,
        width: img.width(),
        height: img.height(),
        matrix: Matrix::Bt709,
        range: Range::Full,
        rate: rate(fps),
    };
    let step = 1e9 / fps;
    Ok(Frame::new(
        format,
        Pixels::Rgba(img.into_raw()),
        (index as f64 * step).round() as u64,
        step.round() as u64,
    ))
}

/// Starts playing the frames of `dir` at `fps` on a thread of its own.
pub fn open(dir: &Path, fps: f64) -> SourceThread {
    let dir = dir.to_path_buf();
    let fps = if fps > 0.0 { fps } else { 30.0 };
    SourceThread::spawn("vivid-sequence", move |shared| {
        if let Err(e) = run(&dir, fps, shared)
            && !shared.stopped()
        {
            shared.fail(e);
        }
    })
}

fn run(dir: &Path, fps: f64, shared: &Shared) -> Result<(), String> {
    let files = frames_in(dir)?;
    let first = decode(&files, 0, fps)?;
    let length = (files.len() as f64 * 1e9 / fps).round() as u64;
    shared.opened(first.format, Some(length));
    let mut shown: Option<(usize, Arc<Frame>)> = None;
    let mut seen = 0;
    let mut first = Some(first);
    loop {
        let Some((id, position)) = shared.next_request(seen, Duration::from_millis(200)) else {
            if shared.stopped() {
                return Ok(());
            }
            continue;
        };
        seen = id;
        // The frame a position falls in; the epsilon absorbs rounding of k / fps.
        let index = ((position as f64 / 1e9 * fps + 1e-6).floor() as usize).min(files.len() - 1);
        if shown.as_ref().is_some_and(|(i, _)| *i == index) {
            shared.answer(id);
            continue;
        }
        let frame = match first.take().filter(|_| index == 0) {
            Some(f) => Ok(f),
            None => decode(&files, index, fps),
        };
        match frame {
            Ok(f) => {
                shared.publish(f.clone(), id);
                shown = Some((index, f));
            }
            // A broken frame: reported; the last good one stays.
            Err(e) => {
                shared.fail(e);
                shared.answer(id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_order_the_frames() {
        assert_eq!(last_number("frame_0012"), Some(12));
        assert_eq!(last_number("take2_frame9"), Some(9));
        assert_eq!(last_number("cover"), None);
    }
}
