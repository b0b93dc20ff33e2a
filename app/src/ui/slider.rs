//! The inspector's slider: linear over small ranges, logarithmic over wide ones, dragged
//! relative to where it was (Shift: ten times finer), so that a few pixels never jump a
//! value across decades.

/// Width of a slider's rail, in points, where the panel has room (less in a narrow one).
pub(super) const RAIL: f32 = 130.0;
/// Room a slider leaves beside it: the number's field (with its margins), the reset button
/// and the spacing.
const BESIDE: f32 = 124.0;

/// How much finer a drag with Shift held is.
const FINE: f64 = 0.1;

/// The part of a logarithmic slider that goes linearly from 0 to its `small` value, when its
/// range starts at 0.
const ZERO_PART: f64 = 0.1;

/// How a slider's position (0 at the left, 1 at the right) maps to a value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Scale {
    /// Equal steps add.
    Linear {
        /// Value at the left end.
        lo: f64,
        /// Value at the right end.
        hi: f64,
    },
    /// `lo..hi` with `lo >= 0`: equal steps multiply. From 0 (when `lo` is 0) it is linear up
    /// to `small` over the first tenth.
    Log {
        /// Value at the left end.
        lo: f64,
        /// Value at the right end.
        hi: f64,
        /// Where the logarithmic part starts when `lo` is 0.
        small: f64,
    },
    /// `lo..hi` across 0: logarithmic on either side of the middle (0), linear within
    /// `small` of it.
    SymLog {
        /// Value at the left end (negative).
        lo: f64,
        /// Value at the right end (positive).
        hi: f64,
        /// Where the logarithmic parts start.
        small: f64,
    },
}

impl Scale {
    /// The scale for a parameter's range: logarithmic when it spans three decades or more
    /// (or starts at 0 and reaches 100), symmetric-logarithmic when it crosses 0 and reaches
    /// 1000, linear otherwise.
    pub(super) fn for_range(lo: f64, hi: f64) -> Self {
        let (lo, hi) = (lo.min(hi), lo.max(hi));
        if lo >= 0.0 && hi > 0.0 {
            if lo > 0.0 && hi / lo >= 1000.0 {
                return Self::Log { lo, hi, small: lo };
            }
            if lo == 0.0 && hi >= 100.0 {
                return Self::Log {
                    lo,
                    hi,
                    small: (hi * 1e-5).min(1e-3),
                };
            }
        } else if lo < 0.0 && hi > 0.0 && (-lo).max(hi) >= 1000.0 {
            return Self::SymLog {
                lo,
                hi,
                small: (-lo).max(hi) * 1e-5,
            };
        }
        Self::Linear { lo, hi }
    }

    /// Whether it is logarithmic (on one side or both).
    pub(super) fn is_log(&self) -> bool {
        !matches!(self, Self::Linear { .. })
    }

    /// The position (0..1) of `v`.
    pub(super) fn position(&self, v: f64) -> f64 {
        let t = match *self {
            Self::Linear { lo, hi } => {
                if hi > lo {
                    (v - lo) / (hi - lo)
                } else {
                    0.0
                }
            }
            Self::Log { lo, hi, small } => log_position(v, lo, hi, small),
            Self::SymLog { lo, hi, small } => {
                if v >= 0.0 {
                    0.5 + 0.5 * log_position(v, 0.0, hi, small)
                } else {
                    0.5 - 0.5 * log_position(-v, 0.0, -lo, small)
                }
            }
        };
        t.clamp(0.0, 1.0)
    }

    /// The value at position `t` (0..1).
    pub(super) fn value(&self, t: f64) -> f64 {
        let t = t.clamp(0.0, 1.0);
        match *self {
            Self::Linear { lo, hi } => lo + (hi - lo) * t,
            Self::Log { lo, hi, small } => log_value(t, lo, hi, small),
            Self::SymLog { lo, hi, small } => {
                if t >= 0.5 {
                    log_value((t - 0.5) * 2.0, 0.0, hi, small)
                } else {
                    -log_value((0.5 - t) * 2.0, 0.0, -lo, small)
                }
            }
        }
    }
}

/// Position of `v` on a logarithmic `lo..hi` (see [`Scale::Log`]).
fn log_position(v: f64, lo: f64, hi: f64, small: f64) -> f64 {
    if lo > 0.0 {
        return (v.max(lo) / lo).ln() / (hi / lo).ln();
    }
    if v <= small {
        ZERO_PART * v.max(0.0) / small
    } else {
        ZERO_PART + (1.0 - ZERO_PART) * (v / small).ln() / (hi / small).ln()
    }
}

/// The inverse of [`log_position`].
fn log_value(t: f64, lo: f64, hi: f64, small: f64) -> f64 {
    if lo > 0.0 {
        return lo * (hi / lo).powf(t);
    }
    if t <= ZERO_PART {
        small * t / ZERO_PART
    } else {
        small * (hi / small).powf((t - ZERO_PART) / (1.0 - ZERO_PART))
    }
}

