//! How often a secret may be guessed: attempts at a password (per account
//! and per address), at the parent PIN (per family), and at pairing and
//! invite codes (per address), counted in the database so that every
//! instance of the server shares one count.
//!
//! An attempt is *reserved* before its secret is checked, in one
//! conditional update, so parallel guesses cannot all read the same count.
//! The attempt that uses up a round ([`Scope::allowed`]) locks the key at
//! once for the next span of the ladder ([`AccessPolicy::lockouts`]: 1, 5,
//! 15 and 60 minutes by default), growing with each lockout until a day
//! passes quietly. A right secret then either clears the key (an account's
//! password, the PIN: the owner proved themselves) or only gives its own
//! attempt back (an address: an attacker's own account signing in must not
//! wipe that address's failures).

use std::net::IpAddr;
use std::time::Duration;

use crate::clock::now_ms;
use crate::config::AccessPolicy;
use crate::error::ApiError;
use crate::ids::token_hash;
use crate::state::AppState;

/// Failures count towards a lockout until the key has been quiet this long.
const QUIET_RESETS_ROUND: Duration = Duration::from_secs(15 * 60);
/// The ladder starts again from its first span after a quiet day.
const QUIET_RESETS_LADDER: Duration = Duration::from_secs(24 * 3600);

/// What is being guessed, and by whom.
#[derive(Debug, Clone)]
pub enum Scope<'a> {
    /// A password of the account with this email, from anywhere.
    Account { email: &'a str },
    /// Passwords of any account, from this address.
    SignInFrom(IpAddr),
    /// The family's parent PIN, from any of its screens.
    Pin { family_id: &'a str },
    /// Kitchen-screen pairing codes, from this address.
    PairingFrom(IpAddr),
    /// Invite codes, from this address.
    InviteFrom(IpAddr),
}

impl Scope<'_> {
    /// Attempts in a round before the key locks.
    pub fn allowed(&self) -> i64 {
        match self {
            Self::Account { .. } | Self::Pin { .. } => 5,
            Self::SignInFrom(_) => 20,
            Self::PairingFrom(_) | Self::InviteFrom(_) => 10,
        }
    }

    /// The row's key. Emails are hashed (bounded length, and the table
    /// then names no one); an IPv6 address counts by its /64, which one
    /// household or attacker is usually handed whole.
    fn key(&self) -> String {
        match self {
            Self::Account { email } => {
                format!(
                    "account:{}",
                    &token_hash(&email.trim().to_lowercase())[..32]
                )
            }
            Self::SignInFrom(ip) => format!("sign-in:{}", address_key(*ip)),
            // `load_family` reads this key to tell screens the PIN is locked.
            Self::Pin { family_id } => format!("pin:{family_id}"),
            Self::PairingFrom(ip) => format!("pairing:{}", address_key(*ip)),
            Self::InviteFrom(ip) => format!("invite:{}", address_key(*ip)),
        }
    }

    /// Whether a right answer clears the key or only refunds its attempt.
    fn cleared_by_success(&self) -> bool {
        matches!(self, Self::Account { .. } | Self::Pin { .. })
    }

    fn refusal(&self, retry_after: Duration) -> ApiError {
        let wait = describe_wait(retry_after);
        let message = match self {
            Self::Account { .. } => {
                format!("too many wrong passwords for this account; try again in {wait}")
            }
            Self::Pin { .. } => format!("too many wrong PINs; try again in {wait}"),
            Self::SignInFrom(_) | Self::PairingFrom(_) | Self::InviteFrom(_) => {
                format!("too many failed attempts from this address; try again in {wait}")
            }
        };
        ApiError::TooManyAttempts {
            message,
            retry_after,
        }
    }
}

fn address_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// "45 seconds", "5 minutes", rounded up.
fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
    if secs < 90 {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    } else {
        let minutes = secs.div_ceil(60);
        format!("{minutes} minutes")
    }
}

/// A lockout that an attempt's failure started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    /// When the key opens again (ms epoch).
    pub until: i64,
}

