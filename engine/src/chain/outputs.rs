//! The outputs a chain declares: `[[window]]` tables (node shown, monitor, placement,
//! `warp` and `blend`), read with the location of every value.

use toml::de::DeValue;

use super::{ChainDesc, Loc, Spanned};
use crate::error::did_you_mean;
use crate::warp::{Blend, Grid, Homography};

/// The most `[[window]]` tables a chain may have: each is a window and a surface.
pub const MAX_OUTPUTS: usize = 16;

/// Keys of a `[[window]]` table.
const WINDOW_KEYS: [&str; 8] = [
    "node",
    "monitor",
    "fullscreen",
    "position",
    "size",
    "title",
    "warp",
    "blend",
];
/// Keys of a window's `warp` table.
const WARP_KEYS: [&str; 5] = [
    "bottom_left",
    "bottom_right",
    "top_right",
    "top_left",
    "grid",
];
/// Keys of a window's `blend` table.
const BLEND_KEYS: [&str; 6] = ["left", "right", "bottom", "top", "gamma", "black_level"];

/// Which monitor an output opens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MonitorChoice {
    /// By its index in `vivid devices`' list.
    Index(usize),
    /// By (a part of) its name.
    Name(String),
}

/// An output's warp: the corner pin and the grid mesh (see [`crate::warp`]).
#[derive(Clone, Debug, PartialEq)]
pub struct WarpDesc {
    /// Where the picture's corners land, normalised output coordinates (y up): bottom-left,
    /// bottom-right, top-right, top-left. `None`: the picture letterboxed.
    pub corners: Option<[[f64; 2]; 4]>,
    /// The grid mesh (before the corner pin); `None`: no deformation.
    pub grid: Option<Grid>,
}

impl WarpDesc {
    /// The corner pin's homography, when corners are given.
    #[must_use]
    pub fn pin(&self) -> Option<Homography> {
        self.corners.and_then(Homography::unit_square_to)
    }
}

/// One `[[window]]` table: an output of the chain.
#[derive(Clone, Debug, PartialEq)]
pub struct OutputDesc {
    /// Where the table starts.
    pub loc: Option<Loc>,
    /// `node`: the node it shows (none: the chain's output).
    pub node: Option<Spanned<String>>,
    /// `monitor`: a name or an index.
    pub monitor: Option<MonitorChoice>,
    /// `fullscreen`.
    pub fullscreen: bool,
    /// `position = [x, y]`: the window's top-left corner on the desktop, in pixels.
    pub position: Option<[i32; 2]>,
    /// `size = [w, h]`: the window's inner size.
    pub size: Option<[u32; 2]>,
    /// `title`.
    pub title: Option<String>,
    /// `warp`.
    pub warp: WarpDesc,
    /// `blend`.
    pub blend: Blend,
}

impl OutputDesc {
    /// An output showing the chain's output, letterboxed, placed by the window system.
    #[must_use]
    pub fn plain() -> Self {
        Self {
            loc: None,
            node: None,
            monitor: None,
            fullscreen: false,
            position: None,
            size: None,
            title: None,
            warp: WarpDesc {
                corners: None,
                grid: None,
            },
            blend: Blend::default(),
        }
    }
}

/// Reads values with their locations into `desc.early` errors.
struct Reader<'d> {
    desc: &'d mut ChainDesc,
}

type Item<'a> = toml::Spanned<DeValue<'a>>;

