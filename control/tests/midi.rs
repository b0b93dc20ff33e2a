//! MIDI: a file written here with midly (tempo changes included) plays at the frames' time
//! with the values its events give; a port is read through the ALSA sequencer where there
//! is one (skipped with the reason printed where there is none).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

use midly::num::{u4, u7, u14, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use vivid_control::midi::file::MidiFile;
use vivid_control::midi::{Kind, Latest};

fn ev(delta: u32, kind: TrackEventKind<'static>) -> TrackEvent<'static> {
    TrackEvent {
        delta: u28::new(delta),
        kind,
    }
}

fn midi(channel: u8, message: MidiMessage) -> TrackEventKind<'static> {
    TrackEventKind::Midi {
        channel: u4::new(channel),
        message,
    }
}

/// 480 ticks a beat; 120 BPM, then 240 BPM from tick 960 (1.0 s): tick 480 is 0.5 s,
/// tick 1440 is 1.25 s.
fn write_song(path: &std::path::Path) {
    let tempo = vec![
        ev(
            0,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(500_000))),
        ),
        ev(
            960,
            TrackEventKind::Meta(MetaMessage::Tempo(u24::new(250_000))),
        ),
        ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
    ];
    let notes = vec![
        ev(
            0,
            midi(
                2,
                MidiMessage::PitchBend {
                    bend: midly::PitchBend(u14::new(0)),
                },
            ),
        ),
        ev(
            480,
            midi(
                0,
                MidiMessage::Controller {
                    controller: u7::new(7),
                    value: u7::new(127),
                },
            ),
        ),
        ev(
            480,
            midi(
                1,
                MidiMessage::NoteOn {
                    key: u7::new(60),
                    vel: u7::new(64),
                },
            ),
        ),
        ev(
            480,
            midi(
                1,
                MidiMessage::NoteOff {
                    key: u7::new(60),
                    vel: u7::new(0),
                },
            ),
        ),
        ev(0, TrackEventKind::Meta(MetaMessage::EndOfTrack)),
    ];
    let smf = Smf {
        header: Header::new(Format::Parallel, Timing::Metrical(u15::new(480))),
        tracks: vec![tempo, notes],
    };
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_midi_file_plays_at_the_frames_time_with_its_tempo_changes() {
    let dir = std::env::temp_dir().join(format!("vivid-midi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("song.mid");
    write_song(&p);
    let mut f = MidiFile::open(&p).unwrap();
    assert_eq!(f.len(), 4);
    let mut l = Latest::default();
    let at = |f: &mut MidiFile, l: &mut Latest, t: f64| {
        f.play_to(t, l);
        (
            l.get(Kind::Cc, 1, 7),
            l.get(Kind::Note, 2, 60),
            l.get(Kind::Bend, 3, 0),
        )
    };
    assert_eq!(at(&mut f, &mut l, 0.0), (0.0, 0.0, -1.0));
    assert_eq!(at(&mut f, &mut l, 0.49), (0.0, 0.0, -1.0));
    assert_eq!(at(&mut f, &mut l, 0.51), (1.0, 0.0, -1.0));
    assert_eq!(at(&mut f, &mut l, 1.01), (1.0, 64.0 / 127.0, -1.0));
    assert_eq!(
        at(&mut f, &mut l, 1.24),
        (1.0, 64.0 / 127.0, -1.0),
        "240 BPM from 1 s"
    );
    assert_eq!(at(&mut f, &mut l, 1.26), (1.0, 0.0, -1.0));
    // A jump back plays again from the start.
    assert_eq!(at(&mut f, &mut l, 0.6), (1.0, 0.0, -1.0));
    assert_eq!(at(&mut f, &mut l, 0.1), (0.0, 0.0, -1.0));
    std::fs::write(dir.join("bad.mid"), b"MThd nope").unwrap();
    let e = MidiFile::open(&dir.join("bad.mid"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.mid"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_port_is_read_through_a_virtual_port_where_the_os_has_one() {
    use midir::os::unix::VirtualOutput as _;
    let e = vivid_control::midi::live::MidiInput::open("no such port 42");
    match e {
        Err(e) => assert!(
            e.to_string().contains("no such port 42") || e.to_string().contains("midi"),
            "{e}"
        ),
        Ok(_) => panic!("opened a port that is not there"),
    }
    let out = match midir::MidiOutput::new("vivid-test") {
        Ok(o) => o,
        Err(e) => {
            eprintln!(
                "SKIPPED: no MIDI system here (ALSA sequencer: {e}); the port path is not tested"
            );
            return;
        }
    };
    let mut virt = match out.create_virtual("vivid-test-port") {
        Ok(v) => v,
        Err(e) => {
            eprintln!("SKIPPED: cannot make a virtual MIDI port here ({e})");
            return;
        }
    };
    let input = vivid_control::midi::live::MidiInput::open("vivid-test-port").unwrap();
    let start = std::time::Instant::now();
    loop {
        virt.send(&[0xb0, 7, 127]).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        if input.with_latest(|l| l.get(Kind::Cc, 1, 7)) == 1.0 {
            break;
        }
        assert!(start.elapsed().as_secs() < 5, "no CC arrived");
    }
    // What MIDI learn binds: the last control moved (a note-on), by its variable.
    virt.send(&[0x92, 60, 100]).unwrap();
    let start = std::time::Instant::now();
    while input.with_latest(|l| l.last_moved().1) != Some("midi.note3_60".into()) {
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(start.elapsed().as_secs() < 5, "no note arrived");
    }
}
