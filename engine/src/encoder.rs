//! `FrameEncoder`: the frame's one command encoder, with consecutive compute dispatches of
//! different operators recorded into ONE compute pass.
//!
//! Why: on the H200 (NVIDIA 580, Vulkan) wgpu pays ~7.5 µs for every compute pass it
//! records, against ~2.7 µs for a dispatch inside an open pass (`cargo run --release
//! --example pass_cost`: a pass of one workgroup, chained 100 times). A chain of 50
//! operators paid the difference 50 times: a simple 1080p filter took 14.3 µs in its own
//! pass and 9.3 µs sharing one (floor 7.06). wgpu still synchronises every dispatch of a
//! pass against the ones before it (each dispatch is its own usage scope), so sharing a
//! pass changes no result.
//!
//! How: [`PassEncoder::compute`] opens the shared pass, or continues the open one; anything
//! else that needs the encoder itself (a copy, a render pass, a timestamp where passes
//! cannot hold one) reaches it through `DerefMut`, which ends the open pass first, so
//! commands stay in the order they were recorded. Code written against
//! `&mut wgpu::CommandEncoder` keeps working unchanged, in its own passes.

use std::ops::{Deref, DerefMut};

/// Where a pass of an operator is recorded: the frame's [`FrameEncoder`] (compute
/// dispatches share one pass) or a plain `wgpu::CommandEncoder` (each its own pass).
pub trait PassEncoder {
    /// Runs `record` on a compute pass: the open shared pass, or a new one labelled `label`.
    fn compute(&mut self, label: &str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>));

    /// The command encoder itself (any open compute pass ended first).
    fn commands(&mut self) -> &mut wgpu::CommandEncoder;
}

impl PassEncoder for wgpu::CommandEncoder {
    fn compute(&mut self, label: &str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        let mut pass = self.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: None,
        });
        record(&mut pass);
    }

    fn commands(&mut self) -> &mut wgpu::CommandEncoder {
        self
    }
}

/// The frame's command encoder (see the module's documentation).
#[derive(Debug)]
pub struct FrameEncoder {
    encoder: wgpu::CommandEncoder,
    /// The open shared compute pass. It holds the encoder locked until dropped.
    open: Option<wgpu::ComputePass<'static>>,
    /// Timestamps can be written inside the open pass (`TIMESTAMP_QUERY_INSIDE_PASSES`),
    /// so profiling does not split it.
    timestamps_in_passes: bool,
    /// Compute passes opened this frame (for tests and `vivid bench`).
    passes: u32,
}

impl FrameEncoder {
    /// Wraps `encoder`; `features` are the device's.
    #[must_use]
    pub fn new(encoder: wgpu::CommandEncoder, features: wgpu::Features) -> Self {
        Self {
            encoder,
            open: None,
            timestamps_in_passes: features.contains(wgpu::Features::TIMESTAMP_QUERY_INSIDE_PASSES),
            passes: 0,
        }
    }

    /// Ends the open compute pass, if any.
    pub fn end_compute(&mut self) {
        self.open = None;
    }

    /// Writes timestamp `index` of `set`: inside the open compute pass where the device
    /// allows it, else on the encoder (ending the pass).
    pub fn write_timestamp(&mut self, set: &wgpu::QuerySet, index: u32) {
        match &mut self.open {
            Some(pass) if self.timestamps_in_passes => pass.write_timestamp(set, index),
            _ => self.commands().write_timestamp(set, index),
        }
    }

    /// A debug marker (shown by frame debuggers such as RenderDoc): in the open compute
    /// pass, or on the encoder.
    pub fn marker(&mut self, label: &str) {
        match &mut self.open {
            Some(pass) => pass.insert_debug_marker(label),
            None => self.encoder.insert_debug_marker(label),
        }
    }

    /// Compute passes opened so far.
    #[must_use]
    pub fn compute_passes(&self) -> u32 {
        self.passes
    }

    /// Ends the open pass and finishes the encoder.
    #[must_use]
    pub fn finish(mut self) -> wgpu::CommandBuffer {
        self.open = None;
        self.encoder.finish()
    }
}

impl PassEncoder for FrameEncoder {
    fn compute(&mut self, _label: &str, record: &mut dyn FnMut(&mut wgpu::ComputePass<'_>)) {
        let pass = self.open.get_or_insert_with(|| {
            self.passes += 1;
            self.encoder
                .begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("vivid.compute"),
                    timestamp_writes: None,
                })
                .forget_lifetime()
        });
        record(pass);
    }

    fn commands(&mut self) -> &mut wgpu::CommandEncoder {
        self.open = None;
        &mut self.encoder
    }
}

impl Deref for FrameEncoder {
    type Target = wgpu::CommandEncoder;

    fn deref(&self) -> &wgpu::CommandEncoder {
        &self.encoder
    }
}

impl DerefMut for FrameEncoder {
    /// The encoder, the open compute pass ended first.
    fn deref_mut(&mut self) -> &mut wgpu::CommandEncoder {
        self.commands()
    }
}
