//! The live inspector: an egui overlay drawn into the frame's one encoder.
//!
//! - **chain view** (left): every operator as a node with a live thumbnail, edges from its
//!   inputs; click selects; "solo" shows the selected operator full-window;
//! - **inspector** (right): the selected operator's parameters as sliders, colour pickers,
//!   dropdowns and checkboxes made from their metadata (range, default, choices); edits
//!   apply at once; "save" writes them into chain.toml keeping its comments and layout;
//! - **performance** (bottom): fps, a frame-time graph, per-operator CPU and GPU times;
//! - **memory** (bottom): the monitor's RSS and GPU memory as a plot;
//! - **errors**: shader and chain errors with `file:line:col`.
//!
//! [`Inspector::run`] runs egui for a frame against the [`Engine`] and hands the tessellated
//! result to its [`EguiPainter`], which the caller passes to
//! [`Engine::render_with`]. It does not know about windows: the winit runner feeds it
//! input, and tests feed it synthetic input headless.

mod painter;

use std::collections::{BTreeMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub use painter::EguiPainter;

use vivid_engine::params::{ParamKind, ParamSpec, ParamValue, RawValue};
use vivid_engine::{Engine, NodeView, ParamView};

/// Thumbnails' longest side, in pixels.
const THUMB: u32 = 128;
/// Frame intervals kept for the graph.
const GRAPH: usize = 240;

/// The overlay's state across frames.
pub struct Inspector {
    ctx: egui::Context,
    painter: EguiPainter,
    visible: bool,
    selected: Option<String>,
    /// Edited values not yet saved: (node, parameter) → chain.toml text of the value.
    edits: BTreeMap<(String, String), toml_edit::Value>,
    chain_file: Option<PathBuf>,
    status: Option<String>,
    intervals: VecDeque<f32>,
    last: Option<Instant>,
    device_generation: u64,
    show_performance: bool,
    show_memory: bool,
}

impl std::fmt::Debug for Inspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inspector")
            .field("visible", &self.visible)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

/// egui's id of a node's thumbnail.
fn thumb_id(name: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    name.hash(&mut h);
    h.finish()
}

impl Inspector {
    /// A hidden inspector; `chain_file` is where "save" writes (none: no saving).
    #[must_use]
    pub fn new(chain_file: Option<PathBuf>) -> Self {
        let ctx = egui::Context::default();
        ctx.set_visuals(egui::Visuals::dark());
        Self {
            ctx,
            painter: EguiPainter::new(),
            visible: false,
            selected: None,
            edits: BTreeMap::new(),
            chain_file,
            status: None,
            intervals: VecDeque::with_capacity(GRAPH),
            last: None,
            device_generation: 0,
            show_performance: true,
            show_memory: true,
        }
    }

    /// The egui context (for the window's input state).
    #[must_use]
    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    /// Whether it is shown.
    #[must_use]
    pub fn visible(&self) -> bool {
        self.visible
    }

    /// Shows or hides it. Hidden, it costs nothing: no thumbnails, no profiling, no pass.
    pub fn set_visible(&mut self, engine: &mut Engine, visible: bool) {
        self.visible = visible;
        engine.set_thumbnails(visible.then_some(THUMB));
        engine.set_profiling(visible);
    }

    /// Selects an operator (as a click in the chain view does).
    pub fn select(&mut self, name: Option<&str>) {
        self.selected = name.map(str::to_string);
    }

    /// The selected operator.
    #[must_use]
    pub fn selected(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// Edits made in the panel and not saved yet.
    #[must_use]
    pub fn unsaved(&self) -> usize {
        self.edits.len()
    }

    /// The pass to give [`Engine::render_with`] this frame (after [`run`](Self::run)).
    pub fn painter(&mut self) -> &mut EguiPainter {
        &mut self.painter
    }

    /// Runs the UI for one frame of `size_px` pixels with `input`; `errors` is the text of
    /// file errors (chain.toml, shaders) to show besides the operators' own. Returns what
    /// egui asks of the platform (cursor, clipboard).
    pub fn run(
        &mut self,
        engine: &mut Engine,
        errors: Option<&str>,
        input: egui::RawInput,
        size_px: (u32, u32),
    ) -> egui::PlatformOutput {
        if engine.device_generation() != self.device_generation {
            // A new device: everything of the old painter is gone; egui must send its
            // textures again, which a new context does.
            self.device_generation = engine.device_generation();
            self.ctx = egui::Context::default();
            self.ctx.set_visuals(egui::Visuals::dark());
            self.painter = EguiPainter::new();
        }
        let now = Instant::now();
        if let Some(last) = self.last.replace(now) {
            if self.intervals.len() == GRAPH {
                self.intervals.pop_front();
            }
            self.intervals
                .push_back(now.duration_since(last).as_secs_f32() * 1000.0);
        }
        let nodes = engine.node_views();
        for n in nodes.iter().filter(|n| !n.scene) {
            if let Some((view, key)) = engine.thumbnail(&n.name) {
                self.painter.set_user_texture(thumb_id(&n.name), view, key);
            }
        }
        let ids: Vec<u64> = nodes.iter().map(|n| thumb_id(&n.name)).collect();
        self.painter.retain_user_textures(|id| ids.contains(&id));
        if self
            .selected
            .as_ref()
            .is_some_and(|s| !nodes.iter().any(|n| &n.name == s))
        {
            self.selected = None;
        }
        let ctx = self.ctx.clone();
        let output = ctx.run_ui(input, |ui| self.ui(ui, engine, &nodes, errors));
        let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
        self.painter.set_frame(
            output.textures_delta,
            primitives,
            output.pixels_per_point,
            size_px,
        );
        output.platform_output
    }

    fn ui(
        &mut self,
        ui: &mut egui::Ui,
        engine: &mut Engine,
        nodes: &[NodeView],
        errors: Option<&str>,
    ) {
        egui::Panel::top("vivid.bar").show(ui, |ui| self.bar(ui, engine));
        if self.show_performance || self.show_memory {
            egui::Panel::bottom("vivid.stats")
                .default_size(170.0)
                .resizable(true)
                .show(ui, |ui| {
                    ui.columns(2, |cols| {
                        if self.show_performance {
                            self.performance(&mut cols[0], engine);
                        }
                        if self.show_memory {
                            memory(&mut cols[1], engine);
                        }
                    });
                });
        }
        egui::Panel::left("vivid.chain")
            .default_size(400.0)
            .resizable(true)
            .show(ui, |ui| {
                ui.heading("Chain");
                egui::ScrollArea::both()
                    .id_salt("vivid.chain.scroll")
                    .show(ui, |ui| self.chain_view(ui, engine, nodes));
            });
        egui::Panel::right("vivid.inspector")
            .default_size(330.0)
            .resizable(true)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("vivid.inspector.scroll")
                    .show(ui, |ui| self.inspector(ui, engine, nodes));
            });
        let mut all_errors: Vec<String> = errors.into_iter().map(str::to_string).collect();
        all_errors.extend(
            nodes
                .iter()
                .filter_map(|n| n.error.as_ref().map(|e| format!("`{}`: {e}", n.name))),
        );
        if !all_errors.is_empty() {
            egui::Window::new("Errors")
                .id(egui::Id::unique("vivid.errors"))
                .anchor(egui::Align2::CENTER_TOP, [0.0, 8.0])
                .resizable(true)
                .collapsible(true)
                .show(ui.ctx(), |ui| {
                    egui::ScrollArea::vertical()
                        .max_height(240.0)
                        .show(ui, |ui| {
                            for e in &all_errors {
                                ui.label(
                                    egui::RichText::new(e)
                                        .monospace()
                                        .color(egui::Color32::from_rgb(255, 120, 110)),
                                );
                                ui.separator();
                            }
                        });
                });
        }
    }

    fn bar(&mut self, ui: &mut egui::Ui, engine: &Engine) {
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("vivid").strong());
            let mut sorted: Vec<f32> = self.intervals.iter().copied().collect();
            sorted.sort_by(f32::total_cmp);
            let median = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
            if median > 0.0 {
                ui.label(format!("{:.0} fps  {median:.2} ms", 1000.0 / median));
            }
            ui.separator();
            ui.toggle_value(&mut self.show_performance, "Performance");
            ui.toggle_value(&mut self.show_memory, "Memory");
            ui.separator();
            if let Some(s) = engine.solo() {
                ui.label(
                    egui::RichText::new(format!("solo: {s}"))
                        .color(egui::Color32::from_rgb(255, 200, 80)),
                );
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label("Tab hides · F fullscreen · Esc quits");
            });
        });
    }

    /// The operators in columns by depth (sources left), edges from inputs, thumbnails.
    fn chain_view(&mut self, ui: &mut egui::Ui, engine: &mut Engine, nodes: &[NodeView]) {
        let index: std::collections::HashMap<&str, usize> = nodes
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
        let mut place = vec![(0usize, 0usize); nodes.len()];
        for (i, &c) in column.iter().enumerate() {
            place[i] = (c, row[c]);
            row[c] += 1;
        }
        let rows = row.iter().copied().max().unwrap_or(0);
        let (cell_w, cell_h, box_w, box_h) = (128.0, 110.0, 112.0, 96.0);
        let size = egui::vec2(columns as f32 * cell_w + 10.0, rows as f32 * cell_h + 10.0);
        let (rect, _) = ui.allocate_exact_size(size, egui::Sense::hover());
        let origin = rect.min + egui::vec2(5.0, 5.0);
        let boxes: Vec<egui::Rect> = place
            .iter()
            .map(|&(c, r)| {
                egui::Rect::from_min_size(
                    origin + egui::vec2(c as f32 * cell_w, r as f32 * cell_h),
                    egui::vec2(box_w, box_h),
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
        let output = engine.output_name().map(str::to_string);
        for (i, n) in nodes.iter().enumerate() {
            let r = boxes[i];
            let selected = self.selected.as_deref() == Some(n.name.as_str());
            let response = ui.interact(
                r,
                egui::Id::unique(("vivid.node", &n.name)),
                egui::Sense::click(),
            );
            let fill = if selected {
                egui::Color32::from_rgb(40, 70, 110)
            } else if response.hovered() {
                egui::Color32::from_gray(55)
            } else {
                egui::Color32::from_gray(38)
            };
            let stroke = if n.error.is_some() {
                egui::Stroke::new(2.0, egui::Color32::from_rgb(230, 80, 70))
            } else if output.as_deref() == Some(n.name.as_str()) {
                egui::Stroke::new(2.0, egui::Color32::from_rgb(120, 200, 120))
            } else {
                egui::Stroke::new(1.0, egui::Color32::from_gray(90))
            };
            painter.rect(r, 4.0, fill, stroke, egui::StrokeKind::Inside);
            let thumb_area = egui::Rect::from_min_size(
                r.min + egui::vec2(4.0, 4.0),
                egui::vec2(box_w - 8.0, 60.0),
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
                let s = (thumb_area.width() / w.max(1) as f32)
                    .min(thumb_area.height() / h.max(1) as f32);
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
            painter.text(
                r.left_bottom() + egui::vec2(6.0, -18.0),
                egui::Align2::LEFT_CENTER,
                &n.name,
                egui::FontId::proportional(13.0),
                egui::Color32::WHITE,
            );
            painter.text(
                r.left_bottom() + egui::vec2(6.0, -5.0),
                egui::Align2::LEFT_CENTER,
                &n.type_name,
                egui::FontId::proportional(10.0),
                egui::Color32::from_gray(160),
            );
            if response.clicked() {
                self.selected = Some(n.name.clone());
            }
        }
    }

    fn inspector(&mut self, ui: &mut egui::Ui, engine: &mut Engine, nodes: &[NodeView]) {
        ui.heading("Inspector");
        let Some(name) = self.selected.clone() else {
            ui.label("Click an operator in the chain view.");
            return;
        };
        let Some(node) = nodes.iter().find(|n| n.name == name) else {
            return;
        };
        ui.label(egui::RichText::new(&node.name).strong().size(16.0));
        ui.label(format!(
            "{}{}",
            node.type_name,
            if node.scene {
                String::new()
            } else {
                format!(" · {}×{}", node.size[0], node.size[1])
            }
        ));
        if !node.scene {
            let soloed = engine.solo() == Some(name.as_str());
            let mut solo = soloed;
            if ui
                .toggle_value(&mut solo, "Solo")
                .on_hover_text("Show this operator's output full-window")
                .changed()
            {
                let _ = engine.set_solo(solo.then_some(name.as_str()));
            }
        }
        if let Some(e) = &node.error {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 110), e);
        }
        ui.separator();
        let Some(params) = engine.param_views(&name) else {
            return;
        };
        egui::Grid::new("vivid.params")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for p in &params {
                    ui.label(p.spec.name.as_ref())
                        .on_hover_text(p.spec.doc.as_ref());
                    if let Some(value) = param_widget(ui, p) {
                        self.edit(engine, &name, &p.spec.name, &value);
                    }
                    ui.end_row();
                }
            });
        ui.separator();
        ui.horizontal(|ui| {
            let can_save = !self.edits.is_empty() && self.chain_file.is_some();
            if ui
                .add_enabled(
                    can_save,
                    egui::Button::new(format!("Save ({})", self.edits.len())),
                )
                .on_hover_text("Write the edited values into chain.toml, keeping its comments")
                .clicked()
            {
                self.save();
            }
        });
        if let Some(s) = &self.status {
            ui.label(s);
        }
    }

    /// Sets `node.param` to `value` now (as a widget does) and remembers it for "save".
    pub fn edit(&mut self, engine: &mut Engine, node: &str, param: &str, value: &ParamValue) {
        let Some(spec) = engine
            .param_views(node)
            .and_then(|ps| ps.into_iter().find(|p| p.spec.name == param))
            .map(|p| p.spec)
        else {
            self.status = Some(format!("no parameter `{node}.{param}`"));
            return;
        };
        match engine.set_param(node, param, to_raw(&spec, value)) {
            Ok(()) => {
                self.edits
                    .insert((node.to_string(), param.to_string()), to_toml(&spec, value));
                self.status = None;
            }
            Err(e) => self.status = Some(e.to_string()),
        }
    }

    /// What the last edit or save said (an error, or where it saved).
    #[must_use]
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Writes the edits into the chain file (see [`save_edits`]).
    pub fn save(&mut self) {
        let Some(path) = self.chain_file.clone() else {
            return;
        };
        let edits: Vec<(String, String, toml_edit::Value)> = self
            .edits
            .iter()
            .map(|((n, p), v)| (n.clone(), p.clone(), v.clone()))
            .collect();
        match save_edits(&path, &edits) {
            Ok(()) => {
                self.status = Some(format!(
                    "saved {} value(s) to {}",
                    edits.len(),
                    path.display()
                ));
                self.edits.clear();
            }
            Err(e) => self.status = Some(format!("not saved: {e}")),
        }
    }

    fn performance(&self, ui: &mut egui::Ui, engine: &Engine) {
        ui.label(egui::RichText::new("Performance").strong());
        let intervals: Vec<f32> = self.intervals.iter().copied().collect();
        let max = intervals.iter().copied().fold(1.0f32, f32::max);
        plot(
            ui,
            &[(&intervals, egui::Color32::from_rgb(120, 200, 255))],
            max,
            "ms",
        );
        let Some(profile) = engine.profile_now() else {
            return;
        };
        egui::ScrollArea::vertical()
            .id_salt("vivid.perf.scroll")
            .max_height(90.0)
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
}

