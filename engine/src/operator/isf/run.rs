//! Running an ISF file with `PASSES`: each pass is the same shader with its `PASSINDEX`
//! (in the header's `reserved.x`), rendering into its `TARGET` image (a texture the operator
//! owns, sized by `WIDTH`/`HEIGHT`), which later passes — and, when `PERSISTENT`, the next
//! frame's passes — read like an input image. A pass renders into a scratch texture, then
//! a copy puts it in its target (so a pass may read its own target's previous content);
//! the last pass renders into the node's output.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::header::Pass;
use super::imported::ImportedImage;
use crate::Result;
use crate::fullscreen::{FullscreenPass, color_pass};
use crate::gpu::{GpuTexture, PassMode};
use crate::operator::wgsl::{WgslOperator, WgslShader};
use crate::operator::{EncodeCx, FrameHeader, Operator, OperatorInfo, PrepareCx, UniformCx};
use crate::params::{ParamValue, ParamValues};
use crate::resources::{MAX_BOUND_IMAGES, SamplerKind, TextureKey, UniformSlot, UniformWriter};

/// The passes of a translated ISF file, beside its shader.
#[derive(Clone, Debug)]
pub struct Program {
    /// `PASSES` (at least one).
    pub passes: Vec<Pass>,
    /// Target names, in the order they are bound after the input images.
    pub targets: Vec<String>,
    /// Image inputs.
    pub images: usize,
    /// `IMPORTED` image files, bound after the targets.
    pub imported: Vec<std::path::PathBuf>,
    /// Offset in the params block of the local date (`DATE`), when the file reads it.
    pub date: Option<u32>,
    /// `event` inputs: offset in the params block and parameter index. The shader sees
    /// `true` on the frame the parameter turns true, `false` on the others.
    pub events: Vec<(u32, usize)>,
    /// Offset in the params block of Shadertoy's `iMouse`, when the file reads it.
    pub mouse: Option<u32>,
    /// Input names (for `WIDTH`/`HEIGHT` expressions) and their parameter index.
    pub names: Vec<(String, usize)>,
}

/// Programs by shader hash (the factory finds a node's here).
static PROGRAMS: Mutex<Option<HashMap<u64, Arc<Program>>>> = Mutex::new(None);

/// Remembers `program` for the shader of hash `hash`.
pub fn remember(hash: u64, program: Program) {
    let mut g = PROGRAMS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    g.get_or_insert_with(HashMap::new)
        .insert(hash, Arc::new(program));
}

fn program(hash: u64) -> Option<Arc<Program>> {
    let g = PROGRAMS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    g.as_ref().and_then(|m| m.get(&hash).cloned())
}

/// The factory of `type = "isf"` and `type = "shadertoy"`: an [`IsfOperator`] running the
/// file's program (a [`WgslOperator`] if none was remembered for its shader).
#[must_use]
pub fn make(info: &OperatorInfo) -> Option<Box<dyn Operator>> {
    let shader = info.shader.clone()?;
    match program(shader.hash) {
        Some(p) => Some(Box::new(IsfOperator::new(shader, p))),
        None => Some(Box::new(WgslOperator::new(shader))),
    }
}

/// Shadertoy's `iMouse` from the `mouse.*` variables ([`crate::MOUSE_VARIABLES`]): `xy`
/// where the button was last held, `zw` where it was pressed — negated once it is released.
fn shadertoy_mouse(cx: &UniformCx<'_>) -> [f32; 4] {
    let get = |name: &str| {
        cx.variables
            .slot(name)
            .map_or(0.0, |s| cx.vars.get(s) as f32)
    };
    let sign = if get("mouse.down") == 0.0 { -1.0 } else { 1.0 };
    [
        get("mouse.x"),
        get("mouse.y"),
        sign * get("mouse.click_x"),
        sign * get("mouse.click_y"),
    ]
}

/// The compute entry point of a pass storing `Rgba32Float` ([`FLOAT_ENTRY_WGSL`]).
pub const FLOAT_ENTRY: &str = "cs_main_f32";

/// What a translated file with `FLOAT` passes gets besides `cs_main`: an entry storing
/// `shade(uv)` into a 32-bit float output (binding 15 too: a pipeline uses one of them).
pub const FLOAT_ENTRY_WGSL: &str = "
@group(0) @binding(15) var vivid_output_f32: texture_storage_2d<rgba32float, write>;

