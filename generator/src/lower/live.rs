//! Lowers the IR to the live test's calls: every operation once, its arguments asked of a world.
//!
//! The output (`tests/live/calls.rs`, written by `cargo xtask regen`) is included by the live
//! API test (`tests/tests/live_api.rs`), which runs it against a real Mattermost server. Where
//! the contract calls ([`super::contract`]) pass literal examples, these ask an
//! `Arguments` value (the test's world of users, teams, posts...) for every required input, by
//! operation id and wire name, handing it the contract example as a fallback; the JSON it gives
//! is decoded into the client's own type. A JSON reply comes back as the typed value
//! serialised again, for the test to compare with the JSON the server sent.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::contract::{client_type, example_value, raw_string};
use super::models::ident;
use super::PREAMBLE;
use crate::emit::{format_rust, FormatError, OutputFile};
use crate::ir::{BodyKind, InputSource, Ir, Operation, PartKind, Response, Shape, TypeSpace};

/// Where `cargo xtask regen` writes the live calls file, relative to the repository root.
pub const CALLS_PATH: &str = "tests/live/calls.rs";

/// The live calls file for `ir`: `OPERATIONS` and `call(client, world, index)`.
pub fn calls_file(ir: &Ir) -> Result<OutputFile, FormatError> {
    format_rust(CALLS_PATH, PREAMBLE, calls_tokens(ir))
}

