//! `image`: a PNG or JPEG picture from the project folder.
//!
//! The file is read and decoded on a thread of its own ([`Loading`]), by the file rule
//! ([`vivid_engine::files`]: inside the project folder, a regular file, at most 256 MiB):
//! premultiplied display values in `f16` — the chain's convention, so an 8-bit pixel
//! (128, 64, 255) comes out of `--snapshot` as (128, 64, 255) — with a mip chain made on
//! the CPU, so that a picture shown smaller does not shimmer. `prepare` starts the load,
//! polls it (waiting at most what the engine allows: [`Files::wait`]) and, once it is
//! there, uploads it into a texture of its own; until then the last good picture keeps
//! showing (transparent before the first). It is read again only when it may have
//! changed: another `path`, another size or modification time of the file, or the engine
//! saw the file change on disk ([`PrepareCx::files_generation`]); a prepare for any other
//! reason (a new output texture, a reloaded shader) reuses the texture. `fit` and `flip_y`
//! are uniforms. If a new version fails to load, the last good one keeps showing.
//!
//! [`Files::wait`]: vivid_engine::files::Files::wait

use std::hash::{Hash, Hasher};
use std::io::Cursor;
use std::path::Path;
use std::time::SystemTime;

use vivid_engine::files::{FileRules, Loading, Poll, Role};

use half::f16;
use half::slice::HalfFloatSliceExt;
use image::ImageDecoder;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, TexturePool, UniformSlot, UniformWriter, budget};
use vivid_engine::{EngineError, Result};

vivid_engine::choice_enum! {
    /// How the picture maps onto an output of another aspect ratio.
    pub enum Fit {
        /// All of the output, the picture distorted.
        Stretch = "stretch",
        /// All of the picture, its aspect kept: transparent borders.
        Contain = "contain",
        /// All of the output, its aspect kept: what overflows is cropped.
        Cover = "cover",
    }
}

vivid_engine::file_param! {
    /// An image file parameter (`path`).
    pub struct ImageFile(Image);
}

vivid_engine::params! {
    /// Parameters of `image`.
    pub struct ImageParams {
        /// A PNG or JPEG file relative to the project folder (8 or 16 bits, grey or colour,
        /// alpha honoured, EXIF orientation applied). Without `size`, the operator is the
        /// picture's pixel size. Reloaded when the file changes.
        path: ImageFile = ImageFile::default(),
        /// How the picture maps onto a `size` of another aspect: stretch (distorted), contain
        /// (all of it, transparent borders) or cover (fills, cropped).
        fit: Fit = Fit::Stretch,
        /// Upside down (the file's last row at the top).
        flip_y: bool = false,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ImageUniforms {
    header: FrameHeader,
    fit: u32,
    flip_y: u32,
    _pad: [u32; 2],
}

/// What a loaded picture was read from: reading again is needed when any of it differs.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Source {
    path: String,
    len: u64,
    modified: Option<SystemTime>,
}

#[derive(Debug)]
struct Picture {
    texture: GpuTexture,
    source: Source,
    /// [`PrepareCx::files_generation`] when it was read.
    generation: u64,
}

/// A version of the file being read and decoded on another thread.
#[derive(Debug)]
struct Load {
    source: Source,
    generation: u64,
    loading: Loading<Decoded>,
}

/// Where the picture stands at a prepare.
enum Got {
    /// The loaded picture is the file's current version.
    Current,
    /// A new version, read, decoded and uploaded.
    New(Box<Picture>),
    /// Still being read; a message once a frame waited the whole time it may.
    Pending(Option<String>),
}

/// `image`.
#[derive(Debug)]
pub struct Image {
    pass: FullscreenPass,
    slot: UniformSlot,
    picture: Option<Picture>,
    load: Option<Load>,
}

impl Default for Image {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("image.wgsl", size_of::<ImageUniforms>()),
            slot: UniformSlot::default(),
            picture: None,
            load: None,
        }
    }
}

impl OperatorType for Image {
    const NAME: &'static str = "image";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "A PNG or JPEG picture from the project folder: its own pixel size, or fitted to `size` (stretch, contain, cover); reloaded when the file changes.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = ImageParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("image.wgsl", "Image", size_of::<ImageUniforms>())];
}

