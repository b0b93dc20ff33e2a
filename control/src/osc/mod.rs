//! OSC in over UDP: a thread receives and decodes datagrams into a bounded inbox where the
//! latest value per address wins; each frame the host applies the inbox to the engine
//! ([`OscInput::apply`]) — parameters for `/vivid/<node>/<param>`, `osc.<name>` variables
//! for every other address.
//!
//! - `decode`: a datagram to updates (messages, bundles, time tags), never a panic;
//! - `inbox`: the bounded latest-value map the two threads share, and bundles held until due;
//! - `apply`: the frame side, name → slot lookups cached per chain.

mod apply;
pub mod decode;
mod inbox;
pub mod out;
pub mod send;

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

pub use apply::Applied;
use apply::Applier;
use decode::{Rejected, Update};
use inbox::{Inbox, Pending};

use crate::ControlError;

/// How OSC in runs.
#[derive(Clone, Debug)]
pub struct OscConfig {
    /// Where to listen (127.0.0.1 unless given otherwise: see [`parse_listen`]).
    pub listen: SocketAddr,
    /// The most distinct addresses held between two frames; updates of further new
    /// addresses are dropped (and counted) until the next frame takes them.
    pub max_addresses: usize,
    /// The most bundle contents held for a future time tag.
    pub max_pending: usize,
}

impl OscConfig {
    /// Listening on `listen` with the default bounds (1024 addresses, 1024 held updates).
    #[must_use]
    pub fn new(listen: SocketAddr) -> Self {
        Self {
            listen,
            max_addresses: 1024,
            max_pending: 1024,
        }
    }
}

/// `--osc` as written: a port (`9000`, on 127.0.0.1) or `host:port` (`0.0.0.0:9000`,
/// `[::1]:9000`, `localhost:9000`).
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    s.to_socket_addrs()
        .map_err(|e| format!("`{s}` is not a port or host:port: {e}"))?
        .next()
        .ok_or_else(|| format!("`{s}` resolves to no address"))
}

/// Counts since the start, read with [`OscInput::stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OscStats {
    /// Datagrams received.
    pub packets: u64,
    /// Messages read (bundle contents included).
    pub messages: u64,
    /// Datagrams that were not OSC, or bundles nested too deep.
    pub malformed: u64,
    /// Messages with unusable values (NaN, infinite, none) or addresses.
    pub rejected: u64,
    /// Updates dropped because the inbox or the held bundles were full.
    pub dropped: u64,
}

#[derive(Default)]
struct Counters {
    packets: AtomicU64,
    messages: AtomicU64,
    malformed: AtomicU64,
    rejected: AtomicU64,
    dropped: AtomicU64,
}

/// Logs a kind of problem the first time only (then counts: [`OscStats`]).
#[derive(Default)]
struct Once {
    malformed: AtomicBool,
    rejected: AtomicBool,
    dropped: AtomicBool,
    socket: AtomicBool,
}

fn once(flag: &AtomicBool, msg: impl FnOnce() -> String) {
    if !flag.swap(true, Ordering::Relaxed) {
        log::warn!("osc: {} (logged once; see the counts)", msg());
    }
}

struct Shared {
    inbox: Mutex<Inbox>,
    stop: AtomicBool,
    counts: Counters,
    once: Once,
}

/// OSC in: the receiving thread and the frame side. Dropping it stops the thread.
pub struct OscInput {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    local: SocketAddr,
    applier: Applier,
}

impl std::fmt::Debug for OscInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OscInput")
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

impl OscInput {
    /// Binds `config.listen` and starts receiving. Warns when the address is not loopback.
    pub fn start(config: &OscConfig) -> Result<Self, ControlError> {
        if !config.listen.ip().is_loopback() {
            log::warn!(
                "osc: listening on {} — reachable from other machines; anyone there can set parameters",
                config.listen
            );
        }
        let socket = UdpSocket::bind(config.listen).map_err(|e| ControlError::Bind {
            what: "OSC",
            addr: config.listen.to_string(),
            source: e,
        })?;
        let local = socket.local_addr().map_err(|e| ControlError::Bind {
            what: "OSC",
            addr: config.listen.to_string(),
            source: e,
        })?;
        let shared = Arc::new(Shared {
            inbox: Mutex::new(Inbox::new(config.max_addresses)),
            stop: AtomicBool::new(false),
            counts: Counters::default(),
            once: Once::default(),
        });
        let thread_shared = Arc::clone(&shared);
        let max_pending = config.max_pending;
        let thread = std::thread::Builder::new()
            .name("vivid-osc".into())
            .stack_size(RECEIVE_STACK)
            .spawn(move || receive(&socket, &thread_shared, max_pending))
            .map_err(|e| ControlError::Thread(e.to_string()))?;
        Ok(Self {
            shared,
            thread: Some(thread),
            local,
            applier: Applier::new(config.max_addresses.max(256) * 4),
        })
    }

