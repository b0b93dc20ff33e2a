//! The inspector, headless: egui driven with synthetic input, drawn into a texture this test
//! owns through `Engine::render_with` — one encoder a frame, nothing created in steady frames
//! with the overlay open, and the panels where they should be.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use vivid::ui::Inspector;
use vivid::{Engine, FrameTime, Target};

const W: u32 = 1280;
const H: u32 = 720;

/// The host's window stand-in: a texture it owns and reads back.
struct Screen {
    texture: vivid::wgpu::Texture,
    view: vivid::wgpu::TextureView,
    buffer: vivid::wgpu::Buffer,
}

#[expect(
    clippy::disallowed_methods,
    reason = "the host's own texture, buffer and readback encoder, not the engine's"
)]
impl Screen {
    fn new(engine: &Engine) -> Self {
        let device = engine.gpu().device();
        let texture = device.create_texture(&vivid::wgpu::TextureDescriptor {
            label: Some("test.screen"),
            size: vivid::wgpu::Extent3d {
                width: W,
                height: H,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: vivid::wgpu::TextureDimension::D2,
            format: vivid::wgpu::TextureFormat::Bgra8Unorm,
            usage: vivid::wgpu::TextureUsages::RENDER_ATTACHMENT
                | vivid::wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&vivid::wgpu::TextureViewDescriptor::default());
        let buffer = device.create_buffer(&vivid::wgpu::BufferDescriptor {
            label: Some("test.readback"),
            size: u64::from(W * 4 * H),
            usage: vivid::wgpu::BufferUsages::COPY_DST | vivid::wgpu::BufferUsages::MAP_READ,
            mapped_at_creation: false,
        });
        Self {
            texture,
            view,
            buffer,
        }
    }

    /// RGB of every pixel.
    fn read(&self, engine: &Engine) -> Vec<[u8; 3]> {
        let device = engine.gpu().device();
        let mut encoder =
            device.create_command_encoder(&vivid::wgpu::CommandEncoderDescriptor::default());
        encoder.copy_texture_to_buffer(
            self.texture.as_image_copy(),
            vivid::wgpu::TexelCopyBufferInfo {
                buffer: &self.buffer,
                layout: vivid::wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(W * 4),
                    rows_per_image: Some(H),
                },
            },
            vivid::wgpu::Extent3d {
                width: W,
                height: H,
                depth_or_array_layers: 1,
            },
        );
        engine.gpu().queue().submit([encoder.finish()]);
        let slice = self.buffer.slice(..);
        slice.map_async(vivid::wgpu::MapMode::Read, |_| {});
        let _ = device.poll(vivid::wgpu::PollType::wait_indefinitely());
        let px: Vec<[u8; 3]> = slice
            .get_mapped_range()
            .unwrap()
            .chunks_exact(4)
            .map(|b| [b[2], b[1], b[0]])
            .collect();
        self.buffer.unmap();
        px
    }
}

fn input() -> vivid::egui::RawInput {
    vivid::egui::RawInput {
        screen_rect: Some(vivid::egui::Rect::from_min_size(
            vivid::egui::Pos2::ZERO,
            vivid::egui::vec2(W as f32, H as f32),
        )),
        ..Default::default()
    }
}

/// One frame: egui runs, then the engine renders with the inspector's pass (if shown).
fn frame(engine: &mut Engine, inspector: &mut Inspector, screen: &Screen, k: u64) {
    let target = Target::View {
        view: &screen.view,
        format: vivid::wgpu::TextureFormat::Bgra8Unorm,
        size: (W, H),
        opaque: true,
    };
    let time = FrameTime {
        time: k as f64 / 60.0,
        frame: k,
    };
    let report = if inspector.visible() {
        inspector.run(engine, None, input(), (W, H));
        engine
            .render_with(time, target, false, Some(inspector.painter()))
            .unwrap()
    } else {
        engine.render(time, target, false).unwrap()
    };
    assert_eq!((report.encoders, report.submits), (1, 1));
}

/// Mean and spread of the red channel over a rectangle.
fn region(px: &[[u8; 3]], x0: u32, y0: u32, x1: u32, y1: u32) -> (f64, f64) {
    let vals: Vec<f64> = (y0..y1)
        .flat_map(|y| (x0..x1).map(move |x| f64::from(px[(y * W + x) as usize][0])))
        .collect();
    let mean = vals.iter().sum::<f64>() / vals.len() as f64;
    let var = vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64;
    (mean, var.sqrt())
}

#[test]
fn the_open_inspector_creates_nothing_in_steady_frames() {
    let mut engine = common::engine();
    // The chain small (lavapipe), the UI full-size.
    engine.set_output_size(Some([320, 180])).unwrap();
    engine
        .load_project(&common::repo().join("examples/04-compositing"), &[])
        .unwrap();
    let screen = Screen::new(&engine);
    let mut inspector = Inspector::new(None);
    inspector.set_visible(&mut engine, true);
    inspector.select(Some("clouds"));
    // Warm-up: egui's font atlas, thumbnails, the UI's buffers reach their sizes.
    for k in 0..60 {
        frame(&mut engine, &mut inspector, &screen, k);
    }
    engine.wait_idle();
    let gpu = engine.gpu().clone();
    let created = gpu.counts().total_created();
    let mut base = gpu.wgpu_counters();
    // wgpu 30.0.1 on Vulkan never counts textures up (only down): bytes tell instead.
    base.textures = 0;
    for k in 60..240 {
        frame(&mut engine, &mut inspector, &screen, k);
    }
    engine.wait_idle();
    let _ = gpu.device().poll(vivid::wgpu::PollType::Poll);
    let mut now = gpu.wgpu_counters();
    now.textures = 0;
    assert_eq!(
        gpu.counts().total_created(),
        created,
        "objects created with the inspector open: {:?}",
        gpu.counts().snapshot()
    );
    // The one rule for wgpu's counters (`WgpuCounters::diff`: pooled command encoders
    // within their bound).
    let moved = now.diff(&base);
    assert!(
        moved.is_empty(),
        "wgpu's live objects and bytes moved: {moved:?}"
    );
    assert!(engine.errors().is_empty(), "{:?}", engine.errors());
    assert_eq!(gpu.errors().count(), 0, "{:?}", gpu.errors().recent());
}

#[test]
fn the_panels_are_drawn_where_they_belong_and_go_with_tab() {
    let mut engine = common::engine();
    engine.set_output_size(Some([640, 360])).unwrap();
    engine
        .load_project(&common::repo().join("examples/02-hello-noise"), &[])
        .unwrap();
    let screen = Screen::new(&engine);
    let mut inspector = Inspector::new(None);
    for k in 0..3 {
        frame(&mut engine, &mut inspector, &screen, k);
    }
    let hidden = screen.read(&engine);
    inspector.set_visible(&mut engine, true);
    inspector.select(Some("noise"));
    for k in 3..8 {
        frame(&mut engine, &mut inspector, &screen, k);
    }
    let shown = screen.read(&engine);
    // Hidden: noise everywhere (textured). Shown: egui's dark panels — the top bar, the
    // chain view on the left below its node, the inspector on the right below its rows,
    // the statistics at the bottom — flat and dark.
    for (name, (x0, y0, x1, y1)) in [
        ("top bar", (520, 2, 900, 20)),
        ("chain view", (8, 300, 140, 500)),
        ("inspector", (1080, 420, 1270, 540)),
    ] {
        let (m0, s0) = region(&hidden, x0, y0, x1, y1);
        let (m1, s1) = region(&shown, x0, y0, x1, y1);
        assert!(
            s0 > 10.0,
            "{name}: the output should be noise there ({m0:.0} ± {s0:.1})"
        );
        assert!(
            m1 < 45.0 && s1 < 4.0,
            "{name}: not an egui panel ({m1:.0} ± {s1:.1})"
        );
    }
    // The output itself still shows between the panels.
    let (_, s) = region(&shown, 500, 200, 800, 400);
    assert!(s > 10.0, "the output is covered");
    // The thumbnail of the noise sits in its node box: textured, not flat.
    let (_, s) = region(&shown, 20, 65, 115, 110);
    assert!(s > 8.0, "no thumbnail in the chain view (± {s:.1})");
    // Hidden again: the frame is the output alone, as before.
    inspector.set_visible(&mut engine, false);
    frame(&mut engine, &mut inspector, &screen, 2);
    let again = screen.read(&engine);
    assert_eq!(again, hidden, "hiding the inspector leaves nothing drawn");
}

#[test]
fn solo_shows_one_operator_and_edits_apply_live() {
    let mut engine = common::engine();
    engine
        .load_project(&common::repo().join("examples/04-compositing"), &[])
        .unwrap();
    engine.set_capture(true);
    let render = |engine: &mut Engine| {
        engine
            .render(
                FrameTime {
                    time: 0.0,
                    frame: 0,
                },
                Target::None,
                true,
            )
            .unwrap();
        engine.read_output().unwrap()
    };
    let out = render(&mut engine);
    engine.set_solo(Some("sun")).unwrap();
    let sun = render(&mut engine);
    assert_eq!(engine.solo(), Some("sun"));
    assert_ne!(out.pixels, sun.pixels);
    // The sun shape alone: its corner is transparent black.
    common::assert_close(sun.at(0, 0), [0.0; 4], 0.0, "the corner of the soloed sun");
    assert!(engine.set_solo(Some("nope")).is_err());
    engine.set_solo(None).unwrap();
    let back = render(&mut engine);
    assert_eq!(back.pixels, out.pixels);
    // The inspector's views: parameters with values, animated ones with their text.
    let params = engine.param_views("clouds").unwrap();
    let offset = params.iter().find(|p| p.spec.name == "offset").unwrap();
    assert!(
        offset
            .expression
            .as_deref()
            .is_some_and(|e| e.contains("time"))
    );
    let nodes = engine.node_views();
    assert!(
        nodes
            .iter()
            .any(|n| n.name == "sky_clouds" && n.inputs.len() == 2)
    );
}

#[test]
fn edits_apply_at_once_and_save_into_chain_toml_keeping_its_comments() {
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.toml");
    let text = "# a study\noutput = \"n\"\n\n[n]   # the clouds\ntype = \"noise\"\nsize = [32, 18]\nscale = 4.0  # big blobs\nkind = \"perlin\"\n";
    std::fs::write(&chain, text).unwrap();
    let mut engine = common::engine();
    engine.load_project(dir.path(), &[]).unwrap();
    let mut inspector = Inspector::new(Some(chain.clone()));
    inspector.edit(
        &mut engine,
        "n",
        "scale",
        &vivid::params::ParamValue::Float(7.5),
    );
    inspector.edit(
        &mut engine,
        "n",
        "kind",
        &vivid::params::ParamValue::Choice(1),
    );
    inspector.edit(
        &mut engine,
        "n",
        "octaves",
        &vivid::params::ParamValue::Int(99),
    );
    assert!(
        inspector.status().is_some_and(|s| s.contains("octaves")),
        "an out-of-range value is refused: {:?}",
        inspector.status()
    );
    let views = engine.param_views("n").unwrap();
    let value = |name: &str| {
        views
            .iter()
            .find(|p| p.spec.name == name)
            .unwrap()
            .value
            .clone()
    };
    assert_eq!(value("scale"), vivid::params::ParamValue::Float(7.5));
    assert_eq!(value("kind"), vivid::params::ParamValue::Choice(1));
    assert_eq!(inspector.unsaved(), 2);
    inspector.save();
    assert_eq!(inspector.unsaved(), 0, "{:?}", inspector.status());
    assert_eq!(
        std::fs::read_to_string(&chain).unwrap(),
        "# a study\noutput = \"n\"\n\n[n]   # the clouds\ntype = \"noise\"\nsize = [32, 18]\nscale = 7.5  # big blobs\nkind = \"simplex\"\n"
    );
    // And the saved file is a valid project giving the same values.
    let mut again = common::engine();
    again.load_project(dir.path(), &[]).unwrap();
    let views = again.param_views("n").unwrap();
    assert!(
        views
            .iter()
            .any(|p| p.spec.name == "scale" && p.value == vivid::params::ParamValue::Float(7.5))
    );
}
