//! Typed parameter values, their metadata (default, range, choices) and expressions of time.
//!
//! An operator's parameters are written once, as a struct in the [`params!`](crate::params!)
//! macro; the macro derives the [`ParamSpec`] list from it, and that list drives chain.toml
//! parsing, `--set`, `vivid operators` and (later) the inspector.

use std::borrow::Cow;
use std::fmt;

use exmex::prelude::*;

use crate::error::did_you_mean;

/// The kind of value a parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// One `f32`.
    Float,
    /// One `i32`.
    Int,
    /// `true` / `false`.
    Bool,
    /// Two `f32`s.
    Vec2,
    /// Three `f32`s.
    Vec3,
    /// Four `f32`s.
    Vec4,
    /// RGBA, display-referred; `[r, g, b]` means alpha 1. Also `"#rrggbb"` / `"#rrggbbaa"`.
    Color,
    /// One of a fixed list of names.
    Choice,
    /// A string (file path, operator name).
    Text,
    /// The name of a scene node of this kind (`camera = "cam"`).
    Node(crate::scene::SceneKind),
    /// Names of scene nodes of this kind (`meshes = ["floor", "box"]`).
    Nodes(crate::scene::SceneKind),
    /// A file of this kind, relative to the project folder (checked when the chain is
    /// validated; the operator gets the resolved path). Empty: none.
    File(FileKind),
}

/// What a [`ParamKind::File`] parameter names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A glTF 2.0 model.
    Mesh,
    /// A PNG or JPEG picture. An operator with one and no `size` takes its pixel size
    /// ([`image_size`]).
    Image,
}

impl FileKind {
    /// What it is, in messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mesh => "glTF file",
            Self::Image => "PNG or JPEG image",
        }
    }

    /// File extensions accepted (lower case, without the dot).
    #[must_use]
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Mesh => &["gltf", "glb"],
            Self::Image => &["png", "jpg", "jpeg"],
        }
    }
}

/// The pixel size of the picture in an image file as it is shown (an EXIF orientation that
/// turns it by 90° swaps the sides), from its header: the file is not decoded. The error
/// says what is wrong with the file, not which file it is.
pub fn image_size(path: &std::path::Path) -> Result<(u32, u32), String> {
    use image::ImageDecoder;
    // The content tells the format, not the name.
    let reader = std::fs::File::open(path)
        .and_then(|f| image::ImageReader::new(std::io::BufReader::new(f)).with_guessed_format())
        .map_err(|e| format!("cannot read it ({e})"))?;
    if reader.format().is_none() {
        return Err("not a PNG or JPEG image (unknown content)".into());
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("not a readable PNG or JPEG image ({e})"))?;
    let (w, h) = decoder.dimensions();
    let turned = matches!(
        decoder.orientation(),
        Ok(image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH)
    );
    Ok(if turned { (h, w) } else { (w, h) })
}

impl ParamKind {
    /// Number of numeric components (0 for bool, choice and text).
    #[must_use]
    pub const fn components(self) -> usize {
        match self {
            Self::Float | Self::Int => 1,
            Self::Vec2 => 2,
            Self::Vec3 => 3,
            Self::Vec4 | Self::Color => 4,
            Self::Bool
            | Self::Choice
            | Self::Text
            | Self::Node(_)
            | Self::Nodes(_)
            | Self::File(_) => 0,
        }
    }

    /// Short name used in `vivid operators` and error messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Int => "int",
            Self::Bool => "bool",
            Self::Vec2 => "vec2",
            Self::Vec3 => "vec3",
            Self::Vec4 => "vec4",
            Self::Color => "color",
            Self::Choice => "choice",
            Self::Text => "string",
            Self::Node(k) => k.name(),
            Self::File(_) => "file",
            Self::Nodes(crate::scene::SceneKind::Camera) => "cameras",
            Self::Nodes(crate::scene::SceneKind::Mesh) => "meshes",
            Self::Nodes(crate::scene::SceneKind::Light) => "lights",
        }
    }
}

