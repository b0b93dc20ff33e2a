//! Embeds the engine's own WGSL — every file under `shaders/common/` and `shaders/engine/` —
//! as `ENGINE_SHADERS` (library name, text), so that adding a helper is adding a file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a build script binary reused
    // from another checkout's target/ (a copied warm build) must read this checkout's files.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest).join("../shaders");
    let mut files = Vec::new();
    for dir in ["common", "engine"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
        collect(&root, &root.join(dir), &mut files);
    }
    files.sort();
    let mut out = String::from(
        "/// The engine's own WGSL (library name, text): `shaders/common/` and `shaders/engine/`.\npub const ENGINE_SHADERS: &[(&str, &str)] = &[\n",
    );
    for (name, path) in &files {
        let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", path.display());
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("engine_shaders.rs");
    std::fs::write(dest, out).expect("write engine_shaders.rs");
}

/// Every `.wgsl` under `dir`, as (name relative to `root` with `/`, absolute path).
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
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
