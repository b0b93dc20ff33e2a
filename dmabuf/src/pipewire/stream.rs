//! The producer's thread: a PipeWire main loop with one `Video/Source` stream whose
//! buffers are the export pool's slots, woken once per published frame.
//!
//! The wake-up is one byte on a socket pair, written by the export's `on_publish` only
//! when none is pending: the render side never blocks and never takes a lock this thread
//! holds while it talks to PipeWire.

use std::cell::RefCell;
use std::io::{Read as _, Write as _};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use pipewire as pw;
use pw::properties::properties;
use pw::spa;
use pw::spa::pod::Pod;
use pw::stream::{StreamFlags, StreamRef, StreamState};

use super::Memory;
use super::buffers::{self, RawBuffer};
use super::params::{self, Modifier};
use crate::error::DmabufError;
use crate::export::{ExportHandle, ExportedFrame, Pool};

mod copies;
use copies::COPY_BUFFERS;

/// What to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOptions {
    /// The node's name (`node.name`): what consumers target.
    pub name: String,
    /// The memory the pool's fds are ([`super::sharable`]).
    pub memory: Memory,
    /// The highest frame rate offered (frames go out as vivid renders them).
    pub max_fps: u32,
    /// Copy every frame into memfds of the stream's own instead of handing out the
    /// pool's memory (what a consumer without DMA-BUF support gets from a DMA-BUF pool
    /// anyway; on here for consumers that cannot use the pool's memory, and the tests).
    pub copy: bool,
}

/// Counts of what the stream did, for the host's statistics and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Frames handed to PipeWire (a slot's buffer queued, nothing copied; or, for a
    /// consumer that cannot take the pool's memory, a copy: `copied`).
    pub streamed: u64,
    /// Of those, frames copied by the CPU into the stream's own memfds.
    pub copied: u64,
    /// Frames left out because their slot's buffer was still with PipeWire.
    pub busy: u64,
    /// Frames left out because no consumer had agreed on a format and buffers yet (or
    /// the stream was renegotiating a new size).
    pub unready: u64,
    /// Buffers PipeWire handed back (their frames' slots free for vivid again).
    pub returned: u64,
    /// Formats agreed with consumers (the first, and one per new size).
    pub formats: u64,
    /// Buffers the stream has now (one per slot once a format is agreed).
    pub buffers: u64,
}

#[derive(Debug, Default)]
struct Status {
    stats: PublishStats,
    error: Option<String>,
    /// The (device, inode) of each buffer's memory, in slot order, as given to PipeWire.
    identities: Vec<(u64, u64)>,
}

fn lock(status: &Mutex<Status>) -> MutexGuard<'_, Status> {
    status
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The running stream; dropping it stops the stream and its thread.
#[derive(Debug)]
pub struct Publisher {
    wake: Arc<UnixStream>,
    quit: Arc<AtomicBool>,
    handle: ExportHandle,
    status: Arc<Mutex<Status>>,
    thread: Option<JoinHandle<()>>,
}

impl Publisher {
    /// What the stream did so far.
    #[must_use]
    pub fn stats(&self) -> PublishStats {
        lock(&self.status).stats
    }

    /// Why the stream failed, if it did.
    #[must_use]
    pub fn error(&self) -> Option<String> {
        lock(&self.status).error.clone()
    }

