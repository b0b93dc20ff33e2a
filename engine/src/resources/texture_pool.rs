//! `TexturePool`: textures keyed by their full, normalised descriptor, and the operators'
//! scratch textures, shared by every operator of the frame.
//!
//! `acquire` reuses a free texture of the same key or creates one; `release` gives it back;
//! `trim` destroys what nobody took back. The engine trims at the end of every prepare
//! phase and right after removing operators, so memory is freed at once and never waits for
//! a frame that may not come. The bookkeeping is generic ([`Pool`], [`ScratchSet`]) and
//! tested without a GPU.
//!
//! **Scratch textures** ([`TexturePool::scratch`]) are what an operator needs only while its
//! own passes run — a blur's small levels, a bloom's pyramid. Operators encode one after
//! the other into the frame's one encoder, so one texture can serve every operator that
//! asks for the same key and index: the `k`-th scratch texture of a key is the same texture
//! for all of them, each handle an `Arc` of it. A chain of 30 blurs of one size holds one
//! set of levels, not 30 (like node outputs, which `chain::plan_slots` aliases). A texture
//! no operator holds any more goes back at the next `trim`. Operators never rely on what a
//! scratch texture holds when their passes start. State kept across frames (feedback's
//! history, a delay's ring) is not scratch: operators acquire it for themselves.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

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

/// Items shared by key and index, each handed out as an `Arc`: the same `(key, index)`
/// gives the same item to everyone until nobody holds it ([`ScratchSet::sweep`]).
#[derive(Debug)]
pub struct ScratchSet<K, T> {
    items: HashMap<(K, u32), Arc<T>>,
}

impl<K, T> Default for ScratchSet<K, T> {
    fn default() -> Self {
        Self {
            items: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Copy, T> ScratchSet<K, T> {
    /// The item `(key, index)`: the one handed out before, or a new one from `create`.
    pub fn get(&mut self, key: K, index: u32, create: impl FnOnce() -> T) -> Arc<T> {
        self.items
            .entry((key, index))
            .or_insert_with(|| Arc::new(create()))
            .clone()
    }

    /// Drops the item `(key, index)` from the set (those who hold it keep their handle);
    /// the next [`get`](Self::get) makes a new one.
    pub fn forget(&mut self, key: K, index: u32) {
        self.items.remove(&(key, index));
    }

    /// Takes out the items nobody else holds, giving each to `free` with its key.
    pub fn sweep(&mut self, mut free: impl FnMut(K, T)) {
        let unused: Vec<(K, u32)> = self
            .items
            .iter()
            .filter(|(_, item)| Arc::strong_count(item) == 1)
            .map(|(k, _)| *k)
            .collect();
        for k in unused {
            if let Some(item) = self.items.remove(&k).and_then(Arc::into_inner) {
                free(k.0, item);
            }
        }
    }

    /// Items held now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether none is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// A scratch texture ([`TexturePool::scratch`]): shared with every operator that asked for
/// the same key and index; valid while held. Dereferences to the texture.
#[derive(Clone, Debug)]
pub struct Scratch(Arc<GpuTexture>);

impl std::ops::Deref for Scratch {
    type Target = GpuTexture;
    fn deref(&self) -> &GpuTexture {
        &self.0
    }
}

/// The engine's texture pool.
#[derive(Debug, Default)]
pub struct TexturePool {
    pool: Pool<TextureKey, GpuTexture>,
    scratch: ScratchSet<TextureKey, GpuTexture>,
}

impl TexturePool {
    /// A texture of `key`: a free one or a new one labelled `label`.
    pub fn acquire(&mut self, gpu: &Gpu, key: TextureKey, label: &str) -> GpuTexture {
        self.pool
            .acquire(key, || gpu.create_texture(&key.descriptor(label)))
    }

    /// Scratch texture number `index` of `key`, for an operator's passes within the frame
    /// (see the module docs): the same texture for every operator that asks for this key
    /// and index, made (or taken from the free textures) the first time. Hold the handle as
    /// long as bind groups use it, drop it when they go; nothing survives in it from one
    /// frame, or one operator, to the next.
    ///
    /// A texture whose creation failed (an invalid object) is handed out this once — the
    /// operator's prepare fails — and forgotten: the next call makes one again.
    pub fn scratch(&mut self, gpu: &Gpu, key: TextureKey, index: u32, label: &str) -> Scratch {
        let pool = &mut self.pool;
        let texture = self.scratch.get(key, index, || {
            pool.acquire(key, || gpu.create_texture(&key.descriptor(label)))
        });
        if !texture.is_valid() {
            self.scratch.forget(key, index);
        }
        Scratch(texture)
    }

    /// Gives a texture back for reuse within this prepare phase.
    pub fn release(&mut self, texture: GpuTexture) {
        // An invalid one (a failed creation) is never handed out again.
        if !texture.is_valid() {
            return;
        }
        let key = key_of(&texture);
        self.pool.release(key, texture);
    }

    /// Destroys the textures nobody took back, scratch textures no operator holds included.
    pub fn trim(&mut self) -> usize {
        let pool = &mut self.pool;
        self.scratch.sweep(|key, t| {
            // An invalid one (a failed creation) is dropped, never handed out again.
            if t.is_valid() {
                pool.release(key, t);
            }
        });
        self.pool.trim()
    }

    /// The counters.
    #[must_use]
    pub fn stats(&self) -> PoolStats {
        self.pool.stats()
    }

    /// Scratch textures held by operators now.
    #[must_use]
    pub fn scratch_count(&self) -> usize {
        self.scratch.len()
    }
}

/// The full key of a texture.
fn key_of(texture: &GpuTexture) -> TextureKey {
    let (width, height) = texture.size();
    let t = &texture.texture;
    TextureKey {
        width,
        height,
        layers: t.depth_or_array_layers(),
        mip_level_count: t.mip_level_count(),
        sample_count: t.sample_count(),
        format: t.format(),
        usage: t.usage(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_scratch_item_is_made_again_and_the_holder_keeps_it() {
        let mut set: ScratchSet<u32, String> = ScratchSet::default();
        let bad = set.get(1, 0, || "invalid".into());
        set.forget(1, 0);
        let again = set.get(1, 0, || "new".into());
        assert_eq!((bad.as_str(), again.as_str()), ("invalid", "new"));
        assert_eq!(set.len(), 1);
    }

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
    fn scratch_is_shared_by_key_and_index_and_freed_when_nobody_holds_it() {
        let mut s: ScratchSet<u32, String> = ScratchSet::default();
        let mut made = 0;
        let mut make = |name: &str| {
            made += 1;
            name.to_string()
        };
        // Thirty operators asking for the same two scratch items share two.
        let held: Vec<_> = (0..30)
            .flat_map(|_| [s.get(7, 0, || make("a")), s.get(7, 1, || make("b"))])
            .collect();
        assert_eq!(made, 2);
        assert_eq!(s.len(), 2);
        assert!(std::sync::Arc::ptr_eq(&held[0], &held[2]));
        let mut freed = Vec::new();
        s.sweep(|k, t| freed.push((k, t)));
        assert!(freed.is_empty(), "still held");
        drop(held);
        s.sweep(|k, t| freed.push((k, t)));
        freed.sort();
        assert_eq!(freed, vec![(7, "a".to_string()), (7, "b".to_string())]);
        assert!(s.is_empty());
    }

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
