//! One normalised view of a schema, whichever way `openapiv3` parsed it.
//!
//! `openapiv3` puts well-formed schemas into typed variants and everything else (mixed or
//! contradictory keywords) into `AnySchema`; the type-space builder reads both through this view.

use openapiv3::{
    AdditionalProperties, IntegerFormat, NumberFormat, ReferenceOr, Schema, SchemaData, SchemaKind, StringFormat, Type,
    VariantOrUnknownOrEmpty,
};
use serde_json::Value;

/// A schema or a reference to one.
#[derive(Debug, Clone, Copy)]
pub enum SchemaRef<'a> {
    /// `$ref`.
    Ref(&'a str),
    /// An inline schema.
    Inline(&'a Schema),
}

impl<'a> From<&'a ReferenceOr<Schema>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Schema>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

impl<'a> From<&'a ReferenceOr<Box<Schema>>> for SchemaRef<'a> {
    fn from(value: &'a ReferenceOr<Box<Schema>>) -> Self {
        match value {
            ReferenceOr::Reference { reference } => SchemaRef::Ref(reference),
            ReferenceOr::Item(schema) => SchemaRef::Inline(schema),
        }
    }
}

/// `additionalProperties` as declared.
#[derive(Debug, Clone, Copy)]
pub enum Additional<'a> {
    /// Not declared, or `false`.
    No,
    /// `true` or `{}`: any value.
    Any,
    /// A schema for the values.
    Schema(SchemaRef<'a>),
}

/// The keywords the generator reads, from any kind of schema.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// `type`, as written.
    pub typ: Option<&'a str>,
    /// `format`, as written.
    pub format: Option<String>,
    /// `properties` in declaration order.
    pub properties: Vec<(&'a str, SchemaRef<'a>)>,
    /// `required`.
    pub required: &'a [String],
    /// `additionalProperties`.
    pub additional: Additional<'a>,
    /// `items`.
    pub items: Option<SchemaRef<'a>>,
    /// `enum` values, as JSON.
    pub enum_values: Vec<Value>,
    /// `allOf`.
    pub all_of: Vec<SchemaRef<'a>>,
    /// `oneOf` and `anyOf` members, each with its place (`oneOf/0`, `anyOf/1`).
    pub one_of: Vec<(String, SchemaRef<'a>)>,
    /// Whether `not` is present.
    pub has_not: bool,
}

const NO_REQUIRED: &[String] = &[];

fn format_name<T: std::fmt::Debug>(format: &VariantOrUnknownOrEmpty<T>, name: impl Fn(&T) -> &'static str) -> Option<String> {
    match format {
        VariantOrUnknownOrEmpty::Item(item) => Some(name(item).to_string()),
        VariantOrUnknownOrEmpty::Unknown(other) => Some(other.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

fn enum_json<T: Into<Value> + Clone>(values: &[Option<T>]) -> Vec<Value> {
    values.iter().map(|v| v.clone().map_or(Value::Null, Into::into)).collect()
}

impl<'a> View<'a> {
    /// Normalises `schema`.
    pub fn of(schema: &'a Schema) -> View<'a> {
        let mut view = View {
            typ: None,
            format: None,
            properties: Vec::new(),
            required: NO_REQUIRED,
            additional: Additional::No,
            items: None,
            enum_values: Vec::new(),
            all_of: Vec::new(),
            one_of: Vec::new(),
            has_not: false,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                view.typ = Some("string");
                view.format = format_name(&s.format, |f| match f {
                    StringFormat::Date => "date",
                    StringFormat::DateTime => "date-time",
                    StringFormat::Password => "password",
                    StringFormat::Byte => "byte",
                    StringFormat::Binary => "binary",
                });
                view.enum_values = enum_json(&s.enumeration);
            }
            SchemaKind::Type(Type::Integer(i)) => {
                view.typ = Some("integer");
                view.format = format_name(&i.format, |f| match f {
                    IntegerFormat::Int32 => "int32",
                    IntegerFormat::Int64 => "int64",
                });
                view.enum_values = enum_json(&i.enumeration);
            }
            SchemaKind::Type(Type::Number(n)) => {
                view.typ = Some("number");
                view.format = format_name(&n.format, |f| match f {
                    NumberFormat::Float => "float",
                    NumberFormat::Double => "double",
                });
                view.enum_values = n
                    .enumeration
                    .iter()
                    .map(|v| v.and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number))
                    .collect();
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                view.typ = Some("boolean");
                view.enum_values = enum_json(&b.enumeration);
            }
            SchemaKind::Type(Type::Object(o)) => {
                view.typ = Some("object");
                view.properties = o.properties.iter().map(|(k, v)| (k.as_str(), v.into())).collect();
                view.required = &o.required;
                view.additional = additional(o.additional_properties.as_ref());
            }
            SchemaKind::Type(Type::Array(a)) => {
                view.typ = Some("array");
                view.items = a.items.as_ref().map(Into::into);
            }
            SchemaKind::OneOf { one_of } => view.one_of = members("oneOf", one_of),
            SchemaKind::AnyOf { any_of } => view.one_of = members("anyOf", any_of),
            SchemaKind::AllOf { all_of } => view.all_of = all_of.iter().map(Into::into).collect(),
            SchemaKind::Not { .. } => view.has_not = true,
            SchemaKind::Any(any) => {
                view.typ = any.typ.as_deref();
                view.format = any.format.clone();
                view.properties = any.properties.iter().map(|(k, v)| (k.as_str(), v.into())).collect();
                view.required = &any.required;
                view.additional = additional(any.additional_properties.as_ref());
                view.items = any.items.as_ref().map(Into::into);
                view.enum_values = any.enumeration.clone();
                view.all_of = any.all_of.iter().map(Into::into).collect();
                view.one_of = members("oneOf", &any.one_of);
                view.one_of.extend(members("anyOf", &any.any_of));
                view.has_not = any.not.is_some();
            }
        }
        view
    }
}

fn members<'a>(keyword: &str, schemas: &'a [ReferenceOr<Schema>]) -> Vec<(String, SchemaRef<'a>)> {
    schemas.iter().enumerate().map(|(i, s)| (format!("{keyword}/{i}"), s.into())).collect()
}

fn additional(value: Option<&AdditionalProperties>) -> Additional<'_> {
    match value {
        None | Some(AdditionalProperties::Any(false)) => Additional::No,
        Some(AdditionalProperties::Any(true)) => Additional::Any,
        Some(AdditionalProperties::Schema(schema)) => match schema.as_ref() {
            ReferenceOr::Item(s) if is_empty_schema(s) => Additional::Any,
            other => Additional::Schema(other.into()),
        },
    }
}

/// `{}`: a schema that says nothing.
pub fn is_empty_schema(schema: &Schema) -> bool {
    matches!(&schema.schema_kind, SchemaKind::Any(any) if *any == openapiv3::AnySchema::default())
}

/// Markdown docs from `title` and `description`.
pub fn docs(data: &SchemaData) -> Option<String> {
    let title = data.title.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let description = data.description.as_deref().map(str::trim).filter(|d| !d.is_empty());
    match (title, description) {
        (Some(t), Some(d)) => Some(format!("{t}\n\n{d}")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    }
}
