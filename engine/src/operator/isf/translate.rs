//! ISF GLSL (ES 2 style: `gl_FragColor`, `texture2D`, `varying`) to GLSL 450, through naga's
//! GLSL front end, and back out as WGSL defining vivid's `fn shade(uv)`.
//!
//! The file's text is kept byte for byte (its header comment and `varying` keywords are
//! blanked with spaces), so an error's offset in the generated GLSL maps back to the `.fs`
//! (or `.vs`) by subtracting where that segment starts. Everything ISF adds is a declaration
//! or a macro in a prelude: images are small integers (`#define inputImage 0`) that
//! `IMG_NORM_PIXEL`/`texture2D` switch on; the uniforms come from vivid's header
//! (`TIME`, `RENDERSIZE`, …) and a `params` block (the inputs), copied into globals of the
//! ISF names at the start of `shade`, which then runs the vertex shader's `main` (when there
//! is one) and the fragment shader's, and returns `gl_FragColor`.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::header::{Header, InputKind};
use crate::error::Diagnostic;
use crate::operator::wgsl::input_binding;
use crate::resources::PARAMS_BINDING;

/// The name the `params` block's struct has in the WGSL written (`vivid__Params` in the
/// GLSL, written by naga's namer with one underscore).
pub const PARAMS_STRUCT: &str = "vivid_Params";

/// The GLSL function vivid's interface calls (named `shade` in the WGSL written).
const WRAPPER: &str = "vivid__shade";

/// Where a stretch of the generated GLSL comes from.
#[derive(Clone, Debug)]
struct Segment {
    at: usize,
    len: usize,
    path: PathBuf,
    text: String,
    /// Where in `text` the segment starts (a moved global initializer's expression).
    offset: usize,
}

/// A global's initializer moved into an init function: the global and where its expression
/// is in the file.
#[derive(Clone, Debug)]
struct MovedInit {
    name: String,
    expr: Range<usize>,
}

/// `text` with its comments and preprocessor lines replaced by spaces (newlines kept).
fn code_only(text: &str) -> Vec<u8> {
    let mut b = text.as_bytes().to_vec();
    let mut i = 0;
    let mut bol = true;
    while i < b.len() {
        let c = b[i];
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                b[i] = b' ';
                i += 1;
            }
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] != b'\n' {
                    b[i] = b' ';
                }
                i += 1;
            }
            for _ in 0..2 {
                if i < b.len() {
                    b[i] = b' ';
                    i += 1;
                }
            }
        } else if c == b'#' && bol {
            // To the end of the line, with `\` continuations.
            while i < b.len() && !(b[i] == b'\n' && (i == 0 || b[i - 1] != b'\\')) {
                if b[i] != b'\n' {
                    b[i] = b' ';
                }
                i += 1;
            }
        } else {
            if c == b'\n' {
                bol = true;
            } else if !c.is_ascii_whitespace() {
                bol = false;
            }
            i += 1;
        }
    }
    b
}

/// Qualifiers of a global that keep its initializer (constants, stage I/O, uniforms).
const KEEP_INIT: &[&str] = &[
    "const",
    "uniform",
    "in",
    "out",
    "varying",
    "attribute",
    "buffer",
    "shared",
    "layout",
    "struct",
    "precision",
];

