//! The media operators (`video`, `image_sequence`, `video_in`) against clips the tests make
//! with GStreamer itself: frame k of a lossless clip shows source frame k exactly, H.264
//! within the codec's error, colour bars through each colorimetry against the RGB values
//! computed here from the BT.601/709/2020 equations, loop, speed and seeking by expression,
//! nothing created in steady frames, and bad files reported while the last good frame stays.
//!
//! Clips are small (64x36, a few frames): the whole file runs in seconds on lavapipe.
#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

mod common;

use std::path::Path;

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;
use gstreamer_video as gst_video;
use vivid::readback::FloatImage;
use vivid::{Engine, FrameTime, Target};

const W: u32 = 64;
const H: u32 = 36;

/// Encodes `frames` (raw pixels of `info`) at `fps` through `chain` (a GStreamer launch
/// string of encoder and muxer) into `path`.
fn encode(path: &Path, info: &gst_video::VideoInfo, frames: &[Vec<u8>], fps: u64, chain: &str) {
    gst::init().unwrap();
    let launch = format!(
        "appsrc name=src format=time ! {chain} ! filesink location={}",
        path.display()
    );
    let pipeline = gst::parse::launch(&launch)
        .unwrap()
        .downcast::<gst::Pipeline>()
        .unwrap();
    let src = pipeline
        .by_name("src")
        .unwrap()
        .downcast::<gst_app::AppSrc>()
        .unwrap();
    src.set_caps(Some(&info.to_caps().unwrap()));
    pipeline.set_state(gst::State::Playing).unwrap();
    for (k, bytes) in frames.iter().enumerate() {
        let mut buffer = gst::Buffer::from_slice(bytes.clone());
        {
            let b = buffer.get_mut().unwrap();
            b.set_pts(gst::ClockTime::from_nseconds(
                k as u64 * 1_000_000_000 / fps,
            ));
            b.set_duration(gst::ClockTime::from_nseconds(1_000_000_000 / fps));
        }
        src.push_buffer(buffer).unwrap();
    }
    src.end_of_stream().unwrap();
    let bus = pipeline.bus().unwrap();
    let msg = bus
        .timed_pop_filtered(
            gst::ClockTime::from_seconds(30),
            &[gst::MessageType::Eos, gst::MessageType::Error],
        )
        .expect("the encoder finishes");
    if let gst::MessageView::Error(e) = msg.view() {
        panic!(
            "encoding {}: {} ({:?})",
            path.display(),
            e.error(),
            e.debug()
        );
    }
    pipeline.set_state(gst::State::Null).unwrap();
}

/// The grey of source frame `k` of the grey clips.
fn grey(k: usize) -> u8 {
    (k * 30 + 10) as u8
}

/// 8 frames, frame k a uniform grey `grey(k)`, as BGRA.
fn grey_frames() -> (gst_video::VideoInfo, Vec<Vec<u8>>) {
    gst::init().unwrap();
    let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::Bgra, W, H)
        .fps(gst::Fraction::new(30, 1))
        .build()
        .unwrap();
    let frames = (0..8)
        .map(|k| {
            let g = grey(k);
            [g, g, g, 255].repeat((W * H) as usize)
        })
        .collect();
    (info, frames)
}

/// A project folder with `chain.toml`.
fn project(chain: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
    dir
}

/// A chain showing `[v]`, a `video` of `file`, with `extra` lines in its table.
fn chain(file: &str, extra: &str) -> String {
    format!("output = \"v\"\n[v]\ntype = \"video\"\npath = \"{file}\"\nsize = [{W}, {H}]\n{extra}")
}

/// Frame `k` at `fps`, read back.
fn frame(engine: &mut Engine, k: u64, fps: f64) -> FloatImage {
    engine.set_capture(true);
    engine
        .render(
            FrameTime {
                time: k as f64 / fps,
                frame: k,
            },
            Target::None,
            true,
        )
        .unwrap();
    engine.read_output().unwrap()
}

