//! Which values authenticate: fields and parameters whose value must never be printed. The
//! generated `Debug` of a type or request builder that holds one shows `<redacted>` instead.

/// Parts of a name (lower case, without `_`, `-` or spaces) that mark a secret wherever they
/// appear.
const SECRET_PARTS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "privatekey",
    "apikey",
    "accesskey",
    "encryptkey",
    "developerkey",
    "signingkey",
    "datasource",
    "cookie",
    "credential",
    "inviteid",
];

/// Whether a field or parameter named `wire_name` carries a secret: a password, token,
/// client or MFA secret, invite id, key, salt, cookie or database connection string (which
/// holds a password). A name ending in `token` or `salt` counts (`access_token`,
/// `PublicLinkSalt`); one ending in `tokenid` or `tokens` does not (an id, a list of token
/// records), nor one that only contains the letters (`locales_alternate`).
pub fn is_secret_name(wire_name: &str) -> bool {
    let name: String = wire_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    name.ends_with("token") || name.ends_with("salt") || SECRET_PARTS.iter().any(|part| name.contains(part))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_table() {
        let table = [
            ("token", true),
            ("access_token", true),
            ("refresh_token", true),
            ("MfaToken", true),
            ("password", true),
            ("new_password", true),
            ("SMTPPassword", true),
            ("client_secret", true),
            ("mfa_secret", true),
            ("invite_id", true),
            ("AmazonS3SecretAccessKey", true),
            ("DataSource", true),
            ("DataSourceReplicas", true),
            ("PublicLinkSalt", true),
            ("AtRestEncryptKey", true),
            ("GoogleDeveloperKey", true),
            ("cookie", true),
            ("token_id", false),
            ("tokens", false),
            ("user_id", false),
            ("username", false),
            ("id", false),
            ("trigger_id", false),
            ("public_key_path", false),
            ("description", false),
            ("locales_alternate", false),
        ];
        for (name, secret) in table {
            assert_eq!(is_secret_name(name), secret, "{name}");
        }
    }
}