    /// The (device, inode) of the memory of each buffer given to PipeWire: the export
    /// pool's slots (a consumer receiving one of them sees the same identity).
    #[must_use]
    pub fn identities(&self) -> Vec<(u64, u64)> {
        lock(&self.status).identities.clone()
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        self.handle.set_on_publish(|| ());
        self.quit.store(true, Ordering::SeqCst);
        let _ = (&*self.wake).write(b"q");
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Starts publishing `handle`'s frames as the stream `options.name`; fails
/// ([`DmabufError::PipeWire`]) if PipeWire cannot be reached.
pub fn publish(handle: &ExportHandle, options: PublishOptions) -> crate::Result<Publisher> {
    start(handle, options).map_err(DmabufError::PipeWire)
}

fn start(handle: &ExportHandle, options: PublishOptions) -> Result<Publisher, String> {
    let name = &options.name;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "`{name}`: a stream name is letters, digits, '-', '_' and '.'"
        ));
    }
    let (wake, read) = UnixStream::pair().map_err(|e| format!("a socket pair: {e}"))?;
    wake.set_nonblocking(true)
        .and_then(|()| read.set_nonblocking(true))
        .map_err(|e| format!("a socket pair: {e}"))?;
    let wake = Arc::new(wake);
    let quit = Arc::new(AtomicBool::new(false));
    let pending = Arc::new(AtomicBool::new(false));
    let status = Arc::new(Mutex::new(Status::default()));
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let thread = {
        let handle = handle.clone();
        let (quit, pending, status) = (quit.clone(), pending.clone(), status.clone());
        std::thread::Builder::new()
            .name("vivid-pipewire".into())
            .spawn(move || {
                let run = Run {
                    handle,
                    options,
                    status,
                    quit,
                    pending,
                };
                if let Err(e) = run.run(read, &started_tx) {
                    let _ = started_tx.send(Err(e));
                }
            })
            .map_err(|e| format!("a thread: {e}"))?
    };
    match started_rx.recv_timeout(Duration::from_secs(10)) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            let _ = thread.join();
            return Err(e);
        }
        Err(_) => {
            // The thread may still reach the daemon later: it stops at once then (it checks
            // `quit` before running its loop, and the wake-up byte quits a running one).
            quit.store(true, Ordering::SeqCst);
            let _ = (&*wake).write(b"q");
            return Err("PipeWire did not answer within 10 s".into());
        }
    }
    {
        let wake = wake.clone();
        handle.set_on_publish(move || {
            if !pending.swap(true, Ordering::SeqCst) {
                // Non-blocking: a full socket already holds a wake-up.
                let _ = (&*wake).write(b"f");
            }
        });
    }
    Ok(Publisher {
        wake,
        quit,
        handle: handle.clone(),
        status,
        thread: Some(thread),
    })
}

/// What the thread starts with.
struct Run {
    handle: ExportHandle,
    options: PublishOptions,
    status: Arc<Mutex<Status>>,
    quit: Arc<AtomicBool>,
    pending: Arc<AtomicBool>,
}

/// How often a graph cycle is triggered while buffers are out ([`tick`]).
const TICK: Duration = Duration::from_millis(10);

/// One PipeWire buffer: a slot of one pool, or (copies) a memfd of its own.
struct Buffer {
    raw: RawBuffer,
    pool: u64,
    /// The slot it is (`None`: a buffer of its own, filled by copies).
    slot: Option<usize>,
    /// The block's bytes (PipeWire's `maxsize`): the slot's memory, mapped from where it
    /// begins in the fd (past a memfd's header; 0 for DMA-BUFs), so consumers see the
    /// memory alone.
    size: u64,
    /// The buffer's block (the slot's fd, or its own memfd): open while the buffer exists.
    file: std::fs::File,
    /// Dequeued: ours to fill.
    free: bool,
    /// The frame in it while it is with PipeWire: its slot is not written meanwhile.
    held: Option<ExportedFrame>,
}

/// The stream's side, on the loop thread.
struct State {
    handle: ExportHandle,
    options: PublishOptions,
    status: Arc<Mutex<Status>>,
    /// The pool the stream offers now.
    pool: Option<Pool>,
    connected: bool,
    buffers: Vec<Buffer>,
    /// The agreed format takes copies (no modifier for a DMA-BUF pool, or `copy`).
    copying: bool,
    /// The pool's slots mapped for copies, made on first use, dropped with the pool.
    mappings: Vec<Option<buffers::Mapping>>,
    /// A frame's rows, tightly packed, on their way into a buffer.
    scratch: Vec<u8>,
}

