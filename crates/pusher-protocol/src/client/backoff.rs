//! Reconnect delays: exponential growth with full jitter and a cap, from an
//! injected random source so tests are deterministic.
//!
//! pusher-js retries with no jitter (a dropped socket after exactly 1 s), so
//! a relay restart brings every client back in the same instant. Full jitter
//! (a uniform delay between zero and the exponential ceiling) spreads them.
//! Where the protocol demands a minimum wait (a busy server, 4100–4199),
//! the jitter is added on top of that floor instead.

use std::time::Duration;

/// A source of random numbers; the state machine never reads the OS's.
pub trait RandomSource {
    fn next_u64(&mut self) -> u64;
}

impl<F: FnMut() -> u64> RandomSource for F {
    fn next_u64(&mut self) -> u64 {
        self()
    }
}

/// SplitMix64: small, fast and good enough to spread reconnects. Seed it
/// from the OS (or a fixed seed in tests).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
}

impl RandomSource for SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Exponential backoff with full jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The ceiling of the first retry.
    pub base: Duration,
    /// No delay is ever longer than this.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The ceiling for retry number `attempt` (0-based): `min(cap, base·2^attempt)`.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// A uniformly random delay in `[0, ceiling(attempt)]`.
    pub fn delay(&self, attempt: u32, random: &mut dyn RandomSource) -> Duration {
        let ceiling = self.ceiling(attempt).as_nanos() as u64;
        if ceiling == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(random.next_u64() % (ceiling + 1))
    }

    /// `floor` plus a [`Self::delay`], at most the cap; never less than
    /// `floor`, even when the cap is below it, since the floor is what the
    /// server asked for and the cap only the client's preference.
    pub fn delay_at_least(
        &self,
        floor: Duration,
        attempt: u32,
        random: &mut dyn RandomSource,
    ) -> Duration {
        let jittered = floor.saturating_add(self.delay(attempt, random));
        jittered.min(self.cap).max(floor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(30),
        };
        let ceilings: Vec<u64> = (0..8).map(|a| b.ceiling(a).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(30));
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling() {
        let b = Backoff::default();
        let mut rng = SplitMix64::new(7);
        let delays: Vec<Duration> = (0..100).map(|_| b.delay(10, &mut rng)).collect();
        assert!(delays.iter().all(|d| *d <= b.cap));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 90, "delays are spread, not fixed");
    }

    #[test]
    fn a_floor_is_kept_and_jitter_added_on_top() {
        let b = Backoff::default();
        let floor = Duration::from_secs(1);
        // The lowest draw waits the floor, not zero.
        assert_eq!(b.delay_at_least(floor, 0, &mut || 0u64), floor);
        let mut rng = SplitMix64::new(3);
        for attempt in 0..40 {
            let d = b.delay_at_least(floor, attempt, &mut rng);
            assert!(d >= floor && d <= b.cap, "attempt {attempt}: {d:?}");
            assert!(d <= floor + b.ceiling(attempt), "attempt {attempt}: {d:?}");
        }
        // A cap below the floor gives way to it.
        let short = Backoff {
            base: Duration::from_millis(100),
            cap: Duration::from_millis(300),
        };
        assert_eq!(short.delay_at_least(floor, 5, &mut rng), floor);
    }

    #[test]
    fn the_extremes_of_the_random_source_stay_in_range() {
        let b = Backoff::default();
        assert_eq!(b.delay(0, &mut || 0u64), Duration::ZERO);
        assert!(b.delay(0, &mut || u64::MAX) <= Duration::from_secs(1));
        assert!(b.delay(40, &mut || u64::MAX) <= Duration::from_secs(30));
    }
}
