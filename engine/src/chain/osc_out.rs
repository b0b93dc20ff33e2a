//! `[osc_out]` in chain.toml: where OSC goes and what is sent — the file form of
//! `--osc-out`, `--osc-send` and `--osc-send-rate` (the command line wins). The engine only
//! reads and checks it; a host (`vivid-control`) sends.
//!
//! ```toml
//! [osc_out]
//! to = 9001                  # or "127.0.0.1:9001", "192.168.1.20:9001"
//! rate = "change"            # or "frame"
//! events = true              # /vivid/tempo/beat at each beat, /vivid/audio/onset at each onset
//! send = { "/vivid/bass" = "audio.bass", "/phase" = "tempo.phase" }
//! ```

use toml::de::DeValue;

use super::{ChainDesc, Loc, Spanned};
use crate::error::{Diagnostic, did_you_mean};
use crate::params::{Expr, Variables};

/// Keys of `[osc_out]`.
const OSC_OUT_KEYS: [&str; 4] = ["to", "rate", "events", "send"];

/// `[osc_out]` as written.
#[derive(Clone, Debug, PartialEq)]
pub struct OscOutDesc {
    /// `host:port`, or a port on 127.0.0.1.
    pub to: Spanned<String>,
    /// `change` (the default: a value is sent when it changed) or `frame`.
    pub every_frame: bool,
    /// Whether beats and onsets are sent as events.
    pub events: bool,
    /// (OSC address, expression) pairs, in file order.
    pub send: Vec<(Spanned<String>, Spanned<String>)>,
}

type Item<'a> = toml::Spanned<DeValue<'a>>;

fn loc(range: std::ops::Range<usize>) -> Loc {
    Loc { source: 0, range }
}

/// Whether `a` is an OSC address vivid sends to: `/` then no space nor any of `#*,?[]{}`.
#[must_use]
pub fn is_osc_address(a: &str) -> bool {
    a.starts_with('/')
        && a.len() >= 2
        && !a
            .chars()
            .any(|c| c.is_whitespace() || "#*,?[]{}".contains(c))
}

/// Reads the top-level `[osc_out]` table into `desc.osc_out`, each problem a located
/// error in `desc.early`.
pub(crate) fn parse_osc_out(desc: &mut ChainDesc, value: &Item<'_>) {
    let err = |desc: &mut ChainDesc, span: std::ops::Range<usize>, m: String, h: String| {
        let d = desc.diag(Some(&loc(span)), m).with_hint(h);
        desc.early.push(d);
    };
    let DeValue::Table(table) = value.get_ref() else {
        err(
            desc,
            value.span(),
            "`osc_out` must be a table".into(),
            "write `[osc_out]` and under it `to = 9001`".into(),
        );
        return;
    };
    let mut out = OscOutDesc {
        to: Spanned::at(String::new(), loc(value.span())),
        every_frame: false,
        events: true,
        send: Vec::new(),
    };
    let mut has_to = false;
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (k, v) in entries {
        let key = k.get_ref().as_ref();
        let at = loc(v.span());
        match (key, v.get_ref()) {
            ("to", DeValue::String(s)) => {
                out.to = Spanned::at(s.to_string(), at);
                has_to = true;
            }
            ("to", DeValue::Integer(i)) => {
                out.to = Spanned::at(i.as_str().replace('_', ""), at);
                has_to = true;
            }
            ("to", _) => err(
                desc,
                v.span(),
                "`osc_out.to` must be a port (9001) or \"host:port\"".into(),
                "a port alone sends to 127.0.0.1".into(),
            ),
            ("rate", DeValue::String(s)) if *s == "change" || *s == "frame" => {
                out.every_frame = *s == "frame";
            }
            ("rate", _) => err(
                desc,
                v.span(),
                "`osc_out.rate` is \"change\" or \"frame\"".into(),
                "\"change\" sends a value when it changed, \"frame\" every frame".into(),
            ),
            ("events", DeValue::Boolean(b)) => out.events = *b,
            ("events", _) => err(
                desc,
                v.span(),
                "`osc_out.events` is `true` or `false`".into(),
                "whether beats and onsets are sent".into(),
            ),
            ("send", DeValue::Table(t)) => {
                let mut sends: Vec<_> = t.iter().collect();
                sends.sort_by_key(|(k, _)| k.span().start);
                for (addr, e) in sends {
                    let a = addr.get_ref().as_ref();
                    if !is_osc_address(a) {
                        err(
                            desc,
                            addr.span(),
                            format!("`{a}` is not an OSC address"),
                            "it starts with `/` and has no spaces or any of #*,?[]{} (quote it: \"/vivid/bass\")".into(),
                        );
                        continue;
                    }
                    let DeValue::String(text) = e.get_ref() else {
                        err(
                            desc,
                            e.span(),
                            format!("`osc_out.send.\"{a}\"` must be an expression (a string)"),
                            "e.g. \"audio.bass\" or \"midi.cc1_7 * 2\"".into(),
                        );
                        continue;
                    };
                    out.send.push((
                        Spanned::at(a.to_string(), loc(addr.span())),
                        Spanned::at(text.to_string(), loc(e.span())),
                    ));
                }
            }
            ("send", _) => err(
                desc,
                v.span(),
                "`osc_out.send` must be a table of addresses and expressions".into(),
                "e.g. `send = { \"/vivid/bass\" = \"audio.bass\" }`".into(),
            ),
            (other, _) => err(
                desc,
                k.span(),
                format!("`osc_out`: unknown key `{other}`"),
                did_you_mean(other, OSC_OUT_KEYS)
                    .unwrap_or_else(|| format!("its keys are {}", OSC_OUT_KEYS.join(", "))),
            ),
        }
    }
    if !has_to {
        err(
            desc,
            value.span(),
            "`[osc_out]` has no `to`".into(),
            "add `to = 9001` (127.0.0.1) or `to = \"host:port\"`".into(),
        );
        return;
    }
    desc.osc_out = Some(out);
}

impl ChainDesc {
    /// The `[osc_out]` expressions, each parsed with `variables` (errors at their column).
    pub(super) fn validate_osc_out(&self, variables: &Variables, errs: &mut Vec<Diagnostic>) {
        let Some(o) = &self.osc_out else { return };
        for (addr, text) in &o.send {
            if let Err(e) = Expr::parse_with(&text.value, variables) {
                let at = text.loc.as_ref().map(|l| Loc {
                    source: l.source,
                    range: l.range.start + 1 + e.span.start..l.range.start + 1 + e.span.end,
                });
                let mut d = self.diag(
                    at.as_ref().or(text.loc.as_ref()),
                    format!("`osc_out.send.\"{}\"`: {}", addr.value, e.message),
                );
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                errs.push(d);
            }
        }
    }
}
