//! The `vivid` command: run a project folder in a window or headless, list operators.

#![forbid(unsafe_code)]

#[cfg(feature = "pipewire")]
mod publishing;
#[cfg(feature = "media")]
mod recording;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

mod control_flags;
#[cfg(feature = "isf")]
mod isf_check;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use vivid::live::Live;
use vivid::stderr_line;
use vivid::{Engine, EngineError, EngineOptions, FrameTime, Gpu, GpuOptions, Target};

mod cli;
mod devices;
mod new;

use cli::render::{FrameRange, parse_frame_range};
use cli::snapshot::{Snapshot, parse_color};
use cli::stop::Stop;

/// vivid renders a project folder's chain.toml — a chain of texture operators — every frame,
/// in a window or headless into PNGs.
#[derive(Parser, Debug)]
#[command(
    name = "vivid",
    version,
    args_conflicts_with_subcommands = true,
    after_help = "EXAMPLES:\n  vivid new my-project\n  vivid examples/02-hello-noise\n  vivid examples/02-hello-noise --headless --frames 120 --fps 60 --snapshot out.png\n  vivid examples/04-compositing --set clouds.scale=4 --set 'clouds.speed=\"1 + sin(time)\"'\n  vivid operators\n\nIn the window: Tab shows the inspector, F toggles fullscreen, Esc quits.\nParameters take numbers or expressions of `time` (seconds) and `frame`, e.g. scale = \"4 + 2 * sin(time)\".\nEnvironment: RUST_LOG=info (or debug) for logs; WGPU_BACKEND=vulkan and WGPU_ADAPTER_NAME=llvmpipe pick the adapter;\nVIVID_PASSES=compute|render forces how operators run (default: render passes on CPU drivers, compute elsewhere)."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every operator type with its inputs, parameters, defaults and ranges.
    Operators {
        /// Also list the custom shaders (`type = "shader"`) of this project, with the
        /// parameters reflected from their `struct Params`.
        #[arg(long, value_name = "DIR")]
        project: Option<PathBuf>,
        /// Print the table of operator types as Markdown (the README's table).
        #[arg(long, conflicts_with = "project")]
        markdown: bool,
        /// Print the interface of an operator written in WGSL (a project's own shader or a
        /// built-in): bindings, coordinates, parameter annotations, front matter.
        #[arg(long, conflicts_with_all = ["project", "markdown"])]
        shader_api: bool,
    },
    /// Check every ISF (`.fs`) and Shadertoy (`.glsl`, with its buffers) file of a folder:
    /// translate and validate each, one line per file (ok, or its errors at their
    /// `file:line:col`). Exits non-zero if any failed.
    #[cfg(feature = "isf")]
    IsfCheck {
        /// The folder of ISF files.
        dir: PathBuf,
        /// Also render each file that compiles (a few frames from a gradient and a noise
        /// input, on this machine's GPU): NaN or infinity fails, one colour is reported.
        #[arg(long)]
        render: bool,
    },
    /// Make a new project folder from the template: a commented chain.toml and a starter
    /// shader (never overwrites: DIR must not exist, or be empty).
    New {
        /// The folder to make, e.g. my-project.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// List the monitors, cameras, audio inputs and outputs and MIDI ports this machine has,
    /// each with what to write (in chain.toml or on the command line) to use it.
    Devices,
    /// Render frames A..B of a project offline (headless, frame k at time k/fps, exactly):
    /// any range rendered anywhere gives the same pixels as that range of one sequential
    /// run, so a long render splits over a cluster (docs/cluster.md). Takes the run's options.
    #[command(
        after_help = "EXAMPLES:\n  vivid render examples/02-hello-noise --fps 60 --frames 0..600 --record out/%06d.png\n  vivid render examples/03-feedback --fps 60 --frames 300..400 --preroll 120 --record out/%06d.png\n\nPNG names are the global frame index (frame 300 is out/000300.png). A chain whose operators depend on earlier frames (feedback, delay, echo, time_machine, video played by the clock, ISF persistent buffers) needs --preroll to match a sequential run; vivid warns when it is missing."
    )]
    Render(Box<RenderArgs>),
    /// Benchmark a project headless: time per frame, and per operator the GPU time
    /// (timestamp queries) and CPU encode time, median and p99, with GPU memory in use.
    Bench(BenchArgs),
}

#[derive(Args, Debug)]
struct BenchArgs {
    /// Project folder (holding chain.toml).
    project: PathBuf,
    /// Frames measured (after warm-up), at least 1.
    #[arg(long, value_name = "N", default_value_t = 300, value_parser = parse_frames)]
    frames: u64,
    /// Frames rendered first and not measured.
    #[arg(long, value_name = "N", default_value_t = 30)]
    warmup: u64,
    /// Output size (every size in the chain is scaled to match).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    size: Option<[u32; 2]>,
    /// Override a parameter (repeatable), as for running.
    #[arg(long = "set", value_name = "NAME.PARAM=VALUE")]
    sets: Vec<String>,
    /// Memory bandwidth of the GPU in GB/s (bytes read + written): adds each operator's
    /// floor — its inputs read once and its output written once — and its time over it.
    #[arg(long, value_name = "GB/S", value_parser = parse_bandwidth)]
    bandwidth: Option<f64>,
    /// Write the results as JSON to this file (`-` for stdout, instead of the table).
    #[arg(long, value_name = "PATH")]
    json: Option<PathBuf>,
    /// Draw every operator on its own: no fusion of pointwise operators (to compare).
    #[arg(long)]
    no_fuse: bool,
    /// Leave the loops of the project's shaders unguarded (to measure what the loop guard
    /// costs; a loop that never ends then hangs the GPU).
    #[arg(long)]
    no_loop_guard: bool,
}

impl Command {
    /// The run's arguments a subcommand carries (`render`'s).
    fn run_args(&mut self) -> Option<&mut RunArgs> {
        match self {
            Self::Render(args) => Some(&mut args.run),
            _ => None,
        }
    }
}

#[derive(Args, Debug)]
struct RenderArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Frames run before the range without being written, so that operators depending on
    /// earlier frames (feedback, delay…) have a past: --preroll A (or more) makes frames
    /// A..B exactly those of a sequential run.
    #[arg(long, value_name = "N", default_value_t = 0)]
    preroll: u64,
}

