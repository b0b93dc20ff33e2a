//! The audio textures against answers known without them: a WAV file of a sine written here
//! lands in the bin of its frequency in `audio_spectrum`; a WAV of known samples comes back
//! sample for sample from `audio_waveform` at the frame's time (`--fps` exact); spectra set
//! frame by frame scroll down `history` rows in order — as render and as compute passes.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use common::wav::write_wav;

use std::path::Path;

use vivid::control::audio::AnalysisSettings;
use vivid::control::{ControlOptions, Controls};
use vivid::readback::FloatImage;
use vivid::{Engine, FrameTime, Target};

/// Renders `frames` frames of `toml` at `fps` with `wav` as `--audio`, reading the last.
fn render_with_audio(
    mode: vivid::PassMode,
    toml: &str,
    wav: &Path,
    frames: u64,
    fps: f64,
) -> FloatImage {
    let options = ControlOptions {
        audio: Some(wav.to_path_buf()),
        analysis: AnalysisSettings {
            attack: 0.0,
            release: 0.0,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut controls = Controls::start(&options).unwrap();
    let mut engine = common::engine_in(mode);
    controls.register(&mut engine).unwrap();
    engine.set_chain(&common::desc(toml)).unwrap();
    engine.set_capture(true);
    for k in 0..frames {
        let time = FrameTime {
            time: k as f64 / fps,
            frame: k,
        };
        controls.before_frame(&mut engine, time);
        engine.render(time, Target::None, k + 1 == frames).unwrap();
    }
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    assert_eq!(engine.gpu().errors().count(), 0);
    engine.read_output().unwrap()
}

fn row(image: &FloatImage, y: u32) -> Vec<f32> {
    (0..image.width)
        .map(|x| image.pixels[(y * image.width + x) as usize][0])
        .collect()
}

fn argmax(v: &[f32]) -> (usize, f32) {
    v.iter()
        .copied()
        .enumerate()
        .fold((0, f32::MIN), |a, (i, x)| if x > a.1 { (i, x) } else { a })
}

#[test]
fn a_sine_lands_in_the_bin_of_its_frequency() {
    let dir = common::project(&[]);
    let rate = 48_000u32;
    // Amplitude 0.5 at 1546.875 Hz: the centre of analysis bin 66 (of 2048 samples).
    let f = 66.0 * rate as f32 / 2048.0;
    let sine: Vec<f32> = (0..rate)
        .map(|n| 0.5 * (std::f32::consts::TAU * f * n as f32 / rate as f32).sin())
        .collect();
    let wav = dir.path().join("sine.wav");
    write_wav(&wav, rate, &[&sine]);
    // 256 linear bins to 24 kHz: 93.75 Hz each, so the sine is in bin floor(f / 93.75).
    let expect = (f / (rate as f32 / 2.0 / 256.0)) as usize;
    assert_eq!(expect, 16);
    let toml = "output = \"s\"\n[s]\ntype = \"audio_spectrum\"\nsize = [256, 1]\nbins = 256\n";
    let images = common::MODES.map(|mode| render_with_audio(mode, toml, &wav, 10, 30.0));
    for image in &images {
        let (bin, value) = argmax(&row(image, 0));
        assert_eq!(bin, expect);
        // A sine of amplitude A reads A at its bin (f16: to 1e-3).
        assert!((value - 0.5).abs() < 0.01, "{value}");
        // Far from it, nothing (Hann's side lobes are below -31 dB).
        assert!(row(image, 0)[64..].iter().all(|v| *v < 0.02));
    }
    common::assert_images_close(&images[0], &images[1], 2e-3, "render vs compute");
}

#[test]
fn known_samples_come_back_at_the_frames_time() {
    let dir = common::project(&[]);
    let rate = 48_000u32;
    // Pseudo-random samples (a misplaced one cannot match its neighbour by chance).
    let mut x = 12_345u32;
    let samples: Vec<f32> = (0..rate / 2)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            ((x >> 16) & 0x7fff) as f32 / 32_768.0 * 1.6 - 0.8
        })
        .collect();
    let wav = dir.path().join("noise.wav");
    write_wav(&wav, rate, &[&samples]);
    let toml = "output = \"w\"\n[w]\ntype = \"audio_waveform\"\nsize = [64, 1]\nsamples = 64\n";
    // Frame 7 at 30 fps is at 7/30 s: sample 11200 is the first after it.
    let end = 7 * rate as usize / 30;
    let want: Vec<f32> = samples[end - 64..end]
        .iter()
        .map(|s| 0.5 + 0.5 * ((s * 32767.0).round() / 32768.0))
        .collect();
    for mode in common::MODES {
        let image = render_with_audio(mode, toml, &wav, 8, 30.0);
        for (i, (got, want)) in row(&image, 0).iter().zip(&want).enumerate() {
            // f16 holds 0..1 to 2^-11.
            assert!(
                (got - want).abs() < 1e-3,
                "{mode:?} sample {i}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn spectra_scroll_down_the_history_rows_newest_first() {
    let toml =
        "output = \"s\"\n[s]\ntype = \"audio_spectrum\"\nsize = [16, 4]\nbins = 16\nhistory = 4\n";
    for mode in common::MODES {
        let mut engine: Engine = common::engine_in(mode);
        engine.set_chain(&common::desc(toml)).unwrap();
        engine.set_capture(true);
        // Frame k: a spectrum of 17 bins (0 Hz to Nyquist) with one peak, at bin k.
        for k in 0..6u64 {
            let mut spectrum = [0.0f32; 17];
            spectrum[k as usize] = 0.25 * (k + 1) as f32;
            engine.audio_mut().set(&[], &spectrum, 32.0);
            let time = FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            };
            engine.render(time, Target::None, k == 5).unwrap();
        }
        let image = engine.read_output().unwrap();
        // Row 0 is frame 5, row 3 frame 2: each its peak in its bin, at its height.
        for r in 0..4u32 {
            let k = 5 - r as usize;
            let (bin, value) = argmax(&row(&image, r));
            assert_eq!(bin, k, "{mode:?} row {r}");
            assert!(
                (value - 0.25 * (k + 1) as f32).abs() < 2e-3,
                "{mode:?} row {r}: {value}"
            );
        }
    }
}

/// The ISF files of the Vidvox collection with `audio`/`audioFFT` inputs (the 7 that
/// testing-fixtures/isf/audio-fixtures.txt names, in testing-fixtures/isf/collection, MIT),
/// each with its inputs wired in header order:
/// `fft` an `audio_spectrum`, `wave` an `audio_waveform`, `img` a picture; and a parameter
/// that makes it show the audio.
/// (Radial Spectrogram draws a beam `size` radians wide turning by `size` a frame; its
/// default, 0.001, draws a few pixels in 8 frames, and chain.toml cannot set a parameter
/// named `size` — the node's size — so the test's copy defaults to 0.3: a third of its disc.)
const ISF_AUDIO: &[(&str, &str, &str)] = &[
    ("Audio Waveform Shape.fs", "[\"wave\"]", ""),
    ("FFT Color Lines.fs", "[\"fft\", \"wave\"]", ""),
    ("FFT Filled Waveform.fs", "[\"fft\"]", ""),
    ("FFT Spectrogram.fs", "[\"fft\"]", ""),
    ("Radial Spectrogram.fs", "[\"fft\"]", ""),
    (
        "Test Pattern Generator.fs",
        "[\"fft\"]",
        "pattern = \"Audio Flow\"\n",
    ),
    ("Waveform Displace.fs", "[\"img\", \"wave\"]", ""),
];

#[test]
fn isf_audio_inputs_take_the_audio_textures() {
    let rate = 48_000u32;
    // A tone over white noise: something in every bin of the spectrum (amplified by the
    // node's `gain`) and in the waveform.
    let mut x = 7u32;
    let music: Vec<f32> = (0..rate)
        .map(|n| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let noise = ((x >> 16) & 0x7fff) as f32 / 32_768.0 - 0.5;
            0.3 * (std::f32::consts::TAU * 220.0 * n as f32 / rate as f32).sin() + noise
        })
        .collect();
    let isf = common::repo().join("testing-fixtures/isf");
    let list = std::fs::read_to_string(isf.join("audio-fixtures.txt")).unwrap();
    let listed: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let wired: Vec<&str> = ISF_AUDIO.iter().map(|(file, _, _)| *file).collect();
    assert_eq!(
        wired, listed,
        "the 7 files of audio-fixtures.txt, each wired"
    );
    assert_eq!(wired.len(), 7);
    for (file, inputs, extra) in ISF_AUDIO {
        let fs = std::fs::read_to_string(isf.join("collection").join(file))
            .unwrap()
            .replace("\"DEFAULT\": 0.001,", "\"DEFAULT\": 0.3,");
        let toml = format!(
            "output = \"v\"\n\
             [fft]\ntype = \"audio_spectrum\"\nsize = [256, 1]\nbins = 256\ngain = 20\n\
             [wave]\ntype = \"audio_waveform\"\nsize = [512, 1]\nsamples = 512\n\
             [img]\ntype = \"gradient\"\nsize = [96, 64]\n\
             [v]\ntype = \"isf\"\npath = \"shader.fs\"\nsize = [96, 64]\ninputs = {inputs}\n{extra}"
        );
        let dir = common::project(&[("shader.fs", &fs), ("chain.toml", &toml)]);
        let wav = dir.path().join("music.wav");
        write_wav(&wav, rate, &[&music]);
        let mode = common::gpu().pass_mode();
        let with_audio = {
            let options = ControlOptions {
                audio: Some(wav.clone()),
                ..Default::default()
            };
            let mut controls = Controls::start(&options).unwrap();
            let mut engine = common::engine_in(mode);
            controls.register(&mut engine).unwrap();
            engine
                .load_project(dir.path(), &[])
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            engine.set_capture(true);
            for k in 0..8u64 {
                let time = FrameTime {
                    time: k as f64 / 30.0,
                    frame: k,
                };
                controls.before_frame(&mut engine, time);
                engine.render(time, Target::None, k == 7).unwrap();
            }
            assert!(engine.errors().is_empty(), "{file}: {:?}", engine.errors());
            engine.read_output().unwrap()
        };
        // Without an audio source the same chain runs (silence): a different picture.
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        let silent = common::render(&mut engine, 8, 30.0);
        let differ = with_audio
            .pixels
            .iter()
            .zip(&silent.pixels)
            .filter(|(a, b)| (0..4).any(|c| (a[c] - b[c]).abs() > 0.02))
            .count();
        assert!(
            differ * 50 > with_audio.pixels.len(),
            "{file}: only {differ} of {} pixels show the audio",
            with_audio.pixels.len()
        );
    }
}
