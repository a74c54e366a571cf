// Copied by `cargo xtask regen` from templates/src/runtime/pagination.rs. Edit it there.

//! Paged listings as streams of items: [`stream_pages`] follows any paging scheme (page
//! numbers, cursors) one request at a time; [`paginate`] is the page-number scheme for
//! hand-written calls.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures_core::Stream;

use super::client::Client;
use super::error::{Error, Result};

/// The largest `per_page` the Mattermost server accepts.
pub const MAX_PER_PAGE: u32 = 200;

// `page_size_for` builds the page size from a `u8`, which every integer parameter type has.
const _: () = assert!(MAX_PER_PAGE <= u8::MAX as u32);

/// One page of a paged reply: its items, and the request that asks for the next page
/// (`None` on the last page).
#[derive(Debug, Clone)]
pub struct Page<T, R> {
    /// The page's items, in the server's order.
    pub items: Vec<T>,
    /// The request for the next page, when there may be one.
    pub next: Option<R>,
}

/// The page size for [`paginate`] from a builder's optional `per_page`: the
/// value if it is set and fits in a `u32`, else [`MAX_PER_PAGE`]
/// (`paginate` clamps it to `1..=MAX_PER_PAGE`).
pub fn page_size<N: TryInto<u32>>(requested: Option<N>) -> u32 {
    requested
        .and_then(|n| n.try_into().ok())
        .unwrap_or(MAX_PER_PAGE)
}

/// The page size a generated stream asks for, in the type of the operation's own page-size
/// parameter: `requested` clamped to `1..=max` (`max` is the operation's largest page size,
/// at most [`MAX_PER_PAGE`]), or `max` when unset or out of range.
pub fn page_size_for<N: Copy + TryInto<u32> + From<u8>>(requested: Option<N>, max: u8) -> N {
    let max = u32::from(max).clamp(1, MAX_PER_PAGE);
    let size = requested.and_then(|n| n.try_into().ok()).unwrap_or(max).clamp(1, max);
    N::from(u8::try_from(size).unwrap_or(u8::MAX))
}

/// Whether a page of `len` items is full for a page size of `size`, so another page may follow.
pub fn is_full_page<N: TryInto<u32>>(len: usize, size: N) -> bool {
    // usize -> u64 cannot truncate on supported targets.
    size.try_into().map_or(true, |size| len as u64 >= u64::from(size))
}

struct State<T, R, F> {
    fetch: F,
    next: Option<R>,
    /// Pages fetched so far.
    page: u32,
    buffered: std::vec::IntoIter<T>,
    /// Items still allowed, when limited.
    remaining: Option<u64>,
    /// Fingerprints of the pages seen so far.
    seen: HashSet<u64>,
}

/// Streams the items of a paged endpoint, one page at a time, whatever its paging scheme.
///
/// `fetch(request)` sends one request and returns its [`Page`]: the items and the request for
/// the next page, which `fetch` builds from the reply (the next page number, or a cursor from
/// the last item). A page is fetched only when the consumer has taken every item of the
/// previous one. The stream ends after a page without a next request, after
/// [`ClientBuilder::max_stream_items`](super::ClientBuilder::max_stream_items) items, and after
/// yielding an error once. A page with the same items as an earlier one (a server that
/// ignores the page or cursor) is [`Error::Pagination`], so such a server cannot make the
/// stream endless.
///
/// The stream is `Unpin`, and `Send` when `fetch`, its futures and the requests are.
pub fn stream_pages<'a, T, R, F, Fut>(client: &Client, first: R, fetch: F) -> impl Stream<Item = Result<T>> + Unpin + 'a
where
    F: FnMut(R) -> Fut + 'a,
    Fut: Future<Output = Result<Page<T, R>>> + 'a,
    T: fmt::Debug + 'a,
    R: 'a,
{
    let state = State {
        fetch,
        next: Some(first),
        page: 0,
        buffered: Vec::new().into_iter(),
        remaining: client.max_stream_items(),
        seen: HashSet::new(),
    };
    Box::pin(futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if state.remaining == Some(0) {
                return None;
            }
            if let Some(item) = state.buffered.next() {
                state.remaining = state.remaining.map(|n| n - 1);
                return Some((Ok(item), state));
            }
            let request = state.next.take()?;
            match (state.fetch)(request).await {
                Ok(page) => {
                    if !page.items.is_empty() && !state.seen.insert(fingerprint(&page.items)) {
                        let error = Error::Pagination {
                            page: state.page,
                            reason: "the server sent the same items as for an earlier page; it may ignore paging".into(),
                        };
                        return Some((Err(error), state));
                    }
                    // An empty page is the end, whatever the reply says.
                    state.next = page.next.filter(|_| !page.items.is_empty());
                    state.page = state.page.saturating_add(1);
                    state.buffered = page.items.into_iter();
                }
                Err(e) => return Some((Err(e), state)),
            }
        }
    }))
}

/// Streams the items of a page-number endpoint, one page at a time.
///
/// `fetch(page, per_page)` loads one page (pages count from 0), both in the integer type of
/// `per_page`, the type of the endpoint's own parameters (`i64` for the generated builders'
/// setters, so no conversion is needed); `per_page` is clamped to `1..=MAX_PER_PAGE`. The
/// stream ends after an empty page or a page shorter than `per_page`, and otherwise as
/// [`stream_pages`] says. Generated operations have `.stream()` on their builders; this is for
/// endpoints called by hand.
pub fn paginate<'a, T, N, F, Fut>(client: &Client, per_page: N, fetch: F) -> impl Stream<Item = Result<T>> + Unpin + 'a
where
    N: Copy + TryInto<u32> + TryFrom<u32> + From<u8> + 'a,
    F: FnMut(N, N) -> Fut + 'a,
    Fut: Future<Output = Result<Vec<T>>> + 'a,
    T: fmt::Debug + 'a,
{
    let per_page: N = page_size_for(Some(per_page), u8::try_from(MAX_PER_PAGE).unwrap_or(u8::MAX));
    let mut fetch = fetch;
    stream_pages(client, 0u32, move |page| {
        // A page number beyond `N`'s range ends the stream.
        let items = N::try_from(page).ok().map(|number| fetch(number, per_page));
        async move {
            let Some(items) = items else { return Ok(Page { items: Vec::new(), next: None }) };
            let items = items.await?;
            let next = is_full_page(items.len(), per_page).then(|| page.saturating_add(1));
            Ok(Page { items, next })
        }
    })
}

/// A hash of a page's items, through their `Debug` text (every model has `Debug`; a model's
/// secrets print as `<redacted>`, so items that differ only there hash alike). No text is
/// kept: it is hashed as it is written.
fn fingerprint<T: fmt::Debug>(items: &[T]) -> u64 {
    struct HashWriter(std::collections::hash_map::DefaultHasher);
    impl fmt::Write for HashWriter {
        fn write_str(&mut self, text: &str) -> fmt::Result {
            self.0.write(text.as_bytes());
            Ok(())
        }
    }
    let mut writer = HashWriter(std::collections::hash_map::DefaultHasher::new());
    // Writing to a hasher cannot fail; a `Debug` that fails leaves what it wrote so far.
    let _ = fmt::Write::write_fmt(&mut writer, format_args!("{items:?}"));
    items.len().hash(&mut writer.0);
    writer.0.finish()
}
