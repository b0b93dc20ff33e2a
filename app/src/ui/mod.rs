//! The live inspector: an egui overlay drawn into the frame's one encoder.
//!
//! - **chain view** (left): every operator as a node with a live thumbnail, edges from its
//!   inputs; click selects; "solo" shows the selected operator full-window;
//! - **inspector** (right): the selected operator's parameters that apply (a circle has no
//!   `sides`), in their groups: sliders (logarithmic over wide ranges, Shift for fine
//!   steps), colour pickers, dropdowns and checkboxes made from their metadata, a text
//!   field beside each number for typed values and expressions, a reset button; edits
//!   apply at once, undo and redo (Ctrl+Z, Ctrl+Shift+Z), and "save" writes them into
//!   chain.toml keeping its comments and layout;
//! - **performance** (bottom): fps, a frame-time graph, per-operator CPU and GPU times;
//! - **memory** (bottom): the monitor's RSS and GPU memory as a plot;
//! - **errors**: shader and chain errors with `file:line:col`.
//!
//! The output is letterboxed into the space the panels leave ([`Engine::set_display_area`]).
//! [`Inspector::run`] runs egui for a frame against the [`Engine`] and hands the tessellated
//! result to its [`EguiPainter`], which the caller passes to [`Engine::render_with`]. It
//! does not know about windows: the winit runner feeds it input, and tests feed it
//! synthetic input headless.

mod chain_view;
mod history;
mod learn;
mod painter;
mod params;
mod save;
mod slider;
mod stats;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::time::Instant;

pub use learn::{LearnSource, bind_in, save_binding};
pub use painter::EguiPainter;
pub use save::{SaveEdit, apply_edits, save_edits};

use chain_view::thumb_id;
use history::{Change, History};
use vivid_engine::params::{ParamValue, RawValue};
use vivid_engine::{DisplayArea, Engine, NodeView};

/// Thumbnails' longest side, in pixels.
const THUMB: u32 = 128;
/// Frame intervals kept for the graph.
const GRAPH: usize = 240;
/// The side panels' widths: at most this part of the window, and at most these points.
const SIDE_SHARE: f32 = 0.3;
const CHAIN_MAX: f32 = 420.0;
const INSPECTOR_MAX: f32 = 460.0;

/// The overlay's state across frames.
pub struct Inspector {
    ctx: egui::Context,
    painter: EguiPainter,
    visible: bool,
    selected: Option<String>,
    /// Edited values not yet saved, by (node, parameter).
    edits: BTreeMap<(String, String), SaveEdit>,
    chain_file: Option<PathBuf>,
    status: Option<String>,
    intervals: VecDeque<f32>,
    last: Option<Instant>,
    device_generation: u64,
    show_performance: bool,
    show_memory: bool,
    history: History,
    /// What is being typed into a parameter's text field, by (node, parameter).
    text_buffers: HashMap<(String, String), String>,
    /// Parameters edited as text although they have widgets (chosen in their menu).
    text_mode: HashSet<(String, String)>,
    /// The last edit that failed: (node, parameter, message), shown under its row.
    row_error: Option<(String, String, String)>,
    /// The height the statistics panel was given for the chain's operators (once, when they
    /// are first known; after that it keeps the size it has or is dragged to).
    stats_fitted: Option<f32>,
    /// Where the selected operator's widgets were last frame: (parameter, part).
    rects: HashMap<(String, &'static str), egui::Rect>,
    /// Where the output is shown (pixels), the space the panels leave.
    picture: Option<DisplayArea>,
    /// Where MIDI learn hears controls move (none: no learn buttons).
    learn_source: Option<LearnSource>,
    /// The parameter MIDI learn binds the next control moved to: (node, parameter).
    learning: Option<(String, String)>,
}

impl std::fmt::Debug for Inspector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inspector")
            .field("visible", &self.visible)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
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
            history: History::default(),
            text_buffers: HashMap::new(),
            text_mode: HashSet::new(),
            row_error: None,
            stats_fitted: None,
            rects: HashMap::new(),
            picture: None,
            learn_source: None,
            learning: None,
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