/// The 8-bit grey of a uniform frame (checked uniform).
fn uniform_grey(img: &FloatImage) -> u8 {
    let rgba = img.to_rgba8();
    let first = rgba.get_pixel(0, 0).0;
    for p in rgba.pixels() {
        assert_eq!(p.0, first, "not uniform");
    }
    assert_eq!(first[0], first[1]);
    assert_eq!(first[3], 255);
    first[0]
}

#[test]
fn lossless_clip_frame_k_shows_source_frame_k_exactly() {
    let dir = project(&chain("clip.mkv", ""));
    let (info, frames) = grey_frames();
    encode(
        &dir.path().join("clip.mkv"),
        &info,
        &frames,
        30,
        "avenc_ffv1 ! matroskamux",
    );
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        for k in 0..8u64 {
            assert_eq!(
                uniform_grey(&frame(&mut engine, k, 30.0)),
                grey(k as usize),
                "{mode:?} frame {k}"
            );
        }
        // Twice the rate: each source frame twice. Looping: frame 16 is frame 0 again.
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        for k in 0..18u64 {
            let want = grey((k as usize / 2) % 8);
            assert_eq!(
                uniform_grey(&frame(&mut engine, k, 60.0)),
                want,
                "{mode:?} 60 fps frame {k}"
            );
        }
        assert_eq!(engine.gpu().errors().count(), 0);
    }
}

#[test]
fn h264_clip_frame_k_is_within_the_codec_s_error() {
    let dir = project(&chain("clip.mp4", ""));
    let (info, frames) = grey_frames();
    encode(
        &dir.path().join("clip.mp4"),
        &info,
        &frames,
        30,
        "videoconvert ! x264enc speed-preset=ultrafast pass=quant quantizer=8 key-int-max=4 ! mp4mux",
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    for k in 0..8u64 {
        let img = frame(&mut engine, k, 30.0);
        let mean = img.mean();
        let want = f64::from(grey(k as usize)) / 255.0;
        // x264 on flat grey, limited range: a code or two.
        assert!(
            (mean[0] - want).abs() < 3.0 / 255.0,
            "frame {k}: {mean:?} vs {want}"
        );
        assert!(
            (mean[2] - want).abs() < 3.0 / 255.0,
            "frame {k}: {mean:?} vs {want}"
        );
    }
}

/// Eight bars of known R'G'B' (8-bit), 8 pixels wide each.
const BARS: [[u8; 3]; 8] = [
    [255, 255, 255],
    [255, 255, 0],
    [0, 255, 255],
    [0, 255, 0],
    [255, 0, 255],
    [255, 0, 0],
    [0, 0, 255],
    [40, 90, 160],
];

/// `(Kr, Kb)` of each matrix, from the standards (BT.601-7, BT.709-6, BT.2020-2).
fn kr_kb(m: gst_video::VideoColorMatrix) -> (f64, f64) {
    match m {
        gst_video::VideoColorMatrix::Bt601 => (0.299, 0.114),
        gst_video::VideoColorMatrix::Bt709 => (0.2126, 0.0722),
        gst_video::VideoColorMatrix::Bt2020 => (0.2627, 0.0593),
        other => panic!("{other:?}"),
    }
}

/// I420 codes of R'G'B' `rgb` by the matrix and range: Y' = Kr R' + Kg G' + Kb B',
/// Cb = (B' - Y') / (2 (1 - Kb)), Cr = (R' - Y') / (2 (1 - Kr)), quantised to 8 bits.
#[expect(
    clippy::many_single_char_names,
    reason = "the standard's names: R', G', B', Y'"
)]
fn ycbcr(rgb: [u8; 3], m: gst_video::VideoColorMatrix, full: bool) -> [u8; 3] {
    let (kr, kb) = kr_kb(m);
    let [r, g, b] = rgb.map(|c| f64::from(c) / 255.0);
    let y = kr * r + (1.0 - kr - kb) * g + kb * b;
    let cb = (b - y) / (2.0 * (1.0 - kb));
    let cr = (r - y) / (2.0 * (1.0 - kr));
    let q = |v: f64| v.round().clamp(0.0, 255.0) as u8;
    if full {
        [q(255.0 * y), q(128.0 + 255.0 * cb), q(128.0 + 255.0 * cr)]
    } else {
        [
            q(16.0 + 219.0 * y),
            q(128.0 + 224.0 * cb),
            q(128.0 + 224.0 * cr),
        ]
    }
}

