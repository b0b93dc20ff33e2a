//! `dither`: ordered dithering to a few levels per channel, with a Bayer matrix (2×2, 4×4,
//! 8×8) or a blue-noise threshold map.
//!
//! A Bayer matrix is a formula (computed in the shader); blue noise is data. It is made here,
//! by Ulichney's void-and-cluster method (1993) on a 64×64 torus, once per process (a few
//! milliseconds, [`blue_noise`]), and uploaded once per operator in `prepare` as a small
//! `Rg8Unorm` texture holding each pixel's rank exactly (high and low byte). Why not the
//! alternatives: a hash in WGSL is white noise — its clumps and holes show as blotches in a
//! dither — and low-discrepancy tricks (interleaved gradient noise, R2) show diagonal
//! structure; a blue-noise PNG would be a binary asset with a licence to track, and could
//! not be checked the way the generated map is (a permutation of the ranks, little energy at
//! low frequencies: the tests below). This is why `dither` is a Rust operator and not a
//! single WGSL file: a WGSL operator has no way to bring a texture of its own.

use std::sync::OnceLock;

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::{Gpu, GpuTexture};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::resources::{SamplerKind, UniformSlot, UniformWriter};

vivid_engine::choice_enum! {
    /// Where the thresholds come from.
    pub enum Pattern {
        /// The 2×2 Bayer matrix (4 thresholds).
        Bayer2 = "bayer2",
        /// The 4×4 Bayer matrix (16 thresholds).
        Bayer4 = "bayer4",
        /// The 8×8 Bayer matrix (64 thresholds).
        Bayer8 = "bayer8",
        /// A 64×64 blue-noise map (4096 thresholds): an even grain without visible structure.
        BlueNoise = "blue_noise",
    }
}

vivid_engine::params! {
    /// Parameters of `dither`.
    pub struct DitherParams {
        /// bayer2, bayer4, bayer8 (a regular cross-hatch) or blue_noise (an even grain).
        pattern: Pattern = Pattern::Bayer4,
        /// Levels per channel of the output (2: each channel fully on or off).
        levels: u32 [2, 256] = 2,
        /// Size of one cell of the pattern, pixels (2 or more: chunky, retro).
        cell: f32 [1.0, 256.0] = 1.0,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct DitherUniforms {
    header: FrameHeader,
    pattern: u32,
    levels: f32,
    cell: f32,
    _pad: u32,
}

/// Side of the blue-noise map, pixels.
pub const BLUE_NOISE_SIDE: usize = 64;

/// Sigma of the Gaussian that measures clustering in void-and-cluster, pixels (Ulichney's
/// 1.5).
const SIGMA: f32 = 1.5;

/// Reach of that Gaussian, pixels: exp(−6² / (2 · 1.5²)) ≈ 3e-4, beyond which it is dropped.
const REACH: i32 = 6;

/// The blue-noise map: the rank (0..4096) of every pixel of a 64×64 torus, rows top to
/// bottom. Made once per process.
pub fn blue_noise() -> &'static [u16] {
    static MAP: OnceLock<Vec<u16>> = OnceLock::new();
    MAP.get_or_init(|| void_and_cluster(BLUE_NOISE_SIDE, 0x5eed_b1de))
}

/// Each pixel's "energy": the sum of a Gaussian centred on every set pixel, on a torus.
struct Energy {
    side: usize,
    kernel: Vec<f32>,
    e: Vec<f32>,
}

impl Energy {
    fn new(side: usize) -> Self {
        let width = (2 * REACH + 1) as usize;
        let mut kernel = Vec::with_capacity(width * width);
        for dy in -REACH..=REACH {
            for dx in -REACH..=REACH {
                let r2 = (dx * dx + dy * dy) as f32;
                kernel.push((-r2 / (2.0 * SIGMA * SIGMA)).exp());
            }
        }
        Self {
            side,
            kernel,
            e: vec![0.0; side * side],
        }
    }

    /// Adds (`sign` 1) or removes (−1) the Gaussian of pixel `at`.
    fn splat(&mut self, at: usize, sign: f32) {
        let n = self.side as i32;
        let (x, y) = ((at % self.side) as i32, (at / self.side) as i32);
        let width = (2 * REACH + 1) as usize;
        for dy in -REACH..=REACH {
            let row = (y + dy).rem_euclid(n) as usize * self.side;
            for dx in -REACH..=REACH {
                let k = self.kernel[(dy + REACH) as usize * width + (dx + REACH) as usize];
                self.e[row + (x + dx).rem_euclid(n) as usize] += sign * k;
            }
        }
    }

    /// The set pixel with the most energy (the tightest cluster), first in scan order on
    /// ties.
    fn tightest_cluster(&self, set: &[bool]) -> Option<usize> {
        self.extreme(set, true, |a, b| a > b)
    }

    /// The unset pixel with the least energy (the largest void).
    fn largest_void(&self, set: &[bool]) -> Option<usize> {
        self.extreme(set, false, |a, b| a < b)
    }

    fn extreme(&self, set: &[bool], want: bool, better: fn(f32, f32) -> bool) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (i, (&e, &s)) in self.e.iter().zip(set).enumerate() {
            if s == want && best.is_none_or(|b| better(e, self.e[b])) {
                best = Some(i);
            }
        }
        best
    }
}

