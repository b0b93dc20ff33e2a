//! The 3D renderer on a real (software) GPU, checked against answers computed here,
//! independently of the renderer: where shadows must fall (ray casting the fixture's
//! geometry), exact colours of unlit and ambient-lit surfaces, and the frame model (shadow
//! maps redrawn only when something moved, nothing created in a steady frame).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; geometry reads best in its letters"
)]

mod common;

use std::fmt::Write as _;

use vivid::glam::Vec3;
use vivid::readback::FloatImage;
use vivid::{FrameTime, Target};

/// An axis-aligned box (min, max).
type Aabb = (Vec3, Vec3);

/// The fixture's occluders, in the order of [`SURFACES`] (edge 0.8, 1.5 from the light on
/// each axis), with occluder `moved` shifted by `shift`.
fn occluders(moved: usize, shift: Vec3) -> Vec<Aabb> {
    let light = Vec3::new(0.0, 3.0, 0.0);
    [
        Vec3::X,
        Vec3::NEG_X,
        Vec3::Y,
        Vec3::NEG_Y,
        Vec3::Z,
        Vec3::NEG_Z,
    ]
    .iter()
    .enumerate()
    .map(|(i, d)| {
        let c = light + *d * 1.5 + if i == moved { shift } else { Vec3::ZERO };
        (c - Vec3::splat(0.4), c + Vec3::splat(0.4))
    })
    .collect()
}

/// The occluders' instance names, in the order of [`SURFACES`].
const BOXES: [&str; 6] = ["box_px", "box_nx", "box_py", "box_ny", "box_pz", "box_nz"];

/// Ray-box intersection: the entry distance along `dir` (> 1e-4), if any.
fn hit_box(origin: Vec3, dir: Vec3, (lo, hi): Aabb) -> Option<f32> {
    let inv = dir.recip();
    let t1 = (lo - origin) * inv;
    let t2 = (hi - origin) * inv;
    let near = t1.min(t2).max_element();
    let far = t1.max(t2).min_element();
    (far >= near.max(1e-4)).then_some(near.max(1e-4))
}

/// The room's six surfaces: (inward normal, offset) with `normal · p = offset` on it.
const SURFACES: [(Vec3, f32); 6] = [
    (Vec3::NEG_X, -5.0), // x = 5
    (Vec3::X, -5.0),     // x = -5
    (Vec3::NEG_Y, -6.0), // y = 6 (ceiling)
    (Vec3::Y, 0.0),      // y = 0 (floor)
    (Vec3::NEG_Z, -5.0), // z = 5
    (Vec3::Z, -5.0),     // z = -5
];

/// What the camera ray of a pixel hits first: a room surface (its index) and the point.
fn cast(origin: Vec3, dir: Vec3, boxes: &[Aabb]) -> Option<(usize, Vec3)> {
    let mut best: Option<(f32, Option<usize>)> = None;
    for b in boxes {
        if let Some(t) = hit_box(origin, dir, *b)
            && best.is_none_or(|(bt, _)| t < bt)
        {
            best = Some((t, None));
        }
    }
    for (i, (n, d)) in SURFACES.iter().enumerate() {
        let denom = n.dot(dir);
        if denom >= 0.0 {
            continue;
        }
        let t = (d - n.dot(origin)) / denom;
        if t > 1e-4 && best.is_none_or(|(bt, _)| t < bt) {
            best = Some((t, Some(i)));
        }
    }
    let (t, surface) = best?;
    surface.map(|s| (s, origin + dir * t))
}

/// Whether the segment from `p` to the light crosses an occluder.
fn shadowed(p: Vec3, light: Vec3, boxes: &[Aabb]) -> bool {
    let d = light - p;
    boxes
        .iter()
        .any(|b| hit_box(p, d, *b).is_some_and(|t| t < 1.0))
}

