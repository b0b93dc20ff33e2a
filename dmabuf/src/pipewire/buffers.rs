//! The producer's only unsafe code: PipeWire's buffers as raw pointers — a slot's fd put
//! into a new buffer's `spa_data`, a frame's layout into its `spa_chunk`, and buffers
//! taken from and given back to the stream — and, for consumers that cannot take the
//! pool's memory, a memfd of the stream's own and a read-only mapping of a slot to copy
//! from (`DMA_BUF_IOCTL_SYNC` around the reads). Each block says why it is sound.
//!
//! The pointers are the ones the stream handed out on this thread (`add_buffer`, or
//! `pw_stream_dequeue_buffer`); [`super::stream`] notes a buffer in its `remove_buffer`
//! event and forgets it before it next touches any buffer (even if the event came while
//! its state was in use), after which no function here sees it again. Everything runs on the stream's
//! loop thread, the thread PipeWire calls the events on.

use std::os::fd::{AsRawFd as _, RawFd};

use pipewire::spa::sys as spa_sys;
use pipewire::stream::StreamRef;
use pipewire::sys as pw_sys;

/// A buffer of the stream, as PipeWire hands it out.
pub type RawBuffer = *mut pw_sys::pw_buffer;

/// The first `spa_data` of `buffer`, if it has one.
///
/// # Safety
/// `buffer` is null or a live `pw_buffer` of a stream on this thread (see the module).
unsafe fn first_data(buffer: RawBuffer) -> Option<*mut spa_sys::spa_data> {
    if buffer.is_null() {
        return None;
    }
    // SAFETY: `buffer` is live (the caller's promise); PipeWire gives every pw_buffer a
    // spa_buffer, checked for null anyway.
    let spa = unsafe { (*buffer).buffer };
    if spa.is_null() {
        return None;
    }
    // SAFETY: `spa` is the live spa_buffer of the live `buffer`; `datas` points at
    // `n_datas` spa_data structs PipeWire allocated with it.
    unsafe {
        if (*spa).n_datas == 0 || (*spa).datas.is_null() {
            return None;
        }
        Some((*spa).datas)
    }
}

/// Makes a new buffer's one block the memory `fd` names: `data_type` (`SPA_DATA_MemFd` or
/// `SPA_DATA_DmaBuf`), mapped from `mapoffset` (page-aligned), `maxsize` bytes, read-only
/// for consumers.
/// `fd` must stay open until the buffer is removed (the caller keeps it).
///
/// Fails (touching nothing) if the buffer has no data block or its allowed types (which
/// PipeWire puts in `type` as a bit mask when the producer allocates) exclude `data_type`.
pub fn attach(
    buffer: RawBuffer,
    fd: RawFd,
    data_type: u32,
    mapoffset: u32,
    maxsize: u32,
) -> Result<(), String> {
    // SAFETY: `buffer` comes from this stream's `add_buffer` event on this thread (module).
    let Some(data) = (unsafe { first_data(buffer) }) else {
        return Err("a PipeWire buffer without a data block".into());
    };
    // SAFETY: `data` points at the buffer's first spa_data, live and not read by PipeWire
    // while the `add_buffer` event runs (it is the producer's to fill now, as in
    // PipeWire's own video-src-alloc example); plain integer fields are written.
    unsafe {
        let allowed = (*data).type_;
        if allowed != u32::MAX /* SPA_ID_INVALID: any type */ && allowed & (1 << data_type) == 0 {
            return Err(format!(
                "the consumer's buffers allow memory types {allowed:#x}, not {data_type}"
            ));
        }
        (*data).type_ = data_type;
        (*data).flags = spa_sys::SPA_DATA_FLAG_READABLE;
        (*data).fd = i64::from(fd);
        (*data).mapoffset = mapoffset;
        (*data).maxsize = maxsize;
        (*data).data = std::ptr::null_mut();
    }
    Ok(())
}

/// Sets where the frame lies in the buffer's block: `offset`, `stride`, `size` bytes.
pub fn set_chunk(buffer: RawBuffer, offset: u32, stride: u32, size: u32) -> bool {
    // SAFETY: `buffer` was dequeued from this stream on this thread and not queued since
    // (the caller's bookkeeping, `stream.rs`): it is the producer's to write.
    let Some(data) = (unsafe { first_data(buffer) }) else {
        return false;
    };
    // SAFETY: `data` is the dequeued buffer's first spa_data; PipeWire gives each data
    // block a chunk (checked for null); plain integer fields are written.
    unsafe {
        let chunk = (*data).chunk;
        if chunk.is_null() {
            return false;
        }
        (*chunk).offset = offset;
        (*chunk).stride = stride as i32;
        (*chunk).size = size;
        (*chunk).flags = 0;
    }
    true
}

/// The next buffer the stream has free (given back by its consumers), if any.
pub fn dequeue(stream: &StreamRef) -> Option<RawBuffer> {
    // SAFETY: a plain call on the stream this thread owns; a null result (none free) is
    // turned into `None`, and the buffer is given back by `queue` (or when the stream
    // removes it).
    let buffer = unsafe { stream.dequeue_raw_buffer() };
    (!buffer.is_null()).then_some(buffer)
}

