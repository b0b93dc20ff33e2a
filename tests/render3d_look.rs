//! How `render3d` looks, against answers known without the renderer: image-based light
//! (a white surface under a uniform environment shows it — any roughness, metal or not; a
//! mirror shows the environment in the reflected direction; the background is the
//! environment), soft shadows (fully lit and fully shadowed points unchanged by the
//! softness, the penumbra widening with it), glTF material maps (a normal map turns the
//! shading by its texel's normal, emissive adds its colour exactly, alpha MASK drops texels
//! under the cutoff, BLEND mixes by alpha, occlusion scales the ambient light), and the
//! frame model (the environment prefiltered once, nothing created in steady frames).

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    clippy::many_single_char_names,
    reason = "tests: a failed unwrap is a failed test; geometry reads best in its letters"
)]

mod common;

use vivid::glam::Vec3;
use vivid::readback::FloatImage;
use vivid::{FrameTime, Target};

/// The display-referred (sRGB-encoded) value of linear `c`.
fn srgb(c: f32) -> f32 {
    if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    }
}

/// The linear value of display-referred `c`.
fn linear(c: f32) -> f32 {
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// The camera ray through the centre of pixel (x, y) (glam's `look_to_rh` and
/// `perspective_rh`, up +Y).
fn ray(position: Vec3, target: Vec3, fov_deg: f32, w: u32, h: u32, x: u32, y: u32) -> Vec3 {
    let f = (target - position).normalize();
    let r = f.cross(Vec3::Y).normalize();
    let u = r.cross(f);
    let t = (fov_deg.to_radians() * 0.5).tan();
    let nx = (2.0 * (x as f32 + 0.5) / w as f32) - 1.0;
    let ny = 1.0 - (2.0 * (y as f32 + 0.5) / h as f32);
    (f + r * (nx * t * w as f32 / h as f32) + u * (ny * t)).normalize()
}

/// Where a ray from `o` along unit `d` enters the unit sphere at the origin, if it does with
/// at least `margin` to spare from its silhouette (|closest approach| < 1 − margin).
fn hit_sphere(o: Vec3, d: Vec3, margin: f32) -> Option<Vec3> {
    let b = o.dot(d);
    let c = o.length_squared() - 1.0;
    let closest = (o - d * b).length();
    if closest > 1.0 - margin {
        return None;
    }
    let t = -b - (b * b - c).sqrt();
    Some(o + d * t)
}

/// A Radiance HDR file of `w`×`h` with radiance `f(direction)` at each texel's centre, in
/// vivid's equirectangular mapping (u = 0.5 looks towards −Z, u grows towards +X; v = 0 is
/// straight up) — written by the `image` crate's encoder.
fn hdr_file(path: &std::path::Path, w: u32, h: u32, f: impl Fn(Vec3) -> [f32; 3]) {
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for y in 0..h {
        for x in 0..w {
            let phi = ((x as f32 + 0.5) / w as f32 - 0.5) * std::f32::consts::TAU;
            let theta = (y as f32 + 0.5) / h as f32 * std::f32::consts::PI;
            let d = Vec3::new(
                theta.sin() * phi.sin(),
                theta.cos(),
                -theta.sin() * phi.cos(),
            );
            pixels.push(image::Rgb(f(d)));
        }
    }
    let file = std::fs::File::create(path).unwrap();
    image::codecs::hdr::HdrEncoder::new(std::io::BufWriter::new(file))
        .encode(&pixels, w as usize, h as usize)
        .unwrap();
}

/// Renders `toml` (chain.toml text) in `dir`, one frame.
fn render_in(dir: &std::path::Path, toml: &str) -> FloatImage {
    std::fs::write(dir.join("chain.toml"), toml).unwrap();
    let mut engine = common::engine();
    engine
        .load_project(dir, &[])
        .unwrap_or_else(|e| panic!("{e}"));
    common::render(&mut engine, 1, 60.0)
}

/// A scene of one unit sphere at the origin seen from +Z, 48×48, tone map `none`, no
/// antialiasing; `render` and `sphere` add their own lines.
fn sphere_scene(render: &str, sphere: &str) -> String {
    format!(
        r#"
output = "r"
[cam]
type = "camera"
position = [0, 0, 3.5]
target = [0, 0, 0]
fov = 40
[ball]
type = "mesh"
kind = "sphere"
radius = 1
{sphere}
[r]
type = "render3d"
size = [48, 48]
camera = "cam"
meshes = ["ball"]
tonemap = "none"
antialias = false
{render}
"#
    )
}

const EYE: Vec3 = Vec3::new(0.0, 0.0, 3.5);

/// Checks every pixel well inside the sphere against `expected(normal, view ray)` (linear
/// RGB), within `tol` in display values; returns how many were checked.
fn check_sphere(
    image: &FloatImage,
    tol: f32,
    what: &str,
    expected: impl Fn(Vec3, Vec3) -> [f32; 3],
) -> usize {
    let mut checked = 0;
    for y in 0..image.height {
        for x in 0..image.width {
            let d = ray(EYE, Vec3::ZERO, 40.0, image.width, image.height, x, y);
            let Some(p) = hit_sphere(EYE, d, 0.08) else {
                continue;
            };
            let want = expected(p, d).map(srgb);
            let got = image.at(x, y);
            for c in 0..3 {
                assert!(
                    (got[c] - want[c]).abs() <= tol,
                    "{what}: pixel ({x}, {y}) normal {p}: {got:?} vs {want:?}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 300, "{what}: {checked} pixels");
    checked
}

#[test]
fn a_white_surface_under_a_uniform_environment_shows_it() {
    // White furnace: the irradiance of a constant environment of radiance L is πL, so a
    // white Lambertian surface shows L; with the split sum's multiple-scattering
    // compensation the same holds for any roughness, dielectric or metal.
    let dir = tempfile::tempdir().unwrap();
    let l = 0.45f32;
    hdr_file(&dir.path().join("grey.hdr"), 64, 32, |_| [l; 3]);
    for (metallic, roughness) in [(0.0, 1.0), (0.0, 0.5), (0.0, 0.0), (1.0, 0.3), (1.0, 1.0)] {
        let image = render_in(
            dir.path(),
            &sphere_scene(
                r#"environment = "grey.hdr""#,
                &format!("metallic = {metallic}\nroughness = {roughness}"),
            ),
        );
        check_sphere(
            &image,
            1.5 / 255.0,
            &format!("file, metallic {metallic} roughness {roughness}"),
            |_, _| [l; 3],
        );
    }
    // The procedural sky made uniform: the same.
    let g = srgb(0.3);
    let image = common::render_toml(&sphere_scene(
        &format!(
            "sky_color = [{g}, {g}, {g}]\nhorizon_color = [{g}, {g}, {g}]\nground_color = [{g}, {g}, {g}]\nsun_intensity = 0\nenvironment_intensity = 2"
        ),
        "roughness = 0.7",
    ));
    check_sphere(&image, 1.5 / 255.0, "uniform sky", |_, _| [0.6; 3]);
}

/// A smooth environment: radiance linear in the direction.
fn gradient(d: Vec3) -> [f32; 3] {
    [0.5 + 0.4 * d.x, 0.5 + 0.4 * d.y, 0.5 + 0.4 * d.z]
}

/// `d` turned about +Y by `degrees` (counter-clockwise seen from above).
fn turn(d: Vec3, degrees: f32) -> Vec3 {
    vivid::glam::Quat::from_rotation_y(degrees.to_radians()) * d
}

#[test]
fn a_mirror_shows_the_environment_in_the_reflected_direction() {
    let dir = tempfile::tempdir().unwrap();
    hdr_file(&dir.path().join("gradient.hdr"), 256, 128, gradient);
    for rotation in [0.0f32, 90.0] {
        let image = render_in(
            dir.path(),
            &sphere_scene(
                &format!(
                    "environment = \"gradient.hdr\"\nenvironment_rotation = {rotation}\nbackground = \"environment\""
                ),
                "metallic = 1\nroughness = 0",
            ),
        );
        // Turning the environment by θ shows at world direction r what it holds at r
        // turned back by θ.
        let n = check_sphere(&image, 2.5 / 255.0, "mirror", |p, d| {
            let r = d - 2.0 * d.dot(p) * p;
            gradient(turn(r, -rotation))
        });
        assert!(n > 300);
        // The background: the environment itself, along each pixel's ray.
        let mut background = 0;
        for y in 0..image.height {
            for x in 0..image.width {
                let d = ray(EYE, Vec3::ZERO, 40.0, image.width, image.height, x, y);
                let closest = (EYE - d * EYE.dot(d)).length();
                if closest < 1.1 {
                    continue;
                }
                let want = gradient(turn(d, -rotation)).map(srgb);
                let got = image.at(x, y);
                for c in 0..3 {
                    assert!(
                        (got[c] - want[c]).abs() < 2.5 / 255.0,
                        "background ({x}, {y}): {got:?} vs {want:?}"
                    );
                }
                background += 1;
            }
        }
        assert!(background > 500, "{background}");
    }
}

#[test]
fn the_environment_is_prefiltered_once_and_steady_frames_create_nothing() {
    let run = |sets: &[&str], frames: u64| -> (Vec<u64>, u64) {
        let mut engine = common::engine();
        let sets: Vec<String> = sets.iter().map(|s| (*s).to_string()).collect();
        engine
            .load_project(&common::repo().join("examples/06-3d-shadows"), &sets)
            .unwrap();
        engine.set_output_size(Some([48, 32])).unwrap();
        let counts = (0..frames)
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
                r.counters.get("environment_prefilters")
            })
            .collect();
        assert!(engine.errors().is_empty(), "{:?}", engine.errors());
        (counts, engine.stats().gpu_objects_created_after_warmup)
    };
    let (counts, created) = run(&[], 20);
    assert_eq!(counts[0], 1, "the first frame prefilters");
    assert!(counts[1..].iter().all(|&c| c == 0), "{counts:?}");
    assert_eq!(created, 0);
    // An animated sun: prefiltered every frame, still nothing created.
    let (counts, created) = run(&["render.sun_direction=[\"sin(time)\", -1, 0]"], 20);
    assert!(counts.iter().all(|&c| c == 1), "{counts:?}");
    assert_eq!(created, 0);
}

#[test]
fn an_edited_environment_file_is_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("env.hdr");
    hdr_file(&path, 32, 16, |_| [0.2; 3]);
    let toml = sphere_scene(
        "environment = \"env.hdr\"\nbackground = \"environment\"",
        "",
    );
    std::fs::write(dir.path().join("chain.toml"), &toml).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let before = common::render(&mut engine, 2, 60.0);
    hdr_file(&path, 32, 16, |_| [0.6; 3]);
    let _ = engine.files_changed(std::slice::from_ref(&path));
    let after = common::render(&mut engine, 2, 60.0);
    let corner = |i: &FloatImage| i.at(0, 0)[0];
    assert!((corner(&before) - srgb(0.2)).abs() < 2.0 / 255.0);
    assert!((corner(&after) - srgb(0.6)).abs() < 2.0 / 255.0);
    // A broken file: an error, and the last good environment keeps showing.
    std::fs::write(&path, b"#?RADIANCE\nnot really\n").unwrap();
    let _ = engine.files_changed(&[path]);
    engine.set_capture(true);
    for k in 0..2 {
        let _ = engine.render(
            FrameTime {
                time: k as f64,
                frame: 10 + k,
            },
            Target::None,
            k == 1,
        );
    }
    assert!(!engine.errors().is_empty(), "a broken HDR is reported");
    let still = engine.read_output().unwrap();
    assert!((corner(&still) - srgb(0.6)).abs() < 2.0 / 255.0);
}

#[test]
fn an_environment_picture_is_decoded_off_the_render_thread() {
    // 4096×2048 texels (the largest kept whole): decoding, converting and packing them takes
    // far longer than a frame. Until they are there a black stand-in shows (as an `image`
    // shows transparent before its first picture), and frames go on.
    let dir = tempfile::tempdir().unwrap();
    hdr_file(&dir.path().join("big.hdr"), 4096, 2048, |_| {
        [0.6, 0.05, 0.05]
    });
    std::fs::write(
        dir.path().join("chain.toml"),
        sphere_scene(
            "environment = \"big.hdr\"\nbackground = \"environment\"",
            "",
        ),
    )
    .unwrap();
    let mut engine = vivid::Engine::new(
        common::gpu(),
        vivid::builtin_registry(),
        vivid::EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            file_wait: std::time::Duration::ZERO,
            ..Default::default()
        },
    );
    engine.load_project(dir.path(), &[]).unwrap();
    engine.set_capture(true);
    let mut frame = |k: u64| {
        let _ = engine.render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            true,
        );
        engine.read_output().unwrap().at(0, 0)
    };
    let first = frame(0);
    assert_eq!(first[..3], [0.0; 3], "the stand-in first: {first:?}");
    let start = std::time::Instant::now();
    let mut k = 1;
    let shown = loop {
        let px = frame(k);
        k += 1;
        if px[0] > 0.1 {
            break px;
        }
        assert!(start.elapsed().as_secs() < 120, "never shown");
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert!(k > 2, "frames went on while it was read ({k})");
    assert!((shown[0] - srgb(0.6)).abs() < 2.0 / 255.0, "{shown:?}");
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    assert_eq!(vivid::files::loader::running(), 0);
}

/// A box (min, max) a ray from `o` along `d` enters, if it does.
fn hits_box(o: Vec3, d: Vec3, (lo, hi): (Vec3, Vec3)) -> bool {
    let inv = d.recip();
    let (t1, t2) = ((lo - o) * inv, (hi - o) * inv);
    t1.min(t2).max_element() <= t1.max(t2).min_element()
}

/// The shadow-directional fixture (sunlight along (1, −1, 0)) with its occluder `post`
/// made `occluder` (min, max), seen from 10 above (`look_x`, 0, 0), at `softness`: per
/// pixel, the floor point it shows and its luminance ratio to the same view without
/// shadows (None where the occluder is in the way).
fn shadow_ratios(softness: f32, occluder: (Vec3, Vec3), look_x: f32) -> Vec<Option<(Vec3, f32)>> {
    let (lo, hi) = occluder;
    let v = |v: Vec3| format!("[{}, {}, {}]", v.x, v.y, v.z);
    let camera = Vec3::new(look_x, 10.0, 0.001);
    let target = Vec3::new(look_x, 0.0, 0.0);
    let mut sets = vec![
        "render.antialias=false".to_string(),
        "sun.shadow_resolution=256".to_string(),
        format!("sun.shadow_softness={softness}"),
        format!("post.size={}", v(hi - lo)),
        format!("post.position={}", v((hi + lo) * 0.5)),
        format!("cam.position={}", v(camera)),
        format!("cam.target={}", v(target)),
    ];
    let render = |sets: &[String]| {
        let mut engine = common::engine();
        engine
            .load_project(
                &common::repo().join("testing-fixtures/shadow-directional"),
                sets,
            )
            .unwrap_or_else(|e| panic!("{e}"));
        common::render(&mut engine, 1, 60.0)
    };
    let on = render(&sets);
    sets.push("sun.cast_shadows=false".to_string());
    let off = render(&sets);
    let lum = |p: [f32; 4]| 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2];
    let margin = Vec3::splat(0.05);
    (0..on.height)
        .flat_map(|y| (0..on.width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let d = ray(camera, target, 40.0, on.width, on.height, x, y);
            let p = camera + d * (-camera.y / d.y);
            (!hits_box(camera, d, (lo - margin, hi + margin)))
                .then(|| (p, lum(on.at(x, y)) / lum(off.at(x, y)).max(1e-4)))
        })
        .collect()
}

