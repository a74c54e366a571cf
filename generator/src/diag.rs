//! Diagnostics as values: every warning or error names a place in the spec.

use std::fmt;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Informational: the generator made a documented choice (a rename, a merge).
    Note,
    /// The spec is wrong or unsupported here; the generator fell back to something that compiles.
    Warning,
    /// The generator could not go on with this input.
    Error,
}

/// One located message about the spec.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// A short stable kind, used for the summary (`type-mismatch`, `name-collision`, ...).
    pub kind: &'static str,
    /// The file the pointer is in, when it is not the spec (the overlay).
    pub file: Option<String>,
    /// A JSON pointer into the spec (`/paths/~1api~1v4~1users/get`).
    pub pointer: String,
    /// 1-based line in the spec file, where known.
    pub line: Option<usize>,
    /// 1-based column in the spec file, where known.
    pub column: Option<usize>,
    /// What is wrong and what the generator did about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{severity}[{}]: {}", self.kind, self.message)?;
        match &self.file {
            Some(file) => write!(f, "\n  at {file}: {}", display_pointer(&self.pointer))?,
            None => write!(f, "\n  at {}", display_pointer(&self.pointer))?,
        }
        if let Some(line) = self.line {
            write!(f, " (line {line}")?;
            if let Some(column) = self.column {
                write!(f, ", column {column}")?;
            }
            write!(f, ")")?;
        }
        Ok(())
    }
}

fn display_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "/"
    } else {
        pointer
    }
}

/// An ordered collection of diagnostics, filled by every stage.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a diagnostic without a known line (the loader's index fills lines in later).
    pub fn push(&mut self, severity: Severity, kind: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.items.push(Diagnostic {
            severity,
            kind,
            file: None,
            pointer: pointer.into(),
            line: None,
            column: None,
            message: message.into(),
        });
    }

    /// Records a warning.
    pub fn warn(&mut self, kind: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Warning, kind, pointer, message);
    }

    /// Records a note.
    pub fn note(&mut self, kind: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Note, kind, pointer, message);
    }

    /// Records an error.
    pub fn error(&mut self, kind: &'static str, pointer: impl Into<String>, message: impl Into<String>) {
        self.push(Severity::Error, kind, pointer, message);
    }

    /// Appends an already built diagnostic.
    pub fn push_diagnostic(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// All diagnostics in the order they were recorded.
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Mutable access, for filling in locations.
    pub fn items_mut(&mut self) -> &mut [Diagnostic] {
        &mut self.items
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Counts by severity: (errors, warnings, notes).
    pub fn counts(&self) -> (usize, usize, usize) {
        let count = |s| self.items.iter().filter(|d| d.severity == s).count();
        (count(Severity::Error), count(Severity::Warning), count(Severity::Note))
    }

    /// Counts per (severity, kind), sorted, for the regen summary.
    pub fn summary(&self) -> Vec<(Severity, &'static str, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for d in &self.items {
            *counts.entry((std::cmp::Reverse(d.severity), d.kind)).or_insert(0) += 1;
        }
        counts.into_iter().map(|((s, k), n)| (s.0, k, n)).collect()
    }

    /// Consumes the collection.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// Escapes one reference token of a JSON pointer (RFC 6901).
pub fn escape_token(token: &str) -> String {
    if !token.contains(['~', '/']) {
        return token.to_string();
    }
    token.replace('~', "~0").replace('/', "~1")
}

/// Builds a JSON pointer from unescaped tokens.
pub fn pointer<I, S>(tokens: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::new();
    for token in tokens {
        out.push('/');
        out.push_str(&escape_token(token.as_ref()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(pointer(["paths", "/api/v4/users", "get"]), "/paths/~1api~1v4~1users/get");
        assert_eq!(pointer(["a~b"]), "/a~0b");
    }

    #[test]
    fn display_names_place_and_line() {
        let d = Diagnostic {
            severity: Severity::Warning,
            kind: "type-mismatch",
            file: None,
            pointer: "/components/schemas/X".into(),
            line: Some(12),
            column: Some(5),
            message: "m".into(),
        };
        assert_eq!(d.to_string(), "warning[type-mismatch]: m\n  at /components/schemas/X (line 12, column 5)");
    }
}
