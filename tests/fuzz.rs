//! Property tests of what users type: the chain.toml loader (parse, validate against every
//! built-in operator, `--set`), expressions (never a panic, printed text reads back as the
//! same expression, parsing is linear), and the reflection of a custom shader's
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
use vivid::params::{Expr, ExprVars, ParamValue};
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

/// The built-in operators and their shaders, made once (WGSL operators are reflected once).
static BUILTIN: std::sync::LazyLock<(vivid::Registry, ShaderLibrary)> =
    std::sync::LazyLock::new(|| {
        let registry = vivid::builtin_registry();
        let mut library = ShaderLibrary::new();
        for (name, text) in registry.shaders() {
            library.register(name, text);
        }
        (registry, library)
    });

/// Validates `desc` against the built-in operators.
fn validate(desc: &vivid::chain::ChainDesc) -> Result<vivid::chain::ChainSpec, vivid::Diagnostics> {
    desc.validate_with(&BUILTIN.0, 16384, &BUILTIN.1)
}

/// Parses and validates `text`; every diagnostic must point inside it and render.
fn check_chain(text: &str) {
    let file = Path::new("fuzz/chain.toml");
    let desc = vivid::project::parse_chain(file, text);
    let lines: Vec<&str> = text.lines().collect();
    if let Err(diags) = validate(&desc) {
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
    fn any_text_is_an_expression_or_an_error_inside_it(text in any::<String>()) {
        expression_or_error(&text)?;
    }

    #[test]
    fn any_token_soup_is_an_expression_or_an_error_inside_it(text in token_soup()) {
        expression_or_error(&text)?;
    }

    #[test]
    fn printed_expressions_read_back_as_themselves(text in expression()) {
        let e = Expr::parse(&text);
        // Generated from the grammar: only a constant NaN or infinity is refused.
        let e = match e {
            Ok(e) => e,
            Err(err) => {
                prop_assert!(err.message.contains("is always"), "{text}: {err}");
                return Ok(());
            }
        };
        let printed = e.canonical();
        let again = Expr::parse(&printed);
        prop_assert!(again.is_ok(), "{text} -> {printed}: {again:?}");
        let again = again.unwrap();
        prop_assert_eq!(&again, &e, "{} -> {}", text, printed);
        prop_assert_eq!(again.canonical(), printed);
        for (t, f) in [(0.0, 0.0), (1.25, 75.0), (-3.5, 7.0)] {
            let vars = ExprVars::at(t, f);
            let (a, b) = (e.eval_raw(&vars), again.eval_raw(&vars));
            prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()), "{text}: {a} vs {b}");
        }
    }

    #[test]
    fn any_set_argument_is_applied_or_refused(arg in "[a-z]{0,6}(\\.[a-z_]{0,8})?=?.{0,16}") {
        let mut desc = vivid::project::parse_chain(
            Path::new("chain.toml"),
            "output = \"n\"\n[n]\ntype = \"noise\"\nsize = [8, 8]\n",
        );
        if vivid::project::apply_set(&mut desc, &arg).is_ok() {
            let _ = validate(&desc);
        }
    }
}

/// Parses `text`: an expression, or an error whose place is inside the text (a char
/// boundary) — never a panic.
fn expression_or_error(text: &str) -> Result<(), TestCaseError> {
    match Expr::parse(text) {
        Ok(e) => {
            let _ = e.eval_raw(&ExprVars::at(1.0, 2.0));
            let again = Expr::parse(&e.canonical());
            prop_assert!(again.as_ref() == Ok(&e), "{text}: {again:?}");
        }
        Err(err) => {
            prop_assert!(
                err.span.start <= err.span.end && err.span.end <= text.len(),
                "{err:?}"
            );
            prop_assert!(text.is_char_boundary(err.span.start), "{err:?}");
            prop_assert!(!err.message.is_empty());
        }
    }
    Ok(())
}

