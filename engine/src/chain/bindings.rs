//! `[bindings]` in chain.toml: a source (any expression of the variables — `midi.cc1_7`,
//! `osc.fader1`, `audio.bass`) drives one parameter through an input range, a curve, an
//! output range, a note mode and one-pole smoothing.
//!
//! ```toml
//! [bindings]
//! "blur.radius" = { source = "midi.cc1_7", range = [0, 40], smooth = 0.1 }
//! "noise.scale" = "osc.fader1"                 # the parameter's declared range
//! "flash.amount" = { source = "midi.note1_60", mode = "trigger", smooth = 0.3 }
//! ```
//!
//! Keyed by the parameter (as `--set` names it, split at the last dot), so a parameter has
//! one binding at most and MIDI learn replaces a key in place. Without smoothing and in
//! `gate` mode a binding is exactly the expression
//! `lo + (hi - lo) * curve(clamp((SOURCE - a) / (b - a), 0, 1))` (see [`Binding::map`]).

use toml::de::DeValue;

use super::{ChainDesc, Loc, Spanned};
use crate::error::{Diagnostic, did_you_mean};
use crate::params::{Expr, ExprVars, ParamKind, ParamSpec};

/// Keys of a binding's table.
const BINDING_KEYS: [&str; 6] = ["source", "input", "range", "curve", "smooth", "mode"];

/// The base of the `exp` and `log` curves: 40 dB from one end to the other, an audio taper.
const TAPER_BASE: f64 = 100.0;

/// How the input, once in 0..1, is bent before it is mapped onto the output range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Curve {
    /// `t`.
    #[default]
    Linear,
    /// `(100^t - 1) / 99`: slow at the start, fast at the end (frequencies, volumes).
    Exp,
    /// `ln(1 + 99 t) / ln(100)`: the inverse of `exp`.
    Log,
    /// `t^k` (`curve = 2`).
    Power(f64),
}

impl Curve {
    /// `t` (in 0..1) bent.
    #[must_use]
    pub fn apply(self, t: f64) -> f64 {
        match self {
            Self::Linear => t,
            Self::Exp => (TAPER_BASE.powf(t) - 1.0) / (TAPER_BASE - 1.0),
            Self::Log => (1.0 + (TAPER_BASE - 1.0) * t).ln() / TAPER_BASE.ln(),
            Self::Power(k) => t.powf(k),
        }
    }
}

/// What a binding does with its source over time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NoteMode {
    /// The parameter follows the source (a note: its velocity while held, 0 after).
    #[default]
    Gate,
    /// Each rise of the source from 0 (a note-on) throws the parameter to the mapped value,
    /// which falls back to the bottom of the range over `smooth` seconds (one frame without).
    Trigger,
    /// Each rise of the source from 0 flips the parameter between the two ends of its range.
    Toggle,
}

/// One binding as written.
#[derive(Clone, Debug, PartialEq)]
pub struct BindingDesc {
    /// The operator, located at the key.
    pub node: Spanned<String>,
    /// Its parameter, located at the key.
    pub param: Spanned<String>,
    /// The source expression.
    pub source: Spanned<String>,
    /// The source's values mapped to the two ends of the output range (default `[0, 1]`).
    pub input: [f64; 2],
    /// The output range; `None`: the parameter's declared range.
    pub range: Option<Spanned<[f64; 2]>>,
    /// The curve.
    pub curve: Curve,
    /// One-pole smoothing time constant, seconds (0: none).
    pub smooth: f64,
    /// Gate, trigger or toggle.
    pub mode: NoteMode,
}

impl BindingDesc {
    /// `node.param` follows `source` over the parameter's range (built in code).
    #[must_use]
    pub fn new(node: &str, param: &str, source: &str) -> Self {
        Self {
            node: Spanned::bare(node.into()),
            param: Spanned::bare(param.into()),
            source: Spanned::bare(source.into()),
            input: [0.0, 1.0],
            range: None,
            curve: Curve::Linear,
            smooth: 0.0,
            mode: NoteMode::Gate,
        }
    }
}

