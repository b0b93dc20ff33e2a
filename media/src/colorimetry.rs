//! Y'CbCr → R'G'B': the matrices of BT.601, BT.709, BT.2020 (and FCC, SMPTE 240M) with
//! limited or full range, as GStreamer's `GstVideoColorimetry` names them.
//!
//! The planes are uploaded as they are decoded (8 bits a sample, sampled as `unorm` 0..1)
//! and converted in `media/shaders/video.wgsl` with `shaders/common/yuv.wgsl` (shared with
//! `vivid-dmabuf`'s NV12 import), which holds the same table of `Kr`/`Kb` and derives the
//! same matrix; [`yuv_to_rgb`] is its CPU twin (documentation and tests). No
//! transfer function is applied: decoded R'G'B' is display-referred already, which is what
//! every texture of the chain holds.

/// The matrix of a Y'CbCr stream. The numbering is the shader's (`common/yuv.wgsl`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Matrix {
    /// ITU-R BT.601 (SD video, JPEG).
    Bt601 = 0,
    /// ITU-R BT.709 (HD video).
    Bt709 = 1,
    /// ITU-R BT.2020 (UHD video), non-constant luminance.
    Bt2020 = 2,
    /// FCC (US 1953).
    Fcc = 3,
    /// SMPTE 240M.
    Smpte240m = 4,
}

/// The range of the 8-bit code values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Range {
    /// Y' in 16..=235, Cb and Cr in 16..=240 ("TV", "limited", "studio swing").
    Limited = 0,
    /// Every code 0..=255 ("PC", "full").
    Full = 1,
}

impl Matrix {
    /// The luma weights of red and blue (`Kr`, `Kb`); green's is `1 - Kr - Kb`.
    #[must_use]
    pub const fn kr_kb(self) -> (f64, f64) {
        match self {
            Self::Bt601 => (0.299, 0.114),
            Self::Bt709 => (0.2126, 0.0722),
            Self::Bt2020 => (0.2627, 0.0593),
            Self::Fcc => (0.30, 0.11),
            Self::Smpte240m => (0.212, 0.087),
        }
    }

    /// The matrix GStreamer's colorimetry names; `Unknown` is GStreamer's own default: BT.601
    /// for standard definition (up to 576 lines), BT.709 above.
    #[must_use]
    pub fn from_gst(m: gstreamer_video::VideoColorMatrix, height: u32) -> Self {
        use gstreamer_video::VideoColorMatrix as M;
        match m {
            M::Bt601 => Self::Bt601,
            M::Bt709 => Self::Bt709,
            M::Bt2020 => Self::Bt2020,
            M::Fcc => Self::Fcc,
            M::Smpte240m => Self::Smpte240m,
            _ if height <= 576 => Self::Bt601,
            _ => Self::Bt709,
        }
    }

    /// GStreamer's name of it.
    #[must_use]
    pub fn to_gst(self) -> gstreamer_video::VideoColorMatrix {
        use gstreamer_video::VideoColorMatrix as M;
        match self {
            Self::Bt601 => M::Bt601,
            Self::Bt709 => M::Bt709,
            Self::Bt2020 => M::Bt2020,
            Self::Fcc => M::Fcc,
            Self::Smpte240m => M::Smpte240m,
        }
    }
}

impl Range {
    /// The range GStreamer's colorimetry names; unknown is limited (what YUV video is).
    #[must_use]
    pub fn from_gst(r: gstreamer_video::VideoColorRange) -> Self {
        match r {
            gstreamer_video::VideoColorRange::Range0_255 => Self::Full,
            _ => Self::Limited,
        }
    }
}

/// The rows of `M` such that `(R', G', B') = M · (y, u, v, 1)`, where `y`, `u`, `v` are the
/// 8-bit codes divided by 255 (what sampling an `R8Unorm` plane gives).
#[must_use]
pub fn yuv_to_rgb(matrix: Matrix, range: Range) -> [[f64; 4]; 3] {
    let (kr, kb) = matrix.kr_kb();
    let kg = 1.0 - kr - kb;
    // Y' = ay * y + by, C = ac * c + bc (C in -0.5..0.5).
    let (ay, by, ac, bc) = match range {
        Range::Limited => (255.0 / 219.0, -16.0 / 219.0, 255.0 / 224.0, -128.0 / 224.0),
        Range::Full => (1.0, 0.0, 1.0, -128.0 / 255.0),
    };
    let (rv, bu) = (2.0 * (1.0 - kr), 2.0 * (1.0 - kb));
    let (gu, gv) = (bu * kb / kg, rv * kr / kg);
    [
        [ay, 0.0, rv * ac, by + rv * bc],
        [ay, -gu * ac, -gv * ac, by - (gu + gv) * bc],
        [ay, bu * ac, 0.0, by + bu * bc],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(m: &[[f64; 4]; 3], yuv: [f64; 3]) -> [f64; 3] {
        m.map(|r| r[0] * yuv[0] + r[1] * yuv[1] + r[2] * yuv[2] + r[3])
    }

    #[test]
    fn limited_range_black_white_and_grey_are_neutral() {
        for matrix in [Matrix::Bt601, Matrix::Bt709, Matrix::Bt2020] {
            let m = yuv_to_rgb(matrix, Range::Limited);
            let c = 128.0 / 255.0;
            for (y, want) in [(16.0, 0.0), (235.0, 1.0), (125.5, 0.5)] {
                for got in apply(&m, [y / 255.0, c, c]) {
                    assert!((got - want).abs() < 1e-9, "{matrix:?} {y}: {got}");
                }
            }
        }
    }

    #[test]
    fn bt709_red_comes_back_from_its_codes() {
        // BT.709 red (1, 0, 0): Y' = 0.2126, Cb = -0.2126 / 1.8556, Cr = 0.5, limited range.
        let y = 16.0 + 219.0 * 0.2126;
        let cb = 128.0 + 224.0 * (-0.2126 / 1.8556);
        let cr = 128.0 + 224.0 * 0.5;
        let rgb = apply(
            &yuv_to_rgb(Matrix::Bt709, Range::Limited),
            [y / 255.0, cb / 255.0, cr / 255.0],
        );
        for (got, want) in rgb.iter().zip([1.0, 0.0, 0.0]) {
            assert!((got - want).abs() < 1e-9, "{rgb:?}");
        }
    }
}
