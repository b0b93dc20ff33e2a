//! The parameters of one operator instance: their sources and current values, evaluated per frame.

use std::sync::Arc;

use crate::params::{
    Component, ExprVars, ParamKind, ParamSource, ParamSpec, ParamValue, ParamValues,
};

/// The parameters of one operator instance: where each comes from and its current value.
#[derive(Clone, Debug)]
pub struct ParamSet {
    specs: Arc<[ParamSpec]>,
    sources: Vec<ParamSource>,
    values: ParamValues,
    /// Per parameter: whether it is an expression (or bound: it changes from frame to frame).
    animated: Vec<bool>,
    /// Per parameter: whether a `[bindings]` entry drives it.
    bound: Vec<bool>,
    /// Number of evaluations that gave NaN or infinity (the previous value was kept).
    non_finite: u64,
    /// The components of the value being evaluated.
    scratch: Vec<f32>,
}

impl ParamSet {
    /// All parameters at their defaults.
    #[must_use]
    pub fn new(specs: Arc<[ParamSpec]>) -> Self {
        let values = ParamValues(specs.iter().map(|s| s.default.clone()).collect());
        let sources = specs
            .iter()
            .map(|s| ParamSource::Const(s.default.clone()))
            .collect();
        let animated = vec![false; specs.len()];
        let bound = vec![false; specs.len()];
        Self {
            specs,
            sources,
            values,
            animated,
            bound,
            non_finite: 0,
            scratch: Vec::new(),
        }
    }

    /// The specs.
    #[must_use]
    pub fn specs(&self) -> &[ParamSpec] {
        &self.specs
    }

    /// Index of the parameter named `name` (or once named so: an alias).
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs
            .iter()
            .position(|s| s.name == name)
            .or_else(|| self.specs.iter().position(|s| s.answers_to(name)))
    }

    /// Sets a parameter's source; constants take effect at once.
    pub fn set(&mut self, index: usize, source: ParamSource) {
        match &source {
            ParamSource::Const(v) => self.values.0[index] = v.clone(),
            // Evaluation gathers components in `scratch`: sized here, so frames allocate nothing.
            // A list's value gets its room here too.
            ParamSource::Animated { components, .. } => {
                self.scratch.reserve(components.len());
                if let ParamValue::Numbers(v) = &mut self.values.0[index] {
                    v.reserve(components.len().saturating_sub(v.len()));
                }
            }
        }
        self.animated[index] = source.is_animated() || self.bound[index];
        // Room for its components, so that evaluating never grows the scratch space.
        if let ParamSource::Animated { components, .. } = &source {
            self.scratch
                .reserve(components.len().saturating_sub(self.scratch.len()));
        }
        self.sources[index] = source;
    }

    /// The source of parameter `index`.
    #[must_use]
    pub fn source(&self, index: usize) -> &ParamSource {
        &self.sources[index]
    }

    /// Parameter `index` as chain.toml would write it, when it is animated: `"4 + sin(time)"`,
    /// or `["cos(time)", 0.5]` for a vector with an animated component.
    #[must_use]
    pub fn expression_text(&self, index: usize) -> Option<String> {
        let ParamSource::Animated { kind, components } = self.sources.get(index)? else {
            return None;
        };
        let parts: Vec<String> = components
            .iter()
            .map(|c| match c {
                Component::Const(x) => x.to_string(),
                Component::Expr(e) => format!("\"{}\"", e.text()),
            })
            .collect();
        Some(match kind.element() {
            // A list: its elements, each as written.
            Some(element) => {
                let items: Vec<String> = parts
                    .chunks(element.components())
                    .map(|c| {
                        if c.len() == 1 {
                            c.concat()
                        } else {
                            format!("[{}]", c.join(", "))
                        }
                    })
                    .collect();
                format!("[{}]", items.join(", "))
            }
            None if parts.len() == 1 => parts.concat(),
            None => format!("[{}]", parts.join(", ")),
        })
    }

    /// Whether any parameter is an expression.
    #[must_use]
    pub fn is_animated(&self) -> bool {
        self.animated.iter().any(|a| *a)
    }

    /// Per parameter (spec order): whether it is an expression.
    #[must_use]
    pub fn animated(&self) -> &[bool] {
        &self.animated
    }

    /// Evaluates every expression for this frame. Returns whether any value changed.
    /// Allocates nothing.
    pub fn evaluate(&mut self, vars: &ExprVars) -> bool {
        let mut changed = false;
        for (i, src) in self.sources.iter().enumerate() {
            let ParamSource::Animated { kind, components } = src else {
                continue;
            };
            let spec = &self.specs[i];
            let value = &mut self.values.0[i];
            // A list's value is updated in place (no allocation once it has its length).
            self.scratch.clear();
            let prev = value.components();
            let mut ok = true;
            for (j, c) in components.iter().enumerate() {
                self.scratch.push(match c {
                    Component::Const(x) => *x,
                    Component::Expr(e) => {
                        if let Some(x) = e.eval(vars) {
                            spec.clamp(x as f32)
                        } else {
                            // Documented: a NaN/inf result keeps the previous value.
                            ok = false;
                            prev.get(j).copied().unwrap_or(0.0)
                        }
                    }
                });
            }
            if !ok {
                self.non_finite += 1;
            }
            if let ParamValue::Numbers(v) = value {
                if v[..] != self.scratch[..] {
                    v.clear();
                    v.extend_from_slice(&self.scratch);
                    changed = true;
                }
                continue;
            }
            let v = ParamValue::from_components(*kind, &self.scratch);
            if v != *value {
                *value = v;
                changed = true;
            }
        }
        changed
    }

    /// Marks parameter `index` as driven by a binding: it counts as animated (operators
    /// prepare for every value it may take, as for an expression).
    pub fn mark_bound(&mut self, index: usize) {
        if let (Some(b), Some(a)) = (self.bound.get_mut(index), self.animated.get_mut(index)) {
            *b = true;
            *a = true;
        }
    }

    /// Sets parameter `index` (a float, an int or a bool) to `x` as an expression's result
    /// would be: clamped into its range as an `f32`, an int rounded, a bool true from 0.5.
    /// Returns whether the value changed. Allocates nothing. A `[bindings]` entry drives
    /// its parameter through this each frame.
    pub fn set_bound(&mut self, index: usize, x: f64) -> bool {
        let (Some(spec), Some(value)) = (self.specs.get(index), self.values.0.get_mut(index))
        else {
            return false;
        };
        let v = match spec.kind {
            ParamKind::Float => ParamValue::Float(spec.clamp(x as f32)),
            ParamKind::Int => ParamValue::Int(spec.clamp(x as f32).round() as i32),
            ParamKind::Bool => ParamValue::Bool(x >= 0.5),
            _ => return false,
        };
        let changed = *value != v;
        *value = v;
        changed
    }

    /// The current values.
    #[must_use]
    pub fn values(&self) -> &ParamValues {
        &self.values
    }

    /// How many expression results were NaN or infinite (and ignored).
    #[must_use]
    pub fn non_finite_count(&self) -> u64 {
        self.non_finite
    }
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "the values compared are exact (small integers)"
)]
mod tests {
    use crate::params::fixture::{P, set};
    use crate::params::{ExprVars, ParamStruct, RawValue};

