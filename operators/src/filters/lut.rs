//! `lut`: a 3D colour lookup table from a `.cube` file (a grade exported from Resolve,
//! Premiere, Photoshop…), applied with trilinear interpolation.
//!
//! The file is read by the file rule and parsed ([`cube`]: every mistake located at its
//! `file:line:col`) on a loading thread ([`Loading`], polled in `prepare`; the last good
//! table stays in use meanwhile) and uploaded once, into a texture of its own; it is read again only when it
//! may have changed — another `path`, another size or modification time, or the engine saw
//! the file change ([`PrepareCx::files_generation`]) — and a file that fails to load leaves
//! the last good table in use. `amount` is a uniform.
//!
//! The table is stored as a 2D texture of its blue slices (tiles of N×N texels, in rows
//! of `ceil(sqrt(N))`), not a 3D texture: the engine's passes bind 2D textures (one
//! layout shared by every operator), and the shader interpolates the eight lattice
//! points itself, in f32, from `textureLoad`s — exact, where hardware filtering weights
//! have 8 fractional bits on common GPUs. 256³ (the format's largest) fits in 4096².
//! A last row of texels describes the table (N, tiles per row, `DOMAIN_MIN`,
//! `DOMAIN_MAX`): the description travels with the texture, so that the frame a new table
//! is uploaded (prepare runs after the frame's uniforms are written) and the frames a
//! broken file leaves the old one in use, the shader reads the table it is bound to. The
//! domain is thus kept in `f16` (3 significant digits).

pub mod cube;

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::SystemTime;

use half::f16;
use half::slice::HalfFloatSliceExt;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, TexturePool, UniformSlot, UniformWriter};
use vivid_engine::{Diagnostics, EngineError, Result};

use cube::Cube;
use vivid_engine::files::{FileRules, Loading, Poll, Role};

vivid_engine::file_param! {
    /// A `.cube` file parameter (`path`).
    pub struct CubeFile(Cube);
}

vivid_engine::params! {
    /// Parameters of `lut`.
    pub struct LutParams {
        /// A `.cube` 3D LUT relative to the project folder (`LUT_3D_SIZE` 2..=256,
        /// `DOMAIN_MIN`/`DOMAIN_MAX` honoured). Reloaded when the file changes.
        path: CubeFile = CubeFile::default(),
        /// 0: the input unchanged, 1: fully graded.
        amount: f32 [0.0, 1.0] = 1.0,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct LutUniforms {
    header: FrameHeader,
    amount: f32,
    _pad: [u32; 3],
}

/// What a loaded table was read from: reading again is needed when any of it differs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Source {
    path: String,
    len: u64,
    modified: Option<SystemTime>,
}

#[derive(Debug)]
struct Table {
    texture: GpuTexture,
    source: Source,
    /// [`PrepareCx::files_generation`] when it was read.
    generation: u64,
}

/// A version of the file being read and parsed on another thread.
#[derive(Debug)]
struct Load {
    source: Source,
    generation: u64,
    loading: Loading<Cube>,
}

/// `lut`.
#[derive(Debug)]
pub struct Lut {
    pass: FullscreenPass,
    slot: UniformSlot,
    table: Option<Table>,
    load: Option<Load>,
    /// The pass is bound to this prepare's textures and a table (not while the first
    /// table is still being read: then it does not draw, as a node that failed to prepare).
    bound: bool,
}

impl Default for Lut {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("lut.wgsl", size_of::<LutUniforms>()),
            slot: UniformSlot::default(),
            table: None,
            load: None,
            bound: false,
        }
    }
}

impl OperatorType for Lut {
    const NAME: &'static str = "lut";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "A 3D colour lookup table from a .cube file (a grade from Resolve, Premiere…), trilinear; reloaded when the file changes.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = LutParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("lut.wgsl", "Lut", size_of::<LutUniforms>())];
}

/// A problem with the file at `path`, in a message that names it.
fn file_error(path: &Path, what: impl std::fmt::Display) -> EngineError {
    EngineError::Param(format!("{}: {what}", path.display()))
}

/// The file's size and time by the file rule ([`vivid_engine::files`]: inside the
/// project or an allowed folder, a regular file, at most [`Role::Lut`]'s size), or why it
/// cannot be read.
fn source_of(rules: &FileRules, path: &Path) -> Result<Source> {
    let checked = rules
        .check(path, Role::Lut)
        .map_err(|e| file_error(path, format!("cannot read it ({e})")))?;
    Ok(Source {
        path: path.to_string_lossy().to_string(),
        len: checked.len,
        modified: checked.modified,
    })
}

