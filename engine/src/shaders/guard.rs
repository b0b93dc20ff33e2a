//! The loop guard: every loop of an untrusted shader ends, whatever its condition.
//!
//! A shader that never finishes freezes a GPU (and on a CPU driver the process) for good, and
//! naga cannot tell: `loop { x = x + 1.0; }` is valid WGSL. So before an untrusted shader (a
//! project's `type = "shader"`, and any loader of foreign shaders: ISF, Shadertoy) reaches the
//! driver, [`guard_loops`] rewrites its naga IR: one `var<private>` counter per invocation,
//! incremented at the top of every iteration of every loop, in every function; once it
//! reaches the budget, every loop breaks at its next iteration:
//!
//! ```wgsl
//! var<private> vivid_loop_guard: u32 = 0u;
//! loop {
//!     vivid_loop_guard = vivid_loop_guard + 1u;
//!     if vivid_loop_guard >= 65536u { break; }   // added first in every loop's body
//!     // ... the loop's own body, its continuing block and `break if` unchanged
//! }
//! ```
//!
//! The counter is shared by all the loops of one invocation (one pixel): nested loops and
//! loops in called functions count against the same budget, so the work of a pixel is
//! bounded by [`LOOP_BUDGET`] iterations in all. WGSL has no recursion and no `goto`, so with
//! every loop bounded every invocation ends. A loop that stays under the budget runs exactly
//! as written (the guard adds an increment and a compare per iteration and changes no value
//! the shader computes): 65,536 iterations a pixel is 16 times the few thousand a heavy
//! raymarcher or FBM spends (a 256-step march calling 8-octave noise at every step is 2,048).

use naga::{
    AddressSpace, BinaryOperator, Block, Expression, Function, GlobalVariable, Handle, Literal,
    MemoryDecorations, Module, Scalar, Span, Statement, Type, TypeInner,
};

/// Loop iterations one invocation may run, all its loops together, before every loop breaks.
pub const LOOP_BUDGET: u32 = 1 << 16;

/// Name of the counter [`guard_loops`] adds.
pub const GUARD_NAME: &str = "vivid_loop_guard";

/// Rewrites every loop of `module` (functions and entry points) to break once the
/// invocation has run `budget` loop iterations in all (see the module's documentation).
/// Returns how many loops it guarded; a module without loops is left as it was.
pub fn guard_loops(module: &mut Module, budget: u32) -> usize {
    let loops = module
        .functions
        .iter()
        .map(|(_, f)| count_loops(&f.body))
        .chain(
            module
                .entry_points
                .iter()
                .map(|e| count_loops(&e.function.body)),
        )
        .sum();
    if loops == 0 {
        return 0;
    }
    let u32_ty = module.types.insert(
        Type {
            name: None,
            inner: TypeInner::Scalar(Scalar::U32),
        },
        Span::UNDEFINED,
    );
    let zero = module
        .global_expressions
        .append(Expression::Literal(Literal::U32(0)), Span::UNDEFINED);
    let counter = module.global_variables.append(
        GlobalVariable {
            name: Some(GUARD_NAME.into()),
            space: AddressSpace::Private,
            binding: None,
            ty: u32_ty,
            init: Some(zero),
            memory_decorations: MemoryDecorations::empty(),
        },
        Span::UNDEFINED,
    );
    for (_, f) in module.functions.iter_mut() {
        guard_function(f, counter, budget);
        // The budget is a pixel's: `cs_main` shades several pixels an invocation, each
        // through one call of `shade`, which starts its count afresh.
        if f.name.as_deref() == Some("shade") {
            reset_at_start(f, counter);
        }
    }
    for e in &mut module.entry_points {
        guard_function(&mut e.function, counter, budget);
    }
    loops
}

/// Puts `counter = 0u` first in `f`'s body.
fn reset_at_start(f: &mut Function, counter: Handle<GlobalVariable>) {
    let pointer = f
        .expressions
        .append(Expression::GlobalVariable(counter), Span::UNDEFINED);
    let value = f
        .expressions
        .append(Expression::Literal(Literal::U32(0)), Span::UNDEFINED);
    let mut body = std::mem::take(&mut f.body);
    let mut reset = Block::with_capacity(1);
    reset.push(Statement::Store { pointer, value }, Span::UNDEFINED);
    body.splice(0..0, reset);
    f.body = body;
}

/// Loops in `block`, nested ones included.
fn count_loops(block: &Block) -> usize {
    block
        .iter()
        .map(|s| match s {
            Statement::Loop {
                body, continuing, ..
            } => 1 + count_loops(body) + count_loops(continuing),
            Statement::Block(b) => count_loops(b),
            Statement::If { accept, reject, .. } => count_loops(accept) + count_loops(reject),
            Statement::Switch { cases, .. } => cases.iter().map(|c| count_loops(&c.body)).sum(),
            _ => 0,
        })
        .sum()
}

