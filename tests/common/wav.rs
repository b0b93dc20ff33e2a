//! A 16-bit PCM WAV writer for the audio tests (the root crate's and vivid-control's, which
//! includes this file by path): what they decode is then a file made by known arithmetic.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests: a failed write is a failed test; sizes of small test files"
)]

use std::path::Path;

/// Writes `channels` (each the same length, samples in -1..1) at `rate` Hz as a 16-bit PCM
/// WAV file, interleaved.
pub fn write_wav(path: &Path, rate: u32, channels: &[&[f32]]) {
    let frames = channels.first().map_or(0, |c| c.len());
    let nch = channels.len() as u16;
    let data_len = (frames * channels.len() * 2) as u32;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&nch.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(nch) * 2).to_le_bytes());
    b.extend_from_slice(&(nch * 2).to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    for i in 0..frames {
        for ch in channels {
            let v = (ch[i].clamp(-1.0, 1.0) * 32767.0).round() as i16;
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    std::fs::write(path, b).unwrap();
}
