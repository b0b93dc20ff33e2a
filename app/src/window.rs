//! The winit runner: a window per output of the chain (one showing the chain's output,
//! letterboxed, without `[[window]]` tables), every output's pass in the frame's one
//! encoder and one submit, every acquired frame presented.
//!
//! The first open window drives the frames; the others follow (their redraw requests are
//! not frames). Closing one output's window keeps the others running; closing the last
//! ends the run. A reload that changes the `[[window]]` tables opens, closes and places
//! windows (the ones kept keep their surfaces). The inspector lives in output 0's window.
//!
//! The surface is configured with `COPY_DST` where the adapter allows it: the engine blits
//! into a display texture of its own and copies that into the acquired frame, so a steady
//! frame creates no texture view. The window opens at the output's size (fitted to the
//! monitor) unless a size is given. Esc quits (waiting for the GPU, so that nothing in
//! flight is dropped half-way); resizing and minimising (0×0) never crash;
//! an outdated, lost or timed-out surface is reconfigured; every acquired frame is presented; a lost
//! device is recreated by the engine and the surface configured on the new one. A stop
//! request ([`WindowOptions::stop`]: SIGINT, SIGTERM, SIGHUP in the `vivid` binary) ends
//! the run like Esc, after one more frame captured when a snapshot is asked for.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use winit::application::ApplicationHandler;
use winit::dpi::PhysicalSize;
use winit::event::{ElementState, KeyEvent, MouseButton, WindowEvent};
use winit::event_loop::{ActiveEventLoop, ControlFlow, EventLoop};
use winit::keyboard::{Key, NamedKey};
use winit::window::{Window, WindowId};

use crate::live::Live;
use crate::outputs;
use crate::ui::Inspector;
use vivid_engine::chain::OutputDesc;
use vivid_engine::gpu::{Gpu, GpuOptions, new_instance, request_adapter};
use vivid_engine::operator::FrameTime;
use vivid_engine::{Engine, FramePass, Target};
use vivid_engine::{EngineError, Result};

/// How the window runs.
#[derive(Clone, Debug, Default)]
pub struct WindowOptions {
    /// Window title.
    pub title: String,
    /// Stop after this many frames.
    pub frames: Option<u64>,
    /// Close after this much wall-clock time.
    pub duration: Option<Duration>,
    /// Fixed time step (frame k has time k / fps); wall-clock time without it.
    pub fps: Option<f64>,
    /// Capture the last frame's output (the host reads it with `Engine::read_output`
    /// once the window closed; the `vivid` binary writes it to this file).
    pub snapshot: Option<PathBuf>,
    /// Present without waiting for vertical sync.
    pub no_vsync: bool,
    /// Start fullscreen (borderless, on the current monitor).
    pub fullscreen: bool,
    /// The project's chain.toml: the inspector's "save" writes there.
    pub chain_file: Option<PathBuf>,
    /// Start with the inspector shown.
    pub inspector: bool,
    /// Set (by a signal handler, another thread) to end the run as if the window were
    /// closed: checked between frames.
    pub stop: Option<Arc<AtomicBool>>,
    /// The window's inner size in pixels; none: the output's size, fitted to the monitor.
    pub window_size: Option<[u32; 2]>,
    /// Frames numbered by the host's clock from a shared epoch (`--clock system`): frame
    /// k = floor((now − epoch) × fps) is shown, with time k / fps; none: from the start.
    pub clock: Option<vivid_engine::clock::SystemClock>,
    /// Counts the presses of the `T` key (tap tempo): the host takes them before a frame
    /// (the `vivid` binary: `tempo.*` follows the taps, see vivid-control's `Taps`).
    pub taps: Option<Arc<AtomicU32>>,
    /// How to make the device (as `Gpu::headless` does; `external_memory` for sharing
    /// frames without copies: `--pipewire` from the export pool).
    pub gpu: GpuOptions,
}

