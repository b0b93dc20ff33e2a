//! An ISF file's `IMPORTED` images: each a PNG or JPEG next to the `.fs` file, read by the
//! project file rule ([`crate::files`]: inside the project or an allowed folder, a regular
//! file, at most 256 MiB) and decoded on a loader thread, then uploaded once in `prepare`
//! (premultiplied `f16`, row 0 at the top like every texture of the chain). Until it is
//! there the shader samples transparent black; it is read again when the engine saw a file
//! of the project change ([`PrepareCx::files_generation`]).

use std::path::{Path, PathBuf};

use half::f16;
use half::slice::HalfFloatSliceExt;

use crate::files::{FileRules, Loading, Poll, Role};
use crate::gpu::{Gpu, GpuTexture};
use crate::operator::PrepareCx;
use crate::resources::budget;
use crate::{EngineError, Result};

/// A decoded picture: premultiplied RGBA `f16`, `width * height * 4` values.
#[derive(Debug)]
pub struct Decoded {
    width: u32,
    height: u32,
    pixels: Vec<f16>,
}

/// Decodes PNG or JPEG `bytes` into premultiplied `f16`, refusing pictures larger than the
/// device takes before decoding them.
pub fn decode(bytes: &[u8], max_side: u32) -> std::result::Result<Decoded, String> {
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("cannot read it ({e})"))?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| format!("not a readable PNG or JPEG image ({e})"))?;
    budget::check_picture(w, h, max_side)?;
    let picture = image::load_from_memory(bytes)
        .map_err(|e| format!("not a readable PNG or JPEG image ({e})"))?
        .into_rgba32f();
    let mut values = picture.into_raw();
    for px in values.chunks_exact_mut(4) {
        let a = px[3];
        px[0] *= a;
        px[1] *= a;
        px[2] *= a;
    }
    let mut pixels = vec![f16::ZERO; values.len()];
    pixels.convert_from_f32_slice(&values);
    Ok(Decoded {
        width: w,
        height: h,
        pixels,
    })
}

/// The texture of `decoded`, written once (in prepare).
fn upload(gpu: &Gpu, decoded: &Decoded) -> GpuTexture {
    let texture = gpu.create_texture(&wgpu::TextureDescriptor {
        label: Some("vivid.isf.imported"),
        size: wgpu::Extent3d {
            width: decoded.width,
            height: decoded.height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rgba16Float,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let bytes: &[u8] = bytemuck::cast_slice(decoded.pixels.reinterpret_cast());
    gpu.queue().write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture.texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(decoded.width * 8),
            rows_per_image: None,
        },
        wgpu::Extent3d {
            width: decoded.width,
            height: decoded.height,
            depth_or_array_layers: 1,
        },
    );
    texture
}

fn read_and_decode(
    rules: &FileRules,
    path: &Path,
    max_side: u32,
) -> std::result::Result<Decoded, String> {
    let bytes = rules.read(path, Role::Picture).map_err(|e| e.to_string())?;
    decode(&bytes, max_side).map_err(|m| format!("{}: {m}", path.display()))
}

/// One `IMPORTED` image of an operator.
#[derive(Debug)]
pub struct ImportedImage {
    path: PathBuf,
    texture: Option<GpuTexture>,
    /// [`PrepareCx::files_generation`] of the texture.
    generation: u64,
    loading: Option<(u64, Loading<Decoded>)>,
    /// The last load failed at this files generation, with this message (tried again when
    /// the project's files change).
    failed: Option<(u64, String)>,
}

impl ImportedImage {
    /// The image at `path` (absolute: the `.fs` file's folder joined with its `PATH`).
    #[must_use]
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            texture: None,
            generation: 0,
            loading: None,
            failed: None,
        }
    }

    /// The loaded texture, if any.
    #[must_use]
    pub fn texture(&self) -> Option<&GpuTexture> {
        self.texture.as_ref()
    }

    /// Starts, polls and uploads the image: once it is loaded [`texture`](Self::texture)
    /// has it (else bind transparent black). The texture to bind: the image once it is loaded (started here, polled while the
    /// engine allows a frame to wait), else `None` (bind transparent black). An error names
    /// the file.
    pub fn advance(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        if let Some((at, message)) = &self.failed {
            if *at >= cx.files_generation {
                return Err(EngineError::Param(message.clone()));
            }
            self.failed = None;
        }
        let stale = self.texture.is_none() || self.generation < cx.files_generation;
        if stale && self.loading.is_none() {
            let rules = cx.files.rules().clone();
            let max_side = cx.gpu.max_texture_side();
            let path = self.path.clone();
            let loading =
                Loading::start(&self.path, move || read_and_decode(&rules, &path, max_side))
                    .map_err(EngineError::Param)?;
            self.loading = Some((cx.files_generation, loading));
        }
        if let Some((generation, loading)) = &mut self.loading {
            match loading.poll(cx.files.wait()) {
                Poll::Ready(decoded) => {
                    self.texture = Some(upload(cx.gpu, &decoded));
                    self.generation = *generation;
                    self.loading = None;
                }
                Poll::Failed(message) => {
                    self.loading = None;
                    // Tried again at the next change of the project's files.
                    self.failed = Some((cx.files_generation, message.clone()));
                    return Err(EngineError::Param(message));
                }
                Poll::Pending { .. } => cx.pending = true,
            }
        }
        Ok(())
    }
}
