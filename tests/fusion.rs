//! Fusion of pointwise operators (`engine/src/fusion.rs`): a run of `levels` and `hsv` is
//! drawn as one generated pass. It must look like the operators drawn one by one (to the
//! rounding of the `Rgba16Float` textures it skips), stop where an intermediate result is
//! needed, create nothing in a steady frame, and follow edits of the operators' WGSL.
#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::fmt::Write as _;

use vivid::{Engine, FrameTime, Target};

/// A gradient, then `n` filters alternating levels and hsv (`f01`…), the last shown.
/// Brightness is animated, so that each frame's uniforms differ.
fn linear(n: usize) -> String {
    let mut s = format!(
        "output = \"f{n:02}\"\n\n[src]\ntype = \"gradient\"\nsize = [48, 32]\nmode = \"radial\"\ncolor_a = [0.9, 0.6, 0.3, 1.0]\ncolor_b = [0.1, 0.2, 0.4, 0.5]\n"
    );
    for k in 1..=n {
        let input = if k == 1 {
            "src".to_string()
        } else {
            format!("f{:02}", k - 1)
        };
        if k % 2 == 1 {
            let _ = write!(
                s,
                "\n[f{k:02}]\ntype = \"levels\"\ninput = \"{input}\"\ncontrast = 1.05\nbrightness = \"0.97 + 0.01 * frame\"\ngamma = 1.1\n"
            );
        } else {
            let _ = write!(
                s,
                "\n[f{k:02}]\ntype = \"hsv\"\ninput = \"{input}\"\nhue_shift = 17\nsaturation = 1.02\nvalue = 0.99\n"
            );
        }
    }
    s
}

fn names(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(|k| format!("f{k:02}")).collect()
}

fn engine_for(toml: &str, mode: vivid::PassMode, fuse: bool) -> Engine {
    let mut e = common::engine_in(mode);
    e.set_fusion(fuse);
    e.set_chain(&common::desc(toml)).unwrap();
    e
}

#[test]
fn a_run_is_one_pass_that_looks_like_its_operators_one_by_one() {
    let toml = linear(20);
    for mode in common::MODES {
        let mut fused = engine_for(&toml, mode, true);
        let mut apart = engine_for(&toml, mode, false);
        let a = common::render(&mut fused, 3, 60.0);
        let b = common::render(&mut apart, 3, 60.0);
        assert_eq!(fused.fused_runs(), vec![names(1..=20)], "{mode:?}");
        assert!(apart.fused_runs().is_empty());
        // 19 Rgba16Float roundings skipped: 2.4e-4 each at most below 1, amplified a little
        // by contrast, gamma and un-premultiplying.
        common::assert_images_close(&a, &b, 1e-2, &format!("{mode:?}: fused vs one by one"));
        // And it is not the input: the filters did something.
        let mut first = common::engine_in(mode);
        first
            .set_chain(&common::desc(
                &toml.replace("output = \"f20\"", "output = \"src\""),
            ))
            .unwrap();
        let src = common::render(&mut first, 1, 60.0);
        let moved = a
            .pixels
            .iter()
            .zip(&src.pixels)
            .map(|(p, q)| (p[0] - q[0]).abs())
            .fold(0.0f32, f32::max);
        assert!(
            moved > 0.05,
            "{mode:?}: the filters changed little ({moved})"
        );
    }
}

/// In compute mode, operators drawn one by one record their dispatches into ONE compute
/// pass (`engine/src/encoder.rs`: a pass costs ~7.5 µs on the H200, a dispatch in an open
/// one ~2.7 µs); the pictures are the ones render passes give (the test above).
#[test]
fn operators_one_by_one_share_one_compute_pass() {
    let mut e = engine_for(&linear(20), vivid::PassMode::Compute, false);
    let report = e
        .render(
            FrameTime {
                time: 0.0,
                frame: 0,
            },
            Target::None,
            false,
        )
        .unwrap();
    assert_eq!(report.operators_run, 21);
    assert_eq!(report.compute_passes, 1, "21 operators, one pass");
    // Render passes record none.
    let mut r = engine_for(&linear(20), vivid::PassMode::Render, false);
    let report = r
        .render(
            FrameTime {
                time: 0.0,
                frame: 0,
            },
            Target::None,
            false,
        )
        .unwrap();
    assert_eq!(report.compute_passes, 0);
}

