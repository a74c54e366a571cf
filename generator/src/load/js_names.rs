//! The official JavaScript client's method names (`spec/js-client-names.yaml`): for each
//! operationId, the `@mattermost/client` methods that send its request. A fact of that client's
//! public API, put on the operations so the generated methods carry them as search aliases.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::diag::Diagnostics;

/// The file diagnostics about the names name.
pub const JS_NAMES_FILE: &str = "spec/js-client-names.yaml";

/// The names, by operationId.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct JsNames {
    /// The npm package the names come from.
    pub package: String,
    /// Its version.
    pub version: String,
    /// operationId to the client's methods that send it.
    pub operations: BTreeMap<String, Vec<String>>,
}

/// Reads the names file; an unreadable file is a warning and gives no names.
pub fn parse(text: &str, diagnostics: &mut Diagnostics) -> Option<JsNames> {
    match serde_yaml::from_str::<JsNames>(text) {
        Ok(names) => {
            for (operation, methods) in &names.operations {
                if let Some(bad) = methods.iter().find(|m| !is_js_identifier(m)) {
                    diagnostics.warn("js-names", "", format!("{JS_NAMES_FILE}: `{bad}` (for `{operation}`) is not a JavaScript method name; it is left out"));
                }
            }
            Some(names)
        }
        Err(error) => {
            diagnostics.warn("js-names", "", format!("{JS_NAMES_FILE} cannot be read, so no method gets its JavaScript name: {error}"));
            None
        }
    }
}

/// Whether `name` is a plain JavaScript identifier (what `doc(alias)` may hold).
pub fn is_js_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_flags_bad_ones() {
        let mut diagnostics = Diagnostics::default();
        let names = parse("package: p\nversion: '1'\noperations:\n  SaveReaction: [addReaction]\n  X: ['a b']\n", &mut diagnostics);
        let names = names.expect("reads");
        assert_eq!(names.operations["SaveReaction"], vec!["addReaction".to_string()]);
        assert_eq!(diagnostics.items().len(), 1);
        assert!(parse("operations: 3", &mut diagnostics).is_none());
    }
}
