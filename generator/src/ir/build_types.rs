//! Builds the type space: every component schema and every inline object or enum schema gets
//! one named type, with collisions resolved before any token is produced.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde_json::Value;

use super::schema_view::{docs, Additional, SchemaRef, View};
use super::{EnumType, EnumVariant, Field, Shape, StructType, TypeEntry, TypeId, TypeKind, TypeOrigin, TypeSpace, UnionType, UnionVariant};
use crate::diag::{escape_token, Diagnostics};
use crate::naming::{self, Namer};

const COMPONENT_PREFIX: &str = "#/components/schemas/";
/// The extension by which an inline schema names its type (`x-type-name: PropertyField`).
const TYPE_NAME_EXTENSION: &str = "x-type-name";

/// What a schema turned out to be: a plain shape, or a type that needs a name.
enum Resolved {
    Plain(Shape),
    Named(TypeKind),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum DefineState {
    Pending,
    InProgress,
    Done,
}

/// Builds a [`TypeSpace`] from the spec's schemas; shared with the operations builder.
pub struct TypeSpaceBuilder<'a> {
    openapi: &'a OpenAPI,
    /// Where problems go.
    pub diagnostics: &'a mut Diagnostics,
    entries: Vec<TypeEntry>,
    states: Vec<DefineState>,
    components: BTreeMap<String, TypeId>,
    type_names: Namer,
    module_names: Namer,
    by_candidate: BTreeMap<String, Vec<TypeId>>,
}

impl<'a> TypeSpaceBuilder<'a> {
    /// A builder over `openapi`'s components.
    pub fn new(openapi: &'a OpenAPI, diagnostics: &'a mut Diagnostics) -> Self {
        TypeSpaceBuilder {
            openapi,
            diagnostics,
            entries: Vec::new(),
            states: Vec::new(),
            components: BTreeMap::new(),
            type_names: Namer::with_reserved(naming::RESERVED_TYPE_NAMES),
            module_names: Namer::with_reserved(&["mod"]),
            by_candidate: BTreeMap::new(),
        }
    }

    fn component_schemas(&self) -> Vec<(&'a String, &'a ReferenceOr<Schema>)> {
        let mut schemas: Vec<_> = self.openapi.components.iter().flat_map(|c| c.schemas.iter()).collect();
        schemas.sort_by(|a, b| a.0.cmp(b.0));
        schemas
    }

    /// Names every component schema, then defines each one.
    pub fn add_components(&mut self) {
        let schemas = self.component_schemas();
        for (name, _) in &schemas {
            let pointer = format!("/components/schemas/{}", escape_token(name));
            let candidate = naming::type_name(name);
            let id = self.allocate(&candidate, pointer, TypeOrigin::Component((*name).clone()), None, TypeKind::Alias(Shape::Json));
            self.states.push(DefineState::Pending);
            self.components.insert((*name).clone(), id);
        }
        for (name, _) in &schemas {
            if let Some(&id) = self.components.get(name.as_str()) {
                self.ensure_defined(id);
            }
        }
    }

    fn allocate(&mut self, candidate: &str, pointer: String, origin: TypeOrigin, docs: Option<String>, kind: TypeKind) -> TypeId {
        let name = self.type_names.claim(candidate);
        if name != candidate {
            let holder = self
                .by_candidate
                .get(candidate)
                .and_then(|ids| ids.first())
                .map(|id| format!(" (defined at {})", self.entries[id.0].pointer))
                .unwrap_or_else(|| " (a name the generated code uses itself)".to_string());
            self.diagnostics.note(
                "name-collision",
                pointer.clone(),
                format!("this type would be named `{candidate}`, which another type already has{holder}; named it `{name}`"),
            );
        }
        let module = {
            let snake = naming::snake_ident(&name);
            let snake = if snake.starts_with("r#") { format!("{}_", naming::unraw(&snake)) } else { snake };
            self.module_names.claim(&snake)
        };
        let id = TypeId(self.entries.len());
        self.entries.push(TypeEntry {
            name,
            module,
            pointer,
            origin,
            docs,
            kind,
            has_default: true,
            groups: BTreeSet::new(),
            usage: Default::default(),
        });
        self.by_candidate.entry(candidate.to_string()).or_default().push(id);
        id
    }

    /// The kind of a type built so far.
    pub fn kind(&self, id: TypeId) -> &TypeKind {
        &self.entries[id.0].kind
    }

