//! `blur`: separable Gaussian blur whose cost does not grow with the radius; all passes in
//! the frame's one encoder, scratch textures shared with every other operator.
//!
//! `radius` is the Gaussian's sigma in output pixels, exactly: every stage's variance is
//! accounted for.
//! - **Direct** (sigma < 3 px): a horizontal and a vertical pass, each a sampled
//!   Gaussian (its parameter solved so that the discrete kernel's variance is sigma²): on
//!   CPU drivers two taps per bilinear fetch; on GPUs (compute) integer taps, each
//!   invocation 8 pixels from one sliding window of fetches (`cs_taps_h`, `cs_taps_v`: the
//!   bilinear pairs were bound by the texture units, ~40 µs a 1080p pass on the H200).
//! - **Pyramid** (larger): a factor `f = 2^k` per blurred axis. The image is averaged over
//!   f×f boxes (variance `(f² − 1) / 12`), blurred at 1/f with integer taps (variance `v`,
//!   at least [`V_MIN`] small texels², so the small image is smooth), and brought back with
//!   a cubic B-spline (variance `f² / 3` at every phase) or, at factor 2, linearly
//!   (variance `f² · 3/16` at both phases; [`up_variance`]): `(f² − 1) / 12 + f² v + f² u =
//!   sigma²`. On GPUs that is **three compute passes at any radius** (`cs_down_h`: boxes
//!   into shared memory and horizontal taps; `cs_small_v`: the small image's vertical
//!   taps; `cs_up_bspline`: the B-spline as four bilinear fetches a pixel, or
//!   `cs_up_linear` at factor 2, one), plus a box-8 pre-pass for `f ≥ 16` (sigma ≥ ~25) and a second one for
//!   `f = 128` (sigma ≥ ~200). On CPU drivers the same arithmetic as four
//!   fragment passes. The small image has an apron of
//!   [`APRON`] texels so that its edges see the mirrored image: the whole blur is the
//!   convolution of the mirror-extended input.
//!
//! Every pass is a convex combination with mirrored edges: a uniform image stays uniform,
//! and the mean is kept (to resampling error at the borders on the pyramid path).
//! The small images are scratch textures (`TexturePool::scratch`): a chain of any number
//! of blurs of one size holds one set.

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::{GpuTexture, PassMode};
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, Scratch, TextureKey, UniformSlot, UniformWriter};

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

/// The uniform block of every blur pass (same layout as `Blur` in `shaders/blur.wgsl`).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlurUniforms {
    header: FrameHeader,
    direction: [f32; 2],
    /// Weight of the centre tap (mode 0).
    center: f32,
    /// Number of tap pairs used (mode 0).
    pairs: u32,
    /// Pairs of (texel offset, weight), two per vec4 (mode 0).
    taps: [[f32; 4]; MAX_PAIRS / 2],
    mode: u32,
    radius_x: u32,
    radius_y: u32,
    apron: u32,
    factor: [u32; 2],
    small: [u32; 2],
    weights_x: [[f32; 4]; WEIGHT_VECS],
    weights_y: [[f32; 4]; WEIGHT_VECS],
}

/// Most factors of 2 (1/128): the small-image kernel then stays within [`RMAX`] taps for
/// the largest radius.
const KMAX: usize = 7;

/// From this depth on (factor 16) a box-8 pre-pass shrinks the input first, so that no
/// thread averages more than 2×2 bilinear fetches for one box after it. From factor 64 on
/// before: sigma 50 (factor 32, 16×16 fetches a thread, few threads) took 168 µs at 1080p
/// on the H200, 76 µs with the pre-pass.
const PRE_DEPTH: usize = 4;

/// From this depth on (factor 128) a second box-8 pre-pass follows the first: after one,
/// each box was 8×8 bilinear fetches a thread in the few threads of a 15×9 small image
/// (sigma 200 took 8 µs more than sigma 100 on the H200).
const PRE2_DEPTH: usize = 7;