/// A binding checked against the chain: the parameter's place and the source parsed.
#[derive(Clone, Debug)]
pub struct BindingSpec {
    /// Index of the node in [`ChainSpec::nodes`](super::ChainSpec::nodes).
    pub node: usize,
    /// Index of the parameter in the node's specs.
    pub param: usize,
    /// The binding (its names, for keeping state across reloads and for the inspector).
    pub desc: BindingDesc,
    /// The source, parsed.
    pub source: Expr,
    /// The output range resolved.
    pub out: [f64; 2],
}

/// A binding while the chain runs: its spec and its state (smoothing, the note's edge).
#[derive(Clone, Debug)]
pub struct Binding {
    /// What it is.
    pub spec: BindingSpec,
    /// The smoothed value (`None` before the first frame).
    value: Option<f64>,
    /// Whether the source was above 0 at the previous frame.
    was_on: bool,
    /// Toggle mode: which end the parameter is at.
    toggled: bool,
}

impl Binding {
    /// A binding at rest.
    #[must_use]
    pub fn new(spec: BindingSpec) -> Self {
        Self {
            spec,
            value: None,
            was_on: false,
            toggled: false,
        }
    }

    /// Takes `old`'s state when it binds the same parameter to the same source (a reload
    /// that changed something else does not restart its smoothing or flip its toggle).
    pub fn keep_state_of(&mut self, old: &Self) {
        let (a, b) = (&self.spec.desc, &old.spec.desc);
        if a.node.value == b.node.value
            && a.param.value == b.param.value
            && a.source.value == b.source.value
        {
            self.value = old.value;
            self.was_on = old.was_on;
            self.toggled = old.toggled;
        }
    }

    /// Source value `s` mapped: into 0..1 by the input range (clamped), bent by the curve,
    /// onto the output range — the same operations, in the same order, as the expression
    /// `lo + (hi - lo) * curve(clamp((s - a) / (b - a), 0, 1))`.
    #[must_use]
    #[expect(
        clippy::manual_clamp,
        reason = "the expression language's `clamp` is max then min: the same operations"
    )]
    pub fn map(&self, s: f64) -> f64 {
        let [a, b] = self.spec.desc.input;
        let [lo, hi] = self.spec.out;
        let t = ((s - a) / (b - a)).max(0.0).min(1.0);
        lo + (hi - lo) * self.spec.desc.curve.apply(t)
    }

    /// This frame's value, `delta` seconds after the previous one; `None` when the source
    /// is NaN or infinite (the parameter keeps its value, as with an expression).
    /// Allocates nothing.
    pub fn step(&mut self, vars: &ExprVars, delta: f64) -> Option<f64> {
        let s = self.spec.source.eval(vars)?;
        let d = &self.spec.desc;
        let on = s > 0.0;
        let rose = on && !self.was_on;
        self.was_on = on;
        let follow = |from: f64, to: f64| {
            if d.smooth > 0.0 {
                from + (to - from) * (1.0 - (-delta.max(0.0) / d.smooth).exp())
            } else {
                to
            }
        };
        let v = match d.mode {
            NoteMode::Gate => {
                let x = self.map(s);
                self.value.map_or(x, |y| follow(y, x))
            }
            NoteMode::Trigger => {
                if rose {
                    self.map(s)
                } else {
                    let rest = self.map(d.input[0]);
                    self.value.map_or(rest, |y| follow(y, rest))
                }
            }
            NoteMode::Toggle => {
                if rose {
                    self.toggled = !self.toggled;
                }
                let x = self.map(d.input[usize::from(self.toggled)]);
                self.value.map_or(x, |y| follow(y, x))
            }
        };
        self.value = Some(v);
        Some(v)
    }
}

type Item<'a> = toml::Spanned<DeValue<'a>>;

fn loc(range: std::ops::Range<usize>) -> Loc {
    Loc { source: 0, range }
}

