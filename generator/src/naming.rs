//! All naming: Rust identifiers from wire names, case conversion, collision resolution.
//!
//! Every identifier the generator emits comes from here, so the rules live in one place and
//! one table test.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words that cannot be identifiers at all, not even raw (`r#self` is invalid).
const NON_RAW_KEYWORDS: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Strict and reserved keywords (all editions), used raw (`r#type`).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro", "match", "mod", "move",
    "mut", "override", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Type names the generated code uses unqualified; a schema with one of these names is renamed.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Option", "Some", "None", "Result", "Ok", "Err", "Vec", "String", "Box", "Default", "Clone", "Debug", "PartialEq",
    "Serialize", "Deserialize", "Self", "From", "Into", "Send", "Sync", "Sized", "Unpin", "Copy", "Drop", "Fn", "FnMut",
    "FnOnce", "Iterator", "ToString", "ToOwned", "AsRef",
];

/// Replaces characters that cannot appear in an identifier by word breaks, and spells
/// non-ASCII characters as `u<hex>` so that distinct names stay distinct.
fn ascii_words(wire: &str) -> String {
    let mut out = String::with_capacity(wire.len());
    for c in wire.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c.is_ascii() {
            out.push('_');
        } else {
            out.push_str(&format!("_u{:x}_", c as u32));
        }
    }
    out
}

/// A snake_case identifier (field, parameter, method, module) for a wire name.
///
/// Keywords become raw (`r#type`); names that cannot be raw get a trailing underscore
/// (`self_`); a leading digit gets an `n` prefix (`n2fa`); an empty result becomes `value`.
pub fn snake_ident(wire: &str) -> String {
    if NON_RAW_KEYWORDS.contains(&wire) {
        return if wire == "_" { "underscore".to_string() } else { format!("{}_", wire.to_snake_case()) };
    }
    let snake = ascii_words(wire).to_snake_case();
    let snake = if snake.is_empty() { "value".to_string() } else { snake };
    let snake = if snake.starts_with(|c: char| c.is_ascii_digit()) { format!("n{snake}") } else { snake };
    if NON_RAW_KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else if KEYWORDS.contains(&snake.as_str()) {
        format!("r#{snake}")
    } else {
        snake
    }
}

/// An UpperCamelCase identifier (type, variant) for a wire name.
///
/// A leading digit gets a `prefix` (`V2` for enum variants, `Type2` for types); an empty
/// result becomes `Empty`; `Self` becomes `SelfValue`.
pub fn camel_ident(wire: &str, digit_prefix: &str) -> String {
    let camel = ascii_words(wire).to_upper_camel_case();
    let camel = if camel.is_empty() { "Empty".to_string() } else { camel };
    let camel = if camel.starts_with(|c: char| c.is_ascii_digit()) { format!("{digit_prefix}{camel}") } else { camel };
    if camel == "Self" {
        "SelfValue".to_string()
    } else {
        camel
    }
}

/// A type name for a schema or inline type name candidate.
pub fn type_name(wire: &str) -> String {
    camel_ident(wire, "Type")
}

/// An enum variant name for an enum value.
pub fn variant_name(value: &str) -> String {
    camel_ident(value, "V")
}

/// A cargo feature and module name for a tag (tags differing only in case give one name).
/// A keyword gets a trailing underscore (`type_`), since a module name cannot be raw here.
pub fn group_name(tag: &str) -> String {
    let snake = snake_ident(&tag.to_lowercase());
    match snake.strip_prefix("r#") {
        Some(keyword) => format!("{keyword}_"),
        None => snake,
    }
}

/// How long an operationId may be before it is taken for a sentence rather than a name.
const MAX_OPERATION_ID_CHARS: usize = 64;
/// How many words an operationId may have (the 9.8 spec's longest has 8).
const MAX_OPERATION_ID_WORDS: usize = 10;
/// Words that make a dash- or space-separated operationId a sentence slug.
const SENTENCE_WORDS: &[&str] = &["a", "an", "the", "of", "on", "to", "for", "in", "is", "be", "can", "and", "or", "with", "from", "by", "this"];

/// Why an `operationId` does not make a sensible method name, or `None` when it does.
///
/// Unusable: missing or blank, longer than 64 characters, more than 10 words, characters
/// that no identifier has (spaces aside), or a slug of a sentence (`create-a-new-user-on-the-system`,
/// as Swagger 2.0 copies in API directories have). `GetUsersByIds`, `get_users` and
/// `get-users` are fine.
pub fn operation_id_problem(id: &str) -> Option<&'static str> {
    let id = id.trim();
    if id.is_empty() {
        return Some("it is missing");
    }
    if id.chars().count() > MAX_OPERATION_ID_CHARS {
        return Some("it is longer than 64 characters");
    }
    if !id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' ')) {
        return Some("it has characters no identifier has");
    }
    let words: Vec<String> = snake_ident(id).trim_start_matches("r#").split('_').filter(|w| !w.is_empty()).map(str::to_string).collect();
    if words.len() > MAX_OPERATION_ID_WORDS {
        return Some("it has more than 10 words");
    }
    let separated = id.contains(['-', ' ', '.']);
    if separated && words.len() >= 4 && words.iter().any(|w| SENTENCE_WORDS.contains(&w.as_str())) {
        return Some("it is a sentence, not a name");
    }
    None
}

