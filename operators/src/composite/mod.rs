//! Composite: combine several images.

#[allow(
    clippy::module_inception,
    reason = "operators/src/<kind>/<name>.rs: the composite operator of the composite group"
)]
mod composite;

pub use composite::{BlendMode, Composite, CompositeParams, CompositeUniforms};
