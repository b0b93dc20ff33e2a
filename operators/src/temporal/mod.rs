//! Temporal: operators with state across frames.

mod feedback;

pub use feedback::{Feedback, FeedbackParams, FeedbackUniforms};