/// The camera ray through the centre of pixel (x, y), as glam's `look_to_rh` and
/// `perspective_rh` project (what the camera operator documents).
fn ray(position: Vec3, target: Vec3, fov_deg: f32, w: u32, h: u32, x: u32, y: u32) -> Vec3 {
    let f = (target - position).normalize();
    let r = f.cross(Vec3::Y).normalize();
    let u = r.cross(f);
    let t = (fov_deg.to_radians() * 0.5).tan();
    let aspect = w as f32 / h as f32;
    let nx = (2.0 * (x as f32 + 0.5) / w as f32) - 1.0;
    let ny = 1.0 - (2.0 * (y as f32 + 0.5) / h as f32);
    (f + r * (nx * t * aspect) + u * (ny * t)).normalize()
}

fn luminance(p: [f32; 4]) -> f32 {
    0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]
}

fn render_fixture(sets: &[String]) -> FloatImage {
    let mut engine = common::engine();
    engine
        .load_project(&common::repo().join("testing-fixtures/shadow-point"), sets)
        .unwrap_or_else(|e| panic!("{e}"));
    common::render(&mut engine, 1, 60.0)
}

/// Pixels judged against the ray-cast silhouettes: shadowed where the light is occluded
/// (lit at under 0.6 of the shadows-off luminance), lit elsewhere.
#[derive(Default)]
struct ShadowTally {
    lit_ok: usize,
    dark_ok: usize,
    wrong: Vec<(u32, u32, Vec3, bool, f32)>,
}

impl ShadowTally {
    /// Judges pixel (x, y) showing world point `p`, expected shadowed or not, from its
    /// colour with shadows on and off.
    fn judge(&mut self, x: u32, y: u32, p: Vec3, expected: bool, on: [f32; 4], off: [f32; 4]) {
        let ratio = luminance(on) / luminance(off).max(1e-4);
        if (ratio < 0.6) != expected {
            self.wrong.push((x, y, p, expected, ratio));
        } else if expected {
            self.dark_ok += 1;
        } else {
            self.lit_ok += 1;
        }
    }

