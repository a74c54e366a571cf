// Copied by `cargo xtask regen` from templates/src/runtime/retry.rs. Edit it there.

//! [`RetryPolicy`]: when and how long to wait before sending a request again.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};

/// `X-RateLimit-Reset` values above this are unix timestamps, not delays.
const UNIX_TIMESTAMP_THRESHOLD: u64 = 1_000_000_000;

/// When failed requests are sent again.
///
/// * HTTP 429 is retried for every method (the server did not process the
///   request), after the wait the server asks for: `Retry-After` (seconds or
///   an HTTP date) or `X-RateLimit-Reset` (seconds until the reset, or a unix
///   timestamp); the backoff delay when it asks for none.
/// * Connection errors, timeouts and HTTP 502/503/504 are retried with
///   exponential backoff, only for idempotent methods (GET, HEAD, PUT,
///   DELETE, OPTIONS, TRACE) unless
///   [`RetryPolicy::retry_non_idempotent`] is set. Even then, a timeout or
///   an error after the request was sent is not retried for other methods.
///   A 503 with `Retry-After` waits as asked.
/// * The waits a server asks for add up, per call, to at most
///   [`RetryPolicy::max_rate_limit_wait`], and every wait must end before the
///   call's deadline: when the server asks for more, the error is returned at
///   once, with [`ApiError::retry_after`](super::ApiError::retry_after) set.
/// * A request whose body is a stream is never retried.
///
/// The default allows 2 retries, with a backoff of 200 ms doubled at each
/// retry and capped at 5 s (no jitter), and server-requested waits of up to
/// 60 s per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_rate_limit_wait: Duration,
    retry_non_idempotent: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            max_rate_limit_wait: Duration::from_secs(60),
            retry_non_idempotent: false,
        }
    }
}

/// What the server did with a request, as far as retrying is concerned.
pub(super) enum Failure<'a> {
    /// A response with a non-success status.
    Status(StatusCode, &'a HeaderMap),
    /// A transport error.
    Transport(&'a reqwest::Error),
    /// The attempt ran out of time; `sent` when the request may have reached
    /// the server (not for a connect timeout).
    Timeout {
        /// Whether the request may have reached the server.
        sent: bool,
    },
    /// A failure that is never retried.
    Final,
}

/// A wait before the next attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Wait {
    /// How long.
    pub delay: Duration,
    /// Whether the server asked for it (it then counts against
    /// [`RetryPolicy::max_rate_limit_wait`]).
    pub asked_by_server: bool,
}

impl Wait {
    fn backoff(delay: Duration) -> Wait {
        Wait {
            delay,
            asked_by_server: false,
        }
    }

    fn asked(delay: Duration) -> Wait {
        Wait {
            delay,
            asked_by_server: true,
        }
    }
}

impl RetryPolicy {
    /// The default policy.
    pub fn new() -> Self {
        RetryPolicy::default()
    }

    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy::default().max_retries(0)
    }

    /// Sets how many times a request may be sent again (0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Sets the delay before the first retry; it doubles at each retry.
    pub fn initial_backoff(mut self, delay: Duration) -> Self {
        self.initial_backoff = delay;
        self
    }

    /// Sets the longest backoff delay.
    pub fn max_backoff(mut self, delay: Duration) -> Self {
        self.max_backoff = delay;
        self
    }

    /// Sets the longest time one call spends in waits the server asked for
    /// (HTTP 429 and 503 with `Retry-After`), all of them together.
    pub fn max_rate_limit_wait(mut self, wait: Duration) -> Self {
        self.max_rate_limit_wait = wait;
        self
    }

    /// Also retries POST and PATCH after connection errors and HTTP
    /// 502/503/504, at the risk of applying them twice.
    pub fn retry_non_idempotent(mut self, enabled: bool) -> Self {
        self.retry_non_idempotent = enabled;
        self
    }

    /// How many times a request may be sent again.
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The backoff delay before retry number `retry` (from 0).
    pub(super) fn backoff(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.initial_backoff
            .checked_mul(factor)
            .unwrap_or(self.max_backoff)
            .min(self.max_backoff)
    }

    /// The longest time one call spends in waits the server asked for.
    pub(super) fn rate_limit_budget(&self) -> Duration {
        self.max_rate_limit_wait
    }

    /// The wait before sending again a request that failed as `failure`
    /// after `retries` retries, or `None` to give up.
    pub(super) fn retry_delay(
        &self,
        method: &Method,
        failure: Failure<'_>,
        retries: u32,
    ) -> Option<Wait> {
        if retries >= self.max_retries {
            return None;
        }
        let idempotent = is_idempotent(method);
        let backoff = Wait::backoff(self.backoff(retries));
        match failure {
            Failure::Status(StatusCode::TOO_MANY_REQUESTS, headers) => {
                Some(server_wait(headers, SystemTime::now()).map_or(backoff, Wait::asked))
            }
            Failure::Status(StatusCode::SERVICE_UNAVAILABLE, headers)
                if idempotent || self.retry_non_idempotent =>
            {
                Some(server_wait(headers, SystemTime::now()).map_or(backoff, Wait::asked))
            }
            Failure::Status(StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT, _)
                if idempotent || self.retry_non_idempotent =>
            {
                Some(backoff)
            }
            Failure::Status(..) => None,
            // A connection that could not be made: nothing was sent.
            Failure::Transport(e) if e.is_connect() => {
                (idempotent || self.retry_non_idempotent).then_some(backoff)
            }
            // The request may have reached the server.
            Failure::Transport(e) if e.is_timeout() || e.is_request() => {
                idempotent.then_some(backoff)
            }
            Failure::Timeout { sent: false } => {
                (idempotent || self.retry_non_idempotent).then_some(backoff)
            }
            Failure::Timeout { sent: true } => idempotent.then_some(backoff),
            Failure::Transport(_) | Failure::Final => None,
        }
    }
}

