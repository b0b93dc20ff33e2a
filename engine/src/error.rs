//! Typed errors of the engine and user-facing diagnostics with `file:line:col`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A problem in a user's file (chain.toml, a WGSL shader, a `--set` argument), with its place.
///
/// `Display` renders it the way a compiler would:
///
/// ```text
/// error: unknown parameter `scal` for `noise` (type noise)
///   --> examples/02-hello-noise/chain.toml:6:1
///    |
///  6 | scal = 13.3
///    | ^^^^
///    = hint: did you mean `scale`?
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file the problem is in (or a pseudo-file such as `--set`).
    pub file: PathBuf,
    /// 1-based line, 0 when the problem has no place inside the file.
    pub line: usize,
    /// 1-based column in characters, 0 when the problem has no place inside the file.
    pub col: usize,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when we can tell.
    pub hint: Option<String>,
    /// The offending source line, when there is one — around the problem only, with `…`
    /// where it is cut, when the line is longer than [`Diagnostic::MAX_LINE`] characters.
    pub source_line: Option<String>,
    /// 1-based column, in characters, of the problem within `source_line` (`col`, unless a
    /// long line is shown in part).
    pub caret: u32,
    /// Number of characters to underline from `caret`.
    pub underline: u32,
}

impl Diagnostic {
    /// The longest source line shown whole; a longer one is shown around its problem.
    pub const MAX_LINE: usize = 160;
    /// The longest message or hint kept whole (they may quote what the user wrote); a
    /// longer one is cut in the middle.
    pub const MAX_MESSAGE: usize = 1000;

    /// A diagnostic about a whole file (no line or column).
    #[must_use]
    pub fn file_level(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self {
            file: file.into(),
            line: 0,
            col: 0,
            message: shorten(message.into(), Self::MAX_MESSAGE),
            hint: None,
            source_line: None,
            caret: 0,
            underline: 0,
        }
    }

    /// A diagnostic at the byte range `span` of `source`, which is the text of `file`.
    #[must_use]
    pub fn at_span(
        file: impl Into<PathBuf>,
        source: &str,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
    ) -> Self {
        let (line, col) = line_col(source, span.start);
        let line_text = source.lines().nth(line - 1).unwrap_or("");
        let end = span.end.clamp(span.start, source.len());
        let start = span.start.min(source.len());
        // Underline within the first line of the span only.
        let underline = source.get(start..end).map_or(1, |s| {
            s.lines().next().map_or(1, |l| l.chars().count().max(1))
        });
        let (shown, caret, underline) = line_window(line_text, col, underline, Self::MAX_LINE);
        let (caret, underline) = (to_u32(caret), to_u32(underline));
        Self {
            file: file.into(),
            line,
            col,
            message: shorten(message.into(), Self::MAX_MESSAGE),
            hint: None,
            source_line: Some(shown),
            caret,
            underline,
        }
    }

    /// Adds a hint.
    #[must_use]
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(shorten(hint.into(), Self::MAX_MESSAGE));
        self
    }

    /// `file:line:col` (or just `file`), as editors and terminals link it.
    #[must_use]
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.file.display().to_string()
        } else {
            format!("{}:{}:{}", self.file.display(), self.line, self.col)
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        write!(f, "  --> {}", self.location())?;
        if let Some(src) = &self.source_line {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let caret_pad: String = src
                .chars()
                .take(self.caret.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n {pad} |\n {num} | {src}\n {pad} | {caret_pad}{}",
                "^".repeat(self.underline.max(1) as usize)
            )?;
            if let Some(h) = &self.hint {
                write!(f, "\n {pad} = hint: {h}")?;
            }
        } else if let Some(h) = &self.hint {
            write!(f, "\n   = hint: {h}")?;
        }
        Ok(())
    }
}

/// One or more diagnostics from the same file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// The first diagnostic (there is always at least one).
    #[must_use]
    pub fn first(&self) -> Option<&Diagnostic> {
        self.0.first()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        if self.0.len() > 1 {
            write!(f, "\n\n{} errors", self.0.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// The part of `line` shown for a problem at 1-based character column `col` underlined
/// over `underline` characters: the whole line if it has at most `max` characters, else
/// `max` characters around the column with `…` where it is cut. Returns the text, the
/// column within it and the underline within it.
fn line_window(line: &str, col: usize, underline: usize, max: usize) -> (String, usize, usize) {
    let count = line.chars().count();
    if count <= max {
        return (line.to_string(), col, underline);
    }
    let at = col.saturating_sub(1).min(count);
    let start = at.saturating_sub(max / 3);
    let end = (start + max).min(count);
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(start).take(end - start));
    if end < count {
        shown.push('…');
    }
    let caret = at - start + 1 + usize::from(start > 0);
    let underline = underline.min(end.saturating_sub(at)).max(1);
    (shown, caret, underline)
}

/// `n`, or `u32::MAX` if it does not fit.
fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `text` if it has at most `max` characters, else its start and end with `…` between.
fn shorten(text: String, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text;
    }
    let keep = max / 2;
    let head: String = text.chars().take(keep).collect();
    let tail: String = text.chars().skip(count - keep).collect();
    format!(
        "{head} … ({} characters left out) … {tail}",
        count - 2 * keep
    )
}

/// 1-based line and column (in characters) of byte offset `offset` in `source`.
#[must_use]
pub(crate) fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let mut off = offset;
    while !source.is_char_boundary(off) {
        off -= 1;
    }
    let before = &source[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let mut text = &source[line_start..off];
    // At the end of a CRLF line: the `\r` is part of the line break, not a column.
    if source[off..].starts_with('\n') {
        text = text.strip_suffix('\r').unwrap_or(text);
    }
    (line, text.chars().count() + 1)
}

/// "did you mean `x`?" for the candidate closest to `word`, if any is close enough.
#[must_use]
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        let score = strsim::jaro_winkler(&word.to_ascii_lowercase(), &c.to_ascii_lowercase());
        if score > 0.75 && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| format!("did you mean `{c}`?"))
}

