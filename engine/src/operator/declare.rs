//! What an operator written in WGSL says of itself, read from its text: the front matter
//! (`//!` lines at the top: summary, `category:`, `inputs:`, `pointwise`) and the notes on
//! the fields of its `struct Params` (`default=`, `range=`, `choice=`, `color`, `bool`,
//! `fixed`, `alias=`, `when=`, `group=`, the list annotations `colors`, `floats` and
//! `count=`, then the description). The syntax is documented for users in
//! `shaders/common/interface.wgsl`.

use std::path::Path;

use super::{Category, InputSpec, MAX_INPUTS};
use crate::error::{Diagnostic, did_you_mean};
use crate::params::{ParamCondition, RawValue};

/// The front matter of a WGSL operator file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FrontMatter {
    /// First paragraph of the `//!` text: the one-line summary.
    pub summary: String,
    /// `category: …`.
    pub category: Option<Category>,
    /// `inputs: …`.
    pub inputs: Option<InputSpec>,
    /// `pointwise`: the file defines `fn point(c, uv)` instead of `fn shade(uv)`.
    pub pointwise: bool,
}

/// Keys the front matter knows.
const KEYS: [&str; 3] = ["category", "inputs", "pointwise"];

/// Reads the `//!` lines at the top of `text` (before any code; blank lines and `//`
/// comments may sit among them). A line `key: value` whose key is a lower-case word is a
/// setting; other lines are documentation, the first paragraph being the summary.
pub fn front_matter(path: &Path, text: &str) -> Result<FrontMatter, Diagnostic> {
    let mut fm = FrontMatter::default();
    let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        let trimmed = line.trim();
        let Some(rest) = trimmed.strip_prefix("//!") else {
            if trimmed.is_empty() || (trimmed.starts_with("//") && !trimmed.starts_with("///")) {
                continue;
            }
            break;
        };
        let rest = rest.trim();
        let lead = line.len() - line.trim_start().len() + 3;
        let span = |word: &str| {
            let start = at + lead + line[lead..].find(word).unwrap_or(0);
            start..start + word.len()
        };
        if rest.is_empty() {
            paragraphs.push(Vec::new());
            continue;
        }
        // A setting is a known key, or a near miss of one (a typo is reported, not taken
        // for prose: "catgory: filter"); any other line is documentation.
        let keyish = |k: &str| is_key(k) && (KEYS.contains(&k) || did_you_mean(k, KEYS).is_some());
        let (key, value) = match rest.split_once(':') {
            Some((k, v)) if keyish(k) => (k, Some(v.trim())),
            _ if keyish(rest) => (rest, None),
            _ => {
                if let Some(p) = paragraphs.last_mut() {
                    p.push(rest);
                }
                continue;
            }
        };
        let bad = |message: String| Diagnostic::at_span(path, text, span(rest), message);
        match (key, value) {
            ("category", Some(v)) => {
                fm.category = Some(Category::parse(v).ok_or_else(|| {
                    bad(format!(
                        "unknown category `{v}`: generator, filter, composite, temporal, 3d or custom"
                    ))
                })?);
            }
            ("inputs", Some(v)) => {
                fm.inputs = Some(parse_inputs(v).ok_or_else(|| {
                    bad(format!(
                        "`inputs: {v}`: write a count (`1`) or a range (`0..4`), at most {MAX_INPUTS}"
                    ))
                })?);
            }
            ("pointwise", None) => fm.pointwise = true,
            (k, _) if KEYS.contains(&k) => {
                return Err(bad(format!(
                    "`{k}` {}",
                    if k == "pointwise" {
                        "takes no value"
                    } else {
                        "needs a value: `key: value`"
                    }
                )));
            }
            (k, _) => {
                let mut d = bad(format!("unknown front matter key `{k}`"));
                d = match did_you_mean(k, KEYS) {
                    Some(h) => d.with_hint(h),
                    None => d.with_hint(format!("the keys are {}", KEYS.join(", "))),
                };
                return Err(d);
            }
        }
    }
    fm.summary = paragraphs
        .into_iter()
        .find(|p| !p.is_empty())
        .map(|p| p.join(" "))
        .unwrap_or_default();
    Ok(fm)
}

