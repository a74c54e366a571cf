//! `cargo xtask newest-deps` (a step of `cargo xtask test`): the generated crate built as a user
//! who vendors it gets it. It is copied out of the workspace, where no lock file pins its
//! dependencies, the newest versions its manifest allows are resolved, and clippy (warnings
//! denied) and its own tests must pass there: an upstream deprecation or break is caught here,
//! not by users.
//!
//! The build shares the workspace's target directory, so only the dependencies whose newest
//! version differs from `Cargo.lock` are compiled again. The copy stays in its folder until the
//! next run replaces it (its `Cargo.lock` names the versions used); a failure names the folder
//! and the command to rerun there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Features checked besides the defaults (`rustls`, every operation group): the event stream,
/// which the examples need too.
const FEATURES: &str = "websocket";

/// Runs the check on its own (`cargo xtask newest-deps`).
pub fn run() -> ExitCode {
    let started = Instant::now();
    match check(&crate::regen::repo_root()) {
        Ok(()) => {
            eprintln!("==> newest dependencies: ok in {:.1} s", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("==> newest dependencies: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Copies `generated/` to a fresh folder under the system's temporary directory, resolves the
/// newest compatible versions, then runs clippy with `-D warnings` and the tests there.
///
/// The folder is named after the checkout and the copies keep their modification times, so a
/// second run in the same checkout finds the crate's own build up to date as well.
pub fn check(root: &Path) -> Result<(), String> {
    let checkout: String = root
        .to_string_lossy()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = std::env::temp_dir().join(format!("mattermost-client-newest{checkout}"));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    copy_dir(&root.join("generated"), &dir)?;
    let target = target_dir(root);
    let commands: [&[&str]; 3] = [
        &["generate-lockfile"],
        &["clippy", "--quiet", "--all-targets", "--features", FEATURES, "--", "-D", "warnings"],
        &["test", "--quiet", "--features", FEATURES],
    ];
    for (i, args) in commands.iter().enumerate() {
        let status = Command::new("cargo")
            .args(*args)
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if !status.success() {
            return Err(format!(
                "`cargo {}` failed in {} (rerun it there with CARGO_TARGET_DIR={})",
                args.join(" "),
                dir.display(),
                target.display()
            ));
        }
        if i == 0 {
            report_upgrades(&root.join("Cargo.lock"), &dir.join("Cargo.lock"))?;
        }
    }
    Ok(())
}

/// The workspace's target directory (`CARGO_TARGET_DIR` when set), made absolute.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Copies the files of `from` into `to` (created), recursively, leaving out `target/`; each copy
/// keeps its modification time, which is what cargo compares to know whether to rebuild.
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| format!("{}: {e}", path.display()))?;
        if kind.is_dir() {
            if entry.file_name() != "target" {
                copy_dir(&path, &to.join(entry.file_name()))?;
            }
        } else {
            let copy = to.join(entry.file_name());
            std::fs::copy(&path, &copy).map_err(|e| format!("{}: {e}", path.display()))?;
            let modified = entry.metadata().and_then(|m| m.modified()).map_err(|e| format!("{}: {e}", path.display()))?;
            std::fs::File::options()
                .write(true)
                .open(&copy)
                .and_then(|file| file.set_modified(modified))
                .map_err(|e| format!("{}: {e}", copy.display()))?;
        }
    }
    Ok(())
}

/// Prints each package of `newest` whose version the workspace's lock file does not have.
fn report_upgrades(workspace: &Path, newest: &Path) -> Result<(), String> {
    let locked = lock_packages(workspace)?;
    let newer: Vec<String> = lock_packages(newest)?
        .into_iter()
        .filter(|package| !locked.contains(package))
        .map(|(name, version)| {
            let old: Vec<&str> = locked.iter().filter(|(n, _)| *n == name).map(|(_, v)| v.as_str()).collect();
            if old.is_empty() {
                format!("{name} {version} (not in Cargo.lock)")
            } else {
                format!("{name} {} -> {version}", old.join("/"))
            }
        })
        .collect();
    if newer.is_empty() {
        eprintln!("==> the newest versions are those of Cargo.lock");
    } else {
        eprintln!("==> {} packages newer than in Cargo.lock: {}", newer.len(), newer.join(", "));
    }
    Ok(())
}

/// The (name, version) pairs of a `Cargo.lock`.
fn lock_packages(path: &Path) -> Result<BTreeSet<(String, String)>, String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Package>,
    }
    #[derive(serde::Deserialize)]
    struct Package {
        name: String,
        version: String,
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let lock: Lock = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(lock.package.into_iter().map(|p| (p.name, p.version)).collect())
}
