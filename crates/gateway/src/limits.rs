//! Protection from clients that send too much: a token bucket per sender, and logging that says
//! each kind of trouble from each sender once (then how often it recurred), not once per packet.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Token buckets, one per key (a device MN, a token's label).
pub struct RateLimiter {
    rate_per_s: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate_per_s` sustained, `burst` at once.
    pub fn new(rate_per_s: f64, burst: f64) -> Self {
        RateLimiter { rate_per_s, burst, buckets: Mutex::new(HashMap::new()) }
    }

    /// The most one request may take.
    pub fn burst(&self) -> f64 {
        self.burst
    }

    /// Takes `cost` from `key`'s bucket; `Err(wait)` when it does not hold that much (nothing is
    /// taken then), with how long until it would.
    pub fn take(&self, key: &str, cost: f64) -> Result<(), Duration> {
        let now = Instant::now();
        let mut buckets = match self.buckets.lock() {
            Ok(b) => b,
            Err(p) => p.into_inner(),
        };
        if buckets.len() > 100_000 {
            // Keys are senders that authenticated; this many means forgotten ones: start afresh.
            buckets.clear();
        }
        let (level, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *level = (*level + now.duration_since(*at).as_secs_f64() * self.rate_per_s).min(self.burst);
        *at = now;
        if cost <= *level {
            *level -= cost;
            Ok(())
        } else {
            let short = (cost.min(self.burst) - *level).max(0.0);
            Err(Duration::from_secs_f64((short / self.rate_per_s).max(0.001)))
        }
    }
}

/// Logs a (cause, sender) pair the first time it happens; later repeats are counted and reported
/// by [`LogOnce::summary`].
#[derive(Default)]
pub struct LogOnce {
    seen: Mutex<HashMap<(String, String), u64>>,
}

impl LogOnce {
    /// Whether this is the first time of `cause` from `sender` (log it then).
    pub fn first(&self, cause: &str, sender: &str) -> bool {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        if seen.len() > 10_000 {
            seen.clear();
        }
        let n = seen.entry((cause.to_string(), sender.to_string())).or_insert(0);
        *n += 1;
        *n == 1
    }

    /// The repeats since the last summary, (cause, sender, count), and forgets them (so a cause
    /// that recurs later is logged again).
    pub fn summary(&self) -> Vec<(String, String, u64)> {
        let mut seen = match self.seen.lock() {
            Ok(s) => s,
            Err(p) => p.into_inner(),
        };
        let out = seen.iter().filter(|(_, n)| **n > 1).map(|((c, s), n)| (c.clone(), s.clone(), n - 1)).collect();
        seen.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_lends_its_burst_then_its_rate() {
        let l = RateLimiter::new(10.0, 5.0);
        for _ in 0..5 {
            assert!(l.take("a", 1.0).is_ok());
        }
        let wait = l.take("a", 1.0).unwrap_err();
        assert!(wait <= Duration::from_millis(110), "{wait:?}");
        // Another sender has its own bucket.
        assert!(l.take("b", 5.0).is_ok());
        // More than the burst never fits.
        assert!(l.take("c", 6.0).is_err());
        std::thread::sleep(Duration::from_millis(120));
        assert!(l.take("a", 1.0).is_ok());
    }

    #[test]
    fn a_cause_is_logged_once_per_sender_and_counted_after() {
        let log = LogOnce::default();
        assert!(log.first("crc", "MN1"));
        assert!(!log.first("crc", "MN1"));
        assert!(!log.first("crc", "MN1"));
        assert!(log.first("crc", "MN2"));
        assert!(log.first("pw", "MN1"));
        assert_eq!(log.summary(), vec![("crc".to_string(), "MN1".to_string(), 2)]);
        assert!(log.first("crc", "MN1"));
    }
}
