//! What a parameter holds: its kind, the value the operator sees and the value as written.

/// What a scene node is; the kind of node a reference parameter ([`ParamKind::Node`],
/// [`ParamKind::Nodes`]) names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SceneKind {
    /// A camera (`camera`).
    Camera,
    /// Something drawn (`mesh`).
    Mesh,
    /// A light (`point_light`, `spot_light`, `directional_light`).
    Light,
}

impl SceneKind {
    /// Lower-case name, as in messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Camera => "camera",
            Self::Mesh => "mesh",
            Self::Light => "light",
        }
    }
}

/// The kind of value a parameter holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ParamKind {
    /// One `f32`.
    Float,
    /// One `i32`.
    Int,
    /// `true` / `false`.
    Bool,
    /// Two `f32`s.
    Vec2,
    /// Three `f32`s.
    Vec3,
    /// Four `f32`s.
    Vec4,
    /// RGBA, display-referred; `[r, g, b]` means alpha 1. Also `"#rrggbb"` / `"#rrggbbaa"`.
    Color,
    /// One of a fixed list of names.
    Choice,
    /// A string (file path, operator name).
    Text,
    /// The name of a scene node of this kind (`camera = "cam"`).
    Node(SceneKind),
    /// Names of scene nodes of this kind (`meshes = ["floor", "box"]`).
    Nodes(SceneKind),
    /// A file of this kind, relative to the project folder (checked when the chain is
    /// validated; the operator gets the resolved path). Empty: none.
    File(FileKind),
    /// A list of at most this many numbers: `positions = [0, 0.3, 1]`. Each element may be
    /// an expression; the range applies to every element.
    Floats(u16),
    /// A list of at most this many colours, each written as a [`ParamKind::Color`]:
    /// `stops = ["#000000", "#ff8800", [1, 1, 1]]`. Each component may be an expression.
    Colors(u16),
}

/// What a [`ParamKind::File`] parameter names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// A glTF 2.0 model.
    Mesh,
    /// A PNG or JPEG picture. An operator with one and no `size` takes its pixel size
    /// ([`image_size`]).
    Image,
    /// A 3D colour lookup table in the `.cube` format (Adobe/Resolve).
    Cube,
    /// A TrueType or OpenType font.
    Font,
    /// A video file (any container and codec the media layer's GStreamer can decode).
    Video,
    /// A folder of numbered PNG or JPEG frames (the media layer's `image_sequence`); a
    /// change to any file in it is a change.
    Frames,
}

impl FileKind {
    /// What it is, in messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mesh => "glTF file",
            Self::Image => "PNG or JPEG image",
            Self::Cube => "3D LUT file",
            Self::Font => "font file",
            Self::Video => "video file",
            Self::Frames => "folder of PNG or JPEG frames",
        }
    }

    /// File extensions accepted (lower case, without the dot).
    #[must_use]
    pub const fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Mesh => &["gltf", "glb"],
            Self::Image | Self::Frames => &["png", "jpg", "jpeg"],
            Self::Cube => &["cube"],
            Self::Font => &["ttf", "otf"],
            Self::Video => &[
                "mp4", "m4v", "mov", "mkv", "webm", "avi", "mxf", "ogv", "mpg", "mpeg", "ts",
                "mts", "y4m",
            ],
        }
    }
}