/// Gives a filled buffer to the stream, for its consumers.
///
/// `buffer` must have come from [`dequeue`] on `stream` and not been queued since
/// (`stream.rs` marks it busy here and free only when `dequeue` returns it again).
pub fn queue(stream: &StreamRef, buffer: RawBuffer) {
    // SAFETY: `buffer` was dequeued from this very stream and is not queued (the
    // contract above, kept by the caller's free/busy bookkeeping).
    unsafe { stream.queue_raw_buffer(buffer) };
}

/// A new memfd of `len` bytes: the memory of a buffer the stream fills by copying (for a
/// consumer that cannot take the pool's own memory).
pub fn memfd(name: &str, len: u64) -> std::io::Result<std::fs::File> {
    let name = std::ffi::CString::new(name).map_err(std::io::Error::other)?;
    // SAFETY: `name` is a NUL-terminated string that lives across the call; memfd_create
    // returns a new fd (ours alone) or -1 with errno.
    let fd = unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` was just made by memfd_create and is owned by nothing else.
    let file = std::fs::File::from(unsafe {
        <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
    });
    file.set_len(len)?;
    Ok(file)
}

/// A slot's memory mapped read-only, for copying frames out of it.
#[derive(Debug)]
pub struct Mapping {
    ptr: std::ptr::NonNull<u8>,
    len: usize,
    /// A DMA-BUF (whose CPU reads are bracketed by `DMA_BUF_IOCTL_SYNC`).
    dmabuf: Option<std::os::fd::OwnedFd>,
}

/// `DMA_BUF_IOCTL_SYNC`: `_IOW('b', 0, struct dma_buf_sync { __u64 flags; })`.
const DMA_BUF_IOCTL_SYNC: u64 = 0x4008_6200;
const DMA_BUF_SYNC_READ: u64 = 1;
const DMA_BUF_SYNC_START: u64 = 0;
const DMA_BUF_SYNC_END: u64 = 4;

impl Mapping {
    /// Maps `len` bytes of `fd` from offset 0, read-only; `dmabuf`: the fd is a DMA-BUF.
    pub fn new(fd: &std::os::fd::OwnedFd, len: u64, dmabuf: bool) -> std::io::Result<Self> {
        let len = usize::try_from(len).map_err(std::io::Error::other)?;
        if len == 0 {
            return Err(std::io::Error::other("an empty mapping"));
        }
        // SAFETY: a fresh shared, read-only mapping of an fd we hold; the kernel checks the
        // fd and the length, MAP_FAILED is handled. Nothing else aliases it mutably: we
        // only read through it, and the memory's writer (vivid's GPU work) does not write
        // the slot while a copy holds its lease (see `copy_rows`).
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error());
        }
        let ptr = std::ptr::NonNull::new(ptr.cast::<u8>())
            .ok_or_else(|| std::io::Error::other("mmap returned null"))?;
        Ok(Self {
            ptr,
            len,
            dmabuf: if dmabuf { Some(fd.try_clone()?) } else { None },
        })
    }

    fn sync(&self, flags: u64) {
        let Some(fd) = &self.dmabuf else { return };
        let arg: u64 = flags;
        // The kernel asks for a retry when a signal or a busy buffer interrupts it.
        for _ in 0..8 {
            // SAFETY: the ioctl reads exactly the 8-byte struct its number encodes, from
            // `arg`, which lives across the call; a failure only loses the cache bracket.
            let r = unsafe { libc::ioctl(fd.as_raw_fd(), DMA_BUF_IOCTL_SYNC as _, &raw const arg) };
            if r == 0 {
                return;
            }
            let e = std::io::Error::last_os_error();
            if !matches!(e.raw_os_error(), Some(libc::EINTR | libc::EAGAIN)) {
                log::debug!("DMA_BUF_IOCTL_SYNC: {e}");
                return;
            }
        }
    }

    /// Copies `rows` rows of `row_bytes` bytes, `stride` apart from `offset` in the
    /// mapping, into `out` (tightly packed), bracketed by the DMA-BUF CPU-access sync.
    /// The caller holds the frame's lease: vivid does not write the slot meanwhile, and
    /// the GPU work that wrote it has completed (it was published).
    pub fn copy_rows(
        &self,
        offset: usize,
        stride: usize,
        row_bytes: usize,
        rows: usize,
        out: &mut Vec<u8>,
    ) -> bool {
        let end = offset + stride * rows.saturating_sub(1) + row_bytes;
        if rows == 0 || row_bytes > stride || end > self.len {
            return false;
        }
        self.sync(DMA_BUF_SYNC_START | DMA_BUF_SYNC_READ);
        // SAFETY: `ptr..ptr+len` is our live read-only mapping; `end <= len` was checked;
        // nothing writes those bytes during the copy (the caller's lease; see above).
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) };
        out.clear();
        for y in 0..rows {
            let start = offset + y * stride;
            out.extend_from_slice(&bytes[start..start + row_bytes]);
        }
        self.sync(DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ);
        true
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: the mapping `new` made, unmapped once; no slice of it outlives
        // `copy_rows`.
        unsafe {
            libc::munmap(self.ptr.as_ptr().cast(), self.len);
        }
    }
}