/// Tiles per row for `size` slices: the texture as square as it gets.
#[must_use]
fn columns(size: u32) -> u32 {
    let mut c = 1;
    while c * c < size {
        c += 1;
    }
    c
}

/// The texels of `cube` as the texture holds them: RGBA `f16` (alpha 1), `columns` tiles
/// of `size`×`size` per row, blue slice `b` in tile (b % columns, b / columns), red along
/// x and green along y within a tile; then one row describing it: texel 0 is
/// (size, columns, 0, 1), texel 1 `DOMAIN_MIN`, texel 2 `DOMAIN_MAX`. Returns (width,
/// height, texels).
#[must_use]
fn texels(cube: &Cube) -> (u32, u32, Vec<f16>) {
    let n = cube.size;
    let cols = columns(n);
    let rows = n.div_ceil(cols);
    let (w, h) = (cols * n, rows * n + 1);
    let mut out = vec![f16::ZERO; (w * h * 4) as usize];
    let last = ((h - 1) * w * 4) as usize;
    let description = [
        [n as f32, cols as f32, 0.0],
        cube.domain_min,
        cube.domain_max,
    ];
    for (texel, values) in description.iter().enumerate() {
        let at = last + texel * 4;
        for (dst, x) in out[at..at + 3].iter_mut().zip(values) {
            *dst = f16::from_f32(*x);
        }
        out[at + 3] = f16::ONE;
    }
    for b in 0..n {
        let (tx, ty) = (b % cols, b / cols);
        for g in 0..n {
            for r in 0..n {
                let colour = cube.at(r, g, b);
                let at = (((ty * n + g) * w + tx * n + r) * 4) as usize;
                for (dst, x) in out[at..at + 3].iter_mut().zip(colour) {
                    *dst = f16::from_f32(x);
                }
                out[at + 3] = f16::ONE;
            }
        }
    }
    (w, h, out)
}

/// The texture of `cube`, written once (here in prepare).
fn upload(gpu: &Gpu, cube: &Cube, path: &Path) -> Result<GpuTexture> {
    let (width, height, data) = texels(cube);
    let max = gpu.max_texture_side();
    if width > max || height > max {
        return Err(file_error(
            path,
            format!(
                "LUT_3D_SIZE {} needs a {width}x{height} texture, more than this GPU's {max}",
                cube.size
            ),
        ));
    }
    let texture = gpu.create_data_texture(
        "vivid.lut.table",
        (width, height),
        wgpu::TextureFormat::Rgba16Float,
    );
    gpu.queue().write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture.texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        bytemuck::cast_slice(data.reinterpret_cast()),
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(width * 8),
            rows_per_image: None,
        },
        wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
    );
    Ok(texture)
}

/// Reads and parses the table at `path` (on a loading thread); the error names the file
/// and, for a malformed table, the `file:line:col` of the mistake.
fn read_and_parse(rules: &FileRules, path: &Path) -> std::result::Result<Cube, String> {
    let text = rules
        .read_text(path, Role::Lut)
        .map_err(|e| file_error(path, format!("cannot read it ({e})")).to_string())?;
    cube::parse(path, &text).map_err(|d| Diagnostics(vec![d]).to_string())
}

/// Where the table stands at a prepare.
enum Got {
    /// The loaded table is the file's current version.
    Current,
    /// A new version, read, parsed and uploaded.
    New(Box<Table>),
    /// Still being read; a message once a frame waited the whole time it may.
    Pending(Option<String>),
}

impl Lut {
    /// The table is current (same path, length and time, and the engine saw no change
    /// since), or a new version is read and parsed on another thread — started now if not
    /// yet — and polled, uploaded once it is there.
    fn advance(&mut self, cx: &PrepareCx<'_>, path: &str) -> Result<Got> {
        if path.is_empty() {
            return Err(EngineError::Param(format!(
                "`{}` (lut) has no `path`: give it a .cube file in the project folder",
                cx.name
            )));
        }
        let path = Path::new(path);
        let source = source_of(cx.files.rules(), path)?;
        let current =
            |s: &Source, generation: u64| *s == source && generation >= cx.files_generation;
        if self
            .table
            .as_ref()
            .is_some_and(|t| current(&t.source, t.generation))
        {
            // A load of another version is moot now.
            self.load = None;
            return Ok(Got::Current);
        }
        if !self
            .load
            .as_ref()
            .is_some_and(|l| current(&l.source, l.generation))
        {
            let rules = cx.files.rules().clone();
            let owned = path.to_path_buf();
            let loading = Loading::start(path, move || read_and_parse(&rules, &owned))
                .map_err(EngineError::Param)?;
            self.load = Some(Load {
                source,
                generation: cx.files_generation,
                loading,
            });
        }
        let Some(load) = &mut self.load else {
            return Ok(Got::Pending(None));
        };
        match load.loading.poll(cx.files.wait()) {
            Poll::Ready(cube) => {
                let Some(load) = self.load.take() else {
                    return Ok(Got::Pending(None));
                };
                Ok(Got::New(Box::new(Table {
                    texture: upload(cx.gpu, &cube, path)?,
                    source: load.source,
                    generation: load.generation,
                })))
            }
            Poll::Failed(message) => {
                self.load = None;
                Err(EngineError::Param(message))
            }
            Poll::Pending { late } => Ok(Got::Pending(late)),
        }
    }
}

