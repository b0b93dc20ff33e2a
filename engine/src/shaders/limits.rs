//! Bounds on what an untrusted shader may declare, checked on its naga module before any
//! driver call.
//!
//! Drivers take hostile declarations badly and slowly: a `const array<f32, 65536>` indexed at
//! run time compiled for 400 s on lavapipe, a function-scope `array<vec4<f32>, 4000000>`
//! took 7.8 GB, a `Params` struct over 64 KiB failed with a raw wgpu error. [`check`] refuses
//! such a module with the place of the declaration, so a project's shader fails like any
//! other mistake in it (`file:line:col`, a hint naming the limit) and the running chain keeps
//! its last good version. The limits ([`ShaderLimits::DEFAULT`]) are far above what a
//! fragment shader needs and documented in README's Reliability section.

use naga::{AddressSpace, ArraySize, Handle, Module, Span, Type, TypeInner};

/// What an untrusted shader may declare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShaderLimits {
    /// Bytes of WGSL source (the file, before imports).
    pub max_source_bytes: usize,
    /// Elements of one array type (nested arrays multiply) in any address space: `const`,
    /// `var<private>`, `var<workgroup>`, function variables and values. Lavapipe compiles
    /// an array indexed at run time element by element: 1,024 `f32`s took 0.03 s, 1,536
    /// took 5.6 s, 2,048 took 12 s, 65,536 took 400 s.
    pub max_array_elements: u64,
    /// Bytes of `var<private>` globals plus every function's variables: the memory each
    /// invocation (pixel) holds.
    pub max_invocation_bytes: u64,
    /// Bytes of `var<workgroup>` globals (wgpu's default `max_compute_workgroup_storage_size`).
    pub max_workgroup_bytes: u64,
    /// Expressions at module scope: the initialisers of constants and globals, array sizes
    /// (a constant table written out is one expression per element).
    pub max_global_expressions: usize,
    /// Named constants (`const`) at module scope.
    pub max_constants: usize,
    /// Bytes of the `Params` struct (a uniform binding: wgpu's default
    /// `max_uniform_buffer_binding_size`).
    pub max_params_bytes: u64,
}

impl ShaderLimits {
    /// vivid's limits for project shaders and any other untrusted WGSL.
    pub const DEFAULT: Self = Self {
        max_source_bytes: 256 * 1024,
        max_array_elements: 1_024,
        max_invocation_bytes: 16 * 1024,
        max_workgroup_bytes: 16 * 1024,
        max_global_expressions: 32_768,
        max_constants: 4_096,
        max_params_bytes: 64 * 1024,
    };
}

impl Default for ShaderLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// One limit a module goes past: where (a span of the text naga parsed, possibly
/// [`Span::UNDEFINED`]), what, and the limit as a hint.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    /// The declaration at fault.
    pub span: Span,
    /// What is too large.
    pub message: String,
    /// The limit, and how to stay under it.
    pub hint: String,
}

/// Checks the size of untrusted source text before it is parsed.
pub fn check_source(len: usize, limits: &ShaderLimits) -> Result<(), Violation> {
    if len > limits.max_source_bytes {
        return Err(Violation {
            span: Span::UNDEFINED,
            message: format!(
                "the shader is {} KiB of source: more than vivid compiles",
                len.div_ceil(1024)
            ),
            hint: format!(
                "a shader may be at most {} KiB",
                limits.max_source_bytes / 1024
            ),
        });
    }
    Ok(())
}

/// Checks `module` against `limits` (see [`ShaderLimits`]); the first violation found.
pub fn check(module: &Module, limits: &ShaderLimits) -> Result<(), Violation> {
    if module.global_expressions.len() > limits.max_global_expressions {
        return Err(Violation {
            span: largest_constant(module),
            message: format!(
                "{} expressions at module scope: more than vivid compiles",
                module.global_expressions.len()
            ),
            hint: format!(
                "constants and initialisers may hold at most {} expressions (a table written out is one per element)",
                limits.max_global_expressions
            ),
        });
    }
    if module.constants.len() > limits.max_constants {
        let span = module
            .constants
            .iter()
            .nth(limits.max_constants)
            .map_or(Span::UNDEFINED, |(h, _)| module.constants.get_span(h));
        return Err(Violation {
            span,
            message: format!(
                "{} constants: more than vivid compiles",
                module.constants.len()
            ),
            hint: format!(
                "a shader may declare at most {} constants",
                limits.max_constants
            ),
        });
    }
    check_arrays(module, limits)?;
    check_memory(module, limits)
}