/// A parameter value, as the operator sees it after expressions are evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// See [`ParamKind::Float`].
    Float(f32),
    /// See [`ParamKind::Int`].
    Int(i32),
    /// See [`ParamKind::Bool`].
    Bool(bool),
    /// See [`ParamKind::Vec2`].
    Vec2([f32; 2]),
    /// See [`ParamKind::Vec3`].
    Vec3([f32; 3]),
    /// See [`ParamKind::Vec4`].
    Vec4([f32; 4]),
    /// See [`ParamKind::Color`].
    Color([f32; 4]),
    /// Index into the spec's choices.
    Choice(u32),
    /// See [`ParamKind::Text`] (and [`ParamKind::Node`]).
    Text(String),
    /// See [`ParamKind::Nodes`].
    List(Vec<String>),
}

impl ParamValue {
    /// The numeric components, if any.
    #[must_use]
    pub fn components(&self) -> &[f32] {
        match self {
            Self::Float(v) => std::slice::from_ref(v),
            Self::Vec2(v) => v,
            Self::Vec3(v) => v,
            Self::Vec4(v) | Self::Color(v) => v,
            _ => &[],
        }
    }

    fn from_components(kind: ParamKind, c: &[f32]) -> Self {
        let g = |i: usize| c.get(i).copied().unwrap_or(0.0);
        match kind {
            ParamKind::Float => Self::Float(g(0)),
            ParamKind::Int => Self::Int(g(0).round() as i32),
            ParamKind::Vec2 => Self::Vec2([g(0), g(1)]),
            ParamKind::Vec3 => Self::Vec3([g(0), g(1), g(2)]),
            ParamKind::Vec4 => Self::Vec4([g(0), g(1), g(2), g(3)]),
            ParamKind::Color => Self::Color([g(0), g(1), g(2), c.get(3).copied().unwrap_or(1.0)]),
            ParamKind::Bool => Self::Bool(g(0) != 0.0),
            ParamKind::Choice => Self::Choice(g(0) as u32),
            ParamKind::Text | ParamKind::Node(_) | ParamKind::File(_) => Self::Text(String::new()),
            ParamKind::Nodes(_) => Self::List(Vec::new()),
        }
    }
}

/// A value as the user wrote it (chain.toml, `--set`, the API), before it is checked against
/// a [`ParamSpec`].
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// A float literal.
    Float(f64),
    /// An integer literal.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string: a choice name, a path, a colour `#rrggbb`, or an expression of `time`/`frame`.
    Str(String),
    /// An array of values.
    Array(Vec<RawValue>),
}

impl RawValue {
    /// What kind of TOML value this is, for error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Float(_) => "a float",
            Self::Int(_) => "an integer",
            Self::Bool(_) => "a boolean",
            Self::Str(_) => "a string",
            Self::Array(_) => "an array",
        }
    }
}

impl From<f32> for RawValue {
    fn from(v: f32) -> Self {
        Self::Float(f64::from(v))
    }
}
impl From<f64> for RawValue {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}
impl From<i32> for RawValue {
    fn from(v: i32) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<bool> for RawValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<&str> for RawValue {
    fn from(v: &str) -> Self {
        Self::Str(v.to_string())
    }
}
impl<const N: usize> From<[f32; N]> for RawValue {
    fn from(v: [f32; N]) -> Self {
        Self::Array(v.iter().map(|&x| Self::Float(f64::from(x))).collect())
    }
}

/// Why a value does not fit a parameter: a one-line message and, when we can tell, a hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamError {
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl ParamError {
    fn hinted(message: String, hint: Option<String>) -> Self {
        Self { message, hint }
    }
}

impl From<String> for ParamError {
    fn from(message: String) -> Self {
        Self {
            message,
            hint: None,
        }
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
        }
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

