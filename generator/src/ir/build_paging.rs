//! How an operation pages: from its parameters and reply shape, or from the overlay's
//! `x-paging` extension where the spec cannot say (a cursor, items kept in a map, a reply
//! that cannot be streamed).
//!
//! `x-paging` on an operation is an object of wire names: `page` (the zero-based page number,
//! default `page`) or `cursor` with `cursor_from` (the parameter the next request sets, and
//! the field of the page's last item it takes, default `id`); `size` (the page size, default
//! `per_page`) and `max_size` (the largest the server accepts, default 200); `items` (the reply field holding the list; the reply itself by default, or
//! its only list field), with `order` when `items` is a map listed in that field's order;
//! `more` (a boolean reply field that is false on the last page); or only `not_streamed`, the
//! reason an operation that looks paged cannot be streamed.

use serde::Deserialize;

use super::{Field, FieldRef, PageItems, Paging, PagingFact, PagingKind, Param, ParamLocation, Response, Shape, TypeKind, TypeSpaceBuilder};

/// The operation extension that states how an operation pages.
pub const PAGING_EXTENSION: &str = "x-paging";

/// Query parameters that make an operation look paged: it is then streamed or named with a
/// reason.
const PAGING_PARAMS: &[&str] = &["page", "per_page", "perPage", "page_size", "pageSize", "logs_per_page", "cursor", "before", "after", "from_id"];

/// The largest page size Mattermost's handlers accept (`PerPageMaximum`), and the runtime's.
const DEFAULT_MAX_SIZE: u8 = 200;

/// `x-paging` as the overlay states it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Stated {
    page: Option<String>,
    size: Option<String>,
    max_size: Option<u8>,
    cursor: Option<String>,
    cursor_from: Option<String>,
    items: Option<String>,
    order: Option<String>,
    more: Option<String>,
    not_streamed: Option<String>,
}

/// What is known about how the operation at `pointer` pages; `None` when it takes no paging
/// parameter and states nothing.
pub fn paging(
    extensions: &indexmap::IndexMap<String, serde_json::Value>,
    pointer: &str,
    params: &[Param],
    response: &Response,
    types: &mut TypeSpaceBuilder<'_>,
) -> Option<PagingFact> {
    let stated = match extensions.get(PAGING_EXTENSION) {
        None => None,
        Some(value) => match Stated::deserialize(value) {
            Ok(stated) => Some(stated),
            Err(e) => {
                let reason = format!("its `{PAGING_EXTENSION}` cannot be read: {e}");
                types.diagnostics.warn("bad-paging", format!("{pointer}/{PAGING_EXTENSION}"), format!("{reason}; no stream is generated"));
                return Some(PagingFact::NotStreamed { reason });
            }
        },
    };
    let looks_paged = params.iter().any(|p| p.location == ParamLocation::Query && PAGING_PARAMS.contains(&p.wire_name.as_str()));
    if stated.is_none() && !looks_paged {
        return None;
    }
    let is_stated = stated.is_some();
    Some(match decide(&stated.unwrap_or_default(), params, response, types) {
        Ok(mut paging) => {
            paging.stated = is_stated;
            PagingFact::Streamed(paging)
        }
        Err(reason) => PagingFact::NotStreamed { reason },
    })
}

