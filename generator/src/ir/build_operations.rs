//! Builds the operations: names, groups, parameters, bodies and responses.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{MediaType, OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, RequestBody};

use super::schema_view::{SchemaRef, View};
use super::{Body, BodyKind, Group, MultipartPart, Operation, Param, ParamLocation, PartKind, Response, Shape, TypeKind, TypeSpaceBuilder};
use crate::diag::escape_token;
use crate::naming::{self, Namer};

/// One operation as found in the spec, before names are settled.
struct Found<'a> {
    path: &'a str,
    method: &'a str,
    operation: &'a openapiv3::Operation,
    path_params: &'a [ReferenceOr<Parameter>],
    pointer: String,
}

/// Builds every operation and the groups they fall into.
pub fn build<'a>(openapi: &'a OpenAPI, types: &mut TypeSpaceBuilder<'a>) -> (Vec<Operation>, Vec<Group>) {
    let found = collect(openapi, types);
    let ids = settle_operation_ids(&found, types);
    let (groups, group_names) = build_groups(openapi, &found, types);
    let mut method_names = Namer::with_reserved(&["new", "builder", "base_url", "set_token", "has_token", "login", "login_with", "login_as", "login_with_as", "logout"]);
    let mut builder_names = Namer::default();
    let mut operations = Vec::with_capacity(found.len());
    for (op, id) in found.iter().zip(ids) {
        let method_name = method_names.claim(&naming::snake_ident(&id));
        let builder_name = builder_names.claim(&naming::type_name(&id));
        let mut operation = build_one(openapi, op, id, method_name, builder_name, types);
        if let Some(name) = group_names.get(&operation.group) {
            operation.group = name.clone();
        }
        if operation.response == Response::Bytes {
            operation.stream_method_name = Some(method_names.claim(&format!("{}_stream", naming::unraw(&operation.method_name))));
        }
        operations.push(operation);
    }
    operations.sort_by(|a, b| a.method_name.cmp(&b.method_name));
    (operations, groups)
}

fn collect<'a>(openapi: &'a OpenAPI, types: &mut TypeSpaceBuilder<'a>) -> Vec<Found<'a>> {
    let mut found = Vec::new();
    for (path, item) in &openapi.paths.paths {
        let item_pointer = format!("/paths/{}", escape_token(path));
        let item = match item {
            ReferenceOr::Item(item) => item,
            ReferenceOr::Reference { reference } => {
                types.diagnostics.warn(
                    "unsupported-ref",
                    item_pointer,
                    format!("path item `$ref: {reference}` is not supported; its operations were skipped. Inline the path item in spec/overlay.yaml"),
                );
                continue;
            }
        };
        for (method, operation) in item.iter() {
            found.push(Found {
                path,
                method,
                operation,
                path_params: &item.parameters,
                pointer: format!("{item_pointer}/{method}"),
            });
        }
    }
    found
}

/// Path segments without the common `/api/v4` prefix.
fn segments(path: &str) -> Vec<&str> {
    let trimmed = path.trim_start_matches('/');
    let trimmed = trimmed.strip_prefix("api/v4/").or_else(|| trimmed.strip_prefix("api/v4")).unwrap_or(trimmed);
    trimmed.split('/').filter(|s| !s.is_empty()).collect()
}

fn placeholder(segment: &str) -> Option<&str> {
    segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
}

/// A readable operation id from method and path: `GET /api/v4/content_flagging/config` ->
/// `get_content_flagging_config`. With `placeholders`, their names are words too
/// (`get_users_user_id_tokens`), which tells apart operations that differ only there.
fn id_from_path(method: &str, path: &str, placeholders: bool) -> String {
    let mut words = vec![method.to_string()];
    for segment in segments(path) {
        match placeholder(segment) {
            Some(name) if placeholders => words.push(name.to_string()),
            Some(_) => {}
            None => words.push(segment.to_string()),
        }
    }
    naming::snake_ident(&words.join("_"))
}

/// The operationId of `op` when it makes a sensible method name.
fn usable_id<'a>(op: &Found<'a>) -> Option<&'a str> {
    op.operation.operation_id.as_deref().filter(|id| naming::operation_id_problem(id).is_none())
}

