//! A hand-written `Debug` for types and request builders that hold a secret: every field is
//! shown, a secret one as `"<redacted>"` (or `Some("<redacted>")` when it is optional and set).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::models::ident;
use crate::naming::unraw;

/// What `Debug` shows: `"<redacted>"`.
const REDACTED: &str = "<redacted>";

/// One field as the `Debug` impl sees it.
pub struct DebugField<'a> {
    /// Rust field name (may be raw).
    pub name: &'a str,
    /// Whether its value is a secret.
    pub secret: bool,
    /// Whether it is an `Option`.
    pub optional: bool,
}

/// `impl Debug for #type_name #generics` over `fields`.
pub fn redacting_debug(type_name: &Ident, generics: TokenStream, fields: &[DebugField<'_>]) -> TokenStream {
    let name_text = type_name.to_string();
    let entries = fields.iter().map(|field| {
        let member = ident(field.name);
        let label = unraw(field.name);
        let value = match (field.secret, field.optional) {
            (false, _) => quote!(&self.#member),
            (true, true) => quote!(&self.#member.as_ref().map(|_| #REDACTED)),
            (true, false) => quote!(&#REDACTED),
        };
        quote!(.field(#label, #value))
    });
    quote! {
        impl #generics ::std::fmt::Debug for #type_name #generics {
            /// Shows every field; secrets as `<redacted>`.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(#name_text)
                    #(#entries)*
                    .finish()
            }
        }
    }
}
