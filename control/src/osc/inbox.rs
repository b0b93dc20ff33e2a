//! The bounded latest-value map between the receiving thread and the frame, and the bundle
//! contents held for a future time tag.

use std::collections::HashMap;
use std::time::SystemTime;

use vivid_engine::params::RawValue;

use super::decode::{Target, Update};

/// The latest value of each address since the frame last took them: at most `cap`
/// addresses (a new one beyond that is refused), a known one is overwritten.
pub(super) struct Inbox {
    pub(super) latest: HashMap<Target, RawValue>,
    cap: usize,
}

impl Inbox {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            latest: HashMap::with_capacity(cap),
            cap,
        }
    }

    /// Keeps `u` as its address's latest value; false when it is new and the inbox is full.
    pub(super) fn put(&mut self, u: Update) -> bool {
        if let Some(v) = self.latest.get_mut(&u.target) {
            *v = u.value;
            return true;
        }
        if self.latest.len() >= self.cap {
            return false;
        }
        self.latest.insert(u.target, u.value);
        true
    }

    pub(super) fn len(&self) -> usize {
        self.latest.len()
    }
}

/// Bundle contents waiting for their time tag, in arrival order (at most `cap`).
pub(super) struct Pending {
    items: Vec<Update>,
    cap: usize,
}

impl Pending {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            items: Vec::new(),
            cap,
        }
    }

    /// Holds `u` until it is due; false when full.
    pub(super) fn hold(&mut self, u: Update) -> bool {
        if self.items.len() >= self.cap {
            return false;
        }
        self.items.push(u);
        true
    }

    /// The earliest time one is due.
    pub(super) fn next_due(&self) -> Option<SystemTime> {
        self.items.iter().filter_map(|u| u.at).min()
    }

    /// Moves those due at `now` into `inbox` (in arrival order); returns how many the inbox
    /// refused.
    pub(super) fn release(&mut self, now: SystemTime, inbox: &mut Inbox) -> u64 {
        let mut refused = 0;
        let mut i = 0;
        while i < self.items.len() {
            if self.items[i].at.is_none_or(|t| t <= now) {
                let u = self.items.remove(i);
                refused += u64::from(!inbox.put(u));
            } else {
                i += 1;
            }
        }
        refused
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, x: f64, at: Option<SystemTime>) -> Update {
        Update {
            target: Target::Variable(name.into()),
            value: RawValue::Float(x),
            at,
        }
    }

    #[test]
    fn the_latest_value_wins_and_new_addresses_stop_at_the_bound() {
        let mut inbox = Inbox::new(2);
        assert!(inbox.put(var("osc.a", 1.0, None)));
        assert!(inbox.put(var("osc.a", 2.0, None)));
        assert!(inbox.put(var("osc.b", 3.0, None)));
        assert!(!inbox.put(var("osc.c", 4.0, None)), "full");
        assert!(
            inbox.put(var("osc.b", 5.0, None)),
            "known addresses still update"
        );
        assert_eq!(inbox.len(), 2);
        assert_eq!(
            inbox.latest[&Target::Variable("osc.a".into())],
            RawValue::Float(2.0)
        );
        assert_eq!(
            inbox.latest[&Target::Variable("osc.b".into())],
            RawValue::Float(5.0)
        );
    }

    #[test]
    fn held_updates_are_released_when_due_in_order() {
        let t0 = SystemTime::now();
        let later = t0 + std::time::Duration::from_secs(1);
        let mut p = Pending::new(2);
        assert!(p.hold(var("osc.a", 1.0, Some(later))));
        assert!(p.hold(var("osc.a", 2.0, Some(later))));
        assert!(!p.hold(var("osc.a", 3.0, Some(later))), "full");
        assert_eq!(p.next_due(), Some(later));
        let mut inbox = Inbox::new(4);
        assert_eq!(p.release(t0, &mut inbox), 0);
        assert_eq!(inbox.len(), 0, "not yet due");
        assert_eq!(p.release(later, &mut inbox), 0);
        assert_eq!(
            inbox.latest[&Target::Variable("osc.a".into())],
            RawValue::Float(2.0)
        );
        assert_eq!(p.next_due(), None);
    }
}