fn memory(ui: &mut egui::Ui, engine: &Engine) {
    let samples: Vec<_> = engine.monitor().samples().copied().collect();
    let mb = |b: u64| b as f32 / (1024.0 * 1024.0);
    let rss: Vec<f32> = samples.iter().map(|s| mb(s.rss_bytes)).collect();
    let gpu: Vec<f32> = samples.iter().map(|s| mb(s.gpu_bytes)).collect();
    let last = engine.memory_sample();
    ui.label(
        egui::RichText::new(format!(
            "Memory  RSS {:.1} MB · GPU {:.1} MB in {} textures, {} buffers",
            mb(last.rss_bytes),
            mb(last.gpu_bytes),
            last.textures,
            last.buffers
        ))
        .strong(),
    );
    let max = rss.iter().chain(&gpu).copied().fold(1.0f32, f32::max) * 1.1;
    plot(
        ui,
        &[
            (&rss, egui::Color32::from_rgb(255, 180, 80)),
            (&gpu, egui::Color32::from_rgb(140, 230, 140)),
        ],
        max,
        "MB",
    );
    if samples.is_empty() {
        ui.label("(the monitor samples every --monitor-interval seconds)");
    }
}

/// A small line plot of `series` from 0 to `max`.
fn plot(ui: &mut egui::Ui, series: &[(&[f32], egui::Color32)], max: f32, unit: &str) {
    let width = ui.available_width().max(50.0);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 60.0), egui::Sense::hover());
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
                    rect.bottom() - rect.height() * (v / max).clamp(0.0, 1.0),
                )
            })
            .collect();
        painter.add(egui::Shape::line(points, egui::Stroke::new(1.5, *color)));
    }
    painter.text(
        rect.left_top() + egui::vec2(4.0, 2.0),
        egui::Align2::LEFT_TOP,
        format!("{max:.1} {unit}"),
        egui::FontId::monospace(10.0),
        egui::Color32::from_gray(170),
    );
}