impl Run {
    fn run(
        self,
        read: UnixStream,
        started: &std::sync::mpsc::Sender<Result<(), String>>,
    ) -> Result<(), String> {
        let failed = |what: &str, e: pw::Error| format!("{what}: {e}");
        pw::init();
        let mainloop = pw::main_loop::MainLoop::new(None).map_err(|e| failed("a loop", e))?;
        let context = pw::context::Context::new(&mainloop).map_err(|e| failed("a context", e))?;
        let core = context
            .connect(None)
            .map_err(|e| failed("connecting to the daemon", e))?;
        let stream = Rc::new(
            pw::stream::Stream::new(
                &core,
                &self.options.name,
                properties! {
                    *pw::keys::MEDIA_TYPE => "Video",
                    *pw::keys::MEDIA_CATEGORY => "Source",
                    *pw::keys::MEDIA_CLASS => "Video/Source",
                    *pw::keys::NODE_NAME => self.options.name.as_str(),
                    *pw::keys::NODE_DESCRIPTION => "vivid",
                },
            )
            .map_err(|e| failed("a stream", e))?,
        );
        let state = Rc::new(Shared {
            state: RefCell::new(State {
                handle: self.handle.clone(),
                options: self.options.clone(),
                status: self.status.clone(),
                pool: None,
                connected: false,
                buffers: Vec::new(),
                copying: false,
                mappings: Vec::new(),
                scratch: Vec::new(),
            }),
            removed: RefCell::default(),
        });
        let _listener = {
            let (s1, s2, s3, s4) = (state.clone(), state.clone(), state.clone(), state.clone());
            stream
                .add_local_listener_with_user_data(())
                .state_changed(move |_, (), old, new| {
                    with(&s1, |st| st.state_changed(&old, &new));
                })
                .param_changed(move |stream, (), id, pod| param_changed(&s2, stream, id, pod))
                .add_buffer(move |_, (), raw| with(&s3, |st| st.add_buffer(raw)))
                .remove_buffer(move |_, (), raw| {
                    // Noted first, then forgotten by the state (now, or at the next event
                    // if the state is in use): a removed buffer is never touched again.
                    s4.removed.borrow_mut().push(raw);
                    with(&s4, |_| ());
                })
                .register()
                .map_err(|e| failed("the stream's events", e))?
        };
        let _wake = {
            let (stream, state) = (stream.clone(), state.clone());
            let weak = mainloop.downgrade();
            let (quit, pending) = (self.quit.clone(), self.pending.clone());
            mainloop
                .loop_()
                .add_io(read, spa::support::system::IoFlags::IN, move |read| {
                    let mut bytes = [0u8; 64];
                    while matches!(read.read(&mut bytes), Ok(n) if n > 0) {}
                    pending.store(false, Ordering::SeqCst);
                    if quit.load(Ordering::SeqCst) {
                        if let Some(mainloop) = weak.upgrade() {
                            mainloop.quit();
                        }
                        return;
                    }
                    on_frame(&state, &stream);
                })
        };
        // A driver's buffers come back from a consumer only in a graph cycle, and a cycle
        // runs only when the driver triggers one. While any buffer is out, a timer triggers
        // one every `TICK` and takes back what came home: without it, a consumer holding
        // buffers while the export had no slot free stalled the stream for good (nothing
        // published, so nothing triggered, so nothing came back).
        let _tick = {
            let (stream, state) = (stream.clone(), state.clone());
            let timer = mainloop.loop_().add_timer(move |_| tick(&state, &stream));
            timer
                .update_timer(Some(TICK), Some(TICK))
                .into_result()
                .map_err(|e| failed("a timer", e.into()))?;
            timer
        };
        let _ = started.send(Ok(()));
        if !self.quit.load(Ordering::SeqCst) {
            mainloop.run();
        }
        // Buffers (and the frames they hold) go with the stream.
        let _ = stream.disconnect();
        Ok(())
    }
}