/// Operation ids: a missing or unusable one (a sentence slug, too long) is made from method
/// and path, with placeholder names added when that name is taken; duplicates are told apart
/// by what their paths do not share.
fn settle_operation_ids(found: &[Found<'_>], types: &mut TypeSpaceBuilder<'_>) -> Vec<String> {
    let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, op) in found.iter().enumerate() {
        if let Some(id) = usable_id(op) {
            by_id.entry(id).or_default().push(index);
        }
    }
    // Names made from paths, and whether each is taken by another operation.
    let made: Vec<Option<String>> = found.iter().map(|op| usable_id(op).is_none().then(|| id_from_path(op.method, op.path, false))).collect();
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    for (op, made) in found.iter().zip(&made) {
        let name = made.clone().or_else(|| usable_id(op).map(naming::snake_ident)).unwrap_or_default();
        *taken.entry(name).or_default() += 1;
    }
    let mut ids: Vec<String> = Vec::with_capacity(found.len());
    for (index, op) in found.iter().enumerate() {
        let id = match (usable_id(op), &made[index]) {
            (None, made) => {
                let short = made.clone().unwrap_or_else(|| id_from_path(op.method, op.path, false));
                let id = if taken.get(&short).copied().unwrap_or(0) > 1 { id_from_path(op.method, op.path, true) } else { short };
                match op.operation.operation_id.as_deref().filter(|id| !id.trim().is_empty()) {
                    None => types.diagnostics.warn(
                        "missing-operation-id",
                        op.pointer.clone(),
                        format!("operation has no `operationId`; named it `{id}` from its method and path. Add an operationId in spec/overlay.yaml to choose the name"),
                    ),
                    Some(unusable) => types.diagnostics.note(
                        "unusable-operation-id",
                        format!("{}/operationId", op.pointer),
                        format!(
                            "operationId `{unusable}` makes no sensible method name ({}); named the operation `{id}` from its method and path. Set a short operationId in spec/overlay.yaml to choose the name",
                            naming::operation_id_problem(unusable).unwrap_or("unusable")
                        ),
                    ),
                }
                id
            }
            (Some(id), _) => {
                let twins = &by_id[id];
                if twins.len() == 1 {
                    id.to_string()
                } else {
                    let others: Vec<&str> = twins.iter().filter(|i| **i != index).map(|i| found[*i].path).collect();
                    let id_for_this = disambiguate(id, op, &others);
                    let lines: Vec<String> = twins.iter().map(|i| format!("{} {}", found[*i].method.to_uppercase(), found[*i].path)).collect();
                    types.diagnostics.warn(
                        "duplicate-operation-id",
                        format!("{}/operationId", op.pointer),
                        format!(
                            "operationId `{id}` is used by {} operations ({}); named this one `{id_for_this}`. Give each a unique operationId in spec/overlay.yaml",
                            twins.len(),
                            lines.join(", ")
                        ),
                    );
                    id_for_this
                }
            }
        };
        ids.push(id);
    }
    ids
}

fn disambiguate(id: &str, op: &Found<'_>, other_paths: &[&str]) -> String {
    let own = segments(op.path);
    let others: Vec<Vec<&str>> = other_paths.iter().map(|p| segments(p)).collect();
    let unique: Vec<&str> = own.iter().copied().filter(|s| !others.iter().all(|o| o.contains(s))).collect();
    let params: Vec<&str> = unique.iter().filter_map(|s| placeholder(s)).collect();
    let suffix = if !params.is_empty() {
        format!("by_{}", params.join("_and_"))
    } else {
        if unique.is_empty() {
            format!("{}_{}", op.method, own.join("_"))
        } else {
            unique.join("_")
        }
    };
    format!("{}_{}", naming::snake_ident(id).trim_start_matches("r#"), suffix)
}

fn group_of(op: &openapiv3::Operation) -> String {
    op.tags.first().map(|t| naming::group_name(t)).filter(|g| !g.is_empty()).unwrap_or_else(|| "untagged".to_string())
}

