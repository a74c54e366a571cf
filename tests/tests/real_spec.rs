//! The real Mattermost spec: the generator covers it completely and deterministically, and
//! focused snapshots show how representative types and operations come out.

use std::collections::BTreeMap;

use mattermost_codegen::ir::{BodyKind, Ir, Response, Shape, TypeKind, TypeOrigin};
use mattermost_tests::{real_spec_path, repo_root};

fn spec_text() -> String {
    std::fs::read_to_string(real_spec_path()).expect("the upstream spec is at ../shared/spec")
}

fn overlay_text() -> String {
    std::fs::read_to_string(repo_root().join("spec/overlay.yaml")).expect("spec/overlay.yaml")
}

/// What `cargo xtask regen` makes: the spec with our overlay.
fn generation() -> mattermost_codegen::Generation {
    mattermost_codegen::generate_with_overlay(&spec_text(), Some(&overlay_text())).expect("the real spec generates")
}

/// (METHOD, path) of every operation, read from the spec with serde_yaml, not the generator.
fn spec_operations() -> Vec<(String, String)> {
    let doc: serde_yaml::Value = serde_yaml::from_str(&spec_text()).expect("yaml");
    let mut out = Vec::new();
    let paths = doc.get("paths").and_then(|p| p.as_mapping()).expect("paths");
    for (path, item) in paths {
        let path = path.as_str().expect("path key");
        for (method, _) in item.as_mapping().expect("path item") {
            let method = method.as_str().expect("method");
            if ["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method) {
                out.push((method.to_uppercase(), path.to_string()));
            }
        }
    }
    out.sort();
    out
}

fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if nv.path.is_ident("doc") {
                if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                    text.push_str(&s.value());
                    text.push('\n');
                }
            }
        }
    }
    text
}

/// Methods of `impl Client` blocks in the committed generated/ crate: name -> docs.
fn client_methods() -> BTreeMap<String, String> {
    let dir = repo_root().join("generated/src/operations");
    let mut methods = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("operations dir") {
        let path = entry.expect("entry").path();
        let file = syn::parse_file(&std::fs::read_to_string(&path).expect("read")).expect("valid Rust");
        for item in file.items {
            let syn::Item::Impl(block) = item else { continue };
            let syn::Type::Path(ty) = block.self_ty.as_ref() else { continue };
            if ty.path.segments.last().map(|s| s.ident.to_string()) != Some("Client".into()) {
                continue;
            }
            for item in block.items {
                if let syn::ImplItem::Fn(f) = item {
                    let previous = methods.insert(f.sig.ident.to_string(), doc_text(&f.attrs));
                    assert!(previous.is_none(), "method {} is defined twice", f.sig.ident);
                }
            }
        }
    }
    methods
}

#[test]
fn every_operation_has_exactly_one_method() {
    let methods = client_methods();
    let mut by_operation: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (name, docs) in &methods {
        let Some(line) = docs.lines().map(str::trim).find(|l| l.starts_with('`') && l.ends_with('`') && l.contains(" /")) else {
            continue;
        };
        let (method, path) = line.trim_matches('`').split_once(' ').expect("METHOD path");
        // A `_stream` method is the streaming twin of a binary download, not another operation.
        let twin = name.strip_suffix("_stream").is_some_and(|base| methods.contains_key(base));
        if !twin {
            by_operation.entry((method.to_string(), path.to_string())).or_default().push(name.clone());
        }
    }
    let spec = spec_operations();
    assert_eq!(spec.len(), 437, "the 9.8 spec has 437 operations");
    let mut missing = Vec::new();
    for op in &spec {
        match by_operation.get(op).map(Vec::len) {
            Some(1) => {}
            Some(n) => panic!("{op:?} has {n} methods: {:?}", by_operation[op]),
            None => missing.push(op),
        }
    }
    assert!(missing.is_empty(), "operations without a method: {missing:?}");
    let extra: Vec<_> = by_operation.keys().filter(|k| !spec.contains(k)).collect();
    assert!(extra.is_empty(), "methods for operations the spec does not have: {extra:?}");
}