/// The widget for one parameter; returns the new value when the user changed it.
fn param_widget(ui: &mut egui::Ui, p: &ParamView) -> Option<ParamValue> {
    if let Some(expr) = &p.expression {
        ui.label(egui::RichText::new(format!("= {expr}")).monospace())
            .on_hover_text("animated: an expression of time and frame (edit it in chain.toml)");
        return None;
    }
    let range = p.spec.range;
    let mut value = p.value.clone();
    let changed = match (&mut value, &p.spec.kind) {
        (ParamValue::Float(v), _) => match range {
            Some((lo, hi)) if hi - lo < 1e6 => ui
                .add(egui::Slider::new(v, lo as f32..=hi as f32))
                .changed(),
            _ => ui.add(egui::DragValue::new(v).speed(0.01)).changed(),
        },
        (ParamValue::Int(v), _) => match range {
            Some((lo, hi)) if hi - lo < 1e6 => ui
                .add(egui::Slider::new(v, lo as i32..=hi as i32))
                .changed(),
            _ => ui.add(egui::DragValue::new(v)).changed(),
        },
        (ParamValue::Bool(v), _) => ui.checkbox(v, "").changed(),
        (ParamValue::Color(c), _) => {
            let mut srgba = c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8);
            let changed = ui
                .color_edit_button_srgba_unmultiplied(&mut srgba)
                .changed();
            if changed {
                *c = srgba.map(|b| f32::from(b) / 255.0);
            }
            changed
        }
        (ParamValue::Vec2(v), _) => drag_components(ui, v, range),
        (ParamValue::Vec3(v), _) => drag_components(ui, v, range),
        (ParamValue::Vec4(v), _) => drag_components(ui, v, range),
        (ParamValue::Choice(i), ParamKind::Choice) => {
            let mut changed = false;
            let current = p.spec.choices.get(*i as usize).map_or("?", |c| c.as_ref());
            egui::ComboBox::from_id_salt(("vivid.choice", p.spec.name.as_ref()))
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for (k, c) in p.spec.choices.iter().enumerate() {
                        changed |= ui.selectable_value(i, k as u32, c.as_ref()).changed();
                    }
                });
            changed
        }
        (ParamValue::Text(t), _) => {
            ui.label(egui::RichText::new(t.as_str()).monospace());
            false
        }
        (ParamValue::List(l), _) => {
            ui.label(egui::RichText::new(l.join(", ")).monospace());
            false
        }
        _ => {
            ui.label(p.spec.format_value(&p.value));
            false
        }
    };
    changed.then_some(value)
}

