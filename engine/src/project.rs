//! Project folders: chain.toml -> [`ChainDesc`] with the location of every key and value,
//! and `--set NAME.PARAM=VALUE` overrides in the same value syntax.

use std::path::{Path, PathBuf};

use toml::de::{DeTable, DeValue};

use crate::chain::{ChainDesc, Loc, NodeDesc, Spanned, TOP_LEVEL_KEYS};
use crate::error::{Diagnostic, Diagnostics, EngineError, Result, did_you_mean};
use crate::files::{FileRules, Role};
use crate::params::RawValue;

/// The file name of a project's chain.
pub const CHAIN_FILE: &str = "chain.toml";

/// A project folder and its chain as written.
#[derive(Clone, Debug)]
pub struct Project {
    /// The folder.
    pub dir: PathBuf,
    /// `dir/chain.toml`.
    pub chain_path: PathBuf,
    /// The chain as written (validate it against a registry).
    pub desc: ChainDesc,
}

/// Reads `path` (a project folder, or its chain.toml) without validating it.
pub fn load_project(path: &Path) -> Result<Project> {
    let fail = |d: Diagnostic| EngineError::Project(Diagnostics(vec![d]));
    if !path.exists() {
        return Err(fail(
            Diagnostic::file_level(path, format!("no such folder: {}", path.display()))
                .with_hint("give the path of a project folder that holds a chain.toml, e.g. `vivid examples/02-hello-noise`"),
        ));
    }
    let (dir, chain_path) = if path.is_file() {
        let dir = path
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        (dir, path.to_path_buf())
    } else {
        (path.to_path_buf(), path.join(CHAIN_FILE))
    };
    if !chain_path.exists() {
        return Err(fail(
            Diagnostic::file_level(
                &chain_path,
                format!("{} has no {CHAIN_FILE}", dir.display()),
            )
            .with_hint(
                "a project folder needs a chain.toml; copy examples/01-template to start one",
            ),
        ));
    }
    // The file the user named: any folder, but a regular file of a sane size, read without
    // blocking (a FIFO named chain.toml must not hang the start).
    let text = FileRules::anywhere()
        .read_text(&chain_path, Role::Chain)
        .map_err(|e| {
            let mut d = Diagnostic::file_level(&chain_path, e.to_string());
            if let Some(h) = e.hint() {
                d = d.with_hint(h);
            }
            fail(d)
        })?;
    let desc = parse_chain(&chain_path, &text);
    Ok(Project {
        dir,
        chain_path,
        desc,
    })
}