#[test]
fn every_component_schema_has_a_type_and_names_are_unique() {
    let generation = generation();
    let doc: serde_yaml::Value = serde_yaml::from_str(&spec_text()).expect("yaml");
    let components = doc["components"]["schemas"].as_mapping().expect("schemas");
    assert_eq!(components.len(), 138);
    let from_components: Vec<&str> = generation
        .ir
        .types
        .entries
        .iter()
        .filter_map(|e| match &e.origin {
            TypeOrigin::Component(name) => Some(name.as_str()),
            TypeOrigin::Inline => None,
        })
        .collect();
    for (name, _) in components {
        let name = name.as_str().expect("name");
        assert!(from_components.contains(&name), "component {name} has no type");
    }
    let mut names: Vec<&str> = generation.ir.types.entries.iter().map(|e| e.name.as_str()).collect();
    let count = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), count, "two types share a name");
    let model_files = generation.files.iter().filter(|f| f.path.starts_with("src/models/") && f.path != "src/models/mod.rs").count();
    assert_eq!(model_files, count, "one file per type");
}

#[test]
fn models_implement_the_serde_traits_their_use_needs() {
    let generation = generation();
    let entry = |name: &str| generation.ir.types.entries.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("type {name}"));
    let usage = |name: &str| (entry(name).usage.sent, entry(name).usage.received);
    // A request body only, a reply only, both (UpdateUser sends a User).
    assert_eq!(usage("CreateUserRequest"), (true, false));
    assert_eq!(usage("StatusOk"), (false, true));
    assert_eq!(usage("User"), (true, true));
    // Whatever a sent (received) type holds is sent (received) too, so every derive compiles.
    for e in &generation.ir.types.entries {
        if let TypeKind::Struct(s) = &e.kind {
            for field in &s.fields {
                if let Shape::Named(id) = &field.shape {
                    let inner = generation.ir.types.get(*id).usage;
                    assert!(!e.usage.sent || inner.sent, "{} is sent but its {} is not", e.name, field.rust_name);
                    assert!(!e.usage.received || inner.received, "{} is received but its {} is not", e.name, field.rust_name);
                }
            }
        }
        assert!(e.usage.sent || e.usage.received, "{} has no serde trait", e.name);
    }
    // In the files: a reply-only model's `Serialize` and a request-only model's `Deserialize`
    // come only with the `serde-all` feature.
    let status = model(&generation, "StatusOk");
    assert!(status.contains("#[cfg_attr(feature = \"serde-all\", derive(::serde::Serialize))]"), "{status}");
    assert!(!status.contains("#[cfg(feature = \"serde-all\")]\nimpl<'de> ::serde::Deserialize"), "{status}");
    let request = model(&generation, "CreateUserRequest");
    assert!(request.contains("#[cfg(feature = \"serde-all\")]\nimpl<'de> ::serde::Deserialize<'de> for CreateUserRequest"), "{request}");
}

#[test]
fn regen_is_deterministic() {
    let first = generation();
    let second = generation();
    assert_eq!(first.files, second.files);
    assert_eq!(first.diagnostics.items(), second.diagnostics.items());
}

#[test]
fn inline_names_say_what_the_type_is() {
    let generation = generation();
    let names: Vec<&str> = generation.ir.types.entries.iter().map(|e| e.name.as_str()).collect();
    for expected in ["CreateUserRequest", "CheckUserMfaResponse", "PostMetadataPriority", "ConfigServiceSettings", "PluginManifestWebapp"] {
        assert!(names.contains(&expected), "{expected} missing");
    }
    assert!(!names.iter().any(|n| n.starts_with("InlineObject")), "no positional names");
}

#[test]
fn diagnostics_of_the_real_spec() {
    let generation = generation();
    let text: Vec<String> = generation.diagnostics.items().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n"));
}

