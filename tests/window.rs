//! The real window, as a person sees it: vivid runs under a virtual X server (Xvfb) on the
//! software driver; the test takes screenshots of the screen (imagemagick's `import`) and
//! presses keys (`xdotool`): Tab shows the inspector's panels and hides them again, Esc
//! quits cleanly (again and again, with nothing logged), every frame was one encoder and
//! one submit, and the window opens at the output's size. It waits for frames, not time:
//! vivid writes a line to `VIVID_FRAME_LOG` once frames with the inspector shown (or hidden)
//! have been presented, and the test looks at the screen then.
//!
//! Needs `Xvfb`, `xdotool` and `import` (`scripts/check.sh` installs them: packages xvfb,
//! xdotool, imagemagick).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use common::x11::{Killed, middle, wait_for, xdotool, xvfb};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn screenshot(display: &str, path: &Path) -> image::RgbImage {
    let status = Command::new("import")
        .args(["-display", display, "-window", "root"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "import failed");
    image::open(path).unwrap().to_rgb8()
}

/// How many times vivid's frame log says `line`.
fn logged(log: &Path, line: &str) -> usize {
    std::fs::read_to_string(log).map_or(0, |t| t.lines().filter(|l| *l == line).count())
}

/// Mean and spread of the red channel over a rectangle.
fn region(img: &image::RgbImage, x0: u32, y0: u32, x1: u32, y1: u32) -> (f64, f64) {
    let vals: Vec<f64> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| f64::from(img.get_pixel(x, y)[0])))
        .collect();
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn tab_shows_and_hides_the_inspector_in_a_real_window() {
    let dir = tempfile::tempdir().unwrap();
    // `VIVID_TEST_SHOTS=folder` keeps the screenshots (and vivid's log) to look at.
    let shots = std::env::var_os("VIVID_TEST_SHOTS")
        .map_or_else(|| dir.path().to_path_buf(), std::path::PathBuf::from);
    // A server that answers, on a display number nothing else uses (as the other tests).
    let (_xvfb, display) = xvfb("1280x720");
    let stats = dir.path().join("stats.json");
    let frames_log = shots.join("frames.log");
    let _ = std::fs::remove_file(&frames_log);
    let log = std::fs::File::create(shots.join("vivid.log")).unwrap();
    let mut vivid = Killed(
        Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(common::repo().join("examples/02-hello-noise"))
            .args(["--size", "640x360", "--window-size", "1280x720"])
            .args(["--monitor-interval", "0", "--no-watch"])
            .arg("--stats-json")
            .arg(&stats)
            .env("DISPLAY", &display)
            .env("VIVID_FRAME_LOG", &frames_log)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let mut window = String::new();
    wait_for("the window", Duration::from_secs(60), || {
        window = xdotool(&display, &["search", "--name", "vivid"]);
        !window.is_empty()
    });
    let window = window.lines().next().unwrap_or_default().to_string();
    // The first frames (the noise, no inspector) have been presented.
    let settled = |shown: bool| {
        format!(
            "presented 3 frames, inspector {}",
            if shown { "shown" } else { "hidden" }
        )
    };
    wait_for("the first frames", Duration::from_secs(60), || {
        logged(&frames_log, &settled(false)) > 0
    });
    let before = screenshot(&display, &shots.join("before.png"));
    // Tab, then wait until vivid has presented three frames in the new state (the
    // inspector's first frame compiles the UI's pipeline and makes egui's font texture:
    // seconds on a busy software driver). Without a window manager XTEST key events now
    // and then go nowhere (focus not yet settled on the window): then focus again and
    // press again, as a person would — at most three times.
    let tab_until = |name: &str, want: bool| {
        let seen = logged(&frames_log, &settled(want));
        for _ in 0..3 {
            xdotool(&display, &["windowfocus", "--sync", &window]);
            xdotool(&display, &["key", "Tab"]);
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(20) {
                if logged(&frames_log, &settled(want)) > seen {
                    return screenshot(&display, &shots.join(name));
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!(
            "the inspector was not {}: {}",
            if want { "shown" } else { "hidden" },
            std::fs::read_to_string(&frames_log).unwrap_or_default()
        );
    };
    let shown = tab_until("shown.png", true);
    let after = tab_until("after.png", false);

    // The output is letterboxed 16:9 into the 1280x720 window: noise everywhere. With the
    // inspector: the top bar, and the right panel below its heading, are egui's flat dark
    // panels; the chain view shows the noise's node with its thumbnail.
    for (name, (x0, y0, x1, y1)) in [
        ("top bar", (520, 2, 900, 20)),
        ("inspector", (1080, 300, 1270, 500)),
    ] {
        let (m0, s0) = region(&before, x0, y0, x1, y1);
        let (m1, s1) = region(&shown, x0, y0, x1, y1);
        let (m2, s2) = region(&after, x0, y0, x1, y1);
        assert!(
            s0 > 10.0,
            "{name} before Tab: noise expected ({m0:.0} ± {s0:.1})"
        );
        assert!(
            m1 < 45.0 && s1 < 4.0,
            "{name} after Tab: a panel expected ({m1:.0} ± {s1:.1})"
        );
        assert!(
            s2 > 10.0,
            "{name} after a second Tab: noise again ({m2:.0} ± {s2:.1})"
        );
    }
    let (_, thumb) = region(&shown, 20, 65, 115, 110);
    assert!(thumb > 8.0, "no thumbnail in the chain view (± {thumb:.1})");

    xdotool(&display, &["key", "Escape"]);
    let mut code = None;
    wait_for("vivid to quit on Esc", Duration::from_secs(30), || {
        code = vivid.0.try_wait().unwrap();
        code.is_some()
    });
    assert!(code.is_some_and(|c| c.success()), "exit: {code:?}");
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(s["max_encoders_per_frame"], 1, "{s}");
    assert_eq!(s["max_submits_per_frame"], 1, "{s}");
    assert!(s["frames"].as_u64().unwrap() > 10, "{s}");
}

/// vivid on `display` with `args` (stderr into `log`, its frame log beside it: see
/// [`frames_log`]), and its window's id once it shows.
fn vivid_window(display: &str, args: &[&str], log: &Path) -> (Killed, String) {
    vivid_window_in(
        &common::repo().join("examples/02-hello-noise"),
        display,
        args,
        log,
    )
}

/// [`vivid_window`] showing `project`.
fn vivid_window_in(project: &Path, display: &str, args: &[&str], log: &Path) -> (Killed, String) {
    let out = std::fs::File::create(log).unwrap();
    let vivid = Killed(
        Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(project)
            .args(["--monitor-interval", "0", "--no-watch"])
            .args(args)
            .env("DISPLAY", display)
            .env("VIVID_FRAME_LOG", frames_log(log))
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    let mut vivid = vivid;
    let mut window = String::new();
    wait_for("the window", Duration::from_secs(90), || {
        if let Some(code) = vivid.0.try_wait().unwrap() {
            panic!(
                "vivid exited ({code:?}) before its window showed:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        // Only a mapped (shown) window: it is sized before it is shown.
        window = xdotool(display, &["search", "--onlyvisible", "--name", "vivid"]);
        !window.is_empty()
    });
    let window = window.lines().next().unwrap_or_default().to_string();
    (vivid, window)
}

/// Where [`vivid_window`] has vivid write its frame log (`VIVID_FRAME_LOG`) for `log`.
fn frames_log(log: &Path) -> std::path::PathBuf {
    log.with_extension("frames")
}

/// Presses Esc in `window` until vivid exits (XTEST keys can go nowhere before focus
/// settles); its exit status.
fn quit_with_esc(display: &str, window: &str, vivid: &mut Killed) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        xdotool(display, &["windowfocus", "--sync", window]);
        xdotool(display, &["key", "Escape"]);
        let pressed = Instant::now();
        while pressed.elapsed() < Duration::from_secs(5) {
            if let Some(code) = vivid.0.try_wait().unwrap() {
                return code;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "vivid did not quit on Esc"
        );
    }
}

/// Tap tempo: `T` pressed in the window sets `tempo.bpm` (vivid-control's `Taps`). A solid
/// whose red is `tempo.bpm / 400` is black before any tap (no clock, no audio: no tempo)
/// and red after four taps a third of a second apart. A tap counts at the frame after the
/// key, so on a software driver's frame rate the tempo read lies between 120 and 400 BPM
/// rather than at 180 exactly.
#[test]
fn t_taps_the_tempo_in_a_real_window() {
    let (_server, display) = xvfb("640x480");
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\nsize = [160, 90]\n[s]\ntype = \"solid\"\ncolor = [\"min(tempo.bpm / 400, 1)\", 0, 0]\n",
    )]);
    let log = dir.path().join("vivid.log");
    let (mut vivid, window) = vivid_window_in(dir.path(), &display, &[], &log);
    let frames = frames_log(&log);
    wait_for("the first frames", Duration::from_secs(60), || {
        logged(&frames, "presented 3 frames, inspector hidden") > 0
    });
    let shot = dir.path().join("shot.png");
    let red = || middle(&display, &window, &shot)[0];
    assert!(red() < 5, "a tempo before any tap");
    // Without a window manager XTEST keys now and then go nowhere before focus settles:
    // focus and tap again, at most three times.
    let mut tapped = 0;
    for _ in 0..3 {
        xdotool(&display, &["windowfocus", "--sync", &window]);
        xdotool(&display, &["key", "--delay", "333", "t", "t", "t", "t"]);
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) && tapped < 5 {
            tapped = red();
            std::thread::sleep(Duration::from_millis(200));
        }
        if tapped >= 5 {
            break;
        }
    }
    // 120..400 BPM: red 76..255.
    assert!(
        (70..=255).contains(&tapped),
        "red {tapped} after four taps: {}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    assert!(quit_with_esc(&display, &window, &mut vivid).success());
}

#[test]
fn the_window_opens_at_the_output_size_or_the_size_asked() {
    let (_x, display) = xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    // (arguments, the window's size): the output's; the one asked; an output larger than
    // the screen fitted into it, keeping its aspect.
    for (args, want) in [
        (&["--size", "640x360"][..], "640x360"),
        (
            &["--size", "640x360", "--window-size", "500x400"][..],
            "500x400",
        ),
        (&["--size", "1920x1080"][..], "1280x720"),
    ] {
        let log = dir.path().join("vivid.log");
        let (mut vivid, window) = vivid_window(&display, args, &log);
        let geometry = xdotool(&display, &["getwindowgeometry", &window]);
        assert!(
            geometry.contains(&format!("Geometry: {want}")),
            "{args:?}: {geometry}"
        );
        let code = quit_with_esc(&display, &window, &mut vivid);
        assert!(
            code.success(),
            "{args:?}: {code:?}\n{}",
            std::fs::read_to_string(&log).unwrap()
        );
    }
}

#[test]
fn esc_quits_cleanly_again_and_again() {
    // A map of a staging buffer may still be pending when Esc comes: it must be dropped
    // quietly. Quitting at different moments (right away, after a few frames, with the
    // inspector's own staging ring busy) several times in a row.
    let (_x, display) = xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    // Esc right away (None), or once vivid has presented that many frames.
    for (i, after) in [None, Some(1), None, Some(5), Some(2)]
        .into_iter()
        .enumerate()
    {
        let log = dir.path().join(format!("vivid-{i}.log"));
        let inspector = i % 2 == 0;
        let args: &[&str] = if inspector {
            &["--size", "320x180", "--inspector"]
        } else {
            &["--size", "320x180"]
        };
        let (mut vivid, window) = vivid_window(&display, args, &log);
        if let Some(n) = after {
            let line = format!(
                "presented {n} frames, inspector {}",
                if inspector { "shown" } else { "hidden" }
            );
            wait_for(&line, Duration::from_secs(60), || {
                logged(&frames_log(&log), &line) > 0
            });
        }
        let code = quit_with_esc(&display, &window, &mut vivid);
        let stderr = std::fs::read_to_string(&log).unwrap();
        assert!(code.success(), "run {i}: {code:?}\n{stderr}");
        assert!(
            !stderr.contains("WARN") && !stderr.contains("ERROR"),
            "run {i} logged on the way out:\n{stderr}"
        );
    }
}

/// Asks X window `window` to close, as a window manager's close button does
/// (`WM_DELETE_WINDOW`).
fn close_window(display: &str, window: &str) {
    use x11rb::connection::Connection as _;
    use x11rb::protocol::xproto::{ClientMessageEvent, ConnectionExt as _, EventMask};
    let id: u32 = window.parse().unwrap();
    let (conn, _) = x11rb::connect(Some(display)).unwrap();
    let atom = |name: &[u8]| conn.intern_atom(false, name).unwrap().reply().unwrap().atom;
    let (protocols, delete) = (atom(b"WM_PROTOCOLS"), atom(b"WM_DELETE_WINDOW"));
    let event = ClientMessageEvent::new(32, id, protocols, [delete, 0, 0, 0, 0]);
    conn.send_event(false, id, EventMask::NO_EVENT, event)
        .unwrap();
    conn.flush().unwrap();
}

#[test]
fn two_windows_show_their_nodes_and_closing_one_keeps_the_other() {
    let (_x, display) = xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let chain = "[red]\ntype = \"solid\"\ncolor = [1, 0, 0, 1]\nsize = [160, 120]\n\n[blue]\ntype = \"solid\"\ncolor = [0, 0, 1, 1]\nsize = [160, 120]\n\n[[window]]\nnode = \"red\"\ntitle = \"vivid red\"\nposition = [0, 0]\nsize = [320, 240]\n\n[[window]]\nnode = \"blue\"\ntitle = \"vivid blue\"\nposition = [640, 100]\nsize = [320, 240]\n";
    std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
    let log = dir.path().join("vivid.log");
    let frames = frames_log(&log);
    let stats = dir.path().join("stats.json");
    let out = std::fs::File::create(&log).unwrap();
    let mut vivid = Killed(
        Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(dir.path())
            .args(["--monitor-interval", "0", "--no-watch", "--stats-json"])
            .arg(&stats)
            .env("DISPLAY", &display)
            .env("VIVID_FRAME_LOG", &frames)
            .env_remove("WAYLAND_DISPLAY")
            .env("RUST_LOG", "vivid_app=debug")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    let find = |name: &str| xdotool(&display, &["search", "--onlyvisible", "--name", name]);
    wait_for("both windows", Duration::from_secs(90), || {
        if let Some(code) = vivid.0.try_wait().unwrap() {
            panic!(
                "vivid exited ({code:?}):\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        }
        !find("vivid red").is_empty() && !find("vivid blue").is_empty()
    });
    wait_for("the first frames", Duration::from_secs(60), || {
        logged(&frames, "presented 5 frames, inspector hidden") > 0
    });
    let shot = screenshot(&display, &dir.path().join("two.png"));
    // Each window, where its table put it, shows its node; the desktop between is black.
    let mean = |x0: u32, y0: u32, x1: u32, y1: u32| {
        let mut sum = [0.0f64; 3];
        for y in y0..y1 {
            for x in x0..x1 {
                for (s, v) in sum.iter_mut().zip(shot.get_pixel(x, y).0) {
                    *s += f64::from(v);
                }
            }
        }
        sum.map(|s| s / f64::from((x1 - x0) * (y1 - y0)))
    };
    let red = mean(20, 20, 300, 220);
    let blue = mean(660, 120, 940, 320);
    assert!(
        red[0] > 250.0 && red[1] < 5.0 && red[2] < 5.0,
        "red window: {red:?}"
    );
    assert!(
        blue[2] > 250.0 && blue[0] < 5.0 && blue[1] < 5.0,
        "blue window: {blue:?}"
    );
    let geometry = xdotool(
        &display,
        &[
            "getwindowgeometry",
            find("vivid blue").lines().next().unwrap(),
        ],
    );
    assert!(
        geometry.contains("Position: 640,100") && geometry.contains("Geometry: 320x240"),
        "{geometry}"
    );

    // Closing the blue window keeps the red one running; closing that ends the run.
    let blue = find("vivid blue").lines().next().unwrap().to_string();
    let start = Instant::now();
    let mut asked: Option<Instant> = None;
    while !find("vivid blue").is_empty() {
        // Asked again every few seconds: a client message sent while the server is busy
        // with a frame now and then never reaches the window (as XTEST keys do).
        if asked.is_none_or(|a| a.elapsed() > Duration::from_secs(3)) {
            close_window(&display, &blue);
            asked = Some(Instant::now());
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the blue window did not close ({blue}; {}):\n{}",
            xdotool(&display, &["search", "--name", "vivid"]),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        vivid.0.try_wait().unwrap().is_none(),
        "vivid ended with one window left:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let red = find("vivid red").lines().next().unwrap().to_string();
    let mut code = None;
    let start = Instant::now();
    let mut asked: Option<Instant> = None;
    while code.is_none() && start.elapsed() < Duration::from_secs(30) {
        if asked.is_none_or(|a| a.elapsed() > Duration::from_secs(3)) {
            close_window(&display, &red);
            asked = Some(Instant::now());
        }
        code = vivid.0.try_wait().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        code.is_some(),
        "vivid did not end with its last window:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let stderr = std::fs::read_to_string(&log).unwrap();
    assert!(
        code.is_some_and(|c| c.success()),
        "exit: {code:?}\n{stderr}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(s["max_encoders_per_frame"], 1, "{s}");
    assert_eq!(s["max_submits_per_frame"], 1, "{s}");
    assert_eq!(s["gpu_objects_created_after_warmup"], 0, "{s}");
    assert!(s["frames"].as_u64().unwrap() > 10, "{s}");
}

#[test]
fn devices_lists_the_monitor_of_the_display() {
    let (_x, display) = xvfb("1024x600");
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg("devices")
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Xvfb has one screen: one monitor, at the origin, of the server's size.
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Monitors"))
        .unwrap_or_else(|| panic!("no monitors section:\n{text}"));
    let monitors: Vec<&str> = lines[at + 1..]
        .iter()
        .take_while(|l| l.starts_with("  "))
        .copied()
        .collect();
    assert_eq!(monitors.len(), 1, "{text}");
    assert!(
        monitors[0].trim_start().starts_with("0: ") && monitors[0].contains("1024x600 at 0,0"),
        "{text}"
    );
}

#[test]
fn saving_the_window_tables_keeps_the_windows_and_opens_new_ones() {
    let (_x, display) = xvfb("1280x720");
    let dir = tempfile::tempdir().unwrap();
    let chain = |second: &str, third: bool| {
        let mut t = format!(
            "[red]\ntype = \"solid\"\ncolor = [1, 0, 0, 1]\nsize = [160, 120]\n\n[blue]\ntype = \"solid\"\ncolor = [0, 0, 1, 1]\nsize = [160, 120]\n\n[[window]]\nnode = \"red\"\ntitle = \"vivid one\"\nposition = [0, 0]\nsize = [320, 240]\n\n[[window]]\nnode = \"{second}\"\ntitle = \"vivid two\"\nposition = [640, 0]\nsize = [320, 240]\n"
        );
        if third {
            t.push_str("\n[[window]]\nnode = \"blue\"\ntitle = \"vivid three\"\nposition = [0, 400]\nsize = [320, 240]\n");
        }
        t
    };
    let path = dir.path().join("chain.toml");
    std::fs::write(&path, chain("blue", false)).unwrap();
    let log = dir.path().join("vivid.log");
    let out = std::fs::File::create(&log).unwrap();
    let mut vivid = Killed(
        Command::new(env!("CARGO_BIN_EXE_vivid"))
            .arg(dir.path())
            .args(["--monitor-interval", "0"])
            .env("DISPLAY", &display)
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("RUST_LOG")
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap(),
    );
    let find = |name: &str| xdotool(&display, &["search", "--onlyvisible", "--name", name]);
    let red_at = |img: &image::RgbImage, x: u32, y: u32| {
        let p = img.get_pixel(x, y);
        p[0] > 250 && p[2] < 5
    };
    let shot = dir.path().join("shot.png");
    wait_for("window two, blue", Duration::from_secs(90), || {
        assert!(
            vivid.0.try_wait().unwrap().is_none(),
            "{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        !find("vivid two").is_empty() && {
            let img = screenshot(&display, &shot);
            img.get_pixel(800, 120)[2] > 250 && red_at(&img, 160, 120)
        }
    });
    let two = find("vivid two");
    // Window two shows red instead of blue, and a third window opens showing blue.
    std::fs::write(&path, chain("red", true)).unwrap();
    wait_for(
        "the saved tables on screen",
        Duration::from_secs(60),
        || {
            let img = screenshot(&display, &shot);
            !find("vivid three").is_empty()
                && red_at(&img, 800, 120)
                && img.get_pixel(160, 520)[2] > 250
        },
    );
    assert_eq!(find("vivid two"), two, "window two was made again");
    // Back to two windows: the third closes, the others stay.
    std::fs::write(&path, chain("red", false)).unwrap();
    wait_for("the third window to close", Duration::from_secs(60), || {
        find("vivid three").is_empty()
    });
    assert_eq!(find("vivid two"), two);
    let window = find("vivid one");
    let code = quit_with_esc(&display, window.lines().next().unwrap(), &mut vivid);
    assert!(
        code.success(),
        "{code:?}\n{}",
        std::fs::read_to_string(&log).unwrap()
    );
}
