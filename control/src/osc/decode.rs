//! One UDP datagram to the updates it carries: OSC messages and bundles (nested, with time
//! tags) decoded by `rosc`, each address mapped to a parameter or an `osc.` variable.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rosc::{OscPacket, OscTime, OscType};
use vivid_engine::params::RawValue;

/// The deepest nesting of bundles read; deeper content is dropped (and counted malformed).
pub const MAX_BUNDLE_DEPTH: usize = 16;
/// The most arguments of one message read (a vec4 colour needs 4).
pub const MAX_ARGS: usize = 16;
/// The longest address read, in bytes.
pub const MAX_ADDRESS: usize = 256;

/// What a message sets.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    /// `/vivid/<node>/<param>`: a parameter, typed and clamped as `--set` does.
    Param {
        /// The node's name.
        node: String,
        /// The parameter's name.
        param: String,
    },
    /// Any other address: variable `osc.<name>` (`/fader1` → `osc.fader1`, `/1/fader1` →
    /// `osc._1.fader1`).
    Variable(String),
}

/// One update: a target and its value, due at `at` (a bundle's time tag; `None` now).
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    /// What it sets.
    pub target: Target,
    /// The value: for a variable the first argument (a number, `true`/`false` as 1/0); for
    /// a parameter every argument (several make an array: a vector or a colour).
    pub value: RawValue,
    /// When it is due (a bundle's time tag in the future), `None` for at once.
    pub at: Option<SystemTime>,
}

/// Why a datagram gave nothing (or less than it held).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Not OSC (`rosc`'s reason).
    Malformed(String),
    /// A message whose values are not finite numbers, or unusable for its target.
    BadValue(String),
    /// An address that maps to no name.
    BadAddress(String),
    /// Bundles nested deeper than [`MAX_BUNDLE_DEPTH`].
    TooDeep,
}

impl std::fmt::Display for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Malformed(m) => write!(f, "not an OSC packet: {m}"),
            Self::BadValue(m) => write!(f, "{m}"),
            Self::BadAddress(a) => write!(f, "address `{a}` names no parameter or variable"),
            Self::TooDeep => write!(f, "bundles nested deeper than {MAX_BUNDLE_DEPTH}"),
        }
    }
}

/// Decodes one datagram: its updates (in order) and what was rejected in it. Never panics,
/// whatever the bytes.
pub fn decode(bytes: &[u8], out: &mut Vec<Update>, rejected: &mut Vec<Rejected>) {
    match rosc::decoder::decode_udp(bytes) {
        Ok((_, packet)) => walk(&packet, None, 0, out, rejected),
        Err(e) => rejected.push(Rejected::Malformed(e.to_string())),
    }
}

fn walk(
    packet: &OscPacket,
    at: Option<SystemTime>,
    depth: usize,
    out: &mut Vec<Update>,
    rejected: &mut Vec<Rejected>,
) {
    match packet {
        OscPacket::Message(m) => match message(&m.addr, &m.args) {
            Ok((target, value)) => out.push(Update { target, value, at }),
            Err(r) => rejected.push(r),
        },
        OscPacket::Bundle(b) => {
            if depth >= MAX_BUNDLE_DEPTH {
                rejected.push(Rejected::TooDeep);
                return;
            }
            // A nested bundle is due no earlier than the one holding it.
            let own = time_of(b.timetag);
            let at = match (at, own) {
                (Some(a), Some(o)) => Some(a.max(o)),
                (a, o) => a.or(o),
            };
            for p in &b.content {
                walk(p, at, depth + 1, out, rejected);
            }
        }
    }
}

/// A time tag as a time; `None` for "immediately" (0.1) and for tags before 1970.
#[must_use]
pub fn time_of(tag: OscTime) -> Option<SystemTime> {
    const UNIX_OFFSET: u64 = 2_208_988_800;
    if tag.seconds == 0 && tag.fractional <= 1 {
        return None;
    }
    let secs = u64::from(tag.seconds).checked_sub(UNIX_OFFSET)?;
    let nanos = (f64::from(tag.fractional) / 4_294_967_296.0 * 1e9) as u64;
    UNIX_EPOCH.checked_add(Duration::from_secs(secs) + Duration::from_nanos(nanos.min(999_999_999)))
}

/// The target and value of one message.
pub fn message(addr: &str, args: &[OscType]) -> Result<(Target, RawValue), Rejected> {
    if addr.len() > MAX_ADDRESS || !addr.starts_with('/') {
        return Err(Rejected::BadAddress(addr.chars().take(64).collect()));
    }
    let parts: Vec<&str> = addr[1..].split('/').collect();
    if let ["vivid", node, param] = parts[..] {
        if node.is_empty() || param.is_empty() {
            return Err(Rejected::BadAddress(addr.into()));
        }
        let mut values = Vec::with_capacity(args.len().min(MAX_ARGS));
        for a in args.iter().take(MAX_ARGS) {
            values.push(raw(a).ok_or_else(|| {
                Rejected::BadValue(format!(
                    "`{addr}`: {a:?} is not a finite number, a string or a bool"
                ))
            })?);
        }
        let value = match values.len() {
            0 => return Err(Rejected::BadValue(format!("`{addr}` has no value"))),
            1 => values.pop().unwrap_or(RawValue::Int(0)),
            _ => RawValue::Array(values),
        };
        return Ok((
            Target::Param {
                node: (*node).to_string(),
                param: (*param).to_string(),
            },
            value,
        ));
    }
    let name = variable_name(addr).ok_or_else(|| Rejected::BadAddress(addr.into()))?;
    let value = args.first().and_then(number).ok_or_else(|| {
        Rejected::BadValue(format!("`{addr}`: its first value is not a finite number"))
    })?;
    Ok((Target::Variable(name), RawValue::Float(value)))
}