fn decide(stated: &Stated, params: &[Param], response: &Response, types: &TypeSpaceBuilder<'_>) -> Result<Paging, String> {
    if let Some(reason) = &stated.not_streamed {
        return Err(reason.clone());
    }
    let Response::Json(reply) = response else {
        return Err("its reply is not JSON".into());
    };
    let size_name = stated.size.as_deref().unwrap_or("per_page");
    let size_param = optional_query(params, size_name, is_integer)
        .ok_or_else(|| format!("it has no optional integer query parameter `{size_name}` for the page size"))?;
    let (items, item) = match (&stated.items, &stated.order) {
        (Some(items), Some(order)) => {
            let fields = struct_fields(types, reply).ok_or("its reply is not an object, so it has no items field")?;
            let map = named_field(fields, items)?;
            let order = named_field(fields, order)?;
            let item = map_value(types, &map.shape).ok_or_else(|| format!("its reply field `{items}` is not a map of items"))?;
            if list_item(types, &order.shape) != Some(Shape::String) {
                return Err(format!("its reply field `{}` is not a list of ids", order.wire_name));
            }
            (PageItems::Ordered { order: field_ref(order), map: field_ref(map) }, item)
        }
        (Some(items), None) => {
            let fields = struct_fields(types, reply).ok_or("its reply is not an object, so it has no items field")?;
            let field = named_field(fields, items)?;
            let item = list_item(types, &field.shape).ok_or_else(|| format!("its reply field `{items}` is not a list"))?;
            (PageItems::Field(field_ref(field)), item)
        }
        (None, Some(_)) => return Err(format!("its `{PAGING_EXTENSION}` names an `order` without `items`")),
        (None, None) => infer_items(types, reply)?,
    };
    let kind = match &stated.cursor {
        Some(cursor) => {
            let param = optional_query(params, cursor, |_| true).ok_or_else(|| format!("it has no optional query parameter `{cursor}` for the cursor"))?;
            let from_name = stated.cursor_from.as_deref().unwrap_or("id");
            let fields = struct_fields(types, &item).ok_or("its items are not objects, so no cursor can be read from them")?;
            let from = named_field(fields, from_name)?;
            if from.shape != params[param].shape {
                return Err(format!("the item field `{from_name}` and the parameter `{cursor}` differ in type"));
            }
            PagingKind::Cursor { param, from: field_ref(from) }
        }
        None => {
            let page_name = stated.page.as_deref().unwrap_or("page");
            let page_param = optional_query(params, page_name, is_integer)
                .ok_or_else(|| format!("it has no optional integer query parameter `{page_name}` for the page number, and no cursor is stated"))?;
            PagingKind::PageNumber { page_param }
        }
    };
    let more = match &stated.more {
        Some(more) => {
            let fields = struct_fields(types, reply).ok_or("its reply is not an object, so it has no `more` field")?;
            let field = named_field(fields, more)?;
            if field.shape != Shape::Bool {
                return Err(format!("its reply field `{more}` is not a boolean"));
            }
            Some(field_ref(field))
        }
        None => None,
    };
    let max_size = stated.max_size.unwrap_or(DEFAULT_MAX_SIZE).clamp(1, DEFAULT_MAX_SIZE);
    Ok(Paging { kind, size_param, max_size, items, item, more, stated: false })
}

/// The items of a reply whose shape says where they are: the reply is a list, an object with
/// exactly one list field and no map field, or a union whose every variant is one of these
/// with the same item type.
fn infer_items(types: &TypeSpaceBuilder<'_>, reply: &Shape) -> Result<(PageItems, Shape), String> {
    if let Some(item) = list_item(types, reply) {
        return Ok((PageItems::Whole, item));
    }
    if let Shape::Named(id) = reply {
        if let TypeKind::Union(union) = types.kind(*id) {
            let mut variants = Vec::new();
            let mut item_shape: Option<Shape> = None;
            for variant in &union.variants {
                let (items, item) = infer_items(types, &variant.shape)?;
                if item_shape.as_ref().is_some_and(|known| *known != item) {
                    return Err("the variants of its reply hold items of different types".into());
                }
                item_shape = Some(item);
                variants.push((variant.rust_name.clone(), items));
            }
            return item_shape.map(|item| (PageItems::Variants(variants), item)).ok_or_else(|| "its reply is an empty union".into());
        }
    }
    let fields = struct_fields(types, reply).ok_or("its reply is neither a list nor an object holding one")?;
    if fields.iter().any(|f| map_value(types, &f.shape).is_some()) {
        return Err(format!("its reply keeps items in a map, so which field holds them cannot be told from its shape; state `items` in `{PAGING_EXTENSION}`"));
    }
    let lists: Vec<&Field> = fields.iter().filter(|f| list_item(types, &f.shape).is_some()).collect();
    match lists.as_slice() {
        [field] => Ok((PageItems::Field(field_ref(field)), list_item(types, &field.shape).unwrap_or(Shape::Json))),
        [] => Err("its reply holds no list of items".into()),
        _ => Err(format!("its reply holds several lists; state `items` in `{PAGING_EXTENSION}`")),
    }
}

