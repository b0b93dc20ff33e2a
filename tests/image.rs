//! The `image` operator on the GPU: file pixels come back exactly (alpha included), the
//! picture's own size without `size`, the three fits against answers computed from the
//! pixels, EXIF orientation, steady frames that create nothing, every bad file reported
//! with its name while the last good picture keeps showing, and live reload of the file
//! without leaks.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use vivid::live::Live;
use vivid::readback::FloatImage;
use vivid::watch::Change;
use vivid::{Engine, FrameTime, Target};

/// `Rgba16Float` holds 11 significant bits: values in 0..1 are exact to ~5e-4.
const F16: f32 = 2e-3;

/// A PNG (uncompressed: pictures of one size always have the same length) of `f(x, y)`.
fn png(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4]) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(width, height, |x, y| image::Rgba(f(x, y)));
    let mut bytes = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        Cursor::new(&mut bytes),
        image::codecs::png::CompressionType::Uncompressed,
        image::codecs::png::FilterType::NoFilter,
    );
    img.write_with_encoder(encoder).unwrap();
    bytes
}

/// Premultiplied display values of an 8-bit straight-alpha pixel.
fn pm(p: [u8; 4]) -> [f32; 4] {
    let a = f32::from(p[3]) / 255.0;
    [
        f32::from(p[0]) / 255.0 * a,
        f32::from(p[1]) / 255.0 * a,
        f32::from(p[2]) / 255.0 * a,
        a,
    ]
}

fn mean(pixels: &[[f32; 4]]) -> [f32; 4] {
    let mut m = [0f32; 4];
    for p in pixels {
        for c in 0..4 {
            m[c] += p[c] / pixels.len() as f32;
        }
    }
    m
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

/// A chain showing `[pic]`, an image of `file`, with `extra` lines in its table.
fn chain(file: &str, extra: &str) -> String {
    format!("output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"{file}\"\n{extra}")
}

/// Renders one frame (index `k`) and reads it back.
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

/// Loads `dir` in both ways operators run and renders a frame of each; they must agree.
fn render_dir(dir: &Path) -> FloatImage {
    let [a, b] = common::MODES.map(|mode| {
        let mut e = common::engine_in(mode);
        e.load_project(dir, &[])
            .unwrap_or_else(|err| panic!("{err}"));
        common::render(&mut e, 1, 60.0)
    });
    for (i, (p, q)) in a.pixels.iter().zip(&b.pixels).enumerate() {
        common::assert_close(*p, *q, F16, &format!("pixel {i}: render vs compute"));
    }
    a
}

/// A picture `width` x `height` shown with `extra` (size, fit...).
fn show(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 4], extra: &str) -> FloatImage {
    let dir = project(
        &chain("pic.png", extra),
        &[("pic.png", &png(width, height, f))],
    );
    render_dir(dir.path())
}

#[test]
fn file_pixels_come_back_exactly_alpha_included() {
    let pixels = [
        [128, 64, 255, 255],
        [200, 100, 50, 128],
        [0, 0, 0, 0],
        [10, 250, 3, 1],
        [255, 255, 255, 255],
        [0, 0, 0, 255],
        [37, 211, 90, 200],
        [255, 0, 128, 64],
    ];
    let at = |x: u32, y: u32| pixels[((y * 4 + x) as usize) % pixels.len()];
    let img = show(4, 3, at, "");
    // No `size`: the picture's own.
    assert_eq!((img.width, img.height), (4, 3));
    let rgba = img.to_rgba8();
    for (x, y, p) in rgba.enumerate_pixels() {
        let want = at(x, y);
        for c in 0..4 {
            assert!(
                p.0[c].abs_diff(want[c]) <= 1,
                "({x}, {y}): got {:?}, file has {want:?}",
                p.0
            );
        }
        // Inside: premultiplied display values.
        common::assert_close(img.at(x, y), pm(want), F16, "premultiplied");
    }
    assert_eq!(
        rgba.get_pixel(0, 0).0,
        [128, 64, 255, 255],
        "exact, no gamma"
    );
}

