//! Lowers operations to client methods and request builders, one module per group.
//!
//! Generated code stays thin: each operation describes its request as data passed to the
//! runtime's `OperationRequest` and calls one of the client's shared senders.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::debug::{redacting_debug, DebugField};
use super::docs::{doc_attrs, lines_to_attrs, rustdoc_markdown};
use super::models::{ident, shape_type, Context};
use crate::ir::{BodyKind, Group, InputSource, Operation, ParamLocation, PartKind, Response, Shape, TypeSpace};

/// One input of an operation, as the method and builder see it.
struct Input<'a> {
    /// Rust name.
    name: String,
    /// Whether the caller must give it (an argument) or may (a builder setter).
    required: bool,
    /// Type of the argument or setter parameter: what callers have (`impl Into<String>`, any
    /// list of strings, a borrowed model).
    arg_ty: TokenStream,
    /// The owned type it is kept as (a builder field, or a local of the method).
    owned_ty: TokenStream,
    /// Turns the argument named by the given ident into `owned_ty` (`None`: it is already).
    convert: Option<Convert>,
    /// Markdown documentation.
    docs: Option<&'a str>,
    /// Whether its value is a secret (never printed by `Debug`).
    secret: bool,
    /// What it is.
    kind: InputSource<'a>,
}

/// How a value of one shape is taken from the caller and kept.
struct Taken {
    arg_ty: TokenStream,
    owned_ty: TokenStream,
    convert: Option<Convert>,
}

/// Makes the expression that turns an argument (by its ident) into its owned value; the second
/// parameter is a list's item type.
type Convert = fn(&proc_macro2::Ident, &TokenStream) -> TokenStream;

