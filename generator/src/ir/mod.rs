//! The intermediate representation: plain data with every name resolved.
//!
//! Nothing here refers back to the spec: lowering reads only these facts.

mod build_events;
mod build_operations;
mod build_paging;
mod build_types;
mod schema_view;
pub mod secrets;

use crate::diag::Diagnostics;
use crate::load::events::EventCatalogue;
use crate::load::LoadedSpec;

pub use build_types::TypeSpaceBuilder;

/// Whether a value of `shape` has a `Default` (named types by their `has_default`).
pub fn shape_has_default_in(types: &TypeSpace, shape: &Shape) -> bool {
    build_types::shape_has_default(&types.entries, shape)
}

/// Index of a type in the [`TypeSpace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Every named type of the API, each with a unique Rust name.
#[derive(Debug, Clone, Default)]
pub struct TypeSpace {
    /// Indexed by [`TypeId`].
    pub entries: Vec<TypeEntry>,
}

impl TypeSpace {
    /// The entry for `id`.
    pub fn get(&self, id: TypeId) -> &TypeEntry {
        &self.entries[id.0]
    }

    /// All entries with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (TypeId, &TypeEntry)> {
        self.entries.iter().enumerate().map(|(i, e)| (TypeId(i), e))
    }

    /// Ids sorted by Rust name, the order output uses.
    pub fn sorted_ids(&self) -> Vec<TypeId> {
        let mut ids: Vec<TypeId> = (0..self.entries.len()).map(TypeId).collect();
        ids.sort_by(|a, b| self.get(*a).name.cmp(&self.get(*b).name));
        ids
    }

    /// Number of types.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no types.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Where a named type came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeOrigin {
    /// A component schema, by its spec name.
    Component(String),
    /// An inline schema (request or response body, property, array item, map value, parameter).
    Inline,
}

/// One named type.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeEntry {
    /// Unique Rust type name.
    pub name: String,
    /// Module (file) name in the generated `models` module.
    pub module: String,
    /// JSON pointer of the schema that defined it.
    pub pointer: String,
    /// Component or inline.
    pub origin: TypeOrigin,
    /// Markdown documentation (title and description).
    pub docs: Option<String>,
    /// What the type is.
    pub kind: TypeKind,
    /// Whether every field has a default, so the type can derive `Default`.
    pub has_default: bool,
    /// Operation groups whose operations need this type (directly or through other types);
    /// empty when no operation uses it.
    pub groups: std::collections::BTreeSet<String>,
    /// Which ways the type travels, so that it implements only the serde traits it needs.
    pub usage: Usage,
}

/// Which ways a type travels: in what the client sends (request bodies, parameters) and in what
/// it receives (replies, events), directly or inside another type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Part of a request: the type needs `Serialize`.
    pub sent: bool,
    /// Part of a reply or an event: the type needs `Deserialize`.
    pub received: bool,
}

impl Usage {
    /// Neither sent nor received by any operation or event: nothing says which traits it
    /// needs, so the IR marks it (and what it holds) both ways.
    pub fn is_unknown(self) -> bool {
        !self.sent && !self.received
    }
}

/// The shape of a named type.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    /// An object with known properties.
    Struct(StructType),
    /// A string enum; unknown values are kept in a catch-all variant.
    StringEnum(EnumType),
    /// A named alias of another shape (`type KnownUsers = Vec<String>`).
    Alias(Shape),
    /// `oneOf`/`anyOf`: an untagged enum tried in order.
    Union(UnionType),
}

/// An object type.
#[derive(Debug, Clone, PartialEq)]
pub struct StructType {
    /// Properties in declaration order.
    pub fields: Vec<Field>,
    /// Type of `additionalProperties` values, kept in a flattened map, if declared.
    pub additional: Option<Shape>,
    /// Rust name of the flattened map field (`additional_properties`, unless a property has it).
    pub additional_rust_name: String,
}

/// One property of an object type.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust field name (may be raw, `r#type`).
    pub rust_name: String,
    /// Name on the wire.
    pub wire_name: String,
    /// Value type.
    pub shape: Shape,
    /// Listed in `required`.
    pub required: bool,
    /// `nullable: true`.
    pub nullable: bool,
    /// The value is stored behind a `Box` because the type contains itself.
    pub boxed: bool,
    /// The value authenticates (a token, password, secret...): never printed.
    pub secret: bool,
    /// Markdown documentation.
    pub docs: Option<String>,
}

