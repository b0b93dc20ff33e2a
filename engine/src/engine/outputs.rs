//! The outputs of a frame: what each target shows (its node, the viewport of it, its warp
//! and blend) as the uniforms of `engine/output.wgsl`, and the off-screen capture of one
//! output for `--snapshot`.

use super::Engine;
use super::display::{DisplayArea, letterbox};
use crate::chain::OutputDesc;
use crate::warp::{Grid, Homography};

/// The uniforms of `shaders/engine/output.wgsl` (its `Output` struct).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct OutputUniforms {
    pub(super) pin: [[f32; 4]; 3],
    pub(super) unpin: [[f32; 4]; 3],
    pub(super) crop: [f32; 4],
    pub(super) edges: [f32; 4],
    pub(super) target_size: [f32; 2],
    pub(super) gamma: f32,
    pub(super) black_level: f32,
    pub(super) grid: [u32; 2],
    pub(super) target_is_srgb: u32,
    pub(super) opaque: u32,
    pub(super) points: [[f32; 4]; Grid::MAX_POINTS / 2],
}

/// How one target shows its node: the viewport of the source, the target, the part of
/// the target the picture is letterboxed into when not pinned.
#[derive(Clone, Copy, Debug)]
pub(super) struct Placement {
    /// The node's size in pixels.
    pub(super) source: [u32; 2],
    /// The part of it shown: x, y, width, height, normalised, y up.
    pub(super) crop: [f64; 4],
    /// The target's size.
    pub(super) target: (u32, u32),
    /// The part of the target the picture is letterboxed into (all of it without one).
    pub(super) area: Option<DisplayArea>,
    pub(super) srgb: bool,
    pub(super) opaque: bool,
}

/// The uniforms of an output described by `desc` (none: the chain's output, letterboxed)
/// in `place`, and the vertices its mesh draws.
pub(super) fn output_uniforms(
    desc: Option<&OutputDesc>,
    place: &Placement,
) -> (OutputUniforms, u32) {
    let [cx, cy, cw, ch] = place.crop;
    let shown = [
        ((f64::from(place.source[0]) * cw).round() as u32).max(1),
        ((f64::from(place.source[1]) * ch).round() as u32).max(1),
    ];
    let pin = desc.and_then(|d| d.warp.pin()).unwrap_or_else(|| {
        // Letterboxed: scale and offset in target uv, y down.
        let (scale, offset) = letterbox(shown, place.target, place.area);
        let (w, h) = (f64::from(scale[0]), f64::from(scale[1]));
        Homography::rect(f64::from(offset[0]), 1.0 - f64::from(offset[1]) - h, w, h)
    });
    let unpin = pin.inverse().unwrap_or(Homography::IDENTITY);
    let identity = Grid::identity();
    let grid = desc.and_then(|d| d.warp.grid.as_ref()).unwrap_or(&identity);
    let mut points = [[0.0f32; 4]; Grid::MAX_POINTS / 2];
    for (k, p) in grid.points.iter().enumerate().take(Grid::MAX_POINTS) {
        let v = &mut points[k / 2];
        let at = (k % 2) * 2;
        v[at] = p[0] as f32;
        v[at + 1] = p[1] as f32;
    }
    let blend = desc.map(|d| d.blend).unwrap_or_default();
    let cells = (grid.columns - 1) * (grid.rows - 1);
    let u = OutputUniforms {
        pin: pin.rows(),
        unpin: unpin.rows(),
        crop: [cx as f32, cy as f32, cw as f32, ch as f32],
        edges: blend.edges.map(|e| e as f32),
        target_size: [place.target.0.max(1) as f32, place.target.1.max(1) as f32],
        gamma: blend.gamma as f32,
        black_level: blend.black_level as f32,
        grid: [grid.columns as u32, grid.rows as u32],
        target_is_srgb: u32::from(place.srgb),
        opaque: u32::from(place.opaque),
        points,
    };
    (u, (cells * 6) as u32)
}

/// The part of a `size` picture `viewport` shows (pixels, y down), normalised and y up,
/// clamped to the picture (all of it without a viewport).
pub(super) fn crop_of(viewport: Option<[u32; 4]>, size: [u32; 2]) -> [f64; 4] {
    let Some([x, y, w, h]) = viewport else {
        return [0.0, 0.0, 1.0, 1.0];
    };
    let (sw, sh) = (f64::from(size[0].max(1)), f64::from(size[1].max(1)));
    let x0 = (f64::from(x) / sw).clamp(0.0, 1.0);
    let y0 = (f64::from(y) / sh).clamp(0.0, 1.0);
    let x1 = (f64::from(x.saturating_add(w)) / sw).clamp(x0, 1.0);
    let y1 = (f64::from(y.saturating_add(h)) / sh).clamp(y0, 1.0);
    [x0, 1.0 - y1, (x1 - x0).max(1e-6), (y1 - y0).max(1e-6)]
}

impl Engine {
    /// Shows only `viewport` (x, y, width, height in pixels of the output, y down from
    /// its top-left) in every output and the capture of
    /// [`set_output_capture`](Self::set_output_capture): the part of a larger canvas one machine shows
    /// (`--canvas`, `--viewport`). The whole canvas is still rendered. `None`: all of it.
    /// Costs nothing per frame (uniforms only).
    pub fn set_viewport(&mut self, viewport: Option<[u32; 4]>) {
        self.display.viewport = viewport;
    }

    /// The viewport set by [`set_viewport`](Self::set_viewport).
    #[must_use]
    pub fn viewport(&self) -> Option<[u32; 4]> {
        self.display.viewport
    }

    /// Renders output `index` (with its warp and blend, opaque) off-screen at `size` pixels
    /// in every frame from now on, and makes [`read_output`](Self::read_output) read that
    /// instead of the node shown (`None`: the node again). For `--snapshot` of an output
    /// and for tests; the texture is made once, in prepare.
    pub fn set_output_capture(&mut self, capture: Option<(usize, [u32; 2])>) {
        self.display.output_capture = capture.map(|(index, size)| super::display::OutputCapture {
            index,
            size,
            blit: super::display::Blitter::default(),
        });
        self.display.readback = None;
        self.stats.mark_changed();
    }

    /// How many outputs the chain declares (`[[window]]`s; 1 without any).
    #[must_use]
    pub fn output_count(&self) -> usize {
        self.chain
            .as_ref()
            .map_or(1, |rt| rt.spec.outputs.len().max(1))
    }

    /// Output `i`'s `[[window]]` table, if the chain declares one.
    #[must_use]
    pub fn output_desc(&self, i: usize) -> Option<&OutputDesc> {
        self.chain.as_ref()?.spec.outputs.get(i).map(|o| &o.desc)
    }

    /// The size of the picture output `i` shows (its node's, cut to the viewport).
    #[must_use]
    pub fn output_picture_size(&self, i: usize) -> Option<[u32; 2]> {
        let rt = self.chain.as_ref()?;
        let node = rt.spec.output_node(i, rt.shown)?;
        let size = rt.nodes[node].size;
        let [_, _, w, h] = crop_of(self.display.viewport, size);
        Some([
            ((f64::from(size[0]) * w).round() as u32).max(1),
            ((f64::from(size[1]) * h).round() as u32).max(1),
        ])
    }
}
