//! The credential store against a real Secret Service: each test runs
//! again in a child process on a private D-Bus session bus (see
//! `kinboard_testkit::bus`) with exactly the services it names — an
//! unlocked `gnome-keyring-daemon`, a locked one, or none — and checks
//! what the keyring holds with libsecret's own `secret-tool`, not through
//! our code.

use std::process::Command;
use std::time::Duration;

use kinboard_core::app::ServiceStatus;
use kinboard_core::credentials::open_platform;
use kinboard_core::{CoreError, CredentialStore, KeyringStore};
use kinboard_testkit::bus::{in_child_on_private_bus, wait_for_name};

const SERVICE: &str = "org.kinboard.desktop/credentials-test";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Starts an unlocked Secret Service whose keyrings live in the child's
/// scratch directory.
fn unlocked_keyring() -> String {
    format!(
        "printf kinboard | XDG_DATA_HOME=\"$KINBOARD_PRIVATE_BUS_SCRATCH\" \
           gnome-keyring-daemon --unlock --components=secrets >/dev/null\n{}",
        wait_for_name("org.freedesktop.secrets")
    )
}

/// What the Secret Service holds for `account`, asked with libsecret's
/// own tool rather than through our code.
fn lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", account])
        .output()
        .expect("secret-tool (Debian: libsecret-tools) is installed");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn with_an_unlocked_secret_service_tokens_go_to_the_keyring_and_are_removed_again() {
    if in_child_on_private_bus(
        "with_an_unlocked_secret_service_tokens_go_to_the_keyring_and_are_removed_again",
        &unlocked_keyring(),
    )
    .is_none()
    {
        return;
    }
    runtime().block_on(async {
        let (store, status) = open_platform(SERVICE.to_owned()).await;
        assert_eq!(status, ServiceStatus::Available);
        store.set("http://h:1|ana", "kbs_secret").unwrap();
        assert_eq!(lookup("http://h:1|ana").as_deref(), Some("kbs_secret"));
        // A second store (as after an app restart) reads the same secret.
        let again = KeyringStore::platform(SERVICE).unwrap();
        assert_eq!(
            again.get("http://h:1|ana").unwrap().as_deref(),
            Some("kbs_secret")
        );
        store.set("http://h:1|ana", "kbs_newer").unwrap();
        assert_eq!(lookup("http://h:1|ana").as_deref(), Some("kbs_newer"));
        store.delete("http://h:1|ana").unwrap();
        assert_eq!(lookup("http://h:1|ana"), None);
        assert_eq!(again.get("http://h:1|ana").unwrap(), None);
    });
}

#[test]
fn a_locked_keyring_refuses_with_an_error_instead_of_hanging() {
    // The collection is locked after a token was stored; with nobody to
    // answer the unlock prompt (no display: unset below), reading and
    // writing fail.
    let setup = format!(
        "unset DISPLAY WAYLAND_DISPLAY\n{}\n\
         printf kbs_saved | secret-tool store --label=kinboard service {SERVICE} username 'http://h:1|ana'\n\
         gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
           --method org.freedesktop.Secret.Service.Lock \"[objectpath '/org/freedesktop/secrets/collection/login']\" >/dev/null",
        unlocked_keyring()
    );
    if in_child_on_private_bus(
        "a_locked_keyring_refuses_with_an_error_instead_of_hanging",
        &setup,
    )
    .is_none()
    {
        return;
    }
    runtime().block_on(async {
        let store = KeyringStore::platform(SERVICE).unwrap();
        let read = tokio::time::timeout(
            Duration::from_secs(20),
            tokio::task::spawn_blocking(move || {
                let got = store.get("http://h:1|ana");
                let set = store.set("http://h:1|ben", "kbs_new");
                (got, set)
            }),
        )
        .await
        .expect("a locked keyring answers")
        .unwrap();
        assert!(
            matches!(read.0, Err(CoreError::Credentials(_))),
            "{:?}",
            read.0
        );
        assert!(
            matches!(read.1, Err(CoreError::Credentials(_))),
            "{:?}",
            read.1
        );
    });
}

#[test]
fn without_a_secret_service_tokens_stay_in_memory_and_it_says_why() {
    if in_child_on_private_bus(
        "without_a_secret_service_tokens_stay_in_memory_and_it_says_why",
        "",
    )
    .is_none()
    {
        return;
    }
    runtime().block_on(async {
        let (store, status) = open_platform(SERVICE.to_owned()).await;
        let ServiceStatus::Unavailable { reason } = status else {
            panic!("a bus without a Secret Service reads as {status:?}");
        };
        assert!(!reason.is_empty());
        // The session still works until the app quits.
        store.set("acct", "kbs_secret").unwrap();
        assert_eq!(store.get("acct").unwrap().as_deref(), Some("kbs_secret"));
    });
}
