//! `vivid devices`: what this machine has that a project can use — monitors (for a
//! `[[window]]`'s `monitor`), cameras (for `video_in`), audio inputs (`--audio-in`) and
//! outputs, MIDI ports (`--midi`) — each with what to write to use it, and a "none found"
//! line for a kind it has none of. Each section is its own
//! function, so that sections of other kinds slot in beside them.

use std::fmt::Write as _;

/// The whole listing, section after section.
#[must_use]
pub fn listing() -> String {
    let mut out = String::new();
    for section in [
        monitors(),
        cameras(),
        audio_inputs(),
        audio_outputs(),
        midi_ports(),
    ] {
        out.push_str(&section);
        out.push('\n');
    }
    out
}

/// A section: its heading, then its lines (or "none found", or why it cannot be listed).
fn section(title: &str, lines: Result<Vec<String>, String>) -> String {
    let mut s = format!("{title}\n");
    match lines {
        Ok(lines) if lines.is_empty() => s.push_str("  none found\n"),
        Ok(lines) => {
            for l in lines {
                let _ = writeln!(s, "  {l}");
            }
        }
        Err(e) => {
            let _ = writeln!(s, "  none found ({e})");
        }
    }
    s
}

/// A TOML string literal of `s`.
#[cfg(any(feature = "media", feature = "control"))]
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The monitors (winit), one line each — index, name, size, position, refresh rate — the
/// index and name being what a `[[window]]`'s `monitor` names. Without a window system (no
/// `DISPLAY`) it says why.
#[cfg(feature = "window")]
fn monitors() -> String {
    let lines = vivid::outputs::monitors::list_monitors()
        .map(|list| list.iter().map(ToString::to_string).collect());
    section(
        "Monitors (a `[[window]]`'s `monitor = N` or \"name\"):",
        lines,
    )
}

#[cfg(not(feature = "window"))]
fn monitors() -> String {
    section(
        "Monitors (a `[[window]]`'s `monitor = N` or \"name\"):",
        Err("this vivid is built without the `window` feature".into()),
    )
}

/// Cameras (GStreamer's device monitor, `Video/Source`), with the `video_in` node to use
/// each and the modes it offers.
#[cfg(feature = "media")]
fn cameras() -> String {
    let lines = vivid::media::camera::cameras().map(|cams| {
        let mut lines = Vec::new();
        for (i, c) in cams.iter().enumerate() {
            let path = c.path.as_deref().unwrap_or("(no V4L2 node)");
            lines.push(format!("{i}: {} ({path})", c.name));
            if !c.modes.is_empty() {
                lines.push(format!("   modes: {}", c.modes.join(", ")));
            }
            lines.push("   [cam]".into());
            lines.push("   type = \"video_in\"".into());
            let path = c
                .path
                .as_deref()
                .map_or_else(String::new, |p| format!(" or {}", quoted(p)));
            lines.push(format!(
                "   device = {}   # or \"{i}\"{path}",
                quoted(&c.name)
            ));
        }
        lines
    });
    section("Cameras (the `video_in` operator):", lines)
}

#[cfg(not(feature = "media"))]
fn cameras() -> String {
    section(
        "Cameras (the `video_in` operator):",
        Err("this vivid is built without the `media` feature".into()),
    )
}

/// Audio capture devices (cpal), with the flag that analyses each.
#[cfg(feature = "control")]
fn audio_inputs() -> String {
    let names = vivid::control::audio::capture::input_devices();
    section(
        "Audio inputs (audio.* variables):",
        Ok(names
            .iter()
            .map(|n| format!("{n}   →  vivid PROJECT --audio-in {}", quoted(n)))
            .collect()),
    )
}

#[cfg(not(feature = "control"))]
fn audio_inputs() -> String {
    section(
        "Audio inputs (audio.* variables):",
        Err("this vivid is built without the `control` feature".into()),
    )
}

/// Audio playback devices (cpal): `--audio-play` plays on the default one; listed to tell them from the inputs
/// (a monitor of an output is often an input of its own).
#[cfg(feature = "control")]
fn audio_outputs() -> String {
    let names = vivid::control::audio::capture::output_devices();
    section(
        "Audio outputs (`--audio-play` plays the `--audio` file on the default one):",
        Ok(names),
    )
}

#[cfg(not(feature = "control"))]
fn audio_outputs() -> String {
    section(
        "Audio outputs (`--audio-play` plays the `--audio` file on the default one):",
        Err("this vivid is built without the `control` feature".into()),
    )
}

/// MIDI input ports (midir), with the flag that reads each.
#[cfg(feature = "control")]
fn midi_ports() -> String {
    let ports = vivid::control::midi::live::ports()
        .map(|ports| {
            ports
                .iter()
                .map(|n| format!("{n}   →  vivid PROJECT --midi {}", quoted(n)))
                .collect()
        })
        .map_err(|e| e.to_string());
    section("MIDI inputs (midi.* variables):", ports)
}

#[cfg(not(feature = "control"))]
fn midi_ports() -> String {
    section(
        "MIDI inputs (midi.* variables):",
        Err("this vivid is built without the `control` feature".into()),
    )
}
