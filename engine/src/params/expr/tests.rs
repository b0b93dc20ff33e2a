//! Unit tests of the expression language: values, errors with their columns, printing,
//! limits, linear parsing, evaluation without allocation.

#![allow(
    clippy::float_cmp,
    reason = "the values compared are exact (small integers, or the same computation)"
)]

use super::*;

fn eval(text: &str) -> f64 {
    Expr::parse(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .eval_raw(&ExprVars::at(2.0, 10.0))
}

fn err(text: &str) -> ExprError {
    Expr::parse(text).expect_err(text)
}

#[test]
fn arithmetic_follows_the_usual_precedence() {
    assert_eq!(eval("1 + 2 * 3"), 7.0);
    assert_eq!(eval("(1 + 2) * 3"), 9.0);
    assert_eq!(eval("2 ^ 3 ^ 2"), 512.0);
    assert_eq!(eval("2 ** 3"), 8.0);
    assert_eq!(eval("-2 ^ 2"), -4.0);
    assert_eq!(eval("2 ^ -1"), 0.5);
    assert_eq!(eval("10 - 4 - 3"), 3.0);
    assert_eq!(eval("64 / 4 / 2"), 8.0);
    assert_eq!(eval("7 % 3"), 1.0);
    assert_eq!(eval("-7 % 3"), -1.0);
    assert_eq!(eval("mod(-7, 3)"), 2.0);
    assert_eq!(eval("--3"), 3.0);
    assert_eq!(eval("+3"), 3.0);
}

#[test]
fn numbers_in_every_spelling() {
    assert_eq!(eval("1e-3"), 0.001);
    assert_eq!(eval("2.5E+2"), 250.0);
    assert_eq!(eval(".5"), 0.5);
    assert_eq!(eval("1."), 1.0);
    assert_eq!(eval("1e3 * 2"), 2000.0);
    assert_eq!(eval("PI"), std::f64::consts::PI);
    assert_eq!(eval("TAU / 2"), std::f64::consts::PI);
    assert_eq!(eval("E"), std::f64::consts::E);
}

#[test]
fn logic_and_choices_give_one_or_zero() {
    assert_eq!(eval("1 < 2"), 1.0);
    assert_eq!(eval("2 <= 1"), 0.0);
    assert_eq!(eval("1 == 1 && 2 != 2"), 0.0);
    assert_eq!(eval("0 || 3"), 1.0);
    assert_eq!(eval("!0"), 1.0);
    assert_eq!(eval("!2"), 0.0);
    assert_eq!(eval("time > 1 ? 10 : 20"), 10.0);
    assert_eq!(eval("0 ? 1 : 0 ? 2 : 3"), 3.0);
    assert_eq!(eval("1 + 1 == 2 ? 5 : 6"), 5.0);
    assert_eq!(eval("select(4, 5, time > 1)"), 5.0);
}

#[test]
fn glsl_functions_with_several_arguments() {
    assert_eq!(eval("clamp(5, 0, 1)"), 1.0);
    assert_eq!(eval("mix(2, 4, 0.25)"), 2.5);
    assert_eq!(eval("smoothstep(0, 1, 0.5)"), 0.5);
    assert_eq!(eval("smoothstep(0, 1, 2)"), 1.0);
    assert_eq!(eval("step(0.5, 0.2)"), 0.0);
    assert_eq!(eval("step(0.5, 0.5)"), 1.0);
    assert_eq!(eval("saturate(-3)"), 0.0);
    assert_eq!(eval("pow(2, 10)"), 1024.0);
    assert_eq!(eval("min(3, 1, 2)"), 1.0);
    assert_eq!(eval("max(3, 1, 2, 7)"), 7.0);
    assert_eq!(eval("length(3, 4)"), 5.0);
    assert_eq!(eval("hypot(3, 4)"), 5.0);
    assert_eq!(eval("atan2(1, 1)"), std::f64::consts::FRAC_PI_4);
    assert_eq!(eval("fract(2.75)"), 0.75);
    assert_eq!(eval("fract(-0.25)"), 0.75);
    assert_eq!(eval("sign(-3) + abs(-2)"), 1.0);
    assert_eq!(eval("exp2(3) + log2(8) + log10(100)"), 13.0);
    assert_eq!(
        eval("floor(-1.5) + ceil(1.2) + round(2.5) + trunc(-1.7)"),
        2.0
    );
    assert_eq!(eval("degrees(PI)"), 180.0);
    assert_eq!(eval("ln(E)"), 1.0);
    assert_eq!(eval("rand(3)"), eval("rand(3)"));
    assert!((0.0..1.0).contains(&eval("rand(frame)")));
    assert_eq!(eval("hash(1)").fract(), 0.0);
    assert!((-1.0..=1.0).contains(&eval("noise(time * 3.3)")));
}

#[test]
fn variables_are_read_by_slot() {
    let e = Expr::parse("frame - 2 * time + delta").expect("parses");
    let mut vars = ExprVars::default();
    vars.set_time(1.0, 5.0, 0.25);
    assert_eq!(e.eval(&vars), Some(3.25));
    assert_eq!(
        e.variables().collect::<Vec<_>>(),
        ["frame", "time", "delta"]
    );
}

#[test]
fn hosts_add_variables_by_name_dotted_ones_included() {
    let mut names = Variables::builtin();
    let bass = names.add("audio.bass", "low band level").expect("added");
    let fader = names.add("osc.fader1", "").expect("added");
    assert_eq!(names.add("audio.bass", "again"), Ok(bass));
    assert!(names.add("sin", "").is_err());
    assert!(names.add("2x", "").is_err());
    assert!(names.add("a..b", "").is_err());
    let e = Expr::parse_with("audio.bass * 2 + osc.fader1", &names).expect("parses");
    let mut vars = ExprVars::new(&names);
    vars.set(bass, 0.5);
    vars.set(fader, 3.0);
    assert_eq!(e.eval(&vars), Some(4.0));
    assert_eq!(e.canonical(), "audio.bass * 2.0 + osc.fader1");
    // Without the host's variables, the name is unknown — at load, with the column.
    let e = err("1 + audio.bas");
    assert_eq!(e.message, "unknown variable `audio.bas`");
    assert_eq!(e.column("1 + audio.bas"), 5);
    let e = Expr::parse_with("audio.bas", &names).expect_err("typo");
    assert!(
        e.hint
            .as_deref()
            .unwrap_or("")
            .contains("did you mean `audio.bass`?"),
        "{e}"
    );
}

#[test]
fn errors_say_what_and_where_in_plain_words() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "fram * 2",
            "unknown variable `fram`",
            1,
            "did you mean `frame`?",
        ),
        (
            "sin(tme)",
            "unknown variable `tme`",
            5,
            "did you mean `time`?",
        ),
        (
            "4 + * 2",
            "expected a number, a variable, a function or `(`, found `*`",
            5,
            "",
        ),
        (
            "sinn(time)",
            "unknown function `sinn`",
            1,
            "did you mean `sin`?",
        ),
        (
            "clamp(time, 0)",
            "`clamp` takes 3 arguments, found 2",
            1,
            "clamp(x, lo, hi)",
        ),
        ("max(1)", "`max` takes 2 to 16 arguments, found 1", 1, ""),
        (
            "(1 + 2",
            "expected `)` to close the `(` at column 1, found the end",
            7,
            "add `)`",
        ),
        ("1 + 2)", "this `)` closes nothing", 6, ""),
        (
            "2time",
            "expected an operator after `2`, found `time`",
            2,
            "`2 * time`",
        ),
        ("1 ? 2", "expected `:`", 6, ""),
        ("a = 1", "unexpected character `=`", 3, "`==`"),
        ("time = 1", "unexpected character `=`", 6, "`==`"),
        ("1,2", "`,` outside a function's arguments", 2, ""),
        ("1e999", "the number `1e999` is too large", 1, ""),
        ("sin", "`sin` is a function: call it", 1, "sin(x)"),
        ("time(2)", "`time` is not a function", 1, ""),
        ("1 / 0", "is always inf", 1, "finite"),
        ("é + 1", "unexpected character `é`", 1, ""),
        ("  ", "empty expression", 1, ""),
    ];
    for &(text, message, col, hint) in cases {
        let e = err(text);
        assert!(e.message.contains(message), "{text}: {e}");
        assert_eq!(e.column(text), col, "{text}: {e}");
        assert!(
            e.hint.as_deref().unwrap_or("").contains(hint),
            "{text}: hint {:?}",
            e.hint
        );
        // Nothing of a parser's internals leaks into what users read.
        for word in ["node", "ops", "operator for", "token", "Tok"] {
            assert!(!e.to_string().contains(word), "{text}: {e}");
        }
    }
}