/// Without our overlay the upstream defects are tolerated, each with a located warning.
#[test]
fn diagnostics_of_the_real_spec_without_overlay() {
    let generation = mattermost_codegen::generate(&spec_text()).expect("generates without the overlay");
    let text: Vec<String> = generation.diagnostics.items().iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn overlay_declares_the_downloads_binary() {
    let generation = generation();
    for method in ["get_profile_image", "get_file", "get_file_thumbnail", "get_file_preview", "get_emoji_image", "get_team_icon", "get_bot_icon_image", "get_brand_image"] {
        let op = generation.ir.operations.iter().find(|o| o.method_name == method).expect("operation exists");
        assert_eq!(op.response, Response::Bytes, "{method}");
        assert_eq!(op.stream_method_name.as_deref(), Some(format!("{method}_stream").as_str()));
    }
}

/// One overview line per type and per operation: the reviewable map of the whole output.
#[test]
fn api_summary() {
    let generation = generation();
    let ir = &generation.ir;
    let mut out = String::new();
    out.push_str(&format!("{} types, {} operations\n\n# types\n", ir.types.len(), ir.operations.len()));
    for id in ir.types.sorted_ids() {
        let entry = ir.types.get(id);
        let kind = match &entry.kind {
            TypeKind::Struct(s) => format!("struct, {} fields{}", s.fields.len(), if s.additional.is_some() { " + map" } else { "" }),
            TypeKind::StringEnum(e) => format!("enum, {} values", e.variants.len()),
            TypeKind::Alias(shape) => format!("alias of {}", shape_text(ir, shape)),
            TypeKind::Union(u) => format!("union of {}", u.variants.len()),
        };
        out.push_str(&format!("{} ({kind})\n", entry.name));
    }
    out.push_str("\n# operations\n");
    for op in &ir.operations {
        let body = match op.body.as_ref().map(|b| &b.kind) {
            None => String::new(),
            Some(BodyKind::Json(shape)) => format!(" json {}", shape_text(ir, shape)),
            Some(BodyKind::Form(shape)) => format!(" form {}", shape_text(ir, shape)),
            Some(BodyKind::Multipart(parts)) => format!(" multipart [{}]", parts.iter().map(|p| p.wire_name.as_str()).collect::<Vec<_>>().join(", ")),
            Some(BodyKind::Raw { content_type }) => format!(" raw {content_type}"),
        };
        let reply = match &op.response {
            Response::Json(shape) => shape_text(ir, shape),
            Response::Bytes => "bytes".into(),
            Response::Text => "text".into(),
            Response::Empty => "()".into(),
        };
        let builder = if op.has_optional_inputs() { " (builder)" } else { "" };
        out.push_str(&format!("{}: {} {}{body} -> {reply}{builder}\n", op.method_name, op.http_method, op.path));
    }
    insta::assert_snapshot!(out);
}

fn shape_text(ir: &Ir, shape: &Shape) -> String {
    match shape {
        Shape::Named(id) => ir.types.get(*id).name.clone(),
        Shape::Array(item) => format!("[{}]", shape_text(ir, item)),
        Shape::Map(value) => format!("{{string: {}}}", shape_text(ir, value)),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// The generated file of one model.
fn model(generation: &mattermost_codegen::Generation, type_name: &str) -> String {
    let entry = generation.ir.types.entries.iter().find(|e| e.name == type_name).unwrap_or_else(|| panic!("{type_name} exists"));
    let path = format!("src/models/{}.rs", entry.module);
    generation.files.iter().find(|f| f.path == path).map(|f| f.contents.clone()).expect("model file")
}

#[test]
fn focused_model_snapshots() {
    let generation = generation();
    // A large struct, the error body, a large nested config, a string enum, an allOf, an
    // inline request body, an inline nested object, and a self-contradicting schema.
    for name in [
        "User",
        "AppError",
        "Config",
        "ConfigServiceSettings",
        "SidebarCategoryType",
        "ChannelWithTeamData",
        "DataRetentionPolicyCreate",
        "CreateUserRequest",
        "PostMetadataPriority",
        "KnownUsers",
        "PluginStatus",
    ] {
        insta::assert_snapshot!(format!("model_{name}"), model(&generation, name));
    }
}

/// One method (and its builder, if any) cut out of the generated operations.
fn operation_snippet(generation: &mattermost_codegen::Generation, method: &str) -> String {
    let op = generation.ir.operations.iter().find(|o| o.method_name == method).unwrap_or_else(|| panic!("{method} exists"));
    let path = format!("src/operations/{}.rs", op.group);
    let text = &generation.files.iter().find(|f| f.path == path).expect("group file").contents;
    let file = syn::parse_file(text).expect("valid Rust");
    let mut items: Vec<syn::Item> = Vec::new();
    for item in file.items {
        match item {
            syn::Item::Impl(mut block) if block.trait_.is_none() && matches!(block.self_ty.as_ref(), syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Client")) => {
                block.items.retain(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == method || f.sig.ident == format!("{method}_stream")));
                if !block.items.is_empty() {
                    items.push(syn::Item::Impl(block));
                }
            }
            syn::Item::Struct(s) if s.ident == op.builder_name => items.push(syn::Item::Struct(s)),
            syn::Item::Impl(block) if matches!(block.self_ty.as_ref(), syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == op.builder_name)) => {
                items.push(syn::Item::Impl(block))
            }
            _ => {}
        }
    }
    prettyplease::unparse(&syn::File { shebang: None, attrs: Vec::new(), items })
}

#[test]
fn focused_operation_snapshots() {
    let generation = generation();
    // Path parameter; builder with optional query parameters; JSON body; multipart upload;
    // binary download with its stream twin; empty reply; undeclared path placeholder.
    for method in [
        "get_user",
        "get_users",
        "create_user",
        "upload_file",
        "get_file",
        "delete_user",
        "get_outgoing_o_auth_connection",
    ] {
        insta::assert_snapshot!(format!("operation_{method}"), operation_snippet(&generation, method));
    }
}

#[test]
fn every_paged_operation_streams_or_is_named_with_a_reason() {
    use mattermost_codegen::ir::{PageItems, PagingFact, PagingKind};
    let generation = generation();
    let ir = &generation.ir;
    let paged: Vec<_> = ir.operations.iter().filter(|op| op.paging.is_some()).collect();
    let mut not_streamed: Vec<(&str, &str)> = paged
        .iter()
        .filter_map(|op| match &op.paging {
            Some(PagingFact::NotStreamed { reason }) => Some((op.operation_id.as_str(), reason.as_str())),
            _ => None,
        })
        .collect();
    not_streamed.sort();
    let names: Vec<&str> = not_streamed.iter().map(|(id, _)| *id).collect();
    assert_eq!(names, ["GetGroupsAssociatedToChannelsByTeam", "GetPostThread", "GetUsersForReporting"], "{not_streamed:?}");
    assert!(not_streamed.iter().all(|(_, reason)| reason.len() > 20), "each says why: {not_streamed:?}");
    assert_eq!((paged.len(), paged.len() - not_streamed.len()), (48, 45), "paged operations, streamed");
    // Every reply shape is covered: a list, a field next to a count, a union, a PostList, a cursor.
    let paging = |id: &str| ir.operations.iter().find(|op| op.operation_id == id).and_then(|op| op.streamed_paging()).unwrap_or_else(|| panic!("{id} streams"));
    assert_eq!(paging("GetUsers").items, PageItems::Whole);
    assert!(matches!(paging("GetGroupUsers").items, PageItems::Field(_)));
    assert!(matches!(paging("GetAllTeams").items, PageItems::Variants(_)));
    assert!(matches!(paging("GetPostsForChannel").items, PageItems::Ordered { .. }));
    assert!(matches!(paging("GetUserThreads").kind, PagingKind::Cursor { .. }));
    let connections = paging("ListOutgoingOAuthConnections");
    assert_eq!((connections.max_size, connections.stated), (100, true), "limit is at most 100 (x-paging)");
    // The regen report names them too.
    let report = mattermost_codegen::report::report_file(ir, &generation.diagnostics, None, None);
    let report: serde_json::Value = serde_json::from_str(&report.contents).expect("JSON report");
    assert_eq!(report["paging"]["streamed"], 45);
    assert_eq!(report["paging"]["not_streamed"].as_array().map(Vec::len), Some(3));
}

#[test]
fn every_request_model_has_a_constructor_or_default() {
    let generation = generation();
    let ir = &generation.ir;
    let mut bodies: Vec<&str> = ir
        .operations
        .iter()
        .filter_map(|op| match op.body.as_ref().map(|b| &b.kind) {
            Some(BodyKind::Json(Shape::Named(id)) | BodyKind::Form(Shape::Named(id))) => Some(*id),
            _ => None,
        })
        .filter(|id| matches!(ir.types.get(*id).kind, TypeKind::Struct(_)))
        .map(|id| ir.types.get(id).name.as_str())
        .collect();
    bodies.sort_unstable();
    bodies.dedup();
    assert!(bodies.len() > 100, "expected the request models, found {}", bodies.len());
    let missing: Vec<&str> = bodies
        .iter()
        .copied()
        .filter(|name| {
            let text = model(&generation, name);
            !text.contains("pub fn new(") && !text.contains("Default,")
        })
        .collect();
    assert!(missing.is_empty(), "request models with neither new(..) nor Default: {missing:?}");
    assert!(model(&generation, "CreateChannelRequest").contains("pub fn new("));
}
