//! `OSCQuery` (`--oscquery PORT`): an HTTP server on loopback that describes every parameter
//! of the running chain as the `OSCQuery` specification's JSON — `FULL_PATH`, `CONTENTS`,
//! `TYPE`, `RANGE`, `VALUE`, `ACCESS`, `DESCRIPTION`, and `HOST_INFO` naming the OSC port
//! that sets them (`/vivid/<node>/<param>`, `--osc`) — so controllers such as Open Stage
//! Control or Chataigne discover vivid and build their controls.
//!
//! The server runs on its own thread (`tiny_http`). The namespace is built on the render
//! thread only when a request waits for it ([`OscQuery::publish`] checks a flag each
//! frame): a frame allocates nothing while nobody asks. A request that finds no frame
//! within a second is answered from the last namespace built. (WebSocket `LISTEN` is not
//! offered: `HOST_INFO` says so, and controllers poll.)

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Map, Value, json};
use vivid_engine::Engine;
use vivid_engine::params::{ParamKind, ParamValue};

use crate::ControlError;

/// How long a request waits for a frame to build the namespace.
const WAIT: Duration = Duration::from_secs(1);

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
        let server = tiny_http::Server::http(addr).map_err(|e| ControlError::Bind {
            what: "OSCQuery",
            addr: addr.to_string(),
            source: std::io::Error::other(e.to_string()),
        })?;
        let addr = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| ControlError::Config("OSCQuery: not an IP address".into()))?;
        let shared = Arc::new(Shared::default());
        let state = Arc::clone(&shared);
        let host_info = json!({
            "NAME": "vivid",
            "OSC_IP": osc.ip().to_string(),
            "OSC_PORT": osc.port(),
            "OSC_TRANSPORT": "UDP",
            "EXTENSIONS": {
                "ACCESS": true, "VALUE": true, "RANGE": true, "DESCRIPTION": true,
                "TYPE": true, "FULL_PATH": true, "CONTENTS": true, "LISTEN": false,
                "PATH_CHANGED": false, "TAGS": false, "CLIPMODE": false, "UNIT": false,
                "CRITICAL": false, "EXTENDED_TYPE": false, "OVERLOADS": false,
                "PATH_RENAMED": false, "PATH_ADDED": false, "PATH_REMOVED": false,
                "HTML": false, "ECHO": false
            }
        });
        let thread = std::thread::Builder::new()
            .name("vivid-oscquery".into())
            .spawn(move || serve(&server, &state, &host_info))
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

    /// Builds the namespace from `engine` if a request waits for it (call once a frame).
    pub fn publish(&self, engine: &Engine) {
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
}

impl Drop for OscQuery {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The HTTP thread: answers requests until stopped.
fn serve(server: &tiny_http::Server, shared: &Shared, host_info: &Value) {
    while !shared.stop.load(Ordering::Relaxed) {
        let Ok(Some(request)) = server.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        let url = request.url().to_string();
        let (path, query) = url.split_once('?').unwrap_or((&url, ""));
        let (status, body) = if query == "HOST_INFO" {
            (200, host_info.to_string())
        } else {
            match latest(shared) {
                Some(ns) => answer(&ns, path, query),
                None => (503, json!({"error": "no frame yet"}).to_string()),
            }
        };
        let header = tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"application/json"[..]);
        let mut response = tiny_http::Response::from_string(body).with_status_code(status);
        if let Ok(h) = header {
            response.add_header(h);
        }
        let _ = request.respond(response);
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