#[test]
fn sixteen_bit_and_grey_pngs_load_too() {
    let dir = tempfile::tempdir().unwrap();
    let grey = image::GrayImage::from_fn(2, 2, |x, _| image::Luma([if x == 0 { 64 } else { 255 }]));
    grey.save(dir.path().join("grey.png")).unwrap();
    let deep = image::ImageBuffer::<image::Rgba<u16>, _>::from_fn(2, 1, |x, _| {
        image::Rgba([if x == 0 { 32768 } else { 65535 }, 0, 16384, 65535])
    });
    deep.save(dir.path().join("deep.png")).unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain("grey.png", "")).unwrap();
    let img = render_dir(dir.path());
    common::assert_close(
        img.at(0, 1),
        [64.0 / 255.0, 64.0 / 255.0, 64.0 / 255.0, 1.0],
        F16,
        "grey",
    );
    std::fs::write(dir.path().join("chain.toml"), chain("deep.png", "")).unwrap();
    let img = render_dir(dir.path());
    common::assert_close(img.at(0, 0), [0.5, 0.0, 0.25, 1.0], F16, "16 bits");
}

/// A 16x8 picture, every pixel different.
fn varied(x: u32, y: u32) -> [u8; 4] {
    [
        (x * 16) as u8,
        (y * 32) as u8,
        255u32.wrapping_sub(x * 7 + y * 9) as u8,
        (120 + x * 8) as u8,
    ]
}

#[test]
fn cover_fills_the_output_and_crops_the_overflow() {
    // 16x8 into 8x8: the middle 8 columns at one texel per pixel.
    let img = show(16, 8, varied, "size = [8, 8]\nfit = \"cover\"\n");
    for y in 0..8 {
        for x in 0..8 {
            common::assert_close(
                img.at(x, y),
                pm(varied(x + 4, y)),
                F16,
                &format!("({x}, {y})"),
            );
        }
    }
}

#[test]
fn contain_shows_all_of_it_with_transparent_borders() {
    // 16x8 into 8x8: rows 2..6 show the picture at half size (its first mip level, the
    // mean of each 2x2 block); rows 0, 1, 6, 7 are transparent.
    let img = show(16, 8, varied, "size = [8, 8]\nfit = \"contain\"\n");
    for y in 0..8 {
        for x in 0..8 {
            let got = img.at(x, y);
            if !(2..6).contains(&y) {
                assert_eq!(got, [0.0; 4], "border ({x}, {y})");
                continue;
            }
            let (bx, by) = (2 * x, 2 * (y - 2));
            let block =
                [(0, 0), (1, 0), (0, 1), (1, 1)].map(|(dx, dy)| pm(varied(bx + dx, by + dy)));
            common::assert_close(got, mean(&block), F16, &format!("({x}, {y})"));
        }
    }
    // A tall picture into a square: transparent columns left and right.
    let img = show(
        8,
        16,
        |x, y| varied(y, x),
        "size = [8, 8]\nfit = \"contain\"\n",
    );
    for y in 0..8 {
        for x in [0, 1, 6, 7] {
            assert_eq!(img.at(x, y), [0.0; 4], "pillarbox ({x}, {y})");
        }
        for x in 2..6 {
            assert!(img.at(x, y)[3] > 0.4, "({x}, {y}) is the picture");
        }
    }
    // Edges that fall inside a pixel are covered in part (antialiased).
    let img = show(
        30,
        10,
        |_, _| [255, 255, 255, 255],
        "size = [8, 8]\nfit = \"contain\"\n",
    );
    for (y, alpha) in [
        (1, 0.0),
        (2, 1.0 / 3.0),
        (3, 1.0),
        (4, 1.0),
        (5, 1.0 / 3.0),
        (6, 0.0),
    ] {
        let got = img.at(4, y);
        common::assert_close(got, [alpha; 4], 3e-3, &format!("row {y}"));
    }
}

#[test]
fn stretch_fills_the_output_distorted() {
    // Vertical stripes, 16x8 into 8x8: each output column is the mean of two.
    let stripes = |x: u32, _y: u32| [(x * 15) as u8, 255 - (x * 15) as u8, 40, 255];
    for extra in ["size = [8, 8]\n", "size = [8, 8]\nfit = \"stretch\"\n"] {
        let img = show(16, 8, stripes, extra);
        for y in 0..8 {
            for x in 0..8 {
                let want = mean(&[pm(stripes(2 * x, 0)), pm(stripes(2 * x + 1, 0))]);
                common::assert_close(img.at(x, y), want, F16, &format!("({x}, {y})"));
            }
        }
    }
}

