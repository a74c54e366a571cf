//! A model struct's `Deserialize`: one small visitor over the runtime's `model_decode`
//! (a `match` of the wire names gives a member's field, one slot per field), in
//! place of serde's derive, whose expansion was most of the generated crate's compile time.
//! Its behaviour is the derive's for these structs: unknown members ignored (or kept in the
//! struct's map of other properties), a repeated member an error, a missing member its default
//! or a `missing field` error.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::models::{field_type, ident, shape_type, Context};
use crate::ir::{shape_has_default_in, Field, Shape, StructType, TypeKind, TypeSpace};

/// How one field is read and finished.
struct Slot<'a> {
    field: &'a Field,
    /// The local holding the decoded value: `field{i}`, `i` its declaration index.
    local: Ident,
    /// The Rust type of the field.
    ty: TokenStream,
    /// Absent means the type's default (else a `missing field` error).
    has_default: bool,
    /// `null` decodes as the default (a Go list or map written as `null` when nil).
    null_is_default: bool,
}

/// The `impl Deserialize` of struct `name`.
pub fn struct_deserialize(types: &TypeSpace, name: &Ident, s: &StructType) -> TokenStream {
    let slots: Vec<Slot<'_>> = s.fields.iter().enumerate().map(|(i, field)| slot(types, i, field)).collect();
    // A member's field is its declaration index.
    let names = slots.iter().map(|slot| slot.field.wire_name.as_str());
    let lookup = slots.iter().enumerate().map(|(index, slot)| {
        let wire = &slot.field.wire_name;
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        quote!(#wire => Some(#index),)
    });
    let declare = slots.iter().map(|Slot { local, ty, .. }| quote!(let mut #local: Option<#ty> = None;));
    let arms = slots.iter().enumerate().map(|(index, slot)| {
        let Slot { local, ty, .. } = slot;
        let wire = &slot.field.wire_name;
        let value = if slot.null_is_default {
            quote!(map.next_value::<Option<#ty>>()?.unwrap_or_default())
        } else {
            quote!(map.next_value::<#ty>()?)
        };
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        quote!(decode::Member::Field(#index) => decode::put(&mut #local, #value, #wire)?,)
    });
    let finish = slots.iter().map(|slot| {
        let (rust, local, wire) = (ident(&slot.field.rust_name), &slot.local, &slot.field.wire_name);
        if slot.has_default {
            quote!(#rust: #local.unwrap_or_default(),)
        } else {
            quote!(#rust: decode::required(#local, #wire)?,)
        }
    });
    let keep_other = s.additional.is_some();
    let (other_declare, other_arm, other_finish) = match &s.additional {
        Some(shape) => {
            let value = shape_type(types, shape, Context::Models);
            let rust = ident(&s.additional_rust_name);
            (
                quote!(let mut other = ::std::collections::BTreeMap::<String, #value>::new();),
                quote!(decode::Member::Other(name) => { other.insert(name, map.next_value()?); }),
                quote!(#rust: other,),
            )
        }
        None => (TokenStream::new(), TokenStream::new(), TokenStream::new()),
    };
    let read_members = if slots.is_empty() && !keep_other {
        quote! {
            while decode::next_member(&mut map, |_| None, false)?.is_some() {
                decode::skip_value(&mut map)?;
            }
        }
    } else {
        quote! {
            while let Some(member) = decode::next_member(&mut map, field, #keep_other)? {
                match member {
                    #(#arms)*
                    #other_arm
                    _ => decode::skip_value(&mut map)?,
                }
            }
        }
    };
    let field_fn = if slots.is_empty() {
        keep_other.then(|| quote!(fn field(_name: &str) -> Option<usize> { None }))
    } else {
        Some(quote! {
            fn field(name: &str) -> Option<usize> {
                match name {
                    #(#lookup)*
                    _ => None,
                }
            }
        })
    };
    let visitor = format_ident!("{}Visitor", name);
    let expecting = format!("struct {name}");
    let wire_name = name.to_string();
    quote! {
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use crate::runtime::model_decode as decode;
                const NAMES: &[&str] = &[#(#names),*];
                struct #visitor;
                impl<'de> ::serde::de::Visitor<'de> for #visitor {
                    type Value = #name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(#expecting)
                    }
                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                        #field_fn
                        #(#declare)*
                        #other_declare
                        #read_members
                        Ok(#name {
                            #(#finish)*
                            #other_finish
                        })
                    }
                }
                deserializer.deserialize_struct(#wire_name, NAMES, #visitor)
            }
        }
    }
}

fn slot<'a>(types: &TypeSpace, index: usize, field: &'a Field) -> Slot<'a> {
    let plain = !field.is_option();
    Slot {
        field,
        local: format_ident!("field{}", index),
        ty: field_type(types, field),
        has_default: !plain || shape_has_default_in(types, &field.shape),
        null_is_default: plain && is_collection(types, &field.shape),
    }
}

/// Whether a shape is a list or map (directly or through an alias), which Go writes as `null`
/// when nil.
pub fn is_collection(types: &TypeSpace, shape: &Shape) -> bool {
    match shape {
        Shape::Array(_) | Shape::Map(_) => true,
        Shape::Named(id) => matches!(&types.get(*id).kind, TypeKind::Alias(inner) if is_collection(types, inner)),
        _ => false,
    }
}