/// The smallest variance of the blur at the small level, in small texels²: below it the
/// next factor down is not taken (the small image must be smooth for the way back up to
/// bring it back without aliasing).
///
/// The pyramid's response depends on where a feature falls within a box: measured as the
/// worst difference between the impulse response and the Gaussian, over every phase, as a
/// fraction of the Gaussian's peak (a 1D model of these stages in double precision), it is
/// 11.1 % where factor 2 starts (sigma 3.0), 14.9 % where factor 4 does (6.2), 19.7 % at
/// factor 128. Starting the factors lower was measured on the H200 (factor 2 from sigma
/// 1.75, factor 4 from 4.75: every 1080p blur under 3× its floor, 37–42 µs where the direct
/// path, its kernel then reaching 4 sigma, took 42–56) and not kept: there a thin line moving a pixel at a time, blurred by
/// sigma 2, changes its blurred profile by up to 15 % of its peak from frame to frame (more
/// with both axes), a flicker the direct path does not have; at large sigma the same
/// fraction of a far lower peak cannot be seen.
pub const V_MIN: f64 = 2.0;

/// The variance of bringing the small image back, in small texels²: linear interpolation
/// at factor 2 (t (1 − t) = 3/16 at both phases, t = 1/4 and 3/4; one bilinear fetch a
/// pixel), the cubic B-spline above (1/3 at every phase; there linear interpolation's
/// variance would change from pixel to pixel).
fn up_variance(depth: usize) -> f64 {
    if depth == 1 { 3.0 / 16.0 } else { 1.0 / 3.0 }
}

/// Both kernels reach 3 sigma (the sampled Gaussian of [`kernel`] with 0.27 % of its weight
/// beyond, refitted so that its variance is still exact: every weight within 0.6 % of the
/// peak of the untruncated kernel's, the same at every pixel). On the H200 the direct path's cost is its
/// multiply-adds: 4 sigma took 1.2 µs a tap more at 1080p (53 against 46 µs at sigma 2.9).
const REACH: f64 = 3.0;

/// Most integer taps on a side (the shader's `RMAX`).
const RMAX: usize = 16;

/// Texels of the small images' textures around them: the B-spline reads 2 beyond the
/// edge, the vertical taps `RMAX` more.
pub const APRON: u32 = RMAX as u32 + 2;

/// vec4s holding `RMAX + 1` weights.
const WEIGHT_VECS: usize = (RMAX + 1).div_ceil(4);

/// Pixels (across, down) a `cs_taps_h` workgroup writes (`TAPS_W` in blur.wgsl).
const TAPS_H_TILE: (u32, u32) = (64, 16);

/// Pixels (across, down) a `cs_taps_v` workgroup writes (`TAPS_H` in blur.wgsl).
const TAPS_V_TILE: (u32, u32) = (16, 64);

/// Texels (across, down) a `cs_small_v` workgroup writes (`SMALL_V_H` in blur.wgsl).
const SMALL_V_TILE: (u32, u32) = (16, 64);

/// Most bilinear tap pairs per side on the direct path.
const MAX_PAIRS: usize = 8;

/// Variance (small texels²) left for the small level at depth `k`: sigma² less the boxes'
/// and the way back's ([`up_variance`]), in small texels.
fn small_variance(sigma: f64, k: usize) -> f64 {
    let f = f64::from(1u32 << k);
    (sigma * sigma - (f * f - 1.0) / 12.0) / (f * f) - up_variance(k)
}

/// The depth for `sigma`: the deepest whose small level still blurs by [`V_MIN`], or 0
/// (direct).
fn depth_for(sigma: f64) -> usize {
    (1..=KMAX)
        .rev()
        .find(|&k| small_variance(sigma, k) >= V_MIN)
        .unwrap_or(0)
}

/// The variance of the symmetric kernel `w` (centre first, one side).
fn variance(w: &[f64]) -> f64 {
    let total: f64 = w[0] + 2.0 * w[1..].iter().sum::<f64>();
    2.0 * w
        .iter()
        .enumerate()
        .map(|(t, x)| (t * t) as f64 * x)
        .sum::<f64>()
        / total
}

