//! The OSC decoder path under arbitrary input: never a panic, whatever the bytes; what
//! `rosc` encodes decodes to the same targets and values; nesting is bounded.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use proptest::prelude::*;
use rosc::{OscBundle, OscMessage, OscPacket, OscTime, OscType};
use vivid_control::osc::decode::{self, MAX_BUNDLE_DEPTH, Rejected, Target};
use vivid_engine::params::RawValue;

fn run(bytes: &[u8]) -> (Vec<decode::Update>, Vec<Rejected>) {
    let (mut out, mut rej) = (Vec::new(), Vec::new());
    decode::decode(bytes, &mut out, &mut rej);
    (out, rej)
}

/// A bundle nested `depth` deep around one message, as bytes.
fn nested(depth: usize) -> Vec<u8> {
    let mut packet = OscPacket::Message(OscMessage {
        addr: "/deep".into(),
        args: vec![OscType::Float(1.0)],
    });
    for _ in 0..depth {
        packet = OscPacket::Bundle(OscBundle {
            timetag: OscTime {
                seconds: 0,
                fractional: 1,
            },
            content: vec![packet],
        });
    }
    rosc::encoder::encode(&packet).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = run(&bytes);
    }

    #[test]
    fn mutated_valid_packets_never_panic(
        x in any::<f32>(), flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = rosc::encoder::encode(&OscPacket::Bundle(OscBundle {
            timetag: OscTime { seconds: 1, fractional: 2 },
            content: vec![OscPacket::Message(OscMessage {
                addr: "/vivid/noise/scale".into(),
                args: vec![OscType::Float(x), OscType::String("abc".into()), OscType::Int(3)],
            })],
        })).unwrap();
        for (i, b) in flips {
            let n = bytes.len();
            bytes[i % n] ^= b;
        }
        bytes.truncate(cut % (bytes.len() + 1));
        let _ = run(&bytes);
    }

    #[test]
    fn encoded_messages_decode_to_their_values(
        name in "[a-z][a-z0-9_]{0,12}", x in any::<f32>(), n in any::<i32>(),
    ) {
        let bytes = rosc::encoder::encode(&OscPacket::Message(OscMessage {
            addr: format!("/{name}"),
            args: vec![OscType::Float(x)],
        })).unwrap();
        let (out, rej) = run(&bytes);
        if x.is_finite() {
            prop_assert_eq!(out.len(), 1);
            prop_assert_eq!(&out[0].target, &Target::Variable(format!("osc.{name}")));
            prop_assert_eq!(&out[0].value, &RawValue::Float(f64::from(x)));
        } else {
            prop_assert!(out.is_empty());
            prop_assert!(matches!(rej[..], [Rejected::BadValue(_)]));
        }
        let bytes = rosc::encoder::encode(&OscPacket::Message(OscMessage {
            addr: format!("/vivid/{name}/p"),
            args: vec![OscType::Int(n)],
        })).unwrap();
        let (out, _) = run(&bytes);
        prop_assert_eq!(&out[0].value, &RawValue::Int(i64::from(n)));
    }
}

#[test]
fn nesting_is_bounded_and_the_deepest_datagram_does_not_overflow_the_stack() {
    let (out, rej) = run(&nested(MAX_BUNDLE_DEPTH));
    assert_eq!(out.len(), 1, "{rej:?}");
    let (out, rej) = run(&nested(MAX_BUNDLE_DEPTH + 1));
    assert!(out.is_empty());
    assert_eq!(rej, [Rejected::TooDeep]);
    // The deepest nesting one UDP datagram can hold, decoded on a thread with the
    // receiving thread's stack.
    let bytes = nested(3200);
    assert!(bytes.len() < 65_507, "{}", bytes.len());
    let r = std::thread::Builder::new()
        .stack_size(vivid_control::osc::RECEIVE_STACK)
        .spawn(move || run(&bytes))
        .unwrap()
        .join()
        .unwrap();
    assert!(r.0.is_empty());
}
