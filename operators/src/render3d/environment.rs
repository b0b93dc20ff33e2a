//! The environment of `render3d`: image-based light from an equirectangular HDR picture or
//! the procedural sky, prefiltered once when it changes (never in a steady frame).
//!
//! What the main pass samples (bound in its group 0):
//! - the **specular** cube ([`SPECULAR_LEVELS`] levels from 256² down to 8²): level `k` is
//!   the radiance convolved with GGX of roughness `k / (levels − 1)`; level 0 is the
//!   radiance itself (a mirror);
//! - the **irradiance** cube (16²): for each normal, what a white Lambertian surface shows
//!   (∫ L cos / π);
//! - the split-sum **BRDF table** ([`brdf_lut`], computed once on the CPU): for (n·v,
//!   roughness), the scale A and bias B of F0 in the directional albedo of the specular
//!   lobe (GGX, height-correlated Smith, Schlick: the direct lights' BRDF).
//!
//! The prefilter is four compute passes (`render3d_environment.wgsl`) recorded into the
//! frame's one encoder by [`Environment::encode`], only when [`Environment::drawn`] is not
//! the environment's hash: once after loading, again only when a parameter of the sky or
//! the picture changed. Compute passes on every adapter: they run once, not per frame.
//!
//! The picture is read and decoded on the loader thread ([`Loading`]); until it is there
//! the last good one (or the sky) lights the scene.

use std::path::Path;
use std::sync::OnceLock;

use half::slice::HalfFloatSliceExt as _;
use vivid_engine::files::{FileRules, Loading, Poll, Role};
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::resources::PipelineCache;
use vivid_engine::shaders::ShaderLibrary;

/// Side of the radiance cube's level 0 (`RADIANCE_SIZE` in the WGSL).
pub const RADIANCE_SIZE: u32 = 256;
/// Levels of the radiance cube: 256² down to 1².
const RADIANCE_LEVELS: u32 = 9;
/// Levels of the specular cube: 256² down to 8² (`SPECULAR_LEVELS` in the WGSL).
pub const SPECULAR_LEVELS: u32 = 6;
/// Side of the irradiance cube.
const IRRADIANCE_SIZE: u32 = 16;
/// The radiance level the irradiance pass sums over (16²).
const IRRADIANCE_SOURCE_LEVEL: u32 = 4;
/// Side of the BRDF table (n·v across, roughness down).
pub const LUT_SIZE: usize = 32;
/// Samples per entry of the BRDF table.
const LUT_SAMPLES: u32 = 1024;
/// Longest side of an environment picture on the GPU (larger ones are halved on load).
const MAX_PICTURE_WIDTH: u32 = 4096;
/// The format of every environment texture.
const FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// The `Sky` block of `common/environment.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SkyUniform {
    /// rgb: linear radiance straight up; w: 1 if the environment is a picture.
    pub zenith: [f32; 4],
    /// rgb: linear radiance at the horizon.
    pub horizon: [f32; 4],
    /// rgb: linear radiance of the ground.
    pub ground: [f32; 4],
    /// xyz: unit direction towards the sun; w: the disc's angular radius (radians).
    pub sun: [f32; 4],
    /// rgb: linear radiance of the sun's disc.
    pub sun_color: [f32; 4],
}

impl SkyUniform {
    /// A hash of what the prefilter reads from it.
    pub(super) fn hash(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for v in bytemuck::cast_slice::<SkyUniform, u32>(std::slice::from_ref(self)) {
            v.hash(&mut h);
        }
        h.finish()
    }
}

/// The split-sum BRDF table: `LUT_SIZE`² entries (A, B), row = roughness from 0 to 1,
/// column = n·v from 0 to 1 (entry i at exactly i / (`LUT_SIZE` − 1)). Computed once.
pub fn brdf_lut() -> &'static [[f32; 2]] {
    static LUT: OnceLock<Vec<[f32; 2]>> = OnceLock::new();
    LUT.get_or_init(|| {
        let mut out = Vec::with_capacity(LUT_SIZE * LUT_SIZE);
        for row in 0..LUT_SIZE {
            let roughness = row as f32 / (LUT_SIZE - 1) as f32;
            for col in 0..LUT_SIZE {
                let n_v = (col as f32 / (LUT_SIZE - 1) as f32).max(1e-3);
                out.push(split_sum(n_v, roughness, LUT_SAMPLES));
            }
        }
        out
    })
}

