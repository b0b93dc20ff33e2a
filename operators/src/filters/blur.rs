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
    sigma: f32,
    half_width: u32,
}

/// Most 2× levels of the pyramid (1/32 resolution).
const MAX_LEVELS: usize = 5;

/// Levels for `sigma`: the blur at the small level keeps a sigma of at least 2 px there.
fn levels_for(sigma: f32, axes: Axes) -> usize {
    if axes != Axes::Both || sigma < 4.0 {
        return 0;
    }
    ((sigma / 2.0).log2().floor() as usize).min(MAX_LEVELS)
}

/// Sigma to apply at level `k` so that the whole chain has `sigma` (output pixels).
fn level_sigma(sigma: f32, k: usize) -> f32 {
    let scale = 4f32.powi(k as i32);
    ((sigma * sigma - (scale - 1.0) / 3.0).max(0.0) / scale).sqrt()
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
}

fn level_size(size: (u32, u32), k: usize) -> (u32, u32) {
    let mut s = size;
    for _ in 0..k {
        s = (s.0.div_ceil(2), s.1.div_ceil(2));
    }
    s
}

/// The depths to prepare: all of them when the radius is animated, else the current one.
fn depths(params: &ParamValues, animated: &[bool]) -> std::ops::RangeInclusive<usize> {
    let p = BlurParams::read(params);
    if animated.first().copied().unwrap_or(false) && p.axes == Axes::Both {
        0..=MAX_LEVELS
    } else {
        let k = levels_for(p.radius.max(0.0), p.axes);
        k..=k
    }
}

impl Operator for Blur {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let params: BlurParams = cx.params();
        let sigma = params.radius.max(0.0);
        let depth = levels_for(sigma, params.axes);
        self.depth = depth;
        let level_sigma = level_sigma(sigma, depth);
        // ±4 sigma: the truncated kernel keeps 99.9% of the variance (±3 sigma only 97.3%).
        let half_width = (4.0 * level_sigma).ceil() as u32;
        let on = |enabled: bool| {
            if enabled {
                (level_sigma, half_width)
            } else {
                (0.0, 0)
            }
        };
        let (hs, hw) = on(params.axes != Axes::Vertical);
        let (vs, vw) = on(params.axes != Axes::Horizontal);
        let header = |level: usize| {
            let (w, h) = level_size(cx.size, level);
            FrameHeader {
                resolution: [w as f32, h as f32],
                ..cx.header()
            }
        };
        let copy = |level| BlurUniforms {
            header: header(level),
            direction: [1.0, 0.0],
            sigma: 0.0,
            half_width: 0,
        };
        self.slots.clear();
        for level in 1..=depth {
            self.slots.push(out.push(&copy(level)));
        }
        self.slots.push(out.push(&BlurUniforms {
            header: header(depth),
            direction: [1.0, 0.0],
            sigma: hs,
            half_width: hw,
        }));
        self.slots.push(out.push(&BlurUniforms {
            header: header(depth),
            direction: [0.0, 1.0],
            sigma: vs,
            half_width: vw,
        }));
        for level in (0..depth).rev() {
            self.slots.push(out.push(&copy(level)));
        }
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let wanted = depths(cx.params, cx.animated);
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
            .map(|l| take(cx, level_size(size, l), "vivid.blur.level"))
            .collect();
        let mut temps: Vec<Option<GpuTexture>> = (0..=MAX_LEVELS).map(|_| None).collect();
        for k in wanted.clone() {
            temps[k] = Some(take(cx, level_size(size, k), "vivid.blur.temp"));
        }
        for t in spare {
            cx.pool.release(t);
        }
        let sampler = SamplerKind::LinearMirror;
        let input = cx.inputs[0];
        let level = |l: usize| if l == 0 { input } else { &levels[l - 1] };
        let mut result = Ok(());
        for l in 1..=deepest {
            result = result.and_then(|()| self.down[l - 1].prepare(cx, &[level(l - 1)], sampler));
        }
        for l in (0..deepest).rev() {
            if l < deepest {
                result = result.and_then(|()| self.up[l].prepare(cx, &[level(l + 1)], sampler));
            }
        }
        for k in wanted.clone() {
            let Some(temp) = temps[k].as_ref() else {
                continue;
            };
            result = result
                .and_then(|()| self.horizontal[k].prepare(cx, &[level(k)], sampler))
                .and_then(|()| self.vertical[k].prepare(cx, &[temp], sampler));
        }
        self.levels = levels;
        self.temps = temps;
        self.prepared = result.is_ok().then_some(wanted);
        result
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let k = self.depth;
        let Some(temp) = self.temps.get(k).and_then(Option::as_ref) else {
            return;
        };
        if !self.prepared.as_ref().is_some_and(|r| r.contains(&k))
            || self.levels.len() < k
            || self.slots.len() != 2 * k + 2
        {
            return;
        }
        let target = |level: usize| {
            if level == 0 {
                &cx.output.view
            } else {
                &self.levels[level - 1].view
            }
        };
        let mut slot = self.slots.iter().copied();
        let mut next = || slot.next().unwrap_or_default();
        for level in 1..=k {
            self.down[level - 1].draw(cx.encoder, target(level), next(), "vivid.blur.down");
        }
        self.horizontal[k].draw(cx.encoder, &temp.view, next(), "vivid.blur.horizontal");
        // The vertical pass writes the output directly, or back into the smallest level.
        self.vertical[k].draw(cx.encoder, target(k), next(), "vivid.blur.vertical");
        for level in (0..k).rev() {
            self.up[level].draw(cx.encoder, target(level), next(), "vivid.blur.up");
        }
    }

    fn prepare_key(&self, params: &ParamValues, animated: &[bool]) -> u64 {
        let d = depths(params, animated);
        (*d.start() as u64) << 8 | *d.end() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_radii_are_direct_and_large_ones_use_levels() {
        assert_eq!(levels_for(0.0, Axes::Both), 0);
        assert_eq!(levels_for(3.9, Axes::Both), 0);
        assert_eq!(levels_for(4.0, Axes::Both), 1);
        assert_eq!(levels_for(28.0, Axes::Both), 3);
        assert_eq!(levels_for(500.0, Axes::Both), MAX_LEVELS);
        assert_eq!(levels_for(100.0, Axes::Horizontal), 0);
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
