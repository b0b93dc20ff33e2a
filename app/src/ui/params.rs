//! The inspector's parameter panel: the selected operator's parameters that apply, in their
//! groups, each with the widget its kind and range call for, a text field for typed values
//! and expressions, and a reset button.

use std::fmt::Write as _;

use vivid_engine::ParamView;
use vivid_engine::params::{ParamKind, ParamValue, RawValue};

use super::Inspector;
use super::save::{format_number, parse_typed, to_raw};
use super::slider::{Scale, slider};

/// Width of a number's text field beside its slider, in points (and the least of a text
/// field alone).
const NUMBER_FIELD: f32 = 64.0;
/// Room left beside a text field (whose width leaves out its own margins) for the reset
/// button and the spacing.
const RESET_ROOM: f32 = 44.0;

/// What a row asks for.
pub(super) struct RowEdit {
    /// The parameter.
    pub(super) param: String,
    /// Its new value.
    pub(super) value: RawValue,
    /// Part of the same gesture as the last edit (a slider being dragged).
    pub(super) merge: bool,
}

/// The parameter as chain.toml has it now: its expression, else its value.
pub(super) fn current_raw(p: &ParamView) -> RawValue {
    match &p.expression {
        Some(text) => parse_typed(text),
        None => to_raw(&p.spec, &p.value),
    }
}

/// What a parameter's text field shows when it is not being edited: the expression (a single
/// one without its quotes) or the value.
fn shown_text(p: &ParamView) -> String {
    if let Some(e) = &p.expression {
        return match parse_typed(e) {
            RawValue::Str(s) => s,
            _ => e.clone(),
        };
    }
    match &p.value {
        ParamValue::Float(x) => format_number(f64::from(*x)),
        ParamValue::Text(t) => t.clone(),
        v => p.spec.format_value(v),
    }
}

/// Whether the parameter is as its spec's default has it.
fn is_default(p: &ParamView) -> bool {
    p.expression.is_none() && p.value == p.spec.default
}

impl Inspector {
    /// The rows of operator `node`'s parameters that apply now, by group; returns the edits
    /// asked for.
    pub(super) fn param_rows(
        &mut self,
        ui: &mut egui::Ui,
        node: &str,
        params: &[ParamView],
    ) -> Vec<RowEdit> {
        let specs: Vec<_> = params.iter().map(|p| p.spec.clone()).collect();
        let values: Vec<ParamValue> = params.iter().map(|p| p.value.clone()).collect();
        let shown: Vec<&ParamView> = params
            .iter()
            .filter(|p| p.spec.applies(&specs, &values))
            .collect();
        // Groups in the order they first appear; parameters of no group first.
        let mut groups: Vec<(Option<&str>, Vec<&ParamView>)> = vec![(None, Vec::new())];
        for p in shown {
            let g = p.spec.group.as_deref();
            match groups.iter_mut().find(|(name, _)| *name == g) {
                Some((_, ps)) => ps.push(p),
                None => groups.push((g, vec![p])),
            }
        }
        let mut edits = Vec::new();
        for (group, ps) in groups {
            if ps.is_empty() {
                continue;
            }
            let mut grid = |ui: &mut egui::Ui| {
                egui::Grid::new(("vivid.params", node, group))
                    .num_columns(2)
                    .min_col_width(90.0)
                    .striped(true)
                    .show(ui, |ui| {
                        for p in &ps {
                            self.param_row(ui, node, p, &mut edits);
                        }
                    });
            };
            match group {
                None => grid(ui),
                Some(name) => {
                    egui::CollapsingHeader::new(egui::RichText::new(name).strong())
                        .id_salt(("vivid.group", node, name))
                        .default_open(true)
                        .show(ui, grid);
                }
            }
        }
        edits
    }

