//! The frame model's promises, measured: one encoder and one submit per frame, zero wgpu
//! objects created in a steady frame (the engine's own counts AND wgpu's internal
//! counters), a texture pool that never churns, and removed operators freed at once.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::path::Path;

use vivid::{Engine, FrameTime, Target};

/// A host's texture, as a window's surface frame or an embedding program's target.
struct Host {
    texture: vivid::wgpu::Texture,
    view: vivid::wgpu::TextureView,
    copy_target: bool,
}

impl Host {
    fn new(engine: &Engine, copy_target: bool) -> Self {
        Self::new_sized(engine, copy_target, (200, 150))
    }

    fn new_sized(engine: &Engine, copy_target: bool, (width, height): (u32, u32)) -> Self {
        let format = if copy_target {
            vivid::wgpu::TextureFormat::Bgra8Unorm
        } else {
            vivid::wgpu::TextureFormat::Rgba8UnormSrgb
        };
        let texture = engine
            .gpu()
            .device()
            .create_texture(&vivid::wgpu::TextureDescriptor {
                label: Some("host"),
                size: vivid::wgpu::Extent3d {
                    width,
                    height,
                    depth_or_array_layers: 1,
                },
                mip_level_count: 1,
                sample_count: 1,
                dimension: vivid::wgpu::TextureDimension::D2,
                format,
                usage: vivid::wgpu::TextureUsages::RENDER_ATTACHMENT
                    | vivid::wgpu::TextureUsages::COPY_DST,
                view_formats: &[],
            });
        let view = texture.create_view(&vivid::wgpu::TextureViewDescriptor::default());
        Self {
            texture,
            view,
            copy_target,
        }
    }
}

/// Renders frames `first..first + frames` into `host`, capturing the last.
fn run(engine: &mut Engine, host: &Host, first: u64, frames: u64) {
    engine.set_capture(true);
    for k in first..first + frames {
        let target = if host.copy_target {
            Target::Copy {
                texture: &host.texture,
            }
        } else {
            Target::View {
                view: &host.view,
                format: host.texture.format(),
                size: (host.texture.width(), host.texture.height()),
                opaque: true,
            }
        };
        let report = engine
            .render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                target,
                k + 1 == first + frames,
            )
            .unwrap();
        assert_eq!((report.encoders, report.submits), (1, 1), "frame {k}");
    }
    engine.read_output().unwrap();
}

fn assert_steady(engine: &Engine, what: &str) {
    let s = engine.stats();
    assert_eq!(s.max_encoders_per_frame, 1, "{what}");
    assert_eq!(s.max_submits_per_frame, 1, "{what}");
    assert_eq!(
        s.gpu_objects_created_after_warmup, 0,
        "{what}: created {:?}",
        s.gpu_objects_created_after_warmup_by_kind
    );
    assert!(
        s.wgpu_counter_changes_after_warmup.is_empty(),
        "{what}: wgpu counters moved: {:?}",
        s.wgpu_counter_changes_after_warmup
    );
    assert!(
        s.steady_frames + s.changes * s.warmup_frames >= s.frames,
        "{what}: {s:?}"
    );
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{what}: {:?}",
        engine.gpu().errors().recent()
    );
}

fn project_dirs(parent: &str) -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::repo().join(parent))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("chain.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_example_renders_300_steady_frames() {
    let dirs = project_dirs("examples");
    assert!(dirs.len() >= 4, "{dirs:?}");
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        // Each target path once, each with one of the two ways operators run.
        for (mode, copy_target) in [(common::MODES[0], false), (common::MODES[1], true)] {
            let mut engine = common::engine_in(mode);
            // Small, to keep the suite fast on a software driver; the frame model is the same.
            engine.set_output_size(Some([192, 108])).unwrap();
            engine.load_project(&dir, &[]).unwrap();
            let host = Host::new(&engine, copy_target);
            run(&mut engine, &host, 0, 4);
            let pool = engine.stats().texture_pool;
            run(&mut engine, &host, 4, 296);
            let what = format!("{name} ({mode:?} passes)");
            assert_steady(&engine, &what);
            // The pool served everything from its first allocations: no churn.
            let after = engine.stats().texture_pool;
            assert_eq!(
                (after.created, after.destroyed),
                (pool.created, pool.destroyed),
                "{name}: pool churned"
            );
        }
    }
}

