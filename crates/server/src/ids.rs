//! Identifiers and secrets: prefixed random ids, opaque bearer tokens and
//! their stored hashes, invite codes, and argon2id password/PIN hashing.
//!
//! Ids are TEXT so SQLite and PostgreSQL agree on them, and prefixed so a
//! log line says what an id names. They only use characters that are valid
//! in a Pusher channel name, since a family id ends up in one.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine;
use rand::Rng;
use sha2::{Digest, Sha256};

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

/// An invite code a person can read out: 10 characters without look-alikes.
pub fn new_invite_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..10)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
