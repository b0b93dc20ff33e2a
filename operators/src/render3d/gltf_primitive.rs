//! One glTF triangle primitive read into plain arrays: its accessors checked against their
//! buffers, positions and normals taken to world space, strips and fans turned into lists.

use glam::{Mat3, Mat4, Vec3};
use gltf::accessor::{DataType, Dimensions};
use gltf::mesh::{Mode, Semantic};

use super::gltf::{Problem, check_size, invalid};

/// Checks that `count` elements of `elem` bytes, `stride` apart from `offset`, fit in `view`
/// (which `check_views` in `gltf` has already checked against its buffer).
fn check_range(
    what: &str,
    view: &gltf::buffer::View<'_>,
    offset: usize,
    count: usize,
    elem: usize,
) -> Result<(), Problem> {
    let stride = view.stride().unwrap_or(elem);
    if stride < elem {
        return Err(invalid(format!(
            "{what}: byteStride {stride} of buffer view {} is smaller than an element ({elem} bytes)",
            view.index()
        )));
    }
    let end = count
        .checked_sub(1)
        .and_then(|n| n.checked_mul(stride))
        .and_then(|n| n.checked_add(elem))
        .and_then(|n| n.checked_add(offset));
    if end.is_none_or(|end| end > view.length()) {
        return Err(invalid(format!(
            "{what}: {count} elements from byte {offset} do not fit in buffer view {} ({} bytes)",
            view.index(),
            view.length()
        )));
    }
    Ok(())
}

/// Checks an accessor's type and that all its data (dense and sparse) lies inside its
/// buffers, so the gltf reader can neither panic nor come up short. Returns its count.
fn check_accessor(
    what: &str,
    accessor: &gltf::Accessor<'_>,
    dimensions: Dimensions,
    data_types: &[DataType],
) -> Result<usize, Problem> {
    let what = format!("{what} (accessor {})", accessor.index());
    if accessor.dimensions() != dimensions || !data_types.contains(&accessor.data_type()) {
        return Err(Problem::Unsupported(format!(
            "{what} is {:?} {:?}; expected {dimensions:?} of {data_types:?}",
            accessor.dimensions(),
            accessor.data_type()
        )));
    }
    let count = accessor.count();
    check_size("elements in one accessor", count)?;
    if count == 0 {
        return Ok(0);
    }
    let elem = accessor.size();
    if let Some(view) = accessor.view() {
        check_range(&what, &view, accessor.offset(), count, elem)?;
    }
    if let Some(sparse) = accessor.sparse() {
        let n = sparse.count();
        if n == 0 || n > count {
            return Err(invalid(format!(
                "{what}: sparse count {n} must be 1..={count}"
            )));
        }
        let indices = sparse.indices();
        let index_size = indices.index_type().size();
        check_range(&what, &indices.view(), indices.offset(), n, index_size)?;
        let values = sparse.values();
        check_range(&what, &values.view(), values.offset(), n, elem)?;
    }
    Ok(count)
}

/// What a triangle primitive's accessors hold, checked (type, count, and that their data
/// lies inside the buffers).
struct Layout {
    mode: Mode,
    /// Vertices: the POSITION count (at least 1).
    count: usize,
    has_normals: bool,
    has_tangents: bool,
    has_indices: bool,
}