/// The i-th of n points of the Hammersley set.
fn hammersley(i: u32, n: u32) -> (f32, f32) {
    (
        i as f32 / n as f32,
        i.reverse_bits() as f32 * 2.328_306_4e-10,
    )
}

/// Height-correlated Smith visibility V = G / (4 n·l n·v) of GGX with `a` = roughness².
#[must_use]
pub fn smith_visibility(n_l: f32, n_v: f32, a: f32) -> f32 {
    let a2 = a * a;
    let l = n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt();
    let v = n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt();
    0.5 / (l + v).max(1e-12)
}

/// (A, B) with ∫ `f_spec` cos = F0·A + B over the hemisphere for view angle `n_v`, by
/// importance sampling GGX with `samples` half vectors.
#[must_use]
#[expect(
    clippy::many_single_char_names,
    reason = "the integral reads best in its letters"
)]
pub fn split_sum(n_v: f32, roughness: f32, samples: u32) -> [f32; 2] {
    let a = roughness * roughness;
    let v = glam::Vec3::new((1.0 - n_v * n_v).max(0.0).sqrt(), 0.0, n_v);
    let (mut sum_a, mut sum_b) = (0.0f64, 0.0f64);
    for i in 0..samples {
        let (x, y) = hammersley(i, samples);
        let phi = std::f32::consts::TAU * x;
        let cos_t = ((1.0 - y) / (1.0 + (a * a - 1.0) * y)).max(0.0).sqrt();
        let sin_t = (1.0 - cos_t * cos_t).max(0.0).sqrt();
        let h = glam::Vec3::new(sin_t * phi.cos(), sin_t * phi.sin(), cos_t);
        let l = 2.0 * v.dot(h) * h - v;
        let (n_l, n_h, v_h) = (l.z, h.z, v.dot(h).max(0.0));
        if n_l <= 0.0 || n_h <= 0.0 {
            continue;
        }
        // f·cos / pdf with pdf = D n·h / (4 v·h): 4 V n·l v·h / n·h, times F.
        let g = 4.0 * smith_visibility(n_l, n_v, a) * n_l * v_h / n_h;
        let fc = (1.0 - v_h).powi(5);
        sum_a += f64::from((1.0 - fc) * g);
        sum_b += f64::from(fc * g);
    }
    let n = f64::from(samples);
    [(sum_a / n) as f32, (sum_b / n) as f32]
}

/// An environment picture as the GPU takes it: linear RGBA, `f16`, rows top to bottom.
#[derive(Debug)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height * 4` halves.
    pub rgba: Vec<half::f16>,
}

/// Reads an equirectangular Radiance HDR file: linear RGB, halved until at most
/// `MAX_PICTURE_WIDTH` wide, values clamped into `f16` (negative and NaN become 0). The
/// error names the file and says what is wrong with it. The file is read by `rules` (inside
/// the project or an allowed folder, a regular file, at most 256 MiB).
pub fn load_picture(rules: &FileRules, path: &Path) -> Result<Picture, String> {
    let bytes = rules
        .read(path, Role::Environment)
        .map_err(|e| e.to_string())?;
    let shown = path.display();
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("{shown}: cannot read it ({e})"))?;
    if reader.format() != Some(image::ImageFormat::Hdr) {
        return Err(format!("{shown}: not a Radiance HDR (.hdr) picture"));
    }
    let decoded = reader
        .decode()
        .map_err(|e| format!("{shown}: not a readable HDR picture ({e})"))?;
    let mut rgb = decoded.to_rgb32f();
    while rgb.width() > MAX_PICTURE_WIDTH {
        let (w, h) = ((rgb.width() / 2).max(1), (rgb.height() / 2).max(1));
        rgb = image::imageops::resize(&rgb, w, h, image::imageops::FilterType::Triangle);
    }
    let (width, height) = rgb.dimensions();
    let clamp = |v: f32| half::f16::from_f32(if v > 0.0 { v.min(65000.0) } else { 0.0 });
    let mut rgba = Vec::with_capacity((width * height * 4) as usize);
    for p in rgb.pixels() {
        rgba.extend([clamp(p[0]), clamp(p[1]), clamp(p[2]), half::f16::ONE]);
    }
    Ok(Picture {
        width,
        height,
        rgba,
    })
}

