//! The built-in primitive meshes of `mesh` (plane, box, sphere, cylinder, cone, torus),
//! built procedurally at unit size; the renderer scales them.

use super::geometry::{MeshData, MeshPart, NO_TANGENT, PartMaterial, Vertex, cross};

/// A built-in mesh of unit size; the renderer scales it.
///
/// Tessellation is fixed: 64 segments around the Y axis, 32 from pole to pole (sphere) or
/// around the tube (torus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    /// The square x, z ∈ [−0.5, 0.5] at y = 0, facing +Y (seen from above, +x is right and
    /// +z is down). u runs along +x and v along +z, both 0..1: uv (0, 0) is the corner
    /// (−0.5, 0, −0.5).
    Plane,
    /// The cube [−0.5, 0.5]³: 24 vertices (each face its own normal, hard edges), uv 0..1 on
    /// every face, upright seen from outside (sides with +Y up, top with −Z up, bottom with
    /// +Z up).
    Box,
    /// The sphere of radius 1 (not 0.5) at the origin; the normal equals the position.
    /// u goes once around the Y axis (seam at −X, increasing to the right seen from outside),
    /// v from the north pole (+Y, v = 0) to the south pole (v = 1).
    Sphere,
    /// Radius 1, y ∈ [−0.5, 0.5]. The side has smooth outward normals (x, 0, z), uv u around
    /// as on the sphere and v from the top (0) to the bottom (1); the two flat caps (normals
    /// ±Y) have their own vertices (hard edges) and planar uv, x and z mapped to 0..1: the top
    /// like [`Primitive::Plane`], the bottom with v flipped so it reads unmirrored from below.
    Cylinder,
    /// Base radius 1 at y = −0.5, apex at y = +0.5. The side has the true cone normals
    /// normalize(x, 1, z) (for a point at unit radius direction (x, 0, z); radius = height = 1),
    /// with one apex vertex per segment so each keeps its own normal; uv u around as on the
    /// sphere, v from the apex (0) to the base (1). A flat base cap (normal −Y), uv as the
    /// cylinder's bottom cap.
    Cone,
    /// **Special encoding**: the renderer computes the torus from its ring radius `R` and
    /// tube radius `r` in the vertex shader. For ring angle u (around the Y axis) and tube
    /// angle v, a vertex stores
    ///
    /// - `position` = the ring direction d = (cos u, 0, sin u),
    /// - `normal` = the unit surface normal n = (cos v · cos u, sin v, cos v · sin u),
    /// - `uv` = (u / 2π, v / 2π),
    ///
    /// and the point is `R·d + r·n` (the normal stays `n`). Triangles are counter-clockwise
    /// seen from outside for any `R > r > 0`. 64 segments around the ring, 32 around the tube.
    ///
    /// `bounds_min`/`bounds_max` are those of `position` alone (R = 1, r = 0):
    /// [−1, 0, −1]..[1, 0, 1]. The renderer computes the real bounds:
    /// [−(R + r), −r, −(R + r)]..[R + r, r, R + r].
    Torus,
}

/// Segments around the Y axis (sphere, cylinder, cone, torus ring).
const SEGMENTS: u32 = 64;
/// Rings from pole to pole (sphere) or segments around the tube (torus).
const RINGS: u32 = 32;

impl MeshData {
    /// Builds one of the built-in primitive meshes (see [`Primitive`] for each shape).
    ///
    /// One part covers all indices, with `base_color` `[1, 1, 1, 1]` and no image.
    #[must_use]
    pub fn primitive(kind: Primitive) -> MeshData {
        let mut builder = Builder::default();
        let (min, max) = match kind {
            Primitive::Plane => {
                // The box's top face, at y = 0.
                builder.square([0.0, 1.0, 0.0], [0.0, 0.0, -1.0], 0.0);
                ([-0.5, 0.0, -0.5], [0.5, 0.0, 0.5])
            }
            Primitive::Box => {
                build_box(&mut builder);
                ([-0.5; 3], [0.5; 3])
            }
            Primitive::Sphere => {
                build_sphere(&mut builder);
                ([-1.0; 3], [1.0; 3])
            }
            Primitive::Cylinder => {
                build_cylinder(&mut builder);
                ([-1.0, -0.5, -1.0], [1.0, 0.5, 1.0])
            }
            Primitive::Cone => {
                build_cone(&mut builder);
                ([-1.0, -0.5, -1.0], [1.0, 0.5, 1.0])
            }
            Primitive::Torus => {
                build_torus(&mut builder);
                ([-1.0, 0.0, -1.0], [1.0, 0.0, 1.0])
            }
        };
        let count = builder.indices.len() as u32;
        MeshData {
            vertices: builder.vertices,
            indices: builder.indices,
            parts: vec![MeshPart {
                indices: 0..count,
                material: PartMaterial::default(),
                centre: [0.0; 3],
            }],
            images: Vec::new(),
            bounds_min: min,
            bounds_max: max,
        }
    }
}

