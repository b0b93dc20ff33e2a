//! Projection warp and edge blend of an output, as plain math: the corner pin's homography,
//! the grid mesh's bilinear cells, and the blend ramps (the shader `engine/output.wgsl`
//! evaluates the same formulas per pixel).
//!
//! Coordinates are normalised with y up, as every uv in vivid: `(0, 0)` is an output's
//! bottom-left corner, `(1, 1)` its top-right. A source point `g` (the content's own
//! normalised coordinates) goes through the grid (bilinear between the grid's points),
//! then through the corner pin (a homography), to where it lands on the output.

/// A 3×3 projective map of the plane, row-major: `(x, y) -> (h0·p / h2·p, h1·p / h2·p)`
/// with `p = (x, y, 1)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Homography(pub [[f64; 3]; 3]);

impl Homography {
    /// The identity.
    pub const IDENTITY: Self = Self([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]);

    /// The map taking the unit square's corners `(0,0), (1,0), (1,1), (0,1)` to `corners`
    /// in that order (bottom-left, bottom-right, top-right, top-left). `None` when three
    /// of them are on one line (no such map). Heckbert's square-to-quad closed form.
    #[must_use]
    pub fn unit_square_to(corners: [[f64; 2]; 4]) -> Option<Self> {
        let [[x0, y0], [x1, y1], [x2, y2], [x3, y3]] = corners;
        let sx = x0 - x1 + x2 - x3;
        let sy = y0 - y1 + y2 - y3;
        let (g, h) = if sx.abs() < 1e-12 && sy.abs() < 1e-12 {
            (0.0, 0.0)
        } else {
            let (dx1, dx2) = (x1 - x2, x3 - x2);
            let (dy1, dy2) = (y1 - y2, y3 - y2);
            let det = dx1 * dy2 - dx2 * dy1;
            if det.abs() < 1e-12 {
                return None;
            }
            ((sx * dy2 - dx2 * sy) / det, (dx1 * sy - sx * dy1) / det)
        };
        let m = Self([
            [x1 - x0 + g * x1, x3 - x0 + h * x3, x0],
            [y1 - y0 + g * y1, y3 - y0 + h * y3, y0],
            [g, h, 1.0],
        ]);
        (m.det().abs() > 1e-12).then_some(m)
    }

    /// The map of an axis-aligned rectangle: the unit square to `[x, y]..[x + w, y + h]`.
    #[must_use]
    pub fn rect(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self([[w, 0.0, x], [0.0, h, y], [0.0, 0.0, 1.0]])
    }

    /// Where `p` goes; `None` at or beyond the horizon (the projective divisor ≤ 0).
    #[must_use]
    pub fn apply(&self, [x, y]: [f64; 2]) -> Option<[f64; 2]> {
        let m = &self.0;
        let w = m[2][0] * x + m[2][1] * y + m[2][2];
        (w > 1e-12).then(|| {
            [
                (m[0][0] * x + m[0][1] * y + m[0][2]) / w,
                (m[1][0] * x + m[1][1] * y + m[1][2]) / w,
            ]
        })
    }

    fn det(&self) -> f64 {
        let m = &self.0;
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    }

    /// The inverse map (`None` if singular), scaled so that its last element is positive.
    #[must_use]
    pub fn inverse(&self) -> Option<Self> {
        let m = &self.0;
        let d = self.det();
        if d.abs() < 1e-15 {
            return None;
        }
        let c = |r0: usize, c0: usize, r1: usize, c1: usize| {
            m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
        };
        let inv = [
            [c(1, 1, 2, 2) / d, -c(0, 1, 2, 2) / d, c(0, 1, 1, 2) / d],
            [-c(1, 0, 2, 2) / d, c(0, 0, 2, 2) / d, -c(0, 0, 1, 2) / d],
            [c(1, 0, 2, 1) / d, -c(0, 0, 2, 1) / d, c(0, 0, 1, 1) / d],
        ];
        let s = if inv[2][2] < 0.0 { -1.0 } else { 1.0 };
        Some(Self(inv.map(|r| r.map(|v| v * s))))
    }