/// Methods that can be applied twice with the effect of once (RFC 9110).
fn is_idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS | Method::TRACE
    )
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The wait a response asks for, from `Retry-After` (seconds or an HTTP
/// date) or `X-RateLimit-Reset` (seconds, or a unix timestamp).
pub(super) fn server_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    parse_server_wait(
        header_str(headers, RETRY_AFTER.as_str()),
        header_str(headers, "x-ratelimit-reset"),
        now,
    )
}

fn parse_server_wait(
    retry_after: Option<&str>,
    reset: Option<&str>,
    now: SystemTime,
) -> Option<Duration> {
    if let Some(value) = retry_after.map(str::trim) {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(Duration::from_secs(secs));
        }
        if let Ok(at) = httpdate::parse_http_date(value) {
            return Some(at.duration_since(now).unwrap_or(Duration::ZERO));
        }
    }
    let reset = reset.and_then(|v| v.trim().parse::<u64>().ok())?;
    let now_unix = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let secs = if reset > UNIX_TIMESTAMP_THRESHOLD {
        reset.saturating_sub(now_unix)
    } else {
        reset
    };
    Some(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(0), Duration::from_millis(200));
        assert_eq!(p.backoff(1), Duration::from_millis(400));
        assert_eq!(p.backoff(4), Duration::from_millis(3200));
        assert_eq!(p.backoff(5), Duration::from_secs(5));
        assert_eq!(p.backoff(1000), Duration::from_secs(5));
    }

    #[test]
    fn server_wait_headers() {
        let epoch = |secs: u64| UNIX_EPOCH + Duration::from_secs(secs);
        let at = |secs: u64| epoch(1_700_000_000 + secs);
        let now = at(0);
        assert_eq!(
            parse_server_wait(Some("3"), Some("9"), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_server_wait(None, Some("2"), now),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            parse_server_wait(None, Some("1700000007"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_server_wait(None, Some("1600000000"), now),
            Some(Duration::ZERO)
        );
        let date = httpdate::fmt_http_date(at(120));
        assert_eq!(
            parse_server_wait(Some(&date), None, now),
            Some(Duration::from_secs(120))
        );
        let past = httpdate::fmt_http_date(epoch(1_600_000_000));
        assert_eq!(parse_server_wait(Some(&past), None, now), Some(Duration::ZERO));
        assert_eq!(parse_server_wait(Some("soon"), None, now), None);
        assert_eq!(parse_server_wait(None, None, now), None);
    }

    #[test]
    fn status_rules() {
        let p = RetryPolicy::default();
        let h = HeaderMap::new();
        let unavailable = || Failure::Status(StatusCode::SERVICE_UNAVAILABLE, &h);
        assert!(p.retry_delay(&Method::GET, unavailable(), 0).is_some());
        assert!(p.retry_delay(&Method::GET, unavailable(), 2).is_none());
        assert!(p.retry_delay(&Method::POST, unavailable(), 0).is_none());
        assert!(p
            .clone()
            .retry_non_idempotent(true)
            .retry_delay(&Method::POST, unavailable(), 0)
            .is_some());
        assert!(p
            .retry_delay(
                &Method::POST,
                Failure::Status(StatusCode::TOO_MANY_REQUESTS, &h),
                0
            )
            .is_some());
        assert!(p
            .retry_delay(
                &Method::GET,
                Failure::Status(StatusCode::INTERNAL_SERVER_ERROR, &h),
                0
            )
            .is_none());
        assert!(RetryPolicy::none()
            .retry_delay(&Method::GET, unavailable(), 0)
            .is_none());
    }
}