/// What the runner reports when the window closes.
#[derive(Debug)]
pub struct WindowRun {
    /// The engine (for its statistics).
    pub engine: Engine,
    /// Frames rendered.
    pub frames: u64,
    /// Seconds the window was open.
    pub seconds: f64,
}

/// Builds the engine (and, to follow the project's files, a [`Live`]) once the GPU exists.
pub type Setup = Box<dyn FnOnce(Gpu) -> Result<(Engine, Option<Live>)>>;

/// Called before each frame is rendered, with its time: where a host sets its variables and
/// parameters (OSC, audio, MIDI: `vivid-control`).
pub type FrameHook = Box<dyn FnMut(&mut Engine, vivid_engine::FrameTime)>;

struct Surface {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    /// Whether frames can be copied into (else a view is made per frame).
    copy_target: bool,
    /// The `[[window]]` table it was placed for.
    placed: Option<OutputDesc>,
}

impl Surface {
    /// A surface for `window` on `adapter`'s device, configured at its inner size.
    fn new(
        instance: &wgpu::Instance,
        adapter: &wgpu::Adapter,
        engine: &Engine,
        window: Arc<Window>,
        no_vsync: bool,
    ) -> Result<Self> {
        let surface = instance
            .create_surface(window.clone())
            .map_err(|e| EngineError::Surface(format!("cannot create a surface: {e}")))?;
        let (config, copy_target) =
            surface_config(&surface, adapter, window.inner_size(), no_vsync)?;
        let size = window.inner_size();
        if size.width > 0 && size.height > 0 {
            surface.configure(engine.gpu().device(), &config);
        }
        Ok(Self {
            window,
            surface,
            config,
            copy_target,
            placed: None,
        })
    }

    /// Configures it again at the window's size (not while minimised).
    fn reconfigure(&mut self, engine: &Engine) {
        let size = self.window.inner_size();
        if size.width > 0 && size.height > 0 {
            self.config.width = size.width;
            self.config.height = size.height;
            self.surface.configure(engine.gpu().device(), &self.config);
        }
    }
}

/// The configuration of a surface: a non-sRGB format (the engine writes display values),
/// `COPY_DST` where allowed, FIFO unless `no_vsync`.
fn surface_config(
    surface: &wgpu::Surface<'_>,
    adapter: &wgpu::Adapter,
    size: PhysicalSize<u32>,
    no_vsync: bool,
) -> Result<(wgpu::SurfaceConfiguration, bool)> {
    let caps = surface.get_capabilities(adapter);
    let format = caps
        .formats
        .iter()
        .copied()
        .find(|f| !f.is_srgb())
        .or_else(|| caps.formats.first().copied())
        .ok_or_else(|| EngineError::Surface("the surface supports no format".into()))?;
    let copy_target = caps.usages.contains(wgpu::TextureUsages::COPY_DST);
    let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
    if copy_target {
        usage |= wgpu::TextureUsages::COPY_DST;
    }
    let present_mode = if no_vsync {
        [wgpu::PresentMode::Mailbox, wgpu::PresentMode::Immediate]
            .into_iter()
            .find(|m| caps.present_modes.contains(m))
            .unwrap_or(wgpu::PresentMode::Fifo)
    } else {
        wgpu::PresentMode::Fifo
    };
    let config = wgpu::SurfaceConfiguration {
        usage,
        format,
        color_space: wgpu::SurfaceColorSpace::Auto,
        width: size.width.max(1),
        height: size.height.max(1),
        present_mode,
        desired_maximum_frame_latency: 2,
        alpha_mode: caps
            .alpha_modes
            .first()
            .copied()
            .unwrap_or(wgpu::CompositeAlphaMode::Auto),
        view_formats: vec![],
    };
    Ok((config, copy_target))
}

