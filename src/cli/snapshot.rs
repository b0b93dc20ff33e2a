//! `--snapshot PATH`: checked before the run starts (a long soak learns of a bad path at
//! once, not at its end), written as what its name says, every error reported.
//!
//! - `.png` keeps the output's alpha (the chain's transparency, straight 8-bit RGBA), unless
//!   `--background COLOR` flattens it over that colour (opaque RGB).
//! - `.jpg` / `.jpeg` is a real JPEG (quality 92): JPEG has no alpha, so the output is
//!   flattened over `--background`, black by default.
//! - Any other extension is refused with a hint. The folder must exist and be writable: no
//!   folder is created.
//! - The file is written, flushed and synced; a failure (a full disk) is an error, exit 1.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use vivid::FloatImage;

/// The file format, from the extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.png`.
    Png,
    /// `.jpg`, `.jpeg`.
    Jpeg,
}

/// JPEG quality (1..=100).
const JPEG_QUALITY: u8 = 92;

/// A snapshot to write: checked, not written yet.
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    /// The file.
    pub path: PathBuf,
    /// What its extension says.
    pub format: Format,
    /// Flatten over this display-referred colour (`--background`; JPEG: black without it).
    pub background: Option<[f32; 3]>,
}

impl Snapshot {
    /// Checks `path` before anything is rendered: a `.png`, `.jpg` or `.jpeg` name, in a
    /// folder that exists and can be written (probed by creating and removing a file), and
    /// not a folder or a read-only file itself.
    pub fn check(path: &Path, background: Option<[f32; 3]>) -> Result<Self, String> {
        let shown = path.display();
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase());
        let format = match ext.as_deref() {
            Some("png") => Format::Png,
            Some("jpg" | "jpeg") => Format::Jpeg,
            other => {
                let found = other.map_or_else(|| "no extension".to_string(), |e| format!("`.{e}`"));
                return Err(format!(
                    "--snapshot {shown}: {found}; a snapshot is a PNG or a JPEG\n  hint: name it `.png` (keeps alpha) or `.jpg`"
                ));
            }
        };
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !folder.is_dir() {
            return Err(format!(
                "--snapshot {shown}: the folder {} does not exist\n  hint: create it first (vivid creates no folders)",
                folder.display()
            ));
        }
        if path.is_dir() {
            return Err(format!("--snapshot {shown}: is a folder"));
        }
        if path.exists() {
            // An existing file must be writable (opened without truncating it).
            std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(|e| format!("--snapshot {shown}: cannot be written ({e})"))?;
        } else {
            probe(&folder).map_err(|e| {
                format!(
                    "--snapshot {shown}: the folder {} cannot be written ({e})",
                    folder.display()
                )
            })?;
        }
        Ok(Self {
            path: path.to_path_buf(),
            format,
            background,
        })
    }

    /// Encodes `image` and writes it (write, flush, sync); any failure is an error naming
    /// the file.
    pub fn write(&self, image: &FloatImage) -> Result<(), String> {
        let bytes = self.encode(image)?;
        let shown = self.path.display();
        let fail = |what: &str, e: std::io::Error| format!("writing {shown}: {what}: {e}");
        let mut file =
            std::fs::File::create(&self.path).map_err(|e| fail("cannot create it", e))?;
        file.write_all(&bytes)
            .map_err(|e| fail("write failed", e))?;
        file.flush().map_err(|e| fail("flush failed", e))?;
        // A device (a link to one) cannot be synced; a file on a disk must be.
        let regular = file.metadata().is_ok_and(|m| m.is_file());
        if regular {
            file.sync_all().map_err(|e| fail("sync failed", e))?;
        }
        Ok(())
    }

    /// The file's bytes.
    fn encode(&self, image: &FloatImage) -> Result<Vec<u8>, String> {
        let mut bytes = Vec::new();
        let cursor = &mut std::io::Cursor::new(&mut bytes);
        let fail = |e: image::ImageError| format!("encoding {}: {e}", self.path.display());
        match (self.format, self.background) {
            (Format::Png, None) => image
                .to_rgba8()
                .write_to(cursor, image::ImageFormat::Png)
                .map_err(fail)?,
            (Format::Png, Some(bg)) => flatten(image, bg)
                .write_to(cursor, image::ImageFormat::Png)
                .map_err(fail)?,
            (Format::Jpeg, bg) => {
                let rgb = flatten(image, bg.unwrap_or([0.0; 3]));
                image::codecs::jpeg::JpegEncoder::new_with_quality(cursor, JPEG_QUALITY)
                    .encode_image(&rgb)
                    .map_err(fail)?;
            }
        }
        Ok(bytes)
    }
}

