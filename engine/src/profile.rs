//! `Profiler`: per-operator GPU time (timestamp queries written before and after each
//! operator's passes, in the frame's encoder) and CPU encode time, kept as bounded sample
//! rings for medians and percentiles (`vivid bench`).
//!
//! Timestamps resolve into a buffer and are copied into a ring of mapped readback buffers,
//! read when the GPU is done with them: like the uniform upload, a profiled steady frame
//! creates nothing and waits for nothing (a frame whose readback slot is still busy is
//! simply not timed on the GPU).

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::encoder::FrameEncoder;
use crate::gpu::{Gpu, GpuBuffer};

/// Samples kept per operator.
pub(crate) const SAMPLES: usize = 2048;

/// Frames whose timestamps can be in flight.
const RING: usize = 3;

/// Timing samples of one operator (or of whole frames).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Samples {
    /// GPU time, microseconds.
    pub gpu_us: VecDeque<f32>,
    /// CPU time recording the passes, microseconds.
    pub cpu_us: VecDeque<f32>,
}

fn push(ring: &mut VecDeque<f32>, v: f32) {
    if ring.len() == SAMPLES {
        ring.pop_front();
    }
    ring.push_back(v);
}

/// Median and 99th percentile (0 when empty).
#[must_use]
pub(crate) fn median_p99(samples: &VecDeque<f32>) -> (f32, f32) {
    if samples.is_empty() {
        return (0.0, 0.0);
    }
    let mut v: Vec<f32> = samples.iter().copied().collect();
    v.sort_by(f32::total_cmp);
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99))
}

#[derive(Debug)]
struct Readback {
    buffer: GpuBuffer,
    ready: Arc<AtomicBool>,
    /// Nodes whose timestamps the buffer holds, in encode order.
    order: Vec<usize>,
    /// Mapping requested, not yet collected.
    busy: bool,
}

/// Timestamps and CPU times per operator.
#[derive(Debug)]
pub(crate) struct Profiler {
    query_set: Option<wgpu::QuerySet>,
    resolve: Option<GpuBuffer>,
    ring: Vec<Readback>,
    capacity: u32,
    next: usize,
    in_flight: Option<usize>,
    period_ns: f64,
    /// Per node index of the chain.
    samples: Vec<Samples>,
    /// This frame's encode order.
    order: Vec<usize>,
    frame: Samples,
    supported: bool,
}

impl Profiler {
    /// A profiler for `gpu`: GPU times where the device has timestamp queries inside
    /// encoders, CPU times everywhere.
    #[must_use]
    pub fn new(gpu: &Gpu) -> Self {
        let needed =
            wgpu::Features::TIMESTAMP_QUERY | wgpu::Features::TIMESTAMP_QUERY_INSIDE_ENCODERS;
        Self {
            query_set: None,
            resolve: None,
            ring: Vec::new(),
            capacity: 0,
            next: 0,
            in_flight: None,
            period_ns: f64::from(gpu.queue().get_timestamp_period()),
            samples: Vec::new(),
            order: Vec::new(),
            frame: Samples::default(),
            supported: gpu.device().features().contains(needed),
        }
    }

    /// Whether GPU times are measured.
    #[must_use]
    pub fn gpu_timing(&self) -> bool {
        self.supported
    }

