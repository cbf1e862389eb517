//! Which live socket was let into which family's channel, on whose
//! credentials — so that when access ends (a sign-out, a kitchen screen
//! revoked, a parent removed) those sockets can be closed at once instead
//! of hearing the family until they next reconnect. Kept in memory, for the
//! sockets this instance authorised; bounded (the oldest grants go first —
//! a socket that reconnected since has a grant of its own).

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::principal::Caller;

/// Grants kept at most.
const MAX_GRANTS: usize = 10_000;
/// Grants one token keeps at most (a device has one socket at a time; a
/// reconnect makes a new one): no token can push the others' out.
const MAX_PER_TOKEN: usize = 8;

/// One channel authorisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub socket_id: String,
    pub family_id: String,
    /// The hash of the bearer token it was given for.
    pub token_hash: String,
    pub caller: Caller,
}

#[derive(Debug, Default)]
pub struct SocketBook {
    grants: Mutex<VecDeque<Grant>>,
}

impl SocketBook {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Grant>> {
        self.grants.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn record(&self, grant: Grant) {
        let mut grants = self.lock();
        // The same socket again (a re-subscription): one grant.
        grants.retain(|g| g.socket_id != grant.socket_id || g.family_id != grant.family_id);
        let of_token = grants
            .iter()
            .filter(|g| g.token_hash == grant.token_hash)
            .count();
        if of_token >= MAX_PER_TOKEN
            && let Some(oldest) = grants.iter().position(|g| g.token_hash == grant.token_hash)
        {
            grants.remove(oldest);
        }
        if grants.len() >= MAX_GRANTS {
            grants.pop_front();
        }
        grants.push_back(grant);
    }

    /// Takes out the grants `ends` says are over: (family id, socket id).
    /// Forgets the grant of `socket_id` on `family_id`'s channel.
    pub fn forget(&self, socket_id: &str, family_id: &str) {
        self.lock()
            .retain(|g| g.socket_id != socket_id || g.family_id != family_id);
    }

    pub fn take(&self, ends: impl Fn(&Grant) -> bool) -> Vec<(String, String)> {
        let mut grants = self.lock();
        let mut taken = Vec::new();
        grants.retain(|g| {
            let over = ends(g);
            if over {
                taken.push((g.family_id.clone(), g.socket_id.clone()));
            }
            !over
        });
        taken
    }
}

/// The user a socket signs in as behind a Pusher engine (`pusher:signin`,
/// see `/api/pusher/user-auth`): a kitchen screen by its device id, a
/// parent's session by a hash of its token's hash — never the token, nor
/// the hash the database keys the session by. Ending that user ends
/// exactly that device's connections.
pub fn pusher_user_id(caller: &Caller, token_hash: &str) -> String {
    match caller {
        Caller::Kiosk { kiosk_id, .. } => kiosk_user_id(kiosk_id),
        Caller::User { .. } => session_user_id(token_hash),
    }
}

/// The Pusher user of a parent's session (by its token's hash).
pub fn session_user_id(token_hash: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("kinboard pusher user\n{token_hash}"));
    format!("session-{}", &hex::encode(digest)[..32])
}

/// The Pusher user of a kitchen screen.
pub fn kiosk_user_id(kiosk_id: &str) -> String {
    format!("kiosk-{kiosk_id}")
}

/// Ends live connections whose access is over, after the events already
/// queued for their families: the sockets this instance let in whose
/// grants `ends` says are over (closed by the embedded relay), and, behind
/// a Pusher engine, every connection of the Pusher `users` named (signed
/// in with `pusher:signin`, wherever they were let in). `family` is the
/// family whose events must go out first, when there is one.
pub fn close_where(
    state: &crate::state::AppState,
    family: Option<&str>,
    ends: impl Fn(&Grant) -> bool,
    users: Vec<String>,
) {
    let mut by_family: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for (family, socket) in state.sockets.take(ends) {
        by_family.entry(family).or_default().push(socket);
    }
    let mut users = Some(users);
    if let Some(family) = family {
        by_family.entry(family.to_owned()).or_default();
    }
    for (family, sockets) in by_family {
        state
            .events
            .enqueue_close(&family, sockets, users.take().unwrap_or_default());
    }
    if let Some(users) = users {
        // No family's events to wait for (a sign-out): any lane will do.
        state.events.enqueue_close("", Vec::new(), users);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(socket: &str, family: &str, token: &str, kiosk: &str) -> Grant {
        Grant {
            socket_id: socket.into(),
            family_id: family.into(),
            token_hash: token.into(),
            caller: Caller::Kiosk {
                kiosk_id: kiosk.into(),
                family_id: family.into(),
            },
        }
    }

    #[test]
    fn grants_are_taken_out_by_what_ended() {
        let book = SocketBook::new();
        book.record(grant("1.1", "f1", "t1", "k1"));
        book.record(grant("1.2", "f1", "t2", "k2"));
        book.record(grant("1.3", "f2", "t1", "k1"));
        let taken = book.take(|g| g.token_hash == "t1");
        assert_eq!(
            taken,
            [
                ("f1".to_owned(), "1.1".to_owned()),
                ("f2".to_owned(), "1.3".to_owned())
            ]
        );
        assert!(book.take(|g| g.token_hash == "t1").is_empty(), "once");
        assert_eq!(book.take(|_| true).len(), 1);
    }

    #[test]
    fn the_book_is_bounded_overall_and_per_token() {
        let book = SocketBook::new();
        for i in 0..MAX_GRANTS + 5 {
            book.record(grant(&format!("1.{i}"), "f", &format!("t{i}"), "k"));
        }
        let all = book.take(|_| true);
        assert_eq!(all.len(), MAX_GRANTS);
        assert_eq!(all[0].1, "1.5", "the oldest went first");
        // One token's many grants push out only its own.
        book.record(grant("2.1", "f", "other", "k"));
        for i in 0..100 {
            book.record(grant(&format!("3.{i}"), "f", "flood", "k"));
        }
        assert_eq!(book.take(|g| g.token_hash == "flood").len(), MAX_PER_TOKEN);
        assert_eq!(book.take(|g| g.token_hash == "other").len(), 1);
        // The same socket twice is one grant.
        book.record(grant("4.1", "f", "t", "k"));
        book.record(grant("4.1", "f", "t", "k"));
        assert_eq!(book.take(|_| true).len(), 1);
    }
}
