//! A private PipeWire for the stream tests (`tests/pipewire.rs`, `tests/pipewire_dmabuf.rs`):
//! the daemon and its session manager in a private D-Bus session and runtime folder,
//! started around a script and stopped after it.

use std::path::Path;
use std::process::Command;

/// Whether `program` runs here.
fn have(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why to skip, if a private PipeWire (or a program of `extra`: its name and arguments
/// that succeed where it works) cannot run here.
pub fn skip_reason(extra: &[(&'static str, &[&str])]) -> Option<String> {
    let missing: Vec<&str> = [
        ("pipewire", &["--version"][..]),
        ("wireplumber", &["--version"][..]),
        ("dbus-run-session", &["--version"][..]),
    ]
    .into_iter()
    .chain(extra.iter().copied())
    .filter(|(p, args)| !have(p, args))
    .map(|(p, _)| p)
    .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "SKIPPED: PipeWire is not installed here (missing {missing:?}; scripts/check.sh installs it)"
        )
    })
}

/// Runs the shell script `body` in `dir` while a private `pipewire` and `wireplumber` run
/// (their logs in `pipewire.log` and `wireplumber.log` there), both stopped once it ends;
/// returns what it printed.
pub fn in_private_daemon(dir: &Path, body: &str) -> String {
    let runtime = dir.join("run");
    std::fs::create_dir_all(&runtime).unwrap();
    let script = format!(
        r#"
cd "{dir}"
pipewire > pipewire.log 2>&1 &
PW=$!
sleep 1
wireplumber > wireplumber.log 2>&1 &
WP=$!
sleep 2
{body}
kill $WP $PW
"#,
        dir = dir.display(),
    );
    let out = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", &script])
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
