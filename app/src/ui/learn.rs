//! MIDI learn: the inspector waits for the next control moved and writes the binding it
//! makes into chain.toml's `[bindings]` with `toml_edit` (comments and layout kept), beside
//! and renamed over, so the live reload sees one clean save and keeps every state.

use std::path::Path;

/// What the host hands the inspector: each call gives the variable of a MIDI control moved
/// since the previous call (`midi.cc1_7`), if one was (`vivid-control`'s
/// `Controls::take_midi_move`).
pub type LearnSource = Box<dyn FnMut() -> Option<String>>;

/// `text` (chain.toml) with `node.param` bound to `source`: a new entry in `[bindings]`
/// (made at the end if there is none), or the source of the entry there already replaced
/// (its range, curve, smoothing and mode kept). Refused, with the reason: text that does
/// not parse, no table `[node]`, or a parameter that is an expression there (a binding and
/// an expression cannot both drive it).
pub fn bind_in(text: &str, node: &str, param: &str, source: &str) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        format!(
            "chain.toml does not parse, so nothing was written: {}",
            e.message()
        )
    })?;
    let table = doc
        .get(node)
        .and_then(toml_edit::Item::as_table_like)
        .ok_or_else(|| format!("chain.toml has no table [{node}]"))?;
    if table
        .get(param)
        .and_then(toml_edit::Item::as_value)
        .is_some_and(toml_edit::Value::is_str)
    {
        return Err(format!(
            "`{node}.{param}` is an expression in [{node}]: remove it there to bind it"
        ));
    }
    if !doc.contains_key("bindings") {
        doc.insert("bindings", toml_edit::Item::Table(toml_edit::Table::new()));
    }
    let bindings = doc
        .get_mut("bindings")
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| "`bindings` in chain.toml is not a table".to_string())?;
    let key = format!("{node}.{param}");
    // `[bindings.node]` then `param = ...`: that entry.
    let nested_has = bindings
        .get(node)
        .and_then(toml_edit::Item::as_table_like)
        .is_some_and(|t| t.contains_key(param));
    let (entries, key) = if nested_has && !bindings.contains_key(&key) {
        let t = bindings
            .get_mut(node)
            .and_then(toml_edit::Item::as_table_like_mut)
            .ok_or_else(|| format!("`bindings.{node}` is not a table"))?;
        (t, param.to_string())
    } else {
        (bindings, key)
    };
    let replaced = match entries.get_mut(&key) {
        Some(item) => {
            if let Some(t) = item.as_table_like_mut() {
                let mut v = toml_edit::Value::from(source);
                if let Some(old) = t.get("source").and_then(toml_edit::Item::as_value) {
                    *v.decor_mut() = old.decor().clone();
                }
                t.insert("source", toml_edit::Item::Value(v));
            } else {
                let mut v = toml_edit::Value::from(source);
                if let Some(old) = item.as_value() {
                    *v.decor_mut() = old.decor().clone();
                }
                *item = toml_edit::Item::Value(v);
            }
            true
        }
        None => false,
    };
    if !replaced {
        let mut v = toml_edit::Value::from(source);
        v.decor_mut().set_prefix(" ");
        entries.insert(&key, toml_edit::Item::Value(v));
    }
    Ok(doc.to_string())
}

/// [`bind_in`] on the file at `path`, with `edits` (the inspector's unsaved values) saved
/// in the same write — so that the reload it causes gives back exactly what runs, losing
/// nothing — written beside it and renamed over it.
pub fn save_binding(
    path: &Path,
    edits: &[super::SaveEdit],
    node: &str,
    param: &str,
    source: &str,
) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = if edits.is_empty() {
        text
    } else {
        super::apply_edits(&text, edits)?
    };
    let out = bind_in(&text, node, param, source)?;
    let tmp = path.with_extension("toml.vivid-save");
    std::fs::write(&tmp, out).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHAIN: &str = "# my piece\noutput = \"l\"\n\n[l]   # the look\ntype = \"levels\"\ngamma = 1.2  # warm\ncontrast = \"1 + time\"\n";

    #[test]
    fn a_learn_adds_a_binding_and_keeps_the_file_as_it_was() {
        let out = bind_in(CHAIN, "l", "gamma", "midi.cc1_7").unwrap_or_default();
        assert_eq!(
            out,
            format!("{CHAIN}\n[bindings]\n\"l.gamma\" = \"midi.cc1_7\"\n")
        );
        // A second learn of the same parameter replaces its source, in place.
        let again = bind_in(&out, "l", "gamma", "midi.note2_60").unwrap_or_default();
        assert_eq!(again, out.replace("midi.cc1_7", "midi.note2_60"));
        // Another parameter is added beside it.
        let more = bind_in(&again, "l", "brightness", "midi.cc1_8").unwrap_or_default();
        assert!(
            more.ends_with("\"l.gamma\" = \"midi.note2_60\"\n\"l.brightness\" = \"midi.cc1_8\"\n"),
            "{more}"
        );
    }

    #[test]
    fn a_learn_keeps_the_mapping_of_a_binding_written_as_a_table() {
        let text = format!(
            "{CHAIN}\n[bindings]  # controller\n\"l.gamma\" = {{ source = \"osc.g\", range = [0.5, 2], smooth = 0.2 }}  # knob 1\n[bindings.l]\nbrightness = \"osc.b\"\n"
        );
        let out = bind_in(&text, "l", "gamma", "midi.cc1_1").unwrap_or_default();
        assert_eq!(out, text.replace("osc.g", "midi.cc1_1"));
        let out = bind_in(&out, "l", "brightness", "midi.cc1_2").unwrap_or_default();
        assert_eq!(
            out,
            text.replace("osc.g", "midi.cc1_1")
                .replace("osc.b", "midi.cc1_2")
        );
    }

    #[test]
    fn what_cannot_be_bound_is_refused_with_the_reason() {
        let broken = bind_in("[l\ntype = \"levels\"\n", "l", "gamma", "midi.cc1_7").unwrap_err();
        assert!(broken.contains("does not parse"), "{broken}");
        let expr = bind_in(CHAIN, "l", "contrast", "midi.cc1_7").unwrap_err();
        assert!(expr.contains("is an expression"), "{expr}");
        let none = bind_in(CHAIN, "k", "gamma", "midi.cc1_7").unwrap_err();
        assert!(none.contains("no table [k]"), "{none}");
    }
}
