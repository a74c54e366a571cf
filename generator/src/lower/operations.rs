//! Lowers operations to client methods and request builders, one module per group.
//!
//! Generated code stays thin: each operation describes its request as data passed to the
//! runtime's `OperationRequest` and calls one of the client's shared senders.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::docs::{doc_attrs, lines_to_attrs, rustdoc_markdown};
use super::models::{ident, shape_type, Context};
use crate::ir::{BodyKind, Group, InputSource, Operation, ParamLocation, PartKind, Response, Shape, TypeSpace};

/// One input of an operation, as the method and builder see it.
struct Input<'a> {
    /// Rust name.
    name: String,
    /// Whether the caller must give it (an argument) or may (a builder setter).
    required: bool,
    /// Type of the argument or setter parameter (with lifetime `'a` where borrowed).
    ty: TokenStream,
    /// Markdown documentation.
    docs: Option<&'a str>,
    /// What it is.
    kind: InputSource<'a>,
}

fn param_type(types: &TypeSpace, shape: &Shape, lt: &TokenStream) -> TokenStream {
    match shape {
        Shape::String => quote!(& #lt str),
        Shape::Array(item) => {
            let item = param_type(types, item, lt);
            quote!(& #lt [#item])
        }
        other => shape_type(types, other, Context::Elsewhere),
    }
}

fn body_type(types: &TypeSpace, shape: &Shape, lt: &TokenStream) -> TokenStream {
    match shape {
        Shape::Array(item) => {
            let item = shape_type(types, item, Context::Elsewhere);
            quote!(& #lt [#item])
        }
        Shape::String => quote!(& #lt str),
        other => {
            let ty = shape_type(types, other, Context::Elsewhere);
            quote!(& #lt #ty)
        }
    }
}

fn inputs<'a>(types: &TypeSpace, op: &'a Operation, lt: &TokenStream) -> Vec<Input<'a>> {
    let mut out: Vec<Input<'a>> = op
        .input_sources()
        .into_iter()
        .map(|kind| {
            let (name, ty, docs) = match kind {
                InputSource::Param(p) => (p.rust_name.clone(), param_type(types, &p.shape, lt), p.docs.as_deref()),
                InputSource::Part(part) => {
                    let ty = match &part.kind {
                        PartKind::File => quote!(crate::runtime::FilePart),
                        PartKind::Files => quote!(Vec<crate::runtime::FilePart>),
                        PartKind::Text(shape) => param_type(types, shape, lt),
                    };
                    (part.rust_name.clone(), ty, part.docs.as_deref())
                }
                InputSource::Body(body) => {
                    let ty = match &body.kind {
                        BodyKind::Json(shape) | BodyKind::Form(shape) => body_type(types, shape, lt),
                        // A multipart body comes as its parts, never as `Body`.
                        BodyKind::Raw { .. } | BodyKind::Multipart(_) => quote!(::bytes::Bytes),
                    };
                    ("body".to_string(), ty, body.docs.as_deref())
                }
            };
            Input {
                name,
                required: kind.required(),
                ty,
                docs,
                kind,
            }
        })
        .collect();
    // Multipart parts and parameters share one namespace in the builder.
    let mut names = crate::naming::Namer::with_reserved(&["client", "send", "into_future", "request", "form"]);
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
                    chain.push(quote!(.query_array(#wire, #v, crate::runtime::ArrayStyle::#style)));
                } else {
                    after.push(quote! {
                        if let Some(values) = #v {
                            request = request.query_array(#wire, values, crate::runtime::ArrayStyle::#style);
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
                    BodyKind::Json(_) => quote!(json),
                    BodyKind::Form(_) => quote!(form),
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
    quote! {
        #binding = crate::runtime::OperationRequest::new(::reqwest::Method::#method, #path) #(#chain)*;
        #(#after)*
    }
}

/// The return type and the sender call for a reply.
fn reply(types: &TypeSpace, response: &Response, client: TokenStream) -> (TokenStream, TokenStream) {
    match response {
        Response::Json(shape) => {
            let ty = shape_type(types, shape, Context::Elsewhere);
            (ty, quote!(#client.send_json(request).await))
        }
        Response::Bytes => (quote!(::bytes::Bytes), quote!(#client.send_bytes(request).await)),
        Response::Text => (quote!(String), quote!(#client.send_text(request).await)),
        Response::Empty => (quote!(()), quote!(#client.send_empty(request).await)),
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
    if op.has_optional_inputs() {
        text.push_str("\nOptional inputs are set on the returned builder, which is sent by `.await` (or `.send()`).\n");
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

/// The methods (in an `impl Client` block) and builder types of one operation.
fn operation_items(types: &TypeSpace, op: &Operation) -> (TokenStream, TokenStream) {
    let builder_style = op.has_optional_inputs();
    let lifetime = if builder_style { quote!('a) } else { TokenStream::new() };
    let inputs = inputs(types, op, &lifetime);
    let method = ident(&op.method_name);
    let deprecated = deprecated(op);
    let required: Vec<&Input<'_>> = inputs.iter().filter(|i| i.required).collect();
    let args = required.iter().map(|i| {
        let name = ident(&i.name);
        let ty = &i.ty;
        quote!(#name: #ty)
    });
    if !builder_style {
        let docs = method_docs(op, &inputs, false);
        let build = build_request(op, &inputs, |i| {
            let name = ident(&i.name);
            quote!(#name)
        });
        let (ret, send) = reply(types, &op.response, quote!(self));
        let args: Vec<TokenStream> = args.collect();
        let method_item = quote! {
            #docs
            #deprecated
            pub async fn #method(&self, #(#args),*) -> crate::runtime::Result<#ret> {
                #build
                #send
            }
        };
        let stream_item = op.stream_method_name.as_ref().map(|stream_name| {
            let stream_method = ident(stream_name);
            let docs = method_docs(op, &inputs, true);
            quote! {
                #docs
                #deprecated
                pub async fn #stream_method(&self, #(#args),*) -> crate::runtime::Result<crate::runtime::ByteStream> {
                    #build
                    self.send_stream(request).await
                }
            }
        });
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
        #deprecated
        pub fn #method<'a>(&'a self, #(#args),*) -> #builder<'a> {
            #builder { client: self, #(#field_inits),* }
        }
    };
    let fields = inputs.iter().map(|i| {
        let name = ident(&i.name);
        let ty = &i.ty;
        if i.required {
            quote!(#name: #ty,)
        } else {
            quote!(#name: Option<#ty>,)
        }
    });
    let setters = inputs.iter().filter(|i| !i.required).map(|i| {
        let name = ident(&i.name);
        let ty = &i.ty;
        let docs = doc_attrs(i.docs);
        quote! {
            #docs
            pub fn #name(mut self, value: #ty) -> Self {
                self.#name = Some(value);
                self
            }
        }
    });
    let build = build_request(op, &inputs, |i| {
        let name = ident(&i.name);
        quote!(self.#name)
    });
    let (ret, send) = reply(types, &op.response, quote!(self.client));
    let builder_doc = format!(
        " Request builder for [`Client::{}`](crate::Client::{}): set optional inputs, then `.await` it or call [`send`](Self::send).",
        crate::naming::unraw(&op.method_name),
        crate::naming::unraw(&op.method_name)
    );
    let stream_send = op.stream_method_name.as_ref().map(|_| {
        quote! {
            /// Sends the request and streams the reply body instead of reading it into memory.
            pub async fn send_stream(self) -> crate::runtime::Result<crate::runtime::ByteStream> {
                #build
                self.client.send_stream(request).await
            }
        }
    });
    let derive_clone = op.pagination.as_ref().map(|_| quote!(Clone,));
    let stream_pages = op.pagination.as_ref().map(|pagination| {
        let item = shape_type(types, &pagination.item, Context::Elsewhere);
        let page = ident(&op.params[pagination.page_param].rust_name);
        let per_page = ident(&op.params[pagination.per_page_param].rust_name);
        // The stream counts pages in `u32`; each parameter gets its own integer type.
        let from_u32 = |shape: &Shape, value: TokenStream| match shape {
            Shape::I32 => quote!(i32::try_from(#value).unwrap_or(i32::MAX)),
            _ => quote!(i64::from(#value)),
        };
        let to_page = from_u32(&op.params[pagination.page_param].shape, quote!(page));
        let to_per_page = from_u32(&op.params[pagination.per_page_param].shape, quote!(per_page));
        quote! {
            /// Streams every item, fetching pages lazily from page 0 and stopping after the
            /// first short page. The page size is `per_page` if set (clamped to 200), else 200;
            /// a `page` set on the builder is ignored.
            pub fn stream(self) -> impl ::futures_core::Stream<Item = crate::runtime::Result<#item>> + Unpin + 'a {
                crate::runtime::paginate(crate::runtime::page_size(self.#per_page), move |page, per_page| {
                    let mut request = self.clone();
                    request.#page = Some(#to_page);
                    request.#per_page = Some(#to_per_page);
                    request.send()
                })
            }
        }
    });
    let builder_item = quote! {
        #[doc = #builder_doc]
        #[derive(#derive_clone Debug)]
        #[must_use = "a request does nothing until it is awaited or sent"]
        pub struct #builder<'a> {
            client: &'a crate::runtime::Client,
            #(#fields)*
        }

        impl<'a> #builder<'a> {
            #(#setters)*

            /// Sends the request.
            pub async fn send(self) -> crate::runtime::Result<#ret> {
                #build
                #send
            }

            #stream_send

            #stream_pages
        }

        impl<'a> ::std::future::IntoFuture for #builder<'a> {
            type Output = crate::runtime::Result<#ret>;
            type IntoFuture = ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'a>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
    (method_item, builder_item)
}

/// The module file of one group.
pub fn group_file(types: &TypeSpace, group: &Group, operations: &[&Operation]) -> TokenStream {
    let mut methods = Vec::new();
    let mut builders = Vec::new();
    for op in operations {
        let (method, builder) = operation_items(types, op);
        methods.push(method);
        builders.push(builder);
    }
    let tags = group.tags.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ");
    let mut text = format!("Operations tagged {tags}: methods on [`Client`](crate::Client) and their request builders.\n");
    if let Some(docs) = &group.docs {
        text.push('\n');
        text.push_str(&rustdoc_markdown(docs.trim()));
    }
    let module_docs = lines_to_attrs(&text).into_iter().collect::<TokenStream>();
    let inner_docs = inner_doc_attrs(module_docs);
    quote! {
        #inner_docs

        impl crate::runtime::Client {
            #(#methods)*
        }

        #(#builders)*
    }
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