    /// The inline schema a `#/components/schemas/...` reference points at.
    pub fn component_schema_item(&self, reference: &str) -> Option<&'a Schema> {
        let name = reference.strip_prefix(COMPONENT_PREFIX)?;
        self.component_schema(name)?.as_item()
    }

    fn component_schema(&self, name: &str) -> Option<&'a ReferenceOr<Schema>> {
        self.openapi.components.as_ref().and_then(|c| c.schemas.get(name))
    }

    fn ensure_defined(&mut self, id: TypeId) {
        if self.states.get(id.0) != Some(&DefineState::Pending) {
            return;
        }
        self.states[id.0] = DefineState::InProgress;
        let TypeOrigin::Component(name) = self.entries[id.0].origin.clone() else { return };
        let pointer = self.entries[id.0].pointer.clone();
        let hint = self.entries[id.0].name.clone();
        let (kind, docs) = match self.component_schema(&name) {
            Some(ReferenceOr::Item(schema)) => {
                let kind = match self.resolve(schema, &pointer, &hint) {
                    Resolved::Named(kind) => kind,
                    Resolved::Plain(shape) => TypeKind::Alias(shape),
                };
                (kind, docs(&schema.schema_data))
            }
            Some(ReferenceOr::Reference { reference }) => {
                let shape = self.shape_of_ref(reference, &pointer);
                (TypeKind::Alias(shape), None)
            }
            None => (TypeKind::Alias(Shape::Json), None),
        };
        let entry = &mut self.entries[id.0];
        entry.kind = kind;
        entry.docs = docs;
        self.states[id.0] = DefineState::Done;
    }

    /// The shape of a use of `schema` at `pointer`; an inline type that needs a name is named
    /// `hint`.
    pub fn shape_of(&mut self, schema: SchemaRef<'a>, pointer: &str, hint: &str) -> Shape {
        match schema {
            SchemaRef::Ref(reference) => self.shape_of_ref(reference, pointer),
            SchemaRef::Inline(schema) => {
                // A schema that names itself (`x-type-name`, as the event catalogue's own schemas
                // do) is one type wherever it is used.
                let hint = schema.schema_data.extensions.get(TYPE_NAME_EXTENSION).and_then(serde_json::Value::as_str).unwrap_or(hint);
                match self.resolve(schema, pointer, hint) {
                    Resolved::Plain(shape) => shape,
                    Resolved::Named(kind) => Shape::Named(self.intern_inline(hint, pointer, docs(&schema.schema_data), kind)),
                }
            }
        }
    }

    /// Whether `schema` is `nullable: true` (references are not).
    pub fn is_nullable(schema: SchemaRef<'_>) -> bool {
        matches!(schema, SchemaRef::Inline(s) if s.schema_data.nullable)
    }

    fn shape_of_ref(&mut self, reference: &str, pointer: &str) -> Shape {
        let Some(name) = reference.strip_prefix(COMPONENT_PREFIX) else {
            self.diagnostics.warn(
                "unsupported-ref",
                pointer,
                format!("`$ref: {reference}` does not point at a component schema; used `serde_json::Value` here. Point it at `#/components/schemas/...` (in spec/overlay.yaml)"),
            );
            return Shape::Json;
        };
        let name = name.replace("~1", "/").replace("~0", "~");
        match self.components.get(&name) {
            Some(&id) => Shape::Named(id),
            None => {
                self.diagnostics.warn(
                    "dangling-ref",
                    pointer,
                    format!("`$ref: {reference}` names a component schema that does not exist; used `serde_json::Value` here. Add the schema or fix the reference in spec/overlay.yaml"),
                );
                Shape::Json
            }
        }
    }

    /// Interns an inline named type: a structurally identical type wanting the same name is
    /// reused; a different one gets a unique name.
    fn intern_inline(&mut self, candidate: &str, pointer: &str, docs: Option<String>, kind: TypeKind) -> TypeId {
        if let Some(ids) = self.by_candidate.get(candidate) {
            for &id in ids {
                let entry = &self.entries[id.0];
                if entry.kind == kind && self.states.get(id.0).is_none_or(|s| *s == DefineState::Done) {
                    return id;
                }
            }
        }
        let id = self.allocate(candidate, pointer.to_string(), TypeOrigin::Inline, docs, kind);
        self.states.push(DefineState::Done);
        id
    }

    fn resolve(&mut self, schema: &'a Schema, pointer: &str, hint: &str) -> Resolved {
        let view = View::of(schema);
        if !view.all_of.is_empty() {
            return self.resolve_all_of(&view, pointer, hint);
        }
        if !view.one_of.is_empty() {
            return self.resolve_union(&view, pointer, hint);
        }
        if view.has_not {
            self.diagnostics.warn("unsupported-schema", pointer, "`not` schemas are not supported; used `serde_json::Value` here");
            return Resolved::Plain(Shape::Json);
        }
        let typ = match view.typ {
            Some(t) => Some(t),
            None if !view.properties.is_empty() => Some("object"),
            None if view.items.is_some() => Some("array"),
            None if !matches!(view.additional, Additional::No) => Some("object"),
            None => None,
        };
        if typ != Some("object") && !view.properties.is_empty() {
            self.diagnostics.warn(
                "properties-on-non-object",
                pointer,
                format!(
                    "`type: {}` with `properties` contradicts itself; ignored the properties. Fix the type in spec/overlay.yaml if the properties are right",
                    typ.unwrap_or("(none)")
                ),
            );
        }
        match typ {
            Some("string") => self.resolve_string(&view, pointer),
            Some("integer") => {
                self.check_enum(&view, pointer, "integer", |v| v.is_i64() || v.is_u64());
                Resolved::Plain(if view.format.as_deref() == Some("int32") { Shape::I32 } else { Shape::I64 })
            }
            Some("number") => {
                self.check_enum(&view, pointer, "number", Value::is_number);
                Resolved::Plain(Shape::F64)
            }
            Some("boolean") => {
                self.check_enum(&view, pointer, "boolean", Value::is_boolean);
                Resolved::Plain(Shape::Bool)
            }
            Some("array") => match view.items {
                Some(items) => {
                    let item_pointer = format!("{pointer}/items");
                    let shape = self.shape_of(items, &item_pointer, &format!("{hint}Item"));
                    Resolved::Plain(Shape::Array(Box::new(shape)))
                }
                None => {
                    self.diagnostics.warn(
                        "array-without-items",
                        pointer,
                        "`type: array` without `items`; generated `Vec<serde_json::Value>`. Declare `items` in spec/overlay.yaml",
                    );
                    Resolved::Plain(Shape::Array(Box::new(Shape::Json)))
                }
            },
            Some("object") => self.resolve_object(&view, pointer, hint),
            None => Resolved::Plain(Shape::Json),
            Some(other) => {
                self.diagnostics.warn(
                    "unknown-type",
                    pointer,
                    format!("`type: {other}` is not an OpenAPI 3.0 type; used `serde_json::Value` here"),
                );
                Resolved::Plain(Shape::Json)
            }
        }
    }

    fn check_enum(&mut self, view: &View<'_>, pointer: &str, typ: &str, fits: impl Fn(&Value) -> bool) {
        let wrong: Vec<String> = view.enum_values.iter().filter(|v| !v.is_null() && !fits(v)).map(Value::to_string).collect();
        if !wrong.is_empty() {
            self.diagnostics.warn(
                "enum-type-mismatch",
                pointer,
                format!(
                    "enum values {} are not of the declared `type: {typ}`; kept the declared type and ignored the enum. Fix the type or the values in spec/overlay.yaml",
                    wrong.join(", ")
                ),
            );
        }
    }

    fn resolve_string(&mut self, view: &View<'_>, pointer: &str) -> Resolved {
        if view.format.as_deref() == Some("binary") {
            return Resolved::Plain(Shape::Binary);
        }
        let values: Vec<&str> = view.enum_values.iter().filter_map(Value::as_str).collect();
        if values.len() != view.enum_values.iter().filter(|v| !v.is_null()).count() {
            self.check_enum(view, pointer, "string", Value::is_string);
            return Resolved::Plain(Shape::String);
        }
        if values.is_empty() {
            return Resolved::Plain(Shape::String);
        }
        let mut names = Namer::default();
        let mut seen = BTreeSet::new();
        let variants = values
            .into_iter()
            .filter(|v| seen.insert(*v))
            .map(|value| EnumVariant {
                rust_name: names.claim(&naming::variant_name(value)),
                wire_value: value.to_string(),
            })
            .collect();
        let catch_all = if names.is_taken("Unknown") { names.claim("UnknownValue") } else { "Unknown".to_string() };
        Resolved::Named(TypeKind::StringEnum(EnumType { variants, catch_all }))
    }

    fn resolve_object(&mut self, view: &View<'a>, pointer: &str, hint: &str) -> Resolved {
        let additional = match view.additional {
            Additional::No => None,
            Additional::Any => Some(Shape::Json),
            Additional::Schema(schema) => {
                Some(self.shape_of(schema, &format!("{pointer}/additionalProperties"), &format!("{hint}Value")))
            }
        };
        if view.properties.is_empty() {
            return Resolved::Plain(match additional {
                None | Some(Shape::Json) => Shape::JsonObject,
                Some(values) => Shape::Map(Box::new(values)),
            });
        }
        let fields = self.fields(&view.properties, view.required, pointer, hint);
        Resolved::Named(TypeKind::Struct(struct_type(fields, additional)))
    }

    fn fields(&mut self, properties: &[(&'a str, SchemaRef<'a>)], required: &[String], pointer: &str, hint: &str) -> Vec<Field> {
        let mut fields = Vec::with_capacity(properties.len());
        for (wire_name, schema) in properties {
            let field_pointer = format!("{pointer}/properties/{}", escape_token(wire_name));
            let field_hint = format!("{hint}{}", naming::type_name(wire_name));
            let shape = self.shape_of(*schema, &field_pointer, &field_hint);
            // A nested object (`password_settings`) redacts its own secret fields.
            let nested = matches!(shape, Shape::Named(_) | Shape::Map(_) | Shape::JsonObject);
            let (docs, marked_secret) = match schema {
                SchemaRef::Inline(s) => (docs(&s.schema_data), s.schema_data.extensions.get("x-secret").and_then(serde_json::Value::as_bool)),
                SchemaRef::Ref(_) => (None, None),
            };
            let secret = marked_secret.unwrap_or_else(|| super::secrets::is_secret_name(wire_name) && !nested);
            fields.push(Field {
                rust_name: String::new(),
                wire_name: wire_name.to_string(),
                shape,
                required: required.iter().any(|r| r == wire_name),
                nullable: Self::is_nullable(*schema),
                boxed: false,
                secret,
                docs,
            });
        }
        name_fields(&mut fields);
        fields
    }

    fn resolve_all_of(&mut self, view: &View<'a>, pointer: &str, hint: &str) -> Resolved {
        let own_fields = self.fields(&view.properties, view.required, pointer, hint);
        if view.all_of.len() == 1 && own_fields.is_empty() && view.required.is_empty() {
            let member_pointer = format!("{pointer}/allOf/0");
            return Resolved::Plain(self.shape_of(view.all_of[0], &member_pointer, hint));
        }
        let mut merged: Vec<Field> = Vec::new();
        let mut additional = None;
        for (index, member) in view.all_of.iter().enumerate() {
            let member_pointer = format!("{pointer}/allOf/{index}");
            // An inline member's fields merge straight into this type; it gets no name of its own.
            let shape = match member {
                SchemaRef::Inline(schema) => match self.resolve(schema, &member_pointer, hint) {
                    Resolved::Named(TypeKind::Struct(s)) => {
                        for field in s.fields {
                            merge_field(&mut merged, field);
                        }
                        if s.additional.is_some() {
                            additional = s.additional;
                        }
                        continue;
                    }
                    Resolved::Named(kind) => Shape::Named(self.intern_inline(&format!("{hint}AllOf{index}"), &member_pointer, None, kind)),
                    Resolved::Plain(shape) => shape,
                },
                SchemaRef::Ref(_) => self.shape_of(*member, &member_pointer, hint),
            };
            let member_struct = match &shape {
                Shape::Named(id) => {
                    self.ensure_defined(*id);
                    match &self.entries[id.0].kind {
                        TypeKind::Struct(s) => Some(s.clone()),
                        _ => None,
                    }
                }
                Shape::JsonObject => Some(struct_type(Vec::new(), None)),
                _ => None,
            };
            match member_struct {
                Some(s) => {
                    for field in s.fields {
                        merge_field(&mut merged, field);
                    }
                    if s.additional.is_some() {
                        additional = s.additional;
                    }
                }
                None => self.diagnostics.warn(
                    "all-of-non-object",
                    member_pointer,
                    "this `allOf` member is not an object (or refers to itself); left it out of the merged type",
                ),
            }
        }
        for field in own_fields {
            merge_field(&mut merged, field);
        }
        for field in &mut merged {
            if view.required.contains(&field.wire_name) {
                field.required = true;
            }
        }
        name_fields(&mut merged);
        Resolved::Named(TypeKind::Struct(struct_type(merged, additional)))
    }

    fn resolve_union(&mut self, view: &View<'a>, pointer: &str, hint: &str) -> Resolved {
        if let [(at, member)] = view.one_of.as_slice() {
            return Resolved::Plain(self.shape_of(*member, &format!("{pointer}/{at}"), hint));
        }
        let mut names = Namer::default();
        let mut variants = Vec::new();
        for (index, (at, member)) in view.one_of.iter().enumerate() {
            let shape = self.shape_of(*member, &format!("{pointer}/{at}"), &format!("{hint}Variant{index}"));
            let candidate = match &shape {
                Shape::Named(id) => self.entries[id.0].name.clone(),
                other => shape_label(other).to_string(),
            };
            let rust_name = names.claim(&candidate);
            if !variants.iter().any(|v: &UnionVariant| v.shape == shape) {
                variants.push(UnionVariant { rust_name, shape });
            }
        }
        Resolved::Named(TypeKind::Union(UnionType { variants }))
    }

    /// Finishes the space: boxes self-containing fields and works out which types have defaults.
    pub fn finish(mut self) -> TypeSpace {
        mark_boxed_fields(&mut self.entries);
        mark_defaults(&mut self.entries);
        TypeSpace { entries: self.entries }
    }
}

