//! `vivid isf-check DIR [--render]`: translates and validates every ISF (`.fs`) and Shadertoy
//! (`.glsl`) file of a folder, and with `--render` renders each from a test input, one line
//! a file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use vivid::operator::isf::header::{self, InputKind};
use vivid::{Engine, FrameTime, Gpu, GpuOptions, Target};

/// The side of the test image each file renders (small: the whole collection renders in
/// seconds on a software driver).
const SIZE: (u32, u32) = (48, 32);

/// Frames rendered per file (persistent buffers and feedback get a few frames to fill).
const FRAMES: u64 = 3;

/// Whether `path` is an ISF file (`.fs`), a Shadertoy file (`.glsl`; not a pass of another
/// one: `name.bufa.glsl`, `name.common.glsl`) or neither: its operator type.
fn kind_of(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_string_lossy().to_lowercase();
    if vivid::operator::isf::ISF_EXTENSIONS.contains(&ext.as_str()) {
        return Some(vivid::operator::isf::ISF_TYPE);
    }
    if !vivid::operator::isf::SHADERTOY_EXTENSIONS.contains(&ext.as_str()) {
        return None;
    }
    let stem = path.file_stem()?.to_string_lossy().to_lowercase();
    let part = stem.rsplit_once('.').map(|(_, p)| p.to_string());
    let sibling = part.is_some_and(|p| {
        p == "common" || (p.len() == 4 && p.starts_with("buf") && p.ends_with(['a', 'b', 'c', 'd']))
    });
    (!sibling).then_some(vivid::operator::isf::SHADERTOY_TYPE)
}

/// What one file's render showed.
enum Rendered {
    /// Finite, and not every pixel the same.
    Good,
    /// Every pixel the same colour (a generator may do that at its defaults; counted apart).
    Uniform([f32; 4]),
    /// NaN or infinity on this many pixels of `of`.
    NotFinite { bad: usize, of: usize },
}