/// `2π · i / n`.
fn angle(i: u32, n: u32) -> f64 {
    std::f64::consts::TAU * f64::from(i) / f64::from(n)
}

/// The unit direction around the Y axis at angle `theta`, chosen so that increasing
/// `theta` moves to the right seen from outside (seam at −X): (−cos θ, 0, sin θ).
fn around(theta: f64) -> [f64; 3] {
    [-theta.cos(), 0.0, theta.sin()]
}

/// Accumulates vertices (computed in f64, stored in f32) and triangles.
#[derive(Default)]
struct Builder {
    vertices: Vec<Vertex>,
    indices: Vec<u32>,
}

impl Builder {
    fn vertex(&mut self, p: [f64; 3], n: [f64; 3], uv: [f64; 2]) -> u32 {
        let index = self.vertices.len() as u32;
        self.vertices.push(Vertex {
            position: p.map(|c| c as f32),
            normal: n.map(|c| c as f32),
            uv: uv.map(|c| c as f32),
            tangent: NO_TANGENT,
        });
        index
    }

    fn triangle(&mut self, a: u32, b: u32, c: u32) {
        self.indices.extend([a, b, c]);
    }

    /// A `(cols + 1) × (rows + 1)` grid of vertices `f(i, j)` with two triangles per cell,
    /// where, seen from outside, `i` runs to the right and `j` runs down (any parametrisation
    /// that keeps this orientation, e.g. the torus's rotated by 180°, works too).
    fn grid(
        &mut self,
        cols: u32,
        rows: u32,
        vertex_at: impl Fn(u32, u32) -> ([f64; 3], [f64; 3], [f64; 2]),
    ) {
        let first = self.vertices.len() as u32;
        for j in 0..=rows {
            for i in 0..=cols {
                let (p, n, uv) = vertex_at(i, j);
                self.vertex(p, n, uv);
            }
        }
        let at = |i: u32, j: u32| first + j * (cols + 1) + i;
        for j in 0..rows {
            for i in 0..cols {
                // a b    a = top-left, b = top-right,
                // d c    d = bottom-left, c = bottom-right: a → d → c → b is CCW.
                let (a, b, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
                self.triangle(a, d, c);
                self.triangle(a, c, b);
            }
        }
    }

    /// A unit square facing `normal` at `distance` from the origin, upright seen from
    /// outside when `up` points up: uv (0, 0) at its top-left corner, u to the right
    /// (`up × normal`) and v down.
    fn square(&mut self, normal: [f64; 3], up: [f64; 3], distance: f64) {
        let right = cross(up, normal);
        self.grid(1, 1, |i, j| {
            let (s, t) = (f64::from(i), f64::from(j));
            let p = std::array::from_fn(|k| {
                distance * normal[k] + (s - 0.5) * right[k] + (0.5 - t) * up[k]
            });
            (p, normal, [s, t])
        });
    }

    /// A flat disc of radius 1 at height `y` (normal +Y if `up`, else −Y), planar uv upright
    /// seen from outside (like [`Primitive::Box`]'s top and bottom faces).
    fn cap(&mut self, y: f64, up: bool) {
        let (ny, v_sign) = if up { (1.0, 1.0) } else { (-1.0, -1.0) };
        let normal = [0.0, ny, 0.0];
        let centre = self.vertex([0.0, y, 0.0], normal, [0.5, 0.5]);
        let first = self.vertices.len() as u32;
        for i in 0..SEGMENTS {
            let d = around(angle(i, SEGMENTS));
            self.vertex(
                [d[0], y, d[2]],
                normal,
                [0.5 + 0.5 * d[0], 0.5 + v_sign * 0.5 * d[2]],
            );
        }
        for i in 0..SEGMENTS {
            let a = first + i;
            let b = first + (i + 1) % SEGMENTS;
            if up {
                self.triangle(centre, a, b);
            } else {
                self.triangle(centre, b, a);
            }
        }
    }
}

fn build_box(b: &mut Builder) {
    // (outward normal, up direction seen from outside).
    let faces: [([f64; 3], [f64; 3]); 6] = [
        ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([-1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, 1.0], [0.0, 1.0, 0.0]),
        ([0.0, 0.0, -1.0], [0.0, 1.0, 0.0]),
        ([0.0, 1.0, 0.0], [0.0, 0.0, -1.0]),
        ([0.0, -1.0, 0.0], [0.0, 0.0, 1.0]),
    ];
    for (n, up) in faces {
        b.square(n, up, 0.5);
    }
}

fn build_sphere(b: &mut Builder) {
    let cols = SEGMENTS;
    let rows = RINGS;
    let first = b.vertices.len() as u32;
    for j in 0..=rows {
        let phi = std::f64::consts::PI * f64::from(j) / f64::from(rows);
        for i in 0..=cols {
            let d = around(angle(i, cols));
            let p = [d[0] * phi.sin(), phi.cos(), d[2] * phi.sin()];
            // At the poles every column has its own vertex, its u in the middle of the
            // one triangle that uses it.
            // (The last column's pole vertex is unused; clamped to keep u in 0..1.)
            let u = if j == 0 || j == rows {
                ((f64::from(i) + 0.5) / f64::from(cols)).min(1.0)
            } else {
                f64::from(i) / f64::from(cols)
            };
            b.vertex(p, p, [u, f64::from(j) / f64::from(rows)]);
        }
    }
    let at = |i: u32, j: u32| first + j * (cols + 1) + i;
    for j in 0..rows {
        for i in 0..cols {
            let (a, bb, c, d) = (at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1));
            if j == 0 {
                // a and b are both the north pole.
                b.triangle(a, d, c);
            } else if j == rows - 1 {
                // d and c are both the south pole.
                b.triangle(a, d, bb);
            } else {
                b.triangle(a, d, c);
                b.triangle(a, c, bb);
            }
        }
    }
}

