//! `CachedBindGroup`: a bind group rebuilt only when the ids of what it references change.

/// A value built from resources, with the resource ids (generations) it was built from.
#[derive(Debug)]
pub struct Keyed<T> {
    key: Vec<u64>,
    value: Option<T>,
    builds: u64,
}

impl<T> Default for Keyed<T> {
    fn default() -> Self {
        Self {
            key: Vec::new(),
            value: None,
            builds: 0,
        }
    }
}

/// A bind group cached against the ids of the buffers, textures and samplers it holds.
pub type CachedBindGroup = Keyed<wgpu::BindGroup>;

impl<T> Keyed<T> {
    /// The value for `key`, built by `create` only if the key changed.
    pub fn get_or_create(&mut self, key: &[u64], create: impl FnOnce() -> T) -> &T {
        if self.value.is_none() || self.key != key {
            self.value = None;
            self.key.clear();
            self.key.extend_from_slice(key);
            self.builds += 1;
        }
        self.value.get_or_insert_with(create)
    }

    /// [`get_or_create`](Self::get_or_create) for a `create` that may fail: it gives the
    /// value and whether it was made. A failed one (an invalid object) is returned this
    /// time but not kept: the next call builds again, whatever the key.
    pub fn get_or_create_checked(&mut self, key: &[u64], create: impl FnOnce() -> (T, bool)) -> &T {
        if self.value.is_none() || self.key != key {
            self.builds += 1;
            let (value, ok) = create();
            self.key.clear();
            if ok {
                self.key.extend_from_slice(key);
            }
            self.value = Some(value);
        }
        self.value.get_or_insert_with(|| unreachable!("set above"))
    }

    /// The current value, if built.
    #[must_use]
    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// How many times it was built.
    #[must_use]
    pub fn builds(&self) -> u64 {
        self.builds
    }

    /// Drops the value.
    pub fn clear(&mut self) {
        self.value = None;
        self.key.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::Keyed;

    #[test]
    fn rebuilt_only_when_a_generation_changes() {
        let mut k: Keyed<String> = Keyed::default();
        for _ in 0..100 {
            k.get_or_create(&[1, 7], || "a".into());
        }
        assert_eq!(k.builds(), 1);
        assert_eq!(k.get_or_create(&[1, 8], || "b".into()), "b");
        assert_eq!(k.builds(), 2);
        k.clear();
        assert!(k.get().is_none());
    }
}