fn drag_components(ui: &mut egui::Ui, v: &mut [f32], range: Option<(f64, f64)>) -> bool {
    ui.horizontal(|ui| {
        let mut changed = false;
        for x in v.iter_mut() {
            let mut d = egui::DragValue::new(x).speed(0.01).max_decimals(3);
            if let Some((lo, hi)) = range {
                d = d.range(lo as f32..=hi as f32);
            }
            changed |= ui.add(d).changed();
        }
        changed
    })
    .inner
}

/// A parameter value as `--set`/chain.toml would give it.
fn to_raw(spec: &ParamSpec, v: &ParamValue) -> RawValue {
    let floats =
        |c: &[f32]| RawValue::Array(c.iter().map(|&x| RawValue::Float(f64::from(x))).collect());
    match v {
        ParamValue::Float(x) => RawValue::Float(f64::from(*x)),
        ParamValue::Int(x) => RawValue::Int(i64::from(*x)),
        ParamValue::Bool(b) => RawValue::Bool(*b),
        ParamValue::Vec2(c) => floats(c),
        ParamValue::Vec3(c) => floats(c),
        ParamValue::Vec4(c) | ParamValue::Color(c) => floats(c),
        ParamValue::Choice(i) => RawValue::Str(
            spec.choices
                .get(*i as usize)
                .map(std::string::ToString::to_string)
                .unwrap_or_default(),
        ),
        ParamValue::Text(t) => RawValue::Str(t.clone()),
        ParamValue::List(l) => RawValue::Array(l.iter().cloned().map(RawValue::Str).collect()),
        ParamValue::Numbers(n) => match spec.kind.components() {
            1 => floats(n),
            w => RawValue::Array(n.chunks(w).map(floats).collect()),
        },
    }
}