impl Layout {
    /// Checks the accessors of `primitive`; `None` if it draws nothing (points or lines, no
    /// positions, or no elements).
    fn check(primitive: &gltf::Primitive<'_>) -> Result<Option<Layout>, Problem> {
        let mode = primitive.mode();
        if !matches!(
            mode,
            Mode::Triangles | Mode::TriangleStrip | Mode::TriangleFan
        ) {
            return Ok(None);
        }
        let Some(position_accessor) = primitive.get(&Semantic::Positions) else {
            return Ok(None);
        };
        let count = check_accessor(
            "POSITION",
            &position_accessor,
            Dimensions::Vec3,
            &[DataType::F32],
        )?;
        if count == 0 {
            return Ok(None);
        }
        let normal_accessor = primitive.get(&Semantic::Normals);
        if let Some(a) = &normal_accessor {
            same_count(
                "NORMAL",
                check_accessor("NORMAL", a, Dimensions::Vec3, &[DataType::F32])?,
                count,
            )?;
        }
        let tangent_accessor = primitive.get(&Semantic::Tangents);
        if let Some(a) = &tangent_accessor {
            same_count(
                "TANGENT",
                check_accessor("TANGENT", a, Dimensions::Vec4, &[DataType::F32])?,
                count,
            )?;
        }
        if let Some(a) = &primitive.get(&Semantic::TexCoords(0)) {
            let n = check_accessor(
                "TEXCOORD_0",
                a,
                Dimensions::Vec2,
                &[DataType::F32, DataType::U8, DataType::U16],
            )?;
            same_count("TEXCOORD_0", n, count)?;
        }
        let index_accessor = primitive.indices();
        if let Some(a) = &index_accessor {
            let n = check_accessor(
                "indices",
                a,
                Dimensions::Scalar,
                &[DataType::U8, DataType::U16, DataType::U32],
            )?;
            if n == 0 {
                // (The gltf reader cannot read an empty accessor.)
                return Ok(None);
            }
        }
        Ok(Some(Layout {
            mode,
            count,
            has_normals: normal_accessor.is_some(),
            has_tangents: tangent_accessor.is_some(),
            has_indices: index_accessor.is_some(),
        }))
    }
}

/// An error unless `what` has `n` elements, as many as POSITION (`count`).
fn same_count(what: &str, n: usize, count: usize) -> Result<(), Problem> {
    if n == count {
        Ok(())
    } else {
        Err(invalid(format!(
            "{what} has {n} elements but POSITION has {count}"
        )))
    }
}

/// The gltf reader gave nothing for `what` (its buffer is not loaded).
fn missing(what: &str) -> Problem {
    invalid(format!("{what}: data could not be read"))
}

/// A triangle primitive's vertices in world space and its triangles.
pub(super) struct PrimitiveData {
    pub positions: Vec<Vec3>,
    /// Unit normals; `None` when the file has none (or unusable ones): compute them flat.
    pub normals: Option<Vec<Vec3>>,
    /// Unit tangents and bitangent signs (glTF `TANGENT`, under the node transform); `None`
    /// when the file has none or unusable ones (then generated where a normal map needs
    /// them).
    pub tangents: Option<Vec<[f32; 4]>>,
    /// `TEXCOORD_0`, or (0, 0) for every vertex without one.
    pub uvs: Vec<[f32; 2]>,
    /// Indices into the vertices, counter-clockwise seen from outside (also under a
    /// mirroring transform); at least one.
    pub triangles: Vec<[u32; 3]>,
}

impl PrimitiveData {
    /// Reads `primitive` from `buffers` under the node transform `world`; `None` if it has
    /// no triangles.
    pub fn read(
        primitive: &gltf::Primitive<'_>,
        buffers: &[gltf::buffer::Data],
        world: &Mat4,
    ) -> Result<Option<PrimitiveData>, Problem> {
        let Some(layout) = Layout::check(primitive)? else {
            return Ok(None);
        };
        let count = layout.count;
        let reader = primitive.reader(|b| buffers.get(b.index()).map(|d| &d.0[..]));
        let positions = world_positions(
            reader.read_positions().ok_or_else(|| missing("POSITION"))?,
            world,
            count,
        )?;
        let uvs = tex_coords(reader.read_tex_coords(0), count)?;

        // Indices → triangles.
        let indices: Vec<u32> = match reader.read_indices() {
            Some(read) => read.into_u32().collect(),
            None if layout.has_indices => return Err(missing("indices")),
            None => (0..count as u32).collect(),
        };
        if let Some(bad) = indices.iter().find(|&&i| i as usize >= count) {
            return Err(invalid(format!(
                "index {bad} is out of range ({count} vertices)"
            )));
        }
        let mut triangles = triangulate(layout.mode, &indices);
        if triangles.is_empty() {
            return Ok(None);
        }

        // A mirroring transform turns counter-clockwise into clockwise: swap back.
        let linear = Mat3::from_mat4(*world);
        if linear.determinant() < 0.0 {
            for t in &mut triangles {
                t.swap(1, 2);
            }
        }

        let normals = match (layout.has_normals, reader.read_normals()) {
            (false, _) => None,
            (true, None) => return Err(missing("NORMAL")),
            (true, Some(read)) => world_normals(read, linear, count)?,
        };
        let tangents = match (layout.has_tangents, reader.read_tangents()) {
            (true, Some(read)) => world_tangents(read, linear, count),
            _ => None,
        };
        Ok(Some(PrimitiveData {
            positions,
            normals,
            tangents,
            uvs,
            triangles,
        }))
    }
}

