//! The window's mouse, as variables every expression reads (and Shadertoy's `iMouse`):
//! `mouse.x`, `mouse.y` — where the left button was last held, in output pixels from the
//! bottom left; `mouse.click_x`, `mouse.click_y` — where it was last pressed; `mouse.down`
//! — 1 while it is held. A host reports the pointer with [`Engine::set_mouse`] in its
//! target's pixels; the engine maps them through the letterbox it draws the output with.

use super::Engine;
use super::display::letterbox;

/// The mouse variables and their documentation (declared by every registry).
pub const MOUSE_VARIABLES: [(&str, &str); 5] = [
    (
        "mouse.x",
        "the window's mouse while its left button is held: output pixels from the left",
    ),
    (
        "mouse.y",
        "the window's mouse while its left button is held: output pixels from the bottom",
    ),
    (
        "mouse.click_x",
        "where the window's left button was last pressed: output pixels from the left",
    ),
    (
        "mouse.click_y",
        "where the window's left button was last pressed: output pixels from the bottom",
    ),
    (
        "mouse.down",
        "1 while the window's left button is held, else 0",
    ),
];

/// Where `at` (pixels of a target of `target` pixels, from its top left) falls on an output
/// of `out` pixels letterboxed into it: output pixels from the bottom left, `None` outside.
#[must_use]
pub fn output_point(
    out: [u32; 2],
    target: (u32, u32),
    area: Option<super::DisplayArea>,
    at: [f32; 2],
) -> Option<[f32; 2]> {
    let (scale, offset) = letterbox(out, target, area);
    let u = (at[0] / target.0.max(1) as f32 - offset[0]) / scale[0];
    let v = (at[1] / target.1.max(1) as f32 - offset[1]) / scale[1];
    ((0.0..=1.0).contains(&u) && (0.0..=1.0).contains(&v))
        .then(|| [u * out[0] as f32, (1.0 - v) * out[1] as f32])
}

impl Engine {
    /// Reports the host's pointer: at `at` (pixels of its target of `target` pixels, from
    /// the top left), the left button `down` or not. Sets the `mouse.*` variables (a press
    /// outside the output is ignored; a release anywhere counts).
    pub fn set_mouse(&mut self, target: (u32, u32), at: [f32; 2], down: bool) {
        let slot = |e: &Self, name: &str| e.registry.variables().slot(name);
        let (Some(x), Some(y), Some(cx), Some(cy), Some(d)) = (
            slot(self, "mouse.x"),
            slot(self, "mouse.y"),
            slot(self, "mouse.click_x"),
            slot(self, "mouse.click_y"),
            slot(self, "mouse.down"),
        ) else {
            return;
        };
        let was_down = self.vars.get(d) != 0.0;
        if !down {
            self.vars.set(d, 0.0);
            return;
        }
        let Some(out) = self.output_size() else {
            return;
        };
        let Some(p) = output_point(out, target, self.display.area, at) else {
            return;
        };
        if !was_down {
            self.vars.set(cx, f64::from(p[0]));
            self.vars.set(cy, f64::from(p[1]));
            self.vars.set(d, 1.0);
        }
        self.vars.set(x, f64::from(p[0]));
        self.vars.set(y, f64::from(p[1]));
    }
}

#[cfg(test)]
mod tests {
    use super::output_point;

    #[test]
    fn a_window_point_maps_to_output_pixels_from_the_bottom_left() {
        // A 200x100 output in a 400x400 window: 400x200, centred (rows 100..300).
        let p = |x, y| output_point([200, 100], (400, 400), None, [x, y]);
        assert_eq!(p(0.0, 100.0), Some([0.0, 100.0]));
        assert_eq!(p(400.0, 300.0), Some([200.0, 0.0]));
        assert_eq!(p(200.0, 200.0), Some([100.0, 50.0]));
        assert_eq!(p(200.0, 50.0), None, "in the letterbox bar");
    }
}