/// The same value as TOML (floats rounded to what a person would type).
fn to_toml(spec: &ParamSpec, v: &ParamValue) -> toml_edit::Value {
    fn num(x: f32) -> toml_edit::Value {
        let r = (f64::from(x) * 10_000.0).round() / 10_000.0;
        toml_edit::Value::from(r)
    }
    let arr = |c: &[f32]| {
        let mut a = toml_edit::Array::new();
        for &x in c {
            a.push(num(x));
        }
        toml_edit::Value::Array(a)
    };
    match v {
        ParamValue::Float(x) => num(*x),
        ParamValue::Int(x) => toml_edit::Value::from(i64::from(*x)),
        ParamValue::Bool(b) => toml_edit::Value::from(*b),
        ParamValue::Vec2(c) => arr(c),
        ParamValue::Vec3(c) => arr(c),
        ParamValue::Vec4(c) | ParamValue::Color(c) => arr(c),
        ParamValue::Choice(i) => toml_edit::Value::from(
            spec.choices
                .get(*i as usize)
                .map(std::string::ToString::to_string)
                .unwrap_or_default(),
        ),
        ParamValue::Text(t) => toml_edit::Value::from(t.as_str()),
        ParamValue::List(l) => {
            let mut a = toml_edit::Array::new();
            for s in l {
                a.push(s.as_str());
            }
            toml_edit::Value::Array(a)
        }
        ParamValue::Numbers(n) => match spec.kind.components() {
            1 => arr(n),
            w => {
                let mut a = toml_edit::Array::new();
                for element in n.chunks(w) {
                    a.push(arr(element));
                }
                toml_edit::Value::Array(a)
            }
        },
    }
}

