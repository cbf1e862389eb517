//! The commands only a parent's window may call: signing in with an
//! account, hosting or joining a household, switching between families,
//! approving chores, a child's history, and every family setting — the
//! family, the PIN, children, chores, timer templates, rewards, parents and
//! invites, kitchen screens. A kitchen
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
    ChoreApproval, ChoreRequest, MemberRequest, NightHours, PinRequest, RewardRequest,
    StarsResponse, TemplateRequest, UpdateChoreRequest, UpdateFamilyRequest, UpdateMemberRequest,
    UpdateRewardRequest, UpdateTemplateRequest,
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
    /// The check code of the server's certificate, which the other
    /// parent's app shows on first contact for comparing.
    pub(crate) certificate_code: Option<String>,
}

/// Signs in to a household server (this computer's, when it hosts one and
/// no address is given). A certificate new to this screen is confirmed
/// with `certificate`, as for `pair_kiosk`.
#[tauri::command]
pub(crate) async fn sign_in(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    email: String,
    password: String,
    certificate: Option<String>,
) -> Result<(), CoreError> {
    desktop
        .supervisor
        .sign_in(
            server_url.as_deref(),
            &email,
            &password,
            certificate.as_deref(),
        )
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
/// new parent (an account is made); without, by signing in. A certificate
/// new to this screen is confirmed with `certificate`, as for `pair_kiosk`.
#[tauri::command]
pub(crate) async fn join_household(
    desktop: State<'_, Desktop>,
    server_url: Option<String>,
    code: String,
    name: Option<String>,
    email: String,
    password: String,
    certificate: Option<String>,
) -> Result<(), CoreError> {
    let joining = match name {
        Some(name) => Joining::NewParent { name },
        None => Joining::SignIn,
    };
    desktop
        .supervisor
        .join_household(
            server_url.as_deref(),
            &code,
            joining,
            &email,
            &password,
            certificate.as_deref(),
        )
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

/// Renames the family, moves it to another time zone, or sets whether a
/// kitchen screen's chores wait for a parent (`auto` or `parent`).
#[tauri::command]
pub(crate) async fn update_family(
    desktop: State<'_, Desktop>,
    name: Option<String>,
    time_zone: Option<String>,
    chore_approval: Option<ChoreApproval>,
) -> Result<(), CoreError> {
    let change = UpdateFamilyRequest {
        name,
        time_zone,
        chore_approval,
        night: None,
    };
    desktop.board().await?.update_family(&change).await
}

/// Sets when the family's kitchen screens dim for the night (`from` and
/// `to` as `HH:MM` in the family's time zone), or with none, that they
/// never do.
#[tauri::command]
pub(crate) async fn set_night(
    desktop: State<'_, Desktop>,
    night: Option<NightHours>,
) -> Result<(), CoreError> {
    let change = UpdateFamilyRequest {
        night: Some(night),
        ..UpdateFamilyRequest::default()
    };
    desktop.board().await?.update_family(&change).await
}

/// Approves a chore a kitchen screen marked done: its stars are awarded.
#[tauri::command]
pub(crate) async fn approve_completion(
    desktop: State<'_, Desktop>,
    completion_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board.decide_completion(&completion_id, true).await
}

/// Rejects a chore a kitchen screen marked done: nothing is awarded.
#[tauri::command]
pub(crate) async fn reject_completion(
    desktop: State<'_, Desktop>,
    completion_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board.decide_completion(&completion_id, false).await
}

/// Approves a reward a kitchen screen asked for: its stars are spent.
#[tauri::command]
pub(crate) async fn approve_redemption(
    desktop: State<'_, Desktop>,
    redemption_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board.decide_redemption(&redemption_id, true).await
}

/// Rejects a reward a kitchen screen asked for: nothing is spent.
#[tauri::command]
pub(crate) async fn reject_redemption(
    desktop: State<'_, Desktop>,
    redemption_id: String,
) -> Result<(), CoreError> {
    let board = desktop.board().await?;
    board.decide_redemption(&redemption_id, false).await
}

/// Adds a reward (1 to 1,000 stars; a weekly limit per child, optional);
/// resolves to its id.
#[tauri::command]
pub(crate) async fn add_reward(
    desktop: State<'_, Desktop>,
    title: String,
    cost: i64,
    weekly_limit: Option<i64>,
) -> Result<String, CoreError> {
    let reward = RewardRequest {
        title,
        cost,
        weekly_limit,
    };
    desktop.board().await?.add_reward(&reward).await
}

/// Changes a reward's title, cost and weekly limit (`null`: none).
#[tauri::command]
pub(crate) async fn update_reward(
    desktop: State<'_, Desktop>,
    reward_id: String,
    title: String,
    cost: i64,
    weekly_limit: Option<i64>,
) -> Result<(), CoreError> {
    let change = UpdateRewardRequest {
        title: Some(title),
        cost: Some(cost),
        weekly_limit: Some(weekly_limit),
    };
    desktop
        .board()
        .await?
        .update_reward(&reward_id, &change)
        .await
}

/// Takes a reward off the catalogue (what was redeemed stays in the ledger).
#[tauri::command]
pub(crate) async fn remove_reward(
    desktop: State<'_, Desktop>,
    reward_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.remove_reward(&reward_id).await
}

/// A child's stars: the ledger (when, why, how many, by whom) and the
/// stars earned in each of the last 12 weeks.
#[tauri::command]
pub(crate) async fn member_history(
    desktop: State<'_, Desktop>,
    member_id: String,
) -> Result<StarsResponse, CoreError> {
    desktop.board().await?.member_history(&member_id, 12).await
}

/// Saves a child's whole ledger as a CSV file in the Downloads folder
/// (the home folder when there is none); resolves to its path.
#[tauri::command]
pub(crate) async fn export_ledger(
    app: tauri::AppHandle,
    desktop: State<'_, Desktop>,
    member_id: String,
) -> Result<String, CoreError> {
    use tauri::Manager as _;
    let board = desktop.board().await?;
    let csv = board.ledger_csv(&member_id).await?;
    let name = board
        .view()
        .borrow()
        .member(&member_id)
        .map_or_else(|| member_id.clone(), |m| m.name.clone());
    let dir = app
        .path()
        .download_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|e| CoreError::Save(format!("no folder to save in: {e}")))?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
    let zone = board
        .view()
        .borrow()
        .family
        .as_ref()
        .map_or_else(|| "UTC".to_owned(), |f| f.time_zone.clone());
    let date = kinboard_core::calendar::date(&zone, now_ms);
    // A second export the same day gets a file of its own.
    let path = (1..)
        .map(|n| dir.join(ledger_file_name(&name, &date, n)))
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(ledger_file_name(&name, &date, 1)));
    let written = match tokio::fs::create_dir_all(&dir).await {
        Ok(()) => tokio::fs::write(&path, csv).await,
        Err(e) => Err(e),
    };
    written.map_err(|e| CoreError::Save(format!("{}: {e}", path.display())))?;
    Ok(path.display().to_string())
}

