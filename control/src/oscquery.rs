//! `OSCQuery` (`--oscquery PORT`): an HTTP server on loopback that describes every parameter
//! of the running chain as the `OSCQuery` specification's JSON — `FULL_PATH`, `CONTENTS`,
//! `TYPE`, `RANGE`, `VALUE`, `ACCESS`, `DESCRIPTION`, and `HOST_INFO` naming the OSC port
//! that sets them (`/vivid/<node>/<param>`, `--osc`) — so controllers such as Open Stage
//! Control or Chataigne discover vivid and build their controls; and on the same port a
//! WebSocket (tungstenite) where a client sends `{"COMMAND": "LISTEN", "DATA": "/vivid/n/p"}`
//! (or `IGNORE`) and gets the parameter's value as an OSC message in a binary frame each
//! time it changes.
//!
//! One thread accepts connections and answers HTTP requests (a request line and headers
//! read with httparse, 8 KiB at most, the answer sent with `Connection: close`); a request
//! asking for the WebSocket upgrade gets a thread of its own ([`MAX_CLIENTS`] at most). The
//! namespace is built on the render thread only when a request waits for it
//! ([`OscQuery::publish`] checks a flag each frame): a frame allocates nothing while nobody
//! asks and nobody listens. A request that finds no frame within a second is answered from
//! the last namespace built. A listening client's values go through a bounded queue
//! ([`QUEUE`] messages): a client that stops reading fills it and is dropped, never
//! buffered without end.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rosc::{OscMessage, OscPacket, OscType};
use serde_json::{Map, Value, json};
use vivid_engine::Engine;
use vivid_engine::params::{ParamKind, ParamValue};

use crate::ControlError;

/// How long a request waits for a frame to build the namespace.
const WAIT: Duration = Duration::from_secs(1);
/// The most WebSocket clients at once (more are answered 503).
pub const MAX_CLIENTS: usize = 16;
/// The most messages waiting for one client; beyond, it is dropped.
pub const QUEUE: usize = 256;
/// The most paths one client listens to.
const MAX_LISTENED: usize = 1024;
/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;

/// The attributes a query string may ask for alone (`/vivid/noise/scale?VALUE`).
const ATTRIBUTES: [&str; 7] = [
    "FULL_PATH",
    "CONTENTS",
    "TYPE",
    "RANGE",
    "VALUE",
    "ACCESS",
    "DESCRIPTION",
];

#[derive(Debug, Default)]
struct Shared {
    /// A request waits for a namespace.
    wanted: AtomicBool,
    /// The last namespace built, and how many were.
    namespace: Mutex<(u64, Option<Arc<Value>>)>,
    built: Condvar,
    stop: AtomicBool,
    /// The WebSocket clients.
    clients: Mutex<Vec<Client>>,
    /// How many there are (read each frame without the lock).
    client_count: AtomicUsize,
    /// Clients dropped for not reading.
    dropped: AtomicUsize,
}

/// One WebSocket client, as the render thread sees it.
#[derive(Debug)]
struct Client {
    /// The paths it listens to (changed by its thread), with the last message sent for each.
    listening: Arc<Mutex<HashSet<String>>>,
    sent: HashMap<String, Vec<u8>>,
    tx: SyncSender<Vec<u8>>,
    /// Set when it is gone (it closed, or was dropped for not reading).
    gone: Arc<AtomicBool>,
}