#[test]
fn every_fixture_renders_steady_frames() {
    for (i, dir) in project_dirs("testing-fixtures").into_iter().enumerate() {
        // Alternate the two ways operators run.
        let mut engine = common::engine_in(common::MODES[i % 2]);
        // The benchmark projects are full HD and 4K: the frame model is the same smaller.
        if dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("bench-"))
        {
            engine.set_output_size(Some([160, 90])).unwrap();
        }
        engine.load_project(&dir, &[]).unwrap();
        let host = Host::new(&engine, false);
        run(&mut engine, &host, 0, 60);
        assert_steady(&engine, &dir.display().to_string());
    }
}

#[test]
fn changing_parameters_that_are_uniforms_creates_nothing() {
    let mut engine = common::engine();
    engine
        .load_project(&common::repo().join("examples/04-compositing"), &[])
        .unwrap();
    engine.set_output_size(Some([160, 90])).unwrap();
    let host = Host::new(&engine, false);
    // The example animates the glow's radius; make it a constant first (that edit may
    // re-prepare the blur for one depth only).
    engine.set_param("glow", "radius", 26.0).unwrap();
    run(&mut engine, &host, 0, 5);
    let before = engine.gpu().counts().total_created();
    for k in 0..30 {
        // Within one pyramid depth of the blur (radius 25..49.7 is depth 4: factor 16).
        engine
            .set_param("glow", "radius", 26.0 + 0.7 * k as f32)
            .unwrap();
        engine.set_param("sky", "angle", k * 3).unwrap();
        engine
            .set_param(
                "clouds",
                "kind",
                if k % 2 == 0 { "perlin" } else { "worley" },
            )
            .unwrap();
        engine
            .set_param("sun", "color", [0.5f32, 0.1 * (k % 10) as f32, 0.2])
            .unwrap();
        engine
            .render(
                FrameTime {
                    time: 0.0,
                    frame: k as u64,
                },
                Target::None,
                false,
            )
            .unwrap();
    }
    assert_eq!(engine.gpu().counts().total_created(), before);
}

#[test]
fn an_animated_blur_radius_crossing_every_depth_creates_nothing() {
    let mut engine = common::engine_in(vivid::PassMode::Compute);
    engine
        .set_chain(&common::desc(
            "output = \"b\"\n[n]\ntype = \"noise\"\nsize = [256, 144]\n[b]\ntype = \"blur\"\ninput = \"n\"\nradius = \"abs(200 * sin(frame * 0.05))\"\n",
        ))
        .unwrap();
    let host = Host::new(&engine, false);
    // Frame 0 has radius 0; by frame 31 it has passed 200: every depth of the pyramid.
    run(&mut engine, &host, 0, 130);
    assert_steady(&engine, "animated blur");
}

#[test]
fn removed_operators_free_their_textures_at_once() {
    let mut engine = common::engine();
    let big = common::desc(
        "output = \"c\"\n[a]\ntype = \"noise\"\nsize = [256, 256]\n[b]\ntype = \"blur\"\ninput = \"a\"\nradius = 30\n[c]\ntype = \"composite\"\ninputs = [\"a\", \"b\"]\n",
    );
    engine.set_chain(&big).unwrap();
    let host = Host::new(&engine, false);
    run(&mut engine, &host, 0, 3);
    let live = engine.gpu().counts().snapshot();
    engine
        .set_chain(&common::desc("[a]\ntype = \"noise\"\nsize = [256, 256]\n"))
        .unwrap();
    // No frame rendered since: the blur's pyramid and the composite's output are gone.
    let now = engine.gpu().counts().snapshot();
    assert!(
        now.live_textures < live.live_textures,
        "{} -> {}",
        live.live_textures,
        now.live_textures
    );
    assert!(now.texture_bytes < live.texture_bytes);
    // And wgpu's own accounting agrees once the GPU is idle.
    engine.wait_idle();
    let _ = engine.gpu().device().poll(vivid::wgpu::PollType::Poll);
    assert!(engine.gpu().wgpu_counters().texture_memory <= now.texture_bytes as isize + (1 << 20));
}

#[test]
fn operators_kept_across_chain_edits_keep_their_state() {
    // A feedback trail survives editing another operator.
    let chain = |c: f32| {
        common::desc(&format!(
            "output = \"fb\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [{c}, {c}, {c}]\n[fb]\ntype = \"feedback\"\ninput = \"s\"\ndecay = 0.5\nblend = \"add\"\n"
        ))
    };
    let mut engine = common::engine();
    engine.set_chain(&chain(0.1)).unwrap();
    common::render(&mut engine, 3, 60.0); // history: 0.1 * (1 + .5 + .25) = 0.175
    engine.set_chain(&chain(0.2)).unwrap();
    let v = common::render(&mut engine, 1, 60.0).at(4, 4)[0];
    // 0.2 + 0.5 * 0.175 = 0.2875 (a reset history would give 0.2).
    assert!((v - 0.2875).abs() < 2e-3, "{v}");
}

