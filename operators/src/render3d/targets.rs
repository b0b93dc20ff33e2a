//! The textures of `render3d`: the depth (and multisampled colour) targets of the main
//! pass, the shadow maps, and the fallbacks bound where a part has no texture or a shadow
//! slot no map.

use vivid_engine::Result;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::resources::{TextureKey, TexturePool};

use super::shadow::ShadowSlot;

/// The depth format of the main pass and of the shadow maps.
pub(super) const DEPTH: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;
/// The colour format `render3d` draws in (the chain's image format).
pub(super) const COLOR: wgpu::TextureFormat = wgpu::TextureFormat::Rgba16Float;

/// What is bound where there is nothing to bind; made once per instance.
#[derive(Debug)]
pub(super) struct Fallbacks {
    /// 1×1 white: the texture of untextured parts.
    pub white: GpuTexture,
    /// A 1×1 depth cube and its cube view, for unused point-light shadow slots.
    pub no_shadow_cube: (GpuTexture, wgpu::TextureView),
    /// A 1×1 depth map, for unused spot and directional shadow slots.
    pub no_shadow_map: GpuTexture,
}

impl Fallbacks {
    pub fn new(gpu: &Gpu) -> Fallbacks {
        let white = white_texture(gpu);
        let cube = depth_texture(gpu, 6, "vivid.render3d.no_shadow_cube");
        let cube_view = gpu.create_view(
            &cube.texture,
            &wgpu::TextureViewDescriptor {
                dimension: Some(wgpu::TextureViewDimension::Cube),
                ..Default::default()
            },
        );
        Fallbacks {
            white,
            no_shadow_cube: (cube, cube_view),
            no_shadow_map: depth_texture(gpu, 1, "vivid.render3d.no_shadow_map"),
        }
    }
}

/// A 1×1 sRGB texture, white and opaque.
fn white_texture(gpu: &Gpu) -> GpuTexture {
    gpu.create_texel_texture(
        "vivid.render3d.white",
        wgpu::TextureFormat::Rgba8UnormSrgb,
        [255; 4],
    )
}

/// A 1×1 depth texture of `layers` layers, for shadow slots that have no map.
fn depth_texture(gpu: &Gpu, layers: u32, label: &str) -> GpuTexture {
    gpu.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width: 1,
            height: 1,
            depth_or_array_layers: layers,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: DEPTH,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::RENDER_ATTACHMENT,
        view_formats: &[],
    })
}

/// A shadow map and its views.
#[derive(Debug)]
pub(super) struct ShadowMap {
    pub slot: ShadowSlot,
    pub resolution: u32,
    pub texture: GpuTexture,
    /// Cube (point) or 2D view, for sampling.
    pub sample_view: wgpu::TextureView,
    /// One 2D view per face to render into (6 or 1).
    pub face_views: Vec<wgpu::TextureView>,
    /// Hash of what the map shows, when it was last drawn.
    pub drawn: Option<u64>,
}

impl ShadowMap {
    /// A map of `resolution`² texels per face for `slot`, from `pool`: a cube for a point
    /// light, else one layer.
    fn acquire(
        gpu: &Gpu,
        pool: &mut TexturePool,
        slot: ShadowSlot,
        resolution: u32,
    ) -> Result<ShadowMap> {
        gpu.check_size("shadow_resolution", resolution, resolution)?;
        let layers = if matches!(slot, ShadowSlot::Cube(_)) {
            6
        } else {
            1
        };
        let key = TextureKey {
            layers,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
            ..TextureKey::color_with_format(resolution, resolution, DEPTH)
        };
        let texture = pool.acquire(gpu, key, "vivid.render3d.shadow");
        let sample_view = gpu.create_view(
            &texture.texture,
            &wgpu::TextureViewDescriptor {
                dimension: Some(if layers == 6 {
                    wgpu::TextureViewDimension::Cube
                } else {
                    wgpu::TextureViewDimension::D2
                }),
                ..Default::default()
            },
        );
        let face_views = (0..layers)
            .map(|f| {
                gpu.create_view(
                    &texture.texture,
                    &wgpu::TextureViewDescriptor {
                        dimension: Some(wgpu::TextureViewDimension::D2),
                        base_array_layer: f,
                        array_layer_count: Some(1),
                        ..Default::default()
                    },
                )
            })
            .collect();
        Ok(ShadowMap {
            slot,
            resolution,
            texture,
            sample_view,
            face_views,
            drawn: None,
        })
    }
}