struct App {
    options: WindowOptions,
    instance: wgpu::Instance,
    setup: Option<Setup>,
    engine: Option<Engine>,
    live: Option<Live>,
    adapter: Option<wgpu::Adapter>,
    /// One per output (index = output); `None`: not open (closed by the user, or not yet).
    surfaces: Vec<Option<Surface>>,
    /// Outputs whose window the user closed: not opened again until the tables change.
    closed: Vec<bool>,
    /// A reload may have changed the `[[window]]` tables: place the windows again.
    outputs_dirty: bool,
    error: Option<EngineError>,
    frame: u64,
    start: Instant,
    warned_view_fallback: bool,
    errors_seen: u64,
    shown_errors: Option<String>,
    inspector: Inspector,
    egui_state: Option<egui_winit::State>,
    device_generation: u64,
    /// `VIVID_FRAME_LOG`: what was presented, for tests that wait for frames, not time.
    frame_log: Option<FrameLog>,
    /// The host's per-frame hook ([`run_with`]).
    hook: Option<FrameHook>,
    /// The pointer in the window (physical pixels from the top left) and whether its left
    /// button is held: the engine's `mouse.*` variables ([`Engine::set_mouse`]).
    cursor: [f32; 2],
    mouse_down: bool,
}

/// With `VIVID_FRAME_LOG=file`, the window appends a line when the first few frames after
/// the inspector was shown or hidden (and after the start) have been presented:
/// `presented 3 frames, inspector shown` — so that a test looks at the screen once what it
/// waits for is there, instead of sleeping.
#[derive(Debug)]
struct FrameLog {
    file: std::fs::File,
    /// The inspector's state in the frames counted, and how many were presented.
    state: Option<bool>,
    frames: u32,
}

impl FrameLog {
    /// Lines for the first this many frames after each change.
    const FRAMES: u32 = 5;

    fn from_env() -> Option<Self> {
        let path = std::env::var_os("VIVID_FRAME_LOG")?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Self {
            file,
            state: None,
            frames: 0,
        })
    }

    /// A frame was presented with the inspector `shown` or not.
    fn presented(&mut self, shown: bool) {
        use std::io::Write as _;
        if self.state != Some(shown) {
            self.state = Some(shown);
            self.frames = 0;
        }
        if self.frames < Self::FRAMES {
            self.frames += 1;
            let state = if shown { "shown" } else { "hidden" };
            let _ = writeln!(
                self.file,
                "presented {} frames, inspector {state}",
                self.frames
            );
            let _ = self.file.flush();
        }
    }
}

/// What the screen shows: the files' errors, then the operators'.
fn error_text(live: Option<&Live>, engine: &Engine) -> Option<String> {
    let mut parts: Vec<String> = live.and_then(Live::error_text).into_iter().collect();
    parts.extend(
        engine
            .errors()
            .into_iter()
            .map(|e| format!("error in `{}`: {}", e.node, e.message)),
    );
    (!parts.is_empty()).then(|| parts.join("\n\n"))
}

/// Opens a window and renders until it is closed (or `options.frames` are done).
pub fn run(options: WindowOptions, setup: Setup) -> Result<WindowRun> {
    run_with(options, setup, None)
}

/// [`run`], calling `hook` before each frame is rendered.
pub fn run_with(
    options: WindowOptions,
    setup: Setup,
    hook: Option<FrameHook>,
) -> Result<WindowRun> {
    run_hooked(options, setup, hook, None)
}

/// [`run_with`], the inspector's MIDI learn listening to `learn`.
pub fn run_hooked(
    options: WindowOptions,
    setup: Setup,
    hook: Option<FrameHook>,
    learn: Option<crate::ui::LearnSource>,
) -> Result<WindowRun> {
    let event_loop =
        EventLoop::new().map_err(|e| EngineError::Surface(format!("cannot open a window: {e}")))?;
    event_loop.set_control_flow(ControlFlow::Poll);
    let instance = new_instance(Some(Box::new(event_loop.owned_display_handle())));
    let mut inspector = Inspector::new(options.chain_file.clone());
    if let Some(l) = learn {
        inspector.set_learn_source(l);
    }
    let mut app = App {
        options,
        instance,
        setup: Some(setup),
        engine: None,
        live: None,
        adapter: None,
        surfaces: Vec::new(),
        closed: Vec::new(),
        outputs_dirty: false,
        error: None,
        frame: 0,
        start: Instant::now(),
        warned_view_fallback: false,
        // Anything to show (a project that failed to load) is shown at the first frame.
        errors_seen: u64::MAX,
        shown_errors: None,
        inspector,
        egui_state: None,
        device_generation: 0,
        frame_log: FrameLog::from_env(),
        hook,
        cursor: [0.0; 2],
        mouse_down: false,
    };
    event_loop
        .run_app(&mut app)
        .map_err(|e| EngineError::Surface(format!("event loop: {e}")))?;
    if let Some(e) = app.error {
        return Err(e);
    }
    let seconds = app.start.elapsed().as_secs_f64();
    let engine = app
        .engine
        .ok_or_else(|| EngineError::Surface("the window closed before the GPU was ready".into()))?;
    Ok(WindowRun {
        engine,
        frames: app.frame,
        seconds,
    })
}

