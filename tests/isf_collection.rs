//! The whole public ISF collection (testing-fixtures/isf/collection/: Vidvox's 321 files, MIT)
//! through `vivid isf-check --render`: every file compiles and renders finite pixels from a
//! test input, except the few listed here with their reason.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::collections::BTreeSet;

/// Files with `audio`/`audioFFT` inputs: they compile, and with nothing connected to those
/// inputs (as here) read silence; `tests/audio_textures.rs` renders each from real audio.
const AUDIO: [&str; 7] = [
    "Audio Waveform Shape.fs",
    "FFT Color Lines.fs",
    "FFT Filled Waveform.fs",
    "FFT Spectrogram.fs",
    "Radial Spectrogram.fs",
    "Test Pattern Generator.fs",
    "Waveform Displace.fs",
];

/// Files whose own arithmetic makes NaN at their defaults: `pow` of a negative fractal
/// noise (Dirty Lens, Smudged Lens) and `sqrt(x + gamma)` with the default gamma of -0.3
/// (Boxinator) — undefined in GLSL, NaN on GPUs as here.
const OWN_NAN: [&str; 3] = ["Boxinator.fs", "Dirty Lens.fs", "Smudged Lens.fs"];

/// Files that render one colour from the test input at their defaults, each for a reason
/// found by reading it (docs/isf.md): a solid colour (Solid Color); the input's alpha, 1
/// everywhere (Show Alpha); a luminance threshold the test gradient stays under (Duotone);
/// a histogram input the test does not give (Duotone From Histogram); motion of a still
/// input (Optical Flow Generator); nothing to draw until an input is set (Circle Trails'
/// point at (0, 0), Color Organ Polyphonic's notes all off) or until many frames have
/// passed (Doodler); `pow` of a negative number making every sample coordinate NaN
/// (Butterfly Wave Scrawler, Crazy Parametric Fun); coordinates divided by RENDERSIZE twice
/// (Random Shape).
const FLAT: [&str; 11] = [
    "Butterfly Wave Scrawler.fs",
    "Circle Trails.fs",
    "Color Organ Polyphonic.fs",
    "Crazy Parametric Fun.fs",
    "Doodler.fs",
    "Duotone From Histogram.fs",
    "Duotone.fs",
    "Optical Flow Generator.fs",
    "Random Shape.fs",
    "Show Alpha.fs",
    "Solid Color.fs",
];

#[test]
fn the_whole_collection_compiles_and_renders() {
    let dir = common::repo().join("testing-fixtures/isf/collection");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(["isf-check", "--render"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let name_of = |line: &str, tag: &str| {
        let rest = line.strip_prefix(tag)?.trim_start();
        let end = rest.find(".fs").map(|e| e + 3)?;
        Some(rest[..end].to_string())
    };
    let ok: BTreeSet<String> = text.lines().filter_map(|l| name_of(l, "ok ")).collect();
    let flat: BTreeSet<String> = text.lines().filter_map(|l| name_of(l, "flat ")).collect();
    let failed: Vec<(String, &str)> = text
        .lines()
        .filter_map(|l| name_of(l, "FAIL ").map(|n| (n, l)))
        .collect();
    assert_eq!(ok.len() + flat.len() + failed.len(), 321, "{text}");
    for (name, line) in &failed {
        let nan = OWN_NAN.contains(&name.as_str()) && line.contains("NaN");
        assert!(nan, "unexpected failure: {line}\n{text}");
    }
    let want_flat: BTreeSet<String> = FLAT.iter().map(|s| (*s).to_string()).collect();
    // An audio file drawing only its audio is one colour in silence: flat is its answer.
    let flat_not_audio: BTreeSet<String> = flat
        .iter()
        .filter(|n| !AUDIO.contains(&n.as_str()))
        .cloned()
        .collect();
    assert_eq!(flat_not_audio, want_flat, "{text}");
    // Every file but the NaN ones renders (the audio ones at least compile and run).
    assert!(ok.len() + flat.len() >= 321 - OWN_NAN.len(), "{text}");
    eprintln!("{}", text.lines().last().unwrap_or_default());
}