/// Errors of the engine crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The project (chain.toml, `--set`) has user errors.
    #[error("{0}")]
    Project(Diagnostics),
    /// A WGSL shader failed to parse or validate.
    #[error("{0}")]
    Shader(Diagnostics),
    /// No GPU adapter could be found.
    #[error(
        "no GPU adapter found ({0}); on a machine without a GPU install Mesa's software Vulkan driver (mesa-vulkan-drivers)"
    )]
    NoAdapter(String),
    /// The device could not be created.
    #[error("could not create the GPU device: {0}")]
    RequestDevice(String),
    /// wgpu reported a validation or out-of-memory error.
    #[error("GPU error in {context}: {message}")]
    Gpu {
        /// What the engine was doing.
        context: String,
        /// wgpu's message.
        message: String,
    },
    /// wgpu ran out of memory (or a test injected that fault): the same work may succeed
    /// later, so the engine retries it.
    #[error("GPU out of memory in {context}: {message}")]
    OutOfMemory {
        /// What the engine was doing.
        context: String,
        /// wgpu's message.
        message: String,
    },
    /// The GPU did not finish a frame within the frame deadline
    /// ([`EngineOptions::frame_deadline`](crate::EngineOptions::frame_deadline)): the next
    /// frame quarantines the newest shader and replaces the device.
    #[error("{context}: the GPU did not finish the frame within the {seconds:.1} s frame deadline")]
    FrameDeadline {
        /// What the engine was waiting for.
        context: String,
        /// The deadline, in seconds.
        seconds: f64,
    },
    /// A texture size is zero or beyond what the device supports.
    #[error(
        "{what}: size {width}x{height} is not allowed (each side must be 1..={limit}, the device's max_texture_dimension_2d)"
    )]
    BadSize {
        /// Which operator or target.
        what: String,
        /// Requested width.
        width: u32,
        /// Requested height.
        height: u32,
        /// The device limit.
        limit: u32,
    },
    /// No node with that name exists in the chain.
    #[error("no operator named `{0}` in the chain")]
    UnknownNode(String),
    /// A parameter name or value is invalid (through the API, not a file).
    #[error("{0}")]
    Param(String),
    /// The chain has no output yet.
    #[error("no chain is loaded")]
    NoChain,
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Encoding a PNG failed.
    #[error("writing {path}: {message}")]
    Image {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A surface (window) error.
    #[error("window surface: {0}")]
    Surface(String),
    /// Following the project's files failed (the file watcher could not start).
    #[error("file watcher: {0}")]
    Watch(String),
}

impl EngineError {
    /// An I/O error about `path`.
    #[must_use]
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Whether the same work may succeed if tried again (out of memory), as opposed to
    /// failing the same way until something changes (a validation error, a user error).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::OutOfMemory { .. })
    }
}

/// Result alias of the engine.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one_in_chars() {
        let s = "ab\ncdé f\n";
        assert_eq!(line_col(s, 0), (1, 1));
        assert_eq!(line_col(s, 3), (2, 1));
        // 'f' is after the two-byte 'é'.
        let f = s.find('f').unwrap_or_default();
        assert_eq!(line_col(s, f), (2, 5));
        // The end of a CRLF line is one past its last character.
        assert_eq!(line_col("ab\r\ncd", 3), (1, 3));
    }

    #[test]
    fn hint_finds_close_names_only() {
        let c = ["scale", "speed", "octaves"];
        assert_eq!(
            did_you_mean("scal", c),
            Some("did you mean `scale`?".into())
        );
        assert_eq!(did_you_mean("zzzz", c), None);
    }

    #[test]
    fn display_shows_location_source_and_caret() {
        let src = "[noise]\nscal = 3\n";
        let d = Diagnostic::at_span("chain.toml", src, 8..12, "unknown parameter `scal`")
            .with_hint("did you mean `scale`?");
        let text = d.to_string();
        assert!(text.contains("chain.toml:2:1"), "{text}");
        assert!(text.contains("2 | scal = 3"), "{text}");
        assert!(text.contains("^^^^"), "{text}");
        assert!(text.contains("hint: did you mean `scale`?"), "{text}");
    }

    #[test]
    fn a_long_line_is_shown_around_its_caret() {
        let long = format!(
            "key = \"{}\"  bad = 1 {}",
            "x".repeat(100_000),
            "y".repeat(100_000)
        );
        let at = long.find("bad").unwrap_or_default();
        let src = format!("[a]\n{long}\n");
        let d = Diagnostic::at_span("chain.toml", &src, 4 + at..4 + at + 3, "here");
        assert_eq!((d.line, d.col), (2, at + 1), "the location is the real one");
        let text = d.to_string();
        assert!(text.len() < 1000, "{} bytes shown", text.len());
        // The caret is under `bad`.
        let shown = text.lines().nth(3).unwrap_or_default();
        let carets = text.lines().nth(4).unwrap_or_default();
        let caret_at = carets.find('^').unwrap_or_default();
        let bad_at = shown.find("bad").unwrap_or_default();
        assert_eq!(
            shown[..bad_at].chars().count(),
            carets[..caret_at].chars().count(),
            "{text}"
        );
        assert!(carets.ends_with("^^^"), "{text}");
        // A message quoting a huge key is cut too.
        let d = Diagnostic::file_level("f", "z".repeat(50_000)).with_hint("h".repeat(50_000));
        assert!(d.to_string().len() < 3 * Diagnostic::MAX_MESSAGE, "cut");
    }
}