impl Field {
    /// Whether the field is an `Option` in Rust: optional, or required but nullable.
    pub fn is_option(&self) -> bool {
        !self.required || self.nullable
    }
}

/// A string enum.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumType {
    /// Known values.
    pub variants: Vec<EnumVariant>,
    /// Name of the variant that keeps an unknown value.
    pub catch_all: String,
}

/// One known enum value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumVariant {
    /// Rust variant name.
    pub rust_name: String,
    /// Value on the wire.
    pub wire_value: String,
}

/// A `oneOf`/`anyOf` type.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionType {
    /// Alternatives in the order they are tried when decoding.
    pub variants: Vec<UnionVariant>,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Rust variant name.
    pub rust_name: String,
    /// Its value type.
    pub shape: Shape,
}

/// A use of a type: what a field, parameter or body holds.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Shape {
    /// A named type.
    Named(TypeId),
    /// `string`.
    String,
    /// `integer`, `format: int32`.
    I32,
    /// `integer` (`int64` or unspecified: Mattermost timestamps are int64 milliseconds).
    I64,
    /// `number`.
    F64,
    /// `boolean`.
    Bool,
    /// `array`.
    Array(Box<Shape>),
    /// `additionalProperties` only: a string-keyed map.
    Map(Box<Shape>),
    /// A free-form object.
    JsonObject,
    /// Any JSON value (also the fallback for what cannot be typed).
    Json,
    /// `format: binary`: file content.
    Binary,
}

/// The whole API as plain data.
#[derive(Debug, Clone)]
pub struct Ir {
    /// Title, version and description of the API.
    pub info: ApiInfo,
    /// Every named type.
    pub types: TypeSpace,
    /// Every operation, sorted by method name.
    pub operations: Vec<Operation>,
    /// Operation groups (one per tag, tags differing only in case folded), sorted by name.
    pub groups: Vec<Group>,
    /// The WebSocket's server events, when an event catalogue was given.
    pub events: Option<EventSpace>,
}

/// The cargo feature (and type group) of the WebSocket events.
pub const EVENTS_GROUP: &str = "websocket";

/// The server events of the WebSocket, from the event catalogue.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpace {
    /// The server version the catalogue describes.
    pub version: String,
    /// Every event, sorted by wire name.
    pub events: Vec<Event>,
    /// What every event's `broadcast` decodes into (a named struct with a `Default`, or JSON).
    pub broadcast: Shape,
}

/// One server event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Name on the wire (`posted`).
    pub wire_name: String,
    /// Rust variant name of the `Event` enum (`Posted`).
    pub variant_name: String,
    /// JSON pointer of its message in the catalogue.
    pub pointer: String,
    /// Markdown documentation (title, summary, description, the server versions that send it).
    pub docs: Option<String>,
    /// The first server version read that sends it (`x-since`).
    pub since: Option<String>,
    /// The first server version read that no longer sends it (`x-until`), when one does not.
    pub until: Option<String>,
    /// Server files and functions that publish it.
    pub published_by: Vec<String>,
    /// What its `data` decodes into (`Shape::Json` for untyped events).
    pub data: Shape,
    /// Members of `data` the server sends as a string holding JSON, to decode before `data`.
    pub json_strings: Vec<JsonString>,
}

/// A member of an event's data sent as a string holding JSON: decode the string as JSON of
/// `shape`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonString {
    /// Its name on the wire.
    pub wire_name: String,
    /// The decoded value's shape (the data struct's field has this shape).
    pub shape: Shape,
}

/// Facts about the API as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiInfo {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
    /// sha256 of the spec text.
    pub spec_sha256: String,
}

/// A group of operations: a module of the client and a cargo feature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Module and feature name.
    pub name: String,
    /// The tag spellings folded into it.
    pub tags: Vec<String>,
    /// The tag's description, if any.
    pub docs: Option<String>,
}

/// One HTTP operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId`, or the synthesized one when it was missing or duplicated.
    pub operation_id: String,
    /// Rust method name on the client.
    pub method_name: String,
    /// Rust name of the request builder type, when the operation has optional inputs.
    pub builder_name: String,
    /// For binary replies: the name of the method that streams the body.
    pub stream_method_name: Option<String>,
    /// HTTP method in upper case.
    pub http_method: String,
    /// Path template, e.g. `/api/v4/users/{user_id}`.
    pub path: String,
    /// JSON pointer of the operation.
    pub pointer: String,
    /// Group (module and feature) the operation belongs to.
    pub group: String,
    /// Summary line.
    pub summary: Option<String>,
    /// Markdown description.
    pub description: Option<String>,
    /// `deprecated: true`.
    pub deprecated: bool,
    /// Path, query and header parameters in declaration order.
    pub params: Vec<Param>,
    /// Request body, if any.
    pub body: Option<Body>,
    /// What a success reply holds.
    pub response: Response,
    /// How the operation pages through results, when it takes paging parameters.
    pub paging: Option<PagingFact>,
    /// The official JavaScript client's methods that send this operation
    /// (`spec/js-client-names.yaml`), e.g. `addReaction` for `SaveReaction`.
    pub js_names: Vec<String>,
}

