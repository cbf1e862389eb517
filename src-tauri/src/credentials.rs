//! Which [`CredentialStore`] holds this profile's session tokens: the
//! platform keyring (through the core's [`KeyringStore`]: the Secret
//! Service on Linux) when it answers, or memory — tokens then last until
//! the app quits, and the next start asks to sign in again — when there is
//! no secret service, it is locked, it does not answer in time, or
//! `KINBOARD_CREDENTIALS=memory`. A token is never written to a plain
//! file. Which one it is, and why, is reported as a [`ServiceStatus`].

use std::sync::Arc;
use std::time::Duration;

use kinboard_core::{CoreError, CredentialStore, KeyringStore, MemoryStore};

use crate::status::ServiceStatus;

/// How long the keyring may take to answer its first question (a locked
/// keyring may pop up an unlock prompt and wait for it).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The store for `service`: the keyring if a probe read answers in time.
pub(crate) async fn open(service: String) -> (Arc<dyn CredentialStore>, ServiceStatus) {
    if std::env::var("KINBOARD_CREDENTIALS").as_deref() == Ok("memory") {
        tracing::info!("credentials kept in memory (KINBOARD_CREDENTIALS=memory)");
        return (Arc::new(MemoryStore::new()), ServiceStatus::NotUsed);
    }
    let probe = tokio::task::spawn_blocking(move || {
        let store = KeyringStore::platform(service)?;
        store.get("probe")?;
        Ok::<_, CoreError>(store)
    });
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(Ok(store))) => {
            tracing::info!("credentials kept in the platform keyring");
            (Arc::new(store), ServiceStatus::Available)
        }
        Ok(Ok(Err(e))) => fallback(&e.to_string()),
        Ok(Err(e)) => fallback(&e.to_string()),
        Err(_) => fallback("the keyring did not answer"),
    }
}

/// Memory, with the reason the keyring could not be used.
pub(crate) fn fallback(why: &str) -> (Arc<dyn CredentialStore>, ServiceStatus) {
    tracing::warn!(
        reason = why,
        "no usable keyring: sessions are kept in memory and not restored at the next start"
    );
    (
        Arc::new(MemoryStore::new()),
        ServiceStatus::Unavailable {
            reason: why.to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;
    use crate::test_bus::{in_child_on_private_bus, wait_for_name};

    const SERVICE: &str = "org.kinboard.desktop/credentials-test";

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
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
    fn with_an_unlocked_secret_service_tokens_go_to_the_keyring_and_sign_out_removes_them() {
        let setup = format!(
            "printf kinboard | XDG_DATA_HOME=\"$KINBOARD_PRIVATE_BUS_SCRATCH\" \
               gnome-keyring-daemon --unlock --components=secrets >/dev/null\n{}",
            wait_for_name("org.freedesktop.secrets")
        );
        if in_child_on_private_bus(
            "credentials::tests::with_an_unlocked_secret_service_tokens_go_to_the_keyring_and_sign_out_removes_them",
            &setup,
        )
        .is_none()
        {
            return;
        }
        runtime().block_on(async {
            let (store, status) = open(SERVICE.to_owned()).await;
            assert_eq!(status, ServiceStatus::Available);
            store.set("http://h:1|ana", "kbs_secret").unwrap();
            assert_eq!(lookup("http://h:1|ana").as_deref(), Some("kbs_secret"));
            assert_eq!(
                store.get("http://h:1|ana").unwrap().as_deref(),
                Some("kbs_secret")
            );
            store.delete("http://h:1|ana").unwrap();
            assert_eq!(lookup("http://h:1|ana"), None);
        });
    }

    #[test]
    fn a_locked_keyring_refuses_with_an_error_instead_of_hanging() {
        // The collection is locked after a token was stored; with nobody to
        // answer the unlock prompt (no display: unset below), reading and
        // writing fail.
        let setup = format!(
            "unset DISPLAY WAYLAND_DISPLAY\n\
             printf kinboard | XDG_DATA_HOME=\"$KINBOARD_PRIVATE_BUS_SCRATCH\" \
               gnome-keyring-daemon --unlock --components=secrets >/dev/null\n{}\n\
             printf kbs_saved | secret-tool store --label=kinboard service {SERVICE} username 'http://h:1|ana'\n\
             gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
               --method org.freedesktop.Secret.Service.Lock \"[objectpath '/org/freedesktop/secrets/collection/login']\" >/dev/null",
            wait_for_name("org.freedesktop.secrets")
        );
        if in_child_on_private_bus(
            "credentials::tests::a_locked_keyring_refuses_with_an_error_instead_of_hanging",
            &setup,
        )
        .is_none()
        {
            return;
        }
        runtime().block_on(async {
            let (store, _) = open(SERVICE.to_owned()).await;
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
            "credentials::tests::without_a_secret_service_tokens_stay_in_memory_and_it_says_why",
            "",
        )
        .is_none()
        {
            return;
        }
        runtime().block_on(async {
            let (store, status) = open(SERVICE.to_owned()).await;
            let ServiceStatus::Unavailable { reason } = status else {
                panic!("a bus without a Secret Service reads as {status:?}");
            };
            assert!(!reason.is_empty());
            // The session still works until the app quits.
            store.set("acct", "kbs_secret").unwrap();
            assert_eq!(store.get("acct").unwrap().as_deref(), Some("kbs_secret"));
        });
    }
}