#[derive(Args, Debug, Clone)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is a command-line flag"
)]
struct RunArgs {
    /// Project folder (holding chain.toml), or a chain.toml file.
    project: Option<PathBuf>,
    /// Render without a window.
    #[arg(long)]
    headless: bool,
    /// Stop after N frames, at least 1 (default: until the window closes; headless: 1).
    /// Headless, A..B renders frames A to B-1 (frame k at time k/fps; see `vivid render`).
    #[arg(long, value_name = "N|A..B", value_parser = parse_frame_range)]
    frames: Option<FrameRange>,
    /// Frames run before the range of `--frames` without being recorded (`vivid render
    /// --preroll`).
    #[arg(skip)]
    preroll: u64,
    /// Stop after this many seconds of wall-clock time, at most 1e9 (headless: frames run
    /// back to back until then, unless --frames stops them first). For soak runs.
    #[arg(long, value_name = "SECS", value_parser = parse_duration)]
    duration: Option<f64>,
    /// Write the output of the last frame rendered: `.png` (with its alpha) or `.jpg`
    /// (flattened over --background, black by default). The folder must exist; the name is
    /// checked before the run starts.
    #[arg(long, value_name = "PATH")]
    snapshot: Option<PathBuf>,
    /// Flatten the snapshot over this colour (#rrggbb, #rgb or r,g,b in 0..1) instead of
    /// keeping its alpha.
    #[arg(long, value_name = "COLOR", value_parser = parse_color)]
    background: Option<[f32; 3]>,
    /// Override the output size; every size in the chain is scaled to match.
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    size: Option<[u32; 2]>,
    /// Fixed time step: frame k has time k / F (deterministic). Default: wall-clock time in a
    /// window, 1/60 s per frame headless.
    #[arg(long, value_name = "F", value_parser = parse_fps)]
    fps: Option<f64>,
    /// Override a parameter, same value syntax as chain.toml (repeatable):
    /// --set noise.scale=4, --set camera.position=[0,3,5], --set noise.kind=simplex.
    #[arg(long = "set", value_name = "NAME.PARAM=VALUE")]
    sets: Vec<String>,
    /// Seconds between memory monitor lines on stderr, 0.001..=1e9 (0 turns the monitor
    /// off).
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_monitor_interval)]
    monitor_interval: f64,
    /// At exit, write run statistics as JSON (frames, encoders and submits per frame,
    /// objects created after warm-up, RSS, monitor samples).
    #[arg(long, value_name = "PATH")]
    stats_json: Option<PathBuf>,
    /// Present without waiting for vertical sync (window).
    #[arg(long)]
    no_vsync: bool,
    /// Start fullscreen (window; F toggles).
    #[arg(long)]
    fullscreen: bool,
    /// The window's size (default: the output's size, fitted to the monitor).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    window_size: Option<[u32; 2]>,
    /// Start with the inspector shown (window; Tab toggles): chain view with thumbnails,
    /// parameters, timings, memory, errors.
    #[arg(long)]
    inspector: bool,
    /// Window: do not follow file changes (by default, saving chain.toml or a shader
    /// reloads it live).
    #[arg(long, conflicts_with = "watch")]
    no_watch: bool,
    /// Headless: follow file changes too (reloads are logged with their latency).
    #[arg(long)]
    watch: bool,
    /// Headless: run in real time, as a window does — a frame's time is the wall clock, and
    /// media plays in real time (frames dropped or repeated to keep sync, counted as the
    /// operator counters `video_dropped` and `video_late` in --stats-json). With --fps F,
    /// frames are paced at F a second (a display's refresh) instead of back to back.
    #[arg(long, requires = "headless")]
    realtime: bool,
    /// Draw every operator on its own: do not fuse runs of pointwise operators (levels,
    /// hsv) into one pass. Fused output differs from unfused only by the rounding of the
    /// half-float textures skipped between them.
    #[arg(long)]
    no_fuse: bool,
    /// Seconds the GPU may take to finish a frame (0: no limit). A frame still running then
    /// quarantines the newest shader (until its file changes), replaces the GPU device and
    /// keeps rendering with that shader's last good version, or without it.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = parse_frame_deadline)]
    frame_deadline: f64,
    /// Also read files from this folder (repeatable): a project's files (pictures, models,
    /// shaders) must otherwise be inside its own folder, links resolved.
    #[arg(long = "allow-path", value_name = "DIR", value_parser = parse_folder)]
    allow_paths: Vec<PathBuf>,
    /// Record the output: a video file (.mp4 H.264, .mov `ProRes`, .mkv, .webm) or a PNG
    /// sequence (frames/%06d.png). Headless with --fps: every frame, exactly; in a window:
    /// what is shown, in real time.
    #[cfg(feature = "media")]
    #[arg(long, value_name = "PATH")]
    record: Option<PathBuf>,
    /// The recording's codec: h264 (default), h265, prores (default for .mov), ffv1, vp9.
    #[cfg(feature = "media")]
    #[arg(long, value_name = "CODEC", requires = "record")]
    record_codec: Option<String>,
    /// The recording's bit rate in kbit/s (default: constant quality).
    #[cfg(feature = "media")]
    #[arg(long, value_name = "KBPS", requires = "record")]
    record_bitrate: Option<u32>,
    /// Bits per channel of a PNG sequence: 8 (default) or 16 (RGBA16 from the half-float
    /// output, converted off the render thread).
    #[cfg(feature = "media")]
    #[arg(long, value_name = "BITS", requires = "record", value_parser = clap::builder::PossibleValuesParser::new(["8", "16"]))]
    record_depth: Option<String>,
    /// Publish the output as a PipeWire video stream named NAME (a `Video/Source` node that
    /// OBS, browsers and `pipewiresrc` read), in real time: 8-bit RGBA frames whose buffers
    /// are vivid's export pool (DMA-BUFs, or memfds on software Vulkan: no copies), or,
    /// where the GPU's memory cannot be shared, copies in shared memory.
    #[cfg(feature = "media")]
    #[arg(long, value_name = "NAME", conflicts_with = "record")]
    pipewire: Option<String>,
    #[command(flatten)]
    control: control_flags::ControlArgs,
    #[command(flatten)]
    outputs: cli::outputs::OutputArgs,
}

/// `println!` that ends the process quietly when stdout is closed (`vivid operators | head`)
/// instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout().lock(), $($arg)*) {
            stdout_failed(&e);
        }
    }};
}