    /// The rows as three `[f32; 4]` (the shader's layout: `vec4` rows, w unused).
    #[must_use]
    pub fn rows(&self) -> [[f32; 4]; 3] {
        self.0.map(|r| [r[0] as f32, r[1] as f32, r[2] as f32, 0.0])
    }
}

/// A grid of `columns × rows` points: where the content's point
/// `(i / (columns - 1), j / (rows - 1))` lands (before the corner pin), row `j = 0` at the
/// bottom. Between points the map is bilinear in each cell.
#[derive(Clone, Debug, PartialEq)]
pub struct Grid {
    /// Points per row (≥ 2).
    pub columns: usize,
    /// Rows (≥ 2).
    pub rows: usize,
    /// `rows × columns` points, row after row, bottom row first.
    pub points: Vec<[f64; 2]>,
}

impl Grid {
    /// The most points a grid may have (the shader's uniform array).
    pub const MAX_POINTS: usize = 256;

    /// The 2×2 grid of the unit square's corners: no deformation.
    #[must_use]
    pub fn identity() -> Self {
        Self {
            columns: 2,
            rows: 2,
            points: vec![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]],
        }
    }

    /// Point `(i, j)` (column, row).
    #[must_use]
    pub fn point(&self, i: usize, j: usize) -> [f64; 2] {
        self.points[j * self.columns + i]
    }

    /// Where content point `g` lands: bilinear in its cell.
    #[must_use]
    pub fn apply(&self, [gx, gy]: [f64; 2]) -> [f64; 2] {
        let fx = gx.clamp(0.0, 1.0) * (self.columns - 1) as f64;
        let fy = gy.clamp(0.0, 1.0) * (self.rows - 1) as f64;
        let col = (fx.floor() as usize).min(self.columns - 2);
        let row = (fy.floor() as usize).min(self.rows - 2);
        let (s, t) = (fx - col as f64, fy - row as f64);
        let corners = [
            self.point(col, row),
            self.point(col + 1, row),
            self.point(col + 1, row + 1),
            self.point(col, row + 1),
        ];
        let lerp = |k: usize| {
            let [p00, p10, p11, p01] = corners.map(|p| p[k]);
            (1.0 - t) * ((1.0 - s) * p00 + s * p10) + t * ((1.0 - s) * p01 + s * p11)
        };
        [lerp(0), lerp(1)]
    }
}

/// Edge-blend ramps of an output, in the content's normalised units (the part of the
/// picture another projector also shows), applied before the warp so that they follow it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Blend {
    /// Ramp widths: left, right, bottom, top (0: no ramp at that edge).
    pub edges: [f64; 4],
    /// The projector's gamma: a ramp's weight `w` becomes `w^(1/gamma)` in the values sent,
    /// so that two overlapping projectors' light adds up to one.
    pub gamma: f64,
    /// Black level lift outside the ramps (display units): the overlap shows two
    /// projectors' black, the rest one; lifting the rest by one projector's black evens it.
    pub black_level: f64,
}

impl Default for Blend {
    fn default() -> Self {
        Self {
            edges: [0.0; 4],
            gamma: 2.2,
            black_level: 0.0,
        }
    }
}