impl App {
    fn fail(&mut self, event_loop: &ActiveEventLoop, e: EngineError) {
        self.error = Some(e);
        event_loop.exit();
    }

    fn init(&mut self, event_loop: &ActiveEventLoop) -> Result<()> {
        // Hidden until it has its size: the output's is known once the engine is built,
        // and the engine needs the surface's adapter.
        let window = self.new_window(event_loop)?;
        let surface = self
            .instance
            .create_surface(window.clone())
            .map_err(|e| EngineError::Surface(format!("cannot create a surface: {e}")))?;
        let adapter = pollster::block_on(request_adapter(
            &self.instance,
            Some(&surface),
            &self.options.gpu,
        ))?;
        drop(surface);
        let extra = if self.options.gpu.external_memory {
            vivid_engine::gpu::external_memory_features(&adapter)
        } else {
            wgpu::Features::empty()
        };
        let gpu = Gpu::from_adapter_with(&adapter, extra)?;
        let gpu = match self.options.gpu.pass_mode {
            Some(mode) => gpu.with_pass_mode(mode),
            None => gpu,
        };
        let setup = self
            .setup
            .take()
            .ok_or_else(|| EngineError::Surface("initialised twice".into()))?;
        let (engine, live) = setup(gpu)?;
        self.live = live;
        let desc = engine.output_desc(0).cloned();
        outputs::place(
            event_loop,
            &window,
            desc.as_ref(),
            &self.defaults(0),
            engine.output_picture_size(0),
        );
        window.set_visible(true);
        let mut first = Surface::new(
            &self.instance,
            &adapter,
            &engine,
            window,
            self.options.no_vsync,
        )?;
        first.placed = desc;
        log::info!(
            "window on {} ({:?}, {:?})",
            engine.gpu().describe(),
            first.config.format,
            first.config.present_mode
        );
        self.egui_state = Some(egui_winit::State::new(
            self.inspector.context().clone(),
            egui::ViewportId::ROOT,
            &*first.window,
            Some(first.window.scale_factor() as f32),
            None,
            Some(engine.gpu().max_texture_side() as usize),
        ));
        let mut engine = engine;
        if self.options.inspector {
            self.inspector.set_visible(&mut engine, true);
        }
        self.surfaces = vec![Some(first)];
        self.closed = vec![false];
        self.engine = Some(engine);
        self.adapter = Some(adapter);
        self.sync_outputs(event_loop);
        self.start = Instant::now();
        Ok(())
    }

    /// A hidden window with the runner's title and size.
    fn new_window(&self, event_loop: &ActiveEventLoop) -> Result<Arc<Window>> {
        let [w, h] = self.options.window_size.unwrap_or([1280, 720]);
        let attrs = Window::default_attributes()
            .with_title(self.options.title.clone())
            .with_inner_size(PhysicalSize::new(w, h))
            .with_visible(false);
        Ok(Arc::new(event_loop.create_window(attrs).map_err(|e| {
            EngineError::Surface(format!("cannot create a window: {e}"))
        })?))
    }

