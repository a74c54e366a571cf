//! `new(…)` for request models: a constructor taking the required fields, the others left at
//! their defaults, so a body is written `CreatePostRequest::new("channel-id", "hi")` and
//! extended with struct update syntax.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::{ident, shape_type, Context};
use crate::ir::{Shape, TypeEntry, TypeKind, TypeSpace};

/// The most required fields a constructor takes; a model with more is built as a struct.
const MAX_ARGUMENTS: usize = 5;

/// `impl X { pub fn new(…) -> Self }` for a request model with required fields, or nothing
/// (not a struct, no required field, too many, or one that is boxed).
pub fn new_fn(types: &TypeSpace, entry: &TypeEntry) -> TokenStream {
    let TypeKind::Struct(s) = &entry.kind else { return TokenStream::new() };
    let required: Vec<_> = s.fields.iter().filter(|f| f.required && !f.nullable).collect();
    if required.is_empty() || required.len() > MAX_ARGUMENTS || required.iter().any(|f| f.boxed) {
        return TokenStream::new();
    }
    let complete = required.len() == s.fields.len() && s.additional.is_none();
    if !complete && !entry.has_default {
        return TokenStream::new();
    }
    let args = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        match &f.shape {
            Shape::String => quote!(#name: impl Into<String>),
            other => {
                let ty = shape_type(types, other, Context::Models);
                quote!(#name: #ty)
            }
        }
    });
    let inits = required.iter().map(|f| {
        let name = ident(&f.rust_name);
        match &f.shape {
            Shape::String => quote!(#name: #name.into()),
            _ => quote!(#name),
        }
    });
    let rest = (!complete).then(|| quote!(..Default::default()));
    let name = format_ident!("{}", entry.name);
    let listed: Vec<String> = required.iter().map(|f| format!("`{}`", crate::naming::unraw(&f.rust_name))).collect();
    let doc = if complete {
        format!(" A `{}` from its fields ({}).", entry.name, listed.join(", "))
    } else {
        format!(
            " A `{0}` with its required fields ({1}) and every other field at its default; set others with struct update syntax: `{0} {{ field: value, ..{0}::new(…) }}`.",
            entry.name,
            listed.join(", ")
        )
    };
    quote! {
        impl #name {
            #[doc = #doc]
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* #rest }
            }
        }
    }
}
