//! `blur`: separable Gaussian blur, all passes in the frame's one encoder.
//!
//! Small radii (sigma < 4 px) are exact: horizontal into a pooled texture, then vertical
//! into the output. Larger radii go through a pyramid — `k` 2× downsamples, the separable
//! blur at 1/2^k resolution, `k` 2× bilinear upsamples — so the cost stays flat as the
//! radius grows. The variance the resampling adds, `(4^k − 1) / 3` px², is taken out of the
//! blur at the small level, so `radius` stays the Gaussian's sigma in output pixels.
//! Every pass is a convex combination with mirrored edges: a uniform image stays uniform
//! exactly, and the mean is kept (exactly on the direct path, to resampling error on the
//! pyramid).

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, TextureKey, UniformSlot, UniformWriter};

vivid_engine::choice_enum! {
    /// Which directions to blur.
    pub enum Axes {
        /// Horizontal and vertical.
        Both = "both",
        /// Horizontal only.
        Horizontal = "horizontal",
        /// Vertical only.
        Vertical = "vertical",
    }
}

vivid_engine::params! {
    /// Parameters of `blur`.
    pub struct BlurParams {
        /// Gaussian standard deviation (sigma), in pixels of the output. 0: no blur.
        radius: f32 [0.0, 500.0] = 4.0,
        /// both, horizontal or vertical.
        axes: Axes = Axes::Both,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlurUniforms {
    header: FrameHeader,
    direction: [f32; 2],
    /// Weight of the centre tap.
    center: f32,
    /// Number of tap pairs used.
    pairs: u32,
    /// Pairs of (texel offset, weight), two per vec4.
    taps: [[f32; 4]; MAX_PAIRS / 2],
}

/// Most 2× levels of the pyramid (1/128 resolution): enough that the level sigma stays
/// under 4 px for the largest radius.
const MAX_LEVELS: usize = 7;

/// Most bilinear tap pairs per side: ±4 sigma with sigma < 4 is at most 16 taps.
const MAX_PAIRS: usize = 8;

/// Levels for `sigma`: the blur at the small level has a sigma in 2..4 px.
fn levels_for(sigma: f32) -> usize {
    if sigma < 4.0 {
        return 0;
    }
    ((sigma / 2.0).log2().floor() as usize).min(MAX_LEVELS)
}

/// Sigma to apply at level `k` so that the whole chain has `sigma` (output pixels).
fn level_sigma(sigma: f32, k: usize) -> f32 {
    let scale = 4f32.powi(k as i32);
    ((sigma * sigma - (scale - 1.0) / 3.0).max(0.0) / scale).sqrt()
}

/// The sampled Gaussian of `sigma` on ±ceil(4 sigma) taps, normalised to sum 1, as a
/// centre weight and pairs of taps that share one bilinear fetch: (offset, weight).
fn kernel(sigma: f32) -> (f32, u32, [[f32; 4]; MAX_PAIRS / 2]) {
    let mut taps = [[0.0; 4]; MAX_PAIRS / 2];
    if sigma <= 0.0 {
        return (1.0, 0, taps);
    }
    // ±4 sigma keeps 99.9% of the variance (±3 sigma only 97.3%).
    let n = ((4.0 * sigma).ceil() as usize).min(2 * MAX_PAIRS);
    let w = |i: usize| (-((i * i) as f32) / (2.0 * sigma * sigma)).exp();
    let total = 1.0 + 2.0 * (1..=n).map(w).sum::<f32>();
    let mut pairs = 0;
    for (j, i) in (1..=n).step_by(2).enumerate() {
        let (w0, w1) = (w(i), if i < n { w(i + 1) } else { 0.0 });
        let offset = (i as f32 * w0 + (i + 1) as f32 * w1) / (w0 + w1);
        taps[j / 2][2 * (j % 2)] = offset;
        taps[j / 2][2 * (j % 2) + 1] = (w0 + w1) / total;
        pairs = j + 1;
    }
    (1.0 / total, pairs as u32, taps)
}

/// `blur`.
#[derive(Debug)]
pub struct Blur {
    /// `down[i]` writes level i + 1 from level i (level 0 is the input).
    down: Vec<FullscreenPass>,
    /// `up[i]` writes level i from level i + 1 (level 0 is the output).
    up: Vec<FullscreenPass>,
    /// `horizontal[k]` reads level k into `temps[k]`; `vertical[k]` reads `temps[k]` back
    /// into level k: one pair per depth, so switching depth creates nothing.
    horizontal: Vec<FullscreenPass>,
    vertical: Vec<FullscreenPass>,
    /// `levels[i]` is level i + 1.
    levels: Vec<GpuTexture>,
    temps: Vec<Option<GpuTexture>>,
    /// Depths prepared (none before the first successful prepare).
    prepared: Option<std::ops::RangeInclusive<usize>>,
    /// This frame's depth.
    depth: usize,
    slots: Vec<UniformSlot>,
}

impl Default for Blur {
    fn default() -> Self {
        let pass = |_| FullscreenPass::new("blur.wgsl", size_of::<BlurUniforms>());
        Self {
            down: (0..MAX_LEVELS).map(pass).collect(),
            up: (0..MAX_LEVELS).map(pass).collect(),
            horizontal: (0..=MAX_LEVELS).map(pass).collect(),
            vertical: (0..=MAX_LEVELS).map(pass).collect(),
            levels: Vec::new(),
            temps: (0..=MAX_LEVELS).map(|_| None).collect(),
            prepared: None,
            depth: 0,
            slots: Vec::with_capacity(2 * MAX_LEVELS + 2),
        }
    }
}

impl OperatorType for Blur {
    const NAME: &'static str = "blur";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Separable Gaussian blur; radius is sigma in pixels, edges mirrored (keeps uniform images and the mean).";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = BlurParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("blur.wgsl", "Blur", size_of::<BlurUniforms>())];
}

/// Size of level `k`: halved `k` times along the blurred axes.
fn level_size(size: (u32, u32), k: usize, axes: Axes) -> (u32, u32) {
    let mut s = size;
    for _ in 0..k {
        if axes != Axes::Vertical {
            s.0 = s.0.div_ceil(2);
        }
        if axes != Axes::Horizontal {
            s.1 = s.1.div_ceil(2);
        }
    }
    s
}

/// The depths to prepare: all of them when the radius is animated, else the current one.
fn depths(params: &ParamValues, animated: &[bool]) -> std::ops::RangeInclusive<usize> {
    let p = BlurParams::read(params);
    if animated.first().copied().unwrap_or(false) {
        0..=MAX_LEVELS
    } else {
        let k = levels_for(p.radius.max(0.0));
        k..=k
    }
}

impl Operator for Blur {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let params: BlurParams = cx.params();
        let sigma = params.radius.max(0.0);
        let axes = params.axes;
        let depth = levels_for(sigma);
        self.depth = depth;
        let blur = kernel(level_sigma(sigma, depth));
        let copy = kernel(0.0);
        let header = |level: usize| {
            let (w, h) = level_size(cx.size, level, axes);
            FrameHeader {
                resolution: [w as f32, h as f32],
                ..cx.header()
            }
        };
        let pass = |level: usize, direction: [f32; 2], (center, pairs, taps): (f32, u32, _)| {
            BlurUniforms {
                header: header(level),
                direction,
                center,
                pairs,
                taps,
            }
        };
        self.slots.clear();
        for level in 1..=depth {
            self.slots.push(out.push(&pass(level, [1.0, 0.0], copy)));
        }
        let (h, v) = match axes {
            Axes::Both => (blur, blur),
            Axes::Horizontal => (blur, copy),
            Axes::Vertical => (copy, blur),
        };
        self.slots.push(out.push(&pass(depth, [1.0, 0.0], h)));
        self.slots.push(out.push(&pass(depth, [0.0, 1.0], v)));
        for level in (0..depth).rev() {
            self.slots.push(out.push(&pass(level, [1.0, 0.0], copy)));
        }
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let wanted = depths(cx.params, cx.animated);
        let axes = BlurParams::read(cx.params).axes;
        let deepest = *wanted.end();
        let size = cx.output.size();
        // Reuse what has the right size; give the rest back to the pool.
        let mut spare: Vec<GpuTexture> = std::mem::take(&mut self.levels)
            .into_iter()
            .chain(self.temps.iter_mut().filter_map(Option::take))
            .collect();
        let mut take = |cx: &mut PrepareCx<'_>, (w, h): (u32, u32), label: &str| match spare
            .iter()
            .position(|t| t.size() == (w, h))
        {
            Some(j) => spare.swap_remove(j),
            None => cx.pool.acquire(cx.gpu, TextureKey::color(w, h), label),
        };
        let levels: Vec<GpuTexture> = (1..=deepest)
            .map(|l| take(cx, level_size(size, l, axes), "vivid.blur.level"))
            .collect();
        let mut temps: Vec<Option<GpuTexture>> = (0..=MAX_LEVELS).map(|_| None).collect();
        for k in wanted.clone() {
            temps[k] = Some(take(cx, level_size(size, k, axes), "vivid.blur.temp"));
        }
        for t in spare {
            cx.pool.release(t);
        }
        let sampler = SamplerKind::LinearMirror;
        let (input, output) = (cx.inputs[0], cx.output);
        // Level 0 is read from the input and written to the output.
        let src = |l: usize| if l == 0 { input } else { &levels[l - 1] };
        let dst = |l: usize| if l == 0 { output } else { &levels[l - 1] };
        let mut result = Ok(());
        for l in 1..=deepest {
            result =
                result.and_then(|()| self.down[l - 1].prepare(cx, &[src(l - 1)], dst(l), sampler));
        }
        for l in 0..deepest {
            result = result.and_then(|()| self.up[l].prepare(cx, &[src(l + 1)], dst(l), sampler));
        }
        for k in wanted.clone() {
            let Some(temp) = temps[k].as_ref() else {
                continue;
            };
            // The vertical pass writes the output directly, or back into the smallest level.
            result = result
                .and_then(|()| self.horizontal[k].prepare(cx, &[src(k)], temp, sampler))
                .and_then(|()| self.vertical[k].prepare(cx, &[temp], dst(k), sampler));
        }
        self.levels = levels;
        self.temps = temps;
        self.prepared = result.is_ok().then_some(wanted);
        result
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let k = self.depth;
        if !self.prepared.as_ref().is_some_and(|r| r.contains(&k)) || self.slots.len() != 2 * k + 2
        {
            return;
        }
        let mut slot = self.slots.iter().copied();
        let mut next = || slot.next().unwrap_or_default();
        for level in 1..=k {
            self.down[level - 1].dispatch(cx.encoder, next(), "vivid.blur.down");
        }
        self.horizontal[k].dispatch(cx.encoder, next(), "vivid.blur.horizontal");
        self.vertical[k].dispatch(cx.encoder, next(), "vivid.blur.vertical");
        for level in (0..k).rev() {
            self.up[level].dispatch(cx.encoder, next(), "vivid.blur.up");
        }
    }

    fn prepare_key(&self, params: &ParamValues, animated: &[bool]) -> u64 {
        let d = depths(params, animated);
        let axes = BlurParams::read(params).axes as u64;
        (axes << 16) | ((*d.start() as u64) << 8) | *d.end() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_radii_are_direct_and_large_ones_use_levels() {
        assert_eq!(levels_for(0.0), 0);
        assert_eq!(levels_for(3.9), 0);
        assert_eq!(levels_for(4.0), 1);
        assert_eq!(levels_for(28.0), 3);
        assert_eq!(levels_for(500.0), MAX_LEVELS);
        // Every radius in range fits the fixed kernel at its level.
        for r in 0..=5000 {
            let sigma = r as f32 * 0.1;
            let s = level_sigma(sigma, levels_for(sigma));
            assert!(s < 4.0, "radius {sigma}: level sigma {s}");
        }
    }

    #[test]
    fn kernel_weights_sum_to_one_and_have_variance_sigma_squared() {
        // (Below sigma 1 the sampled Gaussian itself is narrower: 0.214 px² at sigma 0.5.)
        for sigma in [1.0f32, 1.7, 2.5, 3.99] {
            let (center, pairs, taps) = kernel(sigma);
            let pair = |j: usize| (taps[j / 2][2 * (j % 2)], taps[j / 2][2 * (j % 2) + 1]);
            let sum = center + (0..pairs as usize).map(|j| 2.0 * pair(j).1).sum::<f32>();
            assert!((sum - 1.0).abs() < 1e-5, "sigma {sigma}: sum {sum}");
            // A bilinear pair at offset o with weight w contributes the variance of its two
            // taps: w * (o² + f(1 - f)) per side, f = o - floor(o).
            let var: f32 = (0..pairs as usize)
                .map(|j| {
                    let (o, w) = pair(j);
                    let f = o - o.floor();
                    2.0 * w * (o * o + f * (1.0 - f))
                })
                .sum();
            assert!(
                (var - sigma * sigma).abs() / (sigma * sigma) < 0.01,
                "sigma {sigma}: variance {var}"
            );
        }
        assert_eq!(kernel(0.0).1, 0);
    }

    #[test]
    fn level_sigma_restores_the_total_variance() {
        for &(sigma, k) in &[(4.0f32, 1usize), (28.0, 3), (100.0, 5)] {
            let s = level_sigma(sigma, k);
            let scale = 4f32.powi(k as i32);
            let total = s * s * scale + (scale - 1.0) / 3.0;
            assert!((total - sigma * sigma).abs() < 1e-2, "{sigma} {k}: {total}");
            assert!(s >= 1.5, "{sigma} {k}: {s}");
        }
    }
}
