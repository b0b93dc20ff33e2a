//! Operators: the [`Operator`] trait and what each phase sees, [`OperatorInfo`] (type name,
//! inputs, parameters), the [`Registry`] of types, and operators written in WGSL ([`wgsl`]:
//! a built-in single-pass operator and a project's own shader are the same thing).
//!
//! An operator lives in three phases per frame:
//! 1. [`Operator::write_uniforms`] — every frame, CPU only: pack this frame's parameters.
//! 2. [`Operator::prepare`] — only when what it depends on changed (inputs, output, size,
//!    the uniform buffer, a shader): the one place that may create GPU objects, through
//!    [`PrepareCx::gpu`].
//! 3. [`Operator::encode`] — every frame: record passes into the frame's one encoder.
//!    [`EncodeCx`] holds no device, so encode cannot create objects: the rule is in the types.

mod declare;
#[cfg(feature = "isf")]
pub mod isf;
mod registry;
pub mod wgsl;

use std::borrow::Cow;
use std::sync::Arc;

use crate::encoder::FrameEncoder;
use crate::error::Result;
use crate::files::Files;
use crate::gpu::{Gpu, GpuTexture};
use crate::params::{ExprVars, ParamSpec, ParamStruct, ParamValues, Variables};
use crate::resources::{PipelineCache, TexturePool, UniformArena, UniformWriter};
use crate::scene::{SceneItem, SceneKind, SceneView};
use crate::shaders::ShaderLibrary;

pub use registry::{Factory, Interface, OperatorType, Registry};
pub use wgsl::{WgslOperator, WgslShader};

/// Most inputs an operator can take.
pub const MAX_INPUTS: usize = 8;

/// What group an operator belongs to (for listings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    /// Makes an image from nothing.
    Generator,
    /// Changes one image.
    Filter,
    /// Combines several images.
    Composite,
    /// Has state across frames.
    Temporal,
    /// Renders 3D scenes.
    Render3d,
    /// A project's own shader.
    Custom,
}

/// Every category, in listing order.
pub const CATEGORIES: [Category; 6] = [
    Category::Generator,
    Category::Filter,
    Category::Composite,
    Category::Temporal,
    Category::Render3d,
    Category::Custom,
];

impl Category {
    /// Lower-case name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Generator => "generators",
            Self::Filter => "filters",
            Self::Composite => "composite",
            Self::Temporal => "temporal",
            Self::Render3d => "3d",
            Self::Custom => "custom",
        }
    }

    /// The category of a listing name (`filter` or `filters`), as front matter writes it.
    #[must_use]
    pub fn parse(name: &str) -> Option<Self> {
        let name = name.trim();
        CATEGORIES.into_iter().find(|c| {
            let n = c.name();
            n == name || n.strip_suffix('s') == Some(name) || (name == "3d" && *c == Self::Render3d)
        })
    }
}

/// How many inputs an operator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputSpec {
    /// At least this many.
    pub min: usize,
    /// At most this many.
    pub max: usize,
}

impl InputSpec {
    /// No inputs (a generator).
    pub const NONE: Self = Self { min: 0, max: 0 };
    /// Exactly one input.
    pub const ONE: Self = Self { min: 1, max: 1 };

    /// Text for listings: `none`, `1`, `1..8`.
    #[must_use]
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (0, 0) => "none".into(),
            (a, b) if a == b => a.to_string(),
            (a, b) => format!("{a}..{b}"),
        }
    }
}

/// Static facts about an operator type.
#[derive(Clone, Debug)]
pub struct OperatorInfo {
    /// The `type` string in chain.toml.
    pub name: Cow<'static, str>,
    /// Group.
    pub category: Category,
    /// One sentence.
    pub summary: Cow<'static, str>,
    /// Inputs accepted.
    pub inputs: InputSpec,
    /// Parameters.
    pub params: Arc<[ParamSpec]>,
    /// For operators written in WGSL (the built-in single-pass ones, a project's own
    /// shaders): the reflected shader they run ([`wgsl`]).
    pub shader: Option<Arc<WgslShader>>,
    /// For scene nodes (camera, mesh, lights): their kind. They have no output texture;
    /// see [`crate::scene`].
    pub scene: Option<SceneKind>,
    /// It keeps state that must advance every frame (`feedback`'s history, a future
    /// `delay`'s frames): it runs, with what it reads, even while nothing shown depends on
    /// it. Other operators run only when the node shown needs them (see
    /// [`OperatorType::ADVANCES`](crate::operator::OperatorType::ADVANCES)).
    pub advances: bool,
    /// Its output depends on earlier frames (a history, a persistent buffer, a clip played
    /// from the frame it first ran): a range of frames rendered on its own (`vivid render
    /// --frames A..B`) equals that range of a sequential run only after a preroll. Every
    /// operator that [`advances`](Self::advances) is stateful.
    pub stateful: bool,
    /// Files it reads besides its parameters' (an ISF file's `.vs`, Shadertoy buffers, its
    /// `IMPORTED` pictures), resolved: the engine watches them like a file parameter's and
    /// prepares the node again when one changes ([`PrepareCx::files_generation`]).
    pub files: Arc<[std::path::PathBuf]>,
}