/// The expressions every guard of one function shares (none of them needs emitting).
struct Shared {
    counter: Handle<Expression>,
    one: Handle<Expression>,
    budget: Handle<Expression>,
}

fn guard_function(f: &mut Function, counter: Handle<GlobalVariable>, budget: u32) {
    if count_loops(&f.body) == 0 {
        return;
    }
    let shared = Shared {
        counter: f
            .expressions
            .append(Expression::GlobalVariable(counter), Span::UNDEFINED),
        one: f
            .expressions
            .append(Expression::Literal(Literal::U32(1)), Span::UNDEFINED),
        budget: f
            .expressions
            .append(Expression::Literal(Literal::U32(budget)), Span::UNDEFINED),
    };
    let mut body = std::mem::take(&mut f.body);
    guard_block(&mut body, &mut f.expressions, &shared);
    f.body = body;
}

/// Guards every loop in `block`, depth first.
fn guard_block(block: &mut Block, expressions: &mut naga::Arena<Expression>, shared: &Shared) {
    for (statement, span) in block.span_iter_mut() {
        let span = span.map_or(Span::UNDEFINED, |s| *s);
        match statement {
            Statement::Loop {
                body, continuing, ..
            } => {
                guard_block(body, expressions, shared);
                guard_block(continuing, expressions, shared);
                body.splice(0..0, guard(expressions, shared, span));
            }
            Statement::Block(b) => guard_block(b, expressions, shared),
            Statement::If { accept, reject, .. } => {
                guard_block(accept, expressions, shared);
                guard_block(reject, expressions, shared);
            }
            Statement::Switch { cases, .. } => {
                for c in cases {
                    guard_block(&mut c.body, expressions, shared);
                }
            }
            _ => {}
        }
    }
}

/// The statements put first in a loop's body: count this iteration, break past the budget.
/// Each guard emits expressions of its own (an expression is emitted once).
fn guard(expressions: &mut naga::Arena<Expression>, shared: &Shared, span: Span) -> Block {
    let load = expressions.append(
        Expression::Load {
            pointer: shared.counter,
        },
        span,
    );
    let next = expressions.append(
        Expression::Binary {
            op: BinaryOperator::Add,
            left: load,
            right: shared.one,
        },
        span,
    );
    let over = expressions.append(
        Expression::Binary {
            op: BinaryOperator::GreaterEqual,
            left: next,
            right: shared.budget,
        },
        span,
    );
    let mut b = Block::with_capacity(3);
    b.push(
        Statement::Emit(naga::Range::new_from_bounds(load, over)),
        span,
    );
    b.push(
        Statement::Store {
            pointer: shared.counter,
            value: next,
        },
        span,
    );
    let mut accept = Block::with_capacity(1);
    accept.push(Statement::Break, span);
    b.push(
        Statement::If {
            condition: over,
            accept,
            reject: Block::new(),
        },
        span,
    );
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded(src: &str) -> (Module, usize) {
        let mut m = naga::front::wgsl::parse_str(src).expect("parses");
        let n = guard_loops(&mut m, 100);
        naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::default(),
        )
        .validate(&m)
        .unwrap_or_else(|e| panic!("guarded module invalid: {e:?}"));
        (m, n)
    }

    #[test]
    fn every_kind_of_loop_is_guarded_and_the_module_stays_valid() {
        let (m, n) = guarded(
            "fn f(k: i32) -> f32 {\n var x = 0.0;\n loop { x = x + 1.0; }\n while true { x += 1.0; }\n for (var i = 0; i < k; i++) {\n  for (var j = 0; j < 1000000; j++) { if x > 3.0 { continue; } x += 1.0; }\n }\n switch k { case 1: { loop { if x > 2.0 { break; } x += 1.0; continuing { x += 0.5; break if x > 100.0; } } } default: {} }\n return x;\n}\n@fragment fn main() -> @location(0) vec4<f32> { var y = 0.0; loop { y += f(3); } return vec4<f32>(y); }\n",
        );
        assert_eq!(n, 6);
        assert!(m.global_variables.iter().any(
            |(_, g)| g.name.as_deref() == Some(GUARD_NAME) && g.space == AddressSpace::Private
        ));
    }

    #[test]
    fn a_module_without_loops_is_unchanged() {
        let src = "fn f(x: f32) -> f32 { return x * 2.0; }\n";
        let before = naga::front::wgsl::parse_str(src).expect("parses");
        let (after, n) = guarded(src);
        assert_eq!(n, 0);
        assert_eq!(after.global_variables.len(), before.global_variables.len());
        assert_eq!(
            format!("{:?}", after.functions),
            format!("{:?}", before.functions)
        );
    }
}
