//! Spec markdown to rustdoc: keeps the structure (paragraphs, headings, lists, code) and
//! rewrites what rustdoc would misread (code blocks run as doctests, bare URLs, stray
//! brackets read as intra-doc links, raw HTML).

use proc_macro2::TokenStream;
use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};
use quote::quote;

/// How many rendered texts a thread remembers before it starts over.
const RENDERED_CACHE_LIMIT: usize = 4096;

thread_local! {
    /// Texts already rendered on this thread: the spec repeats descriptions (shared
    /// parameters, errors, replies) across operations, and rendering is a pure function.
    static RENDERED: std::cell::RefCell<std::collections::HashMap<String, String>> = std::cell::RefCell::default();
}

/// Rustdoc-safe markdown for `markdown`.
pub fn rustdoc_markdown(markdown: &str) -> String {
    if let Some(done) = RENDERED.with(|cache| cache.borrow().get(markdown).cloned()) {
        return done;
    }
    let rendered = render(markdown);
    RENDERED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.len() >= RENDERED_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(markdown.to_string(), rendered.clone());
    });
    rendered
}

/// Renders `markdown` (the work behind [`rustdoc_markdown`]).
fn render(markdown: &str) -> String {
    let mut events: Vec<Event<'_>> = Vec::new();
    let mut in_code = false;
    // Links rustdoc could resolve as intra-doc paths are replaced by their text.
    let mut dropped_links: Vec<bool> = Vec::new();
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parser = Parser::new_ext(markdown, options);
    for event in parser {
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code = true;
                events.push(Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(CowStr::Borrowed("text")))));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = false;
                events.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                let external = dest_url.contains("://") || dest_url.starts_with("mailto:");
                dropped_links.push(!external);
                if external {
                    events.push(Event::Start(Tag::Link { link_type: normal_link(link_type), dest_url, title, id }));
                }
            }
            Event::End(TagEnd::Link) => {
                if !dropped_links.pop().unwrap_or(true) {
                    events.push(Event::End(TagEnd::Link));
                }
            }
            Event::Start(Tag::Image { .. }) => dropped_links.push(true),
            Event::End(TagEnd::Image) => {
                dropped_links.pop();
            }
            Event::Text(text) if !in_code && dropped_links.is_empty() => push_text_with_autolinks(&mut events, text),
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::FootnoteReference(name) => events.push(Event::Text(name)),
            other => events.push(other),
        }
    }
    let mut out = String::new();
    if pulldown_cmark_to_cmark::cmark(events, &mut out, options).is_err() {
        return plain_fallback(markdown);
    }
    out
}

fn normal_link(link_type: LinkType) -> LinkType {
    match link_type {
        LinkType::Autolink | LinkType::Email => link_type,
        _ => LinkType::Inline,
    }
}

/// Splits bare `http(s)://` URLs out of text as autolinks (rustdoc warns on bare URLs).
fn push_text_with_autolinks<'a>(events: &mut Vec<Event<'a>>, text: CowStr<'a>) {
    let mut rest: &str = &text;
    let mut pieces: Vec<Event<'a>> = Vec::new();
    while let Some(start) = find_url(rest) {
        let (before, from_url) = rest.split_at(start);
        let end = from_url.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`')).unwrap_or(from_url.len());
        let url = from_url[..end].trim_end_matches(['.', ',', ';', ':', ')', '!', '?', '\'']);
        if !before.is_empty() {
            pieces.push(Event::Text(CowStr::from(before.to_string())));
        }
        let url_owned = url.to_string();
        pieces.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(url_owned.clone()),
            title: CowStr::Borrowed(""),
            id: CowStr::Borrowed(""),
        }));
        pieces.push(Event::Text(CowStr::from(url_owned)));
        pieces.push(Event::End(TagEnd::Link));
        rest = &from_url[url.len()..];
    }
    if pieces.is_empty() {
        events.push(Event::Text(text));
        return;
    }
    if !rest.is_empty() {
        pieces.push(Event::Text(CowStr::from(rest.to_string())));
    }
    events.extend(pieces);
}

fn find_url(text: &str) -> Option<usize> {
    let http = text.find("http://");
    let https = text.find("https://");
    match (http, https) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Plain text with every markdown-special character escaped, if rendering ever fails.
fn plain_fallback(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>#|!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `#[doc = "..."]` attributes for optional markdown (nothing when `None`).
pub fn doc_attrs(markdown: Option<&str>) -> TokenStream {
    match markdown {
        Some(text) if !text.trim().is_empty() => lines_to_attrs(&rustdoc_markdown(text)),
        _ => TokenStream::new(),
    }
}

/// `#[doc = "..."]` attributes for text that is already rustdoc markdown.
pub fn lines_to_attrs(text: &str) -> TokenStream {
    let mut attrs = TokenStream::new();
    let mut line_text = String::new();
    for line in text.trim_end().lines() {
        line_text.clear();
        if !line.is_empty() {
            line_text.push(' ');
            line_text.push_str(line);
        }
        let literal = proc_macro2::Literal::string(&line_text);
        attrs.extend(quote!(#[doc = #literal]));
    }
    attrs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_rendering_is_the_rendering_of_that_text() {
        let texts = ["See https://example.com/a. Then stop.", "Use [x](/#tag/x).", "See https://example.com/a. Then stop."];
        for text in texts {
            assert_eq!(rustdoc_markdown(text), render(text), "{text}");
        }
        assert_ne!(rustdoc_markdown(texts[0]), rustdoc_markdown(texts[1]));
    }

    #[test]
    fn code_blocks_become_text_blocks() {
        let out = rustdoc_markdown("Example:\n\n    curl -X POST x\n\nand\n\n```\nlet x = 1;\n```\n");
        let fences: Vec<&str> = out.lines().filter(|l| l.starts_with("```")).collect();
        assert_eq!(fences.len(), 4, "{out}");
        assert!(fences[0].ends_with("text") && fences[2].ends_with("text"), "{out}");
    }

    #[test]
    fn bare_urls_become_autolinks() {
        let out = rustdoc_markdown("See https://example.com/a_b. Then stop.");
        assert!(out.contains("<https://example.com/a_b>"), "{out}");
    }

    #[test]
    fn relative_links_keep_only_their_text() {
        let out = rustdoc_markdown("Use [the drivers](/#tag/drivers) or [docs](https://docs.example.com).");
        assert!(!out.contains("/#tag/drivers"), "{out}");
        assert!(out.contains("[docs](https://docs.example.com)"), "{out}");
    }

    #[test]
    fn html_and_brackets_are_escaped() {
        let out = rustdoc_markdown("Returns <b>bold</b> and [not_a_link] for `a<b>`");
        assert!(out.contains("\\<b>bold\\</b>"), "{out}");
        assert!(out.contains("\\[not_a_link\\]"), "{out}");
        assert!(out.contains("`a<b>`"), "{out}");
    }

    #[test]
    fn structure_survives() {
        let out = rustdoc_markdown("# Title\n\nPara one.\n\n* item a\n* item b\n\n##### Permissions\nMust have `manage_system`.");
        assert!(out.contains("# Title"), "{out}");
        assert!(out.contains("* item a") || out.contains("- item a"), "{out}");
        assert!(out.contains("##### Permissions"), "{out}");
    }
}