#[test]
fn printing_reads_back_as_the_same_expression() {
    for text in [
        "1 + 2 * 3",
        "(1 + 2) * 3",
        "1 - (2 - 3)",
        "(1 - 2) - 3",
        "2 ^ 3 ^ 2",
        "(2 ^ 3) ^ 2",
        "-2 ^ 2",
        "(-2) ^ 2",
        "2 ^ -time",
        "-(time + 1)",
        "!(time > 1)",
        "time ? frame : delta",
        "(time ? 1 : 2) ? 3 : 4",
        "time ? 1 : frame ? 2 : 3",
        "clamp(sin(time) * 0.5 + 0.5, 0.1, 0.9)",
        "1e-7 + 1e300 + 0.1",
        "PI * 2",
        "time * -1",
        "1 < 2 == 3 > 4",
        "(1 || 0) && 1",
    ] {
        let Ok(e) = Expr::parse(text) else {
            continue;
        };
        let printed = e.canonical();
        let again = Expr::parse(&printed).unwrap_or_else(|x| panic!("{text} -> {printed}: {x}"));
        assert_eq!(again, e, "{text} -> {printed}");
        assert_eq!(again.canonical(), printed);
    }
    assert_eq!(
        Expr::parse("(1 + 2) * 3").map(|e| e.canonical()),
        Ok("(1.0 + 2.0) * 3.0".into())
    );
}

