//! Faults: a GPU object creation that fails half-way through an operator's initialisation
//! (injected: `Gpu::fail_creation`), a lost device (destroyed under the engine), and
//! removal while no frame renders. Every path must unwind what it made: wgpu's counters
//! come back exactly, the error is reported, and the engine carries on.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;

use vivid::readback::FloatImage;
use vivid::{Engine, EngineOptions, FrameTime, Gpu, Target};

fn quiet() -> EngineOptions {
    EngineOptions {
        monitor_interval: None,
        monitor_print: false,
        ..Default::default()
    }
}

/// Live objects and bytes, wgpu's and the engine's (after the GPU is idle).
fn footprint(gpu: &Gpu) -> (vivid::gpu::WgpuCounters, [i64; 4]) {
    let _ = gpu
        .device()
        .poll(vivid::wgpu::PollType::wait_indefinitely());
    let c = gpu.counts().snapshot();
    let mut w = gpu.wgpu_counters();
    // wgpu 30.0.1 on Vulkan never counts textures up (only down): compare bytes instead.
    w.textures = 0;
    (
        w,
        [
            c.live_textures,
            c.live_buffers,
            c.texture_bytes,
            c.buffer_bytes,
        ],
    )
}

/// Asserts two footprints are the same: wgpu's counters by their one rule
/// (`WgpuCounters::diff`: pooled command encoders within their bound), the engine's exactly.
#[track_caller]
fn assert_same(
    now: &(vivid::gpu::WgpuCounters, [i64; 4]),
    base: &(vivid::gpu::WgpuCounters, [i64; 4]),
    what: &str,
) {
    let moved = now.0.diff(&base.0);
    assert!(moved.is_empty(), "{what}: wgpu's counters moved: {moved:?}");
    assert_eq!(now.1, base.1, "{what}: the engine's live objects");
}

/// Renders frames `from..to` and reads the last one back.
fn frames(engine: &mut Engine, from: u64, to: u64) -> FloatImage {
    engine.set_capture(true);
    for k in from..to {
        engine
            .render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                k + 1 == to,
            )
            .unwrap();
    }
    engine.read_output().unwrap()
}

/// A 2D chain with every kind of built-in pass (levels and hsv fused into one), and a 3D
/// one with a shadowed point light.
const CHAIN_2D: &str = r#"
output = "mix"
[noise]
type = "noise"
size = [32, 24]
scale = "4 + sin(time)"
[lv]
type = "levels"
input = "noise"
gamma = 1.4
[tint]
type = "hsv"
input = "lv"
hue_shift = 40
[soft]
type = "blur"
input = "tint"
radius = 2
[dot]
type = "shape"
size = [32, 24]
kind = "circle"
[fb]
type = "feedback"
input = "dot"
decay = 0
[mix]
type = "composite"
inputs = ["soft", "fb"]
mode = "screen"
"#;

const CHAIN_3D: &str = r#"
output = "r"
[r]
type = "render3d"
size = [24, 24]
camera = "cam"
meshes = ["floor", "ball"]
lights = ["bulb"]
[cam]
type = "camera"
position = [0, 3, 4]
[floor]
type = "mesh"
kind = "plane"
size = [6, 1, 6]
[ball]
type = "mesh"
kind = "sphere"
position = [0, 1, 0]
radius = 0.5
[bulb]
type = "point_light"
position = [0.5, 3, 0.3]
range = 12
"#;

const PAINT: &str = "struct Params {\n    gain: f32, // default=0.5\n}\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(uv * params.gain, 0.25, 1.0);\n}\n";

const CHAIN_CUSTOM: &str =
    "output = \"p\"\n[p]\ntype = \"shader\"\nshader = \"paint.wgsl\"\nsize = [16, 16]\n";

/// Frames each run of [`sweep`] renders.
const FRAMES: u64 = 12;

