//! Churn suites: 1000 cycles of each thing that makes and frees GPU objects while vivid
//! runs — adding/removing an operator, changing an operator's size, reloading chain.toml
//! with changes, a shader that fails naga, a shader that passes naga but fails pipeline
//! creation, a glTF file and an image that fail to load, resizing the output. Each cycle renders a
//! frame. After each suite wgpu's internal counters (live objects, allocated bytes) and the
//! engine's own live counts are exactly where they were after warm-up, and the process RSS
//! grew by less than [`RSS_BOUND_MB`].
//!
//! `VIVID_CHURN_CYCLES=N` changes the number of cycles (default 1000).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;
use std::time::Instant;

use vivid::Engine;
use vivid::live::Live;
use vivid::watch::Change;

/// The most the process RSS may grow over a suite (allocator noise, lavapipe's caches).
const RSS_BOUND_MB: f64 = 4.0;

/// One suite at a time: RSS is the whole process's.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Holds the lock for the rest of a test.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn cycles() -> u64 {
    std::env::var("VIVID_CHURN_CYCLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000)
}

/// What must come back after churn: wgpu's counters and the engine's live objects and bytes.
#[derive(Debug, PartialEq, Eq)]
struct Footprint {
    wgpu: vivid::gpu::WgpuCounters,
    live_textures: i64,
    live_buffers: i64,
    texture_bytes: i64,
    buffer_bytes: i64,
}

fn footprint(engine: &Engine) -> Footprint {
    engine.wait_idle();
    let _ = engine.gpu().device().poll(vivid::wgpu::PollType::Poll);
    let c = engine.gpu().counts().snapshot();
    let mut wgpu = engine.gpu().wgpu_counters();
    // wgpu 30.0.1 on Vulkan never counts textures up (only down): compare bytes instead.
    wgpu.textures = 0;
    Footprint {
        wgpu,
        live_textures: c.live_textures,
        live_buffers: c.live_buffers,
        texture_bytes: c.texture_bytes,
        buffer_bytes: c.buffer_bytes,
    }
}

fn rss_mb() -> f64 {
    vivid::rss_bytes() as f64 / (1024.0 * 1024.0)
}

/// Runs four warm-up cycles of `step` (every variant a suite goes through once: the
/// pipeline cache keeps what it compiled), then [`cycles`] more, each followed by a frame,
/// and checks that nothing stayed behind.
fn suite(name: &str, engine: &mut Engine, mut step: impl FnMut(&mut Engine, u64)) {
    let mut k = 0;
    for _ in 0..4 {
        step(engine, k);
        common::frame(engine, k, false);
        k += 1;
    }
    let base = footprint(engine);
    let rss = rss_mb();
    let started = Instant::now();
    let n = cycles();
    for _ in 0..n {
        step(engine, k);
        common::frame(engine, k, false);
        k += 1;
    }
    let after = footprint(engine);
    let grew = rss_mb() - rss;
    eprintln!(
        "{name}: {n} cycles in {:.1} s, RSS {grew:+.2} MB",
        started.elapsed().as_secs_f64()
    );
    // wgpu's counters by their one rule (`WgpuCounters::diff`: pooled command encoders
    // within their bound), the engine's exactly.
    let moved = after.wgpu.diff(&base.wgpu);
    assert!(
        moved.is_empty(),
        "{name}: wgpu's counters moved after {n} cycles: {moved:?}"
    );
    let engine_only = |f: &Footprint| {
        (
            f.live_textures,
            f.live_buffers,
            f.texture_bytes,
            f.buffer_bytes,
        )
    };
    assert_eq!(
        engine_only(&after),
        engine_only(&base),
        "{name}: GPU footprint after {n} cycles"
    );
    assert!(
        grew < RSS_BOUND_MB,
        "{name}: RSS grew {grew:.2} MB over {n} cycles (bound {RSS_BOUND_MB} MB)"
    );
}

/// A project folder with `files` in it, run through [`Live`] (no watcher: the test says
/// what changed, as the watcher would).
fn project(files: &[(&str, &str)]) -> (tempfile::TempDir, Engine, Live) {
    let dir = common::project(files);
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    (dir, engine, live)
}

