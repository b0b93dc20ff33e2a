//! OSC out of chosen values (`--osc-send /address=EXPR`): each an expression of the
//! variables (`audio.bass`, `tempo.phase`, `midi.cc1_7 * 2`, `time`…) sent as a float to
//! `--osc-out`'s target every frame, or only when its value changed (`--osc-send-rate`).
//! Parsed once (errors located at their column, with the expression language's hints);
//! evaluated per frame without allocating.

use vivid_engine::Engine;
use vivid_engine::params::{Expr, ExprVars, Variables};

use crate::ControlError;

/// When values are sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SendRate {
    /// Every frame.
    Frame,
    /// When the value differs from the last one sent (the first frame always sends).
    #[default]
    Change,
}

impl SendRate {
    /// `frame` or `change`.
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "frame" => Ok(Self::Frame),
            "change" => Ok(Self::Change),
            other => Err(format!("`{other}`: the rate is `frame` or `change`")),
        }
    }
}

/// One `/address=EXPR` as given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendSpec {
    /// The OSC address (`/vivid/bass`).
    pub address: String,
    /// The expression text.
    pub expr: String,
}

impl SendSpec {
    /// Reads `/address=EXPR`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let Some((address, expr)) = s.split_once('=') else {
            return Err(format!(
                "`{s}`: write /address=EXPRESSION, e.g. /vivid/bass=audio.bass"
            ));
        };
        let address = address.trim();
        if !address.starts_with('/')
            || address.len() < 2
            || address
                .chars()
                .any(|c| c.is_whitespace() || "#*,?[]{}".contains(c))
        {
            return Err(format!(
                "`{address}` is not an OSC address: it starts with `/` and has no spaces or any of #*,?[]{{}}"
            ));
        }
        if expr.trim().is_empty() {
            return Err(format!("`{s}`: no expression after `=`"));
        }
        Ok(Self {
            address: address.to_string(),
            expr: expr.trim().to_string(),
        })
    }
}

#[derive(Debug)]
struct Send {
    address: String,
    expr: Expr,
    last: Option<f32>,
}

/// The values to send, parsed against an engine's variables.
#[derive(Debug, Default)]
pub struct Sends {
    sends: Vec<Send>,
    rate: SendRate,
    vars: ExprVars,
}

impl Sends {
    /// Parses `specs` against `engine`'s variables (names in an open namespace, such as
    /// `osc.fader1`, are declared).
    pub fn new(
        engine: &mut Engine,
        specs: &[SendSpec],
        rate: SendRate,
    ) -> Result<Self, ControlError> {
        let mut sends = Vec::with_capacity(specs.len());
        for spec in specs {
            let mut declared = engine.registry().variables().clone();
            declared.declare_in(&spec.expr);
            let new: Vec<String> = declared
                .names()
                .skip(engine.registry().variables().len())
                .map(str::to_string)
                .collect();
            for name in new {
                engine
                    .add_variable(name, "declared by --osc-send")
                    .map_err(ControlError::Config)?;
            }
            let expr =
                Expr::parse_with(&spec.expr, engine.registry().variables()).map_err(|e| {
                    ControlError::Config(format!(
                        "--osc-send {}={}: column {}: {e}",
                        spec.address,
                        spec.expr,
                        e.column(&spec.expr)
                    ))
                })?;
            sends.push(Send {
                address: spec.address.clone(),
                expr,
                last: None,
            });
        }
        Ok(Self {
            sends,
            rate,
            vars: ExprVars::new(engine.registry().variables()),
        })
    }

    /// Whether there is nothing to send.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty()
    }

    /// Evaluates every value with `engine`'s variables at this frame's `time`, and gives
    /// those to send (by the rate) to `send`. A NaN or infinite value is not sent.
    pub fn each(
        &mut self,
        engine: &Engine,
        time: vivid_engine::FrameTime,
        mut send: impl FnMut(&str, f32),
    ) {
        if self.sends.is_empty() {
            return;
        }
        self.vars.resize(engine.registry().variables());
        for slot in 0..engine.registry().variables().len() {
            self.vars.set(slot, engine.variable(slot));
        }
        self.vars.set_time(
            time.time,
            time.frame as f64,
            engine.variable(Variables::DELTA),
        );
        for s in &mut self.sends {
            let Some(v) = s.expr.eval(&self.vars) else {
                continue;
            };
            let v = v as f32;
            if self.rate == SendRate::Change && s.last == Some(v) {
                continue;
            }
            s.last = Some(v);
            send(&s.address, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_read_an_address_and_an_expression() {
        assert_eq!(
            SendSpec::parse("/vivid/bass = audio.bass * 2"),
            Ok(SendSpec {
                address: "/vivid/bass".into(),
                expr: "audio.bass * 2".into()
            })
        );
        assert!(
            SendSpec::parse("bass=1")
                .unwrap_err()
                .contains("not an OSC address")
        );
        assert!(SendSpec::parse("/a b=1").is_err());
        assert!(
            SendSpec::parse("/a=")
                .unwrap_err()
                .contains("no expression")
        );
        assert!(
            SendSpec::parse("/a")
                .unwrap_err()
                .contains("/address=EXPRESSION")
        );
        assert_eq!(SendRate::parse("frame"), Ok(SendRate::Frame));
        assert!(SendRate::parse("often").is_err());
    }
}