/// The index of the optional query parameter `wire` whose shape passes `accept`.
fn optional_query(params: &[Param], wire: &str, accept: fn(&Shape) -> bool) -> Option<usize> {
    params.iter().position(|p| p.wire_name == wire && p.location == ParamLocation::Query && !p.required && accept(&p.shape))
}

fn is_integer(shape: &Shape) -> bool {
    matches!(shape, Shape::I32 | Shape::I64)
}

/// The fields of a struct shape.
fn struct_fields<'t>(types: &'t TypeSpaceBuilder<'_>, shape: &Shape) -> Option<&'t [Field]> {
    match shape {
        Shape::Named(id) => match types.kind(*id) {
            TypeKind::Struct(s) => Some(&s.fields),
            TypeKind::Alias(inner) => struct_fields(types, inner),
            _ => None,
        },
        _ => None,
    }
}

/// The item type of a list shape (through aliases).
fn list_item(types: &TypeSpaceBuilder<'_>, shape: &Shape) -> Option<Shape> {
    match shape {
        Shape::Array(item) => Some((**item).clone()),
        Shape::Named(id) => match types.kind(*id) {
            TypeKind::Alias(inner) => list_item(types, inner),
            _ => None,
        },
        _ => None,
    }
}

/// The value type of a map shape (through aliases).
fn map_value(types: &TypeSpaceBuilder<'_>, shape: &Shape) -> Option<Shape> {
    match shape {
        Shape::Map(value) => Some((**value).clone()),
        Shape::Named(id) => match types.kind(*id) {
            TypeKind::Alias(inner) => map_value(types, inner),
            _ => None,
        },
        _ => None,
    }
}

fn named_field<'f>(fields: &'f [Field], wire: &str) -> Result<&'f Field, String> {
    fields.iter().find(|f| f.wire_name == wire).ok_or_else(|| format!("it has no field `{wire}`"))
}

fn field_ref(field: &Field) -> FieldRef {
    FieldRef { rust_name: field.rust_name.clone(), optional: field.is_option() }
}

#[cfg(test)]
mod tests {
    use crate::diag::Diagnostics;
    use crate::ir::{PageItems, PagingFact, PagingKind};

    /// The paging fact of `GET /items` with `parameters` and a 200 reply `schema` (YAML flow
    /// text), with `x-paging` when given, and the diagnostics.
    fn fact(parameters: &str, schema: &str, x_paging: Option<&str>) -> (Option<PagingFact>, Diagnostics) {
        let extension = x_paging.map(|value| format!("\n      x-paging: {value}")).unwrap_or_default();
        let spec = format!(
            "openapi: 3.0.0\ninfo: {{title: t, version: '1'}}\npaths:\n  /items:\n    get:\n      operationId: ListItems{extension}\n      parameters: {parameters}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {schema}\n"
        );
        let mut diagnostics = Diagnostics::default();
        let loaded = crate::load::load_with_overlay(&spec, None, &mut diagnostics).expect("loads");
        let ir = crate::ir::build(&loaded, &mut diagnostics);
        (ir.operations[0].paging.clone(), diagnostics)
    }

    const PAGE_PARAMS: &str = "[{name: page, in: query, schema: {type: integer}}, {name: per_page, in: query, schema: {type: integer}}]";
    const ITEM: &str = "{type: object, properties: {id: {type: string}}}";

    fn reason(fact: Option<PagingFact>) -> String {
        match fact {
            Some(PagingFact::NotStreamed { reason }) => reason,
            other => panic!("expected no stream, got {other:?}"),
        }
    }

