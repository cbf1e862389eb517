//! Where the session token lives: behind the [`CredentialStore`] trait,
//! in the platform's secret store ([`KeyringStore`]: Secret Service on
//! Linux, the Keychain on macOS, the Credential Manager on Windows) or in
//! memory for tests ([`MemoryStore`]). Nothing secret is ever written to a
//! plain file by this crate.
//!
//! [`KeyringStore`] sits on `keyring-core` rather than `keyring` because
//! `keyring::Entry::new` installs its platform store lazily and cannot be
//! given another: here the store is a value, so tests pass
//! `keyring_core::mock::Store` (and inject its errors). The platform stores
//! are synchronous (D-Bus round trips): [`save_token`], [`load_token`] and
//! [`forget_token`] run them on the blocking pool.
//!
//! [`open_platform`] picks the store an app uses: the platform keyring
//! when a probe read answers in time, or memory — tokens then last until
//! the app quits, and the next start asks to sign in again — when there is
//! no secret service, it is locked, it does not answer, or
//! `KINBOARD_CREDENTIALS=memory`; it says which as a [`ServiceStatus`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::app::status::ServiceStatus;
use crate::error::CoreError;
use crate::session::SessionInfo;

/// A place for secrets, keyed by account name.
pub trait CredentialStore: Send + Sync + 'static {
    /// The secret for `account`, or `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, CoreError>;
    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError>;
    /// Removes the secret; removing a missing one is not an error.
    fn delete(&self, account: &str) -> Result<(), CoreError>;
}

/// Secrets in memory, gone with the process. For tests.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    secrets: Arc<Mutex<HashMap<String, String>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, String>> {
        self.secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl CredentialStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>, CoreError> {
        Ok(self.lock().get(account).cloned())
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError> {
        self.lock().insert(account.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, account: &str) -> Result<(), CoreError> {
        self.lock().remove(account);
        Ok(())
    }
}

/// Secrets in a `keyring-core` credential store, under one service name.
#[derive(Clone)]
pub struct KeyringStore {
    store: Arc<keyring_core::CredentialStore>,
    service: String,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("service", &self.service)
            .field("store", &self.store.vendor())
            .finish()
    }
}

fn keyring_error(e: keyring_core::Error) -> CoreError {
    CoreError::Credentials(e.to_string())
}

impl KeyringStore {
    /// The platform's secret store. On Linux this connects to the Secret
    /// Service on the session bus, and fails when there is none.
    pub fn platform(service: impl Into<String>) -> Result<Self, CoreError> {
        Ok(Self::with_store(platform_store()?, service))
    }

    /// Any `keyring-core` store, e.g. `keyring_core::mock::Store::new()`.
    pub fn with_store(
        store: Arc<keyring_core::CredentialStore>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            store,
            service: service.into(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring_core::Entry, CoreError> {
        keyring_core::Entry::new_in_store(&self.store, &self.service, account)
            .map_err(keyring_error)
    }
}

#[cfg(target_os = "linux")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, CoreError> {
    let store: Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().map_err(keyring_error)?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, CoreError> {
    let store: Arc<keyring_core::CredentialStore> =
        apple_native_keyring_store::keychain::Store::new().map_err(keyring_error)?;
    Ok(store)
}

#[cfg(target_os = "windows")]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, CoreError> {
    let store: Arc<keyring_core::CredentialStore> =
        windows_native_keyring_store::Store::new().map_err(keyring_error)?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
fn platform_store() -> Result<Arc<keyring_core::CredentialStore>, CoreError> {
    Err(CoreError::Credentials(
        "no secret store on this platform".into(),
    ))
}

impl CredentialStore for KeyringStore {
    fn get(&self, account: &str) -> Result<Option<String>, CoreError> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<(), CoreError> {
        self.entry(account)?
            .set_password(secret)
            .map_err(keyring_error)
    }

    fn delete(&self, account: &str) -> Result<(), CoreError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

/// How long the keyring may take to answer its first question (a locked
/// keyring may pop up an unlock prompt and wait for it).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The store for `service`: the platform keyring if a probe read answers
/// in time, else memory with the reason.
pub async fn open_platform(service: String) -> (Arc<dyn CredentialStore>, ServiceStatus) {
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
        Ok(Ok(Err(e))) => memory_fallback(&e.to_string()),
        Ok(Err(e)) => memory_fallback(&e.to_string()),
        Err(_) => memory_fallback("the keyring did not answer"),
    }
}

/// Memory, with the reason the keyring could not be used.
pub fn memory_fallback(why: &str) -> (Arc<dyn CredentialStore>, ServiceStatus) {
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

/// Runs a (synchronous, possibly D-Bus) credential call off the runtime.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CoreError> + Send + 'static,
) -> Result<T, CoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| CoreError::Credentials(e.to_string()))?
}

/// Keeps the token of the session `info` describes.
pub async fn save_token(
    store: &Arc<dyn CredentialStore>,
    info: &SessionInfo,
    token: &str,
) -> Result<(), CoreError> {
    let (store, key, token) = (store.clone(), info.credential_key(), token.to_owned());
    blocking(move || store.set(&key, &token)).await
}

/// The token of the session `info` describes, if it is still kept.
pub async fn load_token(
    store: &Arc<dyn CredentialStore>,
    info: &SessionInfo,
) -> Result<Option<String>, CoreError> {
    let (store, key) = (store.clone(), info.credential_key());
    blocking(move || store.get(&key)).await
}

/// Forgets the token of the session `info` describes.
pub async fn forget_token(
    store: &Arc<dyn CredentialStore>,
    info: &SessionInfo,
) -> Result<(), CoreError> {
    let (store, key) = (store.clone(), info.credential_key());
    blocking(move || store.delete(&key)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(store: &dyn CredentialStore) {
        assert_eq!(store.get("http://h:1|a@b").unwrap(), None);
        store.set("http://h:1|a@b", "kbs_secret").unwrap();
        assert_eq!(
            store.get("http://h:1|a@b").unwrap().as_deref(),
            Some("kbs_secret")
        );
        store.set("http://h:1|a@b", "kbs_newer").unwrap();
        assert_eq!(
            store.get("http://h:1|a@b").unwrap().as_deref(),
            Some("kbs_newer")
        );
        store.delete("http://h:1|a@b").unwrap();
        assert_eq!(store.get("http://h:1|a@b").unwrap(), None);
        store.delete("http://h:1|a@b").unwrap();
    }

    #[test]
    fn memory_store_round_trip() {
        round_trip(&MemoryStore::new());
    }

    #[test]
    fn keyring_store_round_trip_on_the_mock_store() {
        let mock = keyring_core::mock::Store::new().unwrap();
        round_trip(&KeyringStore::with_store(mock, "kinboard-test"));
    }

    #[test]
    fn keyring_failures_become_credential_errors() {
        let mock = keyring_core::mock::Store::new().unwrap();
        let store = KeyringStore::with_store(mock, "kinboard-test");
        store.set("acct", "s").unwrap();
        // The mock injects an error into the next call on an entry's credential.
        let entry = store.entry("acct").unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(keyring_core::Error::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        let err = store.get("acct").unwrap_err();
        assert!(matches!(err, CoreError::Credentials(_)), "{err:?}");
        // The error was one-shot; the secret is still there.
        assert_eq!(store.get("acct").unwrap().as_deref(), Some("s"));
    }
}
