//! MIDI from a port (`--midi NAME`, midir): the port's callback writes channel messages
//! into a shared [`Latest`] (bounded: one value per control) and clock messages into a
//! [`MidiClock`]; the frame takes what changed. A port that goes away (a controller
//! unplugged) is connected again when it comes back: a watcher thread looks at the ports at
//! most once a second ([`POLL`]), never on the render thread.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::clock::{ClockReading, MidiClock};
use super::{Latest, parse};
use crate::ControlError;

/// How often the watcher looks for the port.
pub const POLL: Duration = Duration::from_secs(1);

/// What the port's callback writes and the frame reads.
#[derive(Debug)]
struct Shared {
    latest: Mutex<Latest>,
    clock: Mutex<MidiClock>,
    /// The clock's stamps are microseconds since this.
    origin: Instant,
    /// The port connected now (empty while it is gone).
    connected: Mutex<String>,
    /// Times the port was connected again after going away.
    reconnects: std::sync::atomic::AtomicU64,
    stop: AtomicBool,
}

impl Shared {
    fn receive(&self, bytes: &[u8]) {
        let now = self.origin.elapsed().as_micros() as u64;
        if self
            .clock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .message(bytes, now)
        {
            return;
        }
        if let Some(e) = parse(bytes) {
            self.latest
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .put(e);
        }
    }
}

/// What a connection calls with each message's bytes.
pub type Receive = Box<dyn FnMut(&[u8]) + Send + 'static>;

/// The ports and connections the watcher uses: the system's (midir), or a test's.
pub trait Ports: Send + 'static {
    /// A connection; dropping it disconnects.
    type Connection: Send + 'static;
    /// The input ports there are now.
    fn names(&mut self) -> Vec<String>;
    /// Connects to port `name`; `receive` gets each message.
    fn connect(&mut self, name: &str, receive: Receive) -> Result<Self::Connection, String>;
}

/// The system's MIDI ports through midir.
#[derive(Debug, Default)]
pub struct SystemPorts;

impl Ports for SystemPorts {
    type Connection = midir::MidiInputConnection<()>;

    fn names(&mut self) -> Vec<String> {
        let Ok(input) = midir::MidiInput::new("vivid") else {
            return Vec::new();
        };
        input
            .ports()
            .iter()
            .filter_map(|p| input.port_name(p).ok())
            .collect()
    }

    fn connect(&mut self, name: &str, mut receive: Receive) -> Result<Self::Connection, String> {
        let mut input = midir::MidiInput::new("vivid").map_err(|e| e.to_string())?;
        // Clock messages are wanted; system exclusive and active sensing are not.
        input.ignore(midir::Ignore::SysexAndActiveSense);
        let port = input
            .ports()
            .into_iter()
            .find(|p| input.port_name(p).ok().as_deref() == Some(name))
            .ok_or_else(|| format!("no port `{name}`"))?;
        input
            .connect(&port, "vivid-in", move |_, bytes, ()| receive(bytes), ())
            .map_err(|e| e.to_string())
    }
}

/// The port among `names` that `wanted` names: the first containing it (`default`: the
/// first there is).
fn find<'a>(names: &'a [String], wanted: &str) -> Option<&'a String> {
    names
        .iter()
        .find(|n| wanted == "default" || n.contains(wanted))
}

/// One look at the ports: disconnects from a port that went away, connects to the wanted
/// one when it is there. Returns what changed, for the log.
fn watch_once<P: Ports>(
    ports: &mut P,
    wanted: &str,
    connection: &mut Option<(String, P::Connection)>,
    shared: &Arc<Shared>,
) -> Option<String> {
    let names = ports.names();
    if let Some((name, _)) = connection {
        if names.contains(name) {
            return None;
        }
        let gone = name.clone();
        *connection = None;
        shared
            .connected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        return Some(format!(
            "MIDI port `{gone}` went away; connecting again when it is back"
        ));
    }
    let name = find(&names, wanted)?.clone();
    let sink = Arc::clone(shared);
    match ports.connect(&name, Box::new(move |bytes| sink.receive(bytes))) {
        Ok(c) => {
            *connection = Some((name.clone(), c));
            name.clone_into(
                &mut shared
                    .connected
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner),
            );
            shared.reconnects.fetch_add(1, Ordering::Relaxed);
            Some(format!("MIDI port `{name}` connected again"))
        }
        Err(_) => None,
    }
}

/// A connected input port, kept connected by a watcher thread.
pub struct MidiInput {
    port_name: String,
    shared: Arc<Shared>,
    watcher: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MidiInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiInput")
            .field("port", &self.port_name)
            .finish_non_exhaustive()
    }
}

/// The names of the input ports there are.
pub fn ports() -> Result<Vec<String>, ControlError> {
    let input = midir::MidiInput::new("vivid").map_err(|e| ControlError::Midi(e.to_string()))?;
    Ok(input
        .ports()
        .iter()
        .filter_map(|p| input.port_name(p).ok())
        .collect())
}

impl MidiInput {
    /// Connects to the first input port whose name contains `name` (`default`: the first
    /// port there is).
    pub fn open(name: &str) -> Result<Self, ControlError> {
        midir::MidiInput::new("vivid").map_err(|e| ControlError::Midi(e.to_string()))?;
        Self::open_with(SystemPorts, name, POLL)
    }