/// The span of the constant whose initialiser holds the most expressions (a constant's
/// subexpressions come right before its own in the arena).
fn largest_constant(module: &Module) -> Span {
    let mut previous = 0;
    let mut best: Option<(usize, Span)> = None;
    for (h, c) in module.constants.iter() {
        let at = c.init.index();
        let size = at.saturating_sub(previous);
        previous = previous.max(at);
        if best.is_none_or(|(b, _)| size > b) {
            best = Some((size, module.constants.get_span(h)));
        }
    }
    best.map_or(Span::UNDEFINED, |(_, s)| s)
}

/// Elements of an array type of `module`, nested arrays multiplied (`None`: sized by an
/// override, or runtime-sized).
fn array_elements(module: &Module, ty: Handle<Type>) -> Option<u64> {
    match &module.types[ty].inner {
        TypeInner::Array { base, size, .. } => {
            let n = match size {
                ArraySize::Constant(n) => u64::from(n.get()),
                ArraySize::Pending(_) | ArraySize::Dynamic => return None,
            };
            let inner = match module.types[*base].inner {
                TypeInner::Array { .. } => array_elements(module, *base)?,
                _ => 1,
            };
            Some(n.saturating_mul(inner))
        }
        _ => Some(1),
    }
}

/// Bytes a value of `ty` occupies (saturating; arrays sized by an override count as empty:
/// they are refused by [`check_arrays`]).
fn bytes(module: &Module, ty: Handle<Type>) -> u64 {
    match &module.types[ty].inner {
        TypeInner::Array { size, stride, .. } => match size {
            ArraySize::Constant(n) => u64::from(n.get()).saturating_mul(u64::from(*stride)),
            ArraySize::Pending(_) | ArraySize::Dynamic => 0,
        },
        TypeInner::Struct { span, .. } => u64::from(*span),
        inner => u64::from(inner.try_size(module.to_ctx()).unwrap_or(u32::MAX)),
    }
}

/// Where type `ty` is first used by a declaration (a constant, a global or a function's
/// variable or value), for the diagnostic.
fn use_of(module: &Module, ty: Handle<Type>) -> Span {
    let mut best = module.types.get_span(ty);
    let mut consider = |s: Span| {
        if s.is_defined()
            && (!best.is_defined()
                || s.to_range().map(|r| r.start) < best.to_range().map(|r| r.start))
        {
            best = s;
        }
    };
    for (h, c) in module.constants.iter() {
        if c.ty == ty {
            consider(module.constants.get_span(h));
        }
    }
    for (h, g) in module.global_variables.iter() {
        if g.ty == ty {
            consider(module.global_variables.get_span(h));
        }
    }
    for f in module
        .functions
        .iter()
        .map(|(_, f)| f)
        .chain(module.entry_points.iter().map(|e| &e.function))
    {
        for (h, v) in f.local_variables.iter() {
            if v.ty == ty {
                consider(f.local_variables.get_span(h));
            }
        }
        for (h, e) in f.expressions.iter() {
            let uses = match e {
                naga::Expression::Compose { ty: t, .. } | naga::Expression::ZeroValue(t) => {
                    *t == ty
                }
                _ => false,
            };
            if uses {
                consider(f.expressions.get_span(h));
            }
        }
    }
    best
}

