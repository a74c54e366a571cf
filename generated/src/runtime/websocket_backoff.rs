// Copied by `cargo xtask regen` from templates/src/runtime/websocket_backoff.rs. Edit it there.

//! Reconnection delays of the WebSocket event stream: exponential, capped, with jitter.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

/// Exponential backoff between reconnection attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Backoff {
    /// Base delay before the first reconnection attempt.
    pub initial: Duration,
    /// Largest base delay.
    pub max: Duration,
}

impl Backoff {
    /// The base delay before attempt `attempt` (from 0): `initial * 2^attempt`, at most `max`.
    pub fn base(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.min(31));
        self.initial.saturating_mul(factor).min(self.max)
    }

    /// The delay before attempt `attempt` (from 0), with "equal jitter": half the base delay
    /// plus a random part of the other half, so that clients dropped together do not all come
    /// back at the same instant.
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.base(attempt);
        let half = base / 2;
        half + jitter(base - half)
    }
}

/// A pseudo-random duration in `[0, max]`; good enough to spread reconnections, not for secrets.
fn jitter(max: Duration) -> Duration {
    let nanos = u64::try_from(max.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(random_u64() % nanos.saturating_add(1))
}

/// 64 pseudo-random bits, for jitter and frame masks; not for secrets.
pub(super) fn random_u64() -> u64 {
    // `RandomState` is seeded from the OS once per thread and varies per instance.
    let mut hasher = RandomState::new().build_hasher();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    hasher.write_u32(now);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_doubles_and_caps() {
        let backoff = Backoff {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(30),
        };
        let bases: Vec<u64> = (0..9).map(|a| backoff.base(a).as_millis() as u64).collect();
        assert_eq!(bases, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
        assert_eq!(backoff.base(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn delay_is_jittered_within_half_and_full_base() {
        let backoff = Backoff {
            initial: Duration::from_millis(400),
            max: Duration::from_secs(30),
        };
        let delays: Vec<Duration> = (0..50).map(|_| backoff.delay(1)).collect();
        for delay in &delays {
            assert!(
                *delay >= Duration::from_millis(400) && *delay <= Duration::from_millis(800),
                "{delay:?}"
            );
        }
        assert!(delays.iter().any(|d| *d != delays[0]), "no jitter");
        let zero = Backoff {
            initial: Duration::ZERO,
            max: Duration::ZERO,
        };
        assert_eq!(zero.delay(3), Duration::ZERO);
    }
}