/// Creates and removes a file in `folder`: whether it can be written.
fn probe(folder: &Path) -> std::io::Result<()> {
    let name = format!(".vivid-snapshot-check-{}", std::process::id());
    let file = folder.join(name);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&file)?;
    std::fs::remove_file(&file)
}

/// `image` (premultiplied display values) over the opaque colour `bg`, 8-bit RGB.
#[must_use]
pub fn flatten(image: &FloatImage, bg: [f32; 3]) -> image::RgbImage {
    let mut out = image::RgbImage::new(image.width, image.height);
    for (dst, p) in out.pixels_mut().zip(&image.pixels) {
        let a = p[3].clamp(0.0, 1.0);
        for c in 0..3 {
            let v = p[c] + bg[c] * (1.0 - a);
            dst.0[c] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        }
    }
    out
}

/// A `--background` colour: `#rgb`, `#rrggbb`, or `r,g,b` (display-referred 0..1, as in
/// chain.toml; brackets allowed).
pub fn parse_color(text: &str) -> Result<[f32; 3], String> {
    let bad = || format!("`{text}` is not a colour: write #rrggbb, #rgb or r,g,b (0..1)");
    let trimmed = text.trim();
    if let Some(hex) = trimmed.strip_prefix('#') {
        let digits: Vec<u32> = hex
            .chars()
            .map(|c| c.to_digit(16))
            .collect::<Option<_>>()
            .ok_or_else(bad)?;
        let channels: [u32; 3] = match digits[..] {
            [red, green, blue] => [red * 17, green * 17, blue * 17],
            [r1, r0, g1, g0, b1, b0] => [r1 * 16 + r0, g1 * 16 + g0, b1 * 16 + b0],
            _ => return Err(bad()),
        };
        return Ok(channels.map(|d| d as f32 / 255.0));
    }
    let inner = trimmed.trim_start_matches('[').trim_end_matches(']');
    let values: Vec<f32> = inner
        .split(',')
        .map(|v| v.trim().parse::<f32>())
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    match values[..] {
        [red, green, blue] if values.iter().all(|v| (0.0..=1.0).contains(v)) => {
            Ok([red, green, blue])
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
#[allow(
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "tests: exact colours are intended"
)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_in_every_notation() {
        assert_eq!(parse_color("#000").unwrap(), [0.0; 3]);
        assert_eq!(parse_color("#fff").unwrap(), [1.0; 3]);
        assert_eq!(parse_color("#ff8000").unwrap(), [1.0, 128.0 / 255.0, 0.0]);
        assert_eq!(parse_color("[0.5, 0.25, 1]").unwrap(), [0.5, 0.25, 1.0]);
        for bad in ["", "#12", "#ggg", "1,2", "0,0,2", "nan,0,0", "red"] {
            assert!(parse_color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn flattening_is_the_over_operator() {
        // Premultiplied half-transparent white over blue.
        let img = FloatImage {
            width: 1,
            height: 1,
            pixels: vec![[0.5, 0.5, 0.5, 0.5]],
        };
        assert_eq!(
            flatten(&img, [0.0, 0.0, 1.0]).get_pixel(0, 0).0,
            [128, 128, 255]
        );
    }

    #[test]
    fn names_and_folders_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Snapshot::check(&dir.path().join("a.png"), None).is_ok());
        assert_eq!(
            Snapshot::check(&dir.path().join("a.JPEG"), None)
                .unwrap()
                .format,
            Format::Jpeg
        );
        let e = Snapshot::check(&dir.path().join("a.gif"), None).unwrap_err();
        assert!(e.contains("`.gif`") && e.contains("hint"), "{e}");
        let e = Snapshot::check(&dir.path().join("no/such/a.png"), None).unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        assert!(!dir.path().join("no").exists(), "no folder is created");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "the probe is gone"
        );
    }
}
