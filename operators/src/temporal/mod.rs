//! Temporal operators: state across frames.

vivid_engine::operator_modules! {
    feedback::Feedback,
}
