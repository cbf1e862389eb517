//! The dashboard state of one family and the rule that keeps it right:
//! changes apply strictly in `revision` order.
//!
//! [`Store`] is pure data, no I/O and no clock: the sync engine feeds it
//! snapshots and [`Versioned`] changes (from channel events and from the
//! replies to this device's own actions) and asks it whether it is
//! missing something ([`Store::has_gap`], [`Store::needs_snapshot`]). A
//! change at or below the current revision is ignored, the next one is
//! applied, a later one waits in `pending` until the ones before it arrive
//! (events out of order) or a snapshot makes it moot.
//!
//! A reload is judged against what the store knew when it was asked for
//! ([`Store::reload_mark`], [`Store::apply_reload`]): the server's
//! revision only grows, so a snapshot taken after this device heard of a
//! revision reflects it. When it does not (the server's database went
//! back, or an event was bogus) the snapshot is the truth: nothing known
//! before the request is waited for any longer, which would otherwise
//! keep the gap open and reload it every gap wait, forever.

use std::collections::BTreeMap;

use kinboard_api::events::EventError;
use kinboard_api::{
    Chore, ChoreApproval, Completion, CompletionStatus, Dashboard, FamilyEvent, Kiosk, Member,
    NightHours, Parent, PendingInvite, Redemption, Reward, Template, Timer, Weekdays,
};

/// One change to the dashboard: an event from the channel, or one listed
/// in the reply to this device's own action.
#[derive(Debug, Clone, PartialEq, Eq)]
#[expect(
    clippy::large_enum_variant,
    reason = "an event is moved once, from the channel into the store; boxing each costs an allocation for nothing"
)]
pub enum Change {
    /// An event this client knows.
    Event(FamilyEvent),
    /// An event this client does not know (a newer server's): only a
    /// snapshot can apply it.
    Unknown(String),
}

/// A change and the family revision it brings the state to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    pub revision: i64,
    pub change: Change,
}

impl From<FamilyEvent> for Versioned {
    fn from(event: FamilyEvent) -> Self {
        Self {
            revision: event.revision(),
            change: Change::Event(event),
        }
    }
}

impl Versioned {
    /// Reads a channel event. `None` when it has no revision at all
    /// (nothing to order it by); an unknown event, or a known one whose
    /// payload does not fit, still moved the revision and waits for a
    /// snapshot.
    pub fn from_event(name: &str, data: &str) -> Option<Self> {
        match FamilyEvent::parse(name, data) {
            Ok(event) => Some(event.into()),
            Err(EventError::Unknown { name, revision }) => revision.map(|revision| Self {
                revision,
                change: Change::Unknown(name),
            }),
            Err(EventError::Malformed { name, reason }) => {
                tracing::warn!(event = %name, %reason, "malformed event payload");
                let revision = serde_json::from_str::<kinboard_api::events::RevisionOnly>(data)
                    .ok()?
                    .revision;
                Some(Self {
                    revision,
                    change: Change::Unknown(name),
                })
            }
        }
    }
}

/// What [`Store::offer`] did with a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offer {
    /// At or below the current revision: already reflected.
    Stale,
    /// Applied, with this many buffered changes after it.
    Applied(usize),
    /// Ahead of the next revision: waits for the ones before it.
    Buffered,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyState {
    pub id: String,
    pub name: String,
    pub time_zone: String,
    pub has_pin: bool,
    pub chore_approval: ChoreApproval,
    /// While wrong PINs keep the PIN locked: until when (server ms epoch).
    pub pin_locked_until: Option<i64>,
    /// The kitchen screen the PIN was locked from, when the lock was
    /// announced while this device listened.
    pub pin_locked_on: Option<String>,
    /// When kitchen screens dim for the night.
    pub night: Option<NightHours>,
}

