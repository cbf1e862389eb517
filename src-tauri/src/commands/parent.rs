//! The commands only a parent's window may call: signing in with an
//! account, hosting or joining a household, switching between families,
//! and every family setting — the family, the PIN, children, chores,
//! timer templates, parents and invites, kitchen screens. A kitchen
//! screen's window is not given them (its capability holds only
//! `every-screen`), the core refuses them on a kitchen screen's board,
//! and its token could not do them anyway.
//!
//! As in `every.rs`, each `#[tauri::command]` here is the one definition
//! of its command (`build.rs`, `ui/js/commands.js`).

use kinboard_core::CoreError;
use kinboard_core::app::starters::{Starters, starters};
use kinboard_core::app::{Joining, PairingView};
use kinboard_core::kinboard_api::{
    ChoreRequest, MemberRequest, PinRequest, TemplateRequest, UpdateChoreRequest,
    UpdateFamilyRequest, UpdateMemberRequest, UpdateTemplateRequest,
};
use kinboard_core::view::KioskView;
use serde::Serialize;
use tauri::State;
use utoipa::ToSchema;

use super::Desktop;

/// What the hosting flow starts from.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HostDefaults {
    /// This computer's time zone.
    pub(crate) time_zone: String,
    /// Every zone to choose from.
    pub(crate) time_zones: Vec<String>,
    pub(crate) starters: Starters,
}

/// A new invite: its code is shown this once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InviteCode {
    pub(crate) code: String,
    pub(crate) expires_at: i64,
    /// Where the other parent's app reaches the household server.
    pub(crate) server_url: String,
}

/// Signs in to a household server (this computer's, when it hosts one and
/// no address is given).
#[tauri::command]
pub(crate) async fn sign_in(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    email: String,
    password: String,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .sign_in(server_url.as_deref(), &email, &password)
        .await
}

/// This computer's time zone, the zones to choose from, and the chores
/// and templates a new household is offered.
#[tauri::command]
pub(crate) fn host_defaults() -> HostDefaults {
    HostDefaults {
        time_zone: kinboard_core::zone::local_time_zone(),
        time_zones: kinboard_core::zone::time_zones()
            .into_iter()
            .map(str::to_owned)
            .collect(),
        starters: starters(),
    }
}

/// Hosts a new household on this computer: starts its server, creates the
/// first parent and the family (in `time_zone`, this computer's when
/// none), and signs in.
#[tauri::command]
pub(crate) async fn host_household(
    desktop: State<'_, Desktop>,
    family_name: String,
    time_zone: Option<String>,
    name: String,
    email: String,
    password: String,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .host_household(&family_name, time_zone.as_deref(), &name, &email, &password)
        .await
}

/// Joins a household as a parent with an invite code: with `name`, as a
/// new parent (an account is made); without, by signing in.
#[tauri::command]
pub(crate) async fn join_household(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    code: String,
    name: Option<String>,
    email: String,
    password: String,
) -> Result<(), CoreError> {
    let joining = match name {
        Some(name) => Joining::NewParent { name },
        None => Joining::SignIn,
    };
    desktop
        .supervisor
        .join_household(server_url.as_deref(), &code, joining, &email, &password)
        .await
}

/// Shows another of the parent's families.
#[tauri::command]
pub(crate) async fn switch_family(
    desktop: State<'_, Desktop>,
    family_id: String,
) -> Result<(), CoreError> {
    desktop.supervisor.switch_family(&family_id).await
}

/// A one-time code (10 minutes) that pairs a kitchen screen named `name`
/// with this family, and the address that screen reaches the server at.
#[tauri::command]
pub(crate) async fn create_kiosk_pairing(
    desktop: State<'_, Desktop>,
    name: String,
) -> Result<PairingView, CoreError> {
    desktop.supervisor.create_kiosk_pairing(&name).await
}

/// Renames the family or moves it to another time zone.
#[tauri::command]
pub(crate) async fn update_family(
    desktop: State<'_, Desktop>,
    name: Option<String>,
    time_zone: Option<String>,
) -> Result<(), CoreError> {
    let change = UpdateFamilyRequest { name, time_zone };
    desktop.board().await?.update_family(&change).await
}

/// Sets the parent PIN (4 to 8 digits); replacing one needs the current
/// PIN or the parent's password.
#[tauri::command]
pub(crate) async fn set_pin(
    desktop: State<'_, Desktop>,
    pin: String,
    current_pin: Option<String>,
    password: Option<String>,
) -> Result<(), CoreError> {
    let change = PinRequest {
        pin,
        current_pin: current_pin.filter(|p| !p.is_empty()),
        password: password.filter(|p| !p.is_empty()),
    };
    desktop.board().await?.set_pin(&change).await
}