/// The positions `read` (`count` of them) under `world`, all finite.
fn world_positions(
    read: impl Iterator<Item = [f32; 3]>,
    world: &Mat4,
    count: usize,
) -> Result<Vec<Vec3>, Problem> {
    let mut positions = Vec::with_capacity(count);
    for (i, p) in read.enumerate() {
        let p = Vec3::from(p);
        if !p.is_finite() {
            return Err(invalid(format!("POSITION {i} is not finite: {p}")));
        }
        let w = world.transform_point3(p);
        if !w.is_finite() {
            return Err(invalid(format!(
                "POSITION {i} is not finite after the node transform: {w}"
            )));
        }
        positions.push(w);
    }
    same_count("POSITION data", positions.len(), count)?;
    Ok(positions)
}

/// `TEXCOORD_0` as floats (`count` of them, all finite), or (0, 0) for every vertex.
fn tex_coords(
    read: Option<gltf::mesh::util::ReadTexCoords<'_>>,
    count: usize,
) -> Result<Vec<[f32; 2]>, Problem> {
    let uvs: Vec<[f32; 2]> = match read {
        Some(t) => t.into_f32().collect(),
        None => vec![[0.0; 2]; count],
    };
    same_count("TEXCOORD_0 data", uvs.len(), count)?;
    if let Some(i) = uvs.iter().position(|uv| !uv.iter().all(|c| c.is_finite())) {
        return Err(invalid(format!("TEXCOORD_0 {i} is not finite")));
    }
    Ok(uvs)
}

/// The normals `read` (`count` of them) under the node transform's linear part `linear`,
/// renormalised; `None` if any comes out zero, non-finite or degenerate (then flat normals
/// are computed instead).
fn world_normals(
    read: impl Iterator<Item = [f32; 3]>,
    linear: Mat3,
    count: usize,
) -> Result<Option<Vec<Vec3>>, Problem> {
    // The inverse-transpose of the linear part, as the cofactor matrix times sign(det)
    // (defined even when the matrix is singular).
    let (a, b, c) = (linear.x_axis, linear.y_axis, linear.z_axis);
    let sign = if linear.determinant() < 0.0 {
        -1.0
    } else {
        1.0
    };
    let cofactor = Mat3::from_cols(b.cross(c), c.cross(a), a.cross(b)) * sign;
    let normals: Vec<Vec3> = read
        .map(|n| (cofactor * Vec3::from(n)).normalize_or_zero())
        .collect();
    same_count("NORMAL data", normals.len(), count)?;
    Ok(normals
        .iter()
        .all(|n| n.is_finite() && (n.length_squared() - 1.0).abs() < 1e-3)
        .then_some(normals))
}

/// The tangents `read` (`count` of them) under the node transform's linear part `linear`:
/// directions transformed and renormalised, the bitangent sign flipped by a mirroring
/// transform; `None` if any is zero, non-finite or degenerate.
fn world_tangents(
    read: impl Iterator<Item = [f32; 4]>,
    linear: Mat3,
    count: usize,
) -> Option<Vec<[f32; 4]>> {
    let flip = if linear.determinant() < 0.0 {
        -1.0
    } else {
        1.0
    };
    let tangents: Vec<[f32; 4]> = read
        .map(|[x, y, z, w]| {
            let t = (linear * Vec3::new(x, y, z)).normalize_or_zero();
            let sign = if w < 0.0 { -flip } else { flip };
            [t.x, t.y, t.z, sign]
        })
        .collect();
    (tangents.len() == count
        && tangents.iter().all(|t| {
            t.iter().all(|c| c.is_finite()) && t[0] * t[0] + t[1] * t[1] + t[2] * t[2] > 0.5
        }))
    .then_some(tangents)
}