/// The pixel size of the picture in an image file as it is shown (an EXIF orientation that
/// turns it by 90° swaps the sides), from its header: the file is not decoded. It is opened
/// by the rules of `files` ([`crate::files`]: inside the project, a regular file, not too
/// large). The error names the file and says what is wrong with it.
pub fn image_size(
    files: &crate::files::FileRules,
    path: &std::path::Path,
) -> Result<(u32, u32), String> {
    use image::ImageDecoder;
    let (file, _) = files
        .open(path, crate::files::Role::Picture)
        .map_err(|e| e.to_string())?;
    let shown = path.display();
    // The content tells the format, not the name.
    let reader = image::ImageReader::new(std::io::BufReader::new(file))
        .with_guessed_format()
        .map_err(|e| format!("{shown}: cannot read it ({e})"))?;
    if reader.format().is_none() {
        return Err(format!(
            "{shown}: not a PNG or JPEG image (unknown content)"
        ));
    }
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| format!("{shown}: not a readable PNG or JPEG image ({e})"))?;
    let (w, h) = decoder.dimensions();
    let turned = matches!(
        decoder.orientation(),
        Ok(image::metadata::Orientation::Rotate90
            | image::metadata::Orientation::Rotate270
            | image::metadata::Orientation::Rotate90FlipH
            | image::metadata::Orientation::Rotate270FlipH)
    );
    Ok(if turned { (h, w) } else { (w, h) })
}

impl FileKind {
    /// What a file of this kind is read as ([`crate::files::Role`]: its size limit).
    #[must_use]
    pub const fn role(self) -> crate::files::Role {
        match self {
            Self::Mesh => crate::files::Role::Model,
            // A folder of frames: each of its frames is a picture.
            Self::Image | Self::Frames => crate::files::Role::Picture,
            Self::Cube => crate::files::Role::Lut,
            Self::Font => crate::files::Role::Font,
            Self::Video => crate::files::Role::Video,
        }
    }
}

impl ParamKind {
    /// Number of numeric components (0 for bool, choice and text); of a list, of each of
    /// its elements.
    #[must_use]
    pub const fn components(self) -> usize {
        match self {
            Self::Float | Self::Int | Self::Floats(_) => 1,
            Self::Vec2 => 2,
            Self::Vec3 => 3,
            Self::Vec4 | Self::Color | Self::Colors(_) => 4,
            Self::Bool
            | Self::Choice
            | Self::Text
            | Self::Node(_)
            | Self::Nodes(_)
            | Self::File(_) => 0,
        }
    }

    /// Short name used in `vivid operators` and error messages.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Float => "float",
            Self::Int => "int",
            Self::Bool => "bool",
            Self::Vec2 => "vec2",
            Self::Vec3 => "vec3",
            Self::Vec4 => "vec4",
            Self::Color => "color",
            Self::Choice => "choice",
            Self::Text => "string",
            Self::Node(k) => k.name(),
            Self::File(_) => "file",
            Self::Nodes(SceneKind::Camera) => "cameras",
            Self::Nodes(SceneKind::Mesh) => "meshes",
            Self::Nodes(SceneKind::Light) => "lights",
            Self::Floats(_) => "floats",
            Self::Colors(_) => "colors",
        }
    }

    /// The kind of each element of a list ([`ParamKind::Floats`], [`ParamKind::Colors`]).
    #[must_use]
    pub const fn element(self) -> Option<Self> {
        match self {
            Self::Floats(_) => Some(Self::Float),
            Self::Colors(_) => Some(Self::Color),
            _ => None,
        }
    }

    /// The most elements a list holds.
    #[must_use]
    pub const fn max_len(self) -> Option<usize> {
        match self {
            Self::Floats(n) | Self::Colors(n) => Some(n as usize),
            _ => None,
        }
    }
}

/// A parameter value, as the operator sees it after expressions are evaluated.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamValue {
    /// See [`ParamKind::Float`].
    Float(f32),
    /// See [`ParamKind::Int`].
    Int(i32),
    /// See [`ParamKind::Bool`].
    Bool(bool),
    /// See [`ParamKind::Vec2`].
    Vec2([f32; 2]),
    /// See [`ParamKind::Vec3`].
    Vec3([f32; 3]),
    /// See [`ParamKind::Vec4`].
    Vec4([f32; 4]),
    /// See [`ParamKind::Color`].
    Color([f32; 4]),
    /// Index into the spec's choices.
    Choice(u32),
    /// See [`ParamKind::Text`] (and [`ParamKind::Node`]).
    Text(String),
    /// See [`ParamKind::Nodes`].
    List(Vec<String>),
    /// The elements of a list ([`ParamKind::Floats`], [`ParamKind::Colors`]), one after the
    /// other: one number per element of `Floats`, four (straight RGBA) per element of
    /// `Colors`.
    Numbers(Vec<f32>),
}