fn stdout_failed(e: &std::io::Error) -> ! {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    stderr_line!("error: writing to stdout: {e}");
    std::process::exit(1);
}

/// The most seconds `--duration` and `--monitor-interval` take: about 31 years (a
/// `Duration` or an `Instant` plus it cannot overflow).
const MAX_SECONDS: f64 = 1e9;

fn parse_size(s: &str) -> Result<[u32; 2], String> {
    let (w, h) = s
        .split_once(['x', 'X'])
        .ok_or_else(|| format!("`{s}` is not WxH (e.g. 1920x1080)"))?;
    let p = |v: &str| {
        v.trim()
            .parse::<u32>()
            .map_err(|_| format!("`{s}` is not WxH (e.g. 1920x1080)"))
    };
    let (w, h) = (p(w)?, p(h)?);
    if w == 0 || h == 0 || w > 65536 || h > 65536 {
        return Err(format!(
            "`{s}`: width and height must be 1..=65536 (and within the GPU's limit)"
        ));
    }
    Ok([w, h])
}

fn parse_fps(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if (1e-3..=1e6).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{s}` is not a number of frames per second in 0.001..=1000000"
        )),
    }
}

fn parse_duration(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if (0.0..=MAX_SECONDS).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{s}` is not a number of seconds in 0..={MAX_SECONDS:e}"
        )),
    }
}

fn parse_monitor_interval(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f == 0.0 || (1e-3..=MAX_SECONDS).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{s}` is not a number of seconds in 0.001..={MAX_SECONDS:e} (or 0: no monitor)"
        )),
    }
}

fn parse_frame_deadline(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f == 0.0 || (1e-3..=MAX_SECONDS).contains(&f) => Ok(f),
        _ => Err(format!(
            "`{s}` is not a number of seconds in 0.001..={MAX_SECONDS:e} (or 0: no deadline)"
        )),
    }
}

fn parse_frames(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(0) => Err("0 frames: nothing to render (give at least 1)".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{s}` is not a whole number of frames")),
    }
}

fn parse_bandwidth(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(format!("`{s}` is not a positive number of GB/s")),
    }
}

fn parse_folder(s: &str) -> Result<PathBuf, String> {
    let p = PathBuf::from(s);
    if p.is_dir() {
        Ok(p)
    } else {
        Err(format!("`{s}` is not a folder"))
    }
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    let mut cli = Cli::parse();
    // One `--clock` for every clock: `link` also starts the control's Link session.
    for run in [
        Some(&mut cli.run),
        cli.command.as_mut().and_then(Command::run_args),
    ]
    .into_iter()
    .flatten()
    {
        run.control.link = run.outputs.clock == cli::outputs::Clock::Link;
    }
    let result = match cli.command {
        Some(Command::Operators {
            shader_api: true, ..
        }) => {
            out!("{}", vivid::operator::wgsl::interface_text());
            Ok(())
        }
        Some(Command::Operators { markdown: true, .. }) => {
            let table = vivid::operator::wgsl::markdown_table(&vivid::builtin_registry());
            out!("{}", table.trim_end());
            Ok(())
        }
        Some(Command::Operators { project, .. }) => print_operators(project.as_deref()),
        Some(Command::New { dir }) => new::new_project(&dir, source_tree_shaders().is_some()),
        Some(Command::Bench(args)) => bench(&args),
        Some(Command::Devices) => {
            out!("{}", devices::listing().trim_end());
            Ok(())
        }
        Some(Command::Render(args)) => render(*args),
        #[cfg(feature = "isf")]
        Some(Command::IsfCheck { dir, render }) => match isf_check::isf_check(&dir, render) {
            Ok(true) => Ok(()),
            Ok(false) => return ExitCode::FAILURE,
            Err(e) => Err(e),
        },
        None => run(&cli.run),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // User errors (chain.toml, WGSL) carry their own `error:` lines and locations.
            match e.downcast_ref::<EngineError>() {
                Some(EngineError::Project(d) | EngineError::Shader(d)) => stderr_line!("{d}"),
                _ => stderr_line!("error: {e:#}"),
            }
            ExitCode::FAILURE
        }
    }
}

/// A usage error found after parsing (clap's own exit status: 2).
fn usage_error(message: &str) -> ! {
    stderr_line!("error: {message}");
    std::process::exit(2);
}

/// The engine's settings for a run; `live`: a window or `--watch`, where frames never wait
/// for a file being read (the last good version shows until the new one is ready).
fn engine_options(args: &RunArgs, live: bool) -> EngineOptions {
    let defaults = EngineOptions::default();
    EngineOptions {
        monitor_interval: (args.monitor_interval > 0.0)
            .then(|| Duration::from_secs_f64(args.monitor_interval.min(MAX_SECONDS))),
        monitor_print: true,
        fuse: !args.no_fuse,
        frame_deadline: (args.frame_deadline > 0.0)
            .then(|| Duration::from_secs_f64(args.frame_deadline.min(MAX_SECONDS))),
        allowed_paths: args.allow_paths.clone(),
        file_wait: if live {
            Duration::ZERO
        } else {
            defaults.file_wait
        },
        ..defaults
    }
}

/// What the terminal shows of the run's problems: the files' errors, then the operators'.
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

/// The source tree's `shaders/`, when this binary was built in (and runs from) that tree:
/// built-in shaders are then read from there, and watched, so editing them is live. An
/// installed or copied binary uses the shaders built into it.
fn source_tree_shaders() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let exe = std::env::current_exe().ok()?.canonicalize().ok()?;
    let built_here = exe.starts_with(root.canonicalize().ok()?.join("target"));
    let shaders = root.join("shaders");
    (built_here && shaders.is_dir()).then_some(shaders)
}