@compute @workgroup_size(16, 16)
fn cs_main_f32(@builtin(global_invocation_id) id: vec3<u32>) {
    let size = textureDimensions(vivid_output_f32);
    if id.x >= size.x || id.y >= size.y {
        return;
    }
    let uv = (vec2<f32>(id.xy) + 0.5) / vec2<f32>(size);
    textureStore(vivid_output_f32, id.xy, shade(uv));
}
";

/// The local date as ISF's `DATE`: year, month (1..=12), day (1..=31), seconds since
/// midnight — in the system's time zone (UTC if it cannot be found).
#[must_use]
pub fn local_date() -> [f32; 4] {
    let now = jiff::Zoned::now();
    let seconds = f64::from(now.hour()) * 3600.0
        + f64::from(now.minute()) * 60.0
        + f64::from(now.second())
        + f64::from(now.subsec_nanosecond()) * 1e-9;
    [
        f32::from(now.year()),
        f32::from(now.month()),
        f32::from(now.day()),
        seconds as f32,
    ]
}

/// Evaluates a `WIDTH`/`HEIGHT` expression: numbers, `$WIDTH`, `$HEIGHT`, input names,
/// `+ - * /`, parentheses and `floor ceil round abs min max pow`.
#[must_use]
pub fn eval_size(expr: &str, vars: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
    let tokens = tokenize(expr)?;
    let mut at = 0;
    let v = sum(&tokens, &mut at, vars)?;
    (at == tokens.len()).then_some(v)
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Id(String),
    Op(char),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let mut out = Vec::new();
    let cs: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() || c == '.' {
            let start = i;
            while i < cs.len() && (cs[i].is_ascii_digit() || cs[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(
                cs[start..i].iter().collect::<String>().parse().ok()?,
            ));
        } else if c.is_alphabetic() || c == '$' || c == '_' {
            let start = i;
            i += 1;
            while i < cs.len() && (cs[i].is_alphanumeric() || cs[i] == '_') {
                i += 1;
            }
            out.push(Tok::Id(cs[start..i].iter().collect()));
        } else if "+-*/(),".contains(c) {
            out.push(Tok::Op(c));
            i += 1;
        } else {
            return None;
        }
    }
    Some(out)
}

type Vars<'a> = &'a dyn Fn(&str) -> Option<f64>;

fn sum(t: &[Tok], at: &mut usize, vars: Vars<'_>) -> Option<f64> {
    let mut v = product(t, at, vars)?;
    while let Some(Tok::Op(op @ ('+' | '-'))) = t.get(*at) {
        *at += 1;
        let r = product(t, at, vars)?;
        v = if *op == '+' { v + r } else { v - r };
    }
    Some(v)
}

fn product(t: &[Tok], at: &mut usize, vars: Vars<'_>) -> Option<f64> {
    let mut v = unary(t, at, vars)?;
    while let Some(Tok::Op(op @ ('*' | '/'))) = t.get(*at) {
        *at += 1;
        let r = unary(t, at, vars)?;
        v = if *op == '*' { v * r } else { v / r };
    }
    Some(v)
}

fn unary(t: &[Tok], at: &mut usize, vars: Vars<'_>) -> Option<f64> {
    match t.get(*at)? {
        Tok::Op('-') => {
            *at += 1;
            Some(-unary(t, at, vars)?)
        }
        Tok::Op('(') => {
            *at += 1;
            let v = sum(t, at, vars)?;
            (t.get(*at) == Some(&Tok::Op(')'))).then(|| *at += 1)?;
            Some(v)
        }
        Tok::Num(n) => {
            *at += 1;
            Some(*n)
        }
        Tok::Id(name) => {
            *at += 1;
            if t.get(*at) == Some(&Tok::Op('(')) {
                *at += 1;
                let mut args = vec![sum(t, at, vars)?];
                while t.get(*at) == Some(&Tok::Op(',')) {
                    *at += 1;
                    args.push(sum(t, at, vars)?);
                }
                (t.get(*at) == Some(&Tok::Op(')'))).then(|| *at += 1)?;
                let a = args[0];
                let b = args.get(1).copied().unwrap_or(0.0);
                return match name.as_str() {
                    "floor" => Some(a.floor()),
                    "ceil" => Some(a.ceil()),
                    "round" => Some(a.round()),
                    "abs" => Some(a.abs()),
                    "min" => Some(a.min(b)),
                    "max" => Some(a.max(b)),
                    "pow" => Some(a.powf(b)),
                    _ => None,
                };
            }
            vars(name)
        }
        Tok::Op(_) => None,
    }
}