impl State {
    fn stats(&self) -> MutexGuard<'_, Status> {
        lock(&self.status)
    }

    /// Records an error, logged once: the same error again (a frame after frame) only
    /// stays recorded.
    fn fail(&self, message: String) {
        let mut status = self.stats();
        if status.error.as_deref() != Some(message.as_str()) {
            log::error!("PipeWire stream `{}`: {message}", self.options.name);
        }
        status.error = Some(message);
    }

    /// Whether any buffer is with PipeWire (queued, or with a consumer).
    fn buffers_out(&self) -> bool {
        self.buffers.iter().any(|b| !b.free)
    }

    fn state_changed(&self, old: &StreamState, new: &StreamState) {
        log::debug!(
            "PipeWire stream `{}`: {old:?} -> {new:?}",
            self.options.name
        );
        if let StreamState::Error(e) = new {
            self.fail(e.clone());
        }
    }

    /// The formats offered for `pool`; `fixed`: the DMA-BUF format with its modifier
    /// fixed (the producer's answer to a consumer that left the choice to it).
    fn formats(&self, pool: &Pool, fixed: bool) -> Result<Vec<Vec<u8>>, String> {
        let format = params::video_format(pool.fourcc)
            .ok_or_else(|| format!("no PipeWire video format for {:?}", pool.fourcc))?;
        let (size, fps) = (pool.size, self.options.max_fps.max(1));
        let plain = params::enum_format(format, size, fps, Modifier::None)?;
        // A DMA-BUF pool is offered with its modifier first (consumers that import
        // DMA-BUFs), then without (the others: copies into shared memory).
        if self.options.memory == Memory::DmaBuf && !self.options.copy {
            let modifier = if fixed {
                Modifier::Fixed
            } else {
                Modifier::Offered
            };
            let with = params::enum_format(format, size, fps, modifier)?;
            return Ok(vec![with, plain]);
        }
        Ok(vec![plain])
    }

    /// Queues the buffer that is `frame`'s slot, holding the frame until it comes back.
    fn share_frame(&mut self, stream: &StreamRef, frame: ExportedFrame) -> bool {
        let Some(buffer) = self
            .buffers
            .iter_mut()
            .find(|b| b.pool == frame.pool && b.slot == Some(frame.slot))
        else {
            lock(&self.status).stats.unready += 1;
            return false;
        };
        if !buffer.free {
            lock(&self.status).stats.busy += 1;
            return false;
        }
        // The frame's rows, inside the block PipeWire was told of (`maxsize` from `base`).
        let chunk = frame
            .stride
            .checked_mul(u64::from(frame.height))
            .filter(|size| {
                frame
                    .offset
                    .checked_add(*size)
                    .is_some_and(|end| end <= buffer.size)
            })
            .and_then(|size| {
                Some((
                    u32::try_from(frame.offset).ok()?,
                    u32::try_from(frame.stride).ok()?,
                    u32::try_from(size).ok()?,
                ))
            });
        let Some((offset, stride, size)) = chunk else {
            let why = format!(
                "a frame ({} bytes a row from {}) outside its slot's {} bytes",
                frame.stride, frame.offset, buffer.size
            );
            self.fail(why);
            return false;
        };
        if !buffers::set_chunk(buffer.raw, offset, stride, size) {
            self.fail("a buffer without a chunk".into());
            return false;
        }
        buffers::queue(stream, buffer.raw);
        buffer.free = false;
        buffer.held = Some(frame);
        lock(&self.status).stats.streamed += 1;
        true
    }

    /// Whether lending one more slot would leave the export none to write the next frame
    /// into (it skips frames then, and a consumer slow to give buffers back would take
    /// every frame's slot): one slot always stays vivid's.
    fn last_slot(&self) -> bool {
        let slots = self.pool.as_ref().map_or(0, |p| p.slots.len());
        let lent = self.buffers.iter().filter(|b| b.held.is_some()).count();
        lent + 1 >= slots
    }

    /// Takes back every buffer PipeWire returned: their frames' slots are vivid's again.
    fn reclaim(&mut self, stream: &StreamRef) {
        while let Some(raw) = buffers::dequeue(stream) {
            if let Some(buffer) = self.buffers.iter_mut().find(|b| b.raw == raw) {
                let returned = buffer.held.take().is_some();
                buffer.free = true;
                if returned {
                    lock(&self.status).stats.returned += 1;
                }
            }
        }
    }

    fn add_buffer(&mut self, raw: RawBuffer) {
        let Some(pool) = self.pool.as_ref() else {
            return;
        };
        let number = pool.number;
        let made = if self.copying {
            self.own_buffer(raw)
        } else {
            self.slot_buffer(raw)
        };
        if let Some(buffer) = made {
            self.buffers.push(buffer);
        }
        let mut status = lock(&self.status);
        status.stats.buffers = self.buffers.iter().filter(|b| b.pool == number).count() as u64;
    }

    /// The next slot of the pool as `raw`'s block.
    fn slot_buffer(&mut self, raw: RawBuffer) -> Option<Buffer> {
        let pool = self.pool.as_ref()?;
        let slot = self
            .buffers
            .iter()
            .filter(|b| b.pool == pool.number && b.slot.is_some())
            .count();
        let Some(entry) = pool.slots.get(slot) else {
            let n = pool.slots.len();
            self.fail(format!(
                "PipeWire asked for more buffers than the pool's {n} slots"
            ));
            return None;
        };
        let number = pool.number;
        let fd = match entry.fd.try_clone() {
            Ok(fd) => fd,
            Err(e) => {
                self.fail(format!("an fd of slot {slot}: {e}"));
                return None;
            }
        };
        let identity = super::identity(&fd).unwrap_or_default();
        // The block is the slot's memory: a DMA-BUF whole, a memfd from past its header.
        let (base, size) = match self.options.memory {
            Memory::DmaBuf => (0, entry.layout.size),
            Memory::MemFd => match super::memfd_memory(&fd) {
                Ok((base, len)) => (base, len - base),
                Err(e) => {
                    self.fail(e);
                    return None;
                }
            },
        };
        let block = u32::try_from(base)
            .ok()
            .zip(u32::try_from(size).ok())
            .ok_or_else(|| format!("slot {slot}: {size} bytes from {base}, past 4 GiB"))
            .and_then(|(offset, maxsize)| {
                buffers::attach(
                    raw,
                    fd.as_raw_fd(),
                    self.options.memory.data_type(),
                    offset,
                    maxsize,
                )
            });
        if let Err(e) = block {
            self.fail(e);
            return None;
        }
        let mut status = lock(&self.status);
        if slot == 0 {
            status.identities.clear();
        }
        status.identities.push(identity);
        Some(Buffer {
            raw,
            pool: number,
            slot: Some(slot),
            size,
            file: std::fs::File::from(fd),
            free: false,
            held: None,
        })
    }

    fn remove_buffer(&mut self, raw: RawBuffer) {
        self.buffers.retain(|b| b.raw != raw);
        // Counted as `add_buffer` counts: the current pool's.
        let number = self.pool.as_ref().map(|p| p.number);
        let count = self
            .buffers
            .iter()
            .filter(|b| Some(b.pool) == number)
            .count();
        self.stats().stats.buffers = count as u64;
    }
}

