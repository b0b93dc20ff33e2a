//! vivid's expression language: what a numeric parameter may be instead of a number,
//! `scale = "4 + 2 * sin(time)"`.
//!
//! A small language for shader writers: numbers (`2`, `.5`, `1e-3`), `+ - * / % ^` (`**`
//! too), unary `-` and `!`, comparisons (`< <= > >= == !=`, 1 or 0), `&&`, `||`, the choice
//! `cond ? a : b`, GLSL's functions with their argument counts (`clamp(x, lo, hi)`,
//! `mix(a, b, t)`, `smoothstep(e0, e1, x)`, …: [`FUNCTIONS`](self::function_docs)),
//! deterministic `rand(seed)`, `hash(x)` and `noise(x)`, the constants `PI TAU E`, and
//! variables by name from a [`Variables`] registry (`time`, `frame`, `delta`; a host adds
//! `audio.bass` and the like — dotted names are one variable).
//!
//! - `lex`: tokens, read one at a time;
//! - `parse`: a Pratt parser straight to a postfix program — one pass, linear in the text;
//! - `funcs`: the functions and constants;
//! - `print`: a program back to text (`parse(print(e)) == e`);
//! - `vars`: [`Variables`] (names → slots) and [`ExprVars`] (one frame's values).
//!
//! Limits, checked when parsed: [`MAX_LEN`] bytes of text, [`MAX_DEPTH`] levels of nesting,
//! [`MAX_STACK`] values held at once, 16 arguments. Evaluation runs the program on a fixed
//! array on the stack: it allocates nothing, and cannot fail (a NaN or infinite result is
//! the caller's to ignore: [`Expr::eval`] gives `None`).

mod funcs;
mod lex;
mod parse;
mod print;
mod vars;

use std::fmt;
use std::ops::Range;

pub use vars::{ExprVars, MAX_VARIABLES, Variables};

/// The longest expression text, in bytes (1 MiB).
pub const MAX_LEN: usize = 1 << 20;
/// The deepest nesting of parentheses, calls and operators of different precedence.
pub const MAX_DEPTH: usize = 256;
/// The most values an expression's evaluation holds at once.
pub const MAX_STACK: usize = 256;

/// One step of an expression's postfix program.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Const(f64),
    /// The variable at index `k` of the expression's own slot list.
    Var(u32),
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    /// `%`: the remainder of truncated division (WGSL's and Rust's: the sign of `x`).
    Rem,
    Pow,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
    /// `c ? a : b` (pops c, a, b).
    Ternary,
    /// A function of that many arguments.
    Call(funcs::Func, u8),
}

/// Why an expression does not parse: what, where (a byte range of the text), how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    /// What is wrong.
    pub message: String,
    /// Byte range of the text it is about.
    pub span: Range<usize>,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
}

impl ExprError {
    fn new(message: impl Into<String>, span: Range<usize>, hint: Option<String>) -> Self {
        Self {
            message: message.into(),
            span,
            hint,
        }
    }

    /// 1-based column (in characters) of the error in `text`.
    #[must_use]
    pub fn column(&self, text: &str) -> usize {
        text.get(..self.span.start.min(text.len()))
            .map_or(1, |s| s.chars().count() + 1)
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ExprError {}

/// A parsed expression: its text and the program evaluating it.
#[derive(Clone)]
pub struct Expr {
    text: String,
    ops: Box<[Op]>,
    /// For each `Op::Var(k)`: the variable's slot in [`ExprVars`], and its name.
    slots: Box<[usize]>,
    names: Box<[Box<str>]>,
    max_stack: usize,
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expr({:?})", self.text)
    }
}

/// Two expressions are equal when their programs are (whatever their spacing).
impl PartialEq for Expr {
    fn eq(&self, other: &Self) -> bool {
        self.ops == other.ops && self.names == other.names
    }
}

impl Expr {
    /// Parses `text` with the built-in variables (`time`, `frame`, `delta`).
    pub fn parse(text: &str) -> Result<Self, ExprError> {
        Self::parse_with(text, &Variables::builtin())
    }

