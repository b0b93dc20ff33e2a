//! Hostile shaders and oversized requests through the engine's API (lavapipe): loops that
//! never end are bounded by the loop guard and render; ordinary loops are untouched, to the
//! bit; declarations past the limits are refused with their place while the running chain
//! keeps running; a frame past the deadline quarantines the newest shader, replaces the
//! device and renders on with that shader's last good version (or without it); a picture
//! over the memory budget is refused before anything is allocated; an operator in error that
//! an edit removes takes its error with it.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use vivid::readback::FloatImage;
use vivid::shaders::LOOP_BUDGET;
use vivid::{Engine, EngineError, EngineOptions, FrameTime, PassMode, Target};

/// An engine whose frames may take at most `deadline` on the GPU.
fn engine_with(mode: PassMode, deadline: Option<Duration>) -> Engine {
    let options = EngineOptions {
        monitor_interval: None,
        monitor_print: false,
        frame_deadline: deadline,
        ..Default::default()
    };
    Engine::new(
        common::gpu().with_pass_mode(mode),
        vivid::builtin_registry(),
        options,
    )
}

/// A chain.toml of one project shader `s.wgsl` of `size`, reading `input` if given.
fn shader_chain(size: [u32; 2], input: bool) -> String {
    let mut t = format!("output = \"s\"\nsize = [{}, {}]\n", size[0], size[1]);
    if input {
        t.push_str("[src]\ntype = \"solid\"\ncolor = [0.25, 0.5, 0.75]\n");
    }
    t.push_str("[s]\ntype = \"shader\"\nshader = \"s.wgsl\"\n");
    if input {
        t.push_str("input = \"src\"\n");
    }
    t
}

/// Renders `frames` frames, capturing the last, and reads it back (errors allowed).
fn frames(engine: &mut Engine, n: u64) -> FloatImage {
    engine.set_capture(true);
    for k in 0..n {
        engine
            .render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                k + 1 == n,
            )
            .unwrap();
    }
    engine.read_output().unwrap()
}

/// The one colour of a uniform image.
#[track_caller]
fn uniform(img: &FloatImage) -> [f32; 4] {
    let first = img.pixels[0];
    assert!(
        img.pixels.iter().all(|p| *p == first),
        "not uniform: {first:?} and {:?}",
        img.pixels.iter().find(|p| **p != first)
    );
    first
}

// ---- the loop guard ----

/// `shade` returns 1 in red when `ran` (an expression of the shader's `x`) holds, 0
/// otherwise; green carries `x / 2^20` to see it.
fn loop_shader(body: &str, ran: &str) -> String {
    format!(
        "fn spin(k: f32) -> f32 {{\n    var y = k;\n    loop {{ y = y + 1.0; }}\n    return y;\n}}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {{\n    var x = 0.0;\n{body}\n    let ok = {ran};\n    return vec4<f32>(select(0.0, 1.0, ok), x / 1048576.0, 0.0, 1.0);\n}}\n"
    )
}

#[test]
fn loops_that_never_end_are_bounded_and_render() {
    let budget = f64::from(LOOP_BUDGET);
    // Each: a loop WGSL accepts that never ends, and what the guard makes of it. The budget
    // counts loop iterations of one pixel, all loops together; an iteration past it breaks.
    let cases = [
        (
            "    loop { x = x + 1.0; }",
            format!("x == {:.1}", budget - 1.0),
        ),
        (
            "    while true { x += 1.0; }",
            format!("x == {:.1}", budget - 1.0),
        ),
        // The inner loop spends the budget; the outer one breaks at its next iteration.
        (
            "    loop { x += 1000000.0; loop { x += 1.0; } }",
            format!("x == {:.1}", 1_000_000.0 + budget - 2.0),
        ),
        (
            "    for (var i = 0u; i < 4000000000u; i++) { x += 1.0; }",
            format!("x == {:.1}", budget - 1.0),
        ),
        // A loop inside a function called in a loop: one budget for both.
        (
            "    for (var i = 0; i < 100000; i++) { x = spin(x); }",
            format!("x > 0.0 && x <= {budget:.1}"),
        ),
    ];
    for mode in common::MODES {
        for (body, ran) in &cases {
            let dir = common::project(&[
                ("chain.toml", &shader_chain([8, 4], false)),
                ("s.wgsl", &loop_shader(body, ran)),
            ]);
            let mut e = engine_with(mode, Some(Duration::from_secs(60)));
            e.load_project(dir.path(), &[]).unwrap();
            let started = Instant::now();
            let img = frames(&mut e, 2);
            assert!(e.errors().is_empty(), "{body}: {:?}", e.errors());
            let px = uniform(&img);
            assert_eq!(px[0], 1.0, "{mode:?}, {body}: {ran} does not hold: {px:?}");
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{body}: {:?}",
                started.elapsed()
            );
        }
    }
}

