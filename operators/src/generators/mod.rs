//! Generators: make an image from nothing.

mod gradient;
mod noise;
mod shape;
mod solid;

pub use gradient::{Gradient, GradientParams};
pub use noise::{Noise, NoiseParams};
pub use shape::{Shape, ShapeParams};
pub use solid::{Solid, SolidParams};