fn shape_label(shape: &Shape) -> &'static str {
    match shape {
        Shape::Named(_) => "Named",
        Shape::String => "String",
        Shape::I32 | Shape::I64 => "Integer",
        Shape::F64 => "Number",
        Shape::Bool => "Boolean",
        Shape::Array(_) => "Array",
        Shape::Map(_) => "Map",
        Shape::JsonObject => "Object",
        Shape::Json => "Value",
        Shape::Binary => "Binary",
    }
}

fn merge_field(fields: &mut Vec<Field>, field: Field) {
    match fields.iter_mut().find(|f| f.wire_name == field.wire_name) {
        Some(existing) => {
            let required = existing.required || field.required;
            *existing = field;
            existing.required = required;
        }
        None => fields.push(field),
    }
}

/// A struct type; the flattened map field gets a name no property uses.
fn struct_type(fields: Vec<Field>, additional: Option<Shape>) -> StructType {
    let mut names = Namer::default();
    for field in &fields {
        names.claim(&field.rust_name);
    }
    let additional_rust_name = names.claim("additional_properties");
    StructType {
        fields,
        additional,
        additional_rust_name,
    }
}

/// Gives every field a unique snake_case Rust name.
fn name_fields(fields: &mut [Field]) {
    let mut names = Namer::default();
    for field in fields {
        field.rust_name = names.claim(&naming::snake_ident(&field.wire_name));
    }
}