fn build_cylinder(b: &mut Builder) {
    b.grid(SEGMENTS, 1, |i, j| {
        let d = around(angle(i, SEGMENTS));
        let y = 0.5 - f64::from(j);
        (
            [d[0], y, d[2]],
            d,
            [f64::from(i) / f64::from(SEGMENTS), f64::from(j)],
        )
    });
    b.cap(0.5, true);
    b.cap(-0.5, false);
}

fn build_cone(b: &mut Builder) {
    // For base radius r and height h the side normal at direction d is normalize(h·d, r);
    // here r = h = 1.
    let normal_at = |d: [f64; 3]| {
        let s = std::f64::consts::FRAC_1_SQRT_2;
        [d[0] * s, s, d[2] * s]
    };
    let first = b.vertices.len() as u32;
    for i in 0..=SEGMENTS {
        let d = around(angle(i, SEGMENTS));
        b.vertex(
            [d[0], -0.5, d[2]],
            normal_at(d),
            [f64::from(i) / f64::from(SEGMENTS), 1.0],
        );
    }
    for i in 0..SEGMENTS {
        let mid = std::f64::consts::TAU * (f64::from(i) + 0.5) / f64::from(SEGMENTS);
        let apex = b.vertex(
            [0.0, 0.5, 0.0],
            normal_at(around(mid)),
            [(f64::from(i) + 0.5) / f64::from(SEGMENTS), 0.0],
        );
        // Seen from outside: base i bottom-left, base i+1 bottom-right, apex on top.
        b.triangle(first + i, first + i + 1, apex);
    }
    b.cap(-0.5, false);
}

fn build_torus(builder: &mut Builder) {
    builder.grid(SEGMENTS, RINGS, |i, j| {
        let u = angle(i, SEGMENTS);
        let v = angle(j, RINGS);
        let d = [u.cos(), 0.0, u.sin()];
        let n = [v.cos() * u.cos(), v.sin(), v.cos() * u.sin()];
        (
            d,
            n,
            [
                f64::from(i) / f64::from(SEGMENTS),
                f64::from(j) / f64::from(RINGS),
            ],
        )
    });
}

