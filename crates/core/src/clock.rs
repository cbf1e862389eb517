//! Time: the [`Clock`] the core reads wall time from (a trait so tests can
//! run on tokio's paused clock), and [`OffsetEstimator`], which estimates
//! how far the server's clock is from ours.
//!
//! Offsets follow the UI's convention: `server = local + offset`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall time in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_ms(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// Wall time that advances with tokio's clock from a fixed start, so a test
/// with `tokio::time::pause()` moves wall time and timers together.
#[derive(Debug, Clone, Copy)]
pub struct TokioClock {
    start_ms: i64,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// Wall time `start_ms` now; call inside a runtime.
    pub fn starting_at(start_ms: i64) -> Self {
        Self {
            start_ms,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> i64 {
        let elapsed = tokio::time::Instant::now().duration_since(self.start);
        self.start_ms + i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
    }
}

/// The system clock, shared.
pub fn system() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// One exchange with the server: when we sent, how long it took, and the
/// `serverTime` it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetSample {
    pub sent_ms: i64,
    pub rtt_ms: i64,
    pub server_ms: i64,
}

impl OffsetSample {
    /// The server stamped its reply somewhere inside the round trip; the
    /// middle is the best guess, wrong by at most half the round trip.
    pub fn offset_ms(&self) -> i64 {
        self.server_ms - (self.sent_ms + self.rtt_ms / 2)
    }
}

/// Keeps the sample with the lowest round trip, since its error bound
/// (rtt/2) is the tightest. Clocks drift, so a sample's bound grows with its
/// age (50 ppm, a common quartz tolerance): a fresh sample with a slightly
/// longer round trip eventually replaces an old one.
#[derive(Debug, Clone, Default)]
pub struct OffsetEstimator {
    best: Option<OffsetSample>,
}

/// Drift allowance: 50 µs of uncertainty per second of age.
const DRIFT_PPM: i64 = 50;

impl OffsetEstimator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a sample; returns whether it became the estimate.
    pub fn record(&mut self, sample: OffsetSample) -> bool {
        let better = match self.best {
            None => true,
            Some(best) => {
                let age_ms = (sample.sent_ms - best.sent_ms).max(0);
                let aged_rtt = best.rtt_ms + age_ms * DRIFT_PPM / 1_000_000 * 2;
                sample.rtt_ms <= aged_rtt
            }
        };
        if better {
            self.best = Some(sample);
        }
        better
    }

    /// `server − local` in ms, once any reply has been seen.
    pub fn offset_ms(&self) -> Option<i64> {
        self.best.map(|s| s.offset_ms())
    }

    pub fn best(&self) -> Option<OffsetSample> {
        self.best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(sent_ms: i64, rtt_ms: i64, server_ms: i64) -> OffsetSample {
        OffsetSample {
            sent_ms,
            rtt_ms,
            server_ms,
        }
    }

    #[test]
    fn the_offset_is_measured_from_the_middle_of_the_round_trip() {
        // Sent at 1000 local, answered 40 ms later, stamped 5020 by the
        // server: the server read its clock at ~1020 local, so +4000.
        assert_eq!(sample(1_000, 40, 5_020).offset_ms(), 4_000);
        // A server behind us gives a negative offset.
        assert_eq!(sample(10_000, 10, 9_005).offset_ms(), -1_000);
    }

    #[test]
    fn the_lowest_round_trip_wins() {
        let mut e = OffsetEstimator::new();
        assert_eq!(e.offset_ms(), None);
        assert!(e.record(sample(1_000, 100, 1_550)));
        assert_eq!(e.offset_ms(), Some(500));
        assert!(e.record(sample(2_000, 10, 2_505)));
        assert_eq!(e.offset_ms(), Some(500));
        // A slow reply right after does not displace the fast one…
        assert!(!e.record(sample(3_000, 300, 3_900)));
        assert_eq!(e.best().unwrap().rtt_ms, 10);
        // …and neither does a sample whose reply took long.
        assert!(!e.record(sample(3_100, 11, 3_700)));
    }

    #[test]
    fn an_old_sample_gives_way_as_its_uncertainty_grows() {
        let mut e = OffsetEstimator::new();
        e.record(sample(0, 10, 1_005));
        // One hour later 50 ppm is 180 ms of drift each way: a 20 ms sample wins.
        assert!(e.record(sample(3_600_000, 20, 3_600_000 + 700 + 10)));
        assert_eq!(e.offset_ms(), Some(700));
    }

    #[tokio::test(start_paused = true)]
    async fn the_tokio_clock_follows_paused_time() {
        let clock = TokioClock::starting_at(1_000);
        assert_eq!(clock.now_ms(), 1_000);
        tokio::time::advance(std::time::Duration::from_millis(2_500)).await;
        assert_eq!(clock.now_ms(), 3_500);
    }
}