fn into(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(#name.into())
}

fn collect_strings(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(#name.into_iter().map(|v| v.as_ref().to_owned()).collect())
}

fn collect_items(name: &proc_macro2::Ident, item: &TokenStream) -> TokenStream {
    quote!(#name.into_iter().map(|v| ::std::borrow::Borrow::<#item>::borrow(&v).clone()).collect())
}

fn collect(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(#name.into_iter().collect())
}

fn json_body(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(crate::runtime::EncodedBody::json(#name))
}

fn json_str_body(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(crate::runtime::EncodedBody::json(#name.as_ref()))
}

fn json_strings_body(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(crate::runtime::EncodedBody::json(&#name.into_iter().map(|v| v.as_ref().to_owned()).collect::<Vec<String>>()))
}

fn form_body(name: &proc_macro2::Ident, _: &TokenStream) -> TokenStream {
    quote!(crate::runtime::EncodedBody::form(#name))
}

/// A parameter or text part: strings as `impl Into<String>`, lists as any list (of `&str` or
/// `String` for strings), anything else by value.
fn param_taken(types: &TypeSpace, shape: &Shape) -> Taken {
    match shape {
        Shape::String => Taken { arg_ty: quote!(impl Into<String>), owned_ty: quote!(String), convert: Some(into) },
        Shape::Array(item) if **item == Shape::String => Taken {
            arg_ty: quote!(impl IntoIterator<Item = impl AsRef<str>>),
            owned_ty: quote!(Vec<String>),
            convert: Some(collect_strings),
        },
        Shape::Array(item) => {
            let item = shape_type(types, item, Context::Elsewhere);
            Taken {
                arg_ty: quote!(impl IntoIterator<Item = impl ::std::borrow::Borrow<#item>>),
                owned_ty: quote!(Vec<#item>),
                convert: Some(collect_items),
            }
        }
        other => {
            let ty = shape_type(types, other, Context::Elsewhere);
            Taken { arg_ty: ty.clone(), owned_ty: ty, convert: None }
        }
    }
}

/// A JSON or form body: encoded when the method is called, so nothing stays borrowed.
fn body_taken(types: &TypeSpace, shape: &Shape, form: bool) -> Taken {
    let owned_ty = quote!(crate::runtime::EncodedBody);
    let encode: Convert = if form { form_body } else { json_body };
    match shape {
        Shape::Array(item) if **item == Shape::String && !form => Taken {
            arg_ty: quote!(impl IntoIterator<Item = impl AsRef<str>>),
            owned_ty,
            convert: Some(json_strings_body),
        },
        Shape::String if !form => Taken { arg_ty: quote!(impl AsRef<str>), owned_ty, convert: Some(json_str_body) },
        Shape::Array(item) => {
            let item = shape_type(types, item, Context::Elsewhere);
            Taken { arg_ty: quote!(&[#item]), owned_ty, convert: Some(encode) }
        }
        Shape::String => Taken { arg_ty: quote!(&str), owned_ty, convert: Some(encode) },
        other => {
            let ty = shape_type(types, other, Context::Elsewhere);
            Taken { arg_ty: quote!(&#ty), owned_ty, convert: Some(encode) }
        }
    }
}

/// The item type `convert` needs (for lists of non-string items), else nothing.
fn item_type(types: &TypeSpace, input: &Input<'_>) -> TokenStream {
    let shape = match input.kind {
        InputSource::Param(p) => &p.shape,
        InputSource::Part(part) => match &part.kind {
            PartKind::Text(shape) => shape,
            _ => return TokenStream::new(),
        },
        InputSource::Body(_) => return TokenStream::new(),
    };
    match shape {
        Shape::Array(item) => shape_type(types, item, Context::Elsewhere),
        _ => TokenStream::new(),
    }
}

fn inputs<'a>(types: &TypeSpace, op: &'a Operation) -> Vec<Input<'a>> {
    let mut out: Vec<Input<'a>> = op
        .input_sources()
        .into_iter()
        .map(|kind| {
            let (name, taken, docs) = match kind {
                InputSource::Param(p) => (p.rust_name.clone(), param_taken(types, &p.shape), p.docs.as_deref()),
                InputSource::Part(part) => {
                    let taken = match &part.kind {
                        PartKind::File => Taken { arg_ty: quote!(crate::runtime::FilePart), owned_ty: quote!(crate::runtime::FilePart), convert: None },
                        PartKind::Files => Taken {
                            arg_ty: quote!(impl IntoIterator<Item = crate::runtime::FilePart>),
                            owned_ty: quote!(Vec<crate::runtime::FilePart>),
                            convert: Some(collect),
                        },
                        PartKind::Text(shape) => param_taken(types, shape),
                    };
                    (part.rust_name.clone(), taken, part.docs.as_deref())
                }
                InputSource::Body(body) => {
                    let taken = match &body.kind {
                        BodyKind::Json(shape) => body_taken(types, shape, false),
                        BodyKind::Form(shape) => body_taken(types, shape, true),
                        // A multipart body comes as its parts, never as `Body`.
                        BodyKind::Raw { .. } | BodyKind::Multipart(_) => {
                            Taken { arg_ty: quote!(impl Into<::bytes::Bytes>), owned_ty: quote!(::bytes::Bytes), convert: Some(into) }
                        }
                    };
                    ("body".to_string(), taken, body.docs.as_deref())
                }
            };
            let secret = match kind {
                InputSource::Param(p) => p.secret,
                InputSource::Part(part) => crate::ir::secrets::is_secret_name(&part.wire_name),
                // A body type redacts its own secrets; an encoded body shows only its length.
                InputSource::Body(_) => false,
            };
            Input {
                name,
                required: kind.required(),
                arg_ty: taken.arg_ty,
                owned_ty: taken.owned_ty,
                convert: taken.convert,
                docs,
                secret,
                kind,
            }
        })
        .collect();
    // Multipart parts and parameters share one namespace in the builder.
    let mut names = crate::naming::Namer::with_reserved(&[
        "client", "send", "into_future", "into_call", "request", "form", "send_with_response", "send_if_none_match", "send_stream", "stream",
    ]);
    for input in &mut out {
        // A multipart part named like a parameter says that it is the part.
        let candidate = match input.kind {
            InputSource::Part(_) if names.is_taken(&input.name) => format!("{}_part", crate::naming::unraw(&input.name)),
            _ => input.name.clone(),
        };
        input.name = names.claim(&candidate);
    }
    out
}

/// The statements that build `request` from the inputs; `value(input)` is how an input is read.
fn build_request(op: &Operation, inputs: &[Input<'_>], value: impl Fn(&Input<'_>) -> TokenStream) -> TokenStream {
    let method = format_ident!("{}", op.http_method);
    let path = &op.path;
    let mut chain = Vec::new();
    let mut after = Vec::new();
    for input in inputs {
        let v = value(input);
        let InputSource::Param(p) = input.kind else { continue };
        let wire = &p.wire_name;
        let is_array = matches!(p.shape, Shape::Array(_));
        match (p.location, input.required, is_array) {
            (ParamLocation::Path, _, _) => chain.push(quote!(.path_param(#wire, #v))),
            (ParamLocation::Query, true, false) => chain.push(quote!(.query(#wire, #v))),
            (ParamLocation::Query, false, false) => chain.push(quote!(.query_opt(#wire, #v))),
            (ParamLocation::Query, required, true) => {
                let style = if p.explode { quote!(Exploded) } else { quote!(CommaSeparated) };
                if required {
                    chain.push(quote!(.query_array(#wire, &#v, crate::runtime::ArrayStyle::#style)));
                } else {
                    after.push(quote! {
                        if let Some(values) = #v {
                            request = request.query_array(#wire, &values, crate::runtime::ArrayStyle::#style);
                        }
                    });
                }
            }
            (ParamLocation::Header, true, _) => chain.push(quote!(.header(#wire, #v))),
            (ParamLocation::Header, false, _) => chain.push(quote!(.header_opt(#wire, #v))),
        }
    }
    if let Some(body) = &op.body {
        match &body.kind {
            BodyKind::Multipart(_) => {
                let parts = inputs.iter().filter_map(|input| match input.kind {
                    InputSource::Part(part) => Some((input, part)),
                    _ => None,
                });
                let mut form = Vec::new();
                for (input, part) in parts {
                    let v = value(input);
                    let wire = &part.wire_name;
                    form.push(match (&part.kind, input.required) {
                        (PartKind::File, true) => quote!(form = form.file(#wire, #v);),
                        (PartKind::Files, true) => quote!(form = form.files(#wire, #v);),
                        (PartKind::Text(Shape::Array(_)), true) => quote!(form = form.texts(#wire, &#v);),
                        (PartKind::Text(Shape::Array(_)), false) => quote!(if let Some(values) = #v { form = form.texts(#wire, &values); }),
                        (PartKind::Text(_), true) => quote!(form = form.text(#wire, #v);),
                        (PartKind::Text(_), false) => quote!(form = form.text_opt(#wire, #v);),
                        (PartKind::File, false) => quote!(if let Some(part) = #v { form = form.file(#wire, part); }),
                        (PartKind::Files, false) => quote!(if let Some(parts) = #v { form = form.files(#wire, parts); }),
                    });
                }
                after.push(quote! {
                    let mut form = crate::runtime::Multipart::new();
                    #(#form)*
                    request = request.multipart(form);
                });
            }
            kind => {
                let Some(input) = inputs.iter().find(|i| matches!(i.kind, InputSource::Body(_))) else {
                    return TokenStream::new();
                };
                let v = value(input);
                let call = match kind {
                    BodyKind::Json(_) | BodyKind::Form(_) => quote!(encoded),
                    _ => quote!(raw),
                };
                let extra = match kind {
                    BodyKind::Raw { content_type } => {
                        let content_type = content_type.as_str();
                        quote!(, #content_type)
                    }
                    _ => TokenStream::new(),
                };
                after.push(if input.required {
                    quote!(request = request.#call(#v #extra);)
                } else {
                    quote!(if let Some(body) = #v { request = request.#call(body #extra); })
                });
            }
        }
    }
    let binding = if after.is_empty() { quote!(let request) } else { quote!(let mut request) };
    let name = crate::naming::unraw(&op.method_name);
    quote! {
        #binding = crate::runtime::OperationRequest::new(::reqwest::Method::#method, #path).for_operation(#name) #(#chain)*;
        #(#after)*
    }
}

/// The return type and the [`Call`](crate::runtime::Call) constructor for a reply.
pub(super) fn reply(types: &TypeSpace, response: &Response) -> (TokenStream, TokenStream) {
    match response {
        // The server writes a nil slice or map as `null`: a list or map reply decodes it as empty.
        Response::Json(shape @ (Shape::Array(_) | Shape::Map(_))) => (shape_type(types, shape, Context::Elsewhere), quote!(json_or_empty)),
        Response::Json(shape) => (shape_type(types, shape, Context::Elsewhere), quote!(json)),
        Response::Bytes => (quote!(::bytes::Bytes), quote!(bytes)),
        Response::Text => (quote!(String), quote!(text)),
        Response::Empty => (quote!(()), quote!(empty)),
    }
}

fn method_docs(op: &Operation, inputs: &[Input<'_>], stream: bool) -> TokenStream {
    let mut text = String::new();
    if let Some(summary) = &op.summary {
        text.push_str(&rustdoc_markdown(summary.trim()));
        text.push_str("\n\n");
    }
    if stream {
        text.push_str("Streams the reply body instead of reading it into memory.\n\n");
    }
    if let Some(description) = &op.description {
        text.push_str(&rustdoc_markdown(description.trim()));
        text.push_str("\n\n");
    }
    // The JavaScript names are search aliases and on the group page, not repeated here: every
    // line here is on the `Client` page once per operation.
    text.push_str(&format!("`{} {}`\n", op.http_method, op.path));
    let required: Vec<&Input<'_>> = inputs.iter().filter(|i| i.required).collect();
    if !required.is_empty() {
        text.push_str("\n# Arguments\n\n");
        for input in required {
            let docs = input.docs.map(|d| rustdoc_markdown(d.trim())).unwrap_or_default();
            let docs = docs.trim().replace('\n', "\n  ");
            let name = crate::naming::unraw(&input.name);
            if docs.is_empty() {
                text.push_str(&format!("* `{name}`\n"));
            } else {
                text.push_str(&format!("* `{name}`: {docs}\n"));
            }
        }
    }
    if !stream && op.has_optional_inputs() {
        text.push_str("\nSet optional inputs on the returned builder, then `.await` it.\n");
    }
    lines_to_attrs(&text)
}

fn deprecated(op: &Operation) -> TokenStream {
    if op.deprecated {
        quote!(#[deprecated(note = "deprecated in the Mattermost API spec")])
    } else {
        TokenStream::new()
    }
}

/// `#[doc(alias = ..)]` for each JavaScript client name that differs from the Rust name.
fn aliases(op: &Operation) -> TokenStream {
    let method = crate::naming::unraw(&op.method_name);
    let squashed = |name: &str| name.replace('_', "").to_ascii_lowercase();
    op.js_names
        .iter()
        .filter(|name| squashed(name) != squashed(method))
        .map(|name| quote!(#[doc(alias = #name)]))
        .collect()
}

/// `#[cfg_attr(docsrs, doc(cfg(feature = ..)))]`: the docs.rs badge naming an item's feature.
pub fn doc_cfg(feature: &str) -> TokenStream {
    quote!(#[cfg_attr(docsrs, doc(cfg(feature = #feature)))])
}

/// The statements that turn each required argument into its owned value.
fn conversions(types: &TypeSpace, inputs: &[&Input<'_>]) -> Vec<TokenStream> {
    inputs
        .iter()
        .filter_map(|i| {
            let convert = i.convert?;
            let name = ident(&i.name);
            let ty = &i.owned_ty;
            let value = convert(&name, &item_type(types, i));
            Some(quote!(let #name: #ty = #value;))
        })
        .collect()
}

/// The methods (in an `impl Client` block) and builder types of one operation.
fn operation_items(types: &TypeSpace, op: &Operation) -> (TokenStream, TokenStream) {
    let builder_style = op.has_optional_inputs();
    let inputs = inputs(types, op);
    let method = ident(&op.method_name);
    let deprecated = deprecated(op);
    let aliases = aliases(op);
    let required: Vec<&Input<'_>> = inputs.iter().filter(|i| i.required).collect();
    let args: Vec<TokenStream> = required
        .iter()
        .map(|i| {
            let name = ident(&i.name);
            let ty = &i.arg_ty;
            quote!(#name: #ty)
        })
        .collect();
    let arg_names: Vec<proc_macro2::Ident> = required.iter().map(|i| ident(&i.name)).collect();
    let converted = conversions(types, &required);
    let (ret, constructor) = reply(types, &op.response);
    let stream_item = |docs: TokenStream| {
        op.stream_method_name.as_ref().map(|stream_name| {
            let stream_method = ident(stream_name);
            quote! {
                #docs
                #deprecated
                #[allow(deprecated)]
                pub async fn #stream_method(&self, #(#args),*) -> crate::runtime::Result<crate::runtime::ByteStream> {
                    self.#method(#(#arg_names),*).send_stream().await
                }
            }
        })
    };
    if !builder_style {
        let docs = method_docs(op, &inputs, false);
        let build = build_request(op, &inputs, |i| {
            let name = ident(&i.name);
            quote!(#name)
        });
        let method_item = quote! {
            #docs
            #aliases
            #deprecated
            #[inline]
            pub fn #method(&self, #(#args),*) -> crate::runtime::Call<#ret> {
                #(#converted)*
                #build
                crate::runtime::Call::#constructor(self, request)
            }
        };
        let stream_item = stream_item(method_docs(op, &inputs, true));
        return (quote!(#method_item #stream_item), TokenStream::new());
    }
    let builder = format_ident!("{}", op.builder_name);
    let docs = method_docs(op, &inputs, false);
    let field_inits = inputs.iter().map(|i| {
        let name = ident(&i.name);
        if i.required {
            quote!(#name)
        } else {
            quote!(#name: None)
        }
    });
    let method_item = quote! {
        #docs
        #aliases
        #deprecated
        #[inline]
        pub fn #method(&self, #(#args),*) -> #builder {
            #(#converted)*
            #builder { client: self.clone(), #(#field_inits),* }
        }
    };
    let stream_item = stream_item(method_docs(op, &inputs, true));
    let fields = inputs.iter().map(|i| {
        let name = ident(&i.name);
        let ty = &i.owned_ty;
        if i.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: Option<#ty>,)
        }
    });
    let setters = inputs.iter().filter(|i| !i.required).map(|i| {
        let name = ident(&i.name);
        let ty = &i.arg_ty;
        let docs = doc_attrs(i.docs);
        let value = format_ident!("value");
        let value = i.convert.map_or_else(|| quote!(#value), |convert| convert(&value, &item_type(types, i)));
        quote! {
            #docs
            #[inline]
            pub fn #name(mut self, value: #ty) -> Self {
                self.#name = Some(#value);
                self
            }
        }
    });
    let build = build_request(op, &inputs, |i| {
        let name = ident(&i.name);
        quote!(self.#name)
    });
    let method_name = crate::naming::unraw(&op.method_name);
    let builder_doc = format!(
        " Request builder for [`Client::{method_name}`](crate::Client::{method_name}): set optional inputs, then `.await` it. It owns its inputs: it can be moved, stored and sent later."
    );
    let stream_send = op.stream_method_name.as_ref().map(|_| {
        quote! {
            /// Sends the request and streams the reply body instead of reading it into memory.
            pub async fn send_stream(self) -> crate::runtime::Result<crate::runtime::ByteStream> {
                self.into_call().send_stream().await
            }
        }
    });
    let conditional = (op.http_method == "GET").then(|| {
        quote! {
            /// Sends the request with `If-None-Match: <etag>`; see
            /// [`Call::send_if_none_match`](crate::runtime::Call::send_if_none_match).
            #[inline]
            pub fn send_if_none_match(self, etag: impl Into<String>) -> crate::runtime::CallFuture<crate::runtime::Conditional<#ret>> {
                self.into_call().send_if_none_match(etag)
            }
        }
    });
    let has_secret = inputs.iter().any(|i| i.secret);
    let derives: Vec<TokenStream> = op.streamed_paging().map(|_| quote!(Clone)).into_iter().chain((!has_secret).then(|| quote!(Debug))).collect();
    let derive = (!derives.is_empty()).then(|| quote!(#[derive(#(#derives),*)]));
    let debug_impl = has_secret.then(|| {
        let mut debug_fields = vec![DebugField { name: "client", secret: false, optional: false }];
        debug_fields.extend(inputs.iter().map(|i| DebugField { name: &i.name, secret: i.secret, optional: !i.required }));
        redacting_debug(&builder, TokenStream::new(), &debug_fields)
    });
    let stream_pages = op.streamed_paging().map(|paging| super::paging::stream_method(types, op, paging));
    let builder_item = quote! {
        #[doc = #builder_doc]
        #derive
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #builder {
            client: crate::runtime::Client,
            #(#fields)*
        }

        #debug_impl

        impl #builder {
            #(#setters)*

            /// The request as a [`Call`](crate::runtime::Call), ready to send.
            #[inline]
            pub fn into_call(self) -> crate::runtime::Call<#ret> {
                #build
                crate::runtime::Call::#constructor(&self.client, request)
            }

            /// Sends the request (what `.await` does).
            #[inline]
            pub fn send(self) -> crate::runtime::CallFuture<#ret> {
                self.into_call().send()
            }

            /// Sends the request and returns the value with the reply's status and headers
            /// (`ETag`, request id, rate limits).
            #[inline]
            pub fn send_with_response(self) -> crate::runtime::CallFuture<crate::runtime::Response<#ret>> {
                self.into_call().send_with_response()
            }

            #conditional

            #stream_send

            #stream_pages
        }

        impl ::std::future::IntoFuture for #builder {
            type Output = crate::runtime::Result<#ret>;
            type IntoFuture = crate::runtime::CallFuture<#ret>;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                self.send()
            }
        }
    };
    (quote!(#method_item #stream_item), builder_item)
}

/// One line of a group page's list: the method, linked, with its summary and JavaScript name.
fn method_line(op: &Operation) -> String {
    let name = crate::naming::unraw(&op.method_name);
    let mut line = format!("- [`{name}`](crate::Client::{name})");
    if let Some(summary) = &op.summary {
        let summary = rustdoc_markdown(summary.trim());
        let summary = summary.split_whitespace().collect::<Vec<_>>().join(" ");
        if !summary.is_empty() {
            line.push_str(": ");
            line.push_str(&summary);
        }
    }
    if !op.js_names.is_empty() {
        let names: Vec<String> = op.js_names.iter().map(|n| format!("`{n}`")).collect();
        line.push_str(&format!(" (JS: {})", names.join(", ")));
    }
    if let Some(stream) = &op.stream_method_name {
        let stream = crate::naming::unraw(stream);
        line.push_str(&format!("; streamed: [`{stream}`](crate::Client::{stream})"));
    }
    if op.streamed_paging().is_some() {
        line.push_str(&format!("; paged: [`stream()`](crate::operations::{}::{}::stream) yields every item", op.group, op.builder_name));
    }
    if op.deprecated {
        line.push_str(" (deprecated)");
    }
    line.push('\n');
    line
}

/// The module file of one group.
pub fn group_file(types: &TypeSpace, group: &Group, operations: &[&Operation], login: Option<&Operation>) -> TokenStream {
    let mut methods = Vec::new();
    let mut builders = Vec::new();
    for op in operations {
        let (method, builder) = operation_items(types, op);
        methods.push(method);
        builders.push(builder);
    }
    let tags = group.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
    let feature = group.name.as_str();
    let mut text = format!(
        "Operations tagged {tags} (cargo feature `{feature}`): methods on [`Client`](crate::Client) and their request builders.\n"
    );
    if let Some(docs) = &group.docs {
        text.push('\n');
        text.push_str(&rustdoc_markdown(docs.trim()));
        text.push('\n');
    }
    let count = match operations.len() {
        1 => "The operation".to_string(),
        n => format!("The {n} operations"),
    };
    text.push_str(&format!("\n# Methods\n\n{count} of this group, as methods of [`Client`](crate::Client):\n\n"));
    let login_wrappers = login.filter(|op| operations.iter().any(|o| std::ptr::eq(*o, *op))).and_then(|op| login_methods(types, op));
    if login_wrappers.is_some() {
        text.push_str("- [`login`](crate::Client::login), [`login_with`](crate::Client::login_with): log in and keep the session token\n");
    }
    for op in operations {
        text.push_str(&method_line(op));
    }
    let module_docs = lines_to_attrs(&text).into_iter().collect::<TokenStream>();
    let inner_docs = inner_doc_attrs(module_docs);
    let doc_cfg = doc_cfg(feature);
    let impl_doc = format!(" The operations of [`{feature}`](crate::operations::{feature}) (cargo feature `{feature}`).");
    quote! {
        #inner_docs

        #[doc = #impl_doc]
        #doc_cfg
        impl crate::runtime::Client {
            #login_wrappers
            #(#methods)*
        }

        #(#builders)*
    }
}

/// `login` and `login_with`, returning the reply type of the operation the runtime's login
/// sends (the user); nothing when that reply is not JSON.
fn login_methods(types: &TypeSpace, op: &Operation) -> Option<TokenStream> {
    let Response::Json(shape) = &op.response else { return None };
    let user = shape_type(types, shape, Context::Elsewhere);
    let operation = crate::naming::unraw(&op.method_name);
    let endpoint = format!(" Sends `{} {}` as [`{operation}`](Self::{operation}) does, and keeps the token.", op.http_method, op.path);
    Some(quote! {
        /// Logs in with a login id (username or email) and a password, keeps the session token
        /// from the reply's `Token` header for every later call, and returns the user.
        ///
        #[doc = #endpoint]
        pub async fn login(&self, login_id: &str, password: &str) -> crate::runtime::Result<#user> {
            self.login_as(login_id, password).await
        }

        /// Logs in with full [`LoginCredentials`](crate::LoginCredentials) (MFA token, LDAP
        /// only, device id), keeps the session token and returns the user.
        pub async fn login_with(&self, credentials: &crate::LoginCredentials) -> crate::runtime::Result<#user> {
            self.login_with_as(credentials).await
        }
    })
}

/// Turns `#[doc = ..]` attributes into inner `#![doc = ..]` ones.
fn inner_doc_attrs(outer: TokenStream) -> TokenStream {
    let mut out = TokenStream::new();
    for token in outer {
        if let proc_macro2::TokenTree::Punct(p) = &token {
            if p.as_char() == '#' {
                out.extend(quote!(#));
                out.extend(quote!(!));
                continue;
            }
        }
        out.extend(std::iter::once(token));
    }
    out
}
