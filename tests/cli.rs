//! The `vivid` binary end to end: help, the operator listing, headless renders, snapshots,
//! `--size`, `--set`, `--fps`, `--stats-json`, and every kind of bad input — each reported
//! with <file:line:col> (where it has one), a hint, and a non-zero exit; never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: a failed unwrap is a failed test; exact float checks are deliberate"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn vivid(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs vivid")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[track_caller]
fn ok(args: &[&str]) -> String {
    let o = vivid(args);
    let t = text(&o);
    assert!(o.status.success(), "vivid {args:?} failed:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    t
}

/// A project folder holding `chain` as its chain.toml.
fn project(chain: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("chain.toml"), chain).expect("write chain.toml");
    dir
}

/// Runs a bad project headless and checks the report.
#[track_caller]
fn fails(chain: &str, location: &str, expect: &[&str]) {
    let dir = project(chain);
    let o = vivid(&[
        dir.path().to_str().unwrap(),
        "--headless",
        "--monitor-interval",
        "0",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "must exit 1:\n{t}");
    assert!(!t.contains("panicked"), "{t}");
    let path = dir.path().join("chain.toml");
    // File-level problems have no line and column.
    let want = if location.is_empty() {
        path.display().to_string()
    } else {
        format!("{}:{location}", path.display())
    };
    assert!(t.contains(&want), "expected location {want} in:\n{t}");
    for e in expect {
        assert!(t.contains(e), "expected {e:?} in:\n{t}");
    }
}

#[test]
fn help_documents_every_flag() {
    let t = ok(&["--help"]);
    for flag in [
        "--headless",
        "--frames",
        "--snapshot",
        "--size",
        "--fps",
        "--set",
        "--monitor-interval",
        "--stats-json",
        "--window-size",
        "operators",
    ] {
        assert!(t.contains(flag), "--help lacks {flag}:\n{t}");
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // `vivid operators | head -1`: the reader is gone before vivid writes.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let out = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .arg("operators")
        .stdout(writer)
        .output()
        .expect("run vivid");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn operators_lists_every_type_with_params_defaults_and_ranges() {
    let t = ok(&["operators"]);
    for ty in [
        "noise",
        "solid",
        "gradient",
        "shape",
        "levels",
        "hsv",
        "transform",
        "blur",
        "composite",
        "feedback",
    ] {
        assert!(t.contains(&format!("\n  {ty} — ")), "no {ty}:\n{t}");
    }
    assert!(t.contains("scale") && t.contains("0.001..=10000"), "{t}");
    assert!(t.contains("perlin | simplex | worley | value"), "{t}");
    assert!(
        t.contains("over | add | multiply | screen | overlay | difference"),
        "{t}"
    );
    assert!(t.contains("inputs: 1..8"), "{t}");
}

fn png(path: &Path) -> image::RgbaImage {
    image::open(path).expect("a PNG").to_rgba8()
}

#[test]
fn headless_snapshot_is_display_referred() {
    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("solid.png");
    ok(&[
        "testing-fixtures/solid",
        "--headless",
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    let img = png(&snap);
    assert_eq!(img.dimensions(), (32, 16));
    for p in img.pixels() {
        for (got, want) in p.0.iter().zip([128u8, 64, 255, 255]) {
            assert!(got.abs_diff(want) <= 1, "{:?}", p.0);
        }
    }
}

#[test]
fn size_set_and_frames_apply() {
    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("s.png");
    let t = ok(&[
        "testing-fixtures/solid",
        "--headless",
        "--frames",
        "3",
        "--size",
        "40x30",
        "--set",
        "solid.color=[0.0, 1.0, 0.0]",
        "--snapshot",
        snap.to_str().unwrap(),
    ]);
    assert!(t.contains("3 frames of 40x30"), "{t}");
    let img = png(&snap);
    assert_eq!(img.dimensions(), (40, 30));
    assert_eq!(img.get_pixel(5, 5).0, [0, 255, 0, 255]);
}

#[test]
fn fixed_fps_renders_are_deterministic_and_time_moves() {
    let out = tempfile::tempdir().unwrap();
    let shot = |name: &str, frames: &str| {
        let p = out.path().join(name);
        ok(&[
            "testing-fixtures/hello-noise",
            "--headless",
            "--frames",
            frames,
            "--fps",
            "30",
            "--snapshot",
            p.to_str().unwrap(),
        ]);
        png(&p)
    };
    let a = shot("a.png", "10");
    let b = shot("b.png", "10");
    let c = shot("c.png", "20");
    assert_eq!(a, b, "same frames, same fps: same image");
    assert_ne!(a, c, "a later frame has moved");
}

#[test]
fn stats_json_reports_the_frame_model() {
    let out = tempfile::tempdir().unwrap();
    let stats = out.path().join("stats.json");
    ok(&[
        "examples/04-compositing",
        "--headless",
        "--frames",
        "30",
        "--size",
        "160x90",
        "--stats-json",
        stats.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(v["frames"], 30);
    assert_eq!(v["max_encoders_per_frame"], 1);
    assert_eq!(v["max_submits_per_frame"], 1);
    assert_eq!(v["gpu_objects_created_after_warmup"], 0);
    assert!(v["rss_bytes_first"].as_u64().unwrap() > 0);
    assert!(v["rss_bytes_last"].as_u64().unwrap() > 0);
    assert!(v["monitor_samples"].is_array());
    assert_eq!(v["output_size"], serde_json::json!([160, 90]));
}

#[test]
fn the_monitor_prints_its_line() {
    let t = ok(&[
        "examples/02-hello-noise",
        "--headless",
        "--duration",
        "0.5",
        "--size",
        "64x36",
        "--monitor-interval",
        "0.05",
    ]);
    let line = t
        .lines()
        .find(|l| l.contains("] Memory: "))
        .unwrap_or_else(|| panic!("no monitor line:\n{t}"));
    assert!(
        line.contains("MB (total: ") && line.contains("| GPU: ") && line.contains(" textures, "),
        "{line}"
    );
}

#[test]
fn every_example_runs_headless() {
    for e in [
        "01-template",
        "02-hello-noise",
        "03-feedback",
        "04-compositing",
        "08-kaleido-feedback",
    ] {
        ok(&[
            &format!("examples/{e}"),
            "--headless",
            "--frames",
            "5",
            "--size",
            "96x54",
        ]);
    }
}

#[test]
fn bad_toml_syntax() {
    fails(
        "[noise]\ntype = \"noise\nscale = 3\n",
        "2:14",
        &["invalid TOML"],
    );
}

#[test]
fn unknown_type() {
    fails(
        "output = \"n\"\n\n[n]\ntype = \"nosie\"\n",
        "4:8",
        &[
            "unknown operator type `nosie`",
            "hint: did you mean `noise`?",
        ],
    );
}

#[test]
fn unknown_parameter() {
    fails(
        "[n]\ntype = \"noise\"\nscal = 3\n",
        "3:1",
        &["unknown parameter `scal`", "hint: did you mean `scale`?"],
    );
}

#[test]
fn wrong_value_type() {
    fails(
        "[n]\ntype = \"noise\"\nscale = true\n",
        "3:9",
        &[
            "expects a number",
            "found a boolean",
            "hint: e.g. `scale = 4.0`",
        ],
    );
    fails(
        "[n]\ntype = \"noise\"\noffset = [1, 2]\n",
        "3:10",
        &["`offset` needs 3 numbers, found 2"],
    );
    fails(
        "[n]\ntype = \"noise\"\nkind = \"perlinn\"\n",
        "3:8",
        &["no choice \"perlinn\"", "hint: did you mean `perlin`?"],
    );
    fails(
        "[n]\ntype = \"noise\"\noctaves = 20\n",
        "3:11",
        &["out of its range 1..=8"],
    );
}

#[test]
fn invalid_expression() {
    fails(
        "[n]\ntype = \"noise\"\nscale = \"4 + sin(tme)\"\n",
        "3:18",
        &["unknown variable `tme`", "hint: did you mean `time`?"],
    );
    fails(
        "[n]\ntype = \"noise\"\nscale = \"4 + * 2\"\n",
        "3:14",
        &["expected a number, a variable, a function or `(`, found `*`"],
    );
}

#[test]
fn missing_input() {
    fails(
        "[b]\ntype = \"blur\"\ninput = \"nose\"\n\n[noise]\ntype = \"noise\"\n",
        "3:9",
        &["input `nose`", "hint: did you mean `noise`?"],
    );
    fails(
        "[b]\ntype = \"blur\"\n",
        "1:2",
        &["needs 1 input, found 0", "hint: add `input"],
    );
    fails(
        "[n]\ntype = \"noise\"\ninput = \"n\"\n",
        "3:9",
        &["takes no input"],
    );
}

#[test]
fn cycle() {
    fails(
        "output = \"a\"\n[a]\ntype = \"blur\"\ninput = \"b\"\n[b]\ntype = \"levels\"\ninput = \"a\"\n",
        "7:9",
        &["cycle: b -> a -> b", "hint:", "feedback"],
    );
}

#[test]
fn unknown_output() {
    fails(
        "output = \"nosie\"\n[noise]\ntype = \"noise\"\n",
        "1:10",
        &["`output` names `nosie`", "hint: did you mean `noise`?"],
    );
}

#[test]
fn empty_file() {
    let dir = project("");
    let t = text(&vivid(&[dir.path().to_str().unwrap(), "--headless"]));
    assert!(
        t.contains("chain.toml is empty") && t.contains("hint:"),
        "{t}"
    );
    fails("# only a comment\n", "", &["the chain is empty", "hint:"]);
}

#[test]
fn absurd_size() {
    fails(
        "[n]\ntype = \"noise\"\nsize = [100000, 10]\n",
        "3:8",
        &["100000x10", "max_texture_dimension_2d"],
    );
    let o = vivid(&["testing-fixtures/solid", "--headless", "--size", "0x10"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn misplaced_keys() {
    fails(
        "outptu = \"n\"\n[n]\ntype = \"noise\"\n",
        "1:1",
        &[
            "unknown top-level key `outptu`",
            "hint: did you mean `output`?",
        ],
    );
    fails("[n]\nscale = 3\n", "1:2", &["has no `type`"]);
    fails(
        "[n]\ntype = \"blur\"\ninput = \"m\"\ninputs = [\"m\"]\n[m]\ntype = \"noise\"\n",
        "4:1",
        &["both `input` and `inputs`"],
    );
}

#[test]
fn no_chain_toml_and_no_such_folder() {
    let empty = tempfile::tempdir().unwrap();
    let t = text(&vivid(&[empty.path().to_str().unwrap(), "--headless"]));
    assert!(
        t.contains("has no chain.toml") && t.contains("hint:"),
        "{t}"
    );
    let missing = PathBuf::from("/nonexistent/vivid-project");
    let o = vivid(&[missing.to_str().unwrap(), "--headless"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("no such folder"), "{}", text(&o));
}

#[test]
fn bad_set_arguments_point_into_the_argument() {
    let cases: [(&str, &str); 4] = [
        ("noise.scal=3", "--set:1:7"),
        ("nosie.scale=3", "--set:1:1"),
        ("noise.scale", "--set:1:1"),
        ("noise.scale=\"sin(tme)\"", "--set:1:18"),
    ];
    for (arg, loc) in cases {
        let o = vivid(&["testing-fixtures/hello-noise", "--headless", "--set", arg]);
        let t = text(&o);
        assert_eq!(o.status.code(), Some(1), "{arg}:\n{t}");
        assert!(t.contains(loc), "{arg}: expected {loc} in:\n{t}");
        assert!(!t.contains("panicked"), "{t}");
    }
}

#[test]
fn a_window_without_a_display_explains_headless() {
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args(["testing-fixtures/solid", "--frames", "1"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("--headless"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn shaders_can_come_from_a_folder() {
    // A copy of shaders/ with operators/noise.wgsl broken: the error names the file on disk.
    let dir = tempfile::tempdir().unwrap();
    let shaders = Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
    std::fs::create_dir_all(dir.path().join("common")).unwrap();
    for entry in std::fs::read_dir(shaders.join("common")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join("common").join(p.file_name().unwrap())).unwrap();
    }
    let noise = std::fs::read_to_string(shaders.join("operators/noise.wgsl")).unwrap();
    std::fs::create_dir_all(dir.path().join("operators")).unwrap();
    std::fs::write(
        dir.path().join("operators/noise.wgsl"),
        noise.replace("return mix(mix(x00", "return mix(mix(x0"),
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_vivid"))
        .args([
            "testing-fixtures/noise-perlin",
            "--headless",
            "--monitor-interval",
            "0",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("VIVID_SHADER_DIR", dir.path())
        .output()
        .unwrap();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    let file = dir.path().join("operators/noise.wgsl");
    assert!(t.contains(&format!("{}:", file.display())), "{t}");
    assert!(t.contains("x0"), "{t}");
}

#[test]
fn custom_shader_params_are_listed_and_settable() {
    let t = ok(&["operators", "--project", "examples/05-live-shader"]);
    assert!(
        t.contains("CUSTOM SHADERS OF examples/05-live-shader"),
        "{t}"
    );
    assert!(
        t.contains("[wobble]") && t.contains("custom shader wobble.wgsl"),
        "{t}"
    );
    assert!(
        t.contains("frequency") && t.contains("0..=200") && t.contains("Waves across the height"),
        "{t}"
    );
    // A reflected parameter takes --set like any other, and is checked like any other.
    ok(&[
        "examples/05-live-shader",
        "--headless",
        "--size",
        "64x36",
        "--set",
        "wobble.frequency=30",
    ]);
    let o = vivid(&[
        "examples/05-live-shader",
        "--headless",
        "--set",
        "wobble.frequency=500",
    ]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("--set:1:18") && t.contains("0..=200"), "{t}");
}

#[test]
fn bench_reports_every_operator() {
    let out = tempfile::tempdir().unwrap();
    let json = out.path().join("bench.json");
    let t = ok(&[
        "bench",
        "testing-fixtures/bench-10-1080p",
        "--size",
        "96x54",
        "--frames",
        "8",
        "--warmup",
        "3",
        "--bandwidth",
        "3000",
    ]);
    assert!(
        t.contains("GPU us")
            && t.contains("x floor")
            && t.contains("f001…f010")
            && t.contains("fused(10)")
            && t.contains("fused: 10 pointwise operators into 1 pass ")
            && t.contains("GPU memory:"),
        "{t}"
    );
    // Unfused: a row per operator.
    ok(&[
        "bench",
        "testing-fixtures/bench-10-1080p",
        "--size",
        "96x54",
        "--frames",
        "4",
        "--warmup",
        "2",
        "--no-fuse",
        "--json",
        json.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["operators"].as_array().unwrap().len(), 11, "{v}");
    assert_eq!(v["fused_runs"].as_array().unwrap().len(), 0, "{v}");
    ok(&[
        "bench",
        "examples/04-compositing",
        "--size",
        "96x54",
        "--frames",
        "8",
        "--warmup",
        "3",
        "--json",
        json.to_str().unwrap(),
    ]);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let ops = v["operators"].as_array().unwrap();
    assert_eq!(ops.len(), 10, "{v}");
    for o in ops {
        assert!(o["cpu_us"][0].as_f64().unwrap() > 0.0, "{o}");
        assert!(o["samples"].as_u64().unwrap() >= 8, "{o}");
        assert!(o["floor_bytes"].as_u64().unwrap() > 0, "{o}");
    }
    assert!(v["ms_per_frame"].as_f64().unwrap() > 0.0);
}

const SCENE: &str = r#"output = "r"
[cam]
type = "camera"
[ball]
type = "mesh"
kind = "sphere"
[sun]
type = "directional_light"
[r]
type = "render3d"
size = [32, 32]
camera = "cam"
"#;

#[test]
fn scene_references_are_checked_at_the_name() {
    // An unknown mesh, with a hint among the meshes.
    fails(
        &format!("{SCENE}meshes = [\"ball\", \"bal\"]\n"),
        "13:19",
        &[
            "`r` names mesh `bal`, which is not in this chain",
            "did you mean `ball`?",
        ],
    );
    // A light where a mesh is expected.
    fails(
        &format!("{SCENE}meshes = [\"sun\"]\n"),
        "13:11",
        &["`r` names `sun`, a light, where a mesh is expected"],
    );
    // An image operator where a camera is expected.
    fails(
        "output = \"r\"\n[n]\ntype = \"noise\"\n[r]\ntype = \"render3d\"\ncamera = \"n\"\n",
        "6:10",
        &["an image operator, where a camera is expected"],
    );
}

#[test]
fn scene_nodes_make_no_image() {
    fails(
        &SCENE.replace("output = \"r\"", "output = \"cam\""),
        "1:10",
        &["`output` names `cam`, a camera, which makes no image"],
    );
    fails(
        &format!("{SCENE}[blurred]\ntype = \"blur\"\ninput = \"ball\"\n"),
        "15:9",
        &["`blurred` takes input `ball`, a mesh: inputs are images"],
    );
    fails(
        &SCENE.replace("type = \"camera\"", "type = \"camera\"\nsize = [10, 10]"),
        "4:8",
        &["`cam` is a camera: it has no size"],
    );
}

#[test]
fn missing_and_broken_mesh_files_are_reported() {
    let dir = project(&format!(
        "{SCENE}meshes = [\"model\"]\n[model]\ntype = \"mesh\"\npath = \"modle.gltf\"\n"
    ));
    std::fs::write(
        dir.path().join("model.gltf"),
        "{\"asset\": {\"version\": \"2.0\"}, [",
    )
    .unwrap();
    let run = || {
        vivid(&[
            dir.path().to_str().unwrap(),
            "--headless",
            "--monitor-interval",
            "0",
        ])
    };
    let o = run();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("chain.toml:16:8"), "{t}");
    assert!(
        t.contains("no glTF file") && t.contains("did you mean `model.gltf`?"),
        "{t}"
    );
    // Found, but not glTF: named with what is wrong, exit 1, no panic.
    let chain = std::fs::read_to_string(dir.path().join("chain.toml")).unwrap();
    std::fs::write(
        dir.path().join("chain.toml"),
        chain.replace("modle", "model"),
    )
    .unwrap();
    let o = run();
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("model.gltf: not a usable glTF 2.0 file"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
}

#[test]
fn a_shadow_resolution_cannot_be_an_expression() {
    fails(
        "output = \"r\"\n[l]\ntype = \"point_light\"\nshadow_resolution = \"512 * (1 + sin(time))\"\n[r]\ntype = \"render3d\"\nlights = [\"l\"]\n",
        "4:21",
        &[
            "`shadow_resolution` cannot be an expression",
            "e.g. `shadow_resolution = 1024`",
        ],
    );
}

#[test]
fn set_moves_the_camera_and_turns_shadows_off() {
    let dir = tempfile::tempdir().unwrap();
    let shot = |name: &str, sets: &[&str]| {
        let path = dir.path().join(name);
        let mut args = vec![
            "testing-fixtures/shadow-point",
            "--headless",
            "--size",
            "96x72",
            "--snapshot",
            path.to_str().unwrap(),
        ];
        for s in sets {
            args.extend(["--set", s]);
        }
        ok(&args);
        png(&path)
    };
    let base = shot("base.png", &[]);
    let no_shadow = shot("off.png", &["light.cast_shadows=false"]);
    let moved = shot(
        "moved.png",
        &[
            "camera.position=[-4, 2, -4]",
            "camera.target=[0, 3, 0]",
            "camera.fov=90",
        ],
    );
    let sum = |i: &image::RgbaImage| i.pixels().map(|p| u64::from(p[0])).sum::<u64>();
    assert!(sum(&no_shadow) > sum(&base), "no shadows: brighter");
    assert_ne!(moved.as_raw(), base.as_raw(), "the camera moved");
}

const IMAGE_CHAIN: &str = "output = \"pic\"\n[pic]\ntype = \"image\"\npath = \"pic.png\"\n";

/// Runs the project in `dir` headless: (exit code, output).
fn run_dir(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec![
        dir.to_str().unwrap(),
        "--headless",
        "--monitor-interval",
        "0",
    ];
    args.extend(extra);
    let o = vivid(&args);
    (o.status.code(), text(&o))
}

#[test]
fn an_image_snapshot_gives_back_the_file_s_pixels() {
    let dir = project(IMAGE_CHAIN);
    let pixels = [
        [128, 64, 255, 255],
        [200, 100, 50, 128],
        [0, 0, 0, 0],
        [255, 255, 255, 255],
        [7, 9, 11, 30],
    ];
    let src =
        image::RgbaImage::from_fn(6, 4, |x, y| image::Rgba(pixels[((x + 2 * y) % 5) as usize]));
    src.save(dir.path().join("pic.png")).unwrap();
    let snap = dir.path().join("out.png");
    let (code, t) = run_dir(dir.path(), &["--snapshot", snap.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{t}");
    assert!(t.contains("1 frame of 6x4"), "the picture's own size: {t}");
    let got = png(&snap);
    assert_eq!(got.dimensions(), (6, 4));
    for ((x, y, p), q) in got.enumerate_pixels().zip(src.pixels()) {
        for c in 0..4 {
            assert!(
                p.0[c].abs_diff(q.0[c]) <= 1,
                "({x}, {y}): {:?} vs {:?}",
                p.0,
                q.0
            );
        }
    }
    assert_eq!(got.get_pixel(0, 0).0, [128, 64, 255, 255]);
    // `--set` another fit and size: contain leaves transparent borders.
    let (code, t) = run_dir(
        dir.path(),
        &[
            "--snapshot",
            snap.to_str().unwrap(),
            "--set",
            "pic.size=[6, 8]",
            "--set",
            "pic.fit=contain",
        ],
    );
    assert_eq!(code, Some(0), "{t}");
    let got = png(&snap);
    assert_eq!(got.get_pixel(3, 0).0, [0, 0, 0, 0]);
    assert_eq!(got.get_pixel(3, 7).0, [0, 0, 0, 0]);
    assert_ne!(got.get_pixel(0, 2).0[3], 0);
}

#[test]
fn bad_image_files_are_reported_with_their_name() {
    let dir = project(IMAGE_CHAIN);
    let file = dir.path().join("pic.png");
    let shown = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    let check = |expect: &[&str]| {
        let (code, t) = run_dir(dir.path(), &[]);
        assert_eq!(code, Some(1), "must exit 1:\n{t}");
        assert!(!t.contains("panicked"), "{t}");
        for e in expect {
            assert!(t.contains(e), "expected {e:?} in:\n{t}");
        }
        t
    };
    // Missing, with a hint among the pictures there.
    image::RgbaImage::new(2, 2)
        .save(dir.path().join("pics.png"))
        .unwrap();
    let t = check(&[
        "chain.toml:4:8",
        "no PNG or JPEG image",
        "did you mean `pics.png`?",
    ]);
    assert!(t.contains(&file.display().to_string()), "{t}");
    // Not a picture at all.
    std::fs::write(&file, "<html>not a picture</html>").unwrap();
    check(&["chain.toml:4:8", &shown(&file), "not a PNG or JPEG image"]);
    // Larger than any GPU's textures: the limit is named.
    image::RgbaImage::new(100_000, 1).save(&file).unwrap();
    check(&[&shown(&file), "100000x1", "max_texture_dimension_2d"]);
    // Truncated: the header reads, the pixels do not (found when the operator loads it).
    let mut bytes = Vec::new();
    image::RgbaImage::from_fn(32, 32, |x, y| {
        image::Rgba([x as u8 * 8, y as u8 * 8, 0, 255])
    })
    .write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    check(&[
        "error in `pic`",
        &shown(&file),
        "not a readable PNG or JPEG image",
    ]);
    // A folder.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    check(&[
        "chain.toml:4:8",
        &shown(&file),
        "is a folder, not a PNG or JPEG image",
    ]);
}

#[test]
fn operators_lists_image_with_its_file_types() {
    let t = ok(&["operators"]);
    assert!(t.contains("\n  image — "), "{t}");
    assert!(t.contains("stretch | contain | cover"), "{t}");
    assert!(t.contains(".png | .jpg | .jpeg"), "{t}");
}

#[test]
fn the_readme_lists_every_operator_type() {
    let table = ok(&["operators", "--markdown"]);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = readme
        .find("<!-- operators:begin")
        .expect("README has the operator table markers");
    let body = &readme[readme[start..].find('\n').unwrap() + start + 1..];
    let end = body.find("<!-- operators:end -->").unwrap();
    assert_eq!(
        &body[..end],
        table.trim_end_matches('\n').to_string() + "\n",
        "README.md's operator table is out of date: paste `vivid operators --markdown` between its markers"
    );
}

#[test]
fn the_shader_api_is_printed() {
    let t = ok(&["operators", "--shader-api"]);
    assert!(t.contains("fn shade(uv: vec2<f32>) -> vec4<f32>"), "{t}");
    assert!(t.contains("samp_repeat") && t.contains("choice="), "{t}");
}

#[test]
fn new_makes_a_project_from_the_template_that_runs() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("my show");
    let dir_text = dir.to_str().unwrap();
    let t = ok(&["new", dir_text]);
    // It says how to run it (the test binary runs from the source tree: `cargo run`),
    // quoting the path with its space.
    assert!(
        t.contains(&format!("cargo run --release -- '{dir_text}'")),
        "{t}"
    );
    // Every file of the template, as it is in examples/01-template.
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/01-template");
    let mut names = Vec::new();
    for e in std::fs::read_dir(&template).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        assert_eq!(
            std::fs::read_to_string(dir.join(&name)).unwrap_or_default(),
            std::fs::read_to_string(&path).unwrap(),
            "{}: the template's {name:?} (src/new.rs lists the template's files)",
            dir.display()
        );
        names.push(name);
    }
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), names.len());
    // A commented chain with the project's own shader.
    let chain = std::fs::read_to_string(dir.join("chain.toml")).unwrap();
    assert!(chain.lines().filter(|l| l.starts_with('#')).count() > 10);
    assert!(chain.contains("type = \"shader\"") && dir.join("look.wgsl").is_file());
    // It runs, its shader's parameters listed like any other.
    ok(&[dir_text, "--headless", "--frames", "3", "--size", "96x54"]);
    let listing = ok(&["operators", "--project", dir_text]);
    assert!(
        listing.contains("reach") && listing.contains("center"),
        "{listing}"
    );
}

#[test]
fn new_never_overwrites() {
    let parent = tempfile::tempdir().unwrap();
    let dir = parent.path().join("show");
    let dir_text = dir.to_str().unwrap();
    ok(&["new", dir_text]);
    std::fs::write(dir.join("chain.toml"), "# mine\n").unwrap();
    let o = vivid(&["new", dir_text]);
    let t = text(&o);
    assert_eq!(o.status.code(), Some(1), "{t}");
    assert!(t.contains("already exists") && t.contains("hint:"), "{t}");
    assert!(!t.contains("panicked"), "{t}");
    assert_eq!(
        std::fs::read_to_string(dir.join("chain.toml")).unwrap(),
        "# mine\n"
    );
    // A file in the way, too.
    let file = parent.path().join("notes.txt");
    std::fs::write(&file, "x").unwrap();
    let o = vivid(&["new", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // An empty folder is fine.
    let empty = parent.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    ok(&["new", empty.to_str().unwrap()]);
    assert!(empty.join("chain.toml").is_file());
}

#[test]
fn set_output_and_size_are_top_level_overrides() {
    // `--set output=NAME` shows another operator (the README documents it): the template's
    // background alone is dark everywhere, its full picture has the bright dot.
    let brightest = |args: &[&str]| {
        let dir = tempfile::tempdir().unwrap();
        let png = dir.path().join("out.png");
        let mut all = vec![
            "examples/01-template",
            "--headless",
            "--snapshot",
            png.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        ok(&all);
        let img = image::open(&png).unwrap().to_rgba8();
        (
            img.dimensions(),
            img.pixels().map(|p| p.0[0]).max().unwrap(),
        )
    };
    let (size, full) = brightest(&["--set", "size=[128,72]"]);
    assert_eq!(size, (128, 72));
    let (_, bg) = brightest(&["--set", "size=[128,72]", "--set", "output=bg"]);
    assert!(full > 200 && bg < 80, "full {full}, bg {bg}");
    let o = vivid(&[
        "examples/01-template",
        "--headless",
        "--set",
        "output=nothing",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn a_former_parameter_name_still_works_with_a_hint() {
    // `shape.rotation` is now `rotate`: same picture, one hint at the old name's place.
    let old = project("[s]\ntype = \"shape\"\nkind = \"rect\"\nsize = [64, 64]\nrotation = 30\n");
    let new = project("[s]\ntype = \"shape\"\nkind = \"rect\"\nsize = [64, 64]\nrotate = 30\n");
    let render = |dir: &tempfile::TempDir, extra: &[&str]| {
        let out = dir.path().join("out.png");
        let mut args = vec![
            dir.path().to_str().unwrap(),
            "--headless",
            "--monitor-interval",
            "0",
            "--snapshot",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let t = ok(&args);
        (png(&out), t)
    };
    let (a, said) = render(&old, &[]);
    let (b, quiet) = render(&new, &[]);
    assert_eq!(a, b, "the alias must set the same parameter");
    let at = format!("{}:5:1", old.path().join("chain.toml").display());
    assert!(
        said.contains(&at) && said.contains("`s.rotation` is now `rotate`"),
        "{said}"
    );
    assert!(!quiet.contains("is now"), "{quiet}");
    // `--set` takes it too, over the file's value.
    let (c, said) = render(&new, &["--set", "s.rotation=0"]);
    assert_ne!(c, b, "--set s.rotation must override rotate");
    assert!(said.contains("is now `rotate`"), "{said}");
    // Both names in one file: an error at the second.
    fails(
        "[s]\ntype = \"shape\"\nrotate = 10\nrotation = 20\n",
        "4:1",
        &["gives `rotate` twice"],
    );
    // `vivid operators` says when a parameter applies, and its former name.
    let t = ok(&["operators"]);
    assert!(t.contains("(only when kind is star or polygon)"), "{t}");
    assert!(t.contains("(formerly `rotation`)"), "{t}");
}
