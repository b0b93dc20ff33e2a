//! `--audio` and `--midi-file` end to end through the real binary: a WAV file written here
//! (a sine of known amplitude and frequency) drives a chain's colour through `audio.bass`
//! and `audio.level` — the value the formula gives (A/√2), the same PNG every run with
//! `--fps`; a MIDI file written here sets `midi.cc1_7` and `midi.note2_60` by its events.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::wav::write_wav;

use std::path::Path;
use std::process::Command;

fn snapshot(dir: &Path, name: &str, extra: &[&str]) -> image::RgbaImage {
    let shot = dir.join(name);
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir)
        .args(["--headless", "--monitor-interval", "0", "--snapshot"])
        .arg(&shot)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(&shot).unwrap().to_rgba8()
}

#[test]
fn a_sine_file_drives_bass_and_level_with_their_formula_the_same_every_run() {
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"audio.bass * 2\", \"audio.level * 2\", \"audio.high * 2\", 1]\n",
    )]);
    let rate = 22_050;
    let sine: Vec<f32> = (0..rate)
        .map(|n| 0.5 * (std::f32::consts::TAU * 80.0 * n as f32 / rate as f32).sin())
        .collect();
    let wav = dir.path().join("sine.wav");
    write_wav(&wav, rate, &[&sine]);
    let args = [
        "--audio",
        wav.to_str().unwrap(),
        "--fps",
        "30",
        "--frames",
        "12",
        "--audio-attack",
        "0",
        "--audio-release",
        "0",
    ];
    let a = snapshot(dir.path(), "a.png", &args);
    let b = snapshot(dir.path(), "b.png", &args);
    assert_eq!(a.as_raw(), b.as_raw(), "the same every run");
    // What the formula says: A/√2 · 2 = 0.707 for bass and level, 0 for high — the same
    // pixel as a constant chain of those values.
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [0.7071, 0.7071, 0, 1]\n",
    )
    .unwrap();
    let want = snapshot(dir.path(), "want.png", &[]);
    let (p, q) = (a.get_pixel(4, 4).0, want.get_pixel(4, 4).0);
    for c in 0..4 {
        assert!(p[c].abs_diff(q[c]) <= 3, "{p:?} vs {q:?}");
    }
    // Without --audio the same chain is valid: the variables read 0.
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"audio.bass\", \"audio.beat\", \"osc.x\", 1]\n",
    )
    .unwrap();
    assert_eq!(
        snapshot(dir.path(), "zero.png", &[]).get_pixel(4, 4).0,
        [0, 0, 0, 255]
    );
    // A file that is not audio: an error naming it, no panic.
    std::fs::write(dir.path().join("bad.wav"), "hello").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args(["--headless", "--audio"])
        .arg(dir.path().join("bad.wav"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("bad.wav") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn the_audio_example_runs_with_its_loop() {
    let ex = common::repo().join("examples/11-audio-reactive");
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(&ex)
        .args([
            "--headless",
            "--frames",
            "40",
            "--fps",
            "30",
            "--size",
            "96x54",
        ])
        .arg("--audio")
        .arg(ex.join("loop.wav"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("audio from"), "{err}");
}

#[test]
fn a_midi_file_drives_cc_and_note_variables_at_the_frames_time() {
    use midly::num::{u4, u7, u15, u28};
    use midly::{Format, Header, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
    let ev = |delta: u32, channel: u8, message: MidiMessage| TrackEvent {
        delta: u28::new(delta),
        kind: TrackEventKind::Midi {
            channel: u4::new(channel),
            message,
        },
    };
    // 480 ticks a beat at the default 120 BPM: tick 480 is 0.5 s, tick 960 is 1 s.
    let track = vec![
        ev(
            480,
            0,
            MidiMessage::Controller {
                controller: u7::new(7),
                value: u7::new(127),
            },
        ),
        ev(
            480,
            1,
            MidiMessage::NoteOn {
                key: u7::new(60),
                vel: u7::new(64),
            },
        ),
    ];
    let smf = Smf {
        header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(480))),
        tracks: vec![track],
    };
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"midi.cc1_7\", \"midi.note2_60\", 0, 1]\n",
    )]);
    let mid = dir.path().join("song.mid");
    let mut bytes = Vec::new();
    smf.write_std(&mut bytes).unwrap();
    std::fs::write(&mid, bytes).unwrap();
    let at = |frames: &str, name: &str| {
        snapshot(
            dir.path(),
            name,
            &[
                "--midi-file",
                mid.to_str().unwrap(),
                "--fps",
                "10",
                "--frames",
                frames,
            ],
        )
        .get_pixel(4, 4)
        .0
    };
    // Frame 4 (0.4 s): nothing yet; frame 7 (0.7 s): the CC; frame 11 (1.1 s): the note.
    let (before, cc, both) = (at("5", "a.png"), at("8", "b.png"), at("12", "c.png"));
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [1, 0.503937, 0, 1]\n",
    )
    .unwrap();
    let want = snapshot(dir.path(), "want.png", &[]).get_pixel(4, 4).0;
    assert_eq!(before, [0, 0, 0, 255]);
    assert_eq!((cc[0], cc[1]), (255, 0));
    for c in 0..4 {
        assert!(both[c].abs_diff(want[c]) <= 2, "{both:?} vs {want:?}");
    }
}

#[test]
fn a_fixed_tempo_gives_beat_and_phase_at_the_frames_time() {
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"tempo.phase\", \"tempo.beat / 4\", \"tempo.bpm / 240\", 1]\n",
    )]);
    // Frame 7 at 10 fps is 0.7 s: 1.4 beats at 120 BPM.
    let got = snapshot(
        dir.path(),
        "a.png",
        &["--bpm", "120", "--fps", "10", "--frames", "8"],
    )
    .get_pixel(4, 4)
    .0;
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [0.4, 0.25, 0.5, 1]\n",
    )
    .unwrap();
    let want = snapshot(dir.path(), "want.png", &[]).get_pixel(4, 4).0;
    for c in 0..4 {
        assert!(got[c].abs_diff(want[c]) <= 2, "{got:?} vs {want:?}");
    }
}

#[test]
fn audio_play_keeps_a_headless_render_silent_and_never_fails_a_run() {
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"audio.level\", 0, 0, 1]\n",
    )]);
    let wav = dir.path().join("tone.wav");
    let tone: Vec<f32> = (0..22_050)
        .map(|n| 0.5 * (std::f32::consts::TAU * 440.0 * n as f32 / 22_050.0).sin())
        .collect();
    write_wav(&wav, 22_050, &[&tone]);
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args([
            "--headless",
            "--monitor-interval",
            "0",
            "--frames",
            "3",
            "--audio-play",
            "--audio",
        ])
        .arg(&wav)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("--audio-play: a headless or --fps render stays silent"),
        "{err}"
    );
    // In a real-time host it plays, or (no output device, as on CI) says why in one line:
    // the run goes on either way.
    let options = vivid::control::ControlOptions {
        audio: Some(wav),
        audio_play: true,
        ..Default::default()
    };
    let controls = vivid::control::Controls::start(&options).unwrap();
    match (controls.audio_play_device(), controls.audio_play_error()) {
        (Some(device), None) => eprintln!("playing on {device}"),
        (None, Some(e)) => assert!(e.contains("output device") && !e.contains('\n'), "{e}"),
        other => panic!("{other:?}"),
    }
}