/// Turns a triangle list, strip or fan into a list (glTF spec §3.7.2.1); a list's leftover
/// indices (fewer than 3) are ignored.
fn triangulate(mode: Mode, indices: &[u32]) -> Vec<[u32; 3]> {
    match mode {
        Mode::Triangles => indices
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .collect(),
        Mode::TriangleStrip => indices
            .windows(3)
            .enumerate()
            .map(|(i, w)| {
                if i.is_multiple_of(2) {
                    [w[0], w[1], w[2]]
                } else {
                    [w[0], w[2], w[1]]
                }
            })
            .collect(),
        Mode::TriangleFan => match indices.split_first() {
            Some((&centre, rest)) => rest.windows(2).map(|w| [w[0], w[1], centre]).collect(),
            None => Vec::new(),
        },
        _ => Vec::new(),
    }
}

#[cfg(test)]
// Exact float comparisons are intended (copied values, transforms by 0 and ±1), and the
// geometry reads best with x, y, z, u, v, n.
#[allow(clippy::float_cmp, clippy::many_single_char_names)]
mod tests {
    use crate::render3d::geometry::cross;
    use crate::render3d::geometry::inspect::{
        assert_normals_near_face, dot, plain, sub, triangles, unit,
    };
    use crate::render3d::gltf::MeshError;
    use crate::render3d::gltf_testing::{Doc, TRIANGLE, load_bytes, one_primitive};