/// The variable an address sets: `osc.` then its parts joined by `.`, each made a name
/// (characters other than letters, digits and `_` become `_`; a part starting with a digit
/// gets a `_` before it). `None` for an address with no name in it.
#[must_use]
pub fn variable_name(addr: &str) -> Option<String> {
    let mut name = String::with_capacity(addr.len() + 8);
    name.push_str("osc");
    for part in addr.split('/').filter(|p| !p.is_empty()) {
        name.push('.');
        if part.starts_with(|c: char| c.is_ascii_digit()) {
            name.push('_');
        }
        name.extend(part.chars().map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        }));
    }
    (name.len() > 3).then_some(name)
}

/// A number argument as f64: finite numbers, booleans as 1/0.
fn number(a: &OscType) -> Option<f64> {
    let x = match a {
        OscType::Int(i) => f64::from(*i),
        OscType::Float(f) => f64::from(*f),
        OscType::Double(d) => *d,
        OscType::Long(l) => *l as f64,
        OscType::Bool(b) => f64::from(u8::from(*b)),
        _ => return None,
    };
    x.is_finite().then_some(x)
}

/// An argument as a chain.toml value: ints stay ints, finite floats, strings, booleans.
fn raw(a: &OscType) -> Option<RawValue> {
    Some(match a {
        OscType::Int(i) => RawValue::Int(i64::from(*i)),
        OscType::Long(l) => RawValue::Int(*l),
        OscType::Float(_) | OscType::Double(_) => RawValue::Float(number(a)?),
        OscType::Bool(b) => RawValue::Bool(*b),
        OscType::String(s) => RawValue::Str(s.clone()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_map_to_variable_names_the_engine_accepts() {
        assert_eq!(variable_name("/fader1").as_deref(), Some("osc.fader1"));
        assert_eq!(variable_name("/1/fader1").as_deref(), Some("osc._1.fader1"));
        assert_eq!(variable_name("/a b/c-d").as_deref(), Some("osc.a_b.c_d"));
        assert_eq!(variable_name("/"), None);
        let mut vars = vivid_engine::params::Variables::builtin();
        for a in ["/fader1", "/1/fader1", "/a b/c-d", "//x//", "/é"] {
            let n = variable_name(a).expect("a name");
            vars.add(n.clone(), "")
                .unwrap_or_else(|e| panic!("{a} → {n}: {e}"));
        }
    }

    #[test]
    fn messages_are_typed_and_non_finite_values_refused() {
        let m = message("/vivid/noise/scale", &[OscType::Float(2.5)]);
        assert_eq!(
            m,
            Ok((
                Target::Param {
                    node: "noise".into(),
                    param: "scale".into()
                },
                RawValue::Float(2.5)
            ))
        );
        let m = message(
            "/vivid/s/color",
            &[OscType::Float(1.0), OscType::Int(0), OscType::Double(0.5)],
        );
        assert_eq!(
            m.map(|(_, v)| v),
            Ok(RawValue::Array(vec![
                RawValue::Float(1.0),
                RawValue::Int(0),
                RawValue::Float(0.5)
            ]))
        );
        assert!(message("/fader", &[OscType::Float(f32::NAN)]).is_err());
        assert!(message("/fader", &[OscType::Double(f64::INFINITY)]).is_err());
        assert!(message("/vivid/a/b", &[OscType::Float(f32::NEG_INFINITY)]).is_err());
        assert!(message("/fader", &[]).is_err());
        assert_eq!(
            message("/fader", &[OscType::Bool(true)]).map(|(_, v)| v),
            Ok(RawValue::Float(1.0))
        );
        assert!(message("nope", &[OscType::Int(1)]).is_err());
    }

    #[test]
    fn time_tags_before_1970_and_immediate_are_now() {
        assert_eq!(
            time_of(OscTime {
                seconds: 0,
                fractional: 1
            }),
            None
        );
        assert_eq!(
            time_of(OscTime {
                seconds: 5,
                fractional: 0
            }),
            None
        );
        let t = time_of(OscTime {
            seconds: 2_208_988_800 + 10,
            fractional: 1 << 31,
        });
        assert_eq!(t, UNIX_EPOCH.checked_add(Duration::from_millis(10_500)));
        assert!(
            time_of(OscTime {
                seconds: u32::MAX,
                fractional: u32::MAX
            })
            .is_some()
        );
    }
}
