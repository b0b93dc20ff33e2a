//! The functions and constants of expressions: names, argument counts, what they compute.

use std::f64::consts::{E, PI, TAU};

/// A function of expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Func {
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Tanh,
    Atan2,
    Abs,
    Sign,
    Floor,
    Ceil,
    Round,
    Fract,
    Trunc,
    Exp,
    Exp2,
    Log,
    Log2,
    Log10,
    Sqrt,
    InverseSqrt,
    Cbrt,
    Pow,
    Mod,
    Min,
    Max,
    Clamp,
    Saturate,
    Mix,
    Step,
    Smoothstep,
    Select,
    Length,
    Hypot,
    Radians,
    Degrees,
    Rand,
    Hash,
    Noise,
}

/// A function's name, its argument counts and its one-line signature.
pub(super) struct FuncDef {
    pub(super) name: &'static str,
    pub(super) func: Func,
    pub(super) min_args: u8,
    pub(super) max_args: u8,
    pub(super) signature: &'static str,
}

const fn f(
    name: &'static str,
    func: Func,
    min_args: u8,
    max_args: u8,
    signature: &'static str,
) -> FuncDef {
    FuncDef {
        name,
        func,
        min_args,
        max_args,
        signature,
    }
}

/// Most arguments of a variadic function (`min`, `max`, `length`).
pub(super) const MAX_ARGS: u8 = 16;

/// Every function, canonical names first (a function's first entry is how it prints).
pub(super) const FUNCS: &[FuncDef] = &[
    f("sin", Func::Sin, 1, 1, "sin(x), radians"),
    f("cos", Func::Cos, 1, 1, "cos(x)"),
    f("tan", Func::Tan, 1, 1, "tan(x)"),
    f("asin", Func::Asin, 1, 1, "asin(x)"),
    f("acos", Func::Acos, 1, 1, "acos(x)"),
    f("atan", Func::Atan, 1, 1, "atan(x)"),
    f("sinh", Func::Sinh, 1, 1, "sinh(x)"),
    f("cosh", Func::Cosh, 1, 1, "cosh(x)"),
    f("tanh", Func::Tanh, 1, 1, "tanh(x)"),
    f(
        "atan2",
        Func::Atan2,
        2,
        2,
        "atan2(y, x), the angle of (x, y)",
    ),
    f("abs", Func::Abs, 1, 1, "abs(x)"),
    f("sign", Func::Sign, 1, 1, "sign(x): -1, 0 or 1"),
    f("floor", Func::Floor, 1, 1, "floor(x)"),
    f("ceil", Func::Ceil, 1, 1, "ceil(x)"),
    f("round", Func::Round, 1, 1, "round(x), halves away from 0"),
    f("fract", Func::Fract, 1, 1, "fract(x) = x - floor(x)"),
    f("trunc", Func::Trunc, 1, 1, "trunc(x), towards 0"),
    f("exp", Func::Exp, 1, 1, "exp(x)"),
    f("exp2", Func::Exp2, 1, 1, "exp2(x) = 2^x"),
    f("log", Func::Log, 1, 1, "log(x), natural"),
    f("log2", Func::Log2, 1, 1, "log2(x)"),
    f("log10", Func::Log10, 1, 1, "log10(x)"),
    f("sqrt", Func::Sqrt, 1, 1, "sqrt(x)"),
    f(
        "inversesqrt",
        Func::InverseSqrt,
        1,
        1,
        "inversesqrt(x) = 1 / sqrt(x)",
    ),
    f("cbrt", Func::Cbrt, 1, 1, "cbrt(x)"),
    f("pow", Func::Pow, 2, 2, "pow(x, y) = x^y"),
    f(
        "mod",
        Func::Mod,
        2,
        2,
        "mod(x, y) = x - y * floor(x / y) (GLSL; the sign of y)",
    ),
    f("min", Func::Min, 2, MAX_ARGS, "min(a, b, ...)"),
    f("max", Func::Max, 2, MAX_ARGS, "max(a, b, ...)"),
    f("clamp", Func::Clamp, 3, 3, "clamp(x, lo, hi)"),
    f(
        "saturate",
        Func::Saturate,
        1,
        1,
        "saturate(x) = clamp(x, 0, 1)",
    ),
    f("mix", Func::Mix, 3, 3, "mix(a, b, t) = a + (b - a) * t"),
    f(
        "step",
        Func::Step,
        2,
        2,
        "step(edge, x): 0 below edge, else 1",
    ),
    f(
        "smoothstep",
        Func::Smoothstep,
        3,
        3,
        "smoothstep(e0, e1, x): 0 to 1, smooth",
    ),
    f(
        "select",
        Func::Select,
        3,
        3,
        "select(f, t, cond) = cond ? t : f (WGSL)",
    ),
    f(
        "length",
        Func::Length,
        1,
        4,
        "length(x, y, ...) = sqrt(x*x + y*y + ...)",
    ),
    f("hypot", Func::Hypot, 2, 2, "hypot(x, y) = length(x, y)"),
    f("radians", Func::Radians, 1, 1, "radians(degrees)"),
    f("degrees", Func::Degrees, 1, 1, "degrees(radians)"),
    f(
        "rand",
        Func::Rand,
        1,
        1,
        "rand(seed): in [0, 1), the same for the same seed",
    ),
    f(
        "hash",
        Func::Hash,
        1,
        1,
        "hash(x): a whole number in [0, 2^32) from x's exact value",
    ),
    f(
        "noise",
        Func::Noise,
        1,
        1,
        "noise(x): smooth 1D gradient noise in [-1, 1]",
    ),
    // Aliases (exmex's names, GLSL's spellings).
    f("ln", Func::Log, 1, 1, "ln(x) = log(x)"),
    f("signum", Func::Sign, 1, 1, "signum(x) = sign(x)"),
    f("fmod", Func::Mod, 2, 2, "fmod(x, y) = mod(x, y)"),
    f("lerp", Func::Mix, 3, 3, "lerp(a, b, t) = mix(a, b, t)"),
];