/// The engine for a run, with its project loaded; with `watch`, a [`Live`] following its
/// files. A project that does not load is an error — unless `watch`: then the run waits
/// showing the error (a black picture behind it in a window) until a save fixes it
/// ([`Live::chain_in_error`]).
fn setup_engine(
    gpu: Gpu,
    args: &RunArgs,
    project: &Path,
    watch: bool,
    host: &control_flags::Host,
) -> Result<(Engine, Option<Live>), EngineError> {
    let mut engine = Engine::new(gpu, vivid::builtin_registry(), engine_options(args, watch));
    host.register(&mut engine)?;
    if engine.shader_root().is_none()
        && let Some(dir) = source_tree_shaders()
    {
        log::info!("built-in shaders from {}", dir.display());
        engine.shaders_mut().set_disk_root(Some(dir));
    }
    engine.set_output_size(args.size.or(args.outputs.canvas))?;
    let loaded = engine.load_project(project, &args.sets);
    if loaded.is_ok() {
        args.outputs
            .apply(&mut engine)
            .map_err(EngineError::Param)?;
    }
    if args.snapshot.is_some() {
        engine.set_capture(true);
    }
    #[cfg(feature = "media")]
    if let Some(path) = &args.record {
        let options = vivid::media::record::RecordOptions {
            path: path.clone(),
            codec: args.record_codec.clone(),
            bitrate_kbps: args.record_bitrate,
            fps: args.fps,
            exact: args.headless && !args.realtime,
            first_index: args.frames.map_or(0, |r| r.start),
            depth: if args.record_depth.as_deref() == Some("16") {
                16
            } else {
                8
            },
            pipewire: None,
        };
        recording::start(&mut engine, &options)
            .map_err(|e| EngineError::Param(format!("--record: {e:#}")))?;
    }
    #[cfg(feature = "media")]
    if let Some(name) = &args.pipewire {
        #[cfg(feature = "pipewire")]
        let shared = publishing::start(&mut engine, name, args.fps)
            .map_err(|e| EngineError::Param(format!("--pipewire: {e:#}")))?;
        #[cfg(not(feature = "pipewire"))]
        let shared = false;
        if !shared {
            publish_copies(&mut engine, name, args.fps)?;
        }
    }
    if !watch {
        loaded?;
        return Ok((engine, None));
    }
    let live = match Live::new(&engine, project, args.sets.clone(), true) {
        Ok(live) => live,
        Err(e) => {
            // Without a watcher the show goes on, not following files.
            stderr_line!("vivid: {e}; running without following file changes");
            loaded?;
            let live = Live::new(&engine, project, args.sets.clone(), false)?;
            return Ok((engine, Some(live)));
        }
    };
    let mut live = live;
    if let Err(e) = loaded {
        // Something to show the error over until the project loads.
        engine.set_chain(&waiting_chain())?;
        live.chain_failed(e);
    }
    let dirs = live.watched();
    let shown: Vec<String> = dirs
        .iter()
        .take(3)
        .map(|d| d.display().to_string())
        .collect();
    let more = dirs.len().saturating_sub(shown.len());
    stderr_line!(
        "vivid: watching {}{}",
        shown.join(" and "),
        if more > 0 {
            format!(" and {more} more folders")
        } else {
            String::new()
        }
    );
    Ok((engine, Some(live)))
}

/// `--pipewire NAME` through GStreamer's `pipewiresink`: a CPU readback of each frame,
/// shared memory (where the export pool cannot be shared, or built without `pipewire`).
#[cfg(feature = "media")]
fn publish_copies(engine: &mut Engine, name: &str, fps: Option<f64>) -> Result<(), EngineError> {
    let options = vivid::media::record::RecordOptions {
        fps,
        // A live stream: the render never waits for it (a frame it cannot take is
        // left out and counted).
        exact: false,
        pipewire: Some(name.to_owned()),
        ..Default::default()
    };
    recording::start(engine, &options).map_err(|e| EngineError::Param(format!("--pipewire: {e:#}")))
}

/// Whether this run publishes a PipeWire stream from the export pool (its device needs
/// external memory).
fn pipewire_requested(args: &RunArgs) -> bool {
    #[cfg(all(feature = "media", feature = "pipewire"))]
    return args.pipewire.is_some();
    #[cfg(not(all(feature = "media", feature = "pipewire")))]
    {
        let _ = args;
        false
    }
}

/// What a run that waits for its project to be fixed shows meanwhile: black.
fn waiting_chain() -> vivid::chain::ChainDesc {
    vivid::chain::ChainBuilder::new()
        .node("vivid-waiting", "solid")
        .param("color", [0.0f32, 0.0, 0.0, 1.0])
        .build()
}

/// Checks what can be checked before anything runs: the snapshot's name and folder. A bad
/// one is a usage error (exit 2), not something found at the end of a soak.
fn check_snapshot(args: &RunArgs) -> Option<Snapshot> {
    let path = args.snapshot.as_ref()?;
    match Snapshot::check(path, args.background) {
        Ok(s) => Some(s),
        Err(m) => usage_error(&m),
    }
}

/// How long a headless run goes: frames, the wall-clock deadline, the time step.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Plan {
    /// The first frame run (the preroll's, if any).
    first: u64,
    /// The first frame of the range (recorded, timed).
    start: u64,
    /// Frames run, preroll included.
    frames: u64,
    deadline: Option<Instant>,
    fps: f64,
}

impl Plan {
    /// From the arguments; `start` is when the run starts. Never panics, whatever the
    /// arguments the parsers let through.
    fn new(args: &RunArgs, start: Instant) -> Self {
        let default_frames = if args.duration.is_some() { u64::MAX } else { 1 };
        let range = args.frames.unwrap_or(FrameRange {
            start: 0,
            end: default_frames,
        });
        let first = cli::render::first_frame(range, args.preroll);
        Self {
            first,
            start: range.start,
            frames: (range.end - first).max(1),
            deadline: args.duration.and_then(|s| {
                start.checked_add(Duration::try_from_secs_f64(s.clamp(0.0, MAX_SECONDS)).ok()?)
            }),
            fps: args.fps.unwrap_or(60.0),
        }
    }
}

/// `vivid render`: the headless run, over a range of frames at a fixed time step.
fn render(mut args: RenderArgs) -> anyhow::Result<()> {
    let run = &mut args.run;
    if run.fps.is_none() {
        usage_error("vivid render needs --fps F (frame k is at time k/F)");
    }
    if run.frames.is_none() {
        usage_error("vivid render needs --frames A..B (frames A to B-1) or --frames N (0..N)");
    }
    if run.watch {
        usage_error("vivid render renders the files as they are: --watch is for runs");
    }
    run.headless = true;
    run.preroll = args.preroll;
    self::run(&args.run)
}