#[test]
fn a_pointwise_project_shader_is_guarded_fused_and_alone() {
    // Fused, its text is inlined into a generated pass: that pass is untrusted as well.
    // Alone, in compute mode, an invocation shades 2×2 pixels 16 apart (`cs_main_quad`):
    // each with the whole budget (the guard starts every call of `shade` afresh), so at
    // 34×18 every pixel must stop exactly at the budget.
    let point = format!(
        "//! inputs: 1\n//! pointwise\nfn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {{\n    var x = 0.0;\n    loop {{ x = x + 1.0; }}\n    return vec4<f32>(c.rgb, select(0.0, 1.0, x == {:.1}));\n}}\n",
        f64::from(LOOP_BUDGET) - 1.0
    );
    let dir = common::project(&[
        (
            "chain.toml",
            "output = \"p\"\nsize = [34, 18]\n[src]\ntype = \"solid\"\ncolor = [0.25, 0.5, 0.75]\n[lv]\ntype = \"levels\"\ninput = \"src\"\n[p]\ntype = \"shader\"\nshader = \"p.wgsl\"\ninput = \"lv\"\n",
        ),
        ("p.wgsl", &point),
    ]);
    for mode in common::MODES {
        for fuse in [true, false] {
            let mut e = engine_with(mode, Some(Duration::from_secs(60)));
            e.set_fusion(fuse);
            e.load_project(dir.path(), &[]).unwrap();
            let img = frames(&mut e, 2);
            assert_eq!(
                e.fused_runs().len(),
                usize::from(fuse),
                "{mode:?}: levels and p run as one pass when fused"
            );
            assert!(e.errors().is_empty(), "{:?}", e.errors());
            assert_eq!(
                uniform(&img)[3],
                1.0,
                "{mode:?}, fused {fuse}: stopped after the budget"
            );
        }
    }
}

/// A 64-step sphere march with 4 octaves of value noise per step: a few hundred loop
/// iterations a pixel.
const MARCH: &str = "//! A sphere, marched.\n//! category: generator\n//! inputs: 0\n\nfn hash(p: vec3<f32>) -> f32 {\n    return fract(sin(dot(p, vec3<f32>(12.9898, 78.233, 37.719))) * 43758.5453);\n}\n\nfn fbm(p: vec3<f32>) -> f32 {\n    var s = 0.0;\n    var a = 0.5;\n    var q = p;\n    for (var o = 0; o < 4; o++) {\n        s += a * hash(floor(q));\n        q *= 2.03;\n        a *= 0.5;\n    }\n    return s;\n}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    let p = user_uv(uv) * 2.0 - 1.0;\n    let dir = normalize(vec3<f32>(p, 1.5));\n    var t = 0.0;\n    var hit = 0.0;\n    for (var i = 0; i < 64; i++) {\n        let pos = vec3<f32>(0.0, 0.0, -3.0) + dir * t;\n        let d = length(pos) - 1.0 - 0.1 * fbm(pos * 3.0);\n        if d < 0.001 { hit = 1.0; break; }\n        t += d;\n    }\n    return vec4<f32>(vec3<f32>(hit * (1.0 - t / 4.0)), 1.0);\n}\n";

