//! `UniformArena`: every operator's uniforms in one buffer, uploaded once per frame.
//!
//! Operators push their uniform structs into a CPU byte vector (each at an offset aligned
//! to the device's `min_uniform_buffer_offset_alignment`) and bind the arena with a dynamic
//! offset, so bind groups never change when offsets do. The bytes go up through a ring of
//! mapped staging buffers with one `copy_buffer_to_buffer` in the frame's encoder: unlike
//! `Queue::write_buffer`, which makes a staging buffer per call, a steady frame creates no
//! buffer at all, and each range is written once per submit.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::deadline::{Missed, wait_until};
use crate::gpu::{Gpu, GpuBuffer};

/// Where an operator's uniforms are in the arena this frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UniformSlot {
    /// Byte offset (the dynamic offset to bind with).
    pub offset: u32,
    /// Byte size of the struct.
    pub size: u32,
}

/// Appends uniform structs to this frame's bytes.
#[derive(Debug)]
pub struct UniformWriter<'a> {
    bytes: &'a mut Vec<u8>,
    align: usize,
}

impl UniformWriter<'_> {
    /// The offset the next push will get.
    #[must_use]
    pub fn next_offset(&self) -> usize {
        self.bytes.len().next_multiple_of(self.align)
    }

    /// Bytes written so far this frame.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was written yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Appends `value` at the next aligned offset.
    pub fn push<T: bytemuck::Pod>(&mut self, value: &T) -> UniformSlot {
        self.push_bytes(bytemuck::bytes_of(value))
    }

    /// The `len` bytes written at `offset` this frame, if that many were.
    #[must_use]
    pub fn written(&self, offset: usize, len: usize) -> Option<&[u8]> {
        self.bytes.get(offset..offset.checked_add(len)?)
    }

    /// Appends raw bytes (a struct laid out at run time) at the next aligned offset.
    pub fn push_bytes(&mut self, data: &[u8]) -> UniformSlot {
        let offset = self.bytes.len().next_multiple_of(self.align);
        self.bytes.resize(offset, 0);
        self.bytes.extend_from_slice(data);
        UniformSlot {
            offset: offset as u32,
            size: data.len() as u32,
        }
    }
}

#[derive(Debug)]
struct Staging {
    buffer: GpuBuffer,
    /// Set by the map callback once the buffer is mapped (writable) again.
    ready: Arc<AtomicBool>,
    submission: Option<wgpu::SubmissionIndex>,
    /// When the frame using it was submitted (its deadline runs from there).
    submitted_at: Option<Instant>,
    /// What the engine tagged that frame with ([`UniformArena::after_submit_tagged`]).
    tag: u64,
}

/// Frames whose uniforms can be in flight at once.
pub(crate) const RING: usize = 3;

/// The per-frame uniform buffer and its staging ring.
#[derive(Debug)]
pub struct UniformArena {
    align: usize,
    bytes: Vec<u8>,
    buffer: Option<GpuBuffer>,
    ring: Vec<Staging>,
    next: usize,
    /// Ring slot written this frame, waiting for `after_submit`.
    in_flight: Option<usize>,
    /// Set when the ring is dropped or replaced: a map still pending then fails, and its
    /// callback must say nothing (see [`after_submit`](Self::after_submit)).
    retired: Arc<AtomicBool>,
    label: &'static str,
    usage: wgpu::BufferUsages,
    /// How long a frame may run on the GPU before waiting for it is given up.
    deadline: Option<Duration>,
}

impl UniformArena {
    /// An empty arena for `gpu`'s alignment.
    #[must_use]
    pub fn new(gpu: &Gpu) -> Self {
        // COPY_SRC: operators upload texture data through it too (`text`'s raster: bytes
        // pushed like uniforms, then `copy_buffer_to_texture` in their encode).
        Self::with_usage(
            gpu,
            "vivid.uniforms",
            wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_SRC,
        )
    }

    /// An arena whose buffer is also usable as `usage` (e.g. vertices and indices next to
    /// uniforms, as the inspector's UI draws them), labelled `label`.
    #[must_use]
    pub fn with_usage(gpu: &Gpu, label: &'static str, usage: wgpu::BufferUsages) -> Self {
        let align = gpu
            .device()
            .limits()
            .min_uniform_buffer_offset_alignment
            .max(16) as usize;
        Self {
            align,
            bytes: Vec::new(),
            buffer: None,
            ring: Vec::new(),
            next: 0,
            in_flight: None,
            retired: Arc::new(AtomicBool::new(false)),
            label,
            usage,
            deadline: None,
        }
    }

