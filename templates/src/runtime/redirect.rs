//! [`RedirectPolicy`]: which redirects the client follows itself. Credentials, bodies and
//! logins never cross origins.

use reqwest::{Method, StatusCode};
use url::Url;

/// Which HTTP redirects (301, 302, 303, 307, 308) a [`Client`](super::Client) follows.
///
/// The default follows redirects of GET and HEAD requests within the configured server's
/// origin (scheme, host and port), up to 5 hops, keeping the credentials. Every other
/// redirect ends the call with [`Error::Redirect`](super::Error::Redirect), which names the
/// `Location`: a request with a body is never re-sent elsewhere nor turned into a GET, and
/// the token never leaves the server's origin.
///
/// [`RedirectPolicy::follow_cross_origin`] also follows GET and HEAD redirects to other
/// origins (a CDN or object store serving files), sending them without the token; a login
/// or a `Token` header is never taken from another origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectPolicy {
    max_hops: u32,
    cross_origin: bool,
}

impl Default for RedirectPolicy {
    fn default() -> Self {
        RedirectPolicy {
            max_hops: 5,
            cross_origin: false,
        }
    }
}

/// What to do with one redirect.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum RedirectAction {
    /// Send the request again to this URL; `same_origin` says whether credentials go along.
    Follow { url: Url, same_origin: bool },
    /// End the call with [`Error::Redirect`](super::Error::Redirect).
    Refuse,
}

impl RedirectPolicy {
    /// A policy that follows no redirect.
    pub fn none() -> Self {
        RedirectPolicy {
            max_hops: 0,
            cross_origin: false,
        }
    }

    /// Sets how many redirects one call follows at most (default 5).
    pub fn max_hops(mut self, hops: u32) -> Self {
        self.max_hops = hops;
        self
    }

    /// Also follows GET and HEAD redirects to other origins, without credentials
    /// (default off).
    pub fn follow_cross_origin(mut self, enabled: bool) -> Self {
        self.cross_origin = enabled;
        self
    }

    /// Decides on a redirect of `method` to `target`, the `hops`th of the call, for a client
    /// of the server at `base`.
    pub(super) fn decide(&self, method: &Method, base: &Url, target: Url, hops: u32) -> RedirectAction {
        if hops >= self.max_hops || !matches!(*method, Method::GET | Method::HEAD) {
            return RedirectAction::Refuse;
        }
        if !matches!(target.scheme(), "http" | "https") {
            return RedirectAction::Refuse;
        }
        let same_origin = same_origin(base, &target);
        if same_origin || self.cross_origin {
            RedirectAction::Follow {
                url: target,
                same_origin,
            }
        } else {
            RedirectAction::Refuse
        }
    }
}

/// Whether `status` is a redirect that carries a `Location`.
pub(super) fn is_redirect(status: StatusCode) -> bool {
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// Whether two URLs share scheme, host and port.
pub(super) fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

/// `url` without its query and fragment, for error messages.
pub(super) fn display_location(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("constant URL")
    }

    #[test]
    fn follows_only_same_origin_reads() {
        let base = url("https://mm.example.com/sub/");
        let policy = RedirectPolicy::default();
        let same = url("https://mm.example.com/sub/api/v4/x");
        let other = url("https://evil.example.com/api/v4/x");
        assert_eq!(
            policy.decide(&Method::GET, &base, same.clone(), 0),
            RedirectAction::Follow { url: same.clone(), same_origin: true }
        );
        assert_eq!(policy.decide(&Method::POST, &base, same.clone(), 0), RedirectAction::Refuse);
        assert_eq!(policy.decide(&Method::GET, &base, other.clone(), 0), RedirectAction::Refuse);
        assert_eq!(policy.decide(&Method::GET, &base, same.clone(), 5), RedirectAction::Refuse);
        assert_eq!(
            policy.decide(&Method::GET, &base, url("http://mm.example.com/sub/x"), 0),
            RedirectAction::Refuse,
            "a scheme change is another origin"
        );
        let open = RedirectPolicy::default().follow_cross_origin(true);
        assert_eq!(
            open.decide(&Method::GET, &base, other.clone(), 0),
            RedirectAction::Follow { url: other, same_origin: false }
        );
        assert_eq!(RedirectPolicy::none().decide(&Method::GET, &base, same, 0), RedirectAction::Refuse);
    }
}