    /// Checks a user value against this spec and turns it into a [`ParamSource`].
    ///
    /// Numbers may be strings holding an expression of `time` and `frame`; in a vector, each
    /// element may be one. Errors are one-line messages; the caller adds the location.
    pub fn parse(&self, raw: &RawValue) -> Result<ParamSource, ParamError> {
        match self.kind {
            ParamKind::Bool => match raw {
                RawValue::Bool(b) => Ok(ParamSource::Const(ParamValue::Bool(*b))),
                other => Err(self.expected("`true` or `false`", other)),
            },
            ParamKind::Nodes(k) => match raw {
                RawValue::Str(s) => Ok(ParamSource::Const(ParamValue::List(vec![s.clone()]))),
                RawValue::Array(items) => {
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        let RawValue::Str(s) = item else {
                            return Err(
                                self.expected(&format!("an array of {} names", k.name()), item)
                            );
                        };
                        names.push(s.clone());
                    }
                    Ok(ParamSource::Const(ParamValue::List(names)))
                }
                other => Err(self.expected(&format!("an array of {} names", k.name()), other)),
            },
            ParamKind::Text | ParamKind::Node(_) | ParamKind::File(_) => match raw {
                RawValue::Str(s) => Ok(ParamSource::Const(ParamValue::Text(s.clone()))),
                other => Err(self.expected("a string", other)),
            },
            ParamKind::Choice => match raw {
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
            },
            ParamKind::Float | ParamKind::Int => {
                let c = self.component(raw)?;
                Ok(ParamSource::from_components(self.kind, vec![c]))
            }
            ParamKind::Vec2 | ParamKind::Vec3 | ParamKind::Vec4 | ParamKind::Color => {
                self.parse_vector(raw)
            }
        }
    }

    fn parse_vector(&self, raw: &RawValue) -> Result<ParamSource, ParamError> {
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
            comps.push(self.component(item)?);
        }
        if self.kind == ParamKind::Color && comps.len() == 3 {
            comps.push(Component::Const(1.0));
        }
        Ok(ParamSource::from_components(self.kind, comps))
    }

    fn component(&self, raw: &RawValue) -> Result<Component, ParamError> {
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
                let expr = Expr::parse(s).map_err(|e| ParamError {
                    message: format!("`{}`: {}", self.name, e.message),
                    hint: e.hint,
                })?;
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
    fn clamp(&self, x: f32) -> f32 {
        match self.range {
            Some((lo, hi)) => x.clamp(lo as f32, hi as f32),
            None => x,
        }
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

/// The variables an expression can use.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ExprVars {
    /// Seconds since the start (or `frame / fps` with a fixed step).
    pub time: f64,
    /// Frame index, from 0.
    pub frame: f64,
}

/// Names expressions may use, in the order of [`ExprVars`].
pub const EXPR_VARIABLES: [&str; 2] = ["time", "frame"];

/// A parsed expression of `time` and `frame`, e.g. `4 + 2 * sin(time)`.
///
/// Functions: `sin cos tan asin acos atan sinh cosh tanh abs signum floor ceil round trunc
/// fract exp sqrt cbrt ln log log2 log10`; operators `+ - * / ^` and the infix `a min b`,
/// `a max b`, `y atan2 x`; constants `PI`, `TAU`, `E`.
#[derive(Clone)]
pub struct Expr {
    text: String,
    flat: FlatEx<f64>,
    /// For each variable of `flat` (alphabetical), its index in [`EXPR_VARIABLES`].
    slots: Vec<usize>,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.text)
    }
}

impl Expr {
    /// Parses `text`; unknown variables and syntax errors are reported as one line.
    pub fn parse(text: &str) -> Result<Self, ParamError> {
        if text.trim().is_empty() {
            return Err(String::from("empty expression").into());
        }
        let flat = exmex::parse::<f64>(text)
            .map_err(|e| format!("invalid expression \"{text}\": {}", e.msg()))?;
        let mut slots = Vec::new();
        for name in flat.var_names() {
            match EXPR_VARIABLES.iter().position(|v| v == name) {
                Some(i) => slots.push(i),
                None => {
                    return Err(ParamError::hinted(
                        format!(
                            "invalid expression \"{text}\": unknown variable `{name}` (expressions can use `time` and `frame`)"
                        ),
                        did_you_mean(name, EXPR_VARIABLES),
                    ));
                }
            }
        }
        let e = Self {
            text: text.to_string(),
            flat,
            slots,
        };
        // Catch evaluation errors now rather than every frame.
        e.try_eval(ExprVars::default())
            .map_err(|m| format!("invalid expression \"{text}\": {m}"))?;
        Ok(e)
    }

