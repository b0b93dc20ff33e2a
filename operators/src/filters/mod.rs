//! Filters: change one image.

mod blur;
mod hsv;
mod levels;
mod transform;

pub use blur::{Blur, BlurParams, BlurUniforms};
pub use hsv::{Hsv, HsvParams};
pub use levels::{Levels, LevelsParams};
pub use transform::{Transform, TransformParams};
