//! A parameter's spec (name, kind, default, range, choices); written values checked against it.

use std::borrow::Cow;

use crate::error::did_you_mean;
use crate::params::{
    Expr, ExprError, ParamKind, ParamType, ParamValue, RawValue, SceneKind, Variables,
};

/// Why a value does not fit a parameter: a one-line message and, when we can tell, a hint
/// and the place inside an expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
    /// For an expression that does not parse: the expression and the place in it.
    pub at: Option<ExprAt>,
}

/// A place inside an expression's text (see [`ParamError::at`]): a caller that knows where
/// the text was written (chain.toml, `--set`) points its diagnostic there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprAt {
    /// The expression as written.
    pub text: String,
    /// Byte range inside `text`.
    pub span: std::ops::Range<usize>,
}

impl ParamError {
    pub(super) fn hinted(message: String, hint: Option<String>) -> Self {
        Self {
            message,
            hint,
            at: None,
        }
    }

    /// The error of expression `text` of parameter `name`.
    fn expression(name: &str, text: &str, e: ExprError) -> Self {
        Self {
            message: format!(
                "`{name}`: {} (column {} of \"{}\")",
                e.message,
                e.column(text),
                shorten(text)
            ),
            hint: e.hint,
            at: Some(ExprAt {
                text: text.to_string(),
                span: e.span,
            }),
        }
    }
}

/// `text`, or its start and `…` when it is long (messages of huge expressions stay short).
fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    const KEEP: usize = 60;
    match text.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}…", &text[..at]).into(),
        None => text.into(),
    }
}

impl From<String> for ParamError {
    fn from(message: String) -> Self {
        Self::hinted(message, None)
    }
}

impl std::fmt::Display for ParamError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.hint {
            Some(h) => write!(f, "{} ({h})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ParamError {}

/// Metadata of one parameter: name, kind, default, valid range, choices, documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// Name as written in chain.toml.
    pub name: Cow<'static, str>,
    /// Value kind.
    pub kind: ParamKind,
    /// Default value.
    pub default: ParamValue,
    /// Inclusive valid range of every numeric component, if limited.
    pub range: Option<(f64, f64)>,
    /// Names of the choices, for [`ParamKind::Choice`].
    pub choices: Vec<Cow<'static, str>>,
    /// One-line documentation (units included).
    pub doc: Cow<'static, str>,
    /// Numeric, but not animatable: it sizes GPU objects (a shadow map's resolution), so an
    /// expression is refused with a message instead of reallocating every frame.
    pub fixed: bool,
    /// Former names, still accepted (chain.toml and `--set` print a hint to use the new one).
    pub aliases: Vec<Cow<'static, str>>,
    /// When it applies: the inspector hides it otherwise (a circle's `sides`).
    pub when: Option<ParamCondition>,
    /// The group the inspector shows it in (`Shape`, `Place`...); none: at the top.
    pub group: Option<Cow<'static, str>>,
}

impl ParamSpec {
    /// The spec of a field of Rust type `T` (used by [`params!`](crate::params!)).
    #[must_use]
    pub fn of<T: ParamType>(name: &'static str, default: &T, doc: &'static str) -> Self {
        Self {
            name: Cow::Borrowed(name),
            kind: T::KIND,
            default: default.to_value(),
            range: T::DEFAULT_RANGE,
            fixed: T::FIXED,
            choices: T::choices().iter().map(|c| Cow::Borrowed(*c)).collect(),
            aliases: Vec::new(),
            when: None,
            group: None,
            doc: Cow::Owned(
                doc.lines()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim()
                    .to_string(),
            ),
        }
    }

    /// A spec built at run time (custom shaders reflect theirs).
    #[must_use]
    pub fn new(name: impl Into<Cow<'static, str>>, kind: ParamKind, default: ParamValue) -> Self {
        Self {
            name: name.into(),
            kind,
            default,
            range: None,
            choices: Vec::new(),
            doc: Cow::Borrowed(""),
            fixed: false,
            aliases: Vec::new(),
            when: None,
            group: None,
        }
    }

    /// Also accepts `old` as its name (a parameter that was renamed).
    #[must_use]
    pub fn alias(mut self, old: impl Into<Cow<'static, str>>) -> Self {
        self.aliases.push(old.into());
        self
    }