impl Reader<'_> {
    fn loc(range: std::ops::Range<usize>) -> Loc {
        Loc { source: 0, range }
    }

    fn error(&mut self, span: std::ops::Range<usize>, message: String, hint: Option<String>) {
        let mut d = self.desc.diag(Some(&Self::loc(span)), message);
        if let Some(h) = hint {
            d = d.with_hint(h);
        }
        self.desc.early.push(d);
    }

    fn number(&mut self, v: &Item<'_>, what: &str) -> Option<f64> {
        let n = match v.get_ref() {
            DeValue::Integer(i) => i64::from_str_radix(&i.as_str().replace('_', ""), i.radix())
                .ok()
                .map(|i| i as f64),
            DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                self.error(
                    v.span(),
                    format!("{what} must be a number, found {}", v.get_ref().type_str()),
                    None,
                );
                None
            }
        }
    }

    fn numbers<const N: usize>(&mut self, v: &Item<'_>, what: &str) -> Option<[f64; N]> {
        let DeValue::Array(a) = v.get_ref() else {
            self.error(
                v.span(),
                format!(
                    "{what} must be an array of {N} numbers, found {}",
                    v.get_ref().type_str()
                ),
                None,
            );
            return None;
        };
        if a.len() != N {
            self.error(
                v.span(),
                format!("{what} must have {N} numbers, found {}", a.len()),
                None,
            );
            return None;
        }
        let mut out = [0.0; N];
        for (o, x) in out.iter_mut().zip(a.iter()) {
            *o = self.number(x, what)?;
        }
        Some(out)
    }

    fn unknown(
        &mut self,
        key: &toml::Spanned<std::borrow::Cow<'_, str>>,
        table: &str,
        keys: &[&str],
    ) {
        let k = key.get_ref().as_ref();
        let hint = did_you_mean(k, keys.iter().copied())
            .unwrap_or_else(|| format!("{table} keys are {}", keys.join(", ")));
        self.error(
            key.span(),
            format!("unknown key `{k}` in {table}"),
            Some(hint),
        );
    }

    fn window(&mut self, table: &Item<'_>) -> Option<OutputDesc> {
        let DeValue::Table(t) = table.get_ref() else {
            self.error(
                table.span(),
                "`window` must be an array of tables: write `[[window]]`".into(),
                None,
            );
            return None;
        };
        let mut out = OutputDesc {
            loc: Some(Self::loc(table.span())),
            ..OutputDesc::plain()
        };
        let mut entries: Vec<_> = t.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        for (k, v) in entries {
            match k.get_ref().as_ref() {
                "node" => match v.get_ref() {
                    DeValue::String(s) => {
                        out.node = Some(Spanned::at(s.to_string(), Self::loc(v.span())));
                    }
                    other => self.error(
                        v.span(),
                        format!(
                            "`node` must name an operator (a string), found {}",
                            other.type_str()
                        ),
                        None,
                    ),
                },
                "title" => match v.get_ref() {
                    DeValue::String(s) => out.title = Some(s.to_string()),
                    other => self.error(
                        v.span(),
                        format!("`title` must be a string, found {}", other.type_str()),
                        None,
                    ),
                },
                "fullscreen" => match v.get_ref() {
                    DeValue::Boolean(b) => out.fullscreen = *b,
                    other => self.error(
                        v.span(),
                        format!(
                            "`fullscreen` must be true or false, found {}",
                            other.type_str()
                        ),
                        None,
                    ),
                },
                "monitor" => match v.get_ref() {
                    DeValue::String(s) => out.monitor = Some(MonitorChoice::Name(s.to_string())),
                    DeValue::Integer(_) => {
                        if let Some(n) = self.number(v, "`monitor`") {
                            if (0.0..1024.0).contains(&n) {
                                out.monitor = Some(MonitorChoice::Index(n as usize));
                            } else {
                                self.error(
                                    v.span(),
                                    format!("`monitor` index {n} is out of range"),
                                    Some(
                                        "`vivid devices` lists the monitors and their indices"
                                            .into(),
                                    ),
                                );
                            }
                        }
                    }
                    other => self.error(
                        v.span(),
                        format!(
                            "`monitor` must be a name or an index, found {}",
                            other.type_str()
                        ),
                        Some("`vivid devices` lists the monitors".into()),
                    ),
                },
                "position" => {
                    if let Some([x, y]) = self.numbers::<2>(v, "`position`") {
                        if x.abs() > 1e5 || y.abs() > 1e5 {
                            self.error(v.span(), "`position` is off any desktop".into(), None);
                        } else {
                            out.position = Some([x as i32, y as i32]);
                        }
                    }
                }
                "size" => {
                    if let Some([w, h]) = self.numbers::<2>(v, "`size`") {
                        if !(1.0..=16384.0).contains(&w) || !(1.0..=16384.0).contains(&h) {
                            self.error(
                                v.span(),
                                format!("window `size` {w}x{h} must be 1..16384 pixels a side"),
                                None,
                            );
                        } else {
                            out.size = Some([w as u32, h as u32]);
                        }
                    }
                }
                "warp" => out.warp = self.warp(v),
                "blend" => {
                    if let Some(b) = self.blend(v) {
                        out.blend = b;
                    }
                }
                _ => self.unknown(k, "`[[window]]`", &WINDOW_KEYS),
            }
        }
        Some(out)
    }

    fn warp(&mut self, v: &Item<'_>) -> WarpDesc {
        let mut warp = WarpDesc {
            corners: None,
            grid: None,
        };
        let DeValue::Table(t) = v.get_ref() else {
            self.error(v.span(), format!("`warp` must be a table, found {}", v.get_ref().type_str()), Some("`warp = { top_left = [0, 1], top_right = [1, 1], bottom_right = [1, 0], bottom_left = [0, 0] }`".into()));
            return warp;
        };
        let mut corners: [Option<[f64; 2]>; 4] = [None; 4];
        let mut any_corner: Option<std::ops::Range<usize>> = None;
        let mut bad = false;
        for (k, x) in t {
            let key = k.get_ref().as_ref();
            let corner = ["bottom_left", "bottom_right", "top_right", "top_left"]
                .iter()
                .position(|c| *c == key);
            if let Some(c) = corner {
                any_corner.get_or_insert(k.span());
                corners[c] = self.numbers::<2>(x, &format!("`warp.{key}`"));
                bad |= corners[c].is_none();
            } else if key == "grid" {
                warp.grid = self.grid(x);
            } else {
                self.unknown(k, "`warp`", &WARP_KEYS);
            }
        }
        if let Some(span) = any_corner {
            if let [Some(a), Some(b), Some(c), Some(d)] = corners {
                let pinned = [a, b, c, d];
                if Homography::unit_square_to(pinned).is_none() {
                    self.error(span, "the warp's corners make no quad (three on one line)".into(), Some("the corners go bottom_left, bottom_right, top_right, top_left around the picture".into()));
                } else {
                    warp.corners = Some(pinned);
                }
            } else if !bad {
                self.error(
                    span,
                    "a corner pin needs all four corners".into(),
                    Some("give bottom_left, bottom_right, top_right and top_left".into()),
                );
            }
        }
        warp
    }

    /// `grid = [[[x, y], ...], ...]`: rows of points, the bottom row first.
    fn grid(&mut self, v: &Item<'_>) -> Option<Grid> {
        let hint = || {
            Some("`grid` is rows of [x, y] points, bottom row first, e.g. [[[0, 0], [1, 0]], [[0, 1], [1, 1]]]".to_string())
        };
        let DeValue::Array(rows) = v.get_ref() else {
            self.error(
                v.span(),
                format!(
                    "`warp.grid` must be an array of rows, found {}",
                    v.get_ref().type_str()
                ),
                hint(),
            );
            return None;
        };
        let mut points = Vec::new();
        let mut columns = None;
        for row in rows {
            let DeValue::Array(pts) = row.get_ref() else {
                self.error(
                    row.span(),
                    "each row of `warp.grid` must be an array of [x, y] points".into(),
                    hint(),
                );
                return None;
            };
            if *columns.get_or_insert(pts.len()) != pts.len() {
                self.error(
                    row.span(),
                    format!(
                        "every row of `warp.grid` must have as many points as the first ({})",
                        columns.unwrap_or(0)
                    ),
                    None,
                );
                return None;
            }
            for p in pts {
                points.push(self.numbers::<2>(p, "a `warp.grid` point")?);
            }
        }
        let (columns, rows) = (columns.unwrap_or(0), rows.len());
        if columns < 2 || rows < 2 || points.len() > Grid::MAX_POINTS {
            self.error(v.span(), format!("`warp.grid` has {rows} rows of {columns} points: it needs at least 2×2 and at most {} points", Grid::MAX_POINTS), hint());
            return None;
        }
        Some(Grid {
            columns,
            rows,
            points,
        })
    }

    fn blend(&mut self, v: &Item<'_>) -> Option<Blend> {
        let DeValue::Table(t) = v.get_ref() else {
            self.error(
                v.span(),
                format!("`blend` must be a table, found {}", v.get_ref().type_str()),
                Some("`blend = { right = 0.2, gamma = 2.2 }`".into()),
            );
            return None;
        };
        let mut b = Blend::default();
        for (k, x) in t {
            let key = k.get_ref().as_ref();
            let Some(at) = BLEND_KEYS.iter().position(|c| *c == key) else {
                self.unknown(k, "`blend`", &BLEND_KEYS);
                continue;
            };
            let Some(n) = self.number(x, &format!("`blend.{key}`")) else {
                continue;
            };
            let (range, slot) = match at {
                0..=3 => (0.0..=0.5, &mut b.edges[at]),
                4 => (0.1..=10.0, &mut b.gamma),
                _ => (0.0..=0.5, &mut b.black_level),
            };
            if range.contains(&n) {
                *slot = n;
            } else {
                self.error(
                    x.span(),
                    format!(
                        "`blend.{key}` = {n} is out of range {}..{}",
                        range.start(),
                        range.end()
                    ),
                    None,
                );
            }
        }
        Some(b)
    }
}