    #[test]
    fn expressions_evaluate_and_clamp() {
        let mut p = set();
        let src = p.specs()[0]
            .parse(&"4 + 2 * sin(time)".into())
            .expect("parses");
        p.set(0, src);
        assert!(p.is_animated());
        p.evaluate(&ExprVars::at(std::f64::consts::FRAC_PI_2, 0.0));
        assert_eq!(P::read(p.values()).scale, 6.0);
        // Clamped into 0..=10.
        p.set(
            0,
            p.specs()[0].parse(&"frame * 100".into()).expect("parses"),
        );
        p.evaluate(&ExprVars::at(0.0, 3.0));
        assert_eq!(P::read(p.values()).scale, 10.0);
        // A NaN result keeps the last value.
        p.set(
            0,
            p.specs()[0].parse(&"ln(time - 5)".into()).expect("parses"),
        );
        p.evaluate(&ExprVars::at(0.0, 0.0));
        assert_eq!(P::read(p.values()).scale, 10.0);
        assert_eq!(p.non_finite_count(), 1);
    }

    #[test]
    fn vector_elements_can_be_expressions() {
        let mut p = set();
        let src = p.specs()[2].parse(&RawValue::Array(vec![
            RawValue::Str("frame".into()),
            RawValue::Int(1),
            RawValue::Float(2.5),
        ]));
        p.set(2, src.expect("parses"));
        p.evaluate(&ExprVars::at(0.0, 7.0));
        assert_eq!(P::read(p.values()).offset, glam::Vec3::new(7.0, 1.0, 2.5));
    }

    #[test]
    fn list_elements_evaluate_in_place_and_clamp() {
        use crate::params::{ParamKind, ParamSet, ParamSpec, ParamValue};
        let spec =
            ParamSpec::new("at", ParamKind::Floats(4), ParamValue::Numbers(vec![])).range(0.0, 1.0);
        let mut p = ParamSet::new(vec![spec].into());
        let src = p.specs()[0]
            .parse(&RawValue::Array(vec![
                0.25f32.into(),
                "frame / 10".into(),
                "frame".into(),
            ]))
            .expect("parses");
        p.set(0, src);
        assert_eq!(
            p.expression_text(0).as_deref(),
            Some("[0.25, \"frame / 10\", \"frame\"]")
        );
        assert!(p.evaluate(&ExprVars::at(0.0, 5.0)));
        assert_eq!(p.values().0[0], ParamValue::Numbers(vec![0.25, 0.5, 1.0]));
        assert!(!p.evaluate(&ExprVars::at(1.0, 5.0)));
    }
}

#[cfg(test)]
mod allocation {
    use crate::params::fixture::set;
    use crate::params::{ExprVars, RawValue};

    #[test]
    fn evaluating_a_frame_allocates_nothing() {
        let mut p = set();
        let scale = p.specs()[0].parse(&"4 + 2 * sin(time)".into());
        p.set(0, scale.expect("parses"));
        let offset = p.specs()[2].parse(&RawValue::Array(vec![
            "frame % 7".into(),
            "noise(time)".into(),
            RawValue::Float(2.5),
        ]));
        p.set(2, offset.expect("parses"));
        let mut vars = ExprVars::default();
        let info = allocation_counter::measure(|| {
            for k in 0..100 {
                vars.set_time(f64::from(k) / 60.0, f64::from(k), 1.0 / 60.0);
                p.evaluate(&vars);
            }
        });
        assert_eq!(info.count_total, 0, "{info:?}");
    }
}