/// The loop thread's state, and the buffers PipeWire removed that it has not forgotten
/// yet (`removed`: borrowed only to push or take, never across a call).
struct Shared {
    state: RefCell<State>,
    removed: RefCell<Vec<RawBuffer>>,
}

/// Runs `f` on the state, first forgetting the buffers PipeWire removed. Unless the state
/// is borrowed already (PipeWire calling back into an event while another runs: the
/// functions below never hold a borrow across a PipeWire call, so this is logged, never a
/// panic across PipeWire's C frames; a removal waits in `removed` meanwhile).
fn with(shared: &Shared, f: impl FnOnce(&mut State)) {
    match shared.state.try_borrow_mut() {
        Ok(mut st) => {
            for raw in shared.removed.take() {
                st.remove_buffer(raw);
            }
            f(&mut st);
        }
        Err(_) => log::error!("PipeWire: an event while the stream's state was in use"),
    }
}

/// A published frame is waiting: stream it if its slot's buffer is free.
fn on_frame(state: &Shared, stream: &StreamRef) {
    let mut cycle = false;
    let mut offer = false;
    with(state, |st| {
        let frame = match st.handle.take() {
            Ok(Some(frame)) => frame,
            Ok(None) => return,
            Err(e) => return st.fail(format!("taking a frame: {e}")),
        };
        if st.pool.as_ref().map(|p| p.number) != Some(frame.pool) {
            st.stats().stats.unready += 1;
            offer = true;
            return;
        }
        st.reclaim(stream);
        if st.copying {
            st.copy_frame(stream, &frame);
        } else if st.last_slot() {
            st.stats().stats.busy += 1;
        } else {
            st.share_frame(stream, frame);
        }
        cycle = st.buffers_out();
    });
    if offer {
        offer_pool(state, stream);
    }
    if cycle && let Err(e) = stream.trigger_process() {
        log::debug!("PipeWire: trigger_process: {e}");
    }
}

/// The timer, every [`TICK`]: while buffers are out, takes back those that came home and
/// runs a graph cycle (which is when a consumer's buffers come back to a driver).
fn tick(state: &Shared, stream: &StreamRef) {
    let mut cycle = false;
    with(state, |st| {
        st.reclaim(stream);
        cycle = st.buffers_out();
    });
    if cycle && let Err(e) = stream.trigger_process() {
        log::debug!("PipeWire: trigger_process: {e}");
    }
}

