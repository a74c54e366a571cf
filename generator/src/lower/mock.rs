//! Lowers the operations to `src/ops.rs` (feature `test-util`): one marker type per operation,
//! naming it in the test double's rules, with its reply and body types as associated types.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::models::{shape_type, Context};
use crate::ir::{BodyKind, Ir, Operation, Response, TypeSpace};

/// Path of the file in the generated crate.
pub const OPS_PATH: &str = "src/ops.rs";

/// The `ops` module.
pub fn ops_file(ir: &Ir) -> TokenStream {
    let markers = ir.operations.iter().map(|op| marker(&ir.types, op));
    quote! {
        //! One marker type per operation, for the rules of the test double
        //! ([`Mock::on`](crate::mock::Mock::on)): `mock.on::<ops::GetUser>().reply(user)`.
        //!
        //! Each marker's [`Operation`](crate::mock::Operation) implementation gives the
        //! operation's reply type (what a rule's `reply` takes) and body type (what a recorded
        //! request's `body` returns), so a rule or an assertion that no longer fits the
        //! operation stops compiling.

        #(#markers)*
    }
}

/// The marker of one operation and its `Operation` implementation, behind its group's feature.
fn marker(types: &TypeSpace, op: &Operation) -> TokenStream {
    let name = format_ident!("{}", op.builder_name);
    let method_name = crate::naming::unraw(&op.method_name);
    let feature = op.group.as_str();
    let doc_cfg = super::operations::doc_cfg(feature);
    let doc = format!(" [`Client::{method_name}`](crate::Client::{method_name}): `{} {}`.", op.http_method, op.path);
    let (http_method, path) = (&op.http_method, &op.path);
    let reply = super::operations::reply(types, &op.response).0;
    let reply_format = match op.response {
        Response::Json(_) => quote!(Json),
        Response::Bytes => quote!(Raw),
        Response::Text => quote!(Text),
        Response::Empty => quote!(Empty),
    };
    let (body, body_format) = match op.body.as_ref().map(|b| &b.kind) {
        Some(BodyKind::Json(shape)) => (shape_type(types, shape, Context::Elsewhere), quote!(Json)),
        Some(BodyKind::Form(shape)) => (shape_type(types, shape, Context::Elsewhere), quote!(Form)),
        Some(BodyKind::Raw { .. }) => (quote!(::bytes::Bytes), quote!(Raw)),
        Some(BodyKind::Multipart(_)) | None => (quote!(()), quote!(Empty)),
    };
    quote! {
        #[doc = #doc]
        #[cfg(feature = #feature)]
        #doc_cfg
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct #name;

        #[cfg(feature = #feature)]
        impl crate::mock::Operation for #name {
            const NAME: &'static str = #method_name;
            const METHOD: &'static str = #http_method;
            const PATH: &'static str = #path;
            type Reply = #reply;
            type ReplyFormat = crate::mock::#reply_format;
            type Body = #body;
            type BodyFormat = crate::mock::#body_format;
        }
    }
}