    /// Shows or hides it. Hidden, it costs nothing: no thumbnails, no profiling, no pass,
    /// and the output fills the target again.
    pub fn set_visible(&mut self, engine: &mut Engine, visible: bool) {
        self.visible = visible;
        engine.set_thumbnails(visible.then_some(THUMB));
        engine.set_profiling(visible);
        if !visible {
            engine.set_display_area(None);
            self.picture = None;
        }
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

    /// (edits that can be undone, edits that can be redone).
    #[must_use]
    pub fn history_depth(&self) -> (usize, usize) {
        self.history.depth()
    }

    /// Where the output was shown in the last frame, in pixels (the space the panels
    /// leave), while the inspector is shown.
    #[must_use]
    pub fn picture_area(&self) -> Option<DisplayArea> {
        self.picture
    }

    /// Where a widget of the selected operator's parameter `param` was in the last frame, in
    /// points: `part` is "slider", "text" (its text field) or "reset". For tests and
    /// automation that drive the panel with input events.
    #[must_use]
    pub fn widget_rect(&self, param: &str, part: &str) -> Option<egui::Rect> {
        self.rects
            .iter()
            .find(|((p, k), _)| p == param && *k == part)
            .map(|(_, r)| *r)
    }

    /// The error of the last edit that failed, shown under its parameter: (node, parameter,
    /// message).
    #[must_use]
    pub fn edit_error(&self) -> Option<(&str, &str, &str)> {
        self.row_error
            .as_ref()
            .map(|(n, p, m)| (n.as_str(), p.as_str(), m.as_str()))
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
        self.poll_learn();
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
        self.history
            .forget(|node| nodes.iter().any(|n| n.name == node));
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
        self.shortcuts(ui.ctx(), engine);
        let screen = ui.available_rect_before_wrap();
        egui::Panel::top("vivid.bar").show(ui, |ui| self.bar(ui, engine));
        if self.show_performance || self.show_memory {
            // Room for the plots and the table's rows (one per operator) where the window
            // has it; beyond that the table scrolls.
            let fit = (110.0 + 22.0 * (nodes.len() + 1) as f32)
                .clamp(180.0, (screen.height() * 0.4).max(180.0));
            let mut panel = egui::Panel::bottom("vivid.stats")
                .default_size(fit)
                .size_range(180.0..=(screen.height() * 0.5).max(180.0));
            if self.stats_fitted.is_none() && !nodes.is_empty() {
                // The chain arrives from the loading thread after the first frames.
                self.stats_fitted = Some(fit);
                panel = panel.exact_size(fit);
            }
            panel.resizable(true).show(ui, |ui| {
                // The panel keeps its height (its contents would shrink it).
                ui.set_min_height(ui.available_height());
                let intervals: Vec<f32> = self.intervals.iter().copied().collect();
                ui.columns(2, |cols| {
                    if self.show_performance {
                        stats::performance(&mut cols[0], &intervals, engine, screen.bottom());
                    }
                    if self.show_memory {
                        stats::memory(&mut cols[1], engine);
                    }
                });
            });
        }
        let side = |max: f32| (screen.width() * SIDE_SHARE).clamp(160.0, max);
        egui::Panel::left("vivid.chain")
            .default_size(side(300.0))
            .size_range(140.0..=side(CHAIN_MAX))
            .resizable(true)
            .show(ui, |ui| {
                ui.heading("Chain");
                egui::ScrollArea::both()
                    .id_salt("vivid.chain.scroll")
                    .show(ui, |ui| {
                        chain_view::show(ui, engine, nodes, &mut self.selected);
                    });
            });
        egui::Panel::right("vivid.inspector")
            .default_size(side(360.0))
            .size_range(220.0..=side(INSPECTOR_MAX))
            .resizable(true)
            .show(ui, |ui| self.inspector(ui, engine, nodes));
        // The output goes where the panels leave room.
        let free = ui.available_rect_before_wrap();
        let ppp = ui.ctx().pixels_per_point();
        let area = DisplayArea {
            x: free.left() * ppp,
            y: free.top() * ppp,
            width: free.width().max(1.0) * ppp,
            height: free.height().max(1.0) * ppp,
        };
        engine.set_display_area(Some(area));
        self.picture = Some(area);
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

    /// Ctrl+Z undoes, Ctrl+Shift+Z (or Ctrl+Y) redoes — unless a text field has the keys
    /// (it undoes its own typing).
    fn shortcuts(&mut self, ctx: &egui::Context, engine: &mut Engine) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let shortcut = |m: egui::Modifiers, k: egui::Key| {
            ctx.input_mut(|i| i.consume_shortcut(&egui::KeyboardShortcut::new(m, k)))
        };
        let redo_mods = egui::Modifiers::COMMAND | egui::Modifiers::SHIFT;
        if shortcut(redo_mods, egui::Key::Z) || shortcut(egui::Modifiers::COMMAND, egui::Key::Y) {
            self.redo(engine);
        } else if shortcut(egui::Modifiers::COMMAND, egui::Key::Z) {
            self.undo(engine);
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

    fn inspector(&mut self, ui: &mut egui::Ui, engine: &mut Engine, nodes: &[NodeView]) {
        // The panel keeps its width (the default, or where it was dragged to) whatever it
        // shows: its rows fit into it instead of widening it.
        ui.set_min_width(ui.available_width());
        ui.heading("Inspector");
        self.rects.clear();
        let Some(name) = self.selected.clone() else {
            ui.label("Click an operator in the chain view.");
            return;
        };
        let Some(node) = nodes.iter().find(|n| n.name == name) else {
            return;
        };
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new(&node.name).strong().size(16.0));
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
        });
        ui.label(format!(
            "{}{}",
            node.type_name,
            if node.scene {
                String::new()
            } else {
                format!(" · {}×{}", node.size[0], node.size[1])
            }
        ));
        if let Some(e) = &node.error {
            ui.colored_label(egui::Color32::from_rgb(255, 120, 110), e);
        }
        ui.separator();
        // Save, undo and redo stay at the bottom; the parameters scroll above them.
        egui::Panel::bottom("vivid.inspector.actions")
            .show_separator_line(true)
            .show(ui, |ui| self.actions(ui, engine));
        let Some(params) = engine.param_views(&name) else {
            return;
        };
        let edits = egui::ScrollArea::vertical()
            .id_salt("vivid.inspector.scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| self.param_rows(ui, &name, &params))
            .inner;
        for e in edits {
            self.apply(engine, &name, &e.param, e.value, e.merge);
        }
    }

    /// Save, undo, redo, and what the last of them said.
    fn actions(&mut self, ui: &mut egui::Ui, engine: &mut Engine) {
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
            let (undo, redo) = self.history.depth();
            if ui
                .add_enabled(undo > 0, egui::Button::new("Undo"))
                .on_hover_text("Ctrl+Z")
                .clicked()
            {
                self.undo(engine);
            }
            if ui
                .add_enabled(redo > 0, egui::Button::new("Redo"))
                .on_hover_text("Ctrl+Shift+Z")
                .clicked()
            {
                self.redo(engine);
            }
        });
        if let Some(s) = &self.status {
            ui.add(egui::Label::new(s.as_str()).wrap());
        }
    }

    /// Sets `node.param` to `value` now (as a widget does) and remembers it for "save" and
    /// undo.
    pub fn edit(&mut self, engine: &mut Engine, node: &str, param: &str, value: &ParamValue) {
        let Some(spec) = engine
            .param_views(node)
            .and_then(|ps| ps.into_iter().find(|p| p.spec.answers_to(param)))
            .map(|p| p.spec)
        else {
            self.status = Some(format!("no parameter `{node}.{param}`"));
            return;
        };
        self.apply(engine, node, param, save::to_raw(&spec, value), false);
    }

    /// Sets `node.param` from text as typed into its field (a value in chain.toml's syntax,
    /// or an expression such as `4 + sin(time)`). Returns whether it applied; when not, the
    /// error shows under the parameter and the value stays as it was.
    pub fn edit_text(&mut self, engine: &mut Engine, node: &str, param: &str, text: &str) -> bool {
        self.apply(engine, node, param, save::parse_typed(text), false)
    }

    /// Sets `node.param` back to its default.
    pub fn reset(&mut self, engine: &mut Engine, node: &str, param: &str) {
        if let Some(p) = engine
            .param_views(node)
            .and_then(|ps| ps.into_iter().find(|p| p.spec.answers_to(param)))
        {
            let default = save::to_raw(&p.spec, &p.spec.default);
            self.apply(engine, node, param, default, false);
        }
    }

    /// Applies an edit; `merge`: it continues the last one (a drag).
    fn apply(
        &mut self,
        engine: &mut Engine,
        node: &str,
        param: &str,
        value: RawValue,
        merge: bool,
    ) -> bool {
        let Some(view) = engine
            .param_views(node)
            .and_then(|ps| ps.into_iter().find(|p| p.spec.answers_to(param)))
        else {
            self.status = Some(format!("no parameter `{node}.{param}`"));
            return false;
        };
        let name = view.spec.name.to_string();
        let before = params::current_raw(&view);
        if let Err(e) = engine.set_param(node, &name, value.clone()) {
            let message = e.to_string();
            self.status = Some(message.clone());
            self.row_error = Some((node.to_string(), name, message));
            return false;
        }
        let key = (node.to_string(), name.clone());
        let unsaved_before = self.edits.get(&key).map(|e| e.value.clone());
        let unsaved_after = Some(save::to_toml(&value));
        self.set_unsaved(node, &name, &view.spec.aliases, unsaved_after.clone());
        self.history.push(
            Change {
                node: node.to_string(),
                param: name,
                before,
                after: value,
                unsaved_before,
                unsaved_after,
            },
            merge,
        );
        self.row_error = None;
        self.status = None;
        true
    }

    fn set_unsaved(
        &mut self,
        node: &str,
        param: &str,
        aliases: &[std::borrow::Cow<'static, str>],
        value: Option<toml_edit::Value>,
    ) {
        let key = (node.to_string(), param.to_string());
        match value {
            Some(value) => {
                self.edits.insert(
                    key,
                    SaveEdit {
                        node: node.to_string(),
                        param: param.to_string(),
                        aliases: aliases.iter().map(ToString::to_string).collect(),
                        value,
                    },
                );
            }
            None => {
                self.edits.remove(&key);
            }
        }
    }

    /// Undoes the last edit of this session (Ctrl+Z).
    pub fn undo(&mut self, engine: &mut Engine) {
        if let Some(c) = self.history.undo() {
            self.restore(engine, &c.node, &c.param, c.before, c.unsaved_before);
        }
    }

    /// Redoes the last edit undone (Ctrl+Shift+Z).
    pub fn redo(&mut self, engine: &mut Engine) {
        if let Some(c) = self.history.redo() {
            self.restore(engine, &c.node, &c.param, c.after, c.unsaved_after);
        }
    }

    fn restore(
        &mut self,
        engine: &mut Engine,
        node: &str,
        param: &str,
        value: RawValue,
        unsaved: Option<toml_edit::Value>,
    ) {
        match engine.set_param(node, param, value) {
            Ok(()) => {
                let aliases = engine
                    .param_views(node)
                    .and_then(|ps| ps.into_iter().find(|p| p.spec.name == param))
                    .map(|p| p.spec.aliases)
                    .unwrap_or_default();
                self.set_unsaved(node, param, &aliases, unsaved);
                self.row_error = None;
                self.status = None;
            }
            Err(e) => self.status = Some(e.to_string()),
        }
    }

    /// Gives MIDI learn its source: each parameter that can be bound gets a learn button.
    pub fn set_learn_source(&mut self, source: LearnSource) {
        self.learn_source = Some(source);
    }

    /// Whether MIDI learn has a source.
    #[must_use]
    pub fn can_learn(&self) -> bool {
        self.learn_source.is_some()
    }

    /// Starts MIDI learn for `node.param` (the learn button): the next control moved is
    /// bound to it. Asked again for the same parameter, it stops. Moves made before are
    /// forgotten.
    pub fn start_learn(&mut self, node: &str, param: &str) {
        let key = (node.to_string(), param.to_string());
        if self.learning.as_ref() == Some(&key) {
            self.learning = None;
            self.status = Some("MIDI learn stopped".into());
            return;
        }
        if let Some(source) = &mut self.learn_source {
            while source().is_some() {}
        }
        self.status = Some(format!("move a MIDI control to bind {node}.{param}"));
        self.learning = Some(key);
    }

    /// The parameter MIDI learn waits for, (node, parameter).
    #[must_use]
    pub fn learning(&self) -> Option<(&str, &str)> {
        self.learning
            .as_ref()
            .map(|(n, p)| (n.as_str(), p.as_str()))
    }

    /// Looks at the learn source (each frame the inspector runs): when a control moved
    /// while a parameter waits, writes the binding into chain.toml (the live reload loads
    /// it) and says so in the status. Returns the source bound.
    pub fn poll_learn(&mut self) -> Option<String> {
        let moved = self.learn_source.as_mut().and_then(|s| s())?;
        let (node, param) = self.learning.take()?;
        let Some(path) = self.chain_file.clone() else {
            self.status = Some("MIDI learn: no chain.toml to write the binding into".into());
            return None;
        };
        let edits: Vec<SaveEdit> = self.edits.values().cloned().collect();
        match save_binding(&path, &edits, &node, &param, &moved) {
            Ok(()) => {
                let also = if edits.is_empty() {
                    String::new()
                } else {
                    format!(" (and saved {} unsaved value(s))", edits.len())
                };
                self.status = Some(format!(
                    "bound {node}.{param} to {moved} in {}{also}",
                    path.display()
                ));
                self.edits.clear();
                self.history.saved(save::to_toml);
                Some(moved)
            }
            Err(e) => {
                self.status = Some(format!("MIDI learn: not written: {e}"));
                None
            }
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
        let edits: Vec<SaveEdit> = self.edits.values().cloned().collect();
        match save_edits(&path, &edits) {
            Ok(()) => {
                self.status = Some(format!(
                    "saved {} value(s) to {}",
                    edits.len(),
                    path.display()
                ));
                self.edits.clear();
                // Undoing what was saved makes it an unsaved edit again.
                self.history.saved(save::to_toml);
            }
            Err(e) => self.status = Some(format!("not saved: {e}")),
        }
    }
}
