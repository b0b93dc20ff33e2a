//! An expression's program printed back as text, with the fewest parentheses that keep its
//! meaning: `parse(print(e)) == e`. Iterative (a stack of strings), like the evaluator.

use super::funcs::{self, CONSTANTS};
use super::parse::bp;
use super::{Expr, Op};

/// The text of `e`'s program.
#[expect(
    clippy::many_single_char_names,
    reason = "operands: condition, left, right"
)]
pub(super) fn print(e: &Expr) -> String {
    // Each entry: its text and the binding power of its outermost operator.
    let mut stack: Vec<(String, u8)> = Vec::with_capacity(e.max_stack);
    for op in &e.ops {
        let entry = match *op {
            Op::Const(v) => (number(v), bp::ATOM),
            Op::Var(k) => (
                e.names
                    .get(k as usize)
                    .map_or_else(|| "?".to_string(), ToString::to_string),
                bp::ATOM,
            ),
            Op::Neg | Op::Not => {
                let (x, p) = stack.pop().unwrap_or_default();
                let sign = if *op == Op::Neg { "-" } else { "!" };
                (format!("{sign}{}", wrap(x, p < bp::PREFIX)), bp::PREFIX)
            }
            Op::Ternary => {
                let (b, _) = stack.pop().unwrap_or_default();
                let (a, _) = stack.pop().unwrap_or_default();
                let (c, pc) = stack.pop().unwrap_or_default();
                (
                    format!("{} ? {a} : {b}", wrap(c, pc <= bp::TERNARY)),
                    bp::TERNARY,
                )
            }
            Op::Call(func, n) => {
                let at = stack.len().saturating_sub(usize::from(n));
                let args: Vec<String> = stack.drain(at..).map(|(s, _)| s).collect();
                (
                    format!("{}({})", funcs::name_of(func), args.join(", ")),
                    bp::ATOM,
                )
            }
            binary => {
                let (r, pr) = stack.pop().unwrap_or_default();
                let (l, pl) = stack.pop().unwrap_or_default();
                let (symbol, p) = symbol(binary);
                let (wrap_l, wrap_r) = if binary == Op::Pow {
                    (pl <= p, pr < bp::PREFIX)
                } else {
                    (pl < p, pr <= p)
                };
                let mut s = wrap(l, wrap_l);
                s.push_str(symbol);
                s.push_str(&wrap(r, wrap_r));
                (s, p)
            }
        };
        stack.push(entry);
    }
    stack.pop().map(|(s, _)| s).unwrap_or_default()
}

fn wrap(s: String, parens: bool) -> String {
    if parens { format!("({s})") } else { s }
}

/// A binary op's text and binding power.
fn symbol(op: Op) -> (&'static str, u8) {
    match op {
        Op::Or => (" || ", bp::OR),
        Op::And => (" && ", bp::AND),
        Op::Eq => (" == ", bp::EQUALITY),
        Op::Ne => (" != ", bp::EQUALITY),
        Op::Lt => (" < ", bp::COMPARE),
        Op::Le => (" <= ", bp::COMPARE),
        Op::Gt => (" > ", bp::COMPARE),
        Op::Ge => (" >= ", bp::COMPARE),
        Op::Add => (" + ", bp::SUM),
        Op::Sub => (" - ", bp::SUM),
        Op::Mul => (" * ", bp::PRODUCT),
        Op::Div => (" / ", bp::PRODUCT),
        Op::Rem => (" % ", bp::PRODUCT),
        _ => ("^", bp::POWER),
    }
}

/// A literal that reads back as exactly `v`: a constant's name, or the shortest decimal.
fn number(v: f64) -> String {
    if let Some((name, _)) = CONSTANTS.iter().find(|(_, c)| c.to_bits() == v.to_bits()) {
        return (*name).to_string();
    }
    // `{:?}` is the shortest text that reads back as `v` (`1e-7`, `0.5`, `2.0`).
    format!("{v:?}")
}