/// The running `OSCQuery` server.
#[derive(Debug)]
pub struct OscQuery {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl OscQuery {
    /// Serves on `addr` (loopback unless given otherwise), describing OSC in on `osc_port`.
    pub fn start(addr: SocketAddr, osc: SocketAddr) -> Result<Self, ControlError> {
        let bind = |e: std::io::Error| ControlError::Bind {
            what: "OSCQuery",
            addr: addr.to_string(),
            source: e,
        };
        let listener = TcpListener::bind(addr).map_err(bind)?;
        listener.set_nonblocking(true).map_err(bind)?;
        let addr = listener.local_addr().map_err(bind)?;
        let shared = Arc::new(Shared::default());
        let state = Arc::clone(&shared);
        let host_info = json!({
            "NAME": "vivid",
            "OSC_IP": osc.ip().to_string(),
            "OSC_PORT": osc.port(),
            "OSC_TRANSPORT": "UDP",
            "EXTENSIONS": {
                "ACCESS": true, "VALUE": true, "RANGE": true, "DESCRIPTION": true,
                "TYPE": true, "FULL_PATH": true, "CONTENTS": true, "LISTEN": true,
                "PATH_CHANGED": false, "TAGS": false, "CLIPMODE": false, "UNIT": false,
                "CRITICAL": false, "EXTENDED_TYPE": false, "OVERLOADS": false,
                "PATH_RENAMED": false, "PATH_ADDED": false, "PATH_REMOVED": false,
                "HTML": false, "ECHO": false
            }
        });
        let thread = std::thread::Builder::new()
            .name("vivid-oscquery".into())
            .spawn(move || serve(&listener, &state, &host_info))
            .map_err(|e| ControlError::Thread(e.to_string()))?;
        Ok(Self {
            addr,
            shared,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    #[must_use]
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// WebSocket clients connected now.
    #[must_use]
    pub fn clients(&self) -> usize {
        self.shared.client_count.load(Ordering::Acquire)
    }

    /// WebSocket clients dropped because they stopped reading.
    #[must_use]
    pub fn dropped(&self) -> usize {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    /// Builds the namespace from `engine` if a request waits for it, and sends listening
    /// clients the values that changed (call once a frame).
    pub fn publish(&self, engine: &Engine) {
        if self.shared.client_count.load(Ordering::Acquire) > 0 {
            self.push_values(engine);
        }
        if !self.shared.wanted.swap(false, Ordering::AcqRel) {
            return;
        }
        let ns = Arc::new(namespace(engine));
        let mut slot = self
            .shared
            .namespace
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        slot.0 += 1;
        slot.1 = Some(ns);
        self.shared.built.notify_all();
    }

    /// Each client's listened values that changed since it was last sent them, as OSC
    /// messages into its queue.
    fn push_values(&self, engine: &Engine) {
        push_to(&self.shared, |path| value_message(engine, path));
    }
}

/// Sends each client of `shared` the values (`value(path)`: an encoded OSC message) of the
/// paths it listens to that changed since it was last sent them; a client whose queue is
/// full (it stopped reading) is dropped, and clients gone are forgotten.
fn push_to(shared: &Shared, mut value: impl FnMut(&str) -> Option<Vec<u8>>) {
    let mut clients = shared
        .clients
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    for c in clients.iter_mut() {
        let paths: Vec<String> = c
            .listening
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect();
        c.sent.retain(|p, _| paths.contains(p));
        for path in paths {
            let Some(bytes) = value(&path) else {
                continue;
            };
            if c.sent.get(&path) == Some(&bytes) {
                continue;
            }
            match c.tx.try_send(bytes.clone()) {
                Ok(()) => {
                    c.sent.insert(path, bytes);
                }
                Err(TrySendError::Full(_)) => {
                    if !c.gone.swap(true, Ordering::AcqRel) {
                        shared.dropped.fetch_add(1, Ordering::Relaxed);
                        log::warn!(
                            "oscquery: a WebSocket client stopped reading ({QUEUE} values waiting): dropped"
                        );
                    }
                    break;
                }
                Err(TrySendError::Disconnected(_)) => {
                    c.gone.store(true, Ordering::Release);
                    break;
                }
            }
        }
    }
    clients.retain(|c| !c.gone.load(Ordering::Acquire));
    shared.client_count.store(clients.len(), Ordering::Release);
}

impl Drop for OscQuery {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The value of parameter `path` (`/vivid/<node>/<param>`) as an OSC message, encoded.
fn value_message(engine: &Engine, path: &str) -> Option<Vec<u8>> {
    let rest = path.strip_prefix("/vivid/")?;
    let (node, param) = rest.rsplit_once('/')?;
    let views = engine.param_views(node)?;
    let p = views.iter().find(|v| v.spec.name == param)?;
    let floats = |c: &[f32]| c.iter().map(|x| OscType::Float(*x)).collect();
    let args = match &p.value {
        ParamValue::Float(x) => vec![OscType::Float(*x)],
        ParamValue::Int(i) => vec![OscType::Int(*i)],
        ParamValue::Bool(b) => vec![OscType::Bool(*b)],
        ParamValue::Vec2(c) => floats(c),
        ParamValue::Vec3(c) => floats(c),
        ParamValue::Vec4(c) | ParamValue::Color(c) => floats(c),
        ParamValue::Choice(i) => vec![OscType::String(
            p.spec
                .choices
                .get(*i as usize)
                .map_or_else(String::new, ToString::to_string),
        )],
        ParamValue::Text(t) => vec![OscType::String(t.clone())],
        _ => return None,
    };
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: path.to_string(),
        args,
    }))
    .ok()
}

/// The accepting thread: answers HTTP requests and starts WebSocket clients until stopped.
fn serve(listener: &TcpListener, shared: &Arc<Shared>, host_info: &Value) {
    while !shared.stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Err(e) = connection(stream, shared, host_info) {
                    log::debug!("oscquery: {e}");
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                log::warn!("oscquery: accept: {e}");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// A request head: method, path and the headers asked about.
struct Head {
    target: String,
    websocket_key: Option<String>,
}

/// Reads the request head (up to the blank line, [`MAX_HEAD`] bytes at most).
fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        let mut headers = [httparse::EMPTY_HEADER; 32];
        let mut req = httparse::Request::new(&mut headers);
        match req.parse(&buf) {
            Ok(httparse::Status::Complete(_)) => {
                let header = |name: &str| {
                    req.headers
                        .iter()
                        .find(|h| h.name.eq_ignore_ascii_case(name))
                        .and_then(|h| std::str::from_utf8(h.value).ok())
                };
                let upgrade =
                    header("Upgrade").is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
                return Ok(Some(Head {
                    target: req.path.unwrap_or("/").to_string(),
                    websocket_key: header("Sec-WebSocket-Key")
                        .filter(|_| upgrade)
                        .map(str::to_string),
                }));
            }
            Ok(httparse::Status::Partial) if buf.len() < MAX_HEAD => {}
            _ => return Ok(None),
        }
    }
}

/// One connection: an HTTP request answered, or a WebSocket client started.
fn connection(
    mut stream: TcpStream,
    shared: &Arc<Shared>,
    host_info: &Value,
) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let Some(head) = read_head(&mut stream)? else {
        return respond(&mut stream, 400, "{\"error\":\"not an HTTP request\"}");
    };
    if let Some(key) = head.websocket_key {
        return start_client(stream, shared, &key);
    }
    let (path, query) = head.target.split_once('?').unwrap_or((&head.target, ""));
    let (status, body) = if query == "HOST_INFO" {
        (200, host_info.to_string())
    } else {
        match latest(shared) {
            Some(ns) => answer(&ns, path, query),
            None => (503, json!({"error": "no frame yet"}).to_string()),
        }
    };
    respond(&mut stream, status, &body)
}

fn respond(stream: &mut TcpStream, status: u16, body: &str) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Service Unavailable",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// Answers the upgrade and starts the client's thread (or refuses beyond [`MAX_CLIENTS`]).
fn start_client(mut stream: TcpStream, shared: &Arc<Shared>, key: &str) -> std::io::Result<()> {
    let mut clients = shared
        .clients
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    clients.retain(|c| !c.gone.load(Ordering::Acquire));
    if clients.len() >= MAX_CLIENTS {
        return respond(
            &mut stream,
            503,
            "{\"error\":\"too many WebSocket clients\"}",
        );
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    write!(
        stream,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    )?;
    stream.flush()?;
    let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
    let listening = Arc::new(Mutex::new(HashSet::new()));
    let gone = Arc::new(AtomicBool::new(false));
    let (l, g, s) = (
        Arc::clone(&listening),
        Arc::clone(&gone),
        Arc::clone(shared),
    );
    std::thread::Builder::new()
        .name("vivid-oscquery-ws".into())
        .spawn(move || ws_client(stream, &s, &rx, &l, &g))?;
    clients.push(Client {
        listening,
        sent: HashMap::new(),
        tx,
        gone,
    });
    shared.client_count.store(clients.len(), Ordering::Release);
    Ok(())
}

/// A client's thread: sends what the render thread queued, reads `LISTEN`/`IGNORE`.
fn ws_client(
    stream: TcpStream,
    shared: &Shared,
    rx: &Receiver<Vec<u8>>,
    listening: &Mutex<HashSet<String>>,
    gone: &AtomicBool,
) {
    // Short reads so that sending never waits long on a quiet client; a write that cannot
    // go out in a second means the client stopped reading.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(20)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024));
    let mut ws = tungstenite::WebSocket::from_raw_socket(
        stream,
        tungstenite::protocol::Role::Server,
        Some(config),
    );
    'run: while !shared.stop.load(Ordering::Relaxed) && !gone.load(Ordering::Acquire) {
        while let Ok(bytes) = rx.try_recv() {
            if ws.send(tungstenite::Message::Binary(bytes.into())).is_err() {
                break 'run;
            }
        }
        match ws.read() {
            Ok(tungstenite::Message::Text(t)) => command(t.as_str(), listening),
            Ok(tungstenite::Message::Close(_)) => break,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => break,
        }
    }
    gone.store(true, Ordering::Release);
    let _ = ws.close(None);
    let _ = ws.flush();
}

/// `{"COMMAND": "LISTEN" | "IGNORE", "DATA": "/path"}`: changes what the client listens to.
fn command(text: &str, listening: &Mutex<HashSet<String>>) {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let (Some(cmd), Some(path)) = (
        v.get("COMMAND").and_then(Value::as_str),
        v.get("DATA").and_then(Value::as_str),
    ) else {
        return;
    };
    let mut l = listening.lock().unwrap_or_else(PoisonError::into_inner);
    match cmd {
        "LISTEN" if l.len() < MAX_LISTENED => {
            l.insert(path.to_string());
        }
        "IGNORE" => {
            l.remove(path);
        }
        _ => {}
    }
}

/// The namespace a frame builds for this request (or the last one, after [`WAIT`]).
fn latest(shared: &Shared) -> Option<Arc<Value>> {
    let guard = shared
        .namespace
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let seen = guard.0;
    shared.wanted.store(true, Ordering::Release);
    let (guard, _) = shared
        .built
        .wait_timeout_while(guard, WAIT, |(n, _)| *n == seen)
        .unwrap_or_else(PoisonError::into_inner);
    guard.1.clone()
}

/// The answer to `GET path?query` from namespace `ns`: the node at `path`, or one of its
/// attributes.
fn answer(ns: &Value, path: &str, query: &str) -> (u16, String) {
    let mut node = ns;
    for part in path.split('/').filter(|p| !p.is_empty()) {
        let part = urlencoding_decode(part);
        match node.get("CONTENTS").and_then(|c| c.get(&part)) {
            Some(n) => node = n,
            None => return (404, json!({"error": format!("no {path}")}).to_string()),
        }
    }
    if query.is_empty() {
        return (200, node.to_string());
    }
    if !ATTRIBUTES.contains(&query) {
        return (
            400,
            json!({"error": format!("unknown attribute {query}")}).to_string(),
        );
    }
    match node.get(query) {
        Some(v) => (200, json!({ query: v }).to_string()),
        None => (204, String::new()),
    }
}

/// `%20` and the like in a path part (node names are plain, but clients encode).
fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(h);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A container node.
fn container(path: &str, contents: &Map<String, Value>) -> Value {
    json!({ "FULL_PATH": path, "ACCESS": 0, "CONTENTS": contents })
}

/// The whole namespace: `/vivid/<node>/<param>` for every parameter OSC can set.
#[must_use]
pub fn namespace(engine: &Engine) -> Value {
    let mut nodes = Map::new();
    for node in engine.node_views() {
        let Some(params) = engine.param_views(&node.name) else {
            continue;
        };
        let base = format!("/vivid/{}", node.name);
        let mut contents = Map::new();
        for p in params {
            if let Some(v) = param(&format!("{base}/{}", p.spec.name), &p) {
                contents.insert(p.spec.name.to_string(), v);
            }
        }
        let mut n = container(&base, &contents);
        n["DESCRIPTION"] = json!(format!("{} ({})", node.name, node.type_name));
        nodes.insert(node.name, n);
    }
    let mut vivid = Map::new();
    vivid.insert("vivid".into(), container("/vivid", &nodes));
    let mut root = container("/", &vivid);
    root["DESCRIPTION"] = json!("vivid: every parameter of the running chain");
    root
}

/// A parameter's node, or `None` for kinds OSC does not set (scene references, lists).
fn param(path: &str, p: &vivid_engine::ParamView) -> Option<Value> {
    let spec = &p.spec;
    let range = |n: usize| -> Value {
        match spec.range {
            Some((lo, hi)) => Value::Array(vec![json!({"MIN": lo, "MAX": hi}); n]),
            None => Value::Array(vec![json!({}); n]),
        }
    };
    let (ty, value, range) = match (&spec.kind, &p.value) {
        (ParamKind::Float, ParamValue::Float(v)) => ("f", json!([v]), range(1)),
        (ParamKind::Int, ParamValue::Int(v)) => ("i", json!([v]), range(1)),
        (ParamKind::Bool, ParamValue::Bool(v)) => {
            (if *v { "T" } else { "F" }, json!([v]), json!([{}]))
        }
        (ParamKind::Vec2, ParamValue::Vec2(v)) => ("ff", json!(v), range(2)),
        (ParamKind::Vec3, ParamValue::Vec3(v)) => ("fff", json!(v), range(3)),
        (ParamKind::Vec4, ParamValue::Vec4(v)) => ("ffff", json!(v), range(4)),
        (ParamKind::Color, ParamValue::Color(v)) => (
            "ffff",
            json!(v),
            Value::Array(vec![json!({"MIN": 0.0, "MAX": 1.0}); 4]),
        ),
        (ParamKind::Choice, ParamValue::Choice(i)) => (
            "s",
            json!([spec.choices.get(*i as usize).map_or("", AsRef::as_ref)]),
            json!([{ "VALS": spec.choices }]),
        ),
        (ParamKind::Text | ParamKind::File(_), ParamValue::Text(t)) => {
            ("s", json!([t]), json!([{}]))
        }
        _ => return None,
    };
    let mut v = json!({
        "FULL_PATH": path,
        "TYPE": ty,
        "VALUE": value,
        "RANGE": range,
        // Fixed parameters (sizes of buffers) are read only: set them in chain.toml.
        "ACCESS": if spec.fixed { 1 } else { 3 },
        "DESCRIPTION": spec.doc.trim(),
    });
    if let Some(e) = &p.expression {
        v["DESCRIPTION"] = json!(format!("{} (now the expression `{e}`)", spec.doc.trim()));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_stops_reading_is_dropped_when_its_queue_is_full() {
        let shared = Shared::default();
        let (tx, rx) = std::sync::mpsc::sync_channel(QUEUE);
        let listening = Arc::new(Mutex::new(HashSet::from(["/vivid/a/x".to_string()])));
        shared
            .clients
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Client {
                listening: Arc::clone(&listening),
                sent: HashMap::new(),
                tx,
                gone: Arc::new(AtomicBool::new(false)),
            });
        shared.client_count.store(1, Ordering::Release);
        // The same value twice is sent once; a new value each frame fills the queue.
        push_to(&shared, |_| Some(vec![0]));
        push_to(&shared, |_| Some(vec![0]));
        assert_eq!(rx.try_iter().count(), 1);
        let mut k = 0u32;
        for _ in 0..QUEUE {
            k += 1;
            push_to(&shared, |_| Some(k.to_le_bytes().to_vec()));
        }
        assert_eq!(
            shared.client_count.load(Ordering::Acquire),
            1,
            "full, not beyond"
        );
        k += 1;
        push_to(&shared, |_| Some(k.to_le_bytes().to_vec()));
        assert_eq!(shared.client_count.load(Ordering::Acquire), 0, "dropped");
        assert_eq!(shared.dropped.load(Ordering::Relaxed), 1);
        assert_eq!(rx.try_iter().count(), QUEUE, "what it held, and no more");
    }

    #[test]
    fn listen_and_ignore_commands_change_what_a_client_listens_to() {
        let l = Mutex::new(HashSet::new());
        command(r#"{"COMMAND": "LISTEN", "DATA": "/vivid/n/scale"}"#, &l);
        command(r#"{"COMMAND": "LISTEN", "DATA": "/vivid/n/speed"}"#, &l);
        command(r#"{"COMMAND": "IGNORE", "DATA": "/vivid/n/scale"}"#, &l);
        command("not json", &l);
        command(r#"{"COMMAND": "PATH_CHANGED", "DATA": "/x"}"#, &l);
        let got: Vec<String> = l.into_inner().unwrap_or_default().into_iter().collect();
        assert_eq!(got, ["/vivid/n/speed"]);
    }

    #[test]
    fn paths_and_attributes_are_answered_from_the_namespace() {
        let ns = json!({"FULL_PATH": "/", "CONTENTS": {"vivid": {"FULL_PATH": "/vivid", "CONTENTS": {
            "my node": {"FULL_PATH": "/vivid/my node", "CONTENTS": {
                "scale": {"FULL_PATH": "/vivid/my node/scale", "TYPE": "f", "VALUE": [4.0]}}}}}}});
        let (s, body) = answer(&ns, "/vivid/my%20node/scale", "VALUE");
        assert_eq!((s, body.as_str()), (200, r#"{"VALUE":[4.0]}"#));
        assert_eq!(answer(&ns, "/vivid/nope", "").0, 404);
        assert_eq!(answer(&ns, "/vivid/my%20node/scale", "COLOR").0, 400);
        assert_eq!(answer(&ns, "/vivid/my%20node/scale", "RANGE").0, 204);
        assert_eq!(answer(&ns, "/", "").0, 200);
    }
}