impl ParamValue {
    /// The numeric components, if any.
    #[must_use]
    pub fn components(&self) -> &[f32] {
        match self {
            Self::Float(v) => std::slice::from_ref(v),
            Self::Vec2(v) => v,
            Self::Vec3(v) => v,
            Self::Vec4(v) | Self::Color(v) => v,
            Self::Numbers(v) => v,
            _ => &[],
        }
    }

    /// The number of elements of a list value of `kind` (0 for anything else).
    #[must_use]
    pub fn len_as(&self, kind: ParamKind) -> usize {
        match self {
            Self::Numbers(v) => v.len() / kind.components().max(1),
            _ => 0,
        }
    }

    pub(super) fn from_components(kind: ParamKind, c: &[f32]) -> Self {
        let g = |i: usize| c.get(i).copied().unwrap_or(0.0);
        match kind {
            ParamKind::Float => Self::Float(g(0)),
            ParamKind::Int => Self::Int(g(0).round() as i32),
            ParamKind::Vec2 => Self::Vec2([g(0), g(1)]),
            ParamKind::Vec3 => Self::Vec3([g(0), g(1), g(2)]),
            ParamKind::Vec4 => Self::Vec4([g(0), g(1), g(2), g(3)]),
            ParamKind::Color => Self::Color([g(0), g(1), g(2), c.get(3).copied().unwrap_or(1.0)]),
            ParamKind::Bool => Self::Bool(g(0) != 0.0),
            ParamKind::Choice => Self::Choice(g(0) as u32),
            ParamKind::Text | ParamKind::Node(_) | ParamKind::File(_) => Self::Text(String::new()),
            ParamKind::Nodes(_) => Self::List(Vec::new()),
            ParamKind::Floats(_) | ParamKind::Colors(_) => Self::Numbers(c.to_vec()),
        }
    }
}

/// A value as the user wrote it (chain.toml, `--set`, the API), before it is checked against
/// a [`ParamSpec`](crate::params::ParamSpec).
#[derive(Clone, Debug, PartialEq)]
pub enum RawValue {
    /// A float literal.
    Float(f64),
    /// An integer literal.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string: a choice name, a path, a colour `#rrggbb`, or an expression of `time`/`frame`.
    Str(String),
    /// An array of values.
    Array(Vec<RawValue>),
}

impl RawValue {
    /// What kind of TOML value this is, for error messages.
    #[must_use]
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Float(_) => "a float",
            Self::Int(_) => "an integer",
            Self::Bool(_) => "a boolean",
            Self::Str(_) => "a string",
            Self::Array(_) => "an array",
        }
    }
}

impl From<f32> for RawValue {
    fn from(v: f32) -> Self {
        Self::Float(f64::from(v))
    }
}
impl From<f64> for RawValue {
    fn from(v: f64) -> Self {
        Self::Float(v)
    }
}
impl From<i32> for RawValue {
    fn from(v: i32) -> Self {
        Self::Int(i64::from(v))
    }
}
impl From<bool> for RawValue {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}
impl From<&str> for RawValue {
    fn from(v: &str) -> Self {
        Self::Str(v.to_string())
    }
}
impl<const N: usize> From<[f32; N]> for RawValue {
    fn from(v: [f32; N]) -> Self {
        Self::Array(v.iter().map(|&x| Self::Float(f64::from(x))).collect())
    }
}

/// Current values of an operator's parameters, in the order of its specs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamValues(pub Vec<ParamValue>);

impl ParamValues {
    /// The value at index `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&ParamValue> {
        self.0.get(i)
    }
}