#[test]
fn an_ordinary_loop_gives_exactly_the_unguarded_result() {
    // The same file as a built-in operator (trusted: unguarded) and as a project's shader
    // (guarded): the same pixels, to the bit, in both kinds of pass.
    let mut registry = vivid::builtin_registry();
    let errors = registry.add_shaders(&[("operators/march.wgsl", MARCH)]);
    assert!(errors.is_empty(), "{errors:?}");
    let dir = common::project(&[
        ("chain.toml", &shader_chain([48, 32], false)),
        ("s.wgsl", MARCH),
    ]);
    for mode in common::MODES {
        let options = EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        };
        let mut builtin = Engine::new(
            common::gpu().with_pass_mode(mode),
            registry.clone(),
            options,
        );
        builtin
            .set_chain(&common::desc(
                "output = \"s\"\nsize = [48, 32]\n[s]\ntype = \"march\"\n",
            ))
            .unwrap();
        let unguarded = frames(&mut builtin, 1);
        let mut project = engine_with(mode, Some(Duration::from_secs(60)));
        project.load_project(dir.path(), &[]).unwrap();
        let guarded = frames(&mut project, 1);
        assert!(project.errors().is_empty(), "{:?}", project.errors());
        assert_eq!(guarded, unguarded, "{mode:?}");
        // The march hits the sphere in the middle and misses it in a corner.
        assert!(guarded.at(24, 16)[0] > 0.1, "{:?}", guarded.at(24, 16));
        assert_eq!(guarded.at(0, 0)[0], 0.0);
    }
}

// ---- limits ----

/// Sets a chain whose shader `s.wgsl` is `text`; the error's text.
fn refused(engine: &mut Engine, dir: &Path, text: &str) -> String {
    std::fs::write(dir.join("s.wgsl"), text).unwrap();
    let e = engine.load_project(dir, &[]).unwrap_err();
    assert!(
        matches!(e, EngineError::Shader(_) | EngineError::Project(_)),
        "{e:?}"
    );
    e.to_string()
}

#[test]
fn declarations_past_the_limits_are_refused_with_their_place() {
    let good = "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return textureSampleLevel(input0, samp, uv, 0.0);\n}\n";
    let dir = common::project(&[
        ("chain.toml", &shader_chain([8, 8], true)),
        ("s.wgsl", good),
    ]);
    let mut e = engine_with(common::gpu().pass_mode(), Some(Duration::from_secs(60)));
    e.load_project(dir.path(), &[]).unwrap();
    let before = frames(&mut e, 1);
    let file = dir.path().join("s.wgsl").canonicalize().unwrap();
    let at = |line: usize, col: usize| format!("{}:{line}:{col}", file.display());

    let t = refused(
        &mut e,
        dir.path(),
        "const big = array<f32, 65536>();\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(big[i32(uv.x * 100.0)]);\n}\n",
    );
    assert!(t.contains(&at(1, 1)), "{t}");
    assert!(t.contains("65536 elements"), "{t}");
    assert!(t.contains("at most 1024 elements"), "{t}");

    let t = refused(
        &mut e,
        dir.path(),
        "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    var a: array<vec4<f32>, 4000000>;\n    return a[i32(uv.x * 100.0)];\n}\n",
    );
    assert!(t.contains(&at(2, 5)), "{t}");
    assert!(t.contains("4000000 elements"), "{t}");

    // Under the element limit each, over the memory a pixel may hold together.
    let t = refused(
        &mut e,
        dir.path(),
        "var<private> a: array<vec4<f32>, 1000>;\nvar<private> b: array<vec4<f32>, 1000>;\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    let i = i32(uv.x * 100.0);\n    return a[i] + b[i];\n}\n",
    );
    assert!(
        t.contains("32 KiB of private and function variables"),
        "{t}"
    );
    assert!(t.contains("at most 16 KiB"), "{t}");
    assert!(t.contains(&at(1, 1)), "{t}");

    // `Params` over one uniform binding (64 KiB): 4200 vec4 fields.
    let mut params = String::from("struct Params {\n");
    for k in 0..4200 {
        let _ = writeln!(params, "    f{k}: vec4<f32>,");
    }
    params.push_str("}\n\nfn shade(uv: vec2<f32>) -> vec4<f32> {\n    return params.f0;\n}\n");
    let t = refused(&mut e, dir.path(), &params);
    assert!(t.contains(&at(1, 1)), "{t}");
    assert!(t.contains("`Params` is 67200 bytes"), "{t}");
    assert!(t.contains("at most 64 KiB"), "{t}");

    // A long constant table: one expression per element.
    let mut table = String::new();
    for t in 0..40 {
        let _ = write!(table, "const t{t} = array<f32, 1000>(");
        table.push_str(&"1.0,".repeat(1000));
        table.push_str(");\n");
    }
    table.push_str("fn shade(uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(t0[0]);\n}\n");
    let t = refused(&mut e, dir.path(), &table);
    assert!(t.contains("expressions at module scope"), "{t}");
    assert!(t.contains(&file.display().to_string()), "{t}");

    // Source size: checked before parsing.
    let t = refused(
        &mut e,
        dir.path(),
        &format!("{}\n{good}", "// padding\n".repeat(30_000)),
    );
    assert!(t.contains("KiB of source"), "{t}");
    assert!(t.contains("at most 256 KiB"), "{t}");

    // Through all of it the running chain kept running.
    assert_eq!(frames(&mut e, 1), before);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}