impl OperatorInfo {
    /// The info of a Rust operator type.
    #[must_use]
    pub fn new(
        name: impl Into<Cow<'static, str>>,
        category: Category,
        summary: impl Into<Cow<'static, str>>,
        inputs: InputSpec,
        params: Arc<[ParamSpec]>,
    ) -> Self {
        Self {
            name: name.into(),
            category,
            summary: summary.into(),
            inputs,
            params,
            shader: None,
            scene: None,
            advances: false,
            stateful: false,
            files: Arc::new([]),
        }
    }

    /// For an operator whose output pixel depends only on the same pixel of its one input
    /// (WGSL front matter `pointwise`): its shader, which the engine fuses with its
    /// pointwise neighbours into one pass (see [`crate::fusion`]).
    #[must_use]
    pub fn pointwise(&self) -> Option<&Arc<WgslShader>> {
        self.shader.as_ref().filter(|s| s.pointwise)
    }
}

/// This frame's time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameTime {
    /// Seconds.
    pub time: f64,
    /// Frame index from 0.
    pub frame: u64,
}

/// The 32-byte header every operator's uniforms begin with (WGSL `FrameHeader`,
/// `shaders/common/header.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FrameHeader {
    /// Output size in pixels.
    pub resolution: [f32; 2],
    /// Seconds.
    pub time: f32,
    /// Frame index.
    pub frame: f32,
    /// Seconds since the previous frame (0 on the first).
    pub delta: f32,
    /// Inputs connected.
    pub inputs: u32,
    /// Reserved (zero).
    pub reserved: [f32; 2],
}

/// What [`Operator::write_uniforms`] sees.
#[derive(Debug)]
pub struct UniformCx<'a> {
    /// Current parameter values (expressions evaluated).
    pub params: &'a ParamValues,
    /// This frame's time.
    pub time: FrameTime,
    /// Seconds since the previous frame (0 on the first).
    pub delta: f64,
    /// Output size in pixels.
    pub size: (u32, u32),
    /// Sizes of the inputs, in order.
    pub input_sizes: &'a [(u32, u32)],
    /// The scene nodes this operator references (see [`crate::scene`]).
    pub scene: SceneView<'a>,
    /// The variables expressions may read (`time`, `frame`, a host's `audio.bass`)...
    pub variables: &'a Variables,
    /// ...and their values this frame, by slot (`text` formats them into its string).
    pub vars: &'a ExprVars,
    /// This frame's audio as the host set it (silence without one): what the audio
    /// texture operators upload.
    pub audio: &'a crate::audio::AudioFrame,
}

impl UniformCx<'_> {
    /// The header for this operator's uniforms.
    #[must_use]
    pub fn header(&self) -> FrameHeader {
        FrameHeader {
            resolution: [self.size.0 as f32, self.size.1 as f32],
            time: self.time.time as f32,
            frame: self.time.frame as f32,
            delta: self.delta as f32,
            inputs: self.input_sizes.len() as u32,
            reserved: [0.0; 2],
        }
    }

    /// Reads the typed parameter struct.
    #[must_use]
    pub fn params<P: ParamStruct>(&self) -> P {
        P::read(self.params)
    }
}

/// What [`Operator::prepare`] gets: the GPU and the engine's caches.
#[derive(Debug)]
pub struct PrepareCx<'a> {
    /// Create GPU objects through this (counted).
    pub gpu: &'a Gpu,
    /// Shared pipelines, layouts, samplers.
    pub pipelines: &'a mut PipelineCache,
    /// WGSL sources.
    pub shaders: &'a ShaderLibrary,
    /// Texture pool: [`TexturePool::scratch`] for textures used only within the operator's
    /// own passes (shared with every other operator: a chain of 30 blurs holds one set of
    /// levels), [`TexturePool::acquire`] for state kept across frames (feedback's history).
    pub pool: &'a mut TexturePool,
    /// The frame's uniform arena (bind it with dynamic offsets).
    pub uniforms: &'a UniformArena,
    /// Input textures, in order.
    pub inputs: &'a [&'a GpuTexture],
    /// The texture this operator renders into.
    pub output: &'a GpuTexture,
    /// A 1×1 transparent black texture, for inputs that are not connected.
    pub dummy: &'a GpuTexture,
    /// Current parameter values.
    pub params: &'a ParamValues,
    /// Per parameter: whether it is an expression (its value changes every frame, so
    /// whatever it selects must be prepared for all its values).
    pub animated: &'a [bool],
    /// Instance name (for labels).
    pub name: &'a str,
    /// The scene nodes this operator references.
    pub scene: SceneView<'a>,
    /// Grows when a file this node's parameters name ([`ParamKind::File`]) changed on disk
    /// while running (0: none did): the file must be read again even if its size and time
    /// look the same. It is part of the prepare key.
    ///
    /// [`ParamKind::File`]: crate::params::ParamKind::File
    pub files_generation: u64,
    /// Set by an operator whose `prepare` fails but which bound its last good resources to
    /// this prepare's inputs and output first (an `image` whose new file is broken keeps
    /// showing the old picture at the node's new size): it keeps drawing. Otherwise a
    /// failed prepare for new textures stops the node drawing until one succeeds, since its
    /// old bind groups may name textures that are gone or another node's.
    pub still_bound: bool,
    /// How files are read: the rules (the project folder, the allowed ones; see
    /// [`crate::files`]) and how long a frame may wait for a file read on another thread.
    pub files: &'a Files,
    /// Set by an operator whose file is still being read on another thread
    /// ([`crate::files::Loading`]): it is prepared again at the next frame, with the same
    /// key, until it leaves this unset — meanwhile it draws what it has (its last good
    /// version, bound to this prepare's textures).
    pub pending: bool,
}

