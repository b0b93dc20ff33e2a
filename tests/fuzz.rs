//! Property tests of what users type: the chain.toml loader (parse, validate against every
//! built-in operator, `--set`), expressions, and the reflection of a custom shader's
//! `struct Params`. Whatever the text, the answer is a chain or diagnostics whose places
//! are inside the text — never a panic.
//!
//! Bounded for CI (a few hundred cases each, ~seconds); `PROPTEST_CASES=100000 cargo test
//! --test fuzz` runs longer.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::Config;
use vivid::params::ParamValue;
use vivid::shaders::ShaderLibrary;

/// `cases` cases, or `PROPTEST_CASES`; nothing written to the source tree.
fn config(cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(cases);
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Every chain.toml of the repository: the seeds the edits start from.
fn seeds() -> Vec<String> {
    let mut out = Vec::new();
    for folder in ["examples", "testing-fixtures"] {
        let Ok(dirs) = std::fs::read_dir(common::repo().join(folder)) else {
            continue;
        };
        for d in dirs.flatten() {
            if let Ok(text) = std::fs::read_to_string(d.path().join("chain.toml")) {
                out.push(text);
            }
        }
    }
    out.sort();
    assert!(out.len() > 20, "{} seeds", out.len());
    out
}

/// Pieces users (and editors) put in chain files, right or wrong.
const TOKENS: &[&str] = &[
    "\"",
    "'",
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    ",",
    ".",
    "\n",
    " ",
    "#",
    "\\",
    "0",
    "-1",
    "1e309",
    "-0.0",
    "nan",
    "inf",
    "-inf",
    "4294967296",
    "18446744073709551616",
    "true",
    "\"time\"",
    "\"sin(time\"",
    "\"1/0\"",
    "\"frame % 0\"",
    "\"x +\"",
    "\"\"",
    "type",
    "input",
    "inputs",
    "output",
    "size",
    "[0, 0]",
    "[99999, 1]",
    "[1]",
    "\"noise\"",
    "\"shader\"",
    "\"render3d\"",
    "\"mesh\"",
    "camera",
    "meshes",
    "lights",
    "path",
    "kind",
    "\"nope\"",
    "\u{e9}",
    "\u{1f600}",
    "\u{0}",
    "\r\n",
    "\t",
];

/// A seed with some edits: deletions, insertions of tokens, duplicated or swapped lines.
fn edited() -> impl Strategy<Value = String> {
    let seeds = seeds();
    (
        0..seeds.len(),
        proptest::collection::vec((0u8..4, any::<u16>(), any::<u16>(), 0..TOKENS.len()), 1..8),
    )
        .prop_map(move |(seed, edits)| {
            let mut text = seeds[seed].clone();
            for (op, a, b, t) in edits {
                let len = text.len().max(1);
                let at = floor_char(&text, usize::from(a) % len);
                match op {
                    0 => {
                        let end = floor_char(&text, (at + usize::from(b) % 24).min(text.len()));
                        text.replace_range(at..end, "");
                    }
                    1 => text.insert_str(at, TOKENS[t]),
                    2 => {
                        let lines: Vec<&str> = text.lines().collect();
                        if !lines.is_empty() {
                            let l = lines[usize::from(b) % lines.len()].to_string();
                            text.insert_str(at, &format!("\n{l}\n"));
                        }
                    }
                    _ => {
                        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
                        if lines.len() > 1 {
                            let (i, j) =
                                (usize::from(a) % lines.len(), usize::from(b) % lines.len());
                            lines.swap(i, j);
                            text = lines.join("\n");
                        }
                    }
                }
            }
            text
        })
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Parses and validates `text`; every diagnostic must point inside it and render.
fn check_chain(text: &str) {
    let registry = vivid::builtin_registry();
    let file = Path::new("fuzz/chain.toml");
    let desc = vivid::project::parse_chain(file, text);
    let lines: Vec<&str> = text.lines().collect();
    if let Err(diags) = desc.validate_with(&registry, 16384, &ShaderLibrary::new()) {
        assert!(!diags.0.is_empty());
        for d in &diags.0 {
            let rendered = d.to_string();
            assert!(!rendered.is_empty());
            if d.file == file && d.line > 0 {
                assert!(
                    d.line <= lines.len() + 1,
                    "line {} of {}: {rendered}",
                    d.line,
                    lines.len()
                );
                let width = lines.get(d.line - 1).map_or(0, |l| l.chars().count());
                assert!(
                    d.col >= 1 && d.col <= width + 1,
                    "col {} of {width}: {rendered}",
                    d.col
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(config(600))]

    #[test]
    fn any_text_is_a_chain_or_located_errors(text in any::<String>()) {
        check_chain(&text);
    }

    #[test]
    fn edited_real_chains_are_chains_or_located_errors(text in edited()) {
        check_chain(&text);
    }

    #[test]
    fn any_expression_is_evaluated_or_refused(expr in "[-+*/%^() .0-9a-z_,]{0,40}") {
        let text = format!("output = \"n\"\n[n]\ntype = \"noise\"\nsize = [8, 8]\nscale = \"{expr}\"\n");
        check_chain(&text);
    }

    #[test]
    fn any_set_argument_is_applied_or_refused(arg in "[a-z]{0,6}(\\.[a-z_]{0,8})?=?.{0,16}") {
        let mut desc = vivid::project::parse_chain(
            Path::new("chain.toml"),
            "output = \"n\"\n[n]\ntype = \"noise\"\nsize = [8, 8]\n",
        );
        if vivid::project::apply_set(&mut desc, &arg).is_ok() {
            let _ = desc.validate(&vivid::builtin_registry(), 16384);
        }
    }
}

/// Field types, annotations and mistakes that go into a custom shader's `struct Params`.
const FIELDS: &[&str] = &[
    "a: f32,",
    "b: vec2<f32>,",
    "c: vec3<f32>,",
    "d: vec4<f32>,",
    "e: u32,",
    "f: i32,",
    "g: bool,",
    "h: mat2x2<f32>,",
    "i: array<f32, 4>,",
    "j: atomic<u32>,",
    "k: f16,",
    "// default=1",
    "// default=[1, 2]",
    "// range=0..1",
    "// range=2..1",
    "// default=nan",
    "// default=1e40 range=-1..1",
    "// color",
    "// default=",
    "// range=..",
    "@size(64) l: f32,",
    "@align(32) m: f32,",
    "n: Params,",
    "o: f32",
    ",",
    "}",
    "{",
    "struct Q { x: f32 }",
    "p: array<vec4<f32>, 4>, // colors default=[\"#ff0000\", [0, 1, 0]]",
    "q: array<vec4<f32>, 3>, // floats range=0..1 default=[0.5, 2]",
    "r: u32, // count=p",
    "s: u32, // count=zz",
    "t: array<vec4<f32>, 2>,",
    "// floats default=[[1, 0], \"#fff\"]",
];

fn custom_shader() -> impl Strategy<Value = String> {
    proptest::collection::vec(0..FIELDS.len(), 0..8).prop_map(|fields| {
        let body: Vec<&str> = fields.iter().map(|&i| FIELDS[i]).collect();
        format!(
            "struct Params {{\n    {}\n}}\nfn shade(uv: vec2<f32>) -> vec4<f32> {{\n    return vec4<f32>(uv, 0.0, 1.0);\n}}\n",
            body.join("\n    ")
        )
    })
}

proptest! {
    #![proptest_config(config(300))]

    #[test]
    fn any_params_struct_is_reflected_or_explained(text in custom_shader()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.wgsl");
        std::fs::write(&path, &text).unwrap();
        match vivid::operator::wgsl::resolve_project(&ShaderLibrary::new(), &path) {
            Ok(info) => {
                // Every reflected parameter's default is finite and inside its range.
                for p in info.params.iter() {
                    let comps: Vec<f64> = match &p.default {
                        ParamValue::Float(v) => vec![f64::from(*v)],
                        ParamValue::Int(v) => vec![f64::from(*v)],
                        ParamValue::Vec2(v) => v.iter().map(|&x| f64::from(x)).collect(),
                        ParamValue::Vec3(v) => v.iter().map(|&x| f64::from(x)).collect(),
                        ParamValue::Vec4(v) | ParamValue::Color(v) => {
                            v.iter().map(|&x| f64::from(x)).collect()
                        }
                        ParamValue::Numbers(v) => v.iter().map(|&x| f64::from(x)).collect(),
                        _ => Vec::new(),
                    };
                    for c in comps {
                        prop_assert!(c.is_finite(), "{}: default {c}", p.name);
                        if let Some((lo, hi)) = p.range {
                            prop_assert!(lo <= c && c <= hi, "{}: {c} outside {lo}..{hi}", p.name);
                        }
                    }
                }
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
