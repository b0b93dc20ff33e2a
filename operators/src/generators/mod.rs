//! Generators: make an image from nothing.

mod gradient;
mod image;
mod noise;
mod shape;
mod solid;

pub use self::image::{Decoded, Fit, Image, ImageFile, ImageParams, ImageUniforms, decode};
pub use gradient::{Gradient, GradientParams};
pub use noise::{Noise, NoiseParams};
pub use shape::{Shape, ShapeParams};
pub use solid::{Solid, SolidParams};
