//! The inspector, headless: egui driven with synthetic input, drawn into a texture this test
//! owns through `Engine::render_with` — one encoder a frame, nothing created in steady frames
//! with the overlay open, the panels where they should be and the output letterboxed in the
//! space they leave; sliders, typed values and expressions, reset, undo and redo as a person
//! would use them.

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

mod common;

use vivid::egui::{Event, Key, Modifiers, PointerButton, Pos2, vec2};
use vivid::params::ParamValue;
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

/// An engine, a shown inspector and a screen, driven frame by frame with synthetic input as
/// a person's mouse and keyboard would give it.
struct Person {
    engine: Engine,
    inspector: Inspector,
    screen: Screen,
    k: u64,
}

impl Person {
    /// `project` (a folder) loaded at a small output size, `node` selected.
    fn new(project: &std::path::Path, node: &str) -> Self {
        let mut engine = common::engine();
        engine.set_output_size(Some([320, 180])).unwrap();
        engine.load_project(project, &[]).unwrap();
        let screen = Screen::new(&engine);
        let mut inspector = Inspector::new(None);
        inspector.set_visible(&mut engine, true);
        inspector.select(Some(node));
        let mut p = Self {
            engine,
            inspector,
            screen,
            k: 0,
        };
        for _ in 0..3 {
            p.frame(Vec::new(), Modifiers::NONE);
        }
        p
    }

    /// One frame with `events` (and `modifiers` held).
    fn frame(&mut self, events: Vec<Event>, modifiers: Modifiers) {
        let mut raw = input();
        raw.events = std::iter::once(Event::ModifiersChanged(modifiers))
            .chain(events)
            .collect();
        raw.time = Some(self.k as f64 / 60.0);
        self.inspector.run(&mut self.engine, None, raw, (W, H));
        let target = Target::View {
            view: &self.screen.view,
            format: vivid::wgpu::TextureFormat::Bgra8Unorm,
            size: (W, H),
            opaque: true,
        };
        let time = FrameTime {
            time: self.k as f64 / 60.0,
            frame: self.k,
        };
        let report = self
            .engine
            .render_with(time, target, false, Some(self.inspector.painter()))
            .unwrap();
        assert_eq!((report.encoders, report.submits), (1, 1));
        self.k += 1;
    }

