//! Hostile shaders and oversized requests through the `vivid` binary: `--duration` is
//! honoured with a shader that never ends, a snapshot larger than one readback buffer is
//! read in tiles, an operator in error that a live edit removes no longer fails the run, and
//! saving a fix for a shader that never ends brings it back.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn vivid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs vivid")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A project folder holding `files`.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

#[test]
fn duration_is_honoured_with_a_shader_that_never_ends() {
    let dir = project(&[
        (
            "chain.toml",
            "output = \"s\"\nsize = [128, 128]\n[s]\ntype = \"shader\"\nshader = \"s.wgsl\"\n",
        ),
        (
            "s.wgsl",
            "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    var x = uv.x;\n    loop { x = fract(sin(x * 12.9898 + 78.233) * 43758.5453 + sqrt(x + 1.0)); }\n    return vec4<f32>(x, 0.0, 0.0, 1.0);\n}\n",
        ),
    ]);
    let started = Instant::now();
    let o = vivid(&[
        dir.path().to_str().unwrap(),
        "--headless",
        "--duration",
        "2",
        "--frame-deadline",
        "0.3",
        "--monitor-interval",
        "0",
    ]);
    let took = started.elapsed();
    let t = text(&o);
    assert!(took < Duration::from_secs(20), "took {took:?}:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    // The shader was quarantined, named with its file; the rest ran to the end.
    let file = dir.path().join("s.wgsl").canonicalize().unwrap();
    assert!(t.contains("frame deadline"), "{t}");
    assert!(t.contains(&file.display().to_string()), "{t}");
    assert!(t.contains("1 operator(s) failed"), "{t}");
    assert_eq!(o.status.code(), Some(1), "{t}");
}

#[test]
fn a_snapshot_larger_than_one_readback_buffer_is_read_in_tiles() {
    // 5800 pixels a row are 46,592 bytes with alignment, 5800 rows 270 MB: over wgpu's
    // 256 MiB buffers. Each pixel says where it is: (y % 256, y / 256, x % 256).
    let dir = project(&[
        (
            "chain.toml",
            "output = \"s\"\n[s]\ntype = \"shader\"\nshader = \"s.wgsl\"\n",
        ),
        (
            "s.wgsl",
            "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    let p = vec2<u32>(uv * vivid.resolution);\n    return vec4<f32>(vec3<f32>(vec3<u32>(p.y % 256u, p.y / 256u, p.x % 256u)) / 255.0, 1.0);\n}\n",
        ),
    ]);
    let snap = dir.path().join("out.png");
    let o = vivid(&[
        dir.path().to_str().unwrap(),
        "--headless",
        "--size",
        "5800x5800",
        "--snapshot",
        snap.to_str().unwrap(),
        "--monitor-interval",
        "0",
    ]);
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    let img = image::open(&snap).unwrap().into_rgba8();
    assert_eq!(img.dimensions(), (5800, 5800));
    // Rows around where the first tile ends (5761 rows of 46,592 bytes fit in 256 MiB),
    // and the corners.
    for y in [0, 1, 255, 256, 5759, 5760, 5761, 5799] {
        for x in [0, 1, 255, 256, 5799] {
            let want = [(y % 256) as u8, (y / 256) as u8, (x % 256) as u8, 255];
            assert_eq!(img.get_pixel(x, y).0, want, "({x}, {y})");
        }
    }
}

/// Reads `child`'s stderr on a thread, line by line.
fn lines_of(child: &mut std::process::Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Waits for a line of `rx` containing `what`, collecting every line into `all`.
fn wait_for(rx: &mpsc::Receiver<String>, what: &str, all: &mut String) -> bool {
    let end = Instant::now() + Duration::from_secs(60);
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(line) => {
                all.push_str(&line);
                all.push('\n');
                if line.contains(what) {
                    return true;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

#[test]
fn an_operator_in_error_removed_by_a_live_edit_no_longer_fails_the_run() {
    let dir = project(&[(
        "chain.toml",
        "output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"pic.png\"\n",
    )]);
    // Truncated: the header reads, the pixels do not — its error appears while running.
    let mut bytes = Vec::new();
    image::RgbaImage::from_pixel(32, 32, image::Rgba([1, 2, 3, 255]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    std::fs::write(dir.path().join("pic.png"), &bytes[..bytes.len() / 2]).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args([
            dir.path().to_str().unwrap(),
            "--headless",
            "--watch",
            "--duration",
            "12",
            "--monitor-interval",
            "0",
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let mut all = String::new();
    assert!(wait_for(&rx, "error in `pic`", &mut all), "{all}");
    // The live edit removes it.
    write_atomically(
        &dir.path().join("chain.toml"),
        "output = \"a\"\n[a]\ntype = \"solid\"\nsize = [8, 8]\n",
    );
    assert!(wait_for(&rx, "all errors fixed", &mut all), "{all}");
    let status = child.wait().unwrap();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        all.push_str(&line);
        all.push('\n');
    }
    assert!(!all.contains("operator(s) failed"), "{all}");
    assert_eq!(status.code(), Some(0), "{all}");
}

/// Writes `text` beside `path` and renames it over (one clean event for the watcher).
fn write_atomically(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
fn saving_a_fix_for_a_shader_that_never_ends_brings_it_back() {
    let hostile = "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    var x = uv.x;\n    loop { x = fract(sin(x * 12.9898 + 78.233) * 43758.5453 + sqrt(x + 1.0)); }\n    return vec4<f32>(x, 0.0, 0.0, 1.0);\n}\n";
    let dir = project(&[
        (
            "chain.toml",
            "output = \"s\"\nsize = [128, 128]\n[s]\ntype = \"shader\"\nshader = \"s.wgsl\"\n",
        ),
        ("s.wgsl", hostile),
    ]);
    let snapshot = dir.path().join("out.png");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args([
            dir.path().to_str().unwrap(),
            "--headless",
            "--watch",
            "--duration",
            "10",
            "--frame-deadline",
            "0.3",
            "--monitor-interval",
            "0",
            "--snapshot",
            snapshot.to_str().unwrap(),
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = lines_of(&mut child);
    let mut all = String::new();
    assert!(wait_for(&rx, "frame deadline", &mut all), "{all}");
    // The artist saves a fix: the quarantine is lifted, the new version runs.
    write_atomically(
        &dir.path().join("s.wgsl"),
        "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(1.0, 0.0, 0.0, 1.0);\n}\n",
    );
    assert!(wait_for(&rx, "all errors fixed", &mut all), "{all}");
    let status = child.wait().unwrap();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        all.push_str(&line);
        all.push('\n');
    }
    assert!(!all.contains("operator(s) failed"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
    assert_eq!(status.code(), Some(0), "{all}");
    // The last frame is the fixed shader's.
    let img = image::open(&snapshot).unwrap().to_rgba8();
    assert_eq!(img.dimensions(), (128, 128));
    assert!(img.pixels().all(|p| p.0 == [255, 0, 0, 255]), "{all}");
}