/// A slider for `value` on `scale`: a click puts the value where it points; a drag moves it
/// by how far the pointer moved (a tenth of that with Shift). Integers are rounded. Returns
/// the rail's response, marked changed when the value changed.
pub(super) fn slider(
    ui: &mut egui::Ui,
    value: &mut f64,
    scale: Scale,
    integer: bool,
) -> egui::Response {
    let size = egui::vec2(
        (ui.available_width() - BESIDE).clamp(48.0, RAIL),
        ui.spacing().interact_size.y,
    );
    let (rect, mut response) = ui.allocate_exact_size(size, egui::Sense::click_and_drag());
    let width = f64::from(rect.width().max(1.0));
    // While dragging, the position is kept here (not recomputed from a rounded value).
    let key = response.id.with("position");
    let before = *value;
    let mut t = scale.position(*value);
    if response.dragged() {
        let fine = ui.input(|i| i.modifiers.shift);
        let start: f64 = ui.data(|d| d.get_temp(key)).unwrap_or(t);
        let dx = f64::from(response.drag_delta().x) / width;
        t = (start + dx * if fine { FINE } else { 1.0 }).clamp(0.0, 1.0);
        ui.data_mut(|d| d.insert_temp(key, t));
        *value = scale.value(t);
    } else {
        ui.data_mut(|d| d.remove::<f64>(key));
        if response.clicked()
            && let Some(p) = response.interact_pointer_pos()
        {
            t = (f64::from(p.x - rect.left()) / width).clamp(0.0, 1.0);
            *value = scale.value(t);
        }
    }
    if integer {
        *value = value.round();
    }
    if (*value - before).abs() > 0.0 {
        response.mark_changed();
    }
    if ui.is_rect_visible(rect) {
        let visuals = ui.style().interact(&response);
        let rail = egui::Rect::from_center_size(rect.center(), egui::vec2(rect.width(), 4.0));
        let painter = ui.painter();
        painter.rect_filled(rail, 2.0, ui.visuals().widgets.inactive.bg_fill);
        let x = rect.left() + rect.width() * t as f32;
        let filled = egui::Rect::from_min_max(rail.min, egui::pos2(x, rail.max.y));
        painter.rect_filled(filled, 2.0, ui.visuals().selection.bg_fill);
        painter.circle(
            egui::pos2(x, rect.center().y),
            rect.height() * 0.3,
            visuals.bg_fill,
            visuals.fg_stroke,
        );
    }
    let hint = if scale.is_log() {
        "drag: equal steps multiply · Shift: finer · type a value or an expression beside it"
    } else {
        "drag · Shift: finer · type a value or an expression beside it"
    };
    response.on_hover_text(hint)
}

#[cfg(test)]
mod tests {
    use super::Scale;

    #[test]
    fn wide_positive_ranges_are_logarithmic_and_round_trip() {
        let s = Scale::for_range(0.001, 10_000.0);
        assert!(s.is_log());
        // Seven decades: each tenth of the rail is 0.7 of a decade.
        let a = s.value(0.5);
        let b = s.value(0.6);
        assert!((b / a - 10f64.powf(0.7)).abs() < 1e-6, "{a} {b}");
        for v in [0.001, 0.05, 13.3, 1700.0, 10_000.0] {
            assert!((s.value(s.position(v)) / v - 1.0).abs() < 1e-9, "{v}");
        }
        // From zero: linear to `small`, then logarithmic; 0 and the top are reachable.
        let z = Scale::for_range(0.0, 1.0e6);
        assert!(z.is_log());
        assert!(z.value(0.0).abs() < f64::EPSILON);
        assert!((z.value(1.0) - 1.0e6).abs() < 1e-3);
        for v in [0.0, 0.0005, 0.5, 40.0, 999_999.0] {
            assert!(
                (z.value(z.position(v)) - v).abs() <= v * 1e-9 + 1e-12,
                "{v}"
            );
        }
    }

    #[test]
    fn ranges_across_zero_are_symmetric_and_small_ones_linear() {
        let s = Scale::for_range(-36_000.0, 36_000.0);
        assert!(s.is_log());
        assert!(s.value(0.5).abs() < f64::EPSILON);
        assert!((s.value(0.8) + s.value(0.2)).abs() < 1e-9);
        for v in [-36_000.0, -90.0, 0.0, 45.0, 720.0] {
            assert!(
                (s.value(s.position(v)) - v).abs() <= f64::abs(v) * 1e-9 + 1e-12,
                "{v}"
            );
        }
        assert_eq!(
            Scale::for_range(0.0, 10.0),
            Scale::Linear { lo: 0.0, hi: 10.0 }
        );
        assert_eq!(
            Scale::for_range(1.0, 179.0),
            Scale::Linear { lo: 1.0, hi: 179.0 }
        );
        assert!(!Scale::for_range(-360.0, 360.0).is_log());
    }
}