/// One reserved attempt: report how it went.
#[must_use = "an attempt is settled with succeeded() or failed()"]
#[derive(Debug)]
pub struct Attempt {
    key: String,
    cleared_by_success: bool,
    /// This attempt used up the round and locked the key.
    locked_until: Option<i64>,
}

/// Reserves one attempt in `scope`, or refuses with 429 and when to come
/// back while the key is locked.
pub async fn reserve(state: &AppState, scope: &Scope<'_>) -> Result<Attempt, ApiError> {
    let key = scope.key();
    let now = now_ms();
    let policy = &state.access;
    // A new key starts quiet as of now (never "quiet for a day", which
    // pruning would take for a row to forget before it is used).
    sqlx::query(
        "INSERT INTO attempts (scope_key, failures, lockouts, last_at, locked_until) \
         VALUES ($1, 0, 0, $2, 0) ON CONFLICT (scope_key) DO NOTHING",
    )
    .bind(&key)
    .bind(now)
    .execute(&state.db.writer)
    .await?;
    // $2 now, $3 the round's quiet limit, $4 the ladder's, $5 attempts
    // allowed, $6..$9 the ladder's spans. SET sees the row's old values, so
    // the new count and level are spelled out where they are needed.
    let round_over = "((locked_until > 0 AND locked_until <= $2) OR last_at <= $3)";
    let failures = format!("(CASE WHEN {round_over} THEN 1 ELSE failures + 1 END)");
    let level = "(CASE WHEN last_at <= $4 THEN 0 ELSE lockouts END)";
    let span = format!("(CASE {level} WHEN 0 THEN $6 WHEN 1 THEN $7 WHEN 2 THEN $8 ELSE $9 END)");
    let sql = format!(
        "UPDATE attempts SET \
           failures = {failures}, \
           lockouts = {level} + (CASE WHEN {failures} >= $5 THEN 1 ELSE 0 END), \
           locked_until = (CASE WHEN {failures} >= $5 THEN $2 + {span} ELSE 0 END), \
           last_at = $2 \
         WHERE scope_key = $1 AND locked_until <= $2 \
         RETURNING locked_until"
    );
    let spans = policy.lockouts.map(millis);
    let reserved: Option<(i64,)> = sqlx::query_as(&sql)
        .bind(&key)
        .bind(now)
        .bind(now.saturating_sub(millis(QUIET_RESETS_ROUND)))
        .bind(now.saturating_sub(millis(QUIET_RESETS_LADDER)))
        .bind(scope.allowed())
        .bind(spans[0])
        .bind(spans[1])
        .bind(spans[2])
        .bind(spans[3])
        .fetch_optional(&state.db.writer)
        .await?;
    match reserved {
        Some((locked_until,)) => Ok(Attempt {
            key,
            cleared_by_success: scope.cleared_by_success(),
            locked_until: (locked_until > 0).then_some(locked_until),
        }),
        None => {
            let (until,): (i64,) =
                sqlx::query_as("SELECT locked_until FROM attempts WHERE scope_key = $1")
                    .bind(&key)
                    .fetch_one(&state.db.reader)
                    .await?;
            let left = u64::try_from(until.saturating_sub(now_ms())).unwrap_or(0);
            Err(scope.refusal(Duration::from_millis(left.max(1000))))
        }
    }
}

impl Attempt {
    /// The secret was right: the key is cleared, or this attempt given back.
    pub async fn succeeded(self, state: &AppState) -> Result<(), ApiError> {
        if self.cleared_by_success {
            sqlx::query(
                "UPDATE attempts SET failures = 0, lockouts = 0, locked_until = 0 WHERE scope_key = $1",
            )
            .bind(&self.key)
            .execute(&state.db.writer)
            .await?;
            Ok(())
        } else {
            self.refund(state).await
        }
    }