/// Parses chain.toml text. Syntax errors and misplaced keys are kept in `desc.early` (with
/// locations) so that validation reports them together with everything else.
#[must_use]
pub fn parse_chain(path: &Path, text: &str) -> ChainDesc {
    let mut desc = ChainDesc {
        sources: vec![(path.to_path_buf(), text.to_string())],
        ..Default::default()
    };
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let range = e.span().unwrap_or(0..0);
            let msg = format!("invalid TOML: {}", e.message().trim());
            desc.early
                .push(desc.diag(Some(&Loc { source: 0, range }), msg));
            return desc;
        }
    };
    if text.trim().is_empty() {
        desc.early.push(
            Diagnostic::file_level(path, "chain.toml is empty").with_hint(
                "add a table such as `[noise]` with `type = \"noise\"`, and `output = \"noise\"` at the top",
            ),
        );
        return desc;
    }
    let loc = |r: std::ops::Range<usize>| Loc {
        source: 0,
        range: r,
    };
    let mut tables = Vec::new();
    for (key, value) in root.get_ref() {
        let k = key.get_ref().as_ref();
        match value.get_ref() {
            _ if k == "bindings" => crate::chain::parse_bindings(&mut desc, value),
            _ if k == "osc_out" => crate::chain::parse_osc_out(&mut desc, value),
            DeValue::Table(t) => tables.push((key.clone(), t.clone())),
            _ if k == "window" => crate::chain::parse_windows(&mut desc, value),
            v => match k {
                "output" => match v {
                    DeValue::String(s) => {
                        desc.output = Some(Spanned::at(s.to_string(), loc(value.span())));
                    }
                    other => desc.early.push(desc.diag(
                        Some(&loc(value.span())),
                        format!(
                            "`output` must be the name of an operator (a string), found {}",
                            other.type_str()
                        ),
                    )),
                },
                "size" => match to_raw(v) {
                    Ok(raw) => desc.size = Some(Spanned::at(raw, loc(value.span()))),
                    Err(m) => desc.early.push(desc.diag(Some(&loc(value.span())), m)),
                },
                _ => {
                    let is_array_of_tables =
                        matches!(v, DeValue::Array(a) if a.iter().any(|x| x.get_ref().is_table()));
                    let mut d = desc.diag(
                        Some(&loc(key.span())),
                        if is_array_of_tables {
                            format!("`[[{k}]]` arrays of tables are not operators; write `[{k}]`")
                        } else {
                            format!("unknown top-level key `{k}`")
                        },
                    );
                    if !is_array_of_tables {
                        d = match did_you_mean(k, TOP_LEVEL_KEYS) {
                            Some(h) => d.with_hint(h),
                            None => d.with_hint("top-level keys are `output`, `size`, `[[window]]`, `[bindings]` and `[osc_out]` tables; operators are tables like `[name]` (keys after a table header belong to that table)"),
                        };
                    }
                    desc.early.push(d);
                }
            },
        }
    }
    // File order, whatever the map's order.
    tables.sort_by_key(|(k, _)| k.span().start);
    for (key, table) in tables {
        let mut node = NodeDesc {
            name: Spanned::at(key.get_ref().to_string(), loc(key.span())),
            type_name: None,
            inputs: Vec::new(),
            inputs_loc: None,
            size: None,
            params: Vec::new(),
        };
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut seen_input_key: Option<&str> = None;
        for (k, v) in entries {
            let name = k.get_ref().as_ref();
            let vloc = loc(v.span());
            match name {
                "type" => match v.get_ref() {
                    DeValue::String(s) => node.type_name = Some(Spanned::at(s.to_string(), vloc)),
                    other => desc.early.push(desc.diag(
                        Some(&vloc),
                        format!(
                            "`type` must be a string such as \"noise\", found {}",
                            other.type_str()
                        ),
                    )),
                },
                "input" | "inputs" => {
                    if let Some(prev) = seen_input_key {
                        desc.early.push(desc.diag(Some(&loc(k.span())), format!("`{}` has both `{prev}` and `{name}`", node.name.value)).with_hint("use `input = \"a\"` for one input or `inputs = [\"a\", \"b\"]` for several"));
                        continue;
                    }
                    seen_input_key = Some(if name == "input" { "input" } else { "inputs" });
                    node.inputs_loc = Some(vloc.clone());
                    match v.get_ref() {
                        DeValue::String(s) => node.inputs.push(Spanned::at(s.to_string(), vloc)),
                        DeValue::Array(items) => {
                            for item in items {
                                match item.get_ref() {
                                    DeValue::String(s) => node.inputs.push(Spanned::at(s.to_string(), loc(item.span()))),
                                    other => desc.early.push(desc.diag(Some(&loc(item.span())), format!("inputs are operator names (strings), found {}", other.type_str()))),
                                }
                            }
                        }
                        other => desc.early.push(desc.diag(Some(&vloc), format!("`{name}` must name operators (a string or an array of strings), found {}", other.type_str()))),
                    }
                }
                _ => match to_raw(v.get_ref()) {
                    Ok(raw) => node.set_param(
                        Spanned::at(name.to_string(), loc(k.span())),
                        Spanned::at(raw, vloc),
                    ),
                    Err(m) => desc
                        .early
                        .push(desc.diag(Some(&vloc), format!("`{}.{name}`: {m}", node.name.value))),
                },
            }
        }
        desc.nodes.push(node);
    }
    desc
}

fn to_raw(v: &DeValue<'_>) -> std::result::Result<RawValue, String> {
    Ok(match v {
        DeValue::String(s) => RawValue::Str(s.to_string()),
        DeValue::Integer(i) => RawValue::Int(
            i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .map_err(|_| format!("integer {} is out of range", i.as_str()))?,
        ),
        DeValue::Float(f) => RawValue::Float(
            f.as_str()
                .replace('_', "")
                .parse::<f64>()
                .map_err(|_| format!("invalid float {}", f.as_str()))?,
        ),
        DeValue::Boolean(b) => RawValue::Bool(*b),
        DeValue::Datetime(_) => return Err("dates are not parameter values".into()),
        DeValue::Array(a) => RawValue::Array(
            a.iter()
                .map(|x| to_raw(x.get_ref()))
                .collect::<std::result::Result<_, _>>()?,
        ),
        DeValue::Table(_) => {
            return Err("tables are not parameter values (operators are top-level tables; `[a.b]` makes a table inside `a`)".into());
        }
    })
}

