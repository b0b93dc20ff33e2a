//! `vivid new DIR`: a new project folder made from the template, `examples/01-template`.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context, bail};

/// The template's files, built into the binary: an installed vivid has no `examples/` beside
/// it. `tests/cli.rs` checks that this is every file of `examples/01-template`.
const TEMPLATE: [(&str, &str); 2] = [
    (
        "chain.toml",
        include_str!("../examples/01-template/chain.toml"),
    ),
    (
        "look.wgsl",
        include_str!("../examples/01-template/look.wgsl"),
    ),
];

/// Makes `dir` (which must not exist, or be an empty folder) with the template's files, and
/// says how to run it: `vivid DIR`, or `cargo run --release -- DIR` when this binary was
/// built in, and runs from, vivid's source tree (`from_source`).
pub fn new_project(dir: &Path, from_source: bool) -> anyhow::Result<()> {
    if dir.exists() {
        let empty = dir.is_dir()
            && std::fs::read_dir(dir)
                .with_context(|| format!("reading {}", dir.display()))?
                .next()
                .is_none();
        if !empty {
            bail!(
                "`{}` already exists\n  hint: vivid new makes a new folder and never overwrites one: pick another name (or remove that one)",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("making {}", dir.display()))?;
    for (name, text) in TEMPLATE {
        let path = dir.join(name);
        // `create_new`: a file that appeared meanwhile is not overwritten either.
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("making {}", path.display()))?;
        file.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let shown = shell_word(&dir.display().to_string());
    let run = if from_source {
        format!("cargo run --release -- {shown}")
    } else {
        format!("vivid {shown}")
    };
    // The project is made: a closed stdout (`vivid new x | head -0`) is no error.
    let _ = writeln!(
        std::io::stdout().lock(),
        "vivid: made {shown}: chain.toml (a commented chain of operators) and look.wgsl (its own shader)\n\nRun it (edit either file while it runs and save: it reloads live):\n\n    {run}\n"
    );
    Ok(())
}

/// `word` quoted for a POSIX shell if it needs to be.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./+,:@%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