    /// One parameter: its name (hover: its documentation; right click: reset, edit as
    /// text), its widget, a reset button, and the error of its last edit.
    fn param_row(
        &mut self,
        ui: &mut egui::Ui,
        node: &str,
        p: &ParamView,
        edits: &mut Vec<RowEdit>,
    ) {
        let name = p.spec.name.to_string();
        let key = (node.to_string(), name.clone());
        let mut doc = p.spec.doc.to_string();
        if !p.spec.aliases.is_empty() {
            let _ = write!(doc, " (formerly `{}`)", p.spec.aliases.join("`, `"));
        }
        let label = ui
            .add(egui::Label::new(name.as_str()).sense(egui::Sense::click()))
            .on_hover_text(doc);
        let mut reset = false;
        label.context_menu(|ui| {
            if ui.button("Reset to default").clicked() {
                reset = true;
                ui.close();
            }
            let as_text = self.text_mode.contains(&key);
            if p.expression.is_none()
                && ui
                    .button(if as_text {
                        "Edit with widgets"
                    } else {
                        "Edit as text / expression"
                    })
                    .clicked()
            {
                if as_text {
                    self.text_mode.remove(&key);
                } else {
                    self.text_mode.insert(key.clone());
                }
                ui.close();
            }
        });
        let mut edit: Option<(RawValue, bool)> = None;
        ui.vertical(|ui| {
            ui.horizontal(|ui| {
                edit = self.param_widget(ui, node, p);
                self.learn_button(ui, node, p);
                if !is_default(p) {
                    let r = ui
                        .add(egui::Button::new(egui::RichText::new("↺").monospace()).small())
                        .on_hover_text(format!(
                            "Reset to the default, {}",
                            p.spec.format_value(&p.spec.default)
                        ));
                    self.rects.insert((name.clone(), "reset"), r.rect);
                    reset |= r.clicked();
                }
            });
            if let Some((n, param, message)) = &self.row_error
                && n == node
                && *param == name
            {
                ui.add(
                    egui::Label::new(
                        egui::RichText::new(message)
                            .small()
                            .color(egui::Color32::from_rgb(255, 120, 110)),
                    )
                    .wrap(),
                );
            }
        });
        ui.end_row();
        if reset {
            edit = Some((to_raw(&p.spec, &p.spec.default), false));
        }
        if let Some((value, merge)) = edit {
            edits.push(RowEdit {
                param: name,
                value,
                merge,
            });
        }
    }

    /// MIDI learn's button for a parameter a binding can drive (with a learn source), and
    /// the source of the binding driving it now.
    fn learn_button(&mut self, ui: &mut egui::Ui, node: &str, p: &ParamView) {
        if let Some(src) = &p.bound {
            ui.label(egui::RichText::new(format!("⇐ {src}")).small().monospace())
                .on_hover_text("driven by this source through [bindings] in chain.toml");
        }
        let bindable = matches!(
            p.spec.kind,
            ParamKind::Float | ParamKind::Int | ParamKind::Bool
        ) && !p.spec.fixed
            && p.expression.is_none();
        if !self.can_learn() || !bindable {
            return;
        }
        let waiting = self.learning() == Some((node, p.spec.name.as_ref()));
        let r = ui
            .add(
                egui::Button::new(egui::RichText::new(if waiting { "…" } else { "M" }).monospace())
                    .small()
                    .selected(waiting),
            )
            .on_hover_text(if waiting {
                "waiting for a MIDI control to move (click to stop)"
            } else {
                "MIDI learn: bind the next control moved (written into chain.toml)"
            });
        self.rects
            .insert((p.spec.name.to_string(), "learn"), r.rect);
        if r.clicked() {
            self.start_learn(node, &p.spec.name);
        }
    }