    #[test]
    fn index_out_of_range_is_an_error() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let i = doc.indices_u32(&[0, 1, 5]);
        let rest = one_primitive(&format!(r#""POSITION":{p}"#), &format!(r#","indices":{i}"#));
        let e = load_bytes("oob.glb", &doc.glb(&rest)).unwrap_err();
        assert!(matches!(e, MeshError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("index 5 is out of range"), "{e}");
    }

    #[test]
    fn non_finite_position_is_an_error() {
        let mut doc = Doc::default();
        let mut data = TRIANGLE;
        data[4] = f32::NAN;
        let p = doc.floats(&data, "VEC3");
        let e = load_bytes(
            "nan.glb",
            &doc.glb(&one_primitive(&format!(r#""POSITION":{p}"#), "")),
        )
        .unwrap_err();
        assert!(matches!(e, MeshError::Invalid { .. }), "{e}");
        assert!(e.to_string().contains("not finite"), "{e}");
    }

    #[test]
    fn missing_indices_draw_vertices_in_order() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let n = doc.floats(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0], "VEC3");
        let uv = doc.floats(&[0.0, 0.0, 1.0, 0.0, 0.0, 1.0], "VEC2");
        let rest = one_primitive(
            &format!(r#""POSITION":{p},"NORMAL":{n},"TEXCOORD_0":{uv}"#),
            "",
        );
        let m = load_bytes("noindices.glb", &doc.glb(&rest)).unwrap();
        assert_eq!(m.indices, vec![0, 1, 2]);
        assert_eq!(m.vertices[1].uv, [1.0, 0.0]);
        assert_eq!(m.vertices[2].position, [0.0, 1.0, 0.0]);
        assert_eq!(m.parts[0].material.base_color_texture, None);
    }

    #[test]
    fn strips_and_fans_become_lists() {
        let mut doc = Doc::default();
        // A unit square as a strip (0,0) (1,0) (0,1) (1,1) and as a fan (0,0) (1,0) (1,1) (0,1).
        let strip = doc.floats(
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0],
            "VEC3",
        );
        let fan = doc.floats(
            &[0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0],
            "VEC3",
        );
        let rest = format!(
            r#""meshes":[{{"primitives":[{{"attributes":{{"POSITION":{strip}}},"mode":5}},{{"attributes":{{"POSITION":{fan}}},"mode":6}}]}}],"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}]"#
        );
        let m = load_bytes("strip.glb", &doc.glb(&rest)).unwrap();
        assert_eq!(m.parts.len(), 2);
        assert_eq!(m.parts[0].indices, 0..6);
        assert_eq!(m.parts[1].indices, 6..12);
        // Flat normals de-index, so compare positions: strip (0,1,2) (1,3,2); fan (1,2,0) (2,3,0).
        let pos: Vec<[f32; 2]> = m
            .indices
            .iter()
            .map(|&i| {
                let p = m.vertices[i as usize].position;
                [p[0], p[1]]
            })
            .collect();
        let expected = [
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [1.0, 0.0],
            [1.0, 1.0],
            [0.0, 0.0],
            [1.0, 1.0],
            [0.0, 1.0],
            [0.0, 0.0],
        ];
        assert_eq!(pos, expected);
        for t in triangles(&m, plain) {
            assert!(dot(t.face(), [0.0, 0.0, 1.0]) > 0.99999, "CCW from +Z");
            assert_eq!(t.normals, [[0.0, 0.0, 1.0]; 3]);
        }
    }

    #[test]
    fn sparse_accessors_are_read() {
        let mut doc = Doc::default();
        let p = doc.floats(&TRIANGLE, "VEC3");
        let indices = doc.view(&1u32.to_le_bytes(), "");
        let values: Vec<u8> = [2.0f32, 0.0, 0.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let values = doc.view(&values, "");
        // Accessor p with vertex 1 replaced by (2, 0, 0).
        let sparse = doc.accessor(format!(
            r#"{{"bufferView":{p},"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[2,1,0],
            "sparse":{{"count":1,"indices":{{"bufferView":{indices},"componentType":5125}},"values":{{"bufferView":{values}}}}}}}"#
        ));
        let rest = one_primitive(&format!(r#""POSITION":{sparse}"#), "");
        let m = load_bytes("sparse.glb", &doc.glb(&rest)).unwrap();
        let positions: Vec<_> = m.vertices.iter().map(|v| v.position).collect();
        assert_eq!(positions, [[0.0; 3], [2.0, 0.0, 0.0], [0.0, 1.0, 0.0]]);
    }

    /// A regular tetrahedron centred at the origin, 12 vertices, each face CCW from outside
    /// with its outward normal.
    fn tetrahedron() -> (Vec<f32>, Vec<f32>) {
        let v = [
            [1.0, 1.0, 1.0],
            [1.0, -1.0, -1.0],
            [-1.0, 1.0, -1.0],
            [-1.0, -1.0, 1.0],
        ];
        let (mut p, mut n) = (Vec::new(), Vec::new());
        for [a, mut b, mut c] in [[0, 1, 2], [0, 1, 3], [0, 2, 3], [1, 2, 3]] {
            let centroid = [0, 1, 2].map(|k| v[a][k] + v[b][k] + v[c][k]);
            let mut f = cross(sub(v[b], v[a]), sub(v[c], v[a]));
            if dot(f, centroid) < 0.0 {
                std::mem::swap(&mut b, &mut c);
                f = f.map(|x| -x);
            }
            let f = unit(f);
            for i in [a, b, c] {
                p.extend(v[i].map(|x| x as f32));
                n.extend(f.map(|x| x as f32));
            }
        }
        (p, n)
    }

    #[test]
    fn mirrored_node_keeps_ccw_and_outward_normals() {
        let (p, n) = tetrahedron();
        for with_normals in [true, false] {
            for scale in [[1.0, 1.0, 1.0], [-2.0, 1.0, 0.5], [-1.0, 1.0, 1.0]] {
                let mut doc = Doc::default();
                let pa = doc.floats(&p, "VEC3");
                let na = doc.floats(&n, "VEC3");
                let attributes = if with_normals {
                    format!(r#""POSITION":{pa},"NORMAL":{na}"#)
                } else {
                    format!(r#""POSITION":{pa}"#)
                };
                // A 90° turn about Y, then the (possibly mirroring, non-uniform) scale.
                let rest = format!(
                    r#""meshes":[{{"primitives":[{{"attributes":{{{attributes}}}}}]}}],"nodes":[{{"mesh":0,"rotation":[0,0.70710678,0,0.70710678],"scale":{scale:?}}}],"scenes":[{{"nodes":[0]}}]"#
                );
                let m = load_bytes("mirror.glb", &doc.glb(&rest)).unwrap();
                assert_eq!(m.indices.len(), 12);
                let tris = triangles(&m, plain);
                for t in &tris {
                    assert!(
                        dot(t.face(), t.centroid) > 0.0,
                        "scale {scale:?}: face turned inward"
                    );
                }
                // The inverse-transpose keeps normals perpendicular to the scaled faces.
                assert_normals_near_face(&tris, 0.99999, "tetrahedron");
            }
        }
    }
}