    /// Output `i`'s placement when its table does not say: the runner's options for the
    /// first, the picture's size for the others.
    fn defaults(&self, i: usize) -> outputs::Placement {
        if i == 0 {
            outputs::Placement {
                fullscreen: self.options.fullscreen,
                size: self.options.window_size,
                position: None,
                title: self.options.title.clone(),
            }
        } else {
            outputs::Placement {
                title: format!("{} (output {i})", self.options.title),
                ..outputs::Placement::default()
            }
        }
    }

    /// Opens, closes and places the windows for the chain's outputs: one per
    /// `[[window]]` (one without any); a window the user closed stays closed, as does one
    /// that could not be opened (reported).
    fn sync_outputs(&mut self, event_loop: &ActiveEventLoop) {
        self.outputs_dirty = false;
        let (Some(engine), Some(adapter)) = (&self.engine, &self.adapter) else {
            return;
        };
        let n = engine.output_count();
        // Outputs gone: their windows close (surface first).
        while self.surfaces.len() > n {
            self.surfaces.pop();
        }
        self.closed.resize(n, false);
        self.surfaces.resize_with(n, || None);
        for i in 0..n {
            let desc = engine.output_desc(i).cloned();
            let defaults = self.defaults(i);
            match &mut self.surfaces[i] {
                Some(s) if s.placed != desc => {
                    outputs::place(
                        event_loop,
                        &s.window,
                        desc.as_ref(),
                        &defaults,
                        engine.output_picture_size(i),
                    );
                    s.placed = desc;
                }
                Some(_) => {}
                None if self.closed[i] || i == 0 => {}
                None => {
                    // A window the system refuses (or whose surface fails) is reported
                    // and left closed: the other outputs go on.
                    let opened = self.new_window(event_loop).and_then(|window| {
                        outputs::place(
                            event_loop,
                            &window,
                            desc.as_ref(),
                            &defaults,
                            engine.output_picture_size(i),
                        );
                        window.set_visible(true);
                        Surface::new(
                            &self.instance,
                            adapter,
                            engine,
                            window,
                            self.options.no_vsync,
                        )
                    });
                    match opened {
                        Ok(mut s) => {
                            s.placed = desc;
                            self.surfaces[i] = Some(s);
                        }
                        Err(e) => {
                            vivid_engine::stderr_line!("vivid: output {i}: {e}");
                            self.closed[i] = true;
                        }
                    }
                }
            }
        }
    }