#[test]
fn steady_fused_frames_create_nothing_and_switching_back_and_forth_is_free() {
    let mut engine = common::engine();
    engine.set_chain(&common::desc(&linear(10))).unwrap();
    common::render(&mut engine, 5, 60.0);
    for on in [false, true, false, true] {
        engine.set_fusion(on);
        common::render(&mut engine, 5, 60.0);
    }
    let before = engine.gpu().counts().total_created();
    let mut steady = 0;
    for k in 0..30u64 {
        let r = engine
            .render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                false,
            )
            .unwrap();
        assert_eq!((r.encoders, r.submits), (1, 1));
        steady += u64::from(r.steady);
    }
    assert!(steady > 20);
    assert_eq!(engine.gpu().counts().total_created(), before);
    assert_eq!(engine.fused_runs(), vec![names(1..=10)]);
    // Off and on again: the run's shader and pipeline were kept (only bind groups for the
    // textures the new plan gives each operator are made), and 20 times over nothing
    // stays behind.
    let footprint = |e: &Engine| {
        e.wait_idle();
        let _ = e.gpu().device().poll(vivid::wgpu::PollType::Poll);
        let c = e.gpu().counts().snapshot();
        let mut w = e.gpu().wgpu_counters();
        // As in tests/churn.rs: textures drift on wgpu 30 Vulkan; pooled command encoders
        // are compared by `WgpuCounters::diff`'s rule (below).
        w.textures = 0;
        (w, c.live_textures, c.live_buffers, c.texture_bytes)
    };
    let pipelines = |e: &Engine| {
        let c = e.gpu().counts().snapshot();
        c.created
            .iter()
            .filter(|(k, _)| k.contains("pipeline") || k.contains("shader"))
            .map(|(_, n)| *n)
            .sum::<u64>()
    };
    let baseline = footprint(&engine);
    let made = pipelines(&engine);
    for k in 0..20 {
        engine.set_fusion(k % 2 == 1);
        common::render(&mut engine, 2, 60.0);
    }
    assert_eq!(engine.fused_runs(), vec![names(1..=10)]);
    assert_eq!(pipelines(&engine), made, "no shader or pipeline made again");
    let now = footprint(&engine);
    let moved = now.0.diff(&baseline.0);
    assert!(moved.is_empty(), "wgpu's counters moved: {moved:?}");
    assert_eq!(
        (now.1, now.2, now.3),
        (baseline.1, baseline.2, baseline.3),
        "nothing left behind"
    );
}

#[test]
fn runs_stop_where_an_intermediate_result_is_needed() {
    // f02 is read twice (by f03 and by the composite): it must be written.
    let mut toml = linear(4);
    toml = toml.replace("output = \"f04\"", "output = \"mix\"");
    toml.push_str("\n[mix]\ntype = \"composite\"\ninputs = [\"f04\", \"f02\"]\nmode = \"add\"\nopacity = 0.5\n");
    let mut engine = common::engine();
    engine.set_chain(&common::desc(&toml)).unwrap();
    let fused = common::render(&mut engine, 2, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=2), names(3..=4)]);
    let mut apart = engine_for(&toml, engine.gpu().pass_mode(), false);
    let b = common::render(&mut apart, 2, 60.0);
    common::assert_images_close(&fused, &b, 4e-3, "branching chain");

    // Soloing f03 shows it: the run ends there.
    engine.set_solo(Some("f03")).unwrap();
    let solo = common::render(&mut engine, 2, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=2)]);
    apart.set_solo(Some("f03")).unwrap();
    let b = common::render(&mut apart, 2, 60.0);
    common::assert_images_close(&solo, &b, 4e-3, "soloed f03");

    // Thumbnails need every operator's output: nothing is fused.
    engine.set_solo(None).unwrap();
    engine.set_thumbnails(Some(32));
    common::render(&mut engine, 2, 60.0);
    assert!(engine.fused_runs().is_empty());
    for name in names(1..=4) {
        assert!(engine.thumbnail(&name).is_some(), "{name} has a thumbnail");
    }
    engine.set_thumbnails(None);
    common::render(&mut engine, 2, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=2), names(3..=4)]);
}