/// Warns when frames `range` of a chain depending on earlier frames start from frame
/// `first` instead of frame 0 (`--preroll` missing or shorter than the range's start).
fn warn_stateful(engine: &Engine, args: &RunArgs, range: FrameRange, first: u64) {
    let stateful: Vec<(String, String)> = engine
        .node_views()
        .into_iter()
        .filter(|n| n.stateful)
        .map(|n| (n.name, n.type_name))
        .collect();
    let audio = args.control.audio.is_some() || args.control.audio_in.is_some();
    if let Some(w) = cli::render::stateful_warning(range, first, &stateful, audio) {
        stderr_line!("vivid: {w}");
    }
}

fn run(args: &RunArgs) -> anyhow::Result<()> {
    let Some(project) = args.project.clone() else {
        bail!(
            "no project folder given\n\nusage: vivid <PROJECT> [OPTIONS]   (e.g. vivid examples/02-hello-noise)\n       vivid operators\n       vivid --help"
        );
    };
    let snapshot = check_snapshot(args);
    if let Err(m) = args.outputs.check() {
        usage_error(&m);
    }
    let stop = cli::stop::install();
    if args.headless {
        run_headless(args, &project, snapshot.as_ref(), &stop)
    } else {
        run_window(args, &project, snapshot.as_ref(), &stop)
    }
}