fn number(v: &ParamValue) -> f64 {
    match v {
        ParamValue::Float(f) => f64::from(*f),
        ParamValue::Int(i) => f64::from(*i),
        ParamValue::Bool(b) => f64::from(u8::from(*b)),
        ParamValue::Choice(c) => f64::from(*c),
        other => other.components().first().copied().map_or(0.0, f64::from),
    }
}

/// An ISF operator of several passes or with target buffers.
#[derive(Debug)]
pub struct IsfOperator {
    inner: WgslOperator,
    program: Arc<Program>,
    /// One pass per `PASSES` entry.
    passes: Vec<FullscreenPass>,
    /// Copies scratch → target (compute mode), per pass.
    keeps: Vec<FullscreenPass>,
    /// Per target: its texture.
    targets: Vec<Option<GpuTexture>>,
    /// Per pass with a target: where it renders before the copy.
    scratch: Vec<Option<GpuTexture>>,
    /// Targets to clear before their first use.
    clear: Vec<bool>,
    /// `IMPORTED` images.
    imported: Vec<ImportedImage>,
    /// Per event input: its value at the last frame (it fires when it turns true).
    armed: Vec<bool>,
    headers: Vec<UniformSlot>,
    copy_header: UniformSlot,
    params: UniformSlot,
    keep_by_pass: bool,
    /// Per target: `Rgba32Float` (a `FLOAT` pass writes it and the device filters 32-bit
    /// floats), decided at the first prepare; `None` before.
    float: Option<Vec<bool>>,
}

impl IsfOperator {
    /// An operator running `shader`'s passes as `program` says.
    #[must_use]
    pub fn new(shader: Arc<WgslShader>, program: Arc<Program>) -> Self {
        let n = program.passes.len();
        let mk = || {
            let p = FullscreenPass::new(shader.library_name.clone(), size_of::<FrameHeader>());
            if shader.params_size > 0 {
                p.with_params(shader.params_size as usize)
            } else {
                p
            }
        };
        Self {
            passes: (0..n).map(|_| mk()).collect(),
            keeps: (0..n)
                .map(|_| FullscreenPass::new("engine/copy.wgsl", size_of::<FrameHeader>()))
                .collect(),
            targets: (0..program.targets.len()).map(|_| None).collect(),
            scratch: (0..n).map(|_| None).collect(),
            clear: vec![true; program.targets.len()],
            imported: program
                .imported
                .iter()
                .cloned()
                .map(ImportedImage::new)
                .collect(),
            armed: vec![false; program.events.len()],
            headers: vec![UniformSlot::default(); n],
            copy_header: UniformSlot::default(),
            params: UniformSlot::default(),
            keep_by_pass: false,
            float: None,
            inner: WgslOperator::new(shader),
            program,
        }
    }

    /// Decides which targets are 32-bit float (once: the device does not change under an
    /// operator) and makes their passes store that format.
    fn choose_formats(&mut self, gpu: &crate::gpu::Gpu) {
        if self.float.is_some() {
            return;
        }
        let filterable = gpu
            .device()
            .features()
            .contains(wgpu::Features::FLOAT32_FILTERABLE);
        let mut float = vec![false; self.targets.len()];
        for k in 0..self.passes.len() {
            if let Some(t) = self.target_of(k)
                && self.program.passes[k].float
                && filterable
            {
                float[t] = true;
            }
        }
        for k in 0..self.passes.len() {
            if self.target_of(k).is_some_and(|t| float[t]) {
                let shader = self.inner.shader();
                let mut p =
                    FullscreenPass::new(shader.library_name.clone(), size_of::<FrameHeader>())
                        .with_compute_entry(FLOAT_ENTRY)
                        .with_format(wgpu::TextureFormat::Rgba32Float);
                if shader.params_size > 0 {
                    p = p.with_params(shader.params_size as usize);
                }
                self.passes[k] = p;
            }
        }
        self.float = Some(float);
    }

    fn format_of(&self, target: usize) -> wgpu::TextureFormat {
        if self.is_float(target) {
            wgpu::TextureFormat::Rgba32Float
        } else {
            crate::resources::FULLSCREEN_FORMAT
        }
    }

    fn is_float(&self, target: usize) -> bool {
        self.float
            .as_ref()
            .is_some_and(|f| f.get(target).copied().unwrap_or(false))
    }

    fn target_of(&self, pass: usize) -> Option<usize> {
        let name = self.program.passes[pass].target.as_ref()?;
        self.program.targets.iter().position(|t| t == name)
    }

