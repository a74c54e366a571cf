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
///   request), after the delay given by `Retry-After` or
///   `X-RateLimit-Reset` (seconds until the reset, or a unix timestamp),
///   or the backoff delay when neither is present. When the server asks for
///   a longer wait than [`RetryPolicy::max_rate_limit_wait`], the error is
///   returned at once instead of waiting.
/// * Connection errors, timeouts and HTTP 502/503/504 are retried with
///   exponential backoff, only for idempotent methods (GET, HEAD, PUT,
///   DELETE, OPTIONS, TRACE) unless
///   [`RetryPolicy::retry_non_idempotent`] is set. Even then, a timeout or
///   an error after the request was sent is not retried for other methods.
/// * A request whose body is a stream is never retried.
///
/// The default allows 2 retries, with a backoff of 200 ms doubled at each
/// retry and capped at 5 s (no jitter), and rate-limit waits up to 60 s.
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

    /// Sets the longest wait accepted for a rate limit (HTTP 429) to reset.
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

    /// The delay before sending again a request that failed as `failure`
    /// after `retries` retries, or `None` to give up.
    pub(super) fn retry_delay(
        &self,
        method: &Method,
        failure: Failure<'_>,
        retries: u32,
    ) -> Option<Duration> {
        if retries >= self.max_retries {
            return None;
        }
        let idempotent = is_idempotent(method);
        match failure {
            Failure::Status(StatusCode::TOO_MANY_REQUESTS, headers) => {
                let wait = rate_limit_wait(headers, SystemTime::now())
                    .unwrap_or_else(|| self.backoff(retries));
                (wait <= self.max_rate_limit_wait).then_some(wait)
            }
            Failure::Status(
                StatusCode::BAD_GATEWAY
                | StatusCode::SERVICE_UNAVAILABLE
                | StatusCode::GATEWAY_TIMEOUT,
                headers,
            ) if idempotent || self.retry_non_idempotent => {
                let backoff = self.backoff(retries);
                let asked = header_str(headers, RETRY_AFTER.as_str())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs)
                    .filter(|wait| *wait <= self.max_rate_limit_wait);
                Some(asked.map_or(backoff, |asked| asked.max(backoff)))
            }
            Failure::Status(..) => None,
            // A connection that could not be made: nothing was sent.
            Failure::Transport(e) if e.is_connect() => {
                (idempotent || self.retry_non_idempotent).then(|| self.backoff(retries))
            }
            // The request may have reached the server.
            Failure::Transport(e) if e.is_timeout() || e.is_request() => {
                idempotent.then(|| self.backoff(retries))
            }
            Failure::Transport(_) => None,
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

/// The wait a 429 response asks for, from `Retry-After` (seconds) or
/// `X-RateLimit-Reset`.
fn rate_limit_wait(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let now_unix = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    parse_rate_limit_wait(
        header_str(headers, RETRY_AFTER.as_str()),
        header_str(headers, "x-ratelimit-reset"),
        now_unix,
    )
}

fn parse_rate_limit_wait(
    retry_after: Option<&str>,
    reset: Option<&str>,
    now_unix: u64,
) -> Option<Duration> {
    if let Some(secs) = retry_after.and_then(|v| v.trim().parse::<u64>().ok()) {
        return Some(Duration::from_secs(secs));
    }
    let reset = reset.and_then(|v| v.trim().parse::<u64>().ok())?;
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
    fn rate_limit_headers() {
        assert_eq!(
            parse_rate_limit_wait(Some("3"), Some("9"), 0),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            parse_rate_limit_wait(None, Some("2"), 0),
            Some(Duration::from_secs(2))
        );
        let now = 1_700_000_000;
        assert_eq!(
            parse_rate_limit_wait(None, Some("1700000007"), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_rate_limit_wait(None, Some("1600000000"), now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_rate_limit_wait(Some("soon"), None, now), None);
        assert_eq!(parse_rate_limit_wait(None, None, now), None);
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
