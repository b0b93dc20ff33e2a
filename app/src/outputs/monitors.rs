//! The monitors the window system has (`vivid devices`): name, index, size, position and
//! refresh rate, as winit reports them. Under Xvfb there is one.

use std::fmt;

use winit::application::ApplicationHandler;
use winit::event::WindowEvent;
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::window::WindowId;

/// One monitor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MonitorInfo {
    /// Its index (what `monitor = N` in a `[[window]]` names).
    pub index: usize,
    /// Its name (what `monitor = "name"` matches), if the system gives one.
    pub name: Option<String>,
    /// Size in physical pixels.
    pub size: [u32; 2],
    /// Top-left corner on the desktop, physical pixels.
    pub position: [i32; 2],
    /// Refresh rate in millihertz, if known.
    pub refresh_millihertz: Option<u32>,
    /// Whether it is the primary monitor.
    pub primary: bool,
}

impl fmt::Display for MonitorInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [width, height] = self.size;
        let [left, top] = self.position;
        write!(
            f,
            "{}: {} {width}x{height} at {left},{top}",
            self.index,
            self.name.as_deref().unwrap_or("(unnamed)")
        )?;
        if let Some(r) = self.refresh_millihertz {
            write!(f, ", {:.2} Hz", f64::from(r) / 1000.0)?;
        }
        if self.primary {
            write!(f, ", primary")?;
        }
        Ok(())
    }
}

/// The monitors `event_loop` sees, in its order.
#[must_use]
pub fn list(event_loop: &ActiveEventLoop) -> Vec<MonitorInfo> {
    let primary = event_loop.primary_monitor();
    event_loop
        .available_monitors()
        .enumerate()
        .map(|(index, m)| MonitorInfo {
            index,
            name: m.name(),
            size: [m.size().width, m.size().height],
            position: [m.position().x, m.position().y],
            refresh_millihertz: m.refresh_rate_millihertz(),
            primary: primary.as_ref() == Some(&m),
        })
        .collect()
}

struct Lister(Option<Vec<MonitorInfo>>);

impl ApplicationHandler for Lister {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        self.0 = Some(list(event_loop));
        event_loop.exit();
    }

    fn window_event(&mut self, _: &ActiveEventLoop, _: WindowId, _: WindowEvent) {}
}

/// The monitors, through an event loop of its own (once per process: winit allows one).
/// An error when there is no window system (no `DISPLAY`).
pub fn list_monitors() -> Result<Vec<MonitorInfo>, String> {
    let event_loop = EventLoop::new().map_err(|e| format!("no window system: {e}"))?;
    let mut lister = Lister(None);
    event_loop
        .run_app(&mut lister)
        .map_err(|e| format!("event loop: {e}"))?;
    Ok(lister.0.unwrap_or_default())
}
