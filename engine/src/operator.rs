//! The `Operator` trait, `OperatorInfo` (type name, inputs, parameters) and the `Registry`.
//!
//! An operator lives in three phases per frame:
//! 1. [`Operator::write_uniforms`] — every frame, CPU only: pack this frame's parameters.
//! 2. [`Operator::prepare`] — only when what it depends on changed (inputs, output, size,
//!    the uniform buffer, a shader): the one place that may create GPU objects, through
//!    [`PrepareCx::gpu`].
//! 3. [`Operator::encode`] — every frame: record passes into the frame's one encoder.
//!    [`EncodeCx`] holds no device, so encode cannot create objects: the rule is in the types.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::error::Result;
use crate::gpu::{Gpu, GpuTexture};
use crate::params::{ParamSpec, ParamStruct, ParamValues};
use crate::resources::{PipelineCache, TexturePool, UniformArena, UniformWriter};
use crate::scene::{SceneItem, SceneKind, SceneView};
use crate::shaders::ShaderLibrary;

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
    /// For `type = "shader"`: the reflected project shader.
    pub custom: Option<Arc<crate::custom::CustomShader>>,
    /// For scene nodes (camera, mesh, lights): their kind. They have no output texture;
    /// see [`crate::scene`].
    pub scene: Option<SceneKind>,
    /// For operators whose output pixel depends only on the same pixel of their one input:
    /// the WGSL function the engine fuses with its neighbours into one pass (see
    /// [`crate::fusion`]).
    pub pointwise: Option<crate::fusion::Pointwise>,
}

/// This frame's time.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct FrameTime {
    /// Seconds.
    pub time: f64,
    /// Frame index from 0.
    pub frame: u64,
}

/// The 16-byte header every operator's uniform struct starts with (WGSL `FrameHeader`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FrameHeader {
    /// Output size in pixels.
    pub resolution: [f32; 2],
    /// Seconds.
    pub time: f32,
    /// Frame index.
    pub frame: f32,
}

/// What [`Operator::write_uniforms`] sees.
#[derive(Debug)]
pub struct UniformCx<'a> {
    /// Current parameter values (expressions evaluated).
    pub params: &'a ParamValues,
    /// This frame's time.
    pub time: FrameTime,
    /// Output size in pixels.
    pub size: (u32, u32),
    /// Sizes of the inputs, in order.
    pub input_sizes: &'a [(u32, u32)],
    /// The scene nodes this operator references (see [`crate::scene`]).
    pub scene: SceneView<'a>,
}

impl UniformCx<'_> {
    /// The header for this operator's uniforms.
    #[must_use]
    pub fn header(&self) -> FrameHeader {
        FrameHeader {
            resolution: [self.size.0 as f32, self.size.1 as f32],
            time: self.time.time as f32,
            frame: self.time.frame as f32,
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
    /// Texture pool for intermediate and state textures.
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
}

/// What the operators of a frame report (summed into [`crate::RunStats`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncodeStats {
    /// Shadow map passes recorded (one per cube face for point lights).
    pub shadow_passes: u64,
}

/// What [`Operator::encode`] gets: the frame's encoder and textures. No device.
#[derive(Debug)]
pub struct EncodeCx<'a> {
    /// The frame's one command encoder.
    pub encoder: &'a mut wgpu::CommandEncoder,
    /// Input textures, in order.
    pub inputs: &'a [&'a GpuTexture],
    /// The texture to render into.
    pub output: &'a GpuTexture,
    /// Instance name (for debug groups).
    pub name: &'a str,
    /// The scene nodes this operator references.
    pub scene: SceneView<'a>,
    /// Counters of the frame.
    pub stats: &'a mut EncodeStats,
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

/// Makes a new instance.
pub type Factory = fn() -> Box<dyn Operator>;

/// A built-in operator type: its facts as associated items, so registration is one line.
pub trait OperatorType: Operator + Default + 'static {
    /// The `type` string.
    const NAME: &'static str;
    /// Group.
    const CATEGORY: Category;
    /// One sentence.
    const SUMMARY: &'static str;
    /// Inputs accepted.
    const INPUTS: InputSpec;
    /// The parameter struct.
    type Params: ParamStruct;
    /// Scene nodes: their kind (they then have no output texture).
    const SCENE: Option<SceneKind> = None;
    /// Pointwise operators: their WGSL function (see [`crate::fusion`]).
    const POINTWISE: Option<crate::fusion::Pointwise> = None;
}

#[derive(Clone)]
struct Entry {
    info: Arc<OperatorInfo>,
    /// None for types the engine instantiates itself (`shader`).
    factory: Option<Factory>,
}

/// Operator types by name, and the WGSL they need. Always holds `shader` (custom shaders).
#[derive(Clone)]
pub struct Registry {
    entries: BTreeMap<String, Entry>,
    shaders: Vec<(&'static str, &'static str)>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("types", &self.entries.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

impl Registry {
    /// A registry holding only the `shader` type (a project's own WGSL).
    #[must_use]
    pub fn new() -> Self {
        let info = crate::custom::base_info();
        let mut entries = BTreeMap::new();
        entries.insert(
            info.name.to_string(),
            Entry {
                info: Arc::new(info),
                factory: None,
            },
        );
        Self {
            entries,
            shaders: Vec::new(),
        }
    }

    /// Registers a built-in operator type.
    pub fn add<T: OperatorType>(&mut self) {
        let info = OperatorInfo {
            name: Cow::Borrowed(T::NAME),
            category: T::CATEGORY,
            summary: Cow::Borrowed(T::SUMMARY),
            inputs: T::INPUTS,
            params: T::Params::specs().into(),
            custom: None,
            scene: T::SCENE,
            pointwise: T::POINTWISE,
        };
        self.register(info, || Box::new(T::default()));
    }

    /// Registers an operator type from its info and factory.
    pub fn register(&mut self, info: OperatorInfo, factory: Factory) {
        self.entries.insert(
            info.name.to_string(),
            Entry {
                info: Arc::new(info),
                factory: Some(factory),
            },
        );
    }

    /// Registers an embedded WGSL file under `name` (relative to `shaders/`).
    pub fn add_shader(&mut self, name: &'static str, text: &'static str) {
        self.shaders.push((name, text));
    }

    /// The info of type `name`.
    #[must_use]
    pub fn info(&self, name: &str) -> Option<&Arc<OperatorInfo>> {
        self.entries.get(name).map(|e| &e.info)
    }

    /// A new instance of type `name`.
    #[must_use]
    pub fn create(&self, name: &str) -> Option<Box<dyn Operator>> {
        self.entries.get(name).and_then(|e| e.factory).map(|f| f())
    }

    /// All type names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// All infos, sorted by category then name.
    #[must_use]
    pub fn infos(&self) -> Vec<&Arc<OperatorInfo>> {
        let mut v: Vec<_> = self.entries.values().map(|e| &e.info).collect();
        v.sort_by(|a, b| (a.category, &a.name).cmp(&(b.category, &b.name)));
        v
    }

    /// The registered shaders.
    #[must_use]
    pub fn shaders(&self) -> &[(&'static str, &'static str)] {
        &self.shaders
    }
}
