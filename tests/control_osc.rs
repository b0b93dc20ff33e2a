//! OSC in, end to end on loopback: real UDP datagrams (encoded by `rosc`) set `osc.*`
//! variables and `/vivid/<node>/<param>` parameters of a running engine — typed and
//! clamped as `--set`, bundles held until their time tag, malformed and non-finite input
//! refused — and a flood neither grows what is held nor holds up frames.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant, SystemTime};

use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use vivid::control::osc::{OscConfig, OscInput};
use vivid::params::ParamValue;
use vivid::{Engine, FrameTime, Target};

const CHAIN: &str = "output = \"l\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"osc.red\", \"osc._1.fader\", 0, 1]\n[l]\ntype = \"levels\"\ninput = \"s\"\n";

fn setup() -> (Engine, OscInput, UdpSocket) {
    setup_with(1024)
}

fn setup_with(max_addresses: usize) -> (Engine, OscInput, UdpSocket) {
    let mut e = common::engine();
    let mut controls = vivid::control::Controls::default();
    controls.register(&mut e).unwrap();
    e.set_chain(&common::desc(CHAIN)).unwrap();
    let config = OscConfig {
        max_addresses,
        ..OscConfig::new("127.0.0.1:0".parse().unwrap())
    };
    let osc = OscInput::start(&config).unwrap();
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.connect(osc.local_addr()).unwrap();
    (e, osc, tx)
}

fn msg(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    rosc::encoder::encode(&OscPacket::Message(OscMessage {
        addr: addr.into(),
        args,
    }))
    .unwrap()
}

