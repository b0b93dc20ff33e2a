//! GPU resources with the engine's allocation rules: a texture pool keyed by full
//! descriptors, one uniform arena uploaded once per frame, caches of pipelines, layouts and
//! samplers, and bind groups rebuilt only when what they reference changes.

mod bind_group;
pub mod budget;
mod pipeline_cache;
mod texture_pool;
mod uniform_arena;

pub use bind_group::{CachedBindGroup, Keyed};
pub use pipeline_cache::{
    EXTRA_SAMPLERS, FULLSCREEN_FORMAT, MAX_BOUND_IMAGES, OUTPUT_BINDING, PARAMS_BINDING,
    PipelineCache, PipelineKey, SamplerKind, input_binding,
};
pub use texture_pool::{Pool, PoolStats, Scratch, ScratchSet, TextureKey, TexturePool};
pub(crate) use uniform_arena::RING;
pub use uniform_arena::{UniformArena, UniformSlot, UniformWriter};
