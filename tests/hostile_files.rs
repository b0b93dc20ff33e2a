//! Files a project names, made hostile: a picture that is `/dev/zero`, a FIFO, a file
//! outside the project (absolute, `../`, a link, a glTF's `file://` URI), a file larger than
//! its limit, a picture swapped for any of these while running — each is the node's error,
//! named, within a second, while the last good version keeps showing; nothing hangs and
//! memory does not balloon. Pictures and models are read off the render thread.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; 8-bit colours come back exactly"
)]

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vivid::live::Live;
use vivid::readback::FloatImage;
use vivid::watch::Change;
use vivid::{Engine, EngineOptions, FrameTime, Target};

/// A PNG of one colour.
fn png(width: u32, height: u32, color: [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(width, height, image::Rgba(color));
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// A project folder with `chain.toml` and the given files.
fn project(chain: &str, files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

/// A chain showing `[pic]`, an image of `file` at 8x8.
fn pic_chain(file: &str) -> String {
    format!("output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"{file}\"\nsize = [8, 8]\n")
}

fn engine_with(options: EngineOptions) -> Engine {
    Engine::new(
        common::gpu(),
        vivid::builtin_registry(),
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..options
        },
    )
}

/// Renders frame `k` and reads it back.
fn frame(engine: &mut Engine, k: u64) -> FloatImage {
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: k as f64 / 60.0,
                frame: k,
            },
            Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap()
}

/// Runs `f`, which must end within `limit`.
#[track_caller]
fn within<T>(limit: Duration, what: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    assert!(took < limit, "{what} took {took:?} (limit {limit:?})");
    out
}

/// What a file is swapped for while running, and how.
type Swap<'a> = (&'a str, &'a dyn Fn(&Path));

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn changed(path: &Path) -> Vec<Change> {
    vec![Change {
        path: path.to_path_buf(),
        first_seen: Instant::now(),
    }]
}

/// The error text of loading `dir` (it must fail, fast).
#[track_caller]
fn load_error(engine: &mut Engine, dir: &Path) -> String {
    within(Duration::from_secs(5), "a refused project", || {
        engine.load_project(dir, &[]).unwrap_err().to_string()
    })
}

#[cfg(unix)]
#[test]
fn devices_fifos_and_paths_out_of_the_project_are_refused_at_their_place() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.png"), png(2, 2, [0, 255, 0, 255])).unwrap();
    let outside_file = outside.path().join("x.png");
    let outside_name = outside
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let mut engine = common::engine();
    // A link to a device says what it is (not "did you mean").
    let dir = project(&pic_chain("z.png"), &[]);
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("z.png")).unwrap();
    let e = load_error(&mut engine, dir.path());
    assert!(
        e.contains("is a character device (/dev/zero), not a file"),
        "{e}"
    );
    assert!(e.contains("chain.toml:4:8"), "{e}");
    assert!(!e.contains("did you mean"), "{e}");
    // A FIFO is never opened.
    let dir = project(&pic_chain("f.png"), &[]);
    mkfifo(&dir.path().join("f.png"));
    let e = load_error(&mut engine, dir.path());
    assert!(e.contains("is a FIFO (named pipe), not a file"), "{e}");
    // Out of the project: an absolute path, `../`, a link.
    for (name, path) in [
        ("absolute", outside_file.display().to_string()),
        ("dot-dot", format!("../{outside_name}/x.png")),
        ("link", "link.png".to_string()),
    ] {
        let dir = project(&pic_chain(&path), &[]);
        std::os::unix::fs::symlink(&outside_file, dir.path().join("link.png")).unwrap();
        let e = load_error(&mut engine, dir.path());
        assert!(e.contains("is outside the project folder"), "{name}: {e}");
        assert!(e.contains("--allow-path"), "{name}: the hint: {e}");
        // Allowed explicitly: read.
        let mut allowing = engine_with(EngineOptions {
            allowed_paths: vec![outside.path().to_path_buf()],
            ..EngineOptions::default()
        });
        allowing.load_project(dir.path(), &[]).unwrap();
        assert_eq!(
            frame(&mut allowing, 0).at(4, 4),
            [0.0, 1.0, 0.0, 1.0],
            "{name}"
        );
    }
    // Larger than a picture may be: refused before a byte is read (a sparse file).
    let dir = project(&pic_chain("big.png"), &[]);
    let f = std::fs::File::create(dir.path().join("big.png")).unwrap();
    f.set_len(300 << 20).unwrap();
    let e = load_error(&mut engine, dir.path());
    assert!(
        e.contains("larger than the 256 MiB a picture may be"),
        "{e}"
    );
    // chain.toml itself as a FIFO: named, no hang.
    let dir = tempfile::tempdir().unwrap();
    mkfifo(&dir.path().join("chain.toml"));
    let e = load_error(&mut engine, dir.path());
    assert!(e.contains("is a FIFO"), "{e}");
}