/// The multi-pass, time and text operators: rings, scratch pyramids, a coverage texture.
/// The sources stand still, so a ring made a frame late holds the same pictures by the
/// last frame.
const CHAIN_TIME_TEXT: &str = r#"
output = "out"
[src]
type = "shape"
size = [32, 24]
kind = "star"
[map]
type = "solid"
size = [32, 24]
color = [0.5, 0.5, 0.5]
[late]
type = "delay"
input = "src"
frames = 3
[trail]
type = "echo"
input = "src"
taps = 3
spacing = 2
[tm]
type = "time_machine"
inputs = ["src", "map"]
frames = 4
[flash]
type = "strobe"
input = "tm"
rate = 10
[glow]
type = "bloom"
input = "trail"
threshold = 0.2
[soft]
type = "blur"
input = "late"
radius = 6
[mix]
type = "composite"
inputs = ["glow", "flash", "soft"]
mode = "add"
[out]
type = "text"
input = "mix"
text = "{frame}"
font_size = 0.5
"#;

/// For every object the chain's loading and first frames create, a run where that one
/// creation fails — the constructor gives an invalid object, as wgpu does, so code that
/// ignores the failure draws nothing right: the failure is reported in that very run (or,
/// outside any error scope, logged as wgpu would), the operator retries, the output ends up
/// as if nothing had failed, and once the engine is dropped wgpu's counters are back where
/// they were before it.
fn sweep(dir: &Path) {
    let gpu = common::gpu();
    let load = |engine: &mut Engine| engine.load_project(dir, &[]);

    // The reference, without faults, twice: the device's own start-up objects settle in the
    // first run; the second must leave the device as it found it.
    let reference = || {
        let mut engine = Engine::new(gpu.clone(), vivid::builtin_registry(), quiet());
        let before = gpu.counts().total_created();
        load(&mut engine).unwrap();
        frames(&mut engine, 0, 1);
        let creations = gpu.counts().total_created() - before;
        let image = frames(&mut engine, 1, FRAMES);
        let live = footprint(&gpu).1;
        (creations, image, live)
    };
    reference();
    let base = footprint(&gpu);
    let (creations, expected, expected_live) = reference();
    assert_same(
        &footprint(&gpu),
        &base,
        "the reference run left objects behind",
    );
    assert!(creations > 10, "{creations} creations");

    let mut reached_an_operator = false;
    for n in 1..=creations {
        let errors_before = gpu.errors().count();
        let mut engine = Engine::new(gpu.clone(), vivid::builtin_registry(), quiet());
        let injected = gpu.injected_faults();
        gpu.fail_creation(n);
        // A failure while loading (a custom shader's pipeline is built before the chain
        // is swapped in) fails the load, which is tried again, as a reload would be.
        let mut saw_error = false;
        if let Err(e) = load(&mut engine) {
            assert!(e.is_transient(), "creation {n}: {e}");
            assert!(engine.node_names().is_empty(), "creation {n}: half a chain");
            saw_error = true;
            load(&mut engine).unwrap();
        }
        engine.set_capture(true);
        for k in 0..FRAMES {
            engine
                .render(
                    FrameTime {
                        time: k as f64 / 60.0,
                        frame: k,
                    },
                    Target::None,
                    k + 1 == FRAMES,
                )
                .unwrap();
            let operator_error = !engine.errors().is_empty();
            reached_an_operator |= operator_error;
            saw_error |= operator_error;
        }
        assert_eq!(
            gpu.injected_faults(),
            injected + 1,
            "creation {n} did not fail"
        );
        gpu.fail_creation(0);
        // This run's failure, reported in this run: by the load, an operator, or (outside
        // any error scope) the log of uncaptured errors.
        let logged = gpu.errors().count() > errors_before;
        assert!(
            saw_error || logged,
            "creation {n}: the failure was reported nowhere"
        );
        assert!(
            engine.errors().is_empty(),
            "creation {n}: no recovery after {FRAMES} frames: {:?}",
            engine.errors()
        );
        let image = engine.read_output().unwrap();
        let what = format!("creation {n} failed ({:?})", gpu.errors().recent().last());
        common::assert_images_close(&image, &expected, 2e-3, &what);
        assert_eq!(
            footprint(&gpu).1,
            expected_live,
            "creation {n}: live objects differ from a run without the fault"
        );
        drop(engine);
        assert_same(
            &footprint(&gpu),
            &base,
            &format!("creation {n}: objects left behind once the engine is gone"),
        );
    }
    assert!(reached_an_operator, "no failure reached an operator");
}

