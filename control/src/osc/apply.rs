//! The frame side of OSC in: takes the inbox (a swap under the lock) and applies it —
//! parameters through `Engine::set_param`, variables through cached slots.

use std::collections::{HashMap, HashSet};

use vivid_engine::Engine;
use vivid_engine::params::RawValue;

use super::decode::Target;
use super::inbox::Inbox;

/// What one [`OscInput::apply`](super::OscInput::apply) did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Parameters set.
    pub params: u32,
    /// Variables set (those some chain reads).
    pub variables: u32,
    /// Updates refused by the engine (unknown node or parameter, wrong type).
    pub errors: u32,
}

/// The most distinct (node, param) errors logged; later ones are only counted.
const MAX_LOGGED: usize = 256;

pub(super) struct Applier {
    /// What the last swap took from the inbox (drained by `apply`; its capacity stays).
    taken: HashMap<Target, RawValue>,
    /// Variable name → slot, for the engine's variables generation `generation`.
    slots: HashMap<String, Option<usize>>,
    generation: usize,
    /// The last value of each variable address (at most `cap`), set again when a new
    /// chain declares variables: a chain loaded later reads what was sent before.
    values: HashMap<String, f64>,
    cap: usize,
    logged: HashSet<String>,
}

impl Applier {
    pub(super) fn new(cap: usize) -> Self {
        Self {
            taken: HashMap::new(),
            slots: HashMap::new(),
            generation: usize::MAX,
            values: HashMap::new(),
            cap,
            logged: HashSet::new(),
        }
    }

    pub(super) fn remembered(&self) -> usize {
        self.values.len()
    }

    pub(super) fn cap(&self) -> usize {
        self.cap
    }

    /// Takes the inbox's content (the inbox gets this side's empty map back).
    pub(super) fn take(&mut self, inbox: &mut Inbox) {
        std::mem::swap(&mut self.taken, &mut inbox.latest);
    }

    fn slot(&mut self, engine: &Engine, name: &str) -> Option<usize> {
        if let Some(s) = self.slots.get(name) {
            return *s;
        }
        let s = engine.variable_slot(name);
        if self.slots.len() < self.cap {
            self.slots.insert(name.to_string(), s);
        }
        s
    }

    pub(super) fn apply(&mut self, engine: &mut Engine) -> Applied {
        let mut done = Applied::default();
        if engine.variables_generation() != self.generation {
            self.generation = engine.variables_generation();
            self.slots.clear();
            let names: Vec<(String, f64)> =
                self.values.iter().map(|(n, v)| (n.clone(), *v)).collect();
            for (name, v) in names {
                if let Some(s) = self.slot(engine, &name) {
                    engine.set_variable(s, v);
                }
            }
        }
        let mut taken = std::mem::take(&mut self.taken);
        for (target, value) in taken.drain() {
            match target {
                Target::Variable(name) => {
                    let RawValue::Float(v) = value else { continue };
                    if let Some(s) = self.slot(engine, &name) {
                        engine.set_variable(s, v);
                        done.variables += 1;
                    }
                    if let Some(old) = self.values.get_mut(&name) {
                        *old = v;
                    } else if self.values.len() < self.cap {
                        self.values.insert(name, v);
                    }
                }
                Target::Param { node, param } => {
                    match engine.set_param_clamped(&node, &param, value) {
                        Ok(()) => done.params += 1,
                        Err(e) => {
                            done.errors += 1;
                            let key = format!("{node}.{param}");
                            if self.logged.len() < MAX_LOGGED && self.logged.insert(key) {
                                log::warn!("osc: /vivid/{node}/{param}: {e} (logged once)");
                            }
                        }
                    }
                }
            }
        }
        self.taken = taken;
        done
    }
}
