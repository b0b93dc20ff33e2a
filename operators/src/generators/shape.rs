//! `shape`: an anti-aliased SDF shape on transparent black.

use vivid_engine::glam::Vec2;
use vivid_engine::operator::{Category, FrameHeader, InputSpec, UniformCx};
use vivid_engine::params::Rgba;

use crate::SinglePass;

vivid_engine::choice_enum! {
    /// Which shape.
    pub enum ShapeKind {
        /// Circle (an ellipse when the two sizes differ).
        Circle = "circle",
        /// Rectangle.
        Rect = "rect",
        /// Equilateral triangle, tip up.
        Triangle = "triangle",
        /// Star of `sides` points, one up.
        Star = "star",
        /// Ring (annulus).
        Ring = "ring",
        /// Regular polygon of `sides` sides, a vertex up.
        Polygon = "polygon",
    }
}

vivid_engine::params! {
    /// Parameters of `shape`. (Its output resolution is the common `size` key.)
    pub struct ShapeParams {
        /// circle, rect, triangle, star, ring or polygon.
        kind: ShapeKind = ShapeKind::Circle,
        /// Width and height of the shape, in units of the image height (0.5: half the height).
        shape_size: Vec2 [0.0, 100.0] = Vec2::new(0.5, 0.5),
        /// Centre [x, y] in uv (0..1, y up).
        position: Vec2 = Vec2::new(0.5, 0.5),
        /// Rotation, degrees counter-clockwise.
        rotation: f32 [-36000.0, 36000.0] = 0.0,
        /// Edge softness, in units of the image height (0: crisp, one-pixel anti-aliasing).
        softness: f32 [0.0, 10.0] = 0.0,
        /// Fill colour.
        color: Rgba = Rgba::WHITE,
        /// Points of a star, sides of a polygon.
        sides: u32 [3, 64] = 5,
        /// Inner radius of a star or ring, as a fraction of the outer radius.
        inner: f32 [0.0, 1.0] = 0.5,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ShapeUniforms {
    header: FrameHeader,
    color: [f32; 4],
    position: [f32; 2],
    size: [f32; 2],
    rotation: f32,
    softness: f32,
    inner: f32,
    kind: u32,
    sides: u32,
    _pad: [u32; 3],
}

/// `shape`.
#[derive(Debug)]
pub struct Shape;

impl SinglePass for Shape {
    const NAME: &'static str = "shape";
    const SHADER: &'static str = "shape.wgsl";
    const CATEGORY: Category = Category::Generator;
    const SUMMARY: &'static str = "An anti-aliased SDF shape (circle, rect, triangle, star, ring, polygon) on transparent black.";
    const INPUTS: InputSpec = InputSpec::NONE;
    type Params = ShapeParams;
    type Uniforms = ShapeUniforms;

    fn uniforms(cx: &UniformCx<'_>, p: &ShapeParams) -> ShapeUniforms {
        ShapeUniforms {
            header: cx.header(),
            color: p.color.premultiplied(),
            position: p.position.to_array(),
            size: p.shape_size.to_array(),
            rotation: p.rotation.to_radians(),
            softness: p.softness,
            inner: p.inner,
            kind: p.kind as u32,
            sides: p.sides,
            _pad: [0; 3],
        }
    }
}