/// The ramp's shape: 0 at the edge, 1 at the ramp's inner end, `ramp(x) + ramp(1 - x) = 1`
/// (two projectors' halves add up to one in light). Smoothstep.
#[must_use]
pub fn ramp(x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

impl Blend {
    /// Whether it changes anything.
    #[must_use]
    pub fn is_none(&self) -> bool {
        self.edges.iter().all(|&e| e <= 0.0) && self.black_level <= 0.0
    }

    /// The light weight at content point `g` (product of the edges' ramps): 1 inside.
    #[must_use]
    pub fn weight(&self, [u, v]: [f64; 2]) -> f64 {
        let d = [u, 1.0 - u, v, 1.0 - v];
        self.edges
            .iter()
            .zip(d)
            .map(|(&e, d)| if e > 0.0 { ramp(d / e) } else { 1.0 })
            .product()
    }

    /// The value sent for display value `c` at content point `g`.
    #[must_use]
    pub fn apply(&self, c: f64, g: [f64; 2]) -> f64 {
        let w = self.weight(g);
        let out = c * w.powf(1.0 / self.gamma.max(0.01));
        if w >= 1.0 {
            self.black_level + (1.0 - self.black_level) * out
        } else {
            out
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "exact values of exact maps")]
mod tests {
    use super::*;

    fn close(a: [f64; 2], b: [f64; 2]) -> bool {
        (a[0] - b[0]).abs() < 1e-9 && (a[1] - b[1]).abs() < 1e-9
    }

    #[test]
    fn the_corner_pin_takes_the_square_to_its_corners_and_back() {
        let corners = [[0.1, 0.05], [0.8, 0.2], [0.95, 0.9], [0.2, 0.7]];
        let h = Homography::unit_square_to(corners).expect("a quad");
        for (p, c) in [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
            .iter()
            .zip(corners)
        {
            assert!(close(h.apply(*p).expect("in front"), c), "{p:?}");
        }
        let inv = h.inverse().expect("invertible");
        let q = [0.3, 0.6];
        let back = inv.apply(h.apply(q).expect("in front")).expect("in front");
        assert!(close(back, q));
        // Straight lines stay straight: the centre is where the diagonals cross.
        let centre = h.apply([0.5, 0.5]).expect("in front");
        let cross = |a: [f64; 2], b: [f64; 2], p: [f64; 2]| {
            (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])
        };
        assert!(cross(corners[0], corners[2], centre).abs() < 1e-9);
        assert!(cross(corners[1], corners[3], centre).abs() < 1e-9);
        // A rectangle is affine.
        let r = Homography::unit_square_to([[0.0, 0.0], [2.0, 0.0], [2.0, 1.0], [0.0, 1.0]]);
        assert_eq!(r, Some(Homography::rect(0.0, 0.0, 2.0, 1.0)));
        // Three corners on a line: no map.
        assert!(
            Homography::unit_square_to([[0.0, 0.0], [0.5, 0.0], [1.0, 0.0], [0.0, 1.0]]).is_none()
        );
    }

    #[test]
    fn a_grid_is_bilinear_between_its_points() {
        assert_eq!(Grid::identity().apply([0.25, 0.75]), [0.25, 0.75]);
        let g = Grid {
            columns: 3,
            rows: 2,
            points: vec![
                [0.0, 0.0],
                [0.5, 0.1],
                [1.0, 0.0],
                [0.0, 1.0],
                [0.5, 0.9],
                [1.0, 1.0],
            ],
        };
        assert!(close(g.apply([0.5, 0.0]), [0.5, 0.1]));
        assert!(close(g.apply([0.25, 0.5]), [0.25, 0.5 * (0.05 + 0.95)]));
    }

    #[test]
    fn two_ramps_add_up_to_one_in_light() {
        let a = Blend {
            edges: [0.0, 1.0 / 3.0, 0.0, 0.0],
            ..Blend::default()
        };
        let b = Blend {
            edges: [1.0 / 3.0, 0.0, 0.0, 0.0],
            ..Blend::default()
        };
        // Output A shows canvas x in [0, 0.6], B [0.4, 1]: the overlap, 0.2, is a third of each.
        for k in 0..=20 {
            let x = 0.4 + 0.2 * f64::from(k) / 20.0;
            let (ua, ub) = (x / 0.6, (x - 0.4) / 0.6);
            let c = 0.8;
            let light = a.apply(c, [ua, 0.5]).powf(2.2) + b.apply(c, [ub, 0.5]).powf(2.2);
            assert!((light - c.powf(2.2)).abs() < 1e-9, "at {x}: {light}");
        }
        let lifted = Blend {
            black_level: 0.1,
            ..a
        };
        assert!((lifted.apply(0.0, [0.1, 0.5]) - 0.1).abs() < 1e-12);
        assert_eq!(lifted.apply(0.0, [0.99, 0.5]), 0.0);
    }
}
