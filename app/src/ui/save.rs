//! Values between the inspector, the engine and chain.toml: what a widget or a typed text
//! gives as chain.toml would write it, and saving edits into the file keeping its layout.

use std::path::Path;

use vivid_engine::params::{ParamSpec, ParamValue, RawValue};

/// One edit to save: `param` of table `node` becomes `value`; its former names (`aliases`)
/// are removed from the table, so a renamed parameter is written under its new name.
#[derive(Clone, Debug)]
pub struct SaveEdit {
    /// The operator's table.
    pub node: String,
    /// The parameter's (current) name.
    pub param: String,
    /// Its former names.
    pub aliases: Vec<String>,
    /// The value to write.
    pub value: toml_edit::Value,
}

/// A parameter value as `--set`/chain.toml would give it.
pub(super) fn to_raw(spec: &ParamSpec, v: &ParamValue) -> RawValue {
    let floats =
        |c: &[f32]| RawValue::Array(c.iter().map(|&x| RawValue::Float(f64::from(x))).collect());
    match v {
        ParamValue::Float(x) => RawValue::Float(f64::from(*x)),
        ParamValue::Int(x) => RawValue::Int(i64::from(*x)),
        ParamValue::Bool(b) => RawValue::Bool(*b),
        ParamValue::Vec2(c) => floats(c),
        ParamValue::Vec3(c) => floats(c),
        ParamValue::Vec4(c) | ParamValue::Color(c) => floats(c),
        ParamValue::Choice(i) => RawValue::Str(
            spec.choices
                .get(*i as usize)
                .map(std::string::ToString::to_string)
                .unwrap_or_default(),
        ),
        ParamValue::Text(t) => RawValue::Str(t.clone()),
        ParamValue::List(l) => RawValue::Array(l.iter().cloned().map(RawValue::Str).collect()),
        ParamValue::Numbers(n) => match spec.kind.components() {
            1 => floats(n),
            w => RawValue::Array(n.chunks(w).map(floats).collect()),
        },
    }
}

/// What the user typed into a parameter's text field: chain.toml's syntax (`4.5`, `[1, 2]`,
/// `"simplex"`), and any other text as a string — an expression (`4 + sin(time)`), a name.
pub(super) fn parse_typed(text: &str) -> RawValue {
    let text = text.trim();
    text.parse::<toml_edit::Value>()
        .ok()
        .and_then(|v| from_toml(&v))
        .unwrap_or_else(|| RawValue::Str(text.to_string()))
}

fn from_toml(v: &toml_edit::Value) -> Option<RawValue> {
    Some(match v {
        toml_edit::Value::String(s) => RawValue::Str(s.value().clone()),
        toml_edit::Value::Integer(i) => RawValue::Int(*i.value()),
        toml_edit::Value::Float(f) => RawValue::Float(*f.value()),
        toml_edit::Value::Boolean(b) => RawValue::Bool(*b.value()),
        toml_edit::Value::Array(a) => {
            RawValue::Array(a.iter().map(from_toml).collect::<Option<_>>()?)
        }
        _ => return None,
    })
}

/// A number with about six significant digits, as a person would type it.
fn round_significant(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let digits = 6 - x.abs().log10().ceil() as i32;
    let p = 10f64.powi(digits.clamp(-20, 20));
    (x * p).round() / p
}

/// `v` as TOML (floats rounded to what a person would type).
pub(super) fn to_toml(v: &RawValue) -> toml_edit::Value {
    match v {
        RawValue::Float(x) => toml_edit::Value::from(round_significant(*x)),
        RawValue::Int(i) => toml_edit::Value::from(*i),
        RawValue::Bool(b) => toml_edit::Value::from(*b),
        RawValue::Str(s) => toml_edit::Value::from(s.as_str()),
        RawValue::Array(items) => {
            let mut a = toml_edit::Array::new();
            for item in items {
                a.push(to_toml(item));
            }
            toml_edit::Value::Array(a)
        }
    }
}

/// A number for a text field: about four significant digits, no trailing zeros.
pub(super) fn format_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let decimals = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Writes `edits` into the chain file at `path`, keeping everything else — comments, order,
/// spacing, the comment after a value — as it was.
pub fn save_edits(path: &Path, edits: &[SaveEdit]) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = apply_edits(&text, edits)?;
    // Written beside and renamed over, as editors do: a reader never sees half a file.
    let tmp = path.with_extension("toml.vivid-save");
    std::fs::write(&tmp, out).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`save_edits`] on text.
