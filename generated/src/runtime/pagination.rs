// Copied by `cargo xtask regen` from templates/src/runtime/pagination.rs. Edit it there.

//! [`paginate`]: a lazy stream over the items of a paged endpoint, and [`page_size`].

use std::collections::HashSet;
use std::future::Future;
use std::hash::{Hash, Hasher};

use futures_core::Stream;
use serde::Serialize;

use super::client::Client;
use super::error::{Error, Result};

/// The largest `per_page` the Mattermost server accepts.
pub const MAX_PER_PAGE: u32 = 200;

/// The page size for [`paginate`] from a builder's optional `per_page`: the
/// value if it is set and fits in a `u32`, else [`MAX_PER_PAGE`]
/// (`paginate` clamps it to `1..=MAX_PER_PAGE`).
pub fn page_size<N: TryInto<u32>>(requested: Option<N>) -> u32 {
    requested
        .and_then(|n| n.try_into().ok())
        .unwrap_or(MAX_PER_PAGE)
}

struct State<T, F> {
    fetch: F,
    page: u32,
    per_page: u32,
    buffered: std::vec::IntoIter<T>,
    done: bool,
    /// Items still allowed, when limited.
    remaining: Option<u64>,
    /// Fingerprints of the pages seen so far.
    seen: HashSet<u64>,
}

/// Streams the items of a paged endpoint, one page at a time.
///
/// `fetch(page, per_page)` loads one page (pages count from 0). A page is
/// fetched only when the consumer has taken every item of the previous one.
/// `per_page` is clamped to `1..=MAX_PER_PAGE`. The stream ends after an
/// empty page or a page shorter than `per_page`, after
/// [`ClientBuilder::max_stream_items`](super::ClientBuilder::max_stream_items)
/// items, and after yielding an error once. A full page with the same items
/// as an earlier one (a server that ignores paging) is
/// [`Error::Pagination`], so such a server cannot make the stream endless.
///
/// The stream is `Unpin`, and `Send` when `fetch` and its futures are.
pub fn paginate<'a, T, F, Fut>(
    client: &Client,
    per_page: u32,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Unpin + 'a
where
    F: FnMut(u32, u32) -> Fut + 'a,
    Fut: Future<Output = Result<Vec<T>>> + 'a,
    T: Serialize + 'a,
{
    let state = State {
        fetch,
        page: 0,
        per_page: per_page.clamp(1, MAX_PER_PAGE),
        buffered: Vec::new().into_iter(),
        done: false,
        remaining: client.max_stream_items(),
        seen: HashSet::new(),
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if state.remaining == Some(0) {
                    return None;
                }
                if let Some(item) = state.buffered.next() {
                    state.remaining = state.remaining.map(|n| n - 1);
                    return Some((Ok(item), state));
                }
                if state.done {
                    return None;
                }
                let page = (state.fetch)(state.page, state.per_page).await;
                match page {
                    Ok(items) => {
                        // usize -> u64 cannot truncate on supported targets.
                        state.done = (items.len() as u64) < u64::from(state.per_page);
                        if !items.is_empty() && !state.seen.insert(fingerprint(&items)) {
                            state.done = true;
                            let error = Error::Pagination {
                                page: state.page,
                                reason: "the server sent the same items as for an earlier page; it may ignore paging".into(),
                            };
                            return Some((Err(error), state));
                        }
                        state.page = state.page.saturating_add(1);
                        state.buffered = items.into_iter();
                    }
                    Err(e) => {
                        state.done = true;
                        return Some((Err(e), state));
                    }
                }
            }
        },
    ))
}

/// A hash of a page's items as JSON.
fn fingerprint<T: Serialize>(items: &[T]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    // A page that cannot be serialised hashes as empty; it is then only
    // compared by its length.
    serde_json::to_vec(items).unwrap_or_default().hash(&mut hasher);
    items.len().hash(&mut hasher);
    hasher.finish()
}
