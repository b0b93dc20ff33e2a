//! Expressions of `time` and `frame` that animate numeric parameters.

use std::fmt;

use exmex::prelude::*;

use crate::error::did_you_mean;
use crate::params::ParamError;

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

#[cfg(test)]
mod tests {
    use super::{Expr, ExprVars};

    #[test]
    fn variables_are_bound_by_name() {
        // exmex lists variables alphabetically (`frame` before `time`).
        let e = Expr::parse("frame - 2 * time").expect("parses");
        assert_eq!(e.text(), "frame - 2 * time");
        let x = e.eval(ExprVars {
            time: 1.0,
            frame: 5.0,
        });
        assert!(x.is_some_and(|x| (x - 3.0).abs() < 1e-12), "{x:?}");
    }

    #[test]
    fn non_finite_results_are_none() {
        let e = Expr::parse("ln(time)").expect("parses");
        assert_eq!(e.eval(ExprVars::default()), None);
    }

    #[test]
    fn unknown_variables_are_refused_with_a_hint() {
        let err = Expr::parse("fram * 2").expect_err("must fail");
        assert!(err.message.contains("unknown variable `fram`"), "{err}");
        assert_eq!(err.hint.as_deref(), Some("did you mean `frame`?"));
        assert!(Expr::parse("  ").is_err());
    }
}