    /// Applies only when another parameter has one of some values: `"kind:star|polygon"`
    /// (see [`ParamCondition::parse`]). A malformed text gives a condition that names no
    /// parameter, which the registry's tests report.
    #[must_use]
    pub fn when(mut self, condition: &str) -> Self {
        self.when = Some(
            ParamCondition::parse(condition).unwrap_or_else(|_| ParamCondition {
                param: Cow::Owned(condition.to_string()),
                values: Vec::new(),
            }),
        );
        self
    }

    /// Shows it in the inspector's group `name`.
    #[must_use]
    pub fn group(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.group = Some(name.into());
        self
    }

    /// Whether `name` is this parameter's name or one of its former names.
    #[must_use]
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.iter().any(|a| a == name)
    }

    /// Whether it applies with the operator's current `values` (in `specs` order).
    #[must_use]
    pub fn applies(&self, specs: &[ParamSpec], values: &[ParamValue]) -> bool {
        self.when.as_ref().is_none_or(|c| c.holds(specs, values))
    }

    /// Limits every numeric component to `min..=max`.
    #[must_use]
    pub fn range(mut self, min: f64, max: f64) -> Self {
        self.range = Some((min, max));
        self
    }

    /// Sets the documentation line.
    #[must_use]
    pub fn doc(mut self, doc: impl Into<Cow<'static, str>>) -> Self {
        self.doc = doc.into();
        self
    }

    /// Whether the value may be an expression of `time` and `frame`.
    #[must_use]
    pub fn animatable(&self) -> bool {
        self.kind.components() > 0 && !self.fixed
    }