impl From<kinboard_api::Family> for FamilyState {
    fn from(f: kinboard_api::Family) -> Self {
        Self {
            id: f.id,
            name: f.name,
            time_zone: f.time_zone,
            has_pin: f.has_pin,
            chore_approval: f.chore_approval,
            pin_locked_until: f.pin_locked_until,
            pin_locked_on: None,
            night: f.night,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberState {
    pub id: String,
    pub name: String,
    pub color: String,
    pub balance: i64,
    pub weekly_stars: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoreState {
    pub id: String,
    pub title: String,
    pub stars: i64,
    pub member_id: Option<String>,
    pub days: Weekdays,
}

impl From<Chore> for ChoreState {
    fn from(c: Chore) -> Self {
        Self {
            id: c.id,
            title: c.title,
            stars: c.stars,
            member_id: c.member_id,
            days: c.days,
        }
    }
}

impl MemberState {
    fn new(m: &Member, weekly_stars: i64) -> Self {
        Self {
            id: m.id.clone(),
            name: m.name.clone(),
            color: m.color.clone(),
            balance: m.balance,
            weekly_stars,
        }
    }
}

/// What the store knew when a reload was asked for; see
/// [`Store::apply_reload`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReloadMark {
    revision: i64,
    known_revision: i64,
}

/// Buffered changes beyond this mean something is badly wrong (a stuck
/// gap): drop them and reload.
const MAX_PENDING: usize = 1_000;

/// The family's dashboard state.
#[derive(Debug, Clone, Default)]
pub struct Store {
    revision: i64,
    loaded: bool,
    family: Option<FamilyState>,
    members: Vec<MemberState>,
    week_start: Option<i64>,
    templates: Vec<Template>,
    timers: Vec<Timer>,
    chores: Vec<ChoreState>,
    /// Completions that count (each for its day) and those waiting for a
    /// parent, oldest first.
    completions: Vec<Completion>,
    rewards: Vec<Reward>,
    /// This week's redemptions that count and those waiting for a
    /// parent, oldest first.
    redemptions: Vec<Redemption>,
    parents: Vec<Parent>,
    kiosks: Vec<Kiosk>,
    invites: Vec<PendingInvite>,
    /// Who may use the family changed (a parent removed, a kitchen screen
    /// revoked): this device's own access may be gone, and only the
    /// server can say; a reload asks it.
    access_changed: bool,
    pending: BTreeMap<i64, Change>,
    /// The highest revision the server is known to have reached.
    known_revision: i64,
    needs_snapshot: bool,
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    /// The revision the state reflects (0 before the first snapshot).
    pub fn revision(&self) -> i64 {
        self.revision
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn family(&self) -> Option<&FamilyState> {
        self.family.as_ref()
    }

    pub fn members(&self) -> &[MemberState] {
        &self.members
    }

    pub fn templates(&self) -> &[Template] {
        &self.templates
    }

    /// Active timers (running, paused, expired), oldest first.
    pub fn timers(&self) -> &[Timer] {
        &self.timers
    }

    pub fn chores(&self) -> &[ChoreState] {
        &self.chores
    }

    /// Chore completions that count (approved or pending), each with its
    /// day, oldest first: the view picks today's.
    pub fn completions(&self) -> &[Completion] {
        &self.completions
    }

    /// The reward catalogue.
    pub fn rewards(&self) -> &[Reward] {
        &self.rewards
    }

    /// This week's redemptions that count, oldest first.
    pub fn redemptions(&self) -> &[Redemption] {
        &self.redemptions
    }

    /// The family's parents (what the settings show).
    pub fn parents(&self) -> &[Parent] {
        &self.parents
    }

    /// The kitchen screens still paired.
    pub fn kiosks(&self) -> &[Kiosk] {
        &self.kiosks
    }

    /// The invites still open.
    pub fn invites(&self) -> &[PendingInvite] {
        &self.invites
    }

    /// Takes the "access changed" mark: a reload should follow, to learn
    /// whether this device may still see the family.
    pub fn take_access_changed(&mut self) -> bool {
        std::mem::take(&mut self.access_changed)
    }

    /// Monday 00:00 (family time zone) of the week `weekly_stars` count from.
    pub fn week_start(&self) -> Option<i64> {
        self.week_start
    }

    /// Changes waiting for an earlier revision.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Something between the current revision and a known later one is
    /// missing: wait briefly for it, then reload.
    pub fn has_gap(&self) -> bool {
        !self.pending.is_empty() || self.known_revision > self.revision
    }

    /// Only a snapshot can bring the state up to date (an unknown event, or
    /// too many buffered changes).
    pub fn needs_snapshot(&self) -> bool {
        self.needs_snapshot
    }

    /// Replaces the state with `snapshot` unless the state is already newer;
    /// then applies the buffered changes that follow it. Returns whether it
    /// was taken.
    pub fn apply_snapshot(&mut self, snapshot: Dashboard) -> bool {
        if self.loaded && snapshot.revision < self.revision {
            // Changes applied while it was in flight are newer; they were
            // applied in order, so the state is sound.
            self.needs_snapshot = false;
            return false;
        }
        self.replace(snapshot);
        true
    }

    /// What the store knows now: take it when a reload is sent, and hand
    /// it to [`Self::apply_reload`] with the snapshot that comes back.
    pub fn reload_mark(&self) -> ReloadMark {
        ReloadMark {
            revision: self.revision,
            known_revision: self.known_revision,
        }
    }

    /// Applies a snapshot requested when the store knew `mark`. A snapshot
    /// older than the state of that moment is the server's truth after it
    /// went back (a restored database): it replaces the state outright.
    /// One older than the state now but not than the mark raced with
    /// changes applied in flight, which are newer: the state stays. Either
    /// way, revisions heard of before the request that the snapshot does
    /// not reflect cannot come any more; buffered changes and the known
    /// revision up to the mark are forgotten, so the gap closes. What
    /// arrived after the request is kept. Returns whether it was taken.
    pub fn apply_reload(&mut self, snapshot: Dashboard, mark: ReloadMark) -> bool {
        let revision = snapshot.revision;
        let went_back = self.loaded && revision < mark.revision;
        let taken = if went_back {
            tracing::warn!(
                revision,
                had = mark.revision,
                "the server's revision went back: taking its snapshot"
            );
            self.pending.clear();
            self.known_revision = revision;
            self.replace(snapshot);
            true
        } else {
            self.apply_snapshot(snapshot)
        };
        if mark.known_revision > self.revision {
            let unsettled = mark.known_revision;
            let before = self.pending.len();
            self.pending.retain(|&r, _| r > unsettled);
            if self.known_revision <= unsettled {
                self.known_revision = self
                    .pending
                    .last_key_value()
                    .map_or(self.revision, |(&r, _)| r)
                    .max(self.revision);
            }
            tracing::debug!(
                revision = self.revision,
                unsettled,
                dropped = before - self.pending.len(),
                "the reload does not reflect revisions heard of before it: forgetting them"
            );
        }
        taken
    }

    fn replace(&mut self, snapshot: Dashboard) {
        let weekly: std::collections::HashMap<&str, i64> = snapshot
            .weekly_stars
            .iter()
            .map(|w| (w.member_id.as_str(), w.stars))
            .collect();
        self.week_start = snapshot.weekly_stars.first().map(|w| w.week_start);
        self.members = snapshot
            .members
            .iter()
            .map(|m| MemberState::new(m, weekly.get(m.id.as_str()).copied().unwrap_or(0)))
            .collect();
        self.family = Some(snapshot.family.into());
        self.completions = snapshot.completions;
        self.rewards = snapshot.rewards;
        self.redemptions = snapshot.redemptions;
        self.parents = snapshot.parents;
        self.kiosks = snapshot.kiosks;
        self.invites = snapshot.invites;
        self.templates = snapshot.templates;
        self.timers = snapshot
            .active_timers
            .into_iter()
            .filter(|t| t.state.is_active())
            .collect();
        sort_timers(&mut self.timers);
        self.chores = snapshot.chores.into_iter().map(ChoreState::from).collect();
        self.revision = snapshot.revision;
        self.loaded = true;
        self.needs_snapshot = false;
        self.known_revision = self.known_revision.max(self.revision);
        self.pending = self.pending.split_off(&(self.revision + 1));
        self.drain();
    }

    /// Offers one change; see [`Offer`].
    pub fn offer(&mut self, versioned: Versioned) -> Offer {
        let Versioned { revision, change } = versioned;
        self.known_revision = self.known_revision.max(revision);
        if matches!(change, Change::Event(FamilyEvent::FamilyResync(_))) {
            // Events up to `revision` were lost on the way: no gap will
            // show them missing, so a state behind reloads at once.
            if self.loaded && revision > self.revision {
                self.needs_snapshot = true;
            }
            return Offer::Stale;
        }
        if self.loaded && revision <= self.revision {
            return Offer::Stale;
        }
        if let Change::Unknown(name) = &change {
            tracing::debug!(event = %name, revision, "unknown event: reloading");
            self.needs_snapshot = true;
        }
        // A duplicate of a buffered change (an event and the reply to the
        // same action) says the same thing: keep the first.
        self.pending.entry(revision).or_insert(change);
        if self.pending.len() > MAX_PENDING {
            self.pending.clear();
            self.needs_snapshot = true;
        }
        if !self.loaded || revision != self.revision + 1 {
            return Offer::Buffered;
        }
        Offer::Applied(self.drain())
    }

    /// The server is known to be at `revision` at least (a reply that
    /// changed nothing tells so): if the state is behind, that is a gap.
    pub fn note_revision(&mut self, revision: i64) {
        self.known_revision = self.known_revision.max(revision);
    }

    /// Applies buffered changes while the next revision is there; returns
    /// how many remain buffered.
    fn drain(&mut self) -> usize {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() != self.revision + 1 {
                break;
            }
            if matches!(entry.get(), Change::Unknown(_)) {
                // It cannot be applied; everything after waits for the reload.
                self.needs_snapshot = true;
                break;
            }
            let (revision, change) = entry.remove_entry();
            if let Change::Event(event) = change {
                self.apply(event);
            }
            self.revision = revision;
        }
        self.pending.len()
    }

    fn apply(&mut self, event: FamilyEvent) {
        match event {
            FamilyEvent::TimerStarted(e)
            | FamilyEvent::TimerUpdated(e)
            | FamilyEvent::TimerExpired(e) => {
                let timer = e.timer;
                self.timers.retain(|t| t.id != timer.id);
                if timer.state.is_active() {
                    self.timers.push(timer);
                    sort_timers(&mut self.timers);
                }
            }
            FamilyEvent::TimerCompleted(e) => self.timers.retain(|t| t.id != e.timer.id),
            FamilyEvent::TimerCancelled(e) => self.timers.retain(|t| t.id != e.timer_id),
            FamilyEvent::ChoreCompleted(e) => {
                self.completions.retain(|c| c.id != e.completion_id);
                self.completions.push(Completion {
                    id: e.completion_id,
                    chore_id: e.chore_id,
                    member_id: e.completed_by,
                    completed_at: e.completed_at,
                    day: e.day,
                    status: e.status,
                });
            }
            // Undone or rejected, it counts no more; the balance follows in
            // `stars:updated` when stars moved.
            FamilyEvent::ChoreUndone(e) => self.completions.retain(|c| c.id != e.completion_id),
            FamilyEvent::ChoreRejected(e) => self.completions.retain(|c| c.id != e.completion_id),
            FamilyEvent::ChoreApproved(e) => {
                if let Some(c) = self
                    .completions
                    .iter_mut()
                    .find(|c| c.id == e.completion_id)
                {
                    c.status = CompletionStatus::Approved;
                }
            }
            FamilyEvent::StarsUpdated(e) => {
                if let Some(m) = self.members.iter_mut().find(|m| m.id == e.member_id) {
                    // The server counts the week; an older one did not say,
                    // and its weekly stars moved with the balance.
                    m.weekly_stars = e
                        .weekly_stars
                        .unwrap_or(m.weekly_stars + e.new_balance - m.balance);
                    m.balance = e.new_balance;
                }
            }
            FamilyEvent::RewardAdded(e) | FamilyEvent::RewardUpdated(e) => {
                upsert(&mut self.rewards, e.reward, |r| &r.id);
            }
            FamilyEvent::RewardRemoved(e) => {
                self.rewards.retain(|r| r.id != e.reward_id);
                // What waited for it is turned down with it.
                self.redemptions.retain(|r| {
                    r.reward_id != e.reward_id || r.status != CompletionStatus::Pending
                });
            }
            FamilyEvent::RewardRedeemed(e) => {
                upsert(&mut self.redemptions, e.redemption, |r| &r.id);
            }
            FamilyEvent::RewardApproved(e) => {
                upsert(&mut self.redemptions, e.redemption, |r| &r.id);
            }
            FamilyEvent::RewardUndone(e) => self.redemptions.retain(|r| r.id != e.redemption_id),
            FamilyEvent::RewardRejected(e) => self.redemptions.retain(|r| r.id != e.redemption_id),
            FamilyEvent::FamilyUpdated(e) => {
                let zone_changed = self
                    .family
                    .as_ref()
                    .is_some_and(|f| f.time_zone != e.family.time_zone);
                let mut family = FamilyState::from(e.family);
                if let Some(before) = &self.family
                    && before.pin_locked_until == family.pin_locked_until
                {
                    family.pin_locked_on = before.pin_locked_on.clone();
                }
                self.family = Some(family);
                if zone_changed {
                    // This week's stars count from Monday in the new zone:
                    // only the server's ledger can say how many that is.
                    self.needs_snapshot = true;
                }
            }
            FamilyEvent::MemberAdded(e) | FamilyEvent::MemberUpdated(e) => {
                let weekly = self
                    .members
                    .iter()
                    .find(|m| m.id == e.member.id)
                    .map_or(0, |m| m.weekly_stars);
                upsert(
                    &mut self.members,
                    MemberState::new(&e.member, weekly),
                    |m| &m.id,
                );
            }
            FamilyEvent::MemberRemoved(e) => {
                self.members.retain(|m| m.id != e.member_id);
                self.completions.retain(|c| c.member_id != e.member_id);
                self.redemptions.retain(|r| r.member_id != e.member_id);
            }
            FamilyEvent::TemplateAdded(e) | FamilyEvent::TemplateUpdated(e) => {
                upsert(&mut self.templates, e.template, |t| &t.id);
            }
            FamilyEvent::TemplateRemoved(e) => self.templates.retain(|t| t.id != e.template_id),
            FamilyEvent::ChoreAdded(e) | FamilyEvent::ChoreUpdated(e) => {
                upsert(&mut self.chores, ChoreState::from(e.chore), |c| &c.id);
            }
            FamilyEvent::ChoreRemoved(e) => {
                self.chores.retain(|c| c.id != e.chore_id);
                self.completions.retain(|c| c.chore_id != e.chore_id);
            }
            FamilyEvent::ParentAdded(e) => upsert(&mut self.parents, e.parent, |p| &p.id),
            FamilyEvent::ParentRemoved(e) => {
                self.parents.retain(|p| p.id != e.user_id);
                self.access_changed = true;
            }
            FamilyEvent::KioskAdded(e) => upsert(&mut self.kiosks, e.kiosk, |k| &k.id),
            FamilyEvent::KioskRevoked(e) => {
                self.kiosks.retain(|k| k.id != e.kiosk_id);
                self.access_changed = true;
            }
            FamilyEvent::InviteCreated(e) => {
                self.invites.retain(|i| i.id != e.invite.id);
                // Newest first, as the snapshot lists them.
                self.invites.insert(0, e.invite);
            }
            FamilyEvent::InviteClosed(e) => self.invites.retain(|i| i.id != e.invite_id),
            // Offered, never applied (see `offer`).
            FamilyEvent::FamilyResync(_) => {}
            FamilyEvent::PinLocked(e) => {
                if let Some(family) = &mut self.family {
                    family.pin_locked_until = Some(e.locked_until);
                    family.pin_locked_on = e.kiosk_id;
                }
            }
        }
    }

    /// A new day began (`today`, `YYYY-MM-DD` in the family's zone):
    /// yesterday's completions are history; those waiting for a parent stay.
    pub fn start_day(&mut self, today: &str) {
        self.completions
            .retain(|c| c.status == CompletionStatus::Pending || c.day.as_str() >= today);
    }

    /// A new week began: weekly stars restart from zero.
    pub fn start_week(&mut self, week_start: i64) {
        if self.week_start.is_some_and(|w| w >= week_start) {
            return;
        }
        self.week_start = Some(week_start);
        for m in &mut self.members {
            m.weekly_stars = 0;
        }
        // Weekly limits count from Monday again; what waits, waits on.
        self.redemptions
            .retain(|r| r.created_at >= week_start || r.status == CompletionStatus::Pending);
    }
}

/// Replaces the item with `item`'s id, or adds it at the end (lists are
/// oldest first, so something new goes last).
fn upsert<T>(items: &mut Vec<T>, item: T, id: impl Fn(&T) -> &String) {
    match items.iter_mut().find(|i| id(i) == id(&item)) {
        Some(existing) => *existing = item,
        None => items.push(item),
    }
}

fn sort_timers(timers: &mut [Timer]) {
    timers.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
}

#[cfg(test)]
pub(crate) mod tests;