#[cfg(unix)]
#[test]
fn a_picture_swapped_for_a_fifo_a_device_or_a_huge_file_keeps_the_last_good_one() {
    let dir = project(
        &pic_chain("pic.png"),
        &[("pic.png", &png(4, 4, [255, 0, 0, 255]))],
    );
    let pic = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    let red = [1.0, 0.0, 0.0, 1.0];
    assert_eq!(frame(&mut engine, 0).at(4, 4), red);
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("elsewhere.png");
    std::fs::write(&elsewhere, png(4, 4, [0, 255, 0, 255])).unwrap();
    let rss = vivid::rss_bytes();
    let swaps: [Swap<'_>; 4] = [
        ("a FIFO", &|p| mkfifo(p)),
        ("a character device (/dev/zero)", &|p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap();
        }),
        ("larger than the 256 MiB", &|p| {
            std::fs::File::create(p).unwrap().set_len(1 << 32).unwrap();
        }),
        ("outside the project folder", &|p| {
            std::os::unix::fs::symlink(&elsewhere, p).unwrap();
        }),
    ];
    for (k, (what, swap)) in swaps.iter().enumerate() {
        std::fs::remove_file(&pic).unwrap();
        swap(&pic);
        let shown = within(Duration::from_secs(2), what, || {
            live.apply(&mut engine, &changed(&pic));
            frame(&mut engine, k as u64 + 1)
        });
        assert_eq!(
            shown.at(4, 4),
            red,
            "{what}: the last good picture keeps showing"
        );
        let errors = engine.errors();
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert!(errors[0].message.contains(what), "{what}: {errors:?}");
    }
    assert!(
        vivid::rss_bytes() < rss + (64 << 20),
        "memory grew by {} MB",
        (vivid::rss_bytes().saturating_sub(rss)) >> 20
    );
    // Fixed: the new picture, no error.
    std::fs::remove_file(&pic).unwrap();
    std::fs::write(&pic, png(4, 4, [0, 0, 255, 255])).unwrap();
    live.apply(&mut engine, &changed(&pic));
    assert_eq!(frame(&mut engine, 9).at(4, 4), [0.0, 0.0, 1.0, 1.0]);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}

/// A glTF of one triangle whose buffer is the file at `uri`.
fn triangle_gltf(uri: &str) -> String {
    format!(
        r#"{{"asset":{{"version":"2.0"}},"scene":0,"scenes":[{{"nodes":[0]}}],"nodes":[{{"mesh":0}}],"meshes":[{{"primitives":[{{"attributes":{{"POSITION":0}}}}]}}],"accessors":[{{"bufferView":0,"componentType":5126,"count":3,"type":"VEC3","min":[0,0,0],"max":[1,1,0]}}],"bufferViews":[{{"buffer":0,"byteLength":36}}],"buffers":[{{"uri":"{uri}","byteLength":36}}]}}"#
    )
}

fn triangle_bin() -> Vec<u8> {
    [0f32, 0., 0., 1., 0., 0., 0., 1., 0.]
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect()
}

const MESH_CHAIN: &str = "output = \"r\"\n[r]\ntype = \"render3d\"\nsize = [16, 16]\ncamera = \"cam\"\nmeshes = [\"m\"]\nlights = [\"sun\"]\n[cam]\ntype = \"camera\"\nposition = [0.3, 0.3, 2]\ntarget = [0.3, 0.3, 0]\n[m]\ntype = \"mesh\"\npath = \"model.gltf\"\n[sun]\ntype = \"directional_light\"\ncast_shadows = false\n";

