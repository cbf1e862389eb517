//! What a session is, without its secret: [`SessionInfo`], which the app
//! keeps in its settings to restore the session at the next start (the
//! token itself goes only to the credential store, under
//! [`SessionInfo::credential_key`]). Signing in and out is the
//! [`Supervisor`](crate::app::Supervisor)'s.

use serde::{Deserialize, Serialize};

/// Who a session signs in as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    /// A parent's account (email and password).
    User,
    /// A kiosk device token made by a parent.
    Kiosk,
}

/// What a session is, without its secret: fine in a plain settings file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionInfo {
    pub server_url: String,
    /// The email, or the kiosk's name.
    pub account: String,
    pub kind: SessionKind,
    /// The fingerprint of the server's certificate this screen trusts (an
    /// `https` household server's own), pinned when first confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

impl SessionInfo {
    /// The credential store's key for this session's token.
    pub fn credential_key(&self) -> String {
        format!("{}|{}", self.server_url, self.account)
    }
}