/// Writes `edits` (node, parameter, value) into the chain file at `path`, keeping everything
/// else — comments, order, spacing, the comment after a value — as it was.
pub fn save_edits(path: &Path, edits: &[(String, String, toml_edit::Value)]) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = apply_edits(&text, edits)?;
    // Written beside and renamed over, as editors do: a reader never sees half a file.
    let tmp = path.with_extension("toml.vivid-save");
    std::fs::write(&tmp, out).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`save_edits`] on text.
pub fn apply_edits(
    text: &str,
    edits: &[(String, String, toml_edit::Value)],
) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
    for (node, param, value) in edits {
        let table = doc
            .get_mut(node)
            .and_then(toml_edit::Item::as_table_like_mut)
            .ok_or_else(|| format!("no table [{node}]"))?;
        let mut new = value.clone();
        if let Some(old) = table.get(param).and_then(toml_edit::Item::as_value) {
            *new.decor_mut() = old.decor().clone();
        } else {
            new.decor_mut().set_prefix(" ");
        }
        table.insert(param, toml_edit::Item::Value(new));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saving_keeps_comments_order_and_layout() {
        let text = "# my piece\noutput = \"n\"\n\n[n]  # the noise\ntype = \"noise\"\nscale = 13.3   # big\nspeed = \"0.5 + sin(time)\"\n\n[l]\ntype = \"levels\"\ninput = \"n\"\n";
        let edits = vec![
            (
                "n".to_string(),
                "scale".to_string(),
                toml_edit::Value::from(4.25),
            ),
            (
                "l".to_string(),
                "gamma".to_string(),
                toml_edit::Value::from(1.5),
            ),
            (
                "n".to_string(),
                "kind".to_string(),
                toml_edit::Value::from("simplex"),
            ),
        ];
        let out = apply_edits(text, &edits).unwrap_or_default();
        assert_eq!(
            out,
            "# my piece\noutput = \"n\"\n\n[n]  # the noise\ntype = \"noise\"\nscale = 4.25   # big\nspeed = \"0.5 + sin(time)\"\nkind = \"simplex\"\n\n[l]\ntype = \"levels\"\ninput = \"n\"\ngamma = 1.5\n"
        );
        assert!(apply_edits(text, &[("x".into(), "y".into(), 1.into())]).is_err());
    }
}
