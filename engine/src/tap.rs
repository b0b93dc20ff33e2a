//! Output taps: a host's code that copies the shown output in the frame's one encoder (a
//! recorder's readback ring), with the same rule as operators: objects only in `prepare`.

use crate::gpu::Gpu;
use crate::operator::FrameTime;

/// Something that receives the output of every frame, inside the engine's frame: prepared
/// before the encoder (the only place it may create GPU objects, through `gpu`'s counted
/// constructors), recording its copy of the output into the frame's encoder, and told when
/// the frame was submitted. It handles its own errors (logs them): a tap never stops a frame.
pub trait OutputTap: Send {
    /// Before the frame's encoder: this frame's `time` and the output's `size` (its texture
    /// is `Rgba16Float`, premultiplied); makes what is missing.
    fn prepare(&mut self, gpu: &Gpu, time: FrameTime, size: [u32; 2]);
    /// Records its copy of `output` (the shown node's texture) into `encoder`.
    fn encode(&mut self, encoder: &mut wgpu::CommandEncoder, output: &wgpu::Texture);
    /// After the frame's submit.
    fn after_submit(&mut self, gpu: &Gpu);
    /// When it is taken out of the engine: waits for its copies in flight and hands them on.
    fn finish(&mut self, gpu: &Gpu);
}