/// Reads the top-level `[bindings]` table into `desc.bindings`, each problem a located
/// error in `desc.early`.
pub(crate) fn parse_bindings(desc: &mut ChainDesc, value: &Item<'_>) {
    let DeValue::Table(table) = value.get_ref() else {
        let d = desc
            .diag(Some(&loc(value.span())), "`bindings` must be a table")
            .with_hint(
                "write `[bindings]` and under it `\"node.param\" = { source = \"midi.cc1_7\" }`",
            );
        desc.early.push(d);
        return;
    };
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (key, v) in entries {
        let name = key.get_ref().as_ref();
        match (name.rfind('.'), v.get_ref()) {
            (Some(dot), _) => {
                let at = loc(key.span());
                let node = Spanned::at(name[..dot].to_string(), at.clone());
                let param = Spanned::at(name[dot + 1..].to_string(), at);
                if let Some(b) = read_binding(desc, node, param, v) {
                    desc.bindings.push(b);
                }
            }
            // `[bindings.blur]` then `radius = ...`, or `blur = { radius = ... }`.
            (None, DeValue::Table(params)) => {
                let mut ps: Vec<_> = params.iter().collect();
                ps.sort_by_key(|(k, _)| k.span().start);
                for (pk, pv) in ps {
                    let node = Spanned::at(name.to_string(), loc(key.span()));
                    let param = Spanned::at(pk.get_ref().to_string(), loc(pk.span()));
                    if let Some(b) = read_binding(desc, node, param, pv) {
                        desc.bindings.push(b);
                    }
                }
            }
            (None, _) => {
                let d = desc
                    .diag(
                        Some(&loc(key.span())),
                        format!("binding `{name}` names no parameter"),
                    )
                    .with_hint(format!(
                        "write the parameter it drives as `\"{name}.PARAM\" = {{ source = \"midi.cc1_7\" }}`"
                    ));
                desc.early.push(d);
            }
        }
    }
}