/// Reads the top-level `window` value (an array of tables) into `desc.outputs`, each
/// problem a located error in `desc.early`.
pub(crate) fn parse_windows(desc: &mut ChainDesc, value: &Item<'_>) {
    let mut r = Reader { desc };
    let DeValue::Array(items) = value.get_ref() else {
        r.error(
            value.span(),
            "`window` must be an array of tables: write `[[window]]`".into(),
            None,
        );
        return;
    };
    if items.len() > MAX_OUTPUTS {
        r.error(
            value.span(),
            format!("{} `[[window]]` tables: at most {MAX_OUTPUTS}", items.len()),
            Some("each is a window of its own; one process drives a few projectors".into()),
        );
        return;
    }
    let outputs: Vec<OutputDesc> = items.iter().filter_map(|t| r.window(t)).collect();
    desc.outputs = outputs;
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "values read from the text as written")]
mod tests {
    use std::path::Path;

    use crate::project::parse_chain;

    #[test]
    fn windows_are_read_with_their_warp_and_blend() {
        let text = "output = \"a\"\n[a]\ntype = \"solid\"\n\n[[window]]\nnode = \"a\"\nmonitor = 1\nsize = [320, 200]\nblend = { right = 0.25, gamma = 2.4 }\n[window.warp]\nbottom_left = [0.1, 0]\nbottom_right = [1, 0]\ntop_right = [1, 1]\ntop_left = [0, 1]\n\n[[window]]\nmonitor = \"HDMI\"\nfullscreen = true\nwarp = { grid = [[[0, 0], [0.5, 0], [1, 0]], [[0, 1], [0.5, 1], [1, 1]]] }\n";
        let d = parse_chain(Path::new("c.toml"), text);
        assert!(d.early.is_empty(), "{:?}", d.early);
        assert_eq!(d.outputs.len(), 2);
        let a = &d.outputs[0];
        assert_eq!(a.node.as_ref().map(|n| n.value.as_str()), Some("a"));
        assert_eq!(a.size, Some([320, 200]));
        assert_eq!(a.blend.edges, [0.0, 0.25, 0.0, 0.0]);
        assert!(a.warp.corners.is_some());
        let b = &d.outputs[1];
        assert!(b.fullscreen);
        assert_eq!(
            b.warp.grid.as_ref().map(|g| (g.columns, g.rows)),
            Some((3, 2))
        );
    }