#[cfg(test)]
// Exact float comparisons are intended, and the geometry reads best with x, y, z, u, v, n.
#[allow(clippy::float_cmp, clippy::many_single_char_names)]
mod tests {
    use super::*;
    use crate::render3d::geometry::inspect::{
        Tri, assert_normals_near_face, dot, len, plain, sub, triangles, unit, v3,
    };
    use std::f64::consts::{PI, TAU};

    const ALL: [Primitive; 6] = [
        Primitive::Plane,
        Primitive::Box,
        Primitive::Sphere,
        Primitive::Cylinder,
        Primitive::Cone,
        Primitive::Torus,
    ];

    /// Max angle between a vertex normal and its triangle's face normal: 1.5 × the largest
    /// angular step of the tessellation (`steps` segments per full turn).
    fn smooth_limit(steps: u32) -> f64 {
        (1.5 * TAU / f64::from(steps)).cos()
    }

    #[test]
    fn every_primitive_is_well_formed() {
        for kind in ALL {
            let m = MeshData::primitive(kind);
            let n = m.vertices.len() as u32;
            assert!(
                !m.indices.is_empty() && m.indices.len().is_multiple_of(3),
                "{kind:?}"
            );
            assert!(
                m.indices.iter().all(|&i| i < n),
                "{kind:?}: index out of range"
            );
            assert_eq!(
                m.parts,
                vec![MeshPart {
                    indices: 0..m.indices.len() as u32,
                    material: PartMaterial::default(),
                    centre: [0.0; 3],
                }],
                "{kind:?}"
            );
            assert!(m.images.is_empty());
            for v in &m.vertices {
                let l = len(v3(v.normal));
                assert!((l - 1.0).abs() < 1e-5, "{kind:?}: normal length {l}");
                assert!(
                    v.uv.iter().all(|c| (0.0..=1.0).contains(c)),
                    "{kind:?}: uv {:?}",
                    v.uv
                );
            }
            // Bounds: every position inside, and each face of the box touched.
            let mut lo = [f32::INFINITY; 3];
            let mut hi = [f32::NEG_INFINITY; 3];
            for v in &m.vertices {
                for k in 0..3 {
                    lo[k] = lo[k].min(v.position[k]);
                    hi[k] = hi[k].max(v.position[k]);
                }
            }
            for k in 0..3 {
                assert!(
                    (lo[k] - m.bounds_min[k]).abs() < 1e-6,
                    "{kind:?} min {lo:?}"
                );
                assert!(
                    (hi[k] - m.bounds_max[k]).abs() < 1e-6,
                    "{kind:?} max {hi:?}"
                );
            }
            // Triangles are not degenerate.
            for t in triangles(&m, plain)
                .iter()
                .filter(|_| kind != Primitive::Torus)
            {
                assert!(t.area() > 1e-6, "{kind:?}: degenerate triangle");
            }
        }
    }

    #[test]
    fn primitive_bounds_are_exact() {
        let expect = |kind, min: [f32; 3], max: [f32; 3]| {
            let m = MeshData::primitive(kind);
            assert_eq!((m.bounds_min, m.bounds_max), (min, max), "{kind:?}");
        };
        expect(Primitive::Plane, [-0.5, 0.0, -0.5], [0.5, 0.0, 0.5]);
        expect(Primitive::Box, [-0.5; 3], [0.5; 3]);
        expect(Primitive::Sphere, [-1.0; 3], [1.0; 3]);
        expect(Primitive::Cylinder, [-1.0, -0.5, -1.0], [1.0, 0.5, 1.0]);
        expect(Primitive::Cone, [-1.0, -0.5, -1.0], [1.0, 0.5, 1.0]);
        expect(Primitive::Torus, [-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]);
    }

    #[test]
    fn plane_faces_up_with_uv_along_x_and_z() {
        let m = MeshData::primitive(Primitive::Plane);
        for t in triangles(&m, plain) {
            assert!(dot(t.face(), [0.0, 1.0, 0.0]) > 0.99999);
        }
        for v in &m.vertices {
            assert_eq!(v.position[1], 0.0);
            assert_eq!(v.normal, [0.0, 1.0, 0.0]);
            assert_eq!(v.uv, [v.position[0] + 0.5, v.position[2] + 0.5]);
        }
        let area: f64 = triangles(&m, plain).iter().map(Tri::area).sum();
        assert!((area - 1.0).abs() < 1e-9);
    }

