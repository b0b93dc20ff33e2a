//! Shadow maps of `render3d`: the matrices of each light's depth passes, and where each map
//! is sampled.
//!
//! A point light's shadow is a depth cube map (6 layers of a square `Depth32Float`
//! texture), each face rendered through a 90° perspective. The faces must match how the GPU
//! *samples* a cube (Vulkan's table "cube map face selection": face +X is layer 0 and maps
//! direction `d` to `s = ½(−d.z/|d.x| + 1)`, `t = ½(−d.y/|d.x| + 1)`, and so on), where `t`
//! runs down the image rows; wgpu puts NDC `y = +1` on row 0. So each face's view has rows
//! (R, U, −F) with R·d = s-axis, U·d = −t-axis: a *reflection* for every face (cube lookups
//! are left-handed), which flips triangle winding — the shadow pass culls nothing.
//! [`FACES`] holds the six bases; the unit tests check them against the sampling table.
//!
//! Depth stored for a point light is the face's perspective depth (near 0.05, far = its
//! range); the main pass recomputes it from the major axis of `p − light`:
//! `far·(m − near) / (m·(far − near))` ([`cube_depth`]).

use vivid_engine::glam::{Mat4, Vec3, Vec4};
use vivid_engine::scene::{LightItem, LightKind};

/// Near plane of point and spot shadow projections.
pub const SHADOW_NEAR: f32 = 0.05;

/// (R, U, F) of the six cube faces in layer order +X, −X, +Y, −Y, +Z, −Z.
pub const FACES: [(Vec3, Vec3, Vec3); 6] = [
    (Vec3::NEG_Z, Vec3::Y, Vec3::X),
    (Vec3::Z, Vec3::Y, Vec3::NEG_X),
    (Vec3::X, Vec3::NEG_Z, Vec3::Y),
    (Vec3::X, Vec3::Z, Vec3::NEG_Y),
    (Vec3::X, Vec3::Y, Vec3::Z),
    (Vec3::NEG_X, Vec3::Y, Vec3::NEG_Z),
];

/// The view matrix with rows (R, U, −F) at `eye`.
fn basis_view(eye: Vec3, r: Vec3, u: Vec3, f: Vec3) -> Mat4 {
    Mat4::from_cols(
        Vec4::new(r.x, u.x, -f.x, 0.0),
        Vec4::new(r.y, u.y, -f.y, 0.0),
        Vec4::new(r.z, u.z, -f.z, 0.0),
        Vec4::new(-r.dot(eye), -u.dot(eye), f.dot(eye), 1.0),
    )
}

/// View-projection of cube face `face` (0..6) of a point light at `position` reaching `far`.
#[must_use]
pub fn cube_face_view_proj(position: Vec3, far: f32, face: usize) -> Mat4 {
    let (r, u, f) = FACES[face % 6];
    let proj = Mat4::perspective_rh(
        std::f32::consts::FRAC_PI_2,
        1.0,
        SHADOW_NEAR,
        far.max(SHADOW_NEAR * 2.0),
    );
    proj * basis_view(position, r, u, f)
}

/// The depth a cube face stores for a point at offset `d` from the light.
#[must_use]
pub fn cube_depth(d: Vec3, far: f32) -> f32 {
    let far = far.max(SHADOW_NEAR * 2.0);
    let m = d.abs().max_element().max(1e-6);
    far * (m - SHADOW_NEAR) / (m * (far - SHADOW_NEAR))
}

/// A direction's up vector that is not parallel to it.
fn up_for(dir: Vec3) -> Vec3 {
    if dir.cross(Vec3::Y).length_squared() < 1e-6 {
        Vec3::Z
    } else {
        Vec3::Y
    }
}

/// A spot light's view-projection (a square frustum just wider than its cone) and the
/// factor giving a texel's world size at distance 1 from the light.
#[must_use]
pub fn spot_view_proj(light: &LightItem) -> (Mat4, f32) {
    let half = (light.angle * 1.05 + 0.02).min(1.55);
    let far = light.range.clamp(SHADOW_NEAR * 2.0, 1.0e6);
    let proj = Mat4::perspective_rh(2.0 * half, 1.0, SHADOW_NEAR, far);
    let view = Mat4::look_to_rh(light.position, light.direction, up_for(light.direction));
    let texel = 2.0 * half.tan() / light.shadow_resolution.max(1) as f32;
    (proj * view, texel)
}