/// Counters the operators of a frame report by name (`render3d` counts `shadow_passes`):
/// each frame's are in [`crate::FrameReport::counters`], and the run's last and total in
/// [`crate::RunStats::operator_counters`]. The engine knows no name; up to
/// [`Counters::CAPACITY`] names a frame.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    names: [&'static str; Self::CAPACITY],
    values: [u64; Self::CAPACITY],
    len: usize,
}

impl Counters {
    /// Distinct names a frame can count.
    pub const CAPACITY: usize = 8;

    /// Adds `n` to counter `name` (a name beyond the capacity is not counted).
    pub fn add(&mut self, name: &'static str, n: u64) {
        if let Some(i) = self.names[..self.len].iter().position(|x| *x == name) {
            self.values[i] += n;
        } else if self.len < Self::CAPACITY {
            self.names[self.len] = name;
            self.values[self.len] = n;
            self.len += 1;
        }
    }

    /// Counter `name` (0 if nothing counted it).
    #[must_use]
    pub fn get(&self, name: &str) -> u64 {
        self.iter().find(|(n, _)| *n == name).map_or(0, |(_, v)| v)
    }

    /// Every counter counted, in the order first counted.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.names[..self.len]
            .iter()
            .copied()
            .zip(self.values[..self.len].iter().copied())
    }
}

/// What [`Operator::encode`] gets: the frame's encoder and textures. No device.
#[derive(Debug)]
pub struct EncodeCx<'a> {
    /// The frame's one command encoder. Passes recorded with
    /// [`FullscreenPass`](crate::fullscreen::FullscreenPass) share its open compute pass;
    /// anything else reaches the `wgpu::CommandEncoder` through `DerefMut` (which ends
    /// that pass first).
    pub encoder: &'a mut FrameEncoder,
    /// Input textures, in order.
    pub inputs: &'a [&'a GpuTexture],
    /// The texture to render into.
    pub output: &'a GpuTexture,
    /// Instance name (for debug groups).
    pub name: &'a str,
    /// The scene nodes this operator references.
    pub scene: SceneView<'a>,
    /// Counters of the frame ([`Counters`]).
    pub stats: &'a mut Counters,
}

/// An operator instance.
pub trait Operator: Send {
    /// Packs this frame's uniforms (every frame, CPU only).
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>);

    /// (Re)creates what encode needs. Called on the first frame and whenever the node's
    /// inputs, output texture, the uniform buffer or a shader changed. All-or-nothing: on
    /// error, leave `self` as it was.
    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()>;

    /// Records this frame's passes.
    fn encode(&mut self, cx: &mut EncodeCx<'_>);

    /// Extra input to the prepare key: what, in the parameters, needs different GPU objects
    /// (a pipeline variant, a sampler, a number of passes). It must not change from frame to
    /// frame for an animated parameter — prepare for every value it can take instead — or a
    /// steady frame would create objects.
    fn prepare_key(&self, _params: &ParamValues, _animated: &[bool]) -> u64 {
        0
    }

    /// Extra input to the prepare key from the scene nodes this operator references: what
    /// in them needs different GPU objects (a mesh's geometry, which lights cast shadows).
    /// Same rule as [`prepare_key`](Self::prepare_key): never changes in a steady frame.
    fn scene_key(&self, _scene: &SceneView<'_>) -> u64 {
        0
    }

    /// The chain was replaced and this operator kept (same name and type); `params` are its
    /// new parameters (expressions not evaluated yet). It prepares again before its next
    /// frame; give back to `pool` or drop what may no longer be needed (a shadow map of a
    /// light that is gone, a picture of a file no longer named), so that it is freed now and
    /// not at a frame that may never come. State meant to survive edits (feedback's history)
    /// stays.
    fn chain_changed(&mut self, _params: &ParamValues, _pool: &mut TexturePool) {}

    /// Scene nodes: this frame's item, called every frame after a successful prepare.
    /// Operators with an output texture: `None`.
    fn scene(&mut self, _cx: &UniformCx<'_>) -> Option<SceneItem> {
        None
    }
}