impl Operator for Lut {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: LutParams = cx.params();
        self.slot = out.push(&LutUniforms {
            header: cx.header(),
            amount: p.amount,
            _pad: [0; 3],
        });
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        LutParams::read(params).path.0.hash(&mut h);
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = LutParams::read(cx.params);
        let input = cx.inputs.first().copied().unwrap_or(cx.dummy);
        let output = cx.output;
        self.bound = false;
        // On error the last good table stays in use, bound to this prepare's input and
        // output (which may be new textures).
        let got = match self.advance(cx, &p.path.0) {
            Ok(got) => got,
            Err(e) => {
                if let Some(old) = &self.table {
                    self.pass.prepare(
                        cx,
                        &[input, &old.texture],
                        output,
                        SamplerKind::LinearClamp,
                    )?;
                    self.bound = true;
                    cx.still_bound = true;
                }
                return Err(e);
            }
        };
        match got {
            Got::New(table) => {
                self.pass
                    .prepare(cx, &[input, &table.texture], output, SamplerKind::LinearClamp)?;
                self.bound = true;
                // The previous table's texture is freed here.
                self.table = Some(*table);
                Ok(())
            }
            Got::Current => match &self.table {
                Some(t) => {
                    self.pass
                        .prepare(cx, &[input, &t.texture], output, SamplerKind::LinearClamp)?;
                    self.bound = true;
                    Ok(())
                }
                None => Ok(()),
            },
            Got::Pending(late) => {
                // Prepared again next frame; meanwhile the last good table (none before the
                // first: the node draws nothing yet).
                cx.pending = true;
                let Some(t) = &self.table else {
                    // Nothing to draw with yet: the node does not draw until it is read.
                    return match late {
                        Some(message) => Err(EngineError::Param(message)),
                        None => Ok(()),
                    };
                };
                self.pass
                    .prepare(cx, &[input, &t.texture], output, SamplerKind::LinearClamp)?;
                self.bound = true;
                match late {
                    Some(message) => {
                        cx.still_bound = true;
                        Err(EngineError::Param(message))
                    }
                    None => Ok(()),
                }
            }
        }
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        if self.bound {
            self.pass.dispatch(cx.encoder, self.slot, cx.name);
        }
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another file: the old table's memory goes now, not at the next frame.
        let path = LutParams::read(params).path;
        if self
            .table
            .as_ref()
            .is_some_and(|t| t.source.path != path.0)
        {
            self.table = None;
        }
    }
}

#[cfg(test)]
#[expect(clippy::float_cmp, reason = "the values compared are exact")]
mod tests {
    use super::*;

    #[test]
    fn slices_tile_a_texture_as_square_as_it_gets() {
        assert_eq!(columns(2), 2);
        assert_eq!(columns(17), 5);
        assert_eq!(columns(33), 6);
        assert_eq!(columns(64), 8);
        assert_eq!(columns(256), 16);
        // 3³: blue slice 2 is the first tile of the second row of two.
        let cube = Cube {
            title: None,
            size: 3,
            domain_min: [0.0; 3],
            domain_max: [1.0; 3],
            table: (0..27).map(|i| [i as f32, 0.0, 0.0]).collect(),
        };
        let (w, h, t) = texels(&cube);
        assert_eq!((w, h), (6, 7));
        // The description row: size and columns.
        assert_eq!((t[6 * w as usize * 4].to_f32(), t[6 * w as usize * 4 + 1].to_f32()), (3.0, 2.0));
        // (r, g, b) = (1, 2, 2): tile (0, 1), so texel (0 * 3 + 1, 1 * 3 + 2).
        let at = ((5 * w + 1) * 4) as usize;
        assert_eq!(t[at].to_f32(), cube.at(1, 2, 2)[0]);
        assert_eq!(t[at + 3].to_f32(), 1.0);
    }
}
