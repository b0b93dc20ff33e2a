//! `[osc_out]` in chain.toml: the file form of `--osc-out`/`--osc-send` — values sent as
//! their expressions say, to the port it names (127.0.0.1), followed across reloads; the
//! command line's `--osc-out` wins over it.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::net::UdpSocket;
use std::time::Duration;

use rosc::{OscPacket, OscType};
use vivid::control::{ControlOptions, Controls};
use vivid::{Engine, FrameTime, Target};

fn chain(port: u16, address: &str) -> String {
    format!(
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [4, 4]\n\n# sent every frame\n[osc_out]\nto = {port}\nrate = \"frame\"\nevents = false\nsend = {{ \"{address}\" = \"time * 2\", \"/cc\" = \"midi.cc1_7\" }}\n"
    )
}

fn receiver() -> UdpSocket {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    rx
}

fn frame(e: &mut Engine, c: &mut Controls, k: u64) {
    let t = FrameTime {
        time: k as f64 / 10.0,
        frame: k,
    };
    c.before_frame(e, t);
    e.render(t, Target::None, false).unwrap();
}

/// Every message waiting on `rx`: (address, first float).
fn messages(rx: &UdpSocket) -> Vec<(String, f32)> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1536];
    while let Ok(n) = rx.recv(&mut buf) {
        let (_, p) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
        if let OscPacket::Message(m) = p
            && let Some(OscType::Float(v)) = m.args.first()
        {
            out.push((m.addr, *v));
        }
        rx.set_read_timeout(Some(Duration::from_millis(100)))
            .unwrap();
    }
    rx.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    out
}

#[test]
fn the_chain_names_what_is_sent_and_a_reload_follows() {
    let rx = receiver();
    let port = rx.local_addr().unwrap().port();
    let mut e = common::engine();
    let mut c = Controls::default();
    c.register(&mut e).unwrap();
    e.set_chain(&common::desc(&chain(port, "/t2"))).unwrap();
    let cc = e.variable_slot("midi.cc1_7").unwrap();
    e.set_variable(cc, 0.5);
    for k in 0..3 {
        frame(&mut e, &mut c, k);
    }
    let got = messages(&rx);
    assert_eq!(
        got,
        [
            ("/t2".to_string(), 0.0),
            ("/cc".to_string(), 0.5),
            ("/t2".to_string(), 0.2),
            ("/cc".to_string(), 0.5),
            ("/t2".to_string(), 0.4),
            ("/cc".to_string(), 0.5),
        ]
    );
    // A reload that renames the address sends to the new one.
    e.set_chain(&common::desc(&chain(port, "/twice"))).unwrap();
    frame(&mut e, &mut c, 3);
    let got = messages(&rx);
    assert_eq!(got[0], ("/twice".to_string(), 0.6), "{got:?}");
    // Without `[osc_out]` nothing goes out.
    e.set_chain(&common::desc("output = \"s\"\n[s]\ntype = \"solid\"\n"))
        .unwrap();
    frame(&mut e, &mut c, 4);
    assert!(messages(&rx).is_empty());
}

#[test]
fn the_command_line_wins() {
    let (file_rx, cli_rx) = (receiver(), receiver());
    let mut c = Controls::start(&ControlOptions {
        osc_out: Some(cli_rx.local_addr().unwrap().port().to_string()),
        ..Default::default()
    })
    .unwrap();
    let mut e = common::engine();
    c.register(&mut e).unwrap();
    e.set_chain(&common::desc(&chain(
        file_rx.local_addr().unwrap().port(),
        "/t2",
    )))
    .unwrap();
    frame(&mut e, &mut c, 0);
    assert!(
        messages(&file_rx).is_empty(),
        "the file's target is not used"
    );
}

#[test]
fn mistakes_in_osc_out_are_located() {
    let e = common::engine();
    let mut e = e;
    let mut c = Controls::default();
    c.register(&mut e).unwrap();
    let text = "output = \"s\"\n[s]\ntype = \"solid\"\n[osc_out]\nto = 9001\nsend = { \"/a\" = \"audio.bas\", \"b\" = \"1\" }\nrat = \"frame\"\n";
    let err = e.set_chain(&common::desc(text)).unwrap_err();
    let vivid::EngineError::Project(ds) = err else {
        panic!("{err}")
    };
    let found: Vec<(usize, &str)> = ds.0.iter().map(|d| (d.line, d.message.as_str())).collect();
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("`b` is not an OSC address")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 7 && m.contains("unknown key `rat`")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(l, m)| *l == 6 && m.contains("audio.bas")),
        "{found:?}"
    );
    let no_to = e
        .set_chain(&common::desc(
            "[s]\ntype = \"solid\"\n[osc_out]\nevents = true\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(no_to.contains("has no `to`"), "{no_to}");
}