/// The file's size and time, if the file rule lets it be read (a regular file inside the
/// project, not too large: a few system calls, no read).
fn source_of(rules: &FileRules, path: &Path) -> Result<Source> {
    let checked = rules
        .check(path, Role::Picture)
        .map_err(|e| EngineError::Param(e.to_string()))?;
    Ok(Source {
        path: path.to_string_lossy().to_string(),
        len: checked.len,
        modified: checked.modified,
    })
}

/// Reads (by the file rule) and decodes the picture at `path`: the job of a [`Load`], on
/// its own thread. The message names the file.
fn read_and_decode(
    rules: &FileRules,
    path: &Path,
    max_side: u32,
) -> std::result::Result<Decoded, String> {
    let bytes = rules
        .read(path, Role::Picture)
        .map_err(|e| e.to_string())?;
    decode(&bytes, max_side).map_err(|m| format!("{}: {m}", path.display()))
}

/// A picture decoded into premultiplied RGBA `f16` (row 0 at the top) and its mip chain.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// Width of level 0.
    pub width: u32,
    /// Height of level 0.
    pub height: u32,
    /// Level 0 first; each `width * height * 4` values of its level.
    pub levels: Vec<Vec<f16>>,
}

/// Decodes `bytes` (PNG or JPEG, told by their content) into premultiplied `f16` levels,
/// refusing before decoding them pictures with a side over `max_side` or a texture over
/// vivid's budget ([`budget::check_picture`]).
pub fn decode(bytes: &[u8], max_side: u32) -> std::result::Result<Decoded, String> {
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read it ({e})"))?;
    if reader.format().is_none() {
        return Err("not a PNG or JPEG image (unknown content)".into());
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("not a readable PNG or JPEG image ({e})"))?;
    let (w, h) = decoder.dimensions();
    budget::check_picture(w, h, max_side)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = image::DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => {
            format!("{w}x{h} pixels: too large to decode (the decoder's memory limit: {e})")
        }
        e => format!("not a readable PNG or JPEG image ({e})"),
    })?;
    picture.apply_orientation(orientation);
    let (width, height) = (picture.width(), picture.height());
    let row_len = width as usize * 4;
    let mut level = vec![f16::ZERO; row_len * height as usize];
    let mut row = vec![0f32; row_len];
    // Straight display values in 0..1 (no gamma: the chain is display-referred), then
    // premultiplied, a row at a time.
    let mut put = |y: usize, values: &mut [f32]| {
        for px in values.chunks_exact_mut(4) {
            let a = px[3];
            px[0] *= a;
            px[1] *= a;
            px[2] *= a;
        }
        level[y * row_len..(y + 1) * row_len].convert_from_f32_slice(values);
    };
    let sixteen_bits = picture.color().bytes_per_pixel() > picture.color().channel_count();
    if sixteen_bits {
        let rgba = picture.into_rgba16();
        for (y, src) in rgba.as_raw().chunks_exact(row_len).enumerate() {
            for (d, s) in row.iter_mut().zip(src) {
                *d = f32::from(*s) / 65535.0;
            }
            put(y, &mut row);
        }
    } else {
        let rgba = picture.into_rgba8();
        for (y, src) in rgba.as_raw().chunks_exact(row_len).enumerate() {
            for (d, s) in row.iter_mut().zip(src) {
                *d = f32::from(*s) / 255.0;
            }
            put(y, &mut row);
        }
    }
    let mut levels = vec![level];
    let (mut lw, mut lh) = (width, height);
    while lw > 1 || lh > 1 {
        let Some(last) = levels.last() else { break };
        let next = half_level(last, lw, lh);
        lw = (lw / 2).max(1);
        lh = (lh / 2).max(1);
        levels.push(next);
    }
    Ok(Decoded {
        width,
        height,
        levels,
    })
}