/// Blanks the initializers of `text`'s global variables (`float s = pow(x, 2.0);` keeps
/// `float s` and spaces) and returns them in order: GLSL runs them before `main`, when the
/// uniforms hold their values, whereas naga would evaluate them once, with none of them.
fn move_global_inits(text: &mut String) -> Vec<MovedInit> {
    let code = code_only(text);
    let mut statements = Vec::new();
    let (mut depth, mut paren, mut start) = (0i32, 0i32, 0usize);
    for (i, &c) in code.iter().enumerate() {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    start = i + 1;
                }
            }
            b'(' | b'[' => paren += 1,
            b')' | b']' => paren -= 1,
            b';' if depth == 0 && paren == 0 => {
                statements.push(start..i);
                start = i + 1;
            }
            _ => {}
        }
    }
    let mut moved = Vec::new();
    for r in statements {
        let st = &code[r.clone()];
        // The first `=` at the top level that is no comparison.
        let (mut level, mut eq) = (0i32, None);
        for (k, &c) in st.iter().enumerate() {
            match c {
                b'(' | b'[' => level += 1,
                b')' | b']' => level -= 1,
                b'=' if level == 0 => {
                    let prev = k.checked_sub(1).map(|p| st[p]);
                    let next = st.get(k + 1).copied();
                    if !matches!(prev, Some(b'=' | b'!' | b'<' | b'>')) && next != Some(b'=') {
                        eq = Some(k);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(eq) = eq else { continue };
        let Ok(lhs) = std::str::from_utf8(&st[..eq]) else {
            continue;
        };
        let rhs = &st[eq + 1..];
        let mut level = 0i32;
        let several = rhs.iter().any(|&c| {
            match c {
                b'(' | b'[' => level += 1,
                b')' | b']' => level -= 1,
                _ => {}
            }
            c == b',' && level == 0
        });
        let lhs = lhs.trim();
        let tokens: Vec<&str> = lhs.split_whitespace().collect();
        let Some(first) = tokens.first() else {
            continue;
        };
        if several || lhs.contains('(') || tokens.len() < 2 || KEEP_INIT.contains(first) {
            continue;
        }
        // The name: the last identifier before an optional `[N]`.
        let name: String = lhs
            .split('[')
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .last()
            .unwrap_or_default()
            .to_string();
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let expr = r.start + eq + 1..r.end;
        blank(text, r.start + eq..r.end);
        moved.push(MovedInit { name, expr });
    }
    moved
}

/// Appends `body` (the text of `original` at `path`, blanked where it was rewritten) as a
/// segment, then, when it had global initializers, an init function `init` running them.
/// Returns whether there is one.
fn push_source(
    p: &mut String,
    segments: &mut Vec<Segment>,
    path: &Path,
    original: &str,
    body: &str,
    init: &str,
) -> bool {
    let mut body = body.to_string();
    let inits = move_global_inits(&mut body);
    segments.push(Segment {
        at: p.len(),
        len: body.len(),
        path: path.to_path_buf(),
        text: original.to_string(),
        offset: 0,
    });
    p.push_str(&body);
    p.push('\n');
    if inits.is_empty() {
        return false;
    }
    let _ = writeln!(p, "void {init}() {{");
    for m in inits {
        let _ = write!(p, "{} = ", m.name);
        segments.push(Segment {
            at: p.len(),
            len: m.expr.len(),
            path: path.to_path_buf(),
            text: original.to_string(),
            offset: m.expr.start,
        });
        p.push_str(&original[m.expr]);
        p.push_str(";\n");
    }
    p.push_str("}\n");
    true
}

/// One uniform of the `params` block.
#[derive(Clone, Debug)]
pub struct Uniform {
    /// Index in the header's inputs.
    pub input: usize,
    /// Stored as one i32 (bool, long, event), else f32s.
    pub int: bool,
    /// Number of components.
    pub components: u32,
}

/// The GLSL 450 made from an ISF file.
#[derive(Clone, Debug)]
pub struct Translated {
    /// The text given to naga.
    pub glsl: String,
    segments: Vec<Segment>,
    /// The index in `segments` of the file's own text (the `.fs`, or the pass's `.glsl`).
    own: usize,
    /// The `params` block's members in order (empty: no block).
    pub uniforms: Vec<Uniform>,
    /// Images bound: the inputs in order (the operator's inputs), then the pass targets.
    pub images: Vec<String>,
    /// How many of `images` are the operator's inputs.
    pub inputs: usize,
    /// How many of `images` are `IMPORTED` (the last ones).
    pub imported: usize,
    /// The file reads `DATE` (or Shadertoy's `iDate`): the operator writes the local date
    /// into `vivid__params.vivid__date` each frame.
    pub uses_date: bool,
    /// A Shadertoy file reading `iMouse`: the operator writes the window's mouse into
    /// `vivid__params.vivid__mouse` each frame.
    pub uses_mouse: bool,
}

/// Replaces `range` of `s` by spaces (newlines kept).
fn blank(s: &mut String, range: Range<usize>) {
    let replaced: String = s[range.clone()]
        .chars()
        .map(|c| {
            if c == '\n' {
                "\n".to_string()
            } else {
                " ".repeat(c.len_utf8())
            }
        })
        .collect();
    s.replace_range(range, &replaced);
}

/// Blanks global `varying`/`in`/`out`/`attribute` keywords at the start of lines (the
/// declaration stays, a plain global) or, with `whole`, the whole declaration line; and
/// `#version` lines.
fn strip_stage_io(text: &mut String, keywords: &[&str], whole: bool) {
    let mut at = 0;
    let lines: Vec<(usize, usize)> = text
        .split_inclusive('\n')
        .map(|l| {
            let r = (at, l.len());
            at += l.len();
            r
        })
        .collect();
    for (start, len) in lines {
        let line = &text[start..start + len];
        let indent = line.len() - line.trim_start().len();
        let rest = line.trim_start();
        if rest.starts_with("#version") {
            blank(text, start..start + len);
            continue;
        }
        let Some(word) = keywords.iter().find(|k| {
            rest.starts_with(**k)
                && rest[k.len()..].starts_with([' ', '\t'])
                && rest.trim_end().ends_with(';')
                && !rest.contains('(')
        }) else {
            continue;
        };
        if whole {
            blank(text, start..start + len);
        } else {
            blank(text, start + indent..start + indent + word.len());
        }
    }
}

/// Translates fragment shader `fs` (at `fs_path`, header `header`) and its vertex shader
/// `vs`, if any.
pub fn translate(
    header: &Header,
    fs_path: &Path,
    fs: &str,
    vs: Option<(&Path, &str)>,
) -> Result<Translated, Diagnostic> {
    translate_as(header, fs_path, fs, vs, None)
}

/// A Shadertoy file and its siblings: `name.glsl` is the Image pass, `name.bufa.glsl` …
/// `name.bufd.glsl` Buffers A–D (rendered in that order before it, each into a buffer of
/// the output's size kept across frames), `name.common.glsl` code shared by every pass.
#[derive(Clone, Debug, Default)]
pub struct ShadertoyFiles {
    /// Common, if there is one.
    pub common: Option<(PathBuf, String)>,
    /// The buffers there are: their letter (`a`..`d`), file and text.
    pub buffers: Vec<(char, PathBuf, String)>,
}

/// The extensions of a Shadertoy file's siblings: buffers A–D, common.
pub const SHADERTOY_BUFFERS: [char; 4] = ['a', 'b', 'c', 'd'];

/// What a pass reads as `iChannel0..3` (`//! iChannel0 = bufa` lines of its file): the
/// names of the images bound (`vivid__input0..3` the operator's inputs, `vivid__buf{a..d}`
/// the buffers). Without a line, `iChannelN` is the operator's input N.
fn channels_of(path: &Path, text: &str, buffers: &[char]) -> Result<[String; 4], Diagnostic> {
    let mut channels: [String; 4] = std::array::from_fn(|n| format!("vivid__input{n}"));
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let start = at;
        at += line.len();
        let Some(rest) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        let Some((key, value)) = rest.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        let Some(n) = key
            .strip_prefix("iChannel")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n < 4)
        else {
            continue;
        };
        let located = |message: String| {
            let col = line.find(value).unwrap_or(0);
            Diagnostic::at_span(path, text, start + col..start + col + value.len().max(1), message)
                .with_hint("write `//! iChannel0 = bufa` (bufa..bufd: a buffer; input0..input3: the operator's inputs)")
        };
        channels[n] = if let Some(b) = value.strip_prefix("buf") {
            match b.chars().next() {
                Some(c) if b.len() == 1 && buffers.contains(&c) => format!("vivid__buf{c}"),
                _ => {
                    return Err(located(format!(
                        "iChannel{n} = {value}: no such buffer beside this file (its buffers: {})",
                        if buffers.is_empty() {
                            "none".to_string()
                        } else {
                            buffers
                                .iter()
                                .map(|c| format!("buf{c}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        }
                    )));
                }
            }
        } else if let Some(i) = value
            .strip_prefix("input")
            .and_then(|i| i.parse::<usize>().ok())
            .filter(|i| *i < 4)
        {
            format!("vivid__input{i}")
        } else {
            return Err(located(format!(
                "iChannel{n} = {value}: not a buffer or an input"
            )));
        };
    }
    Ok(channels)
}

/// One pass of a Shadertoy file set, as the combined translation includes it.
#[derive(Clone, Debug)]
struct StPass {
    path: PathBuf,
    text: String,
    /// Images read as iChannel0..3.
    channels: [String; 4],
    /// Its own top-level names, renamed `vivid__pK_NAME` in the combined text (so that two
    /// passes may define the same function).
    renames: Vec<String>,
}

/// The Shadertoy side of a translation.
#[derive(Clone, Debug, Default)]
struct Shadertoy {
    common: Option<(PathBuf, String)>,
    /// Buffer passes (then the image pass: the file translated itself). Empty: one pass,
    /// `iChannelN` the operator's inputs.
    passes: Vec<StPass>,
    /// The image pass's channels and renames, when there are buffers.
    image: Option<StPass>,
}

fn shadertoy_header(buffers: &[char]) -> Header {
    let image = |name: String| super::header::Input {
        name,
        kind: InputKind::Image,
        default: Vec::new(),
        range: None,
        label: String::new(),
        values: Vec::new(),
        labels: Vec::new(),
    };
    Header {
        inputs: (0..4)
            .map(|i| {
                image(if buffers.is_empty() {
                    format!("iChannel{i}")
                } else {
                    format!("vivid__input{i}")
                })
            })
            .collect(),
        passes: buffers
            .iter()
            .map(|c| super::header::Pass {
                target: Some(format!("vivid__buf{c}")),
                persistent: true,
                // 32-bit float, as Shadertoy's buffers are (where the device filters them).
                float: true,
                ..super::header::Pass::default()
            })
            .chain((!buffers.is_empty()).then(super::header::Pass::default))
            .collect(),
        ..Header::default()
    }
}

/// Translates a Shadertoy image shader (`mainImage(out vec4, in vec2)`, `iTime`,
/// `iChannel0..3`, …) at `path`, with its buffers and common code (see
/// [`ShadertoyFiles`]). Returns the translation and its passes (none: a single pass).
pub fn translate_shadertoy(
    path: &Path,
    text: &str,
    files: &ShadertoyFiles,
) -> Result<(Translated, Vec<super::header::Pass>), Diagnostic> {
    let letters: Vec<char> = files.buffers.iter().map(|(c, _, _)| *c).collect();
    let header = shadertoy_header(&letters);
    if letters.is_empty() {
        let st = Shadertoy {
            common: files.common.clone(),
            ..Shadertoy::default()
        };
        return translate_as(&header, path, text, None, Some(&st)).map(|t| (t, Vec::new()));
    }
    // Each pass alone first: its errors are its own, and its top-level names are found.
    let mut passes = Vec::new();
    let all = files
        .buffers
        .iter()
        .map(|(_, p, t)| (p.as_path(), t.as_str()))
        .chain(std::iter::once((path, text)));
    for (p, t) in all {
        let channels = channels_of(p, t, &letters)?;
        let alone = Shadertoy {
            common: files.common.clone(),
            ..Shadertoy::default()
        };
        let single = translate_as(&shadertoy_header(&[]), p, t, None, Some(&alone))?;
        let renames = single.top_level_names().map_err(|d| {
            d.into_iter()
                .next()
                .unwrap_or_else(|| Diagnostic::file_level(p, ""))
        })?;
        passes.push(StPass {
            path: p.to_path_buf(),
            text: t.to_string(),
            channels,
            renames,
        });
    }
    let image = passes.pop();
    let st = Shadertoy {
        common: files.common.clone(),
        passes,
        image,
    };
    translate_as(&header, path, text, None, Some(&st)).map(|t| (t, header.passes.clone()))
}

fn translate_as(
    header: &Header,
    fs_path: &Path,
    fs: &str,
    vs: Option<(&Path, &str)>,
    st: Option<&Shadertoy>,
) -> Result<Translated, Diagnostic> {
    let shadertoy = st.is_some();
    let mut fs_body = fs.to_string();
    blank(&mut fs_body, header.span.clone());
    strip_stage_io(&mut fs_body, &["varying", "in"], vs.is_some());
    let vs_body = vs.map(|(p, t)| {
        let mut t = t.to_string();
        strip_stage_io(&mut t, &["varying", "out", "attribute"], false);
        (p, t)
    });

    let mut images = Vec::new();
    let mut uniforms = Vec::new();
    let mut p = String::from("#version 450\n");
    p.push_str(
        "layout(set = 0, binding = 0) uniform vivid__Header { vec2 resolution; float time; float frame; float delta; uint inputs; vec2 reserved; } vivid__h;\n\
         layout(set = 0, binding = 1) uniform sampler vivid__samp;\n",
    );
    for (i, input) in header.inputs.iter().enumerate() {
        match input.kind {
            // Audio inputs are images too (ISF: `audio` a waveform, width the samples;
            // `audioFFT` a spectrum, width the bins): the node's input in that place, an
            // `audio_waveform` or `audio_spectrum` node; unconnected, silence (zeros).
            InputKind::Image | InputKind::Audio => images.push(input.name.clone()),
            InputKind::Float => uniforms.push(Uniform {
                input: i,
                int: false,
                components: 1,
            }),
            InputKind::Bool | InputKind::Event | InputKind::Long => {
                uniforms.push(Uniform {
                    input: i,
                    int: true,
                    components: 1,
                });
            }
            InputKind::Color => uniforms.push(Uniform {
                input: i,
                int: false,
                components: 4,
            }),
            InputKind::Point2D => {
                uniforms.push(Uniform {
                    input: i,
                    int: false,
                    components: 2,
                });
            }
        }
    }
    let n_inputs = images.len();
    for p in &header.passes {
        if let Some(t) = &p.target
            && !images.contains(t)
        {
            images.push(t.clone());
        }
    }
    let n_targets = images.len() - n_inputs;
    for imported in &header.imported {
        if !images.contains(&imported.name) {
            images.push(imported.name.clone());
        }
    }
    let max = crate::resources::MAX_BOUND_IMAGES;
    if images.len() > max {
        return Err(Diagnostic::file_level(
            fs_path,
            format!(
                "{n_inputs} image inputs, {n_targets} pass targets and {} IMPORTED images: vivid binds at most {max} images",
                images.len() - n_inputs - n_targets
            ),
        ));
    }
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "layout(set = 0, binding = {}) uniform texture2D vivid__image{i};",
            input_binding(i as u32)
        );
    }
    // The inputs, then the local date (written by the operator each frame).
    let _ = write!(
        p,
        "layout(set = 0, binding = {PARAMS_BINDING}) uniform vivid__Params {{"
    );
    for u in &uniforms {
        let ty = glsl_type(u);
        let _ = write!(p, " {ty} {};", header.inputs[u.input].name);
    }
    p.push_str(" vec4 vivid__date; vec4 vivid__mouse; } vivid__params;\n");
    // ISF's uniforms, as globals set by `shade`.
    p.push_str(
        "float TIME; float TIMEDELTA; int FRAMEINDEX; int PASSINDEX; vec2 RENDERSIZE; vec4 DATE;\n\
         vec2 isf_FragNormCoord; vec4 vivid__FragCoord; vec4 vivid__FragColor; vec4 vivid__Position;\n",
    );
    for u in &uniforms {
        let input = &header.inputs[u.input];
        let ty = match input.kind {
            InputKind::Bool | InputKind::Event => "bool",
            _ => glsl_type(u),
        };
        let _ = writeln!(p, "{ty} {};", input.name);
    }
    // Images: sampling by index (flipped: ISF's origin is the bottom left).
    p.push_str("vec4 vivid__sample(int vivid__i, vec2 vivid__c) {\n    vec2 vivid__t = vec2(vivid__c.x, 1.0 - vivid__c.y);\n");
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "    if (vivid__i == {i}) {{ return textureLod(sampler2D(vivid__image{i}, vivid__samp), vivid__t, 0.0); }}"
        );
    }
    p.push_str("    return vec4(0.0);\n}\nvec2 vivid__size(int vivid__i) {\n");
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "    if (vivid__i == {i}) {{ return vec2(textureSize(sampler2D(vivid__image{i}, vivid__samp), 0)); }}"
        );
    }
    p.push_str(
        "    return RENDERSIZE;\n}\n\
         vec4 vivid__sample_rect(int vivid__i, vec2 vivid__c) { return vivid__sample(vivid__i, vivid__c / vivid__size(vivid__i)); }\n\
         vec4 vivid__sample_proj(int vivid__i, vec3 vivid__c) { return vivid__sample(vivid__i, vivid__c.xy / vivid__c.z); }\n\
         vec4 vivid__sample_bias(int vivid__i, vec2 vivid__c, float vivid__b) { return vivid__sample(vivid__i, vivid__c); }\n\
         void isf_vertShaderInit() {}\n",
    );
    for (i, name) in images.iter().enumerate() {
        // ISF v1's per-image uniforms.
        let _ = writeln!(
            p,
            "vec4 _{name}_imgRect; vec2 _{name}_imgSize; bool _{name}_flip;\nconst int {name} = {i};"
        );
    }
    p.push_str(
        "#define sampler2D int\n#define sampler2DRect int\n\
         #define texture2D vivid__sample\n#define texture2DRect vivid__sample_rect\n\
         #define texture2DProj vivid__sample_proj\n\
         #define IMG_NORM_PIXEL(i, c) vivid__sample(i, c)\n\
         #define IMG_PIXEL(i, c) vivid__sample_rect(i, c)\n\
         #define IMG_THIS_PIXEL(i) vivid__sample(i, isf_FragNormCoord)\n\
         #define IMG_THIS_NORM_PIXEL(i) vivid__sample(i, isf_FragNormCoord)\n\
         #define IMG_SIZE(i) vivid__size(i)\n\
         #define gl_FragColor vivid__FragColor\n#define gl_FragCoord vivid__FragCoord\n\
         #define gl_Position vivid__Position\n\
         #define vv_FragNormCoord isf_FragNormCoord\n#define vv_vertShaderInit isf_vertShaderInit\n",
    );
    if shadertoy {
        p.push_str(
            "vec3 iResolution; float iTime; float iTimeDelta; float iFrameRate; int iFrame;\n\
             vec4 iMouse; vec4 iDate; vec3 iChannelResolution[4]; float iChannelTime[4];\n\
             #define texture vivid__sample\n#define textureLod(i, c, l) vivid__sample(i, c)\n\
             #define texelFetch(i, c, l) vivid__sample_rect(i, vec2(c) + 0.5)\n",
        );
    }
    let mut segments = Vec::new();
    // Init functions of the global initializers: always called, or by pass.
    let mut inits = Vec::new();
    let mut pass_inits = Vec::new();
    if let Some((path, text)) = &vs_body {
        p.push_str("#define main vivid__vs_main\n");
        let original = vs.map(|(_, t)| t).unwrap_or_default();
        if push_source(
            &mut p,
            &mut segments,
            path,
            original,
            text,
            "vivid__init_vs",
        ) {
            inits.push("vivid__init_vs".to_string());
        }
        p.push_str("#undef main\n");
    }
    if let Some((path, text)) = st.and_then(|st| st.common.as_ref())
        && push_source(
            &mut p,
            &mut segments,
            path,
            text,
            text,
            "vivid__init_common",
        )
    {
        inits.push("vivid__init_common".to_string());
    }
    // Shadertoy buffers: each pass's names and channels renamed around its text.
    let st_passes: Vec<&StPass> = st
        .map(|st| st.passes.iter().chain(st.image.as_ref()).collect())
        .unwrap_or_default();
    let wrap = |p: &mut String, k: usize, pass: &StPass, open: bool| {
        for name in &pass.renames {
            if open {
                let _ = writeln!(p, "#define {name} vivid__p{k}_{name}");
            } else {
                let _ = writeln!(p, "#undef {name}");
            }
        }
        for (n, image) in pass.channels.iter().enumerate() {
            if open {
                let _ = writeln!(p, "#define iChannel{n} {image}");
            } else {
                let _ = writeln!(p, "#undef iChannel{n}");
            }
        }
    };
    for (k, pass) in st_passes
        .iter()
        .enumerate()
        .take(st_passes.len().saturating_sub(1))
    {
        wrap(&mut p, k, pass, true);
        let init = format!("vivid__init_p{k}");
        let has = push_source(
            &mut p,
            &mut segments,
            &pass.path,
            &pass.text,
            &pass.text,
            &init,
        );
        pass_inits.push(has.then_some(init));
        wrap(&mut p, k, pass, false);
    }
    let image_pass = st_passes.len().checked_sub(1).map(|k| (k, st_passes[k]));
    if let Some((k, pass)) = image_pass {
        wrap(&mut p, k, pass, true);
    }
    p.push_str("#define main vivid__main\n");
    let own = segments.len();
    let init = match image_pass {
        Some((k, _)) => format!("vivid__init_p{k}"),
        None => "vivid__init_fs".to_string(),
    };
    let has = push_source(&mut p, &mut segments, fs_path, fs, &fs_body, &init);
    match image_pass {
        Some(_) => pass_inits.push(has.then_some(init)),
        None if has => inits.push(init),
        None => {}
    }
    if let Some((k, pass)) = image_pass {
        wrap(&mut p, k, pass, false);
    }
    p.push_str(
        "#undef main\nvec4 vivid__shade(vec2 vivid__uv) {\n\
         isf_FragNormCoord = vec2(vivid__uv.x, 1.0 - vivid__uv.y);\n\
         RENDERSIZE = vivid__h.resolution; TIME = vivid__h.time; TIMEDELTA = vivid__h.delta;\n\
         FRAMEINDEX = int(vivid__h.frame); PASSINDEX = int(vivid__h.reserved.x); DATE = vivid__params.vivid__date;\n\
         vivid__FragCoord = vec4(isf_FragNormCoord * RENDERSIZE, 0.0, 1.0);\n\
         vivid__FragColor = vec4(0.0);\n",
    );
    for (i, name) in images.iter().enumerate() {
        let _ = writeln!(
            p,
            "_{name}_imgSize = vivid__size({i}); _{name}_imgRect = vec4(0.0, 0.0, _{name}_imgSize); _{name}_flip = false;"
        );
    }
    for u in &uniforms {
        let input = &header.inputs[u.input];
        let n = &input.name;
        match input.kind {
            InputKind::Bool | InputKind::Event => {
                let _ = writeln!(p, "{n} = vivid__params.{n} != 0;");
            }
            InputKind::Long if !input.values.is_empty() => {
                // The parameter is the index of the choice; the shader gets its value.
                let mut e = input.values.last().copied().unwrap_or(0).to_string();
                for (k, v) in input.values.iter().enumerate().rev().skip(1) {
                    e = format!("(vivid__params.{n} == {k} ? {v} : {e})");
                }
                let _ = writeln!(p, "{n} = {e};");
            }
            _ => {
                let _ = writeln!(p, "{n} = vivid__params.{n};");
            }
        }
    }
    if shadertoy {
        p.push_str(
            "iResolution = vec3(RENDERSIZE, 1.0); iTime = TIME; iTimeDelta = TIMEDELTA;\n\
             iFrameRate = TIMEDELTA > 0.0 ? 1.0 / TIMEDELTA : 60.0; iFrame = FRAMEINDEX;\n\
             iMouse = vivid__params.vivid__mouse; iDate = vec4(DATE.x, DATE.y - 1.0, DATE.zw);\n\
             for (int vivid__k = 0; vivid__k < 4; vivid__k++) { iChannelResolution[vivid__k] = vec3(vivid__size(vivid__k), 1.0); iChannelTime[vivid__k] = TIME; }\n",
        );
    }
    // The globals' initializers, once every uniform holds its value (as GLSL runs them).
    for init in &inits {
        let _ = writeln!(p, "{init}();");
    }
    if vs_body.is_some() {
        p.push_str("vivid__vs_main();\n");
    }
    if shadertoy {
        if st_passes.is_empty() {
            p.push_str("mainImage(vivid__FragColor, vivid__FragCoord.xy);\n");
        }
        for (k, pass) in st_passes.iter().enumerate() {
            let _ = write!(p, "if (PASSINDEX == {k}) {{ ");
            for (n, image) in pass.channels.iter().enumerate() {
                let _ = write!(
                    p,
                    "iChannelResolution[{n}] = vec3(vivid__size({image}), 1.0); "
                );
            }
            if let Some(Some(init)) = pass_inits.get(k) {
                let _ = write!(p, "{init}(); ");
            }
            let main = if pass.renames.iter().any(|r| r == "mainImage") {
                format!("vivid__p{k}_mainImage")
            } else {
                "mainImage".to_string()
            };
            let _ = writeln!(p, "{main}(vivid__FragColor, vivid__FragCoord.xy); }}");
        }
    } else {
        p.push_str("vivid__main();\n");
    }
    p.push_str("return vivid__FragColor;\n}\nvoid main() {}\n");
    Ok(Translated {
        glsl: p,
        own,
        segments,
        uniforms,
        imported: images.len() - n_inputs - n_targets,
        uses_date: fs.contains(if shadertoy { "iDate" } else { "DATE" })
            || vs.is_some_and(|(_, t)| t.contains("DATE"))
            || st_passes.iter().any(|p| p.text.contains("iDate"))
            || st
                .and_then(|s| s.common.as_ref())
                .is_some_and(|(_, t)| t.contains("iDate")),
        uses_mouse: shadertoy
            && (fs.contains("iMouse")
                || st_passes.iter().any(|p| p.text.contains("iMouse"))
                || st
                    .and_then(|s| s.common.as_ref())
                    .is_some_and(|(_, t)| t.contains("iMouse"))),
        images,
        inputs: n_inputs,
    })
}