    #[test]
    fn box_has_24_vertices_hard_edges_and_outward_ccw_faces() {
        let m = MeshData::primitive(Primitive::Box);
        assert_eq!(m.vertices.len(), 24);
        assert_eq!(m.indices.len(), 36);
        let tris = triangles(&m, plain);
        for t in &tris {
            assert!(
                dot(t.face(), t.centroid) > 0.0,
                "inward face {:?}",
                t.centroid
            );
            // The face normal is an axis, and every vertex normal equals it.
            assert!(t.face().iter().any(|c| (c.abs() - 1.0).abs() < 1e-9));
        }
        assert_normals_near_face(&tris, 0.99999, "box");
        let area: f64 = tris.iter().map(Tri::area).sum();
        assert!((area - 6.0).abs() < 1e-9);
        for v in &m.vertices {
            assert!(v.position.iter().all(|c| c.abs() == 0.5));
            assert!(v.uv.iter().all(|&c| c == 0.0 || c == 1.0));
            // Upright on the sides: v = 0 at the top edge.
            if v.normal[1] == 0.0 {
                assert_eq!(v.uv[1], 0.5 - v.position[1]);
            }
        }
    }

    #[test]
    fn sphere_is_round_outward_and_ccw() {
        let m = MeshData::primitive(Primitive::Sphere);
        for v in &m.vertices {
            assert!((len(v3(v.position)) - 1.0).abs() < 1e-6);
            assert!(
                len(sub(v3(v.position), v3(v.normal))) < 1e-6,
                "normal ≠ position"
            );
            // v runs from the north pole (0) to the south pole (1).
            let v_expected = f64::from(v.position[1]).clamp(-1.0, 1.0).acos() / PI;
            assert!((f64::from(v.uv[1]) - v_expected).abs() < 1e-5);
        }
        let tris = triangles(&m, plain);
        for t in &tris {
            assert!(
                dot(t.face(), t.centroid) > 0.0,
                "inward face at {:?}",
                t.centroid
            );
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "sphere");
        let area: f64 = tris.iter().map(Tri::area).sum();
        let exact = 4.0 * PI;
        assert!((area - exact).abs() / exact < 0.01, "area {area}");
    }

    #[test]
    fn sphere_u_increases_to_the_right_seen_from_outside() {
        // Seen from +Z (looking at −Z, +X to the right), u grows with x near (0, 0, 1).
        let m = MeshData::primitive(Primitive::Sphere);
        let near = |x: f32| {
            m.vertices
                .iter()
                .filter(|v| v.position[1].abs() < 0.05 && v.position[2] > 0.9)
                .min_by(|a, b| {
                    (a.position[0] - x)
                        .abs()
                        .total_cmp(&(b.position[0] - x).abs())
                })
                .map(|v| v.uv[0])
                .unwrap()
        };
        assert!(near(0.3) > near(-0.3));
    }

    #[test]
    fn cylinder_side_and_caps() {
        let m = MeshData::primitive(Primitive::Cylinder);
        let tris = triangles(&m, plain);
        let (mut side_area, mut top_area, mut bottom_area) = (0.0, 0.0, 0.0);
        for t in &tris {
            let f = t.face();
            if t.normals.iter().all(|n| n[1] == 0.0) {
                let radial = [t.centroid[0], 0.0, t.centroid[2]];
                assert!(dot(f, radial) > 0.0, "inward side face");
                assert!(f[1].abs() < 1e-9);
                side_area += t.area();
            } else if t.centroid[1] > 0.0 {
                assert!((t.centroid[1] - 0.5).abs() < 1e-9);
                assert!(dot(f, [0.0, 1.0, 0.0]) > 0.99999, "top cap faces {f:?}");
                assert!(t.normals.iter().all(|&n| n == [0.0, 1.0, 0.0]));
                top_area += t.area();
            } else {
                assert!((t.centroid[1] + 0.5).abs() < 1e-9);
                assert!(dot(f, [0.0, -1.0, 0.0]) > 0.99999, "bottom cap faces {f:?}");
                assert!(t.normals.iter().all(|&n| n == [0.0, -1.0, 0.0]));
                bottom_area += t.area();
            }
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "cylinder");
        for v in &m.vertices {
            let n = v.normal;
            if n[1] == 0.0 {
                assert_eq!(n, [v.position[0], 0.0, v.position[2]]);
            }
        }
        // Hard edge: the top rim has side and cap vertices at the same place.
        let rim = [-1.0, 0.5, 0.0];
        let normals: Vec<_> = m
            .vertices
            .iter()
            .filter(|v| len(sub(v3(v.position), rim)) < 1e-6)
            .map(|v| v.normal)
            .collect();
        assert!(normals.contains(&[0.0, 1.0, 0.0]) && normals.contains(&[-1.0, 0.0, 0.0]));
        assert!(
            (side_area - TAU).abs() / TAU < 0.01,
            "side area {side_area}"
        );
        assert!((top_area - PI).abs() / PI < 0.01 && (bottom_area - PI).abs() / PI < 0.01);
    }

