//! `text`'s placeholders: `{time:.1}`, `{frame:04}`, `{audio.bass:.2}`, `{{` and `}}` for
//! braces. Parsed once per `text` value into pieces naming variables of the expression
//! registry ([`Variables`]: `time`, `frame`, `delta` and whatever the host added) by slot,
//! formatted every frame from that frame's values without allocating.

use std::fmt::Write as _;

use vivid_engine::params::{ExprVars, Variables};

/// How a placeholder formats its number: `{name:[0][width][.precision]}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spec {
    /// Pad with zeros (else spaces) to `width`.
    pub zero: bool,
    /// Least characters.
    pub width: usize,
    /// Digits after the point (none: integers as integers, others with 2).
    pub precision: Option<usize>,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Text as written.
    Literal(String),
    /// A variable's value.
    Value {
        /// Its name.
        name: String,
        /// Its slot in the registry's [`Variables`].
        slot: usize,
        /// Its format.
        spec: Spec,
    },
}

/// A parsed `text` value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Template {
    pieces: Vec<Piece>,
}

fn parse_spec(spec: &str) -> Result<Spec, String> {
    let mut s = Spec::default();
    let (width, precision) = match spec.split_once('.') {
        Some((w, p)) => (w, Some(p)),
        None => (spec, None),
    };
    if let Some(rest) = width.strip_prefix('0') {
        s.zero = true;
        s.width = if rest.is_empty() {
            0
        } else {
            rest.parse().map_err(|_| format!("bad width `{width}`"))?
        };
    } else if !width.is_empty() {
        s.width = width.parse().map_err(|_| format!("bad width `{width}`"))?;
    }
    if let Some(p) = precision {
        s.precision = Some(p.parse().map_err(|_| format!("bad precision `.{p}`"))?);
    }
    if s.width > 64 || s.precision.is_some_and(|p| p > 12) {
        return Err(format!("`{spec}`: at most 64 wide and 12 digits"));
    }
    Ok(s)
}

impl Template {
    /// Parses `text`; `known` says which variables exist. The error names the placeholder
    /// and lists the variables.
    pub fn parse(text: &str, known: &Variables) -> Result<Self, String> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().is_some_and(|(_, n)| *n == '{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().is_some_and(|(_, n)| *n == '}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let Some(end) = text[i..].find('}') else {
                        return Err(format!(
                            "`{{` at character {i} is not closed (write `{{{{` for a brace)"
                        ));
                    };
                    let inner = &text[i + 1..i + end];
                    let (name, spec) = inner.split_once(':').unwrap_or((inner, ""));
                    let name = name.trim();
                    let Some(slot) = known.slot(name) else {
                        return Err(format!(
                            "unknown placeholder `{{{inner}}}`: the variables are {}",
                            known.names().collect::<Vec<_>>().join(", ")
                        ));
                    };
                    let spec = parse_spec(spec.trim())
                        .map_err(|e| format!("placeholder `{{{inner}}}`: {e}"))?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Value {
                        name: name.to_string(),
                        slot,
                        spec,
                    });
                    while chars.peek().is_some_and(|(j, _)| *j <= i + end) {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(format!(
                        "`}}` at character {i} has no `{{` (write `}}}}` for a brace)"
                    ));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Self { pieces })
    }

    /// Whether any placeholder names `name`.
    #[must_use]
    pub fn uses(&self, name: &str) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Value { name: n, .. } if n == name))
    }

    /// Writes the text with every placeholder's value this frame into `out` (cleared
    /// first; no allocation once `out` is large enough).
    pub fn format_into(&self, out: &mut String, vars: &ExprVars) {
        out.clear();
        for p in &self.pieces {
            match p {
                Piece::Literal(s) => out.push_str(s),
                Piece::Value { slot, spec, .. } => {
                    let v = vars.get(*slot);
                    let (w, p) = (spec.width, spec.precision);
                    let integral = v.fract() == 0.0 && v.abs() < 1e15;
                    let _ = match (spec.zero, p) {
                        (true, Some(p)) => write!(out, "{v:0w$.p$}"),
                        (false, Some(p)) => write!(out, "{v:w$.p$}"),
                        (true, None) if integral => write!(out, "{:0w$}", v as i64),
                        (false, None) if integral => write!(out, "{:w$}", v as i64),
                        (true, None) => write!(out, "{v:0w$.2}"),
                        (false, None) => write!(out, "{v:w$.2}"),
                    };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(t: &str, time: f64, frame: f64) -> String {
        let t = Template::parse(t, &Variables::builtin()).unwrap_or_else(|e| panic!("{e}"));
        let mut s = String::new();
        t.format_into(&mut s, &ExprVars::at(time, frame));
        s
    }

    #[test]
    fn placeholders_format_like_rust() {
        assert_eq!(fmt("t = {time:.1} s", 12.345, 0.0), "t = 12.3 s");
        assert_eq!(fmt("#{frame:04}", 0.0, 42.0), "#0042");
        assert_eq!(fmt("{frame}", 0.0, 7.0), "7");
        assert_eq!(fmt("{time}", 1.5, 0.0), "1.50");
        assert_eq!(fmt("{time:6.2}|", 4.56789, 0.0), "  4.57|");
        assert_eq!(fmt("{{literal}} {frame}", 0.0, 3.0), "{literal} 3");
        assert_eq!(fmt("no placeholder", 0.0, 0.0), "no placeholder");
        assert_eq!(fmt("{ frame }", 0.0, 5.0), "5");
    }

    #[test]
    fn mistakes_are_named() {
        let known = Variables::builtin();
        let e = Template::parse("{tiem:.1}", &known).unwrap_err();
        assert!(
            e.contains("unknown placeholder `{tiem:.1}`") && e.contains("time, frame, delta"),
            "{e}"
        );
        assert!(
            Template::parse("{time", &known)
                .unwrap_err()
                .contains("not closed")
        );
        assert!(
            Template::parse("a } b", &known)
                .unwrap_err()
                .contains("has no `{`")
        );
        assert!(Template::parse("{time:x}", &known).is_err());
        assert!(Template::parse("{time:.99}", &known).is_err());
        assert!(Template::parse("{frame}", &known).unwrap().uses("frame"));
    }

    #[test]
    fn a_host_variable_is_a_placeholder() {
        let mut known = Variables::builtin();
        let slot = known.add("audio.bass", "bass level").unwrap();
        let t = Template::parse("bass {audio.bass:.2}", &known).unwrap();
        let mut vars = ExprVars::new(&known);
        vars.set(slot, 0.625);
        let mut s = String::new();
        t.format_into(&mut s, &vars);
        assert_eq!(s, "bass 0.62");
    }
}
