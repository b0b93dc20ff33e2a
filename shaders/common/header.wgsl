// The 32 bytes every operator's uniforms begin with (engine: `FrameHeader`). A WGSL-declared
// operator sees it as `vivid` (common/interface.wgsl); a Rust operator's own uniform struct
// starts with it. Its own file so that helpers can name it without the entry points of
// common/operator.wgsl.

struct FrameHeader {
    // Output size in pixels.
    resolution: vec2<f32>,
    // Seconds.
    time: f32,
    // Frame index.
    frame: f32,
    // Seconds since the previous frame (0 on the first).
    delta: f32,
    // Inputs connected (the rest read transparent black).
    inputs: u32,
    // Reserved (zero).
    reserved: vec2<f32>,
}
