//! Ableton Link (`--clock link`, feature `link`: the `rusty_link` crate, which builds
//! Ableton's C++ library with cmake): vivid joins the Link session of the local network and
//! reads its tempo and beat each frame — `link.bpm`, `link.beat` (whole beats on the
//! session's timeline), `link.phase` (0..1 within the beat), `link.peers` — and `tempo.*`
//! follows it (unless `--bpm` fixes the tempo). Link discovers peers by UDP multicast on
//! every interface: it runs only when asked for by name.

/// The Link variables, (name, documentation): declared with or without the feature.
pub const VARIABLES: [(&str, &str); 4] = [
    (
        "link.bpm",
        "Ableton Link: the session's tempo (--clock link; 0 without)",
    ),
    (
        "link.beat",
        "Ableton Link: whole beats on the session's timeline",
    ),
    ("link.phase", "Ableton Link: 0..1 within the beat"),
    ("link.peers", "Ableton Link: other apps in the session"),
];

#[cfg(feature = "link")]
mod imp {
    use crate::midi::clock::ClockReading;

    /// A Link session joined.
    pub struct LinkClock {
        link: rusty_link::AblLink,
        state: rusty_link::SessionState,
    }

    impl std::fmt::Debug for LinkClock {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("LinkClock")
                .field("peers", &self.link.num_peers())
                .finish_non_exhaustive()
        }
    }

    impl LinkClock {
        /// Joins (or starts) the session, proposing `bpm` when alone.
        #[must_use]
        pub fn join(bpm: f64) -> Self {
            let link = rusty_link::AblLink::new(bpm);
            link.enable(true);
            Self {
                link,
                state: rusty_link::SessionState::new(),
            }
        }

        /// The session now: (bpm, beats, peers). Allocates nothing.
        pub fn read(&mut self) -> (f64, f64, u64) {
            self.link.capture_app_session_state(&mut self.state);
            let now = self.link.clock_micros();
            (
                self.state.tempo(),
                self.state.beat_at_time(now, 1.0).max(0.0),
                self.link.num_peers(),
            )
        }

        /// What `tempo.*` reads from it.
        #[must_use]
        pub fn reading(bpm: f64, beats: f64) -> ClockReading {
            ClockReading {
                bpm,
                beats,
                playing: true,
            }
        }
    }
}

#[cfg(feature = "link")]
pub use imp::LinkClock;

#[cfg(all(test, feature = "link"))]
#[expect(clippy::float_cmp, reason = "the tempo proposed, exactly")]
mod tests {
    use super::LinkClock;

    #[test]
    fn alone_in_a_session_the_proposed_tempo_holds_and_beats_advance_with_time() {
        let mut link = LinkClock::join(150.0);
        let (bpm, b0, _) = link.read();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (bpm2, b1, _) = link.read();
        // Peers on this network could change the tempo; alone it is ours.
        if bpm == 150.0 && bpm2 == 150.0 {
            // 150 BPM = 2.5 beats a second: 0.5 in 200 ms (the sleep may run long).
            let advanced = b1 - b0;
            assert!((0.45..1.5).contains(&advanced), "{advanced}");
        } else {
            eprintln!("a Link peer set the tempo to {bpm2}");
            assert!(b1 >= b0);
        }
    }
}