/// A cube texture with a sampling view of every level and a 6-layer view per level.
#[derive(Debug)]
struct Cube {
    texture: GpuTexture,
    view: wgpu::TextureView,
    levels: Vec<wgpu::TextureView>,
}

impl Cube {
    fn new(gpu: &Gpu, label: &str, size: u32, levels: u32) -> Cube {
        let texture = gpu.create_texture(&wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width: size,
                height: size,
                depth_or_array_layers: 6,
            },
            mip_level_count: levels,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: FORMAT,
            usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::STORAGE_BINDING,
            view_formats: &[],
        });
        let view = gpu.create_view(
            &texture.texture,
            &wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::Cube),
                ..Default::default()
            },
        );
        let levels = (0..levels)
            .map(|level| {
                gpu.create_view(
                    &texture.texture,
                    &wgpu::TextureViewDescriptor {
                        dimension: Some(wgpu::TextureViewDimension::D2Array),
                        base_mip_level: level,
                        mip_level_count: Some(1),
                        ..Default::default()
                    },
                )
            })
            .collect();
        Cube {
            texture,
            view,
            levels,
        }
    }

    fn size(&self, level: u32) -> u32 {
        (self.texture.texture.width() >> level).max(1)
    }
}

/// A 2D `f16` texture holding `data` (`width * height * channels` halves).
fn texture_2d(
    gpu: &Gpu,
    label: &str,
    format: wgpu::TextureFormat,
    (width, height): (u32, u32),
    data: &[half::f16],
) -> GpuTexture {
    let texture = gpu.create_data_texture(label, (width, height), format);
    let texel = format.block_copy_size(None).unwrap_or(8);
    gpu.queue().write_texture(
        texture.texture.as_image_copy(),
        bytemuck::cast_slice(data.reinterpret_cast()),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * texel),
            rows_per_image: None,
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    texture
}

/// The entry points of `render3d_environment.wgsl`, in pipeline-variant order.
const ENTRIES: [&str; 4] = ["cs_source", "cs_downsample", "cs_specular", "cs_irradiance"];

/// One dispatch of the prefilter.
#[derive(Debug)]
struct Pass {
    /// Index into [`ENTRIES`].
    entry: usize,
    group: wgpu::BindGroup,
    /// Side of the level written.
    size: u32,
}

/// Textures, samplers and pipelines made once per `render3d` instance.
#[derive(Debug)]
pub(super) struct EnvironmentTextures {
    radiance: Cube,
    specular: Cube,
    irradiance: Cube,
    /// The BRDF table (`Rg16Float`).
    lut: GpuTexture,
    /// 1×1 black: the picture bound for the procedural sky.
    no_picture: GpuTexture,
    /// Trilinear, clamped (cubes and the table).
    pub sampler: wgpu::Sampler,
    /// Repeat around, clamp up and down (the equirectangular picture).
    pub equirect_sampler: wgpu::Sampler,
}

