//! Emit: formats token streams and writes (or checks) the generated crate's files.
//!
//! Files are compared before writing, so an unchanged file keeps its timestamp; files under the
//! output directory that the generator no longer produces are removed.

use std::collections::BTreeSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

/// One output file, by path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    /// Relative path with `/` separators.
    pub path: String,
    /// Full contents.
    pub contents: String,
}

/// The tokens did not form a Rust file: a generator bug, reported with the file it was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    /// The file being formatted.
    pub path: String,
    /// What `syn` said.
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "internal error: the tokens for {} are not valid Rust: {}", self.path, self.message)
    }
}

/// Formats `tokens` with `prettyplease`, after a `//` preamble.
pub fn format_rust(path: &str, preamble: &str, tokens: TokenStream) -> Result<OutputFile, FormatError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| FormatError {
        path: path.to_string(),
        message: e.to_string(),
    })?;
    let mut contents = String::with_capacity(preamble.len() + 4096);
    contents.push_str(preamble);
    contents.push_str(&prettyplease::unparse(&file));
    Ok(OutputFile {
        path: path.to_string(),
        contents,
    })
}

/// Whether to write files or only compare them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Make the directory match.
    Write,
    /// Report differences without touching anything.
    Check,
}

/// What differs (or differed) between the directory and the generated files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Files that did not exist.
    pub added: Vec<String>,
    /// Files whose contents differ.
    pub changed: Vec<String>,
    /// Files that the generator does not produce.
    pub removed: Vec<String>,
    /// Files already up to date.
    pub unchanged: usize,
}

impl SyncReport {
    /// Whether the directory already matched.
    pub fn is_clean(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Directories inside the output that are never the generator's (build output).
const IGNORED_DIRS: &[&str] = &["target"];

/// Makes `dir` hold exactly `files` (in `Write` mode), or reports how it differs (`Check`).
pub fn sync(dir: &Path, files: &[OutputFile], mode: Mode) -> io::Result<SyncReport> {
    let mut report = SyncReport::default();
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for file in files {
        let target = dir.join(&file.path);
        match std::fs::read(&target) {
            Ok(existing) if existing == file.contents.as_bytes() => report.unchanged += 1,
            Ok(_) => {
                report.changed.push(file.path.clone());
                if mode == Mode::Write {
                    std::fs::write(&target, &file.contents)?;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                report.added.push(file.path.clone());
                if mode == Mode::Write {
                    if let Some(parent) = target.parent() {
                        std::fs::create_dir_all(parent)?;
                    }
                    std::fs::write(&target, &file.contents)?;
                }
            }
            Err(e) => return Err(e),
        }
    }
    for existing in list_files(dir)? {
        if !wanted.contains(existing.as_str()) {
            if mode == Mode::Write {
                std::fs::remove_file(dir.join(&existing))?;
            }
            report.removed.push(existing);
        }
    }
    if mode == Mode::Write {
        remove_empty_dirs(dir)?;
    }
    report.added.sort();
    report.changed.sort();
    report.removed.sort();
    Ok(report)
}

/// Every file below `dir` (relative, `/`-separated, sorted), skipping build output.
fn list_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    if dir.is_dir() {
        walk(dir, &PathBuf::new(), &mut out)?;
    }
    out.sort();
    Ok(out)
}

fn walk(root: &Path, relative: &Path, out: &mut Vec<String>) -> io::Result<()> {
    for entry in std::fs::read_dir(root.join(relative))? {
        let entry = entry?;
        let name = entry.file_name();
        let rel = relative.join(&name);
        if entry.file_type()?.is_dir() {
            if relative.as_os_str().is_empty() && IGNORED_DIRS.iter().any(|d| name == *d) {
                continue;
            }
            walk(root, &rel, out)?;
        } else {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}

fn remove_empty_dirs(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() && !IGNORED_DIRS.iter().any(|d| entry.file_name() == *d) {
            let path = entry.path();
            remove_empty_dirs(&path)?;
            if std::fs::read_dir(&path)?.next().is_none() {
                std::fs::remove_dir(&path)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    #[test]
    fn sync_writes_rewrites_only_changes_and_removes_stale_files() {
        let dir = std::env::temp_dir().join(format!("emit-sync-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = [file("a.rs", "a"), file("src/b.rs", "b"), file("src/old/c.rs", "c")];
        let report = sync(&dir, &first, Mode::Write).expect("write");
        assert_eq!(report.added.len(), 3);

        let second = [file("a.rs", "a"), file("src/b.rs", "B")];
        let check = sync(&dir, &second, Mode::Check).expect("check");
        assert_eq!(check.changed, vec!["src/b.rs"]);
        assert_eq!(check.removed, vec!["src/old/c.rs"]);
        assert_eq!(check.unchanged, 1);
        assert_eq!(std::fs::read_to_string(dir.join("src/b.rs")).expect("read"), "b", "check mode writes nothing");

        sync(&dir, &second, Mode::Write).expect("write");
        assert!(!dir.join("src/old").exists(), "empty directories are removed");
        assert!(sync(&dir, &second, Mode::Check).expect("check").is_clean());
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn invalid_tokens_are_an_error_naming_the_file() {
        let tokens: TokenStream = quote::quote!(fn fn struct);
        let error = format_rust("src/x.rs", "", tokens).expect_err("not a file");
        assert_eq!(error.path, "src/x.rs");
    }
}
