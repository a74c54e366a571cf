//! Lowers the IR to the contract test's calls: one call of every operation with valid arguments.
//!
//! The output (`tests/contract/calls.rs`, written by `cargo xtask regen`) is included by the
//! contract test, which runs it against Stoplight Prism serving the same spec. Arguments are
//! made from the shapes alone: only required inputs are given (optional ones stay unset),
//! strings get a value chosen by the input's name (ids are 26 characters, as the server's are),
//! numbers are 1, booleans `true`, enums their first known value, arrays two different
//! elements, maps and free-form objects are empty, and objects carry their required properties,
//! recursively. The IR keeps no `example`, `format` or `minItems`, and this spec needs none
//! beyond that: Prism accepts every request made this way.
//! Named types are built by decoding that example JSON with `serde_json`, so the values always
//! have the client's own types. Multipart files are a few in-memory bytes.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use serde_json::{json, Map, Value};

use super::models::{ident, shape_type, Context};
use super::PREAMBLE;
use crate::emit::{format_rust, FormatError, OutputFile};
use crate::ir::{BodyKind, InputSource, Ir, Operation, PartKind, Response, Shape, TypeKind, TypeSpace};

/// Where `cargo xtask regen` writes the calls file, relative to the repository root.
pub const CALLS_PATH: &str = "tests/contract/calls.rs";

/// How deep examples of nested required objects go before they stop (a guard against cycles).
const MAX_DEPTH: usize = 12;

/// The value of an id: 26 lowercase letters and digits, as Mattermost's ids are.
const EXAMPLE_ID: &str = "contracttestid000000000000";

/// The contents of the file that uploads carry.
const EXAMPLE_FILE: &[u8] = b"contract test file\n";

/// The calls file for `ir`: `OPERATIONS`, `call(client, index)` and `call_all(client)`.
pub fn calls_file(ir: &Ir) -> Result<OutputFile, FormatError> {
    format_rust(CALLS_PATH, PREAMBLE, calls_tokens(ir))
}