/// The named types a shape holds inline (not behind a `Vec` or map), which make its size.
fn direct_named(shape: &Shape) -> Option<TypeId> {
    match shape {
        Shape::Named(id) => Some(*id),
        _ => None,
    }
}

fn direct_children(kind: &TypeKind) -> Vec<TypeId> {
    match kind {
        TypeKind::Struct(s) => s.fields.iter().filter(|f| !f.boxed).filter_map(|f| direct_named(&f.shape)).collect(),
        TypeKind::Alias(shape) => direct_named(shape).into_iter().collect(),
        TypeKind::Union(u) => u.variants.iter().filter_map(|v| direct_named(&v.shape)).collect(),
        TypeKind::StringEnum(_) => Vec::new(),
    }
}

fn reaches(entries: &[TypeEntry], from: TypeId, target: TypeId) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if id == target {
            return true;
        }
        if seen.insert(id) {
            stack.extend(direct_children(&entries[id.0].kind));
        }
    }
    false
}

/// A struct that contains itself through plain fields would have infinite size: such fields
/// are boxed.
fn mark_boxed_fields(entries: &mut [TypeEntry]) {
    for index in 0..entries.len() {
        let TypeKind::Struct(s) = &entries[index].kind else { continue };
        let to_box: Vec<usize> = s
            .fields
            .iter()
            .enumerate()
            .filter_map(|(i, f)| direct_named(&f.shape).filter(|child| reaches(entries, *child, TypeId(index))).map(|_| i))
            .collect();
        for field_index in to_box {
            if let TypeKind::Struct(s) = &mut entries[index].kind {
                s.fields[field_index].boxed = true;
            }
        }
    }
}

/// Whether a value of `shape` has a `Default`.
pub fn shape_has_default(entries: &[TypeEntry], shape: &Shape) -> bool {
    match shape {
        Shape::Named(id) => entries[id.0].has_default,
        _ => true,
    }
}

/// Works out which types can derive `Default`: a least fixed point, so a type that needs
/// itself through required fields (whose `default()` would never end) gets none.
fn mark_defaults(entries: &mut [TypeEntry]) {
    for entry in entries.iter_mut() {
        entry.has_default = false;
    }
    loop {
        let mut changed = false;
        for index in 0..entries.len() {
            if entries[index].has_default {
                continue;
            }
            let ok = match &entries[index].kind {
                TypeKind::Struct(s) => s
                    .fields
                    .iter()
                    .filter(|f| f.required && !f.nullable)
                    .all(|f| shape_has_default(entries, &f.shape)),
                TypeKind::Alias(shape) => shape_has_default(entries, shape),
                TypeKind::StringEnum(_) | TypeKind::Union(_) => false,
            };
            if ok {
                entries[index].has_default = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
}
