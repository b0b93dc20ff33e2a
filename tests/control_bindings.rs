//! `[bindings]` in chain.toml end to end: a binding gives exactly the values and pixels of
//! the same mapping written as an expression (both pass modes), MIDI variables drive bound
//! parameters with smoothing, trigger and toggle by their formulas, a reload keeps their
//! state, and every mistake is a located error that keeps the running chain.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use vivid::params::ParamValue;
use vivid::{Engine, FrameTime, Target};

const BASE: &str = "output = \"l\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [0.25, 0.5, 0.125, 1]\n[l]\ntype = \"levels\"\ninput = \"s\"\n";

fn brightness(e: &Engine) -> ParamValue {
    e.param_views("l")
        .unwrap()
        .into_iter()
        .find(|p| p.spec.name == "brightness")
        .unwrap()
        .value
}

fn frame(e: &mut Engine, k: u64, fps: f64, capture: bool) {
    e.set_capture(capture);
    e.render(
        FrameTime {
            time: k as f64 / fps,
            frame: k,
        },
        Target::None,
        capture,
    )
    .unwrap();
}

#[test]
fn a_binding_is_its_mapping_written_as_an_expression() {
    // The same mapping twice: input 0..2 of `time`, the `exp` curve, onto 0.2..1.6.
    let bound = format!(
        "{BASE}[bindings]\n\"l.brightness\" = {{ source = \"time\", input = [0, 2], range = [0.2, 1.6], curve = \"exp\" }}\n"
    );
    let written = BASE.replace(
        "input = \"s\"\n",
        "input = \"s\"\nbrightness = \"0.2 + (1.6 - 0.2) * ((pow(100, clamp((time - 0) / (2 - 0), 0, 1)) - 1) / (100 - 1))\"\n",
    );
    for mode in common::MODES {
        let mut a = common::engine_in(mode);
        a.set_chain(&common::desc(&bound)).unwrap();
        let mut b = common::engine_in(mode);
        b.set_chain(&common::desc(&written)).unwrap();
        let views = a.param_views("l").unwrap();
        let p = views.iter().find(|p| p.spec.name == "brightness").unwrap();
        assert_eq!(p.bound.as_deref(), Some("time"));
        let mut distinct = Vec::new();
        for k in 0..40 {
            frame(&mut a, k, 15.0, true);
            frame(&mut b, k, 15.0, true);
            assert_eq!(brightness(&a), brightness(&b), "frame {k}");
            let (ia, ib) = (a.read_output().unwrap(), b.read_output().unwrap());
            assert_eq!(ia.pixels, ib.pixels, "{mode:?} frame {k}: pixels");
            if !distinct.contains(&brightness(&a)) {
                distinct.push(brightness(&a));
            }
        }
        // It moved (and stopped at the top of its range past time 2).
        assert!(distinct.len() > 25, "{distinct:?}");
        assert_eq!(brightness(&a), ParamValue::Float(1.6));
    }
}

