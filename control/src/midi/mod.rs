//! MIDI in as `midi.*` variables: `midi.cc1_7` (channel 1, controller 7, 0..1),
//! `midi.note1_60` (velocity 0..1 while held, 0 when released), `midi.bend1` (-1..1).
//! From a port (`live`, midir) or a file played at each frame's time (`file`, midly).
//!
//! Every source writes into a [`Latest`]: one value per (kind, channel, number), 6144 in
//! all — bounded by construction, whatever arrives; the frame applies those that changed.

pub mod clock;
pub mod file;
pub mod live;

use vivid_engine::Engine;

/// What a variable follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A control change.
    Cc,
    /// A note's velocity.
    Note,
    /// Pitch bend (number 0).
    Bend,
}

/// One channel-voice message, read.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Event {
    /// What it sets.
    pub kind: Kind,
    /// 1..=16.
    pub channel: u8,
    /// Controller or note number (0 for pitch bend).
    pub number: u8,
    /// 0..1 (pitch bend -1..1).
    pub value: f64,
}

/// Reads a channel-voice message (`[status, data1, data2]`); `None` for anything else
/// (system messages, running status, short or malformed bytes).
#[must_use]
pub fn parse(bytes: &[u8]) -> Option<Event> {
    let (&status, d1, d2) = match bytes {
        [s, a, b, ..] => (s, *a, *b),
        _ => return None,
    };
    if d1 > 127 || d2 > 127 {
        return None;
    }
    let channel = (status & 0x0f) + 1;
    let (kind, number, value) = match status & 0xf0 {
        0x80 => (Kind::Note, d1, 0.0),
        0x90 => (Kind::Note, d1, f64::from(d2) / 127.0),
        0xb0 => (Kind::Cc, d1, f64::from(d2) / 127.0),
        0xe0 => (
            Kind::Bend,
            0,
            f64::from((i32::from(d2) << 7 | i32::from(d1)) - 8192) / 8192.0,
        ),
        _ => return None,
    };
    Some(Event {
        kind,
        channel,
        number,
        value,
    })
}

/// The variable an event sets.
#[must_use]
pub fn variable_name(kind: Kind, channel: u8, number: u8) -> String {
    match kind {
        Kind::Cc => format!("midi.cc{channel}_{number}"),
        Kind::Note => format!("midi.note{channel}_{number}"),
        Kind::Bend => format!("midi.bend{channel}"),
    }
}

const KINDS: usize = 3;
/// Values held: one per (kind, channel, number).
pub const VALUES: usize = KINDS * 16 * 128;

fn index(kind: Kind, channel: u8, number: u8) -> usize {
    let k = match kind {
        Kind::Cc => 0,
        Kind::Note => 1,
        Kind::Bend => 2,
    };
    (k * 16 + usize::from(channel.clamp(1, 16) - 1)) * 128 + usize::from(number & 127)
}

fn unindex(i: usize) -> (Kind, u8, u8) {
    let kind = match i / (16 * 128) {
        0 => Kind::Cc,
        1 => Kind::Note,
        _ => Kind::Bend,
    };
    (kind, ((i / 128) % 16) as u8 + 1, (i % 128) as u8)
}

/// The latest value of every (kind, channel, number) and which changed since the frame
/// last took them.
#[derive(Clone, Debug)]
pub struct Latest {
    values: Vec<f64>,
    changed: Vec<bool>,
    /// Controls moved so far (a CC, a note-on, a bend): what MIDI learn waits for.
    moves: u64,
    /// The last control moved.
    last_moved: Option<(Kind, u8, u8)>,
}

impl Default for Latest {
    fn default() -> Self {
        Self {
            values: vec![0.0; VALUES],
            changed: vec![false; VALUES],
            moves: 0,
            last_moved: None,
        }
    }
}

impl Latest {
    /// Records `e` (the latest wins).
    pub fn put(&mut self, e: Event) {
        let i = index(e.kind, e.channel, e.number);
        self.values[i] = e.value;
        self.changed[i] = true;
        // A note-off is the end of a move, not one.
        if e.kind != Kind::Note || e.value > 0.0 {
            self.moves += 1;
            self.last_moved = Some((e.kind, e.channel, e.number));
        }
    }