#[test]
fn colour_bars_come_back_through_each_colorimetry() {
    use gst_video::{VideoColorMatrix as M, VideoColorRange as R};
    gst::init().unwrap();
    let cases = [
        (M::Bt601, false),
        (M::Bt709, false),
        (M::Bt2020, false),
        (M::Bt601, true),
        (M::Bt709, true),
    ];
    for (matrix, full) in cases {
        let range = if full { R::Range0_255 } else { R::Range16_235 };
        let colorimetry = gst_video::VideoColorimetry::new(
            range,
            matrix,
            gst_video::VideoTransferFunction::Bt709,
            gst_video::VideoColorPrimaries::Bt709,
        );
        let info = gst_video::VideoInfo::builder(gst_video::VideoFormat::I420, W, H)
            .fps(gst::Fraction::new(30, 1))
            .colorimetry(&colorimetry)
            .build()
            .unwrap();
        // The planes, made here from the bars by the standard's equations.
        let (cw, ch) = (W / 2, H / 2);
        let mut bytes = Vec::new();
        for plane in 0..3 {
            let (pw, ph) = if plane == 0 { (W, H) } else { (cw, ch) };
            let scale = W / pw;
            for _ in 0..ph {
                for x in 0..pw {
                    let bar = BARS[(x * scale / 8) as usize];
                    bytes.push(ycbcr(bar, matrix, full)[plane]);
                }
            }
        }
        let dir = project(&chain("bars.mkv", ""));
        encode(
            &dir.path().join("bars.mkv"),
            &info,
            &[bytes.clone(), bytes],
            30,
            "avenc_ffv1 ! matroskamux",
        );
        for mode in common::MODES {
            let mut engine = common::engine_in(mode);
            engine.load_project(dir.path(), &[]).unwrap();
            let img = frame(&mut engine, 0, 30.0).to_rgba8();
            for (i, bar) in BARS.iter().enumerate() {
                // The bar's middle: away from where chroma of two bars blends.
                let got = img.get_pixel(i as u32 * 8 + 4, H / 2).0;
                for c in 0..3 {
                    let d = (i32::from(got[c]) - i32::from(bar[c])).abs();
                    assert!(
                        d <= 2,
                        "{matrix:?} full={full} {mode:?}: bar {i} {bar:?} came back {got:?}"
                    );
                }
                assert_eq!(got[3], 255);
            }
        }
    }
}