#[test]
fn midi_variables_drive_bound_parameters_with_smoothing_trigger_and_toggle() {
    let mut e = common::engine();
    let mut controls = vivid::control::Controls::default();
    controls.register(&mut e).unwrap();
    let chain = format!(
        "{BASE}[bindings]\n\"l.brightness\" = {{ source = \"midi.cc1_7\", range = [0, 40], smooth = 0.1 }}\n\"l.contrast\" = {{ source = \"midi.note1_60\", range = [1, 3], mode = \"trigger\", smooth = 0.5 }}\n\"l.gamma\" = {{ source = \"midi.note1_61\", range = [1, 2], mode = \"toggle\" }}\n"
    );
    e.set_chain(&common::desc(&chain)).unwrap();
    let cc = e.variable_slot("midi.cc1_7").unwrap();
    let note = e.variable_slot("midi.note1_60").unwrap();
    let pad = e.variable_slot("midi.note1_61").unwrap();
    let value = |e: &Engine, name: &str| -> f64 {
        match e
            .param_views("l")
            .unwrap()
            .into_iter()
            .find(|p| p.spec.name == name)
            .unwrap()
            .value
        {
            ParamValue::Float(x) => f64::from(x),
            other => panic!("{other:?}"),
        }
    };
    let fps = 10.0;
    frame(&mut e, 0, fps, false);
    assert_eq!(value(&e, "brightness"), 0.0, "an unmoved CC reads 0");
    assert_eq!(value(&e, "contrast"), 1.0);
    assert_eq!(value(&e, "gamma"), 1.0);
    // The CC at 0.5: each frame (0.1 s) goes 1 - e^-1 of the way to 20.
    e.set_variable(cc, 0.5);
    let mut want = 0.0f64;
    for k in 1..5 {
        frame(&mut e, k, fps, false);
        want += (20.0 - want) * (1.0 - (-1.0f64).exp());
        assert!((value(&e, "brightness") - want).abs() < 1e-4, "frame {k}");
    }
    // A note-on throws contrast to the top; it falls back by e^(-t/0.5) (held or not).
    e.set_variable(note, 1.0);
    frame(&mut e, 5, fps, false);
    assert_eq!(value(&e, "contrast"), 3.0);
    frame(&mut e, 6, fps, false);
    e.set_variable(note, 0.0);
    frame(&mut e, 7, fps, false);
    let want = 1.0 + 2.0 * (-0.2f64 / 0.5).exp();
    assert!(
        (value(&e, "contrast") - want).abs() < 1e-5,
        "{}",
        value(&e, "contrast")
    );
    // Pad presses toggle gamma between the ends of its range.
    for (k, v, g) in [
        (8, 1.0, 2.0),
        (9, 0.0, 2.0),
        (10, 0.5, 1.0),
        (11, 0.5, 1.0),
        (12, 0.0, 1.0),
        (13, 1.0, 2.0),
    ] {
        e.set_variable(pad, v);
        frame(&mut e, k, fps, false);
        assert_eq!(value(&e, "gamma"), g, "frame {k}");
    }
    // A reload that changes something else keeps the toggle and the smoothing where they are.
    let reloaded = chain.replace("0.25, 0.5", "0.3, 0.5");
    e.set_chain(&common::desc(&reloaded)).unwrap();
    frame(&mut e, 14, fps, false);
    assert_eq!(value(&e, "gamma"), 2.0, "toggle kept");
    assert!(
        value(&e, "brightness") > 19.0,
        "smoothing kept, not restarted from 0"
    );
}

fn error_of(e: &mut Engine, bindings: &str) -> vivid::Diagnostic {
    let text = format!("{BASE}[bindings]\n{bindings}");
    let err = e.set_chain(&common::desc(&text)).unwrap_err();
    match err {
        vivid::EngineError::Project(d) => d.0.into_iter().next().unwrap(),
        other => panic!("{other}"),
    }
}

#[test]
fn mistakes_are_located_errors_and_the_running_chain_stays() {
    let mut e = common::engine();
    let mut controls = vivid::control::Controls::default();
    controls.register(&mut e).unwrap();
    e.set_chain(&common::desc(BASE)).unwrap();
    let line = BASE.lines().count() + 2;
    let cases: [(&str, &str, Option<&str>); 8] = [
        (
            "\"k.brightness\" = \"midi.cc1_7\"\n",
            "no operator named `k`",
            Some("the operators are s, l"),
        ),
        (
            "\"sl.brightness\" = \"midi.cc1_7\"\n",
            "no operator named `sl`",
            Some("did you mean `s`?"),
        ),
        (
            "\"l.brightnes\" = \"midi.cc1_7\"\n",
            "has no parameter `brightnes`",
            Some("did you mean `brightness`?"),
        ),
        ("\"l.brightness\" = \"audio.bas\"\n", "audio.bas", None),
        (
            "\"l.brightness\" = { source = \"time\", range = [0, 200] }\n",
            "goes beyond",
            None,
        ),
        (
            "\"l.brightness\" = { source = \"time\", range = [0] }\n",
            "two numbers",
            None,
        ),
        (
            "\"s.color\" = \"time\"\n",
            "a binding drives one number",
            None,
        ),
        (
            "\"l.brightness\" = { source = \"time\", curve = \"cubic\" }\n",
            "unknown `curve`",
            None,
        ),
    ];
    for (b, message, hint) in cases {
        let d = error_of(&mut e, b);
        assert_eq!(d.line, line, "{b}: {d}");
        assert!(d.message.contains(message), "{b}: {d}");
        if let Some(h) = hint {
            assert_eq!(d.hint.as_deref(), Some(h), "{b}: {d}");
        }
        assert!(d.col >= 1);
    }
    // Bound and an expression: refused, saying where the expression is.
    let text = format!(
        "{}[bindings]\n\"l.brightness\" = \"time\"\n",
        BASE.replace(
            "input = \"s\"\n",
            "input = \"s\"\nbrightness = \"1 + time\"\n"
        )
    );
    let err = e.set_chain(&common::desc(&text)).unwrap_err().to_string();
    assert!(err.contains("bound and also an expression"), "{err}");
    assert!(err.contains("line 9"), "{err}");
    // The chain that ran before still runs, unbound.
    assert!(
        e.param_views("l")
            .unwrap()
            .iter()
            .all(|p| p.bound.is_none())
    );
    frame(&mut e, 0, 60.0, false);
}
