//! The JSON header of an ISF file (`/*{ "INPUTS": [...], "PASSES": [...] }*/`): its inputs
//! and passes, with errors at the file's own line and column.

use std::path::Path;

use serde_json::Value;

use crate::error::Diagnostic;

/// What an ISF input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// A texture: one of the operator's inputs.
    Image,
    /// A number.
    Float,
    /// On or off.
    Bool,
    /// One of `VALUES` (integers), shown with `LABELS`.
    Long,
    /// RGBA.
    Color,
    /// A point (pixels).
    Point2D,
    /// A momentary trigger.
    Event,
    /// Audio waveform (`audio`) or spectrum (`audioFFT`): an image input fed by an
    /// `audio_waveform` or `audio_spectrum` node.
    Audio,
}

/// One entry of `INPUTS`.
#[derive(Clone, Debug)]
pub struct Input {
    /// `NAME`: the GLSL identifier.
    pub name: String,
    /// `TYPE`.
    pub kind: InputKind,
    /// `DEFAULT` (numbers; a bool as 0/1).
    pub default: Vec<f64>,
    /// `MIN`, `MAX` (first component).
    pub range: Option<(f64, f64)>,
    /// `LABEL`.
    pub label: String,
    /// A long's `VALUES`.
    pub values: Vec<i64>,
    /// A long's `LABELS`.
    pub labels: Vec<String>,
}

/// One entry of `PASSES`.
#[derive(Clone, Debug, Default)]
pub struct Pass {
    /// `TARGET`: the image this pass renders into (readable by later passes and, when
    /// persistent, by every pass of the next frame).
    pub target: Option<String>,
    /// `PERSISTENT`: its target keeps its content across frames.
    pub persistent: bool,
    /// `FLOAT`: a 32-bit float target (vivid's are 16-bit float already).
    pub float: bool,
    /// `WIDTH` / `HEIGHT` expressions (`$WIDTH`, `$HEIGHT`, inputs).
    pub width: Option<String>,
    /// See `width`.
    pub height: Option<String>,
}

/// One entry of `IMPORTED`: an image file the shader samples by `name`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Imported {
    /// The GLSL name.
    pub name: String,
    /// `PATH`, as written.
    pub path: String,
}

/// A parsed header and where the GLSL starts.
#[derive(Clone, Debug, Default)]
pub struct Header {
    /// `DESCRIPTION`.
    pub description: String,
    /// `INPUTS`, in order.
    pub inputs: Vec<Input>,
    /// `PASSES` (empty: one pass).
    pub passes: Vec<Pass>,
    /// `IMPORTED` images: a name and its file (`PATH`, relative to the `.fs` file's
    /// folder).
    pub imported: Vec<Imported>,
    /// Byte range of the header comment (`/*` .. `*/`) in the file.
    pub span: std::ops::Range<usize>,
}

fn num(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => n.as_f64().into_iter().collect(),
        Value::Bool(b) => vec![f64::from(u8::from(*b))],
        Value::Array(a) => a.iter().flat_map(num).collect(),
        _ => Vec::new(),
    }
}

