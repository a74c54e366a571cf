//! Lowers named types to Rust items: one `models/<module>.rs` file per type.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use super::debug::{redacting_debug, DebugField};
use super::decode::struct_deserialize;
use super::docs::doc_attrs;
use crate::ir::{EnumType, Field, Shape, StructType, TypeEntry, TypeKind, TypeSpace, UnionType, Usage};
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
        TypeKind::Union(u) => union_item(types, u, SerdeTraits::of(entry.usage), docs, &name),
        TypeKind::Alias(shape) => {
            let target = shape_type(types, shape, Context::Models);
            quote! {
                #docs
                pub type #name = #target;
            }
        }
    }
}

/// The cargo feature that gives every model both serde traits; without it a model implements
/// `Serialize` only when requests carry it and `Deserialize` only when replies or events do.
pub const SERDE_ALL_FEATURE: &str = "serde-all";

/// Which serde traits a model implements always, and which only with [`SERDE_ALL_FEATURE`].
#[derive(Debug, Clone, Copy)]
pub struct SerdeTraits {
    /// `Serialize` always.
    pub serialize: bool,
    /// `Deserialize` always.
    pub deserialize: bool,
}

impl SerdeTraits {
    /// The traits a type of this usage needs (the IR marks a type nothing uses both ways).
    pub fn of(usage: Usage) -> SerdeTraits {
        SerdeTraits {
            serialize: usage.sent,
            deserialize: usage.received,
        }
    }

    /// The derive attributes: `Serialize` with the other derives, or under the feature.
    fn derive(self, others: TokenStream) -> TokenStream {
        if self.serialize {
            quote!(#[derive(#others ::serde::Serialize)])
        } else {
            let feature = SERDE_ALL_FEATURE;
            quote! {
                #[derive(#others)]
                #[cfg_attr(feature = #feature, derive(::serde::Serialize))]
            }
        }
    }

    /// A `#[serde(..)]` attribute, which only `Serialize`'s derive reads.
    fn serde_attr(self, inner: TokenStream) -> TokenStream {
        if self.serialize {
            quote!(#[serde(#inner)])
        } else {
            let feature = SERDE_ALL_FEATURE;
            quote!(#[cfg_attr(feature = #feature, serde(#inner))])
        }
    }

    /// What goes before the `Deserialize` impl: nothing, or the feature's `cfg`.
    fn deserialize_cfg(self) -> TokenStream {
        if self.deserialize {
            TokenStream::new()
        } else {
            let feature = SERDE_ALL_FEATURE;
            quote!(#[cfg(feature = #feature)])
        }
    }
}

fn struct_item(types: &TypeSpace, entry: &TypeEntry, s: &StructType, docs: TokenStream, name: &Ident) -> TokenStream {
    let serde = SerdeTraits::of(entry.usage);
    let derive_default = entry.has_default.then(|| quote!(Default,));
    let fields = s.fields.iter().map(|f| field(types, f, serde));
    let additional = s.additional.as_ref().map(|shape| {
        let value = shape_type(types, shape, Context::Models);
        let name = ident(&s.additional_rust_name);
        let flatten = serde.serde_attr(quote!(flatten));
        quote! {
            /// Properties not listed above, by name.
            #flatten
            pub #name: ::std::collections::BTreeMap<String, #value>,
        }
    });
    let deserialize_cfg = serde.deserialize_cfg();
    let deserialize = struct_deserialize(types, name, s);
    let has_secret = s.fields.iter().any(|f| f.secret);
    let derive_debug = (!has_secret).then(|| quote!(Debug,));
    let debug_impl = has_secret.then(|| {
        let mut debug_fields: Vec<DebugField<'_>> = s
            .fields
            .iter()
            .map(|f| DebugField {
                name: &f.rust_name,
                secret: f.secret,
                optional: f.is_option(),
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
    let derive = serde.derive(quote!(#derive_debug Clone, PartialEq, #derive_default));
    quote! {
        #docs
        #derive
        pub struct #name {
            #(#fields)*
            #additional
        }
        #debug_impl
        #deserialize_cfg
        #deserialize
    }
}

/// The Rust type of a model's field: its shape, boxed when the type contains itself, in an
/// `Option` when the field is optional or nullable.
pub fn field_type(types: &TypeSpace, f: &Field) -> TokenStream {
    let mut ty = shape_type(types, &f.shape, Context::Models);
    if f.boxed {
        ty = quote!(Box<#ty>);
    }
    if f.is_option() {
        ty = quote!(Option<#ty>);
    }
    ty
}

/// A field of a model struct. Its attributes are those of `Serialize` (the wire name, optional
/// fields left out when `None`); decoding is [`struct_deserialize`]'s.
fn field(types: &TypeSpace, f: &Field, serde: SerdeTraits) -> TokenStream {
    let docs = doc_attrs(f.docs.as_deref());
    let name = ident(&f.rust_name);
    let ty = field_type(types, f);
    let rename = (unraw(&f.rust_name) != f.wire_name).then(|| {
        let wire = &f.wire_name;
        quote!(rename = #wire)
    });
    // An optional field is left out when `None`; a required one is always sent (`null` for
    // `None` when nullable).
    let attr = if f.required {
        rename.map(|r| serde.serde_attr(r))
    } else {
        let rename = rename.map(|r| quote!(#r,));
        Some(serde.serde_attr(quote!(#rename skip_serializing_if = "Option::is_none")))
    };
    quote! {
        #docs
        #attr
        pub #name: #ty,
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

fn union_item(types: &TypeSpace, u: &UnionType, serde: SerdeTraits, docs: TokenStream, name: &Ident) -> TokenStream {
    let variants = u.variants.iter().map(|v| {
        let variant = format_ident!("{}", v.rust_name);
        let ty = shape_type(types, &v.shape, Context::Models);
        quote!(#variant(#ty),)
    });
    let separator = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
    let feature = SERDE_ALL_FEATURE;
    // `serde(untagged)` is read by whichever derive is there; a type always has one.
    let derive = match (serde.serialize, serde.deserialize) {
        (true, true) => quote!(#[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize)]),
        (true, false) => quote! {
            #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
            #[cfg_attr(feature = #feature, derive(::serde::Deserialize))]
        },
        (false, _) => quote! {
            #[derive(Debug, Clone, PartialEq, ::serde::Deserialize)]
            #[cfg_attr(feature = #feature, derive(::serde::Serialize))]
        },
    };
    quote! {
        #docs
        #separator
        /// One of several shapes (`oneOf`/`anyOf`): decoding tries each variant in order and
        /// keeps the first that fits.
        #derive
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
        }
    }
}