#[test]
fn row_zero_of_the_file_is_the_top_and_flip_y_turns_it_over() {
    let red_top = |_x: u32, y: u32| {
        if y < 2 {
            [255, 0, 0, 255]
        } else {
            [0, 0, 255, 255]
        }
    };
    let img = show(4, 4, red_top, "");
    assert_eq!(img.to_rgba8().get_pixel(1, 0).0, [255, 0, 0, 255]);
    assert_eq!(img.to_rgba8().get_pixel(1, 3).0, [0, 0, 255, 255]);
    let img = show(4, 4, red_top, "flip_y = true\n");
    assert_eq!(img.to_rgba8().get_pixel(1, 0).0, [0, 0, 255, 255]);
    assert_eq!(img.to_rgba8().get_pixel(1, 3).0, [255, 0, 0, 255]);
}

#[test]
fn a_jpeg_is_shown_upright_by_its_exif_orientation() {
    // Stored 32x16 sideways (left red, right blue), EXIF "rotate 90° clockwise".
    let dir = project(&chain("turned.jpg", ""), &[]);
    let assets = common::repo().join("testing-fixtures/assets");
    std::fs::copy(
        assets.join("turned-exif6.jpg"),
        dir.path().join("turned.jpg"),
    )
    .unwrap();
    let img = render_dir(dir.path()).to_rgba8();
    assert_eq!(img.dimensions(), (16, 32));
    let near = |p: [u8; 4], q: [u8; 4]| (0..4).all(|c| p[c].abs_diff(q[c]) <= 12);
    assert!(
        near(img.get_pixel(8, 4).0, [230, 20, 20, 255]),
        "{:?}",
        img.get_pixel(8, 4)
    );
    assert!(
        near(img.get_pixel(8, 27).0, [20, 20, 230, 255]),
        "{:?}",
        img.get_pixel(8, 27)
    );
}

#[test]
fn a_size_given_wins_and_feeds_the_chain() {
    let dir = project(
        &format!(
            "output = \"blurred\"\n{}[blurred]\ntype = \"blur\"\ninput = \"pic\"\nradius = 1\n",
            chain("pic.png", "").replace("output = \"pic\"\n", "")
        ),
        &[("pic.png", &png(24, 10, |_, _| [10, 20, 30, 255]))],
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    assert_eq!(engine.node_size("pic"), Some([24, 10]));
    assert_eq!(
        engine.node_size("blurred"),
        Some([24, 10]),
        "its input's size"
    );
    let size = vivid::params::RawValue::Array(vec![
        vivid::params::RawValue::Int(40),
        vivid::params::RawValue::Int(30),
    ]);
    engine.set_param("pic", "size", size).unwrap();
    assert_eq!(engine.node_size("blurred"), Some([40, 30]));
    let img = frame(&mut engine, 0);
    assert_eq!((img.width, img.height), (40, 30));
    // `--size`: the output is scaled, the picture fitted into it.
    let mut engine = common::engine();
    engine.set_output_size(Some([12, 5])).unwrap();
    engine.load_project(dir.path(), &[]).unwrap();
    assert_eq!(engine.node_size("pic"), Some([12, 5]));
}

/// Live and dead wgpu objects and bytes.
fn footprint(engine: &Engine) -> (vivid::gpu::WgpuCounters, i64, i64) {
    engine.wait_idle();
    let _ = engine.gpu().device().poll(vivid::wgpu::PollType::Poll);
    let c = engine.gpu().counts().snapshot();
    let mut w = engine.gpu().wgpu_counters();
    // wgpu 30.0.1 on Vulkan never counts textures up (only down): compare bytes instead.
    w.textures = 0;
    (w, c.live_textures, c.live_buffers)
}

#[test]
fn steady_frames_create_nothing_and_fit_is_a_uniform() {
    let dir = project(
        "output = \"c\"\n[n]\ntype = \"noise\"\nsize = [32, 24]\nspeed = 2\n[pic]\ntype = \"image\"\npath = \"pic.png\"\nsize = [32, 24]\n[c]\ntype = \"composite\"\ninputs = [\"n\", \"pic\"]\n",
        &[("pic.png", &png(20, 20, varied))],
    );
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        let mut created = 0;
        for k in 0..60 {
            if k == 5 {
                created = engine.gpu().counts().total_created();
            }
            if k % 10 == 0 {
                let fit = ["stretch", "contain", "cover"][(k / 10 % 3) as usize];
                engine.set_param("pic", "fit", fit).unwrap();
                engine.set_param("pic", "flip_y", k % 20 == 0).unwrap();
            }
            let report = engine
                .render(
                    FrameTime {
                        time: k as f64 / 60.0,
                        frame: k,
                    },
                    Target::None,
                    false,
                )
                .unwrap();
            assert_eq!((report.encoders, report.submits), (1, 1), "frame {k}");
            if k >= 5 {
                assert_eq!(report.objects_created, 0, "frame {k}");
            }
        }
        assert_eq!(engine.gpu().counts().total_created(), created, "{mode:?}");
        let s = engine.stats();
        assert_eq!(
            s.gpu_objects_created_after_warmup, 0,
            "{:?}",
            s.gpu_objects_created_after_warmup_by_kind
        );
        assert!(
            s.wgpu_counter_changes_after_warmup.is_empty(),
            "{:?}",
            s.wgpu_counter_changes_after_warmup
        );
        assert_eq!(
            engine.gpu().errors().count(),
            0,
            "{:?}",
            engine.gpu().errors().recent()
        );
    }
}