    #[test]
    fn too_many_windows_are_refused() {
        let text =
            "[a]\ntype = \"solid\"\n".to_string() + &"[[window]]\n".repeat(super::MAX_OUTPUTS + 1);
        let d = parse_chain(Path::new("c.toml"), &text);
        assert!(d.outputs.is_empty());
        assert!(
            d.early.iter().any(|e| e.message.contains("at most 16")),
            "{:?}",
            d.early
        );
    }

    #[test]
    fn bad_windows_are_located() {
        let text = "[a]\ntype = \"solid\"\n[[window]]\nnode = \"a\"\nblend = { rigth = 0.2 }\nwarp = { top_left = [0, 1] }\nmonitr = 2\n";
        let d = parse_chain(Path::new("c.toml"), text);
        let lines: Vec<(usize, &str)> = d
            .early
            .iter()
            .map(|e| (e.line, e.message.as_str()))
            .collect();
        assert!(
            lines.iter().any(|(l, m)| *l == 5 && m.contains("rigth")),
            "{lines:?}"
        );
        assert!(
            lines
                .iter()
                .any(|(l, m)| *l == 6 && m.contains("four corners")),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|(l, m)| *l == 7 && m.contains("monitr")),
            "{lines:?}"
        );
        let hint = d
            .early
            .iter()
            .find(|e| e.message.contains("rigth"))
            .and_then(|e| e.hint.clone());
        assert_eq!(hint.as_deref(), Some("did you mean `right`?"));
    }
}
