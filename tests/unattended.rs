//! The `vivid` binary left unattended, tried adversarially: a stderr pipe whose reader is
//! gone, signals (SIGINT, SIGTERM, SIGHUP) that must end the run writing what was asked,
//! numbers on the command line that used to panic, snapshots checked before the run and
//! written honestly (a real JPEG, a full disk reported), a 50 MB line in chain.toml, a
//! chain of scene objects only, an operator name with a dot, a project folder holding a
//! link to `/usr`, and a project broken at start that `--watch` waits for.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn vivid() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vivid"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> Output {
    vivid().args(args).output().expect("runs vivid")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A small animated chain (64x36: fast frames on the software driver).
const SMALL: &str = "output = \"n\"\n[n]\ntype = \"noise\"\nsize = [64, 36]\nspeed = 1\n";

fn project(chain: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
    dir
}

/// Whether the tests run as root (`id -u` prints 0).
fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Kills the child when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_closed_stderr_pipe_is_not_fatal() {
    // `vivid … 2>&1 | head -1` and then some: every line vivid prints (the monitor every
    // 0.1 s, env_logger at info, the final report) goes into a pipe nobody reads.
    let dir = project(SMALL);
    let shot = dir.path().join("out.png");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let status = vivid()
        .args([arg(dir.path()), "--headless", "--duration", "1.5"])
        .args(["--monitor-interval", "0.1", "--snapshot", arg(&shot)])
        .env("RUST_LOG", "info")
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}");
    let img = image::open(&shot).unwrap();
    assert_eq!((img.width(), img.height()), (64, 36));
}

/// Starts a headless run that would go on for a minute, waits until it renders (the
/// monitor's first line), sends `signal`, and returns its exit status and output once it
/// ended, asserting that it ended within `limit` of the signal.
fn signal_a_run(signal: &str, dir: &Path, limit: Duration) -> (Option<i32>, String) {
    let mut child = Killed(
        vivid()
            .args([
                arg(dir),
                "--headless",
                "--duration",
                "60",
                "--monitor-interval",
                "0.1",
            ])
            .arg("--snapshot")
            .arg(dir.join("last.png"))
            .arg("--stats-json")
            .arg(dir.join("stats.json"))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("vivid renders");
        log.push_str(&line);
        log.push('\n');
        if line.contains("Memory:") {
            break;
        }
    }
    let pid = child.0.id().to_string();
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-s", signal, &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < limit,
            "{signal}: still running after {limit:?}:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(1)) {
        log.push_str(&line);
        log.push('\n');
    }
    (status.code(), log)
}

#[test]
fn signals_end_a_headless_run_writing_what_was_asked() {
    for signal in ["INT", "TERM", "HUP"] {
        let dir = project(SMALL);
        let (code, log) = signal_a_run(signal, dir.path(), Duration::from_secs(2));
        assert_eq!(code, Some(0), "SIG{signal}:\n{log}");
        assert!(log.contains(&format!("SIG{signal}: stopping")), "{log}");
        assert!(!log.contains("panicked"), "{log}");
        let img = image::open(dir.path().join("last.png")).unwrap();
        assert_eq!((img.width(), img.height()), (64, 36), "SIG{signal}");
        let stats: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("stats.json")).unwrap()).unwrap();
        assert!(stats["frames_rendered"].as_u64().unwrap() > 0, "{stats}");
    }
}

#[test]
fn numbers_that_used_to_panic_are_usage_errors() {
    let dir = project(SMALL);
    let d = arg(dir.path());
    for (flag, value, says) in [
        ("--duration", "1e300", "in 0..=1e9"),
        ("--duration", "1e19", "in 0..=1e9"),
        ("--duration", "-1", "in 0..=1e9"),
        ("--duration", "nan", "in 0..=1e9"),
        ("--monitor-interval", "1e300", "0.001..=1e9"),
        ("--monitor-interval", "inf", "0.001..=1e9"),
        ("--fps", "1e-300", "0.001..=1000000"),
        ("--frames", "0", "nothing to render"),
        ("--frames", "-1", "whole number"),
    ] {
        // `--flag=value`: clap would take `-1` after a space for a flag of its own.
        let o = run(&[d, "--headless", &format!("{flag}={value}")]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}:\n{t}");
        assert!(t.contains(says), "{flag} {value}:\n{t}");
        assert!(!t.contains("panicked"), "{flag} {value}:\n{t}");
    }
    for (flag, value) in [
        ("--frames", "0"),
        ("--bandwidth", "-3"),
        ("--bandwidth", "nan"),
    ] {
        let o = run(&["bench", d, &format!("{flag}={value}")]);
        assert_eq!(
            o.status.code(),
            Some(2),
            "bench {flag} {value}:\n{}",
            text(&o)
        );
    }
}

