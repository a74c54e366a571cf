//! The spec inputs every task reads: `spec/source.toml` (where the spec is and its pinned
//! sha256) and our overlay, `spec/overlay.yaml`.

use std::path::{Path, PathBuf};

/// The pinned facts of `spec/source.toml`.
#[derive(serde::Deserialize)]
pub struct SpecSource {
    /// The spec's path, relative to the repository root.
    pub path: PathBuf,
    /// Its pinned sha256.
    pub sha256: String,
}

/// Reads `spec/source.toml`.
pub fn read_source(root: &Path) -> Result<SpecSource, String> {
    let path = root.join("spec/source.toml");
    toml::from_str(&read_text(&path, "")?).map_err(|e| format!("{}: {e}", path.display()))
}

/// The path of the spec `spec/source.toml` names.
pub fn default_spec_path(root: &Path) -> Result<PathBuf, String> {
    Ok(root.join(read_source(root)?.path))
}

/// Where our overlay lives.
pub fn default_overlay_path(root: &Path) -> PathBuf {
    root.join("spec/overlay.yaml")
}

/// The text of `spec/overlay.yaml`, or `None` when there is none.
pub fn default_overlay(root: &Path) -> Result<Option<String>, String> {
    let path = default_overlay_path(root);
    if path.exists() { read_text(&path, "the overlay ").map(Some) } else { Ok(None) }
}

/// Reads a file, naming it (`what` says what it is) in the error.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {what}{}: {e}", path.display()))
}