/// Renders `frames` frames of `chain` at 30 fps over the grey clip; the grey index each shows.
fn shown_indices(extra: &str, frames: u64) -> Vec<usize> {
    let dir = project(&chain("clip.mkv", extra));
    let (info, data) = grey_frames();
    encode(
        &dir.path().join("clip.mkv"),
        &info,
        &data,
        30,
        "avenc_ffv1 ! matroskamux",
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    (0..frames)
        .map(|k| {
            let g = uniform_grey(&frame(&mut engine, k, 30.0));
            (0..8).find(|&i| grey(i) == g).unwrap()
        })
        .collect()
}

#[test]
fn loop_speed_points_and_seeking_by_expression() {
    // Double speed, looping over 8 frames: 0 2 4 6 0 2 ...
    assert_eq!(shown_indices("speed = 2\n", 6), [0, 2, 4, 6, 0, 2]);
    // Without loop, the last frame holds.
    assert_eq!(
        shown_indices("loop = false\n", 10),
        [0, 1, 2, 3, 4, 5, 6, 7, 7, 7]
    );
    // In and out points: frames 2..5 (0.1 s to 0.2 s), looping.
    assert_eq!(
        shown_indices("start = 0.0666667\nend = 0.1666667\n", 7),
        [2, 3, 4, 2, 3, 4, 2]
    );
    // A `time` expression seeks: backwards through the clip, then jumping.
    assert_eq!(
        shown_indices("time = \"(7 - frame) / 30\"\n", 8),
        [7, 6, 5, 4, 3, 2, 1, 0]
    );
    assert_eq!(
        shown_indices("time = \"(frame * 3) / 30\"\n", 5),
        [0, 3, 6, 1, 4]
    );
    // Half speed: each frame twice.
    assert_eq!(shown_indices("speed = 0.5\n", 6), [0, 0, 1, 1, 2, 2]);
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
fn playing_creates_nothing_in_steady_frames() {
    let dir = project(&chain("clip.mkv", "fit = \"contain\"\n"));
    let (info, frames) = grey_frames();
    encode(
        &dir.path().join("clip.mkv"),
        &info,
        &frames,
        30,
        "avenc_ffv1 ! matroskamux",
    );
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        for k in 0..40u64 {
            // A new frame every frame, looping (a seek every 8).
            let report = engine
                .render(
                    FrameTime {
                        time: k as f64 / 30.0,
                        frame: k,
                    },
                    Target::None,
                    false,
                )
                .unwrap();
            assert_eq!((report.encoders, report.submits), (1, 1), "frame {k}");
            if k >= 5 {
                assert_eq!(report.objects_created, 0, "{mode:?} frame {k}");
            }
        }
        let s = engine.stats();
        assert_eq!(s.gpu_objects_created_after_warmup, 0, "{s:?}");
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
fn bad_files_are_located_errors_and_the_last_good_frame_stays() {
    // A folder where a file should be: the chain's error, at its line.
    let dir = project(&chain("clip.mkv", ""));
    std::fs::create_dir(dir.path().join("clip.mkv")).unwrap();
    let mut engine = common::engine();
    let e = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("is a folder") && e.contains("chain.toml:4:8"),
        "{e}"
    );

    // Garbage, a truncated file, and a codec no plugin decodes: the node's error, naming
    // the file. (`time = 0`: the frame shown does not move.)
    let dir = project(&chain("clip.mkv", "time = 0\n"));
    let file = dir.path().join("clip.mkv");
    let (info, frames) = grey_frames();
    encode(&file, &info, &frames, 30, "avenc_ffv1 ! matroskamux");
    let good = std::fs::read(&file).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    assert_eq!(uniform_grey(&frame(&mut engine, 3, 30.0)), grey(0));
    let mut unknown = good.clone();
    // FFV1's FourCC in the Matroska header, renamed: no decoder knows "ZZZZ".
    let at = unknown.windows(4).position(|w| w == b"FFV1").unwrap();
    unknown[at..at + 4].copy_from_slice(b"ZZZZ");
    let cases: [(&str, Vec<u8>, &str); 3] = [
        ("garbage", b"this is not a video at all".repeat(50), ""),
        // Cut inside the Matroska header (a cut after the first frames still plays them).
        ("truncated", good[..48].to_vec(), ""),
        ("unknown codec", unknown, "plugin"),
    ];
    let mut k = 4;
    for (what, bytes, hint) in cases {
        std::fs::write(&file, &bytes).unwrap();
        engine.files_changed(std::slice::from_ref(&file));
        let img = frame(&mut engine, k, 30.0);
        k += 1;
        let errors = engine.errors();
        assert_eq!(errors.len(), 1, "{what}: {errors:?}");
        assert!(
            errors[0].message.contains("clip.mkv"),
            "{what}: {}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains(hint),
            "{what}: {}",
            errors[0].message
        );
        // The last good frame stays.
        assert_eq!(uniform_grey(&img), grey(0), "{what}");
    }
    // Fixed: it plays again.
    std::fs::write(&file, &good).unwrap();
    engine.files_changed(std::slice::from_ref(&file));
    frame(&mut engine, k, 30.0);
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
}

#[test]
fn two_hundred_reloads_leak_nothing() {
    let dir = project(&chain("clip.mkv", "time = 0\n"));
    let file = dir.path().join("clip.mkv");
    let (info, frames) = grey_frames();
    encode(&file, &info, &frames[..2], 30, "avenc_ffv1 ! matroskamux");
    let a = std::fs::read(&file).unwrap();
    encode(&file, &info, &frames[4..6], 30, "avenc_ffv1 ! matroskamux");
    let b = std::fs::read(&file).unwrap();
    let broken = b"not a video".to_vec();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut k = 0;
    let mut cycle = |engine: &mut Engine| {
        for (bytes, want) in [(&a, Some(grey(0))), (&broken, None), (&b, Some(grey(4)))] {
            std::fs::write(&file, bytes).unwrap();
            engine.files_changed(std::slice::from_ref(&file));
            let g = uniform_grey(&frame(engine, k, 1000.0));
            if let Some(want) = want {
                assert_eq!(g, want, "reload {k}");
            }
            k += 1;
        }
    };
    cycle(&mut engine);
    let base = footprint(&engine);
    for _ in 0..67 {
        cycle(&mut engine);
    }
    assert_eq!(footprint(&engine), base, "after 200 reloads");
    assert_eq!(engine.gpu().errors().count(), 0);
}

#[test]
fn an_image_sequence_plays_its_frames_in_number_order() {
    // Frames named out of lexical order (9 before 10), frame i a uniform grey(i); one a JPEG.
    let dir = project(&format!(
        "output = \"s\"\n[s]\ntype = \"image_sequence\"\npath = \"frames\"\nfps = 10\nsize = [{W}, {H}]\n"
    ));
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    for (i, number) in [7, 8, 9, 10, 11, 12].iter().enumerate() {
        let g = grey(i);
        image::RgbaImage::from_pixel(16, 9, image::Rgba([g, g, g, 255]))
            .save(frames.join(format!("shot_{number}.png")))
            .unwrap();
    }
    for mode in common::MODES {
        let mut engine = common::engine_in(mode);
        engine.load_project(dir.path(), &[]).unwrap();
        // Rendered at 20 fps: each frame twice; looping after 6.
        for k in 0..14u64 {
            let report_frame = frame(&mut engine, k, 20.0);
            assert_eq!(
                uniform_grey(&report_frame),
                grey((k as usize / 2) % 6),
                "{mode:?} frame {k}"
            );
        }
        assert_eq!(engine.stats().gpu_objects_created_after_warmup, 0);
        assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    }
    // A frame replaced on disk shows at once (the folder's files are watched as one).
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    assert_eq!(uniform_grey(&frame(&mut engine, 0, 20.0)), grey(0));
    image::RgbaImage::from_pixel(16, 9, image::Rgba([200, 200, 200, 255]))
        .save(frames.join("shot_7.png"))
        .unwrap();
    engine.files_changed(&[frames.join("shot_7.png")]);
    // Frame 12 at 20 fps is sequence frame 6 = frame 0 again (looping).
    assert_eq!(uniform_grey(&frame(&mut engine, 12, 20.0)), 200);

    // A file where a folder belongs, and an empty folder: located errors.
    std::fs::write(dir.path().join("file.png"), b"x").unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for (path, says) in [("file.png", "is not a folder"), ("empty", "no frames")] {
        let chain = format!(
            "output = \"s\"\n[s]\ntype = \"image_sequence\"\npath = \"{path}\"\nsize = [{W}, {H}]\n"
        );
        std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
        let e = engine
            .load_project(dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains(says) && e.contains("chain.toml:4:8"), "{e}");
    }
}

#[test]
fn an_image_sequence_pattern_plays_its_matches_in_natural_order_under_the_file_rule() {
    // f1, f2, f10 (natural order: not f1, f10, f2), and files the pattern leaves out.
    let dir = project(&format!(
        "output = \"s\"\n[s]\ntype = \"image_sequence\"\npath = \"frames/f*.png\"\nfps = 10\nsize = [{W}, {H}]\n"
    ));
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    let put = |name: &str, g: u8| {
        image::RgbaImage::from_pixel(8, 8, image::Rgba([g, g, g, 255]))
            .save(frames.join(name))
            .unwrap();
    };
    for (i, name) in ["f1.png", "f2.png", "f10.png"].iter().enumerate() {
        put(name, grey(i));
    }
    put("other_5.png", 250);
    image::RgbImage::from_pixel(8, 8, image::Rgb([250, 250, 250]))
        .save(frames.join("f3.jpg"))
        .unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    for k in 0..6u64 {
        assert_eq!(
            uniform_grey(&frame(&mut engine, k, 10.0)),
            grey(k as usize % 3),
            "frame {k}"
        );
    }
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    // A match changed on disk: the folder of the pattern is watched.
    put("f2.png", 200);
    engine.files_changed(&[frames.join("f2.png")]);
    assert_eq!(uniform_grey(&frame(&mut engine, 7, 10.0)), 200);

    // A match that leads out of the project: a located error naming it.
    let outside = tempfile::tempdir().unwrap();
    image::RgbaImage::from_pixel(8, 8, image::Rgba([1, 2, 3, 255]))
        .save(outside.path().join("secret.png"))
        .unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.png"), frames.join("f4.png")).unwrap();
    let e = engine
        .load_project(dir.path(), &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("outside the project") && e.contains("f4.png") && e.contains("chain.toml:4:8"),
        "{e}"
    );
    std::fs::remove_file(frames.join("f4.png")).unwrap();

    // Nothing matches; a pattern in the folder part: located errors.
    for (path, says) in [("frames/x*.png", "match"), ("fr*/f1.png", "not a folder")] {
        let chain = format!(
            "output = \"s\"\n[s]\ntype = \"image_sequence\"\npath = \"{path}\"\nsize = [{W}, {H}]\n"
        );
        std::fs::write(dir.path().join("chain.toml"), chain).unwrap();
        let e = engine
            .load_project(dir.path(), &[])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(says) && e.contains("chain.toml:4:8"),
            "{path}: {e}"
        );
    }
}

#[test]
fn an_mp4_whose_first_frame_is_not_at_zero_plays_from_its_first_frame() {
    // x264 with B-frames into GStreamer's mp4mux (no edit list): the first frame's
    // timestamp is two frames in. Position 0 is that frame, not a time before every frame.
    let dir = project(&chain("clip.mp4", ""));
    let file = dir.path().join("clip.mp4");
    let (info, frames) = grey_frames();
    encode(
        &file,
        &info,
        &frames,
        30,
        "videoconvert ! x264enc speed-preset=veryfast bframes=2 b-adapt=false pass=quant quantizer=8 key-int-max=8 ! mp4mux",
    );
    // What GStreamer itself says the first timestamp is (not 0: else this test tests
    // nothing new).
    let probe = gst::parse::launch(&format!(
        "filesrc location={} ! decodebin ! appsink name=s sync=false",
        file.display()
    ))
    .unwrap()
    .downcast::<gst::Pipeline>()
    .unwrap();
    let sink = probe
        .by_name("s")
        .unwrap()
        .downcast::<gst_app::AppSink>()
        .unwrap();
    probe.set_state(gst::State::Playing).unwrap();
    let first = sink
        .try_pull_sample(gst::ClockTime::from_seconds(10))
        .unwrap()
        .buffer()
        .unwrap()
        .pts()
        .unwrap();
    probe.set_state(gst::State::Null).unwrap();
    assert!(
        first.nseconds() > 0,
        "the clip starts at 0: no B-frame delay"
    );
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    for k in 0..8u64 {
        let mean = frame(&mut engine, k, 30.0).mean();
        let want = f64::from(grey(k as usize)) / 255.0;
        assert!(
            (mean[0] - want).abs() < 3.0 / 255.0,
            "frame {k}: {mean:?} vs {want} (first timestamp {first})"
        );
    }
}
