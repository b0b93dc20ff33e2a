//! Tangents for normal maps where a glTF file has none: MikkTSpace (the tangent space the
//! glTF spec asks for, and that baking tools use), through `bevy_mikktspace` (a safe Rust
//! port giving the reference implementation's results).
//!
//! It runs on (u, 1 − v): glTF's v grows down the picture, while a normal map's green
//! (+Y) points up it, as in the tools that bake them; so the bitangent w·(n × t) points
//! up the picture (w = 1 for a layout that does not mirror the picture).
//!
//! MikkTSpace gives a tangent per triangle corner; a vertex shared by corners that got
//! different tangents is split, so that every corner keeps its own.

use super::geometry::{NO_TANGENT, Vertex};

/// The triangles `triangles` of `vertices` as MikkTSpace reads them, and the tangents it
/// writes, per corner.
struct Corners<'a> {
    vertices: &'a [Vertex],
    triangles: &'a [[u32; 3]],
    tangents: Vec<[f32; 4]>,
}

impl Corners<'_> {
    fn vertex(&self, face: usize, vert: usize) -> &Vertex {
        let i = self.triangles.get(face).map_or(0, |t| t[vert.min(2)]);
        self.vertices.get(i as usize).unwrap_or(&self.vertices[0])
    }
}

impl bevy_mikktspace::Geometry for Corners<'_> {
    fn num_faces(&self) -> usize {
        self.triangles.len()
    }
    fn num_vertices_of_face(&self, _face: usize) -> usize {
        3
    }
    fn position(&self, face: usize, vert: usize) -> [f32; 3] {
        self.vertex(face, vert).position
    }
    fn normal(&self, face: usize, vert: usize) -> [f32; 3] {
        self.vertex(face, vert).normal
    }
    fn tex_coord(&self, face: usize, vert: usize) -> [f32; 2] {
        // v up (as in the tools that bake normal maps and export glTF tangents): the
        // bitangent is "up" in the picture, where a normal map's +Y (green) points.
        let [u, v] = self.vertex(face, vert).uv;
        [u, 1.0 - v]
    }
    fn set_tangent(
        &mut self,
        tangent: Option<bevy_mikktspace::TangentSpace>,
        face: usize,
        vert: usize,
    ) {
        if let Some(slot) = self.tangents.get_mut(face * 3 + vert) {
            *slot = tangent.map_or(NO_TANGENT, |t| t.tangent_encoded());
        }
    }
}

/// Sets the tangents of the vertices `triangles` use (indices into `vertices`, which must
/// not be empty when there are triangles), splitting vertices whose corners disagree (new
/// vertices are appended and the triangles re-pointed).
pub(super) fn generate(vertices: &mut Vec<Vertex>, triangles: &mut [[u32; 3]]) {
    if triangles.is_empty() || vertices.is_empty() {
        return;
    }
    let mut corners = Corners {
        vertices,
        triangles,
        tangents: vec![NO_TANGENT; triangles.len() * 3],
    };
    // The crate's error type has no values: generation cannot fail.
    let _ = bevy_mikktspace::generate_tangents(&mut corners);
    let tangents = corners.tangents;
    let mut assigned: Vec<Option<[f32; 4]>> = vec![None; vertices.len()];
    for (t, corner_tangents) in triangles.iter_mut().zip(tangents.chunks_exact(3)) {
        for (index, &tangent) in t.iter_mut().zip(corner_tangents) {
            let i = *index as usize;
            match assigned.get(i).copied().flatten() {
                None => {
                    if let (Some(a), Some(v)) = (assigned.get_mut(i), vertices.get_mut(i)) {
                        *a = Some(tangent);
                        v.tangent = tangent;
                    }
                }
                Some(same)
                    if same
                        .iter()
                        .zip(&tangent)
                        .all(|(a, b)| a.to_bits() == b.to_bits()) => {}
                Some(_) => {
                    let mut v = vertices[i];
                    v.tangent = tangent;
                    *index = vertices.len() as u32;
                    vertices.push(v);
                    assigned.push(Some(tangent));
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "tangents of axis-aligned quads are exact")]
mod tests {
    use super::*;

    fn vertex(p: [f32; 3], uv: [f32; 2]) -> Vertex {
        Vertex {
            position: p,
            normal: [0.0, 1.0, 0.0],
            uv,
            tangent: [0.0; 4],
        }
    }

    #[test]
    fn a_quad_facing_up_gets_u_along_its_tangent() {
        // A square in the XZ plane facing +Y; u grows along +X, v (down the picture)
        // along +Z, so up the picture is −Z: the tangent is +X, the bitangent −Z =
        // w·(n × t) = w·(Y × X) = −w·Z: w = 1.
        let mut vertices = vec![
            vertex([0.0, 0.0, 0.0], [0.0, 0.0]),
            vertex([1.0, 0.0, 0.0], [1.0, 0.0]),
            vertex([1.0, 0.0, 1.0], [1.0, 1.0]),
            vertex([0.0, 0.0, 1.0], [0.0, 1.0]),
        ];
        let mut triangles = [[0, 2, 1], [0, 3, 2]];
        generate(&mut vertices, &mut triangles);
        assert_eq!(vertices.len(), 4, "no vertex split on a flat quad");
        for v in &vertices {
            let t = v.tangent;
            assert!((t[0] - 1.0).abs() < 1e-6 && t[1].abs() < 1e-6 && t[2].abs() < 1e-6);
            assert_eq!(t[3], 1.0);
        }
    }

    #[test]
    fn corners_that_disagree_split_their_vertex() {
        // Two triangles sharing vertices 0 and 1, with UVs mirrored across the shared edge:
        // opposite handedness, so the shared vertices split.
        let mut vertices = vec![
            vertex([0.0, 0.0, 0.0], [0.0, 0.0]),
            vertex([1.0, 0.0, 0.0], [1.0, 0.0]),
            vertex([0.0, 0.0, 1.0], [0.0, 1.0]),
            vertex([0.0, 0.0, -1.0], [0.0, 1.0]),
        ];
        let mut triangles = [[0, 2, 1], [0, 1, 3]];
        generate(&mut vertices, &mut triangles);
        assert!(vertices.len() > 4, "{}", vertices.len());
        for t in &triangles {
            let w: Vec<f32> = t.iter().map(|&i| vertices[i as usize].tangent[3]).collect();
            assert!(w.iter().all(|&x| x == w[0]), "{w:?}");
        }
    }
}