    /// The output whose window `id` is.
    fn output_of(&self, id: WindowId) -> Option<usize> {
        self.surfaces
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.window.id() == id))
    }

    /// The window that drives the frames: the first open one.
    fn driver(&self) -> Option<&Surface> {
        self.surfaces.iter().flatten().next()
    }

    /// The user closed output `i`'s window: the others keep running; the last one ends
    /// the run.
    fn close_output(&mut self, event_loop: &ActiveEventLoop, i: usize) {
        log::debug!("output {i}: its window was closed");
        let open = self.surfaces.iter().flatten().count();
        if open <= 1 {
            self.stop(event_loop);
            return;
        }
        if let Some(engine) = &self.engine {
            // What the last frame left in flight finishes before its surface goes.
            engine.wait_idle();
        }
        if let Some(s) = self.surfaces.get_mut(i) {
            *s = None;
        }
        if let Some(c) = self.closed.get_mut(i) {
            *c = true;
        }
        if i == 0 {
            self.egui_state = None;
        }
    }

    /// Gives the engine the pointer (in output 0's window's pixels).
    fn report_mouse(&mut self) {
        if let (Some(Some(s)), Some(engine)) = (self.surfaces.first(), &mut self.engine) {
            engine.set_mouse(
                (s.config.width, s.config.height),
                self.cursor,
                self.mouse_down,
            );
        }
    }

    fn resize(&mut self, i: usize, size: PhysicalSize<u32>) {
        let (Some(Some(s)), Some(engine)) = (self.surfaces.get_mut(i), &self.engine) else {
            return;
        };
        if size.width == 0 || size.height == 0 {
            // Minimised: keep the old configuration, render nothing until restored.
            return;
        }
        s.config.width = size.width;
        s.config.height = size.height;
        s.surface.configure(engine.gpu().device(), &s.config);
    }

    fn redraw(&mut self, event_loop: &ActiveEventLoop, id: WindowId) {
        // One frame for every output, when the driving window asks.
        if self.driver().is_none_or(|d| d.window.id() != id) {
            return;
        }
        if self.outputs_dirty {
            self.sync_outputs(event_loop);
        }
        let Some(engine) = &mut self.engine else {
            return;
        };
        // A lost device: the engine makes a new one, the surfaces are configured on it.
        match engine.recover_if_lost() {
            Ok(false) => {}
            Ok(true) => {
                for s in self.surfaces.iter_mut().flatten() {
                    s.reconfigure(engine);
                }
            }
            Err(e) => {
                self.fail(event_loop, e);
                return;
            }
        }
        // Files saved since the last frame: reload what changed.
        let reloaded = self.live.as_mut().is_some_and(|l| l.poll(engine));
        if reloaded {
            // The `[[window]]` tables may have changed: placed at the next frame.
            self.outputs_dirty = true;
        }
        if reloaded || engine.errors_generation() != self.errors_seen {
            self.errors_seen = engine.errors_generation();
            let text = error_text(self.live.as_ref(), engine);
            if text != self.shown_errors {
                match &text {
                    Some(t) => vivid_engine::stderr_line!("{t}"),
                    None if self.shown_errors.is_some() => {
                        vivid_engine::stderr_line!("vivid: all errors fixed");
                    }
                    None => {}
                }
                if !self.inspector.visible() {
                    engine.set_overlay_text(text.as_deref());
                }
                self.shown_errors = text;
            }
        }
        if engine.device_generation() != self.device_generation {
            // The inspector starts a new egui context on a new device: follow it.
            self.device_generation = engine.device_generation();
            self.egui_state = None;
        }
        // The inspector, in output 0's window: egui runs now, its drawing goes into the
        // frame's encoder.
        let main = self.surfaces.first().and_then(Option::as_ref);
        let ui_on = self.inspector.visible() && main.is_some();
        if let Some(s) = main.filter(|_| ui_on) {
            let file_errors = self.live.as_ref().and_then(Live::error_text);
            let size = s.window.inner_size();
            let raw = match &mut self.egui_state {
                Some(st) => st.take_egui_input(&s.window),
                None => egui::RawInput::default(),
            };
            let platform = self.inspector.run(
                engine,
                file_errors.as_deref(),
                raw,
                (size.width, size.height),
            );
            if self.egui_state.is_none() {
                self.egui_state = Some(egui_winit::State::new(
                    self.inspector.context().clone(),
                    egui::ViewportId::ROOT,
                    &*s.window,
                    Some(s.window.scale_factor() as f32),
                    None,
                    Some(engine.gpu().max_texture_side() as usize),
                ));
            }
            if let Some(st) = &mut self.egui_state {
                st.handle_platform_output(&s.window, platform);
            }
        }
        // Every open, visible output's frame.
        let frames: Vec<Option<wgpu::SurfaceTexture>> = self
            .surfaces
            .iter_mut()
            .map(|s| s.as_mut().and_then(|s| acquire(s, engine)))
            .collect();
        if frames.iter().all(Option::is_none) {
            return;
        }
        let views: Vec<Option<wgpu::TextureView>> = self
            .surfaces
            .iter()
            .zip(&frames)
            .map(|(s, f)| match (s, f) {
                (Some(s), Some(f)) if !s.copy_target => {
                    if !self.warned_view_fallback {
                        log::warn!(
                            "the surface does not allow COPY_DST: rendering through a view made each frame"
                        );
                        self.warned_view_fallback = true;
                    }
                    // Deliberately not counted: the acquired frame is the frame's own.
                    #[expect(
                        clippy::disallowed_methods,
                        reason = "a view of the surface's frame, made per frame by the host, not the engine"
                    )]
                    let view = f.texture.create_view(&wgpu::TextureViewDescriptor::default());
                    Some(view)
                }
                _ => None,
            })
            .collect();
        let mut targets: Vec<Target<'_>> = self
            .surfaces
            .iter()
            .zip(frames.iter().zip(&views))
            .map(|(s, (f, v))| match (s, f, v) {
                (Some(s), Some(_), Some(view)) => Target::View {
                    view,
                    format: s.config.format,
                    size: (s.config.width, s.config.height),
                    opaque: true,
                },
                (Some(_), Some(f), None) => Target::Copy {
                    texture: &f.texture,
                },
                _ => Target::None,
            })
            .collect();
        let ft = match (self.options.clock, self.options.fps) {
            (Some(clock), _) => clock.frame_time(clock.frame_now()),
            (None, Some(fps)) => FrameTime {
                time: self.frame as f64 / fps,
                frame: self.frame,
            },
            (None, None) => FrameTime {
                time: self.start.elapsed().as_secs_f64(),
                frame: self.frame,
            },
        };
        let last = self.options.frames.is_some_and(|n| self.frame + 1 >= n)
            || self
                .options
                .duration
                .is_some_and(|d| self.start.elapsed() >= d);
        let capture = last && self.options.snapshot.is_some();
        if let Some(hook) = &mut self.hook {
            hook(engine, ft);
        }
        let ui = if ui_on && targets.first().is_some_and(|t| !matches!(t, Target::None)) {
            Some(self.inspector.painter() as &mut dyn FramePass)
        } else {
            None
        };
        let result = engine.render_outputs(ft, &mut targets, capture, ui);
        drop(targets);
        drop(views);
        // Every acquired frame is presented, whatever happened.
        for f in frames.into_iter().flatten() {
            engine.gpu().queue().present(f);
        }
        if let Some(log) = &mut self.frame_log {
            log.presented(ui_on);
        }
        if let Err(e) = result {
            self.fail(event_loop, e);
            return;
        }
        if let Some(live) = &mut self.live {
            for t in live.frame_done(engine) {
                vivid_engine::stderr_line!("vivid: {}", t.line());
            }
        }
        self.frame += 1;
        if last {
            // The frame was captured: the host reads it once the window closed.
            event_loop.exit();
        }
    }

    /// Whether a stop was requested (a signal).
    fn stop_requested(&self) -> bool {
        self.options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    }

    /// Ends the run (Esc, the window closed, a stop request): one more frame, captured
    /// off-screen when a snapshot is asked for (the window may be hidden or minimised), then
    /// the loop exits.
    fn stop(&mut self, event_loop: &ActiveEventLoop) {
        if let (Some(engine), Some(_)) = (&mut self.engine, &self.options.snapshot) {
            let time = match self.options.fps {
                Some(fps) => self.frame as f64 / fps,
                None => self.start.elapsed().as_secs_f64(),
            };
            let ft = FrameTime {
                time,
                frame: self.frame,
            };
            match engine.render(ft, Target::None, true) {
                Ok(_) => self.frame += 1,
                Err(e) => self.error = Some(e),
            }
        }
        event_loop.exit();
    }
}

