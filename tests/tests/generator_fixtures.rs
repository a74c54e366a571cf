//! Fixture specs of our own (`tests/fixtures/*.yaml`, one rule each): focused snapshots of the
//! generated files and diagnostics, plus checks over every fixture (determinism, valid Rust,
//! located diagnostics, and a warning-free `cargo clippy` of every generated crate).

use std::path::{Path, PathBuf};
use std::process::Command;

use mattermost_codegen::diag::Severity;
use mattermost_codegen::emit::{self, OutputFile};
use mattermost_codegen::ir::{TypeKind, TypeOrigin};
use mattermost_codegen::lower::PREAMBLE;
use mattermost_codegen::Generation;
use mattermost_tests::repo_root;

fn fixtures_dir() -> PathBuf {
    repo_root().join("tests/fixtures")
}

/// File stems of every fixture, sorted.
fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures exists")
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| path.file_stem().expect("stem").to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no fixtures found in {}", fixtures_dir().display());
    names
}

fn fixture_text(name: &str) -> String {
    let path = fixtures_dir().join(format!("{name}.yaml"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn diagnostics_text(items: &[mattermost_codegen::diag::Diagnostic]) -> String {
    if items.is_empty() {
        return "(none)\n".to_string();
    }
    items.iter().map(|d| format!("{d}\n")).collect()
}

fn try_generate(name: &str) -> Result<Generation, String> {
    mattermost_codegen::generate(&fixture_text(name))
        .map_err(|diagnostics| format!("fixture {name} did not generate:\n{}", diagnostics_text(diagnostics.items())))
}

fn generate(name: &str) -> Generation {
    try_generate(name).unwrap_or_else(|message| panic!("{message}"))
}

/// Fails with every message at once, so one broken fixture does not hide the others.
fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(failures.is_empty(), "{what}: {} failure(s)\n\n{}", failures.len(), failures.join("\n\n"));
}

fn file<'a>(generation: &'a Generation, path: &str) -> &'a str {
    match generation.files.iter().find(|f| f.path == path) {
        Some(f) => &f.contents,
        None => {
            let paths: Vec<&str> = generation.files.iter().map(|f| f.path.as_str()).filter(|p| !p.starts_with("src/runtime/")).collect();
            panic!("no generated file {path}; generated: {paths:#?}")
        }
    }
}

/// The snapshot of one fixture: its diagnostics, the names of every model type and
/// operation, then the chosen files (without the `@generated` preamble).
fn report(generation: &Generation, paths: &[&str]) -> String {
    let mut out = String::from("diagnostics:\n");
    out.push_str(&diagnostics_text(generation.diagnostics.items()));
    let types: Vec<&str> = generation.ir.types.sorted_ids().into_iter().map(|id| generation.ir.types.get(id).name.as_str()).collect();
    out.push_str(&format!("types: {}\n", types.join(", ")));
    for op in &generation.ir.operations {
        out.push_str(&format!("operation: {} ({} {}) in {}\n", op.method_name, op.http_method, op.path, op.group));
    }
    for path in paths {
        let contents = file(generation, path);
        out.push_str(&format!("\n===== {path} =====\n"));
        out.push_str(contents.strip_prefix(PREAMBLE).unwrap_or(contents));
    }
    out
}

const NOTE: Severity = Severity::Note;
const WARN: Severity = Severity::Warning;

/// The (severity, kind) of every diagnostic, in order, are `expected`.
fn assert_kinds(generation: &Generation, expected: &[(Severity, &str)]) {
    let actual: Vec<(Severity, &str)> = generation.diagnostics.items().iter().map(|d| (d.severity, d.kind)).collect();
    assert_eq!(actual, expected, "diagnostics:\n{}", diagnostics_text(generation.diagnostics.items()));
}

/// The type generated for component schema `name`.
fn component_type<'a>(generation: &'a Generation, name: &str) -> &'a mattermost_codegen::ir::TypeEntry {
    generation
        .ir
        .types
        .entries
        .iter()
        .find(|e| e.origin == TypeOrigin::Component(name.to_string()))
        .unwrap_or_else(|| panic!("no type for component {name}"))
}

// ---------------------------------------------------------------------------------------------
// Type naming and the type space

#[test]
fn naming_component_names() {
    let g = generate("naming_component_names");
    assert_kinds(&g, &[(NOTE, "name-collision"), (NOTE, "name-collision")]);
    assert_eq!(component_type(&g, "channel_member").name, "ChannelMember");
    assert_eq!(component_type(&g, "Bot_Account").name, "BotAccount");
    assert_eq!(component_type(&g, "2fa_settings").name, "Type2faSettings");
    assert_eq!(component_type(&g, "Option").name, "Option2");
    assert_eq!(component_type(&g, "Result").name, "Result2");
    insta::assert_snapshot!(report(&g, &["src/models/mod.rs", "src/models/option2.rs", "src/models/type2fa_settings.rs"]));
}

#[test]
fn naming_inline_request_body() {
    let g = generate("naming_inline_request_body");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/create_widget_request.rs", "src/operations/widgets.rs"]));
}

#[test]
fn naming_inline_response() {
    let g = generate("naming_inline_response");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/get_widget_stats_response.rs", "src/operations/widgets.rs"]));
}

