//! DRM fourcc codes and modifiers, the wgpu formats vivid shares, and the Y'CbCr matrices
//! two-plane (NV12, P010) buffers are read with.

/// A DRM fourcc code (`drm_fourcc.h`): little-endian, four ASCII characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fourcc(pub u32);

const fn fourcc(code: [u8; 4]) -> Fourcc {
    Fourcc(code[0] as u32 | (code[1] as u32) << 8 | (code[2] as u32) << 16 | (code[3] as u32) << 24)
}

impl Fourcc {
    /// `DRM_FORMAT_ABGR8888` (`AB24`): bytes R, G, B, A in memory.
    pub const ABGR8888: Self = fourcc(*b"AB24");
    /// `DRM_FORMAT_XBGR8888` (`XB24`): bytes R, G, B, X (alpha ignored, read as 1).
    pub const XBGR8888: Self = fourcc(*b"XB24");
    /// `DRM_FORMAT_ARGB8888` (`AR24`): bytes B, G, R, A in memory.
    pub const ARGB8888: Self = fourcc(*b"AR24");
    /// `DRM_FORMAT_XRGB8888` (`XR24`): bytes B, G, R, X.
    pub const XRGB8888: Self = fourcc(*b"XR24");
    /// `DRM_FORMAT_ABGR16161616F` (`AB4H`): half floats R, G, B, A.
    pub const ABGR16161616F: Self = fourcc(*b"AB4H");
    /// `DRM_FORMAT_NV12` (`NV12`): two planes, 8-bit Y' at full size, then interleaved
    /// Cb, Cr at half width and half height — what hardware decoders and cameras hand out.
    pub const NV12: Self = fourcc(*b"NV12");
    /// `DRM_FORMAT_P010` (`P010`): NV12's layout with 16-bit little-endian samples holding
    /// 10-bit codes in their high bits — what 10-bit (HEVC Main 10, AV1, VP9 profile 2)
    /// hardware decoders hand out. Its planes are read as `R16Unorm` and `Rg16Unorm`, which
    /// needs the device's `TEXTURE_FORMAT_16BIT_NORM`.
    pub const P010: Self = fourcc(*b"P010");

    /// The four characters, for messages.
    #[must_use]
    pub fn name(self) -> String {
        self.0
            .to_le_bytes()
            .iter()
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
            .collect()
    }

    /// The wgpu format whose texels have this layout (unorm: the bytes are the chain's
    /// display-referred values, not decoded from sRGB), and the bytes per texel.
    #[must_use]
    pub fn texture_format(self) -> Option<wgpu::TextureFormat> {
        Some(match self {
            Self::ABGR8888 | Self::XBGR8888 => wgpu::TextureFormat::Rgba8Unorm,
            Self::ARGB8888 | Self::XRGB8888 => wgpu::TextureFormat::Bgra8Unorm,
            Self::ABGR16161616F => wgpu::TextureFormat::Rgba16Float,
            _ => return None,
        })
    }

    /// The wgpu formats of a two-plane Y'CbCr fourcc's planes (luma, interleaved chroma),
    /// each imported as an image of its own.
    #[must_use]
    pub fn planes(self) -> Option<[wgpu::TextureFormat; 2]> {
        match self {
            Self::NV12 => Some([wgpu::TextureFormat::R8Unorm, wgpu::TextureFormat::Rg8Unorm]),
            Self::P010 => Some([
                wgpu::TextureFormat::R16Unorm,
                wgpu::TextureFormat::Rg16Unorm,
            ]),
            _ => None,
        }
    }

    /// Whether the fourth channel is padding (`X…`): read as opaque.
    #[must_use]
    pub fn ignores_alpha(self) -> bool {
        matches!(self, Self::XBGR8888 | Self::XRGB8888)
    }

    /// The fourcc vivid exports `format` as.
    #[must_use]
    pub fn of(format: wgpu::TextureFormat) -> Option<Self> {
        Some(match format {
            wgpu::TextureFormat::Rgba8Unorm => Self::ABGR8888,
            wgpu::TextureFormat::Bgra8Unorm => Self::ARGB8888,
            wgpu::TextureFormat::Rgba16Float => Self::ABGR16161616F,
            _ => return None,
        })
    }
}

impl std::fmt::Display for Fourcc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (0x{:08x})", self.name(), self.0)
    }
}

/// `DRM_FORMAT_MOD_LINEAR`: rows one after the other, `stride` bytes apart.
pub const MOD_LINEAR: u64 = 0;
/// `DRM_FORMAT_MOD_INVALID`: "no explicit modifier" (implicit layout), refused on import.
pub const MOD_INVALID: u64 = 0x00ff_ffff_ffff_ffff;

/// How a buffer's memory is handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HandleType {
    /// A Linux DMA-BUF: any device and process can import it (`VK_EXT_external_memory_dma_buf`).
    DmaBuf,
    /// A Vulkan opaque fd (`VK_KHR_external_memory_fd`): only a device of the same driver
    /// and device UUID can import it. vivid exports this only where the driver cannot
    /// export DMA-BUFs (lavapipe on a kernel without `udmabuf`).
    OpaqueFd,
}

/// The Y'CbCr → R'G'B' matrix of a two-plane buffer. The numbering is the one
/// `shaders/common/yuv.wgsl` (shared with `vivid-media`'s `video.wgsl`) reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum YuvMatrix {
    /// ITU-R BT.601 (SD video, JPEG).
    Bt601 = 0,
    /// ITU-R BT.709 (HD video).
    Bt709 = 1,
    /// ITU-R BT.2020 (UHD video), non-constant luminance.
    Bt2020 = 2,
}

/// The code range of a two-plane buffer's samples.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum YuvRange {
    /// Y' in 16..=235, Cb and Cr in 16..=240 (what video is).
    Limited = 0,
    /// Every code 0..=255.
    Full = 1,
}

/// The second (chroma) plane of a two-plane buffer (`NV12`, `P010`), and how its samples are read.
/// Chroma is sited at the centre of each 2×2 block of luma samples and filtered
/// bilinearly, as `vivid-media`'s CPU-uploaded frames are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ChromaPlane {
    /// Offset of the plane in the buffer, bytes.
    pub offset: u64,
    /// Bytes per row of the plane.
    pub stride: u64,
    /// The matrix.
    pub matrix: YuvMatrix,
    /// The range.
    pub range: YuvRange,
}

/// Bytes per texel of the formats vivid shares.
#[must_use]
pub fn bytes_per_texel(format: wgpu::TextureFormat) -> u32 {
    format.block_copy_size(None).unwrap_or(4)
}

#[cfg(test)]
mod tests {
    use super::Fourcc;

    /// The codes are the ones `drm_fourcc.h` defines (values written out from the header).
    #[test]
    fn codes_match_drm_fourcc_h() {
        assert_eq!(Fourcc::ABGR8888.0, 0x3432_4241);
        assert_eq!(Fourcc::ARGB8888.0, 0x3432_5241);
        assert_eq!(Fourcc::XRGB8888.0, 0x3432_5258);
        assert_eq!(Fourcc::ABGR16161616F.0, 0x4834_4241);
        assert_eq!(Fourcc::NV12.0, 0x3231_564e);
        assert_eq!(Fourcc::P010.0, 0x3031_3050);
        assert_eq!(Fourcc::ABGR8888.name(), "AB24");
    }
}
