//! `noise`: fractal 3D noise — Perlin, simplex, Worley or value — animated along z.

use vivid_engine::glam::Vec3;
use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};

use crate::SinglePass;

vivid_engine::choice_enum! {
    /// Noise algorithm.
    pub enum NoiseKind {
        /// Gradient noise (improved Perlin).
        Perlin = "perlin",
        /// Simplex noise.
        Simplex = "simplex",
        /// Cellular noise: distance to the nearest feature point.
        Worley = "worley",
        /// Interpolated random values.
        Value = "value",
    }
}

vivid_engine::params! {
    /// Parameters of `noise`.
    pub struct NoiseParams {
        /// Noise algorithm: perlin, simplex, worley or value.
        kind: NoiseKind = NoiseKind::Perlin,
        /// Noise cells across the image height (first octave).
        scale: f32 [0.001, 10000.0] = 4.0,
        /// Movement through the noise along z, in cells per second.
        speed: f32 [-1000.0, 1000.0] = 0.5,
        /// Number of octaves summed (fractal detail).
        octaves: u32 [1, 8] = 4,
        /// Frequency multiplier from one octave to the next.
        lacunarity: f32 [1.0, 8.0] = 2.0,
        /// Amplitude multiplier from one octave to the next.
        persistence: f32 [0.0, 1.0] = 0.5,
        /// Offset in noise space [x, y, z], in cells.
        offset: Vec3 = Vec3::ZERO,
        /// Seed: a different integer gives a different pattern.
        seed: u32 [0, 1_000_000] = 0,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct NoiseUniforms {
    header: FrameHeader,
    offset: [f32; 3],
    scale: f32,
    speed: f32,
    lacunarity: f32,
    persistence: f32,
    octaves: u32,
    kind: u32,
    seed: u32,
    _pad: [u32; 2],
}

/// `noise`.
#[derive(Debug)]
pub struct Noise;

impl SinglePass for Noise {
    const NAME: &'static str = "noise";
    const SHADER: &'static str = "noise.wgsl";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str =
        "Fractal noise (perlin, simplex, worley, value), grey 0..1, animated by time * speed.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = NoiseParams;
    type Uniforms = NoiseUniforms;

    fn uniforms(cx: &UniformCx<'_>, p: &NoiseParams) -> NoiseUniforms {
        NoiseUniforms {
            header: cx.header(),
            offset: p.offset.to_array(),
            scale: p.scale,
            speed: p.speed,
            lacunarity: p.lacunarity,
            persistence: p.persistence,
            octaves: p.octaves.clamp(1, 8),
            kind: p.kind as u32,
            seed: p.seed,
            _pad: [0; 2],
        }
    }
}