#[test]
fn limits_are_errors_not_crashes() {
    let deep = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(err(&deep).message.contains("nests more than"), "deep");
    let long = "1+".repeat(MAX_LEN / 2 + 1) + "1";
    assert!(err(&long).message.contains("at most"), "long");
    let wide = format!("max({})", vec!["1"; 17].join(","));
    assert!(err(&wide).message.contains("2 to 16"), "wide");
    // Calls holding 15 values each, 20 deep: more values at once than MAX_STACK.
    let held = format!(
        "{}1{}",
        "max(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,".repeat(20),
        ")".repeat(20)
    );
    assert!(err(&held).message.contains("values at once"), "held");
}

#[test]
fn long_expressions_parse_in_linear_time() {
    let terms = |n: usize| {
        let mut s = String::from("time");
        for k in 0..n {
            s.push_str(["+ sin(time)", " * 2", " - frame"][k % 3]);
        }
        s
    };
    // The fastest of a few parses: a loaded machine's pauses stretch single runs, not the
    // least of them.
    let time = |n: usize| {
        let text = terms(n);
        let mut best = f64::INFINITY;
        let mut len = 0;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            let e = Expr::parse(&text).expect("parses");
            best = best.min(start.elapsed().as_secs_f64());
            len = e.len();
        }
        (best, len)
    };
    let (small, len_small) = time(10_000);
    let (big, len_big) = time(100_000);
    assert!(len_big > 9 * len_small, "{len_small} {len_big}");
    // Ten times the terms: about ten times the time (quadratic would be 100x). Generous for
    // a loaded CI machine; debug builds are slow, release parses 100k terms in ~10 ms.
    assert!(
        big < small * 40.0 + 0.05,
        "10k terms {small:.4} s, 100k {big:.4} s"
    );
}

#[test]
fn evaluation_allocates_nothing() {
    let e = Expr::parse("clamp(sin(time * 3) + noise(time) * rand(frame) + max(1, 2, 3), 0, 9)")
        .expect("parses");
    let vars = ExprVars::at(1.5, 90.0);
    let mut sum = 0.0;
    let info = allocation_counter::measure(|| {
        for _ in 0..1000 {
            sum += e.eval(&vars).unwrap_or(0.0);
        }
    });
    assert_eq!(info.count_total, 0, "{info:?}");
    assert!(sum > 0.0);
}

#[test]
fn open_namespaces_declare_the_names_an_expression_reads() {
    let mut names = Variables::builtin();
    assert_eq!(names.declare_in("osc.a + 1"), 0, "no namespace open yet");
    names.add_namespace("osc", "OSC addresses").expect("opened");
    names.add_namespace("midi", "").expect("opened");
    assert!(names.add_namespace("9x", "").is_err());
    assert_eq!(names.namespace_of("osc.fader1"), Some("osc"));
    assert_eq!(names.namespace_of("osc"), None);
    assert_eq!(names.namespace_of("oscx.a"), None);
    let text = "osc.fader1 * 1.5e3 + sin(osc.x.y) + midi.cc1_7 + audio.bass + osc.fader1 + osc. + 2.5osc.z";
    // fader1, x.y, cc1_7: `audio.bass` is no namespace's, `osc.` no name, `2.5osc.z` a
    // malformed number.
    assert_eq!(names.declare_in(text), 3);
    assert_eq!(names.declare_in(text), 0, "already there");
    let e = Expr::parse_with("osc.fader1 + osc.x.y * midi.cc1_7", &names).expect("parses");
    let mut vars = ExprVars::new(&names);
    vars.set(names.slot("osc.fader1").expect("declared"), 1.0);
    vars.set(names.slot("osc.x.y").expect("declared"), 2.0);
    vars.set(names.slot("midi.cc1_7").expect("declared"), 3.0);
    assert_eq!(e.eval(&vars), Some(7.0));
}
