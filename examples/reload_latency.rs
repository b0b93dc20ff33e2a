//! Reload latency: from saving a file to the GPU finishing the first frame that shows it,
//! for a custom shader and for chain.toml, with the file watcher as in a live session.
//!
//!     cargo run --release --example reload_latency            # 20 saves of each
//!     cargo run --release --example reload_latency -- 50
//!
//! The engine renders continuously (as a window would) while the files are saved; the
//! numbers include the watcher's debounce (30 ms) and, separately, what comes after it.

use std::path::Path;
use std::time::{Duration, Instant};

use vivid::live::Live;
use vivid::{Engine, EngineOptions, FrameTime, Gpu, Target};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    // The source tree it was built in, or the current folder (a copied binary).
    let example = [Path::new(env!("CARGO_MANIFEST_DIR")), Path::new(".")]
        .iter()
        .map(|root| root.join("examples/05-live-shader"))
        .find(|p| p.is_dir())
        .ok_or("examples/05-live-shader not found: run from the repository root")?;
    let dir = tempfile::tempdir()?;
    for f in ["chain.toml", "wobble.wgsl"] {
        std::fs::copy(example.join(f), dir.path().join(f))?;
    }
    let shader = dir.path().join("wobble.wgsl");
    let chain = dir.path().join("chain.toml");
    let shader_text = std::fs::read_to_string(&shader)?;
    let chain_text = std::fs::read_to_string(&chain)?;

    let gpu = Gpu::headless(&vivid::GpuOptions::default())?;
    let adapter = gpu.describe();
    let options = EngineOptions {
        monitor_interval: None,
        monitor_print: false,
        ..Default::default()
    };
    let mut engine = Engine::new(gpu, vivid::builtin_registry(), options);
    engine.load_project(dir.path(), &[])?;
    let mut live = Live::new(&engine, dir.path(), Vec::new(), true)?;
    let mut frame = 0u64;
    let mut render = |engine: &mut Engine| -> vivid::Result<()> {
        engine.render(
            FrameTime {
                time: frame as f64 / 60.0,
                frame,
            },
            Target::None,
            false,
        )?;
        frame += 1;
        Ok(())
    };
    for _ in 0..20 {
        render(&mut engine)?;
    }

    let mut results: Vec<(&str, Vec<(f64, f64)>)> =
        vec![("wobble.wgsl", Vec::new()), ("chain.toml", Vec::new())];
    for round in 0..rounds {
        // Two valid versions of each file, alternately.
        let edits = [
            (
                &shader,
                shader_text.replace(
                    "* params.tint",
                    if round % 2 == 0 {
                        "* params.tint * 0.999"
                    } else {
                        "* params.tint"
                    },
                ),
            ),
            (
                &chain,
                chain_text.replace(
                    "amount = 0.025",
                    if round % 2 == 0 {
                        "amount = 0.03"
                    } else {
                        "amount = 0.025"
                    },
                ),
            ),
        ];
        for (i, (path, text)) in edits.iter().enumerate() {
            let tmp = path.with_extension("tmp~");
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, path)?;
            let deadline = Instant::now() + Duration::from_secs(5);
            while !live.poll(&mut engine) {
                if Instant::now() > deadline {
                    return Err(format!("no reload of {} within 5 s", path.display()).into());
                }
                render(&mut engine)?;
            }
            if let Some(e) = live.error_text() {
                return Err(e.into());
            }
            render(&mut engine)?;
            for t in live.frame_done(&engine) {
                results[i].1.push((
                    t.total.as_secs_f64() * 1000.0,
                    t.after_debounce.as_secs_f64() * 1000.0,
                ));
            }
        }
    }

    println!("reload latency, {rounds} saves of each file, on {adapter}");
    println!(
        "{:<14} {:>12} {:>10} {:>10} {:>24}",
        "file", "median ms", "p90 ms", "max ms", "median after debounce ms"
    );
    for (what, v) in results {
        let total = sorted(v.iter().map(|x| x.0));
        let after = sorted(v.iter().map(|x| x.1));
        println!(
            "{what:<14} {:>12.1} {:>10.1} {:>10.1} {:>24.1}",
            percentile(&total, 0.5),
            percentile(&total, 0.9),
            percentile(&total, 1.0),
            percentile(&after, 0.5)
        );
    }
    Ok(())
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
