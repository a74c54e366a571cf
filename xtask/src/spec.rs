//! The spec inputs every task reads: `spec/source.toml` (where the spec is and its pinned
//! sha256), our overlay, `spec/overlay.yaml`, the audit, `spec/audit.yaml`, and the WebSocket event
//! catalogue, `spec/events.yaml`.

use std::path::{Path, PathBuf};

use mattermost_codegen::diag::{Diagnostics, Severity};
use mattermost_codegen::load;

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

/// The text of `spec/audit.yaml`, or `None` when there is none.
pub fn default_audit(root: &Path) -> Result<Option<String>, String> {
    let path = root.join("spec/audit.yaml");
    if path.exists() { read_text(&path, "the audit ").map(Some) } else { Ok(None) }
}

/// The text of `spec/events.yaml`, the WebSocket event catalogue, or `None` when there is none.
pub fn default_events(root: &Path) -> Result<Option<String>, String> {
    let path = root.join("spec/events.yaml");
    if path.exists() { read_text(&path, "the event catalogue ").map(Some) } else { Ok(None) }
}

/// The text of `spec/js-client-names.yaml`, the JavaScript client's method names, or `None`
/// when there is none.
pub fn default_js_names(root: &Path) -> Result<Option<String>, String> {
    let path = root.join("spec/js-client-names.yaml");
    if path.exists() { read_text(&path, "the JavaScript client's names ").map(Some) } else { Ok(None) }
}

/// Reads a file, naming it (`what` says what it is) in the error.
pub fn read_text(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {what}{}: {e}", path.display()))
}

/// The spec the crate is generated from, as the generator's own loader reads it
/// (spec/overlay.yaml applied, unreadable nodes repaired), as a JSON tree. Its warnings go to
/// stderr.
pub fn overlaid_spec(root: &Path) -> Result<serde_json::Value, String> {
    let spec_path = default_spec_path(root)?;
    let text = read_text(&spec_path, "the spec ")?;
    let overlay = default_overlay(root)?;
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load_with_overlay(&text, overlay.as_deref(), &mut diagnostics);
    if let Some(loaded) = &loaded {
        load::locate_all(&mut diagnostics, &loaded.tree);
    }
    for d in diagnostics.items().iter().filter(|d| d.severity >= Severity::Warning) {
        eprintln!("{d}");
    }
    let loaded = loaded.ok_or_else(|| format!("{} or the overlay could not be read", spec_path.display()))?;
    Ok(loaded.tree.root)
}