impl EnvironmentTextures {
    pub fn new(gpu: &Gpu) -> EnvironmentTextures {
        let lut: Vec<half::f16> = brdf_lut()
            .iter()
            .flat_map(|ab| ab.map(half::f16::from_f32))
            .collect();
        let sampler = gpu.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("vivid.render3d.environment_sampler"),
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            mipmap_filter: wgpu::MipmapFilterMode::Linear,
            ..Default::default()
        });
        let equirect_sampler = gpu.create_sampler(&wgpu::SamplerDescriptor {
            label: Some("vivid.render3d.equirect_sampler"),
            address_mode_u: wgpu::AddressMode::Repeat,
            mag_filter: wgpu::FilterMode::Linear,
            min_filter: wgpu::FilterMode::Linear,
            ..Default::default()
        });
        EnvironmentTextures {
            radiance: Cube::new(
                gpu,
                "vivid.render3d.radiance",
                RADIANCE_SIZE,
                RADIANCE_LEVELS,
            ),
            specular: Cube::new(
                gpu,
                "vivid.render3d.specular",
                RADIANCE_SIZE,
                SPECULAR_LEVELS,
            ),
            irradiance: Cube::new(gpu, "vivid.render3d.irradiance", IRRADIANCE_SIZE, 1),
            lut: texture_2d(
                gpu,
                "vivid.render3d.brdf_lut",
                wgpu::TextureFormat::Rg16Float,
                (LUT_SIZE as u32, LUT_SIZE as u32),
                &lut,
            ),
            no_picture: texture_2d(
                gpu,
                "vivid.render3d.no_picture",
                FORMAT,
                (1, 1),
                &[half::f16::ZERO; 4],
            ),
            sampler,
            equirect_sampler,
        }
    }

    /// The specular cube's sampling view.
    pub fn specular(&self) -> &wgpu::TextureView {
        &self.specular.view
    }

    /// The irradiance cube's sampling view.
    pub fn irradiance(&self) -> &wgpu::TextureView {
        &self.irradiance.view
    }

    /// The BRDF table's view.
    pub fn lut(&self) -> &wgpu::TextureView {
        &self.lut.view
    }
}

/// The loaded picture: what it was read from, and its texture.
#[derive(Debug)]
struct Loaded {
    path: String,
    generation: u64,
    texture: GpuTexture,
}

/// A picture being read and decoded on the loader thread.
#[derive(Debug)]
struct PictureLoad {
    path: String,
    generation: u64,
    loading: Loading<Picture>,
}

/// Where [`Environment::load`] stands.
pub(super) enum LoadState {
    /// The picture asked for is the one on the GPU (or none is asked for).
    Current,
    /// It is still being read: the last good picture (or the sky) shows meanwhile; prepare
    /// again next frame. The message: once, when a frame waited for it as long as it may.
    Pending(Option<String>),
}

/// The environment of a `render3d` instance: its textures, the picture, the prefilter's
/// passes and what they last drew.
#[derive(Debug, Default)]
pub(super) struct Environment {
    pub textures: Option<EnvironmentTextures>,
    picture: Option<Loaded>,
    load: Option<PictureLoad>,
    passes: Vec<Pass>,
    pipelines: Vec<wgpu::ComputePipeline>,
    /// The hash of the environment the cubes hold (`None`: not drawn yet).
    pub drawn: Option<u64>,
}

/// The prefilter's bind group layout: the `Sky` block, the picture, two samplers, the
/// radiance cube, one level read texel by texel, the level written.
fn layout(gpu: &Gpu, cache: &mut PipelineCache) -> wgpu::BindGroupLayout {
    let compute = wgpu::ShaderStages::COMPUTE;
    let texture = |binding, view_dimension| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: compute,
        ty: wgpu::BindingType::Texture {
            sample_type: wgpu::TextureSampleType::Float { filterable: true },
            view_dimension,
            multisampled: false,
        },
        count: None,
    };
    let sampler = |binding| wgpu::BindGroupLayoutEntry {
        binding,
        visibility: compute,
        ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
        count: None,
    };
    cache.named_layout(
        gpu,
        "vivid.render3d.environment",
        &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: compute,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: true,
                    min_binding_size: None,
                },
                count: None,
            },
            texture(1, wgpu::TextureViewDimension::D2),
            sampler(2),
            sampler(3),
            texture(4, wgpu::TextureViewDimension::Cube),
            texture(5, wgpu::TextureViewDimension::D2Array),
            wgpu::BindGroupLayoutEntry {
                binding: 6,
                visibility: compute,
                ty: wgpu::BindingType::StorageTexture {
                    access: wgpu::StorageTextureAccess::WriteOnly,
                    format: FORMAT,
                    view_dimension: wgpu::TextureViewDimension::D2Array,
                },
                count: None,
            },
        ],
    )
}

