//! Repairs of the naga IR made from an ISF or Shadertoy file, before it is written as WGSL:
//! the names a user's GLSL may share with vivid's interface are moved aside (so a user's
//! `shade`, `aspect` or `fs_main` never collides with what vivid composes the shader with),
//! and the returns that desktop GLSL compilers accept but naga's validator refuses are made
//! explicit (`return 0;` in a `float` function, a non-void function falling off its end).

use naga::{Block, Expression, Function, Handle, Module, Range, ScalarKind, Statement, TypeInner};

/// Names the WGSL interface composed with a translated shader defines
/// (`shaders/common/operator.wgsl` and what it imports).
const INTERFACE_NAMES: &[&str] = &[
    "shade",
    "cs_main",
    "cs_main_quad",
    "cs_pixel",
    "fs_main",
    "vs_fullscreen",
    "user_uv",
    "texture_uv",
    "aspect",
    "vivid_output",
    "VsOut",
    "FrameHeader",
];

/// Whether naga's namer could write `name` as one of [`INTERFACE_NAMES`] (it drops
/// trailing digits and underscores before making a name unique).
fn clashes(name: &str) -> bool {
    // vivid's own generated names are `vivid__…` in GLSL (names with `__` are reserved to
    // the implementation there) and come out as `vivid_…`: a user's `vivid_…` moves aside.
    if name.starts_with("vivid_") && !name.starts_with("vivid__") {
        return true;
    }
    let base = name.trim_end_matches(|c: char| c.is_ascii_digit() || c == '_');
    let base = base.replace("__", "_");
    INTERFACE_NAMES.contains(&base.as_str())
}

fn move_aside(name: &mut Option<String>) {
    if let Some(n) = name
        && clashes(n)
    {
        *n = format!("user_{n}");
    }
}

/// Renames every user identifier that could clash with the interface, then names the
/// function `wrapper` (vivid's generated entry, called by the interface) `shade`.
pub fn rename(module: &mut Module, wrapper: &str) {
    let mut types = naga::UniqueArena::new();
    for (handle, ty) in module.types.iter() {
        let mut ty = ty.clone();
        move_aside(&mut ty.name);
        let span = module.types.get_span(handle);
        types.insert(ty, span);
    }
    // Renaming a type keeps its handle: the arena is rebuilt in the same order, and the
    // names are distinct by construction (only `user_` is prepended).
    if types.len() == module.types.len() {
        module.types = types;
    }
    for (_, c) in module.constants.iter_mut() {
        move_aside(&mut c.name);
    }
    for (_, g) in module.global_variables.iter_mut() {
        move_aside(&mut g.name);
    }
    for (_, f) in module.functions.iter_mut() {
        if f.name.as_deref() == Some(wrapper) {
            f.name = Some("shade".into());
        } else {
            move_aside(&mut f.name);
        }
        for a in &mut f.arguments {
            move_aside(&mut a.name);
        }
        for (_, l) in f.local_variables.iter_mut() {
            move_aside(&mut l.name);
        }
    }
}

/// Makes every `return` of a function with a result return a value of its type: a bare
/// `return` (or the end of the body, which naga's GLSL front end closes with one) returns
/// zero, and a scalar or vector of another kind (`return 0;` in a `float` function) is
/// converted, as GLSL compilers do.
pub fn fix_returns(module: &mut Module) {
    // The type of every expression of every function with a result, resolved first (the
    // resolution reads the whole module: calls resolve to their function's result).
    let mut resolved = Vec::new();
    for (handle, f) in module.functions.iter() {
        let Some(result) = f.result.as_ref().map(|r| r.ty) else {
            continue;
        };
        let ctx = naga::proc::ResolveContext::with_locals(module, &f.local_variables, &f.arguments);
        let mut typifier = naga::front::Typifier::new();
        if let Some((last, _)) = f.expressions.iter().last()
            && typifier.grow(last, &f.expressions, &ctx).is_err()
        {
            continue;
        }
        let kinds: Vec<TypeInner> = f
            .expressions
            .iter()
            .map(|(h, _)| typifier.get(h, &module.types).clone())
            .collect();
        resolved.push((handle, result, module.types[result].inner.clone(), kinds));
    }
    for (handle, result, want, kinds) in resolved {
        let f = &mut module.functions[handle];
        let body = std::mem::take(&mut f.body);
        f.body = fix_block(body, f, result, &want, &kinds);
    }
}

/// The type `inner` converted to the scalar kind of `want`, if they differ only in kind.
fn conversion(inner: &TypeInner, want: &TypeInner) -> Option<(ScalarKind, u8)> {
    match (inner, want) {
        (TypeInner::Scalar(a), TypeInner::Scalar(b)) if a.kind != b.kind => Some((b.kind, b.width)),
        (
            TypeInner::Vector {
                size: sa,
                scalar: a,
            },
            TypeInner::Vector {
                size: sb,
                scalar: b,
            },
        ) if sa == sb && a.kind != b.kind => Some((b.kind, b.width)),
        _ => None,
    }
}

fn fix_block(
    block: Block,
    f: &mut Function,
    result: Handle<naga::Type>,
    want: &TypeInner,
    kinds: &[TypeInner],
) -> Block {
    let mut out = Block::with_capacity(block.len());
    for (statement, span) in block.span_into_iter() {
        let statement = match statement {
            Statement::Return { value: None } => {
                let zero = f.expressions.append(Expression::ZeroValue(result), span);
                Statement::Return { value: Some(zero) }
            }
            Statement::Return { value: Some(v) } => {
                match kinds.get(v.index()).and_then(|k| conversion(k, want)) {
                    Some((kind, width)) => {
                        let converted = f.expressions.append(
                            Expression::As {
                                expr: v,
                                kind,
                                convert: Some(width),
                            },
                            span,
                        );
                        out.push(
                            Statement::Emit(Range::new_from_bounds(converted, converted)),
                            span,
                        );
                        Statement::Return {
                            value: Some(converted),
                        }
                    }
                    None => Statement::Return { value: Some(v) },
                }
            }
            Statement::Block(b) => Statement::Block(fix_block(b, f, result, want, kinds)),
            Statement::If {
                condition,
                accept,
                reject,
            } => Statement::If {
                condition,
                accept: fix_block(accept, f, result, want, kinds),
                reject: fix_block(reject, f, result, want, kinds),
            },
            Statement::Switch { selector, cases } => Statement::Switch {
                selector,
                cases: cases
                    .into_iter()
                    .map(|mut c| {
                        c.body = fix_block(std::mem::take(&mut c.body), f, result, want, kinds);
                        c
                    })
                    .collect(),
            },
            Statement::Loop {
                body,
                continuing,
                break_if,
            } => Statement::Loop {
                body: fix_block(body, f, result, want, kinds),
                continuing: fix_block(continuing, f, result, want, kinds),
                break_if,
            },
            other => other,
        };
        out.push(statement, span);
    }
    out
}