#[test]
fn a_prepare_for_another_reason_does_not_read_the_file_again() {
    let dir = project(
        &chain("pic.png", ""),
        &[("pic.png", &png(8, 8, |_, _| [255, 0, 0, 255]))],
    );
    let file = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    assert_eq!(frame(&mut engine, 0).at(1, 1), [1.0, 0.0, 0.0, 1.0]);
    // Another picture of the same length, its time set back: only the engine's word that
    // the file changed makes it read again.
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let green = png(8, 8, |_, _| [0, 255, 0, 255]);
    assert_eq!(green.len() as u64, std::fs::metadata(&file).unwrap().len());
    std::fs::write(&file, &green).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    // A new output texture makes it prepare: the picture is reused.
    engine.set_output_size(Some([4, 4])).unwrap();
    let created = engine.gpu().counts().snapshot();
    assert_eq!(frame(&mut engine, 1).at(1, 1), [1.0, 0.0, 0.0, 1.0]);
    let after = engine.gpu().counts().snapshot();
    assert_eq!(
        after.live_textures, created.live_textures,
        "no second picture texture"
    );
    let named = engine.files_changed(std::slice::from_ref(&file));
    assert_eq!(named, vec![file.canonicalize().unwrap()]);
    assert_eq!(frame(&mut engine, 2).at(1, 1), [0.0, 1.0, 0.0, 1.0]);
    // A file no node names changes nothing.
    assert!(
        engine
            .files_changed(&[dir.path().join("chain.toml")])
            .is_empty()
    );
}

#[test]
fn bad_files_are_refused_with_their_name() {
    let max = common::gpu().max_texture_side();
    let good = png(4, 4, |_, _| [1, 2, 3, 255]);
    let dir = project(
        &chain("pic.png", ""),
        &[
            ("pic.png", &good),
            ("garbage.png", b"this is not a picture"),
            ("wide.png", &png(max + 1, 1, |_, _| [0, 0, 0, 255])),
            ("anim.gif", b"GIF89a"),
        ],
    );
    std::fs::create_dir(dir.path().join("folder.png")).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let canonical = dir.path().canonicalize().unwrap();
    for (file, expect) in [
        ("missing.png", "no PNG or JPEG image"),
        ("garbage.png", "not a PNG or JPEG image"),
        ("folder.png", "is a folder, not a PNG or JPEG image"),
        ("anim.gif", "is not a PNG or JPEG image (.png, .jpg, .jpeg)"),
        ("wide.png", "max_texture_dimension_2d"),
    ] {
        let mut d = common::desc(&chain(file, ""));
        d.sources[0].0 = dir.path().join("chain.toml");
        let err = engine.set_chain(&d).unwrap_err().to_string();
        assert!(err.contains(expect), "{file}: {err}");
        assert!(
            err.contains(&canonical.join(file).display().to_string())
                || err.contains(&dir.path().join(file).display().to_string()),
            "{file}: names the file: {err}"
        );
        assert!(
            err.contains("chain.toml:4:8"),
            "{file}: at the value: {err}"
        );
        if file == "wide.png" {
            assert!(
                err.contains(&format!("{}x1", max + 1)) && err.contains(&format!("1..={max}")),
                "{err}"
            );
        }
    }
    // The running chain kept going.
    assert_eq!(
        frame(&mut engine, 0).to_rgba8().get_pixel(0, 0).0,
        [1, 2, 3, 255]
    );
    // An API caller gets the same checks.
    let err = engine
        .set_param(
            "pic",
            "path",
            dir.path().join("garbage.png").to_str().unwrap(),
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("garbage.png") && err.contains("not a PNG or JPEG image"),
        "{err}"
    );
}

