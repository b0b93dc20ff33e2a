//! A real MIDI port, where the system has one to make: a midir virtual output (an ALSA
//! sequencer port on Linux) is opened by name through vivid's MIDI input, the way
//! `--midi NAME` opens a controller, and what it sends comes back as `midi.*` values and
//! as MIDI learn's last move. Without an ALSA sequencer (`/dev/snd/seq`) it says why it
//! skips — never silently.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; 127/127 is exactly 1"
)]

use std::time::{Duration, Instant};

use vivid_control::midi::Kind;
use vivid_control::midi::live::MidiInput;

/// Why this machine cannot make a virtual port, if it cannot.
fn skip_reason() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("virtual MIDI ports are made here only on Linux (the ALSA sequencer)".into());
    }
    if !std::path::Path::new("/dev/snd/seq").exists() {
        return Some(
            "no /dev/snd/seq: the ALSA sequencer is not there (no sound kernel driver in this container: `modprobe snd-seq` on the host)"
                .into(),
        );
    }
    None
}

#[cfg(target_os = "linux")]
#[test]
fn a_virtual_port_is_read_back_through_the_midi_input() {
    use midir::os::unix::VirtualOutput;

    if let Some(why) = skip_reason() {
        eprintln!("SKIPPED a_virtual_port_is_read_back_through_the_midi_input: {why}");
        return;
    }
    let name = format!("vivid-test-{}", std::process::id());
    let out = midir::MidiOutput::new("vivid-test").unwrap();
    let mut port = match out.create_virtual(&name) {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "SKIPPED a_virtual_port_is_read_back_through_the_midi_input: the sequencer refused a virtual port: {e}"
            );
            return;
        }
    };
    let input = MidiInput::open(&name).unwrap();
    assert!(input.port_name().contains(&name), "{}", input.port_name());
    // CC 7 on channel 3 at 127, then note 60 on channel 1 at velocity 64.
    let read = |f: &dyn Fn() -> bool| {
        let end = Instant::now() + Duration::from_secs(5);
        while !f() {
            assert!(Instant::now() < end, "nothing came back through the port");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    port.send(&[0xb2, 7, 127]).unwrap();
    read(&|| input.with_latest(|l| l.get(Kind::Cc, 3, 7)) == 1.0);
    port.send(&[0x90, 60, 64]).unwrap();
    read(&|| (input.with_latest(|l| l.get(Kind::Note, 1, 60)) - 64.0 / 127.0).abs() < 1e-12);
    let (moves, last) = input.with_latest(|l| l.last_moved());
    assert_eq!((moves, last.as_deref()), (2, Some("midi.note1_60")));
}

#[cfg(not(target_os = "linux"))]
#[test]
fn a_virtual_port_is_read_back_through_the_midi_input() {
    eprintln!(
        "SKIPPED a_virtual_port_is_read_back_through_the_midi_input: {}",
        skip_reason().unwrap_or_default()
    );
}
