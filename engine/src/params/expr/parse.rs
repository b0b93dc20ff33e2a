//! The Pratt parser: text to the postfix program an [`Expr`](super::Expr) runs, in one pass
//! (linear in the text), recursing only as deep as the expression nests.

use super::funcs::{self, MAX_ARGS};
use super::lex::{Lexer, Tok, Token};
use super::{ExprError, MAX_DEPTH, MAX_STACK, Op, Variables};
use crate::error::did_you_mean;

/// Binding powers, loosest first. An operator continues an expression parsed at `min` when
/// its power is greater; a left-associative operator's right side is parsed at its power,
/// a right-associative one's just below it.
pub(super) mod bp {
    pub(crate) const TERNARY: u8 = 1;
    pub(crate) const OR: u8 = 2;
    pub(crate) const AND: u8 = 3;
    pub(crate) const EQUALITY: u8 = 4;
    pub(crate) const COMPARE: u8 = 5;
    pub(crate) const SUM: u8 = 6;
    pub(crate) const PRODUCT: u8 = 7;
    pub(crate) const PREFIX: u8 = 8;
    pub(crate) const POWER: u8 = 9;
    pub(crate) const ATOM: u8 = 10;
}

/// The binary operator `tok` is: its op and binding power.
pub(super) fn binary(tok: Tok) -> Option<(Op, u8)> {
    Some(match tok {
        Tok::OrOr => (Op::Or, bp::OR),
        Tok::AndAnd => (Op::And, bp::AND),
        Tok::EqEq => (Op::Eq, bp::EQUALITY),
        Tok::Ne => (Op::Ne, bp::EQUALITY),
        Tok::Lt => (Op::Lt, bp::COMPARE),
        Tok::Le => (Op::Le, bp::COMPARE),
        Tok::Gt => (Op::Gt, bp::COMPARE),
        Tok::Ge => (Op::Ge, bp::COMPARE),
        Tok::Plus => (Op::Add, bp::SUM),
        Tok::Minus => (Op::Sub, bp::SUM),
        Tok::Star => (Op::Mul, bp::PRODUCT),
        Tok::Slash => (Op::Div, bp::PRODUCT),
        Tok::Percent => (Op::Rem, bp::PRODUCT),
        Tok::Caret => (Op::Pow, bp::POWER),
        _ => return None,
    })
}