    /// The address bound (the port chosen, when asked for port 0).
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Counts since the start.
    #[must_use]
    pub fn stats(&self) -> OscStats {
        let c = &self.shared.counts;
        OscStats {
            packets: c.packets.load(Ordering::Relaxed),
            messages: c.messages.load(Ordering::Relaxed),
            malformed: c.malformed.load(Ordering::Relaxed),
            rejected: c.rejected.load(Ordering::Relaxed),
            dropped: c.dropped.load(Ordering::Relaxed),
        }
    }

    /// How many addresses wait for the next frame (at most `max_addresses`).
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.shared
            .inbox
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// How many addresses' last values are remembered (to set again when a new chain reads
    /// them); at most [`remember_limit`](Self::remember_limit).
    #[must_use]
    pub fn remembered(&self) -> usize {
        self.applier.remembered()
    }

    /// The most addresses remembered.
    #[must_use]
    pub fn remember_limit(&self) -> usize {
        self.applier.cap()
    }

    /// Applies what arrived since the last call to `engine`: the latest value of each
    /// address. Call once per frame, before rendering it.
    pub fn apply(&mut self, engine: &mut vivid_engine::Engine) -> Applied {
        {
            let mut inbox = self
                .shared
                .inbox
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.applier.take(&mut inbox);
        }
        self.applier.apply(engine)
    }
}

impl Drop for OscInput {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The receiving thread's stack: room for `rosc` to decode the deepest nesting of
/// bundles a datagram can hold (it recurses; we read [`decode::MAX_BUNDLE_DEPTH`] levels).
pub const RECEIVE_STACK: usize = 8 << 20;

/// How long the receiving thread waits for a datagram before checking for stop and for
/// held bundles that became due.
const POLL: Duration = Duration::from_millis(20);

fn receive(socket: &UdpSocket, shared: &Shared, max_pending: usize) {
    let mut buf = vec![0u8; 65_536];
    let mut updates: Vec<Update> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut pending = Pending::new(max_pending);
    let c = &shared.counts;
    while !shared.stop.load(Ordering::Relaxed) {
        let now = SystemTime::now();
        let wait = pending
            .next_due()
            .and_then(|t| t.duration_since(now).ok())
            .map_or(POLL, |d| d.clamp(Duration::from_millis(1), POLL));
        let _ = socket.set_read_timeout(Some(wait));
        match socket.recv(&mut buf) {
            Ok(n) => {
                c.packets.fetch_add(1, Ordering::Relaxed);
                updates.clear();
                rejected.clear();
                let bytes = buf.get(..n).unwrap_or_default();
                // rosc is fuzzed here (tests/osc_fuzz); a panic in it would still only
                // lose this datagram.
                let decoded = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    decode::decode(bytes, &mut updates, &mut rejected);
                }));
                if decoded.is_err() {
                    rejected.push(Rejected::Malformed("the decoder failed".into()));
                }
                c.messages
                    .fetch_add(updates.len() as u64, Ordering::Relaxed);
                for r in &rejected {
                    if matches!(r, Rejected::Malformed(_) | Rejected::TooDeep) {
                        c.malformed.fetch_add(1, Ordering::Relaxed);
                        once(&shared.once.malformed, || r.to_string());
                    } else {
                        c.rejected.fetch_add(1, Ordering::Relaxed);
                        once(&shared.once.rejected, || r.to_string());
                    }
                }
                let now = SystemTime::now();
                let mut dropped = 0;
                let mut inbox = shared.inbox.lock().unwrap_or_else(PoisonError::into_inner);
                for u in updates.drain(..) {
                    let due = u.at.is_none_or(|t| t <= now);
                    let kept = if due { inbox.put(u) } else { pending.hold(u) };
                    dropped += u64::from(!kept);
                }
                drop(inbox);
                if dropped > 0 {
                    c.dropped.fetch_add(dropped, Ordering::Relaxed);
                    once(&shared.once.dropped, || {
                        "more distinct addresses than the inbox holds between two frames: updates dropped".into()
                    });
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => {
                once(&shared.once.socket, || format!("receiving: {e}"));
                std::thread::sleep(POLL);
            }
        }
        if pending.next_due().is_some_and(|t| t <= SystemTime::now()) {
            let mut inbox = shared.inbox.lock().unwrap_or_else(PoisonError::into_inner);
            let dropped = pending.release(SystemTime::now(), &mut inbox);
            if dropped > 0 {
                c.dropped.fetch_add(dropped, Ordering::Relaxed);
            }
        }
    }
}
