//! The hand-written parts of the generated crate, embedded from `templates/` at build time.

/// Runtime modules, copied verbatim into `src/runtime/` of the generated crate.
pub const RUNTIME_FILES: &[(&str, &str)] = &[
    ("call.rs", include_str!("../../templates/src/runtime/call.rs")),
    ("client.rs", include_str!("../../templates/src/runtime/client.rs")),
    ("error.rs", include_str!("../../templates/src/runtime/error.rs")),
    ("limits.rs", include_str!("../../templates/src/runtime/limits.rs")),
    ("mock.rs", include_str!("../../templates/src/runtime/mock.rs")),
    ("mock_operation.rs", include_str!("../../templates/src/runtime/mock_operation.rs")),
    ("mock_request.rs", include_str!("../../templates/src/runtime/mock_request.rs")),
    ("mod.rs", include_str!("../../templates/src/runtime/mod.rs")),
    ("model_decode.rs", include_str!("../../templates/src/runtime/model_decode.rs")),
    ("multipart.rs", include_str!("../../templates/src/runtime/multipart.rs")),
    ("nulls.rs", include_str!("../../templates/src/runtime/nulls.rs")),
    ("pagination.rs", include_str!("../../templates/src/runtime/pagination.rs")),
    ("redact.rs", include_str!("../../templates/src/runtime/redact.rs")),
    ("redirect.rs", include_str!("../../templates/src/runtime/redirect.rs")),
    ("request.rs", include_str!("../../templates/src/runtime/request.rs")),
    ("retry.rs", include_str!("../../templates/src/runtime/retry.rs")),
    ("websocket.rs", include_str!("../../templates/src/runtime/websocket.rs")),
    ("websocket_backoff.rs", include_str!("../../templates/src/runtime/websocket_backoff.rs")),
    ("websocket_buffer.rs", include_str!("../../templates/src/runtime/websocket_buffer.rs")),
    ("websocket_connection.rs", include_str!("../../templates/src/runtime/websocket_connection.rs")),
    ("websocket_decode.rs", include_str!("../../templates/src/runtime/websocket_decode.rs")),
    ("websocket_frame.rs", include_str!("../../templates/src/runtime/websocket_frame.rs")),
    ("websocket_handshake.rs", include_str!("../../templates/src/runtime/websocket_handshake.rs")),
    ("websocket_replay.rs", include_str!("../../templates/src/runtime/websocket_replay.rs")),
    ("websocket_sequence.rs", include_str!("../../templates/src/runtime/websocket_sequence.rs")),
];

/// Examples, copied verbatim into `examples/` of the generated crate.
pub const EXAMPLE_FILES: &[(&str, &str)] = &[
    ("channel_posts.rs", include_str!("../../templates/examples/channel_posts.rs")),
    ("create_post.rs", include_str!("../../templates/examples/create_post.rs")),
    ("echo_bot.rs", include_str!("../../templates/examples/echo_bot.rs")),
    ("list_team_users.rs", include_str!("../../templates/examples/list_team_users.rs")),
    ("login_and_me.rs", include_str!("../../templates/examples/login_and_me.rs")),
    ("upload_profile_image.rs", include_str!("../../templates/examples/upload_profile_image.rs")),
];

/// The generated crate's manifest.
pub const CARGO_TOML: &str = include_str!("../../templates/crate/Cargo.toml.in");

/// The generated crate's README.
pub const README: &str = include_str!("../../templates/crate/README.md");

/// The template crate's own manifest, whose dependencies the generated crate must share.
#[cfg(test)]
const TEMPLATE_CRATE_MANIFEST: &str = include_str!("../../templates/Cargo.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn section<'a>(manifest: &'a str, header: &str) -> &'a str {
        let start = manifest.find(header).map_or(manifest.len(), |i| i + header.len());
        let rest = &manifest[start..];
        let end = rest.find("\n[").unwrap_or(rest.len());
        rest[..end].trim()
    }

    fn files_in(dir: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../templates").join(dir);
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .expect("template directory exists")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        on_disk
    }

    #[test]
    fn every_runtime_file_and_example_is_embedded() {
        let embedded: Vec<&str> = RUNTIME_FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(files_in("src/runtime"), embedded, "add new runtime files to RUNTIME_FILES");
        let embedded: Vec<&str> = EXAMPLE_FILES.iter().map(|(name, _)| *name).collect();
        assert_eq!(files_in("examples"), embedded, "add new examples to EXAMPLE_FILES");
    }

    #[test]
    fn generated_manifest_has_the_template_crates_dependencies() {
        assert_eq!(section(CARGO_TOML, "[dependencies]"), section(TEMPLATE_CRATE_MANIFEST, "[dependencies]"));
    }

    #[test]
    fn runtime_files_never_name_the_crate_root() {
        for (name, text) in RUNTIME_FILES {
            assert!(!text.contains("crate::"), "{name} must use `super::`, the crate root differs once copied");
        }
    }
}