/// `stars-Mia-2026-12-04.csv` (then `…-2.csv`, `…-3.csv` the same day):
/// the child's name kept to what every file system takes.
fn ledger_file_name(child: &str, date: &str, nth: u32) -> String {
    let safe: String = child
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if nth <= 1 {
        format!("stars-{safe}-{date}.csv")
    } else {
        format!("stars-{safe}-{date}-{nth}.csv")
    }
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
        certificate_code: desktop.supervisor.session_view().await.certificate_code,
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

/// One of the parent's open sessions, as the account settings list them.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OpenSessionView {
    pub(crate) id: String,
    pub(crate) signed_in_at: i64,
    pub(crate) expires_at: i64,
    /// The session of this app.
    pub(crate) current: bool,
}

/// The parent's sessions still open, newest first (this one marked).
#[tauri::command]
pub(crate) async fn list_sessions(
    desktop: State<'_, Desktop>,
) -> Result<Vec<OpenSessionView>, CoreError> {
    let sessions = desktop.board().await?.sessions().await?;
    Ok(sessions
        .into_iter()
        .map(|s| OpenSessionView {
            id: s.id,
            signed_in_at: s.created_at,
            expires_at: s.expires_at,
            current: s.current,
        })
        .collect())
}

/// Signs out another of the parent's sessions: its token stops working
/// and its live connection closes.
#[tauri::command]
pub(crate) async fn end_session(
    desktop: State<'_, Desktop>,
    session_id: String,
) -> Result<(), CoreError> {
    desktop
        .board()
        .await?
        .end_session(&session_id)
        .await
        .map(drop)
}

/// Changes the parent's password, given the current one; every other
/// session ends. Returns how many did.
#[tauri::command]
pub(crate) async fn change_password(
    desktop: State<'_, Desktop>,
    current_password: String,
    new_password: String,
) -> Result<i64, CoreError> {
    desktop
        .board()
        .await?
        .change_password(&current_password, &new_password)
        .await
}

/// Revokes a kitchen screen: it goes back to pairing.
#[tauri::command]
pub(crate) async fn revoke_kiosk(
    desktop: State<'_, Desktop>,
    kiosk_id: String,
) -> Result<(), CoreError> {
    desktop.board().await?.revoke_kiosk(&kiosk_id).await
}

#[cfg(test)]
mod tests {
    use super::ledger_file_name;

    #[test]
    fn ledger_files_are_named_after_the_child_and_the_day() {
        assert_eq!(
            ledger_file_name("Mia", "2026-12-04", 1),
            "stars-Mia-2026-12-04.csv"
        );
        assert_eq!(
            ledger_file_name("Zoë/../x", "2026-12-04", 2),
            "stars-Zoë____x-2026-12-04-2.csv"
        );
    }
}

/// Quits Kinboard (the page asked first when this computer hosts the
/// household: the other screens lose their server).
#[tauri::command]
pub(crate) async fn quit(app: tauri::AppHandle) -> Result<(), CoreError> {
    tracing::info!("quitting, as asked on the page");
    app.exit(0);
    Ok(())
}