/// The error of the mesh after a frame of a project whose model.gltf refers to `uri`.
fn mesh_error(engine: &mut Engine, uri: &str, setup: impl FnOnce(&Path)) -> Option<String> {
    let dir = project(MESH_CHAIN, &[("model.gltf", triangle_gltf(uri).as_bytes())]);
    setup(dir.path());
    engine.load_project(dir.path(), &[]).unwrap();
    within(Duration::from_secs(5), uri, || frame(engine, 0));
    engine.errors().first().map(|e| e.message.clone())
}

#[cfg(unix)]
#[test]
fn a_gltf_reads_its_buffers_and_textures_by_the_same_rule() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("tri.bin"), triangle_bin()).unwrap();
    let outside_bin = outside.path().join("tri.bin");
    let outside_name = outside
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    let mut engine = common::engine();
    // Inside: loads.
    let ok = mesh_error(&mut engine, "tri.bin", |d| {
        std::fs::write(d.join("tri.bin"), triangle_bin()).unwrap();
    });
    assert_eq!(ok, None);
    // A missing buffer names its file.
    let e = mesh_error(&mut engine, "missing.bin", |_| {}).unwrap();
    assert!(
        e.contains("buffer 0 (\"missing.bin\")") && e.contains("no such file"),
        "{e}"
    );
    assert!(e.contains("model.gltf"), "{e}");
    // A device, a FIFO, and paths out of the project.
    let e = mesh_error(&mut engine, "/dev/zero", |_| {}).unwrap();
    assert!(e.contains("character device"), "{e}");
    let e = mesh_error(&mut engine, "pipe.bin", |d| mkfifo(&d.join("pipe.bin"))).unwrap();
    assert!(e.contains("FIFO"), "{e}");
    for uri in [
        format!("file://{}", outside_bin.display()),
        format!("../{outside_name}/tri.bin"),
        outside_bin.display().to_string(),
    ] {
        let e = mesh_error(&mut engine, &uri, |_| {}).unwrap();
        assert!(e.contains("outside the project folder"), "{uri}: {e}");
    }
    // A texture that is a FIFO: named.
    let textured = triangle_gltf("tri.bin").replacen(
        r#""asset""#,
        r#""images":[{"uri":"tex.png"}],"textures":[{"source":0}],"materials":[{"pbrMetallicRoughness":{"baseColorTexture":{"index":0}}}],"asset""#,
        1,
    );
    let dir = project(MESH_CHAIN, &[("model.gltf", textured.as_bytes())]);
    std::fs::write(dir.path().join("tri.bin"), triangle_bin()).unwrap();
    mkfifo(&dir.path().join("tex.png"));
    engine.load_project(dir.path(), &[]).unwrap();
    within(Duration::from_secs(5), "a texture FIFO", || {
        frame(&mut engine, 0)
    });
    let e = &engine.errors()[0].message;
    assert!(
        e.contains("image 0 (\"tex.png\")") && e.contains("FIFO"),
        "{e}"
    );
}

/// A picture of `width` x `height` pixels of noise (slow to decode: it does not compress).
fn noisy_png(width: u32, height: u32) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let img = image::RgbaImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let b = state.to_le_bytes();
        image::Rgba([b[0], b[1], b[2], 255])
    });
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

