//! The stream's copies, for a consumer that cannot take the pool's memory (a DMA-BUF pool
//! to a consumer without modifiers, or `PublishOptions::copy`): memfds of the stream's
//! own, each frame copied into a free one from its slot's read-only mapping, the frame's
//! lease released as soon as it is copied.

use std::os::fd::AsRawFd;

use pipewire::spa;
use pipewire::stream::StreamRef;

use super::super::Memory;
use super::super::buffers::{self, RawBuffer};
use super::{Buffer, State, lock};
use crate::export::ExportedFrame;

/// Buffers the stream makes for copies (a consumer holding one, one queued, one free).
pub(super) const COPY_BUFFERS: u32 = 3;

impl State {
    /// Copies `frame` into a free buffer of the stream's own and queues it.
    pub(super) fn copy_frame(&mut self, stream: &StreamRef, frame: &ExportedFrame) -> bool {
        let Some(index) = self
            .buffers
            .iter()
            .position(|b| b.free && b.slot.is_none() && b.pool == frame.pool)
        else {
            let mut status = lock(&self.status);
            if self.buffers.is_empty() {
                status.stats.unready += 1;
            } else {
                status.stats.busy += 1;
            }
            return false;
        };
        let row = u64::from(frame.width) * 4;
        let mut scratch = std::mem::take(&mut self.scratch);
        let Some((mapping, base)) = self.mapping(frame.slot) else {
            return false;
        };
        let copied = mapping.copy_rows(
            (base + frame.offset) as usize,
            frame.stride as usize,
            row as usize,
            frame.height as usize,
            &mut scratch,
        );
        self.scratch = scratch;
        if !copied {
            self.fail("a frame outside its slot's memory".into());
            return false;
        }
        let buffer = &mut self.buffers[index];
        if let Err(e) = std::os::unix::fs::FileExt::write_all_at(&buffer.file, &self.scratch, 0) {
            self.fail(format!("writing a copy: {e}"));
            return false;
        }
        let size = row * u64::from(frame.height);
        if !buffers::set_chunk(buffer.raw, 0, row as u32, size as u32) {
            self.fail("a buffer without a chunk".into());
            return false;
        }
        buffers::queue(stream, buffer.raw);
        buffer.free = false;
        let mut status = lock(&self.status);
        status.stats.streamed += 1;
        status.stats.copied += 1;
        true
    }

    /// Slot `slot` of the current pool mapped read-only (made once), and where its memory
    /// begins in the mapping.
    fn mapping(&mut self, slot: usize) -> Option<(&buffers::Mapping, u64)> {
        let pool = self.pool.as_ref()?;
        let entry = pool.slots.get(slot)?;
        let (base, len) = match self.options.memory {
            Memory::DmaBuf => (0, entry.layout.size),
            Memory::MemFd => match super::super::memfd_memory(&entry.fd) {
                Ok(m) => m,
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            },
        };
        if self.mappings.len() != pool.slots.len() {
            self.mappings = (0..pool.slots.len()).map(|_| None).collect();
        }
        if self.mappings[slot].is_none() {
            match buffers::Mapping::new(&entry.fd, len, self.options.memory == Memory::DmaBuf) {
                Ok(m) => self.mappings[slot] = Some(m),
                Err(e) => {
                    self.fail(format!("mapping slot {slot}: {e}"));
                    return None;
                }
            }
        }
        self.mappings[slot].as_ref().map(|m| (m, base))
    }

    /// A memfd of the stream's own, a frame's size, as `raw`'s block (copies).
    pub(super) fn own_buffer(&mut self, raw: RawBuffer) -> Option<Buffer> {
        let pool = self.pool.as_ref()?;
        let number = pool.number;
        let len = u64::from(pool.size[0]) * 4 * u64::from(pool.size[1]);
        let file = match buffers::memfd("vivid-pipewire-copy", len) {
            Ok(f) => f,
            Err(e) => {
                self.fail(format!("a memfd for copies: {e}"));
                return None;
            }
        };
        let attached = u32::try_from(len)
            .map_err(|_| format!("a {len}-byte frame, past 4 GiB"))
            .and_then(|len| {
                buffers::attach(raw, file.as_raw_fd(), spa::sys::SPA_DATA_MemFd, 0, len)
            });
        if let Err(e) = attached {
            self.fail(e);
            return None;
        }
        Some(Buffer {
            raw,
            pool: number,
            slot: None,
            size: len,
            file,
            free: false,
            held: None,
        })
    }
}