/// A directional light's orthographic view-projection around the sphere (`centre`,
/// `radius`) that holds the scene, and a texel's world size.
#[must_use]
pub fn directional_view_proj(light: &LightItem, centre: Vec3, radius: f32) -> (Mat4, f32) {
    let r = radius.max(1e-3);
    let eye = centre - light.direction * (2.0 * r);
    let view = Mat4::look_to_rh(eye, light.direction, up_for(light.direction));
    let proj = Mat4::orthographic_rh(-r, r, -r, r, 0.5 * r, 3.5 * r);
    (proj * view, 2.0 * r / light.shadow_resolution.max(1) as f32)
}

/// How many shadow maps of each kind `render3d` can sample at once.
pub const MAX_CUBE_SHADOWS: usize = 8;
/// See [`MAX_CUBE_SHADOWS`].
pub const MAX_2D_SHADOWS: usize = 4;

/// Which texture a light's shadow is in: a cube slot (point lights) or a 2D slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ShadowSlot {
    /// `cube{n}` in the shader.
    Cube(usize),
    /// `map{n}` in the shader.
    Flat(usize),
}

/// Gives shadow slots to the shadow-casting lights among `lights`, in order, while slots
/// last. `None` for lights without a shadow.
pub fn assign_slots<'a>(
    lights: impl Iterator<Item = &'a LightItem>,
) -> impl Iterator<Item = Option<ShadowSlot>> {
    let (mut cubes, mut flats) = (0, 0);
    lights.map(move |l| {
        if !l.cast_shadows {
            return None;
        }
        match l.kind {
            LightKind::Point if cubes < MAX_CUBE_SHADOWS => {
                cubes += 1;
                Some(ShadowSlot::Cube(cubes - 1))
            }
            LightKind::Spot | LightKind::Directional if flats < MAX_2D_SHADOWS => {
                flats += 1;
                Some(ShadowSlot::Flat(flats - 1))
            }
            _ => None,
        }
    })
}

#[cfg(test)]
#[allow(
    clippy::many_single_char_names,
    reason = "geometry reads best in its letters"
)]
mod tests {
    use super::*;

    /// Vulkan's cube map face selection: (layer, s, t) of a direction.
    fn sample_face(d: Vec3) -> (usize, f32, f32) {
        let a = d.abs();
        let (layer, sc, tc, ma) = if a.x >= a.y && a.x >= a.z {
            if d.x > 0.0 {
                (0, -d.z, -d.y, a.x)
            } else {
                (1, d.z, -d.y, a.x)
            }
        } else if a.y >= a.z {
            if d.y > 0.0 {
                (2, d.x, d.z, a.y)
            } else {
                (3, d.x, -d.z, a.y)
            }
        } else if d.z > 0.0 {
            (4, d.x, -d.y, a.z)
        } else {
            (5, -d.x, -d.y, a.z)
        };
        (layer, 0.5 * (sc / ma + 1.0), 0.5 * (tc / ma + 1.0))
    }

    #[test]
    fn every_face_renders_where_the_cube_is_sampled() {
        let light = Vec3::new(0.3, 3.0, -1.0);
        let far = 20.0;
        // Directions spread over the sphere (not on face edges).
        for i in 0..500 {
            let t = i as f32 * 0.618_034;
            let z = 1.0 - 2.0 * ((i as f32 + 0.5) / 500.0);
            let r = (1.0 - z * z).sqrt();
            let d = Vec3::new(
                r * (t * std::f32::consts::TAU).cos(),
                z,
                r * (t * std::f32::consts::TAU).sin(),
            );
            let p = light + d * 2.7;
            let (layer, s, tt) = sample_face(d);
            let clip = cube_face_view_proj(light, far, layer) * p.extend(1.0);
            let ndc = clip.truncate() / clip.w;
            // Rendered pixel position: u = (x + 1) / 2, v = (1 − y) / 2 (row 0 at the top).
            let (u, v) = (0.5 * (ndc.x + 1.0), 0.5 * (1.0 - ndc.y));
            assert!(
                (u - s).abs() < 1e-4 && (v - tt).abs() < 1e-4,
                "face {layer}: ({u}, {v}) vs ({s}, {tt}) for {d}"
            );
            assert!((0.0..=1.0).contains(&ndc.z), "depth {}", ndc.z);
            assert!(
                (ndc.z - cube_depth(p - light, far)).abs() < 1e-5,
                "depth of face {layer}"
            );
            // Other faces do not see it in front of them.
            for other in (0..6).filter(|&f| f != layer) {
                let c = cube_face_view_proj(light, far, other) * p.extend(1.0);
                let n = c.truncate() / c.w;
                let inside = c.w > 0.0 && n.x.abs() < 0.999 && n.y.abs() < 0.999;
                assert!(!inside, "{d} also inside face {other}");
            }
        }
    }

