// The 16 bytes every operator's uniform struct begins with (engine: `FrameHeader`).
// Its own file so that a pointwise operator's file (levels.wgsl) can use it without the
// entry points of common/operator.wgsl.

struct FrameHeader {
    // Output size in pixels.
    resolution: vec2<f32>,
    // Seconds.
    time: f32,
    // Frame index.
    frame: f32,
}