    /// Waits for a frame in flight at most `deadline` after its submit (`None`: without
    /// end): past it, [`wait_for_staging`](Self::wait_for_staging) reports the frame late.
    pub fn set_deadline(&mut self, deadline: Option<Duration>) {
        self.deadline = deadline;
    }

    /// Starts this frame's bytes.
    pub fn writer(&mut self) -> UniformWriter<'_> {
        self.bytes.clear();
        UniformWriter {
            bytes: &mut self.bytes,
            align: self.align,
        }
    }

    /// The alignment of every push (the device's `min_uniform_buffer_offset_alignment`).
    #[must_use]
    pub fn align(&self) -> usize {
        self.align
    }

    /// Bytes pushed this frame.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was pushed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The GPU buffer (after [`ensure_capacity`](Self::ensure_capacity)).
    #[must_use]
    pub fn buffer(&self) -> Option<&wgpu::Buffer> {
        self.buffer.as_ref().map(|b| &b.buffer)
    }

    /// Id of the GPU buffer; changes when it is replaced. Bind groups key on it.
    #[must_use]
    pub fn buffer_id(&self) -> u64 {
        self.buffer.as_ref().map_or(0, GpuBuffer::id)
    }

    /// Grows the buffer (and ring) if this frame's bytes do not fit. Returns whether it did.
    pub fn ensure_capacity(&mut self, gpu: &Gpu) -> bool {
        let needed = (self.bytes.len().max(self.align) as u64).next_multiple_of(256);
        let have = self.buffer.as_ref().map_or(0, |b| b.buffer.size());
        if needed <= have {
            return false;
        }
        // Wait for in-flight frames before dropping staging buffers they use (bounded: a late
        // frame keeps what it uses alive in wgpu until it ends, and is the engine's fault to
        // handle).
        let _ = crate::deadline::wait_idle(gpu, self.deadline);
        let size = needed.next_power_of_two().max(4096);
        // A failed creation is an invalid buffer, never kept: tried again at once (the
        // frames in flight are done, their memory may be back), then at the next frame,
        // the old buffers staying meanwhile (that frame's uniforms do not fit: wgpu
        // reports it, and nothing is drawn wrong).
        for _ in 0..2 {
            let (made, failed) = gpu.create_checked("growing the uniform buffer", || {
                let buffer = gpu.create_buffer(&wgpu::BufferDescriptor {
                    label: Some(self.label),
                    size,
                    usage: self.usage | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let ring: Vec<Staging> = (0..RING)
                    .map(|_| Staging {
                        buffer: gpu.create_buffer(&wgpu::BufferDescriptor {
                            label: Some("vivid.uniforms.staging"),
                            size,
                            usage: wgpu::BufferUsages::MAP_WRITE | wgpu::BufferUsages::COPY_SRC,
                            mapped_at_creation: true,
                        }),
                        ready: Arc::new(AtomicBool::new(true)),
                        submission: None,
                        submitted_at: None,
                        tag: 0,
                    })
                    .collect();
                (buffer, ring)
            });
            if failed.is_none() {
                // The old ring's pending maps fail as it drops: quietly.
                self.retired.store(true, Ordering::Release);
                self.retired = Arc::new(AtomicBool::new(false));
                (self.buffer, self.ring) = (Some(made.0), made.1);
                self.next = 0;
                self.in_flight = None;
                return true;
            }
        }
        false
    }

    /// Waits until the next staging buffer is writable again: with [`RING`] frames in
    /// flight, this is where the CPU waits for the GPU. [`upload`](Self::upload) calls it
    /// too; the engine calls [`wait_for_frame`](Self::wait_for_frame) first so that its CPU
    /// timings leave the wait out. `Err` for a frame still running
    /// [`set_deadline`](Self::set_deadline) after its submit: not waited for any longer.
    pub(crate) fn wait_for_staging(&self, gpu: &Gpu) -> Result<Option<u64>, Missed> {
        self.wait_for_frame(gpu, RING)
    }

    /// Waits for the frame submitted `ago` frames before the next (1: the last one; [`RING`]:
    /// the one whose staging buffer the next frame writes) — at most until it is [`set_deadline`](Self::set_deadline)
    /// past its submit: `Err` then. Returns the tag it was given
    /// ([`after_submit_tagged`](Self::after_submit_tagged)), `None` before the ring exists
    /// or with a lost device. Frames finish in order: the older ones are done too.
    pub(crate) fn wait_for_frame(&self, gpu: &Gpu, ago: usize) -> Result<Option<u64>, Missed> {
        let n = self.ring.len();
        if n == 0 {
            return Ok(None);
        }
        let Some(slot) = self.ring.get((self.next + n - ago.clamp(1, n)) % n) else {
            return Ok(None);
        };
        let until = slot.submitted_at.zip(self.deadline).map(|(t, d)| t + d);
        while !slot.ready.load(Ordering::Acquire) {
            // A lost device never finishes the frame: the engine replaces the device.
            if gpu.lost().is_some() {
                return Ok(None);
            }
            let late = wait_until(gpu, slot.submission.clone(), until).is_err()
                || until.is_some_and(|u| Instant::now() >= u);
            if late && !slot.ready.load(Ordering::Acquire) {
                return Err(Missed {
                    running: slot.submitted_at.map_or(Duration::ZERO, |t| t.elapsed()),
                });
            }
        }
        Ok(Some(slot.tag))
    }

    /// Starts the deadline of the frame [`wait_for_frame`](Self::wait_for_frame) waits for
    /// `ago` frames back again from now (it was excused: another device's work took the GPU).
    pub(crate) fn restart_deadline(&mut self, ago: usize) {
        let n = self.ring.len();
        if n == 0 {
            return;
        }
        let i = (self.next + n - ago.clamp(1, n)) % n;
        if let Some(slot) = self.ring.get_mut(i) {
            slot.submitted_at = Some(Instant::now());
        }
    }

    /// Writes this frame's bytes into a staging buffer and records the copy into `encoder`.
    pub fn upload(&mut self, gpu: &Gpu, encoder: &mut wgpu::CommandEncoder) {
        if self.bytes.is_empty() || self.ring.is_empty() {
            return;
        }
        let _ = self.wait_for_staging(gpu);
        let i = self.next;
        let slot = &self.ring[i];
        // Still in use by a late frame (the engine replaces the device): nothing to write.
        if !slot.ready.load(Ordering::Acquire) {
            return;
        }
        let len = (self.bytes.len() as u64).next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT);
        self.bytes.resize(len as usize, 0);
        if let Ok(mut view) = slot.buffer.buffer.get_mapped_range_mut(0..len) {
            view.copy_from_slice(&self.bytes);
        }
        slot.buffer.buffer.unmap();
        slot.ready.store(false, Ordering::Release);
        if let Some(dst) = &self.buffer {
            encoder.copy_buffer_to_buffer(&slot.buffer.buffer, 0, &dst.buffer, 0, len);
        }
        self.in_flight = Some(i);
    }

    /// After the frame's submit: map the staging buffer again once the GPU is done with it.
    /// Also call this when a frame is abandoned, with `None`.
    pub fn after_submit(&mut self, submission: Option<wgpu::SubmissionIndex>) {
        self.after_submit_tagged(submission, 0);
    }

    /// [`after_submit`](Self::after_submit), tagging the frame with `tag` (given back by
    /// [`wait_for_staging`](Self::wait_for_staging) once the frame is done).
    pub(crate) fn after_submit_tagged(
        &mut self,
        submission: Option<wgpu::SubmissionIndex>,
        tag: u64,
    ) {
        let Some(i) = self.in_flight.take() else {
            return;
        };
        let slot = &mut self.ring[i];
        slot.submitted_at = submission.is_some().then(Instant::now);
        slot.tag = tag;
        slot.submission = submission;
        let ready = slot.ready.clone();
        let retired = self.retired.clone();
        slot.buffer
            .buffer
            .map_async(wgpu::MapMode::Write, .., move |r| {
                // An error while the ring is in use means the device is gone (the engine
                // then replaces it): the slot must not be waited for. A ring dropped with a
                // map pending (the window closed mid-frame, the ring grew, the device was
                // replaced after a late frame) fails its map too: that is expected and says
                // nothing.
                if r.is_err() && !retired.load(Ordering::Acquire) {
                    log::warn!("uniform staging buffer: {r:?}");
                }
                ready.store(true, Ordering::Release);
            });
        self.next = (i + 1) % self.ring.len();
    }
}

impl Drop for UniformArena {
    fn drop(&mut self) {
        // Before the staging buffers go: their pending maps fail quietly.
        self.retired.store(true, Ordering::Release);
    }
}