/// Waits until the receiving thread has read `n` datagrams in all.
fn wait_packets(osc: &OscInput, n: u64) {
    let start = Instant::now();
    while osc.stats().packets < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            osc.stats()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

fn frame(e: &mut Engine, osc: &mut OscInput, k: u64) -> vivid::control::osc::Applied {
    let applied = osc.apply(e);
    e.render(
        FrameTime {
            time: k as f64 / 60.0,
            frame: k,
        },
        Target::None,
        false,
    )
    .unwrap();
    applied
}

fn var(e: &Engine, name: &str) -> f64 {
    e.variable(e.variable_slot(name).unwrap())
}

fn param(e: &Engine, node: &str, name: &str) -> ParamValue {
    e.param_views(node)
        .unwrap()
        .into_iter()
        .find(|p| p.spec.name == name)
        .unwrap()
        .value
}

#[test]
fn messages_set_variables_and_parameters_typed_and_clamped_like_set() {
    let (mut e, mut osc, tx) = setup();
    tx.send(&msg("/red", vec![OscType::Float(0.5)])).unwrap();
    tx.send(&msg("/1/fader", vec![OscType::Int(1)])).unwrap();
    tx.send(&msg("/vivid/l/gamma", vec![OscType::Double(1e9)]))
        .unwrap();
    tx.send(&msg("/vivid/l/brightness", vec![OscType::Int(2)]))
        .unwrap();
    wait_packets(&osc, 4);
    let applied = frame(&mut e, &mut osc, 0);
    assert_eq!(
        (applied.variables, applied.params, applied.errors),
        (2, 2, 0)
    );
    assert_eq!(var(&e, "osc.red"), 0.5);
    assert_eq!(var(&e, "osc._1.fader"), 1.0);
    // Typed as `--set l.gamma=…` is, and clamped to the declared range 0.01..100, where
    // `--set` and `set_param` refuse a constant out of range: a fader past its end is the end.
    assert!(e.set_param("l", "gamma", 1e9).is_err());
    assert_eq!(param(&e, "l", "gamma"), ParamValue::Float(100.0));
    assert_eq!(param(&e, "l", "brightness"), ParamValue::Float(2.0));
    // Wrong types and unknown names are refused by the engine, counted, and change nothing.
    tx.send(&msg("/vivid/l/gamma", vec![OscType::String("x".into())]))
        .unwrap();
    tx.send(&msg("/vivid/nope/gamma", vec![OscType::Float(1.0)]))
        .unwrap();
    wait_packets(&osc, 6);
    let applied = frame(&mut e, &mut osc, 1);
    assert_eq!(applied.errors, 2);
    assert_eq!(param(&e, "l", "gamma"), ParamValue::Float(100.0));
}

#[test]
fn the_latest_value_per_address_wins_and_values_survive_a_new_chain() {
    let (mut e, mut osc, tx) = setup();
    for k in 0..50 {
        tx.send(&msg("/red", vec![OscType::Float(k as f32 / 100.0)]))
            .unwrap();
    }
    tx.send(&msg("/later", vec![OscType::Float(7.0)])).unwrap();
    wait_packets(&osc, 51);
    let applied = frame(&mut e, &mut osc, 0);
    assert_eq!(applied.variables, 1, "osc.later is read by no chain yet");
    assert_eq!(var(&e, "osc.red"), f64::from(0.49f32));
    // A chain reading `osc.later`, loaded after it was sent, reads its last value.
    e.set_chain(&common::desc(
        &CHAIN.replace("osc._1.fader", "osc.later / 7"),
    ))
    .unwrap();
    frame(&mut e, &mut osc, 1);
    assert_eq!(var(&e, "osc.later"), 7.0);
}

#[test]
fn malformed_and_non_finite_input_is_refused_and_counted() {
    let (mut e, mut osc, tx) = setup();
    tx.send(&msg("/red", vec![OscType::Float(0.25)])).unwrap();
    tx.send(b"not osc at all").unwrap();
    tx.send(&[0u8; 3]).unwrap();
    tx.send(&msg("/red", vec![OscType::Float(f32::NAN)]))
        .unwrap();
    tx.send(&msg("/red", vec![OscType::Double(f64::INFINITY)]))
        .unwrap();
    tx.send(&msg("/vivid/l/gamma", vec![OscType::Float(f32::NAN)]))
        .unwrap();
    tx.send(&msg("/red", vec![])).unwrap();
    wait_packets(&osc, 7);
    frame(&mut e, &mut osc, 0);
    assert_eq!(var(&e, "osc.red"), 0.25);
    assert_eq!(param(&e, "l", "gamma"), ParamValue::Float(1.0));
    let s = osc.stats();
    assert_eq!((s.malformed, s.rejected), (2, 4), "{s:?}");
}

#[test]
fn bundles_are_applied_whole_and_future_time_tags_wait() {
    let (mut e, mut osc, tx) = setup();
    let bundle = |at: OscTime, red: f32, fader: f32| {
        rosc::encoder::encode(&OscPacket::Bundle(OscBundle {
            timetag: at,
            content: vec![
                OscPacket::Message(OscMessage {
                    addr: "/red".into(),
                    args: vec![OscType::Float(red)],
                }),
                OscPacket::Bundle(OscBundle {
                    timetag: OscTime {
                        seconds: 0,
                        fractional: 1,
                    },
                    content: vec![OscPacket::Message(OscMessage {
                        addr: "/1/fader".into(),
                        args: vec![OscType::Float(fader)],
                    })],
                }),
            ],
        }))
        .unwrap()
    };
    tx.send(&bundle(
        OscTime {
            seconds: 0,
            fractional: 1,
        },
        0.1,
        0.2,
    ))
    .unwrap();
    wait_packets(&osc, 1);
    frame(&mut e, &mut osc, 0);
    assert_eq!(
        (var(&e, "osc.red"), var(&e, "osc._1.fader")),
        (f64::from(0.1f32), f64::from(0.2f32))
    );
    // Due in 400 ms: held until then (the nested bundle with it).
    let sent = Instant::now();
    let due = OscTime::try_from(SystemTime::now() + Duration::from_millis(400)).unwrap();
    tx.send(&bundle(due, 0.7, 0.8)).unwrap();
    wait_packets(&osc, 2);
    let mut k = 1;
    while var(&e, "osc.red") != f64::from(0.7f32) {
        assert!(sent.elapsed() < Duration::from_secs(10));
        frame(&mut e, &mut osc, k);
        k += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let waited = sent.elapsed();
    assert_eq!(var(&e, "osc._1.fader"), f64::from(0.8f32));
    assert!(
        waited >= Duration::from_millis(380),
        "applied after {waited:?}"
    );
}

#[test]
fn a_flood_holds_no_more_than_its_bounds_and_does_not_hold_up_frames() {
    const PACKETS: u64 = 150_000;
    // Fewer new addresses a frame than the flood brings, so that some are dropped.
    const MAX: usize = 64;
    let (mut e, mut osc, tx) = setup_with(MAX);
    frame(&mut e, &mut osc, 0);
    let sender = std::thread::spawn(move || {
        let same = msg("/red", vec![OscType::Float(0.3)]);
        for i in 0..PACKETS {
            let _ = match i % 4 {
                0 => tx.send(&same),
                1 => tx.send(b"\0\0\0garbage"),
                2 => tx.send(&msg(&format!("/vivid/l/g{i}"), vec![OscType::Float(1.0)])),
                _ => tx.send(&msg(
                    &format!("/unique/{i}"),
                    vec![OscType::Float(i as f32)],
                )),
            };
        }
        tx
    });
    let mut worst = Duration::ZERO;
    let mut frames = 0u64;
    let mut k = 1;
    while !sender.is_finished() {
        let t = Instant::now();
        let applied = osc.apply(&mut e);
        worst = worst.max(t.elapsed());
        assert!(osc.waiting() <= MAX);
        let _ = applied;
        e.render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            false,
        )
        .unwrap();
        k += 1;
        frames += 1;
        std::thread::sleep(Duration::from_millis(4));
    }
    let tx = sender.join().unwrap();
    let s = osc.stats();
    eprintln!("flood: {s:?}, {frames} frames, slowest apply {worst:?}");
    assert!(s.packets > 1000, "{s:?}");
    assert!(s.malformed > 0, "{s:?}");
    assert!(
        s.dropped > 0,
        "more new addresses than one frame holds: {s:?}"
    );
    assert!(
        osc.remembered() <= osc.remember_limit(),
        "{}",
        osc.remembered()
    );
    // Applying a full inbox (half of it failing parameters) stays far under a frame even
    // in a debug build on a loaded machine.
    assert!(worst < Duration::from_millis(100), "{worst:?}");
    // Still responsive afterwards (sent again while waiting: the kernel may still drop
    // datagrams while the receiving thread catches up with the flood — UDP is lossy).
    let start = Instant::now();
    while var(&e, "osc.red") != f64::from(0.9f32) {
        tx.send(&msg("/red", vec![OscType::Float(0.9)])).unwrap();
        std::thread::sleep(Duration::from_millis(2));
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{:?}",
            osc.stats()
        );
        frame(&mut e, &mut osc, k);
        k += 1;
    }
}