fn calls_tokens(ir: &Ir) -> TokenStream {
    let mut entries = Vec::new();
    let mut functions = Vec::new();
    let mut arms = Vec::new();
    for (index, op) in ir.operations.iter().enumerate() {
        entries.push(super::contract::operation_entry(op, &format_ident!("LiveOperation")));
        let function = format_ident!("call_{}", crate::naming::unraw(&op.method_name));
        functions.push(call_function(&ir.types, op, &function));
        arms.push(quote!(#index => Box::pin(#function(client, world)),));
    }
    let count = ir.operations.len();
    let operation_types = super::contract::operation_table_types(&format_ident!("LiveOperation"));
    let about = format!(" Calls every operation of the {} (version {}) with arguments from a world.", ir.info.title, ir.info.version);
    quote! {
        // Included by tests/tests/live_api.rs; made from the IR by
        // `mattermost_codegen::lower::live::calls_file`.

        #[doc = #about]
        pub mod live_calls {
            use ::mattermost_client::{Client, Error, FilePart};
            use ::std::future::Future;
            use ::std::pin::Pin;

            #operation_types

            /// What a successful call gave back.
            #[derive(Debug, Clone, PartialEq)]
            pub enum Returned {
                /// The typed value of a JSON reply, serialised back to JSON.
                Json(::serde_json::Value),
                /// A binary reply of this many bytes.
                Bytes(usize),
                /// A text reply of this many bytes.
                Text(usize),
                /// An empty reply (`()`).
                Empty,
            }

            /// Where the arguments come from: the test's world.
            pub trait Arguments {
                /// The JSON value of input `input` (a parameter's or a text part's wire name, or
                /// `body`) of `operation`; `example` is the contract test's value for it.
                fn value(&self, operation: &'static str, input: &'static str, example: &'static str) -> ::serde_json::Value;
                /// The files of multipart part `part` of `operation`.
                fn files(&self, operation: &'static str, part: &'static str) -> Vec<FilePart>;
                /// The raw body of `operation` (a binary or multipart upload).
                fn raw_body(&self, operation: &'static str) -> ::bytes::Bytes;
            }

            /// Every operation, in the order `call` numbers them.
            pub const OPERATIONS: &[LiveOperation] = &[#(#entries)*];

            /// Calls operation `index` of [`OPERATIONS`] once, its arguments from `world`.
            ///
            /// # Panics
            ///
            /// When `index` is not below `OPERATIONS.len()`.
            pub fn call<'a>(client: &'a Client, world: &'a dyn Arguments, index: usize) -> Pin<Box<dyn Future<Output = Result<Returned, Error>> + 'a>> {
                match index {
                    #(#arms)*
                    _ => unreachable!("there are {} operations", #count),
                }
            }

            /// Decodes what the world gave into the type an argument needs.
            fn decode<T: ::serde::de::DeserializeOwned>(operation: &str, input: &str, value: ::serde_json::Value) -> Result<T, Error> {
                ::serde_json::from_value(value)
                    .map_err(|e| Error::InvalidRequest(format!("the world's {input} for {operation} does not decode: {e}")))
            }

            /// The typed reply, serialised back to JSON.
            fn json<T: ::serde::Serialize>(reply: &T) -> Result<Returned, Error> {
                ::serde_json::to_value(reply)
                    .map(Returned::Json)
                    .map_err(|e| Error::InvalidRequest(format!("the typed reply does not serialise: {e}")))
            }

            #(#functions)*
        }
    }
}

fn call_function(types: &TypeSpace, op: &Operation, function: &Ident) -> TokenStream {
    let operation_id = &op.operation_id;
    let mut names = crate::naming::Namer::with_reserved(&["client", "world", "reply"]);
    let mut bindings = Vec::new();
    let mut passes = Vec::new();
    for source in op.input_sources().into_iter().filter(InputSource::required) {
        let (binding, pass) = match source {
            InputSource::Param(param) => {
                let name = ident(&names.claim(&format!("{}_arg", crate::naming::unraw(&param.rust_name))));
                value_argument(types, &param.shape, operation_id, &param.wire_name, &name)
            }
            InputSource::Part(part) => {
                let name = ident(&names.claim(&format!("{}_part", crate::naming::unraw(&part.rust_name))));
                let wire = &part.wire_name;
                match &part.kind {
                    PartKind::File => (
                        quote!(let #name = world.files(#operation_id, #wire).into_iter().next().ok_or_else(|| Error::InvalidRequest(format!("no file for {}", #wire)))?;),
                        quote!(#name),
                    ),
                    PartKind::Files => (quote!(let #name = world.files(#operation_id, #wire);), quote!(#name)),
                    PartKind::Text(shape) => value_argument(types, shape, operation_id, wire, &name),
                }
            }
            InputSource::Body(body) => {
                let name = ident(&names.claim("body"));
                match &body.kind {
                    BodyKind::Json(shape) | BodyKind::Form(shape) => value_argument(types, shape, operation_id, "body", &name),
                    BodyKind::Raw { .. } | BodyKind::Multipart(_) => (quote!(let #name = world.raw_body(#operation_id);), quote!(#name)),
                }
            }
        };
        bindings.push(binding);
        passes.push(pass);
    }
    let method = ident(&op.method_name);
    let call = quote!(client.#method(#(#passes),*).await?);
    let send = match &op.response {
        Response::Json(_) => quote!(let reply = #call; json(&reply)),
        Response::Bytes => quote!(let reply = #call; Ok(Returned::Bytes(reply.len()))),
        Response::Text => quote!(let reply = #call; Ok(Returned::Text(reply.len()))),
        Response::Empty => quote!(let () = #call; Ok(Returned::Empty)),
    };
    let allow = op.deprecated.then(|| quote!(#[allow(deprecated)]));
    let doc = format!(" `{} {}` (`{}`).", op.http_method, op.path, op.operation_id);
    let world = if bindings.is_empty() { quote!(_world) } else { quote!(world) };
    quote! {
        #[doc = #doc]
        #allow
        async fn #function(client: &Client, #world: &dyn Arguments) -> Result<Returned, Error> {
            #(#bindings)*
            #send
        }
    }
}

/// An input decoded from the world's JSON into the client's owned type: passed by reference
/// when it is a string, a list or a body (the methods take `impl Into<String>`, iterators and
/// `&T`), by value otherwise.
fn value_argument(types: &TypeSpace, shape: &Shape, operation_id: &str, input: &str, name: &Ident) -> (TokenStream, TokenStream) {
    let example = raw_string(&example_value(types, shape, input, 0));
    let ty = match shape {
        Shape::String => quote!(String),
        _ => client_type(types, shape),
    };
    let binding = quote!(let #name: #ty = decode(#operation_id, #input, world.value(#operation_id, #input, #example))?;);
    let by_reference = input == "body" || matches!(shape, Shape::String | Shape::Array(_));
    let pass = if by_reference { quote!(&#name) } else { quote!(#name) };
    (binding, pass)
}
