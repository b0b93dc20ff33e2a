//! The producer's only unsafe code: PipeWire's buffers as raw pointers — a slot's fd put
//! into a new buffer's `spa_data`, a frame's layout into its `spa_chunk`, and buffers
//! taken from and given back to the stream. Each block says why it is sound.
//!
//! The pointers are the ones the stream handed out on this thread (`add_buffer`, or
//! `pw_stream_dequeue_buffer`); [`super::stream`] forgets a buffer in its `remove_buffer`
//! event, after which no function here sees it again. Everything runs on the stream's
//! loop thread, the thread PipeWire calls the events on.

use std::os::fd::RawFd;

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
/// `SPA_DATA_DmaBuf`), mapped from offset 0, `maxsize` bytes, read-only for consumers.
/// `fd` must stay open until the buffer is removed (the caller keeps it).
///
/// Fails (touching nothing) if the buffer has no data block or its allowed types (which
/// PipeWire puts in `type` as a bit mask when the producer allocates) exclude `data_type`.
pub fn attach(buffer: RawBuffer, fd: RawFd, data_type: u32, maxsize: u32) -> Result<(), String> {
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
        (*data).mapoffset = 0;
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