#[test]
fn fixture_dirs_exist() {
    assert!(Path::new(&common::repo().join("testing-fixtures/hello-noise/chain.toml")).is_file());
}

#[test]
fn resizing_the_window_target_is_a_change_not_a_leak() {
    let mut engine = common::engine();
    engine
        .load_project(&common::repo().join("examples/01-template"), &[])
        .unwrap();
    engine.set_output_size(Some([160, 90])).unwrap();
    let mut live = Vec::new();
    for (i, size) in [(200, 150), (640, 90), (33, 400), (200, 150)]
        .into_iter()
        .enumerate()
    {
        let host = Host::new_sized(&engine, true, size);
        run(&mut engine, &host, i as u64 * 20, 20);
        live.push(engine.gpu().counts().snapshot().live_textures);
    }
    assert_steady(&engine, "after resizes");
    // The old display textures went back to the pool and were freed.
    assert_eq!(live.first(), live.last(), "{live:?}");
}

#[test]
fn memory_does_not_grow_with_chain_length() {
    // A linear chain of 100 filters holds two output textures (and the 1x1 dummy), not 100.
    let live_textures = |project: &str| {
        let mut engine = common::engine();
        engine.set_output_size(Some([96, 54])).unwrap();
        engine
            .load_project(&common::repo().join(project), &[])
            .unwrap();
        let host = Host::new(&engine, false);
        run(&mut engine, &host, 0, 5);
        assert_steady(&engine, project);
        engine.gpu().counts().snapshot().live_textures
    };
    let ten = live_textures("testing-fixtures/bench-10-1080p");
    let hundred = live_textures("testing-fixtures/bench-100-1080p");
    assert_eq!(
        ten, hundred,
        "10 filters: {ten} textures, 100 filters: {hundred}"
    );
    assert!(hundred <= 4, "{hundred} textures for a linear chain");
}

/// Live textures and their bytes after a few frames of `project` (at `size`, if given).
fn memory_of(project: &str, size: Option<[u32; 2]>, frames: u64) -> (i64, i64) {
    let mut engine = common::engine();
    engine.set_output_size(size).unwrap();
    engine
        .load_project(&common::repo().join(project), &[])
        .unwrap();
    let host = Host::new(&engine, false);
    run(&mut engine, &host, 0, frames);
    assert_steady(&engine, project);
    let now = engine.gpu().counts().snapshot();
    (now.live_textures, now.texture_bytes)
}

#[test]
fn blur_chains_hold_the_same_memory_whatever_their_length() {
    // Blurs' small images are scratch textures shared by every operator: 30 blurs (radii 2,
    // 12 and 50 in turn: the direct path and two pyramid depths) hold what 10 hold.
    let ten = memory_of("testing-fixtures/bench-blur-10-1080p", Some([320, 180]), 3);
    let thirty = memory_of("testing-fixtures/bench-blur-30-1080p", Some([320, 180]), 3);
    assert_eq!(ten, thirty, "10 blurs: {ten:?}, 30 blurs: {thirty:?}");
}

#[test]
fn thirty_blurs_at_1080p_fit_in_70_mb() {
    // The target: three 1080p output slots (50 MB) and the blurs' scratch textures.
    let (textures, bytes) = memory_of("testing-fixtures/bench-blur-30-1080p", None, 1);
    eprintln!(
        "30 blurs at 1080p: {textures} textures, {:.1} MB",
        bytes as f64 / 1e6
    );
    assert!(
        bytes <= 70_000_000,
        "{textures} textures, {:.1} MB",
        bytes as f64 / 1e6
    );
}

#[test]
fn profiling_keeps_frames_steady_and_times_every_operator() {
    let mut engine = common::engine();
    engine.set_output_size(Some([96, 54])).unwrap();
    engine
        .load_project(&common::repo().join("examples/04-compositing"), &[])
        .unwrap();
    engine.set_profiling(true);
    let host = Host::new(&engine, false);
    run(&mut engine, &host, 0, 40);
    assert_steady(&engine, "profiled");
    let profile = engine.profile().unwrap();
    assert_eq!(profile.nodes.len(), 10);
    for n in &profile.nodes {
        assert!(n.cpu_us.0 > 0.0 && n.samples >= 30, "{n:?}");
        if profile.gpu_timing {
            assert!(n.gpu_us.0 > 0.0, "{n:?}");
        }
    }
}