    #[test]
    fn depth_grows_with_distance_and_spans_near_to_far() {
        assert!(cube_depth(Vec3::X * SHADOW_NEAR, 20.0).abs() < 1e-6);
        assert!((cube_depth(Vec3::NEG_Z * 20.0, 20.0) - 1.0).abs() < 1e-6);
        assert!(cube_depth(Vec3::Y * 2.0, 20.0) < cube_depth(Vec3::Y * 3.0, 20.0));
    }

    #[test]
    fn slots_run_out_in_order() {
        let mut lights = vec![
            LightItem {
                kind: LightKind::Point,
                position: Vec3::ZERO,
                direction: Vec3::NEG_Y,
                color: Vec3::ONE,
                intensity: 1.0,
                range: 10.0,
                angle: 0.5,
                blend: 0.1,
                cast_shadows: true,
                shadow_bias: 0.01,
                shadow_resolution: 64,
                shadow_softness: 1.0,
            };
            11
        ];
        lights[1].cast_shadows = false;
        lights[2].kind = LightKind::Spot;
        let slots: Vec<_> = assign_slots(lights.iter()).collect();
        assert_eq!(slots[0], Some(ShadowSlot::Cube(0)));
        assert_eq!(slots[1], None);
        assert_eq!(slots[2], Some(ShadowSlot::Flat(0)));
        assert_eq!(slots[3], Some(ShadowSlot::Cube(1)));
        assert_eq!(slots[9], Some(ShadowSlot::Cube(7)));
        assert_eq!(slots[10], None, "a ninth point light has no cube left");
        assert_eq!(
            slots
                .iter()
                .filter(|s| matches!(s, Some(ShadowSlot::Cube(_))))
                .count(),
            8
        );
    }

    #[test]
    fn spot_and_directional_projections_contain_what_they_light() {
        let spot = LightItem {
            kind: LightKind::Spot,
            position: Vec3::new(0.0, 4.0, 0.0),
            direction: Vec3::NEG_Y,
            color: Vec3::ONE,
            intensity: 1.0,
            range: 10.0,
            angle: 0.4,
            blend: 0.1,
            cast_shadows: true,
            shadow_bias: 0.01,
            shadow_resolution: 512,
            shadow_softness: 1.0,
        };
        let (m, texel) = spot_view_proj(&spot);
        // A point at the edge of the cone, 3 units below.
        let p = Vec3::new(3.0 * 0.4f32.tan() * 0.99, 1.0, 0.0);
        let c = m * p.extend(1.0);
        let n = c.truncate() / c.w;
        assert!(
            n.x.abs() < 1.0 && n.y.abs() < 1.0 && (0.0..1.0).contains(&n.z),
            "{n}"
        );
        assert!(texel > 0.0);
        let sun = LightItem {
            kind: LightKind::Directional,
            direction: Vec3::new(-0.3, -1.0, 0.2).normalize(),
            ..spot
        };
        let (m, _) = directional_view_proj(&sun, Vec3::new(1.0, 0.0, 2.0), 5.0);
        for corner in [
            Vec3::new(5.9, 0.0, 2.0),
            Vec3::new(1.0, 4.9, 2.0),
            Vec3::new(1.0, -4.9, 2.0),
        ] {
            let c = m * corner.extend(1.0);
            let n = c.truncate() / c.w;
            assert!(
                n.x.abs() <= 1.0 && n.y.abs() <= 1.0 && (0.0..=1.0).contains(&n.z),
                "{corner}: {n}"
            );
        }
    }
}