/// The path the runtime's `login_with_as` posts to: the operation at `POST` of this path is the
/// one whose reply type the generated `login` and `login_with` return.
pub const RUNTIME_LOGIN_PATH: &str = "/api/v4/users/login";

impl Ir {
    /// The operation the runtime's login sends (`POST` [`RUNTIME_LOGIN_PATH`]), if the spec has it.
    pub fn login_operation(&self) -> Option<&Operation> {
        self.operations.iter().find(|op| op.http_method == "POST" && op.path == RUNTIME_LOGIN_PATH)
    }

    /// Puts the JavaScript client's method names on the operations; a name for an operationId
    /// the spec lacks is a warning.
    pub fn attach_js_names(&mut self, names: &crate::load::js_names::JsNames, diagnostics: &mut Diagnostics) {
        for (operation_id, methods) in &names.operations {
            let methods: Vec<String> = methods.iter().filter(|m| crate::load::js_names::is_js_identifier(m)).cloned().collect();
            match self.operations.iter_mut().find(|op| &op.operation_id == operation_id) {
                Some(op) => op.js_names = methods,
                None => diagnostics.warn(
                    "js-names",
                    "",
                    format!("{}: no operation `{operation_id}` in the spec; its JavaScript names are unused", crate::load::js_names::JS_NAMES_FILE),
                ),
            }
        }
    }
}

/// What is known about an operation that takes paging parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum PagingFact {
    /// It can be streamed item by item.
    Streamed(Paging),
    /// It looks paged but cannot be streamed, and why (named in the regen report).
    NotStreamed {
        /// Why no stream is generated.
        reason: String,
    },
}

/// How an operation pages through a list: from the spec's parameters and reply, or from the
/// overlay's `x-paging` extension where the spec cannot say (a cursor, a list inside a map).
#[derive(Debug, Clone, PartialEq)]
pub struct Paging {
    /// How the next page is asked for.
    pub kind: PagingKind,
    /// Index in `params` of the page size (an integer parameter).
    pub size_param: usize,
    /// The largest page size the server accepts (at most 200).
    pub max_size: u8,
    /// Where the items are in one reply.
    pub items: PageItems,
    /// Type of one item.
    pub item: Shape,
    /// A boolean field of the reply that is false on the last page (`has_next`).
    pub more: Option<FieldRef>,
    /// Whether the fact comes from the overlay's `x-paging` rather than from the spec's shape.
    pub stated: bool,
}

/// How the request for the next page is made.
#[derive(Debug, Clone, PartialEq)]
pub enum PagingKind {
    /// A zero-based page number (`page`), one more for each page.
    PageNumber {
        /// Index in `params` of the page number.
        page_param: usize,
    },
    /// A cursor: the next request sets a parameter to a field of the last item of the page.
    Cursor {
        /// Index in `params` of the cursor parameter.
        param: usize,
        /// The field of an item that the cursor takes.
        from: FieldRef,
    },
}

/// A field of a reply or item struct, as lowering reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRef {
    /// Rust field name.
    pub rust_name: String,
    /// Whether the field is an `Option` in Rust.
    pub optional: bool,
}

/// Where the items of one page are in its reply.
#[derive(Debug, Clone, PartialEq)]
pub enum PageItems {
    /// The reply is the list.
    Whole,
    /// A field of the reply holds the list (next to a total count, say).
    Field(FieldRef),
    /// A map field holds the items by id, and a list field gives their order (`PostList`).
    Ordered {
        /// The list of ids.
        order: FieldRef,
        /// The map from id to item.
        map: FieldRef,
    },
    /// The reply is a union: each variant (by Rust name) holds the items its own way.
    Variants(Vec<(String, PageItems)>),
}

impl Operation {
    /// How the operation streams, when it does.
    pub fn streamed_paging(&self) -> Option<&Paging> {
        match &self.paging {
            Some(PagingFact::Streamed(paging)) => Some(paging),
            _ => None,
        }
    }
}

