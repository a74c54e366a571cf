//! The WebSocket event catalogue (`spec/events.yaml`): its 9.8 events are exactly the 9.8
//! constants, each event's versions agree with every constants file in `spec/`, it types every
//! event the official JavaScript client 11.9 knows, each variant says which server versions
//! send it, it generates without warnings, and focused snapshots show the generated event code
//! (the `Event` enum's head, `posted`'s data type, the decoding match).

use mattermost_codegen::diag::Severity;
use mattermost_codegen::ir::{Shape, TypeKind};
use std::cmp::Ordering;

use mattermost_codegen::load::events::{compare_versions, constants_wire_names, parse, EventCatalogue, EVENTS_FILE};
use mattermost_codegen::{Generation, Inputs};
use mattermost_tests::{real_spec_path, repo_root};

fn read(path: &str) -> String {
    std::fs::read_to_string(repo_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// What `cargo xtask regen` makes: the spec with our overlay, audit and event catalogue.
fn generation() -> Generation {
    let spec = std::fs::read_to_string(real_spec_path()).expect("the upstream spec is at ../shared/spec");
    let (overlay, audit, events) = (read("spec/overlay.yaml"), read("spec/audit.yaml"), read("spec/events.yaml"));
    let inputs = Inputs { overlay: Some(&overlay), audit: Some(&audit), events: Some(&events), ..Inputs::default() };
    mattermost_codegen::generate_with(&spec, inputs).expect("the real spec generates with the catalogue")
}

/// The catalogue as `parse` reads it, without diagnostics.
fn catalogue() -> EventCatalogue {
    let mut diagnostics = mattermost_codegen::diag::Diagnostics::default();
    let catalogue = parse(&read("spec/events.yaml"), &mut diagnostics).expect("the catalogue reads");
    assert!(diagnostics.items().is_empty(), "{:#?}", diagnostics.items());
    catalogue
}

/// Whether `a` is the same server version as `b` or older.
fn at_most(a: &str, b: &str) -> bool {
    compare_versions(a, b) != Ordering::Greater
}

/// The server versions whose `websocket_message.go` constants are in `spec/`, oldest first.
const CONSTANT_FILES: [&str; 2] = ["9.8", "10.6"];

fn constants(version: &str) -> Vec<String> {
    constants_wire_names(&read(&format!("spec/events-constants-{version}.txt")))
}

#[test]
fn catalogue_lists_exactly_the_events_of_the_version_it_claims() {
    let catalogue = catalogue();
    assert_eq!(catalogue.version, "9.8");
    let of_base: Vec<&str> = catalogue
        .events
        .iter()
        .filter(|e| e.since.as_deref().is_some_and(|since| at_most(since, &catalogue.version)))
        .map(|e| e.wire_name.as_str())
        .collect();
    let constants = constants("9.8");
    assert_eq!(constants.len(), 79, "spec/events-constants-9.8.txt lists the WebsocketEvent* constants of 9.8");
    assert_eq!(of_base, constants, "the events the catalogue gives to 9.8 are the 9.8 constants");
    for sent_by_98 in ["warn_metric_status_received", "warn_metric_status_removed"] {
        assert!(of_base.contains(&sent_by_98), "{sent_by_98}");
    }
}

#[test]
fn every_event_has_its_versions_and_they_agree_with_each_constants_file() {
    let catalogue = catalogue();
    let missing: Vec<&str> = catalogue.events.iter().filter(|e| e.since.is_none()).map(|e| e.wire_name.as_str()).collect();
    assert!(missing.is_empty(), "events without x-since: {missing:?}");
    let mut previous: Option<Vec<String>> = None;
    for version in CONSTANT_FILES {
        let listed = constants(version);
        for constant in &listed {
            let event = catalogue.events.iter().find(|e| &e.wire_name == constant);
            let since = event.and_then(|e| e.since.as_deref());
            assert!(since.is_some_and(|s| at_most(s, version)), "{version} declares `{constant}`; the catalogue has it from {since:?}");
        }
        for event in &catalogue.events {
            let (name, since) = (&event.wire_name, event.since.as_deref().unwrap_or_default());
            let stopped = event.until.as_deref().is_some_and(|until| at_most(until, version));
            if at_most(since, version) && !stopped {
                assert!(listed.contains(name), "`{name}` is said to be sent by {version}, whose constants lack it");
            }
            if event.until.as_deref() == Some(version) {
                assert!(!listed.contains(name), "`{name}` is said to stop at {version}, whose constants still have it");
            }
            if let (Some(before), true) = (&previous, since == version) {
                assert!(!before.contains(name), "`{name}` is said to start at {version} but the version before has it");
            }
        }
        previous = Some(listed);
    }
}

#[test]
fn catalogue_types_every_event_the_official_javascript_client_knows() {
    let catalogue = catalogue();
    let js_names = constants_names(&read("spec/events-js-client-11.9.txt"));
    assert_eq!(js_names.len(), 101, "@mattermost/client 11.9.0 names 101 events");
    let generation = generation();
    let events = generation.ir.events.as_ref().expect("events");
    // Names that are not events the server publishes with data (action names, the reply type)
    // or whose publisher is not in the server source read.
    let untyped_by_design = ["authentication_challenge", "cloud_subscription_changed", "draft_updated", "posted_notify_ack", "presence", "response"];
    for name in &js_names {
        let event = catalogue.events.iter().find(|e| &e.wire_name == name).unwrap_or_else(|| panic!("`{name}` is not in the catalogue"));
        let since = event.since.as_deref().unwrap_or_default();
        assert!(at_most(since, "11.9"), "`{name}` is sent by 11.9, the catalogue says from {since}");
        assert!(event.until.as_deref().is_none_or(|u| !at_most(u, "11.9")), "`{name}` is said to have stopped by 11.9");
        let typed = events.events.iter().find(|e| &e.wire_name == name).expect("a variant");
        if !untyped_by_design.contains(&name.as_str()) {
            assert_ne!(typed.data, Shape::Json, "`{name}`'s data is typed");
        }
    }
}

/// Event names of a names-only file: one per line, `#` comments.
fn constants_names(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect()
}

#[test]
fn each_variant_says_which_server_versions_send_it() {
    let generation = generation();
    let events = generation.ir.events.as_ref().expect("events");
    for event in &events.events {
        let docs = event.docs.as_deref().unwrap_or_default();
        assert!(docs.contains("**Server versions:**"), "`{}` does not say its versions: {docs}", event.wire_name);
    }
    let docs = |name: &str| events.events.iter().find(|e| e.wire_name == name).and_then(|e| e.docs.clone()).unwrap_or_default();
    assert!(docs("posted").contains("sent by servers 9.8 and later"), "{}", docs("posted"));
    assert!(docs("show_toast").contains("sent by servers 11.6 and later"), "{}", docs("show_toast"));
    assert!(docs("warn_metric_status_removed").contains("up to but not including 10.6"), "{}", docs("warn_metric_status_removed"));
    assert!(docs("channel_viewed").contains("not sent by servers 9.0 and later"), "{}", docs("channel_viewed"));
    // The generated code carries the same words.
    let file = generation.files.iter().find(|f| f.path == "src/events.rs").expect("events.rs");
    assert_eq!(file.contents.matches("**Server versions:**").count(), events.events.len());
}

#[test]
fn keys_newer_than_their_model_are_kept_and_say_since_when() {
    let generation = generation();
    let field_docs = |type_name: &str, wire: &str| -> String {
        let entry = generation.ir.types.entries.iter().find(|e| e.name == type_name).unwrap_or_else(|| panic!("{type_name}"));
        let TypeKind::Struct(s) = &entry.kind else { panic!("{type_name} is a struct") };
        let field = s.fields.iter().find(|f| f.wire_name == wire).unwrap_or_else(|| panic!("{type_name}.{wire}"));
        assert!(!field.required, "{type_name}.{wire} is optional: older servers leave it out");
        field.docs.clone().unwrap_or_default()
    };
    for (type_name, wire, since) in [
        ("EventChannel", "banner_info", "10.8"),
        ("EventChannel", "policy_enforced", "10.9"),
        ("EventChannel", "policy_actions", "11.8"),
        ("EventTeam", "policy_enforced", "11.9"),
        ("HelloEvent", "server_hostname", "10.6"),
    ] {
        let docs = field_docs(type_name, wire);
        assert!(docs.ends_with(&format!("Sent by servers {since} and later.")), "{type_name}.{wire}: {docs}");
    }
    // Events that carry a channel or a team use these types.
    let events = generation.ir.events.as_ref().expect("events");
    for (event, member, type_name) in [("channel_updated", "channel", "EventChannel"), ("update_team", "team", "EventTeam")] {
        let event = events.events.iter().find(|e| e.wire_name == event).expect("the event");
        let json = event.json_strings.iter().find(|j| j.wire_name == member).expect("a JSON string member");
        let Shape::Named(id) = json.shape else { panic!("{member} is a named type") };
        assert_eq!(generation.ir.types.get(id).name, type_name);
    }
}

#[test]
fn every_event_gets_a_variant_and_the_catalogue_generates_cleanly() {
    let generation = generation();
    let events = generation.ir.events.as_ref().expect("events");
    assert_eq!(events.events.len(), 106);
    let untyped: Vec<&str> = events.events.iter().filter(|e| e.data == Shape::Json).map(|e| e.wire_name.as_str()).collect();
    assert_eq!(
        untyped,
        [
            "authentication_challenge",
            "cloud_payment_status_updated",
            "cloud_subscription_changed",
            "draft_updated",
            "posted_notify_ack",
            "presence",
            "response",
            "warn_metric_status_received",
            "webhook_event_listener_data_received"
        ]
    );
    let about_events: Vec<String> = generation
        .diagnostics
        .items()
        .iter()
        .filter(|d| d.file.as_deref() == Some(EVENTS_FILE) && d.severity >= Severity::Warning)
        .map(ToString::to_string)
        .collect();
    assert!(about_events.is_empty(), "{about_events:#?}");
    // The committed crate is what this makes (regen --check says the same for every file).
    let file = generation.files.iter().find(|f| f.path == "src/events.rs").expect("events.rs");
    assert_eq!(file.contents, read("generated/src/events.rs"), "run `cargo xtask regen`");
    // The JSON-in-a-string members are facts of the IR.
    let posted = events.events.iter().find(|e| e.wire_name == "posted").expect("posted");
    let members: Vec<&str> = posted.json_strings.iter().map(|j| j.wire_name.as_str()).collect();
    assert_eq!(members, ["post", "mentions", "followers"]);
}

#[test]
fn a_data_type_whose_name_a_model_has_is_renamed() {
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    TypingEvent: {type: object, properties: {a: {type: string}}}\n";
    let events = "asyncapi: 3.0.0\ninfo: {title: e, version: '1'}\ncomponents:\n  messages:\n    typing:\n      name: typing\n      payload:\n        type: object\n        properties:\n          event: {type: string, const: typing}\n          data: {type: object, properties: {user_id: {type: string}}}\n";
    let generation = mattermost_codegen::generate_with(spec, Inputs { events: Some(events), ..Inputs::default() }).expect("generates");
    let typing = &generation.ir.events.as_ref().expect("events").events[0];
    let Shape::Named(id) = typing.data else { panic!("a named type: {:?}", typing.data) };
    assert_eq!(generation.ir.types.get(id).name, "TypingEvent2");
    let note = generation.diagnostics.items().iter().find(|d| d.kind == "name-collision").expect("a note");
    assert_eq!((note.file.as_deref(), note.line), (Some(EVENTS_FILE), Some(11)), "{note}");
}

fn events_file(generation: &Generation) -> syn::File {
    let file = generation.files.iter().find(|f| f.path == "src/events.rs").expect("events.rs");
    syn::parse_file(&file.contents).expect("valid Rust")
}

fn unparse(items: Vec<syn::Item>) -> String {
    prettyplease::unparse(&syn::File { shebang: None, attrs: Vec::new(), items })
}

#[test]
fn focused_event_snapshots() {
    let generation = generation();
    let file = events_file(&generation);
    // The enum's head: its attributes, the first variants, and the two that are not events.
    let mut head = None;
    for item in &file.items {
        if let syn::Item::Enum(e) = item {
            if e.ident == "Event" {
                let mut e = e.clone();
                let keep: Vec<syn::Variant> = e
                    .variants
                    .iter()
                    .enumerate()
                    .filter(|(i, v)| *i < 3 || v.ident == "Posted" || v.ident == "Connection" || v.ident == "Unknown")
                    .map(|(_, v)| v.clone())
                    .collect();
                e.variants = keep.into_iter().collect();
                head = Some(syn::Item::Enum(e));
            }
        }
    }
    insta::assert_snapshot!("event_enum_head", unparse(vec![head.expect("the Event enum")]));

    let posted = generation.files.iter().find(|f| f.path == "src/models/posted_event.rs").expect("posted's data type");
    insta::assert_snapshot!("event_posted_data", posted.contents);

    // The decoding: `from_frame`, `Event::decode`, and `Event::decode_typed` cut to a typed event
    // with JSON strings, a typed event without, an untyped one, and the fallback.
    let mut decoding = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else { continue };
        let mut block = block.clone();
        if block.trait_.is_some() {
            decoding.push(syn::Item::Impl(block));
            continue;
        }
        block.items.retain(|i| matches!(i, syn::ImplItem::Fn(f) if f.sig.ident == "decode" || f.sig.ident == "decode_typed"));
        for impl_item in &mut block.items {
            let syn::ImplItem::Fn(f) = impl_item else { continue };
            for stmt in &mut f.block.stmts {
                let syn::Stmt::Expr(syn::Expr::Match(m), _) = stmt else { continue };
                m.arms.retain(|arm| match &arm.pat {
                    syn::Pat::Lit(lit) => matches!(&lit.lit, syn::Lit::Str(s) if ["posted", "typing", "draft_updated"].contains(&s.value().as_str())),
                    _ => true,
                });
            }
        }
        if !block.items.is_empty() {
            decoding.push(syn::Item::Impl(block));
        }
    }
    insta::assert_snapshot!("event_decoding", unparse(decoding));
}

#[test]
fn catalogue_mutations_never_panic_and_are_located() {
    let text = read("spec/events.yaml");
    let lines: Vec<&str> = text.lines().collect();
    let spec = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Post: {type: object, properties: {id: {type: string}}}\n";
    let mut diagnostics = mattermost_codegen::diag::Diagnostics::default();
    let loaded = mattermost_codegen::load::load(spec, &mut diagnostics).expect("the small spec loads");
    let seed: u64 = std::env::var("EVENTS_MUTATION_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(14);
    let mut rng = fastrand::Rng::with_seed(seed);
    for case in 0..200 {
        let mut mutated: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for _ in 0..=rng.usize(0..4) {
            let at = rng.usize(0..mutated.len());
            match rng.u8(0..5) {
                0 => {
                    mutated.remove(at);
                }
                1 => {
                    let line = mutated[at].clone();
                    mutated.insert(at, line);
                }
                2 => mutated[at] = format!("{}{}", " ".repeat(rng.usize(0..12)), mutated[at].trim_start()),
                3 => {
                    if let Some((key, _)) = mutated[at].split_once(':') {
                        mutated[at] = format!("{key}: {}", ["7", "[", "{}", "null", "'#/components/schemas/Nope'", "[object, string]"][rng.usize(0..6)]);
                    }
                }
                _ => mutated.truncate(at.max(1)),
            }
        }
        let text = mutated.join("\n");
        let mut diagnostics = mattermost_codegen::diag::Diagnostics::default();
        match parse(&text, &mut diagnostics) {
            Some(catalogue) => {
                let ir = mattermost_codegen::ir::build_with_events(&loaded, Some(&catalogue), &mut diagnostics);
                let events = ir.events.expect("events");
                assert_eq!(events.events.len(), catalogue.events.len(), "case {case} (seed {seed})");
                let file = mattermost_codegen::lower::events::events_file(&ir.types, &events);
                syn::parse2::<syn::File>(file).unwrap_or_else(|e| panic!("case {case} (seed {seed}): not Rust: {e}"));
            }
            None => assert!(diagnostics.has_errors(), "case {case} (seed {seed}): no catalogue and no error"),
        }
        for d in diagnostics.items() {
            assert_eq!(d.file.as_deref(), Some(EVENTS_FILE), "case {case} (seed {seed}): {d}");
            assert!(d.line.is_some() && d.column.is_some(), "case {case} (seed {seed}): unlocated: {d}");
        }
    }
}