/// A front matter key: a lower-case word (`category`), so that prose lines are not keys.
fn is_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '_')
}

/// `1`, `0..4`, `1..8`.
fn parse_inputs(v: &str) -> Option<InputSpec> {
    let (min, max) = if let Some((a, b)) = v.split_once("..") {
        (
            a.trim().parse().ok()?,
            b.trim().trim_start_matches('=').parse().ok()?,
        )
    } else {
        let n = v.trim().parse().ok()?;
        (n, n)
    };
    (min <= max && max <= MAX_INPUTS).then_some(InputSpec { min, max })
}

/// What the comments of one `Params` field say.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Note {
    /// `default=…`.
    pub default: Option<RawValue>,
    /// `range=lo..hi`.
    pub range: Option<(f64, f64)>,
    /// `color`: a vec3/vec4 colour.
    pub color: bool,
    /// `bool`: an integer holding 0 or 1.
    pub boolean: bool,
    /// `choice=a|b|c`: an integer holding the index of a name.
    pub choices: Vec<String>,
    /// `fixed`: not animatable.
    pub fixed: bool,
    /// `alias=old|older`: names also accepted.
    pub aliases: Vec<String>,
    /// `when=other:a|b`: it applies only when parameter `other` is `a` or `b`.
    pub when: Option<ParamCondition>,
    /// `group=Name`: the inspector's group.
    pub group: Option<String>,
    /// `colors` or `floats`: an `array<vec4<f32>, N>` holding a list of up to N elements.
    pub list: Option<ListOf>,
    /// `count=list`: an integer the engine sets to the number of elements of the list
    /// field `list` (not a parameter itself).
    pub count: Option<String>,
    /// The description.
    pub doc: String,
}

/// What the elements of a list field (`array<vec4<f32>, N>`) are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListOf {
    /// `colors`: colours, straight RGBA.
    Colors,
    /// `floats`: numbers, each in the `.x` of its element.
    Floats,
}

impl ListOf {
    /// The annotation's word.
    #[must_use]
    pub const fn word(self) -> &'static str {
        match self {
            Self::Colors => "colors",
            Self::Floats => "floats",
        }
    }
}

/// Annotation keys written `key=value`, and flags.
const NOTE_KEYS: [&str; 7] = [
    "default", "range", "choice", "count", "alias", "when", "group",
];
const NOTE_FLAGS: [&str; 8] = [
    "color", "bool", "fixed", "colors", "floats", "colour", "colours", "int",
];

/// Parses a field's trailing comment: annotations first, then the description.
pub fn parse_note(comment: &str) -> Result<Note, String> {
    let mut note = Note::default();
    let mut rest = comment.trim();
    while !rest.is_empty() {
        let end = token_end(rest);
        let word = &rest[..end];
        let (key, value) = match word.split_once('=') {
            Some((k, v)) if is_key(k) => (k, Some(v)),
            _ => (word, None),
        };
        match (key, value) {
            ("default", Some(v)) => {
                let v = v.trim();
                note.default = toml::de::DeValue::parse(v)
                    .ok()
                    .and_then(|d| to_raw(d.get_ref()))
                    .or_else(|| Some(RawValue::Str(v.trim_matches('"').to_string())));
            }
            ("range", Some(v)) => {
                let parsed = v.split_once("..").and_then(|(lo, hi)| {
                    Some((
                        lo.parse::<f64>().ok()?,
                        hi.trim_start_matches('=').parse::<f64>().ok()?,
                    ))
                });
                let Some((lo, hi)) = parsed else {
                    return Err(format!(
                        "`range={v}`: write `range=lo..hi`, e.g. range=0..1"
                    ));
                };
                note.range = Some((lo.min(hi), lo.max(hi)));
            }
            ("choice", Some(v)) => {
                note.choices = v.split('|').map(str::to_string).collect();
                if note.choices.iter().any(String::is_empty) {
                    return Err(format!(
                        "`choice={v}`: names separated by `|`, e.g. choice=add|multiply"
                    ));
                }
            }
            ("alias", Some(v)) => {
                note.aliases = v.split('|').map(str::to_string).collect();
                let name = |a: &String| {
                    !a.is_empty() && a.chars().all(|c| c.is_alphanumeric() || c == '_')
                };
                if !note.aliases.iter().all(name) {
                    return Err(format!(
                        "`alias={v}`: former names separated by `|`, e.g. alias=rotation"
                    ));
                }
            }
            ("when", Some(v)) => note.when = Some(ParamCondition::parse(v)?),
            ("group", Some(v)) if !v.is_empty() => note.group = Some(v.replace('_', " ")),
            ("count", Some(v)) => {
                if v.is_empty() || !v.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    return Err(format!(
                        "`count={v}`: name the list field it counts, e.g. count=stops"
                    ));
                }
                note.count = Some(v.to_string());
            }
            ("colors" | "colours", None) => note.list = Some(ListOf::Colors),
            ("floats", None) => note.list = Some(ListOf::Floats),
            ("color" | "colour", None) => note.color = true,
            ("bool", None) => note.boolean = true,
            ("fixed", None) => note.fixed = true,
            ("int", None) => {}
            (k, Some(_)) => {
                let hint = did_you_mean(k, NOTE_KEYS).unwrap_or_else(|| {
                    format!(
                        "annotations: {}=…, and {}",
                        NOTE_KEYS.join("=…, "),
                        NOTE_FLAGS[..5].join(", ")
                    )
                });
                return Err(format!("unknown annotation `{k}=` ({hint})"));
            }
            _ => {
                note.doc = rest.to_string();
                break;
            }
        }
        rest = rest[end..].trim_start();
    }
    Ok(note)
}

