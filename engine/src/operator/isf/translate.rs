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

/// Where a stretch of the generated GLSL comes from.
#[derive(Clone, Debug)]
struct Segment {
    at: usize,
    len: usize,
    path: PathBuf,
    text: String,
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
    /// The `params` block's members in order (empty: no block).
    pub uniforms: Vec<Uniform>,
    /// Images bound: the inputs in order (the operator's inputs), then the pass targets.
    pub images: Vec<String>,
    /// How many of `images` are the operator's inputs.
    pub inputs: usize,
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
    translate_as(header, fs_path, fs, vs, false)
}

/// Translates a Shadertoy image shader (`mainImage(out vec4, in vec2)`, `iTime`,
/// `iChannel0..3`, …) at `path`.
pub fn translate_shadertoy(path: &Path, text: &str) -> Result<Translated, Diagnostic> {
    let header = Header {
        inputs: (0..4)
            .map(|i| super::header::Input {
                name: format!("iChannel{i}"),
                kind: InputKind::Image,
                default: Vec::new(),
                range: None,
                label: String::new(),
                values: Vec::new(),
                labels: Vec::new(),
            })
            .collect(),
        ..Header::default()
    };
    translate_as(&header, path, text, None, true)
}

fn translate_as(
    header: &Header,
    fs_path: &Path,
    fs: &str,
    vs: Option<(&Path, &str)>,
    shadertoy: bool,
) -> Result<Translated, Diagnostic> {
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
        "layout(set = 0, binding = 0) uniform IsfHeader { vec2 isf_resolution; float isf_time; float isf_frame; float isf_delta; uint isf_inputs; vec2 isf_reserved; } vivid;\n\
         layout(set = 0, binding = 1) uniform sampler samp;\n",
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
    let max = crate::operator::MAX_INPUTS;
    if images.len() > max {
        return Err(Diagnostic::file_level(
            fs_path,
            format!(
                "{n_inputs} image inputs and {} pass targets: vivid binds at most {max} images",
                images.len() - n_inputs
            ),
        ));
    }
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "layout(set = 0, binding = {}) uniform texture2D isf_image_{i}_t;",
            input_binding(i as u32)
        );
    }
    if !uniforms.is_empty() {
        let _ = write!(
            p,
            "layout(set = 0, binding = {PARAMS_BINDING}) uniform IsfParams {{"
        );
        for u in &uniforms {
            let ty = glsl_type(u);
            let _ = write!(p, " {ty} {};", header.inputs[u.input].name);
        }
        p.push_str(" } params;\n");
    }
    // ISF's uniforms, as globals set by `shade`.
    p.push_str(
        "float TIME; float TIMEDELTA; int FRAMEINDEX; int PASSINDEX; vec2 RENDERSIZE; vec4 DATE;\n\
         vec2 isf_FragNormCoord; vec4 isf_FragCoord; vec4 isf_FragColor; vec4 isf_Position;\n",
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
    p.push_str("vec4 isf_sample(int i, vec2 c) {\n    vec2 t = vec2(c.x, 1.0 - c.y);\n");
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "    if (i == {i}) {{ return textureLod(sampler2D(isf_image_{i}_t, samp), t, 0.0); }}"
        );
    }
    p.push_str("    return vec4(0.0);\n}\nvec2 isf_size(int i) {\n");
    for i in 0..images.len() {
        let _ = writeln!(
            p,
            "    if (i == {i}) {{ return vec2(textureSize(sampler2D(isf_image_{i}_t, samp), 0)); }}"
        );
    }
    p.push_str(
        "    return RENDERSIZE;\n}\n\
         vec4 isf_sample_rect(int i, vec2 c) { return isf_sample(i, c / isf_size(i)); }\n\
         vec4 isf_sample_proj(int i, vec3 c) { return isf_sample(i, c.xy / c.z); }\n\
         vec4 isf_sample_bias(int i, vec2 c, float b) { return isf_sample(i, c); }\n\
         void isf_vertShaderInit() {}\n",
    );
    for (i, name) in images.iter().enumerate() {
        // ISF v1's per-image uniforms.
        let _ = writeln!(
            p,
            "vec4 _{name}_imgRect; vec2 _{name}_imgSize; bool _{name}_flip;\n#define {name} {i}"
        );
    }
    p.push_str(
        "#define sampler2D int\n#define sampler2DRect int\n\
         #define texture2D isf_sample\n#define texture2DRect isf_sample_rect\n\
         #define texture2DProj isf_sample_proj\n\
         #define IMG_NORM_PIXEL(i, c) isf_sample(i, c)\n\
         #define IMG_PIXEL(i, c) isf_sample_rect(i, c)\n\
         #define IMG_THIS_PIXEL(i) isf_sample(i, isf_FragNormCoord)\n\
         #define IMG_THIS_NORM_PIXEL(i) isf_sample(i, isf_FragNormCoord)\n\
         #define IMG_SIZE(i) isf_size(i)\n\
         #define gl_FragColor isf_FragColor\n#define gl_FragCoord isf_FragCoord\n\
         #define gl_Position isf_Position\n\
         #define vv_FragNormCoord isf_FragNormCoord\n#define vv_vertShaderInit isf_vertShaderInit\n",
    );
    if shadertoy {
        p.push_str(
            "vec3 iResolution; float iTime; float iTimeDelta; float iFrameRate; int iFrame;\n\
             vec4 iMouse; vec4 iDate; vec3 iChannelResolution[4]; float iChannelTime[4];\n\
             #define texture isf_sample\n#define textureLod(i, c, l) isf_sample(i, c)\n\
             #define texelFetch(i, c, l) isf_sample_rect(i, vec2(c) + 0.5)\n",
        );
    }
    let mut segments = Vec::new();
    if let Some((path, text)) = &vs_body {
        p.push_str("#define main isf_vs_main\n");
        segments.push(Segment {
            at: p.len(),
            len: text.len(),
            path: path.to_path_buf(),
            text: vs.map(|(_, t)| t.to_string()).unwrap_or_default(),
        });
        p.push_str(text);
        p.push_str("\n#undef main\n");
    }
    p.push_str("#define main isf_main\n");
    segments.push(Segment {
        at: p.len(),
        len: fs_body.len(),
        path: fs_path.to_path_buf(),
        text: fs.to_string(),
    });
    p.push_str(&fs_body);
    p.push_str(
        "\n#undef main\nvec4 shade(vec2 uv) {\n\
         isf_FragNormCoord = vec2(uv.x, 1.0 - uv.y);\n\
         RENDERSIZE = vivid.isf_resolution; TIME = vivid.isf_time; TIMEDELTA = vivid.isf_delta;\n\
         FRAMEINDEX = int(vivid.isf_frame); PASSINDEX = int(vivid.isf_reserved.x); DATE = vec4(0.0);\n\
         isf_FragCoord = vec4(isf_FragNormCoord * RENDERSIZE, 0.0, 1.0);\n\
         isf_FragColor = vec4(0.0);\n",
    );
    for (i, name) in images.iter().enumerate() {
        let _ = writeln!(
            p,
            "_{name}_imgSize = isf_size({i}); _{name}_imgRect = vec4(0.0, 0.0, _{name}_imgSize); _{name}_flip = false;"
        );
    }
    for u in &uniforms {
        let input = &header.inputs[u.input];
        let n = &input.name;
        match input.kind {
            InputKind::Bool | InputKind::Event => {
                let _ = writeln!(p, "{n} = params.{n} != 0;");
            }
            InputKind::Long if !input.values.is_empty() => {
                // The parameter is the index of the choice; the shader gets its value.
                let mut e = input.values.last().copied().unwrap_or(0).to_string();
                for (k, v) in input.values.iter().enumerate().rev().skip(1) {
                    e = format!("(params.{n} == {k} ? {v} : {e})");
                }
                let _ = writeln!(p, "{n} = {e};");
            }
            _ => {
                let _ = writeln!(p, "{n} = params.{n};");
            }
        }
    }
    if vs_body.is_some() {
        p.push_str("isf_vs_main();\n");
    }
    if shadertoy {
        p.push_str(
            "iResolution = vec3(RENDERSIZE, 1.0); iTime = TIME; iTimeDelta = TIMEDELTA;\n\
             iFrameRate = TIMEDELTA > 0.0 ? 1.0 / TIMEDELTA : 60.0; iFrame = FRAMEINDEX;\n\
             iMouse = vec4(0.0); iDate = DATE;\n\
             for (int k = 0; k < 4; k++) { iChannelResolution[k] = vec3(isf_size(k), 1.0); iChannelTime[k] = TIME; }\n\
             mainImage(isf_FragColor, isf_FragCoord.xy);\n",
        );
    } else {
        p.push_str("isf_main();\n");
    }
    p.push_str("return isf_FragColor;\n}\nvoid main() {}\n");
    Ok(Translated {
        glsl: p,
        segments,
        uniforms,
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

impl Translated {
    /// A diagnostic at `span` of the generated GLSL, located in the file it came from.
    #[must_use]
    pub fn locate(&self, span: Option<Range<usize>>, message: &str) -> Diagnostic {
        if let Some(r) = &span {
            for s in &self.segments {
                if r.start >= s.at && r.start < s.at + s.len.max(1) {
                    let start = r.start - s.at;
                    let end = (r.end.max(r.start + 1) - s.at).min(s.text.len()).max(start);
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
        let mut frontend = naga::front::glsl::Frontend::default();
        let options = naga::front::glsl::Options::from(naga::ShaderStage::Fragment);
        let mut module = frontend.parse(&options, &self.glsl).map_err(|e| {
            e.errors
                .iter()
                .map(|e| self.locate(e.meta.to_range(), &e.kind.to_string()))
                .collect::<Vec<_>>()
        })?;
        // vivid's entry points (compute on GPUs, fragment on CPU drivers) call `shade`.
        module.entry_points.clear();
        // The loop guard: the WGSL written here is registered untrusted
        // (`ShaderLibrary::register_text`), so composing it bounds the module and guards
        // its loops (`shaders::harden`) before anything reaches the driver.
        let info = naga::valid::Validator::new(
            naga::valid::ValidationFlags::all(),
            naga::valid::Capabilities::all(),
        )
        .validate(&module)
        .map_err(|e| {
            let span = e.spans().next().and_then(|(s, _)| s.to_range());
            vec![self.locate(span, &format!("{}", e.as_inner()))]
        })?;
        naga::back::wgsl::write_string(&module, &info, naga::back::wgsl::WriterFlags::empty())
            .map_err(|e| vec![self.locate(None, &format!("writing WGSL: {e}"))])
    }
}