/// One binding's value: a source string, or a table of [`BINDING_KEYS`].
fn read_binding(
    desc: &mut ChainDesc,
    node: Spanned<String>,
    param: Spanned<String>,
    v: &Item<'_>,
) -> Option<BindingDesc> {
    let target = format!("{}.{}", node.value, param.value);
    let err = |desc: &mut ChainDesc, span: std::ops::Range<usize>, m: String, h: &str| {
        let d = desc.diag(Some(&loc(span)), m).with_hint(h.to_string());
        desc.early.push(d);
    };
    let table = match v.get_ref() {
        DeValue::String(s) => {
            let mut b = BindingDesc::new(&node.value, &param.value, s);
            b.node = node;
            b.param = param;
            b.source = Spanned::at(s.to_string(), loc(v.span()));
            return Some(b);
        }
        DeValue::Table(t) => t,
        other => {
            err(
                desc,
                v.span(),
                format!(
                    "binding `{target}` must be a source (a string) or a table, found {}",
                    other.type_str()
                ),
                "e.g. `{ source = \"midi.cc1_7\", range = [0, 40], smooth = 0.1 }`",
            );
            return None;
        }
    };
    let before = desc.early.len();
    let mut b = BindingDesc::new(&node.value, &param.value, "");
    b.node = node;
    b.param = param;
    let mut source = None;
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    for (k, item) in entries {
        let key = k.get_ref().as_ref();
        match key {
            "source" => match item.get_ref() {
                DeValue::String(s) => source = Some(Spanned::at(s.to_string(), loc(item.span()))),
                other => err(
                    desc,
                    item.span(),
                    format!(
                        "`{target}`: `source` must be a string, found {}",
                        other.type_str()
                    ),
                    "a variable or an expression of them: \"midi.cc1_7\", \"osc.fader1\", \"audio.bass * 2\"",
                ),
            },
            "input" | "range" => match pair(item) {
                Some(p) if p[0].total_cmp(&p[1]).is_eq() && key == "input" => err(
                    desc,
                    item.span(),
                    format!("`{target}`: `input` = [{}, {}] is empty", p[0], p[1]),
                    "give the source's two values that map to the ends of `range`, e.g. [0, 1]",
                ),
                Some(p) if key == "input" => b.input = p,
                Some(p) => b.range = Some(Spanned::at(p, loc(item.span()))),
                None => err(
                    desc,
                    item.span(),
                    format!("`{target}`: `{key}` must be two numbers `[from, to]`"),
                    "e.g. `range = [0, 40]` (reversed, `[40, 0]`, runs the other way)",
                ),
            },
            "curve" => match (item.get_ref(), number(item)) {
                (DeValue::String(s), _) if *s == "linear" => b.curve = Curve::Linear,
                (DeValue::String(s), _) if *s == "exp" => b.curve = Curve::Exp,
                (DeValue::String(s), _) if *s == "log" => b.curve = Curve::Log,
                (_, Some(k)) if k > 0.0 && k.is_finite() => b.curve = Curve::Power(k),
                _ => err(
                    desc,
                    item.span(),
                    format!("`{target}`: unknown `curve`"),
                    "`\"linear\"`, `\"exp\"`, `\"log\"` or an exponent above 0 (`curve = 2`: t²)",
                ),
            },
            "smooth" => match number(item) {
                Some(s) if (0.0..=3600.0).contains(&s) => b.smooth = s,
                _ => err(
                    desc,
                    item.span(),
                    format!("`{target}`: `smooth` must be seconds, 0 to 3600"),
                    "the time the parameter takes to get 63% of the way (0: at once)",
                ),
            },
            "mode" => match item.get_ref() {
                DeValue::String(s) if *s == "gate" => b.mode = NoteMode::Gate,
                DeValue::String(s) if *s == "trigger" => b.mode = NoteMode::Trigger,
                DeValue::String(s) if *s == "toggle" => b.mode = NoteMode::Toggle,
                _ => err(
                    desc,
                    item.span(),
                    format!("`{target}`: unknown `mode`"),
                    "`\"gate\"` (follow the source), `\"trigger\"` (jump at each note-on, fall back over `smooth`) or `\"toggle\"`",
                ),
            },
            other => {
                let hint = did_you_mean(other, BINDING_KEYS)
                    .unwrap_or_else(|| format!("a binding's keys are {}", BINDING_KEYS.join(", ")));
                err(
                    desc,
                    k.span(),
                    format!("`{target}`: unknown key `{other}`"),
                    &hint,
                );
            }
        }
    }
    let Some(source) = source else {
        err(
            desc,
            v.span(),
            format!("binding `{target}` has no `source`"),
            "add `source = \"midi.cc1_7\"` (or `osc.fader1`, `audio.bass`, any expression)",
        );
        return None;
    };
    b.source = source;
    (desc.early.len() == before).then_some(b)
}

fn number(v: &Item<'_>) -> Option<f64> {
    match v.get_ref() {
        DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
            .ok()
            .map(|i| i as f64),
        DeValue::Float(f) => f
            .as_str()
            .replace('_', "")
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite()),
        _ => None,
    }
}

fn pair(v: &Item<'_>) -> Option<[f64; 2]> {
    let DeValue::Array(a) = v.get_ref() else {
        return None;
    };
    let mut items = a.iter();
    match (items.next(), items.next(), items.next()) {
        (Some(x), Some(y), None) => Some([number(x)?, number(y)?]),
        _ => None,
    }
}

impl ChainDesc {
    /// The bindings checked against the validated nodes: each names an operator of the
    /// chain and a numeric parameter of it that has no expression, and its source parses
    /// with the registry's variables.
    pub(super) fn validate_bindings(
        &self,
        nodes: &[super::NodeSpec],
        variables: &crate::params::Variables,
        errs: &mut Vec<Diagnostic>,
    ) -> Vec<BindingSpec> {
        let mut out = Vec::with_capacity(self.bindings.len());
        for b in &self.bindings {
            if let Some(s) = self.validate_binding(b, nodes, variables, errs) {
                out.push(s);
            }
        }
        out
    }

