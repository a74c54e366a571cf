//! The generated crate's docs can be navigated as a user would: every method of `Client` is
//! listed, linked, on its group's page; each group's methods carry the docs.rs feature badge; the
//! JavaScript client's names are search aliases; the README's table of groups counts them.

use std::collections::BTreeMap;

use mattermost_tests::repo_root;
use syn::{Attribute, ImplItem, Item};

/// One group module of `generated/src/operations/`.
struct Group {
    /// The module's inner docs, joined.
    docs: String,
    /// The `pub fn` methods its `impl Client` blocks define, with their attributes.
    methods: BTreeMap<String, Vec<Attribute>>,
    /// The `doc(cfg(...))` badges on its `impl Client` blocks, as text.
    badges: Vec<String>,
    /// The docs of its `impl Client` blocks (the label of the block on the `Client` page).
    impl_docs: String,
}

fn doc_text(attrs: &[Attribute]) -> String {
    let mut text = String::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }) = &nv.value {
                text.push_str(&s.value());
                text.push('\n');
            }
        }
    }
    text
}

fn aliases(attrs: &[Attribute]) -> Vec<String> {
    let mut out = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("alias") {
                let value: syn::LitStr = meta.value()?.parse()?;
                out.push(value.value());
            }
            Ok(())
        });
    }
    out
}