#[test]
fn a_truncated_file_is_the_node_s_error_and_the_last_good_picture_stays() {
    let good = png(6, 6, |_, _| [0, 128, 255, 255]);
    let dir = project(&chain("pic.png", ""), &[("pic.png", &good)]);
    let file = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let before = frame(&mut engine, 0);
    // The header is whole, the pixels are not.
    std::fs::write(&file, &good[..good.len() - 40]).unwrap();
    engine.files_changed(std::slice::from_ref(&file));
    let after = frame(&mut engine, 1);
    assert_eq!(after, before, "the last good picture keeps showing");
    let errors = engine.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].node, "pic");
    assert!(
        errors[0].message.contains("pic.png")
            && errors[0]
                .message
                .contains("not a readable PNG or JPEG image"),
        "{}",
        errors[0].message
    );
    assert_eq!(engine.gpu().errors().count(), 0);
    // A directory where the file was, then the file back.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    engine.files_changed(std::slice::from_ref(&file));
    assert_eq!(frame(&mut engine, 2), before);
    assert!(
        engine.errors()[0].message.contains("is a folder"),
        "{:?}",
        engine.errors()
    );
    std::fs::remove_dir(&file).unwrap();
    std::fs::write(&file, png(6, 6, |_, _| [255, 255, 0, 255])).unwrap();
    engine.files_changed(std::slice::from_ref(&file));
    assert_eq!(frame(&mut engine, 3).at(2, 2), [1.0, 1.0, 0.0, 1.0]);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}