    fn validate_binding(
        &self,
        b: &BindingDesc,
        nodes: &[super::NodeSpec],
        variables: &crate::params::Variables,
        errs: &mut Vec<Diagnostic>,
    ) -> Option<BindingSpec> {
        let target = format!("{}.{}", b.node.value, b.param.value);
        let Some(node) = nodes.iter().position(|n| n.name == b.node.value) else {
            // A node that is in the file but did not validate was reported already.
            if !self.nodes.iter().any(|n| n.name.value == b.node.value) {
                let mut d = self.diag(
                    b.node.loc.as_ref(),
                    format!("binding `{target}`: no operator named `{}`", b.node.value),
                );
                let names = self.nodes.iter().map(|n| n.name.value.as_str());
                d = d.with_hint(
                    did_you_mean(&b.node.value, names.clone()).unwrap_or_else(|| {
                        format!("the operators are {}", names.collect::<Vec<_>>().join(", "))
                    }),
                );
                errs.push(d);
            }
            return None;
        };
        let n = &nodes[node];
        let specs: &[ParamSpec] = &n.info.params;
        let Some(param) = specs
            .iter()
            .position(|s| s.name == b.param.value)
            .or_else(|| specs.iter().position(|s| s.answers_to(&b.param.value)))
        else {
            let mut d = self.diag(
                b.param.loc.as_ref(),
                format!(
                    "binding `{target}`: `{}` ({}) has no parameter `{}`",
                    b.node.value, n.info.name, b.param.value
                ),
            );
            d = match did_you_mean(&b.param.value, specs.iter().map(|s| s.name.as_ref())) {
                Some(h) => d.with_hint(h),
                None => d.with_hint(format!("`vivid operators {}` lists them", n.info.name)),
            };
            errs.push(d);
            return None;
        };
        let spec = &specs[param];
        if !matches!(
            spec.kind,
            ParamKind::Float | ParamKind::Int | ParamKind::Bool
        ) || spec.fixed
        {
            errs.push(
                self.diag(
                    b.param.loc.as_ref(),
                    format!(
                        "binding `{target}`: `{}` is {}; a binding drives one number (a float, an int or a bool)",
                        spec.name,
                        if spec.fixed { "fixed (it sizes GPU objects)".to_string() } else { format!("a {:?}", spec.kind).to_lowercase() }
                    ),
                )
                .with_hint("write an expression of the source in the operator's table instead, e.g. `offset = [\"midi.cc1_1\", 0]`"),
            );
            return None;
        }
        if let Some((_, src)) = n.params.iter().find(|(i, _)| *i == param)
            && src.is_animated()
        {
            let line = self
                .param_loc(&b.node.value, &spec.name)
                .map(|at| format!(" (line {})", self.diag(Some(&at), "").line))
                .unwrap_or_default();
            let d = self
                .diag(
                    b.param.loc.as_ref(),
                    format!("`{target}` is bound and also an expression in its table: one of them must go"),
                )
                .with_hint(format!(
                    "remove `{}` from `[{}]`{line} (a binding is an expression of its source), or remove the binding",
                    spec.name, b.node.value
                ));
            errs.push(d);
            return None;
        }
        let out = match (&b.range, spec.range, spec.kind) {
            (Some(r), _, _) => r.value,
            (None, Some((lo, hi)), _) => [lo, hi],
            (None, None, ParamKind::Bool) => [0.0, 1.0],
            (None, None, _) => {
                errs.push(
                    self.diag(
                        b.param.loc.as_ref(),
                        format!("binding `{target}`: `{}` has no declared range", spec.name),
                    )
                    .with_hint("give the binding one: `range = [0, 10]`"),
                );
                return None;
            }
        };
        if let (Some(r), Some((lo, hi))) = (&b.range, spec.range)
            && r.value.iter().any(|x| *x < lo || *x > hi)
        {
            errs.push(
                self.diag(
                    r.loc.as_ref(),
                    format!(
                        "binding `{target}`: range [{}, {}] goes beyond `{}`'s range {lo}..{hi}",
                        r.value[0], r.value[1], spec.name
                    ),
                )
                .with_hint(format!("keep both ends within {lo}..{hi}")),
            );
            return None;
        }
        let source = match Expr::parse_with(&b.source.value, variables) {
            Ok(e) => e,
            Err(e) => {
                // Into the string: past its opening quote.
                let at = b.source.loc.as_ref().map(|l| Loc {
                    source: l.source,
                    range: l.range.start + 1 + e.span.start..l.range.start + 1 + e.span.end,
                });
                let mut d = self.diag(
                    at.as_ref().or(b.source.loc.as_ref()),
                    format!("binding `{target}`: source: {}", e.message),
                );
                if let Some(h) = e.hint {
                    d = d.with_hint(h);
                }
                errs.push(d);
                return None;
            }
        };
        Some(BindingSpec {
            node,
            param,
            desc: b.clone(),
            source,
            out,
        })
    }