    #[test]
    fn a_list_or_one_list_next_to_a_count_is_inferred() {
        let (list, _) = fact(PAGE_PARAMS, &format!("{{type: array, items: {ITEM}}}"), None);
        let Some(PagingFact::Streamed(paging)) = list else { panic!("{list:?}") };
        assert_eq!((paging.items, paging.kind, paging.max_size, paging.stated), (PageItems::Whole, PagingKind::PageNumber { page_param: 0 }, 200, false));
        let counted = format!("{{type: object, properties: {{total_count: {{type: integer}}, items: {{type: array, items: {ITEM}}}}}}}");
        let (counted, _) = fact(PAGE_PARAMS, &counted, None);
        assert!(matches!(counted, Some(PagingFact::Streamed(ref p)) if matches!(&p.items, PageItems::Field(f) if f.rust_name == "items" && f.optional)), "{counted:?}");
    }

    #[test]
    fn operations_without_paging_parameters_have_no_fact() {
        let (none, _) = fact("[{name: q, in: query, schema: {type: string}}]", &format!("{{type: array, items: {ITEM}}}"), None);
        assert_eq!(none, None);
    }

    #[test]
    fn a_reply_whose_items_cannot_be_told_is_named_with_the_reason() {
        let mapped = format!("{{type: object, properties: {{order: {{type: array, items: {{type: string}}}}, posts: {{type: object, additionalProperties: {ITEM}}}}}}}");
        let (fact_mapped, _) = fact(PAGE_PARAMS, &mapped, None);
        assert!(reason(fact_mapped).contains("state `items` in `x-paging`"));
        // Stated, the same reply streams its map's items in `order`.
        let (stated, _) = fact(PAGE_PARAMS, &mapped, Some("{items: posts, order: order}"));
        assert!(matches!(stated, Some(PagingFact::Streamed(ref p)) if p.stated && matches!(p.items, PageItems::Ordered { .. })), "{stated:?}");
        let (no_list, _) = fact(PAGE_PARAMS, "{type: object, properties: {total: {type: integer}}}", None);
        assert_eq!(reason(no_list), "its reply holds no list of items");
        let (no_size, _) = fact("[{name: page, in: query, schema: {type: integer}}]", &format!("{{type: array, items: {ITEM}}}"), None);
        assert!(reason(no_size).contains("`per_page` for the page size"));
    }

    #[test]
    fn a_stated_cursor_must_match_the_items_field() {
        let params = "[{name: before, in: query, schema: {type: integer}}, {name: per_page, in: query, schema: {type: integer}}]";
        let (mismatch, _) = fact(params, &format!("{{type: array, items: {ITEM}}}"), Some("{cursor: before}"));
        assert!(reason(mismatch).contains("differ in type"));
        let params = "[{name: before, in: query, schema: {type: string}}, {name: per_page, in: query, schema: {type: integer}}]";
        let (cursor, _) = fact(params, &format!("{{type: array, items: {ITEM}}}"), Some("{cursor: before, max_size: 50}"));
        let Some(PagingFact::Streamed(paging)) = cursor else { panic!("{cursor:?}") };
        assert!(matches!(&paging.kind, PagingKind::Cursor { param: 0, from } if from.rust_name == "id"));
        assert_eq!(paging.max_size, 50);
    }

    #[test]
    fn a_malformed_x_paging_is_a_located_warning_and_no_stream() {
        let (bad, diagnostics) = fact(PAGE_PARAMS, &format!("{{type: array, items: {ITEM}}}"), Some("{itemz: posts}"));
        assert!(reason(bad).contains("cannot be read"));
        let warning = diagnostics.items().iter().find(|d| d.kind == "bad-paging").expect("a bad-paging warning");
        assert_eq!(warning.pointer, "/paths/~1items/get/x-paging");
        let (not_streamed, _) = fact(PAGE_PARAMS, &format!("{{type: array, items: {ITEM}}}"), Some("{not_streamed: the server repeats items}"));
        assert_eq!(reason(not_streamed), "the server repeats items");
    }
}