#[test]
fn naming_nested_inline_object() {
    let g = generate("naming_nested_inline_object");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(
        &g,
        &["src/models/gadget.rs", "src/models/gadget_power_supply.rs", "src/models/gadget_power_supply_plug.rs"]
    ));
}

#[test]
fn naming_array_item() {
    let g = generate("naming_array_item");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(
        &g,
        &["src/models/checklist.rs", "src/models/checklist_item.rs", "src/models/shelf.rs", "src/models/shelf_books_item.rs"]
    ));
}

#[test]
fn naming_map_value() {
    let g = generate("naming_map_value");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(
        &g,
        &[
            "src/models/inventory.rs",
            "src/models/inventory_stock_value.rs",
            "src/models/price_list.rs",
            "src/models/price_list_value.rs"
        ]
    ));
}

#[test]
fn naming_component_inline_collision() {
    let g = generate("naming_component_inline_collision");
    assert_kinds(&g, &[(NOTE, "name-collision")]);
    assert_eq!(component_type(&g, "CreateNoteRequest").name, "CreateNoteRequest", "the component keeps its name");
    insta::assert_snapshot!(report(
        &g,
        &["src/models/create_note_request.rs", "src/models/create_note_request2.rs", "src/operations/notes.rs"]
    ));
}

#[test]
fn naming_identical_inline_merged() {
    let g = generate("naming_identical_inline_merged");
    assert_kinds(&g, &[]);
    let spec_types: Vec<&str> = g.ir.types.entries.iter().filter(|e| e.name.starts_with("LampBulbSpec")).map(|e| e.name.as_str()).collect();
    assert_eq!(spec_types, ["LampBulbSpec"], "the two identical inline types are one");
    insta::assert_snapshot!(report(&g, &["src/models/lamp.rs", "src/models/lamp_bulb.rs", "src/models/lamp_bulb_spec.rs"]));
}

#[test]
fn naming_prelude_trait_name() {
    let g = generate("naming_prelude_trait_name");
    let entry = component_type(&g, "From");
    let path = format!("src/models/{}.rs", entry.module);
    let parsed = syn::parse_file(file(&g, &path)).expect("valid Rust");
    for item in &parsed.items {
        let syn::Item::Impl(block) = item else { continue };
        let Some((_, trait_path, _)) = &block.trait_ else { continue };
        assert!(
            !(trait_path.segments.len() == 1 && trait_path.segments[0].ident == entry.name),
            "{path} implements the trait `{}` by its bare name, which there names the enum `{}` itself",
            trait_path.segments[0].ident,
            entry.name
        );
    }
    insta::assert_snapshot!(report(&g, &[&path]));
}

#[test]
fn naming_component_case() {
    let g = generate("naming_component_case");
    assert_kinds(&g, &[(NOTE, "name-collision")]);
    let route = component_type(&g, "route");
    let upper = component_type(&g, "Route");
    assert_ne!(route.name, upper.name);
    assert_ne!(route.module, upper.module);
    insta::assert_snapshot!(report(&g, &["src/models/mod.rs", "src/models/route.rs", "src/models/route2.rs"]));
}

// ---------------------------------------------------------------------------------------------
// Type mapping

#[test]
fn types_required_optional_nullable() {
    let g = generate("types_required_optional_nullable");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/ticket.rs"]));
}

#[test]
fn types_integer_formats() {
    let g = generate("types_integer_formats");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/counters.rs"]));
}

#[test]
fn types_number_and_boolean() {
    let g = generate("types_number_and_boolean");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/reading.rs"]));
}

#[test]
fn types_string_formats() {
    let g = generate("types_string_formats");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/attachment.rs"]));
}

