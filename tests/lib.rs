//! Tests of the generator and of the generated client; the tests are in `tests/tests/`.
//!
//! - `tests/fixtures/*.yaml`: small specs of our own, one rule or defect each;
//! - `tests/tests/`: the test binaries, with their insta snapshots in `tests/tests/snapshots/`.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The upstream spec the committed `generated/` crate was made from.
pub fn real_spec_path() -> PathBuf {
    repo_root().join("../shared/spec/mattermost-openapi-v4.yaml")
}
