//! The producer's thread: a PipeWire main loop with one `Video/Source` stream whose
//! buffers are the export pool's slots, woken once per published frame.
//!
//! The wake-up is one byte on a socket pair, written by the export's `on_publish` only
//! when none is pending: the render side never blocks and never takes a lock this thread
//! holds while it talks to PipeWire.

use std::cell::RefCell;
use std::io::{Read as _, Write as _};
use std::os::fd::{AsRawFd, OwnedFd};
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
use super::params;
use crate::export::{ExportHandle, ExportedFrame, Pool};

/// What to publish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOptions {
    /// The node's name (`node.name`): what consumers target.
    pub name: String,
    /// The memory the pool's fds are ([`super::sharable`]).
    pub memory: Memory,
    /// The highest frame rate offered (frames go out as vivid renders them).
    pub max_fps: u32,
}

/// Counts of what the stream did, for the host's statistics and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PublishStats {
    /// Frames handed to PipeWire (a slot's buffer queued, nothing copied).
    pub streamed: u64,
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

/// Starts publishing `handle`'s frames as the stream `options.name`; fails (with the
/// reason) if PipeWire cannot be reached.
pub fn publish(handle: &ExportHandle, options: PublishOptions) -> Result<Publisher, String> {
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
        Err(_) => return Err("PipeWire did not answer within 10 s".into()),
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

/// One PipeWire buffer: a slot of one pool.
struct Buffer {
    raw: RawBuffer,
    pool: u64,
    slot: usize,
    /// Where the slot's memory begins in the fd (past a memfd's header; 0 for DMA-BUFs).
    base: u64,
    /// The slot's fd, as the buffer's block: open while the buffer exists.
    _fd: OwnedFd,
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
}

impl Run {
    fn run(
        self,
        read: UnixStream,
        started: &std::sync::mpsc::Sender<Result<(), String>>,
    ) -> Result<(), String> {
        let failed = |what: &str, e: pw::Error| format!("PipeWire: {what}: {e}");
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
        let state = Rc::new(RefCell::new(State {
            handle: self.handle.clone(),
            options: self.options.clone(),
            status: self.status.clone(),
            pool: None,
            connected: false,
            buffers: Vec::new(),
        }));
        let _listener = {
            let (s1, s2, s3, s4) = (state.clone(), state.clone(), state.clone(), state.clone());
            stream
                .add_local_listener_with_user_data(())
                .state_changed(move |_, (), old, new| {
                    with(&s1, |st| st.state_changed(&old, &new));
                })
                .param_changed(move |stream, (), id, pod| param_changed(&s2, stream, id, pod))
                .add_buffer(move |_, (), raw| with(&s3, |st| st.add_buffer(raw)))
                .remove_buffer(move |_, (), raw| with(&s4, |st| st.remove_buffer(raw)))
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

    fn fail(&self, message: String) {
        log::error!("PipeWire stream `{}`: {message}", self.options.name);
        self.stats().error = Some(message);
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

    /// The formats offered for `pool`.
    fn formats(&self, pool: &Pool) -> Result<Vec<Vec<u8>>, String> {
        let format = params::video_format(pool.fourcc)
            .ok_or_else(|| format!("no PipeWire video format for {:?}", pool.fourcc))?;
        // A DMA-BUF pool is offered with its modifier only: consumers that take DMA-BUFs.
        // (Shared memory filled by a CPU copy for the others is not built: README.)
        let modifier = self.options.memory == Memory::DmaBuf;
        Ok(vec![params::enum_format(
            format,
            pool.size,
            self.options.max_fps,
            modifier,
        )?])
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
        let slot = self
            .buffers
            .iter()
            .filter(|b| b.pool == pool.number)
            .count();
        let Some(entry) = pool.slots.get(slot) else {
            return self.fail(format!(
                "PipeWire asked for more buffers than the pool's {} slots",
                pool.slots.len()
            ));
        };
        let fd = match entry.fd.try_clone() {
            Ok(fd) => fd,
            Err(e) => return self.fail(format!("an fd of slot {slot}: {e}")),
        };
        let identity = super::identity(&fd).unwrap_or_default();
        // The block is the whole fd (mapped from 0); the frame's chunk lies `base` in.
        let (base, maxsize) = match self.options.memory {
            Memory::DmaBuf => (0, entry.layout.size),
            Memory::MemFd => match super::memfd_memory(&fd) {
                Ok(m) => m,
                Err(e) => return self.fail(e),
            },
        };
        if let Err(e) = buffers::attach(
            raw,
            fd.as_raw_fd(),
            self.options.memory.data_type(),
            maxsize as u32,
        ) {
            return self.fail(e);
        }
        let number = pool.number;
        self.buffers.push(Buffer {
            raw,
            pool: number,
            slot,
            base,
            _fd: fd,
            free: false,
            held: None,
        });
        let mut status = self.stats();
        if slot == 0 {
            status.identities.clear();
        }
        status.identities.push(identity);
        status.stats.buffers = self.buffers.len() as u64;
    }

    fn remove_buffer(&mut self, raw: RawBuffer) {
        self.buffers.retain(|b| b.raw != raw);
        self.stats().stats.buffers = self.buffers.len() as u64;
    }
}

/// Runs `f` on the state, unless it is borrowed already (PipeWire calling back into an
/// event while another runs: the functions below never hold a borrow across a PipeWire
/// call, so this is logged, never a panic across PipeWire's C frames).
fn with(state: &RefCell<State>, f: impl FnOnce(&mut State)) {
    match state.try_borrow_mut() {
        Ok(mut st) => f(&mut st),
        Err(_) => log::error!("PipeWire: an event while the stream's state was in use"),
    }
}

/// A published frame is waiting: stream it if its slot's buffer is free.
fn on_frame(state: &RefCell<State>, stream: &StreamRef) {
    let mut queued = false;
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
        let Some(buffer) = st
            .buffers
            .iter_mut()
            .find(|b| b.pool == frame.pool && b.slot == frame.slot)
        else {
            st.stats().stats.unready += 1;
            return;
        };
        if !buffer.free {
            st.stats().stats.busy += 1;
            return;
        }
        let size = frame.stride * u64::from(frame.height);
        if !buffers::set_chunk(
            buffer.raw,
            (buffer.base + frame.offset) as u32,
            frame.stride as u32,
            size as u32,
        ) {
            return st.fail("a buffer without a chunk".into());
        }
        buffers::queue(stream, buffer.raw);
        buffer.free = false;
        buffer.held = Some(frame);
        st.stats().stats.streamed += 1;
        queued = true;
    });
    if offer {
        offer_pool(state, stream);
    }
    if queued && let Err(e) = stream.trigger_process() {
        log::debug!("PipeWire: trigger_process: {e}");
    }
}

/// Offers the export's current pool: connects the stream the first time, updates its
/// formats after a new size (PipeWire then agrees a new format and replaces the buffers:
/// `param_changed`, `remove_buffer`, `add_buffer`, called back from inside these calls).
fn offer_pool(state: &RefCell<State>, stream: &StreamRef) {
    let mut offer = None;
    with(state, |st| {
        let pool = match st.handle.pool() {
            Ok(Some(pool)) => pool,
            Ok(None) => return,
            Err(e) => return st.fail(format!("the export pool: {e}")),
        };
        let formats = match st.formats(&pool) {
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
fn param_changed(state: &RefCell<State>, stream: &StreamRef, id: u32, pod: Option<&Pod>) {
    if id != spa::param::ParamType::Format.as_raw() {
        return;
    }
    let Some(pod) = pod else {
        return;
    };
    let mut bytes = None;
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
        if st.options.memory == Memory::DmaBuf
            && !info
                .flags()
                .contains(spa::param::video::VideoFlags::MODIFIER)
        {
            return st.fail("the consumer agreed a format without a DRM modifier".into());
        }
        let Some(slot) = pool.slots.first() else {
            return;
        };
        let stride = slot.layout.stride as u32;
        match params::buffers(
            pool.slots.len() as u32,
            stride * pool.size[1],
            stride,
            st.options.memory.data_type(),
        ) {
            Ok(b) => bytes = Some(b),
            Err(e) => st.fail(e),
        }
    });
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