#[test]
fn every_creation_of_a_2d_chain_may_fail() {
    let dir = common::project(&[("chain.toml", CHAIN_2D)]);
    sweep(dir.path());
}

#[test]
fn every_creation_of_the_time_and_text_operators_may_fail() {
    let dir = common::project(&[("chain.toml", CHAIN_TIME_TEXT)]);
    sweep(dir.path());
}

#[test]
fn every_creation_of_a_3d_scene_may_fail() {
    let dir = common::project(&[("chain.toml", CHAIN_3D)]);
    sweep(dir.path());
}

#[test]
fn every_creation_of_a_custom_shader_may_fail() {
    let dir = common::project(&[("chain.toml", CHAIN_CUSTOM), ("paint.wgsl", PAINT)]);
    sweep(dir.path());
}

#[test]
fn a_lost_device_is_recreated_with_the_whole_chain() {
    for (name, files) in [
        ("2d", vec![("chain.toml", CHAIN_2D)]),
        ("3d", vec![("chain.toml", CHAIN_3D)]),
        (
            "custom",
            vec![("chain.toml", CHAIN_CUSTOM), ("paint.wgsl", PAINT)],
        ),
    ] {
        let dir = common::project(&files);
        let mut engine = common::engine();
        engine.load_project(dir.path(), &[]).unwrap();
        engine.set_param("noise", "octaves", 2).ok();
        let expected = frames(&mut engine, 0, 5);
        let live = footprint(engine.gpu()).1;

        engine.gpu().device().destroy();
        // wgpu runs the device-lost callback in `poll`, after the work in flight: within a
        // frame or two the engine notices and recreates everything.
        let mut k = 5;
        while engine.device_generation() == 0 {
            assert!(k < 10, "{name}: the loss was not noticed");
            let _ = engine.render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                false,
            );
            k += 1;
        }
        let old_gpu_errors = engine.gpu().errors().count();
        // Same frame times as the reference: the same pixels (the chain's state is fresh,
        // as it was then).
        let image = frames(&mut engine, 0, 5);
        common::assert_images_close(&image, &expected, 2e-3, &format!("{name}: after recovery"));
        assert!(engine.errors().is_empty(), "{name}: {:?}", engine.errors());
        let stats = engine.stats();
        assert_eq!(stats.device_recoveries, 1, "{name}");
        assert!(
            stats.events.iter().any(|e| e.contains("GPU device lost")),
            "{name}: {:?}",
            stats.events
        );
        // Everything of the old device was let go: the engine's live objects are those of
        // one chain, not two.
        assert_eq!(footprint(engine.gpu()).1, live, "{name}: live objects");
        // And it runs steady on the new device.
        let steady_from = engine.stats().steady_frames;
        frames(&mut engine, 5, 12);
        let s = engine.stats();
        assert!(s.steady_frames > steady_from, "{name}");
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{name}: {s:?}");
        assert_eq!(engine.gpu().errors().count(), old_gpu_errors, "{name}");
    }
}

#[test]
fn removing_an_operator_frees_its_memory_without_a_frame() {
    let mut engine = common::engine();
    let chain = CHAIN_2D.replace("[32, 24]", "[512, 512]");
    engine.set_chain(&common::desc(&chain)).unwrap();
    frames(&mut engine, 0, 4);
    engine.wait_idle();
    let (w0, live0) = footprint(engine.gpu());
    // Only the noise is left: levels, blur, shape, feedback and composite go.
    engine
        .set_chain(&common::desc(
            "output = \"noise\"\n[noise]\ntype = \"noise\"\nsize = [512, 512]\n",
        ))
        .unwrap();
    // No frame, no poll from here: set_chain itself gave everything back.
    let c = engine.gpu().counts().snapshot();
    let w = engine.gpu().wgpu_counters();
    assert!(
        c.texture_bytes < live0[2] / 2,
        "{} of {}",
        c.texture_bytes,
        live0[2]
    );
    assert!(
        w.texture_memory < w0.texture_memory / 2,
        "wgpu still holds {} of {} bytes",
        w.texture_memory,
        w0.texture_memory
    );
}
