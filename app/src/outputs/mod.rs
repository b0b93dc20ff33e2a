//! The outputs a chain's `[[window]]` tables ask for, on the window system: which monitor,
//! where, how large, fullscreen or not (`monitors`: what the system has). The engine draws
//! each output's picture through its warp and blend (`vivid_engine::warp`); this module
//! only places the windows.

pub mod monitors;

use vivid_engine::chain::{MonitorChoice, OutputDesc};
use winit::dpi::{PhysicalPosition, PhysicalSize};
use winit::event_loop::ActiveEventLoop;
use winit::monitor::MonitorHandle;
use winit::window::{Fullscreen, Window};

/// The monitor `choice` names: by index in [`monitors::list`]'s order, or the first whose
/// name contains the text (case-insensitive). `None` (logged) when there is none such.
#[must_use]
pub fn choose_monitor(
    event_loop: &ActiveEventLoop,
    choice: &MonitorChoice,
) -> Option<MonitorHandle> {
    let mut all = event_loop.available_monitors();
    let found = match choice {
        MonitorChoice::Index(i) => all.nth(*i),
        MonitorChoice::Name(name) => {
            let want = name.to_lowercase();
            all.find(|m| m.name().is_some_and(|n| n.to_lowercase().contains(&want)))
        }
    };
    if found.is_none() {
        log::warn!(
            "no monitor {choice:?} (`vivid devices` lists them): the window opens where the system puts it"
        );
    }
    found
}

/// How an output's window is placed: from its `[[window]]` table, else the runner's own
/// options (`fullscreen`, `size`), else at `picture`'s size fitted to its monitor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Placement {
    /// Fullscreen (borderless) on its monitor.
    pub fullscreen: bool,
    /// Inner size asked for.
    pub size: Option<[u32; 2]>,
    /// Outer position asked for (desktop pixels).
    pub position: Option<[i32; 2]>,
    /// The title.
    pub title: String,
}

/// Places `window` for output `desc` (none: the runner's defaults): its monitor, position
/// (relative to the monitor when one is named), size, fullscreen and title. Returns the
/// inner size asked for (the window system may answer later with a `Resized`).
pub fn place(
    event_loop: &ActiveEventLoop,
    window: &Window,
    desc: Option<&OutputDesc>,
    defaults: &Placement,
    picture: Option<[u32; 2]>,
) -> PhysicalSize<u32> {
    let monitor = desc
        .and_then(|d| d.monitor.as_ref())
        .and_then(|c| choose_monitor(event_loop, c));
    let title = desc
        .and_then(|d| d.title.clone())
        .unwrap_or_else(|| defaults.title.clone());
    window.set_title(&title);
    let fullscreen = desc.is_some_and(|d| d.fullscreen) || defaults.fullscreen;
    if fullscreen {
        window.set_fullscreen(Some(Fullscreen::Borderless(monitor.clone())));
        return window.inner_size();
    }
    if window.fullscreen().is_some() {
        window.set_fullscreen(None);
    }
    let origin = monitor
        .as_ref()
        .map_or(PhysicalPosition::new(0, 0), MonitorHandle::position);
    let position = desc.and_then(|d| d.position).or(defaults.position);
    match (position, &monitor) {
        (Some([x, y]), _) => {
            window.set_outer_position(PhysicalPosition::new(origin.x + x, origin.y + y));
        }
        (None, Some(_)) => window.set_outer_position(origin),
        (None, None) => {}
    }
    let size = desc.and_then(|d| d.size).or(defaults.size).or_else(|| {
        let on = monitor
            .clone()
            .or_else(|| window.current_monitor())
            .or_else(|| event_loop.primary_monitor())
            .map(|m| [m.size().width, m.size().height]);
        picture.map(|p| fit_to(p, on))
    });
    let Some([w, h]) = size else {
        return window.inner_size();
    };
    window
        .request_inner_size(PhysicalSize::new(w, h))
        .unwrap_or(PhysicalSize::new(w, h))
}

/// `output` scaled down (keeping its aspect ratio) to fit `monitor`, if there is one.
#[must_use]
pub fn fit_to(output: [u32; 2], monitor: Option<[u32; 2]>) -> [u32; 2] {
    let [w, h] = output.map(|x| x.max(1));
    let Some([mw, mh]) = monitor.filter(|m| m[0] > 0 && m[1] > 0) else {
        return [w, h];
    };
    let s = (f64::from(mw) / f64::from(w))
        .min(f64::from(mh) / f64::from(h))
        .min(1.0);
    [
        ((f64::from(w) * s).round() as u32).max(1),
        ((f64::from(h) * s).round() as u32).max(1),
    ]
}

#[cfg(test)]
mod tests {
    use super::fit_to;

    #[test]
    fn the_window_fits_the_output_to_the_monitor() {
        assert_eq!(fit_to([640, 360], Some([1920, 1080])), [640, 360]);
        assert_eq!(fit_to([3840, 2160], Some([1600, 900])), [1600, 900]);
        assert_eq!(fit_to([1000, 2000], Some([1600, 900])), [450, 900]);
        assert_eq!(fit_to([640, 360], None), [640, 360]);
    }
}
