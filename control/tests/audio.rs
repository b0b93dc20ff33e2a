//! The audio analysis against signals whose answers are known: sines of known amplitude and
//! frequency (RMS = A/√2 in their band, nothing elsewhere), a click track of known tempo,
//! WAV files written here, determinism with a fixed frame rate.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

use std::f32::consts::TAU;

#[path = "../../tests/common/wav.rs"]
mod wav;
use wav::write_wav;

use vivid_control::audio::{AnalysisSettings, Analyzer, FileSource};

const RATE: u32 = 44_100;

fn instant() -> AnalysisSettings {
    AnalysisSettings {
        attack: 0.0,
        release: 0.0,
        ..Default::default()
    }
}

fn sine(hz: f32, amp: f32, seconds: f32) -> Vec<f32> {
    (0..(seconds * RATE as f32) as usize)
        .map(|n| amp * (TAU * hz * n as f32 / RATE as f32).sin())
        .collect()
}

/// A kick: a 60 Hz burst with a fast decay, every `60 / bpm` seconds.
fn clicks(bpm: f32, seconds: f32) -> Vec<f32> {
    let period = (60.0 / bpm * RATE as f32) as usize;
    (0..(seconds * RATE as f32) as usize)
        .map(|n| {
            let t = (n % period) as f32 / RATE as f32;
            0.9 * (-t * 30.0).exp() * (TAU * 60.0 * t).sin()
                + 0.3 * (-t * 200.0).exp() * (TAU * 3000.0 * t).sin()
        })
        .collect()
}

fn close(got: f32, want: f32, tol: f32, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: {got}, want {want} ± {tol}"
    );
}

#[test]
fn a_sine_is_in_its_band_with_its_rms_and_nowhere_else() {
    for (hz, band) in [(60.0, "bass"), (1000.0, "mid"), (8000.0, "high")] {
        let mut a = Analyzer::new(RATE, instant());
        a.push(&sine(hz, 0.5, 0.5));
        let f = a.features();
        let rms = 0.5 / 2f32.sqrt();
        close(f.level, rms, 0.01, "level");
        close(f.peak, 0.5, 0.01, "peak");
        let (inside, others) = match band {
            "bass" => (f.bass, [f.mid, f.high]),
            "mid" => (f.mid, [f.bass, f.high]),
            _ => (f.high, [f.bass, f.mid]),
        };
        close(
            inside,
            rms,
            0.02 * rms + 0.005,
            &format!("{hz} Hz in {band}"),
        );
        for o in others {
            assert!(o < 0.02, "{hz} Hz leaks {o} into another band: {f:?}");
        }
        // The log band holding the frequency has (almost) all of it.
        let bands = AnalysisSettings::default().bands;
        let k = ((hz.ln() - 20f32.ln()) / ((RATE as f32 / 2.0).ln() - 20f32.ln()) * bands as f32)
            as usize;
        close(f.bands[k], rms, 0.1 * rms, &format!("{hz} Hz in band {k}"));
        // The spectrum peaks at the sine's bin with its amplitude.
        let bin = (hz * 2048.0 / RATE as f32).round() as usize;
        let s = a.spectrum();
        let top = (0..s.len()).max_by(|&i, &j| s[i].total_cmp(&s[j])).unwrap();
        assert!(top.abs_diff(bin) <= 1, "{top} vs {bin}");
        close(s[top], 0.5, 0.1, "spectrum peak");
    }
}

#[test]
fn silence_is_zero_and_non_finite_samples_count_as_silence() {
    let mut a = Analyzer::new(RATE, instant());
    let mut s = vec![0.0f32; RATE as usize];
    s[100] = f32::NAN;
    s[2000] = f32::INFINITY;
    a.push(&s);
    let f = a.features();
    assert_eq!(
        (f.level, f.peak, f.bass, f.beat, f.onsets),
        (0.0, 0.0, 0.0, 0.0, 0)
    );
}