/// The end of the annotation token at the start of `s`: a `default=` value may be an array
/// with spaces (`default=[1, 0.5, 0]`), arrays in it (`default=[[1, 0, 0], "#ffffff"]`) or
/// a quoted string.
fn token_end(s: &str) -> usize {
    if let Some(v) = s.strip_prefix("default=") {
        let close = match v.chars().next() {
            Some('[') => array_end(v),
            Some('"') => v[1..].find('"').map(|i| i + 2),
            _ => None,
        };
        if let Some(c) = close {
            return "default=".len() + c;
        }
    }
    s.find(char::is_whitespace).unwrap_or(s.len())
}

/// The end of the array `v` starts with (one past its `]`), skipping nested arrays and
/// brackets inside strings.
fn array_end(v: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in v.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '[' if !quoted => depth += 1,
            ']' if !quoted => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn to_raw(v: &toml::de::DeValue<'_>) -> Option<RawValue> {
    use toml::de::DeValue;
    Some(match v {
        DeValue::Integer(i) => RawValue::Int(i.as_str().parse().ok()?),
        DeValue::Float(f) => RawValue::Float(f.as_str().parse().ok()?),
        DeValue::Boolean(b) => RawValue::Bool(*b),
        DeValue::String(s) => RawValue::Str(s.to_string()),
        DeValue::Array(a) => RawValue::Array(
            a.iter()
                .map(|x| to_raw(x.get_ref()))
                .collect::<Option<_>>()?,
        ),
        _ => return None,
    })
}

/// The notes of the fields of `struct Params`, with where each field's name is.
#[derive(Debug, Default)]
pub struct Annotations {
    /// (field name, byte offset of the name in the text, note).
    fields: Vec<(String, usize, Note)>,
}

impl Annotations {
    /// Reads the field comments of `struct Params` in `text`: `///` lines above a field and
    /// the `//` comment after it. A malformed annotation is an error at its field.
    pub fn find(path: &Path, text: &str) -> Result<Self, Diagnostic> {
        let mut fields = Vec::new();
        let Some(start) = find_code(text, "struct Params") else {
            return Ok(Self { fields });
        };
        let Some(open) = text[start..].find('{').map(|i| start + i) else {
            return Ok(Self { fields });
        };
        let close = text[open..].find('}').map_or(text.len(), |i| open + i);
        let mut offset = open + 1;
        let mut above: Vec<&str> = Vec::new();
        for line in text[open + 1..close].split_inclusive('\n') {
            let at = offset;
            offset += line.len();
            let trimmed = line.trim();
            if let Some(doc) = trimmed.strip_prefix("///") {
                above.push(doc.trim());
                continue;
            }
            let (code, comment) = match line.find("//") {
                Some(i) => (&line[..i], Some(&line[i + 2..])),
                None => (line, None),
            };
            let Some((name, _)) = code.split_once(':') else {
                if !trimmed.is_empty() {
                    above.clear();
                }
                continue;
            };
            let name = name.trim();
            // `@align(16) name: T` and friends.
            let name = name.rsplit(char::is_whitespace).next().unwrap_or(name);
            if name.is_empty() || !name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                above.clear();
                continue;
            }
            let name_at = at + line.find(name).unwrap_or(0);
            let mut note = match comment.map(parse_note).transpose() {
                Ok(n) => n.unwrap_or_default(),
                Err(message) => {
                    return Err(Diagnostic::at_span(
                        path,
                        text,
                        name_at..name_at + name.len(),
                        format!("`Params.{name}`: {message}"),
                    ));
                }
            };
            if !above.is_empty() {
                let lead = above.join(" ");
                note.doc = if note.doc.is_empty() {
                    lead
                } else {
                    format!("{lead} {}", note.doc)
                };
                above.clear();
            }
            fields.push((name.to_string(), name_at, note));
        }
        Ok(Self { fields })
    }

    /// The note of field `name` (empty if it has none).
    #[must_use]
    pub fn get(&self, name: &str) -> Note {
        self.fields
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, _, note)| note.clone())
            .unwrap_or_default()
    }

    /// A diagnostic at field `name` (at the file when it cannot be found).
    #[must_use]
    pub fn diag(&self, path: &Path, text: &str, name: &str, message: String) -> Diagnostic {
        match self.fields.iter().find(|(n, _, _)| n == name) {
            Some((_, at, _)) => Diagnostic::at_span(path, text, *at..*at + name.len(), message),
            None => Diagnostic::file_level(path, message),
        }
    }
}