/// Headless with `--watch`, a project that did not load: waits, polling its files, until a
/// save fixes it (`Ok(true)`) or a signal ends the run (`Ok(false)`).
fn wait_for_fix(engine: &mut Engine, live: &mut Live, stop: &Stop) -> bool {
    if let Some(t) = live.error_text() {
        stderr_line!("{t}");
    }
    stderr_line!("vivid: waiting for the project to be fixed (save it to try again)");
    let mut shown = live.error_text();
    while !stop.requested() {
        if live.poll(engine) {
            if !live.chain_in_error() {
                stderr_line!("vivid: the project loads: running");
                return true;
            }
            let text = live.error_text();
            if text != shown {
                if let Some(t) = &text {
                    stderr_line!("{t}");
                }
                shown = text;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

fn run_headless(
    args: &RunArgs,
    project: &Path,
    snapshot: Option<&Snapshot>,
    stop: &Stop,
) -> anyhow::Result<()> {
    // Check the project before touching the GPU: errors come fast and need no driver (with
    // --watch a broken project is waited for instead).
    if !args.watch {
        let _ = vivid::project::load_project(project)?;
    }
    let host = control_flags::Host::start(&args.control, false)?;
    let gpu = Gpu::headless(&GpuOptions {
        // `--pipewire` shares the export pool's memory: Vulkan fds.
        external_memory: pipewire_requested(args),
        ..GpuOptions::default()
    })?;
    let adapter = gpu.describe();
    let (mut engine, mut live) = setup_engine(gpu, args, project, args.watch, &host)?;
    if let Some(l) = &mut live
        && l.chain_in_error()
        && !wait_for_fix(&mut engine, l, stop)
    {
        bail!("stopped before the project loaded");
    }
    let mut shown_errors: Option<String> = error_text(live.as_ref(), &engine);
    #[cfg(feature = "media")]
    vivid::media::set_realtime(args.realtime);
    let start = Instant::now();
    let Plan {
        first,
        start: range_start,
        frames,
        deadline,
        fps,
    } = Plan::new(args, start);
    if let Some(range) = args.frames.filter(|r| r.start > 0) {
        warn_stateful(&engine, args, range, first);
    }
    // Timing excludes the first frames (pipeline compilation, first-use allocations).
    let warmup = if frames >= 40 { 10 } else { 0 };
    let mut steady_start = start;
    let mut errors_seen = engine.errors_generation();
    let mut rendered = 0;
    // The files' and the operators' errors, printed when they change.
    let mut show_errors = |live: Option<&Live>, engine: &Engine| {
        let text = error_text(live, engine);
        if text != shown_errors {
            match &text {
                Some(t) => stderr_line!("{t}"),
                None => stderr_line!("vivid: all errors fixed"),
            }
            shown_errors = text;
        }
    };
    // `--clock system`: frames of the shared timeline, each at its instant, up to the last
    // frame of --frames (or the frame of now, without --frames).
    let clock = args.outputs.system_clock(args.fps);
    let timeline_end = clock.map(|c| match args.frames {
        Some(r) => r.end.max(1) - 1,
        None if args.duration.is_some() => u64::MAX,
        None => c.frame_now(),
    });
    for i in 0..frames {
        // The global frame index: its time is k / fps in any range of frames.
        let k = first + i;
        if i == warmup && warmup > 0 {
            engine.wait_idle();
            steady_start = Instant::now();
        }
        if live.as_mut().is_some_and(|l| l.poll(&mut engine)) {
            show_errors(live.as_ref(), &engine);
        }
        let (time, timeline_done) = match (clock, timeline_end) {
            (Some(c), Some(end)) => {
                let now = c.frame_now().min(end);
                (c.frame_time(now), now >= end)
            }
            _ if args.realtime => {
                // Paced like a display at --fps (if given), timed by the clock.
                let due = start + Duration::from_secs_f64(i as f64 / fps);
                if args.fps.is_some() {
                    std::thread::sleep(due.saturating_duration_since(Instant::now()));
                }
                let time = FrameTime {
                    time: start.elapsed().as_secs_f64(),
                    frame: k,
                };
                (time, i + 1 == frames)
            }
            _ => (
                FrameTime {
                    time: k as f64 / fps,
                    frame: k,
                },
                i + 1 == frames,
            ),
        };
        let last =
            timeline_done || deadline.is_some_and(|d| Instant::now() >= d) || stop.requested();
        let capture = snapshot.is_some() && last;
        host.before_frame(&mut engine, time);
        engine.render(time, Target::None, capture)?;
        if let Some(l) = &mut live {
            for t in l.frame_done(&engine) {
                stderr_line!("vivid: {}", t.line());
            }
        }
        if engine.errors_generation() != errors_seen {
            errors_seen = engine.errors_generation();
            show_errors(live.as_ref(), &engine);
        }
        rendered = i + 1;
        if last {
            break;
        }
        if let (Some(c), Some(end)) = (clock, timeline_end) {
            // The next frame of the timeline, at its instant (a signal ends the wait).
            let next = (time.frame + 1).min(end);
            while !stop.requested() && !c.until(next).is_zero() {
                std::thread::sleep(c.until(next).min(Duration::from_millis(20)));
            }
        }
    }
    let frames = rendered;
    let warmup = if frames > warmup { warmup } else { 0 };
    if warmup == 0 {
        steady_start = start;
    }
    engine.wait_idle();
    let elapsed = start.elapsed().as_secs_f64();
    let per_frame = steady_start.elapsed().as_secs_f64() * 1000.0 / (frames - warmup) as f64;
    let [w, h] = engine.output_size().unwrap_or([0, 0]);
    let timing = if warmup > 0 {
        format!(
            "{per_frame:.3} ms/frame after {warmup} warm-up frames ({:.1} fps)",
            1000.0 / per_frame
        )
    } else {
        format!("{per_frame:.3} ms/frame")
    };
    stderr_line!(
        "vivid: {frames} frame{} of {w}x{h} in {elapsed:.3} s, {timing}, on {adapter}",
        if frames == 1 { "" } else { "s" },
    );
    if first > 0 || range_start > 0 {
        let preroll = range_start - first;
        stderr_line!(
            "vivid: frames {range_start}..{} at time k/{fps}{}",
            first + frames,
            if preroll > 0 {
                format!(", after a preroll of {preroll} frames from {first}")
            } else {
                String::new()
            }
        );
    }
    #[cfg(feature = "media")]
    recording::finish(&mut engine)?;
    #[cfg(feature = "pipewire")]
    publishing::finish(&mut engine);
    finish(&engine, args, snapshot, frames, elapsed, Some(per_frame))?;
    let failed = engine.errors().len();
    if failed > 0 {
        bail!("{failed} operator(s) failed");
    }
    Ok(())
}

#[cfg(feature = "window")]
fn run_window(
    args: &RunArgs,
    project: &Path,
    snapshot: Option<&Snapshot>,
    stop: &Stop,
) -> anyhow::Result<()> {
    if args.no_watch {
        let _ = vivid::project::load_project(project)?;
    } else if !project.exists() {
        // Nothing to watch: the same error as without watching.
        let _ = vivid::project::load_project(project)?;
    }
    // Media plays in real time in a window (frames dropped or repeated to keep sync),
    // unless the time step is fixed.
    #[cfg(feature = "media")]
    vivid::media::set_realtime(args.fps.is_none());
    if args.frames.is_some_and(|r| r.start > 0) {
        usage_error(
            "--frames A..B renders a range of frames headless: add --headless, or use vivid render",
        );
    }
    let taps = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let options = vivid::window::WindowOptions {
        title: format!("vivid — {}", project.display()),
        frames: args.frames.map(FrameRange::len),
        duration: args
            .duration
            .and_then(|s| Duration::try_from_secs_f64(s.clamp(0.0, MAX_SECONDS)).ok()),
        fps: args.fps,
        snapshot: args.snapshot.clone(),
        no_vsync: args.no_vsync,
        fullscreen: args.fullscreen,
        chain_file: Some(if project.is_dir() {
            project.join("chain.toml")
        } else {
            project.to_path_buf()
        }),
        inspector: args.inspector,
        stop: Some(stop.flag()),
        window_size: args.window_size,
        clock: args.outputs.system_clock(args.fps),
        taps: Some(taps.clone()),
        gpu: GpuOptions {
            // `--pipewire` shares the export pool's memory: Vulkan fds.
            external_memory: pipewire_requested(args),
            ..GpuOptions::default()
        },
    };
    let setup_args = args.clone();
    let project = project.to_path_buf();
    let watch = !args.no_watch;
    let host = control_flags::Host::start(&args.control, args.fps.is_none())?;
    let hook = Some(host.hook(taps));
    let learn = host.learn_source();
    let run = vivid::window::run_hooked(options, Box::new(move |gpu| setup_engine(gpu, &setup_args, &project, watch, &host)), hook, learn)
        .map_err(|e| match e {
            EngineError::Surface(m) => anyhow::anyhow!("window surface: {m}\n  hint: on a machine without a display, add --headless (with --snapshot out.png to see the result)"),
            other => other.into(),
        })?;
    #[cfg(feature = "media")]
    let run = {
        let mut run = run;
        recording::finish(&mut run.engine)?;
        #[cfg(feature = "pipewire")]
        publishing::finish(&mut run.engine);
        run
    };
    finish(&run.engine, args, snapshot, run.frames, run.seconds, None)
}

#[cfg(not(feature = "window"))]
fn run_window(
    _args: &RunArgs,
    _project: &Path,
    _snapshot: Option<&Snapshot>,
    _stop: &Stop,
) -> anyhow::Result<()> {
    bail!("this vivid was built without the window feature: use --headless")
}

/// Writes `bytes` to `path`: write, flush and sync, every failure an error naming it.
fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut file =
        std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("writing {}", path.display()))?;
    if file.metadata().is_ok_and(|m| m.is_file()) {
        file.sync_all()
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn finish(
    engine: &Engine,
    args: &RunArgs,
    snapshot: Option<&Snapshot>,
    frames: u64,
    seconds: f64,
    ms_per_frame: Option<f64>,
) -> anyhow::Result<()> {
    let gpu_errors = engine.gpu().errors();
    if gpu_errors.count() > 0 {
        bail!(
            "wgpu reported {} error(s); the last one:\n{}",
            gpu_errors.count(),
            gpu_errors.recent().last().map_or("", String::as_str)
        );
    }
    if let Some(snapshot) = snapshot {
        let img = args.outputs.crop(engine.read_output()?);
        snapshot.write(&img).map_err(anyhow::Error::msg)?;
        stderr_line!("vivid: wrote {}", snapshot.path.display());
    }
    if let Some(path) = &args.stats_json {
        let stats = engine.stats();
        let mut value = serde_json::to_value(&stats)?;
        if let Some(obj) = value.as_object_mut() {
            obj.insert("seconds".into(), serde_json::json!(seconds));
            obj.insert("ms_per_frame".into(), serde_json::json!(ms_per_frame));
            obj.insert("frames_rendered".into(), serde_json::json!(frames));
            obj.insert("adapter".into(), serde_json::json!(engine.gpu().describe()));
            obj.insert(
                "output_size".into(),
                serde_json::json!(engine.output_size()),
            );
            obj.insert("project".into(), serde_json::json!(args.project));
        }
        write_file(path, serde_json::to_string_pretty(&value)?.as_bytes())?;
    }
    Ok(())
}

fn print_operators(project: Option<&Path>) -> anyhow::Result<()> {
    let registry = vivid::builtin_registry();
    let infos = registry.infos();
    out!("vivid operators: {} types.\n", infos.len());
    out!("Every operator table also takes:");
    out!("  type = \"...\"                          its type (required)");
    out!("  input = \"a\"  |  inputs = [\"a\", \"b\"]   the operators it reads");
    out!(
        "  size = [width, height]                output size in pixels (default: an image's own; its"
    );
    out!(
        "                                        first input's; else the top-level `size`, or 1280x720)"
    );
    out!(
        "Numbers (and vector elements) may be expressions of `time` (s) and `frame`: \"4 + 2 * sin(time)\"."
    );
    out!("Colours are display-referred [r, g, b] or [r, g, b, a] in 0..1, or \"#rrggbb\".");
    let mut category = None;
    for info in infos {
        if category != Some(info.category) {
            category = Some(info.category);
            out!("\n{}", info.category.name().to_uppercase());
        }
        print_info(info);
    }
    if let Some(dir) = project {
        // The project's own shaders, reflected as the engine would (no GPU needed).
        let loaded = vivid::project::load_project(dir)?;
        let mut shaders = vivid::shaders::ShaderLibrary::new();
        shaders.set_disk_root(source_tree_shaders());
        let spec = loaded
            .desc
            .validate_with(&registry, u32::MAX, &shaders)
            .map_err(EngineError::Project)?;
        out!("\nCUSTOM SHADERS OF {}", dir.display());
        let mut any = false;
        for n in spec
            .nodes
            .iter()
            .filter(|n| n.info.category == vivid::operator::Category::Custom)
        {
            any = true;
            out!("\n  [{}]", n.name);
            print_info(&n.info);
        }
        if !any {
            out!("\n  (none: add a table with type = \"shader\" and shader = \"file.wgsl\")");
        }
    }
    Ok(())
}

fn print_info(info: &vivid::OperatorInfo) {
    out!("\n  {} — {}", info.name, info.summary);
    out!("    inputs: {}", info.inputs.describe());
    if info.stateful {
        out!("    stateful: depends on earlier frames (`vivid render` a range with --preroll)");
    }
    let rows: Vec<[String; 5]> = info
        .params
        .iter()
        .map(|p| {
            let choices = p
                .choices
                .iter()
                .map(AsRef::as_ref)
                .collect::<Vec<&str>>()
                .join(" | ");
            let domain = if let vivid::params::ParamKind::File(kind) = p.kind {
                kind.extensions()
                    .iter()
                    .map(|e| format!(".{e}"))
                    .collect::<Vec<_>>()
                    .join(" | ")
            } else if choices.is_empty() {
                p.format_range().unwrap_or_default()
            } else {
                choices
            };
            let kind = if p.animatable() || p.kind.components() == 0 {
                p.kind.name().to_string()
            } else {
                format!("{} (fixed)", p.kind.name())
            };
            let mut doc = p.doc.to_string();
            if let Some(w) = &p.when {
                let _ = write!(doc, " (only when {} is {})", w.param, w.values.join(" or "));
            }
            if !p.aliases.is_empty() {
                let _ = write!(doc, " (formerly `{}`)", p.aliases.join("`, `"));
            }
            [
                p.name.to_string(),
                kind,
                format!("default {}", p.format_value(&p.default)),
                domain,
                doc,
            ]
        })
        .collect();
    // Columns as wide as their widest cell (a long choice list may overflow its column).
    let width = |c: usize, cap: usize| {
        rows.iter()
            .map(|r| r[c].chars().count())
            .max()
            .unwrap_or(0)
            .min(cap)
    };
    let (w0, w1, w2, w3) = (width(0, 24), width(1, 16), width(2, 32), width(3, 28));
    for [name, kind, default, domain, doc] in &rows {
        out!("    {name:<w0$} {kind:<w1$} {default:<w2$} {domain:<w3$} {doc}");
    }
}

fn bench(args: &BenchArgs) -> anyhow::Result<()> {
    let _ = vivid::project::load_project(&args.project)?;
    let gpu = Gpu::headless(&GpuOptions::default())?;
    let adapter = gpu.describe();
    let options = EngineOptions {
        monitor_interval: None,
        monitor_print: false,
        fuse: !args.no_fuse,
        ..EngineOptions::default()
    };
    let mut engine = Engine::new(gpu, vivid::builtin_registry(), options);
    engine.shaders_mut().set_loop_guard(!args.no_loop_guard);
    engine.set_output_size(args.size)?;
    engine.load_project(&args.project, &args.sets)?;
    let mut k = 0u64;
    let mut frames = |engine: &mut Engine, n: u64| -> vivid::Result<()> {
        for _ in 0..n {
            engine.render(
                FrameTime {
                    time: k as f64 / 60.0,
                    frame: k,
                },
                Target::None,
                false,
            )?;
            k += 1;
        }
        Ok(())
    };
    // 1. Throughput, unprofiled.
    frames(&mut engine, args.warmup)?;
    engine.wait_idle();
    let start = Instant::now();
    frames(&mut engine, args.frames)?;
    engine.wait_idle();
    let ms_per_frame = start.elapsed().as_secs_f64() * 1000.0 / args.frames.max(1) as f64;
    // 2. Per operator, profiled.
    engine.set_profiling(true);
    frames(&mut engine, args.warmup)?;
    engine.reset_profile();
    frames(&mut engine, args.frames)?;
    let profile = engine
        .profile()
        .ok_or_else(|| anyhow::anyhow!("no profile"))?;
    let memory = engine.memory_sample();
    let stats = engine.stats();
    if stats.gpu_objects_created_after_warmup > 0 || engine.gpu().errors().count() > 0 {
        bail!("the benchmark's steady frames were not steady: {stats:?}");
    }
    let [w, h] = engine.output_size().unwrap_or([0, 0]);
    let floor_us = |bytes: u64| args.bandwidth.map(|bw| bytes as f64 / (bw * 1e9) * 1e6);
    if let Some(path) = &args.json {
        let value = serde_json::json!({
            "project": args.project,
            "size": [w, h],
            "frames": args.frames,
            "adapter": adapter,
            "ms_per_frame": ms_per_frame,
            "frame_gpu_us": profile.frame_gpu_us,
            "frame_cpu_us": profile.frame_cpu_us,
            "gpu_timing": profile.gpu_timing,
            "gpu_bytes": memory.gpu_bytes,
            "textures": memory.textures,
            "buffers": memory.buffers,
            "bandwidth_gb_s": args.bandwidth,
            "fused_runs": engine.fused_runs(),
            "operators": profile.nodes.iter().map(|n| {
                let mut v = serde_json::to_value(n).unwrap_or_default();
                if let (Some(obj), Some(f)) = (v.as_object_mut(), floor_us(n.floor_bytes)) {
                    obj.insert("floor_us".into(), serde_json::json!(f));
                }
                v
            }).collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&value)?;
        if path.as_os_str() == "-" {
            out!("{text}");
        } else {
            write_file(path, text.as_bytes())?;
        }
        return Ok(());
    }
    out!(
        "vivid bench {}: {w}x{h}, {} frames, on {adapter}",
        args.project.display(),
        args.frames
    );
    out!(
        "frame: {ms_per_frame:.3} ms (unprofiled) | GPU {:.1} us median, {:.1} p99 | CPU {:.1} us median, {:.1} p99",
        profile.frame_gpu_us.0,
        profile.frame_gpu_us.1,
        profile.frame_cpu_us.0,
        profile.frame_cpu_us.1
    );
    out!(
        "GPU memory: {:.1} MB in {} textures, {} buffers",
        memory.gpu_bytes as f64 / 1_048_576.0,
        memory.textures,
        memory.buffers
    );
    let runs = engine.fused_runs();
    if !runs.is_empty() {
        let fused: usize = runs.iter().map(Vec::len).sum();
        let passes = runs.len();
        let s = if passes == 1 { "" } else { "es" };
        out!(
            "fused: {fused} pointwise operators into {passes} pass{s} (--no-fuse draws each on its own)"
        );
    }
    if !profile.gpu_timing {
        out!("(this adapter has no timestamp queries inside encoders: GPU times are 0)");
    }
    let floor_head = args.bandwidth.map_or(String::new(), |bw| {
        format!("  floor us @{bw:.0} GB/s  x floor")
    });
    out!(
        "{:<16} {:<10} {:>10} {:>9} {:>9} {:>8} {:>9} {:>8}{floor_head}",
        "operator",
        "type",
        "GPU us",
        "p99",
        "CPU us",
        "p99",
        "MB moved",
        "GB/s"
    );
    for n in &profile.nodes {
        let mb = n.floor_bytes as f64 / 1e6;
        let gbps = if n.gpu_us.0 > 0.0 {
            n.floor_bytes as f64 / (f64::from(n.gpu_us.0) * 1e-6) / 1e9
        } else {
            0.0
        };
        let floor = floor_us(n.floor_bytes).map_or(String::new(), |f| {
            format!("  {f:>17.1}  {:>7.2}", f64::from(n.gpu_us.0) / f)
        });
        out!(
            "{:<16} {:<10} {:>10.1} {:>9.1} {:>9.2} {:>8.2} {:>9.1} {:>8.0}{floor}",
            n.name,
            if n.operators > 1 {
                format!("{}({})", n.type_name, n.operators)
            } else {
                n.type_name.clone()
            },
            n.gpu_us.0,
            n.gpu_us.1,
            n.cpu_us.0,
            n.cpu_us.1,
            mb,
            gbps
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text that looks like a number, or does not.
    fn numberish() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<f64>().prop_map(|f| f.to_string()),
            any::<f64>().prop_map(|f| format!("{f:e}")),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|i| i.to_string()),
            "[-+]?[0-9]{0,25}(\\.[0-9]{0,6})?([eE][-+]?[0-9]{1,4})?",
            prop::sample::select(vec![
                "inf", "-inf", "nan", "-0", "1e19", "1e300", "0x10", ""
            ])
            .prop_map(str::to_string),
            ".{0,12}",
        ]
    }

    const RUN_FLAGS: [&str; 6] = [
        "--duration",
        "--monitor-interval",
        "--frame-deadline",
        "--fps",
        "--frames",
        "--size",
    ];

    proptest! {
        /// Whatever a numeric flag is given, parsing either refuses it as a usage error
        /// (exit 2) or yields values that plan a run without panicking.
        #[test]
        fn numeric_flags_are_usage_errors_or_plan_a_run(
            value in numberish(),
            flag in prop::sample::select(RUN_FLAGS.to_vec()),
        ) {
            match Cli::try_parse_from(["vivid", "p", "--headless", flag, &value]) {
                Ok(cli) => {
                    let plan = Plan::new(&cli.run, Instant::now());
                    prop_assert!(plan.frames >= 1);
                    prop_assert!(plan.fps.is_finite() && plan.fps > 0.0);
                    let options = engine_options(&cli.run, false);
                    if let Some(d) = cli.run.duration {
                        prop_assert!(plan.deadline.is_some(), "{d}");
                    }
                    let _ = options.monitor_interval;
                    prop_assert!(options.frame_deadline.is_none_or(|d| d > Duration::ZERO));
                }
                Err(e) => prop_assert_eq!(e.exit_code(), 2, "{}", e),
            }
        }

        #[test]
        fn bench_flags_are_usage_errors_or_accepted(
            value in numberish(),
            flag in prop::sample::select(vec!["--frames", "--warmup", "--bandwidth", "--size"]),
        ) {
            if let Err(e) = Cli::try_parse_from(["vivid", "bench", "p", flag, &value]) {
                prop_assert_eq!(e.exit_code(), 2, "{}", e);
            }
        }
    }

    #[test]
    fn the_numbers_that_used_to_panic_are_refused() {
        for (flag, value) in [
            ("--duration", "1e300"),
            ("--duration", "1e19"),
            ("--monitor-interval", "1e300"),
            ("--frame-deadline", "1e300"),
            ("--frame-deadline", "-1"),
            ("--frames", "0"),
        ] {
            let e = Cli::try_parse_from(["vivid", "p", flag, value]).expect_err(value);
            assert_eq!(e.exit_code(), 2, "{flag} {value}");
        }
        let cli = Cli::try_parse_from(["vivid", "p", "--duration", "1e9"]).expect("the largest");
        assert!(Plan::new(&cli.run, Instant::now()).deadline.is_some());
    }
}