    /// Formats `v` as it would be written in chain.toml.
    #[must_use]
    pub fn format_value(&self, v: &ParamValue) -> String {
        fn num(x: f32) -> String {
            if x.fract() == 0.0 && x.abs() < 1e7 {
                format!("{x:.1}")
            } else {
                format!("{x}")
            }
        }
        match v {
            ParamValue::Int(i) => i.to_string(),
            ParamValue::Bool(b) => b.to_string(),
            ParamValue::Choice(i) => format!(
                "\"{}\"",
                self.choices.get(*i as usize).map_or("?", |c| c.as_ref())
            ),
            ParamValue::Text(s) => format!("{s:?}"),
            ParamValue::List(v) => format!(
                "[{}]",
                v.iter()
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ParamValue::Float(x) => num(*x),
            ParamValue::Numbers(v) => {
                let width = self.kind.components().max(1);
                let items: Vec<String> = v
                    .chunks(width)
                    .map(|c| {
                        if width == 1 {
                            num(c[0])
                        } else {
                            format!(
                                "[{}]",
                                c.iter().map(|&x| num(x)).collect::<Vec<_>>().join(", ")
                            )
                        }
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            other => format!(
                "[{}]",
                other
                    .components()
                    .iter()
                    .map(|&x| num(x))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The range as text for `vivid operators`, e.g. `0.001..=1000`.
    #[must_use]
    pub fn format_range(&self) -> Option<String> {
        self.range.map(|(a, b)| format!("{a}..={b}"))
    }

    /// Checks a user value against this spec and turns it into a [`ParamSource`]; an
    /// expression may read the built-in variables ([`Variables::builtin`]).
    pub fn parse(&self, raw: &RawValue) -> Result<ParamSource, ParamError> {
        self.parse_with(raw, &Variables::builtin())
    }

    /// Checks a user value against this spec and turns it into a [`ParamSource`].
    ///
    /// Numbers may be strings holding an expression ([`Expr`]) of the variables `vars`
    /// names; in a vector, each element may be one. Errors are one-line messages; the
    /// caller adds the location ([`ParamError::at`] says where inside an expression).
    pub fn parse_with(&self, raw: &RawValue, vars: &Variables) -> Result<ParamSource, ParamError> {
        match self.kind {
            ParamKind::Bool => match raw {
                RawValue::Bool(b) => Ok(ParamSource::Const(ParamValue::Bool(*b))),
                other => Err(self.expected("`true` or `false`", other)),
            },
            ParamKind::Nodes(k) => self.parse_names(k, raw),
            ParamKind::Text | ParamKind::Node(_) | ParamKind::File(_) => match raw {
                RawValue::Str(s) => Ok(ParamSource::Const(ParamValue::Text(s.clone()))),
                other => Err(self.expected("a string", other)),
            },
            ParamKind::Choice => self.parse_choice(raw),
            ParamKind::Float | ParamKind::Int => {
                let c = self.component(raw, vars)?;
                Ok(ParamSource::from_components(self.kind, vec![c]))
            }
            ParamKind::Vec2 | ParamKind::Vec3 | ParamKind::Vec4 | ParamKind::Color => {
                self.parse_vector(raw, vars)
            }
            ParamKind::Floats(_) | ParamKind::Colors(_) => self.parse_list(raw),
        }
    }

    /// A list value ([`ParamKind::Floats`], [`ParamKind::Colors`]): an array of elements,
    /// each checked as a parameter of the element's kind (`stops[2]` in messages); a single
    /// number is a list of one. Its components, element after element, may be expressions.
    fn parse_list(&self, raw: &RawValue) -> Result<ParamSource, ParamError> {
        let (Some(element), Some(max)) = (self.kind.element(), self.kind.max_len()) else {
            return Err(format!("`{}` is not a list", self.name).into());
        };
        let what = if element == ParamKind::Color {
            "colours"
        } else {
            "numbers"
        };
        let items: &[RawValue] = match raw {
            RawValue::Array(items) => items,
            RawValue::Float(_) | RawValue::Int(_) | RawValue::Str(_)
                if element == ParamKind::Float =>
            {
                std::slice::from_ref(raw)
            }
            other => return Err(self.expected(&format!("an array of {what}"), other)),
        };
        if items.len() > max {
            return Err(ParamError::hinted(
                format!(
                    "`{}` takes at most {max} {what}, found {}",
                    self.name,
                    items.len()
                ),
                Some(format!("the shader holds {max}: remove some")),
            ));
        }
        let mut components = Vec::with_capacity(items.len() * element.components());
        for (i, item) in items.iter().enumerate() {
            let spec = Self {
                name: Cow::Owned(format!("{}[{i}]", self.name)),
                kind: element,
                default: ParamValue::from_components(element, &[]),
                range: self.range,
                choices: Vec::new(),
                doc: Cow::Borrowed(""),
                fixed: self.fixed,
                aliases: Vec::new(),
                when: None,
                group: None,
            };
            match spec.parse(item)? {
                ParamSource::Const(v) => {
                    components.extend(v.components().iter().map(|&x| Component::Const(x)));
                }
                ParamSource::Animated { components: c, .. } => components.extend(c),
            }
        }
        Ok(ParamSource::from_components(self.kind, components))
    }

    /// A [`ParamKind::Nodes`] value: one name or an array of names of `kind` nodes.
    fn parse_names(&self, kind: SceneKind, raw: &RawValue) -> Result<ParamSource, ParamError> {
        match raw {
            RawValue::Str(s) => Ok(ParamSource::Const(ParamValue::List(vec![s.clone()]))),
            RawValue::Array(items) => {
                let mut names = Vec::with_capacity(items.len());
                for item in items {
                    let RawValue::Str(s) = item else {
                        return Err(
                            self.expected(&format!("an array of {} names", kind.name()), item)
                        );
                    };
                    names.push(s.clone());
                }
                Ok(ParamSource::Const(ParamValue::List(names)))
            }
            other => Err(self.expected(&format!("an array of {} names", kind.name()), other)),
        }
    }

    /// A [`ParamKind::Choice`] value: the name of one of the choices.
    fn parse_choice(&self, raw: &RawValue) -> Result<ParamSource, ParamError> {
        match raw {
            RawValue::Str(s) => self
                .choices
                .iter()
                .position(|c| c == s)
                .map(|i| ParamSource::Const(ParamValue::Choice(i as u32)))
                .ok_or_else(|| {
                    let list = self.choice_list();
                    ParamError::hinted(
                        format!("`{}` has no choice \"{s}\" (choices: {list})", self.name),
                        did_you_mean(s, self.choices.iter().map(AsRef::as_ref)),
                    )
                }),
            other => Err(self.expected(&format!("one of {}", self.choice_list()), other)),
        }
    }

    fn parse_vector(&self, raw: &RawValue, vars: &Variables) -> Result<ParamSource, ParamError> {
        let n = self.kind.components();
        if self.kind == ParamKind::Color
            && let RawValue::Str(s) = raw
            && s.trim_start().starts_with('#')
        {
            let c = parse_hex_color(s).ok_or_else(|| {
                format!(
                    "`{}`: \"{s}\" is not a colour; write \"#rrggbb\", \"#rrggbbaa\" or [r, g, b]",
                    self.name
                )
            })?;
            return Ok(ParamSource::Const(ParamValue::Color(c)));
        }
        let items: Vec<RawValue> = match raw {
            RawValue::Array(items) => items.clone(),
            // A single number (or expression) fills every component: `scale = 2` for a vec2.
            RawValue::Float(_) | RawValue::Int(_) | RawValue::Str(_)
                if self.kind != ParamKind::Color =>
            {
                vec![raw.clone(); n]
            }
            other => {
                return Err(self.expected(&format!("an array of {n} numbers"), other));
            }
        };
        let ok_len = if self.kind == ParamKind::Color {
            items.len() == 3 || items.len() == 4
        } else {
            items.len() == n
        };
        if !ok_len {
            let want = if self.kind == ParamKind::Color {
                "3 or 4".to_string()
            } else {
                n.to_string()
            };
            return Err(format!(
                "`{}` needs {want} numbers, found {}",
                self.name,
                items.len()
            )
            .into());
        }
        let mut comps = Vec::with_capacity(n);
        for item in &items {
            comps.push(self.component(item, vars)?);
        }
        if self.kind == ParamKind::Color && comps.len() == 3 {
            comps.push(Component::Const(1.0));
        }
        Ok(ParamSource::from_components(self.kind, comps))
    }

    fn component(&self, raw: &RawValue, vars: &Variables) -> Result<Component, ParamError> {
        match raw {
            RawValue::Float(x) => {
                if !x.is_finite() {
                    return Err(
                        format!("`{}` must be a finite number, found {x}", self.name).into(),
                    );
                }
                if self.kind == ParamKind::Int && x.fract() != 0.0 {
                    return Err(
                        format!("`{}` is an integer parameter, found {x}", self.name).into(),
                    );
                }
                self.check_range(*x)?;
                Ok(Component::Const(*x as f32))
            }
            RawValue::Int(i) => {
                self.check_range(*i as f64)?;
                Ok(Component::Const(*i as f32))
            }
            RawValue::Str(s) if self.fixed => Err(ParamError::hinted(
                format!(
                    "`{}` cannot be an expression (\"{s}\"): it sets the size of GPU memory, which is not reallocated every frame",
                    self.name
                ),
                Some(format!(
                    "give a number, e.g. `{} = {}`",
                    self.name,
                    self.format_value(&self.default)
                )),
            )),
            RawValue::Str(s) => {
                let expr = Expr::parse_with(s, vars)
                    .map_err(|e| ParamError::expression(&self.name, s, e))?;
                Ok(Component::Expr(Box::new(expr)))
            }
            other => Err(self.expected("a number or an expression string", other)),
        }
    }

    fn check_range(&self, x: f64) -> Result<(), ParamError> {
        match self.range {
            Some((lo, hi)) if x < lo || x > hi => {
                Err(format!("`{}` = {x} is out of its range {lo}..={hi}", self.name).into())
            }
            _ => Ok(()),
        }
    }

    fn expected(&self, what: &str, found: &RawValue) -> ParamError {
        let message = format!(
            "`{}` expects {what} ({}), found {}",
            self.name,
            self.kind.name(),
            found.type_name()
        );
        let name = &self.name;
        let example = match self.kind {
            ParamKind::Float | ParamKind::Int => {
                format!(
                    "e.g. `{name} = {}` or an expression `{name} = \"4 + sin(time)\"`",
                    self.format_value(&self.default)
                )
            }
            _ => format!("e.g. `{name} = {}`", self.format_value(&self.default)),
        };
        ParamError::hinted(message, Some(example))
    }

    fn choice_list(&self) -> String {
        self.choices
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Clamps every component into the range (used for expression results).
    pub(super) fn clamp(&self, x: f32) -> f32 {
        match self.range {
            Some((lo, hi)) => x.clamp(lo as f32, hi as f32),
            None => x,
        }
    }
}

/// When a parameter applies: another parameter — a choice, a bool or an integer — has one
/// of some values. Written `other:value|value` (`kind:star|polygon`, `shadows:true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamCondition {
    /// The parameter it depends on.
    pub param: Cow<'static, str>,
    /// The values of that parameter for which it applies (choice names, `true`/`false`,
    /// integers).
    pub values: Vec<Cow<'static, str>>,
}

impl ParamCondition {
    /// Reads `other:a|b`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || {
            format!("`when={text}`: write `when=param:value|value`, e.g. when=kind:star|polygon")
        };
        let (param, values) = text.split_once(':').ok_or_else(bad)?;
        let values: Vec<Cow<'static, str>> = values
            .split('|')
            .map(|v| Cow::Owned(v.trim().to_string()))
            .collect();
        let word = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        };
        if !word(param.trim()) || !values.iter().all(|v| word(v)) {
            return Err(bad());
        }
        Ok(Self {
            param: Cow::Owned(param.trim().to_string()),
            values,
        })
    }

    /// Checks it against `specs` (the operator's parameters): the parameter exists, is a
    /// choice, a bool or an integer, and each value is one it can have.
    pub fn check(&self, specs: &[ParamSpec]) -> Result<(), String> {
        let Some(other) = specs.iter().find(|s| s.name == self.param) else {
            let names = specs.iter().map(|s| s.name.as_ref());
            return Err(format!(
                "`when`: no parameter `{}`{}",
                self.param,
                did_you_mean(&self.param, names).map_or(String::new(), |h| format!(" ({h})"))
            ));
        };
        for v in &self.values {
            let ok = match other.kind {
                ParamKind::Choice => other.choices.iter().any(|c| c == v),
                ParamKind::Bool => v == "true" || v == "false",
                ParamKind::Int => v.parse::<i64>().is_ok(),
                _ => {
                    return Err(format!(
                        "`when`: `{}` is a {}; a condition needs a choice, a bool or an integer",
                        self.param,
                        other.kind.name()
                    ));
                }
            };
            if !ok {
                return Err(format!("`when`: `{}` cannot be `{v}`", self.param));
            }
        }
        Ok(())
    }

    /// Whether it holds for the operator's current `values` (in `specs` order); true when
    /// the parameter it names is missing.
    #[must_use]
    pub fn holds(&self, specs: &[ParamSpec], values: &[ParamValue]) -> bool {
        let Some(i) = specs.iter().position(|s| s.name == self.param) else {
            return true;
        };
        let now = match values.get(i) {
            Some(ParamValue::Choice(c)) => specs[i]
                .choices
                .get(*c as usize)
                .map_or_else(String::new, ToString::to_string),
            Some(ParamValue::Bool(b)) => b.to_string(),
            Some(ParamValue::Int(n)) => n.to_string(),
            _ => return true,
        };
        self.values.iter().any(|v| *v == now)
    }
}

impl std::fmt::Display for ParamCondition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.param, self.values.join("|"))
    }
}

fn parse_hex_color(s: &str) -> Option<[f32; 4]> {
    let h = s.trim().strip_prefix('#')?;
    if !(h.len() == 6 || h.len() == 8) || !h.is_ascii() {
        return None;
    }
    let byte = |i: usize| {
        u8::from_str_radix(&h[i..i + 2], 16)
            .ok()
            .map(|b| f32::from(b) / 255.0)
    };
    Some([
        byte(0)?,
        byte(2)?,
        byte(4)?,
        if h.len() == 8 { byte(6)? } else { 1.0 },
    ])
}

/// One numeric component of a parameter: a constant or an expression.
#[derive(Clone, Debug)]
pub enum Component {
    /// A fixed number.
    Const(f32),
    /// An expression evaluated every frame.
    Expr(Box<Expr>),
}

/// Where a parameter's value comes from.
#[derive(Clone, Debug)]
pub enum ParamSource {
    /// A constant.
    Const(ParamValue),
    /// Numeric components of which at least one is an expression.
    Animated {
        /// The kind of the value.
        kind: ParamKind,
        /// One per component.
        components: Vec<Component>,
    },
}

impl ParamSource {
    fn from_components(kind: ParamKind, components: Vec<Component>) -> Self {
        if components.iter().all(|c| matches!(c, Component::Const(_))) {
            let c: Vec<f32> = components
                .iter()
                .map(|c| if let Component::Const(x) = c { *x } else { 0.0 })
                .collect();
            Self::Const(ParamValue::from_components(kind, &c))
        } else {
            Self::Animated { kind, components }
        }
    }