    /// The source text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    fn try_eval(&self, vars: ExprVars) -> Result<f64, String> {
        let all = [vars.time, vars.frame];
        let mut args = [0.0f64; EXPR_VARIABLES.len()];
        for (dst, &slot) in args.iter_mut().zip(&self.slots) {
            *dst = all[slot];
        }
        self.flat
            .eval(&args[..self.slots.len()])
            .map_err(|e| e.msg().to_string())
    }

    /// Evaluates; non-finite results and evaluation errors give `None`.
    #[must_use]
    pub fn eval(&self, vars: ExprVars) -> Option<f64> {
        self.try_eval(vars).ok().filter(|x| x.is_finite())
    }
}

/// Current values of an operator's parameters, in the order of its specs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamValues(pub Vec<ParamValue>);

impl ParamValues {
    /// The value at index `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&ParamValue> {
        self.0.get(i)
    }
}

/// The parameters of one operator instance: where each comes from and its current value.
#[derive(Clone, Debug)]
pub struct ParamSet {
    specs: std::sync::Arc<[ParamSpec]>,
    sources: Vec<ParamSource>,
    values: ParamValues,
    /// Per parameter: whether it is an expression.
    animated: Vec<bool>,
    /// Number of evaluations that gave NaN or infinity (the previous value was kept).
    non_finite: u64,
}

impl ParamSet {
    /// All parameters at their defaults.
    #[must_use]
    pub fn new(specs: std::sync::Arc<[ParamSpec]>) -> Self {
        let values = ParamValues(specs.iter().map(|s| s.default.clone()).collect());
        let sources = specs
            .iter()
            .map(|s| ParamSource::Const(s.default.clone()))
            .collect();
        let animated = vec![false; specs.len()];
        Self {
            specs,
            sources,
            values,
            animated,
            non_finite: 0,
        }
    }

    /// The specs.
    #[must_use]
    pub fn specs(&self) -> &[ParamSpec] {
        &self.specs
    }

    /// Index of the parameter named `name`.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }

    /// Sets a parameter's source; constants take effect at once.
    pub fn set(&mut self, index: usize, source: ParamSource) {
        if let ParamSource::Const(v) = &source {
            self.values.0[index] = v.clone();
        }
        self.animated[index] = source.is_animated();
        self.sources[index] = source;
    }

    /// The source of parameter `index`.
    #[must_use]
    pub fn source(&self, index: usize) -> &ParamSource {
        &self.sources[index]
    }

    /// Parameter `index` as chain.toml would write it, when it is animated: `"4 + sin(time)"`,
    /// or `["cos(time)", 0.5]` for a vector with an animated component.
    #[must_use]
    pub fn expression_text(&self, index: usize) -> Option<String> {
        let ParamSource::Animated { components, .. } = self.sources.get(index)? else {
            return None;
        };
        let parts: Vec<String> = components
            .iter()
            .map(|c| match c {
                Component::Const(x) => x.to_string(),
                Component::Expr(e) => format!("\"{}\"", e.text()),
            })
            .collect();
        Some(if parts.len() == 1 {
            parts.concat()
        } else {
            format!("[{}]", parts.join(", "))
        })
    }

    /// Whether any parameter is an expression.
    #[must_use]
    pub fn is_animated(&self) -> bool {
        self.animated.iter().any(|a| *a)
    }

    /// Per parameter (spec order): whether it is an expression.
    #[must_use]
    pub fn animated(&self) -> &[bool] {
        &self.animated
    }

    /// Evaluates every expression for this frame. Returns whether any value changed.
    pub fn evaluate(&mut self, vars: ExprVars) -> bool {
        let mut changed = false;
        for (i, src) in self.sources.iter().enumerate() {
            let ParamSource::Animated { kind, components } = src else {
                continue;
            };
            let spec = &self.specs[i];
            let mut buf = [0f32; 4];
            let prev = self.values.0[i].components();
            let mut ok = true;
            for (j, c) in components.iter().enumerate() {
                buf[j] = match c {
                    Component::Const(x) => *x,
                    Component::Expr(e) => {
                        if let Some(x) = e.eval(vars) {
                            spec.clamp(x as f32)
                        } else {
                            // Documented: a NaN/inf result keeps the previous value.
                            ok = false;
                            prev.get(j).copied().unwrap_or(0.0)
                        }
                    }
                };
            }
            if !ok {
                self.non_finite += 1;
            }
            let v = ParamValue::from_components(*kind, &buf[..components.len()]);
            if v != self.values.0[i] {
                self.values.0[i] = v;
                changed = true;
            }
        }
        changed
    }