#[test]
fn a_picture_is_decoded_off_the_render_thread() {
    // 8 million pixels: decoding and converting them takes far longer than a frame.
    let dir = project(
        &pic_chain("big.png"),
        &[("big.png", &noisy_png(4096, 2048))],
    );
    let mut engine = engine_with(EngineOptions {
        file_wait: Duration::ZERO,
        ..EngineOptions::default()
    });
    engine.load_project(dir.path(), &[]).unwrap();
    let first = frame(&mut engine, 0);
    assert_eq!(
        first.at(4, 4),
        [0.0; 4],
        "the first frame does not wait for the picture: transparent"
    );
    let start = Instant::now();
    let mut k = 1;
    let shown = loop {
        let img = frame(&mut engine, k);
        k += 1;
        if img.at(4, 4)[3] > 0.5 {
            break img;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never shown");
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(k > 2, "frames went on while it was read ({k})");
    assert_eq!(shown.at(4, 4)[3], 1.0);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    // Nothing left running; later frames are steady again.
    for _ in 0..5 {
        frame(&mut engine, k);
        k += 1;
    }
    assert_eq!(vivid::files::loader::running(), 0);
    assert_eq!(engine.stats().gpu_objects_created_after_warmup, 0);
}

#[test]
fn a_file_parameter_set_through_the_api_follows_the_rule() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.png"), png(2, 2, [1, 2, 3, 255])).unwrap();
    let dir = project(
        &pic_chain("pic.png"),
        &[("pic.png", &png(2, 2, [9, 9, 9, 255]))],
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let outside_path: PathBuf = outside.path().join("x.png");
    let e = engine
        .set_param("pic", "path", outside_path.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(e.contains("outside the project folder"), "{e}");
    engine
        .set_param("pic", "path", dir.path().join("pic.png").to_str().unwrap())
        .unwrap();
}

/// A `.cube` of size 2 whose lattice gives `f` of each corner (red fastest).
fn cube(f: impl Fn([f32; 3]) -> [f32; 3]) -> String {
    use std::fmt::Write as _;
    let mut text = String::from("LUT_3D_SIZE 2\n");
    for b in 0..2u8 {
        for g in 0..2u8 {
            for r in 0..2u8 {
                let [x, y, z] = f([f32::from(r), f32::from(g), f32::from(b)]);
                let _ = writeln!(text, "{x} {y} {z}");
            }
        }
    }
    text
}

/// A LUT's `.cube` goes by the same rule, read off the render thread: swapped for a FIFO
/// (which used to hang the frame for ever), a device or a link out of the project, the
/// last good table stays in use with an error naming what the file is.
#[cfg(unix)]
#[test]
fn a_lut_swapped_for_a_fifo_a_device_or_a_link_out_keeps_the_last_good_table() {
    let chain = "output = \"out\"\n[src]\ntype = \"solid\"\ncolor = [1, 0, 0, 1]\nsize = [8, 8]\n[out]\ntype = \"lut\"\ninput = \"src\"\npath = \"grade.cube\"\n";
    let swap_rb = cube(|[r, g, b]| [b, g, r]);
    let dir = project(chain, &[("grade.cube", swap_rb.as_bytes())]);
    let file = dir.path().join("grade.cube");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    let blue = [0.0, 0.0, 1.0, 1.0];
    assert_eq!(frame(&mut engine, 0).at(4, 4), blue, "red through the swap");
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = outside.path().join("identity.cube");
    std::fs::write(&elsewhere, cube(|c| c)).unwrap();
    let swaps: [Swap<'_>; 3] = [
        ("a FIFO", &|p| mkfifo(p)),
        ("a character device (/dev/zero)", &|p| {
            std::os::unix::fs::symlink("/dev/zero", p).unwrap();
        }),
        ("outside the project folder", &|p| {
            std::os::unix::fs::symlink(&elsewhere, p).unwrap();
        }),
    ];
    for (k, (what, swap)) in swaps.iter().enumerate() {
        std::fs::remove_file(&file).unwrap();
        swap(&file);
        let shown = within(Duration::from_secs(5), what, || {
            live.apply(&mut engine, &changed(&file));
            frame(&mut engine, k as u64 + 1)
        });
        assert_eq!(shown.at(4, 4), blue, "{what}: the last good table stays");
        let errors = engine.errors();
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert!(errors[0].message.contains(what), "{what}: {errors:?}");
    }
    std::fs::remove_file(&file).unwrap();
    std::fs::write(&file, cube(|c| c)).unwrap();
    live.apply(&mut engine, &changed(&file));
    assert_eq!(frame(&mut engine, 9).at(4, 4), [1.0, 0.0, 0.0, 1.0]);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}