    /// Whether the value changes with time.
    #[must_use]
    pub fn is_animated(&self) -> bool {
        matches!(self, Self::Animated { .. })
    }
}

#[cfg(test)]
mod tests {
    use crate::params::fixture::P;
    use crate::params::{ParamSource, ParamStruct, ParamValue, RawValue};

    #[test]
    fn parse_accepts_each_kind() {
        let s = P::specs();
        let ok = |i: usize, raw: RawValue| match s[i].parse(&raw) {
            Ok(ParamSource::Const(v)) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(ok(0, RawValue::Int(3)), ParamValue::Float(3.0));
        assert_eq!(ok(1, RawValue::Int(3)), ParamValue::Int(3));
        assert_eq!(ok(2, RawValue::Float(2.0)), ParamValue::Vec3([2.0; 3]));
        assert_eq!(
            ok(3, [0.5f32, 0.25, 1.0].into()),
            ParamValue::Color([0.5, 0.25, 1.0, 1.0])
        );
        assert_eq!(
            ok(3, "#ff000080".into()),
            ParamValue::Color([1.0, 0.0, 0.0, 128.0 / 255.0])
        );
        assert_eq!(ok(4, "a".into()), ParamValue::Choice(0));
        assert_eq!(ok(5, true.into()), ParamValue::Bool(true));
    }

    #[test]
    fn parse_rejects_with_clear_messages() {
        let s = P::specs();
        let err = |i: usize, raw: RawValue| s[i].parse(&raw).expect_err("must fail").to_string();
        assert!(err(0, RawValue::Float(11.0)).contains("out of its range 0..=10"));
        assert!(err(1, RawValue::Float(1.5)).contains("integer"));
        assert!(err(0, true.into()).contains("expects a number"));
        assert!(err(2, [1.0f32, 2.0].into()).contains("needs 3 numbers, found 2"));
        assert!(err(4, "be".into()).contains("did you mean `bee`?"));
        assert!(err(0, "sin(tme)".into()).contains("unknown variable `tme`"));
        assert!(err(0, "sin(tme)".into()).contains("did you mean `time`?"));
        assert!(err(0, "4 + * 2".into()).contains("expected a number"));
        assert!(err(0, "4 + * 2".into()).contains("column 5 of \"4 + * 2\""));
        assert!(err(0, RawValue::Float(f64::NAN)).contains("finite"));
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "the values compared are exact")]
    fn lists_take_elements_checked_one_by_one() {
        use crate::params::{Component, ParamKind, ParamSpec};
        let colors = ParamSpec::new("stops", ParamKind::Colors(3), ParamValue::Numbers(vec![]));
        let ok = |spec: &ParamSpec, raw: RawValue| match spec.parse(&raw) {
            Ok(ParamSource::Const(v)) => v,
            other => panic!("{other:?}"),
        };
        let raw = RawValue::Array(vec!["#ff0000".into(), [0.0f32, 0.5, 1.0].into()]);
        assert_eq!(
            ok(&colors, raw.clone()),
            ParamValue::Numbers(vec![1.0, 0.0, 0.0, 1.0, 0.0, 0.5, 1.0, 1.0])
        );
        assert_eq!(
            colors.format_value(&ok(&colors, raw)),
            "[[1.0, 0.0, 0.0, 1.0], [0.0, 0.5, 1.0, 1.0]]"
        );
        assert_eq!(
            ok(&colors, RawValue::Array(vec![])),
            ParamValue::Numbers(vec![])
        );
        // An element's component may be an expression.
        let animated = colors
            .parse(&RawValue::Array(vec![
                "#000000".into(),
                RawValue::Array(vec!["sin(time)".into(), 0.into(), 1.into()]),
            ]))
            .unwrap();
        let ParamSource::Animated { kind, components } = animated else {
            panic!("animated")
        };
        assert_eq!(kind, ParamKind::Colors(3));
        assert_eq!(components.len(), 8);
        assert!(matches!(components[4], Component::Expr(_)));
        assert!(matches!(components[7], Component::Const(x) if x == 1.0));
        let err = |spec: &ParamSpec, raw: RawValue| spec.parse(&raw).unwrap_err().to_string();
        let four = RawValue::Array(vec!["#000000".into(); 4]);
        assert!(err(&colors, four).contains("at most 3 colours, found 4"));
        assert!(err(&colors, RawValue::Array(vec![1.0f32.into()])).contains("`stops[0]` expects"));
        assert!(err(&colors, "#ff0000".into()).contains("expects an array of colours"));
        let floats =
            ParamSpec::new("at", ParamKind::Floats(4), ParamValue::Numbers(vec![])).range(0.0, 1.0);
        assert_eq!(
            ok(&floats, [0.0f32, 0.25, 1.0].into()),
            ParamValue::Numbers(vec![0.0, 0.25, 1.0])
        );
        assert_eq!(ok(&floats, 0.5f32.into()), ParamValue::Numbers(vec![0.5]));
        assert!(
            err(&floats, [0.0f32, 2.0].into()).contains("`at[1]` = 2 is out of its range 0..=1")
        );
    }
}