/// Saves `text` into `path` and tells `live`; returns whether it reported an error.
fn save(live: &mut Live, engine: &mut Engine, path: &Path, text: &str) -> bool {
    std::fs::write(path, text).unwrap();
    live.apply(
        engine,
        &[Change {
            path: path.to_path_buf(),
            first_seen: Instant::now(),
        }],
    );
    !live.errors().is_empty()
}

const BASE: &str = "output = \"l\"\n[n]\ntype = \"noise\"\nsize = [32, 32]\n[l]\ntype = \"levels\"\ninput = \"n\"\ngamma = \"1 + 0.5 * sin(time)\"\n";

#[test]
fn adding_and_removing_an_operator() {
    let _one = one_at_a_time();
    let with_blur = BASE.replace("output = \"l\"", "output = \"b\"")
        + "[b]\ntype = \"blur\"\ninput = \"l\"\nradius = 3\n";
    let (a, b) = (common::desc(BASE), common::desc(&with_blur));
    let mut engine = common::engine();
    suite("add/remove an operator", &mut engine, |e, k| {
        e.set_chain(if k % 2 == 0 { &b } else { &a }).unwrap();
        assert_eq!(e.node_names().len(), if k % 2 == 0 { 3 } else { 2 });
    });
}

#[test]
fn changing_an_operator_s_size() {
    let _one = one_at_a_time();
    let small = common::desc(BASE);
    let large = common::desc(&BASE.replace("size = [32, 32]", "size = [48, 20]"));
    let mut engine = common::engine();
    suite("change an operator's size", &mut engine, |e, k| {
        e.set_chain(if k % 2 == 0 { &large } else { &small })
            .unwrap();
    });
}

#[test]
fn reloading_chain_toml_with_changes() {
    let _one = one_at_a_time();
    let (dir, mut engine, mut live) = project(&[("chain.toml", BASE)]);
    let chain = dir.path().join("chain.toml");
    // Each save changes something different: a parameter, an operator's type, an input.
    let variants = [
        BASE.replace("type = \"levels\"", "type = \"hsv\"")
            .replace("gamma = \"1 + 0.5 * sin(time)\"", "hue_shift = 0.25"),
        BASE.replace("[n]\ntype = \"noise\"", "[n]\ntype = \"gradient\""),
        BASE.to_string() + "[s]\ntype = \"shape\"\nsize = [32, 32]\n",
        BASE.replace("gamma = \"1 + 0.5 * sin(time)\"", "gamma = 2"),
    ];
    suite("reload chain.toml", &mut engine, |e, k| {
        let text = &variants[(k % variants.len() as u64) as usize];
        assert!(!save(&mut live, e, &chain, text), "{:?}", live.error_text());
    });
}

const PAINT_CHAIN: &str =
    "output = \"c\"\n[c]\ntype = \"shader\"\nshader = \"paint.wgsl\"\nsize = [16, 16]\n";

fn paint(body: &str) -> String {
    format!("fn shade(uv: vec2<f32>) -> vec4<f32> {{\n    return {body};\n}}\n")
}

#[test]
fn a_shader_that_fails_naga() {
    let _one = one_at_a_time();
    let good = paint("vec4<f32>(uv, 0.5, 1.0)");
    let (dir, mut engine, mut live) =
        project(&[("chain.toml", PAINT_CHAIN), ("paint.wgsl", &good)]);
    let wgsl = dir.path().join("paint.wgsl");
    let bad = paint("vec4<f32>(uv, 0.5, 1.0) + undefined_thing");
    suite("shader fails naga", &mut engine, |e, k| {
        let broken = k % 2 == 0;
        assert_eq!(
            save(&mut live, e, &wgsl, if broken { &bad } else { &good }),
            broken
        );
    });
}