fn glsl_type(u: &Uniform) -> &'static str {
    match (u.int, u.components) {
        (true, _) => "int",
        (false, 2) => "vec2",
        (false, 4) => "vec4",
        _ => "float",
    }
}

/// `message` with vivid's generated names as the file wrote them (`vivid__main` is `main`).
fn user_names(message: &str) -> String {
    message
        .replace("vivid__vs_main", "main")
        .replace("vivid__main", "main")
        .replace("vivid__", "")
}

impl Translated {
    /// The names the file's own text (its last segment) defines at the top level: functions,
    /// globals, constants and structs — parsed alone, with their located errors.
    fn top_level_names(&self) -> Result<Vec<String>, Vec<Diagnostic>> {
        let module = self.parse()?;
        let Some(own) = self.segments.get(self.own) else {
            return Ok(Vec::new());
        };
        let mine = |span: naga::Span| {
            span.to_range()
                .is_some_and(|r| r.start >= own.at && r.start < own.at + own.len.max(1))
        };
        let mut names = Vec::new();
        for (h, f) in module.functions.iter() {
            if let Some(n) = &f.name
                && mine(module.functions.get_span(h))
            {
                names.push(n.clone());
            }
        }
        for (h, g) in module.global_variables.iter() {
            if let Some(n) = &g.name
                && mine(module.global_variables.get_span(h))
            {
                names.push(n.clone());
            }
        }
        for (h, c) in module.constants.iter() {
            if let Some(n) = &c.name
                && mine(module.constants.get_span(h))
            {
                names.push(n.clone());
            }
        }
        for (h, t) in module.types.iter() {
            if let (Some(n), naga::TypeInner::Struct { .. }) = (&t.name, &t.inner)
                && mine(module.types.get_span(h))
            {
                names.push(n.clone());
            }
        }
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// Parses the GLSL with naga's GLSL front end.
    fn parse(&self) -> Result<naga::Module, Vec<Diagnostic>> {
        let mut frontend = naga::front::glsl::Frontend::default();
        let options = naga::front::glsl::Options::from(naga::ShaderStage::Fragment);
        frontend.parse(&options, &self.glsl).map_err(|e| {
            e.errors
                .iter()
                .map(|e| self.locate(e.meta.to_range(), &user_names(&e.kind.to_string())))
                .collect::<Vec<_>>()
        })
    }

    /// Whether offset `at` of the generated GLSL is the user's (the `.fs` or `.vs`).
    fn in_user_code(&self, at: usize) -> bool {
        self.segments
            .iter()
            .any(|s| at >= s.at && at < s.at + s.len.max(1))
    }

    /// A diagnostic at `span` of the generated GLSL, located in the file it came from.
    #[must_use]
    pub fn locate(&self, span: Option<Range<usize>>, message: &str) -> Diagnostic {
        if let Some(r) = &span {
            for s in &self.segments {
                if r.start >= s.at && r.start < s.at + s.len.max(1) {
                    let start = r.start - s.at + s.offset;
                    let end = (r.end.max(r.start + 1) - s.at + s.offset)
                        .min(s.text.len())
                        .max(start);
                    return Diagnostic::at_span(&s.path, &s.text, start..end, message);
                }
            }
        }
        let path = self
            .segments
            .last()
            .map(|s| s.path.clone())
            .unwrap_or_default();
        let near = span
            .and_then(|r| {
                let line = self.glsl[..r.start.min(self.glsl.len())].lines().count();
                self.glsl
                    .lines()
                    .nth(line.saturating_sub(1))
                    .map(str::trim)
                    .map(str::to_string)
            })
            .map_or_else(String::new, |l| {
                format!(" (in vivid's generated code: `{l}`)")
            });
        Diagnostic::file_level(path, format!("{message}{near}"))
    }

    /// Compiles the GLSL with naga's GLSL front end and writes it as WGSL (its own bindings
    /// and `fn shade(uv)`, no entry point: vivid's call it).
    pub fn to_wgsl(&self) -> Result<String, Vec<Diagnostic>> {
        let mut module = self.parse()?;
        // vivid's entry points (compute on GPUs, fragment on CPU drivers) call `shade`.
        module.entry_points.clear();
        super::fixup::fix_returns(&mut module);
        super::fixup::rename(&mut module, WRAPPER);
        // vivid's bounds on a project's shader, checked here where naga's spans are the
        // file's (composing the WGSL checks them again, at the WGSL's places).
        if let Err(v) =
            crate::shaders::limits::check(&module, &crate::shaders::ShaderLimits::DEFAULT)
        {
            return Err(vec![
                self.locate(v.span.to_range(), &user_names(&v.message))
                    .with_hint(v.hint),
            ]);
        }
        // The loop guard: the WGSL written here is registered untrusted
        // (`ShaderLibrary::register_text`), so composing it bounds the module and guards
        // its loops (`shaders::harden`) before anything reaches the driver.
        let info = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .map_err(|e| {
            // The innermost place (the statement, not the whole function) and the whole
            // chain of causes, in the file's own names.
            let span = e
                .spans()
                .filter_map(|(s, _)| s.to_range())
                .filter(|r| self.in_user_code(r.start))
                .last()
                .or_else(|| e.spans().next().and_then(|(s, _)| s.to_range()));
            let mut message = e.as_inner().to_string();
            let mut cause = std::error::Error::source(e.as_inner());
            while let Some(c) = cause {
                message = format!("{message}: {c}");
                cause = c.source();
            }
            vec![self.locate(span, &user_names(&message))]
        })?;
        naga::back::wgsl::write_string(&module, &info, naga::back::wgsl::WriterFlags::empty())
            .map_err(|e| vec![self.locate(None, &format!("writing WGSL: {e}"))])
    }
}
