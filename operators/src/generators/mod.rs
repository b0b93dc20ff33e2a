//! Generators written in Rust: make an image from nothing. (The single-pass ones are WGSL
//! files in `shaders/operators/`.)

vivid_engine::operator_modules! {
    image::Image,
}