/// Parses the header of ISF file `text` (at `path`, for diagnostics).
pub fn parse(path: &Path, text: &str) -> Result<Header, Diagnostic> {
    let start = text.find("/*").filter(|&s| text[..s].trim().is_empty());
    let Some(start) = start else {
        return Err(Diagnostic::file_level(
            path,
            "an ISF file starts with its JSON header: /*{ \"INPUTS\": [ … ] }*/",
        ));
    };
    let Some(len) = text[start..].find("*/") else {
        return Err(Diagnostic::at_span(
            path,
            text,
            start..start + 2,
            "the header comment is not closed with */",
        ));
    };
    let json = &text[start + 2..start + len];
    let value: Value = serde_json::from_str(json).map_err(|e| {
        // serde_json counts lines and columns from the comment's content.
        let offset = offset_of(json, e.line(), e.column()) + start + 2;
        Diagnostic::at_span(path, text, offset..offset + 1, format!("ISF header: {e}"))
    })?;
    let at = |what: &str| {
        let off = text[start..start + len]
            .find(what)
            .map_or(start, |o| o + start);
        move |message: String| Diagnostic::at_span(path, text, off..off + 1, message)
    };
    let mut header = Header {
        span: start..start + len + 2,
        description: value
            .get("DESCRIPTION")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        ..Header::default()
    };
    for input in value
        .get("INPUTS")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = input
            .get("NAME")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ty = input
            .get("TYPE")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let located = at(&format!("\"{name}\""));
        if name.is_empty() {
            return Err(at("\"INPUTS\"")("an input without a NAME".into()));
        }
        let kind = match ty {
            "image" => InputKind::Image,
            "float" => InputKind::Float,
            "bool" => InputKind::Bool,
            "long" => InputKind::Long,
            "color" => InputKind::Color,
            "point2D" => InputKind::Point2D,
            "event" => InputKind::Event,
            "audio" | "audioFFT" => InputKind::Audio,
            other => {
                return Err(located(format!(
                    "input `{name}`: unknown TYPE \"{other}\" (image, float, bool, long, color, point2D, event, audio, audioFFT)"
                )));
            }
        };
        let first = |k: &str| input.get(k).map(num).and_then(|v| v.first().copied());
        let values: Vec<i64> = input
            .get("VALUES")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_f64().map(|f| f as i64))
                    .collect()
            })
            .unwrap_or_default();
        let labels = input
            .get("LABELS")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        header.inputs.push(Input {
            name: name.to_string(),
            kind,
            default: input.get("DEFAULT").map(num).unwrap_or_default(),
            range: first("MIN").zip(first("MAX")),
            label: input
                .get("LABEL")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            values,
            labels,
        });
    }
    for pass in value
        .get("PASSES")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let text_of = |k: &str| {
            pass.get(k).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
        };
        let flag = |k: &str| {
            pass.get(k).is_some_and(|v| match v {
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
                Value::String(s) => s == "true" || s == "1",
                _ => false,
            })
        };
        header.passes.push(Pass {
            target: text_of("TARGET").filter(|t| !t.is_empty()),
            persistent: flag("PERSISTENT"),
            float: flag("FLOAT"),
            width: text_of("WIDTH"),
            height: text_of("HEIGHT"),
        });
    }
    let imported = |name: &str, entry: &Value| -> Result<Imported, Diagnostic> {
        match entry.get("PATH").and_then(Value::as_str) {
            Some(p) if !p.is_empty() => Ok(Imported {
                name: name.to_string(),
                path: p.to_string(),
            }),
            _ => Err(at(&format!("\"{name}\""))(format!(
                "IMPORTED image `{name}` has no PATH (the image file, next to the .fs file)"
            ))),
        }
    };
    match value.get("IMPORTED") {
        Some(Value::Object(m)) => {
            for (name, entry) in m {
                header.imported.push(imported(name, entry)?);
            }
        }
        Some(Value::Array(a)) => {
            for entry in a {
                let name = entry
                    .get("NAME")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                header.imported.push(imported(name, entry)?);
            }
        }
        _ => {}
    }
    Ok(header)
}

/// Byte offset of 1-based `line`, `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut off = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return off + column.saturating_sub(1).min(l.len());
        }
        off += l.len();
    }
    off.min(text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_and_passes_are_read() {
        let h = parse(
            Path::new("a.fs"),
            "/*{\"INPUTS\":[{\"NAME\":\"inputImage\",\"TYPE\":\"image\"},{\"NAME\":\"amt\",\"TYPE\":\"float\",\"MIN\":0,\"MAX\":2,\"DEFAULT\":1},{\"NAME\":\"m\",\"TYPE\":\"long\",\"VALUES\":[4,8],\"LABELS\":[\"four\",\"eight\"]}],\"PASSES\":[{\"TARGET\":\"buf\",\"PERSISTENT\":true},{}]}*/\nvoid main(){}",
        )
        .unwrap();
        assert_eq!(h.inputs.len(), 3);
        assert_eq!(h.inputs[1].range, Some((0.0, 2.0)));
        assert_eq!(h.inputs[2].values, [4, 8]);
        assert_eq!(h.passes.len(), 2);
        assert!(h.passes[0].persistent);
        assert_eq!(h.passes[0].target.as_deref(), Some("buf"));
    }

    #[test]
    fn a_json_error_is_located_in_the_file() {
        let e = parse(Path::new("a.fs"), "/*{\n  \"INPUTS\": [ , ]\n}*/\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