/// Pieces of expressions, right and wrong.
const EXPR_TOKENS: &[&str] = &[
    "1",
    "0",
    ".5",
    "1e-3",
    "2E+4",
    "1e999",
    "1.",
    ".",
    "e",
    "time",
    "frame",
    "delta",
    "audio.bass",
    "PI",
    "sin",
    "clamp",
    "max",
    "noise",
    "rand",
    "(",
    ")",
    ",",
    "+",
    "-",
    "*",
    "/",
    "%",
    "^",
    "**",
    "?",
    ":",
    "<",
    "<=",
    "==",
    "!=",
    "!",
    "&&",
    "||",
    "=",
    "&",
    " ",
    "\u{e9}",
    "\"",
];

fn token_soup() -> impl Strategy<Value = String> {
    proptest::collection::vec(0..EXPR_TOKENS.len(), 0..30)
        .prop_map(|ts| ts.iter().map(|&t| EXPR_TOKENS[t]).collect())
}

/// Expressions from the grammar: numbers in every spelling, variables, constants, every
/// operator, calls with the right number of arguments, choices — parenthesised where the
/// grammar needs it and now and then where it does not.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        (0u32..1000, 1u32..100).prop_map(|(a, b)| format!("{a}.{b}")),
        (1u32..10, -12i32..12).prop_map(|(a, e)| format!("{a}e{e}")),
        (1u32..100).prop_map(|a| format!(".{a}")),
        prop::sample::select(vec!["time", "frame", "delta", "PI", "TAU", "E"])
            .prop_map(str::to_string),
    ];
    leaf.prop_recursive(6, 64, 4, |inner| {
        let funcs: Vec<(&str, usize)> = vec![
            ("sin", 1),
            ("abs", 1),
            ("fract", 1),
            ("noise", 1),
            ("rand", 1),
            ("hash", 1),
            ("sqrt", 1),
            ("atan2", 2),
            ("pow", 2),
            ("mod", 2),
            ("step", 2),
            ("min", 3),
            ("max", 2),
            ("clamp", 3),
            ("mix", 3),
            ("smoothstep", 3),
            ("select", 3),
            ("length", 2),
        ];
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(vec![
                    "+", "-", "*", "/", "%", "^", "**", "<", "<=", ">", ">=", "==", "!=", "&&",
                    "||",
                ]),
                inner.clone(),
                any::<bool>(),
            )
                .prop_map(|(a, op, b, parens)| if parens {
                    format!("({a}) {op} ({b})")
                } else {
                    format!("{a} {op} {b}")
                }),
            (prop::sample::select(vec!["-", "!", "+"]), inner.clone())
                .prop_map(|(op, a)| format!("{op}({a})")),
            (
                prop::sample::select(funcs),
                proptest::collection::vec(inner.clone(), 3)
            )
                .prop_map(|((f, n), args)| format!("{f}({})", args[..n].join(", "))),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(c, a, b)| format!("({c}) ? {a} : ({b})")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

#[test]
fn a_100k_term_expression_parses_in_linear_time() {
    let text = |n: usize| {
        let mut s = String::from("time");
        for k in 0..n {
            s.push_str(["+ sin(time)", " * 2", " - frame"][k % 3]);
        }
        s
    };
    let parse = |n: usize| {
        let t = text(n);
        let start = std::time::Instant::now();
        let e = Expr::parse(&t).unwrap();
        (start.elapsed().as_secs_f64(), e.len())
    };
    // Warm up, then the best of three of each size (a loaded CI machine).
    parse(1000);
    let best = |n: usize| (0..3).map(|_| parse(n).0).fold(f64::INFINITY, f64::min);
    let (small, big) = (best(10_000), best(100_000));
    eprintln!(
        "10k terms: {:.2} ms, 100k terms: {:.2} ms",
        small * 1e3,
        big * 1e3
    );
    // Linear: 10x the terms, ~10x the time (the old parser: 0.8 s and 208 s at 100k).
    assert!(big < small * 30.0 + 0.01, "10k: {small} s, 100k: {big} s");
    // Release builds: well under 100 ms; this test's debug build of the engine is slower.
    let limit = if cfg!(debug_assertions) { 1.0 } else { 0.1 };
    assert!(big < limit, "100k terms took {big} s");
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

#[test]
fn an_expression_error_points_at_its_column_in_chain_toml() {
    let text =
        "output = \"n\"\n[n]\ntype = \"noise\"\nsize = [8, 8]\nscale = \"4 + 2 * sin(tme)\"\n";
    let desc = vivid::project::parse_chain(Path::new("p/chain.toml"), text);
    let err = validate(&desc).unwrap_err();
    let d = &err.0[0];
    // `scale = "4 + 2 * sin(tme)"`: `tme` is at column 22 of line 5.
    assert_eq!((d.line, d.col, d.underline), (5, 22, 3), "{d}");
    assert!(d.message.contains("unknown variable `tme`"), "{d}");
    assert_eq!(
        d.hint
            .as_deref()
            .map(|h| h.starts_with("did you mean `time`?")),
        Some(true)
    );
    // In a vector, the element's own column; in `--set`, the argument's.
    let mut desc = vivid::project::parse_chain(
        Path::new("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"shape\"\nsize = [8, 8]\nposition = [\"0.5\", \"0.5 + (time\"]\n",
    );
    let d = validate(&desc).unwrap_err().0[0].clone();
    assert_eq!((d.line, d.col), (5, 32), "{d}");
    vivid::project::apply_set(&mut desc, "s.position=[0.5, \"fram\"]").unwrap();
    let err = validate(&desc).unwrap_err();
    let d = err.0.iter().find(|d| d.file == Path::new("--set")).unwrap();
    assert_eq!(d.col, 19, "{d}");
}

#[test]
fn chains_beyond_the_limits_are_refused_where_they_cross_them() {
    use std::fmt::Write as _;
    use vivid::chain::{MAX_EXPRESSION_STEPS, MAX_OPERATORS};
    // Operators: at the header of the first one too many.
    let mut text = String::from("output = \"s0\"\n");
    for k in 0..=MAX_OPERATORS {
        let _ = write!(text, "[s{k}]\ntype = \"solid\"\nsize = [4, 4]\n");
    }
    let d = validate(&vivid::project::parse_chain(Path::new("c.toml"), &text)).unwrap_err();
    assert_eq!(d.0.len(), 1, "{d}");
    assert!(d.0[0].message.contains("at most 4096 run"), "{d}");
    assert_eq!(d.0[0].line, 2 + 3 * MAX_OPERATORS, "{d}");
    // Texture memory: six 16384² outputs alive at once are 12 GiB.
    let mut text = String::from("output = \"c\"\nsize = [16384, 16384]\n");
    for k in 0..5 {
        let _ = write!(text, "[s{k}]\ntype = \"solid\"\n");
    }
    text.push_str("[c]\ntype = \"composite\"\ninputs = [\"s0\", \"s1\", \"s2\", \"s3\", \"s4\"]\n");
    let d = validate(&vivid::project::parse_chain(Path::new("c.toml"), &text)).unwrap_err();
    assert!(d.0[0].message.contains("12.0 GiB; at most 8 GiB"), "{d}");
    // Expression steps: three expressions of ~400,000 steps each.
    let big = format!("time{}", "+time".repeat(200_000));
    let mut text = String::from("output = \"s0\"\n");
    for k in 0..3 {
        let _ = write!(
            text,
            "[s{k}]\ntype = \"solid\"\nsize = [4, 4]\ncolor = [\"{big}\", 0, 0]\n"
        );
    }
    let d = validate(&vivid::project::parse_chain(Path::new("c.toml"), &text)).unwrap_err();
    assert!(
        d.0[0]
            .message
            .contains(&format!("more than {MAX_EXPRESSION_STEPS} steps")),
        "{}",
        d.0[0].message
    );
    // Reached at the third: `[s2]` is on line 10.
    assert_eq!(d.0[0].line, 10, "{}", d.0[0].message);
}