#[test]
fn a_size_change_inside_a_chain_starts_a_new_run() {
    // f03 is larger than its input: it resamples, so a run cannot carry f02's pixels to it.
    let toml = linear(4).replace(
        "[f03]\ntype = \"levels\"",
        "[f03]\ntype = \"levels\"\nsize = [96, 64]",
    );
    let mut engine = common::engine();
    engine.set_chain(&common::desc(&toml)).unwrap();
    let fused = common::render(&mut engine, 1, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=2), names(3..=4)]);
    let mut apart = engine_for(&toml, engine.gpu().pass_mode(), false);
    let b = common::render(&mut apart, 1, 60.0);
    common::assert_images_close(&fused, &b, 4e-3, "resampling chain");
}

#[test]
fn editing_a_pointwise_operator_s_wgsl_changes_its_fused_passes() {
    let shaders = common::shader_copy();
    let mut engine = common::engine();
    engine
        .shaders_mut()
        .set_disk_root(Some(shaders.path().to_path_buf()));
    engine.set_chain(&common::desc(&linear(6))).unwrap();
    let before = common::render(&mut engine, 1, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=6)]);
    let file = shaders.path().join("operators/hsv.wgsl");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = text.replace(
        "return premultiply(vec4<f32>(hsv_to_rgb(h), s.a));",
        "return premultiply(vec4<f32>(hsv_to_rgb(h).bgr, s.a));",
    );
    assert_ne!(edited, text);
    std::fs::write(&file, edited).unwrap();
    let reloaded = engine.reload_shaders(std::slice::from_ref(&file)).unwrap();
    assert!(
        reloaded.iter().any(|n| n.starts_with("fused/")),
        "{reloaded:?}"
    );
    assert!(
        reloaded.iter().any(|n| n == "operators/hsv.wgsl"),
        "{reloaded:?}"
    );
    let after = common::render(&mut engine, 1, 60.0);
    assert_eq!(engine.fused_runs(), vec![names(1..=6)]);
    let mut apart = common::engine();
    apart
        .shaders_mut()
        .set_disk_root(Some(shaders.path().to_path_buf()));
    apart.set_fusion(false);
    apart.set_chain(&common::desc(&linear(6))).unwrap();
    let b = common::render(&mut apart, 1, 60.0);
    common::assert_images_close(&after, &b, 4e-3, "edited hsv, fused vs one by one");
    let moved = after
        .pixels
        .iter()
        .zip(&before.pixels)
        .map(|(p, q)| (p[0] - q[0]).abs().max((p[2] - q[2]).abs()))
        .fold(0.0f32, f32::max);
    assert!(moved > 0.05, "the edit shows ({moved})");

    // A broken edit is refused; the running passes keep rendering.
    std::fs::write(&file, text.replace("fn point(", "fn point(oops")).unwrap();
    let err = engine.reload_shaders(&[file]).unwrap_err().to_string();
    assert!(err.contains("hsv.wgsl:"), "{err}");
    let still = common::render(&mut engine, 1, 60.0);
    common::assert_images_close(&still, &after, 0.0, "after a broken edit");
}

/// A project's own shader that declares itself pointwise fuses like `levels` does.
const POSTERIZE: &str = "//! Posterize: `levels` steps per channel.\n//! inputs: 1\n//! pointwise\n\nstruct Params {\n    levels: f32, // default=4 range=2..64 Steps per channel\n}\n\nfn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    let n = params.levels - 1.0;\n    return vec4<f32>(floor(c.rgb * n + 0.5) / n, c.a);\n}\n";

