//! Which [`CredentialStore`] holds this profile's session tokens: the
//! platform keyring (through the core's [`KeyringStore`]) when it answers,
//! or memory — tokens then last until the app quits — when there is no
//! secret service, it does not answer in time, or `KINBOARD_CREDENTIALS=memory`.

use std::sync::Arc;
use std::time::Duration;

use kinboard_core::{CredentialStore, KeyringStore, MemoryStore};

/// How long the keyring may take to answer its first question.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// The store for `service`: the keyring if a probe read answers in time.
pub(crate) async fn open(service: String) -> Arc<dyn CredentialStore> {
    if std::env::var("KINBOARD_CREDENTIALS").as_deref() == Ok("memory") {
        tracing::info!("credentials kept in memory (KINBOARD_CREDENTIALS=memory)");
        return Arc::new(MemoryStore::new());
    }
    let probe = tokio::task::spawn_blocking(move || {
        let store = KeyringStore::platform(service)?;
        store.get("probe")?;
        Ok::<_, kinboard_core::CoreError>(store)
    });
    match tokio::time::timeout(PROBE_TIMEOUT, probe).await {
        Ok(Ok(Ok(store))) => {
            tracing::info!("credentials kept in the platform keyring");
            Arc::new(store)
        }
        Ok(Ok(Err(e))) => fallback(&e.to_string()),
        Ok(Err(e)) => fallback(&e.to_string()),
        Err(_) => fallback("the keyring did not answer"),
    }
}

fn fallback(why: &str) -> Arc<dyn CredentialStore> {
    tracing::warn!(
        reason = why,
        "no usable keyring: sessions are kept in memory and not restored at the next start"
    );
    Arc::new(MemoryStore::new())
}