    /// The current values.
    #[must_use]
    pub fn values(&self) -> &ParamValues {
        &self.values
    }

    /// How many expression results were NaN or infinite (and ignored).
    #[must_use]
    pub fn non_finite_count(&self) -> u64 {
        self.non_finite
    }
}

/// A Rust type usable as a parameter field in [`params!`](crate::params!).
pub trait ParamType: Sized {
    /// The kind of value.
    const KIND: ParamKind;
    /// The range applied unless the field gives one.
    const DEFAULT_RANGE: Option<(f64, f64)> = None;
    /// Not animatable (see [`ParamSpec::fixed`]).
    const FIXED: bool = false;
    /// The value of `self`.
    fn to_value(&self) -> ParamValue;
    /// Reads a value of this kind; `None` or a mismatch gives `Self::fallback()`.
    fn from_value(v: Option<&ParamValue>) -> Self;
    /// Choice names (for enums).
    #[must_use]
    fn choices() -> &'static [&'static str] {
        &[]
    }
}

/// A numeric parameter that may not be an expression, because it sizes GPU objects
/// (see [`ParamSpec::fixed`]): `shadow_resolution: Fixed<u32> [16, 8192] = Fixed(1024)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Fixed<T>(pub T);

impl<T: ParamType> ParamType for Fixed<T> {
    const KIND: ParamKind = T::KIND;
    const DEFAULT_RANGE: Option<(f64, f64)> = T::DEFAULT_RANGE;
    const FIXED: bool = true;
    fn to_value(&self) -> ParamValue {
        self.0.to_value()
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        Self(T::from_value(v))
    }
}

impl ParamType for f32 {
    const KIND: ParamKind = ParamKind::Float;
    fn to_value(&self) -> ParamValue {
        ParamValue::Float(*self)
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Float(x)) => *x,
            _ => 0.0,
        }
    }
}

impl ParamType for i32 {
    const KIND: ParamKind = ParamKind::Int;
    fn to_value(&self) -> ParamValue {
        ParamValue::Int(*self)
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Int(x)) => *x,
            _ => 0,
        }
    }
}

impl ParamType for u32 {
    const KIND: ParamKind = ParamKind::Int;
    const DEFAULT_RANGE: Option<(f64, f64)> = Some((0.0, u32::MAX as f64));
    fn to_value(&self) -> ParamValue {
        ParamValue::Int(i32::try_from(*self).unwrap_or(i32::MAX))
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Int(x)) => u32::try_from(*x).unwrap_or(0),
            _ => 0,
        }
    }
}

impl ParamType for bool {
    const KIND: ParamKind = ParamKind::Bool;
    fn to_value(&self) -> ParamValue {
        ParamValue::Bool(*self)
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        matches!(v, Some(ParamValue::Bool(true)))
    }
}

impl ParamType for String {
    const KIND: ParamKind = ParamKind::Text;
    fn to_value(&self) -> ParamValue {
        ParamValue::Text(self.clone())
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Text(s)) => s.clone(),
            _ => String::new(),
        }
    }
}

macro_rules! vec_param {
    ($t:ty, $kind:ident, $n:literal) => {
        impl ParamType for $t {
            const KIND: ParamKind = ParamKind::$kind;
            fn to_value(&self) -> ParamValue {
                ParamValue::$kind(self.to_array())
            }
            fn from_value(v: Option<&ParamValue>) -> Self {
                match v {
                    Some(ParamValue::$kind(a)) => <$t>::from_array(*a),
                    _ => <$t>::ZERO,
                }
            }
        }
    };
}
vec_param!(glam::Vec2, Vec2, 2);
vec_param!(glam::Vec3, Vec3, 3);
vec_param!(glam::Vec4, Vec4, 4);

/// A display-referred RGBA colour parameter (straight alpha as written by the user).
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Rgba(pub [f32; 4]);