#[test]
fn a_project_shader_declared_pointwise_fuses_with_its_neighbours() {
    let chain = "output = \"hue\"\n\n[src]\ntype = \"gradient\"\nsize = [48, 32]\ncolor_a = [0.9, 0.6, 0.3, 1.0]\ncolor_b = [0.1, 0.2, 0.4, 1.0]\n\n[lv]\ntype = \"levels\"\ninput = \"src\"\ncontrast = 1.2\n\n[post]\ntype = \"shader\"\nshader = \"posterize.wgsl\"\ninput = \"lv\"\nlevels = 5\n\n[hue]\ntype = \"hsv\"\ninput = \"post\"\nhue_shift = 30\n";
    let dir = common::project(&[("chain.toml", chain), ("posterize.wgsl", POSTERIZE)]);
    for mode in common::MODES {
        let mut fused = common::engine_in(mode);
        fused.load_project(dir.path(), &[]).unwrap();
        let a = common::render(&mut fused, 2, 60.0);
        assert_eq!(
            fused.fused_runs(),
            vec![vec!["lv".to_string(), "post".into(), "hue".into()]],
            "{mode:?}"
        );
        let mut apart = common::engine_in(mode);
        apart.set_fusion(false);
        apart.load_project(dir.path(), &[]).unwrap();
        let b = common::render(&mut apart, 2, 60.0);
        assert!(apart.fused_runs().is_empty());
        common::assert_images_close(&a, &b, 1e-2, &format!("{mode:?}: fused vs one by one"));
        // Posterized: 5 levels per channel before the hue shift, so few distinct colours.
        let mut distinct: Vec<[u32; 4]> = a
            .pixels
            .iter()
            .map(|p| p.map(|x| (x * 255.0).round() as u32))
            .collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert!(distinct.len() <= 25, "{} colours", distinct.len());
    }
}

/// A pointwise shader whose helper function reads `params` (so it cannot be shared by the
/// run's members: each gets its own copy) fuses and looks like the operators one by one.
const GAIN: &str = "//! Gain through a helper.\n//! inputs: 1\n//! pointwise\n\nstruct Params {\n    gain: f32, // default=1 range=0..4 Multiplier\n}\n\nfn amount() -> f32 {\n    return params.gain;\n}\n\nfn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> {\n    return vec4<f32>(c.rgb * amount(), c.a);\n}\n";

#[test]
fn a_pointwise_shader_whose_helpers_read_its_params_fuses_too() {
    let chain = "output = \"b\"\n\n[src]\ntype = \"gradient\"\nsize = [32, 16]\ncolor_a = [0.2, 0.3, 0.4, 1.0]\ncolor_b = [0.4, 0.1, 0.2, 1.0]\n\n[a]\ntype = \"shader\"\nshader = \"gain.wgsl\"\ninput = \"src\"\ngain = 1.5\n\n[mid]\ntype = \"levels\"\ninput = \"a\"\ngamma = 1.2\n\n[b]\ntype = \"shader\"\nshader = \"gain.wgsl\"\ninput = \"mid\"\ngain = 0.5\n";
    let dir = common::project(&[("chain.toml", chain), ("gain.wgsl", GAIN)]);
    for mode in common::MODES {
        let mut fused = common::engine_in(mode);
        fused.load_project(dir.path(), &[]).unwrap();
        let a = common::render(&mut fused, 1, 60.0);
        assert_eq!(
            fused.fused_runs(),
            vec![vec!["a".to_string(), "mid".into(), "b".into()]],
            "{mode:?}"
        );
        let mut apart = common::engine_in(mode);
        apart.set_fusion(false);
        apart.load_project(dir.path(), &[]).unwrap();
        let b = common::render(&mut apart, 1, 60.0);
        common::assert_images_close(&a, &b, 1e-2, &format!("{mode:?}: fused vs one by one"));
    }
}