/// The next mip level of a `w` x `h` level: the mean of each 2x2 block of premultiplied
/// values (an odd last row or column is repeated).
fn half_level(level: &[f16], w: u32, h: u32) -> Vec<f16> {
    let (nw, nh) = ((w / 2).max(1) as usize, (h / 2).max(1) as usize);
    let (w, h) = (w as usize, h as usize);
    let mut rows = [vec![0f32; w * 4], vec![0f32; w * 4]];
    let mut out_row = vec![0f32; nw * 4];
    let mut out = vec![f16::ZERO; nw * nh * 4];
    for y in 0..nh {
        for (k, r) in rows.iter_mut().enumerate() {
            let sy = (2 * y + k).min(h - 1);
            level[sy * w * 4..(sy + 1) * w * 4].convert_to_f32_slice(r);
        }
        for x in 0..nw {
            let (x0, x1) = ((2 * x).min(w - 1), (2 * x + 1).min(w - 1));
            for c in 0..4 {
                let sum = rows[0][x0 * 4 + c]
                    + rows[0][x1 * 4 + c]
                    + rows[1][x0 * 4 + c]
                    + rows[1][x1 * 4 + c];
                out_row[x * 4 + c] = sum * 0.25;
            }
        }
        out[y * nw * 4..(y + 1) * nw * 4].convert_from_f32_slice(&out_row);
    }
    out
}

/// The most bytes one `write_texture` of a picture stages (a band of rows).
const UPLOAD_BAND_BYTES: u64 = 64 << 20;