/// Every array type: a constant size within the limit.
fn check_arrays(module: &Module, limits: &ShaderLimits) -> Result<(), Violation> {
    for (h, t) in module.types.iter() {
        let TypeInner::Array { size, .. } = t.inner else {
            continue;
        };
        // Runtime-sized arrays live in storage buffers, which vivid binds none of.
        if size == ArraySize::Dynamic {
            continue;
        }
        match array_elements(module, h) {
            None => {
                return Err(Violation {
                    span: use_of(module, h),
                    message: "an array sized by an `override`".into(),
                    hint: "give the array a constant size".into(),
                });
            }
            Some(n) if n > limits.max_array_elements => {
                return Err(Violation {
                    span: use_of(module, h),
                    message: format!("an array of {n} elements: more than vivid compiles"),
                    hint: format!(
                        "an array may hold at most {} elements (nested arrays multiply)",
                        limits.max_array_elements
                    ),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// Private and function variables per invocation; workgroup variables.
fn check_memory(module: &Module, limits: &ShaderLimits) -> Result<(), Violation> {
    let mut invocation = 0u64;
    let mut workgroup = 0u64;
    let mut largest: Option<(u64, Span)> = None;
    let mut note = |b: u64, s: Span| {
        if largest.is_none_or(|(l, _)| b > l) {
            largest = Some((b, s));
        }
    };
    for (h, g) in module.global_variables.iter() {
        let b = bytes(module, g.ty);
        match g.space {
            AddressSpace::Private => {
                invocation = invocation.saturating_add(b);
                note(b, module.global_variables.get_span(h));
            }
            AddressSpace::WorkGroup => workgroup = workgroup.saturating_add(b),
            _ => {}
        }
        if g.space == AddressSpace::WorkGroup && workgroup > limits.max_workgroup_bytes {
            return Err(Violation {
                span: module.global_variables.get_span(h),
                message: format!(
                    "{} KiB of `var<workgroup>` memory: more than the GPU shares",
                    workgroup.div_ceil(1024)
                ),
                hint: format!(
                    "workgroup variables may take at most {} KiB in all",
                    limits.max_workgroup_bytes / 1024
                ),
            });
        }
    }
    for f in module
        .functions
        .iter()
        .map(|(_, f)| f)
        .chain(module.entry_points.iter().map(|e| &e.function))
    {
        for (h, v) in f.local_variables.iter() {
            let b = bytes(module, v.ty);
            invocation = invocation.saturating_add(b);
            note(b, f.local_variables.get_span(h));
        }
    }
    if invocation > limits.max_invocation_bytes {
        return Err(Violation {
            span: largest.map_or(Span::UNDEFINED, |(_, s)| s),
            message: format!(
                "{} KiB of private and function variables per pixel: more than vivid compiles",
                invocation.div_ceil(1024)
            ),
            hint: format!(
                "`var<private>` and function variables may take at most {} KiB in all (this is the largest)",
                limits.max_invocation_bytes / 1024
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(src: &str) -> Option<(String, Violation)> {
        let m = naga::front::wgsl::parse_str(src).expect("parses");
        check(&m, &ShaderLimits::DEFAULT)
            .err()
            .map(|v| (src[v.span.to_range().unwrap_or(0..0)].to_string(), v))
    }

    #[test]
    fn big_declarations_are_refused_where_they_are() {
        let (at, v) =
            violation("const big = array<f32, 65536>();\nfn f(i: i32) -> f32 { return big[i]; }\n")
                .expect("refused");
        assert!(v.message.contains("65536 elements"), "{v:?}");
        assert!(at.contains("big"), "{at:?}");
        let (at, v) = violation(
            "fn f(i: i32) -> vec4<f32> {\n    var a: array<vec4<f32>, 4000000>;\n    return a[i];\n}\n",
        )
        .expect("refused");
        assert!(v.message.contains("4000000 elements"), "{v:?}");
        assert!(at.contains('a'), "{at:?}");
        let (_, v) = violation(
            "var<private> a: array<array<f32, 40>, 40>;\nfn f(i: i32) -> f32 { return a[i][i]; }\n",
        )
        .expect("refused");
        assert!(v.message.contains("1600 elements"), "{v:?}");
        // Under the element limit, over the memory limit: three 8 KiB arrays.
        let (at, v) = violation(
            "fn f(i: i32) -> f32 {\n var a: array<vec4<f32>, 512>;\n var b: array<vec4<f32>, 512>;\n var c: array<vec4<f32>, 512>;\n return a[i].x + b[i].y + c[i].z;\n}\n",
        )
        .expect("refused");
        assert!(v.message.contains("24 KiB"), "{v:?}");
        assert!(at.contains('a'), "{at:?}");
        let (_, v) = violation(
            "var<workgroup> w: array<vec4<f32>, 600>;\nvar<workgroup> v: array<vec4<f32>, 600>;\n@compute @workgroup_size(1) fn main() { w[0] = v[1]; }\n",
        )
        .expect("refused");
        assert!(v.message.contains("workgroup"), "{v:?}");
    }

    #[test]
    fn ordinary_shaders_pass() {
        assert!(
            violation(
                "const perm = array<u32, 512>();\nvar<private> state: array<vec4<f32>, 64>;\nfn f(i: i32) -> f32 { var m: array<f32, 256>; m[i] = 1.0; return m[i] + f32(perm[i]) + state[i].x; }\n"
            )
            .is_none()
        );
    }

    #[test]
    fn long_tables_are_refused() {
        use std::fmt::Write as _;
        let mut src = String::new();
        for t in 0..40 {
            let _ = write!(src, "const t{t} = array<f32, 1000>(");
            for i in 0..1000 {
                let _ = write!(src, "{i}.0, ");
            }
            src.push_str(");\n");
        }
        let (_, v) = violation(&src).expect("refused");
        assert!(v.message.contains("expressions at module scope"), "{v:?}");
        assert!(check_source(300 * 1024, &ShaderLimits::DEFAULT).is_err());
        assert!(check_source(100 * 1024, &ShaderLimits::DEFAULT).is_ok());
    }
}