/// The surface's next frame; `None` (after configuring it again where that helps) when
/// there is none to draw this time: minimised, hidden, outdated, lost, timed out.
fn acquire(s: &mut Surface, engine: &Engine) -> Option<wgpu::SurfaceTexture> {
    let size = s.window.inner_size();
    if size.width == 0 || size.height == 0 {
        return None;
    }
    match s.surface.get_current_texture() {
        wgpu::CurrentSurfaceTexture::Success(f) | wgpu::CurrentSurfaceTexture::Suboptimal(f) => {
            Some(f)
        }
        // Hidden: nothing to show until it is visible again.
        wgpu::CurrentSurfaceTexture::Occluded => None,
        // No image in time, or the swapchain no longer matches the window (its monitor
        // went away, it was resized): configure it again and try at the next frame.
        wgpu::CurrentSurfaceTexture::Timeout
        | wgpu::CurrentSurfaceTexture::Outdated
        | wgpu::CurrentSurfaceTexture::Lost => {
            s.reconfigure(engine);
            None
        }
        wgpu::CurrentSurfaceTexture::Validation => {
            log::error!("surface validation error; reconfiguring");
            s.surface.configure(engine.gpu().device(), &s.config);
            None
        }
    }
}

impl ApplicationHandler for App {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.surfaces.is_empty()
            && let Err(e) = self.init(event_loop)
        {
            self.fail(event_loop, e);
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, id: WindowId, event: WindowEvent) {
        let Some(output) = self.output_of(id) else {
            return;
        };
        // The inspector (output 0's window) gets input first while it is shown; keys go to
        // vivid unless egui is editing text.
        let mut typing = false;
        if self.inspector.visible()
            && output == 0
            && let (Some(st), Some(s)) = (
                &mut self.egui_state,
                self.surfaces.first().and_then(Option::as_ref),
            )
        {
            let _ = st.on_window_event(&s.window, &event);
            typing = self.inspector.context().egui_wants_keyboard_input();
        }
        if let WindowEvent::KeyboardInput {
            event:
                KeyEvent {
                    logical_key,
                    state: ElementState::Pressed,
                    repeat: false,
                    ..
                },
            ..
        } = &event
            && !typing
        {
            match logical_key {
                Key::Named(NamedKey::Tab) if output == 0 => {
                    if let Some(engine) = &mut self.engine {
                        let show = !self.inspector.visible();
                        self.inspector.set_visible(engine, show);
                        // The error text box and the inspector's error window: one at a time.
                        let text = if show {
                            None
                        } else {
                            self.shown_errors.clone()
                        };
                        engine.set_overlay_text(text.as_deref());
                    }
                    return;
                }
                Key::Character(c) if c.eq_ignore_ascii_case("t") && self.options.taps.is_some() => {
                    if let Some(taps) = &self.options.taps {
                        taps.fetch_add(1, Ordering::Relaxed);
                    }
                    return;
                }
                Key::Character(c) if c.eq_ignore_ascii_case("f") => {
                    if let Some(Some(s)) = self.surfaces.get(output) {
                        let full = s.window.fullscreen().is_some();
                        s.window.set_fullscreen(
                            (!full).then_some(winit::window::Fullscreen::Borderless(None)),
                        );
                    }
                    return;
                }
                _ => {}
            }
        }
        // The pointer in output 0's window (the `mouse.*` variables), unless it is on the
        // inspector.
        let on_inspector =
            self.inspector.visible() && self.inspector.context().egui_wants_pointer_input();
        match &event {
            _ if output != 0 => {}
            WindowEvent::CursorMoved { position, .. } => {
                self.cursor = [position.x as f32, position.y as f32];
                if self.mouse_down {
                    self.report_mouse();
                }
            }
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } if !on_inspector || *state == ElementState::Released => {
                self.mouse_down = *state == ElementState::Pressed;
                self.report_mouse();
            }
            _ => {}
        }
        match event {
            WindowEvent::KeyboardInput {
                event:
                    KeyEvent {
                        logical_key: Key::Named(NamedKey::Escape),
                        state: ElementState::Pressed,
                        ..
                    },
                ..
            } if !typing => self.stop(event_loop),
            WindowEvent::CloseRequested => self.close_output(event_loop, output),
            WindowEvent::Resized(size) => self.resize(output, size),
            WindowEvent::RedrawRequested => self.redraw(event_loop, id),
            _ => {}
        }
    }

    fn exiting(&mut self, _event_loop: &ActiveEventLoop) {
        // What the last frame left in flight (its staging maps) finishes before the
        // surface and the engine go.
        if let Some(engine) = &self.engine {
            engine.wait_idle();
        }
    }

    fn about_to_wait(&mut self, event_loop: &ActiveEventLoop) {
        if self.stop_requested() {
            self.stop(event_loop);
            return;
        }
        if let Some(s) = self.driver() {
            s.window.request_redraw();
        } else {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
}