    /// At least 150 of each judged, at most 1 % wrong.
    #[track_caller]
    fn check(&self, what: &str) {
        let (lit, dark, wrong) = (self.lit_ok, self.dark_ok, &self.wrong);
        let total = lit + dark + wrong.len();
        assert!(
            dark >= 150 && lit >= 150,
            "{what}: too few pixels to judge (shadowed {dark}, lit {lit}): aim the camera better"
        );
        assert!(
            wrong.len() * 100 <= total,
            "{what}: {} of {total} pixels disagree with the silhouettes; first: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
    }
}

/// Renders the shadow-point room from `camera` looking at `target`, with and without
/// shadows, and checks every pixel of room surface `surface` whose shadow state is clear
/// (not within `margin` of a shadow edge) against the ray-cast answer.
///
/// The fixture is symmetric about the light, so a mirrored, rotated or swapped cube face
/// would cast the same shadows: the occluder of the face under test is moved off its axis
/// by different amounts along the face's two directions first.
fn check_face(surface: usize, camera: Vec3, target: Vec3) {
    let fov = 70.0;
    let (n, _) = SURFACES[surface];
    let (a, b) = if n.x != 0.0 {
        (Vec3::Y, Vec3::Z)
    } else if n.y != 0.0 {
        (Vec3::X, Vec3::Z)
    } else {
        (Vec3::X, Vec3::Y)
    };
    let shift = a * 0.35 + b * 0.15;
    let light = Vec3::new(0.0, 3.0, 0.0);
    let axis = [
        Vec3::X,
        Vec3::NEG_X,
        Vec3::Y,
        Vec3::NEG_Y,
        Vec3::Z,
        Vec3::NEG_Z,
    ][surface];
    let view = |v: Vec3| format!("[{}, {}, {}]", v.x, v.y, v.z);
    let mut sets = vec![
        format!(
            "{}.position={}",
            BOXES[surface],
            view(light + axis * 1.5 + shift)
        ),
        format!("camera.position={}", view(camera)),
        format!("camera.target={}", view(target)),
        format!("camera.fov={fov}"),
        "render.size=[200, 150]".to_string(),
        "render.antialias=false".to_string(),
    ];
    let on = render_fixture(&sets);
    sets.push("light.cast_shadows=false".into());
    let off = render_fixture(&sets);

    let boxes = occluders(surface, shift);
    // `a`, `b`: the surface's plane, for the edge margin.
    let margin = 0.12;
    let mut tally = ShadowTally::default();
    for y in 0..on.height {
        for x in 0..on.width {
            let dir = ray(camera, target, fov, on.width, on.height, x, y);
            let Some((s, p)) = cast(camera, dir, &boxes) else {
                continue;
            };
            if s != surface {
                continue;
            }
            let expected = shadowed(p, light, &boxes);
            let clear = [
                a,
                -a,
                b,
                -b,
                (a + b) * 0.7,
                (a - b) * 0.7,
                (b - a) * 0.7,
                -(a + b) * 0.7,
            ]
            .iter()
            .all(|o| shadowed(p + *o * margin, light, &boxes) == expected);
            if !clear {
                continue;
            }
            tally.judge(x, y, p, expected, on.at(x, y), off.at(x, y));
        }
    }
    tally.check(&format!("surface {surface}"));
}

#[test]
fn point_shadow_face_px_falls_where_the_silhouette_projects() {
    check_face(0, Vec3::new(1.0, 5.0, 4.2), Vec3::new(5.0, 3.0, 0.0));
}

#[test]
fn point_shadow_face_nx_falls_where_the_silhouette_projects() {
    check_face(1, Vec3::new(-1.0, 5.0, -4.2), Vec3::new(-5.0, 3.0, 0.0));
}

#[test]
fn point_shadow_face_py_falls_where_the_silhouette_projects() {
    check_face(2, Vec3::new(3.8, 1.0, 3.8), Vec3::new(0.0, 6.0, 0.0));
}

#[test]
fn point_shadow_face_ny_falls_where_the_silhouette_projects() {
    check_face(3, Vec3::new(3.8, 5.0, 3.8), Vec3::new(0.0, 0.0, 0.0));
}

#[test]
fn point_shadow_face_pz_falls_where_the_silhouette_projects() {
    check_face(4, Vec3::new(-4.2, 5.0, 1.0), Vec3::new(0.0, 3.0, 5.0));
}

#[test]
fn point_shadow_face_nz_falls_where_the_silhouette_projects() {
    check_face(5, Vec3::new(4.2, 5.0, -1.0), Vec3::new(0.0, 3.0, -5.0));
}

/// Runs `frames` frames of shadow-point with `sets`; the shadow passes of each frame and
/// the objects created after warm-up.
fn shadow_passes(sets: &[&str], frames: u64) -> (Vec<u64>, u64) {
    let mut engine = common::engine();
    let sets: Vec<String> = sets.iter().map(|s| (*s).to_string()).collect();
    engine
        .load_project(&common::repo().join("testing-fixtures/shadow-point"), &sets)
        .unwrap();
    engine.set_output_size(Some([64, 48])).unwrap();
    let passes: Vec<u64> = (0..frames)
        .map(|k| {
            let r = engine
                .render(
                    FrameTime {
                        time: k as f64 / 30.0,
                        frame: k,
                    },
                    Target::None,
                    false,
                )
                .unwrap();
            r.counters.get("shadow_passes")
        })
        .collect();
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    let stats = engine.stats();
    assert_eq!(
        stats
            .operator_counters
            .get("shadow_passes")
            .map(|c| c.last_frame),
        passes.last().copied()
    );
    (passes, stats.gpu_objects_created_after_warmup)
}

#[test]
fn a_static_scene_draws_its_shadows_once() {
    let (passes, created) = shadow_passes(&[], 30);
    assert_eq!(passes[0], 6, "the first frame draws the six cube faces");
    assert!(passes[1..].iter().all(|&p| p == 0), "{passes:?}");
    assert_eq!(created, 0);
}

#[test]
fn a_moving_camera_redraws_no_shadow() {
    let (passes, created) = shadow_passes(
        &["camera.position=[\"4 * cos(time)\", 4, \"4 * sin(time)\"]"],
        30,
    );
    assert_eq!(passes[0], 6);
    assert!(passes[1..].iter().all(|&p| p == 0), "{passes:?}");
    assert_eq!(created, 0, "an animated camera creates nothing");
}

#[test]
fn a_moving_light_or_caster_redraws_its_cube_every_frame() {
    let (passes, created) = shadow_passes(&["light.position=[\"0.5 * sin(time)\", 3, 0]"], 30);
    assert!(passes.iter().all(|&p| p == 6), "{passes:?}");
    assert_eq!(created, 0, "shadow passes create nothing");
    let (passes, created) = shadow_passes(&["box_px.rotate=[0, \"time * 40\", 0]"], 30);
    assert!(passes.iter().all(|&p| p == 6), "{passes:?}");
    assert_eq!(created, 0);
    // A mesh that casts no shadow moving does not redraw.
    let (passes, _) = shadow_passes(
        &[
            "box_px.cast_shadows=false",
            "box_px.rotate=[0, \"time * 40\", 0]",
        ],
        30,
    );
    assert!(passes[1..].iter().all(|&p| p == 0), "{passes:?}");
}

#[test]
fn unlit_and_ambient_colours_come_out_as_given() {
    // A plane filling the view, unlit: its colour exactly (display-referred).
    let toml = |shading: &str, color: &str, ambient: &str| {
        format!(
            r#"
output = "r"
[cam]
type = "camera"
position = [0, 2, 0]
target = [0, 0, 0.0001]
fov = 40
[ground]
type = "mesh"
kind = "plane"
size = [10, 1, 10]
color = {color}
[r]
type = "render3d"
size = [32, 24]
camera = "cam"
meshes = ["ground"]
shading = "{shading}"
ambient = {ambient}
environment_intensity = 0
"#
        )
    };
    let image = common::render_toml(&toml("unlit", "[0.5, 0.25, 1.0]", "[0, 0, 0]"));
    for p in &image.pixels {
        let rgb = [p[0], p[1], p[2]].map(|c| (c * 255.0).round() as i32);
        for (c, want) in rgb.iter().zip([128, 64, 255]) {
            assert!((c - want).abs() <= 1, "unlit {rgb:?}");
        }
    }
    // No light: a white surface shows the ambient colour.
    let image = common::render_toml(&toml("pbr", "[1, 1, 1]", "[0.3, 0.2, 0.1]"));
    for p in &image.pixels {
        let rgb = [p[0], p[1], p[2]].map(|c| (c * 255.0).round() as i32);
        for (c, want) in rgb.iter().zip([77, 51, 26]) {
            assert!((c - want).abs() <= 1, "ambient {rgb:?}");
        }
    }
}

/// Where light comes from, for the ray-cast answer.
#[derive(Clone, Copy)]
enum Source {
    /// A point (point and spot lights).
    At(Vec3),
    /// A direction the light travels (directional lights).
    Along(Vec3),
}

/// Renders `fixture` (a floor at y = 0 and one box) with and without shadows, seen from
/// above, and checks the floor's pixels against the ray-cast shadow of the box.
fn check_floor_shadow(fixture: &str, source: Source, shadow_box: Aabb, camera: Vec3, fov: f32) {
    let target = Vec3::new(camera.x, 0.0, camera.z - 0.001);
    let view = |v: Vec3| format!("[{}, {}, {}]", v.x, v.y, v.z);
    let mut sets = vec![
        format!("cam.position={}", view(camera)),
        format!("cam.target={}", view(target)),
        format!("cam.fov={fov}"),
        "render.antialias=false".to_string(),
    ];
    let render = |sets: &[String]| {
        let mut engine = common::engine();
        engine
            .load_project(&common::repo().join("testing-fixtures").join(fixture), sets)
            .unwrap_or_else(|e| panic!("{e}"));
        common::render(&mut engine, 1, 60.0)
    };
    let on = render(&sets);
    let light_name = if fixture.contains("spot") {
        "spot"
    } else {
        "sun"
    };
    sets.push(format!("{light_name}.cast_shadows=false"));
    let off = render(&sets);
    let occluded = |p: Vec3| match source {
        Source::At(l) => hit_box(p, l - p, shadow_box).is_some_and(|t| t < 1.0),
        Source::Along(d) => hit_box(p, -d * 100.0, shadow_box).is_some(),
    };
    let mut tally = ShadowTally::default();
    for y in 0..on.height {
        for x in 0..on.width {
            let dir = ray(camera, target, fov, on.width, on.height, x, y);
            if dir.y >= 0.0 {
                continue;
            }
            let t = -camera.y / dir.y;
            let p = camera + dir * t;
            if hit_box(camera, dir, shadow_box).is_some_and(|tb| tb < t) {
                continue;
            }
            let expected = occluded(p);
            let margin = 0.08;
            let clear = [Vec3::X, Vec3::NEG_X, Vec3::Z, Vec3::NEG_Z]
                .iter()
                .all(|o| occluded(p + *o * margin) == expected);
            if !clear {
                continue;
            }
            tally.judge(x, y, p, expected, on.at(x, y), off.at(x, y));
        }
    }
    tally.check(fixture);
}

#[test]
fn spot_shadow_falls_where_the_silhouette_projects() {
    let c = Vec3::new(1.2, 0.5, 0.6);
    check_floor_shadow(
        "shadow-spot",
        Source::At(Vec3::new(0.0, 5.0, 0.0)),
        (c - Vec3::splat(0.5), c + Vec3::splat(0.5)),
        Vec3::new(1.8, 8.0, 0.9),
        35.0,
    );
}

#[test]
fn directional_shadow_falls_where_the_silhouette_projects() {
    check_floor_shadow(
        "shadow-directional",
        Source::Along(Vec3::new(1.0, -1.0, 0.0).normalize()),
        (Vec3::new(-0.2, 0.0, -0.2), Vec3::new(0.2, 2.0, 0.2)),
        Vec3::new(1.0, 8.0, 0.0),
        40.0,
    );
}

#[test]
fn four_shadowed_point_lights_each_cast_their_own_shadow() {
    // A box on a floor between four point lights: four shadows fanning out.
    let lights = [
        Vec3::new(2.5, 3.0, 2.0),
        Vec3::new(-2.0, 2.5, 2.5),
        Vec3::new(-2.5, 3.5, -2.0),
        Vec3::new(2.0, 2.0, -2.5),
    ];
    let mut toml = String::from(
        r#"
output = "r"
[cam]
type = "camera"
position = [0, 9, 0.001]
target = [0, 0, 0]
fov = 60
[floor]
type = "mesh"
kind = "plane"
size = [14, 1, 14]
roughness = 1.0
[block]
type = "mesh"
kind = "box"
size = [1, 1.2, 1]
position = [0, 0.6, 0]
[r]
type = "render3d"
size = [200, 200]
camera = "cam"
meshes = ["floor", "block"]
lights = ["l0", "l1", "l2", "l3"]
antialias = false
ambient = [0.05, 0.05, 0.05]
environment_intensity = 0
"#,
    );
    for (i, l) in lights.iter().enumerate() {
        writeln!(
            toml,
            "[l{i}]\ntype = \"point_light\"\nposition = [{}, {}, {}]\nintensity = 12\nshadow_resolution = 512",
            l.x, l.y, l.z
        )
        .unwrap();
    }
    let mut engine = common::engine();
    engine.set_chain(&common::desc(&toml)).unwrap();
    let report = engine
        .render(FrameTime::default(), Target::None, false)
        .unwrap();
    assert_eq!(
        report.counters.get("shadow_passes"),
        24,
        "four cube maps of six faces"
    );
    // Each light alone (the others dark, but still casting: all four cube maps are made
    // and bound), with and without its shadow.
    let mut renders = Vec::new();
    for k in 0..4 {
        for i in 0..4 {
            let intensity = if i == k { 12.0f32 } else { 0.0 };
            engine
                .set_param(&format!("l{i}"), "intensity", intensity)
                .unwrap();
        }
        let on = common::render(&mut engine, 1, 60.0);
        engine
            .set_param(&format!("l{k}"), "cast_shadows", false)
            .unwrap();
        let off = common::render(&mut engine, 1, 60.0);
        engine
            .set_param(&format!("l{k}"), "cast_shadows", true)
            .unwrap();
        renders.push((on, off));
    }

    let block = (Vec3::new(-0.5, 0.0, -0.5), Vec3::new(0.5, 1.2, 0.5));
    let camera = Vec3::new(0.0, 9.0, 0.001);
    let target = Vec3::ZERO;
    for (k, (on, off)) in renders.iter().enumerate() {
        let (mut lit, mut dark, mut wrong) = (0, 0, Vec::new());
        for y in 0..on.height {
            for x in 0..on.width {
                let dir = ray(camera, target, 60.0, on.width, on.height, x, y);
                let t = -camera.y / dir.y;
                let p = camera + dir * t;
                if hit_box(camera, dir, block).is_some_and(|tb| tb < t)
                    || p.x.abs() > 6.5
                    || p.z.abs() > 6.5
                {
                    continue;
                }
                let occluded = |q: Vec3| hit_box(q, lights[k] - q, block).is_some_and(|t| t < 1.0);
                let expected = occluded(p);
                let clear = [Vec3::X, Vec3::NEG_X, Vec3::Z, Vec3::NEG_Z]
                    .iter()
                    .all(|o| occluded(p + *o * 0.1) == expected);
                if !clear {
                    continue;
                }
                let ratio = luminance(on.at(x, y)) / luminance(off.at(x, y)).max(1e-4);
                match (expected, ratio < 0.6) {
                    (true, true) => dark += 1,
                    (false, false) => lit += 1,
                    _ => wrong.push((x, y, ratio)),
                }
            }
        }
        assert!(
            dark >= 200 && lit >= 1000,
            "light {k}: shadowed {dark}, lit {lit}"
        );
        assert!(
            wrong.len() * 100 <= dark + lit,
            "light {k}: {} pixels disagree; first: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(5)]
        );
    }
}

#[test]
fn removed_meshes_and_lights_free_their_memory_at_once() {
    let dir = common::repo().join("testing-fixtures/shadow-point");
    let mut engine = common::engine();
    engine.load_project(&dir, &[]).unwrap();
    engine.set_output_size(Some([64, 48])).unwrap();
    common::render(&mut engine, 2, 60.0);
    let before = engine.gpu().counts().snapshot();
    // The same room without its boxes and without the light: no frame rendered after.
    let text = std::fs::read_to_string(dir.join("chain.toml")).unwrap();
    let text = text
        .split("\n[box_px]")
        .next()
        .unwrap()
        .replace(
            "\"box_px\", \"box_nx\", \"box_py\", \"box_ny\", \"box_pz\", \"box_nz\"",
            "",
        )
        .replace("lights = [\"light\"]", "lights = []")
        .replace(
            "[light]\ntype = \"point_light\"",
            "[light]\ntype = \"camera\"",
        );
    let text = text
        .lines()
        .filter(|l| {
            !l.starts_with("intensity")
                && !l.starts_with("range")
                && !l.starts_with("cast_shadows")
                && !l.starts_with("color = [1.0, 1.0, 1.0]")
        })
        .collect::<Vec<_>>()
        .join("\n");
    engine
        .set_chain(&vivid::project::parse_chain(&dir.join("chain.toml"), &text))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let after = engine.gpu().counts().snapshot();
    // Six box geometries (vertex + index buffers) and the light's cube map went at once.
    assert!(
        after.live_buffers <= before.live_buffers - 12,
        "buffers {} -> {}",
        before.live_buffers,
        after.live_buffers
    );
    assert!(
        after.texture_bytes < before.texture_bytes - 6 * 1024 * 1024 * 4 + 1,
        "texture bytes {} -> {}",
        before.texture_bytes,
        after.texture_bytes
    );
}

#[test]
fn references_can_change_while_running() {
    let mut engine = common::engine();
    engine
        .load_project(&common::repo().join("testing-fixtures/shadow-point"), &[])
        .unwrap();
    engine.set_output_size(Some([64, 48])).unwrap();
    let all = common::render(&mut engine, 1, 60.0);
    engine
        .set_param(
            "render",
            "meshes",
            vivid::params::RawValue::Array(vec!["floor".into()]),
        )
        .unwrap();
    let floor_only = common::render(&mut engine, 1, 60.0);
    assert_ne!(all.pixels, floor_only.pixels);
    let err = engine
        .set_param(
            "render",
            "meshes",
            vivid::params::RawValue::Array(vec!["light".into()]),
        )
        .expect_err("a light is not a mesh");
    assert!(err.to_string().contains("`light` is not a mesh"), "{err}");
    let err = engine
        .set_param("render", "camera", "nobody")
        .expect_err("no such camera");
    assert!(err.to_string().contains("no camera `nobody`"), "{err}");
}
