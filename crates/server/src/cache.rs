//! Small in-memory caches for lookups every request repeats: who a bearer
//! token belongs to, a user's role in a family, each timer as this
//! instance last wrote or read it, and which kitchen screens have had
//! their last-seen time written lately (so a board's requests do not each
//! turn into a write).
//!
//! Authentication and membership answers are cached only when positive,
//! and only briefly, so a new membership or session is seen at once. A
//! cached timer is only a hint: an action decided on it is written only
//! if the stored row is still exactly that copy (a guarded update), and
//! decided again on the stored row otherwise.
//!
//! Revocations made through this instance (sign-out, kiosk revoke) evict
//! at once; one made through another instance takes effect here
//! within [`AUTH_TTL`]. On SQLite every query is a round trip to a database
//! thread, so these save a third of a timer action's cost.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an authentication or membership answer is reused.
pub const AUTH_TTL: Duration = Duration::from_secs(1);

/// How often a kitchen screen's last-seen time is written, at most.
pub const KIOSK_SEEN_EVERY: Duration = Duration::from_secs(60);

/// Entries kept before the cache starts over (a crude bound, not an LRU).
const MAX_ENTRIES: usize = 50_000;

pub struct TtlCache<K, V> {
    map: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        Self {
            map: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(v, _)| v.clone())
    }

    pub fn insert(&self, key: K, value: V) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (value, Instant::now()));
    }

    pub fn remove(&self, key: &K) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    pub fn retain(&self, mut keep: impl FnMut(&K, &V) -> bool) {
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|k, (v, _)| keep(k, v));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_can_be_evicted() {
        let fresh = TtlCache::new(Duration::from_secs(60));
        fresh.insert("a", 1);
        fresh.insert("b", 2);
        assert_eq!(fresh.get(&"a"), Some(1));
        fresh.remove(&"a");
        assert_eq!(fresh.get(&"a"), None);
        fresh.retain(|_, v| *v != 2);
        assert_eq!(fresh.get(&"b"), None);
        let stale = TtlCache::new(Duration::ZERO);
        stale.insert("a", 1);
        assert_eq!(stale.get(&"a"), None);
    }
}
