//! The keyring implementation against the real Secret Service: a secret
//! written through [`KeyringStore::platform`] is read back, replaced and
//! deleted. `scripts/test.sh` runs this under `dbus-run-session` with an
//! unlocked `gnome-keyring-daemon`; elsewhere it is skipped, saying why,
//! when no session bus is reachable (and fails if a bus is there but the
//! secret store is not). With `KINBOARD_REQUIRE_KEYRING` set (as
//! `scripts/test.sh` sets it) a missing bus fails instead: there a skip
//! would hide a broken setup behind a green run.

use kinboard_core::{CredentialStore, KeyringStore};

/// Set where the Secret Service must be there, so a skip is a failure.
const REQUIRE: &str = "KINBOARD_REQUIRE_KEYRING";

/// Why the session bus cannot be reached, if it cannot.
fn no_session_bus() -> Option<String> {
    let Some(address) = std::env::var_os("DBUS_SESSION_BUS_ADDRESS") else {
        return Some("DBUS_SESSION_BUS_ADDRESS is not set".into());
    };
    let address = address.to_string_lossy().into_owned();
    // `unix:path=/run/user/0/bus,guid=…`: check the socket answers.
    let path = address
        .split(';')
        .flat_map(|a| a.split(','))
        .find_map(|part| part.strip_prefix("unix:path="));
    #[cfg(unix)]
    if let Some(path) = path
        && let Err(e) = std::os::unix::net::UnixStream::connect(path)
    {
        return Some(format!("the session bus at {path} does not answer: {e}"));
    }
    let _ = path;
    None
}

#[test]
fn the_keyring_store_keeps_a_secret_in_the_secret_service() {
    if let Some(reason) = no_session_bus() {
        assert!(
            std::env::var_os(REQUIRE).is_none(),
            "{REQUIRE} is set but no session bus is reachable ({reason})"
        );
        eprintln!(
            "skipped: no session bus is reachable ({reason}); scripts/test.sh runs this under dbus-run-session"
        );
        return;
    }
    let store = KeyringStore::platform("kinboard-core-test")
        .expect("the Secret Service is on the session bus");
    let account = format!("http://127.0.0.1:1|it-{}@example.com", std::process::id());
    store.delete(&account).unwrap();
    assert_eq!(store.get(&account).unwrap(), None);
    store.set(&account, "kbs_first").unwrap();
    assert_eq!(store.get(&account).unwrap().as_deref(), Some("kbs_first"));
    // A second store (as after an app restart) reads the same secret.
    let again = KeyringStore::platform("kinboard-core-test").unwrap();
    assert_eq!(again.get(&account).unwrap().as_deref(), Some("kbs_first"));
    store.set(&account, "kbs_second").unwrap();
    assert_eq!(again.get(&account).unwrap().as_deref(), Some("kbs_second"));
    store.delete(&account).unwrap();
    assert_eq!(again.get(&account).unwrap(), None);
}