#[test]
fn a_click_track_gives_an_onset_per_click_and_its_tempo() {
    for bpm in [100.0f32, 120.0, 140.0] {
        let mut a = Analyzer::new(RATE, AnalysisSettings::default());
        let audio = clicks(bpm, 8.0);
        a.push(&audio);
        let f = a.features();
        let expected = (8.0 * bpm / 60.0).floor() as u64;
        assert!(
            f.onsets.abs_diff(expected) <= 1,
            "{bpm}: {} onsets, {expected} clicks",
            f.onsets
        );
        close(f.bpm, bpm, 0.02 * bpm, &format!("bpm of {bpm}"));
    }
    // `beat` is 1 at an onset and decays with beat_decay (0.15 s).
    let mut a = Analyzer::new(RATE, AnalysisSettings::default());
    let audio = clicks(120.0, 2.05);
    a.push(&audio);
    assert!(a.features().beat > 0.6, "{:?}", a.features());
    a.push(&vec![0.0; (0.3 * RATE as f32) as usize]);
    close(
        a.features().beat,
        (-0.35f32 / 0.15).exp(),
        0.06,
        "decayed beat",
    );
}

#[test]
fn smoothing_follows_attack_and_release() {
    let settings = AnalysisSettings {
        attack: 0.0,
        release: 0.5,
        ..Default::default()
    };
    let mut a = Analyzer::new(RATE, settings);
    a.push(&sine(1000.0, 0.5, 0.3));
    close(a.features().level, 0.3536, 0.01, "attack 0: at once");
    a.push(&vec![0.0; (0.5 * RATE as f32) as usize + 2048]);
    // After one release time constant past the window: ~1/e of the level is left.
    close(
        a.features().level,
        0.3536 / std::f32::consts::E,
        0.03,
        "release",
    );
}

#[test]
fn wav_files_decode_to_mono_and_bad_files_are_located_errors() {
    let dir = std::env::temp_dir().join(format!("vivid-audio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let left = sine(440.0, 0.5, 0.25);
    let right: Vec<f32> = left.iter().map(|x| -x).collect();
    let p = dir.join("cancel.wav");
    write_wav(&p, RATE, &[&left, &right]);
    let (mono, rate) = vivid_control::audio::file::decode(&p).unwrap();
    assert_eq!((mono.len(), rate), (left.len(), RATE));
    assert!(mono.iter().all(|x| x.abs() < 1e-4), "L + R cancel");
    let p = dir.join("mono.wav");
    write_wav(&p, 22_050, &[&left]);
    let (mono, rate) = vivid_control::audio::file::decode(&p).unwrap();
    assert_eq!(rate, 22_050);
    for (a, b) in mono.iter().zip(&left) {
        assert!((a - b).abs() < 1.0 / 16_000.0);
    }
    let bad = dir.join("bad.wav");
    std::fs::write(&bad, b"RIFF not really").unwrap();
    let e = vivid_control::audio::file::decode(&bad)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bad.wav"), "{e}");
    let e = FileSource::open(&dir.join("missing.wav"), instant(), true)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.wav"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_file_at_a_fixed_frame_rate_gives_the_same_values_every_run() {
    let dir = std::env::temp_dir().join(format!("vivid-audio-det-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("clicks.wav");
    write_wav(&p, RATE, &[&clicks(120.0, 4.0)]);
    let run = |fps: f64, frames: u64| {
        let mut f = FileSource::open(&p, AnalysisSettings::default(), false).unwrap();
        (0..frames)
            .map(|k| f.features_at(k as f64 / fps))
            .collect::<Vec<_>>()
    };
    let a = run(60.0, 240);
    assert_eq!(a, run(60.0, 240), "the same every run");
    // Onsets lie on the analysis's own grid: other frame rates count the same ones.
    let at_30 = run(30.0, 120);
    let at_144 = run(144.0, 576);
    assert_eq!(a[239].onsets, at_30[119].onsets);
    assert_eq!(a[239].onsets, at_144[575].onsets);
    assert!(a[239].onsets >= 6, "{:?}", a[239]);
    // Past the end (not looped): silence.
    let mut f = FileSource::open(&p, instant(), false).unwrap();
    f.features_at(3.9);
    assert_eq!(f.features_at(5.0).level, 0.0);
    // Looped: the start again, and a jump back analyses the same audio.
    let mut f = FileSource::open(&p, instant(), true).unwrap();
    let early = f.features_at(1.2).level;
    f.features_at(3.0);
    close(f.features_at(5.2).level, early, 1e-4, "looped");
    close(f.features_at(1.2).level, early, 1e-4, "jumped back");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_unknown_capture_device_is_an_error_naming_it() {
    let e = vivid_control::audio::CaptureSource::open(Some("no such device 42"), instant())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no such device 42"), "{e}");
    match vivid_control::audio::CaptureSource::open(None, instant()) {
        Ok(c) => eprintln!("capture: default device `{}` opened", c.device_name()),
        Err(e) => eprintln!("capture: no default device here, not tested ({e})"),
    }
}