/// The texture of `decoded`, every level written (once, here in prepare).
fn upload(gpu: &Gpu, decoded: &Decoded) -> GpuTexture {
    let texture = gpu.create_texture(&wgpu::TextureDescriptor {
        label: Some("vivid.image.picture"),
        size: wgpu::Extent3d {
            width: decoded.width,
            height: decoded.height,
            depth_or_array_layers: 1,
        },
        mip_level_count: decoded.levels.len() as u32,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let (mut w, mut h) = (decoded.width, decoded.height);
    for (mip, level) in decoded.levels.iter().enumerate() {
        // In bands of rows: each write stages its bytes in a buffer of their size.
        let bytes: &[u8] = bytemuck::cast_slice(level.reinterpret_cast());
        let band = (UPLOAD_BAND_BYTES / (u64::from(w) * 8)).clamp(1, u64::from(h)) as u32;
        for y in (0..h).step_by(band as usize) {
            let rows = band.min(h - y);
            let start = y as usize * w as usize * 8;
            let Some(data) = bytes.get(start..start + rows as usize * w as usize * 8) else {
                break;
            };
            gpu.queue().write_texture(
                wgpu::TexelCopyTextureInfo {
                    texture: &texture.texture,
                    mip_level: mip as u32,
                    origin: wgpu::Origin3d { x: 0, y, z: 0 },
                    aspect: wgpu::TextureAspect::All,
                },
                data,
                wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(w * 8),
                    rows_per_image: None,
                },
                wgpu::Extent3d {
                    width: w,
                    height: rows,
                    depth_or_array_layers: 1,
                },
            );
        }
        w = (w / 2).max(1);
        h = (h / 2).max(1);
    }
    texture
}

impl Image {
    /// Where the picture at `path` stands: the loaded one is current (same path, length,
    /// time, and the engine saw no change since), or a new version is read on another
    /// thread — started now if not yet — and polled, uploaded once it is there.
    fn advance(&mut self, cx: &PrepareCx<'_>, path: &str) -> Result<Got> {
        if path.is_empty() {
            return Err(EngineError::Param(format!(
                "`{}` (image) has no `path`: give it a PNG or JPEG file in the project folder",
                cx.name
            )));
        }
        let path = Path::new(path);
        let source = source_of(cx.files.rules(), path)?;
        let current = |s: &Source, generation: u64| {
            *s == source && generation >= cx.files_generation
        };
        if self
            .picture
            .as_ref()
            .is_some_and(|pic| current(&pic.source, pic.generation))
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
            let max_side = cx.gpu.max_texture_side();
            let owned = path.to_path_buf();
            let loading = Loading::start(path, move || read_and_decode(&rules, &owned, max_side))
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
            Poll::Ready(decoded) => {
                let Some(load) = self.load.take() else {
                    return Ok(Got::Pending(None));
                };
                Ok(Got::New(Box::new(Picture {
                    texture: upload(cx.gpu, &decoded),
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

impl Operator for Image {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: ImageParams = cx.params();
        self.slot = out.push(&ImageUniforms {
            header: cx.header(),
            fit: p.fit as u32,
            flip_y: u32::from(p.flip_y),
            _pad: [0; 2],
        });
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        ImageParams::read(params).path.0.hash(&mut h);
        h.finish()
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let p = ImageParams::read(cx.params);
        let output = cx.output;
        // Built into a local: on error the last good picture stays, and keeps showing — bound
        // to this prepare's output, which may be a new texture (the node was resized).
        let got = match self.advance(cx, &p.path.0) {
            Ok(got) => got,
            Err(e) => {
                if let Some(old) = &self.picture {
                    self.pass
                        .prepare(cx, &[&old.texture], output, SamplerKind::LinearClamp)?;
                    cx.still_bound = true;
                }
                return Err(e);
            }
        };
        match got {
            Got::New(pic) => {
                self.pass
                    .prepare(cx, &[&pic.texture], output, SamplerKind::LinearClamp)?;
                // The previous picture's texture is freed here.
                self.picture = Some(*pic);
                Ok(())
            }
            Got::Current => match &self.picture {
                Some(pic) => {
                    self.pass
                        .prepare(cx, &[&pic.texture], output, SamplerKind::LinearClamp)
                }
                None => Ok(()),
            },
            Got::Pending(late) => {
                // Prepared again next frame; meanwhile the last good picture (transparent
                // before the first).
                cx.pending = true;
                let shown = self.picture.as_ref().map_or(cx.dummy, |pic| &pic.texture);
                self.pass
                    .prepare(cx, &[shown], output, SamplerKind::LinearClamp)?;
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
        self.pass.dispatch(cx.encoder, self.slot, cx.name);
    }

    fn chain_changed(&mut self, params: &ParamValues, _pool: &mut TexturePool) {
        // Another file: the old picture's memory goes now, not at the next frame.
        let path = ImageParams::read(params).path;
        if self
            .picture
            .as_ref()
            .is_some_and(|pic| pic.source.path != path.0)
        {
            self.picture = None;
        }
        if self
            .load
            .as_ref()
            .is_some_and(|l| l.source.path != path.0)
        {
            self.load = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, pixels: &[[u8; 4]]) -> Vec<u8> {
        let mut img = image::RgbaImage::new(width, height);
        for (dst, src) in img.pixels_mut().zip(pixels.iter().cycle()) {
            dst.0 = *src;
        }
        let mut bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
            .expect("encode");
        bytes
    }

    #[test]
    fn pixels_are_premultiplied_display_values_with_a_mip_chain() {
        let bytes = png(3, 2, &[[255, 128, 0, 128], [0, 0, 255, 255]]);
        let d = decode(&bytes, 16).expect("decodes");
        assert_eq!((d.width, d.height, d.levels.len()), (3, 2, 2));
        let px = |i: usize| -> Vec<f32> {
            d.levels[0][i * 4..i * 4 + 4]
                .iter()
                .map(|v| v.to_f32())
                .collect()
        };
        let a = 128.0 / 255.0;
        for (got, want) in px(0).iter().zip([a, 128.0 / 255.0 * a, 0.0, a]) {
            assert!((got - want).abs() < 1e-3, "{got} vs {want}");
        }
        assert_eq!(px(1), vec![0.0, 0.0, 1.0, 1.0]);
        // 1x1 level: the mean of the first 2x2 block, premultiplied.
        assert_eq!(d.levels[1].len(), 4);
    }

    #[test]
    fn garbage_truncated_and_oversized_files_are_refused_with_a_reason() {
        assert!(
            decode(b"not a picture at all", 16)
                .unwrap_err()
                .contains("not a PNG or JPEG")
        );
        let bytes = png(8, 8, &[[1, 2, 3, 255]]);
        let cut = decode(&bytes[..bytes.len() / 2], 16).unwrap_err();
        assert!(cut.contains("not a readable PNG or JPEG image"), "{cut}");
        let big = decode(&png(20, 4, &[[0, 0, 0, 255]]), 16).unwrap_err();
        assert!(big.contains("20x4") && big.contains("1..=16"), "{big}");
    }
}
