//! The OpenAPI document served at `/api/openapi.json`: every route, its
//! bodies, and the bearer scheme.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
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
        realtime::pusher_auth, realtime::pusher_user_auth, realtime::realtime,
        ops::healthz, ops::info, ops::tls, ops::openapi,
    ),
    modifiers(&BearerAuth, &CommonReplies)
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

/// The replies every route of a kind can give, documented once instead of
/// on each: a route that takes a bearer token answers 401 without a valid
/// one; a route that takes a body answers 400 (not JSON at all), 413 (too
/// large), 415 (not sent as JSON) and 422 (a field unknown, missing or
/// not acceptable).
struct CommonReplies;

impl Modify for CommonReplies {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let error = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorReply")))
                            .build(),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let takes_body = operation.request_body.is_some();
                let responses = &mut operation.responses.responses;
                if secured {
                    responses
                        .entry("401".into())
                        .or_insert_with(|| error("no valid bearer token"));
                }
                if takes_body {
                    responses
                        .entry("400".into())
                        .or_insert_with(|| error("the body is not JSON at all"));
                    responses
                        .entry("413".into())
                        .or_insert_with(|| error("the body is too large"));
                    responses
                        .entry("415".into())
                        .or_insert_with(|| error("the body is not JSON"));
                    responses
                        .entry("422".into())
                        .or_insert_with(|| error("a field is unknown, missing or not acceptable"));
                }
            }
        }
    }
}
