//! Live coding, in-process against temporary project folders: chain.toml and WGSL edits
//! reload in place, state survives, mistakes are reported with their location while the
//! last good version keeps rendering, and files that operators name (a glTF) reload their
//! operator. (1000 broken/fixed saves of each kind: `tests/churn.rs`.)

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use vivid::live::Live;
use vivid::watch::Change;
use vivid::{Engine, FrameTime, Target};

/// Writes `text` to `path` the way editors save: a temporary file renamed over it.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn changed(path: &Path) -> Vec<Change> {
    vec![Change {
        path: path.to_path_buf(),
        first_seen: Instant::now(),
    }]
}

/// Renders one frame (frame index `k`) and reads its pixel (x, y).
fn frame(engine: &mut Engine, k: u64, x: u32, y: u32) -> [f32; 4] {
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap().at(x, y)
}

fn start(dir: &Path) -> (Engine, Live) {
    let mut engine = common::engine();
    engine.load_project(dir, &[]).unwrap();
    let live = Live::new(&engine, dir, Vec::new(), false).unwrap();
    (engine, live)
}

const SOLID: &str =
    "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [0.25, 0.5, 0.75]\n";

#[test]
fn editing_chain_toml_applies_in_place() {
    let dir = common::project(&[("chain.toml", SOLID)]);
    let chain = dir.path().join("chain.toml");
    let (mut engine, mut live) = start(dir.path());
    assert_eq!(frame(&mut engine, 0, 1, 1), [0.25, 0.5, 0.75, 1.0]);
    let created = engine.gpu().counts().total_created();
    save(&chain, &SOLID.replace("0.25, 0.5, 0.75", "1, 0, 0.5"));
    assert!(live.apply(&mut engine, &changed(&chain)));
    assert!(live.errors().is_empty());
    assert_eq!(frame(&mut engine, 1, 1, 1), [1.0, 0.0, 0.5, 1.0]);
    // A parameter change recreated nothing.
    assert_eq!(engine.gpu().counts().total_created(), created);
    let timings = live.frame_done(&engine);
    assert_eq!(timings.len(), 1);
    assert!(
        timings[0].line().starts_with("reloaded chain.toml in "),
        "{}",
        timings[0].line()
    );
}

#[test]
fn a_broken_chain_is_reported_and_the_last_good_one_keeps_running() {
    let dir = common::project(&[("chain.toml", SOLID)]);
    let chain = dir.path().join("chain.toml");
    let (mut engine, mut live) = start(dir.path());
    frame(&mut engine, 0, 1, 1);
    save(
        &chain,
        &SOLID.replace(
            "color = [0.25, 0.5, 0.75]",
            "color = [0.25, 0.5, 0.75\nscal = 3",
        ),
    );
    live.apply(&mut engine, &changed(&chain));
    let text = live.error_text().expect("an error");
    assert!(
        text.contains(&format!("{}:", chain.canonicalize().unwrap().display())),
        "{text}"
    );
    assert!(text.contains("invalid TOML"), "{text}");
    assert_eq!(
        frame(&mut engine, 1, 1, 1),
        [0.25, 0.5, 0.75, 1.0],
        "the old chain still renders"
    );
    save(&chain, &SOLID.replace("solid", "solidd"));
    live.apply(&mut engine, &changed(&chain));
    assert!(live.error_text().unwrap().contains("did you mean `solid`?"));
    save(&chain, &SOLID.replace("0.75", "0.125"));
    live.apply(&mut engine, &changed(&chain));
    assert!(live.errors().is_empty());
    assert_eq!(frame(&mut engine, 2, 1, 1), [0.25, 0.5, 0.125, 1.0]);
}

#[test]
fn a_feedback_trail_survives_editing_another_operator() {
    let chain_text = |c: f32| {
        format!(
            "output = \"fb\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [{c}, {c}, {c}]\n[fb]\ntype = \"feedback\"\ninput = \"s\"\ndecay = 0.5\nblend = \"add\"\n"
        )
    };
    let dir = common::project(&[("chain.toml", &chain_text(0.1))]);
    let chain = dir.path().join("chain.toml");
    let (mut engine, mut live) = start(dir.path());
    for k in 0..3 {
        frame(&mut engine, k, 4, 4); // history 0.1 + 0.05 + 0.025 = 0.175
    }
    save(&chain, &chain_text(0.2));
    live.apply(&mut engine, &changed(&chain));
    let v = frame(&mut engine, 3, 4, 4)[0];
    assert!(
        (v - 0.2875).abs() < 2e-3,
        "{v}: 0.2 + 0.5 * 0.175 if the trail survived"
    );
}