#[test]
fn latency_from_a_datagram_to_the_frame_that_reads_it() {
    let (mut e, mut osc, tx) = setup();
    let mut samples = Vec::new();
    for k in 0..60u64 {
        let value = (k % 10) as f32 / 10.0 + 0.05;
        let sent = Instant::now();
        tx.send(&msg("/red", vec![OscType::Float(value)])).unwrap();
        // A frame loop that renders back to back: the first frame whose apply sees it.
        let mut frame_k = k * 1000;
        loop {
            frame(&mut e, &mut osc, frame_k);
            frame_k += 1;
            if var(&e, "osc.red") == f64::from(value) {
                break;
            }
            assert!(sent.elapsed() < Duration::from_secs(5));
        }
        samples.push(sent.elapsed());
    }
    samples.sort();
    let median = samples[samples.len() / 2];
    eprintln!(
        "OSC datagram → frame that shows it: median {median:?}, max {:?} (render included)",
        samples[samples.len() - 1]
    );
    assert!(median < Duration::from_millis(50), "{median:?}");
}

#[test]
fn the_command_line_listens_on_loopback_and_osc_drives_a_headless_run() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    let dir = common::project(&[(
        "chain.toml",
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\ncolor = [\"osc.red\", 0, 0, 1]\n",
    )]);
    let shot = dir.path().join("out.png");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args([
            "--headless",
            "--osc",
            "0",
            "--duration",
            "4",
            "--monitor-interval",
            "0",
        ])
        .arg("--snapshot")
        .arg(&shot)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let addr = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("vivid: OSC in on udp ").map(str::to_string))
        .expect("the address line");
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let packet = msg("/red", vec![OscType::Float(1.0)]);
    let rest = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());
    while child.try_wait().unwrap().is_none() {
        let _ = tx.send_to(&packet, &addr);
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = child.wait().unwrap();
    let rest = rest.join().unwrap();
    assert!(status.success(), "{rest:?}");
    let img = image::open(&shot).unwrap().to_rgba8();
    assert_eq!(img.get_pixel(4, 4).0, [255, 0, 0, 255], "{rest:?}");

    // Another address only when given, with a warning.
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args([
            "--headless",
            "--osc",
            "0.0.0.0:0",
            "--monitor-interval",
            "0",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("reachable from other machines"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg(dir.path())
        .args(["--headless", "--osc", "not a port"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("--osc"), "{err}");
}

#[test]
fn osc_out_sends_each_beat_of_the_tempo() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    rx.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let options = vivid::control::ControlOptions {
        bpm: Some(120.0),
        osc_out: Some(rx.local_addr().unwrap().to_string()),
        ..Default::default()
    };
    let mut controls = vivid::control::Controls::start(&options).unwrap();
    let mut e = common::engine();
    controls.register(&mut e).unwrap();
    e.set_chain(&common::desc(CHAIN)).unwrap();
    // 2.05 s at 20 fps: whole beats 1, 2, 3 and 4 (at 0.5, 1.0, 1.5, 2.0 s).
    for k in 0..=41u64 {
        controls.before_frame(
            &mut e,
            FrameTime {
                time: k as f64 / 20.0,
                frame: k,
            },
        );
    }
    let mut buf = [0u8; 1024];
    let mut beats = Vec::new();
    for _ in 0..4 {
        let n = rx.recv(&mut buf).unwrap();
        let (_, packet) = rosc::decoder::decode_udp(&buf[..n]).unwrap();
        let OscPacket::Message(m) = packet else {
            panic!("{packet:?}")
        };
        assert_eq!(m.addr, "/vivid/tempo/beat");
        assert_eq!(m.args[1], OscType::Double(120.0));
        beats.push(m.args[0].clone());
    }
    assert_eq!(beats, [1.0, 2.0, 3.0, 4.0].map(OscType::Double));
    assert_eq!(controls.osc_out().unwrap().sent, 4);
}

/// Every OSC message `rx` holds now, as (address, first argument).
fn received(rx: &UdpSocket) -> Vec<(String, OscType)> {
    rx.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 1024];
    let mut got = Vec::new();
    while let Ok(n) = rx.recv(&mut buf) {
        if let Ok((_, OscPacket::Message(m))) = rosc::decoder::decode_udp(&buf[..n]) {
            got.push((m.addr, m.args[0].clone()));
        }
    }
    got
}

#[test]
fn osc_send_sends_chosen_values_every_frame_or_on_change() {
    let rx = UdpSocket::bind("127.0.0.1:0").unwrap();
    let spec = |s: &str| vivid::control::osc::send::SendSpec::parse(s).unwrap();
    let options = |rate| vivid::control::ControlOptions {
        bpm: Some(120.0),
        osc_out: Some(rx.local_addr().unwrap().to_string()),
        osc_send: vec![
            spec("/frame=frame"),
            spec("/phase=tempo.phase"),
            spec("/fader=osc.fader1 + 1"),
        ],
        osc_send_rate: rate,
        ..Default::default()
    };
    for rate in [
        vivid::control::osc::send::SendRate::Change,
        vivid::control::osc::send::SendRate::Frame,
    ] {
        let mut controls = vivid::control::Controls::start(&options(rate)).unwrap();
        let mut e = common::engine();
        controls.register(&mut e).unwrap();
        e.set_chain(&common::desc(CHAIN)).unwrap();
        // 4 frames at 8 fps and 120 bpm: phases 0, 0.25, 0.5, 0.75; osc.fader1 stays 0.
        for k in 0..4u64 {
            controls.before_frame(
                &mut e,
                FrameTime {
                    time: k as f64 / 8.0,
                    frame: k,
                },
            );
        }
        let got = received(&rx);
        let values = |addr: &str| -> Vec<OscType> {
            got.iter()
                .filter(|(a, _)| a == addr)
                .map(|(_, v)| v.clone())
                .collect()
        };
        assert_eq!(
            values("/frame"),
            [0.0, 1.0, 2.0, 3.0].map(OscType::Float),
            "{rate:?}"
        );
        assert_eq!(
            values("/phase"),
            [0.0, 0.25, 0.5, 0.75].map(OscType::Float),
            "{rate:?}"
        );
        // A value that does not change goes once on change, every frame otherwise.
        let once = match rate {
            vivid::control::osc::send::SendRate::Change => 1,
            vivid::control::osc::send::SendRate::Frame => 4,
        };
        assert_eq!(
            values("/fader"),
            vec![OscType::Float(1.0); once],
            "{rate:?}"
        );
    }
    // A mistyped variable: an error at its column, with a suggestion.
    let bad = vivid::control::ControlOptions {
        osc_out: Some(rx.local_addr().unwrap().to_string()),
        osc_send: vec![spec("/x=1 + audio.bas")],
        ..Default::default()
    };
    let mut controls = vivid::control::Controls::start(&bad).unwrap();
    let err = controls
        .register(&mut common::engine())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("column 5") && err.contains("audio.bass"),
        "{err}"
    );
}

/// `GET path` over HTTP/1.0 on `addr`: (status, body).
fn http_get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_string();
    (status, body)
}

