//! `TexturePool`: textures keyed by their full, normalised descriptor.
//!
//! `acquire` reuses a free texture of the same key or creates one; `release` gives it back;
//! `trim` destroys what nobody took back. The engine trims at the end of every prepare
//! phase and right after removing operators, so memory is freed at once and never waits for
//! a frame that may not come. The bookkeeping is generic ([`Pool`]) and tested without a GPU.

use std::collections::HashMap;
use std::hash::Hash;

use crate::gpu::{Gpu, GpuTexture};

/// Everything that makes two textures interchangeable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TextureKey {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Array layers (6 for a cube map).
    pub layers: u32,
    /// Mip levels.
    pub mip_level_count: u32,
    /// Samples per pixel.
    pub sample_count: u32,
    /// Pixel format.
    pub format: wgpu::TextureFormat,
    /// Usages.
    pub usage: wgpu::TextureUsages,
}

impl TextureKey {
    /// The usages of an operator's 2D colour texture.
    pub const COLOR_USAGE: wgpu::TextureUsages = wgpu::TextureUsages::RENDER_ATTACHMENT
        .union(wgpu::TextureUsages::STORAGE_BINDING)
        .union(wgpu::TextureUsages::TEXTURE_BINDING)
        .union(wgpu::TextureUsages::COPY_SRC)
        .union(wgpu::TextureUsages::COPY_DST);

    /// A 2D colour texture of the chain's format (`Rgba16Float`) and usual usages.
    #[must_use]
    pub fn color(width: u32, height: u32) -> Self {
        Self::color_with_format(width, height, wgpu::TextureFormat::Rgba16Float)
    }

    /// A 2D colour texture with the given format.
    #[must_use]
    pub fn color_with_format(width: u32, height: u32, format: wgpu::TextureFormat) -> Self {
        Self {
            width,
            height,
            layers: 1,
            mip_level_count: 1,
            sample_count: 1,
            format,
            usage: Self::COLOR_USAGE,
        }
    }

    /// The wgpu descriptor.
    #[must_use]
    pub fn descriptor<'a>(&self, label: &'a str) -> wgpu::TextureDescriptor<'a> {
        wgpu::TextureDescriptor {
            label: Some(label),
            size: wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: self.layers,
            },
            mip_level_count: self.mip_level_count,
            sample_count: self.sample_count,
            dimension: wgpu::TextureDimension::D2,
            format: self.format,
            usage: self.usage,
            view_formats: &[],
        }
    }
}

/// Counters of a pool, for the monitor and the no-churn tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PoolStats {
    /// Items created so far.
    pub created: u64,
    /// Acquisitions served from the free list.
    pub reused: u64,
    /// Items destroyed by `trim` (or `clear`).
    pub destroyed: u64,
    /// Items in the free lists now.
    pub free: usize,
}

/// Keyed free lists of reusable items.
#[derive(Debug)]
pub struct Pool<K, T> {
    free: HashMap<K, Vec<T>>,
    stats: PoolStats,
}

impl<K, T> Default for Pool<K, T> {
    fn default() -> Self {
        Self {
            free: HashMap::new(),
            stats: PoolStats::default(),
        }
    }
}

impl<K: Hash + Eq + Copy, T> Pool<K, T> {
    /// A free item of `key`, or a new one from `create`.
    pub fn acquire(&mut self, key: K, create: impl FnOnce() -> T) -> T {
        if let Some(item) = self.free.get_mut(&key).and_then(Vec::pop) {
            self.stats.reused += 1;
            self.stats.free -= 1;
            return item;
        }
        self.stats.created += 1;
        create()
    }

    /// Gives an item back for reuse.
    pub fn release(&mut self, key: K, item: T) {
        self.free.entry(key).or_default().push(item);
        self.stats.free += 1;
    }

    /// Drops every free item. Returns how many.
    pub fn trim(&mut self) -> usize {
        let n: usize = self.free.values().map(Vec::len).sum();
        self.free.clear();
        self.stats.destroyed += n as u64;
        self.stats.free = 0;
        n
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> PoolStats {
        self.stats
    }
}

/// The engine's texture pool.
#[derive(Debug, Default)]
pub struct TexturePool {
    pool: Pool<TextureKey, GpuTexture>,
}

impl TexturePool {
    /// A texture of `key`: a free one or a new one labelled `label`.
    pub fn acquire(&mut self, gpu: &Gpu, key: TextureKey, label: &str) -> GpuTexture {
        self.pool
            .acquire(key, || gpu.create_texture(&key.descriptor(label)))
    }

    /// Gives a texture back for reuse within this prepare phase.
    pub fn release(&mut self, texture: GpuTexture) {
        // An invalid one (a failed creation) is never handed out again.
        if !texture.is_valid() {
            return;
        }
        let (width, height) = texture.size();
        let t = &texture.texture;
        let key = TextureKey {
            width,
            height,
            layers: t.depth_or_array_layers(),
            mip_level_count: t.mip_level_count(),
            sample_count: t.sample_count(),
            format: t.format(),
            usage: t.usage(),
        };
        self.pool.release(key, texture);
    }

    /// Destroys the textures nobody took back.
    pub fn trim(&mut self) -> usize {
        self.pool.trim()
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_is_reused_and_different_keys_are_not() {
        let mut p: Pool<u32, String> = Pool::default();
        let a = p.acquire(1, || "a".into());
        p.release(1, a);
        let again = p.acquire(1, || "new".into());
        assert_eq!(again, "a");
        let other = p.acquire(2, || "b".into());
        assert_eq!(other, "b");
        assert_eq!(
            p.stats(),
            PoolStats {
                created: 2,
                reused: 1,
                destroyed: 0,
                free: 0
            }
        );
    }

    #[test]
    fn trim_drops_only_free_items() {
        let mut p: Pool<u32, String> = Pool::default();
        let a = p.acquire(1, || "a".into());
        let b = p.acquire(1, || "b".into());
        p.release(1, a);
        assert_eq!(p.trim(), 1);
        assert_eq!(p.stats().destroyed, 1);
        drop(b);
        assert_eq!(p.stats().free, 0);
    }

    #[test]
    fn steady_release_acquire_never_creates() {
        let mut p: Pool<TextureKeyLike, u64> = Pool::default();
        let mut next = 0;
        let mut held = p.acquire(TextureKeyLike(64), || {
            next += 1;
            next
        });
        for _ in 0..1000 {
            p.release(TextureKeyLike(64), held);
            held = p.acquire(TextureKeyLike(64), || unreachable!("no churn"));
            p.trim();
        }
        assert_eq!(p.stats().created, 1);
        assert_eq!(p.stats().destroyed, 0);
    }

    #[derive(Clone, Copy, PartialEq, Eq, Hash)]
    struct TextureKeyLike(u32);

    #[test]
    fn texture_key_normalises_the_descriptor() {
        let a = TextureKey::color(320, 180);
        let b = TextureKey::color_with_format(320, 180, wgpu::TextureFormat::Rgba16Float);
        assert_eq!(a, b);
        assert_ne!(a, TextureKey::color(180, 320));
        let d = a.descriptor("x");
        assert_eq!(d.size.depth_or_array_layers, 1);
        assert_eq!(d.format, wgpu::TextureFormat::Rgba16Float);
    }
}