// ---- the frame deadline ----

/// A shader that never ends but for the loop guard, each turn heavy enough (a `sin`, a
/// `sqrt`) that even guarded (65,536 turns a pixel) a 128x128 frame takes ~1.4 s of a
/// 2-core software driver: late by a wide margin on any CI machine, whatever its speed.
const HOSTILE: &str = "fn shade(uv: vec2<f32>) -> vec4<f32> {\n    var x = uv.x;\n    loop { x = fract(sin(x * 12.9898 + 78.233) * 43758.5453 + sqrt(x + 1.0)); }\n    return vec4<f32>(x, 0.0, 0.0, 1.0);\n}\n";

/// A shader of one colour.
fn flat(c: [f32; 3]) -> String {
    format!(
        "fn shade(uv: vec2<f32>) -> vec4<f32> {{\n    return vec4<f32>({:?}, {:?}, {:?}, 1.0);\n}}\n",
        c[0], c[1], c[2]
    )
}

/// The deadline of these tests: far above a small frame on lavapipe (compiling its new
/// pipelines included), far below a guarded hostile one at 128x128.
const DEADLINE: Duration = Duration::from_millis(400);

/// Renders a frame of `e` and waits for it: a late one is noted (and handled at the next).
fn frame_and_wait(e: &mut Engine, k: u64) {
    e.render(
        FrameTime {
            time: k as f64 / 60.0,
            frame: k,
        },
        Target::None,
        false,
    )
    .unwrap();
    e.wait_idle();
}