    /// How many controls were moved (CCs, note-ons, bends) since the start, and the
    /// variable of the last one: what MIDI learn binds.
    #[must_use]
    pub fn last_moved(&self) -> (u64, Option<String>) {
        (
            self.moves,
            self.last_moved.map(|(k, c, n)| variable_name(k, c, n)),
        )
    }

    /// Every value back to 0 (each marked changed).
    pub fn reset(&mut self) {
        for (v, c) in self.values.iter_mut().zip(&mut self.changed) {
            if *v != 0.0 {
                *v = 0.0;
                *c = true;
            }
        }
    }

    /// The value of `(kind, channel, number)`.
    #[must_use]
    pub fn get(&self, kind: Kind, channel: u8, number: u8) -> f64 {
        self.values[index(kind, channel, number)]
    }
}

/// A variable's slot, as far as the frame side knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    /// Not looked up since the variables last changed.
    Unknown,
    /// No chain reads it.
    Absent,
    /// At this slot.
    At(usize),
}

/// The frame side: applies what changed to the engine, name → slot lookups cached until the
/// engine's variables change.
#[derive(Debug)]
pub struct MidiApplier {
    /// The slot of each (kind, channel, number).
    slots: Vec<Slot>,
    generation: usize,
    /// What was applied, to set again when a new chain declares variables.
    applied: Latest,
}

impl Default for MidiApplier {
    fn default() -> Self {
        Self {
            slots: vec![Slot::Unknown; VALUES],
            generation: usize::MAX,
            applied: Latest::default(),
        }
    }
}

impl MidiApplier {
    /// Applies what changed in `latest` (and clears its marks). Looks a name up once per
    /// chain; allocates nothing otherwise.
    pub fn apply(&mut self, engine: &mut Engine, latest: &mut Latest) -> usize {
        if engine.variables_generation() != self.generation {
            self.generation = engine.variables_generation();
            self.slots.iter_mut().for_each(|s| *s = Slot::Unknown);
            for i in 0..VALUES {
                if self.applied.values[i] != 0.0 {
                    self.applied.changed[i] = true;
                }
            }
        }
        let mut set = 0;
        for i in 0..VALUES {
            if latest.changed[i] {
                latest.changed[i] = false;
                self.applied.values[i] = latest.values[i];
                self.applied.changed[i] = true;
            }
            if !self.applied.changed[i] {
                continue;
            }
            self.applied.changed[i] = false;
            if self.slots[i] == Slot::Unknown {
                let (k, c, n) = unindex(i);
                self.slots[i] = engine
                    .variable_slot(&variable_name(k, c, n))
                    .map_or(Slot::Absent, Slot::At);
            }
            if let Slot::At(s) = self.slots[i] {
                engine.set_variable(s, self.applied.values[i]);
                set += 1;
            }
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_voice_messages_read_and_others_are_ignored() {
        let e = parse(&[0xb0, 7, 127]).expect("cc");
        assert_eq!(
            (e.kind, e.channel, e.number, e.value),
            (Kind::Cc, 1, 7, 1.0)
        );
        let e = parse(&[0x9f, 60, 0]).expect("note on, velocity 0");
        assert_eq!(
            (e.kind, e.channel, e.number, e.value),
            (Kind::Note, 16, 60, 0.0)
        );
        assert_eq!(parse(&[0x80, 60, 64]).map(|e| e.value), Some(0.0));
        assert_eq!(
            parse(&[0xe2, 0, 64]).map(|e| (e.channel, e.value)),
            Some((3, 0.0))
        );
        assert_eq!(
            parse(&[0xe0, 127, 127]).map(|e| e.value),
            Some(8191.0 / 8192.0)
        );
        assert_eq!(parse(&[0xe0, 0, 0]).map(|e| e.value), Some(-1.0));
        assert_eq!(parse(&[0xf8]), None, "clock");
        assert_eq!(parse(&[0xb0, 200, 1]), None);
        assert_eq!(parse(&[0xc0, 1, 0]), None, "program change");
        assert_eq!(parse(&[]), None);
        for i in [0, 1, 127, 128, VALUES - 1] {
            let (k, c, n) = unindex(i);
            assert_eq!(index(k, c, n), i);
        }
        let mut vars = vivid_engine::params::Variables::builtin();
        for (k, c, n) in [(Kind::Cc, 1, 7), (Kind::Note, 16, 127), (Kind::Bend, 3, 0)] {
            vars.add(variable_name(k, c, n), "")
                .expect("a variable name");
        }
    }
}