impl Rgba {
    /// Opaque white.
    pub const WHITE: Self = Self([1.0; 4]);
    /// Opaque black.
    pub const BLACK: Self = Self([0.0, 0.0, 0.0, 1.0]);
    /// Transparent black.
    pub const TRANSPARENT: Self = Self([0.0; 4]);

    /// A colour from components.
    #[must_use]
    pub const fn new(r: f32, g: f32, b: f32, a: f32) -> Self {
        Self([r, g, b, a])
    }

    /// Premultiplied by alpha, as textures store colour.
    #[must_use]
    pub fn premultiplied(self) -> [f32; 4] {
        let [r, g, b, a] = self.0;
        [r * a, g * a, b * a, a]
    }
}

impl ParamType for Rgba {
    const KIND: ParamKind = ParamKind::Color;
    fn to_value(&self) -> ParamValue {
        ParamValue::Color(self.0)
    }
    fn from_value(v: Option<&ParamValue>) -> Self {
        match v {
            Some(ParamValue::Color(a)) => Self(*a),
            _ => Self::WHITE,
        }
    }
}

/// Implemented by the structs that [`params!`](crate::params!) defines.
pub trait ParamStruct: Default {
    /// The specs, in field order.
    fn specs() -> Vec<ParamSpec>;
    /// Reads current values (in spec order).
    fn read(values: &ParamValues) -> Self;
}

/// A file parameter type: a path (relative to the project folder) of `FileKind` `$kind`.
///
/// ```
/// vivid_engine::file_param! {
///     /// A glTF file parameter.
///     pub struct MeshFile(Mesh);
/// }
/// ```
#[macro_export]
macro_rules! file_param {
    ($(#[$meta:meta])* $vis:vis struct $name:ident($kind:ident);) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Eq)]
        $vis struct $name(pub String);

        impl $crate::params::ParamType for $name {
            const KIND: $crate::params::ParamKind =
                $crate::params::ParamKind::File($crate::params::FileKind::$kind);
            fn to_value(&self) -> $crate::params::ParamValue {
                $crate::params::ParamValue::Text(self.0.clone())
            }
            fn from_value(v: Option<&$crate::params::ParamValue>) -> Self {
                match v {
                    Some($crate::params::ParamValue::Text(s)) => Self(s.clone()),
                    _ => Self::default(),
                }
            }
        }
    };
}

/// Defines an operator's parameter struct and derives its [`ParamSpec`]s from it.
///
/// ```
/// vivid_engine::params! {
///     /// Parameters of a blur.
///     pub struct BlurParams {
///         /// Gaussian sigma in pixels.
///         radius: f32 [0.0, 256.0] = 4.0,
///         /// Repeat the blur this many times.
///         passes: u32 [1, 8] = 1,
///     }
/// }
/// use vivid_engine::params::ParamStruct;
/// let specs = BlurParams::specs();
/// assert_eq!(specs[0].name, "radius");
/// assert_eq!(specs[0].range, Some((0.0, 256.0)));
/// assert_eq!(BlurParams::default().passes, 1);
/// ```
#[macro_export]
macro_rules! params {
    (
        $(#[$smeta:meta])*
        $vis:vis struct $name:ident {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty $([$min:expr, $max:expr])? = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$smeta])*
        #[derive(Clone, Debug, PartialEq)]
        $vis struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $crate::params::ParamStruct for $name {
            fn specs() -> Vec<$crate::params::ParamSpec> {
                vec![$(
                    $crate::params::ParamSpec::of::<$ty>(
                        stringify!($field),
                        &$default,
                        concat!($($doc, "\n",)* ""),
                    )$(.range(f64::from($min), f64::from($max)))?,
                )*]
            }

            fn read(values: &$crate::params::ParamValues) -> Self {
                let mut it = values.0.iter();
                Self { $( $field: <$ty as $crate::params::ParamType>::from_value(it.next()), )* }
            }
        }
    };
}

/// Defines an enum usable as a [`ParamKind::Choice`] parameter.
///
/// ```
/// vivid_engine::choice_enum! {
///     /// Noise algorithm.
///     pub enum Kind { Perlin = "perlin", Value = "value" }
/// }
/// use vivid_engine::params::ParamType;
/// assert_eq!(Kind::choices(), &["perlin", "value"]);
/// assert_eq!(Kind::Value as u32, 1);
/// ```
#[macro_export]
macro_rules! choice_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $( $(#[doc = $doc:literal])* $variant:ident = $text:literal ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        $vis enum $name { $( $(#[doc = $doc])* $variant, )* }

        impl $name {
            const ALL: &'static [$name] = &[$($name::$variant),*];
        }

        impl $crate::params::ParamType for $name {
            const KIND: $crate::params::ParamKind = $crate::params::ParamKind::Choice;
            fn to_value(&self) -> $crate::params::ParamValue {
                $crate::params::ParamValue::Choice(*self as u32)
            }
            fn from_value(v: Option<&$crate::params::ParamValue>) -> Self {
                match v {
                    Some($crate::params::ParamValue::Choice(i)) => {
                        Self::ALL.get(*i as usize).copied().unwrap_or(Self::ALL[0])
                    }
                    _ => Self::ALL[0],
                }
            }
            fn choices() -> &'static [&'static str] {
                &[$($text),*]
            }
        }
    };
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "the values compared are exact (small integers)"
)]
mod tests {
    use super::*;

