//! A virtual X server for the window tests (Xvfb), `xdotool` to drive it, and children
//! killed however a test ends. Needs `Xvfb`, `xdotool` and `import` (`scripts/check.sh`
//! installs xvfb, xdotool and imagemagick).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the child (Xvfb, or vivid if it did not quit) when the test ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Asserts that `name` is installed.
pub fn tool(name: &str) {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        found,
        "`{name}` is needed for the window test: install xvfb, xdotool and imagemagick \
         (scripts/check.sh does)"
    );
}

/// Waits (polling every 100 ms) until `ready`, failing the test after `limit`.
pub fn wait_for(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Runs `xdotool` on `display`; its output, trimmed.
pub fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A virtual X server of `size` (`WxH`) on a display number no other X server (nor another
/// test of this file) uses; killed when dropped.
pub fn xvfb(size: &str) -> (Killed, String) {
    use std::io::BufRead;
    for t in ["Xvfb", "xdotool", "import"] {
        tool(t);
    }
    // `-displayfd 1`: the server takes a display number no other server holds (its lock
    // files are atomic, so tests starting servers at once get different ones) and writes
    // it to our pipe once it accepts connections: no guessed number, no polling, no race
    // with servers that come and go (or left stale sockets behind) on a shared machine.
    let mut server = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            &format!("{size}x24"),
            "-nolisten",
            "tcp",
            // Without it the server resets whenever its last client leaves (an xdotool
            // call, a vivid that quit), refusing connections meanwhile: a vivid starting
            // then cannot open its window.
            "-noreset",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut number = String::new();
    // A server that fails exits and closes the pipe: an empty line, not a hang.
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut number)
        .unwrap();
    let number = number.trim().to_string();
    let server = Killed(server);
    assert!(!number.is_empty(), "no virtual X server could be started");
    (server, format!(":{number}"))
}

/// The middle pixel of `window` on `display`, through a screenshot (imagemagick's
/// `import`) written to `path`.
pub fn middle(display: &str, window: &str, path: &Path) -> [u8; 3] {
    let status = Command::new("import")
        .args(["-display", display, "-window", window])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "import failed");
    let img = image::open(path).unwrap().to_rgb8();
    img.get_pixel(img.width() / 2, img.height() / 2).0
}