/// The groups, and each group's final name by the name its tags give.
fn build_groups(openapi: &OpenAPI, found: &[Found<'_>], types: &mut TypeSpaceBuilder<'_>) -> (Vec<Group>, BTreeMap<String, String>) {
    let mut groups: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in found {
        let name = group_of(op.operation);
        let tag = op.operation.tags.first().cloned().unwrap_or_else(|| name.clone());
        groups.entry(name).or_default().insert(tag);
    }
    // Group names are cargo features; the crate's own features keep their names.
    let mut feature_names = Namer::with_reserved(&["default", "full", "rustls", "native_tls", "native-tls"]);
    let mut renamed = BTreeMap::new();
    let groups = groups
        .into_iter()
        .map(|(raw_name, tags)| {
            let name = feature_names.claim(&raw_name);
            renamed.insert(raw_name, name.clone());
            let tags: Vec<String> = tags.into_iter().collect();
            if tags.len() > 1 {
                types.diagnostics.note(
                    "tags-folded",
                    "/tags",
                    format!("tags {} differ only in case; their operations form one group `{name}`", tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")),
                );
            }
            let docs = openapi
                .tags
                .iter()
                .find(|t| tags.contains(&t.name))
                .and_then(|t| t.description.clone())
                .filter(|d| !d.trim().is_empty());
            Group { name, tags, docs }
        })
        .collect();
    (groups, renamed)
}

fn build_one<'a>(
    openapi: &'a OpenAPI,
    op: &Found<'a>,
    operation_id: String,
    method_name: String,
    builder_name: String,
    types: &mut TypeSpaceBuilder<'a>,
) -> Operation {
    let mut names = Namer::with_reserved(&["client", "body", "self", "send", "request", "form", "into_future"]);
    let params = params(openapi, op, &builder_name, &mut names, types);
    let body = op.operation.request_body.as_ref().and_then(|body| request_body(openapi, body, op, &builder_name, types));
    let response = response(openapi, op, &builder_name, types);
    let paging = super::build_paging::paging(&op.operation.extensions, &op.pointer, &params, &response, types);
    Operation {
        operation_id,
        method_name,
        builder_name,
        stream_method_name: None,
        paging,
        http_method: op.method.to_uppercase(),
        path: op.path.to_string(),
        pointer: op.pointer.clone(),
        group: group_of(op.operation),
        summary: op.operation.summary.clone().filter(|s| !s.trim().is_empty()),
        description: op.operation.description.clone().filter(|s| !s.trim().is_empty()),
        deprecated: op.operation.deprecated,
        params,
        body,
        response,
        js_names: Vec::new(),
    }
}

fn resolve_parameter<'a>(openapi: &'a OpenAPI, param: &'a ReferenceOr<Parameter>) -> Result<&'a Parameter, String> {
    match param {
        ReferenceOr::Item(p) => Ok(p),
        ReferenceOr::Reference { reference } => reference
            .strip_prefix("#/components/parameters/")
            .and_then(|name| openapi.components.as_ref()?.parameters.get(name))
            .and_then(|p| p.as_item())
            .ok_or_else(|| reference.clone()),
    }
}

fn params<'a>(openapi: &'a OpenAPI, op: &Found<'a>, builder_name: &str, names: &mut Namer, types: &mut TypeSpaceBuilder<'a>) -> Vec<Param> {
    // Operation parameters override path-item parameters with the same name and location.
    let mut declared: Vec<(String, &'a Parameter)> = Vec::new();
    let sources = op
        .path_params
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("/paths/{}/parameters/{i}", escape_token(op.path)), p))
        .chain(op.operation.parameters.iter().enumerate().map(|(i, p)| (format!("{}/parameters/{i}", op.pointer), p)));
    for (pointer, param) in sources {
        match resolve_parameter(openapi, param) {
            Ok(p) => {
                let key = (p.parameter_data_ref().name.clone(), std::mem::discriminant(p));
                declared.retain(|(_, q)| (q.parameter_data_ref().name.clone(), std::mem::discriminant(*q)) != key);
                declared.push((pointer, p));
            }
            Err(reference) => types.diagnostics.warn(
                "dangling-ref",
                pointer,
                format!("parameter `$ref: {reference}` does not resolve; the parameter was skipped. Fix the reference in spec/overlay.yaml"),
            ),
        }
    }
    let placeholders: Vec<&str> = op.path.split('/').filter_map(placeholder).collect();
    let mut out = Vec::new();
    for (pointer, param) in declared {
        let data = param.parameter_data_ref();
        let (location, explode) = match param {
            Parameter::Path { .. } => (ParamLocation::Path, false),
            Parameter::Query { .. } => (ParamLocation::Query, data.explode.unwrap_or(true)),
            Parameter::Header { .. } => (ParamLocation::Header, false),
            Parameter::Cookie { .. } => {
                types.diagnostics.warn("unsupported-parameter", pointer, "cookie parameters are not supported; the parameter was skipped");
                continue;
            }
        };
        if location == ParamLocation::Path && !placeholders.contains(&data.name.as_str()) {
            types.diagnostics.warn(
                "unused-path-param",
                pointer,
                format!("path parameter `{}` has no `{{{}}}` in the path `{}`; it was skipped", data.name, data.name, op.path),
            );
            continue;
        }
        let hint = format!("{builder_name}{}", naming::type_name(&data.name));
        let shape = match &data.format {
            ParameterSchemaOrContent::Schema(schema) => types.shape_of(schema.into(), &format!("{pointer}/schema"), &hint),
            ParameterSchemaOrContent::Content(_) => Shape::String,
        };
        let shape = match shape {
            Shape::String | Shape::I32 | Shape::I64 | Shape::F64 | Shape::Bool => shape,
            Shape::Named(id) if matches!(types_kind(types, id), Some(true)) => shape,
            Shape::Array(ref item) if is_scalar(item) && location == ParamLocation::Query => shape,
            other => {
                types.diagnostics.warn(
                    "unsupported-parameter",
                    format!("{pointer}/schema"),
                    format!("parameters of this type ({other:?}) are sent as strings; the argument is a `&str`"),
                );
                Shape::String
            }
        };
        out.push(Param {
            rust_name: names.claim(&naming::snake_ident(&data.name)),
            wire_name: data.name.clone(),
            location,
            shape,
            required: data.required || location == ParamLocation::Path,
            explode,
            secret: data.extensions.get("x-secret").and_then(serde_json::Value::as_bool).unwrap_or_else(|| super::secrets::is_secret_name(&data.name)),
            docs: data.description.clone().filter(|d| !d.trim().is_empty()),
        });
    }
    for name in placeholders {
        if !out.iter().any(|p| p.location == ParamLocation::Path && p.wire_name == name) {
            types.diagnostics.warn(
                "undeclared-path-param",
                op.pointer.clone(),
                format!("the path has `{{{name}}}` but no parameter declares it; added a required string argument `{}`. Declare it in spec/overlay.yaml", naming::snake_ident(name)),
            );
            out.push(Param {
                rust_name: names.claim(&naming::snake_ident(name)),
                wire_name: name.to_string(),
                location: ParamLocation::Path,
                shape: Shape::String,
                required: true,
                explode: false,
                secret: super::secrets::is_secret_name(name),
                docs: None,
            });
        }
    }
    out
}

