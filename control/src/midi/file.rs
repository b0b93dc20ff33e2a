//! A MIDI file played at each frame's time (`--midi-file song.mid`, midly): frame k at
//! time t has every event up to t applied, so a run with `--fps` is the same every time.

use std::path::{Path, PathBuf};

use super::{Event, Latest, parse};
use crate::ControlError;

/// The most events read from a file.
pub const MAX_EVENTS: usize = 1 << 20;

/// A MIDI file's channel-voice events on a time line.
#[derive(Debug)]
pub struct MidiFile {
    path: PathBuf,
    /// (seconds, event), in time order.
    events: Vec<(f64, Event)>,
    /// Events before this one are applied.
    cursor: usize,
    /// The time applied up to.
    time: f64,
}

impl MidiFile {
    /// Reads `path` (format 0 or 1; tempo changes honoured).
    pub fn open(path: &Path) -> Result<Self, ControlError> {
        let fail = |m: String| ControlError::Midi(format!("{}: {m}", path.display()));
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let smf = midly::Smf::parse(&bytes).map_err(|e| fail(format!("not a MIDI file: {e}")))?;
        // Every track's events at absolute ticks; tempo changes from any track.
        let mut timed: Vec<(u64, usize, midly::TrackEventKind<'_>)> = Vec::new();
        for track in &smf.tracks {
            let mut tick = 0u64;
            for ev in track {
                tick += u64::from(ev.delta.as_int());
                if timed.len() >= MAX_EVENTS {
                    return Err(fail(format!("more than {MAX_EVENTS} events")));
                }
                timed.push((tick, timed.len(), ev.kind));
            }
        }
        timed.sort_by_key(|&(tick, order, _)| (tick, order));
        let seconds_per_tick = |tempo_us: f64| match smf.header.timing {
            midly::Timing::Metrical(tpb) => tempo_us / 1e6 / f64::from(tpb.as_int().max(1)),
            midly::Timing::Timecode(fps, sub) => {
                1.0 / f64::from(fps.as_f32()) / f64::from(sub.max(1))
            }
        };
        let (mut tempo, mut last_tick, mut seconds) = (500_000.0, 0u64, 0.0f64);
        let mut events = Vec::new();
        let mut buf = Vec::with_capacity(4);
        for (tick, _, kind) in timed {
            seconds += (tick - last_tick) as f64 * seconds_per_tick(tempo);
            last_tick = tick;
            match kind {
                midly::TrackEventKind::Meta(midly::MetaMessage::Tempo(t)) => {
                    tempo = f64::from(t.as_int().max(1));
                }
                midly::TrackEventKind::Midi { channel, message } => {
                    buf.clear();
                    let live = midly::live::LiveEvent::Midi { channel, message };
                    if live.write_std(&mut buf).is_ok()
                        && let Some(e) = parse(&buf)
                    {
                        events.push((seconds, e));
                    }
                }
                _ => {}
            }
        }
        Ok(Self {
            path: path.to_path_buf(),
            events,
            cursor: 0,
            time: 0.0,
        })
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many channel-voice events it has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether it has none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Puts into `latest` every event up to `time` seconds. A jump back starts again
    /// from the start (every value 0).
    pub fn play_to(&mut self, time: f64, latest: &mut Latest) {
        if time < self.time {
            latest.reset();
            self.cursor = 0;
        }
        self.time = time;
        while let Some(&(at, e)) = self.events.get(self.cursor) {
            if at > time {
                break;
            }
            latest.put(e);
            self.cursor += 1;
        }
    }
}