impl Operation {
    /// The inputs of the operation in the order its method takes them: parameters, then the
    /// body, or a multipart body's parts one by one.
    pub fn input_sources(&self) -> Vec<InputSource<'_>> {
        let mut sources: Vec<InputSource<'_>> = self.params.iter().map(InputSource::Param).collect();
        if let Some(body) = &self.body {
            match &body.kind {
                BodyKind::Multipart(parts) => sources.extend(parts.iter().map(InputSource::Part)),
                BodyKind::Json(_) | BodyKind::Form(_) | BodyKind::Raw { .. } => sources.push(InputSource::Body(body)),
            }
        }
        sources
    }

    /// Whether the operation has inputs that are not required (and so needs a builder).
    pub fn has_optional_inputs(&self) -> bool {
        self.input_sources().iter().any(|input| !input.required())
    }
}

/// One input of an operation, where it comes from in the IR.
#[derive(Debug, Clone, Copy)]
pub enum InputSource<'a> {
    /// A path, query or header parameter.
    Param(&'a Param),
    /// The whole request body (JSON, form or raw).
    Body(&'a Body),
    /// One part of a multipart body.
    Part(&'a MultipartPart),
}

impl InputSource<'_> {
    /// Whether the caller must give it (a method argument) rather than may (a builder setter).
    /// A multipart part is required by the schema's `required` (Mattermost never marks
    /// multipart request bodies themselves as required); any other body by the body's own.
    pub fn required(&self) -> bool {
        match self {
            InputSource::Param(p) => p.required,
            InputSource::Body(body) => body.required,
            InputSource::Part(part) => part.required,
        }
    }
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    /// A path segment.
    Path,
    /// The query string.
    Query,
    /// A request header.
    Header,
}

/// One path, query or header parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Rust argument name.
    pub rust_name: String,
    /// Wire name.
    pub wire_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Value type.
    pub shape: Shape,
    /// Whether it must be given.
    pub required: bool,
    /// Arrays: repeated `a=1&a=2` (true) or `a=1,2` (false).
    pub explode: bool,
    /// The value authenticates (a token, invite id...): never printed.
    pub secret: bool,
    /// Markdown documentation.
    pub docs: Option<String>,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Whether it must be given.
    pub required: bool,
    /// How it is encoded.
    pub kind: BodyKind,
    /// Markdown documentation.
    pub docs: Option<String>,
}

/// Encoding of a request body.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    /// `application/json`.
    Json(Shape),
    /// `application/x-www-form-urlencoded`.
    Form(Shape),
    /// `multipart/form-data`, typed per part.
    Multipart(Vec<MultipartPart>),
    /// Any other media type: raw bytes.
    Raw {
        /// The declared media type.
        content_type: String,
    },
}

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartPart {
    /// Rust name.
    pub rust_name: String,
    /// Wire (form field) name.
    pub wire_name: String,
    /// Text, file or files.
    pub kind: PartKind,
    /// Whether it must be given.
    pub required: bool,
    /// Markdown documentation.
    pub docs: Option<String>,
}

/// What a multipart part holds.
#[derive(Debug, Clone, PartialEq)]
pub enum PartKind {
    /// A text value, or a list of them (`Shape::Array`: one part per value).
    Text(Shape),
    /// One file.
    File,
    /// Several files under one name.
    Files,
}

/// What a successful reply holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Response {
    /// A JSON body decoded into a shape.
    Json(Shape),
    /// Binary content.
    Bytes,
    /// Text content.
    Text,
    /// No content (or content the spec does not describe).
    Empty,
}

/// Builds the IR from a loaded spec; problems are recorded in `diagnostics`.
pub fn build(spec: &LoadedSpec, diagnostics: &mut Diagnostics) -> Ir {
    build_with_events(spec, None, diagnostics)
}

