//! The inspector's chain view: every operator as a box with its live thumbnail, in columns
//! by depth (sources left), edges from its inputs.

use std::collections::HashMap;

use vivid_engine::{Engine, NodeView};

/// A column's and a row's pitch, and a box's size, in points.
const CELL: egui::Vec2 = egui::vec2(128.0, 120.0);
const BOX: egui::Vec2 = egui::vec2(112.0, 106.0);
/// Height of the thumbnail area at the top of a box.
const THUMB_AREA: f32 = 60.0;

/// egui's id of a node's thumbnail.
pub(super) fn thumb_id(name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

/// Where each node goes: (column, row), columns by depth.
fn places(nodes: &[NodeView]) -> Vec<(usize, usize)> {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    // Nodes come in topological order: a node's column is one past its deepest input.
    let mut column = vec![0usize; nodes.len()];
    for (i, n) in nodes.iter().enumerate() {
        column[i] = n
            .inputs
            .iter()
            .filter_map(|s| index.get(s.as_str()))
            .map(|&j| column[j] + 1)
            .max()
            .unwrap_or(0);
    }
    let columns = column.iter().max().map_or(0, |m| m + 1);
    let mut row = vec![0usize; columns];
    column
        .iter()
        .map(|&c| {
            row[c] += 1;
            (c, row[c] - 1)
        })
        .collect()
}

/// One line of `text`, cut with "…" to fit `width`.
fn one_line(
    ui: &egui::Ui,
    text: &str,
    size: f32,
    color: egui::Color32,
    width: f32,
) -> std::sync::Arc<egui::Galley> {
    let mut job = egui::text::LayoutJob::simple_singleline(
        text.to_string(),
        egui::FontId::proportional(size),
        color,
    );
    job.wrap = egui::text::TextWrapping::truncate_at_width(width);
    ui.ctx().fonts_mut(|f| f.layout_job(job))
}

/// Draws the chain; a click on a box selects its operator (`selected`).
pub(super) fn show(
    ui: &mut egui::Ui,
    engine: &Engine,
    nodes: &[NodeView],
    selected: &mut Option<String>,
) {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let place = places(nodes);
    let columns = place.iter().map(|p| p.0 + 1).max().unwrap_or(0);
    let rows = place.iter().map(|p| p.1 + 1).max().unwrap_or(0);
    let size = egui::vec2(columns as f32 * CELL.x + 10.0, rows as f32 * CELL.y + 10.0);
    let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
    let origin = rect.min + egui::vec2(5.0, 5.0);
    let boxes: Vec<egui::Rect> = place
        .iter()
        .map(|&(c, r)| {
            egui::Rect::from_min_size(
                origin + egui::vec2(c as f32 * CELL.x, r as f32 * CELL.y),
                BOX,
            )
        })
        .collect();
    let painter = ui.painter_at(rect);
    let edge = egui::Stroke::new(1.5, egui::Color32::from_gray(150));
    for (i, n) in nodes.iter().enumerate() {
        for s in &n.inputs {
            let Some(&j) = index.get(s.as_str()) else {
                continue;
            };
            let (a, b) = (boxes[j].right_center(), boxes[i].left_center());
            let dx = ((b.x - a.x) * 0.5).max(20.0);
            painter.add(egui::epaint::CubicBezierShape::from_points_stroke(
                [a, a + egui::vec2(dx, 0.0), b - egui::vec2(dx, 0.0), b],
                false,
                egui::Color32::TRANSPARENT,
                edge,
            ));
        }
    }
    let output = engine.output_name();
    for (i, n) in nodes.iter().enumerate() {
        let r = boxes[i];
        let is_selected = selected.as_deref() == Some(n.name.as_str());
        let response = ui.interact(
            r,
            egui::Id::unique(("vivid.node", &n.name)),
            egui::Sense::click(),
        );
        let fill = if is_selected {
            egui::Color32::from_rgb(40, 70, 110)
        } else if response.hovered() {
            egui::Color32::from_gray(55)
        } else {
            egui::Color32::from_gray(38)
        };
        let stroke = if n.error.is_some() {
            egui::Stroke::new(2.0, egui::Color32::from_rgb(230, 80, 70))
        } else if output == Some(n.name.as_str()) {
            egui::Stroke::new(2.0, egui::Color32::from_rgb(120, 200, 120))
        } else {
            egui::Stroke::new(1.0, egui::Color32::from_gray(90))
        };
        painter.rect(r, 4.0, fill, stroke, egui::StrokeKind::Inside);
        let thumb_area = egui::Rect::from_min_size(
            r.min + egui::vec2(4.0, 4.0),
            egui::vec2(BOX.x - 8.0, THUMB_AREA),
        );
        if n.scene {
            painter.text(
                thumb_area.center(),
                egui::Align2::CENTER_CENTER,
                "scene",
                egui::FontId::proportional(12.0),
                egui::Color32::from_gray(140),
            );
        } else if engine.thumbnail(&n.name).is_some() {
            let [w, h] = n.size;
            let s =
                (thumb_area.width() / w.max(1) as f32).min(thumb_area.height() / h.max(1) as f32);
            let img = egui::Rect::from_center_size(
                thumb_area.center(),
                egui::vec2(w as f32 * s, h as f32 * s),
            );
            painter.rect_filled(img, 0.0, egui::Color32::BLACK);
            painter.image(
                egui::TextureId::User(thumb_id(&n.name)),
                img,
                egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                egui::Color32::WHITE,
            );
        }
        // Name and type below the thumbnail, each on one line cut to the box.
        let text_width = BOX.x - 12.0;
        let name = one_line(ui, &n.name, 13.0, egui::Color32::WHITE, text_width);
        let kind = one_line(
            ui,
            &n.type_name,
            11.0,
            egui::Color32::from_gray(170),
            text_width,
        );
        let name_at = egui::pos2(r.left() + 6.0, thumb_area.bottom() + 4.0);
        let kind_at = name_at + egui::vec2(0.0, name.size().y + 1.0);
        painter.galley(name_at, name, egui::Color32::WHITE);
        painter.galley(kind_at, kind, egui::Color32::from_gray(170));
        let response = response.on_hover_text(format!(
            "{} ({}){}",
            n.name,
            n.type_name,
            if n.scene {
                String::new()
            } else {
                format!(" · {}×{}", n.size[0], n.size[1])
            }
        ));
        if response.clicked() {
            *selected = Some(n.name.clone());
        }
    }
}
