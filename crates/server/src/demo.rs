//! The demo family (`--demo`): two parents, two children, a few templates
//! and chores, a parent PIN and a kiosk token, seeded once per database so
//! a first start has something to show.

use serde::Serialize;

use kinboard_api::{ChoreRequest, RewardRequest, TemplateRequest};

use crate::domain::accounts::create_user;
use crate::domain::chores::create_chore_in;
use crate::domain::families::create_family;
use crate::domain::kiosks::insert_kiosk;
use crate::domain::members::add_member_in;
use crate::domain::rewards::create_reward_in;
use crate::domain::templates::create_template_in;
use crate::error::ApiError;
use crate::ids::{Hashing, hash_secret_limited};
use crate::revision::FamilyTx;
use crate::state::AppState;

pub const DEMO_PASSWORD: &str = "kinboard-demo";
pub const DEMO_PIN: &str = "1234";
pub const DEMO_PARENTS: [(&str, &str); 2] =
    [("ana@demo.kinboard", "Ana"), ("ben@demo.kinboard", "Ben")];

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoCredentials {
    pub family_id: String,
    /// (email, name) of each parent; all share [`DEMO_PASSWORD`].
    pub parents: Vec<(String, String)>,
    pub password: String,
    pub pin: String,
    /// Only when seeded by this call (tokens are not stored in clear).
    pub kiosk_token: Option<String>,
}

impl std::fmt::Display for DemoCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Demo family {}:", self.family_id)?;
        for (email, name) in &self.parents {
            writeln!(f, "  sign in as {name}: {email} / {}", self.password)?;
        }
        writeln!(f, "  parent PIN: {}", self.pin)?;
        if let Some(token) = &self.kiosk_token {
            writeln!(f, "  kiosk token: {token}")?;
        }
        Ok(())
    }
}

/// Seeds the demo family unless this database already has it; returns how
/// to sign in either way.
pub async fn seed_demo_once(state: &AppState) -> Result<Option<DemoCredentials>, ApiError> {
    let seeded: Option<(String,)> =
        sqlx::query_as("SELECT value FROM settings WHERE name = 'demo_family'")
            .fetch_optional(&state.db.reader)
            .await?;
    if let Some((family_id,)) = seeded {
        return Ok(Some(credentials(family_id, None)));
    }
    let demo = seed_demo(state).await?;
    sqlx::query("INSERT INTO settings (name, value) VALUES ('demo_family', $1)")
        .bind(&demo.family_id)
        .execute(&state.db.writer)
        .await?;
    Ok(Some(demo))
}

fn credentials(family_id: String, kiosk_token: Option<String>) -> DemoCredentials {
    DemoCredentials {
        family_id,
        parents: DEMO_PARENTS
            .iter()
            .map(|(e, n)| ((*e).to_owned(), (*n).to_owned()))
            .collect(),
        password: DEMO_PASSWORD.to_owned(),
        pin: DEMO_PIN.to_owned(),
        kiosk_token,
    }
}

/// Seeds a demo family unconditionally (fails if the demo parents exist).
pub async fn seed_demo(state: &AppState) -> Result<DemoCredentials, ApiError> {
    let ana = create_user(state, DEMO_PARENTS[0].0, DEMO_PASSWORD, DEMO_PARENTS[0].1)
        .await?
        .user;
    let ben = create_user(state, DEMO_PARENTS[1].0, DEMO_PASSWORD, DEMO_PARENTS[1].1)
        .await?
        .user;
    let family = create_family(state, &ana.id, "The Demo Family", Some("Europe/Berlin")).await?;
    let pin_hash = hash_secret_limited(Hashing::Pins, DEMO_PIN.to_owned()).await?;
    let mut tx = FamilyTx::begin(state, &family.id).await?;
    sqlx::query("INSERT INTO memberships (family_id, user_id, role, created_at) VALUES ($1, $2, 'parent', $3)")
        .bind(&family.id)
        .bind(&ben.id)
        .bind(crate::clock::now_ms())
        .execute(tx.conn())
        .await?;
    sqlx::query("UPDATE families SET pin_hash = $1 WHERE id = $2")
        .bind(&pin_hash)
        .bind(&family.id)
        .execute(tx.conn())
        .await?;
    tx.commit(state).await?;
    let mia = add_member_in(state, &family.id, "Mia", None).await?.member;
    let leo = add_member_in(state, &family.id, "Leo", None).await?.member;
    for (label, minutes, stars) in [
        ("Homework", 25, 3),
        ("Reading", 20, 2),
        ("Tidy up", 10, 1),
        ("Screen time", 30, 0),
    ] {
        let req = TemplateRequest {
            label: label.into(),
            duration_seconds: minutes * 60,
            stars,
        };
        create_template_in(state, &family.id, &req).await?;
    }
    for (title, stars, member, days) in [
        ("Feed the cat", 1, Some(&mia.id), None),
        ("Empty the dishwasher", 2, Some(&leo.id), None),
        ("Make the bed", 1, None, None),
        // Bin day: Monday and Thursday.
        ("Take the bins out", 2, Some(&leo.id), Some(vec![1, 4])),
    ] {
        let req = ChoreRequest {
            title: title.into(),
            stars,
            member_id: member.cloned(),
            days,
        };
        create_chore_in(state, &family.id, &req).await?;
    }
    for (title, cost, weekly_limit) in [
        ("Ice cream", 5, Some(2)),
        ("30 minutes of screen time", 8, None),
        ("Pick the Friday film", 12, Some(1)),
    ] {
        let req = RewardRequest {
            title: title.into(),
            cost,
            weekly_limit,
        };
        create_reward_in(state, &family.id, &req).await?;
    }
    let mut tx = FamilyTx::begin(state, &family.id).await?;
    let kiosk = insert_kiosk(&mut tx, "Kitchen screen").await?;
    tx.commit(state).await?;
    Ok(credentials(family.id, Some(kiosk.token)))
}
