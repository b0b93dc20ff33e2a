//! `bloom`: light above a threshold spreads around it, like a lens flooding — a
//! dual-filter pyramid whose cost does not depend on how far the light spreads.
//!
//! Passes (`shaders/bloom.wgsl`; compute on GPUs, fragment on CPU drivers):
//! 1. The soft-knee threshold on every input pixel, averaged 2×2 into level 1 (half size).
//! 2. Down to level `n` (1/2^n, down to about 8 pixels on the short side, at most
//!    [`MAX_LEVELS`]): the 13-tap downsample of Call of Duty: Advanced Warfare (Jimenez
//!    2014), which does not flicker as bright pixels move.
//! 3. Back up: each level mixed with the 3×3 tent of the one below it, `up_i = (1 − s)
//!    down_i + s tent(up_{i+1})`, s = `radius` — so level i weighs `(1 − s) s^(i−1)` and
//!    the deepest `s^(n−1)`: weights summing to 1.
//! 4. The input plus `intensity` times the tent of level 1.
//!
//! Every pass is a convex combination (mirrored at the edges), so the glow's mean is the
//! thresholded image's mean: a bloom adds `intensity` times the light above the threshold
//! and nothing where the image stays below `threshold − knee`. `2n` passes whatever the
//! radius, nearly all of them at 1/4 of the pixels or fewer; `radius` is a uniform (its
//! animation creates nothing). The levels are scratch textures
//! (`TexturePool::scratch`), shared with every other operator's.

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::resources::{SamplerKind, Scratch, TextureKey, UniformSlot, UniformWriter};

vivid_engine::params! {
    /// Parameters of `bloom`.
    pub struct BloomParams {
        /// Brightness (the largest of r, g, b) above which light blooms.
        threshold: f32 [0.0, 16.0] = 0.8,
        /// Softness below the threshold, as a fraction of it: from threshold × (1 − knee)
        /// light blooms gradually.
        knee: f32 [0.0, 1.0] = 0.5,
        /// How much of the bloomed light is added.
        intensity: f32 [0.0, 16.0] = 1.0,
        /// How far the light spreads: 0 close around bright parts, 1 across the image.
        radius: f32 [0.0, 1.0] = 0.6,
    }
}

/// The uniform block of `shaders/bloom.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BloomUniforms {
    header: FrameHeader,
    threshold: f32,
    knee: f32,
    intensity: f32,
    scatter: f32,
    mode: u32,
    _pad: [u32; 3],
}

/// Most levels (1/256).
pub const MAX_LEVELS: usize = 8;

/// Levels for an image of `size`: halved until the short side is about 8 pixels.
fn levels_for(size: (u32, u32)) -> usize {
    let short = size.0.min(size.1).max(1);
    ((short / 8).max(1).ilog2() as usize).clamp(1, MAX_LEVELS)
}

/// Size of level `i` (0 is the image).
fn level_size(size: (u32, u32), i: usize) -> (u32, u32) {
    (size.0.div_ceil(1 << i).max(1), size.1.div_ceil(1 << i).max(1))
}

/// `bloom`.
#[derive(Debug, Default)]
pub struct Bloom {
    /// In the order they run.
    passes: Vec<FullscreenPass>,
    /// `down[i]` is level i + 1; `up[i]` is level i + 1 after the way back up.
    scratch: Vec<Scratch>,
    slots: Vec<UniformSlot>,
}

impl OperatorType for Bloom {
    const NAME: &'static str = "bloom";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str = "Light above a threshold (soft knee) spread wide and added: a dual-filter pyramid, cost independent of the radius.";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = BloomParams;
    const UNIFORMS: &'static [(&'static str, &'static str, usize)] =
        &[("bloom.wgsl", "Bloom", size_of::<BloomUniforms>())];
}

impl Operator for Bloom {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: BloomParams = cx.params();
        let n = levels_for(cx.size);
        let block = |level: usize, mode: u32| BloomUniforms {
            header: FrameHeader {
                resolution: {
                    let (w, h) = level_size(cx.size, level);
                    [w as f32, h as f32]
                },
                ..cx.header()
            },
            threshold: p.threshold,
            knee: p.knee * p.threshold,
            intensity: p.intensity,
            scatter: p.radius,
            mode,
            _pad: [0; 3],
        };
        self.slots.clear();
        self.slots.push(out.push(&block(1, 0)));
        for level in 2..=n {
            self.slots.push(out.push(&block(level, 1)));
        }
        for level in (1..n).rev() {
            self.slots.push(out.push(&block(level, 2)));
        }
        self.slots.push(out.push(&block(0, 3)));
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let size = cx.output.size();
        let n = levels_for(size);
        let (input, output) = (cx.inputs[0], cx.output);
        let key = |level: usize| {
            let (w, h) = level_size(size, level);
            TextureKey::color(w, h)
        };
        // down[i]: level i + 1 on the way down; up[i]: level i + 1 on the way up (the
        // deepest level is its own way up).
        let down: Vec<Scratch> = (1..=n)
            .map(|l| cx.pool.scratch(cx.gpu, key(l), 0, "vivid.bloom.down"))
            .collect();
        let up: Vec<Scratch> = (1..n)
            .map(|l| cx.pool.scratch(cx.gpu, key(l), 1, "vivid.bloom.up"))
            .collect();
        let upward = |l: usize| if l == n { &down[n - 1] } else { &up[l - 1] };
        let sampler = SamplerKind::LinearMirror;
        let new_pass = || FullscreenPass::new("bloom.wgsl", size_of::<BloomUniforms>());
        let mut passes = Vec::with_capacity(2 * n);
        let mut pass = |cx: &mut PrepareCx<'_>, inputs: &[&GpuTexture], to: &GpuTexture| -> Result<()> {
            let mut p = new_pass();
            p.prepare(cx, inputs, to, sampler)?;
            passes.push(p);
            Ok(())
        };
        // The shader reads two textures in every mode: passes with one bind the dummy.
        let dummy = cx.dummy;
        pass(cx, &[input, dummy], &down[0])?;
        for l in 2..=n {
            pass(cx, &[&down[l - 2], dummy], &down[l - 1])?;
        }
        for l in (1..n).rev() {
            pass(cx, &[&down[l - 1], upward(l + 1)], &up[l - 1])?;
        }
        pass(cx, &[input, upward(1)], output)?;
        self.passes = passes;
        self.scratch = down.into_iter().chain(up).collect();
        Ok(())
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        if self.passes.len() != self.slots.len() {
            return;
        }
        for (pass, slot) in self.passes.iter().zip(&self.slots) {
            pass.dispatch(cx.encoder, *slot, "vivid.bloom");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_go_down_to_about_eight_pixels() {
        assert_eq!(levels_for((1920, 1080)), 7);
        assert_eq!(levels_for((3840, 2160)), 8);
        assert_eq!(levels_for((96, 64)), 3);
        assert_eq!(levels_for((4, 4)), 1);
        assert_eq!(level_size((1920, 1080), 7), (15, 9));
    }

    #[test]
    fn the_levels_weights_sum_to_one() {
        for s in [0.0f64, 0.3, 0.6, 1.0] {
            let n = 7;
            let total: f64 = (1..n).map(|i| (1.0 - s) * s.powi(i - 1)).sum::<f64>() + s.powi(n - 1);
            assert!((total - 1.0).abs() < 1e-12, "{s}: {total}");
        }
    }
}
