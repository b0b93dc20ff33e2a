//! Memory budgets checked before allocating what a file asks for.

/// The most bytes one picture may take as a texture: `Rgba16Float` (8 bytes a pixel) with
/// its mip chain (a third more). 1 GiB: an 11,585-pixel square, an 8K picture (716 MB)
/// fits; a 16000x16000 JPEG (2.7 GB) is refused before it is decoded. Decoding takes about
/// as much again on the CPU.
pub const MAX_PICTURE_BYTES: u64 = 1 << 30;

/// Bytes a `width` x `height` picture takes as an `Rgba16Float` texture with every mip level.
#[must_use]
pub fn picture_texture_bytes(width: u32, height: u32) -> u64 {
    let (mut w, mut h) = (u64::from(width), u64::from(height));
    let mut total = 0u64;
    loop {
        total = total.saturating_add(w.saturating_mul(h).saturating_mul(8));
        if w <= 1 && h <= 1 {
            return total;
        }
        w = (w / 2).max(1);
        h = (h / 2).max(1);
    }
}

/// Whether a `width` x `height` picture may be loaded: each side within the device's
/// `max_side` (`max_texture_dimension_2d`) and its texture within [`MAX_PICTURE_BYTES`].
/// The error says which, with the numbers.
pub fn check_picture(width: u32, height: u32, max_side: u32) -> Result<(), String> {
    if width == 0 || height == 0 || width > max_side || height > max_side {
        return Err(format!(
            "{width}x{height} pixels: too large for this GPU (each side must be 1..={max_side}, the device's max_texture_dimension_2d)"
        ));
    }
    let bytes = picture_texture_bytes(width, height);
    if bytes > MAX_PICTURE_BYTES {
        return Err(format!(
            "{width}x{height} pixels: {} MB as a texture with its mip levels, over the {} MB vivid gives one picture (scale it down, e.g. to 8192 pixels a side)",
            bytes / 1_000_000,
            MAX_PICTURE_BYTES / 1_000_000
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_every_mip_level() {
        // 4x4: 16 + 4 + 1 pixels.
        assert_eq!(picture_texture_bytes(4, 4), 21 * 8);
        assert_eq!(picture_texture_bytes(1, 1), 8);
        assert_eq!(picture_texture_bytes(4, 1), (4 + 2 + 1) * 8);
        assert!(check_picture(8192, 8192, 16384).is_ok());
        let e = check_picture(16000, 16000, 16384).unwrap_err();
        assert!(e.contains("16000x16000") && e.contains("2730 MB"), "{e}");
        let e = check_picture(20000, 10, 16384).unwrap_err();
        assert!(e.contains("max_texture_dimension_2d"), "{e}");
    }
}
