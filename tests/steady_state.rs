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

#[expect(
    clippy::disallowed_methods,
    reason = "the host's own texture (a window's frame, an embedder's target), not the engine's"
)]
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

/// The frame model held over the run: one encoder and one submit a frame, nothing created
/// and wgpu's counters still after warm-up — and at most `max_changes` changes restarted
/// warm-up (each test knows how many its edits make), so a regression that marks every
/// frame changed cannot make "nothing created after warm-up" true by having no steady frame.
fn assert_steady(engine: &Engine, what: &str, max_changes: u64) {
    let s = engine.stats();
    assert!(
        s.changes <= max_changes,
        "{what}: {} changes, at most {max_changes} expected: {s:?}",
        s.changes
    );
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
        s.steady_frames + max_changes * s.warmup_frames >= s.frames,
        "{what}: only {} of {} frames were steady: {s:?}",
        s.steady_frames,
        s.frames
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
            // Changes: the output size, the chain, the target (and its format for a copy).
            assert_steady(&engine, &what, 3);
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
        // Changes: the chain, the target (and, for benchmarks, the output size first).
        assert_steady(&engine, &dir.display().to_string(), 2);
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
    // Changes: the chain, the target, the arena growing once.
    assert_steady(&engine, "animated blur", 3);
}

#[test]
fn bindings_driving_parameters_every_frame_create_nothing() {
    // `[bindings]`: a blur radius through every depth, a smoothed level and a toggle.
    let mut engine = common::engine_in(vivid::PassMode::Compute);
    engine
        .set_chain(&common::desc(
            "output = \"l\"\n[n]\ntype = \"noise\"\nsize = [256, 144]\n[b]\ntype = \"blur\"\ninput = \"n\"\n[l]\ntype = \"levels\"\ninput = \"b\"\n[bindings]\n\"b.radius\" = { source = \"abs(sin(frame * 0.05))\", range = [0, 200], curve = 2 }\n\"l.brightness\" = { source = \"frame % 7\", input = [0, 6], range = [0.5, 2], smooth = 0.1 }\n\"l.gamma\" = { source = \"frame % 10 < 5\", range = [1, 2], mode = \"toggle\" }\n",
        ))
        .unwrap();
    let host = Host::new(&engine, false);
    run(&mut engine, &host, 0, 130);
    // Changes: the chain, the target, the arena growing once.
    assert_steady(&engine, "bindings", 3);
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
    // Changes: the chain, the output size, and each of the four targets (one twice:
    // its readback too).
    assert_steady(&engine, "after resizes", 7);
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
        // Changes: the output size, the chain.
        assert_steady(&engine, project, 2);
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
    assert_steady(&engine, project, 2);
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
    // Changes: the output size, the chain, profiling, the target.
    assert_steady(&engine, "profiled", 4);
    let profile = engine.profile().unwrap();
    assert_eq!(profile.nodes.len(), 10);
    for n in &profile.nodes {
        assert!(n.cpu_us.0 > 0.0 && n.samples >= 30, "{n:?}");
        if profile.gpu_timing {
            assert!(n.gpu_us.0 > 0.0, "{n:?}");
        }
    }
}

/// Renders `frames` frames of `chain` (with `solo` shown, thumbnails of `thumbs` pixels):
/// the operators that recorded passes in the last frame, the objects created by the
/// frames, and the mean CPU time of the frames after the first ten (ms).
fn run_chain(chain: &str, solo: Option<&str>, thumbs: Option<u32>, frames: u64) -> (u64, u64, f64) {
    let mut engine = common::engine();
    engine.set_chain(&common::desc(chain)).unwrap();
    engine.set_solo(solo).unwrap();
    engine.set_thumbnails(thumbs);
    let before = engine.gpu().counts().total_created();
    let mut last = None;
    for k in 0..frames {
        last = Some(
            engine
                .render(
                    FrameTime {
                        time: k as f64 / 60.0,
                        frame: k,
                    },
                    Target::None,
                    false,
                )
                .unwrap(),
        );
    }
    engine.wait_idle();
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    let times: Vec<f32> = engine.frame_times().skip(10).collect();
    let mean = times.iter().map(|&t| f64::from(t)).sum::<f64>() / times.len().max(1) as f64;
    let created = engine.gpu().counts().total_created() - before;
    (last.unwrap().operators_run, created, mean)
}

/// The output is a blur of a noise; a feedback of another noise is shown nowhere, but its
/// history advances every frame, so it runs with its input.
const SHOWN: &str = "output = \"b\"\n[n]\ntype = \"noise\"\nsize = [64, 36]\n[b]\ntype = \"blur\"\ninput = \"n\"\nradius = 4\n[n2]\ntype = \"noise\"\nsize = [16, 16]\n[fb]\ntype = \"feedback\"\ninput = \"n2\"\n";

