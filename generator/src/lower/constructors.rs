//! `new(…)` for request models: a constructor taking the required fields, the others left at
//! `None`, so a body is written `CreatePostRequest::new("channel-id", "hi")` and extended with
//! struct update syntax.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::{ident, shape_type, Context};
use crate::ir::{Field, Shape, TypeEntry, TypeKind, TypeSpace};

/// `impl X { pub fn new(…) -> Self }` for a request model with required fields, the others
/// `None` (and an empty map of additional properties); nothing for a model that is not a
/// struct or has no required field (every field is then optional, and it derives `Default`).
pub fn new_fn(types: &TypeSpace, entry: &TypeEntry) -> TokenStream {
    let TypeKind::Struct(s) = &entry.kind else { return TokenStream::new() };
    let required: Vec<&Field> = s.fields.iter().filter(|f| !f.is_option()).collect();
    if required.is_empty() {
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
    let inits = s.fields.iter().map(|f| {
        let name = ident(&f.rust_name);
        match (&f.shape, f.is_option(), f.boxed) {
            (_, true, _) => quote!(#name: None),
            (Shape::String, false, false) => quote!(#name: #name.into()),
            (Shape::String, false, true) => quote!(#name: Box::new(#name.into())),
            (_, false, true) => quote!(#name: Box::new(#name)),
            (_, false, false) => quote!(#name),
        }
    });
    let additional = s.additional.as_ref().map(|_| {
        let name = ident(&s.additional_rust_name);
        quote!(#name: Default::default(),)
    });
    let name = format_ident!("{}", entry.name);
    let listed: Vec<String> = required.iter().map(|f| format!("`{}`", crate::naming::unraw(&f.rust_name))).collect();
    let complete = required.len() == s.fields.len() && s.additional.is_none();
    let doc = if complete {
        format!(" A `{}` from its fields ({}).", entry.name, listed.join(", "))
    } else {
        format!(
            " A `{0}` with its required fields ({1}) and no optional one; set others with struct update syntax: `{0} {{ field: Some(value), ..{0}::new(…) }}`.",
            entry.name,
            listed.join(", ")
        )
    };
    // A constructor takes every required field, however many the model has.
    let allow = (required.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    quote! {
        impl #name {
            #[doc = #doc]
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* #additional }
            }
        }
    }
}
