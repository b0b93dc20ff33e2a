//! A host's own variables: `Engine::add_variable` / `add_namespace` / `set_variable` drive
//! parameters frame by frame (what OSC, audio and MIDI feed), through `set_chain` and the
//! loading thread alike, creating nothing per frame.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use vivid::{FrameTime, Target};

const CHAIN: &str = "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"osc.red\", \"audio.bass * 0.5\", 0, 1]\n";

fn constant(r: f32, g: f32) -> [f32; 4] {
    let toml =
        format!("output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [{r}, {g}, 0, 1]\n");
    common::render_toml(&toml).pixels[0]
}

#[test]
fn namespaced_and_added_variables_drive_parameters_in_both_modes() {
    let want = constant(0.25, 0.4);
    for mode in common::MODES {
        let mut e = common::engine_in(mode);
        let bass = e.add_variable("audio.bass", "low band").unwrap();
        e.add_namespace("osc", "OSC addresses").unwrap();
        assert_eq!(e.variable_slot("osc.red"), None, "declared by a chain only");
        let before = e.variables_generation();
        e.set_chain(&common::desc(CHAIN)).unwrap();
        assert!(e.variables_generation() > before);
        let red = e.variable_slot("osc.red").unwrap();
        // Unset, a namespaced variable reads 0.
        let img = common::render(&mut e, 1, 60.0);
        common::assert_close(img.pixels[0], constant(0.0, 0.0), 2e-3, "unset");
        e.set_variable(red, 0.25);
        e.set_variable(bass, 0.8);
        assert!((e.variable(red) - 0.25).abs() < 1e-12);
        let img = common::render(&mut e, 1, 60.0);
        common::assert_close(img.pixels[0], want, 2e-3, &format!("{mode:?}"));
    }
}

#[test]
fn names_outside_open_namespaces_are_still_errors() {
    let mut e = common::engine();
    e.add_namespace("osc", "OSC addresses").unwrap();
    let err = e
        .set_chain(&common::desc(&CHAIN.replace("osc.red", "nope.cc1")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("nope.cc1"), "{err}");
    assert!(e.add_namespace("1bad", "").is_err());
    // A namespace alone is not a variable.
    let err = e
        .set_chain(&common::desc(&CHAIN.replace("osc.red", "osc")))
        .unwrap_err()
        .to_string();
    assert!(err.contains("osc"), "{err}");
}

#[test]
fn the_loading_thread_declares_namespaced_variables_too() {
    let mut e = common::engine();
    e.add_variable("audio.bass", "").unwrap();
    e.add_namespace("osc", "").unwrap();
    let dir = common::project(&[("chain.toml", CHAIN)]);
    let loader = e.chain_loader();
    let loaded = std::thread::spawn(move || loader.load(dir.path(), &[]).map(|l| (l, dir)))
        .join()
        .unwrap()
        .unwrap();
    e.apply_loaded(loaded.0).unwrap();
    let red = e.variable_slot("osc.red").unwrap();
    e.set_variable(red, 1.0);
    let img = common::render(&mut e, 1, 60.0);
    common::assert_close(img.pixels[0], constant(1.0, 0.0), 2e-3, "loaded");

    // The engine added a variable while a loader was out: the chain is validated again.
    let loader = e.chain_loader();
    e.add_variable("late.one", "").unwrap();
    let loaded = loader
        .validate(common::desc(&CHAIN.replace("osc.red", "osc.green")))
        .unwrap();
    e.apply_loaded(loaded).unwrap();
    let green = e.variable_slot("osc.green").unwrap();
    assert_ne!(Some(green), e.variable_slot("late.one"));
    assert_eq!(e.variable_slot("late.one").map(|s| s < green), Some(true));
}

#[test]
fn a_parameter_set_live_to_a_namespaced_expression_declares_it() {
    let mut e = common::engine();
    e.add_namespace("osc", "").unwrap();
    e.set_chain(&common::desc(
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\n",
    ))
    .unwrap();
    e.set_param(
        "s",
        "color",
        vivid::params::RawValue::Array(vec![
            vivid::params::RawValue::Str("osc.a".into()),
            vivid::params::RawValue::Float(0.0),
            vivid::params::RawValue::Float(0.0),
        ]),
    )
    .unwrap();
    let a = e.variable_slot("osc.a").unwrap();
    e.set_variable(a, 0.5);
    let img = common::render(&mut e, 1, 60.0);
    common::assert_close(img.pixels[0], constant(0.5, 0.0), 2e-3, "live");
}

#[test]
fn variables_set_every_frame_create_nothing() {
    let mut e = common::engine();
    e.add_variable("audio.bass", "").unwrap();
    e.add_namespace("osc", "").unwrap();
    e.set_chain(&common::desc(CHAIN)).unwrap();
    let red = e.variable_slot("osc.red").unwrap();
    let bass = e.variable_slot("audio.bass").unwrap();
    for k in 0..40u64 {
        e.set_variable(red, (k as f64 * 0.37).sin().abs());
        e.set_variable(bass, f64::NAN);
        e.render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            false,
        )
        .unwrap();
    }
    let s = e.stats();
    assert_eq!(s.gpu_objects_created_after_warmup, 0, "{s:?}");
    assert!(s.steady_frames >= 30, "{s:?}");
    assert!(e.errors().is_empty(), "{:?}", e.errors());
}