fn with_solids(count: usize) -> String {
    use std::fmt::Write as _;
    let mut chain = SHOWN.to_string();
    for k in 0..count {
        let _ = write!(
            chain,
            "[s{k}]\ntype = \"solid\"\nsize = [64, 36]\ncolor = [0.5, 0.{k}, 0.25]\n"
        );
    }
    chain
}

#[test]
fn operators_nothing_shown_needs_do_not_run() {
    let (run, created, ms) = run_chain(SHOWN, None, None, 40);
    assert_eq!(run, 4, "noise, blur, and the feedback with its input");
    let (run_s, created_s, ms_s) = run_chain(&with_solids(1000), None, None, 40);
    // 1,000 unconnected solids: validated, but they prepare nothing and record nothing.
    assert_eq!(run_s, run, "operators that recorded passes");
    assert_eq!(created_s, created, "objects created by the frames");
    // Same order of magnitude of frame time (their 1,000 passes would be ~100x).
    assert!(
        ms_s < ms * 10.0 + 1.0,
        "{ms:.3} ms a frame without, {ms_s:.3} ms with"
    );
    eprintln!("frame CPU time: {ms:.3} ms; with 1,000 unconnected solids {ms_s:.3} ms");
    // Soloing the second noise: it and the feedback (which advances) run.
    assert_eq!(run_chain(&with_solids(10), Some("n2"), None, 3).0, 2);
    // The inspector's thumbnails show every node: everything runs.
    assert_eq!(run_chain(&with_solids(10), None, Some(16), 3).0, 14);
}

/// Bind groups the engine has created so far.
fn bind_groups(engine: &Engine) -> u64 {
    let c = engine.gpu().counts().snapshot();
    c.created
        .iter()
        .find(|(k, _)| *k == "bind_groups")
        .map_or(0, |(_, n)| *n)
}

#[test]
fn a_changed_input_rebuilds_only_its_operators_bind_groups() {
    let chain = |inputs: &str| {
        common::desc(&format!(
            "output = \"l\"\n[a]\ntype = \"noise\"\nsize = [32, 32]\n[b]\ntype = \"gradient\"\nsize = [32, 32]\n[c]\ntype = \"composite\"\ninputs = {inputs}\nmode = \"screen\"\n[l]\ntype = \"levels\"\ninput = \"c\"\ngamma = 1.3\n[s]\ntype = \"blur\"\ninput = \"l\"\nradius = 3\n"
        ))
    };
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.set_fusion(false);
        engine.set_chain(&chain("[\"a\", \"b\"]")).unwrap();
        let frame = |engine: &mut Engine, k: u64| {
            engine
                .render(
                    FrameTime {
                        time: k as f64 / 60.0,
                        frame: k,
                    },
                    Target::None,
                    false,
                )
                .unwrap();
        };
        for k in 0..5 {
            frame(&mut engine, k);
        }
        // Nothing changes: no bind group is made.
        let before = bind_groups(&engine);
        for k in 5..25 {
            frame(&mut engine, k);
        }
        assert_eq!(bind_groups(&engine), before, "{mode:?}: steady frames");
        // The composite's inputs swap: only its bind group is made again (the others keep
        // their textures, so their groups).
        engine.set_chain(&chain("[\"b\", \"a\"]")).unwrap();
        frame(&mut engine, 25);
        let rebuilt = bind_groups(&engine) - before;
        assert_eq!(
            rebuilt, 1,
            "{mode:?}: bind groups made for one changed input"
        );
        for k in 26..40 {
            frame(&mut engine, k);
        }
        assert_eq!(bind_groups(&engine) - before, 1, "{mode:?}: after");
        assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    }
}

#[test]
fn audio_textures_fed_every_frame_create_nothing() {
    // A host sets new audio before every frame (as `--audio` does): the rows go up through
    // the uniform arena into textures made once — nothing created, in both pass modes.
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine
            .load_project(&common::repo().join("testing-fixtures/audio-silence"), &[])
            .unwrap();
        let host = Host::new(&engine, false);
        let mut wave = [0.0f32; 2048];
        let mut spectrum = [0.0f32; 1025];
        for k in 0..60u64 {
            for (i, s) in wave.iter_mut().enumerate() {
                *s = ((i as u64 + k * 7) % 64) as f32 / 32.0 - 1.0;
            }
            spectrum.fill(0.0);
            spectrum[(k as usize * 13) % 1025] = 1.0;
            engine.audio_mut().set(&wave, &spectrum, 48_000.0);
            run(&mut engine, &host, k, 1);
        }
        // Changes: the chain, the target.
        assert_steady(&engine, &format!("audio textures ({mode:?})"), 2);
    }
}