/// Adds a child (with one of the board's colours, or the next free one);
/// resolves to their id.
#[tauri::command]
pub(crate) async fn add_child(
    desktop: State<'_, Desktop>,
    name: String,
    color: Option<String>,
) -> Result<String, CoreError> {
    let child = MemberRequest { name, color };
    desktop.board().await?.add_child(&child).await
}

/// Renames a child and sets their colour.
#[tauri::command]
pub(crate) async fn update_child(
    desktop: State<'_, Desktop>,
    member_id: String,
    name: String,
    color: String,
) -> Result<(), CoreError> {
    let change = UpdateMemberRequest {
        name: Some(name),
        color: Some(color),
    };
    desktop
        .board()
        .await?
        .update_child(&member_id, &change)
        .await
}

/// Takes a child off the board; their star history stays.
#[tauri::command]
pub(crate) async fn remove_child(
    desktop: State<'_, Desktop>,
    member_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.remove_child(&member_id).await
}

/// Adds a chore, for one child or (without `member_id`) any, due on
/// `days` (ISO weekdays; none or empty, every day); resolves to its id.
#[tauri::command]
pub(crate) async fn add_chore(
    desktop: State<'_, Desktop>,
    title: String,
    stars: i64,
    member_id: Option<String>,
    days: Option<Vec<i64>>,
) -> Result<String, CoreError> {
    let chore = ChoreRequest {
        title,
        stars,
        member_id,
        days,
    };
    desktop.board().await?.add_chore(&chore).await
}

/// Changes a chore: its title, its stars, whose it is (none: any
/// child's) and, when given, the days it is due (empty: every day).
#[tauri::command]
pub(crate) async fn update_chore(
    desktop: State<'_, Desktop>,
    chore_id: String,
    title: String,
    stars: i64,
    member_id: Option<String>,
    days: Option<Vec<i64>>,
) -> Result<(), CoreError> {
    let change = UpdateChoreRequest {
        title: Some(title),
        stars: Some(stars),
        member_id: Some(member_id),
        days,
    };
    desktop
        .board()
        .await?
        .update_chore(&chore_id, &change)
        .await
}

/// Deletes a chore (its completions go with it; stars earned stay).
#[tauri::command]
pub(crate) async fn remove_chore(
    desktop: State<'_, Desktop>,
    chore_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.remove_chore(&chore_id).await
}

/// Adds a timer template; resolves to its id.
#[tauri::command]
pub(crate) async fn add_template(
    desktop: State<'_, Desktop>,
    label: String,
    duration_seconds: i64,
    stars: i64,
) -> Result<String, CoreError> {
    let template = TemplateRequest {
        label,
        duration_seconds,
        stars,
    };
    desktop.board().await?.add_template(&template).await
}

/// Changes a timer template's label, length and stars.
#[tauri::command]
pub(crate) async fn update_template(
    desktop: State<'_, Desktop>,
    template_id: String,
    label: String,
    duration_seconds: i64,
    stars: i64,
) -> Result<(), CoreError> {
    let change = UpdateTemplateRequest {
        label: Some(label),
        duration_seconds: Some(duration_seconds),
        stars: Some(stars),
    };
    desktop
        .board()
        .await?
        .update_template(&template_id, &change)
        .await
}

/// Deletes a timer template; timers started from it keep running.
#[tauri::command]
pub(crate) async fn remove_template(
    desktop: State<'_, Desktop>,
    template_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.remove_template(&template_id).await
}

/// A one-time code (48 hours) another parent joins this family with.
#[tauri::command]
pub(crate) async fn create_invite(desktop: State<'_, Desktop>) -> Result<InviteCode, CoreError> {
    let invite = desktop.board().await?.create_invite().await?;
    Ok(InviteCode {
        code: invite.code,
        expires_at: invite.expires_at,
        server_url: desktop.supervisor.address_for_others().await,
    })
}

/// Revokes an invite nobody has used yet.
#[tauri::command]
pub(crate) async fn revoke_invite(
    desktop: State<'_, Desktop>,
    invite_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.revoke_invite(&invite_id).await
}

/// Removes a parent from the family: their sessions end.
#[tauri::command]
pub(crate) async fn remove_parent(
    desktop: State<'_, Desktop>,
    user_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.remove_parent(&user_id).await
}

/// The kitchen screens as the server has them now, with when each was
/// last seen.
#[tauri::command]
pub(crate) async fn list_kiosks(desktop: State<'_, Desktop>) -> Result<Vec<KioskView>, CoreError> {
    let kiosks = desktop.board().await?.kiosks().await?;
    Ok(kiosks
        .into_iter()
        .filter(|k| k.revoked_at.is_none())
        .map(KioskView::from)
        .collect())
}

/// Revokes a kitchen screen: it goes back to pairing.
#[tauri::command]
pub(crate) async fn revoke_kiosk(
    desktop: State<'_, Desktop>,
    kiosk_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.revoke_kiosk(&kiosk_id).await
}
