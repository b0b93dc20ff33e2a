//! Typed parameter values, their metadata (default, range, choices) and expressions of time.
//!
//! An operator's parameters are written once, as a struct in the [`params!`](crate::params!)
//! macro; the macro derives the [`ParamSpec`] list from it, and that list drives chain.toml
//! parsing, `--set`, `vivid operators` and (later) the inspector.
//!
//! - `values`: what a parameter holds ([`ParamKind`], [`ParamValue`], [`RawValue`],
//!   [`ParamValues`]) and the [`SceneKind`] a reference parameter names;
//! - `types`: the Rust types a parameter field may have ([`ParamType`], [`Fixed`], [`Rgba`]);
//! - `specs`: [`ParamSpec`] and the checking of written values against it;
//! - `expr`: [`Expr`], vivid's expression language, and the variables it reads
//!   ([`Variables`], [`ExprVars`]);
//! - `set`: [`ParamSet`], one operator instance's parameters, evaluated per frame;
//! - `macros`: [`params!`](crate::params!), [`choice_enum!`](crate::choice_enum!),
//!   [`file_param!`](crate::file_param!).
//!
//! This module depends on nothing of the scene: [`crate::scene`] builds on it.

pub mod expr;
mod macros;
mod set;
mod specs;
mod types;
mod values;

#[cfg(test)]
mod fixture;

pub use expr::{Expr, ExprError, ExprVars, MAX_VARIABLES, Variables};
pub use set::ParamSet;
pub use specs::{Component, ExprAt, ParamCondition, ParamError, ParamSource, ParamSpec};
pub use types::{Fixed, ParamStruct, ParamType, Rgba};
pub use values::{FileKind, ParamKind, ParamValue, ParamValues, RawValue, SceneKind, image_size};
