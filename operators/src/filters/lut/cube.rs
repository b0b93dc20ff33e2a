//! The `.cube` 3D LUT format (Adobe's Cube LUT Specification 1.0, as Resolve and most
//! grading tools write it), parsed with every mistake located at its `file:line:col`.
//!
//! A file is keywords, then the table: `TITLE "text"`, `LUT_3D_SIZE N` (2..=256),
//! `DOMAIN_MIN r g b` / `DOMAIN_MAX r g b` (default 0 0 0 / 1 1 1) or Resolve's
//! `LUT_3D_INPUT_RANGE lo hi`, then N³ lines of three numbers — the output colour for
//! the input (r, g, b) on the lattice, red changing fastest, then green, then blue.
//! `#` starts a comment; blank lines are ignored. 1D LUTs (`LUT_1D_SIZE`) are refused.

use std::ops::Range;
use std::path::Path;

use vivid_engine::{Diagnostic, did_you_mean};

/// Smallest and largest `LUT_3D_SIZE` (the specification's range).
pub const SIZES: std::ops::RangeInclusive<u32> = 2..=256;

/// Keywords a `.cube` file may have.
const KEYWORDS: [&str; 6] = [
    "TITLE",
    "LUT_3D_SIZE",
    "DOMAIN_MIN",
    "DOMAIN_MAX",
    "LUT_3D_INPUT_RANGE",
    "LUT_1D_SIZE",
];

/// A parsed 3D LUT.
#[derive(Clone, Debug, PartialEq)]
pub struct Cube {
    /// `TITLE`, if given.
    pub title: Option<String>,
    /// Lattice points per axis.
    pub size: u32,
    /// The input colour at the lattice's first point (`DOMAIN_MIN`).
    pub domain_min: [f32; 3],
    /// The input colour at its last point (`DOMAIN_MAX`).
    pub domain_max: [f32; 3],
    /// `size³` output colours, red fastest, then green, then blue.
    pub table: Vec<[f32; 3]>,
}

impl Cube {
    /// The output at lattice point (r, g, b).
    #[must_use]
    pub fn at(&self, r: u32, g: u32, b: u32) -> [f32; 3] {
        let n = self.size as usize;
        self.table[(b as usize * n + g as usize) * n + r as usize]
    }
}

/// The words of `line` (which starts at byte `at` of the file) with their byte ranges,
/// up to a `#` (a quoted title may hold one).
fn words(line: &str, at: usize) -> Vec<(&str, Range<usize>)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        if c == '"' {
            quoted = !quoted;
        }
        let split = !quoted && (c.is_whitespace() || c == '#');
        match (start, split) {
            (None, false) => start = Some(i),
            (Some(s), true) => {
                out.push((&line[s..i], at + s..at + i));
                start = None;
            }
            _ => {}
        }
        if c == '#' && !quoted {
            return out;
        }
    }
    if let Some(s) = start {
        out.push((&line[s..], at + s..at + line.len()));
    }
    out
}