/// The test chain rendering ISF file `file` of `dir`: a gradient and a noise feed its image
/// inputs in turn.
fn chain_for(dir: &Path, file: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?;
    let kind = kind_of(file).unwrap_or(vivid::operator::isf::ISF_TYPE);
    let images = if kind == vivid::operator::isf::SHADERTOY_TYPE {
        // iChannel0..3: the test inputs in turn.
        4
    } else {
        header::parse(file, &text).map_or(0, |h| {
            h.inputs
                .iter()
                .filter(|i| i.kind == InputKind::Image)
                .count()
        })
    };
    let inputs: Vec<&str> = (0..images)
        .map(|i| if i % 2 == 0 { "\"g\"" } else { "\"n\"" })
        .collect();
    let relative = file.strip_prefix(dir).unwrap_or(file);
    let quoted = toml_string(&relative.to_string_lossy());
    let (w, h) = SIZE;
    Ok(format!(
        "output = \"x\"\n\n[g]\ntype = \"gradient\"\nsize = [{w}, {h}]\nangle = 30\ncolor_a = [0.9, 0.2, 0.1]\ncolor_b = [0.1, 0.5, 0.9]\n\n[n]\ntype = \"noise\"\nsize = [{w}, {h}]\n\n[x]\ntype = \"{kind}\"\npath = {quoted}\nsize = [{w}, {h}]\ninputs = [{}]\n",
        inputs.join(", ")
    ))
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Renders `file` (in project folder `dir`) for a few frames and judges its output.
fn render(engine: &mut Engine, dir: &Path, file: &Path) -> anyhow::Result<Rendered> {
    let toml = chain_for(dir, file)?;
    let desc = vivid::project::parse_chain(&dir.join("isf-check.toml"), &toml);
    engine.set_chain(&desc)?;
    engine.set_capture(true);
    for frame in 0..FRAMES {
        let time = frame as f64 / 30.0;
        engine.render(FrameTime { time, frame }, Target::None, frame + 1 == FRAMES)?;
    }
    if let Some(e) = engine.errors().first() {
        anyhow::bail!("{}", e.message);
    }
    let image = engine.read_output()?;
    let of = image.pixels.len();
    let bad = image
        .pixels
        .iter()
        .filter(|p| !p.iter().all(|v| v.is_finite()))
        .count();
    if bad > 0 {
        return Ok(Rendered::NotFinite { bad, of });
    }
    let first = image.pixels.first().copied().unwrap_or_default();
    let uniform = image
        .pixels
        .iter()
        .all(|p| (0..4).all(|c| (p[c] - first[c]).abs() <= 1e-3));
    Ok(if uniform {
        Rendered::Uniform(first)
    } else {
        Rendered::Good
    })
}

/// The error's text (a located diagnostic as it is, anything else with `error:`).
fn error_text(e: &vivid::EngineError) -> String {
    match e {
        vivid::EngineError::Shader(d) | vivid::EngineError::Project(d) => d.to_string(),
        other => format!("error: {other}"),
    }
}

fn print_failure(out: &mut impl std::io::Write, name: &str, text: &str) {
    let first = text.lines().next().unwrap_or_default();
    let _ = writeln!(out, "FAIL  {name}: {first}");
    for line in text.lines().skip(1) {
        let _ = writeln!(out, "      {line}");
    }
}

/// Checks every ISF file of `dir` (sorted by name): prints `ok  NAME (T ms)` or the file's
/// located errors, then a summary with the translation + naga times. With `render`, each
/// file that compiles also renders [`FRAMES`] frames from a gradient and a noise input:
/// NaN or infinity is a failure, an image of one colour is reported (`flat`). Returns
/// whether every file passed.
pub fn isf_check(dir: &Path, render_too: bool) -> anyhow::Result<bool> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| kind_of(p).is_some())
        .collect();
    files.sort();
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let library = vivid::shaders::ShaderLibrary::new();
    let mut engine = if render_too {
        Some(vivid::engine_with_builtins(Gpu::headless(
            &GpuOptions::default(),
        )?))
    } else {
        None
    };
    let mut out = std::io::stdout().lock();
    let mut times = Vec::new();
    let (mut failed, mut rendered, mut flat) = (0, 0, 0);
    let started = Instant::now();
    for f in &files {
        let f = f.canonicalize().unwrap_or_else(|_| f.clone());
        let name = f
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().to_string());
        let start = Instant::now();
        let result = if kind_of(&f) == Some(vivid::operator::isf::SHADERTOY_TYPE) {
            vivid::operator::isf::resolve_shadertoy(&library, &f).map(|_| ())
        } else {
            vivid::operator::isf::check(&library, &f)
        };
        let ms = start.elapsed().as_secs_f64() * 1e3;
        if let Err(e) = result {
            failed += 1;
            print_failure(&mut out, &name, &error_text(&e));
            continue;
        }
        times.push(ms);
        let Some(engine) = engine.as_mut() else {
            let _ = writeln!(out, "ok    {name} ({ms:.1} ms)");
            continue;
        };
        let start = Instant::now();
        let judged = render(engine, &dir, &f);
        let render_ms = start.elapsed().as_secs_f64() * 1e3;
        match judged {
            Ok(Rendered::Good) => {
                rendered += 1;
                let _ = writeln!(
                    out,
                    "ok    {name} ({ms:.1} ms, rendered in {render_ms:.0} ms)"
                );
            }
            Ok(Rendered::Uniform(c)) => {
                rendered += 1;
                flat += 1;
                let _ = writeln!(
                    out,
                    "flat  {name}: every pixel is ({:.3}, {:.3}, {:.3}, {:.3}) at its defaults from the test input",
                    c[0], c[1], c[2], c[3]
                );
            }
            Ok(Rendered::NotFinite { bad, of }) => {
                failed += 1;
                let _ = writeln!(
                    out,
                    "FAIL  {name}: renders NaN or infinity on {bad} of {of} pixels"
                );
            }
            Err(e) => {
                failed += 1;
                let text = match e.downcast_ref::<vivid::EngineError>() {
                    Some(e) => error_text(e),
                    None => format!("error: {e}"),
                };
                print_failure(&mut out, &name, &format!("rendering: {text}"));
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    let max = times.last().copied().unwrap_or(0.0);
    if render_too {
        let _ = writeln!(
            out,
            "{}/{} compile; {rendered}/{} compile and render finite ({flat} of them one colour); translation + naga per file: median {median:.1} ms, max {max:.1} ms; {:.1} s in all",
            times.len(),
            files.len(),
            files.len(),
            started.elapsed().as_secs_f64()
        );
    } else {
        let _ = writeln!(
            out,
            "{}/{} ok; translation + naga per file: median {median:.1} ms, max {max:.1} ms",
            files.len() - failed,
            files.len()
        );
    }
    Ok(failed == 0)
}
