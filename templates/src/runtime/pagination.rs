//! [`paginate`]: a lazy stream over the items of a paged endpoint, and [`page_size`].

use std::future::Future;

use futures_core::Stream;

use super::error::Result;

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
}

/// Streams the items of a paged endpoint, one page at a time.
///
/// `fetch(page, per_page)` loads one page (pages count from 0). A page is
/// fetched only when the consumer has taken every item of the previous one.
/// `per_page` is clamped to `1..=MAX_PER_PAGE`. The stream ends after an
/// empty page or a page shorter than `per_page`, and after yielding an
/// error once.
///
/// The stream is `Unpin`, and `Send` when `fetch` and its futures are.
pub fn paginate<'a, T, F, Fut>(
    per_page: u32,
    fetch: F,
) -> impl Stream<Item = Result<T>> + Unpin + 'a
where
    F: FnMut(u32, u32) -> Fut + 'a,
    Fut: Future<Output = Result<Vec<T>>> + 'a,
    T: 'a,
{
    let state = State {
        fetch,
        page: 0,
        per_page: per_page.clamp(1, MAX_PER_PAGE),
        buffered: Vec::new().into_iter(),
        done: false,
    };
    Box::pin(futures_util::stream::unfold(
        state,
        |mut state| async move {
            loop {
                if let Some(item) = state.buffered.next() {
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