    /// Parses `text`; names are looked up in `vars`. Linear in the length of `text`.
    pub fn parse_with(text: &str, vars: &Variables) -> Result<Self, ExprError> {
        if text.len() > MAX_LEN {
            return Err(ExprError::new(
                format!(
                    "the expression is {} bytes long; at most {MAX_LEN} are read",
                    text.len()
                ),
                0..0,
                Some("split it, or compute the value elsewhere".into()),
            ));
        }
        if text.trim().is_empty() {
            return Err(ExprError::new(
                "empty expression",
                0..text.len(),
                Some("write a number or an expression, e.g. \"4 + sin(time)\"".into()),
            ));
        }
        let mut p = parse::Parser::new(text, vars)?;
        p.parse_all()?;
        let names = p
            .slots
            .iter()
            .map(|&s| Box::<str>::from(vars.name(s).unwrap_or("?")))
            .collect();
        let e = Self {
            text: text.to_string(),
            ops: p.ops.into_boxed_slice(),
            slots: p.slots.into_boxed_slice(),
            names,
            max_stack: p.max_stack,
        };
        // An expression of nothing that changes, NaN or infinite, would never give a value.
        if e.slots.is_empty() && !e.eval_raw(&ExprVars::default()).is_finite() {
            return Err(ExprError::new(
                format!(
                    "\"{}\" is always {}",
                    e.canonical(),
                    e.eval_raw(&ExprVars::default())
                ),
                0..text.len(),
                Some("a parameter needs a finite number".into()),
            ));
        }
        Ok(e)
    }

    /// The source text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The program printed back as text, with the fewest parentheses (what
    /// [`parse`](Self::parse) reads back as an equal expression).
    #[must_use]
    pub fn canonical(&self) -> String {
        print::print(self)
    }

    /// Steps in its program.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Never true: an expression has at least one step.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// Whether it reads any variable (otherwise its value never changes).
    #[must_use]
    pub fn reads_variables(&self) -> bool {
        !self.slots.is_empty()
    }

    /// The names of the variables it reads.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.names.iter().map(AsRef::as_ref)
    }

    /// Evaluates; a NaN or infinite result gives `None`. Allocates nothing.
    #[must_use]
    pub fn eval(&self, vars: &ExprVars) -> Option<f64> {
        Some(self.eval_raw(vars)).filter(|x| x.is_finite())
    }

    /// Evaluates (NaN and infinities included). Allocates nothing: the values live in a
    /// fixed array ([`MAX_STACK`], checked when parsed).
    #[must_use]
    #[expect(
        clippy::float_cmp,
        reason = "`==` and `!=` of expressions are exact, as in WGSL"
    )]
    pub fn eval_raw(&self, vars: &ExprVars) -> f64 {
        let mut stack = [0.0f64; MAX_STACK];
        let mut sp = 0usize;
        let truth = |b: bool| if b { 1.0 } else { 0.0 };
        for op in &self.ops {
            let value = match *op {
                Op::Const(v) => v,
                Op::Var(k) => vars.get(self.slots.get(k as usize).copied().unwrap_or(usize::MAX)),
                Op::Neg => -stack[sp - 1],
                Op::Not => truth(stack[sp - 1] == 0.0),
                Op::Ternary => {
                    let (c, a, b) = (stack[sp - 3], stack[sp - 2], stack[sp - 1]);
                    sp -= 2;
                    if c == 0.0 { b } else { a }
                }
                Op::Call(func, n) => {
                    let n = usize::from(n);
                    let r = funcs::call(func, &stack[sp - n..sp]);
                    sp -= n - 1;
                    r
                }
                binary => {
                    let (a, b) = (stack[sp - 2], stack[sp - 1]);
                    sp -= 1;
                    match binary {
                        Op::Add => a + b,
                        Op::Sub => a - b,
                        Op::Mul => a * b,
                        Op::Div => a / b,
                        Op::Rem => a % b,
                        Op::Pow => a.powf(b),
                        Op::Lt => truth(a < b),
                        Op::Le => truth(a <= b),
                        Op::Gt => truth(a > b),
                        Op::Ge => truth(a >= b),
                        Op::Eq => truth(a == b),
                        Op::Ne => truth(a != b),
                        Op::And => truth(a != 0.0 && b != 0.0),
                        _ => truth(a != 0.0 || b != 0.0),
                    }
                }
            };
            // Ops that read operands replace the top; the others push.
            match op {
                Op::Const(_) | Op::Var(_) => {
                    stack[sp] = value;
                    sp += 1;
                }
                _ => stack[sp - 1] = value,
            }
        }
        stack[0]
    }
}

/// The functions expressions can call, as `(name, signature)`, aliases included — for
/// documentation (`vivid operators --expressions`, README.md).
#[must_use]
pub fn function_docs() -> Vec<(&'static str, &'static str)> {
    funcs::FUNCS.iter().map(|d| (d.name, d.signature)).collect()
}

#[cfg(test)]
mod tests;