/// The function named `name`.
pub(super) fn lookup(name: &str) -> Option<&'static FuncDef> {
    FUNCS.iter().find(|d| d.name == name)
}

/// The canonical name of `func`.
pub(super) fn name_of(func: Func) -> &'static str {
    FUNCS
        .iter()
        .find(|d| d.func == func)
        .map_or("?", |d| d.name)
}

/// The named constants.
pub(super) const CONSTANTS: [(&str, f64); 3] = [("PI", PI), ("TAU", TAU), ("E", E)];

/// The value of constant `name`.
pub(super) fn constant(name: &str) -> Option<f64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

/// `func` of `args` (as many as it takes: checked when parsed).
#[expect(
    clippy::many_single_char_names,
    reason = "x, y, z as in the functions' signatures"
)]
pub(super) fn call(func: Func, a: &[f64]) -> f64 {
    let x = a.first().copied().unwrap_or(0.0);
    let y = a.get(1).copied().unwrap_or(0.0);
    let z = a.get(2).copied().unwrap_or(0.0);
    match func {
        Func::Sin => x.sin(),
        Func::Cos => x.cos(),
        Func::Tan => x.tan(),
        Func::Asin => x.asin(),
        Func::Acos => x.acos(),
        Func::Atan => x.atan(),
        Func::Sinh => x.sinh(),
        Func::Cosh => x.cosh(),
        Func::Tanh => x.tanh(),
        Func::Atan2 => x.atan2(y),
        Func::Abs => x.abs(),
        Func::Sign => {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                x
            }
        }
        Func::Floor => x.floor(),
        Func::Ceil => x.ceil(),
        Func::Round => x.round(),
        Func::Fract => x - x.floor(),
        Func::Trunc => x.trunc(),
        Func::Exp => x.exp(),
        Func::Exp2 => x.exp2(),
        Func::Log => x.ln(),
        Func::Log2 => x.log2(),
        Func::Log10 => x.log10(),
        Func::Sqrt => x.sqrt(),
        Func::InverseSqrt => 1.0 / x.sqrt(),
        Func::Cbrt => x.cbrt(),
        Func::Pow => x.powf(y),
        Func::Mod => x - y * (x / y).floor(),
        Func::Min => a.iter().copied().fold(f64::INFINITY, f64::min),
        Func::Max => a.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        Func::Clamp => x.max(y).min(z),
        Func::Saturate => x.clamp(0.0, 1.0),
        Func::Mix => x + (y - x) * z,
        Func::Step => {
            if y < x {
                0.0
            } else {
                1.0
            }
        }
        Func::Smoothstep => {
            let t = ((z - x) / (y - x)).clamp(0.0, 1.0);
            t * t * (3.0 - 2.0 * t)
        }
        Func::Select => {
            if z == 0.0 {
                x
            } else {
                y
            }
        }
        Func::Length => a.iter().map(|v| v * v).sum::<f64>().sqrt(),
        Func::Hypot => x.hypot(y),
        Func::Radians => x.to_radians(),
        Func::Degrees => x.to_degrees(),
        Func::Rand => rand(x),
        Func::Hash => f64::from(hash32(x)),
        Func::Noise => noise(x),
    }
}