/// Writes `bytes` to `path` the way editors save: a temporary file renamed over it.
fn save(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn changed(path: &Path) -> Vec<Change> {
    vec![Change {
        path: path.to_path_buf(),
        first_seen: Instant::now(),
    }]
}

#[test]
fn live_the_picture_follows_its_file() {
    let dir = project(
        &chain("pic.png", ""),
        &[("pic.png", &png(8, 4, |_, _| [255, 0, 0, 255]))],
    );
    let file = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    assert_eq!(frame(&mut engine, 0).at(1, 1), [1.0, 0.0, 0.0, 1.0]);
    // Re-exported: another colour.
    save(&file, &png(8, 4, |_, _| [0, 0, 255, 255]));
    assert!(live.apply(&mut engine, &changed(&file)));
    assert_eq!(frame(&mut engine, 1).at(1, 1), [0.0, 0.0, 1.0, 1.0]);
    let t = live.frame_done(&engine);
    assert_eq!(t.len(), 1, "{t:?}");
    assert!(
        t[0].line().starts_with("reloaded pic.png in "),
        "{}",
        t[0].line()
    );
    // Re-exported at another size: the operator (no `size`) follows.
    save(&file, &png(5, 7, |_, _| [0, 255, 0, 255]));
    live.apply(&mut engine, &changed(&file));
    let img = frame(&mut engine, 2);
    assert_eq!((img.width, img.height), (5, 7));
    assert_eq!(img.at(4, 6), [0.0, 1.0, 0.0, 1.0]);
    // Broken while saving: reported, the last good one stays; fixed: shown.
    save(&file, b"\x89PNG\r\n\x1a\n half written");
    live.apply(&mut engine, &changed(&file));
    assert_eq!(frame(&mut engine, 3).at(4, 6), [0.0, 1.0, 0.0, 1.0]);
    assert!(
        engine.errors()[0].message.contains("pic.png"),
        "{:?}",
        engine.errors()
    );
    // Broken with a readable header of another size: the node takes the new size and
    // shows the last good picture in it (no stale binding of its old output).
    let other = png(9, 3, |_, _| [9, 9, 9, 255]);
    save(&file, &other[..other.len() - 20]);
    live.apply(&mut engine, &changed(&file));
    let img = frame(&mut engine, 4);
    assert_eq!((img.width, img.height), (9, 3));
    assert_eq!(img.at(8, 2), [0.0, 1.0, 0.0, 1.0]);
    assert_eq!(
        engine.gpu().errors().count(),
        0,
        "{:?}",
        engine.gpu().errors().recent()
    );
    save(&file, &png(5, 7, |_, _| [255, 255, 255, 255]));
    live.apply(&mut engine, &changed(&file));
    assert_eq!(frame(&mut engine, 5).at(4, 6), [1.0; 4]);
    assert!(engine.errors().is_empty());
    // Other files in the folder are not the picture.
    std::fs::write(dir.path().join("notes.txt"), "hi").unwrap();
    assert!(!live.apply(&mut engine, &changed(&dir.path().join("notes.txt"))));
}

#[test]
fn live_the_watcher_sees_a_re_export_within_a_bounded_time() {
    let dir = project(
        &chain("pic.png", ""),
        &[("pic.png", &png(8, 8, |_, _| [255, 0, 0, 255]))],
    );
    let file = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), true).unwrap();
    frame(&mut engine, 0);
    // Written in place, as some programs export.
    std::fs::write(&file, png(8, 8, |_, _| [0, 255, 0, 255])).unwrap();
    let end = Instant::now() + Duration::from_secs(5);
    let mut k = 1;
    loop {
        let reloaded = live.poll(&mut engine);
        let px = frame(&mut engine, k).at(1, 1);
        k += 1;
        if reloaded {
            // The frame right after the reload shows it.
            assert_eq!(px, [0.0, 1.0, 0.0, 1.0]);
            break;
        }
        assert!(Instant::now() < end, "no reload within 5 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn live_two_hundred_re_exports_leak_nothing() {
    let a = png(16, 16, |x, y| [x as u8 * 16, y as u8 * 16, 0, 255]);
    let b = png(16, 16, |x, y| [0, x as u8 * 16, y as u8 * 16, 128]);
    let dir = project(&chain("pic.png", ""), &[("pic.png", &a)]);
    let file: PathBuf = dir.path().join("pic.png");
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut live = Live::new(&engine, dir.path(), Vec::new(), false).unwrap();
    let mut k = 0;
    let mut cycle = |engine: &mut Engine, live: &mut Live| {
        for bytes in [&b, &a] {
            save(&file, bytes);
            assert!(live.apply(engine, &changed(&file)));
            frame(engine, k);
            k += 1;
        }
    };
    cycle(&mut engine, &mut live);
    let base = footprint(&engine);
    for _ in 0..100 {
        cycle(&mut engine, &mut live);
    }
    // wgpu's counters by their one rule (`WgpuCounters::diff`: pooled command encoders —
    // one per submission in flight, more on a loaded machine — within their bound).
    let now = footprint(&engine);
    let moved = now.0.diff(&base.0);
    assert!(
        moved.is_empty(),
        "after 200 re-exports: wgpu's counters moved: {moved:?}"
    );
    assert_eq!((now.1, now.2), (base.1, base.2), "after 200 re-exports");
    assert_eq!(engine.gpu().errors().count(), 0);
}

#[test]
fn another_path_frees_the_old_picture_at_once() {
    let big = png(256, 256, varied_big);
    let small = png(8, 8, |_, _| [9, 9, 9, 255]);
    let dir = project(
        &chain("big.png", "size = [16, 16]\n"),
        &[("big.png", &big), ("small.png", &small)],
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    frame(&mut engine, 0);
    let before = engine.gpu().counts().snapshot();
    std::fs::write(
        dir.path().join("chain.toml"),
        chain("small.png", "size = [16, 16]\n"),
    )
    .unwrap();
    engine.load_project(dir.path(), &[]).unwrap();
    // No frame since: the 256x256 picture (and its mips, ~0.7 MB) is gone already.
    let now = engine.gpu().counts().snapshot();
    assert_eq!(now.live_textures, before.live_textures - 1);
    assert!(
        now.texture_bytes <= before.texture_bytes - 256 * 256 * 8,
        "{} -> {}",
        before.texture_bytes,
        now.texture_bytes
    );
    assert_eq!(
        frame(&mut engine, 1).to_rgba8().get_pixel(3, 3).0,
        [9, 9, 9, 255]
    );
}

fn varied_big(x: u32, y: u32) -> [u8; 4] {
    [x as u8, y as u8, (x ^ y) as u8, 255]
}