const SHADER_CHAIN: &str =
    "output = \"c\"\n[c]\ntype = \"shader\"\nshader = \"paint.wgsl\"\nsize = [8, 8]\ngain = 0.5\n";

fn paint(expr: &str) -> String {
    format!(
        "struct Params {{\n    color: vec4<f32>, // default=[0.2, 0.4, 0.6, 1] color The paint\n    gain: f32,        // default=1 range=0..2\n    count: u32,       // default=3\n}}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {{\n    return {expr};\n}}\n"
    )
}

#[test]
fn a_custom_shader_s_params_come_from_its_struct() {
    let dir = common::project(&[
        ("chain.toml", SHADER_CHAIN),
        ("paint.wgsl", &paint("params.color * params.gain")),
    ]);
    let (mut engine, _live) = start(dir.path());
    // Default colour from the annotation, gain from chain.toml.
    common::assert_close(
        frame(&mut engine, 0, 1, 1),
        [0.1, 0.2, 0.3, 0.5],
        2e-3,
        "reflected params",
    );
    engine.set_param("c", "gain", 2.0).unwrap();
    common::assert_close(
        frame(&mut engine, 1, 1, 1),
        [0.4, 0.8, 1.2, 2.0],
        4e-3,
        "set_param",
    );
    engine
        .set_param("c", "color", [1.0f32, 0.0, 0.0, 1.0])
        .unwrap();
    engine
        .set_param("c", "gain", "0.5 + 0.5 * sin(frame)")
        .unwrap();
    let v = frame(&mut engine, 2, 1, 1);
    let g = (0.5 + 0.5 * 2f64.sin()) as f32;
    common::assert_close(v, [g, 0.0, 0.0, g], 2e-3, "expression");
    // Ranges from the annotation hold.
    assert!(
        engine
            .set_param("c", "gain", 3.0)
            .unwrap_err()
            .to_string()
            .contains("0..=2")
    );
    assert!(
        engine
            .set_param("c", "gian", 1.0)
            .unwrap_err()
            .to_string()
            .contains("did you mean `gain`?")
    );
}

#[test]
fn a_broken_custom_shader_is_reported_and_the_last_good_one_keeps_rendering() {
    let dir = common::project(&[
        ("chain.toml", SHADER_CHAIN),
        ("paint.wgsl", &paint("params.color")),
    ]);
    let wgsl = dir.path().join("paint.wgsl");
    let (mut engine, mut live) = start(dir.path());
    let before = frame(&mut engine, 0, 1, 1);
    common::assert_close(before, [0.2, 0.4, 0.6, 1.0], 2e-3, "first version");
    save(&wgsl, &paint("params.colour"));
    live.apply(&mut engine, &changed(&wgsl));
    let text = live.error_text().expect("an error");
    assert!(
        text.contains(&format!("{}:8:19", wgsl.canonicalize().unwrap().display())),
        "{text}"
    );
    assert!(
        text.contains("return params.colour;"),
        "shows the source line: {text}"
    );
    assert_eq!(
        frame(&mut engine, 1, 1, 1),
        before,
        "the last good version keeps rendering"
    );
    // Fixed, with a new parameter set from chain.toml (`gain` already is).
    save(
        &wgsl,
        &paint("vec4<f32>(params.gain, 0.0, f32(params.count) / 4.0, 1.0)"),
    );
    live.apply(&mut engine, &changed(&wgsl));
    assert!(live.errors().is_empty(), "{:?}", live.error_text());
    common::assert_close(
        frame(&mut engine, 2, 1, 1),
        [0.5, 0.0, 0.75, 1.0],
        2e-3,
        "fixed",
    );
}

#[test]
fn a_custom_shader_without_shade_or_with_bad_params_is_explained() {
    let dir = common::project(&[
        ("chain.toml", SHADER_CHAIN),
        ("paint.wgsl", "fn paint() -> f32 { return 1.0; }\n"),
    ]);
    let mut engine = common::engine();
    let err = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("fn shade(uv: vec2<f32>) -> vec4<f32>"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("paint.wgsl"),
        "struct Params {\n    m: mat2x2<f32>,\n}\nfn shade(uv: vec2<f32>) -> vec4<f32> { return vec4<f32>(params.m[0], 0.0, 1.0); }\n",
    )
    .unwrap();
    let err = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("paint.wgsl:2:5") && err.contains("unsupported type"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("chain.toml"),
        SHADER_CHAIN.replace("paint.wgsl", "pain.wgsl"),
    )
    .unwrap();
    let err = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no shader file") && err.contains("did you mean `paint.wgsl`?"),
        "{err}"
    );
}