#[test]
fn soft_shadows_widen_the_penumbra_and_keep_lit_and_dark_points() {
    // A plate (3 × 0.2 × 3) floating at y = 3 under sunlight travelling along (1, −1, 0):
    // its shadow covers x in 1.4..4.6, |z| < 1.5 on the floor. The widest filter (radius 8
    // texels of a 256² map fitted around the scene's bounding sphere of radius 8.6: 0.54
    // in the map, 0.76 along x on the floor at 45°, plus a texel) reaches no farther than
    // 0.9 from the shadow's edge: pixels farther inside or outside must not change with
    // the softness; the band of partly lit pixels widens.
    let plate = (Vec3::new(-1.5, 2.9, -1.5), Vec3::new(1.5, 3.1, 1.5));
    let soft = [1.0f32, 4.0, 8.0];
    let runs: Vec<_> = soft.iter().map(|&s| shadow_ratios(s, plate, 3.0)).collect();
    let ratios =
        |r: &Vec<Option<(Vec3, f32)>>| r.iter().flatten().map(|(_, v)| *v).collect::<Vec<_>>();
    let dark = ratios(&runs[0]).into_iter().fold(f32::INFINITY, f32::min);
    assert!(dark < 0.3, "the shadow is dark: {dark}");
    let penumbra = |r: &Vec<Option<(Vec3, f32)>>| {
        ratios(r)
            .iter()
            .filter(|&&v| v > dark + 0.1 * (1.0 - dark) && v < 1.0 - 0.1 * (1.0 - dark))
            .count()
    };
    let widths: Vec<usize> = runs.iter().map(penumbra).collect();
    assert!(
        widths[0] < widths[1] && widths[1] < widths[2],
        "penumbra pixels by softness {soft:?}: {widths:?}"
    );
    let (mut lit, mut shadowed) = (0, 0);
    for (i, base) in runs[0].iter().enumerate() {
        let Some((p, base)) = *base else { continue };
        let inside = p.x > 2.4 && p.x < 3.6 && p.z.abs() < 0.6;
        let outside = p.x < 0.4 || p.z.abs() > 2.4;
        let on_floor = p.x.abs() < 4.8 && p.z.abs() < 4.8;
        if !on_floor || (!inside && !outside) {
            continue;
        }
        for r in &runs[1..] {
            let (_, v) = r[i].unwrap();
            assert!((v - base).abs() < 0.02, "point {p}: {base} → {v}");
        }
        if inside {
            assert!(base < 0.25, "{p} is in the shadow's core: {base}");
            shadowed += 1;
        } else {
            assert!(base > 0.98, "{p} is lit: {base}");
            lit += 1;
        }
    }
    assert!(
        lit > 3000 && shadowed > 500,
        "{lit} lit, {shadowed} shadowed"
    );
}