/// The normalised symmetric kernel (centre first) on ±ceil(reach sqrt(v)) taps whose
/// variance is `v` exactly: the sampled Gaussian whose parameter gives that variance (for
/// small `v` it is narrower than sqrt(v): the sampled Gaussian of sigma 0.5 has variance
/// 0.21).
fn kernel(v: f64, reach: f64, rmax: usize) -> Vec<f32> {
    if v <= 1e-9 {
        return vec![1.0];
    }
    let r = ((reach * v.sqrt()).ceil() as usize).clamp(1, rmax);
    let sampled =
        |s: f64| -> Vec<f64> { (0..=r).map(|t| (-((t * t) as f64) / (2.0 * s * s)).exp()).collect() };
    // Variance grows with s, from 0 to that of the flat kernel: bisect.
    let (mut lo, mut hi) = (1e-3, v.sqrt() * 4.0 + 1.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if variance(&sampled(mid)) < v {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let w = sampled(0.5 * (lo + hi));
    let total: f64 = w[0] + 2.0 * w[1..].iter().sum::<f64>();
    w.iter().map(|x| (x / total) as f32).collect()
}

/// A kernel as a centre weight and pairs of taps that share one bilinear fetch: (offset,
/// weight). Bilinear filtering between texels i and i + 1 reproduces both weights exactly.
fn pairs(w: &[f32]) -> (f32, u32, [[f32; 4]; MAX_PAIRS / 2]) {
    let mut taps = [[0.0; 4]; MAX_PAIRS / 2];
    let mut n = 0;
    for (j, i) in (1..w.len()).step_by(2).enumerate().take(MAX_PAIRS) {
        let (w0, w1) = (w[i], w.get(i + 1).copied().unwrap_or(0.0));
        let offset = if w0 + w1 > 0.0 {
            (i as f32 * w0 + (i + 1) as f32 * w1) / (w0 + w1)
        } else {
            i as f32
        };
        taps[j / 2][2 * (j % 2)] = offset;
        taps[j / 2][2 * (j % 2) + 1] = w0 + w1;
        n = j + 1;
    }
    (w[0], n as u32, taps)
}

/// Weights in the uniform layout (zeros past the kernel).
fn weight_vecs(w: &[f32]) -> [[f32; 4]; WEIGHT_VECS] {
    let mut out = [[0.0; 4]; WEIGHT_VECS];
    for (t, x) in w.iter().enumerate().take(RMAX + 1) {
        out[t / 4][t % 4] = *x;
    }
    out
}

/// What one depth does, per axis.
#[derive(Clone, Debug, PartialEq)]
struct Plan {
    depth: usize,
    /// Factor per axis (1 on an axis not blurred, or on the direct path).
    factor: [u32; 2],
    /// Integer-tap (pyramid) or pair (direct) kernel per axis, centre first.
    kernel: [Vec<f32>; 2],
}

impl Plan {
    fn new(sigma: f32, axes: Axes) -> Self {
        let sigma = f64::from(sigma.max(0.0));
        let depth = depth_for(sigma);
        let blurred = [axes != Axes::Vertical, axes != Axes::Horizontal];
        let factor = blurred.map(|b| if b { 1u32 << depth } else { 1 });
        let kernel = blurred.map(|b| {
            if !b {
                vec![1.0]
            } else if depth == 0 {
                kernel(sigma * sigma, REACH, 2 * MAX_PAIRS)
            } else {
                kernel(small_variance(sigma, depth), REACH, RMAX)
            }
        });
        Self {
            depth,
            factor,
            kernel,
        }
    }

    /// How many box-8 pre-passes this depth starts with.
    fn pre(&self) -> usize {
        pre_passes(self.depth)
    }
}

/// The factor of each axis at `depth`.
fn factors(depth: usize, axes: Axes) -> [u32; 2] {
    [axes != Axes::Vertical, axes != Axes::Horizontal].map(|b| if b { 1 << depth } else { 1 })
}

/// The box-8 pre-passes at `depth`.
fn pre_passes(depth: usize) -> usize {
    usize::from(depth >= PRE_DEPTH) + usize::from(depth >= PRE2_DEPTH)
}

/// Size of the image after `n` pre-passes (box 8 along the blurred axes, each).
fn pre_size(size: (u32, u32), axes: Axes, n: usize) -> (u32, u32) {
    let f = factors(3 * n, axes);
    (size.0.div_ceil(f[0]), size.1.div_ceil(f[1]))
}

/// The small image's size at `depth` (without the apron).
fn small_size(size: (u32, u32), depth: usize, axes: Axes) -> (u32, u32) {
    let f = factors(depth, axes);
    (size.0.div_ceil(f[0]), size.1.div_ceil(f[1]))
}

/// One pass of a depth: its uniform block (index into [`pass_uniforms`]) and, for a
/// compute pass of its own entry point, its workgroups.
#[derive(Debug)]
struct Step {
    pass: FullscreenPass,
    block: usize,
    groups: Option<(u32, u32)>,
}

/// The passes of one depth, prepared.
#[derive(Debug, Default)]
struct Depth {
    steps: Vec<Step>,
    /// Its scratch textures, held while its bind groups use them.
    scratch: Vec<Scratch>,
}

/// `blur`.
#[derive(Debug)]
pub struct Blur {
    depths: Vec<Depth>,
    /// Depths prepared (none before the first successful prepare).
    prepared: Option<std::ops::RangeInclusive<usize>>,
    /// This frame's depth.
    depth: usize,
    slots: Vec<UniformSlot>,
}

impl Default for Blur {
    fn default() -> Self {
        Self {
            depths: (0..=KMAX).map(|_| Depth::default()).collect(),
            prepared: None,
            depth: 0,
            slots: Vec::with_capacity(6),
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

/// The depths to prepare: all of them when the radius is animated, else the current one.
fn depths(params: &ParamValues, animated: &[bool]) -> std::ops::RangeInclusive<usize> {
    let p = BlurParams::read(params);
    if animated.first().copied().unwrap_or(false) {
        0..=KMAX
    } else {
        let k = depth_for(f64::from(p.radius.max(0.0)));
        k..=k
    }
}

/// A blank uniform block of `mode` for a pass writing `size`.
fn uniforms(header: FrameHeader, size: (u32, u32), mode: u32) -> BlurUniforms {
    BlurUniforms {
        header: FrameHeader {
            resolution: [size.0 as f32, size.1 as f32],
            ..header
        },
        direction: [1.0, 0.0],
        center: 1.0,
        pairs: 0,
        taps: [[0.0; 4]; MAX_PAIRS / 2],
        mode,
        radius_x: 0,
        radius_y: 0,
        apron: 0,
        factor: [1, 1],
        small: [size.0, size.1],
        weights_x: weight_vecs(&[1.0]),
        weights_y: weight_vecs(&[1.0]),
    }
}

/// The uniform blocks of depth `plan.depth`'s passes, in the order they run: direct, the
/// horizontal and vertical pass; pyramid, the pre-pass (deep levels), boxes, horizontal
/// taps, vertical taps and the B-spline. Compute passes use some of them: `cs_down_h` the
/// boxes' block (which has the horizontal taps too), `cs_small_v` and the way up
/// the B-spline's (which has the vertical taps too).
fn pass_uniforms(plan: &Plan, header: FrameHeader, size: (u32, u32), axes: Axes) -> Vec<BlurUniforms> {
    let [kx, ky] = &plan.kernel;
    if plan.depth == 0 {
        let pass = |direction: [f32; 2], w: &[f32]| {
            let (center, pairs, taps) = pairs(w);
            // The compute entries (`cs_direct_h`, `cs_direct_v`) take the kernel unpaired.
            BlurUniforms {
                direction,
                center,
                pairs,
                taps,
                radius_x: (kx.len() - 1) as u32,
                radius_y: (ky.len() - 1) as u32,
                weights_x: weight_vecs(kx),
                weights_y: weight_vecs(ky),
                ..uniforms(header, size, 0)
            }
        };
        return vec![pass([1.0, 0.0], kx), pass([0.0, 1.0], ky)];
    }
    let mut out = Vec::with_capacity(5);
    let f = plan.factor;
    let mut stage_f = f;
    for n in 1..=plan.pre() {
        let f8 = factors(3, axes);
        out.push(BlurUniforms {
            factor: f8,
            ..uniforms(header, pre_size(size, axes, n), 1)
        });
        stage_f = [stage_f[0] / f8[0], stage_f[1] / f8[1]];
    }
    let small = small_size(size, plan.depth, axes);
    let ext = (small.0 + 2 * APRON, small.1 + 2 * APRON);
    let common = |s: (u32, u32), mode: u32, factor: [u32; 2]| BlurUniforms {
        radius_x: (kx.len() - 1) as u32,
        radius_y: (ky.len() - 1) as u32,
        apron: APRON,
        factor,
        small: [small.0, small.1],
        weights_x: weight_vecs(kx),
        weights_y: weight_vecs(ky),
        ..uniforms(header, s, mode)
    };
    out.push(common(ext, 1, stage_f));
    out.push(BlurUniforms {
        direction: [1.0, 0.0],
        ..common(ext, 2, stage_f)
    });
    out.push(BlurUniforms {
        direction: [0.0, 1.0],
        ..common(ext, 2, stage_f)
    });
    out.push(common(size, 3, f));
    out
}

impl Operator for Blur {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let params: BlurParams = cx.params();
        let plan = Plan::new(params.radius, params.axes);
        self.depth = plan.depth;
        self.slots.clear();
        for u in pass_uniforms(&plan, cx.header(), cx.size, params.axes) {
            self.slots.push(out.push(&u));
        }
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let wanted = depths(cx.params, cx.animated);
        let axes = BlurParams::read(cx.params).axes;
        let size = cx.output.size();
        let mode = cx.gpu.pass_mode();
        let (input, output) = (cx.inputs[0], cx.output);
        let color = |(w, h): (u32, u32)| TextureKey::color(w, h);
        let sampler = SamplerKind::LinearMirror;
        let mut made: Vec<(usize, Depth)> = Vec::new();
        for k in wanted.clone() {
            let mut d = Depth::default();
            let pass = || FullscreenPass::new("blur.wgsl", size_of::<BlurUniforms>());
            // The compute entries write every shared-memory texel they read first.
            let own = |entry: &'static str| {
                pass()
                    .with_compute_entry(entry)
                    .with_shared_memory_written_first()
            };
            let mut step = |cx: &mut PrepareCx<'_>,
                            pass: FullscreenPass,
                            block: usize,
                            groups: Option<(u32, u32)>,
                            from: &GpuTexture,
                            to: &GpuTexture|
             -> Result<()> {
                let mut pass = pass;
                pass.prepare(cx, &[from], to, sampler)?;
                d.steps.push(Step {
                    pass,
                    block,
                    groups,
                });
                Ok(())
            };
            if k == 0 {
                let temp = cx.pool.scratch(cx.gpu, color(size), 0, "vivid.blur.temp");
                // An axis no wider than the kernel's reach is mirrored more than once:
                // `shade`'s passes, whose sampler does that.
                let wide = size.0 > RMAX as u32 && size.1 > RMAX as u32;
                if mode == PassMode::Compute && input.size() == size && wide {
                    // Integer taps, 8 pixels an invocation from one window of fetches.
                    let h = own("cs_taps_h");
                    let t = TAPS_H_TILE;
                    let groups = (size.0.div_ceil(t.0), size.1.div_ceil(t.1));
                    step(cx, h, 0, Some(groups), input, &temp)?;
                    let v = own("cs_taps_v");
                    let t = TAPS_V_TILE;
                    let groups = (size.0.div_ceil(t.0), size.1.div_ceil(t.1));
                    step(cx, v, 1, Some(groups), &temp, output)?;
                } else {
                    step(cx, pass(), 0, None, input, &temp)?;
                    step(cx, pass(), 1, None, &temp, output)?;
                }
                d.scratch = vec![temp];
                made.push((k, d));
                continue;
            }
            let small = small_size(size, k, axes);
            let ext = (small.0 + 2 * APRON, small.1 + 2 * APRON);
            let pre: Vec<Scratch> = (1..=pre_passes(k))
                .map(|n| {
                    let key = color(pre_size(size, axes, n));
                    cx.pool.scratch(cx.gpu, key, 1 + n as u32, "vivid.blur.pre")
                })
                .collect();
            let base = pre.len();
            let mut src: &GpuTexture = input;
            for (n, p) in pre.iter().enumerate() {
                step(cx, pass(), n, None, src, p)?;
                src = p;
            }
            // The small image and a second one of its size: both pass modes use the two.
            let a = cx.pool.scratch(cx.gpu, color(ext), 0, "vivid.blur.small");
            let b = cx.pool.scratch(cx.gpu, color(ext), 1, "vivid.blur.small");
            match mode {
                PassMode::Compute => {
                    let groups = ((small.0 + 4).div_ceil(128), ext.1.div_ceil(2));
                    let down = own("cs_down_h");
                    step(cx, down, base, Some(groups), src, &a)?;
                    // The vertical taps on the small image (its apron holds the mirrored
                    // image), then the B-spline back up; both read the B-spline's block,
                    // which has the vertical kernel too.
                    let t = SMALL_V_TILE;
                    let groups = (ext.0.div_ceil(t.0), ext.1.div_ceil(t.1));
                    step(cx, own("cs_small_v"), base + 3, Some(groups), &a, &b)?;
                    let up = if k == 1 { "cs_up_linear" } else { "cs_up_bspline" };
                    let groups = (size.0.div_ceil(16), size.1.div_ceil(16));
                    step(cx, own(up), base + 3, Some(groups), &b, output)?;
                }
                PassMode::Render => {
                    step(cx, pass(), base, None, src, &a)?;
                    step(cx, pass(), base + 1, None, &a, &b)?;
                    step(cx, pass(), base + 2, None, &b, &a)?;
                    step(cx, pass(), base + 3, None, &a, output)?;
                }
            }
            d.scratch.extend([a, b]);
            d.scratch.extend(pre);
            made.push((k, d));
        }
        // All prepared: swap in (what else was held goes back at the pool's next trim).
        for d in &mut self.depths {
            *d = Depth::default();
        }
        for (k, d) in made {
            self.depths[k] = d;
        }
        self.prepared = Some(wanted);
        Ok(())
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let k = self.depth;
        if !self.prepared.as_ref().is_some_and(|r| r.contains(&k)) {
            return;
        }
        for step in &self.depths[k].steps {
            let Some(slot) = self.slots.get(step.block).copied() else {
                return;
            };
            match step.groups {
                Some(g) => step.pass.dispatch_groups(cx.encoder, slot, g, "vivid.blur"),
                None => step.pass.dispatch(cx.encoder, slot, "vivid.blur"),
            }
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
    fn every_radius_fits_the_fixed_kernels() {
        assert_eq!(depth_for(0.0), 0);
        assert_eq!(depth_for(2.99), 0);
        assert_eq!(depth_for(3.0), 1);
        assert_eq!(depth_for(6.2), 1);
        assert_eq!(depth_for(6.22), 2);
        assert!(depth_for(12.0) >= 1);
        assert_eq!(depth_for(500.0), KMAX);
        for r in 0..=5000 {
            let sigma = f64::from(r) * 0.1;
            let k = depth_for(sigma);
            if k == 0 {
                let w = kernel(sigma * sigma, REACH, 2 * MAX_PAIRS);
                assert!(w.len() <= 2 * MAX_PAIRS + 1, "radius {sigma}: {} taps", w.len());
            } else {
                let v = small_variance(sigma, k);
                assert!(v >= V_MIN, "radius {sigma}");
                assert!(kernel(v, REACH, RMAX).len() <= RMAX + 1, "radius {sigma}");
                assert!((REACH * v.sqrt()).ceil() as usize <= RMAX, "radius {sigma}: v {v}");
            }
        }
    }

    #[test]
    fn kernels_sum_to_one_and_have_the_variance_asked() {
        for v in [0.05f64, 0.3, 1.0, 2.0, 5.3, 9.0, 14.8] {
            let w: Vec<f64> = kernel(v, REACH, RMAX).iter().map(|&x| f64::from(x)).collect();
            let sum = w[0] + 2.0 * w[1..].iter().sum::<f64>();
            assert!((sum - 1.0).abs() < 1e-5, "v {v}: sum {sum}");
            assert!((variance(&w) - v).abs() < 1e-4 * v.max(1.0), "v {v}: {}", variance(&w));
        }
        assert_eq!(kernel(0.0, REACH, RMAX), vec![1.0]);
    }

    #[test]
    fn bilinear_pairs_keep_the_kernel() {
        // A pair at offset o with weight w stands for taps floor(o) and floor(o) + 1.
        let w = kernel(2.5 * 2.5, REACH, 2 * MAX_PAIRS);
        let (center, n, taps) = pairs(&w);
        let mut back = vec![0.0f32; w.len() + 1];
        back[0] = center;
        for j in 0..n as usize {
            let (o, weight) = (taps[j / 2][2 * (j % 2)], taps[j / 2][2 * (j % 2) + 1]);
            let i = o.floor() as usize;
            back[i] += weight * (1.0 - (o - i as f32));
            back[i + 1] += weight * (o - i as f32);
        }
        for (t, x) in w.iter().enumerate() {
            assert!((back[t] - x).abs() < 1e-6, "tap {t}: {} vs {x}", back[t]);
        }
    }

    /// The shader's B-spline weights at phase t (`spline` in blur.wgsl).
    fn bspline(t: f64) -> [f64; 4] {
        let (t2, t3) = (t * t, t * t * t);
        [
            (1.0 - t).powi(3) / 6.0,
            (4.0 - 6.0 * t2 + 3.0 * t3) / 6.0,
            (1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3) / 6.0,
            t3 / 6.0,
        ]
    }

    #[test]
    fn the_bspline_has_variance_one_third_at_every_phase_and_keeps_the_position() {
        for i in 0..100 {
            let t = f64::from(i) / 100.0;
            let w = bspline(t);
            let sum: f64 = w.iter().sum();
            // Texels at -1, 0, 1, 2 from floor(s); the pixel is at t.
            let mean: f64 = w.iter().enumerate().map(|(k, x)| (k as f64 - 1.0) * x).sum();
            let var: f64 = w
                .iter()
                .enumerate()
                .map(|(k, x)| (k as f64 - 1.0 - t).powi(2) * x)
                .sum();
            assert!((sum - 1.0).abs() < 1e-12);
            assert!((mean - t).abs() < 1e-12, "t {t}: mean {mean}");
            assert!((var - 1.0 / 3.0).abs() < 1e-12, "t {t}: var {var}");
        }
    }

    #[test]
    fn the_stages_add_up_to_sigma_squared() {
        for sigma in [3.0f64, 3.5, 6.22, 12.0, 50.0, 180.0, 500.0] {
            let k = depth_for(sigma);
            assert!(k >= 1, "{sigma}");
            let f = f64::from(1u32 << k);
            let up = if k == 1 {
                // Linear: t (1 - t) at t = 1/4 and 3/4.
                0.25 * 0.75
            } else {
                1.0 / 3.0
            };
            let total = (f * f - 1.0) / 12.0 + f * f * small_variance(sigma, k) + f * f * up;
            assert!((total - sigma * sigma).abs() < 1e-9, "{sigma}: {total}");
        }
    }

    #[test]
    fn uniform_blocks_follow_the_plan() {
        let h = FrameHeader::default();
        let direct = pass_uniforms(&Plan::new(2.0, Axes::Both), h, (64, 32), Axes::Both);
        assert_eq!(direct.len(), 2);
        let mid = pass_uniforms(&Plan::new(60.0, Axes::Both), h, (640, 360), Axes::Both);
        assert_eq!(mid.len(), 5, "pre-pass, boxes, two tap passes, B-spline");
        assert_eq!(mid[0].factor, [8, 8]);
        assert_eq!(mid[0].small, [80, 45]);
        let f = 1u32 << depth_for(60.0);
        assert_eq!(mid[1].factor, [f / 8, f / 8]);
        assert_eq!(mid[4].factor, [f, f]);
        let deep = pass_uniforms(&Plan::new(300.0, Axes::Both), h, (640, 360), Axes::Both);
        assert_eq!(deep.len(), 6, "two pre-passes, boxes, two tap passes, B-spline");
        assert_eq!(deep[0].factor, [8, 8]);
        assert_eq!(deep[1].factor, [8, 8]);
        assert_eq!(deep[1].small, [10, 6]);
        assert_eq!(depth_for(300.0), KMAX);
        assert_eq!(deep[2].factor, [2, 2]);
        assert_eq!(deep[5].factor, [128, 128]);
        let one = pass_uniforms(&Plan::new(20.0, Axes::Horizontal), h, (64, 32), Axes::Horizontal);
        assert_eq!(one[0].factor[1], 1);
        assert_eq!(one[0].radius_y, 0);
    }
}
