//! The family settings a parent changes from the dashboard: the family's
//! name, time zone and chore approval, the PIN, children, chores (and
//! approving them), timer templates, rewards, invites, parents, kitchen
//! screens, and the parent's own sessions and password. Each change is one request (the
//! server's settings routes take no idempotency key, so none is retried
//! after a failure in transit: the person sees the error and decides);
//! the events its reply lists are applied to the view before it returns,
//! as every other screen gets them from the channel.

use kinboard_api::{
    ChoreRequest, DeletedResponse, Invite, Kiosk, MemberRequest, PinRequest, ReplyEvent,
    RewardRequest, Role, SessionInfo, TemplateRequest, UpdateChoreRequest, UpdateFamilyRequest,
    UpdateMemberRequest, UpdateRewardRequest, UpdateTemplateRequest,
};

use super::Dashboard;
use crate::error::CoreError;

/// The highest revision among `events` (a change with none changed nothing).
fn last_revision(events: &[ReplyEvent]) -> i64 {
    events
        .iter()
        .filter_map(|e| match e {
            ReplyEvent::Known(e) => Some(e.revision()),
            ReplyEvent::Unknown { data, .. } => data.get("revision")?.as_i64(),
        })
        .max()
        .unwrap_or(0)
}

impl Dashboard {
    fn require_parent(&self) -> Result<(), CoreError> {
        match self.role() {
            Role::Parent => Ok(()),
            Role::Kiosk => Err(CoreError::parents_only()),
        }
    }

    /// Runs one settings change and applies what its reply broadcast. When
    /// the server says the target is gone or changed, the board reloads.
    async fn change<T>(
        &self,
        call: impl Future<Output = Result<T, CoreError>>,
        events: impl FnOnce(&T) -> (Vec<ReplyEvent>, i64),
    ) -> Result<T, CoreError> {
        self.require_parent()?;
        match call.await {
            Ok(reply) => {
                let (events, revision) = events(&reply);
                self.apply(events, revision).await?;
                Ok(reply)
            }
            Err(e) => {
                if matches!(e.status(), Some(404 | 409)) {
                    let _ = self.refresh().await;
                }
                Err(e)
            }
        }
    }

    async fn deleted(
        &self,
        call: impl Future<Output = Result<DeletedResponse, CoreError>>,
    ) -> Result<(), CoreError> {
        self.change(call, |r| (r.events.clone(), r.revision))
            .await
            .map(drop)
    }

