//! Rust types usable as parameter fields: [`ParamType`], its implementations, [`Fixed`], [`Rgba`].
//!
//! [`ParamStruct`] is implemented by the structs made of them.

use crate::params::{ParamKind, ParamSpec, ParamValue, ParamValues};

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
