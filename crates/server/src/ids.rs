//! Identifiers and secrets: prefixed random ids, opaque bearer tokens and
//! their stored hashes, invite codes, and argon2id password/PIN hashing.
//!
//! argon2id is slow and memory-hard on purpose (19 MiB per hash with the
//! default parameters), so request handlers never run it themselves: they
//! go through [`hash_secret_limited`] and [`verify_secret_limited`], which
//! run it on the blocking pool and at most [`hashing_limit`] at a time, so
//! a burst of unauthenticated sign-ins queues instead of exhausting memory
//! and starving the async workers.
//!
//! Ids are TEXT so SQLite and PostgreSQL agree on them, and prefixed so a
//! log line says what an id names. They only use characters that are valid
//! in a Pusher channel name, since a family id ends up in one.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::ApiError;

const ID_ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

/// A new id like `fam_3k9x…`: the prefix plus 20 random base-36 characters
/// (about 103 bits).
pub fn new_id(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut id = String::with_capacity(prefix.len() + 21);
    id.push_str(prefix);
    id.push('_');
    for _ in 0..20 {
        id.push(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())] as char);
    }
    id
}

/// A new bearer token: the prefix plus 256 random bits, base64url.
pub fn new_token(prefix: &str) -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What is stored for a token: hex SHA-256. A leaked database therefore
/// holds no usable token, and a plain hash suffices because the token has
/// 256 bits of entropy (no dictionary to attack).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The letters of codes people read out and type: no look-alikes (no I,
/// O, 0 or 1), 32 of them, so each carries 5 bits.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random code of `len` characters from [`CODE_ALPHABET`].
pub fn new_secret_code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// A pairing code: 10 characters (50 bits; it lives 10 minutes).
pub fn new_invite_code() -> String {
    new_secret_code(10)
}

/// A code as stored: upper case, without the dashes or spaces a person
/// may type between its groups.
pub fn canonical_code(code: &str) -> String {
    code.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// A long code as shown, in groups of four: `ABCD-EFGH-…`.
pub fn grouped_code(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|group| String::from_utf8_lossy(group).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// argon2id with the crate's default (OWASP-recommended) parameters.
pub fn hash_secret(secret: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(Argon2::default()
        .hash_password(secret.as_bytes(), &salt)?
        .to_string())
}

pub fn verify_secret(secret: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(secret.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// How many argon2 computations may run at once: one per core, since each
/// keeps a core busy and more only adds memory, not throughput.
pub fn hashing_limit() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Whose argon2 work it is. Each has permits of its own, so a flood of
/// sign-ins (anyone can send one) cannot keep the kitchen screen's PIN
/// checks waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hashing {
    /// Passwords: sign-up, sign-in, a parent's password check.
    Accounts,
    /// The parent PIN: checks from kitchen screens, setting it.
    Pins,
}

/// Each pool's share of [`hashing_limit`] (at least one): together they
/// never run more argon2 computations than there are cores.
fn pool_limit() -> usize {
    (hashing_limit() / 2).max(1)
}

static ACCOUNTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(pool_limit()));
static PINS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(pool_limit()));

impl Hashing {
    fn permits(self) -> &'static Semaphore {
        match self {
            Self::Accounts => &ACCOUNTS,
            Self::Pins => &PINS,
        }
    }
}

/// Runs `work` (an argon2 computation) on the blocking pool once one of
/// `pool`'s permits (its share of [`hashing_limit`]) is free. The permit moves into the
/// blocking task, so it is held until the computation ends even when the
/// request that asked for it is dropped meanwhile.
pub async fn run_hashing<T: Send + 'static>(
    pool: Hashing,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let permit = pool
        .permits()
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))
}

/// [`hash_secret`] off the async workers, within `pool`'s limit.
pub async fn hash_secret_limited(pool: Hashing, secret: String) -> Result<String, ApiError> {
    run_hashing(pool, move || hash_secret(&secret))
        .await?
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// [`verify_secret`] off the async workers, within `pool`'s limit.
pub async fn verify_secret_limited(
    pool: Hashing,
    secret: String,
    hash: String,
) -> Result<bool, ApiError> {
    run_hashing(pool, move || verify_secret(&secret, &hash)).await
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn pin_checks_have_permits_of_their_own() {
        use super::{ACCOUNTS, Hashing, hash_secret, verify_secret_limited};
        let hash = hash_secret("1234").unwrap();
        // Every password permit taken, as by a flood of sign-ins.
        let held = ACCOUNTS
            .acquire_many(u32::try_from(super::pool_limit()).unwrap())
            .await
            .unwrap();
        let pin = verify_secret_limited(Hashing::Pins, "1234".into(), hash.clone());
        let ok = tokio::time::timeout(std::time::Duration::from_secs(10), pin)
            .await
            .expect("a PIN check does not wait for sign-ins")
            .unwrap();
        assert!(ok);
        let password = verify_secret_limited(Hashing::Accounts, "1234".into(), hash);
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(200), password)
                .await
                .is_err(),
            "a password check waits for a permit"
        );
        drop(held);
    }

    use super::*;

    #[test]
    fn codes_read_back_however_they_are_typed() {
        let code = new_secret_code(28);
        assert_eq!(code.len(), 28);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        let shown = grouped_code(&code);
        assert_eq!(shown.len(), 28 + 6);
        assert_eq!(canonical_code(&shown), code);
        assert_eq!(
            canonical_code(&shown.to_lowercase().replace('-', " ")),
            code
        );
        assert_eq!(grouped_code("ABCDEFGHJK"), "ABCD-EFGH-JK");
    }

    #[test]
    fn ids_are_prefixed_and_channel_safe() {
        let id = new_id("fam");
        assert!(id.starts_with("fam_"));
        assert_eq!(id.len(), 24);
        pusher_protocol::ChannelName::parse(format!("private-family-{id}")).unwrap();
    }

    #[test]
    fn tokens_carry_256_bits_and_hash_stably() {
        let t = new_token("kbs");
        assert_eq!(t.len(), 4 + 43);
        assert_eq!(token_hash(&t), token_hash(&t));
        assert_ne!(token_hash(&t), token_hash(&new_token("kbs")));
    }

    #[test]
    fn secrets_verify_only_with_the_right_input() {
        let h = hash_secret("1234").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_secret("1234", &h));
        assert!(!verify_secret("1235", &h));
        assert!(!verify_secret("1234", "not a hash"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn hashing_runs_at_most_the_limit_at_once() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let limit = hashing_limit();
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..limit * 4 + 4)
            .map(|_| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(run_hashing(Hashing::Accounts, move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Stands in for an argon2 computation.
                    std::thread::sleep(std::time::Duration::from_millis(30));
                    running.fetch_sub(1, Ordering::SeqCst);
                }))
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= limit,
            "{most} ran at once, limit {limit}"
        );
    }
}