    /// The widget for one parameter; returns its new value (and whether it continues the
    /// last edit's gesture) when the user changed it.
    fn param_widget(
        &mut self,
        ui: &mut egui::Ui,
        node: &str,
        p: &ParamView,
    ) -> Option<(RawValue, bool)> {
        let key = (node.to_string(), p.spec.name.to_string());
        let textual = matches!(
            p.spec.kind,
            ParamKind::Text
                | ParamKind::Node(_)
                | ParamKind::Nodes(_)
                | ParamKind::File(_)
                | ParamKind::Floats(_)
                | ParamKind::Colors(_)
        );
        if p.expression.is_some() || self.text_mode.contains(&key) || textual {
            // As wide as the panel leaves (a long expression scrolls inside it).
            let width = (ui.available_width() - RESET_ROOM).max(NUMBER_FIELD);
            return self.text_field(ui, node, p, width).map(|v| (v, false));
        }
        let range = p.spec.range;
        let mut value = p.value.clone();
        let mut merge = false;
        let changed = match &mut value {
            ParamValue::Float(_) | ParamValue::Int(_) => {
                let integer = matches!(value, ParamValue::Int(_));
                let mut x = match value {
                    ParamValue::Int(i) => f64::from(i),
                    ParamValue::Float(f) => f64::from(f),
                    _ => 0.0,
                };
                let mut out = None;
                if let Some((lo, hi)) = range {
                    let r = slider(ui, &mut x, Scale::for_range(lo, hi), integer);
                    self.rects
                        .insert((p.spec.name.to_string(), "slider"), r.rect);
                    if r.changed() {
                        merge = r.dragged() && !r.drag_started();
                        out = Some(if integer {
                            RawValue::Int(x as i64)
                        } else {
                            RawValue::Float(x)
                        });
                    }
                }
                let typed = self.text_field(ui, node, p, NUMBER_FIELD);
                return typed.map(|v| (v, false)).or(out.map(|v| (v, merge)));
            }
            ParamValue::Bool(v) => ui.checkbox(v, "").changed(),
            ParamValue::Color(c) => {
                let mut srgba = c.map(|x| (x.clamp(0.0, 1.0) * 255.0).round() as u8);
                let changed = ui
                    .color_edit_button_srgba_unmultiplied(&mut srgba)
                    .changed();
                if changed {
                    *c = srgba.map(|b| f32::from(b) / 255.0);
                }
                changed
            }
            ParamValue::Vec2(v) => drag_components(ui, v, range, &mut merge),
            ParamValue::Vec3(v) => drag_components(ui, v, range, &mut merge),
            ParamValue::Vec4(v) => drag_components(ui, v, range, &mut merge),
            ParamValue::Choice(i) => {
                let mut changed = false;
                let current = p.spec.choices.get(*i as usize).map_or("?", |c| c.as_ref());
                egui::ComboBox::from_id_salt(("vivid.choice", node, p.spec.name.as_ref()))
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        for (k, c) in p.spec.choices.iter().enumerate() {
                            changed |= ui.selectable_value(i, k as u32, c.as_ref()).changed();
                        }
                    });
                changed
            }
            ParamValue::Text(_) | ParamValue::List(_) | ParamValue::Numbers(_) => false,
        };
        changed.then(|| (to_raw(&p.spec, &value), merge))
    }

    /// A text field showing the parameter (its value or expression); Enter applies what was
    /// typed — a number, chain.toml's syntax, or an expression.
    fn text_field(
        &mut self,
        ui: &mut egui::Ui,
        node: &str,
        p: &ParamView,
        width: f32,
    ) -> Option<RawValue> {
        let key = (node.to_string(), p.spec.name.to_string());
        let id = egui::Id::unique(("vivid.text", node, p.spec.name.as_ref()));
        let editing = ui.memory(|m| m.has_focus(id));
        let mut text = match self.text_buffers.get(&key) {
            Some(t) if editing => t.clone(),
            _ => shown_text(p),
        };
        let response = ui.add(
            egui::TextEdit::singleline(&mut text)
                .id(id)
                .desired_width(width)
                .font(egui::TextStyle::Monospace),
        );
        self.rects
            .insert((p.spec.name.to_string(), "text"), response.rect);
        let response = response.on_hover_text(
            "Type a value or an expression of time (e.g. 4 + 2 * sin(time)); Enter applies",
        );
        if response.has_focus() {
            self.text_buffers.insert(key.clone(), text.clone());
        }
        if response.lost_focus() {
            self.text_buffers.remove(&key);
            if ui.input(|i| i.key_pressed(egui::Key::Enter)) && text.trim() != shown_text(p) {
                return Some(parse_typed(&text));
            }
        }
        None
    }
}

/// A drag value per component (speed in proportion to the value: a drag moves it by a
/// bounded factor; Shift: finer).
fn drag_components(
    ui: &mut egui::Ui,
    v: &mut [f32],
    range: Option<(f64, f64)>,
    merge: &mut bool,
) -> bool {
    let mut changed = false;
    for x in v.iter_mut() {
        let speed = (f64::from(x.abs()) * 0.01).max(0.005);
        let mut d = egui::DragValue::new(x).speed(speed).max_decimals(3);
        if let Some((lo, hi)) = range {
            d = d.range(lo as f32..=hi as f32);
        }
        let r = ui.add(d);
        if r.changed() {
            changed = true;
            *merge = r.dragged() && !r.drag_started();
        }
    }
    changed
}