fn is_scalar(shape: &Shape) -> bool {
    matches!(shape, Shape::String | Shape::I32 | Shape::I64 | Shape::F64 | Shape::Bool)
}

/// Whether a named type is a string enum (usable as a parameter).
fn types_kind(types: &TypeSpaceBuilder<'_>, id: super::TypeId) -> Option<bool> {
    Some(matches!(types.kind(id), TypeKind::StringEnum(_)))
}

fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    let preference = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"];
    preference
        .iter()
        .find_map(|want| content.iter().find(|(k, _)| k.split(';').next().map(str::trim) == Some(want)))
        .or_else(|| content.iter().find(|(k, _)| k.ends_with("+json")))
        .or_else(|| content.first())
        .map(|(k, v)| (k.as_str(), v))
}

fn request_body<'a>(
    openapi: &'a OpenAPI,
    body: &'a ReferenceOr<RequestBody>,
    op: &Found<'a>,
    builder_name: &str,
    types: &mut TypeSpaceBuilder<'a>,
) -> Option<Body> {
    let pointer = format!("{}/requestBody", op.pointer);
    let body = match body {
        ReferenceOr::Item(b) => b,
        ReferenceOr::Reference { reference } => {
            match reference.strip_prefix("#/components/requestBodies/").and_then(|n| openapi.components.as_ref()?.request_bodies.get(n)).and_then(|b| b.as_item()) {
                Some(b) => b,
                None => {
                    types.diagnostics.warn("dangling-ref", pointer, format!("request body `$ref: {reference}` does not resolve; the operation takes no body. Fix it in spec/overlay.yaml"));
                    return None;
                }
            }
        }
    };
    let docs = body.description.clone().filter(|d| !d.trim().is_empty());
    let Some((media, content)) = pick_media(&body.content) else {
        types.diagnostics.warn("empty-request-body", pointer, "the request body declares no media type; the operation takes no body");
        return None;
    };
    let media_pointer = format!("{pointer}/content/{}", escape_token(media));
    let hint = format!("{builder_name}Request");
    let schema: Option<SchemaRef<'a>> = content.schema.as_ref().map(Into::into);
    let base = media.split(';').next().unwrap_or(media).trim();
    let kind = match (base, schema) {
        ("application/json", Some(schema)) => BodyKind::Json(types.shape_of(schema, &format!("{media_pointer}/schema"), &hint)),
        ("application/json", None) => BodyKind::Json(Shape::Json),
        ("multipart/form-data", Some(schema)) => match multipart_parts(schema, &format!("{media_pointer}/schema"), &hint, types) {
            Some(parts) => BodyKind::Multipart(parts),
            None => BodyKind::Raw { content_type: media.to_string() },
        },
        ("application/x-www-form-urlencoded", Some(schema)) => BodyKind::Form(types.shape_of(schema, &format!("{media_pointer}/schema"), &hint)),
        (other, Some(schema)) if other.ends_with("+json") => BodyKind::Json(types.shape_of(schema, &format!("{media_pointer}/schema"), &hint)),
        _ => BodyKind::Raw { content_type: media.to_string() },
    };
    Some(Body { required: body.required, kind, docs })
}