    /// Nothing was learnt (the server failed before the secret was
    /// judged): this attempt is given back, and nothing else changes — an
    /// error must never wipe a count.
    pub async fn refund(self, state: &AppState) -> Result<(), ApiError> {
        // One failure fewer, and the lockout this very attempt set (if it
        // did) lifted.
        let lifted = self.locked_until.is_some();
        sqlx::query(
            "UPDATE attempts SET failures = CASE WHEN failures > 0 THEN failures - 1 ELSE 0 END, \
               locked_until = CASE WHEN $2 THEN 0 ELSE locked_until END, \
               lockouts = CASE WHEN $2 AND lockouts > 0 THEN lockouts - 1 ELSE lockouts END \
             WHERE scope_key = $1",
        )
        .bind(&self.key)
        .bind(lifted)
        .execute(&state.db.writer)
        .await?;
        Ok(())
    }

    /// The secret was wrong (the attempt stays counted); the lockout this
    /// failure starts, if it ends a round.
    pub fn failed(self) -> Option<Lockout> {
        self.locked_until.map(|until| Lockout { until })
    }
}

/// Opens a key at once, whatever its count (a new PIN, say: guesses at the
/// old one say nothing about it), within the caller's transaction.
pub async fn clear(conn: &mut sqlx::AnyConnection, scope: &Scope<'_>) -> Result<(), ApiError> {
    sqlx::query("DELETE FROM attempts WHERE scope_key = $1")
        .bind(scope.key())
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets keys quiet for a day and not locked (an attacker trying random
/// emails would otherwise grow the table without end).
pub async fn prune(state: &AppState, now: i64) -> Result<u64, ApiError> {
    let done = sqlx::query("DELETE FROM attempts WHERE last_at <= $1 AND locked_until <= $2")
        .bind(now.saturating_sub(millis(QUIET_RESETS_LADDER)))
        .bind(now)
        .execute(&state.db.writer)
        .await?;
    Ok(done.rows_affected())
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The ladder a policy starts with: 1, 5, 15 and 60 minutes.
pub const DEFAULT_LOCKOUTS: [Duration; 4] = [
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
    Duration::from_secs(15 * 60),
    Duration::from_secs(60 * 60),
];

/// Whose address a request comes from: the peer's, or — behind a proxy
/// the server trusts, which is then the peer and on this machine or the
/// private network — the address that proxy appended to
/// `X-Forwarded-For`, its last entry. Anything earlier in the header is
/// the client's own say and counts for nothing; a last entry that is not
/// an address leaves the peer's.
pub fn client_address(
    policy: &AccessPolicy,
    peer: Option<std::net::SocketAddr>,
    headers: &axum::http::HeaderMap,
) -> IpAddr {
    let peer_ip = peer.map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |p| p.ip());
    if !policy.behind_proxy || !is_local(peer_ip) {
        return peer_ip;
    }
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(str::trim);
    last.and_then(|a| a.parse::<IpAddr>().ok())
        .unwrap_or(peer_ip)
}

/// On this machine or a private network: where a trusted proxy runs.
fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_local(IpAddr::V4(v4)))
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_count_by_host_or_v6_prefix() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:10.0.0.7".parse().unwrap();
        assert_eq!(address_key(mapped), "10.0.0.7");
    }

    #[test]
    fn an_email_is_one_key_in_any_case_and_named_by_hash() {
        let a = Scope::Account {
            email: "Ana@Example.org ",
        }
        .key();
        let b = Scope::Account {
            email: "ana@example.org",
        }
        .key();
        assert_eq!(a, b);
        assert!(!a.contains("example"));
    }

    #[test]
    fn waits_read_as_people_say_them() {
        assert_eq!(describe_wait(Duration::from_millis(300)), "1 second");
        assert_eq!(describe_wait(Duration::from_secs(45)), "45 seconds");
        assert_eq!(describe_wait(Duration::from_secs(299)), "5 minutes");
    }

    #[test]
    fn a_forwarded_address_counts_only_behind_a_proxy() {
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("x-forwarded-for", "203.0.113.9, 10.1.1.1".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        let mut policy = AccessPolicy::default();
        assert_eq!(
            client_address(&policy, peer, &headers).to_string(),
            "127.0.0.1"
        );
        policy.behind_proxy = true;
        assert_eq!(
            client_address(&policy, peer, &headers).to_string(),
            "10.1.1.1"
        );
    }
}