/// The parser's state: the lexer, the current token, the program so far.
pub(super) struct Parser<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    cur: Token,
    vars: &'a Variables,
    pub(super) ops: Vec<Op>,
    /// Variable slots read, in order of first use (`Op::Var` holds an index into this).
    pub(super) slots: Vec<usize>,
    depth: usize,
    /// Values on the evaluation stack after the ops so far, and the most at any point.
    stack: usize,
    pub(super) max_stack: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, vars: &'a Variables) -> Result<Self, ExprError> {
        let mut lexer = Lexer::new(text);
        let cur = lexer.next_token()?;
        Ok(Self {
            text,
            lexer,
            cur,
            vars,
            ops: Vec::new(),
            slots: Vec::new(),
            depth: 0,
            stack: 0,
            max_stack: 0,
        })
    }

    fn advance(&mut self) -> Result<Token, ExprError> {
        let t = self.cur;
        self.cur = self.lexer.next_token()?;
        Ok(t)
    }

    fn slice(&self, t: Token) -> &'a str {
        &self.text[t.start..t.end]
    }

    /// Appends `op`, which pops `pops` values and pushes one.
    fn emit(&mut self, op: Op, pops: usize) {
        self.ops.push(op);
        self.stack = self.stack + 1 - pops;
        self.max_stack = self.max_stack.max(self.stack);
    }

    /// The whole text: one expression, then the end.
    pub(super) fn parse_all(&mut self) -> Result<(), ExprError> {
        self.expr(0)?;
        if self.cur.tok != Tok::End {
            let t = self.cur;
            let (message, hint) = match t.tok {
                Tok::RParen => (
                    "this `)` closes nothing".to_string(),
                    "remove it, or add the `(` it closes".to_string(),
                ),
                Tok::Colon => (
                    "`:` without `?`".to_string(),
                    "a choice is written `cond ? a : b`".to_string(),
                ),
                Tok::Comma => (
                    "`,` outside a function's arguments".to_string(),
                    "arguments are written `max(a, b)`".to_string(),
                ),
                _ => (
                    format!(
                        "expected an operator, found {}",
                        t.tok.describe(self.slice(t))
                    ),
                    "join values with an operator: `a * b`, `a + b`".to_string(),
                ),
            };
            return Err(ExprError::new(message, t.start..t.end, Some(hint)));
        }
        if self.max_stack > MAX_STACK {
            return Err(ExprError::new(
                format!("the expression holds more than {MAX_STACK} values at once"),
                0..self.text.len(),
                Some("split it into simpler parts".into()),
            ));
        }
        Ok(())
    }

    /// An expression whose operators bind tighter than `min`.
    fn expr(&mut self, min: u8) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let t = self.cur;
            return Err(ExprError::new(
                format!("the expression nests more than {MAX_DEPTH} levels deep"),
                t.start..t.end.max(t.start + 1).min(self.text.len().max(t.start)),
                Some("use fewer nested parentheses and calls".into()),
            ));
        }
        self.prefix()?;
        loop {
            let t = self.cur;
            if t.tok == Tok::Question {
                if bp::TERNARY <= min {
                    break;
                }
                self.advance()?;
                self.expr(0)?;
                if self.cur.tok != Tok::Colon {
                    return Err(self.expected("`:` (a choice is written `cond ? a : b`)", Some(t)));
                }
                self.advance()?;
                self.expr(bp::TERNARY - 1)?;
                self.emit(Op::Ternary, 3);
                continue;
            }
            let Some((op, power)) = binary(t.tok) else {
                break;
            };
            if power <= min {
                break;
            }
            self.advance()?;
            let right = if op == Op::Pow { bp::PREFIX } else { power };
            self.expr(right)?;
            self.emit(op, 2);
        }
        self.depth -= 1;
        Ok(())
    }

    /// A number, a name, a call, `( … )` or a prefix operator with its operand.
    fn prefix(&mut self) -> Result<(), ExprError> {
        let t = self.advance()?;
        match t.tok {
            Tok::Num(v) => self.emit(Op::Const(v), 0),
            Tok::Ident => self.name(t)?,
            Tok::LParen => {
                self.expr(0)?;
                if self.cur.tok != Tok::RParen {
                    return Err(self.unclosed(t));
                }
                self.advance()?;
            }
            Tok::Minus | Tok::Plus | Tok::Bang => {
                self.expr(bp::PREFIX)?;
                match t.tok {
                    Tok::Minus => self.emit(Op::Neg, 1),
                    Tok::Bang => self.emit(Op::Not, 1),
                    _ => {}
                }
            }
            _ => return Err(self.expected("a number, a variable, a function or `(`", Some(t))),
        }
        Ok(())
    }

    /// A name: a call, a constant or a variable.
    fn name(&mut self, t: Token) -> Result<(), ExprError> {
        let name = self.slice(t);
        if self.cur.tok == Tok::LParen {
            return self.call(t);
        }
        if let Some(v) = funcs::constant(name) {
            self.emit(Op::Const(v), 0);
            return Ok(());
        }
        if let Some(slot) = self.vars.slot(name) {
            let k = self
                .slots
                .iter()
                .position(|&s| s == slot)
                .unwrap_or_else(|| {
                    self.slots.push(slot);
                    self.slots.len() - 1
                });
            self.emit(Op::Var(k as u32), 0);
            return Ok(());
        }
        if let Some(d) = funcs::lookup(name) {
            return Err(ExprError::new(
                format!("`{name}` is a function: call it"),
                t.start..t.end,
                Some(format!(
                    "e.g. `{}`",
                    d.signature.split(':').next().unwrap_or(name)
                )),
            ));
        }
        let known: Vec<&str> = self.vars.names().collect();
        let candidates = known
            .iter()
            .copied()
            .chain(funcs::CONSTANTS.iter().map(|(n, _)| *n));
        let list = known.join(", ");
        let hint = match did_you_mean(name, candidates) {
            Some(h) => format!("{h} (expressions can read {list})"),
            None => format!("expressions can read {list}, and PI, TAU, E"),
        };
        Err(ExprError::new(
            format!("unknown variable `{name}`"),
            t.start..t.end,
            Some(hint),
        ))
    }

    /// `name(args…)`, the current token being `(`.
    fn call(&mut self, t: Token) -> Result<(), ExprError> {
        let name = self.slice(t);
        let Some(def) = funcs::lookup(name) else {
            let what = if self.vars.slot(name).is_some() || funcs::constant(name).is_some() {
                format!("`{name}` is not a function")
            } else {
                format!("unknown function `{name}`")
            };
            let hint = did_you_mean(name, funcs::FUNCS.iter().map(|d| d.name))
                .unwrap_or_else(|| "README.md lists the functions (\"Expressions\")".into());
            return Err(ExprError::new(what, t.start..t.end, Some(hint)));
        };
        let open = self.advance()?;
        let mut args = 0usize;
        if self.cur.tok != Tok::RParen {
            loop {
                self.expr(0)?;
                args += 1;
                match self.cur.tok {
                    Tok::Comma => {
                        self.advance()?;
                    }
                    Tok::RParen => break,
                    _ => return Err(self.unclosed(open)),
                }
            }
        }
        let close = self.advance()?;
        if args < usize::from(def.min_args) || args > usize::from(def.max_args) {
            let want = if def.min_args == def.max_args {
                format!("{}", def.min_args)
            } else if def.max_args == MAX_ARGS {
                format!("{} to {MAX_ARGS}", def.min_args)
            } else {
                format!("{} to {}", def.min_args, def.max_args)
            };
            return Err(ExprError::new(
                format!(
                    "`{name}` takes {want} argument{}, found {args}",
                    if want == "1" { "" } else { "s" }
                ),
                t.start..close.end,
                Some(def.signature.to_string()),
            ));
        }
        self.emit(Op::Call(def.func, args as u8), args);
        Ok(())
    }

    fn unclosed(&self, open: Token) -> ExprError {
        let t = self.cur;
        ExprError::new(
            format!(
                "expected `)` to close the `(` at column {}, found {}",
                self.text[..open.start].chars().count() + 1,
                t.tok.describe(self.slice(t))
            ),
            t.start..t.end,
            Some(if t.tok == Tok::End {
                "add `)`".into()
            } else {
                "separate arguments with `,`; join values with an operator".into()
            }),
        )
    }

    fn expected(&self, what: &str, at: Option<Token>) -> ExprError {
        let t = match at {
            Some(t) if t.tok != Tok::Question => t,
            _ => self.cur,
        };
        let found = if t.tok == Tok::End {
            "the end".to_string()
        } else {
            t.tok.describe(self.slice(t))
        };
        ExprError::new(
            format!("expected {what}, found {found}"),
            t.start..t.end,
            None,
        )
    }
}