fn multipart_parts<'a>(schema: SchemaRef<'a>, pointer: &str, hint: &str, types: &mut TypeSpaceBuilder<'a>) -> Option<Vec<MultipartPart>> {
    let schema = match schema {
        SchemaRef::Inline(s) => s,
        SchemaRef::Ref(reference) => match types.component_schema_item(reference) {
            Some(s) => s,
            None => {
                types.diagnostics.warn("unsupported-schema", pointer, "a multipart body must be an object schema; the body is sent as raw bytes");
                return None;
            }
        },
    };
    let view = View::of(schema);
    if view.properties.is_empty() {
        types.diagnostics.warn("unsupported-schema", pointer, "a multipart body without `properties` is sent as raw bytes");
        return None;
    }
    let mut names = Namer::default();
    let mut parts = Vec::new();
    for (wire_name, property) in &view.properties {
        let part_pointer = format!("{pointer}/properties/{}", escape_token(wire_name));
        let shape = types.shape_of(*property, &part_pointer, &format!("{hint}{}", naming::type_name(wire_name)));
        let kind = match shape {
            Shape::Binary => PartKind::File,
            Shape::Array(item) if *item == Shape::Binary => PartKind::Files,
            // A list of values is one text part per value, under the same name.
            Shape::Array(item) if is_scalar(&item) => PartKind::Text(Shape::Array(item)),
            shape if is_scalar(&shape) => PartKind::Text(shape),
            Shape::Named(id) if matches!(types.kind(id), TypeKind::StringEnum(_)) => PartKind::Text(shape),
            _ => PartKind::Text(Shape::String),
        };
        let docs = match property {
            SchemaRef::Inline(s) => super::schema_view::docs(&s.schema_data),
            SchemaRef::Ref(_) => None,
        };
        parts.push(MultipartPart {
            rust_name: names.claim(&naming::snake_ident(wire_name)),
            wire_name: wire_name.to_string(),
            kind,
            required: view.required.iter().any(|r| r == wire_name),
            docs,
        });
    }
    Some(parts)
}

fn response<'a>(openapi: &'a OpenAPI, op: &Found<'a>, builder_name: &str, types: &mut TypeSpaceBuilder<'a>) -> Response {
    // The first success status in order (`200` before `201` before `2XX`).
    let Some((code, response)) = op
        .operation
        .responses
        .responses
        .iter()
        .map(|(code, r)| (code.to_string(), r))
        .filter(|(code, _)| code.starts_with('2'))
        .min_by(|a, b| a.0.cmp(&b.0))
    else {
        return Response::Empty;
    };
    let pointer = format!("{}/responses/{}", op.pointer, escape_token(&code));
    let response = match response {
        ReferenceOr::Item(r) => r,
        ReferenceOr::Reference { reference } => {
            match reference.strip_prefix("#/components/responses/").and_then(|n| openapi.components.as_ref()?.responses.get(n)).and_then(|r| r.as_item()) {
                Some(r) => r,
                None => {
                    types.diagnostics.warn("dangling-ref", pointer, format!("response `$ref: {reference}` does not resolve; the method returns `()`"));
                    return Response::Empty;
                }
            }
        }
    };
    let Some((media, content)) = pick_media(&response.content) else {
        return Response::Empty;
    };
    let base = media.split(';').next().unwrap_or(media).trim();
    let schema: Option<SchemaRef<'a>> = content.schema.as_ref().map(Into::into);
    let media_pointer = format!("{pointer}/content/{}", escape_token(media));
    if base == "application/json" || base.ends_with("+json") {
        return match schema {
            Some(schema) => match types.shape_of(schema, &format!("{media_pointer}/schema"), &format!("{builder_name}Response")) {
                Shape::Binary => Response::Bytes,
                shape => Response::Json(shape),
            },
            None => Response::Json(Shape::Json),
        };
    }
    if base.starts_with("text/") {
        return Response::Text;
    }
    Response::Bytes
}
