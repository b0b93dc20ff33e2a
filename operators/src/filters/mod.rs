//! Filters written in Rust: change one image in several passes. (The single-pass ones are
//! WGSL files in `shaders/operators/`.)

vivid_engine::operator_modules! {
    blur::Blur,
    bloom::Bloom,
    dither::Dither,
    lut::Lut,
}