/// OSC in and `OSCQuery` on loopback (ports the system picks), registered with an engine.
fn with_oscquery() -> (vivid::control::Controls, Engine) {
    let options = vivid::control::ControlOptions {
        osc: Some("127.0.0.1:0".into()),
        oscquery: Some("0".into()),
        ..Default::default()
    };
    let mut controls = vivid::control::Controls::start(&options).unwrap();
    let mut e = common::engine();
    controls.register(&mut e).unwrap();
    (controls, e)
}

#[test]
fn oscquery_describes_every_parameter_and_follows_osc_in() {
    let (mut controls, mut e) = with_oscquery();
    e.set_chain(&common::desc(
        "output = \"st\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\n[st]\ntype = \"strobe\"\ninput = \"s\"\nrate = 10\n",
    ))
    .unwrap();
    let http = controls.oscquery().unwrap().local_addr();
    let osc = controls.osc().unwrap().local_addr();
    assert!(http.ip().is_loopback(), "loopback by default: {http}");
    // Requests wait for a frame to describe the chain: frames run meanwhile.
    let asked = std::thread::spawn(move || {
        (
            http_get(http, "/?HOST_INFO"),
            http_get(http, "/"),
            http_get(http, "/vivid/st/rate"),
        )
    });
    let mut k = 0;
    while !asked.is_finished() {
        let t = FrameTime {
            time: k as f64 / 60.0,
            frame: k,
        };
        controls.before_frame(&mut e, t);
        e.render(t, Target::None, false).unwrap();
        k += 1;
    }
    let (info, root, rate) = asked.join().unwrap();
    let json = |b: &str| serde_json::from_str::<serde_json::Value>(b).unwrap();
    let info = json(&info.1);
    assert_eq!(info["OSC_PORT"], u64::from(osc.port()));
    assert_eq!(info["OSC_TRANSPORT"], "UDP");
    let root = json(&root.1);
    // strobe's `rate` is declared `[0.0, 120.0]` (operators/src/temporal/strobe.rs).
    let r = &root["CONTENTS"]["vivid"]["CONTENTS"]["st"]["CONTENTS"]["rate"];
    assert_eq!(r["FULL_PATH"], "/vivid/st/rate");
    assert_eq!(r["TYPE"], "f");
    assert_eq!(r["RANGE"][0]["MIN"], 0.0);
    assert_eq!(r["RANGE"][0]["MAX"], 120.0);
    assert_eq!(r["VALUE"][0], 10.0);
    assert_eq!(r["ACCESS"], 3);
    assert_eq!(rate.0, 200);
    assert_eq!(json(&rate.1), *r);
    let color = &root["CONTENTS"]["vivid"]["CONTENTS"]["s"]["CONTENTS"]["color"];
    assert_eq!(color["TYPE"], "ffff");
    // Set over OSC at the address it gave: the next description has the new value.
    let tx = UdpSocket::bind("127.0.0.1:0").unwrap();
    tx.send_to(&msg("/vivid/st/rate", vec![OscType::Float(20.0)]), osc)
        .unwrap();
    let asked = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        (
            http_get(http, "/vivid/st/rate?VALUE"),
            http_get(http, "/vivid/nope"),
        )
    });
    while !asked.is_finished() {
        let t = FrameTime {
            time: k as f64 / 60.0,
            frame: k,
        };
        controls.before_frame(&mut e, t);
        e.render(t, Target::None, false).unwrap();
        k += 1;
    }
    let (value, missing) = asked.join().unwrap();
    assert_eq!(json(&value.1), serde_json::json!({"VALUE": [20.0]}));
    assert_eq!(missing.0, 404);
}