fn groups() -> BTreeMap<String, Group> {
    let dir = repo_root().join("generated/src/operations");
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).expect("generated/src/operations") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).expect("file name").to_owned();
        if name == "mod" {
            continue;
        }
        let file = syn::parse_file(&std::fs::read_to_string(&path).expect("read")).expect("parses");
        let mut group = Group { docs: doc_text(&file.attrs), methods: BTreeMap::new(), badges: Vec::new(), impl_docs: String::new() };
        for item in &file.items {
            let Item::Impl(block) = item else { continue };
            if block.trait_.is_some() {
                continue;
            }
            let self_ty = &block.self_ty;
            if quote::quote!(#self_ty).to_string() != "crate :: runtime :: Client" {
                continue;
            }
            group.badges.extend(block.attrs.iter().filter(|a| a.path().is_ident("cfg_attr")).map(|a| quote::quote!(#a).to_string()));
            group.impl_docs.push_str(&doc_text(&block.attrs));
            for impl_item in &block.items {
                if let ImplItem::Fn(method) = impl_item {
                    if matches!(method.vis, syn::Visibility::Public(_)) {
                        group.methods.insert(method.sig.ident.to_string(), method.attrs.clone());
                    }
                }
            }
        }
        out.insert(name, group);
    }
    out
}

#[test]
fn every_method_is_listed_and_linked_on_its_group_page() {
    let groups = groups();
    assert!(groups.len() > 30, "expected the operation groups, found {}", groups.len());
    let mut missing = Vec::new();
    let mut total = 0;
    for (name, group) in &groups {
        assert!(!group.methods.is_empty(), "{name}: no methods found");
        for method in group.methods.keys() {
            total += 1;
            let link = format!("[`{method}`](crate::Client::{method})");
            if !group.docs.contains(&link) {
                missing.push(format!("{name}::{method}"));
            }
        }
    }
    assert!(missing.is_empty(), "methods missing from their group's list: {missing:?}");
    assert!(total >= 437, "expected every operation, found {total} methods");
}

#[test]
fn every_group_and_its_methods_carry_the_feature_badge() {
    for (name, group) in groups() {
        let badge = format!("# [cfg_attr (docsrs , doc (cfg (feature = \"{name}\")))]");
        assert_eq!(group.badges, vec![badge], "{name}: the impl block's doc(cfg) badge");
        assert!(group.docs.contains(&format!("(cargo feature `{name}`)")), "{name}: the page names its feature");
        let label = format!("The operations of [`{name}`](crate::operations::{name}) (cargo feature `{name}`).");
        assert_eq!(group.impl_docs.trim(), label, "{name}: the impl block's label on the `Client` page");
    }
    let index = std::fs::read_to_string(repo_root().join("generated/src/operations/mod.rs")).expect("mod.rs");
    assert!(index.contains("#[cfg_attr(docsrs, doc(cfg(feature = \"posts\")))]"), "the posts module carries its badge");
    let lib = std::fs::read_to_string(repo_root().join("generated/src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("#![cfg_attr(docsrs, feature(doc_cfg))]"));
    let manifest = std::fs::read_to_string(repo_root().join("generated/Cargo.toml")).expect("Cargo.toml");
    assert!(manifest.contains("rustdoc-args = [\"--cfg\", \"docsrs\"]"), "docs.rs builds with --cfg docsrs");
}

#[test]
fn docs_rs_documents_every_features_items_with_their_badge() {
    let manifest = std::fs::read_to_string(repo_root().join("generated/Cargo.toml")).expect("Cargo.toml");
    let start = manifest.find("[package.metadata.docs.rs]\n").expect("docs.rs section");
    let section = &manifest[start..];
    let section = &section[..section[1..].find("\n[").map_or(section.len(), |end| end + 1)];
    let settings: Vec<&str> = section.lines().skip(1).filter(|l| !l.trim().is_empty() && !l.starts_with('#')).collect();
    assert_eq!(settings, ["all-features = true", "rustdoc-args = [\"--cfg\", \"docsrs\"]"], "docs.rs builds every feature, with badges");
    // The WebSocket events, off by default, are documented with their badge.
    let lib = std::fs::read_to_string(repo_root().join("generated/src/lib.rs")).expect("lib.rs");
    assert!(lib.contains("#[cfg(feature = \"websocket\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"websocket\")))]\npub mod events;"), "events module badge");
}

#[test]
fn paged_methods_link_their_stream_on_the_group_page() {
    let groups = groups();
    let posts = &groups["posts"].docs;
    assert!(
        posts.contains("[`get_posts_for_channel`](crate::Client::get_posts_for_channel)")
            && posts.contains("paged: [`stream()`](crate::operations::posts::GetPostsForChannel::stream) yields every item"),
        "{posts}"
    );
    // Every stream the builders define is linked from a group page.
    let mut linked = 0;
    for (name, group) in &groups {
        let source = std::fs::read_to_string(repo_root().join(format!("generated/src/operations/{name}.rs"))).expect("group file");
        let streams = source.matches("pub fn stream(").count();
        let links = group.docs.matches("::stream) yields every item").count();
        assert_eq!(streams, links, "{name}: streams and links to them");
        linked += links;
    }
    assert!(linked >= 45, "expected every streamed operation, found {linked}");
}

#[test]
fn javascript_names_are_search_aliases() {
    let groups = groups();
    let method = |group: &str, name: &str| groups[group].methods.get(name).unwrap_or_else(|| panic!("{group}::{name}"));
    assert_eq!(aliases(method("reactions", "save_reaction")), ["addReaction"]);
    assert_eq!(aliases(method("users", "get_user")), ["getMe"], "`getUser` is the Rust name already");
    assert!(aliases(method("users", "get_users")).contains(&"getProfilesInTeam".to_owned()));
    assert!(groups["reactions"].docs.contains("[`save_reaction`](crate::Client::save_reaction): Create a reaction (JS: `addReaction`)"));
    // Every alias of the generated crate is a name of the names file.
    let names = std::fs::read_to_string(repo_root().join("spec/js-client-names.yaml")).expect("names file");
    let mut count = 0;
    for group in groups.values() {
        for attrs in group.methods.values() {
            for alias in aliases(attrs) {
                count += 1;
                assert!(names.contains(&alias), "alias {alias} is not in spec/js-client-names.yaml");
            }
        }
    }
    // Where the JavaScript name is the Rust name in camelCase (`getUser`) no alias is needed.
    assert!(count > 150, "expected the JavaScript names that differ as aliases, found {count}");
}

#[test]
fn readme_counts_the_operations_of_each_group() {
    let readme = std::fs::read_to_string(repo_root().join("generated/README.md")).expect("README");
    let groups = groups();
    for (name, group) in &groups {
        // One line per operation; the login wrappers' line is not one.
        let operations = group.docs.lines().filter(|l| l.trim_start().starts_with("- [`") && !l.trim_start().starts_with("- [`login`]")).count();
        // The row links the group's page: one page per group, from the crate's front page.
        let row = format!("| [`{name}`](crate::operations::{name}) | {operations} |");
        assert!(readme.contains(&row), "README lacks the row {row}");
    }
    assert!(readme.contains("| **`full`** (default): every group | **437** |"));
}