#[test]
fn types_secret_fields() {
    let g = generate("types_secret_fields");
    assert_kinds(&g, &[]);
    let model = file(&g, "src/models/access_token.rs");
    assert!(model.contains(r#".field("token", &"<redacted>")"#), "{model}");
    assert!(model.contains(r#".field("pin", &self.pin.as_ref().map(|_| "<redacted>"))"#), "{model}");
    assert!(model.contains(r#".field("token_id", &self.token_id)"#), "{model}");
    assert!(model.contains(r#".field("last_password_update", &self.last_password_update)"#), "{model}");
    insta::assert_snapshot!(report(&g, &["src/models/access_token.rs", "src/operations/untagged.rs"]));
}

#[test]
fn types_string_enum() {
    let g = generate("types_string_enum");
    assert_kinds(&g, &[]);
    let TypeKind::StringEnum(health) = &component_type(&g, "Health").kind else { panic!("Health is an enum") };
    assert_ne!(health.catch_all, "Unknown", "the value `unknown` owns the variant `Unknown`");
    insta::assert_snapshot!(report(&g, &["src/models/health.rs", "src/models/phase.rs"]));
}

#[test]
fn types_additional_properties() {
    let g = generate("types_additional_properties");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/labels.rs", "src/models/profile.rs", "src/models/scores.rs"]));
}

#[test]
fn types_free_form_object() {
    let g = generate("types_free_form_object");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/plugin.rs", "src/models/settings.rs"]));
}

#[test]
fn types_all_of() {
    let g = generate("types_all_of");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/board.rs"]));
}

#[test]
fn types_one_of() {
    let g = generate("types_one_of");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/shape.rs", "src/models/shape_variant3.rs"]));
}

#[test]
fn types_self_reference() {
    let g = generate("types_self_reference");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/ping.rs", "src/models/pong.rs", "src/models/tree_node.rs"]));
}

/// `Default` for a struct that must hold itself can only recurse forever (a stack overflow,
/// which aborts the process, the moment a reply leaves the field out).
#[test]
fn types_required_self_reference() {
    let g = generate("types_required_self_reference");
    assert_kinds(&g, &[]);
    let chain = component_type(&g, "Chain");
    assert!(!chain.has_default, "`Chain` must not derive Default: `Chain::default()` would build `next: Box::default()` forever");
    insta::assert_snapshot!(report(&g, &["src/models/chain.rs"]));
}

#[test]
fn types_any_of() {
    let g = generate("types_any_of");
    assert_kinds(&g, &[(WARN, "dangling-ref")]);
    assert_eq!(g.diagnostics.items()[0].pointer, "/components/schemas/Label/anyOf/2", "the warning names the `anyOf` member");
    insta::assert_snapshot!(report(&g, &["src/models/label.rs"]));
}

/// The generated struct's field names, read back from the file.
fn struct_field_names(file: &str, name: &str) -> Vec<String> {
    let file = syn::parse_file(file).expect("valid Rust");
    let fields = file.items.iter().find_map(|item| match item {
        syn::Item::Struct(s) if s.ident == name => Some(&s.fields),
        _ => None,
    });
    let fields = fields.unwrap_or_else(|| panic!("no struct {name}"));
    fields.iter().map(|f| f.ident.as_ref().expect("named field").to_string()).collect()
}

#[test]
fn types_additional_properties_name_clash() {
    let g = generate("types_additional_properties_name_clash");
    assert_kinds(&g, &[]);
    let fields = struct_field_names(file(&g, "src/models/envelope.rs"), "Envelope");
    let unique: std::collections::BTreeSet<&String> = fields.iter().collect();
    assert_eq!(unique.len(), 2, "`Envelope` needs two differently named fields, has {fields:?}");
    insta::assert_snapshot!(report(&g, &["src/models/envelope.rs"]));
}

#[test]
fn types_field_names() {
    let g = generate("types_field_names");
    assert_kinds(&g, &[]);
    let TypeKind::Struct(s) = &component_type(&g, "Oddities").kind else { panic!("Oddities is a struct") };
    let names: Vec<(&str, &str)> = s.fields.iter().map(|f| (f.wire_name.as_str(), f.rust_name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("type", "r#type"),
            ("self", "self_"),
            ("async", "r#async"),
            ("2fa_enabled", "n2fa_enabled"),
            ("x-request-id", "x_request_id"),
            ("_", "underscore"),
            ("größe", "gr_uf6_udf_e"),
            ("名前", "u540d_u524d"),
            ("userName", "user_name"),
        ]
    );
    insta::assert_snapshot!(report(&g, &["src/models/oddities.rs"]));
}

// ---------------------------------------------------------------------------------------------
// Self-contradicting schemas: a located warning, and code that compiles

#[test]
fn contradiction_array_with_properties() {
    let g = generate("contradiction_array_with_properties");
    assert_kinds(
        &g,
        &[
            (WARN, "properties-on-non-object"),
            (WARN, "array-without-items"),
            (WARN, "properties-on-non-object"),
            (WARN, "array-without-items"),
        ],
    );
    insta::assert_snapshot!(report(&g, &["src/models/roster.rs", "src/models/team.rs"]));
}

#[test]
fn contradiction_number_string_enum() {
    let g = generate("contradiction_number_string_enum");
    assert_kinds(&g, &[(WARN, "enum-type-mismatch")]);
    insta::assert_snapshot!(report(&g, &["src/models/gauge.rs"]));
}

#[test]
fn contradiction_string_integer_enum() {
    let g = generate("contradiction_string_integer_enum");
    assert_kinds(&g, &[(WARN, "enum-type-mismatch")]);
    insta::assert_snapshot!(report(&g, &["src/models/priority.rs"]));
}

#[test]
fn contradiction_unknown_type() {
    let g = generate("contradiction_unknown_type");
    assert_kinds(&g, &[(WARN, "unknown-type")]);
    insta::assert_snapshot!(report(&g, &["src/models/blob.rs"]));
}

#[test]
fn contradiction_dangling_ref() {
    let g = generate("contradiction_dangling_ref");
    assert_kinds(&g, &[(WARN, "dangling-ref")]);
    insta::assert_snapshot!(report(&g, &["src/models/order.rs"]));
}

#[test]
fn contradiction_unreadable_node() {
    let g = generate("contradiction_unreadable_node");
    assert_kinds(&g, &[(WARN, "dropped-node")]);
    insta::assert_snapshot!(report(&g, &["src/models/mod.rs", "src/models/sound.rs"]));
}

#[test]
fn contradiction_unreadable_parameter() {
    let g = generate("contradiction_unreadable_parameter");
    assert_kinds(&g, &[(WARN, "dropped-node"), (WARN, "dropped-node"), (WARN, "dropped-node")]);
    let pointers: Vec<&str> = g.diagnostics.items().iter().map(|d| d.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/paths/~1api~1v4~1sounds/get/parameters/1",
            "/paths/~1api~1v4~1sounds/post/requestBody/content/text~1plain",
            "/paths/~1api~1v4~1sounds/post/responses/201",
        ],
        "each the smallest node around the damage"
    );
    let methods: Vec<&str> = g.ir.operations.iter().map(|o| o.method_name.as_str()).collect();
    assert_eq!(methods, ["create_sound", "get_sound", "get_sounds"], "no operation is lost");
    let get_sounds = g.ir.operations.iter().find(|o| o.method_name == "get_sounds").expect("get_sounds");
    assert_eq!(get_sounds.params.iter().map(|p| p.wire_name.as_str()).collect::<Vec<_>>(), ["volume"]);
    insta::assert_snapshot!(report(&g, &["src/operations/sounds.rs"]));
}

// ---------------------------------------------------------------------------------------------
// Docs

#[test]
fn docs_markdown() {
    let g = generate("docs_markdown");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/models/report.rs", "src/operations/reports.rs"]));
}

// ---------------------------------------------------------------------------------------------
// Operations

#[test]
fn operations_path_params() {
    let g = generate("operations_path_params");
    assert_kinds(&g, &[(WARN, "undeclared-path-param")]);
    insta::assert_snapshot!(report(&g, &["src/operations/slots.rs"]));
}

#[test]
fn operations_optional_query() {
    let g = generate("operations_optional_query");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/operations/posts.rs"]));
}

#[test]
fn operations_multipart() {
    let g = generate("operations_multipart");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/operations/uploads.rs"]));
}

#[test]
fn operations_binary_response() {
    let g = generate("operations_binary_response");
    assert_kinds(&g, &[]);
    insta::assert_snapshot!(report(&g, &["src/operations/avatars.rs"]));
}

#[test]
fn operations_duplicate_operation_ids() {
    let g = generate("operations_duplicate_operation_ids");
    assert_kinds(&g, &[(WARN, "duplicate-operation-id"), (WARN, "duplicate-operation-id")]);
    insta::assert_snapshot!(report(&g, &["src/operations/members.rs"]));
}

#[test]
fn operations_keyword_tag() {
    let g = generate("operations_keyword_tag");
    assert_kinds(&g, &[]);
    assert_eq!(g.ir.groups.len(), 2);
    for group in &g.ir.groups {
        assert!(syn::parse_str::<syn::Ident>(&group.name).is_ok(), "group `{}` is not a module name", group.name);
    }
    insta::assert_snapshot!(report(&g, &["src/operations/mod.rs"]));
}

#[test]
fn operations_missing_operation_id() {
    let g = generate("operations_missing_operation_id");
    assert_kinds(&g, &[(WARN, "missing-operation-id")]);
    insta::assert_snapshot!(report(&g, &["src/operations/system.rs"]));
}

// ---------------------------------------------------------------------------------------------
// Swagger 2.0 in: converted to OpenAPI 3.0 by the loader, one conversion rule per fixture

/// The operation with the Rust method name `name`.
fn operation<'a>(generation: &'a Generation, name: &str) -> &'a mattermost_codegen::ir::Operation {
    generation.ir.operations.iter().find(|o| o.method_name == name).unwrap_or_else(|| panic!("no operation {name}"))
}

#[test]
fn swagger2_definitions() {
    let g = generate("swagger2_definitions");
    assert_kinds(&g, &[(NOTE, "swagger2-converted"), (WARN, "dangling-ref")]);
    let dangling = &g.diagnostics.items()[1];
    assert!(dangling.message.contains("#/components/schemas/UserNotInThisFile"), "{}", dangling.message);
    assert_eq!(dangling.line, Some(26), "located in the 2.0 file: {dangling}");
    let TypeKind::Struct(channel) = &component_type(&g, "Channel").kind else { panic!("Channel is a struct") };
    let field = |name: &str| channel.fields.iter().find(|f| f.wire_name == name).unwrap_or_else(|| panic!("no field {name}"));
    assert!(field("purpose").nullable, "x-nullable is nullable");
    assert_eq!(field("icon").shape, mattermost_codegen::ir::Shape::Binary, "type: file is binary");
    assert_eq!(field("creator").shape, mattermost_codegen::ir::Shape::Json, "a dangling $ref is untyped JSON");
    insta::assert_snapshot!(report(&g, &["src/models/channel.rs", "src/operations/channels.rs"]));
}

#[test]
fn swagger2_body_parameter() {
    let g = generate("swagger2_body_parameter");
    assert_kinds(&g, &[(NOTE, "swagger2-converted")]);
    use mattermost_codegen::ir::{BodyKind, Shape};
    let create = operation(&g, "create_post");
    let body = create.body.as_ref().expect("a body");
    assert!(body.required);
    assert!(matches!(body.kind, BodyKind::Json(Shape::Named(_))), "{:?}", body.kind);
    let update = operation(&g, "update_post");
    let post = g.ir.types.entries.iter().position(|e| e.origin == TypeOrigin::Component("Post".into())).expect("Post");
    assert_eq!(update.body.as_ref().map(|b| &b.kind), Some(&BodyKind::Json(Shape::Named(mattermost_codegen::ir::TypeId(post)))));
    let pin = operation(&g, "pin_post");
    assert!(matches!(pin.body.as_ref().map(|b| &b.kind), Some(BodyKind::Json(Shape::Named(_)))), "the root body parameter is the body");
    insta::assert_snapshot!(report(&g, &["src/operations/posts.rs"]));
}

#[test]
fn swagger2_form_data() {
    let g = generate("swagger2_form_data");
    assert_kinds(&g, &[(NOTE, "swagger2-converted"), (NOTE, "swagger2-lossy")]);
    use mattermost_codegen::ir::{BodyKind, PartKind};
    let upload = operation(&g, "upload_file");
    let Some(BodyKind::Multipart(parts)) = upload.body.as_ref().map(|b| &b.kind) else { panic!("a multipart body: {:?}", upload.body) };
    let kinds: Vec<(&str, bool, bool)> =
        parts.iter().map(|p| (p.wire_name.as_str(), matches!(p.kind, PartKind::File), p.required)).collect();
    assert_eq!(kinds, [("files", true, true), ("channel_id", false, true), ("client_ids", false, false)]);
    let execute = operation(&g, "execute_command");
    assert!(matches!(execute.body.as_ref().map(|b| &b.kind), Some(BodyKind::Form(_))), "{:?}", execute.body);
    assert!(execute.body.as_ref().is_some_and(|b| b.required), "required fields make the body required");
    insta::assert_snapshot!(report(&g, &["src/operations/files.rs", "src/operations/commands.rs"]));
}

#[test]
fn swagger2_produces() {
    let g = generate("swagger2_produces");
    assert_kinds(&g, &[(NOTE, "swagger2-converted")]);
    use mattermost_codegen::ir::Response;
    assert_eq!(operation(&g, "get_profile_image").response, Response::Bytes);
    assert!(operation(&g, "get_profile_image").stream_method_name.is_some());
    assert_eq!(operation(&g, "get_logs").response, Response::Text);
    assert!(matches!(operation(&g, "get_ping").response, Response::Json(_)));
    insta::assert_snapshot!(report(&g, &["src/operations/users.rs", "src/operations/system.rs"]));
}

#[test]
fn swagger2_base_path() {
    let g = generate("swagger2_base_path");
    assert_kinds(&g, &[(NOTE, "swagger2-converted")]);
    assert_eq!(operation(&g, "get_team").path, "/api/v4/teams/{team_id}");
    assert!(g.diagnostics.items()[0].message.contains("basePath `/api/v4`"), "{}", g.diagnostics.items()[0].message);
    insta::assert_snapshot!(report(&g, &["src/operations/teams.rs"]));
}

#[test]
fn swagger2_collection_format() {
    let g = generate("swagger2_collection_format");
    assert_kinds(&g, &[(NOTE, "swagger2-converted"), (NOTE, "swagger2-lossy")]);
    let lossy = &g.diagnostics.items()[1];
    assert_eq!(lossy.pointer, "/paths/~1api~1v4~1users~1ids/get/parameters/2/collectionFormat");
    assert_eq!(lossy.line, Some(14), "{lossy}");
    let explode: Vec<(&str, bool)> = operation(&g, "get_users_by_ids").params.iter().map(|p| (p.wire_name.as_str(), p.explode)).collect();
    assert_eq!(explode, [("ids", false), ("roles", true), ("columns", false)], "csv joined, multi repeated");
    insta::assert_snapshot!(report(&g, &["src/operations/users.rs"]));
}

#[test]
fn swagger2_root_parameters_and_responses() {
    let g = generate("swagger2_root_parameters_and_responses");
    assert_kinds(&g, &[(NOTE, "swagger2-converted"), (WARN, "dangling-ref"), (WARN, "dangling-ref")]);
    let members = operation(&g, "get_team_members");
    let params: Vec<(&str, bool)> = members.params.iter().map(|p| (p.wire_name.as_str(), p.required)).collect();
    assert_eq!(params, [("team_id", true), ("page", false)], "root parameters by $ref; the dangling one skipped");
    assert!(matches!(members.response, mattermost_codegen::ir::Response::Json(mattermost_codegen::ir::Shape::Array(_))));
    assert!(g.diagnostics.items()[1].message.contains("#/components/parameters/NotInThisFile"), "{}", g.diagnostics.items()[1]);
    insta::assert_snapshot!(report(&g, &["src/operations/teams.rs"]));
}

#[test]
fn swagger2_slug_operation_ids() {
    let g = generate("swagger2_slug_operation_ids");
    let unusable = (NOTE, "unusable-operation-id");
    assert_kinds(&g, &[(NOTE, "swagger2-converted"), unusable, unusable, unusable, unusable, unusable, unusable, (WARN, "missing-operation-id")]);
    let names: Vec<(&str, &str)> = g.ir.operations.iter().map(|o| (o.path.as_str(), o.method_name.as_str())).collect();
    assert_eq!(
        names,
        [
            ("/api/v4/users/{user_id}/image/default", "get_default_profile_image"),
            ("/api/v4/users", "get_users"),
            ("/api/v4/users/{user_id}/image", "get_users_image"),
            ("/api/v4/users/tokens", "get_users_tokens"),
            ("/api/v4/users/{user_id}", "get_users_user_id"),
            ("/api/v4/users/{user_id}/tokens", "get_users_user_id_tokens"),
            ("/api/v4/users", "post_users"),
            ("/api/v4/users/{user_id}/mfa", "post_users_mfa"),
        ]
    );
    let long = g.diagnostics.items().iter().find(|d| d.pointer == "/paths/~1api~1v4~1users/post/operationId").expect("a note on the slug");
    assert!(long.message.contains("longer than 64 characters") && long.message.contains("`post_users`"), "{long}");
    insta::assert_snapshot!(report(&g, &["src/operations/users.rs"]));
}

#[test]
fn swagger2_mattermost_5x() {
    let g = generate("swagger2_mattermost_5x");
    // Every operation of the file (counted with serde_yaml, not the generator) has a method.
    let text = fixture_text("swagger2_mattermost_5x");
    let doc: serde_yaml::Value = first_document(&text).expect("YAML");
    let methods = ["get", "put", "post", "delete", "patch"];
    let in_file: usize = doc["paths"]
        .as_mapping()
        .expect("paths")
        .values()
        .map(|item| item.as_mapping().map_or(0, |m| m.keys().filter(|k| k.as_str().is_some_and(|k| methods.contains(&k))).count()))
        .sum();
    assert_eq!(g.ir.operations.len(), in_file);
    for op in &g.ir.operations {
        let path = format!("src/operations/{}.rs", op.group);
        let contents = file(&g, &path);
        let declared = [format!(" fn {}(", op.method_name), format!(" fn {}<", op.method_name)];
        assert!(declared.iter().any(|d| contents.contains(d.as_str())), "no method for {} {}", op.http_method, op.path);
        assert!(op.path.starts_with("/api/v4/"), "basePath is part of the path: {}", op.path);
    }
    let kinds: std::collections::BTreeSet<&str> = g.diagnostics.items().iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["dangling-ref", "missing-operation-id", "swagger2-converted", "unusable-operation-id"]
    );
    insta::assert_snapshot!(report(&g, &["src/operations/users.rs", "src/operations/files.rs"]));
}

/// The first document of a YAML stream that holds content, read with serde_yaml.
fn first_document(text: &str) -> Option<serde_yaml::Value> {
    use serde::Deserialize;
    serde_yaml::Deserializer::from_str(text).filter_map(|doc| serde_yaml::Value::deserialize(doc).ok()).find(|v| !v.is_null())
}

#[test]
fn a_second_yaml_document_is_an_error_naming_its_line() {
    let text = "---\nswagger: \"2.0\"\ninfo: {title: t, version: \"1\"}\npaths: {}\n---\nswagger: \"2.0\"\n";
    let Err(diagnostics) = mattermost_codegen::generate(text) else { panic!("two documents generated files") };
    let [error] = diagnostics.items() else { panic!("one error: {:?}", diagnostics.items()) };
    assert_eq!((error.severity, error.kind, error.line), (Severity::Error, "several-documents", Some(5)), "{error}");
    assert!(error.message.contains("line 5"), "{error}");
}

#[test]
fn a_swagger_version_other_than_2_0_is_a_located_error() {
    let Err(diagnostics) = mattermost_codegen::generate("swagger: \"1.2\"\ninfo: {title: t, version: \"1\"}\n") else { panic!("generated") };
    let [error] = diagnostics.items() else { panic!("one error: {:?}", diagnostics.items()) };
    assert_eq!((error.kind, error.pointer.as_str(), error.line), ("unsupported-version", "/swagger", Some(1)), "{error}");
}

// ---------------------------------------------------------------------------------------------
// Every fixture

/// Each fixture says what it tests in a leading comment and has its own test in this file.
#[test]
fn every_fixture_is_documented_and_tested() {
    let source = include_str!("generator_fixtures.rs");
    let mut failures = Vec::new();
    for name in fixture_names() {
        if !fixture_text(&name).starts_with("# ") {
            failures.push(format!("{name}.yaml must start with a `# ` comment saying what it tests"));
        }
        if !source.contains(&format!("fn {name}() {{\n    let g = generate(\"{name}\");")) {
            failures.push(format!("{name}.yaml has no test `fn {name}()` in tests/tests/generator_fixtures.rs"));
        }
    }
    assert_no_failures("fixtures", &failures);
}

#[test]
fn generation_is_deterministic() {
    let mut failures = Vec::new();
    for name in fixture_names() {
        match (try_generate(&name), try_generate(&name)) {
            (Ok(first), Ok(second)) => {
                if first.files != second.files {
                    failures.push(format!("fixture {name}: files differ between two runs"));
                }
                if first.diagnostics.items() != second.diagnostics.items() {
                    failures.push(format!("fixture {name}: diagnostics differ between two runs"));
                }
            }
            (Err(e), _) | (_, Err(e)) => failures.push(e),
        }
    }
    assert_no_failures("determinism", &failures);
}

#[test]
fn generated_rust_files_parse() {
    let mut failures = Vec::new();
    for name in fixture_names() {
        let generation = match try_generate(&name) {
            Ok(generation) => generation,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let rust: Vec<&OutputFile> = generation.files.iter().filter(|f| f.path.ends_with(".rs")).collect();
        if !rust.iter().any(|f| f.path == "src/lib.rs") {
            failures.push(format!("fixture {name}: no src/lib.rs"));
        }
        for f in rust {
            if let Err(e) = syn::parse_file(&f.contents) {
                failures.push(format!("fixture {name}: {} is not valid Rust: {e}\n{}", f.path, f.contents));
            }
        }
    }
    assert_no_failures("syn::parse_file", &failures);
}

/// The node a JSON pointer names in a YAML document, if any.
fn yaml_at<'a>(doc: &'a serde_yaml::Value, pointer: &str) -> Option<&'a serde_yaml::Value> {
    let mut node = doc;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        node = match node {
            serde_yaml::Value::Mapping(map) => map.iter().find(|(k, _)| match k {
                serde_yaml::Value::String(s) => *s == token,
                serde_yaml::Value::Number(n) => n.to_string() == token,
                serde_yaml::Value::Bool(b) => b.to_string() == token,
                _ => false,
            })?.1,
            serde_yaml::Value::Sequence(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

/// Every diagnostic points at a node that exists in the fixture (read with serde_yaml, not
/// the generator) and has a line.
#[test]
fn diagnostics_point_at_existing_nodes() {
    // Fixtures whose defect is one serde_yaml refuses (a duplicate key): their pointers are
    // checked by their own tests, and serde_yaml must keep refusing them.
    const STRICT_YAML_REJECTS: &[&str] = &["defect_duplicate_path_key"];
    let mut failures = Vec::new();
    for name in fixture_names() {
        let text = fixture_text(&name);
        // A leading `---` and a trailing empty document are one spec (swagger2_mattermost_5x).
        let parsed = serde_yaml::from_str::<serde_yaml::Value>(&text).or_else(|e| first_document(&text).ok_or(e));
        if STRICT_YAML_REJECTS.contains(&name.as_str()) {
            assert!(parsed.is_err(), "{name} is meant to be a spec strict YAML readers refuse");
            continue;
        }
        let doc = parsed.expect("fixture is YAML");
        // A Swagger 2.0 fixture: diagnostics of the stages after the conversion point into the
        // OpenAPI 3.0 tree it was converted to; they must name a node there.
        let converted = doc.get("swagger").map(|_| {
            let mut diagnostics = mattermost_codegen::diag::Diagnostics::default();
            mattermost_codegen::load::load(&text, &mut diagnostics).expect("a 2.0 fixture loads").tree.root
        });
        let generation = match try_generate(&name) {
            Ok(generation) => generation,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        for d in generation.diagnostics.items() {
            let in_converted = converted.as_ref().is_some_and(|root| root.pointer(&d.pointer).is_some());
            if yaml_at(&doc, &d.pointer).is_none() && !in_converted {
                failures.push(format!("fixture {name}: the pointer names no node in the spec:\n{d}"));
            }
            if d.line.is_none() {
                failures.push(format!("fixture {name}: the diagnostic has no line:\n{d}"));
            }
        }
    }
    assert_no_failures("diagnostic pointers", &failures);
}

/// The target directory this test binary was built in, however it was chosen
/// (`CARGO_TARGET_DIR`, cargo config, or the workspace's `target/`): the parent of
/// `CARGO_TARGET_TMPDIR`, which cargo sets to `<target>/tmp`.
fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(Path::to_path_buf).unwrap_or_else(|| tmp.to_path_buf())
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// The generated crate as a member of the fixture workspace: its package renamed
/// `fixture-<name>` (names must be unique there), and without the copied examples and their
/// `[[example]]` targets, which call operations of the real API that a fixture spec lacks.
fn fixture_crate(name: &str, files: Vec<OutputFile>) -> Vec<OutputFile> {
    let mut files: Vec<OutputFile> = files.into_iter().filter(|f| !f.path.starts_with("examples/")).collect();
    let manifest = files.iter_mut().find(|f| f.path == "Cargo.toml").expect("a Cargo.toml is generated");
    let package_line = "name = \"mattermost-client\"";
    assert_eq!(manifest.contents.lines().filter(|l| *l == package_line).count(), 1, "the generated Cargo.toml names its package once");
    let mut in_example = false;
    let mut contents = String::with_capacity(manifest.contents.len());
    for line in manifest.contents.lines() {
        if line.starts_with('[') {
            in_example = line.trim() == "[[example]]";
        }
        if in_example {
            continue;
        }
        if line == package_line {
            contents.push_str(&format!("name = \"fixture-{name}\"\n"));
        } else {
            contents.push_str(line);
            contents.push('\n');
        }
    }
    manifest.contents = contents;
    files
}

/// Every fixture's generated crate, in one throwaway workspace under `target/`, passes
/// `cargo clippy --all-targets -D warnings`. Files are only rewritten when they change and the
/// dependencies are built once in `target/fixture-crates-target`, so reruns are quick.
#[test]
fn fixture_crates_compile_without_warnings() {
    let target = target_dir();
    let root = target.join("fixture-crates");
    std::fs::create_dir_all(&root).expect("create fixture-crates");
    let mut failures = Vec::new();
    let mut names = Vec::new();
    for name in fixture_names() {
        let files = match try_generate(&name) {
            Ok(generation) => fixture_crate(&name, generation.files),
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        emit::sync(&root.join(&name), &files, emit::Mode::Write).unwrap_or_else(|e| panic!("cannot write the {name} crate: {e}"));
        names.push(name);
    }
    for entry in std::fs::read_dir(&root).expect("read fixture-crates") {
        let entry = entry.expect("entry");
        let stale = entry.file_type().expect("file type").is_dir() && !names.iter().any(|n| *n == *entry.file_name().to_string_lossy());
        if stale {
            std::fs::remove_dir_all(entry.path()).expect("remove a crate whose fixture is gone");
        }
    }
    let members: Vec<String> = names.iter().map(|n| format!("    \"{n}\",\n")).collect();
    let workspace = format!(
        "# Written by tests/tests/generator_fixtures.rs: the crate generated from each fixture spec.\n\
         [workspace]\nresolver = \"2\"\nmembers = [\n{}]\n",
        members.concat()
    );
    write_if_changed(&root.join("Cargo.toml"), &workspace);
    // The first run starts from the repository's lock file, so the crates build with the
    // dependency versions the committed client uses, without resolving them again.
    if !root.join("Cargo.lock").exists() {
        std::fs::copy(repo_root().join("Cargo.lock"), root.join("Cargo.lock")).expect("copy Cargo.lock");
    }
    let output = Command::new(env!("CARGO"))
        .args(["clippy", "--workspace", "--all-targets", "--keep-going", "--", "-D", "warnings"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", target.join("fixture-crates-target"))
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo clippy");
    if !output.status.success() {
        failures.push(format!(
            "cargo clippy failed in {}:\n{}\n{}",
            root.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    assert_no_failures("fixture crates", &failures);
}

// Defects seen in published Mattermost specs, each tolerated with a located warning.

#[test]
fn defect_duplicate_path_key() {
    let g = generate("defect_duplicate_path_key");
    assert_kinds(&g, &[(WARN, "duplicate-key")]);
    let warning = &g.diagnostics.items()[0];
    assert!(warning.message.contains("lines 7 and 15"), "{}", warning.message);
    assert_eq!(warning.pointer, "/paths/~1api~1v4~1teams~1{team_id}~1stats");
    let ops: Vec<&str> = g.ir.operations.iter().map(|o| o.operation_id.as_str()).collect();
    assert_eq!(ops, ["GetTeamStatsAgain", "ResetTeamStats"], "merged, the later GET wins");
    insta::assert_snapshot!(report(&g, &["src/operations/teams.rs"]));
}

#[test]
fn defect_null_media_type() {
    let g = generate("defect_null_media_type");
    assert_kinds(&g, &[(WARN, "null-media-type"), (WARN, "misplaced-key")]);
    let op = &g.ir.operations[0];
    assert_eq!(
        op.body.as_ref().map(|b| &b.kind),
        Some(&mattermost_codegen::ir::BodyKind::Json(mattermost_codegen::ir::Shape::Json)),
        "an untyped JSON body"
    );
    insta::assert_snapshot!(report(&g, &["src/operations/posts.rs"]));
}

#[test]
fn defect_stray_operation_key() {
    let g = generate("defect_stray_operation_key");
    assert_kinds(&g, &[(WARN, "unknown-key"), (WARN, "unknown-key")]);
    let body = g.diagnostics.items().iter().find(|d| d.pointer.ends_with("/post/body")).expect("a warning on the stray body");
    assert!(body.message.contains("requestBody"), "says where a body belongs: {}", body.message);
    insta::assert_snapshot!(report(&g, &["src/operations/channels.rs"]));
}

#[test]
fn defect_tags_differing_in_case() {
    let g = generate("defect_tags_differing_in_case");
    assert_kinds(&g, &[(NOTE, "tags-folded")]);
    assert_eq!(g.ir.groups.len(), 1);
    assert_eq!(g.ir.groups[0].name, "ldap");
    assert_eq!(g.ir.groups[0].tags, ["LDAP", "ldap"]);
    insta::assert_snapshot!(report(&g, &["src/operations/mod.rs", "src/operations/ldap.rs"]));
}

// Documents that cannot be read at all end in located errors, never in a panic or in output.

#[test]
fn invalid_yaml_is_an_error_with_its_line() {
    let text = "openapi: 3.0.0\ninfo:\n  title: t\n  version: \"1\"\npaths: [unclosed\n  x: y\n";
    let diagnostics = match mattermost_codegen::generate(text) {
        Err(diagnostics) => diagnostics,
        Ok(_) => panic!("a spec that is not YAML generated files"),
    };
    let errors: Vec<_> = diagnostics.items().iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].kind, "yaml-syntax");
    assert_eq!(errors[0].line, Some(6), "{}", errors[0]);
    assert!(errors[0].message.contains("not valid YAML"), "{}", errors[0].message);
}

#[test]
fn a_document_that_is_not_a_mapping_is_an_error_at_the_root() {
    for text in ["- a\n- b\n", "just text\n", "42\n", ""] {
        let diagnostics = match mattermost_codegen::generate(text) {
            Err(diagnostics) => diagnostics,
            Ok(_) => panic!("{text:?} generated files"),
        };
        let errors: Vec<_> = diagnostics.items().iter().filter(|d| d.severity == Severity::Error).collect();
        assert_eq!(errors.len(), 1, "{text:?}: {errors:?}");
        assert_eq!(errors[0].kind, "unreadable-spec", "{text:?}");
        assert_eq!(errors[0].pointer, "", "{text:?}: the error is at the document root");
        assert!(errors[0].message.contains("not a valid OpenAPI 3.0 document"), "{}", errors[0].message);
    }
}