/// `SplitMix64`: a small, fixed pseudo-random sequence for the initial pattern.
fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Ulichney's void-and-cluster: the rank of every pixel of a `side`×`side` torus, such that
/// the pixels of rank below any k are spread as evenly as possible (blue noise).
fn void_and_cluster(side: usize, seed: u64) -> Vec<u16> {
    let n = side * side;
    // An initial pattern: a tenth of the pixels, at random.
    let mut set = vec![false; n];
    let mut energy = Energy::new(side);
    let mut state = seed;
    let mut ones = 0;
    while ones < n / 10 {
        let at = (splitmix(&mut state) % n as u64) as usize;
        if !set[at] {
            set[at] = true;
            energy.splat(at, 1.0);
            ones += 1;
        }
    }
    // Spread it: move the tightest cluster into the largest void until that changes
    // nothing (bounded, in case of a cycle).
    for _ in 0..4 * n {
        let Some(cluster) = energy.tightest_cluster(&set) else {
            break;
        };
        set[cluster] = false;
        energy.splat(cluster, -1.0);
        let Some(void) = energy.largest_void(&set) else {
            break;
        };
        set[void] = true;
        energy.splat(void, 1.0);
        if void == cluster {
            break;
        }
    }
    let mut rank = vec![0u16; n];
    // Phase 1: rank the initial pixels by taking away the tightest cluster, one by one.
    let (mut set1, mut energy1) = (set.clone(), Energy { e: energy.e.clone(), ..Energy::new(side) });
    for r in (0..ones).rev() {
        let Some(c) = energy1.tightest_cluster(&set1) else {
            break;
        };
        set1[c] = false;
        energy1.splat(c, -1.0);
        rank[c] = r as u16;
    }
    // Phases 2 and 3: fill the largest void, one by one. (Past half full, Ulichney's phase 3
    // takes the tightest cluster of the unset pixels; with a linear energy that is the same
    // pixel: the unset pixels' energy is the kernel's total minus the set ones'.)
    for r in ones..n {
        let Some(v) = energy.largest_void(&set) else {
            break;
        };
        set[v] = true;
        energy.splat(v, 1.0);
        rank[v] = r as u16;
    }
    rank
}