/// Makes `maps` those of `plan` (slot, resolution per map): kept as they are while the plan
/// is the same, else all released to `pool` and acquired anew.
pub(super) fn update_shadow_maps(
    maps: &mut Vec<ShadowMap>,
    plan: &[(ShadowSlot, u32)],
    gpu: &Gpu,
    pool: &mut TexturePool,
) -> Result<()> {
    let same = plan.len() == maps.len()
        && plan
            .iter()
            .zip(maps.iter())
            .all(|(a, m)| a.0 == m.slot && a.1 == m.resolution);
    if same {
        return Ok(());
    }
    for m in maps.drain(..) {
        pool.release(m.texture);
    }
    // Kept only if every texture and view was made (a failed one is invalid).
    let (made, failed) = gpu.create_checked("making the shadow maps", || {
        plan.iter()
            .map(|&(slot, resolution)| ShadowMap::acquire(gpu, pool, slot, resolution))
            .collect::<Result<Vec<_>>>()
    });
    if let Some(e) = failed {
        for m in made.into_iter().flatten() {
            pool.release(m.texture);
        }
        return Err(e);
    }
    *maps = made?;
    Ok(())
}

/// The main pass's depth target and, when multisampling, its colour target (the output is
/// then the resolve target).
#[derive(Debug)]
pub(super) struct Targets {
    pub depth: GpuTexture,
    pub msaa: Option<GpuTexture>,
}

impl Targets {
    /// Targets for a `w`×`h` output at `samples` per pixel: those of `old` that still fit,
    /// the others released to `pool` and acquired anew.
    pub fn new(
        old: Option<Targets>,
        (w, h): (u32, u32),
        samples: u32,
        gpu: &Gpu,
        pool: &mut TexturePool,
    ) -> Targets {
        let (old_depth, old_msaa) = match old {
            Some(t) => (Some(t.depth), t.msaa),
            None => (None, None),
        };
        let depth_key = TextureKey {
            sample_count: samples,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
            ..TextureKey::color_with_format(w, h, DEPTH)
        };
        let depth = keep_or_acquire(old_depth, depth_key, "vivid.render3d.depth", gpu, pool);
        let msaa = if samples > 1 {
            let key = TextureKey {
                sample_count: samples,
                usage: wgpu::TextureUsages::RENDER_ATTACHMENT,
                ..TextureKey::color_with_format(w, h, COLOR)
            };
            Some(keep_or_acquire(
                old_msaa,
                key,
                "vivid.render3d.msaa",
                gpu,
                pool,
            ))
        } else {
            if let Some(m) = old_msaa {
                pool.release(m);
            }
            None
        };
        Targets { depth, msaa }
    }
}

/// `old` if it has the size and sample count of `key`; else `old` released to `pool` and a
/// texture of `key` acquired.
fn keep_or_acquire(
    old: Option<GpuTexture>,
    key: TextureKey,
    label: &str,
    gpu: &Gpu,
    pool: &mut TexturePool,
) -> GpuTexture {
    match old {
        Some(t)
            if t.size() == (key.width, key.height)
                && t.texture.sample_count() == key.sample_count =>
        {
            t
        }
        other => {
            if let Some(t) = other {
                pool.release(t);
            }
            pool.acquire(gpu, key, label)
        }
    }
}