    /// Renames the family or moves it to another time zone.
    pub async fn update_family(&self, change: &UpdateFamilyRequest) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.update_family(self.family_id(), change), |r| {
            (r.events.clone(), r.family.revision)
        })
        .await
        .map(drop)
    }

    /// Sets the parent PIN; replacing one needs the current PIN or the
    /// parent's password.
    pub async fn set_pin(&self, change: &PinRequest) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.change_pin(self.family_id(), change), |r| {
            (r.events.clone(), r.family.revision)
        })
        .await
        .map(drop)
    }

    pub async fn add_child(&self, child: &MemberRequest) -> Result<String, CoreError> {
        let api = self.api();
        let reply = self
            .change(api.add_child(self.family_id(), child), |r| {
                (r.events.clone(), r.revision)
            })
            .await?;
        Ok(reply.member.id)
    }

    pub async fn update_child(
        &self,
        member_id: &str,
        change: &UpdateMemberRequest,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.update_child(member_id, change), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    /// Takes a child off the board; their star history stays.
    pub async fn remove_child(&self, member_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().remove_child(member_id)).await
    }

    pub async fn add_chore(&self, chore: &ChoreRequest) -> Result<String, CoreError> {
        let api = self.api();
        let reply = self
            .change(api.add_chore(self.family_id(), chore), |r| {
                (r.events.clone(), r.revision)
            })
            .await?;
        Ok(reply.chore.id)
    }

    pub async fn update_chore(
        &self,
        chore_id: &str,
        change: &UpdateChoreRequest,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.update_chore(chore_id, change), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    pub async fn remove_chore(&self, chore_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().remove_chore(chore_id)).await
    }

    /// Approves (stars awarded) or rejects a completion waiting for a
    /// parent.
    pub async fn decide_completion(
        &self,
        completion_id: &str,
        approve: bool,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.decide_completion(completion_id, approve), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    /// Approves (its stars are spent) or rejects a redemption waiting for
    /// a parent.
    pub async fn decide_redemption(
        &self,
        redemption_id: &str,
        approve: bool,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.decide_redemption(redemption_id, approve), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    pub async fn add_reward(&self, reward: &RewardRequest) -> Result<String, CoreError> {
        let api = self.api();
        let reply = self
            .change(api.add_reward(self.family_id(), reward), |r| {
                (r.events.clone(), r.revision)
            })
            .await?;
        Ok(reply.reward.id)
    }

    pub async fn update_reward(
        &self,
        reward_id: &str,
        change: &UpdateRewardRequest,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.update_reward(reward_id, change), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    pub async fn remove_reward(&self, reward_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().remove_reward(reward_id)).await
    }

    pub async fn add_template(&self, template: &TemplateRequest) -> Result<String, CoreError> {
        let api = self.api();
        let reply = self
            .change(api.add_template(self.family_id(), template), |r| {
                (r.events.clone(), r.revision)
            })
            .await?;
        Ok(reply.template.id)
    }

    pub async fn update_template(
        &self,
        template_id: &str,
        change: &UpdateTemplateRequest,
    ) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.update_template(template_id, change), |r| {
            (r.events.clone(), r.revision)
        })
        .await
        .map(drop)
    }

    pub async fn remove_template(&self, template_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().remove_template(template_id)).await
    }

    /// A one-time code another parent joins with; its code is shown once.
    pub async fn create_invite(&self) -> Result<Invite, CoreError> {
        let api = self.api();
        let reply = self
            .change(api.create_invite(self.family_id()), |r| {
                (r.events.clone(), r.revision)
            })
            .await?;
        Ok(reply.invite)
    }

    pub async fn revoke_invite(&self, invite_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().revoke_invite(invite_id)).await
    }

    /// Removes a parent from the family; another parent's sessions end.
    pub async fn remove_parent(&self, user_id: &str) -> Result<(), CoreError> {
        self.deleted(self.api().remove_parent(self.family_id(), user_id))
            .await
    }

    /// The signed-in parent's sessions still open, newest first.
    pub async fn sessions(&self) -> Result<Vec<SessionInfo>, CoreError> {
        self.require_parent()?;
        Ok(self.api().sessions().await?.sessions)
    }

    /// Ends another of the parent's sessions (its screens are signed out).
    pub async fn end_session(&self, session_id: &str) -> Result<i64, CoreError> {
        self.require_parent()?;
        Ok(self.api().end_session(session_id).await?.ended)
    }

    /// Changes the parent's password, given the current one; every other
    /// session ends (this one goes on). Returns how many ended.
    pub async fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<i64, CoreError> {
        self.require_parent()?;
        Ok(self
            .api()
            .change_password(current_password, new_password)
            .await?
            .ended)
    }

    /// The kitchen screens as the server has them now, with when each was
    /// last seen (which changes without an event).
    pub async fn kiosks(&self) -> Result<Vec<Kiosk>, CoreError> {
        self.require_parent()?;
        Ok(self.api().kiosks(self.family_id()).await?.kiosks)
    }

    /// Revokes a kitchen screen: it is sent back to pairing.
    pub async fn revoke_kiosk(&self, kiosk_id: &str) -> Result<(), CoreError> {
        let api = self.api();
        self.change(api.revoke_kiosk(kiosk_id), |r| {
            (r.events.clone(), last_revision(&r.events))
        })
        .await
        .map(drop)
    }
}