/// Offers the export's current pool: connects the stream the first time, updates its
/// formats after a new size (PipeWire then agrees a new format and replaces the buffers:
/// `param_changed`, `remove_buffer`, `add_buffer`, called back from inside these calls).
fn offer_pool(state: &Shared, stream: &StreamRef) {
    let mut offer = None;
    with(state, |st| {
        let pool = match st.handle.pool() {
            Ok(Some(pool)) => pool,
            Ok(None) => return,
            Err(e) => return st.fail(format!("the export pool: {e}")),
        };
        let formats = match st.formats(&pool, false) {
            Ok(f) => f,
            Err(e) => return st.fail(e),
        };
        log::info!(
            "PipeWire stream `{}`: offering {}x{} in the export pool's {} {}",
            st.options.name,
            pool.size[0],
            pool.size[1],
            pool.slots.len(),
            st.options.memory.name()
        );
        offer = Some((formats, st.connected, pool.size));
        st.connected = true;
        st.pool = Some(pool);
        st.mappings.clear();
    });
    let Some((formats, connected, size)) = offer else {
        return;
    };
    let mut pods: Vec<&Pod> = formats.iter().filter_map(|b| Pod::from_bytes(b)).collect();
    let result = if connected {
        stream.update_params(&mut pods)
    } else {
        stream.connect(
            spa::utils::Direction::Output,
            None,
            StreamFlags::DRIVER | StreamFlags::ALLOC_BUFFERS,
            &mut pods,
        )
    };
    if let Err(e) = result {
        with(state, |st| {
            st.fail(format!("offering {}x{}: {e}", size[0], size[1]));
        });
    }
}

/// A format was agreed: ask for one buffer per slot, of the slot's layout and memory.
fn param_changed(state: &Shared, stream: &StreamRef, id: u32, pod: Option<&Pod>) {
    if id != spa::param::ParamType::Format.as_raw() {
        return;
    }
    let Some(pod) = pod else {
        return;
    };
    let mut bytes = None;
    let mut fixate = None;
    with(state, |st| {
        let Some(pool) = st.pool.as_ref() else {
            return;
        };
        let mut info = spa::param::video::VideoInfoRaw::new();
        if let Err(e) = info.parse(pod) {
            return st.fail(format!("the agreed format: {e:?}"));
        }
        let size = info.size();
        if [size.width, size.height] != pool.size {
            // A format agreed for an older size: the newer offer follows.
            return;
        }
        let modifier = match params::agreed_modifier(pod.as_bytes()) {
            Ok(m) => m,
            Err(e) => return st.fail(e),
        };
        if modifier == Modifier::Offered {
            // The consumer left the modifier to us: fix it (LINEAR, the only one) and
            // offer again; the format agreed next carries it fixed.
            match st.formats(pool, true) {
                Ok(f) => fixate = Some(f),
                Err(e) => st.fail(e),
            }
            return;
        }
        let modifier = modifier == Modifier::Fixed;
        // A DMA-BUF pool to a consumer that took the format without a modifier, or copies
        // asked for: memfds of the stream's own, filled by a CPU copy.
        let copying = st.options.copy || (st.options.memory == Memory::DmaBuf && !modifier);
        let Some(slot) = pool.slots.first() else {
            return;
        };
        let (count, stride, data_type) = if copying {
            (COPY_BUFFERS, pool.size[0] * 4, spa::sys::SPA_DATA_MemFd)
        } else {
            (
                pool.slots.len() as u32,
                slot.layout.stride as u32,
                st.options.memory.data_type(),
            )
        };
        log::info!(
            "PipeWire stream `{}`: a consumer agreed {}x{}: {}",
            st.options.name,
            pool.size[0],
            pool.size[1],
            if copying {
                "copies in memfds of the stream's own".to_owned()
            } else {
                format!("the export pool's {}", st.options.memory.name())
            }
        );
        st.copying = copying;
        match params::buffers(count, stride * pool.size[1], stride, data_type) {
            Ok(b) => bytes = Some(b),
            Err(e) => st.fail(e),
        }
    });
    if let Some(formats) = fixate {
        let mut pods: Vec<&Pod> = formats.iter().filter_map(|b| Pod::from_bytes(b)).collect();
        if let Err(e) = stream.update_params(&mut pods) {
            with(state, |st| st.fail(format!("fixing the modifier: {e}")));
        }
        return;
    }
    let Some(bytes) = bytes else {
        return;
    };
    let Some(buffers) = Pod::from_bytes(&bytes) else {
        return with(state, |st| st.fail("the buffers parameter".into()));
    };
    match stream.update_params(&mut [buffers]) {
        Ok(()) => with(state, |st| st.stats().stats.formats += 1),
        Err(e) => with(state, |st| st.fail(format!("the buffers parameter: {e}"))),
    }
}