#[test]
fn a_shader_that_passes_naga_but_fails_pipeline_creation() {
    let _one = one_at_a_time();
    let good = paint("vec4<f32>(uv, 0.5, 1.0)");
    let (dir, mut engine, mut live) =
        project(&[("chain.toml", PAINT_CHAIN), ("paint.wgsl", &good)]);
    let wgsl = dir.path().join("paint.wgsl");
    // Valid WGSL, but binding 9 is not in the custom shader's layout: only pipeline
    // creation (inside an error scope) finds out.
    let bad = format!(
        "@group(0) @binding(9) var extra: texture_2d<f32>;\n{}",
        paint("textureLoad(extra, vec2<i32>(0), 0)")
    );
    suite("shader fails pipeline creation", &mut engine, |e, k| {
        let broken = k % 2 == 0;
        assert_eq!(
            save(&mut live, e, &wgsl, if broken { &bad } else { &good }),
            broken
        );
    });
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
}

/// The churn of a file an operator reads when it prepares: chain.toml switched between
/// `[to_bad, to_good]` (naming a broken and a good file); the broken one is the operator's
/// error, naming `bad`, shown at the frame, and gone with the good one.
fn switch_files(
    name: &str,
    engine: &mut Engine,
    live: &mut Live,
    toml: &Path,
    [to_bad, to_good]: [String; 2],
    bad: &str,
) {
    suite(name, engine, |e, k| {
        let broken = k % 2 == 0;
        assert!(!save(
            live,
            e,
            toml,
            if broken { &to_bad } else { &to_good }
        ));
        common::frame(e, k, false);
        let errors = e.errors();
        assert_eq!(!errors.is_empty(), broken, "{errors:?}");
        if broken {
            assert!(errors[0].message.contains(bad), "{errors:?}");
        }
    });
    // The last cycle loaded the good file.
    common::frame(engine, 1_000_000, false);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}

#[test]
fn a_gltf_file_that_fails_to_load() {
    let _one = one_at_a_time();
    let chain = |file: &str| {
        format!(
            "output = \"r\"\n[r]\ntype = \"render3d\"\nsize = [24, 24]\ncamera = \"cam\"\nmeshes = [\"m\"]\nlights = [\"sun\"]\n[cam]\ntype = \"camera\"\nposition = [1.6, 1.3, 2.2]\n[m]\ntype = \"mesh\"\npath = \"{file}\"\n[sun]\ntype = \"directional_light\"\ncast_shadows = false\n"
        )
    };
    let good =
        std::fs::read_to_string(common::repo().join("testing-fixtures/assets/BoxTextured.gltf"))
            .unwrap();
    // Truncated half-way: not JSON any more.
    let corrupt = &good[..good.len() / 2];
    let (dir, mut engine, mut live) = project(&[
        ("chain.toml", &chain("good.gltf")),
        ("good.gltf", &good),
        ("bad.gltf", corrupt),
    ]);
    switch_files(
        "glTF fails to load",
        &mut engine,
        &mut live,
        &dir.path().join("chain.toml"),
        [chain("bad.gltf"), chain("good.gltf")],
        "bad.gltf",
    );
}

#[test]
fn an_image_file_that_fails_to_load() {
    let _one = one_at_a_time();
    let chain = |file: &str| {
        format!("output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"{file}\"\nsize = [16, 16]\n")
    };
    let dir = tempfile::tempdir().unwrap();
    let img = image::RgbaImage::from_fn(8, 8, |x, y| {
        image::Rgba([(x * 30) as u8, (y * 30) as u8, 200, 255])
    });
    img.save(dir.path().join("good.png")).unwrap();
    // A PNG cut short: the header reads, the pixels do not.
    let bytes = std::fs::read(dir.path().join("good.png")).unwrap();
    std::fs::write(dir.path().join("bad.png"), &bytes[..bytes.len() / 2]).unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain("good.png")).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    switch_files(
        "image fails to load",
        &mut engine,
        &mut live,
        &dir.path().join("chain.toml"),
        [chain("bad.png"), chain("good.png")],
        "bad.png",
    );
}

#[test]
fn resizing_the_output() {
    let _one = one_at_a_time();
    let mut engine = common::engine();
    engine.set_chain(&common::desc(BASE)).unwrap();
    suite("resize the output", &mut engine, |e, k| {
        let size = if k % 2 == 0 { [40, 24] } else { [17, 33] };
        e.set_output_size(Some(size)).unwrap();
    });
}