/// Applies `--set NAME.PARAM=VALUE` (or `--set output=NAME`, `--set size=[W,H]`).
///
/// NAME and PARAM are split at the last dot before `=`: parameter names have no dots, an
/// operator's name may (`["a.b"]` in chain.toml: `--set a.b.scale=2`).
///
/// VALUE uses chain.toml's syntax; text that is not valid TOML is taken as a string, so
/// `--set noise.kind=simplex` and `--set noise.scale="4 + sin(time)"` both work.
/// Errors point into the argument itself (file `--set`).
pub fn apply_set(desc: &mut ChainDesc, arg: &str) -> std::result::Result<(), Diagnostic> {
    let source = desc.sources.len();
    desc.sources.push((PathBuf::from("--set"), arg.to_string()));
    let at = |r: std::ops::Range<usize>| Loc { source, range: r };
    let Some(eq) = arg.find('=') else {
        return Err(desc
            .diag(
                Some(&at(0..arg.len())),
                format!("`--set {arg}` needs `NAME.PARAM=VALUE`"),
            )
            .with_hint("e.g. --set noise.scale=4"));
    };
    let (lhs, value_text) = (&arg[..eq], &arg[eq + 1..]);
    let value_range = eq + 1..arg.len();
    let raw = match DeValue::parse(value_text.trim()) {
        Ok(v) => to_raw(v.get_ref()).map_err(|m| desc.diag(Some(&at(value_range.clone())), m))?,
        Err(_) => RawValue::Str(value_text.trim().to_string()),
    };
    let value = Spanned::at(raw, at(value_range));
    let Some(dot) = lhs.rfind('.') else {
        return match lhs.trim() {
            "output" => match value.value {
                RawValue::Str(s) => {
                    desc.output = Some(Spanned::at(s, at(eq + 1..arg.len())));
                    Ok(())
                }
                _ => Err(desc.diag(
                    Some(&at(eq + 1..arg.len())),
                    "`output` must be an operator name",
                )),
            },
            "size" => {
                desc.size = Some(value);
                Ok(())
            }
            other => {
                let mut d = desc.diag(
                    Some(&at(0..lhs.len())),
                    format!("`--set {arg}`: expected NAME.PARAM=VALUE"),
                );
                if let Some(h) = did_you_mean(other, TOP_LEVEL_KEYS) {
                    d = d.with_hint(h);
                }
                Err(d)
            }
        };
    };
    let (node_name, param) = (&lhs[..dot], &lhs[dot + 1..]);
    let Some(node) = desc.nodes.iter().position(|n| n.name.value == node_name) else {
        let mut d = desc.diag(
            Some(&at(0..dot)),
            format!("`--set`: no operator named `{node_name}` in the chain"),
        );
        if let Some(h) = did_you_mean(node_name, desc.nodes.iter().map(|n| n.name.value.as_str())) {
            d = d.with_hint(h);
        }
        return Err(d);
    };
    let key = Spanned::at(param.to_string(), at(dot + 1..eq));
    let node = &mut desc.nodes[node];
    match param {
        "type" | "input" | "inputs" => {
            return Err(desc.diag(Some(&at(dot + 1..eq)), format!("`--set` changes parameters; `{param}` is part of the chain's structure: edit chain.toml")));
        }
        _ => node.set_param(key, value),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_keep_file_order_and_locations() {
        let text = "output = \"b\"\n\n[b]\ntype = \"blur\"\ninput = \"a\"\nradius = 3\n\n[a]\ntype = \"noise\"\n";
        let d = parse_chain(Path::new("c.toml"), text);
        assert!(d.early.is_empty(), "{:?}", d.early);
        let names: Vec<_> = d.nodes.iter().map(|n| n.name.value.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        let (k, v) = &d.nodes[0].params[0];
        assert_eq!(k.value, "radius");
        assert_eq!(v.value, RawValue::Int(3));
        let diag = d.diag(k.loc.as_ref(), "x");
        assert_eq!((diag.line, diag.col), (6, 1));
        assert_eq!(d.nodes[0].inputs[0].value, "a");
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let d = parse_chain(Path::new("c.toml"), "[a]\ntype = \"noise\nscale = 3\n");
        assert_eq!(d.early.len(), 1);
        assert!(
            d.early[0].message.starts_with("invalid TOML"),
            "{}",
            d.early[0]
        );
        assert_eq!(d.early[0].line, 2, "{}", d.early[0]);
    }

    #[test]
    fn set_overrides_and_reports_into_the_argument() {
        let mut d = parse_chain(
            Path::new("c.toml"),
            "[noise]\ntype = \"noise\"\nscale = 3\n",
        );
        apply_set(&mut d, "noise.scale=4").expect("ok");
        assert_eq!(d.nodes[0].params[0].1.value, RawValue::Int(4));
        apply_set(&mut d, "noise.kind=simplex").expect("ok");
        assert_eq!(
            d.nodes[0].params[1].1.value,
            RawValue::Str("simplex".into())
        );
        apply_set(&mut d, "noise.offset=[1, 2.5, 3]").expect("ok");
        let e = apply_set(&mut d, "nosie.scale=1").expect_err("unknown node");
        assert_eq!(e.file, Path::new("--set"));
        assert_eq!((e.line, e.col), (1, 1));
        assert_eq!(e.hint.as_deref(), Some("did you mean `noise`?"));
        assert!(apply_set(&mut d, "noise.scale").is_err());
    }

    #[test]
    fn an_operator_name_with_dots_is_reached_by_the_last_dot() {
        let mut d = parse_chain(
            Path::new("c.toml"),
            "[\"a.b\"]\ntype = \"noise\"\nscale = 3\n",
        );
        assert!(d.early.is_empty(), "{:?}", d.early);
        assert_eq!(d.nodes[0].name.value, "a.b");
        apply_set(&mut d, "a.b.scale=2").expect("ok");
        assert_eq!(d.nodes[0].params[0].1.value, RawValue::Int(2));
        let e = apply_set(&mut d, "a.scale=2").expect_err("no operator `a`");
        assert!(e.message.contains("no operator named `a`"), "{e}");
    }
}