/// Where the prefilter's uniforms are: the arena buffer and this frame's offset.
pub(super) struct SkySlot<'a> {
    pub arena: &'a wgpu::Buffer,
}

impl Environment {
    /// Makes the textures on the first call; they are kept only if they were made (a failed
    /// creation is an invalid texture: the error is returned, the next prepare tries again).
    fn make_textures(&mut self, gpu: &Gpu) -> vivid_engine::Result<()> {
        if self.textures.is_none() {
            let (made, failed) = gpu.create_checked("making render3d's environment cubes", || {
                EnvironmentTextures::new(gpu)
            });
            if let Some(e) = failed {
                return Err(e);
            }
            self.textures = Some(made);
            self.drawn = None;
        }
        Ok(())
    }

    /// The picture's view for the background (the 1×1 stand-in without one).
    pub fn picture_view(&self) -> Option<&wgpu::TextureView> {
        self.picture
            .as_ref()
            .map(|p| &p.texture.view)
            .or(self.textures.as_ref().map(|t| &t.no_picture.view))
    }

    /// Loads `path` (empty: the procedural sky, no picture) unless it is what is loaded
    /// (same path and files generation). The file is read and decoded on the loader thread
    /// (by the file rule); a frame waits for it at most `wait`, then shows the last good
    /// picture until it is there. On error the last good picture stays.
    pub fn load(
        &mut self,
        gpu: &Gpu,
        rules: &FileRules,
        path: &str,
        generation: u64,
        wait: std::time::Duration,
    ) -> vivid_engine::Result<LoadState> {
        if path.is_empty() {
            self.load = None;
            if self.picture.take().is_some() {
                self.drawn = None;
            }
            return Ok(LoadState::Current);
        }
        if self
            .picture
            .as_ref()
            .is_some_and(|p| p.path == path && p.generation == generation)
        {
            // A load of another version is moot now.
            self.load = None;
            return Ok(LoadState::Current);
        }
        if !self
            .load
            .as_ref()
            .is_some_and(|l| l.path == path && l.generation == generation)
        {
            let rules = rules.clone();
            let owned = Path::new(path).to_path_buf();
            let loading = Loading::start(Path::new(path), move || load_picture(&rules, &owned))
                .map_err(|e| vivid_engine::EngineError::Param(format!("environment: {e}")))?;
            self.load = Some(PictureLoad {
                path: path.to_string(),
                generation,
                loading,
            });
        }
        let Some(load) = &mut self.load else {
            return Ok(LoadState::Pending(None));
        };
        let picture = match load.loading.poll(wait) {
            Poll::Ready(picture) => picture,
            Poll::Failed(message) => {
                self.load = None;
                return Err(vivid_engine::EngineError::Param(format!(
                    "environment: {message}"
                )));
            }
            Poll::Pending { late } => {
                return Ok(LoadState::Pending(
                    late.map(|m| format!("environment: {m}")),
                ));
            }
        };
        self.load = None;
        gpu.check_size("environment", picture.width, picture.height)?;
        // Kept only if it was made: on a failure the last good picture stays and the next
        // prepare reads the file again.
        let (texture, failed) = gpu.create_checked("uploading the environment picture", || {
            texture_2d(
                gpu,
                "vivid.render3d.environment_picture",
                FORMAT,
                (picture.width, picture.height),
                &picture.rgba,
            )
        });
        if let Some(e) = failed {
            return Err(e);
        }
        self.picture = Some(Loaded {
            path: path.to_string(),
            generation,
            texture,
        });
        self.drawn = None;
        Ok(LoadState::Current)
    }

