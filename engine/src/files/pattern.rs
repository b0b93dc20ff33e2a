//! Patterns of file names (`frames/*.png`, `shot_??.jpg`) under the file rule: `*` and `?`
//! in the last component only, matched against the names of one folder, every match checked
//! like any file a project reads ([`FileRules::check`]: inside the project folder or an
//! allowed one, links resolved, a regular file, within the size limit), sorted naturally
//! (`2` before `10`).
//!
//! Written here rather than with the `glob` crate: only the file name is a pattern (the
//! folder is resolved and checked as one path), and the rule checks each match itself — what
//! remains is a 20-line matcher.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use super::{Checked, FileError, FileRules, Role};

/// Whether `path` is a pattern (its file name has `*` or `?`).
#[must_use]
pub fn is_pattern(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().contains(['*', '?']))
}

/// Whether `name` matches `pattern`: `*` any run of characters (none too), `?` one.
#[must_use]
pub fn name_matches(pattern: &str, name: &str) -> bool {
    let pat: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = name.chars().collect();
    // Greedy with one back-track point: the last `*` seen, and where its run ends.
    let (mut at_pat, mut at_text) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while at_text < text.len() {
        match pat.get(at_pat) {
            Some('*') => {
                star = Some((at_pat, at_text));
                at_pat += 1;
            }
            Some(&want) if want == '?' || want == text[at_text] => {
                at_pat += 1;
                at_text += 1;
            }
            _ => match star {
                Some((star_pat, star_text)) => {
                    at_pat = star_pat + 1;
                    at_text = star_text + 1;
                    star = Some((star_pat, star_text + 1));
                }
                None => return false,
            },
        }
    }
    pat[at_pat..].iter().all(|&c| c == '*')
}

/// The length of the run of ASCII digits `text` starts with.
fn digit_run(text: &str) -> usize {
    text.find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len())
}

/// Natural order of names: runs of digits compare as numbers (`f2` < `f10`), the rest as
/// text; equal numbers with more leading zeros first, then the plain text decides.
#[must_use]
pub fn natural_cmp(left: &str, right: &str) -> Ordering {
    let (mut rest_l, mut rest_r) = (left, right);
    loop {
        match (rest_l.chars().next(), rest_r.chars().next()) {
            (None, None) => return left.cmp(right),
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(cl), Some(cr)) if cl.is_ascii_digit() && cr.is_ascii_digit() => {
                let (len_l, len_r) = (digit_run(rest_l), digit_run(rest_r));
                let number_l = rest_l[..len_l].trim_start_matches('0');
                let number_r = rest_r[..len_r].trim_start_matches('0');
                let by_value = number_l
                    .len()
                    .cmp(&number_r.len())
                    .then_with(|| number_l.cmp(number_r));
                if by_value != Ordering::Equal {
                    return by_value;
                }
                rest_l = &rest_l[len_l..];
                rest_r = &rest_r[len_r..];
            }
            (Some(cl), Some(cr)) => {
                if cl != cr {
                    return cl.cmp(&cr);
                }
                rest_l = &rest_l[cl.len_utf8()..];
                rest_r = &rest_r[cr.len_utf8()..];
            }
        }
    }
}

impl FileRules {
    /// The files a pattern names — `dir/*.png`, or a folder (every file in it) — whose
    /// extension is one of `extensions` (lower case; empty: any), each checked by the rule
    /// for `role`, in natural order. The folder must pass the rule too. A match the rule
    /// refuses (a link out of the project, a FIFO, a file too large) is an error naming it,
    /// not skipped. Sub-folders are not matches.
    pub fn matches(
        &self,
        pattern: &Path,
        extensions: &[&str],
        role: Role,
    ) -> Result<Vec<Checked>, FileError> {
        let (dir, name) = if is_pattern(pattern) {
            let dir = pattern.parent().unwrap_or(Path::new("."));
            let name = pattern
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            (dir.to_path_buf(), name)
        } else {
            (pattern.to_path_buf(), "*".to_string())
        };
        let dir = self.resolve(&dir)?;
        let entries = std::fs::read_dir(&dir).map_err(|source| FileError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        for e in entries.filter_map(std::result::Result::ok) {
            let file = e.file_name().to_string_lossy().to_string();
            let path = e.path();
            let ext_ok = extensions.is_empty()
                || path
                    .extension()
                    .is_some_and(|x| extensions.iter().any(|e| x.eq_ignore_ascii_case(e)));
            // A sub-folder is not a frame (a folder named `x.png` neither).
            let folder = e.file_type().is_ok_and(|t| t.is_dir());
            if ext_ok && !folder && name_matches(&name, &file) {
                found.push((file, path));
            }
        }
        found.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        found
            .into_iter()
            .map(|(_, path)| self.check(&path, role))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_stars_and_question_marks() {
        assert!(name_matches("*.png", "a.png"));
        assert!(name_matches("*.png", ".png"));
        assert!(!name_matches("*.png", "a.jpg"));
        assert!(name_matches("shot_??.jpg", "shot_07.jpg"));
        assert!(!name_matches("shot_??.jpg", "shot_7.jpg"));
        assert!(name_matches("a*b*c", "aXXbYYbc"));
        assert!(!name_matches("a*b*c", "aXXbYYb"));
        assert!(name_matches("*", "anything"));
        assert!(name_matches("x", "x") && !name_matches("x", "xy"));
    }

    #[test]
    fn natural_order_counts_numbers() {
        let mut v = vec!["f10.png", "f2.png", "f1.png", "g1.png", "f02.png", "f.png"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["f.png", "f1.png", "f02.png", "f2.png", "f10.png", "g1.png"]
        );
        assert_eq!(natural_cmp("take2_9", "take10_1"), Ordering::Less);
    }

    #[test]
    fn every_match_passes_the_rule() {
        let project = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let frames = project.path().join("frames");
        std::fs::create_dir(&frames).unwrap();
        for n in ["f10.png", "f2.png", "f1.png", "notes.txt"] {
            std::fs::write(frames.join(n), b"x").unwrap();
        }
        std::fs::create_dir(frames.join("sub.png")).unwrap();
        let rules = FileRules::new(project.path(), &[]);
        let names = |p: &str, ext: &[&str]| -> Vec<String> {
            rules
                .matches(&project.path().join(p), ext, Role::Picture)
                .unwrap()
                .iter()
                .map(|c| c.path.file_name().unwrap().to_string_lossy().to_string())
                .collect()
        };
        assert_eq!(names("frames/*.png", &[]), ["f1.png", "f2.png", "f10.png"]);
        assert_eq!(names("frames/f?.png", &[]), ["f1.png", "f2.png"]);
        assert_eq!(names("frames", &["png"]), ["f1.png", "f2.png", "f10.png"]);
        // A link out of the project among the matches: refused, naming it.
        std::fs::write(outside.path().join("secret.png"), b"x").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret.png"), frames.join("f3.png"))
            .unwrap();
        let e = rules
            .matches(&frames.join("*.png"), &[], Role::Picture)
            .unwrap_err();
        assert!(matches!(e, FileError::Outside { .. }), "{e}");
        // The folder itself outside: refused.
        std::os::unix::fs::symlink(outside.path(), project.path().join("out")).unwrap();
        let e = rules
            .matches(&project.path().join("out/*.png"), &[], Role::Picture)
            .unwrap_err();
        assert!(matches!(e, FileError::Outside { .. }), "{e}");
    }
}