    /// The size of pass `k`'s target for an output of `size`.
    fn size_of_pass(&self, k: usize, size: (u32, u32), params: &ParamValues) -> (u32, u32) {
        let pass = &self.program.passes[k];
        let vars = |name: &str| match name {
            "$WIDTH" => Some(f64::from(size.0)),
            "$HEIGHT" => Some(f64::from(size.1)),
            _ => {
                let n = name.trim_start_matches('$');
                self.program
                    .names
                    .iter()
                    .find(|(x, _)| x == n)
                    .and_then(|(_, i)| params.get(*i))
                    .map(number)
            }
        };
        let dim = |e: &Option<String>, full: u32| {
            e.as_deref()
                .and_then(|e| eval_size(e, &vars))
                .filter(|v| v.is_finite())
                .map_or(full, |v| v.clamp(1.0, 16384.0) as u32)
        };
        (dim(&pass.width, size.0), dim(&pass.height, size.1))
    }
}

impl Operator for IsfOperator {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        // The params block, packed as a single pass packs it, with the date and the events.
        let date = self.program.date.map(|at| (at as usize, local_date()));
        let mouse = self
            .program
            .mouse
            .map(|at| (at as usize, shadertoy_mouse(cx)));
        let (events, armed) = (&self.program.events, &mut self.armed);
        self.inner
            .write_uniforms_patched(cx, out, &mut |bytes: &mut [u8]| {
                if let Some((at, d)) = date
                    && let Some(dst) = bytes.get_mut(at..at + 16)
                {
                    dst.copy_from_slice(bytemuck::cast_slice(&d));
                }
                if let Some((at, m)) = mouse
                    && let Some(dst) = bytes.get_mut(at..at + 16)
                {
                    dst.copy_from_slice(bytemuck::cast_slice(&m));
                }
                for (k, &(at, spec)) in events.iter().enumerate() {
                    let on = matches!(cx.params.get(spec), Some(ParamValue::Bool(true)));
                    let fire = on && !armed[k];
                    armed[k] = on;
                    if let Some(dst) = bytes.get_mut(at as usize..at as usize + 4) {
                        dst.copy_from_slice(&i32::from(fire).to_le_bytes());
                    }
                }
            });
        self.params = self.inner.params_slot();
        let size = cx.size;
        for k in 0..self.passes.len() {
            let mut h = cx.header();
            let s = if self.target_of(k).is_some() {
                self.size_of_pass(k, size, cx.params)
            } else {
                size
            };
            h.resolution = [s.0 as f32, s.1 as f32];
            h.reserved = [k as f32, 0.0];
            self.headers[k] = out.push(&h);
        }
        self.copy_header = out.push(&cx.header());
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        // Target sizes may depend on inputs: their values select the textures.
        let mut key = 0u64;
        for (_, i) in &self.program.names {
            if let Some(v) = params.get(*i) {
                key = key.rotate_left(7) ^ number(v).to_bits();
            }
        }
        key
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        self.choose_formats(cx.gpu);
        let size = cx.output.size();
        // Target textures: sized by the pass that writes them (first such pass).
        for t in 0..self.targets.len() {
            let pass = (0..self.passes.len()).find(|&k| self.target_of(k) == Some(t));
            let want = pass.map_or(size, |k| self.size_of_pass(k, size, cx.params));
            let key = TextureKey::color_with_format(want.0, want.1, self.format_of(t));
            let tex = match self.targets[t].take() {
                Some(h) if h.size() == want => h,
                other => {
                    if let Some(h) = other {
                        cx.pool.release(h);
                    }
                    self.clear[t] = true;
                    cx.pool.acquire(cx.gpu, key, "vivid.isf.target")
                }
            };
            self.targets[t] = Some(tex);
        }
        for k in 0..self.passes.len() {
            let want = self.target_of(k).and_then(|t| {
                self.targets[t]
                    .as_ref()
                    .map(|h| (h.size(), self.format_of(t)))
            });
            let tex = match (self.scratch[k].take(), want) {
                (Some(h), Some((w, _))) if h.size() == w => Some(h),
                (old, w) => {
                    if let Some(h) = old {
                        cx.pool.release(h);
                    }
                    w.map(|(w, format)| {
                        cx.pool.acquire(
                            cx.gpu,
                            TextureKey::color_with_format(w.0, w.1, format),
                            "vivid.isf.scratch",
                        )
                    })
                }
            };
            self.scratch[k] = tex;
        }
        let images = self.program.images;
        let target_idx: Vec<Option<usize>> =
            (0..self.passes.len()).map(|k| self.target_of(k)).collect();
        let float: Vec<bool> = (0..self.targets.len()).map(|t| self.is_float(t)).collect();
        self.keep_by_pass = cx.gpu.pass_mode() == PassMode::Compute;
        let keep_by_pass = self.keep_by_pass;
        let mut failed = None;
        for i in &mut self.imported {
            if let Err(e) = i.advance(cx) {
                failed = Some(e);
            }
        }
        let (output, dummy, inputs) = (cx.output, cx.dummy, cx.inputs);
        let mut bound: Vec<&GpuTexture> = Vec::with_capacity(MAX_BOUND_IMAGES);
        for i in 0..images {
            bound.push(inputs.get(i).copied().unwrap_or(dummy));
        }
        let Self {
            passes,
            keeps,
            targets,
            scratch,
            imported,
            ..
        } = self;
        bound.extend(targets.iter().flatten());
        bound.extend(imported.iter().map(|i| i.texture().unwrap_or(dummy)));
        for k in 0..passes.len() {
            let dst = scratch[k].as_ref().unwrap_or(output);
            passes[k].prepare(cx, &bound, dst, SamplerKind::LinearClamp)?;
            // A 32-bit float target is copied (the copy pass stores 16-bit floats).
            if keep_by_pass
                && let (Some(t), Some(s)) = (target_idx[k], scratch[k].as_ref())
                && !float[t]
                && let Some(target) = targets[t].as_ref()
            {
                keeps[k].prepare(cx, &[s], target, SamplerKind::NearestClamp)?;
            }
        }
        // The last pass rendered into a target: the output shows it.
        if let Some(t) = target_idx.last().copied().flatten()
            && let Some(target) = targets[t].as_ref()
        {
            if keeps.len() == passes.len() {
                keeps.push(FullscreenPass::new(
                    "engine/copy.wgsl",
                    size_of::<FrameHeader>(),
                ));
            }
            if let Some(show) = keeps.last_mut() {
                show.prepare(cx, &[target], output, SamplerKind::LinearClamp)?;
            }
        }
        match failed {
            // Bound all the same (transparent black for it): the error is shown.
            Some(e) => {
                cx.still_bound = true;
                Err(e)
            }
            None => Ok(()),
        }
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        for (t, clear) in self.clear.iter_mut().enumerate() {
            if *clear && let Some(tex) = &self.targets[t] {
                drop(color_pass(
                    cx.encoder,
                    "vivid.isf.clear",
                    &tex.view,
                    wgpu::LoadOp::Clear(wgpu::Color::TRANSPARENT),
                ));
                *clear = false;
            }
        }
        for k in 0..self.passes.len() {
            if self.inner.has_params() {
                self.passes[k].dispatch_with(cx.encoder, self.headers[k], self.params, cx.name);
            } else {
                self.passes[k].dispatch(cx.encoder, self.headers[k], cx.name);
            }
            let (Some(t), Some(s)) = (self.target_of(k), &self.scratch[k]) else {
                continue;
            };
            let Some(target) = &self.targets[t] else {
                continue;
            };
            if self.keep_by_pass && !self.is_float(t) {
                self.keeps[k].dispatch(cx.encoder, self.copy_header, "vivid.isf.keep");
            } else {
                let (w, h) = s.size();
                cx.encoder.copy_texture_to_texture(
                    s.texture.as_image_copy(),
                    target.texture.as_image_copy(),
                    wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                );
            }
        }
        if self.keeps.len() > self.passes.len()
            && let Some(last) = self.keeps.last()
        {
            last.dispatch(cx.encoder, self.copy_header, "vivid.isf.show");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_expressions_evaluate() {
        let vars = |n: &str| match n {
            "$WIDTH" => Some(640.0),
            "$HEIGHT" => Some(480.0),
            "blur" => Some(4.0),
            _ => None,
        };
        assert_eq!(eval_size("1", &vars), Some(1.0));
        assert_eq!(eval_size("$WIDTH / 4.0", &vars), Some(160.0));
        assert_eq!(eval_size("floor($HEIGHT/(blur+1.0))", &vars), Some(96.0));
        assert_eq!(eval_size("max(1, $WIDTH * 0.25) - 2", &vars), Some(158.0));
        assert_eq!(eval_size("$WIDTH +", &vars), None);
        assert_eq!(eval_size("nope", &vars), None);
    }
}
