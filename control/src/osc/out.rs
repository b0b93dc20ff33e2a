//! OSC out: events sent to a host:port as they happen — `/vivid/tempo/beat <beat> <bpm>` at
//! each whole beat of the tempo, `/vivid/audio/onset <count>` at each onset of the audio.
//! A non-blocking socket: a frame never waits on the network; a failure is logged once.

use std::net::{SocketAddr, UdpSocket};

use rosc::{OscMessage, OscPacket, OscType};

use crate::ControlError;

/// Where events go.
#[derive(Debug)]
pub struct OscOutput {
    socket: UdpSocket,
    to: SocketAddr,
    failed: bool,
    /// Messages sent.
    pub sent: u64,
}

impl OscOutput {
    /// Sends to `to` from an ephemeral port: on loopback when `to` is a loopback address
    /// (nothing off this machine can send to it), else on every interface.
    pub fn new(to: SocketAddr) -> Result<Self, ControlError> {
        let from: SocketAddr = match (to.is_ipv4(), to.ip().is_loopback()) {
            (true, true) => ([127, 0, 0, 1], 0).into(),
            (true, false) => ([0, 0, 0, 0], 0).into(),
            (false, true) => (std::net::Ipv6Addr::LOCALHOST, 0).into(),
            (false, false) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
        };
        let bind = |e: std::io::Error| ControlError::Bind {
            what: "OSC out",
            addr: from.to_string(),
            source: e,
        };
        let socket = UdpSocket::bind(from).map_err(bind)?;
        socket.set_nonblocking(true).map_err(bind)?;
        Ok(Self {
            socket,
            to,
            failed: false,
            sent: 0,
        })
    }

    /// Sends message `addr` with `args` (dropped, and logged once, if the socket refuses).
    pub fn send(&mut self, addr: &str, args: Vec<OscType>) {
        let packet = OscPacket::Message(OscMessage {
            addr: addr.to_string(),
            args,
        });
        let Ok(bytes) = rosc::encoder::encode(&packet) else {
            return;
        };
        match self.socket.send_to(&bytes, self.to) {
            Ok(_) => self.sent += 1,
            Err(e) => {
                if !self.failed {
                    self.failed = true;
                    log::warn!("osc out: sending to {}: {e} (logged once)", self.to);
                }
            }
        }
    }
}
