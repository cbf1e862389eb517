//! The OpenAPI document served at `/api/openapi.json`: every route, its
//! bodies, and the bearer scheme.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{
    accounts, chores, dashboard, families, kiosks, members, ops, parents, realtime, rewards, stars,
    templates, timers,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kinboard",
        description = "The family backend. Every JSON response carries `serverTime` (ms since the Unix epoch); \
errors are `{\"error\":{\"code\",\"message\"}}`. Another family's resources answer 404. Mutations return the family's \
`revision`; events on `private-family-{familyId}` carry it too. Kiosk tokens may start, pause, resume, extend and sync \
timers and complete chores; cancelling or confirming timers, changing stars and redeeming rewards needs the \
`X-Kinboard-Pin` header. \
A mutation's reply lists the events it broadcast (`events`), each with its revision."
    ),
    paths(
        accounts::sign_up, accounts::sign_in, accounts::sign_out, accounts::me,
        accounts::change_password, accounts::list_sessions, accounts::end_session,
        families::create_family, families::get_family, families::update_family,
        families::set_pin,
        members::add_member, members::list_members, members::update_member, members::remove_member,
        parents::list_parents, parents::remove_parent,
        parents::create_invite, parents::list_invites, parents::revoke_invite, parents::accept_invite,
        kiosks::create_kiosk, kiosks::list_kiosks, kiosks::revoke_kiosk,
        kiosks::create_pairing, kiosks::claim_pairing,
        dashboard::dashboard,
        templates::list_templates, templates::create_template, templates::update_template, templates::delete_template,
        timers::start_timer, timers::pause, timers::resume, timers::extend, timers::cancel, timers::sync, timers::confirm,
        chores::list_chores, chores::create_chore, chores::update_chore, chores::delete_chore, chores::complete_chore, chores::undo_completion,
        chores::approve_completion, chores::reject_completion,
        stars::change_stars, stars::get_stars, stars::get_stars_csv, stars::undo_entry,
        rewards::list_rewards, rewards::create_reward, rewards::update_reward, rewards::delete_reward, rewards::redeem,
        rewards::approve_redemption, rewards::reject_redemption,
        realtime::pusher_auth, realtime::realtime,
        ops::healthz, ops::info, ops::openapi,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