#[test]
fn a_late_frame_quarantines_the_shader_and_rendering_goes_on_without_it() {
    let dir = common::project(&[
        (
            "chain.toml",
            "output = \"over\"\nsize = [128, 128]\n[bg]\ntype = \"solid\"\ncolor = [0.0, 0.5, 0.0]\n[s]\ntype = \"shader\"\nshader = \"s.wgsl\"\n[over]\ntype = \"composite\"\ninputs = [\"bg\", \"s\"]\n",
        ),
        ("s.wgsl", HOSTILE),
    ]);
    let file = dir.path().join("s.wgsl").canonicalize().unwrap();
    let mut e = engine_with(common::gpu().pass_mode(), Some(DEADLINE));
    e.load_project(dir.path(), &[]).unwrap();
    let generation = e.errors_generation();
    frame_and_wait(&mut e, 0);
    let started = Instant::now();
    frame_and_wait(&mut e, 1);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "handling the late frame took {:?}",
        started.elapsed()
    );
    let stats = e.stats();
    assert_eq!(stats.missed_deadlines, 1);
    assert!(
        stats
            .events
            .iter()
            .any(|ev| ev.contains("missed the 0.4 s frame deadline")
                && ev.contains(&file.display().to_string())),
        "{:?}",
        stats.events
    );
    assert_ne!(e.errors_generation(), generation);
    let errors = e.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].node, "s");
    assert!(
        errors[0].message.contains(&file.display().to_string())
            && errors[0].message.contains("frame deadline"),
        "{errors:?}"
    );
    // The rest of the chain renders on, the shader is not built again: no more late frames.
    let img = frames(&mut e, 4);
    e.wait_idle();
    let out = e.read_output().unwrap();
    assert_eq!(out, img);
    assert_eq!(uniform(&img), [0.0, 0.5, 0.0, 1.0], "the background alone");
    assert_eq!(e.stats().missed_deadlines, 1);
    // Nor by device recovery.
    let device = e.device_generation();
    e.gpu().device().destroy();
    // wgpu runs the device-lost callback in `poll`: within a frame or two it is noticed.
    for k in 10..20 {
        if e.device_generation() != device {
            break;
        }
        let _ = e.render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            false,
        );
    }
    frame_and_wait(&mut e, 20);
    let stats = e.stats();
    assert_eq!((stats.device_recoveries, stats.missed_deadlines), (1, 1));
    assert_eq!(e.errors().len(), 1, "{:?}", e.errors());
    // Its file changes: it is built again.
    std::fs::write(dir.path().join("s.wgsl"), flat([1.0, 0.0, 0.0])).unwrap();
    e.load_project(dir.path(), &[]).unwrap();
    let img = frames(&mut e, 2);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
    assert_eq!(uniform(&img), [1.0, 0.0, 0.0, 1.0]);
    assert_eq!(e.stats().missed_deadlines, 1);
}