    /// [`open`](Self::open) on `ports`, looking at them every `poll`.
    pub fn open_with<P: Ports>(
        mut ports: P,
        name: &str,
        poll: Duration,
    ) -> Result<Self, ControlError> {
        let names = ports.names();
        let Some(port_name) = find(&names, name).cloned() else {
            return Err(ControlError::Midi(format!(
                "no MIDI input port `{name}`; there {}",
                if names.is_empty() {
                    "are none".to_string()
                } else {
                    format!("are: {}", names.join(", "))
                }
            )));
        };
        let shared = Arc::new(Shared {
            latest: Mutex::new(Latest::default()),
            clock: Mutex::new(MidiClock::default()),
            origin: Instant::now(),
            connected: Mutex::new(port_name.clone()),
            reconnects: std::sync::atomic::AtomicU64::new(0),
            stop: AtomicBool::new(false),
        });
        let sink = Arc::clone(&shared);
        let first = ports
            .connect(&port_name, Box::new(move |bytes| sink.receive(bytes)))
            .map_err(|e| ControlError::Midi(format!("`{port_name}`: {e}")))?;
        let state = Arc::clone(&shared);
        let wanted = name.to_string();
        let mut connection = Some((port_name.clone(), first));
        let watcher = std::thread::Builder::new()
            .name("vivid-midi-watch".into())
            .spawn(move || {
                let step = Duration::from_millis(50).min(poll);
                let mut next = Instant::now() + poll;
                while !state.stop.load(Ordering::Relaxed) {
                    std::thread::sleep(step);
                    if Instant::now() < next {
                        continue;
                    }
                    next = Instant::now() + poll;
                    if let Some(m) = watch_once(&mut ports, &wanted, &mut connection, &state) {
                        log::warn!("{m}");
                    }
                }
            })
            .map_err(|e| ControlError::Thread(e.to_string()))?;
        Ok(Self {
            port_name,
            shared,
            watcher: Some(watcher),
        })
    }

    /// The port's name (as first connected).
    #[must_use]
    pub fn port_name(&self) -> &str {
        &self.port_name
    }

    /// Whether the port is connected now (it may have gone away).
    #[must_use]
    pub fn connected(&self) -> bool {
        !self
            .shared
            .connected
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_empty()
    }

    /// Times the port was connected again after it went away.
    #[must_use]
    pub fn reconnects(&self) -> u64 {
        self.shared.reconnects.load(Ordering::Relaxed)
    }

    /// Runs `f` on what arrived (under the lock: keep it short).
    pub fn with_latest<R>(&self, f: impl FnOnce(&mut Latest) -> R) -> R {
        f(&mut self
            .shared
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner))
    }

    /// The MIDI clock's tempo and position now, if a clock arrives.
    #[must_use]
    pub fn clock(&self) -> Option<ClockReading> {
        let now = self.shared.origin.elapsed().as_micros() as u64;
        self.shared
            .clock
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .reading(now)
    }
}

impl Drop for MidiInput {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(w) = self.watcher.take() {
            let _ = w.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The connections open, by port.
    type Open = Arc<Mutex<Vec<(String, Receive)>>>;

    /// Ports a test plugs in and out; a connection is a flag the port's "device" reads.
    #[derive(Clone, Default)]
    struct Bench {
        there: Arc<Mutex<Vec<String>>>,
        /// The callback of the connection open now, per port.
        open: Open,
    }

    struct Conn(String, Open);

    impl Drop for Conn {
        fn drop(&mut self) {
            self.1.lock().unwrap().retain(|(n, _)| *n != self.0);
        }
    }

    impl Ports for Bench {
        type Connection = Conn;
        fn names(&mut self) -> Vec<String> {
            self.there.lock().unwrap().clone()
        }
        fn connect(&mut self, name: &str, receive: Receive) -> Result<Conn, String> {
            if !self.there.lock().unwrap().iter().any(|n| n == name) {
                return Err("gone".into());
            }
            self.open.lock().unwrap().push((name.to_string(), receive));
            Ok(Conn(name.to_string(), Arc::clone(&self.open)))
        }
    }

    impl Bench {
        /// The device sends `bytes` (if a connection is open).
        fn send(&self, bytes: &[u8]) {
            for (_, r) in self.open.lock().unwrap().iter_mut() {
                r(bytes);
            }
        }
    }

    fn wait_for(what: &str, f: impl Fn() -> bool) {
        let end = Instant::now() + Duration::from_secs(5);
        while !f() {
            assert!(Instant::now() < end, "{what}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    #[expect(clippy::float_cmp, reason = "a CC of 127 is exactly 1")]
    fn a_port_that_goes_away_is_connected_again_when_it_comes_back() {
        let bench = Bench::default();
        bench.there.lock().unwrap().push("Launch Control XL".into());
        assert!(MidiInput::open_with(bench.clone(), "nanoKONTROL", POLL).is_err());
        let input = MidiInput::open_with(bench.clone(), "Launch", Duration::from_millis(20))
            .expect("connects");
        assert_eq!(input.port_name(), "Launch Control XL");
        bench.send(&[0xb0, 7, 127]);
        assert_eq!(
            input.with_latest(|l| l.get(super::super::Kind::Cc, 1, 7)),
            1.0
        );
        // Unplugged: disconnected at the next look.
        bench.there.lock().unwrap().clear();
        wait_for("disconnected", || !input.connected());
        assert!(bench.open.lock().unwrap().is_empty());
        // Plugged in again: connected, and its messages arrive.
        bench.there.lock().unwrap().push("Launch Control XL".into());
        wait_for("connected again", || input.connected());
        assert_eq!(input.reconnects(), 1);
        bench.send(&[0xb0, 7, 0]);
        assert_eq!(
            input.with_latest(|l| l.get(super::super::Kind::Cc, 1, 7)),
            0.0
        );
        // Clock messages reach the clock, not the controls.
        for _ in 0..3 {
            bench.send(&[0xF8]);
        }
        assert!(input.clock().is_some());
    }
}