/// Standard base64 (RFC 4648, padded).
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A PNG data URI of a 2×2 RGBA picture (texels row by row, top row first).
fn png_2x2(texels: [[u8; 4]; 4]) -> String {
    let mut png = Vec::new();
    image::RgbaImage::from_raw(2, 2, texels.concat())
        .unwrap()
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    format!("data:image/png;base64,{}", base64(&png))
}

/// A glTF file: a 2×2 square at z = 0 facing +Z (u = (x + 1)/2 rightwards, v = (1 − y)/2
/// downwards, no tangents), with the material `material` (JSON) whose texture `k` shows
/// picture `images[k]` through a nearest-texel sampler.
fn quad_gltf(material: &str, images: &[String]) -> String {
    let floats: Vec<f32> = [
        // positions
        [
            -1.0, -1.0, 0.0, 1.0, -1.0, 0.0, 1.0, 1.0, 0.0, -1.0, 1.0, 0.0,
        ]
        .as_slice(),
        // normals
        &[0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0],
        // uvs
        &[0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0],
    ]
    .concat();
    let mut bin: Vec<u8> = floats.iter().flat_map(|f| f.to_le_bytes()).collect();
    for i in [0u16, 1, 2, 0, 2, 3] {
        bin.extend(i.to_le_bytes());
    }
    let images_json: Vec<String> = images
        .iter()
        .map(|u| format!(r#"{{"uri":"{u}"}}"#))
        .collect();
    let textures_json: Vec<String> = (0..images.len())
        .map(|k| format!(r#"{{"source":{k},"sampler":0}}"#))
        .collect();
    format!(
        r#"{{"asset":{{"version":"2.0"}},
"buffers":[{{"byteLength":{len},"uri":"data:application/octet-stream;base64,{data}"}}],
"bufferViews":[{{"buffer":0,"byteOffset":0,"byteLength":48}},{{"buffer":0,"byteOffset":48,"byteLength":48}},{{"buffer":0,"byteOffset":96,"byteLength":32}},{{"buffer":0,"byteOffset":128,"byteLength":12}}],
"accessors":[
 {{"bufferView":0,"componentType":5126,"count":4,"type":"VEC3","min":[-1,-1,0],"max":[1,1,0]}},
 {{"bufferView":1,"componentType":5126,"count":4,"type":"VEC3"}},
 {{"bufferView":2,"componentType":5126,"count":4,"type":"VEC2"}},
 {{"bufferView":3,"componentType":5123,"count":6,"type":"SCALAR"}}],
"samplers":[{{"magFilter":9728,"minFilter":9728,"wrapS":33071,"wrapT":33071}}],
"images":[{images}],"textures":[{textures}],
"materials":[{material}],
"meshes":[{{"primitives":[{{"attributes":{{"POSITION":0,"NORMAL":1,"TEXCOORD_0":2}},"indices":3,"material":0}}]}}],
"nodes":[{{"mesh":0}}],"scenes":[{{"nodes":[0]}}],"scene":0}}"#,
        len = bin.len(),
        data = base64(&bin),
        images = images_json.join(","),
        textures = textures_json.join(","),
    )
}

/// Renders the quad of `gltf` seen from +Z (it fills the middle of a 48×48 view), with the
/// render3d lines `render` and the lights `lights` (TOML tables).
fn render_quad(gltf: &str, render: &str, lights: &str) -> FloatImage {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("quad.gltf"), gltf).unwrap();
    let light_names: Vec<&str> = lights
        .lines()
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .collect();
    render_in(
        dir.path(),
        &format!(
            r#"
output = "r"
[cam]
type = "camera"
position = [0, 0, 3]
target = [0, 0, 0]
fov = 40
[quad]
type = "mesh"
path = "quad.gltf"
{lights}
[r]
type = "render3d"
size = [48, 48]
camera = "cam"
meshes = ["quad"]
lights = {light_names:?}
tonemap = "none"
antialias = false
{render}
"#
        ),
    )
}

/// The texel (0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right) pixel (x, y) of the
/// 48×48 view shows, if it is well inside one (off the quad and near texel edges: None).
fn quadrant(x: u32, y: u32) -> Option<usize> {
    let d = ray(Vec3::new(0.0, 0.0, 3.0), Vec3::ZERO, 40.0, 48, 48, x, y);
    let p = Vec3::new(0.0, 0.0, 3.0) + d * (3.0 / -d.z);
    let inside = |c: f32| c.abs() > 0.1 && c.abs() < 0.9;
    (inside(p.x) && inside(p.y)).then(|| usize::from(p.x > 0.0) + 2 * usize::from(p.y < 0.0))
}

/// Calls `f(texel, pixel)` for every pixel well inside a texel; checks each texel got some.
fn each_quadrant(image: &FloatImage, mut f: impl FnMut(usize, [f32; 4])) {
    let mut seen = [0; 4];
    for y in 0..image.height {
        for x in 0..image.width {
            if let Some(q) = quadrant(x, y) {
                f(q, image.at(x, y));
                seen[q] += 1;
            }
        }
    }
    assert!(seen.iter().all(|&n| n > 30), "{seen:?}");
}

#[test]
fn emissive_maps_add_exactly_their_colour() {
    let texels = [
        [200, 40, 90, 255],
        [10, 180, 60, 255],
        [90, 90, 250, 255],
        [255, 255, 255, 255],
    ];
    let material = r#"{"pbrMetallicRoughness":{"baseColorFactor":[0,0,0,1]},"emissiveFactor":[1,1,1],"emissiveTexture":{"index":0}}"#;
    let image = render_quad(
        &quad_gltf(material, &[png_2x2(texels)]),
        "environment_intensity = 0",
        "",
    );
    each_quadrant(&image, |q, p| {
        for c in 0..3 {
            let want = f32::from(texels[q][c]) / 255.0;
            assert!(
                (p[c] - want).abs() < 1.5 / 255.0,
                "texel {q}: {p:?} vs {:?}",
                texels[q]
            );
        }
    });
    // On a lit surface it adds: the same quad with a base colour, minus without emission.
    let lit_material = r#"{"pbrMetallicRoughness":{"baseColorFactor":[0.5,0.5,0.5,1],"metallicFactor":0},"emissiveFactor":[0.5,0.25,0],"emissiveTexture":{"index":0}}"#;
    let plain =
        r#"{"pbrMetallicRoughness":{"baseColorFactor":[0.5,0.5,0.5,1],"metallicFactor":0}}"#;
    let lights = "[sun]\ntype = \"directional_light\"\ndirection = [0, 0, -1]\nintensity = 1\ncast_shadows = false";
    let with = render_quad(
        &quad_gltf(lit_material, &[png_2x2(texels)]),
        "environment_intensity = 0",
        lights,
    );
    let without = render_quad(
        &quad_gltf(plain, &[png_2x2(texels)]),
        "environment_intensity = 0",
        lights,
    );
    let factor = [0.5, 0.25, 0.0];
    for y in 0..48 {
        for x in 0..48 {
            let Some(q) = quadrant(x, y) else { continue };
            let (a, b) = (with.at(x, y), without.at(x, y));
            for c in 0..3 {
                let added = linear(a[c]) - linear(b[c]);
                let want = factor[c] * linear(f32::from(texels[q][c]) / 255.0);
                assert!(
                    (added - want).abs() < 0.006,
                    "texel {q} channel {c}: +{added} vs {want}"
                );
            }
        }
    }
}

#[test]
fn alpha_mask_drops_texels_under_the_cutoff_and_blend_mixes() {
    // Alphas: 0.3, 0.8 (top), 0.49, 0.51 (bottom); cutoff 0.5.
    let a = [77u8, 204, 125, 130];
    let texels = a.map(|a| [255, 255, 255, a]);
    let clear = [0.0f32, 0.5, 0.0];
    let render = format!(
        "shading = \"unlit\"\nenvironment_intensity = 0\nclear_color = [{}, {}, {}]",
        clear[0], clear[1], clear[2]
    );
    let mask = r#"{"pbrMetallicRoughness":{"baseColorTexture":{"index":0}},"alphaMode":"MASK","alphaCutoff":0.5}"#;
    let image = render_quad(&quad_gltf(mask, &[png_2x2(texels)]), &render, "");
    each_quadrant(&image, |q, p| {
        let want = if f32::from(a[q]) / 255.0 < 0.5 {
            clear
        } else {
            [1.0; 3]
        };
        for c in 0..3 {
            assert!(
                (p[c] - want[c]).abs() < 1.5 / 255.0,
                "MASK texel {q}: {p:?}"
            );
        }
    });
    // BLEND: alpha over the background (display values, premultiplied).
    let blend = r#"{"pbrMetallicRoughness":{"baseColorTexture":{"index":0}},"alphaMode":"BLEND"}"#;
    let image = render_quad(&quad_gltf(blend, &[png_2x2(texels)]), &render, "");
    each_quadrant(&image, |q, p| {
        let alpha = f32::from(a[q]) / 255.0;
        for c in 0..3 {
            let want = alpha + clear[c] * (1.0 - alpha);
            assert!(
                (p[c] - want).abs() < 2.0 / 255.0,
                "BLEND texel {q}: {p:?} vs {want}"
            );
        }
    });
    // OPAQUE ignores alpha.
    let opaque = r#"{"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}}"#;
    let image = render_quad(&quad_gltf(opaque, &[png_2x2(texels)]), &render, "");
    each_quadrant(&image, |_, p| assert!(p[0] > 0.99 && p[3] > 0.99, "{p:?}"));
}

/// Linear radiance a white (albedo 1), metallic 0, roughness 1 surface of normal `n` sends
/// towards `v` lit by a directional light of irradiance 1 from `l` (GGX, height-correlated
/// Smith, Schlick with F0 = 0.04: the model README documents).
fn white_rough(n: Vec3, v: Vec3, l: Vec3) -> f32 {
    let h = (l + v).normalize();
    let (n_l, n_v, n_h, v_h) = (
        n.dot(l).max(0.0),
        n.dot(v).max(1e-4),
        n.dot(h).max(0.0),
        v.dot(h).max(0.0),
    );
    let a2 = 1.0f32;
    let dd = n_h * n_h * (a2 - 1.0) + 1.0;
    let d = a2 / (std::f32::consts::PI * dd * dd);
    let vis = 0.5
        / (n_l * (n_v * n_v * (1.0 - a2) + a2).sqrt() + n_v * (n_l * n_l * (1.0 - a2) + a2).sqrt());
    let f = 0.04 + 0.96 * (1.0 - v_h).powi(5);
    ((1.0 - f) / std::f32::consts::PI + d * vis * f) * n_l
}

#[test]
fn a_normal_map_turns_the_shading_by_its_texels_normal() {
    // Tangent-space normals (x right along u, y up the picture, z out): tilted right, left,
    // up and down by 0.6. The light comes from up-right-front; tangents are generated.
    let tilt = [
        [0.6f32, 0.0, 0.8],
        [-0.6, 0.0, 0.8],
        [0.0, 0.6, 0.8],
        [0.0, -0.6, 0.8],
    ];
    let texels = tilt.map(|n| {
        let c = n.map(|v| ((v * 0.5 + 0.5) * 255.0).round() as u8);
        [c[0], c[1], c[2], 255]
    });
    // Texel 2 (bottom-left) tilts up, texel 3 (bottom-right) down.
    let material = r#"{"pbrMetallicRoughness":{"metallicFactor":0,"roughnessFactor":1},"normalTexture":{"index":0}}"#;
    let to_light = Vec3::new(0.5, 0.5, 0.7).normalize();
    let lights = format!(
        "[sun]\ntype = \"directional_light\"\ndirection = [{}, {}, {}]\nintensity = 1\ncast_shadows = false",
        -to_light.x, -to_light.y, -to_light.z
    );
    let image = render_quad(
        &quad_gltf(material, &[png_2x2(texels)]),
        "environment_intensity = 0",
        &lights,
    );
    let eye = Vec3::new(0.0, 0.0, 3.0);
    for y in 0..48 {
        for x in 0..48 {
            let Some(q) = quadrant(x, y) else { continue };
            let d = ray(eye, Vec3::ZERO, 40.0, 48, 48, x, y);
            let decoded = Vec3::from(
                texels[q].map(|c| f32::from(c) / 255.0 * 2.0 - 1.0)[..3]
                    .try_into()
                    .map(|a: [f32; 3]| a)
                    .unwrap(),
            );
            let n = decoded.normalize();
            let want = srgb(white_rough(n, -d, to_light));
            let got = image.at(x, y)[0];
            assert!(
                (got - want).abs() < 3.0 / 255.0,
                "texel {q} ({x}, {y}): {got} vs {want}"
            );
        }
    }
}

#[test]
fn occlusion_scales_the_ambient_light() {
    // Under a uniform environment a white surface shows L × occlusion.
    let texels = [
        [255, 0, 0, 255],
        [128, 0, 0, 255],
        [64, 0, 0, 255],
        [0, 0, 0, 255],
    ];
    let material = r#"{"pbrMetallicRoughness":{"metallicFactor":0},"occlusionTexture":{"index":0,"strength":0.8}}"#;
    let g = srgb(0.4);
    let image = render_quad(
        &quad_gltf(material, &[png_2x2(texels)]),
        &format!(
            "sky_color = [{g}, {g}, {g}]\nhorizon_color = [{g}, {g}, {g}]\nground_color = [{g}, {g}, {g}]\nsun_intensity = 0"
        ),
        "",
    );
    each_quadrant(&image, |q, p| {
        let occlusion = 1.0 + 0.8 * (f32::from(texels[q][0]) / 255.0 - 1.0);
        let want = srgb(0.4 * occlusion);
        assert!(
            (p[0] - want).abs() < 1.5 / 255.0,
            "texel {q}: {p:?} vs {want}"
        );
    });
}
