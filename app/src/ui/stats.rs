//! The inspector's bottom panels: frame times and per-operator timings, memory over time.

use vivid_engine::Engine;

/// Height of a plot, in points.
const PLOT_HEIGHT: f32 = 56.0;

const FRAME_COLOR: egui::Color32 = egui::Color32::from_rgb(120, 200, 255);
const RSS_COLOR: egui::Color32 = egui::Color32::from_rgb(255, 180, 80);
const GPU_COLOR: egui::Color32 = egui::Color32::from_rgb(140, 230, 140);

/// The top of a plot of `values`: a little above their 95th percentile, so that one spike
/// (the first frame compiling its pipelines) does not flatten the rest. Values above it are
/// drawn at the top.
#[must_use]
pub(super) fn robust_top(values: &[f32]) -> f32 {
    let mut sorted: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return 1.0;
    }
    sorted.sort_by(f32::total_cmp);
    let i = ((sorted.len() - 1) as f32 * 0.95).round() as usize;
    (sorted[i] * 1.25).max(0.1)
}

/// Frame times and the per-operator table; the table takes the height left above `bottom`
/// (the window's bottom edge, in points) and scrolls.
pub(super) fn performance(ui: &mut egui::Ui, intervals: &[f32], engine: &Engine, bottom: f32) {
    ui.label(egui::RichText::new("Performance").strong());
    let top = robust_top(intervals);
    plot(ui, &[(intervals, FRAME_COLOR)], top, "ms");
    let Some(profile) = engine.profile_now() else {
        return;
    };
    egui::ScrollArea::vertical()
        .id_salt("vivid.perf.scroll")
        // Down to the window's edge, not past it: every row can be scrolled to.
        .max_height((bottom - ui.cursor().top() - 8.0).max(40.0))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("vivid.perf")
                .num_columns(4)
                .striped(true)
                .show(ui, |ui| {
                    ui.label("operator");
                    ui.label("type");
                    ui.label("CPU µs");
                    ui.label(if profile.gpu_timing {
                        "GPU µs"
                    } else {
                        "GPU µs (n/a)"
                    });
                    ui.end_row();
                    for n in &profile.nodes {
                        ui.label(&n.name);
                        ui.label(&n.type_name);
                        ui.label(format!("{:.1}", n.cpu_us.0));
                        ui.label(if profile.gpu_timing {
                            format!("{:.1}", n.gpu_us.0)
                        } else {
                            "–".to_string()
                        });
                        ui.end_row();
                    }
                });
        });
}

/// RSS and GPU memory over time, with a legend and the live object counts.
pub(super) fn memory(ui: &mut egui::Ui, engine: &Engine) {
    let samples: Vec<_> = engine.monitor().samples().copied().collect();
    let mb = |b: u64| b as f32 / (1024.0 * 1024.0);
    let rss: Vec<f32> = samples.iter().map(|s| mb(s.rss_bytes)).collect();
    let gpu: Vec<f32> = samples.iter().map(|s| mb(s.gpu_bytes)).collect();
    let last = engine.memory_sample();
    ui.label(egui::RichText::new("Memory").strong());
    ui.horizontal_wrapped(|ui| {
        legend(ui, RSS_COLOR, &format!("RSS {:.1} MB", mb(last.rss_bytes)));
        legend(
            ui,
            GPU_COLOR,
            &format!(
                "GPU {:.1} MB in {} textures, {} buffers",
                mb(last.gpu_bytes),
                last.textures,
                last.buffers
            ),
        );
    });
    // Room above the highest line for the scale's label.
    let top = rss.iter().chain(&gpu).copied().fold(1.0f32, f32::max) * 1.3;
    plot(ui, &[(&rss, RSS_COLOR), (&gpu, GPU_COLOR)], top, "MB");
    if samples.len() < 2 {
        ui.label("(the monitor samples every --monitor-interval seconds)");
    }
}

/// A coloured swatch and its label.
fn legend(ui: &mut egui::Ui, color: egui::Color32, text: &str) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(14.0, 10.0), egui::Sense::hover());
    ui.painter()
        .rect_filled(rect.shrink2(egui::vec2(0.0, 3.0)), 1.0, color);
    ui.label(text);
}

/// A small line plot of `series` from 0 to `top`.
fn plot(ui: &mut egui::Ui, series: &[(&[f32], egui::Color32)], top: f32, unit: &str) {
    let width = ui.available_width().max(50.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, PLOT_HEIGHT), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, egui::Color32::from_gray(20));
    for (values, color) in series {
        if values.len() < 2 {
            continue;
        }
        let n = values.len() - 1;
        let points: Vec<egui::Pos2> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                egui::pos2(
                    rect.left() + rect.width() * i as f32 / n as f32,
                    rect.bottom() - rect.height() * (v / top).clamp(0.0, 1.0),
                )
            })
            .collect();
        painter.add(egui::Shape::line(points, egui::Stroke::new(1.5, *color)));
    }
    // The scale's label on a patch of the background: lines above the scale (drawn at
    // the top) pass under it, not through it.
    let galley = painter.layout_no_wrap(
        format!("{top:.1} {unit}"),
        egui::FontId::monospace(10.0),
        egui::Color32::from_gray(170),
    );
    let at = rect.left_top() + egui::vec2(4.0, 2.0);
    painter.rect_filled(
        egui::Rect::from_min_size(at, galley.size()).expand(2.0),
        2.0,
        egui::Color32::from_gray(20),
    );
    painter.galley(at, galley, egui::Color32::from_gray(170));
}

#[cfg(test)]
mod tests {
    use super::robust_top;

    #[test]
    fn one_spike_does_not_set_the_scale() {
        let mut frames = vec![16.0f32; 239];
        frames.insert(0, 900.0);
        let top = robust_top(&frames);
        assert!((19.0..=21.0).contains(&top), "{top}");
        assert!((robust_top(&[]) - 1.0).abs() < f32::EPSILON);
    }
}
