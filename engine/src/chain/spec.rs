//! The validated chain ([`ChainSpec`], [`NodeSpec`]) and its sizes (`size = [w, h]`, images').

use std::path::Path;
use std::sync::Arc;

use crate::operator::OperatorInfo;
use crate::params::{ParamSource, RawValue};

/// Resolution of operators that have neither `size` nor an input.
pub(crate) const DEFAULT_SIZE: [u32; 2] = [1280, 720];

/// A validated operator.
#[derive(Clone, Debug)]
pub struct NodeSpec {
    /// Instance name.
    pub name: String,
    /// Its type.
    pub info: Arc<OperatorInfo>,
    /// Names of its inputs, in order.
    pub inputs: Vec<String>,
    /// Explicit output size.
    pub size: Option<[u32; 2]>,
    /// The size its file gives it when `size` is not given: the pixel size of the picture an
    /// image file parameter names ([`FileKind::Image`](crate::params::FileKind::Image)).
    pub natural_size: Option<[u32; 2]>,
    /// Parameters given explicitly: (index into `info.params`, source).
    pub params: Vec<(usize, ParamSource)>,
    /// Per parameter (by index): the nodes a reference parameter names (`camera`,
    /// `meshes`...), as indices into [`ChainSpec::nodes`]; empty for other parameters.
    pub refs: Vec<Vec<usize>>,
}

impl NodeSpec {
    /// Whether it is a scene node (no output texture).
    #[must_use]
    pub fn is_scene(&self) -> bool {
        self.info.scene.is_some()
    }
}

/// A validated chain.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    /// Operators in file order.
    pub nodes: Vec<NodeSpec>,
    /// Indices of `nodes` in an order where inputs come first.
    pub order: Vec<usize>,
    /// Index of the output node.
    pub output: usize,
    /// Resolution of nodes without `size` and inputs.
    pub default_size: [u32; 2],
    /// The `[[window]]` outputs, each with the index of the node it shows; none: one
    /// output showing `output`.
    pub outputs: Vec<OutputSpec>,
    /// The `[bindings]`, checked.
    pub bindings: Vec<super::BindingSpec>,
}

/// A validated `[[window]]`: the node it shows and how.
#[derive(Clone, Debug)]
pub struct OutputSpec {
    /// Index of the node shown.
    pub node: usize,
    /// The table as written.
    pub desc: super::OutputDesc,
}

impl ChainSpec {
    /// The node the first output shows (and `--snapshot` reads): the first `[[window]]`'s
    /// node, else `output`.
    #[must_use]
    pub fn main_node(&self) -> usize {
        self.outputs.first().map_or(self.output, |o| o.node)
    }

    /// The node output `i` shows, with `main` shown by the first (the main node or a node
    /// soloed there); `None` past the outputs (at least one output exists).
    #[must_use]
    pub fn output_node(&self, i: usize, main: usize) -> Option<usize> {
        match i {
            0 => Some(main),
            _ => self.outputs.get(i).map(|o| o.node),
        }
    }

    /// Every node an output shows, the first output showing `main`: their textures live
    /// to the end of the frame.
    #[must_use]
    pub fn shown_nodes(&self, main: usize) -> Vec<usize> {
        let mut v = vec![main];
        v.extend(self.outputs.iter().skip(1).map(|o| o.node));
        v
    }

    /// Index of the node named `name`.
    #[must_use]
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Output size of every node (by index), from `size`, its file (an image's pixel
    /// size), the first input, or the default.
    #[must_use]
    pub fn sizes(&self) -> Vec<[u32; 2]> {
        let mut sizes = vec![self.default_size; self.nodes.len()];
        for &i in &self.order {
            let n = &self.nodes[i];
            sizes[i] = match (n.size.or(n.natural_size), n.inputs.first()) {
                _ if n.info.scene.is_some() => [0, 0],
                (Some(s), _) => s,
                (None, Some(first)) => self.index_of(first).map_or(self.default_size, |j| sizes[j]),
                (None, None) => self.default_size,
            };
        }
        sizes
    }

    /// Scales every explicit size (and the default, and the sizes files give, which become
    /// explicit) so that the output becomes `target`.
    /// Relative sizes inside the chain are kept; `--size` uses this.
    pub fn fit_output_to(&mut self, target: [u32; 2]) {
        let natural = self.sizes()[self.output];
        let sx = f64::from(target[0]) / f64::from(natural[0].max(1));
        let sy = f64::from(target[1]) / f64::from(natural[1].max(1));
        let scale = |s: [u32; 2]| -> [u32; 2] {
            [
                ((f64::from(s[0]) * sx).round() as u32).max(1),
                ((f64::from(s[1]) * sy).round() as u32).max(1),
            ]
        };
        for n in &mut self.nodes {
            // A size a file gave becomes explicit: a new version of the file with other
            // dimensions is then fitted into it, and `target` holds.
            n.size = n.size.or(n.natural_size).map(scale);
        }
        self.default_size = scale(self.default_size);
    }
}

/// The pixel size of the image file at `path` (read from its header, by the rules of
/// `files`), if the GPU can hold it (its sides and vivid's picture budget); otherwise what is
/// wrong, naming the file.
pub(crate) fn image_pixel_size(
    files: &crate::files::FileRules,
    path: &Path,
    max_side: u32,
) -> Result<[u32; 2], String> {
    let (w, h) = crate::params::image_size(files, path)?;
    crate::resources::budget::check_picture(w, h, max_side)
        .map_err(|m| format!("{} is {m}", path.display()))?;
    Ok([w, h])
}

/// `[w, h]` with 1 <= w, h <= `max_side`.
pub fn parse_size(raw: &RawValue, max_side: u32) -> Result<[u32; 2], String> {
    let RawValue::Array(items) = raw else {
        return Err(format!(
            "expected [width, height] in pixels, found {}",
            raw.type_name()
        ));
    };
    let side = |v: &RawValue| match v {
        RawValue::Int(i) => Ok(*i),
        RawValue::Float(f) if f.fract() == 0.0 && f.is_finite() => Ok(*f as i64),
        other => Err(format!(
            "expected whole numbers of pixels, found {}",
            other.type_name()
        )),
    };
    if items.len() != 2 {
        return Err(format!(
            "expected [width, height], found {} values",
            items.len()
        ));
    }
    let (w, h) = (side(&items[0])?, side(&items[1])?);
    let ok = |x: i64| x >= 1 && x <= i64::from(max_side);
    if !ok(w) || !ok(h) {
        return Err(format!(
            "{w}x{h} is not a valid size: each side must be 1..={max_side} (the GPU's max_texture_dimension_2d)"
        ));
    }
    Ok([w as u32, h as u32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_and_check_limits() {
        let s = |w: i64, h: i64| RawValue::Array(vec![RawValue::Int(w), RawValue::Int(h)]);
        assert_eq!(parse_size(&s(640, 480), 8192), Ok([640, 480]));
        assert!(parse_size(&s(0, 480), 8192).is_err());
        assert!(
            parse_size(&s(100_000, 480), 8192)
                .expect_err("too big")
                .contains("8192")
        );
        assert!(parse_size(&RawValue::Int(3), 8192).is_err());
    }
}