/// The byte offset of `needle` (words separated by single spaces, e.g. `fn shade`) in
/// code outside `//` comments, followed by a non-identifier character.
#[must_use]
pub fn find_code(text: &str, needle: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let normalized: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut from = 0;
        while let Some(i) = normalized[from..].find(needle) {
            let at = from + i;
            let before_ok = at == 0
                || !normalized[..at]
                    .chars()
                    .next_back()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_');
            let after_ok = !normalized[at + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            if before_ok && after_ok {
                let first = needle.split(' ').next().unwrap_or(needle);
                return Some(offset + line.find(first).unwrap_or(0));
            }
            from = at + needle.len();
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_give_defaults_ranges_colours_and_docs() {
        let n = parse_note(" default=0.25 range=0..2 How far it wobbles").unwrap();
        assert_eq!(n.default, Some(RawValue::Float(0.25)));
        assert_eq!(n.range, Some((0.0, 2.0)));
        assert_eq!(n.doc, "How far it wobbles");
        let n = parse_note("default=[1, 0.5, 0, 1] color").unwrap();
        assert_eq!(
            n.default,
            Some(RawValue::Array(vec![
                RawValue::Int(1),
                RawValue::Float(0.5),
                RawValue::Int(0),
                RawValue::Int(1)
            ]))
        );
        assert!(n.color);
        assert_eq!(parse_note("").unwrap().default, None);
        let n = parse_note(
            "choice=perlin|simplex default=simplex bool fixed alias=a|b Words color here",
        )
        .unwrap();
        assert_eq!(n.choices, ["perlin", "simplex"]);
        assert_eq!(n.default, Some(RawValue::Str("simplex".into())));
        assert!(n.boolean && n.fixed && !n.color, "{n:?}");
        assert_eq!(n.aliases, ["a", "b"]);
        assert_eq!(n.doc, "Words color here");
        let n =
            parse_note("default=5 when=kind:star|polygon group=Shape Points of a star").unwrap();
        assert_eq!(
            n.when.map(|w| w.to_string()).as_deref(),
            Some("kind:star|polygon")
        );
        assert_eq!(n.group.as_deref(), Some("Shape"));
        assert_eq!(n.doc, "Points of a star");
        assert!(
            parse_note("when=kind")
                .unwrap_err()
                .contains("when=param:value")
        );
        assert!(
            parse_note("wehn=kind:a")
                .unwrap_err()
                .contains("did you mean `when`")
        );
        // Lists: nested arrays and brackets in strings end where the outer array does.
        let n = parse_note("colors default=[[1, 0, 0], \"#ff]000\", [0, 0, 1, 0.5]] Ramp").unwrap();
        assert_eq!(n.list, Some(ListOf::Colors));
        assert_eq!(n.doc, "Ramp");
        let Some(RawValue::Array(items)) = &n.default else {
            panic!("{n:?}")
        };
        assert_eq!(items.len(), 3);
        assert_eq!(items[1], RawValue::Str("#ff]000".into()));
        let n = parse_note("count=stops").unwrap();
        assert_eq!(n.count.as_deref(), Some("stops"));
        assert!(parse_note("count=").is_err());
        assert_eq!(
            parse_note("floats range=0..1").unwrap().list,
            Some(ListOf::Floats)
        );
        let e = parse_note("defualt=1 x").unwrap_err();
        assert!(e.contains("did you mean `default`"), "{e}");
        assert!(parse_note("range=1").is_err());
    }

    #[test]
    fn code_is_found_outside_comments() {
        assert!(find_code("struct Params {\n a: f32,\n}\n", "struct Params").is_some());
        assert!(
            find_code(
                "// struct Params { a: f32 }\nfn shade() {}\n",
                "struct Params"
            )
            .is_none()
        );
        assert!(find_code("struct ParamsX { a: f32 }\n", "struct Params").is_none());
        assert!(find_code("fn  shade(uv: vec2<f32>) -> vec4<f32> {", "fn shade").is_some());
        assert!(find_code("// fn shade(uv: vec2<f32>)\nfn shady() {}", "fn shade").is_none());
        assert!(find_code("fn shader_thing() {}", "fn shade").is_none());
        assert_eq!(find_code("\n  fn point(", "fn point"), Some(3));
    }

    #[test]
    fn annotations_locate_fields_and_read_doc_lines() {
        let text = "struct Params {\n    /// Doc above.\n    amount: f32, // default=2 range=0..4\n    tint: vec4<f32>,\n}\n";
        let a = Annotations::find(Path::new("x.wgsl"), text).unwrap();
        let n = a.get("amount");
        assert_eq!(n.default, Some(RawValue::Int(2)));
        assert_eq!(n.doc, "Doc above.");
        let d = a.diag(Path::new("x.wgsl"), text, "tint", "m".into());
        assert_eq!((d.line, d.col), (4, 5));
        let bad = "struct Params {\n    amount: f32, // range=zero\n}\n";
        let e = Annotations::find(Path::new("x.wgsl"), bad).unwrap_err();
        assert_eq!((e.line, e.col), (2, 5), "{e}");
    }

    #[test]
    fn front_matter_reads_summary_and_keys() {
        let text = "//! Hue shift.\n//! More words.\n//!\n//! Longer text.\n//! category: filter\n//! inputs: 1\n//! pointwise\n#import \"x\"\n//! not front matter\n";
        let fm = front_matter(Path::new("a.wgsl"), text).unwrap();
        assert_eq!(fm.summary, "Hue shift. More words.");
        assert_eq!(fm.category, Some(Category::Filter));
        assert_eq!(fm.inputs, Some(InputSpec::ONE));
        assert!(fm.pointwise);
        let fm = front_matter(Path::new("a.wgsl"), "//! inputs: 0..4\n").unwrap();
        assert_eq!(fm.inputs, Some(InputSpec { min: 0, max: 4 }));
        assert_eq!(fm.summary, "");
        let e = front_matter(Path::new("a.wgsl"), "// c\n//! catgory: filter\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 5), "{e}");
        assert!(e.to_string().contains("did you mean `category`"), "{e}");
        let e = front_matter(Path::new("a.wgsl"), "//! inputs: 9\n").unwrap_err();
        assert!(e.to_string().contains("at most 8"), "{e}");
        assert!(front_matter(Path::new("a.wgsl"), "//! category: blob\n").is_err());
        // Prose with a colon is documentation.
        let fm =
            front_matter(Path::new("a.wgsl"), "//! Note: words.\n//! formula: a*b.\n").unwrap();
        assert_eq!(fm.summary, "Note: words. formula: a*b.");
    }
}