#[test]
fn built_in_shaders_reload_from_their_folder() {
    let shaders = common::shader_copy();
    let solid = shaders.path().join("operators/solid.wgsl");
    let dir = common::project(&[("chain.toml", SOLID)]);
    let mut engine = common::engine();
    engine
        .shaders_mut()
        .set_disk_root(Some(shaders.path().to_path_buf()));
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    assert_eq!(frame(&mut engine, 0, 1, 1), [0.25, 0.5, 0.75, 1.0]);
    let text = std::fs::read_to_string(&solid).unwrap();
    save(
        &solid,
        &text.replace("params.color.a);", "params.color.a).bgra;"),
    );
    live.apply(&mut engine, &changed(&solid));
    assert_eq!(
        frame(&mut engine, 1, 1, 1),
        [0.75, 0.5, 0.25, 1.0],
        "every solid uses the new shader"
    );
    save(
        &solid,
        &text.replace(
            "return vec4<f32>(params.color.rgb",
            "return vec4<f32>(params.colr.rgb",
        ),
    );
    live.apply(&mut engine, &changed(&solid));
    let err = live.error_text().expect("an error");
    assert!(err.contains("solid.wgsl:11:29"), "{err}");
    assert_eq!(
        frame(&mut engine, 2, 1, 1),
        [0.75, 0.5, 0.25, 1.0],
        "the last good version keeps rendering"
    );
    // A change to a shared helper reloads every shader that imports it.
    let op = shaders.path().join("common/operator.wgsl");
    save(&solid, &text);
    let helper = std::fs::read_to_string(&op).unwrap();
    save(
        &op,
        &helper
            .replace(
                "textureStore(vivid_output, id.xy, shade(uv));",
                "textureStore(vivid_output, id.xy, shade(uv).gbra);",
            )
            .replace("return shade(in.uv);", "return shade(in.uv).gbra;"),
    );
    live.apply(&mut engine, &changed(&op));
    assert!(live.errors().is_empty(), "{:?}", live.error_text());
    assert_eq!(frame(&mut engine, 3, 1, 1), [0.5, 0.75, 0.25, 1.0]);
}

#[test]
fn the_watcher_picks_up_a_save_within_a_bounded_time() {
    let dir = common::project(&[("chain.toml", SOLID)]);
    let chain = dir.path().join("chain.toml");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), true).unwrap();
    frame(&mut engine, 0, 1, 1);
    save(&chain, &SOLID.replace("0.25, 0.5, 0.75", "0, 1, 0"));
    let end = Instant::now() + Duration::from_secs(5);
    let mut k = 1;
    while !live.poll(&mut engine) {
        assert!(Instant::now() < end, "no reload within 5 s");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(frame(&mut engine, k, 1, 1), [0.0, 1.0, 0.0, 1.0]);
    k += 1;
    let t = live.frame_done(&engine);
    assert_eq!(t.len(), 1, "{t:?}");
    assert!(t[0].total >= t[0].after_debounce);
    let _ = k;
}

#[test]
fn a_shader_naga_accepts_but_the_driver_rejects_keeps_the_last_good_version_running() {
    let dir = common::project(&[
        ("chain.toml", SHADER_CHAIN),
        ("paint.wgsl", &paint("params.color * params.gain")),
    ]);
    let wgsl = dir.path().join("paint.wgsl");
    let (mut engine, mut live) = start(dir.path());
    let first = frame(&mut engine, 0, 1, 1);
    // Valid WGSL, but binding 9 is not in the custom shader's layout: only pipeline
    // creation (inside an error scope) finds out.
    let extra = "@group(0) @binding(9) var extra: texture_2d<f32>;\n";
    save(
        &wgsl,
        &format!(
            "{extra}{}",
            paint("params.color + textureLoad(extra, vec2<i32>(0), 0)")
        ),
    );
    live.apply(&mut engine, &changed(&wgsl));
    let text = live.error_text().expect("the pipeline error is reported");
    assert!(text.contains("paint"), "{text}");
    engine.set_param("c", "gain", 1.0).unwrap();
    let after = frame(&mut engine, 1, 1, 1);
    common::assert_close(
        after,
        [first[0] * 2.0, first[1] * 2.0, first[2] * 2.0, 1.0],
        2e-3,
        "the old shader, still live",
    );
    save(&wgsl, &paint("params.color"));
    live.apply(&mut engine, &changed(&wgsl));
    assert!(live.errors().is_empty(), "{:?}", live.error_text());
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
}

