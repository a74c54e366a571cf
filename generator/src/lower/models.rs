//! Lowers named types to Rust items: one `models/<module>.rs` file per type.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::debug::{redacting_debug, DebugField};
use super::docs::doc_attrs;
use crate::ir::{EnumType, Field, Shape, StructType, TypeEntry, TypeKind, TypeSpace, UnionType};
use crate::naming::unraw;

/// An identifier token for a name that may be raw (`r#type`).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// Where a shape is written: inside `models` (siblings are `super::X`), elsewhere in the crate
/// (`crate::models::X`), or in code that uses the crate (`::mattermost_client::models::X`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// A file in `models/`.
    Models,
    /// Any other module.
    Elsewhere,
    /// Outside the generated crate (the contract test's calls).
    ClientCrate,
}

/// The Rust type of a shape.
pub fn shape_type(types: &TypeSpace, shape: &Shape, context: Context) -> TokenStream {
    match shape {
        Shape::Named(id) => {
            let name = format_ident!("{}", types.get(*id).name);
            match context {
                Context::Models => quote!(super::#name),
                Context::Elsewhere => quote!(crate::models::#name),
                Context::ClientCrate => quote!(::mattermost_client::models::#name),
            }
        }
        // Binary content cannot travel inside JSON; a model carries it as text.
        Shape::String | Shape::Binary => quote!(String),
        Shape::I32 => quote!(i32),
        Shape::I64 => quote!(i64),
        Shape::F64 => quote!(f64),
        Shape::Bool => quote!(bool),
        Shape::Array(item) => {
            let item = shape_type(types, item, context);
            quote!(Vec<#item>)
        }
        Shape::Map(value) => {
            let value = shape_type(types, value, context);
            quote!(::std::collections::BTreeMap<String, #value>)
        }
        Shape::JsonObject => quote!(::serde_json::Map<String, ::serde_json::Value>),
        Shape::Json => quote!(::serde_json::Value),
    }
}

/// The file for one named type.
pub fn type_file(types: &TypeSpace, entry: &TypeEntry) -> TokenStream {
    let docs = doc_attrs(entry.docs.as_deref());
    let name = format_ident!("{}", entry.name);
    match &entry.kind {
        TypeKind::Struct(s) => struct_item(types, entry, s, docs, &name),
        TypeKind::StringEnum(e) => enum_item(e, docs, &name),
        TypeKind::Union(u) => union_item(types, u, docs, &name),
        TypeKind::Alias(shape) => {
            let target = shape_type(types, shape, Context::Models);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}

fn struct_item(types: &TypeSpace, entry: &TypeEntry, s: &StructType, docs: TokenStream, name: &Ident) -> TokenStream {
    let derive_default = entry.has_default.then(|| quote!(Default,));
    let fields = s.fields.iter().map(|f| field(types, f));
    let additional = s.additional.as_ref().map(|shape| {
        let value = shape_type(types, shape, Context::Models);
        let name = ident(&s.additional_rust_name);
        quote! {
            /// Properties not listed above, by name.
            #[serde(flatten)]
            pub #name: ::std::collections::BTreeMap<String, #value>,
        }
    });
    let has_secret = s.fields.iter().any(|f| f.secret);
    let derive_debug = (!has_secret).then(|| quote!(Debug,));
    let debug_impl = has_secret.then(|| {
        let mut debug_fields: Vec<DebugField<'_>> = s
            .fields
            .iter()
            .map(|f| DebugField {
                name: &f.rust_name,
                secret: f.secret,
                optional: is_option(f),
            })
            .collect();
        if s.additional.is_some() {
            debug_fields.push(DebugField {
                name: &s.additional_rust_name,
                secret: false,
                optional: false,
            });
        }
        redacting_debug(name, TokenStream::new(), &debug_fields)
    });
    quote! {
        #docs
        #[derive(#derive_debug Clone, PartialEq, #derive_default ::serde::Serialize, ::serde::Deserialize)]
        pub struct #name {
            #(#fields)*
            #additional
        }
        #debug_impl
    }
}

/// Whether a shape is a list or map (directly or through an alias), which Go writes as `null`
/// when nil.
fn is_collection(types: &TypeSpace, shape: &Shape) -> bool {
    match shape {
        Shape::Array(_) | Shape::Map(_) => true,
        Shape::Named(id) => matches!(&types.get(*id).kind, TypeKind::Alias(inner) if is_collection(types, inner)),
        _ => false,
    }
}

/// Whether a field is lowered as an `Option`: optional, or required but nullable.
fn is_option(f: &Field) -> bool {
    !f.required || f.nullable
}

fn field(types: &TypeSpace, f: &Field) -> TokenStream {
    let docs = doc_attrs(f.docs.as_deref());
    let name = ident(&f.rust_name);
    let mut ty = shape_type(types, &f.shape, Context::Models);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    let rename = (unraw(&f.rust_name) != f.wire_name).then(|| {
        let wire = &f.wire_name;
        quote!(rename = #wire,)
    });
    if f.required && !f.nullable {
        // A required field the server leaves out decodes as its default instead of failing the
        // whole reply, where the type has one.
        let default = crate::ir::shape_has_default_in(types, &f.shape).then(|| quote!(default,));
        // A Go list or map the server always writes is `null` when nil: decoded as empty.
        let null = is_collection(types, &f.shape).then(|| quote!(deserialize_with = "crate::runtime::nulls::null_as_default",));
        let attr = (rename.is_some() || default.is_some()).then(|| quote!(#[serde(#rename #default #null)]));
        quote! {
            #docs
            #attr
            pub #name: #ty,
        }
    } else if f.required {
        // Required but nullable: always sent, `null` when `None`.
        quote! {
            #docs
            #[serde(#rename default)]
            pub #name: Option<#ty>,
        }
    } else {
        quote! {
            #docs
            #[serde(#rename default, skip_serializing_if = "Option::is_none")]
            pub #name: Option<#ty>,
        }
    }
}

fn enum_item(e: &EnumType, docs: TokenStream, name: &Ident) -> TokenStream {
    let catch_all = format_ident!("{}", e.catch_all);
    let variants = e.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.rust_name);
        let doc = format!(" `{}`", v.wire_value.replace('`', "'"));
        quote!(#[doc = #doc] #variant,)
    });
    let to_wire = e.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.rust_name);
        let wire = &v.wire_value;
        quote!(Self::#variant => #wire,)
    });
    let from_wire = e.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.rust_name);
        let wire = &v.wire_value;
        quote!(#wire => Self::#variant,)
    });
    let catch_all_doc = format!(
        " Values this version of the client does not know are kept in [`{0}`](Self::{0}), so a newer server never breaks decoding.",
        e.catch_all
    );
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    quote! {
        #docs
        #separator
        #[doc = #catch_all_doc]
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#variants)*
            /// A value this version of the client does not know.
            #catch_all(String),
        }

        impl #name {
            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_wire)*
                    Self::#catch_all(value) => value,
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_wire)*
                    other => Self::#catch_all(other.to_string()),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <String as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(value.as_str()))
            }
        }
    }
}

fn union_item(types: &TypeSpace, u: &UnionType, docs: TokenStream, name: &Ident) -> TokenStream {
    let variants = u.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.rust_name);
        let ty = shape_type(types, &v.shape, Context::Models);
        quote!(#variant(#ty),)
    });
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    quote! {
        #docs
        #separator
        /// One of several shapes (`oneOf`/`anyOf`): decoding tries each variant in order and
        /// keeps the first that fits.
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}
