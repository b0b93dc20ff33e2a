//! `vivid isf-check DIR`: translates and validates every ISF file of a folder, one line each.

use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;

/// Checks every `.fs` file of `dir` (sorted by name): prints `ok  NAME (T ms)` or the file's
/// located errors, then a summary with the translation + naga times. Returns whether every
/// file passed.
pub fn isf_check(dir: &Path) -> anyhow::Result<bool> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|e| {
                vivid::operator::isf::ISF_EXTENSIONS
                    .contains(&e.to_string_lossy().to_lowercase().as_str())
            })
        })
        .collect();
    files.sort();
    let library = vivid::shaders::ShaderLibrary::new();
    let mut out = std::io::stdout().lock();
    let mut times = Vec::new();
    let mut failed = 0;
    for f in &files {
        let name = f
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().to_string());
        let start = Instant::now();
        let result = vivid::operator::isf::check(&library, f);
        let ms = start.elapsed().as_secs_f64() * 1e3;
        match result {
            Ok(()) => {
                times.push(ms);
                let _ = writeln!(out, "ok    {name} ({ms:.1} ms)");
            }
            Err(e) => {
                failed += 1;
                let text = match &e {
                    vivid::EngineError::Shader(d) | vivid::EngineError::Project(d) => d.to_string(),
                    other => format!("error: {other}"),
                };
                let first = text.lines().next().unwrap_or_default().to_string();
                let _ = writeln!(out, "FAIL  {name}: {first}");
                for line in text.lines().skip(1) {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    let _ = writeln!(
        out,
        "{}/{} ok; translation + naga per file: median {median:.1} ms, max {max:.1} ms",
        files.len() - failed,
        files.len()
    );
    Ok(failed == 0)
}
