//! Composite: combine several images.

mod composite;

pub use composite::{BlendMode, Composite, CompositeParams};
