//! Lockstep across machines, on one machine: two `vivid` processes with the same project,
//! `--clock system` and `--epoch`, each showing half of the canvas (`--viewport`), snapshot
//! the same frame of the shared timeline; side by side they equal one full-canvas render of
//! that frame (a fixed time step), bit for bit, for a stateless chain.

#![allow(
    clippy::unwrap_used,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; short names for the four pictures"
)]

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// An animated, stateless chain: noise moving through z, a gradient turning.
const CHAIN: &str = "[n]\ntype = \"noise\"\nspeed = 3\nsize = [64, 32]\n\n[g]\ntype = \"gradient\"\nangle = \"time * 40\"\nsize = [64, 32]\n\n[out]\ntype = \"composite\"\ninputs = [\"g\", \"n\"]\nmode = \"multiply\"\n";

fn vivid(project: &Path, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(project)
        .args(["--headless", "--monitor-interval", "0"])
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn done(child: std::process::Child) -> Output {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn two_viewports_of_the_system_clock_equal_one_full_render_of_that_frame() {
    let dir = common::project(&[("chain.toml", CHAIN)]);
    let p = dir.path();
    let shot = |name: &str| p.join(name).to_string_lossy().into_owned();
    // Frame 29 at 10 fps is due 2.9 s after the epoch: a second or two from now.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let epoch = format!("{:.3}", now - 1.0);
    let clock = [
        "--clock", "system", "--epoch", &epoch, "--fps", "10", "--frames", "30",
    ];
    let (left, right) = (shot("left.png"), shot("right.png"));
    let a = vivid(
        p,
        &[
            &clock[..],
            &[
                "--canvas",
                "64x32",
                "--viewport",
                "0,0,32,32",
                "--snapshot",
                &left,
            ],
        ]
        .concat(),
    );
    let b = vivid(
        p,
        &[
            &clock[..],
            &[
                "--canvas",
                "64x32",
                "--viewport",
                "32,0,32,32",
                "--snapshot",
                &right,
            ],
        ]
        .concat(),
    );
    let (a, b) = (done(a), done(b));
    // Both waited for the frame's instant rather than rendering at once.
    let after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        after >= now - 1.0 + 2.9,
        "the snapshots came before frame 29 was due"
    );
    drop((a, b));
    let (full, before) = (shot("full.png"), shot("before.png"));
    done(vivid(
        p,
        &[
            "--canvas",
            "64x32",
            "--fps",
            "10",
            "--frames",
            "30",
            "--snapshot",
            &full,
        ],
    ));
    done(vivid(
        p,
        &[
            "--canvas",
            "64x32",
            "--fps",
            "10",
            "--frames",
            "29",
            "--snapshot",
            &before,
        ],
    ));

    let open = |path: &str| image::open(path).unwrap().to_rgba8();
    let (l, r, f, e) = (open(&left), open(&right), open(&full), open(&before));
    assert_eq!(
        (l.dimensions(), r.dimensions(), f.dimensions()),
        ((32, 32), (32, 32), (64, 32))
    );
    for y in 0..32 {
        for x in 0..64 {
            let half = if x < 32 {
                l.get_pixel(x, y)
            } else {
                r.get_pixel(x - 32, y)
            };
            assert_eq!(half, f.get_pixel(x, y), "pixel ({x}, {y})");
        }
    }
    // The frame matters: frame 28 differs, so the processes agreed on the frame itself.
    assert_ne!(
        f, e,
        "frames 28 and 29 are the same picture: the test proves nothing"
    );
}

#[test]
fn the_system_clock_needs_an_epoch_and_link_none() {
    let dir = common::project(&[("chain.toml", CHAIN)]);
    let out = done_err(vivid(dir.path(), &["--clock", "system"]));
    assert!(out.contains("--epoch"), "{out}");
    let out = done_err(vivid(dir.path(), &["--clock", "link", "--epoch", "5"]));
    assert!(out.contains("--epoch is for --clock system"), "{out}");
    let out = done_err(vivid(
        dir.path(),
        &["--canvas", "64x32", "--viewport", "40,0,32,32"],
    ));
    assert!(out.contains("not inside --canvas 64x32"), "{out}");
}

fn done_err(child: std::process::Child) -> String {
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a usage error");
    String::from_utf8_lossy(&out.stderr).into_owned()
}