    /// Where `node.param` is written in its table.
    fn param_loc(&self, node: &str, param: &str) -> Option<Loc> {
        let n = self.nodes.iter().find(|n| n.name.value == node)?;
        n.params
            .iter()
            .find(|(k, _)| k.value == param)
            .and_then(|(k, _)| k.loc.clone())
    }
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "values compared are computed the same way, or exact"
)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::params::Variables;
    use crate::project::parse_chain;

    fn binding(text: &str) -> Binding {
        let d = parse_chain(Path::new("c.toml"), text);
        assert!(d.early.is_empty(), "{:?}", d.early);
        let b = d.bindings[0].clone();
        let source = Expr::parse_with(&b.source.value, &Variables::builtin()).expect("parses");
        let out = b.range.as_ref().map_or([0.0, 1.0], |r| r.value);
        Binding::new(BindingSpec {
            node: 0,
            param: 0,
            desc: b,
            source,
            out,
        })
    }

    #[test]
    fn the_three_ways_to_write_one_are_read_alike() {
        let text = "[bindings]\n\"a.x\" = \"time\"\nb.y = { source = \"frame\", range = [40, 0], input = [0, 10], curve = 2, smooth = 0.5, mode = \"toggle\" }\n[bindings.c]\nz = { source = \"delta\", curve = \"log\" }\n";
        let d = parse_chain(Path::new("c.toml"), text);
        assert!(d.early.is_empty(), "{:?}", d.early);
        let t: Vec<(&str, &str, &str)> = d
            .bindings
            .iter()
            .map(|b| {
                (
                    b.node.value.as_str(),
                    b.param.value.as_str(),
                    b.source.value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            t,
            [("a", "x", "time"), ("b", "y", "frame"), ("c", "z", "delta")]
        );
        let b = &d.bindings[1];
        assert_eq!(b.input, [0.0, 10.0]);
        assert_eq!(b.range.as_ref().map(|r| r.value), Some([40.0, 0.0]));
        assert_eq!(
            (b.curve, b.smooth, b.mode),
            (Curve::Power(2.0), 0.5, NoteMode::Toggle)
        );
        assert_eq!(d.bindings[2].curve, Curve::Log);
    }

    #[test]
    fn mistakes_are_located_with_a_hint() {
        let text = "[bindings]\n\"a.x\" = { source = \"time\", rnage = [0, 1] }\n\"a.y\" = { source = \"time\", input = [2, 2] }\n\"a.z\" = { range = [0, 1] }\n\"a.w\" = { source = \"time\", curve = -1, mode = \"hold\", smooth = -2 }\nq = 3\n";
        let d = parse_chain(Path::new("c.toml"), text);
        let got: Vec<(usize, &str, Option<&str>)> = d
            .early
            .iter()
            .map(|e| (e.line, e.message.as_str(), e.hint.as_deref()))
            .collect();
        assert!(
            got.iter().any(|(l, m, h)| *l == 2
                && m.contains("rnage")
                && *h == Some("did you mean `range`?")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(l, m, _)| *l == 3 && m.contains("is empty")),
            "{got:?}"
        );
        assert!(
            got.iter()
                .any(|(l, m, _)| *l == 4 && m.contains("no `source`")),
            "{got:?}"
        );
        assert_eq!(got.iter().filter(|(l, _, _)| *l == 5).count(), 3, "{got:?}");
        assert!(
            got.iter()
                .any(|(l, m, _)| *l == 6 && m.contains("names no parameter")),
            "{got:?}"
        );
        assert!(d.bindings.is_empty());
    }

    #[test]
    fn curves_meet_their_ends_and_their_formulas() {
        for c in [Curve::Linear, Curve::Exp, Curve::Log, Curve::Power(3.0)] {
            assert!((c.apply(0.0)).abs() < 1e-12, "{c:?}");
            assert!((c.apply(1.0) - 1.0).abs() < 1e-12, "{c:?}");
        }
        // exp(0.5) = (10 - 1) / 99; log is its inverse.
        assert!((Curve::Exp.apply(0.5) - 9.0 / 99.0).abs() < 1e-12);
        assert!((Curve::Log.apply(9.0 / 99.0) - 0.5).abs() < 1e-12);
        assert_eq!(Curve::Power(2.0).apply(0.5), 0.25);
    }

    #[test]
    fn smoothing_is_one_pole_and_notes_trigger_and_toggle() {
        let mut vars = ExprVars::default();
        // Gate with smoothing: the first frame takes the value, then 1 - e^(-dt/τ) of the way.
        let mut g = binding(
            "[bindings]\n\"a.x\" = { source = \"frame\", range = [0, 10], smooth = 0.5 }\n",
        );
        vars.set_time(0.0, 0.0, 0.0);
        assert_eq!(g.step(&vars, 0.0), Some(0.0));
        vars.set_time(0.0, 1.0, 0.0);
        let want = 10.0 * (1.0 - (-0.1f64 / 0.5).exp());
        assert!((g.step(&vars, 0.1).unwrap_or(f64::NAN) - want).abs() < 1e-12);
        // Trigger: up at the rise, then falling by e^(-dt/τ) while held and after.
        let mut t = binding(
            "[bindings]\n\"a.x\" = { source = \"frame\", range = [2, 12], mode = \"trigger\", smooth = 1 }\n",
        );
        vars.set_time(0.0, 0.0, 0.0);
        assert_eq!(t.step(&vars, 0.0), Some(2.0));
        vars.set_time(0.0, 1.0, 0.0);
        assert_eq!(t.step(&vars, 0.1), Some(12.0));
        let v = t.step(&vars, 0.5).unwrap_or(f64::NAN);
        assert!((v - (2.0 + 10.0 * (-0.5f64).exp())).abs() < 1e-12, "{v}");
        // Toggle: each rise flips between the ends.
        let mut o = binding(
            "[bindings]\n\"a.x\" = { source = \"frame\", range = [0, 4], mode = \"toggle\" }\n",
        );
        let mut seen = Vec::new();
        for f in [0.0, 1.0, 1.0, 0.0, 0.7, 0.0, 0.0, 1.0] {
            vars.set_time(0.0, f, 0.0);
            seen.push(o.step(&vars, 0.1).unwrap_or(f64::NAN));
        }
        assert_eq!(seen, [0.0, 4.0, 4.0, 4.0, 0.0, 0.0, 0.0, 4.0]);
    }

    #[test]
    fn a_frame_of_bindings_allocates_nothing() {
        let mut b = binding(
            "[bindings]\n\"a.x\" = { source = \"sin(time) * 0.5 + 0.5\", range = [0, 10], smooth = 0.2, curve = \"exp\" }\n",
        );
        let mut vars = ExprVars::default();
        let info = allocation_counter::measure(|| {
            for k in 0..100 {
                vars.set_time(f64::from(k) / 60.0, f64::from(k), 1.0 / 60.0);
                let _ = b.step(&vars, 1.0 / 60.0);
            }
        });
        assert_eq!(info.count_total, 0, "{info:?}");
    }
}