/// The identifier without a raw prefix, for building derived names (`r#type` -> `type`).
pub fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

/// Hands out names, making each unique by appending 2, 3, ... to a taken candidate.
#[derive(Debug, Default, Clone)]
pub struct Namer {
    taken: BTreeSet<String>,
}

impl Namer {
    /// A namer with some names already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Namer {
            taken: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Whether `name` is already taken.
    pub fn is_taken(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Claims `candidate`, or the first free `candidate2`, `candidate3`, ...
    pub fn claim(&mut self, candidate: &str) -> String {
        if self.taken.insert(candidate.to_string()) {
            return candidate.to_string();
        }
        let (base, raw) = match candidate.strip_prefix("r#") {
            Some(rest) => (rest, true),
            None => (candidate, false),
        };
        let separator = if base.ends_with(|c: char| c.is_ascii_digit()) { "_" } else { "" };
        for n in 2.. {
            let mut name = format!("{base}{separator}{n}");
            if raw && KEYWORDS.contains(&name.as_str()) {
                name = format!("r#{name}");
            }
            if self.taken.insert(name.clone()) {
                return name;
            }
        }
        unreachable!("an unbounded counter always finds a free name")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_identifiers_table() {
        let table = [
            ("user_id", "user_id"),
            ("userId", "user_id"),
            ("GetUsersByIDs", "get_users_by_i_ds"),
            ("getUserByEmail", "get_user_by_email"),
            ("linux-amd64", "linux_amd64"),
            ("type", "r#type"),
            ("async", "r#async"),
            ("self", "self_"),
            ("Self", "self_"),
            ("super", "super_"),
            ("crate", "crate_"),
            ("_", "underscore"),
            ("2fa", "n2fa"),
            ("200", "n200"),
            ("", "value"),
            ("café", "caf_ue9"),
            ("X-Requested-With", "x_requested_with"),
            ("per_page", "per_page"),
            ("$filter", "filter"),
            ("CheckUserMfa", "check_user_mfa"),
        ];
        for (wire, expected) in table {
            assert_eq!(snake_ident(wire), expected, "wire name {wire:?}");
        }
    }

    #[test]
    fn camel_identifiers_table() {
        let table = [
            ("User", "User"),
            ("user", "User"),
            ("PluginManifest_webapp", "PluginManifestWebapp"),
            ("open", "Open"),
            ("O", "O"),
            ("", "Empty"),
            ("Self", "SelfValue"),
            ("2fa", "V2fa"),
            ("system_admin", "SystemAdmin"),
            ("ärger", "Ue4Rger"),
            ("a b", "AB"),
        ];
        for (wire, expected) in table {
            assert_eq!(variant_name(wire), expected, "wire name {wire:?}");
        }
        assert_eq!(type_name("200Response"), "Type200response");
    }

    #[test]
    fn operation_ids_table() {
        let table: [(&str, Option<&str>); 13] = [
            ("GetUsers", None),
            ("UpdateSidebarCategoryOrderForTeamForUser", None),
            ("get_users", None),
            ("get-users", None),
            ("getUserByEmail", None),
            ("", Some("it is missing")),
            ("   ", Some("it is missing")),
            (
                "create-a-new-user-on-the-system-permissionsno-permission-required-but-user-creation-can-be-controlle",
                Some("it is longer than 64 characters"),
            ),
            ("get-a-list-of-users", Some("it is a sentence, not a name")),
            ("Get a user by id", Some("it is a sentence, not a name")),
            ("get-users-in-channel-sorted-by-status-and-then-name-alphabetical", Some("it has more than 10 words")),
            ("get user (deprecated)", Some("it has characters no identifier has")),
            ("создать", Some("it has characters no identifier has")),
        ];
        for (id, expected) in table {
            assert_eq!(operation_id_problem(id), expected, "operationId {id:?}");
        }
    }

    #[test]
    fn group_names_fold_case() {
        assert_eq!(group_name("OAuth"), "oauth");
        assert_eq!(group_name("oauth"), "oauth");
        assert_eq!(group_name("LDAP"), "ldap");
        assert_eq!(group_name("ldap"), "ldap");
        assert_eq!(group_name("data retention"), "data_retention");
        assert_eq!(group_name("self"), "self_");
        assert_eq!(group_name("type"), "type_");
    }

    #[test]
    fn namer_appends_counters_deterministically() {
        let mut namer = Namer::with_reserved(&["Option"]);
        assert_eq!(namer.claim("User"), "User");
        assert_eq!(namer.claim("User"), "User2");
        assert_eq!(namer.claim("User"), "User3");
        assert_eq!(namer.claim("Option"), "Option2");
        assert_eq!(namer.claim("V1"), "V1");
        assert_eq!(namer.claim("V1"), "V1_2");
        assert_eq!(namer.claim("r#type"), "r#type");
        assert_eq!(namer.claim("r#type"), "type2");
    }
}
