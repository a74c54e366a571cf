//! The `.stream()` of a paged operation's request builder, from the IR's [`Paging`] fact:
//! each page's request is the builder itself, its next one made from the reply (the next page
//! number, or a cursor from the last item), and the items taken from wherever the reply keeps
//! them.

use proc_macro2::TokenStream;
use quote::quote;

use super::models::{ident, shape_type, Context};
use crate::ir::{FieldRef, Operation, PageItems, Paging, PagingKind, Response, TypeSpace};

/// `pub fn stream(self)` for the builder of `op`.
pub fn stream_method(types: &TypeSpace, op: &Operation, paging: &Paging) -> TokenStream {
    let item = shape_type(types, &paging.item, Context::Elsewhere);
    let size_param = &op.params[paging.size_param];
    let size = ident(&size_param.rust_name);
    let reply = ident("reply");
    let max_size = proc_macro2::Literal::u8_unsuffixed(paging.max_size);
    let Response::Json(reply_shape) = &op.response else { return TokenStream::new() };
    let items = extract(types, reply_shape, &paging.items, &reply);
    let (more_binding, more_test) = match &paging.more {
        Some(field) => {
            let name = ident(&field.rust_name);
            let value = if field.optional { quote!(#reply.#name.unwrap_or(false)) } else { quote!(#reply.#name) };
            (quote!(let more = #value;), quote!(more &&))
        }
        None => (TokenStream::new(), TokenStream::new()),
    };
    let full = quote!(#more_test crate::runtime::pagination::is_full_page(items.len(), size));
    let (first_page, next, how) = match &paging.kind {
        PagingKind::PageNumber { page_param } => {
            let page = ident(&op.params[*page_param].rust_name);
            (
                quote!(first.#page = Some(0);),
                quote! {
                    let next = (#full).then(|| {
                        next.#page = next.#page.map(|page| page.saturating_add(1));
                        next
                    });
                },
                format!("from page 0 (`{}`; a page set on the builder is ignored)", op.params[*page_param].wire_name),
            )
        }
        PagingKind::Cursor { param, from } => {
            let cursor = ident(&op.params[*param].rust_name);
            let field = ident(&from.rust_name);
            let value = if from.optional { quote!(last.#field.clone()) } else { quote!(Some(last.#field.clone())) };
            (
                TokenStream::new(),
                quote! {
                    let next = if #full {
                        items.last().map(|last| {
                            next.#cursor = #value;
                            next
                        })
                    } else {
                        None
                    };
                },
                format!(
                    "each next page asking for the items after the last one (`{}` set to its `{}`; a value set on the builder is where the first page starts)",
                    op.params[*param].wire_name,
                    crate::naming::unraw(&from.rust_name)
                ),
            )
        }
    };
    let ends = match &paging.more {
        Some(field) => format!("a short or empty page, or a reply whose `{}` is false", crate::naming::unraw(&field.rust_name)),
        None => "a short or empty page".to_string(),
    };
    let doc = super::docs::lines_to_attrs(&format!(
        "Streams every item, fetching pages lazily {how},\n`{}` items a page (the builder's value clamped to 1..={max}, else {max}).\n\nIt ends after {ends}, or with [`Error::Pagination`](crate::Error::Pagination) when the\nserver repeats a page; [`ClientBuilder::max_stream_items`](crate::ClientBuilder::max_stream_items)\nbounds it.\n",
        size_param.wire_name,
        max = paging.max_size
    ));
    quote! {
        #doc
        pub fn stream(self) -> impl ::futures_core::Stream<Item = crate::runtime::Result<#item>> + Unpin + Send + 'static {
            let client = self.client.clone();
            let size = crate::runtime::pagination::page_size_for(self.#size, #max_size);
            let mut first = self;
            first.#size = Some(size);
            #first_page
            crate::runtime::pagination::stream_pages(&client, first, move |request: Self| async move {
                let mut next = request.clone();
                let #reply = request.send().await?;
                #more_binding
                let items: Vec<#item> = #items;
                #next
                Ok(crate::runtime::pagination::Page { items, next })
            })
        }
    }
}

/// The expression that takes the items out of `value` (of shape `shape`).
fn extract(types: &TypeSpace, shape: &crate::ir::Shape, items: &PageItems, value: &proc_macro2::Ident) -> TokenStream {
    match items {
        PageItems::Whole => quote!(#value),
        PageItems::Field(field) => field_value(value, field),
        PageItems::Ordered { order, map } => {
            let order = field_value(value, order);
            let map = field_value(value, map);
            quote! {{
                let mut by_id = #map;
                #order.into_iter().filter_map(|id| by_id.remove(&id)).collect()
            }}
        }
        PageItems::Variants(variants) => {
            let ty = shape_type(types, shape, Context::Elsewhere);
            let crate::ir::Shape::Named(id) = shape else { return quote!(Vec::new()) };
            let crate::ir::TypeKind::Union(union) = &types.get(*id).kind else { return quote!(Vec::new()) };
            let inner = ident("inner");
            let arms = variants.iter().filter_map(|(name, items)| {
                let variant = union.variants.iter().find(|v| &v.rust_name == name)?;
                let variant_ident = ident(name);
                let taken = extract(types, &variant.shape, items, &inner);
                Some(quote!(#ty::#variant_ident(#inner) => #taken,))
            });
            quote!(match #value { #(#arms)* })
        }
    }
}

/// `value.field`, an `Option` taken as its default when absent.
fn field_value(value: &proc_macro2::Ident, field: &FieldRef) -> TokenStream {
    let name = ident(&field.rust_name);
    if field.optional {
        quote!(#value.#name.unwrap_or_default())
    } else {
        quote!(#value.#name)
    }
}
