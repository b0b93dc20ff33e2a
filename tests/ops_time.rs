//! The time operators against answers known without them: a source whose frame k is a
//! solid of red k/64 (exact in f16) tells which frame an output shows. `delay N` shows
//! frame k − N exactly; `time_machine` with a uniform map of value v shows the frame v·N
//! back (and the mix of two for a fractional one); `echo` of a still image is the
//! geometric sum; `strobe` is on and off on the frames its period says. Each in both ways
//! operators run; state survives edits of other operators and goes with the operator.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use vivid::{Engine, FrameTime, PassMode, Target};

/// f16 keeps 11 significant bits.
const F16: f32 = 2e-3;

/// A source whose frame k is red k/64 (frames 0..64 are exact in f16), then `body`.
fn chain(body: &str) -> String {
    format!(
        "output = \"out\"\n[src]\ntype = \"solid\"\nsize = [8, 6]\ncolor = [\"frame / 64\", 0, 0, 1]\n{body}"
    )
}

/// Renders frames 0..frames at 60 fps and gives the red (and alpha) of pixel (3, 2) of
/// every frame's output.
fn frames(engine: &mut Engine, frames: u64) -> Vec<[f32; 2]> {
    engine.set_capture(true);
    (0..frames)
        .map(|k| {
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
            assert!(engine.errors().is_empty(), "{:?}", engine.errors());
            let p = engine.read_output().unwrap().at(3, 2);
            [p[0], p[3]]
        })
        .collect()
}

fn run(mode: PassMode, toml: &str, n: u64) -> Vec<[f32; 2]> {
    let mut engine = common::engine_in(mode);
    engine.set_chain(&common::desc(toml)).unwrap();
    let out = frames(&mut engine, n);
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
    out
}

/// Red of the source at frame `k` (transparent black before frame 0).
fn source(k: i64) -> [f32; 2] {
    if k < 0 {
        [0.0, 0.0]
    } else {
        [k as f32 / 64.0, 1.0]
    }
}

#[test]
fn delay_shows_frame_k_minus_n_exactly() {
    for mode in common::MODES {
        for n in [1u64, 5] {
            let out = run(
                mode,
                &chain(&format!(
                    "[out]\ntype = \"delay\"\ninput = \"src\"\nframes = {n}\n"
                )),
                20,
            );
            for (k, got) in out.iter().enumerate() {
                let want = source(k as i64 - n as i64);
                assert_eq!(*got, want, "{mode:?} delay {n}, frame {k}");
            }
        }
    }
}

#[test]
fn time_machine_with_a_uniform_map_is_a_delay() {
    for mode in common::MODES {
        // frames = 8: map 0.25 is 2 frames back, 0.3125 is 2.5 (the mean of 2 and 3 back).
        for (v, back) in [(0.25f32, 2.0f32), (0.3125, 2.5), (0.0, 0.0), (1.0, 8.0)] {
            let out = run(
                mode,
                &chain(&format!(
                    "[map]\ntype = \"solid\"\nsize = [8, 6]\ncolor = [{v}, {v}, {v}]\n[out]\ntype = \"time_machine\"\ninputs = [\"src\", \"map\"]\nframes = 8\n"
                )),
                16,
            );
            for (k, got) in out.iter().enumerate().skip(9) {
                let want = (k as f32 - back) / 64.0;
                assert!(
                    (got[0] - want).abs() < F16,
                    "{mode:?} map {v}, frame {k}: {got:?}, want {want}"
                );
            }
        }
    }
}

#[test]
fn echo_of_a_still_image_is_the_geometric_sum() {
    let still = |mode: &str, taps: u32, spacing: u32, decay: f32| {
        format!(
            "output = \"out\"\n[src]\ntype = \"solid\"\nsize = [8, 6]\ncolor = [0.1, 0.2, 0.05, 1]\n[out]\ntype = \"echo\"\ninput = \"src\"\ntaps = {taps}\nspacing = {spacing}\ndecay = {decay}\nmode = \"{mode}\"\n"
        )
    };
    for pass in common::MODES {
        let mut engine = common::engine_in(pass);
        engine
            .set_chain(&common::desc(&still("add", 4, 2, 0.5)))
            .unwrap();
        let out = frames(&mut engine, 9);
        for (k, got) in out.iter().enumerate() {
            // Taps i with i * spacing <= k have a frame; the others are transparent.
            let have = (k as i32 / 2 + 1).min(4);
            let want = 0.1 * (1.0 - 0.5f32.powi(have)) / 0.5;
            assert!(
                (got[0] - want).abs() < F16,
                "{pass:?} add, frame {k}: {got:?}, want {want}"
            );
            assert_eq!(got[1], 1.0, "alpha at most 1");
        }
        for (mode, want) in [("average", 0.1f32), ("max", 0.1)] {
            let mut engine = common::engine_in(pass);
            engine
                .set_chain(&common::desc(&still(mode, 3, 1, 0.7)))
                .unwrap();
            let last = *frames(&mut engine, 4).last().unwrap();
            assert!((last[0] - want).abs() < F16, "{pass:?} {mode}: {last:?}");
        }
    }
}

#[test]
fn strobe_is_on_and_off_on_the_frames_its_period_says() {
    for mode in common::MODES {
        let out = run(
            mode,
            "output = \"out\"\n[src]\ntype = \"solid\"\nsize = [8, 6]\ncolor = [1, 1, 1, 1]\n[out]\ntype = \"strobe\"\ninput = \"src\"\nrate = 10\nduty = 0.5\n",
            13,
        );
        let on: Vec<bool> = out.iter().map(|p| p[1] > 0.5).collect();
        // 60 fps, 10 Hz: periods of 6 frames, the first 3 of each on.
        let want: Vec<bool> = (0..13).map(|k| k % 6 < 3).collect();
        assert_eq!(on, want, "{mode:?}");
        for p in &out {
            assert!(p[0] == 0.0 || p[0] == 1.0, "{p:?}");
        }
    }
}

#[test]
fn rings_survive_edits_of_other_operators_and_go_with_their_operator() {
    let with = |c: f32| {
        chain(&format!(
            "[other]\ntype = \"solid\"\nsize = [8, 6]\ncolor = [{c}, 0, 0]\n[out]\ntype = \"delay\"\ninput = \"src\"\nframes = 4\n"
        ))
    };
    let mut engine = common::engine();
    engine.set_chain(&common::desc(&with(0.1))).unwrap();
    frames(&mut engine, 6);
    // Edit another operator: the delay keeps its ring and its count.
    engine.set_chain(&common::desc(&with(0.2))).unwrap();
    let before = engine.gpu().counts().snapshot();
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: 0.1,
                frame: 6,
            },
            Target::None,
            true,
        )
        .unwrap();
    // The source restarts nowhere: it is frame 6 (6/64); the delay shows frame 2.
    let p = engine.read_output().unwrap().at(3, 2);
    assert_eq!(p[0], 2.0 / 64.0, "the ring survived: {p:?}");
    // Removing the delay frees its ring at once, without a frame.
    engine
        .set_chain(&common::desc(&chain(
            "[out]\ntype = \"levels\"\ninput = \"src\"\n",
        )))
        .unwrap();
    let after = engine.gpu().counts().snapshot();
    assert!(
        after.texture_bytes + 4 * 8 * 6 * 8 <= before.texture_bytes,
        "{} -> {}",
        before.texture_bytes,
        after.texture_bytes
    );
}