/// The map as an `Rg8Unorm` texture: each rank's high byte in red, low byte in green.
fn upload(gpu: &Gpu) -> GpuTexture {
    let side = BLUE_NOISE_SIDE as u32;
    let texture = gpu.create_texture(&wgpu::TextureDescriptor {
        label: Some("vivid.dither.blue_noise"),
        size: wgpu::Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::Rg8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    let bytes: Vec<u8> = blue_noise().iter().flat_map(|r| r.to_be_bytes()).collect();
    gpu.queue().write_texture(
        wgpu::TexelCopyTextureInfo {
            texture: &texture.texture,
            mip_level: 0,
            origin: wgpu::Origin3d::ZERO,
            aspect: wgpu::TextureAspect::All,
        },
        &bytes,
        wgpu::TexelCopyBufferLayout {
            offset: 0,
            bytes_per_row: Some(side * 2),
            rows_per_image: None,
        },
        wgpu::Extent3d {
            width: side,
            height: side,
            depth_or_array_layers: 1,
        },
    );
    texture
}

/// `dither`.
#[derive(Debug)]
pub struct Dither {
    pass: FullscreenPass,
    /// The blue-noise map, made at the first prepare and kept (it never changes).
    noise: Option<GpuTexture>,
    slot: UniformSlot,
}

impl Default for Dither {
    fn default() -> Self {
        Self {
            pass: FullscreenPass::new("dither.wgsl", size_of::<DitherUniforms>()),
            noise: None,
            slot: UniformSlot::default(),
        }
    }
}

impl OperatorType for Dither {
    const NAME: &'static str = "dither";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Ordered dithering to a few levels per channel: Bayer 2×2, 4×4, 8×8 or blue noise (void-and-cluster).";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = DitherParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("dither.wgsl", "Dither", size_of::<DitherUniforms>())];
}

impl Operator for Dither {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: DitherParams = cx.params();
        self.slot = out.push(&DitherUniforms {
            header: cx.header(),
            pattern: p.pattern as u32,
            levels: p.levels.max(2) as f32,
            cell: p.cell.max(1.0),
            _pad: 0,
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        // Built into a local first: a failed prepare leaves the operator as it was.
        let made = match &self.noise {
            Some(_) => None,
            None => Some(upload(cx.gpu)),
        };
        let Some(noise) = made.as_ref().or(self.noise.as_ref()) else {
            return Ok(());
        };
        let (input, output) = (cx.inputs[0], cx.output);
        self.pass
            .prepare(cx, &[input, noise], output, SamplerKind::LinearClamp)?;
        if made.is_some() {
            self.noise = made;
        }
        Ok(())
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.pass.dispatch(cx.encoder, self.slot, cx.name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_blue_noise_map_ranks_every_pixel_once() {
        let map = blue_noise();
        assert_eq!(map.len(), BLUE_NOISE_SIDE * BLUE_NOISE_SIDE);
        let mut seen = vec![false; map.len()];
        for &r in map {
            assert!(!seen[r as usize], "rank {r} twice");
            seen[r as usize] = true;
        }
    }

    /// Mean power of the map's 2D DFT (ranks centred) over frequencies with |k| in `band`
    /// (cycles across the map).
    fn band_power(map: &[u16], side: usize, band: std::ops::Range<f64>) -> f64 {
        let mean = (map.len() as f64 - 1.0) / 2.0;
        let (mut total, mut count) = (0.0, 0);
        let half = side as i32 / 2;
        for ky in -half..half {
            for kx in -half..half {
                let k = f64::from(kx * kx + ky * ky).sqrt();
                if k == 0.0 || !band.contains(&k) {
                    continue;
                }
                let (mut re, mut im) = (0.0, 0.0);
                for (i, &r) in map.iter().enumerate() {
                    let (x, y) = ((i % side) as f64, (i / side) as f64);
                    let phase = std::f64::consts::TAU
                        * (f64::from(kx) * x + f64::from(ky) * y)
                        / side as f64;
                    re += (f64::from(r) - mean) * phase.cos();
                    im -= (f64::from(r) - mean) * phase.sin();
                }
                total += re * re + im * im;
                count += 1;
            }
        }
        total / f64::from(count)
    }

    #[test]
    fn the_blue_noise_map_has_little_low_frequency_energy() {
        // White noise (any random permutation) has the same power at every frequency; blue
        // noise has almost none at low frequencies. Compared with a shuffled copy.
        let side = BLUE_NOISE_SIDE;
        let map = blue_noise();
        let mut shuffled = map.to_vec();
        let mut state = 7;
        for i in (1..shuffled.len()).rev() {
            let j = (splitmix(&mut state) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let low = band_power(map, side, 0.0..6.0);
        let high = band_power(map, side, 24.0..28.0);
        let white_low = band_power(&shuffled, side, 0.0..6.0);
        assert!(low < 0.05 * high, "low {low} vs high {high}");
        assert!(low < 0.05 * white_low, "low {low} vs white noise {white_low}");
    }

    #[test]
    fn every_threshold_level_is_spread_evenly() {
        // The pixels of rank below k, for any k, have no two closer than about the spacing
        // of k points spread evenly: checked at 1/16 of the map (spacing 4 px).
        let side = BLUE_NOISE_SIDE;
        let map = blue_noise();
        let k = (side * side / 16) as u16;
        let points: Vec<(i32, i32)> = map
            .iter()
            .enumerate()
            .filter(|(_, r)| **r < k)
            .map(|(i, _)| ((i % side) as i32, (i / side) as i32))
            .collect();
        let n = side as i32;
        let wrap = |d: i32| d.rem_euclid(n).min((-d).rem_euclid(n));
        let closest = points
            .iter()
            .enumerate()
            .flat_map(|(i, a)| points[i + 1..].iter().map(move |b| (a, b)))
            .map(|(a, b)| {
                let (dx, dy) = (wrap(a.0 - b.0), wrap(a.1 - b.1));
                dx * dx + dy * dy
            })
            .min()
            .unwrap_or(0);
        // White noise would put some pair at distance 0 or 1; evenly spread, ~4 px apart.
        assert!(closest >= 4, "closest pair at squared distance {closest}");
    }
}