#[test]
fn a_snapshot_is_checked_before_the_run_and_written_as_named() {
    let dir = project(
        "output = \"s\"\n[s]\ntype = \"shape\"\nsize = [40, 20]\nkind = \"circle\"\ncolor = [1, 0, 0]\n",
    );
    let d = arg(dir.path());
    // Refused at once, before any frame: a wrong extension, a missing folder (not made).
    for (name, says) in [
        ("out.gif", "a snapshot is a PNG or a JPEG"),
        ("out", "no extension"),
        ("no/such/folder/out.png", "does not exist"),
    ] {
        let path = dir.path().join(name);
        let o = run(&[
            d,
            "--headless",
            "--duration",
            "30",
            "--snapshot",
            arg(&path),
        ]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(2), "{name}:\n{t}");
        assert!(t.contains(says), "{name}:\n{t}");
        assert!(!t.contains("frame"), "{name}: nothing rendered:\n{t}");
    }
    assert!(!dir.path().join("no").exists(), "no folder is created");
    // PNG keeps the alpha of the transparent corners; --background flattens.
    let png = dir.path().join("a.png");
    assert!(
        run(&[d, "--headless", "--snapshot", arg(&png)])
            .status
            .success()
    );
    let img = image::open(&png).unwrap();
    assert_eq!(img.color(), image::ColorType::Rgba8);
    assert_eq!(img.to_rgba8().get_pixel(0, 0).0, [0, 0, 0, 0]);
    assert_eq!(img.to_rgba8().get_pixel(20, 10).0, [255, 0, 0, 255]);
    let flat = dir.path().join("flat.png");
    let o = run(&[
        d,
        "--headless",
        "--snapshot",
        arg(&flat),
        "--background",
        "#00f",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let img = image::open(&flat).unwrap();
    assert_eq!(img.color(), image::ColorType::Rgb8);
    assert_eq!(img.to_rgb8().get_pixel(0, 0).0, [0, 0, 255]);
    // A .jpg is a JPEG (its magic bytes, decoded by another decoder), flattened on black.
    let jpg = dir.path().join("b.jpg");
    assert!(
        run(&[d, "--headless", "--snapshot", arg(&jpg)])
            .status
            .success()
    );
    let bytes = std::fs::read(&jpg).unwrap();
    assert_eq!(&bytes[..3], &[0xFF, 0xD8, 0xFF], "JPEG magic");
    let img = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .to_rgb8();
    let centre = img.get_pixel(20, 10).0;
    assert!(
        centre[0] > 230 && centre[1] < 30 && centre[2] < 30,
        "red centre: {centre:?}"
    );
    let corner = img.get_pixel(0, 0).0;
    assert!(corner.iter().all(|&c| c < 20), "black corner: {corner:?}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_snapshot_on_a_full_disk_is_an_error() {
    let dir = project(SMALL);
    let full = dir.path().join("full.png");
    std::os::unix::fs::symlink("/dev/full", &full).unwrap();
    let o = run(&[arg(dir.path()), "--headless", "--snapshot", arg(&full)]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("No space left on device"), "{t}");
    assert!(!t.contains("wrote"), "{t}");
}

#[test]
fn a_fifty_megabyte_line_is_shown_around_its_caret() {
    let long = "x".repeat(50 << 20);
    let dir = project(&format!("[n]\ntype = \"noise\"\nbogus = \"{long}\" oops\n"));
    let o = run(&[arg(dir.path()), "--headless", "--monitor-interval", "0"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1));
    assert!(t.len() < 4096, "{} bytes of report", t.len());
    assert!(t.contains("chain.toml:3:"), "{t}");
    assert!(t.contains('…') && t.contains('^'), "{t}");
}

#[test]
fn a_chain_of_scene_objects_only_is_an_error_with_a_hint() {
    let dir = project("[cam]\ntype = \"camera\"\n");
    let o = run(&[arg(dir.path()), "--headless", "--monitor-interval", "0"]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(
        t.contains("the chain makes no image: `cam` is a camera"),
        "{t}"
    );
    assert!(t.contains("chain.toml:1:2"), "{t}");
    assert!(t.contains("hint: add a `render3d`"), "{t}");
}

#[test]
fn an_operator_name_with_a_dot_is_reached_by_set() {
    let dir = project("[\"a.b\"]\ntype = \"solid\"\nsize = [4, 4]\ncolor = [1, 0, 0]\n");
    let shot = dir.path().join("s.png");
    let o = run(&[
        arg(dir.path()),
        "--headless",
        "--set",
        "a.b.color=[0, 1, 0]",
        "--snapshot",
        arg(&shot),
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        image::open(&shot).unwrap().to_rgba8().get_pixel(1, 1).0,
        [0, 255, 0, 255]
    );
}

#[cfg(unix)]
#[test]
fn the_watcher_ignores_links_out_and_what_it_cannot_read() {
    let dir = project(SMALL);
    std::os::unix::fs::symlink("/usr", dir.path().join("usr")).unwrap();
    std::fs::create_dir(dir.path().join("private")).unwrap();
    // Unreadable (for anyone but root).
    let _ = Command::new("chmod")
        .args(["000"])
        .arg(dir.path().join("private"))
        .status();
    let args = [
        arg(dir.path()),
        "--headless",
        "--watch",
        "--frames",
        "2",
        "--monitor-interval",
        "0",
    ];
    // Root reads every folder, so as root (CI runs as root) vivid runs as `nobody`, for
    // whom `private` is unreadable: the case the test is about.
    let o = if is_root() {
        let _ = Command::new("chmod").arg("755").arg(dir.path()).status();
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_vivid"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "warn");
        c.output()
            .expect("runs vivid as nobody through setpriv (util-linux)")
    } else {
        run(&args)
    };
    let _ = Command::new("chmod")
        .args(["755"])
        .arg(dir.path().join("private"))
        .status();
    let t = text(&o);
    assert!(o.status.success(), "{t}");
    assert!(t.contains("vivid: watching"), "{t}");
    // The project folder and (a build from the source tree) the shaders' few folders: not
    // the 15,000 folders under /usr.
    let watching = t.lines().find(|l| l.contains("vivid: watching")).unwrap();
    assert!(!watching.contains("/usr"), "{t}");
    let more = watching
        .split(" and ")
        .last()
        .and_then(|m| m.strip_suffix(" more folders"))
        .map_or(0, |n| n.parse::<usize>().unwrap());
    assert!(more < 20, "{t}");
}

#[test]
fn a_project_broken_at_start_is_waited_for_with_watch() {
    let dir = project("[n]\ntype = \"noize\"\n");
    let shot = dir.path().join("after.png");
    let mut child = Killed(
        vivid()
            .args([arg(dir.path()), "--headless", "--watch", "--frames", "3"])
            .args(["--monitor-interval", "0", "--snapshot", arg(&shot)])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let read_until = |what: &str, log: &mut String| loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no {what:?} in:\n{log}"));
        log.push_str(&line);
        log.push('\n');
        if line.contains(what) {
            break;
        }
    };
    read_until("waiting for the project to be fixed", &mut log);
    assert!(log.contains("unknown operator type `noize`"), "{log}");
    assert!(child.0.try_wait().unwrap().is_none(), "it waits:\n{log}");
    std::fs::write(dir.path().join("chain.toml"), SMALL).unwrap();
    read_until("the project loads", &mut log);
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "{log}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{log}");
    assert_eq!(image::open(&shot).unwrap().width(), 64);
}

/// Lines of a child's stderr, read on a thread of their own.
fn lines_of(child: &mut Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads `rx` into `log` until a line contains `what` (two minutes at most).
fn read_until(rx: &std::sync::mpsc::Receiver<String>, what: &str, log: &mut String) {
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("no {what:?} in:\n{log}"));
        log.push_str(&line);
        log.push('\n');
        if line.contains(what) {
            return;
        }
    }
}

/// In a window (under Xvfb): a project broken at start waits showing its error; a save
/// fixes it and it runs; SIGTERM then ends the run cleanly, writing the snapshot (of the
/// fixed chain, not the black shown while waiting) and the statistics.
#[test]
fn a_window_waits_for_a_broken_project_and_ends_cleanly_on_sigterm() {
    for tool in ["Xvfb", "xdotool"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(found, "`{tool}` is needed: scripts/check.sh installs it");
    }
    let n = (0..100)
        .map(|k| 140 + (std::process::id() + k) % 100)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .unwrap();
    let display = format!(":{n}");
    let _xvfb = Killed(
        Command::new("Xvfb")
            .args([
                &display,
                "-screen",
                "0",
                "640x480x24",
                "-nolisten",
                "tcp",
                "-noreset",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start = Instant::now();
    while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
        assert!(start.elapsed() < Duration::from_secs(10), "Xvfb starts");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = project("[n]\ntype = \"noize\"\n");
    let shot = dir.path().join("last.png");
    let stats = dir.path().join("stats.json");
    let mut child = Killed(
        vivid()
            .arg(dir.path())
            .args(["--size", "64x36", "--monitor-interval", "0", "--snapshot"])
            .arg(&shot)
            .arg("--stats-json")
            .arg(&stats)
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let rx = lines_of(&mut child.0);
    let mut log = String::new();
    read_until(&rx, "unknown operator type `noize`", &mut log);
    assert!(child.0.try_wait().unwrap().is_none(), "it waits:\n{log}");
    std::fs::write(dir.path().join("chain.toml"), SMALL).unwrap();
    read_until(&rx, "all errors fixed", &mut log);
    let sent = Instant::now();
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-s", "TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "still running 3 s after SIGTERM:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    while let Ok(line) = rx.recv_timeout(Duration::from_millis(500)) {
        log.push_str(&line);
        log.push('\n');
    }
    assert_eq!(status.code(), Some(0), "{log}");
    let img = image::open(&shot).unwrap().to_luma8();
    assert_eq!(img.dimensions(), (64, 36));
    let values: std::collections::BTreeSet<u8> = img.pixels().map(|p| p[0]).collect();
    assert!(
        values.len() > 10,
        "noise, not the black shown while waiting"
    );
    assert!(stats.exists(), "{log}");
}
