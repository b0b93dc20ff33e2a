//! Embeds the operators' WGSL — every `.wgsl` under `shaders/` except the engine's own
//! (`shaders/common/`, `shaders/engine/`) — as `SHADERS` (library name, text). A file in
//! `shaders/operators/` is an operator by itself: adding one is adding the file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a build script binary reused
    // from another checkout's target/ (a copied warm build) must read this checkout's files.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../shaders");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.retain(|(name, _)| !name.starts_with("common/") && !name.starts_with("engine/"));
    files.sort();
    let mut out = String::from(
        "/// The operators' WGSL (library name, text): every file under `shaders/` but `common/` and `engine/`.\npub const SHADERS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &files {
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display());
    }
    out.push_str("];\n");
    let dest =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("shaders.rs");
    std::fs::write(dest, out).expect("write shaders.rs");
}

/// Every `.wgsl` under `dir`, as (name relative to `root` with `/`, absolute path); folders
/// are watched for new files.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(root, &path, out);
        } else if path.extension().is_some_and(|x| x == "wgsl") {
            let abs = path.canonicalize().unwrap_or(path.clone());
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((name, abs));
        }
    }
}