/// Builds the IR from a loaded spec and, when given, the event catalogue, whose data types join
/// the same type space.
pub fn build_with_events(spec: &LoadedSpec, catalogue: Option<&EventCatalogue>, diagnostics: &mut Diagnostics) -> Ir {
    let openapi = &spec.openapi;
    let mut types = TypeSpaceBuilder::new(openapi, diagnostics);
    types.add_components();
    let (operations, groups) = build_operations::build(openapi, &mut types);
    let events = catalogue.map(|catalogue| build_events::build(catalogue, &mut types));
    let mut types = types.finish();
    mark_groups(&mut types, &operations);
    let mut event_roots = Vec::new();
    let events = events.zip(catalogue).map(|(mut events, catalogue)| {
        build_events::finish(&mut events, &mut types, catalogue, diagnostics);
        named_in(&events.broadcast, &mut event_roots);
        for event in &events.events {
            named_in(&event.data, &mut event_roots);
        }
        mark_closure(&mut types, EVENTS_GROUP, event_roots.clone());
        events
    });
    mark_usage(&mut types, &operations, &event_roots);
    Ir {
        info: ApiInfo {
            title: openapi.info.title.clone(),
            version: openapi.info.version.clone(),
            spec_sha256: spec.sha256.clone(),
        },
        types,
        operations,
        groups,
        events,
    }
}

/// Named types a shape refers to directly.
fn named_in(shape: &Shape, out: &mut Vec<TypeId>) {
    match shape {
        Shape::Named(id) => out.push(*id),
        Shape::Array(inner) | Shape::Map(inner) => named_in(inner, out),
        _ => {}
    }
}

/// Named types an operation refers to directly.
fn operation_types(op: &Operation) -> Vec<TypeId> {
    let mut out = sent_types(op);
    if let Response::Json(shape) = &op.response {
        named_in(shape, &mut out);
    }
    out
}

/// Named types an operation sends directly (parameters and request body).
fn sent_types(op: &Operation) -> Vec<TypeId> {
    let mut out = Vec::new();
    for param in &op.params {
        named_in(&param.shape, &mut out);
    }
    match op.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(shape) | BodyKind::Form(shape)) => named_in(shape, &mut out),
        Some(BodyKind::Multipart(parts)) => {
            for part in parts {
                if let PartKind::Text(shape) = &part.kind {
                    named_in(shape, &mut out);
                }
            }
        }
        Some(BodyKind::Raw { .. }) | None => {}
    }
    out
}

/// Records on every type the groups whose operations need it: the dependency closure that
/// per-group cargo features compile.
fn mark_groups(types: &mut TypeSpace, operations: &[Operation]) {
    for op in operations {
        mark_closure(types, &op.group, operation_types(op));
    }
}

/// Adds `group` to `roots` and every type they need.
fn mark_closure(types: &mut TypeSpace, group: &str, roots: Vec<TypeId>) {
    walk_closure(types, roots, |entry| entry.groups.insert(group.to_string()));
}

/// Records on every type whether operations send it, and whether operations or events (the
/// types in `event_roots`) receive it, directly or inside another type.
fn mark_usage(types: &mut TypeSpace, operations: &[Operation], event_roots: &[TypeId]) {
    let mut sent = Vec::new();
    let mut received = event_roots.to_vec();
    for op in operations {
        sent.extend(sent_types(op));
        if let Response::Json(shape) = &op.response {
            named_in(shape, &mut received);
        }
    }
    walk_closure(types, sent, |entry| !std::mem::replace(&mut entry.usage.sent, true));
    walk_closure(types, received, |entry| !std::mem::replace(&mut entry.usage.received, true));
    // A type nothing uses gets both traits (nothing says which it needs), and so must every
    // type inside it.
    let unused: Vec<TypeId> = (0..types.entries.len()).map(TypeId).filter(|id| types.get(*id).usage.is_unknown()).collect();
    walk_closure(types, unused.clone(), |entry| !std::mem::replace(&mut entry.usage.sent, true));
    walk_closure(types, unused, |entry| !std::mem::replace(&mut entry.usage.received, true));
}

/// Calls `mark` on `roots` and every type they contain; `mark` returns whether the entry was
/// not marked before (the walk goes no further through an entry marked already).
fn walk_closure(types: &mut TypeSpace, roots: Vec<TypeId>, mut mark: impl FnMut(&mut TypeEntry) -> bool) {
    let mut stack = roots;
    while let Some(id) = stack.pop() {
        let entry = &mut types.entries[id.0];
        if !mark(entry) {
            continue;
        }
        match &entry.kind {
            TypeKind::Struct(s) => {
                for field in &s.fields {
                    named_in(&field.shape, &mut stack);
                }
                if let Some(additional) = &s.additional {
                    named_in(additional, &mut stack);
                }
            }
            TypeKind::Alias(shape) => named_in(shape, &mut stack),
            TypeKind::Union(u) => {
                for variant in &u.variants {
                    named_in(&variant.shape, &mut stack);
                }
            }
            TypeKind::StringEnum(_) => {}
        }
    }
}
