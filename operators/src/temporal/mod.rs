//! Temporal operators: state across frames (`feedback`, and the frame ring of `delay`,
//! `time_machine` and `echo`: [`ring`]) or time itself (`strobe`).

mod ring;

vivid_engine::operator_modules! {
    feedback::Feedback,
    delay::Delay,
    time_machine::TimeMachine,
    echo::Echo,
    strobe::Strobe,
}
