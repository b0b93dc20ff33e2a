//! A parameter struct of every common kind, shared by the unit tests of this module.

use crate::params::{ParamSet, ParamStruct, Rgba};

crate::choice_enum! {
    /// Test enum.
    pub enum Mode { A = "a", Bee = "bee" }
}

crate::params! {
    /// Test params.
    pub(crate) struct P {
        /// A scale.
        /// Second line.
        scale: f32 [0.0, 10.0] = 4.0,
        /// Count.
        #[param(alias = "number", when = "mode:bee", group = "More")]
        count: u32 [1, 8] = 2,
        /// Offset.
        offset: glam::Vec3 = glam::Vec3::ZERO,
        /// Colour.
        color: Rgba = Rgba::WHITE,
        /// Mode.
        mode: Mode = Mode::Bee,
        /// Flag.
        flag: bool = false,
    }
}

/// A set of [`P`]'s parameters at their defaults.
pub fn set() -> ParamSet {
    ParamSet::new(P::specs().into())
}