    /// Makes room for `nodes` operators. Returns whether it created GPU objects (a change).
    pub(crate) fn ensure(&mut self, gpu: &Gpu, nodes: usize) -> bool {
        if self.samples.len() != nodes {
            self.samples.resize_with(nodes, Samples::default);
        }
        let needed = (2 * nodes as u32).max(2);
        if !self.supported || needed <= self.capacity {
            return false;
        }
        // Wait for frames in flight before dropping buffers they use (bounded: wgpu keeps
        // what a late frame uses alive until it ends).
        let _ = crate::deadline::wait_idle(gpu, Some(crate::deadline::DEFAULT_FRAME_DEADLINE));
        let capacity = needed.next_power_of_two();
        let bytes = u64::from(capacity) * 8;
        self.query_set = Some(gpu.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some("vivid.profile.queries"),
            ty: wgpu::QueryType::Timestamp,
            count: capacity,
        }));
        self.resolve = Some(gpu.create_buffer(&wgpu::BufferDescriptor {
            label: Some("vivid.profile.resolve"),
            size: bytes,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        }));
        self.ring = (0..RING)
            .map(|_| Readback {
                buffer: gpu.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("vivid.profile.readback"),
                    size: bytes,
                    usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                }),
                ready: Arc::new(AtomicBool::new(false)),
                order: Vec::with_capacity(nodes),
                busy: false,
            })
            .collect();
        self.capacity = capacity;
        self.next = 0;
        self.in_flight = None;
        true
    }

    /// Starts a frame: collects the timestamps of earlier frames that are ready.
    pub(crate) fn begin_frame(&mut self) {
        self.order.clear();
        for i in 0..self.ring.len() {
            if self.ring[i].busy && self.ring[i].ready.load(Ordering::Acquire) {
                self.collect(i);
            }
        }
    }

    fn collect(&mut self, i: usize) {
        let period = self.period_ns;
        let slot = &mut self.ring[i];
        slot.busy = false;
        slot.ready.store(false, Ordering::Release);
        let us = |a: u64, b: u64| (b.saturating_sub(a) as f64 * period / 1000.0) as f32;
        {
            let Ok(view) = slot.buffer.buffer.get_mapped_range(..) else {
                slot.buffer.buffer.unmap();
                return;
            };
            let stamp = |k: usize| -> Option<u64> {
                view.get(8 * k..8 * k + 8)
                    .and_then(|b| b.try_into().ok())
                    .map(u64::from_le_bytes)
            };
            for (k, &node) in slot.order.iter().enumerate() {
                if let (Some(a), Some(b), Some(s)) =
                    (stamp(2 * k), stamp(2 * k + 1), self.samples.get_mut(node))
                {
                    push(&mut s.gpu_us, us(a, b));
                }
            }
            let n = slot.order.len();
            if let (Some(first), Some(last)) = (stamp(0), stamp(2 * n.max(1) - 1)) {
                push(&mut self.frame.gpu_us, us(first, last));
            }
        }
        slot.buffer.buffer.unmap();
    }

    /// Before node `node`'s passes.
    pub fn before(&mut self, encoder: &mut FrameEncoder, node: usize) {
        if let Some(q) = &self.query_set {
            let k = self.order.len() as u32;
            if 2 * k + 1 < self.capacity {
                encoder.write_timestamp(q, 2 * k);
            }
        }
        self.order.push(node);
    }

    /// After node `node`'s passes, which took `cpu` to record.
    pub fn after(&mut self, encoder: &mut FrameEncoder, node: usize, cpu: Duration) {
        if let Some(q) = &self.query_set {
            let k = self.order.len() as u32 - 1;
            if 2 * k + 1 < self.capacity {
                encoder.write_timestamp(q, 2 * k + 1);
            }
        }
        if let Some(s) = self.samples.get_mut(node) {
            push(&mut s.cpu_us, cpu.as_secs_f32() * 1e6);
        }
    }

    /// After the frame's last pass: copies this frame's timestamps to a free readback slot
    /// (if none is free, this frame's GPU times are dropped: nothing waits).
    pub(crate) fn end_frame(&mut self, encoder: &mut wgpu::CommandEncoder, cpu: Duration) {
        push(&mut self.frame.cpu_us, cpu.as_secs_f32() * 1e6);
        let (Some(q), Some(resolve)) = (&self.query_set, &self.resolve) else {
            return;
        };
        let n = self.order.len() as u32;
        if n == 0 || 2 * n > self.capacity || self.ring[self.next].busy {
            return;
        }
        let slot = &mut self.ring[self.next];
        encoder.resolve_query_set(q, 0..2 * n, &resolve.buffer, 0);
        encoder.copy_buffer_to_buffer(
            &resolve.buffer,
            0,
            &slot.buffer.buffer,
            0,
            u64::from(2 * n) * 8,
        );
        slot.order.clear();
        slot.order.extend_from_slice(&self.order);
        self.in_flight = Some(self.next);
    }

    /// After the frame's submit: maps the slot written this frame.
    pub fn after_submit(&mut self) {
        let Some(i) = self.in_flight.take() else {
            return;
        };
        let slot = &mut self.ring[i];
        slot.busy = true;
        let ready = slot.ready.clone();
        slot.buffer
            .buffer
            .map_async(wgpu::MapMode::Read, .., move |r| {
                if r.is_ok() {
                    ready.store(true, Ordering::Release);
                }
            });
        self.next = (i + 1) % self.ring.len();
    }

    /// Waits for and collects every frame in flight (before reading the results).
    pub(crate) fn flush(&mut self, gpu: &Gpu) {
        let _ = crate::deadline::wait_idle(gpu, Some(crate::deadline::DEFAULT_FRAME_DEADLINE));
        self.begin_frame();
    }

    /// The samples of node `index`.
    #[must_use]
    pub fn node(&self, index: usize) -> Option<&Samples> {
        self.samples.get(index)
    }

    /// Whole frames: GPU time from the first operator's start to the last one's end, and
    /// CPU time recording and submitting.
    #[must_use]
    pub fn frame(&self) -> &Samples {
        &self.frame
    }

    /// Forgets all samples (after warm-up).
    pub fn clear(&mut self) {
        for s in &mut self.samples {
            s.gpu_us.clear();
            s.cpu_us.clear();
        }
        self.frame.gpu_us.clear();
        self.frame.cpu_us.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_samples() {
        let s: VecDeque<f32> = (1..=100).map(|i| i as f32).collect();
        assert_eq!(median_p99(&s), (51.0, 99.0));
        assert_eq!(median_p99(&VecDeque::new()), (0.0, 0.0));
        let mut r = VecDeque::new();
        for i in 0..(SAMPLES + 5) {
            push(&mut r, i as f32);
        }
        assert_eq!(r.len(), SAMPLES);
    }
}
