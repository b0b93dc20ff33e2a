//! An image sequence decoded on its own thread: the PNG/JPEG files of a folder (or a
//! pattern of them) in natural order, read through the project file rule, frame i shown
//! from i/fps to (i+1)/fps. Positions come in nanoseconds, as for a video file. Frame-exact,
//! the thread decodes only the frame asked for; in real time (`crate::realtime()` when the
//! sequence opens) it decodes ahead of the clock into the shared queue, as a video file's
//! thread does (`decoder.rs`), and the render thread takes the newest frame due.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::colorimetry::{Matrix, Range};
use crate::frame::{Format, Frame, Layout, Pixels};
use crate::source::{Ahead, Shared, SourceThread};
use vivid_engine::files::{FileRules, Role};
use vivid_engine::params::FileKind;

/// The frame files of `path` (a folder, or a pattern of files in one), in natural order
/// (`2` before `10`), each checked by the project file rule.
pub fn frames_in(path: &Path, rules: &FileRules) -> Result<Vec<PathBuf>, String> {
    let files = rules
        .matches(path, FileKind::Frames.extensions(), Role::Picture)
        .map_err(|e| e.to_string())?;
    if files.is_empty() {
        return Err(format!("no PNG or JPEG frames in {}", path.display()));
    }
    Ok(files.into_iter().map(|c| c.path).collect())
}

/// Frames per second as the fraction a `Format` holds.
fn rate(fps: f64) -> (i32, i32) {
    ((fps * 1000.0).round() as i32, 1000)
}

/// Frame `index` of `files`, decoded.
fn decode(
    files: &[PathBuf],
    index: usize,
    fps: f64,
    rules: &FileRules,
) -> Result<Arc<Frame>, String> {
    let path = &files[index.min(files.len() - 1)];
    // Read by the rule again: the file may have been swapped since it was listed.
    let bytes = rules.read(path, Role::Picture).map_err(|e| e.to_string())?;
    let img = image::load_from_memory(&bytes)
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
pub fn open(dir: &Path, fps: f64, rules: FileRules) -> SourceThread {
    let dir = dir.to_path_buf();
    let fps = if fps > 0.0 { fps } else { 30.0 };
    let realtime = crate::realtime();
    SourceThread::spawn("vivid-sequence", move |shared| {
        let result = if realtime {
            run_ahead(&dir, fps, &rules, shared)
        } else {
            run(&dir, fps, &rules, shared)
        };
        if let Err(e) = result
            && !shared.stopped()
        {
            shared.fail(e);
        }
    })
}

fn run(dir: &Path, fps: f64, rules: &FileRules, shared: &Shared) -> Result<(), String> {
    let files = frames_in(dir, rules)?;
    let first = decode(&files, 0, fps, rules)?;
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
            None => decode(&files, index, fps, rules),
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

/// Real time: decodes the frames ahead of the clock into the shared queue until stopped. A
/// clock behind the frame taken last (a loop, a scrub back) or more than a second past the
/// next frame to decode restarts decoding there.
fn run_ahead(dir: &Path, fps: f64, rules: &FileRules, shared: &Shared) -> Result<(), String> {
    let files = frames_in(dir, rules)?;
    let first = decode(&files, 0, fps, rules)?;
    let length = (files.len() as f64 * 1e9 / fps).round() as u64;
    shared.opened(first.format, Some(length));
    shared.update(|s| s.ahead.push_back(first));
    let mut next = 1;
    let mut seen = 0;
    let ahead_limit = fps.ceil() as usize;
    loop {
        let end = next >= files.len();
        let Some(Ahead { request, full }) =
            shared.wait_ahead(seen, end, Duration::from_millis(200))
        else {
            return Ok(());
        };
        if let Some((id, position, taken)) = request {
            seen = id;
            let index =
                ((position as f64 / 1e9 * fps + 1e-6).floor() as usize).min(files.len() - 1);
            let taken = taken.map(|pts| ((pts as f64 / 1e9 * fps + 1e-6).floor()) as usize);
            let behind = taken.is_some_and(|t| index < t);
            let far = index > next + ahead_limit;
            if behind || far {
                next = index;
                shared.restart_ahead();
            }
            shared.answer(id);
        }
        if next >= files.len() || full {
            continue;
        }
        match decode(&files, next, fps, rules) {
            Ok(f) => shared.update(|s| s.ahead.push_back(f)),
            // A broken frame: reported; the frames around it play.
            Err(e) => shared.fail(e),
        }
        next += 1;
    }
}