#[test]
fn a_late_frame_brings_back_the_last_good_version() {
    let dir = common::project(&[
        ("chain.toml", &shader_chain([128, 128], false)),
        ("s.wgsl", &flat([0.0, 0.0, 1.0])),
    ]);
    let mut e = engine_with(common::gpu().pass_mode(), Some(DEADLINE));
    e.load_project(dir.path(), &[]).unwrap();
    // Frames finished in time: this version is good.
    assert_eq!(uniform(&frames(&mut e, 5)), [0.0, 0.0, 1.0, 1.0]);
    // A live edit makes it hostile.
    std::fs::write(dir.path().join("s.wgsl"), HOSTILE).unwrap();
    e.load_project(dir.path(), &[]).unwrap();
    // A loading thread reads the chain meanwhile (the hostile text), to apply it after.
    let loaded = e.chain_loader().load(dir.path(), &[]).unwrap();
    frame_and_wait(&mut e, 5);
    frame_and_wait(&mut e, 6);
    assert_eq!(e.stats().missed_deadlines, 1);
    let errors = e.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].message.contains("running its last good version"),
        "{errors:?}"
    );
    assert_eq!(uniform(&frames(&mut e, 4)), [0.0, 0.0, 1.0, 1.0]);
    // The chain loaded before the quarantine is validated again: still the good version.
    e.apply_loaded(loaded).unwrap();
    assert_eq!(uniform(&frames(&mut e, 2)), [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(e.errors().len(), 1, "{:?}", e.errors());
    // Another edit of the chain, the file still hostile: still the good version.
    std::fs::write(dir.path().join("chain.toml"), shader_chain([96, 96], false)).unwrap();
    e.load_project(dir.path(), &[]).unwrap();
    let img = frames(&mut e, 4);
    assert_eq!((img.width, img.height), (96, 96));
    assert_eq!(uniform(&img), [0.0, 0.0, 1.0, 1.0]);
    assert_eq!(e.stats().missed_deadlines, 1);
    // The file changes: the new version runs, the notice goes.
    std::fs::write(dir.path().join("s.wgsl"), flat([0.0, 1.0, 0.0])).unwrap();
    let generation = e.errors_generation();
    e.load_project(dir.path(), &[]).unwrap();
    assert_ne!(e.errors_generation(), generation);
    assert!(e.errors().is_empty(), "{:?}", e.errors());
    assert_eq!(uniform(&frames(&mut e, 2)), [0.0, 1.0, 0.0, 1.0]);
}

// ---- sizes ----

/// A JPEG whose header says `width` x `height` (its pixels are a 16x16 picture's: nothing
/// past the header is ever decoded when the size is refused).
fn jpeg_claiming(width: u16, height: u16) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_pixel(16, 16, image::Rgb([10, 20, 30]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let sof = bytes
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("a baseline JPEG has a SOF0 marker");
    // Marker, length (2), precision (1), height (2), width (2).
    bytes[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    bytes
}

#[test]
fn a_picture_over_the_memory_budget_is_refused_before_anything_is_allocated() {
    let dir = common::project(&[(
        "chain.toml",
        "output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"big.jpg\"\n",
    )]);
    std::fs::write(dir.path().join("big.jpg"), jpeg_claiming(16000, 16000)).unwrap();
    let mut e = common::engine();
    let rss = vivid::rss_bytes();
    let t = e.load_project(dir.path(), &[]).unwrap_err().to_string();
    assert!(t.contains("chain.toml:4:8"), "{t}");
    assert!(t.contains("big.jpg is 16000x16000 pixels"), "{t}");
    assert!(t.contains("2730 MB") && t.contains("1073 MB"), "{t}");
    let grew = vivid::rss_bytes().saturating_sub(rss);
    assert!(grew < 100 << 20, "RSS grew by {} MB", grew >> 20);
    // The decoder refuses it too (a file that changes size after validation).
    let bytes = jpeg_claiming(16000, 16000);
    let m = vivid::operators::generators::decode(&bytes, 16384).unwrap_err();
    assert!(m.contains("16000x16000") && m.contains("over the"), "{m}");
    // Within the budget, the same trick decodes (garbage past the header is the decoder's
    // problem, reported as such).
    let m = vivid::operators::generators::decode(&jpeg_claiming(64, 64), 16384);
    assert!(m.is_ok() || m.is_err_and(|m| m.contains("not a readable")));
}

// ---- errors ----

#[test]
fn an_edit_removing_an_operator_in_error_takes_its_error_along() {
    let dir = common::project(&[(
        "chain.toml",
        "output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"pic.png\"\n",
    )]);
    // Truncated: the header reads (validation passes), the pixels do not (its prepare fails).
    let mut bytes = Vec::new();
    image::RgbaImage::from_pixel(32, 32, image::Rgba([1, 2, 3, 255]))
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    std::fs::write(dir.path().join("pic.png"), &bytes[..bytes.len() / 2]).unwrap();
    let mut e = common::engine();
    e.load_project(dir.path(), &[]).unwrap();
    frames(&mut e, 1);
    assert_eq!(e.errors().len(), 1);
    let generation = e.errors_generation();
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"a\"\n[a]\ntype = \"solid\"\nsize = [4, 4]\n",
    )
    .unwrap();
    e.load_project(dir.path(), &[]).unwrap();
    assert_ne!(
        e.errors_generation(),
        generation,
        "the errors changed: the generation must say so"
    );
    assert!(e.errors().is_empty());
    // An edit that changes no error leaves the generation alone.
    let generation = e.errors_generation();
    std::fs::write(
        dir.path().join("chain.toml"),
        "output = \"a\"\n[a]\ntype = \"solid\"\nsize = [8, 4]\n",
    )
    .unwrap();
    e.load_project(dir.path(), &[]).unwrap();
    assert_eq!(e.errors_generation(), generation);
}