pub fn apply_edits(text: &str, edits: &[SaveEdit]) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for e in edits {
        let item = doc
            .get_mut(&e.node)
            .filter(|i| i.is_table_like())
            .ok_or_else(|| format!("no table [{}]", e.node))?;
        // A former name in a `[node]` table: the new name takes its place.
        if let Some(table) = item.as_table_mut()
            && !table.contains_key(&e.param)
            && let Some(old) = e.aliases.iter().find(|a| table.contains_key(a))
        {
            rename_in_place(table, old, &e.param, &e.value);
            continue;
        }
        let Some(table) = item.as_table_like_mut() else {
            continue;
        };
        let mut new = e.value.clone();
        match table.get(&e.param).and_then(toml_edit::Item::as_value) {
            Some(old) => *new.decor_mut() = old.decor().clone(),
            None => new.decor_mut().set_prefix(" "),
        }
        table.insert(&e.param, toml_edit::Item::Value(new));
        for alias in &e.aliases {
            table.remove(alias);
        }
    }
    Ok(doc.to_string())
}

/// Replaces key `old` of `table` by `new` = `value`, where `old` was, with its comments.
fn rename_in_place(table: &mut toml_edit::Table, old: &str, new: &str, value: &toml_edit::Value) {
    // toml_edit keeps insertion order: the entries are put back with the renamed one in place.
    let entries: Vec<(toml_edit::Key, toml_edit::Item)> = table
        .iter()
        .filter_map(|(k, _)| table.get_key_value(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    table.clear();
    for (key, item) in entries {
        if key.get() == old {
            let mut value = value.clone();
            if let Some(v) = item.as_value() {
                *value.decor_mut() = v.decor().clone();
            }
            let mut renamed = toml_edit::Key::new(new);
            *renamed.leaf_decor_mut() = key.leaf_decor().clone();
            table.insert_formatted(&renamed, toml_edit::Item::Value(value));
        } else {
            table.insert_formatted(&key, item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(node: &str, param: &str, aliases: &[&str], value: toml_edit::Value) -> SaveEdit {
        SaveEdit {
            node: node.into(),
            param: param.into(),
            aliases: aliases.iter().map(|a| (*a).to_string()).collect(),
            value,
        }
    }

    #[test]
    fn saving_keeps_comments_order_and_layout() {
        let text = "# my piece\noutput = \"n\"\n\n[n]  # the noise\ntype = \"noise\"\nscale = 13.3   # big\nspeed = \"0.5 + sin(time)\"\n\n[l]\ntype = \"levels\"\ninput = \"n\"\n";
        let edits = vec![
            edit("n", "scale", &[], 4.25.into()),
            edit("l", "gamma", &[], 1.5.into()),
            edit("n", "kind", &[], "simplex".into()),
        ];
        let out = apply_edits(text, &edits).unwrap_or_default();
        assert_eq!(
            out,
            "# my piece\noutput = \"n\"\n\n[n]  # the noise\ntype = \"noise\"\nscale = 4.25   # big\nspeed = \"0.5 + sin(time)\"\nkind = \"simplex\"\n\n[l]\ntype = \"levels\"\ninput = \"n\"\ngamma = 1.5\n"
        );
        assert!(apply_edits(text, &[edit("x", "y", &[], 1.into())]).is_err());
    }

    #[test]
    fn a_renamed_parameter_is_saved_under_its_new_name_in_place() {
        let text = "[s]\ntype = \"shape\"\nrotation = 20  # tilt\ncolor = [1, 0, 0]\n";
        let out =
            apply_edits(text, &[edit("s", "rotate", &["rotation"], 35.into())]).unwrap_or_default();
        assert_eq!(
            out,
            "[s]\ntype = \"shape\"\nrotate = 35  # tilt\ncolor = [1, 0, 0]\n"
        );
    }

    #[test]
    fn typed_text_is_toml_or_an_expression() {
        assert_eq!(parse_typed(" 4.5 "), RawValue::Float(4.5));
        assert_eq!(parse_typed("1e-3"), RawValue::Float(0.001));
        assert_eq!(parse_typed("-2"), RawValue::Int(-2));
        assert_eq!(
            parse_typed("4 + sin(time)"),
            RawValue::Str("4 + sin(time)".into())
        );
        assert_eq!(
            parse_typed("[\"time\", 0.5]"),
            RawValue::Array(vec![RawValue::Str("time".into()), RawValue::Float(0.5)])
        );
        assert_eq!(format_number(13.3), "13.3");
        assert_eq!(format_number(1700.0), "1700");
        assert_eq!(format_number(0.001_23), "0.00123");
        assert_eq!(format_number(4.0), "4");
        assert_eq!(
            to_toml(&RawValue::Float(0.123_456_789)).to_string(),
            "0.123457"
        );
    }
}