#[test]
fn oscquery_websocket_listen_pushes_changed_values_as_osc() {
    let (mut controls, mut e) = with_oscquery();
    // `rate` moves every frame; `s.color` never does.
    e.set_chain(&common::desc(
        "output = \"st\"\n[s]\ntype = \"solid\"\nsize = [8, 8]\n[st]\ntype = \"strobe\"\ninput = \"s\"\nrate = \"1 + frame\"\n",
    ))
    .unwrap();
    let http = controls.oscquery().unwrap().local_addr();
    let (mut ws, _) = tungstenite::connect(format!("ws://{http}/")).unwrap();
    if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_mut() {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
    }
    let mut k = 0u64;
    let mut frame = |e: &mut Engine, controls: &mut vivid::control::Controls| {
        let t = FrameTime {
            time: k as f64 / 60.0,
            frame: k,
        };
        controls.before_frame(e, t);
        e.render(t, Target::None, false).unwrap();
        k += 1;
    };
    let start = Instant::now();
    while controls.oscquery().unwrap().clients() == 0 {
        assert!(start.elapsed() < Duration::from_secs(5));
        frame(&mut e, &mut controls);
    }
    let listen = |ws: &mut tungstenite::WebSocket<_>, cmd: &str, path: &str| {
        ws.send(tungstenite::Message::text(format!(
            "{{\"COMMAND\": \"{cmd}\", \"DATA\": \"{path}\"}}"
        )))
        .unwrap();
    };
    listen(&mut ws, "LISTEN", "/vivid/st/rate");
    listen(&mut ws, "LISTEN", "/vivid/s/color");
    // Values arrive as OSC messages in binary frames: rate each frame, color once.
    let mut got: Vec<(String, Vec<OscType>)> = Vec::new();
    let start = Instant::now();
    while got.iter().filter(|(a, _)| a == "/vivid/st/rate").count() < 5 {
        assert!(start.elapsed() < Duration::from_secs(10), "{got:?}");
        frame(&mut e, &mut controls);
        match ws.read() {
            Ok(tungstenite::Message::Binary(bytes)) => {
                let (_, packet) = rosc::decoder::decode_udp(&bytes).unwrap();
                let OscPacket::Message(message) = packet else {
                    panic!("{packet:?}")
                };
                got.push((message.addr, message.args));
            }
            Ok(other) => panic!("{other:?}"),
            Err(tungstenite::Error::Io(_)) => {}
            Err(err) => panic!("{err}"),
        }
    }
    let rates: Vec<f32> = got
        .iter()
        .filter(|(a, _)| a == "/vivid/st/rate")
        .map(|(_, v)| match v[..] {
            [OscType::Float(x)] => x,
            _ => panic!("{v:?}"),
        })
        .collect();
    assert!(rates.windows(2).all(|w| w[1] > w[0]), "{rates:?}");
    assert!(
        rates.iter().all(|r| r.fract() == 0.0),
        "1 + frame: {rates:?}"
    );
    let colors: Vec<_> = got.iter().filter(|(a, _)| a == "/vivid/s/color").collect();
    assert_eq!(colors.len(), 1, "sent when it changes only: {got:?}");
    assert_eq!(colors[0].1.len(), 4);
    // IGNORE: nothing more once what was on its way is read.
    listen(&mut ws, "IGNORE", "/vivid/st/rate");
    for _ in 0..20 {
        frame(&mut e, &mut controls);
        let _ = ws.read();
    }
    for _ in 0..5 {
        frame(&mut e, &mut controls);
        assert!(
            !matches!(ws.read(), Ok(tungstenite::Message::Binary(_))),
            "nothing after IGNORE"
        );
    }
    // HOST_INFO says LISTEN is offered; HTTP still answers on the same port.
    let info = std::thread::spawn(move || http_get(http, "/?HOST_INFO"))
        .join()
        .unwrap();
    let info: serde_json::Value = serde_json::from_str(&info.1).unwrap();
    assert_eq!(info["EXTENSIONS"]["LISTEN"], true);
    // A client that closes is forgotten.
    ws.close(None).unwrap();
    let start = Instant::now();
    while controls.oscquery().unwrap().clients() > 0 {
        assert!(start.elapsed() < Duration::from_secs(5));
        let _ = ws.read();
        frame(&mut e, &mut controls);
    }
}
