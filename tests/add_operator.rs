//! The "add an operator" example of ARCHITECTURE.md, kept true: the WGSL file shown there is
//! `tests/operators/sepia.wgsl`, and adding it to a registry is all it takes — `vivid
//! operators` metadata, chain.toml parameters, expressions, fusion — checked here against
//! the sepia matrix computed independently.
#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use vivid::{Engine, EngineOptions, params::ParamKind};

const SEPIA: &str = include_str!("operators/sepia.wgsl");

/// The built-ins plus the example, as `shaders/operators/sepia.wgsl` would be.
fn registry() -> vivid::Registry {
    let mut r = vivid::builtin_registry();
    let errors = r.add_shaders(&[("operators/sepia.wgsl", SEPIA)]);
    assert!(errors.is_empty(), "{errors:?}");
    r
}

#[test]
fn the_guide_shows_the_file_the_test_runs() {
    let guide = std::fs::read_to_string(common::repo().join("ARCHITECTURE.md")).unwrap();
    let start = guide
        .find("```wgsl\n//! Sepia tone")
        .expect("ARCHITECTURE.md shows tests/operators/sepia.wgsl");
    let body = &guide[start + "```wgsl\n".len()..];
    let end = body.find("```").unwrap();
    assert_eq!(
        &body[..end],
        SEPIA,
        "ARCHITECTURE.md and tests/operators/sepia.wgsl differ"
    );
}

#[test]
fn one_wgsl_file_is_a_whole_operator() {
    let r = registry();
    let info = r.info("sepia").expect("registered by its file name");
    assert_eq!(info.inputs.describe(), "1");
    assert!(info.pointwise().is_some());
    let amount = &info.params[0];
    assert_eq!(
        (amount.name.as_ref(), amount.kind),
        ("amount", ParamKind::Float)
    );
    assert_eq!(amount.range, Some((0.0, 1.0)));
    assert!(amount.doc.starts_with("0: the input"));

    let chain = "output = \"old\"\n\n[src]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [0.2, 0.5, 0.8]\n\n[old]\ntype = \"sepia\"\ninput = \"src\"\namount = \"0.5 + 0.5 * min(time, 1)\"\n\n";
    for mode in common::MODES {
        let options = EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        };
        let mut engine = Engine::new(common::gpu().with_pass_mode(mode), registry(), options);
        engine.set_chain(&common::desc(chain)).unwrap();
        // time = 1 at frame 60: amount 1.
        let out = common::render(&mut engine, 61, 60.0);
        let (r, g, b) = (0.2f32, 0.5f32, 0.8f32);
        let expected = [
            (0.393 * r + 0.769 * g + 0.189 * b).min(1.0),
            (0.349 * r + 0.686 * g + 0.168 * b).min(1.0),
            (0.272 * r + 0.534 * g + 0.131 * b).min(1.0),
        ];
        let px = out.at(3, 3);
        for c in 0..3 {
            assert!(
                (px[c] - expected[c]).abs() < 2e-3,
                "{mode:?}: {px:?} vs {expected:?}"
            );
        }
        assert_eq!(px[3], 1.0);
    }
}