    fn press(at: Pos2, pressed: bool, modifiers: Modifiers) -> Event {
        Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        }
    }

    /// Presses at `from`, moves `dx` points right, releases.
    fn drag(&mut self, from: Pos2, dx: f32, modifiers: Modifiers) {
        let to = from + vec2(dx, 0.0);
        self.frame(vec![Event::PointerMoved(from)], modifiers);
        self.frame(vec![Self::press(from, true, modifiers)], modifiers);
        self.frame(vec![Event::PointerMoved(to)], modifiers);
        self.frame(vec![Self::press(to, false, modifiers)], modifiers);
        self.frame(Vec::new(), Modifiers::NONE);
    }

    fn click(&mut self, at: Pos2) {
        self.frame(vec![Event::PointerMoved(at)], Modifiers::NONE);
        self.frame(
            vec![Self::press(at, true, Modifiers::NONE)],
            Modifiers::NONE,
        );
        self.frame(
            vec![Self::press(at, false, Modifiers::NONE)],
            Modifiers::NONE,
        );
    }

    fn key(&mut self, key: Key, modifiers: Modifiers) {
        let event = |pressed| Event::Key {
            key,
            physical_key: None,
            pressed,
            repeat: false,
            modifiers,
        };
        self.frame(vec![event(true)], modifiers);
        self.frame(vec![event(false)], modifiers);
    }

    /// Clicks `param`'s text field, replaces its text by `text` and presses Enter.
    fn type_into(&mut self, param: &str, text: &str) {
        let field = self.inspector.widget_rect(param, "text").unwrap();
        self.click(field.center());
        self.key(Key::A, Modifiers::COMMAND);
        self.frame(vec![Event::Text(text.to_string())], Modifiers::NONE);
        self.key(Key::Enter, Modifiers::NONE);
        self.frame(Vec::new(), Modifiers::NONE);
    }

    /// `node.param` now: (value, expression).
    fn param(&self, node: &str, param: &str) -> (ParamValue, Option<String>) {
        let p = self
            .engine
            .param_views(node)
            .unwrap()
            .into_iter()
            .find(|p| p.spec.name == param)
            .unwrap();
        (p.value, p.expression)
    }

    fn float(&self, node: &str, param: &str) -> f32 {
        match self.param(node, param).0 {
            ParamValue::Float(x) => x,
            other => panic!("{node}.{param} = {other:?}"),
        }
    }

    /// A point on `param`'s slider: a drag moves the value from where it is, by how far
    /// the pointer moves, wherever it starts on the rail.
    fn handle(&self, param: &str) -> Pos2 {
        self.inspector
            .widget_rect(param, "slider")
            .unwrap()
            .center()
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
    // Warm-up: egui's font atlas, thumbnails, the UI's buffers reach their sizes — once
    // the frame-time graph holds its 240 frames (until then it draws more each frame).
    for k in 0..240 {
        frame(&mut engine, &mut inspector, &screen, k);
    }
    engine.wait_idle();
    let gpu = engine.gpu().clone();
    let created = gpu.counts().total_created();
    let mut base = gpu.wgpu_counters();
    // wgpu 30.0.1 on Vulkan never counts textures up (only down): bytes tell instead.
    base.textures = 0;
    for k in 240..320 {
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
        ("inspector", (1080, 300, 1270, 500)),
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

#[test]
fn a_wide_range_slider_moves_by_a_bounded_factor_and_shift_is_finer() {
    let mut p = Person::new(&common::repo().join("examples/02-hello-noise"), "noise");
    // `scale` is 0.001..10000 and 13.3 in the file: seven decades on one slider.
    let before = p.float("noise", "scale");
    assert!((before - 13.3).abs() < 1e-4, "{before}");
    let at = p.handle("scale");
    p.drag(at, 10.0, Modifiers::NONE);
    let after = p.float("noise", "scale");
    let factor = after / before;
    // Linear, 10 px of a ~130 px rail over 0.001..10000 would add ~770; log multiplies by
    // 10^(7 * 10/130) ≈ 3.5 at most.
    assert!(
        (1.2..4.0).contains(&factor),
        "a 10 px drag took scale from {before} to {after} (×{factor:.2})"
    );
    // With Shift: ten times finer.
    let at = p.handle("scale");
    p.drag(at, 10.0, Modifiers::SHIFT);
    let fine = p.float("noise", "scale") / after;
    assert!(
        (1.01..1.2).contains(&fine),
        "a 10 px Shift-drag: ×{fine:.3}"
    );
    // One drag, one undo step each.
    assert_eq!(p.inspector.history_depth(), (2, 0));
    assert_eq!(p.inspector.unsaved(), 1);
}

#[test]
fn typed_values_and_expressions_apply_and_a_bad_one_says_why() {
    let mut p = Person::new(&common::repo().join("examples/02-hello-noise"), "noise");
    p.type_into("scale", "4.5");
    assert!((p.float("noise", "scale") - 4.5).abs() < 1e-6);
    // An expression: the parameter is animated, its field shows the expression.
    p.type_into("scale", "4 + 2 * sin(time)");
    let (_, expr) = p.param("noise", "scale");
    assert!(
        expr.as_deref().is_some_and(|e| e.contains("sin(time)")),
        "{expr:?}"
    );
    // A typo: the error shows under the row, the expression stays.
    p.type_into("scale", "4 + sin(tme)");
    let (_, still) = p.param("noise", "scale");
    assert_eq!(still, expr, "a bad expression must keep the last one");
    let (node, param, message) = p.inspector.edit_error().unwrap();
    assert_eq!((node, param), ("noise", "scale"));
    // The expression language's own error: where in the text, and what was meant.
    assert!(
        message.contains("unknown variable `tme`") && message.contains("column 9"),
        "{message}"
    );
    assert!(message.contains("did you mean `time`"), "{message}");
    // Fixed: the error goes.
    p.type_into("scale", "3 + time");
    assert!(p.inspector.edit_error().is_none());
}

#[test]
fn reset_undo_and_redo() {
    let mut p = Person::new(&common::repo().join("examples/02-hello-noise"), "noise");
    p.inspector
        .edit(&mut p.engine, "noise", "scale", &ParamValue::Float(50.0));
    p.frame(Vec::new(), Modifiers::NONE);
    // The reset button puts the default back (4, from noise.wgsl).
    let reset = p.inspector.widget_rect("scale", "reset").unwrap();
    p.click(reset.center());
    assert!((p.float("noise", "scale") - 4.0).abs() < 1e-6);
    assert_eq!(p.inspector.history_depth(), (2, 0));
    // Ctrl+Z twice: 50, then the file's 13.3 (nothing left to save).
    p.key(Key::Z, Modifiers::COMMAND);
    assert!((p.float("noise", "scale") - 50.0).abs() < 1e-6);
    p.key(Key::Z, Modifiers::COMMAND);
    assert!((p.float("noise", "scale") - 13.3).abs() < 1e-4);
    assert_eq!(p.inspector.unsaved(), 0);
    // Ctrl+Shift+Z: forward again.
    p.key(Key::Z, Modifiers::COMMAND | Modifiers::SHIFT);
    assert!((p.float("noise", "scale") - 50.0).abs() < 1e-6);
    assert_eq!(p.inspector.history_depth(), (1, 1));
    assert_eq!(p.inspector.unsaved(), 1);
    // A new edit forgets what was undone.
    p.inspector
        .edit(&mut p.engine, "noise", "scale", &ParamValue::Float(7.0));
    assert_eq!(p.inspector.history_depth(), (2, 0));
}

#[test]
fn parameters_that_do_not_apply_are_not_shown() {
    let dir = common::project(&[(
        "chain.toml",
        "[s]\ntype = \"shape\"\nkind = \"circle\"\nrotation = 30\n",
    )]);
    let mut p = Person::new(dir.path(), "s");
    // A circle has no sides and no inner radius; `rotation` is now `rotate`.
    assert!(p.inspector.widget_rect("sides", "slider").is_none());
    assert!(p.inspector.widget_rect("inner", "slider").is_none());
    assert!(p.inspector.widget_rect("rotate", "slider").is_some());
    assert!((p.float("s", "rotate") - 30.0).abs() < 1e-6);
    // A star has both.
    p.inspector
        .edit(&mut p.engine, "s", "kind", &ParamValue::Choice(3));
    p.frame(Vec::new(), Modifiers::NONE);
    assert!(p.inspector.widget_rect("sides", "slider").is_some());
    assert!(p.inspector.widget_rect("inner", "slider").is_some());
}

#[test]
fn the_output_is_letterboxed_in_the_space_the_panels_leave() {
    // A 16:9 noise (textured everywhere) and the panels around it.
    let mut person = Person::new(&common::repo().join("examples/02-hello-noise"), "noise");
    person.frame(Vec::new(), Modifiers::NONE);
    let area = person.inspector.picture_area().unwrap();
    let px = person.screen.read(&person.engine);
    // Where a 16:9 picture fits the free area, centred: computed here, independently.
    let fit = (area.width / 16.0).min(area.height / 9.0);
    let (w, h) = (16.0 * fit, 9.0 * fit);
    let x0 = area.x + (area.width - w) / 2.0;
    let y0 = area.y + (area.height - h) / 2.0;
    let (x1, y1) = (x0 + w, y0 + h);
    assert!(w > 100.0 && h > 50.0, "the picture is a sliver: {w}x{h}");
    // The picture is inside (textured, all of it, not cropped)...
    let inner = |a: f32, b: f32| (a + 3.0) as u32..(b - 3.0) as u32;
    let (_, s_in) = region(
        &px,
        inner(x0, x1).start,
        inner(y0, y1).start,
        inner(x0, x1).end,
        inner(y0, y1).end,
    );
    assert!(
        s_in > 10.0,
        "no picture in {x0},{y0}..{x1},{y1} (± {s_in:.1})"
    );
    // ... and the free area around it is black.
    let bars: Vec<(u32, u32, u32, u32)> = if w + 4.0 < area.width {
        vec![
            (
                area.x as u32 + 1,
                y0 as u32 + 2,
                x0 as u32 - 1,
                y1 as u32 - 2,
            ),
            (
                x1 as u32 + 2,
                y0 as u32 + 2,
                (area.x + area.width) as u32 - 1,
                y1 as u32 - 2,
            ),
        ]
    } else {
        vec![
            (
                x0 as u32 + 2,
                area.y as u32 + 1,
                x1 as u32 - 2,
                y0 as u32 - 1,
            ),
            (
                x0 as u32 + 2,
                y1 as u32 + 2,
                x1 as u32 - 2,
                (area.y + area.height) as u32 - 1,
            ),
        ]
    };
    for (bx0, by0, bx1, by1) in bars {
        if bx1 > bx0 + 2 && by1 > by0 + 2 {
            let (m, s) = region(&px, bx0, by0, bx1, by1);
            assert!(
                m < 3.0 && s < 2.0,
                "not black beside the picture: {m:.1} ± {s:.1}"
            );
        }
    }
    // Hidden: the output fills the screen again.
    person.inspector.set_visible(&mut person.engine, false);
    assert!(person.engine.display_area().is_none());
}

/// A MIDI controller on a test port: what it sends goes through the MIDI input's own
/// callback, as a port's bytes do.
#[derive(Clone, Default)]
struct Controller(std::sync::Arc<std::sync::Mutex<Vec<vivid::control::midi::live::Receive>>>);

impl vivid::control::midi::live::Ports for Controller {
    type Connection = ();
    fn names(&mut self) -> Vec<String> {
        vec!["Test Controller".into()]
    }
    fn connect(
        &mut self,
        _name: &str,
        receive: vivid::control::midi::live::Receive,
    ) -> Result<(), String> {
        self.0.lock().unwrap().push(receive);
        Ok(())
    }
}

impl Controller {
    fn send(&self, bytes: &[u8]) {
        for r in self.0.lock().unwrap().iter_mut() {
            r(bytes);
        }
    }
}

#[test]
fn midi_learn_binds_the_next_control_moved_into_chain_toml() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let dir = tempfile::tempdir().unwrap();
    let chain = dir.path().join("chain.toml");
    let text = "# a set\noutput = \"l\"\n\n[s]\ntype = \"solid\"\nsize = [16, 16]\ncolor = [0.5, 0.5, 0.5, 1]\n\n[l]   # the look\ntype = \"levels\"\ninput = \"s\"\ngamma = 1.0  # neutral\n";
    std::fs::write(&chain, text).unwrap();
    let controller = Controller::default();
    let input = vivid::control::midi::live::MidiInput::open_with(
        controller.clone(),
        "Test",
        std::time::Duration::from_secs(3600),
    )
    .unwrap();
    let controls = Rc::new(RefCell::new(vivid::control::Controls::default()));
    controls.borrow_mut().set_midi_input(input);
    let mut p = Person::new(dir.path(), "l");
    controls.borrow_mut().register(&mut p.engine).unwrap();
    p.engine.load_project(dir.path(), &[]).unwrap();
    p.inspector = Inspector::new(Some(chain.clone()));
    let c = Rc::clone(&controls);
    p.inspector
        .set_learn_source(Box::new(move || c.borrow_mut().take_midi_move()));
    p.inspector.set_visible(&mut p.engine, true);
    p.inspector.select(Some("l"));
    for _ in 0..3 {
        p.frame(Vec::new(), Modifiers::NONE);
    }
    // A value edited and not saved yet: the learn's write saves it too (the reload it
    // causes must give back what runs).
    p.inspector
        .edit(&mut p.engine, "l", "contrast", &ParamValue::Float(1.5));
    assert_eq!(p.inspector.unsaved(), 1);
    // A knob turned before learn is not what gets bound.
    controller.send(&[0xb0, 1, 64]);
    let at = p
        .inspector
        .widget_rect("brightness", "learn")
        .expect("a learn button beside brightness")
        .center();
    p.click(at);
    assert_eq!(p.inspector.learning(), Some(("l", "brightness")));
    p.frame(Vec::new(), Modifiers::NONE);
    assert_eq!(
        std::fs::read_to_string(&chain).unwrap(),
        text,
        "nothing yet"
    );
    // Fader 7 on channel 1 moves: bound, written after the file's last table.
    controller.send(&[0xb0, 7, 127]);
    p.frame(Vec::new(), Modifiers::NONE);
    assert_eq!(p.inspector.learning(), None);
    let written = std::fs::read_to_string(&chain).unwrap();
    let text = text.replace("# neutral\n", "# neutral\ncontrast = 1.5\n");
    assert_eq!(
        written,
        format!("{text}\n[bindings]\n\"l.brightness\" = \"midi.cc1_7\"\n"),
        "{:?}",
        p.inspector.status()
    );
    assert_eq!(p.inspector.unsaved(), 0);
    // The live reload loads it (here by hand): the fader drives brightness over its range.
    p.engine.load_project(dir.path(), &[]).unwrap();
    controls.borrow_mut().before_frame(
        &mut p.engine,
        FrameTime {
            time: 1.0,
            frame: 60,
        },
    );
    p.frame(Vec::new(), Modifiers::NONE);
    let (value, _) = p.param("l", "brightness");
    assert_eq!(value, ParamValue::Float(100.0));
    let bound = p
        .engine
        .param_views("l")
        .unwrap()
        .into_iter()
        .find(|v| v.spec.name == "brightness")
        .unwrap()
        .bound;
    assert_eq!(bound.as_deref(), Some("midi.cc1_7"));
    // A second learn of the same parameter replaces it: a pad this time (a note-off alone
    // moves nothing).
    p.inspector.start_learn("l", "brightness");
    controller.send(&[0x80, 36, 0]);
    p.frame(Vec::new(), Modifiers::NONE);
    assert_eq!(p.inspector.learning(), Some(("l", "brightness")));
    controller.send(&[0x99, 36, 100]);
    p.frame(Vec::new(), Modifiers::NONE);
    assert_eq!(
        std::fs::read_to_string(&chain).unwrap(),
        format!("{text}\n[bindings]\n\"l.brightness\" = \"midi.note10_36\"\n")
    );
    // A broken chain.toml is left alone, and the inspector says why.
    std::fs::write(&chain, "[l\n").unwrap();
    p.inspector.start_learn("l", "gamma");
    controller.send(&[0xb0, 8, 3]);
    p.frame(Vec::new(), Modifiers::NONE);
    assert_eq!(std::fs::read_to_string(&chain).unwrap(), "[l\n");
    let status = p.inspector.status().unwrap_or_default().to_string();
    assert!(status.contains("does not parse"), "{status}");
}