/// Parses the text of a `.cube` file (`path` is for the diagnostics).
pub fn parse(path: &Path, text: &str) -> Result<Cube, Diagnostic> {
    let at = |span: Range<usize>, message: String| Diagnostic::at_span(path, text, span, message);
    let mut cube = Cube {
        title: None,
        size: 0,
        domain_min: [0.0; 3],
        domain_max: [1.0; 3],
        table: Vec::new(),
    };
    // Where the size was given (to point at when the table does not match it).
    let mut size_span: Option<Range<usize>> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let line = line.trim_end_matches(['\n', '\r']);
        let words = words(line, start);
        let Some((first, first_span)) = words.first().cloned() else {
            continue;
        };
        let numbers = |ws: &[(&str, Range<usize>)]| -> Result<Vec<f32>, Diagnostic> {
            ws.iter()
                .map(|(w, span)| match w.parse::<f32>() {
                    Ok(x) if x.is_finite() => Ok(x),
                    Ok(_) => Err(at(
                        span.clone(),
                        format!("`{w}` is not a finite number"),
                    )),
                    Err(_) => Err(at(span.clone(), format!("`{w}` is not a number"))),
                })
                .collect()
        };
        let is_keyword = first.starts_with(|c: char| c.is_ascii_alphabetic())
            && first.parse::<f32>().is_err();
        if !is_keyword {
            if cube.size == 0 {
                return Err(at(
                    first_span,
                    "the table starts before `LUT_3D_SIZE N`: the size must come first".into(),
                )
                .with_hint("add a line `LUT_3D_SIZE 33` (the lattice points per axis) above the table"));
            }
            let row = numbers(&words)?;
            if row.len() != 3 {
                let span = first_span.start..words.last().map_or(first_span.end, |w| w.1.end);
                return Err(at(
                    span,
                    format!("a table row has 3 numbers (r g b), this one {}", row.len()),
                ));
            }
            let expected = (cube.size as usize).pow(3);
            if cube.table.len() == expected {
                return Err(at(
                    first_span,
                    format!(
                        "more rows than LUT_3D_SIZE {} gives ({} = {}³)",
                        cube.size, expected, cube.size
                    ),
                ));
            }
            cube.table.push([row[0], row[1], row[2]]);
            continue;
        }
        if !cube.table.is_empty() {
            return Err(at(
                first_span,
                format!("`{first}` after the table: keywords come before it"),
            ));
        }
        let args = &words[1..];
        let args_span = || {
            args.first().map_or(first_span.clone(), |a| a.1.start..args.last().map_or(a.1.end, |l| l.1.end))
        };
        match first {
            "TITLE" => {
                let rest = line[first_span.end - start..].trim();
                cube.title = Some(rest.trim_matches('"').to_string());
            }
            "LUT_3D_SIZE" => {
                let n = match args {
                    [(w, span)] => w.parse::<u32>().map_err(|_| {
                        at(span.clone(), format!("`LUT_3D_SIZE {w}`: the size is a whole number"))
                    })?,
                    _ => {
                        return Err(at(
                            args_span(),
                            "`LUT_3D_SIZE` takes one number, the lattice points per axis".into(),
                        ));
                    }
                };
                if !SIZES.contains(&n) {
                    return Err(at(
                        args_span(),
                        format!(
                            "LUT_3D_SIZE {n} is out of range {}..={}",
                            SIZES.start(),
                            SIZES.end()
                        ),
                    )
                    .with_hint("grading tools export 17, 33 or 65"));
                }
                if cube.size != 0 {
                    return Err(at(first_span, "`LUT_3D_SIZE` given twice".into()));
                }
                cube.size = n;
                size_span = Some(first_span.start..args_span().end);
            }
            "DOMAIN_MIN" | "DOMAIN_MAX" => {
                let v = numbers(args)?;
                let [r, g, b] = v[..] else {
                    return Err(at(
                        args_span(),
                        format!("`{first}` takes 3 numbers (r g b), found {}", v.len()),
                    ));
                };
                if first == "DOMAIN_MIN" {
                    cube.domain_min = [r, g, b];
                } else {
                    cube.domain_max = [r, g, b];
                }
            }
            "LUT_3D_INPUT_RANGE" => {
                let v = numbers(args)?;
                let [lo, hi] = v[..] else {
                    return Err(at(
                        args_span(),
                        format!("`LUT_3D_INPUT_RANGE` takes 2 numbers (min max), found {}", v.len()),
                    ));
                };
                cube.domain_min = [lo; 3];
                cube.domain_max = [hi; 3];
            }
            "LUT_1D_SIZE" => {
                return Err(at(
                    first_span,
                    "a 1D LUT (`LUT_1D_SIZE`): `lut` applies 3D LUTs (`LUT_3D_SIZE`)".into(),
                )
                .with_hint("export the grade as a 3D LUT, or use `levels`/`gradient_map` for per-channel curves"));
            }
            other => {
                let mut d = at(first_span, format!("unknown keyword `{other}`"));
                d = match did_you_mean(other, KEYWORDS) {
                    Some(h) => d.with_hint(h),
                    None => d.with_hint(format!("the keywords are {}", KEYWORDS.join(", "))),
                };
                return Err(d);
            }
        }
    }
    if cube.size == 0 {
        return Err(Diagnostic::file_level(path, "no `LUT_3D_SIZE N`: not a 3D LUT")
            .with_hint("a .cube file starts with `LUT_3D_SIZE 33` (the lattice points per axis), then the table"));
    }
    let expected = (cube.size as usize).pow(3);
    if cube.table.len() != expected {
        let span = size_span.unwrap_or(0..0);
        return Err(at(
            span,
            format!(
                "LUT_3D_SIZE {} needs {expected} table rows ({}³), the file has {}",
                cube.size,
                cube.size,
                cube.table.len()
            ),
        ));
    }
    for c in 0..3 {
        if cube.domain_min[c] >= cube.domain_max[c] {
            return Err(Diagnostic::file_level(
                path,
                format!(
                    "the domain is empty: DOMAIN_MIN {:?} is not below DOMAIN_MAX {:?} on every channel",
                    cube.domain_min, cube.domain_max
                ),
            ));
        }
    }
    Ok(cube)
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the values compared are exact")]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn identity_text(n: u32) -> String {
        let mut s = format!("TITLE \"identity # not a comment\"\n# a comment\nLUT_3D_SIZE {n}\n\n");
        let k = (n - 1) as f32;
        for b in 0..n {
            for g in 0..n {
                for r in 0..n {
                    let _ = writeln!(s, "{} {} {}", r as f32 / k, g as f32 / k, b as f32 / k);
                }
            }
        }
        s
    }

    fn err(text: &str) -> Diagnostic {
        parse(Path::new("x.cube"), text).unwrap_err()
    }

    #[test]
    fn reads_keywords_comments_and_the_table_red_fastest() {
        let text = "# made by hand\r\nTITLE \"swap\"\r\nDOMAIN_MIN 0 0 0\r\nDOMAIN_MAX 1 1 2\r\nLUT_3D_SIZE 2\r\n0 0 0\r\n1 0 0 # red\r\n0 1 0\r\n1 1 0\r\n0 0 1\r\n1 0 1\r\n0 1 1\r\n1 1 1\r\n";
        let c = parse(Path::new("x.cube"), text).unwrap();
        assert_eq!(c.title.as_deref(), Some("swap"));
        assert_eq!((c.size, c.domain_max), (2, [1.0, 1.0, 2.0]));
        assert_eq!(c.at(1, 0, 0), [1.0, 0.0, 0.0]);
        assert_eq!(c.at(0, 1, 1), [0.0, 1.0, 1.0]);
        let c = parse(Path::new("x.cube"), &identity_text(3)).unwrap();
        assert_eq!(c.title.as_deref(), Some("identity # not a comment"));
        assert_eq!(c.at(2, 1, 0), [1.0, 0.5, 0.0]);
        let c = parse(
            Path::new("x.cube"),
            &identity_text(2).replace("LUT_3D_SIZE 2", "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -0.5 1.5"),
        )
        .unwrap();
        assert_eq!((c.domain_min, c.domain_max), ([-0.5; 3], [1.5; 3]));
    }

    #[test]
    fn every_mistake_is_located() {
        let good = identity_text(2);
        // Wrong count: one row missing, pointed at the size.
        let d = err(good.trim_end().rsplit_once('\n').unwrap().0);
        assert_eq!((d.line, d.col), (3, 1), "{d}");
        assert!(d.message.contains("needs 8 table rows") && d.message.contains("has 7"), "{d}");
        // One row too many.
        let d = err(&format!("{good}0 0 0\n"));
        assert_eq!(d.line, 13, "{d}");
        assert!(d.message.contains("more rows"), "{d}");
        // NaN, inf and garbage, at the number.
        let d = err(&good.replacen("0.5", "x", 1).replacen("1 0 0\n", "1 nan 0\n", 1));
        assert_eq!((d.line, d.col), (6, 3), "{d}");
        assert!(d.message.contains("`nan` is not a finite number"), "{d}");
        let d = err(&good.replacen("1 1 0\n", "1 inf 0\n", 1));
        assert!(d.message.contains("`inf` is not a finite number"), "{d}");
        let d = err(&good.replacen("1 0 0\n", "1 0,5 0\n", 1));
        assert!(d.message.contains("`0,5` is not a number"), "{d}");
        // Two numbers on a row.
        let d = err(&good.replacen("1 0 0\n", "1 0\n", 1));
        assert_eq!((d.line, d.col), (6, 1), "{d}");
        assert!(d.message.contains("3 numbers"), "{d}");
        // Sizes out of range, at the number.
        for n in ["1000", "1", "0"] {
            let d = err(&good.replace("LUT_3D_SIZE 2", &format!("LUT_3D_SIZE {n}")));
            assert_eq!((d.line, d.col), (3, 13), "{d}");
            assert!(d.message.contains("out of range 2..=256"), "{d}");
        }
        let d = err(&good.replace("LUT_3D_SIZE 2", "LUT_3D_SIZE 2.5"));
        assert!(d.message.contains("whole number"), "{d}");
        // A typo, 1D LUTs, keywords after the table, no size, an empty domain.
        let d = err(&good.replace("LUT_3D_SIZE", "LUT_3D_SIZ"));
        assert_eq!(d.hint.as_deref(), Some("did you mean `LUT_3D_SIZE`?"), "{d}");
        assert!(err("LUT_1D_SIZE 1024\n").message.contains("1D LUT"));
        let d = err(&format!("{good}DOMAIN_MIN 0 0 0\n"));
        assert!(d.message.contains("after the table"), "{d}");
        let d = err("0 0 0\n");
        assert!(d.message.contains("before `LUT_3D_SIZE"), "{d}");
        assert!(err("# nothing\n").message.contains("no `LUT_3D_SIZE"));
        let d = err(&good.replace("LUT_3D_SIZE 2", "LUT_3D_SIZE 2\nDOMAIN_MIN 0 1 0\nDOMAIN_MAX 1 1 1"));
        assert!(d.message.contains("domain is empty"), "{d}");
    }
}