    #[test]
    fn cone_has_true_normals_and_a_base() {
        let m = MeshData::primitive(Primitive::Cone);
        let tris = triangles(&m, plain);
        let (mut side_area, mut base_area) = (0.0, 0.0);
        for t in &tris {
            let f = t.face();
            if t.normals.iter().all(|n| n[1] > 0.0) {
                // The true normal of a cone of radius 1 and height 1 at this direction:
                // perpendicular to the slant (−d, 1), outward and upward: (d, 1)/√2.
                let rho = t.centroid[0].hypot(t.centroid[2]);
                let expected = unit([t.centroid[0] / rho, 1.0, t.centroid[2] / rho]);
                assert!(dot(f, expected) > 0.9999, "side face {f:?} vs {expected:?}");
                for n in t.normals {
                    // Vertex normals are true cone normals (45° up).
                    assert!((n[1] - 0.5f64.sqrt()).abs() < 1e-6);
                }
                side_area += t.area();
            } else {
                assert!(dot(f, [0.0, -1.0, 0.0]) > 0.99999, "base faces {f:?}");
                assert!((t.centroid[1] + 0.5).abs() < 1e-9);
                base_area += t.area();
            }
        }
        assert_normals_near_face(&tris, smooth_limit(SEGMENTS), "cone");
        // Lateral area π·r·slant = π·√2.
        let lateral = PI * 2f64.sqrt();
        assert!(
            (side_area - lateral).abs() / lateral < 0.01,
            "side area {side_area}"
        );
        assert!((base_area - PI).abs() / PI < 0.01);
        // The apex is at the top, with one vertex per segment.
        let apexes = m
            .vertices
            .iter()
            .filter(|v| v.position == [0.0, 0.5, 0.0])
            .count();
        assert_eq!(apexes, SEGMENTS as usize);
    }

    #[test]
    fn torus_encoding_area_and_winding() {
        let m = MeshData::primitive(Primitive::Torus);
        for v in &m.vertices {
            let (u, w) = (TAU * f64::from(v.uv[0]), TAU * f64::from(v.uv[1]));
            let d = [u.cos(), 0.0, u.sin()];
            let n = [w.cos() * u.cos(), w.sin(), w.cos() * u.sin()];
            assert!(
                len(sub(v3(v.position), d)) < 1e-6,
                "position is the ring direction"
            );
            assert!(
                len(sub(v3(v.normal), n)) < 1e-6,
                "normal is the tube normal"
            );
        }
        let (big, small) = (1.0, 0.3);
        let point = |v: &Vertex| {
            let (d, n) = (v3(v.position), v3(v.normal));
            [0, 1, 2].map(|k| big * d[k] + small * n[k])
        };
        let tris = triangles(&m, point);
        for t in &tris {
            assert!(t.area() > 1e-9, "degenerate torus triangle");
            // Outward at a torus point is its tube normal n (and away from the tube's centre
            // circle): the average of the vertex normals.
            let n = unit([0, 1, 2].map(|k| t.normals.iter().map(|n| n[k]).sum::<f64>()));
            assert!(
                dot(t.face(), n) > 0.0,
                "torus triangle not CCW from outside"
            );
            let ring = unit([t.centroid[0], 0.0, t.centroid[2]]);
            let from_tube = sub(t.centroid, ring.map(|c| c * big));
            assert!(dot(t.face(), from_tube) > 0.0);
        }
        assert_normals_near_face(&tris, smooth_limit(RINGS), "torus");
        let area: f64 = tris.iter().map(Tri::area).sum();
        let exact = 4.0 * PI * PI * big * small;
        assert!(
            (area - exact).abs() / exact < 0.01,
            "area {area} vs {exact}"
        );
    }
}