    crate::choice_enum! {
        /// Test enum.
        pub enum Mode { A = "a", Bee = "bee" }
    }

    crate::params! {
        /// Test params.
        pub struct P {
            /// A scale.
            /// Second line.
            scale: f32 [0.0, 10.0] = 4.0,
            /// Count.
            count: u32 [1, 8] = 2,
            /// Offset.
            offset: glam::Vec3 = glam::Vec3::ZERO,
            /// Colour.
            color: Rgba = Rgba::WHITE,
            /// Mode.
            mode: Mode = Mode::Bee,
            /// Flag.
            flag: bool = false,
        }
    }

    fn set() -> ParamSet {
        ParamSet::new(P::specs().into())
    }

    #[test]
    fn specs_come_from_the_struct() {
        let s = P::specs();
        let names: Vec<_> = s.iter().map(|s| s.name.as_ref()).collect();
        assert_eq!(names, ["scale", "count", "offset", "color", "mode", "flag"]);
        assert_eq!(s[0].doc, "A scale. Second line.");
        assert_eq!(s[0].range, Some((0.0, 10.0)));
        assert_eq!(s[4].choices, vec!["a", "bee"]);
        assert_eq!(s[4].default, ParamValue::Choice(1));
        assert_eq!(P::read(set().values()), P::default());
    }

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
        assert!(err(0, "4 + * 2".into()).contains("invalid expression"));
        assert!(err(0, RawValue::Float(f64::NAN)).contains("finite"));
    }

    #[test]
    fn expressions_evaluate_and_clamp() {
        let mut p = set();
        let src = p.specs()[0]
            .parse(&"4 + 2 * sin(time)".into())
            .expect("parses");
        p.set(0, src);
        assert!(p.is_animated());
        p.evaluate(ExprVars {
            time: std::f64::consts::FRAC_PI_2,
            frame: 0.0,
        });
        assert_eq!(P::read(p.values()).scale, 6.0);
        // Clamped into 0..=10.
        p.set(
            0,
            p.specs()[0].parse(&"frame * 100".into()).expect("parses"),
        );
        p.evaluate(ExprVars {
            time: 0.0,
            frame: 3.0,
        });
        assert_eq!(P::read(p.values()).scale, 10.0);
        // A NaN result keeps the last value.
        p.set(
            0,
            p.specs()[0].parse(&"ln(time - 5)".into()).expect("parses"),
        );
        p.evaluate(ExprVars {
            time: 0.0,
            frame: 0.0,
        });
        assert_eq!(P::read(p.values()).scale, 10.0);
        assert_eq!(p.non_finite_count(), 1);
    }

    #[test]
    fn vector_elements_can_be_expressions() {
        let mut p = set();
        let src = p.specs()[2].parse(&RawValue::Array(vec![
            RawValue::Str("frame".into()),
            RawValue::Int(1),
            RawValue::Float(2.5),
        ]));
        p.set(2, src.expect("parses"));
        p.evaluate(ExprVars {
            time: 0.0,
            frame: 7.0,
        });
        assert_eq!(P::read(p.values()).offset, glam::Vec3::new(7.0, 1.0, 2.5));
    }
}