/// Files that parameters name reload their operators (`Engine::files_changed`): a `mesh`'s
/// glTF here; the `image` operator's pictures in tests/image.rs.
#[test]
fn a_mesh_follows_its_gltf_file() {
    let source = common::repo().join("testing-fixtures/assets/BoxTextured.gltf");
    let gltf = std::fs::read_to_string(&source).unwrap();
    let chain = "output = \"r\"\n[cam]\ntype = \"camera\"\nposition = [0, 0, 3]\n[box]\ntype = \"mesh\"\npath = \"box.gltf\"\n[sun]\ntype = \"directional_light\"\ncast_shadows = false\n[r]\ntype = \"render3d\"\nsize = [48, 48]\ncamera = \"cam\"\nmeshes = [\"box\"]\nlights = [\"sun\"]\nambient = [1, 1, 1]\nenvironment_intensity = 0\nclear_color = [0, 0, 0]\nantialias = false\n";
    let dir = common::project(&[("chain.toml", chain), ("box.gltf", &gltf)]);
    let file = dir.path().join("box.gltf");
    let (mut engine, mut live) = start(dir.path());
    // Pixels the box covers.
    let covered = |engine: &mut Engine, k: u64| {
        frame(engine, k, 0, 0);
        let img = engine.read_output().unwrap();
        img.pixels
            .iter()
            .filter(|p| p[0] + p[1] + p[2] > 0.02)
            .count()
    };
    let before = covered(&mut engine, 0);
    assert!(before > 100, "{before}");
    // The model re-exported at half its size.
    let mut json: serde_json::Value = serde_json::from_str(&gltf).unwrap();
    let matrix = json["nodes"][0]["matrix"].as_array_mut().unwrap();
    for i in [0, 1, 2, 4, 5, 6, 8, 9, 10] {
        let v = matrix[i].as_f64().unwrap();
        matrix[i] = serde_json::json!(v * 0.5);
    }
    save(&file, &serde_json::to_string(&json).unwrap());
    assert!(live.apply(&mut engine, &changed(&file)));
    let after = covered(&mut engine, 1);
    assert!(
        after * 3 < before,
        "a quarter of the area at half the size: {before} -> {after} pixels"
    );
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}

#[test]
fn a_huge_chain_toml_loads_on_the_loading_thread_while_frames_go_on() {
    let dir = common::project(&[("chain.toml", SOLID)]);
    let chain = dir.path().join("chain.toml");
    let (mut engine, mut live) = start(dir.path());
    // Three expressions of 80,000 terms each (~2.6 MB of chain.toml, 960k steps: under the
    // chain's limit of 2^20): slow to read and validate, whatever the parser.
    let big = format!("0.125{}", " + 0 * time".repeat(80_000));
    let huge = SOLID.replace(
        "[0.25, 0.5, 0.75]",
        &format!("[\"{big}\", \"{big}\", \"{big}\"]"),
    );
    save(&chain, &huge);
    // On the calling thread, what the render thread did before: the whole load in one call.
    let t = Instant::now();
    assert!(live.apply(&mut engine, &changed(&chain)));
    let on_this_thread = t.elapsed();
    assert!(live.errors().is_empty(), "{:?}", live.error_text());
    save(&chain, SOLID);
    live.apply(&mut engine, &changed(&chain));
    assert_eq!(frame(&mut engine, 0, 1, 1), [0.25, 0.5, 0.75, 1.0]);

    // Followed by `poll`, as the window runner does: the loading thread reads it.
    save(&chain, &huge);
    live.queue(&mut engine, &changed(&chain));
    assert!(live.loading());
    let started = Instant::now();
    let mut slowest = Duration::ZERO;
    let mut k = 1;
    while live.loading() {
        assert!(started.elapsed() < Duration::from_secs(120), "never loaded");
        let t = Instant::now();
        live.poll(&mut engine);
        slowest = slowest.max(t.elapsed());
        // Frames go on, on the last good chain until the new one is applied.
        let report = engine
            .render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                false,
            )
            .unwrap();
        assert_eq!(report.submits, 1);
        k += 1;
    }
    assert!(live.errors().is_empty(), "{:?}", live.error_text());
    assert_eq!(frame(&mut engine, k, 1, 1), [0.125, 0.125, 0.125, 1.0]);
    assert!(
        slowest * 4 < on_this_thread,
        "a poll took {slowest:?}; loading on the calling thread took {on_this_thread:?}"
    );
    eprintln!(
        "load on the calling thread {on_this_thread:?}, slowest poll {slowest:?}, {k} frames"
    );
}