/// The finaliser of `SplitMix64`: every bit of `z` moves about half of the result's.
const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A 32-bit hash of `x`'s exact value (`-0` and `0` alike).
pub(super) fn hash32(x: f64) -> u32 {
    let bits = if x == 0.0 { 0 } else { x.to_bits() };
    (mix64(bits.wrapping_add(0x9e37_79b9_7f4a_7c15)) >> 32) as u32
}

/// In `[0, 1)`, the same for the same seed.
pub(super) fn rand(seed: f64) -> f64 {
    f64::from(hash32(seed)) / 4_294_967_296.0
}

/// 1D gradient noise: a random slope in [-1, 1] at each whole number, blended with a
/// quintic fade; in [-1, 1], 0 at whole numbers.
#[expect(
    clippy::many_single_char_names,
    reason = "the textbook names of gradient noise"
)]
pub(super) fn noise(x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NAN;
    }
    let i = x.floor();
    let t = x - i;
    let slope = |k: f64| rand(k) * 2.0 - 1.0;
    let (a, b) = (slope(i) * t, slope(i + 1.0) * (t - 1.0));
    let fade = t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
    // |a + (b - a) fade| <= 0.5 at most: doubled into [-1, 1].
    2.0 * (a + (b - a) * fade)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_has_a_canonical_name_and_sane_arity() {
        for d in FUNCS {
            assert!(d.min_args >= 1 && d.min_args <= d.max_args, "{}", d.name);
            assert_eq!(lookup(name_of(d.func)).map(|c| c.func), Some(d.func));
        }
    }

    #[test]
    fn noise_is_continuous_bounded_and_varied() {
        let mut prev = noise(0.0);
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for k in 1..20_000 {
            let x = f64::from(k) * 0.001 - 7.0;
            let v = noise(x);
            assert!((-1.0..=1.0).contains(&v), "noise({x}) = {v}");
            assert!((v - prev).abs() < 0.01, "jump at {x}");
            prev = v;
            lo = lo.min(v);
            hi = hi.max(v);
        }
        assert!(lo < -0.2 && hi > 0.2, "{lo}..{hi}");
        assert!(noise(3.0).abs() < 1e-12);
    }

    #[test]
    fn rand_is_uniform_enough_and_deterministic() {
        let n = 10_000;
        let mean = (0..n).map(|k| rand(f64::from(k))).sum::<f64>() / f64::from(n);
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        assert_eq!(rand(4.0).to_bits(), rand(4.0).to_bits());
        assert_ne!(rand(4.0).to_bits(), rand(5.0).to_bits());
        assert_eq!(hash32(0.0), hash32(-0.0));
        assert!((0.0..1.0).contains(&rand(1e300)));
    }
}