fn calls_tokens(ir: &Ir) -> TokenStream {
    let types = &ir.types;
    let mut entries = Vec::new();
    let mut functions = Vec::new();
    let mut arms = Vec::new();
    for (index, op) in ir.operations.iter().enumerate() {
        entries.push(operation_entry(op, &format_ident!("ContractOperation")));
        let function = format_ident!("call_{}", crate::naming::unraw(&op.method_name));
        functions.push(call_function(types, op, &function));
        arms.push(quote!(#index => Box::pin(#function(client)),));
    }
    let count = ir.operations.len();
    let operation_types = operation_table_types(&format_ident!("ContractOperation"));
    let file_literal = file_literal();
    let about = format!(
        " Calls every operation of the {} (version {}) once, with arguments made from its spec.",
        ir.info.title, ir.info.version
    );
    quote! {
        // Included by tests/tests/contract.rs; made from the IR by
        // `mattermost_codegen::lower::contract::calls_file`.

        #[doc = #about]
        pub mod contract_calls {
            use ::mattermost_client::{Client, Error};
            use ::std::future::Future;
            use ::std::pin::Pin;

            #operation_types

            /// What a successful call gave back.
            #[derive(Debug, Clone, PartialEq, Eq)]
            pub enum Decoded {
                /// A JSON reply decoded into this Rust type.
                Json(&'static str),
                /// A binary reply of this many bytes.
                Bytes(usize),
                /// A text reply of this many bytes.
                Text(usize),
                /// An empty reply (`()`).
                Empty,
            }

            /// The result of calling one operation.
            #[derive(Debug)]
            pub struct Outcome {
                /// The operation called.
                pub operation: &'static ContractOperation,
                /// What the client returned.
                pub result: Result<Decoded, Error>,
            }

            /// Every operation, in the order `call` numbers them.
            pub const OPERATIONS: &[ContractOperation] = &[#(#entries)*];

            /// Calls operation `index` of [`OPERATIONS`] once.
            ///
            /// # Panics
            ///
            /// When `index` is not below `OPERATIONS.len()`.
            pub fn call(client: &Client, index: usize) -> Pin<Box<dyn Future<Output = Outcome> + '_>> {
                let operation = &OPERATIONS[index];
                let result: Pin<Box<dyn Future<Output = Result<Decoded, Error>> + '_>> = match index {
                    #(#arms)*
                    _ => unreachable!("there are {} operations", #count),
                };
                Box::pin(async move { Outcome { operation, result: result.await } })
            }

            /// Calls every operation once, in order.
            pub async fn call_all(client: &Client) -> Vec<Outcome> {
                let mut outcomes = Vec::with_capacity(OPERATIONS.len());
                for index in 0..OPERATIONS.len() {
                    outcomes.push(call(client, index).await);
                }
                outcomes
            }

            /// Decodes an example value into the type an argument needs.
            fn example<T: ::serde::de::DeserializeOwned>(json: &str) -> Result<T, Error> {
                ::serde_json::from_str(json)
                    .map_err(|e| Error::InvalidRequest(format!("the contract example {json} does not decode: {e}")))
            }

            fn json<T>(_: &T) -> Decoded {
                Decoded::Json(::std::any::type_name::<T>())
            }

            fn file(name: &str) -> ::mattermost_client::FilePart {
                ::mattermost_client::FilePart::from_bytes(&#file_literal[..], name.to_owned())
            }

            #(#functions)*
        }
    }
}

/// One required input of an operation: how its value is bound and how it is passed.
struct Argument {
    /// `let` statements that bind the value.
    binding: TokenStream,
    /// The expression passed to the method.
    pass: TokenStream,
}

fn call_function(types: &TypeSpace, op: &Operation, function: &Ident) -> TokenStream {
    let mut names = crate::naming::Namer::with_reserved(&["client", "reply"]);
    let mut arguments = Vec::new();
    for source in op.input_sources().into_iter().filter(InputSource::required) {
        match source {
            InputSource::Param(param) => {
                let name = ident(&names.claim(&format!("{}_arg", crate::naming::unraw(&param.rust_name))));
                arguments.push(borrowed_argument(types, &param.shape, &param.wire_name, &name));
            }
            InputSource::Part(part) => {
                let name = ident(&names.claim(&format!("{}_part", crate::naming::unraw(&part.rust_name))));
                let file_name = format!("{}.txt", part.wire_name);
                arguments.push(match &part.kind {
                    PartKind::File => Argument {
                        binding: quote!(let #name = file(#file_name);),
                        pass: quote!(#name),
                    },
                    // Two files: a multipart validator sees one part of a name as one value,
                    // not as an array of one.
                    PartKind::Files => {
                        let second = format!("{}-2.txt", part.wire_name);
                        Argument {
                            binding: quote!(let #name = vec![file(#file_name), file(#second)];),
                            pass: quote!(#name),
                        }
                    }
                    PartKind::Text(shape) => borrowed_argument(types, shape, &part.wire_name, &name),
                });
            }
            InputSource::Body(body) => {
                let name = ident(&names.claim("body"));
                arguments.push(match &body.kind {
                    BodyKind::Json(shape) => body_argument(types, shape, &name, false),
                    // An empty form is no body at all: give the form every top-level field.
                    BodyKind::Form(shape) => body_argument(types, shape, &name, true),
                    BodyKind::Raw { .. } | BodyKind::Multipart(_) => {
                        let file_literal = file_literal();
                        Argument {
                            binding: quote!(let #name = ::bytes::Bytes::from_static(#file_literal);),
                            pass: quote!(#name),
                        }
                    }
                });
            }
        }
    }
    let bindings = arguments.iter().map(|a| &a.binding);
    let passes = arguments.iter().map(|a| &a.pass);
    let method = ident(&op.method_name);
    let call = quote!(client.#method(#(#passes),*).await?);
    let send = match &op.response {
        Response::Json(_) => quote!(let reply = #call; Ok(json(&reply))),
        Response::Bytes => quote!(let reply = #call; Ok(Decoded::Bytes(reply.len()))),
        Response::Text => quote!(let reply = #call; Ok(Decoded::Text(reply.len()))),
        Response::Empty => quote!(let () = #call; Ok(Decoded::Empty)),
    };
    let allow = op.deprecated.then(|| quote!(#[allow(deprecated)]));
    let doc = format!(" `{} {}` (`{}`).", op.http_method, op.path, op.operation_id);
    quote! {
        #[doc = #doc]
        #allow
        async fn #function(client: &Client) -> Result<Decoded, Error> {
            #(#bindings)*
            #send
        }
    }
}

/// A path, query or header parameter or a text part, as `param_type` in `operations.rs` types
/// it: strings as `&str`, arrays as slices, anything else by value.
fn borrowed_argument(types: &TypeSpace, shape: &Shape, wire_name: &str, name: &Ident) -> Argument {
    match shape {
        Shape::String => {
            let value = string_example(wire_name, 0);
            Argument {
                binding: quote!(let #name: &str = #value;),
                pass: quote!(#name),
            }
        }
        Shape::Array(item) if **item == Shape::String => {
            let (first, second) = (string_example(wire_name, 0), string_example(wire_name, 1));
            Argument {
                binding: quote!(let #name: &[&str] = &[#first, #second];),
                pass: quote!(#name),
            }
        }
        Shape::Array(item) => {
            let ty = client_type(types, &Shape::Array(item.clone()));
            let json = example_text(types, shape, wire_name);
            Argument {
                binding: quote!(let #name: #ty = example(#json)?;),
                pass: quote!(&#name),
            }
        }
        other => owned_argument(types, other, wire_name, name),
    }
}

/// A JSON or form body, as `body_type` in `operations.rs` types it: by reference.
fn body_argument(types: &TypeSpace, shape: &Shape, name: &Ident, every_field: bool) -> Argument {
    match shape {
        Shape::String => {
            let value = string_example("body", 0);
            Argument {
                binding: quote!(let #name: &str = #value;),
                pass: quote!(#name),
            }
        }
        other => {
            let ty = client_type(types, other);
            let mut value = example_value(types, other, "body", 0);
            if let (true, Shape::Named(id), Value::Object(object)) = (every_field, other, &mut value) {
                if let TypeKind::Struct(s) = &types.get(*id).kind {
                    for field in &s.fields {
                        if !object.contains_key(&field.wire_name) {
                            object.insert(field.wire_name.clone(), example_value(types, &field.shape, &field.wire_name, 1));
                        }
                    }
                }
            }
            let json = raw_string(&value);
            Argument {
                binding: quote!(let #name: #ty = example(#json)?;),
                pass: quote!(&#name),
            }
        }
    }
}

/// A value passed by value: literals for numbers and booleans, decoded examples otherwise.
fn owned_argument(types: &TypeSpace, shape: &Shape, wire_name: &str, name: &Ident) -> Argument {
    let ty = client_type(types, shape);
    let binding = match shape {
        Shape::I32 | Shape::I64 => quote!(let #name: #ty = 1;),
        Shape::F64 => quote!(let #name: #ty = 1.0;),
        Shape::Bool => quote!(let #name: #ty = true;),
        _ => {
            let json = example_text(types, shape, wire_name);
            quote!(let #name: #ty = example(#json)?;)
        }
    };
    Argument {
        binding,
        pass: quote!(#name),
    }
}

/// The client's type for `shape`, as code outside the client crate names it.
pub(super) fn client_type(types: &TypeSpace, shape: &Shape) -> TokenStream {
    shape_type(types, shape, Context::ClientCrate)
}

/// The example of `shape` as compact JSON text in a raw string literal (`r#"{..}"#`).
fn example_text(types: &TypeSpace, shape: &Shape, name: &str) -> TokenStream {
    raw_string(&example_value(types, shape, name, 0))
}

/// `value` as compact JSON text in a raw string literal (`r#"{..}"#`).
pub(super) fn raw_string(value: &Value) -> TokenStream {
    let json = value.to_string();
    let mut hashes = String::from("#");
    while json.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    let literal = format!("r{hashes}\"{json}\"{hashes}");
    literal.parse().unwrap_or_else(|_| quote!(#json))
}

/// An example JSON value of `shape`; `name` (a property or parameter name) picks string values.
/// Arrays get two different elements (the spec has a `minItems: 2`; none has `maxItems` below 2
/// or `uniqueItems`).
pub fn example_value(types: &TypeSpace, shape: &Shape, name: &str, depth: usize) -> Value {
    nth_example(types, shape, name, depth, 0)
}

/// The `n`th example of `shape` (elements of an example array differ by `n`).
fn nth_example(types: &TypeSpace, shape: &Shape, name: &str, depth: usize, n: usize) -> Value {
    match shape {
        Shape::String | Shape::Binary => Value::String(string_example(name, n)),
        Shape::I32 | Shape::I64 => json!(1 + n),
        Shape::F64 => json!(1.0 + n as f64),
        Shape::Bool => json!(n == 0),
        Shape::Array(item) => {
            if depth >= MAX_DEPTH {
                json!([])
            } else {
                json!([nth_example(types, item, name, depth + 1, 0), nth_example(types, item, name, depth + 1, 1)])
            }
        }
        Shape::Map(_) | Shape::JsonObject | Shape::Json => json!({}),
        Shape::Named(id) => {
            let entry = types.get(*id);
            match &entry.kind {
                TypeKind::StringEnum(e) if e.variants.is_empty() => Value::String(string_example(name, n)),
                TypeKind::StringEnum(e) => Value::String(e.variants[n % e.variants.len()].wire_value.clone()),
                TypeKind::Alias(target) => nth_example(types, target, name, depth, n),
                TypeKind::Union(u) => match u.variants.first() {
                    Some(variant) => nth_example(types, &variant.shape, name, depth, n),
                    None => Value::Null,
                },
                TypeKind::Struct(s) => {
                    let mut object = Map::new();
                    if depth < MAX_DEPTH {
                        for field in s.fields.iter().filter(|f| f.required) {
                            object.insert(field.wire_name.clone(), nth_example(types, &field.shape, &field.wire_name, depth + 1, n));
                        }
                    }
                    Value::Object(object)
                }
            }
        }
    }
}

/// The `n`th string value for an input or property called `name`: an id of 26 characters for
/// `id`, `*_id`, `*_ids`, `*Id`, an address for `*email*`, a URL for `*url*`/`*uri*`.
pub(super) fn string_example(name: &str, n: usize) -> String {
    let lower = name.to_ascii_lowercase();
    if lower == "id" || lower.ends_with("_id") || lower.ends_with("_ids") || name.ends_with("Id") || name.ends_with("Ids") {
        let suffix = n.to_string();
        format!("{}{suffix}", &EXAMPLE_ID[..EXAMPLE_ID.len() - suffix.len()])
    } else if lower.contains("email") {
        format!("contract-test-{n}@example.com")
    } else if lower.contains("url") || lower.contains("uri") {
        format!("https://example.com/contract-test-{n}")
    } else if n == 0 {
        "contract-test".to_string()
    } else {
        format!("contract-test-{n}")
    }
}

/// [`EXAMPLE_FILE`] as a byte string literal.
pub(super) fn file_literal() -> proc_macro2::Literal {
    proc_macro2::Literal::byte_string(EXAMPLE_FILE)
}

/// The table entry of `op` in a generated calls file: a `table` struct (see
/// [`operation_table_types`]) with its id, method, path and reply kind.
pub(super) fn operation_entry(op: &crate::ir::Operation, table: &proc_macro2::Ident) -> TokenStream {
    let (operation_id, method, path) = (&op.operation_id, &op.http_method, &op.path);
    let reply = match &op.response {
        Response::Json(_) => quote!(Reply::Json),
        Response::Bytes => quote!(Reply::Bytes),
        Response::Text => quote!(Reply::Text),
        Response::Empty => quote!(Reply::Empty),
    };
    quote!(#table { operation_id: #operation_id, method: #method, path: #path, reply: #reply },)
}

/// The `Reply` enum and the `table` struct of a generated calls file's operation table.
pub(super) fn operation_table_types(table: &proc_macro2::Ident) -> TokenStream {
    quote! {
            /// What the client returns on success for an operation.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub enum Reply {
                /// A decoded JSON value.
                Json,
                /// The bytes of the body.
                Bytes,
                /// The text of the body.
                Text,
                /// Nothing (`()`).
                Empty,
            }

            /// One operation of the API.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct #table {
                /// Its `operationId`.
                pub operation_id: &'static str,
                /// Its HTTP method.
                pub method: &'static str,
                /// Its path template.
                pub path: &'static str,
                /// What a success reply gives.
                pub reply: Reply,
            }
    }
}
