//! Chain: named nodes, their inputs, topological order and validation.
//!
//! A [`ChainDesc`] is what the user wrote (chain.toml, `--set`, or Rust code through
//! [`ChainBuilder`]), with the source location of every piece. [`ChainDesc::validate`]
//! checks it against the [`Registry`](crate::operator::Registry) and gives a [`ChainSpec`]
//! — or every problem found, each with `file:line:col` and a hint.
//!
//! - `desc`: the chain as written ([`ChainDesc`], [`NodeDesc`], [`ChainBuilder`]);
//! - `validate`: the checks of the chain as a whole (names, output, cycles);
//! - `node`: the checks of one node (type, inputs, size, parameters, references);
//! - `files`: the files nodes name, found in the project folder;
//! - `bindings`: the `[bindings]` table ([`BindingDesc`]: a source driving a parameter
//!   through a range, a curve, smoothing and a note mode) and its per-frame [`Binding`];
//! - `osc_out`: the `[osc_out]` table ([`OscOutDesc`]), read and checked for a host;
//! - `outputs`: the `[[window]]` tables ([`OutputDesc`]: node, monitor, warp, blend);
//! - `spec`: the validated chain ([`ChainSpec`]) and its sizes;
//! - `plan`: the order nodes run in and the texture slots their outputs share;
//! - `limits`: the largest chain vivid runs ([`MAX_OPERATORS`], [`MAX_TEXTURE_BYTES`],
//!   [`MAX_EXPRESSION_STEPS`]).

mod bindings;
mod desc;
mod files;
mod limits;
mod node;
mod osc_out;
mod outputs;
mod plan;
mod spec;
mod validate;

pub(crate) use bindings::parse_bindings;
pub use bindings::{Binding, BindingDesc, BindingSpec, Curve, NoteMode};
pub(crate) use desc::{COMMON_KEYS, TOP_LEVEL_KEYS};
pub use desc::{ChainBuilder, ChainDesc, Loc, NodeDesc, Spanned};
pub use limits::{MAX_EXPRESSION_STEPS, MAX_OPERATORS, MAX_TEXTURE_BYTES};
pub(crate) use osc_out::parse_osc_out;
pub use osc_out::{OscOutDesc, is_osc_address};
pub(crate) use outputs::parse_windows;
pub use outputs::{MAX_OUTPUTS, MonitorChoice, OutputDesc, WarpDesc};
pub(crate) use plan::{NO_SLOT, plan_slots, topological_order};
pub use spec::{ChainSpec, NodeSpec, OutputSpec, parse_size};
pub(crate) use spec::{DEFAULT_SIZE, image_pixel_size};