    /// Builds the prefilter's pipelines and the bind groups of its passes (uniforms from
    /// `slot.arena`).
    pub fn prepare(
        &mut self,
        gpu: &Gpu,
        cache: &mut PipelineCache,
        shaders: &ShaderLibrary,
        slot: &SkySlot<'_>,
    ) -> vivid_engine::Result<()> {
        let layout = layout(gpu, cache);
        let pipeline_layout =
            cache.named_pipeline_layout(gpu, "vivid.render3d.environment_layout", &[&layout]);
        let mut pipelines = Vec::with_capacity(ENTRIES.len());
        for (variant, entry) in ENTRIES.iter().enumerate() {
            pipelines.push(cache.compute_pipeline_with(
                gpu,
                shaders,
                "render3d_environment.wgsl",
                variant as u64,
                |module| {
                    gpu.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                        label: Some("vivid.render3d.environment_pipeline"),
                        layout: Some(&pipeline_layout),
                        module,
                        entry_point: Some(entry),
                        compilation_options: wgpu::PipelineCompilationOptions::default(),
                        cache: None,
                    })
                },
            )?);
        }
        self.make_textures(gpu)?;
        let (Some(t), Some(picture)) = (&self.textures, self.picture_view()) else {
            return Ok(());
        };
        let group = |read_cube: &wgpu::TextureView,
                     read_level: &wgpu::TextureView,
                     write: &wgpu::TextureView| {
            gpu.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("vivid.render3d.environment"),
                layout: &layout,
                entries: &[
                    wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                            buffer: slot.arena,
                            offset: 0,
                            size: wgpu::BufferSize::new(size_of::<SkyUniform>() as u64),
                        }),
                    },
                    wgpu::BindGroupEntry {
                        binding: 1,
                        resource: wgpu::BindingResource::TextureView(picture),
                    },
                    wgpu::BindGroupEntry {
                        binding: 2,
                        resource: wgpu::BindingResource::Sampler(&t.equirect_sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 3,
                        resource: wgpu::BindingResource::Sampler(&t.sampler),
                    },
                    wgpu::BindGroupEntry {
                        binding: 4,
                        resource: wgpu::BindingResource::TextureView(read_cube),
                    },
                    wgpu::BindGroupEntry {
                        binding: 5,
                        resource: wgpu::BindingResource::TextureView(read_level),
                    },
                    wgpu::BindGroupEntry {
                        binding: 6,
                        resource: wgpu::BindingResource::TextureView(write),
                    },
                ],
            })
        };
        // A pass never reads a level it writes: the unused read slots name other textures.
        let mut passes = vec![Pass {
            entry: 0,
            group: group(
                &t.specular.view,
                &t.irradiance.levels[0],
                &t.radiance.levels[0],
            ),
            size: t.radiance.size(0),
        }];
        for level in 1..RADIANCE_LEVELS {
            passes.push(Pass {
                entry: 1,
                group: group(
                    &t.specular.view,
                    &t.radiance.levels[level as usize - 1],
                    &t.radiance.levels[level as usize],
                ),
                size: t.radiance.size(level),
            });
        }
        for level in 0..SPECULAR_LEVELS {
            passes.push(Pass {
                entry: 2,
                group: group(
                    &t.radiance.view,
                    &t.radiance.levels[0],
                    &t.specular.levels[level as usize],
                ),
                size: t.specular.size(level),
            });
        }
        passes.push(Pass {
            entry: 3,
            group: group(
                &t.radiance.view,
                &t.radiance.levels[IRRADIANCE_SOURCE_LEVEL as usize],
                &t.irradiance.levels[0],
            ),
            size: IRRADIANCE_SIZE,
        });
        self.pipelines = pipelines;
        self.passes = passes;
        Ok(())
    }

    /// Records the prefilter (every pass, in order) with the `Sky` block at `offset`, if
    /// the cubes do not hold `hash` yet. Returns whether it did.
    pub fn encode(&mut self, encoder: &mut wgpu::CommandEncoder, offset: u32, hash: u64) -> bool {
        if self.drawn == Some(hash) || self.passes.is_empty() {
            return false;
        }
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("vivid.render3d.environment"),
            timestamp_writes: None,
        });
        for p in &self.passes {
            let Some(pipeline) = self.pipelines.get(p.entry) else {
                continue;
            };
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &p.group, &[offset]);
            let groups = p.size.div_ceil(8);
            pass.dispatch_workgroups(groups, groups, 6);
        }
        drop(pass);
        self.drawn = Some(hash);
        true
    }

    /// A hash of what the cubes must hold: the sky block and the picture.
    pub fn hash(&self, sky: &SkyUniform) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        sky.hash().hash(&mut h);
        if let Some(p) = &self.picture {
            p.texture.id().hash(&mut h);
        }
        h.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_sum_of_a_mirror_is_schlick() {
        // Roughness 0: every half vector is n, so A + B·… is Schlick's F exactly:
        // A = 1 − (1 − n·v)⁵, B = (1 − n·v)⁵.
        for n_v in [1.0f32, 0.8, 0.5, 0.2, 0.05] {
            let [a, b] = split_sum(n_v, 0.0, 64);
            let fc = (1.0 - n_v).powi(5);
            assert!((a - (1.0 - fc)).abs() < 1e-5, "n·v {n_v}: A {a}");
            assert!((b - fc).abs() < 1e-5, "n·v {n_v}: B {b}");
        }
        let lut = brdf_lut();
        let [a, b] = lut[LUT_SIZE - 1];
        assert!((a + b - 1.0).abs() < 1e-5 && b.abs() < 1e-6, "{a} {b}");
    }

    /// ∫ (D V F) cos over the hemisphere by a plain midpoint rule in (θ, φ) (no importance
    /// sampling): the split-sum integrals computed another way.
    #[expect(
        clippy::many_single_char_names,
        reason = "the integral reads best in its letters"
    )]
    fn quadrature(n_v: f32, roughness: f32) -> [f32; 2] {
        let a = f64::from((roughness * roughness).max(1e-3));
        let n_v = f64::from(n_v);
        let v = [(1.0 - n_v * n_v).sqrt(), 0.0, n_v];
        let (nt, np) = (2000, 400);
        let (mut sa, mut sb) = (0.0, 0.0);
        for i in 0..nt {
            let t = (f64::from(i) + 0.5) / f64::from(nt) * std::f64::consts::FRAC_PI_2;
            for j in 0..np {
                let p = (f64::from(j) + 0.5) / f64::from(np) * std::f64::consts::TAU;
                let l = [t.sin() * p.cos(), t.sin() * p.sin(), t.cos()];
                let h = [v[0] + l[0], v[1] + l[1], v[2] + l[2]];
                let hl = (h[0] * h[0] + h[1] * h[1] + h[2] * h[2]).sqrt();
                let h = h.map(|c| c / hl);
                let (n_l, n_h) = (l[2], h[2]);
                let v_h = v[0] * h[0] + v[1] * h[1] + v[2] * h[2];
                let a2 = a * a;
                let d = n_h * n_h * (a2 - 1.0) + 1.0;
                let ggx = a2 / (std::f64::consts::PI * d * d);
                let vis = 0.5
                    / (n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt()
                        + n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt());
                let fc = (1.0 - v_h).powi(5);
                let dw = t.sin()
                    * (std::f64::consts::FRAC_PI_2 / f64::from(nt))
                    * (std::f64::consts::TAU / f64::from(np));
                let f = ggx * vis * n_l * dw;
                sa += f * (1.0 - fc);
                sb += f * fc;
            }
        }
        [sa as f32, sb as f32]
    }

    #[test]
    fn split_sum_matches_a_plain_quadrature() {
        for (n_v, roughness) in [(0.9, 0.5), (0.5, 0.7), (0.3, 1.0), (0.95, 0.3)] {
            let [a, b] = split_sum(n_v, roughness, 4096);
            let [qa, qb] = quadrature(n_v, roughness);
            assert!(
                (a - qa).abs() < 0.01 && (b - qb).abs() < 0.01,
                "n·v {n_v} roughness {roughness}: ({a}, {b}) vs quadrature ({qa}, {qb})"
            );
        }
    }
}
