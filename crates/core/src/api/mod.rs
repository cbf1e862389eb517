//! The typed client of the backend's REST API ([`ApiClient`]).
//!
//! It owns three things besides the calls themselves: the bearer token
//! (read at the moment of each request, so a token changed by sign-in is
//! the one the next call and the next channel authorisation use), the
//! server-clock offset estimated from every reply's `serverTime`, and a
//! count of the requests it has sent (the "nothing polls" tests read it).
//! Over HTTPS it accepts the certificate its [`Trust`] allows (the pinned
//! one of a household server; see [`crate::tls`]) and says which one it
//! refused when a handshake fails for that.
//! It does not retry: retries belong to the user action that owns the
//! idempotency key (see `dashboard`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{HeaderMap, HeaderValue};
use serde::Serialize;
use serde::de::DeserializeOwned;

use kinboard_api::{
    AcceptInviteResponse, Chore, ChoreCompletedResponse, ChoreRequest, ChoreResponse, ClaimRequest,
    CompleteChoreRequest, CompletionDecided, CompletionUndone, CreateFamilyRequest, Dashboard,
    DeletedResponse, ErrorCode, ErrorReply, ExtendRequest, Family, FamilyResponse,
    IDEMPOTENCY_HEADER, InviteResponse, KioskCreated, KioskRequest, KioskResponse, KiosksResponse,
    MeResponse, Member, MemberRequest, MemberResponse, PIN_HEADER, Pairing, PairingResponse,
    PinRequest, RealtimeResponse, RedeemRequest, RedeemResponse, RedemptionDecided, RewardRequest,
    RewardResponse, ServerInfo, SessionResponse, SessionsEnded, SessionsResponse, SignInRequest,
    SignUpRequest, SignedOut, StarEntryUndone, StarsChanged, StarsRequest, StarsResponse,
    StartTimerRequest, Template, TemplateRequest, TemplateResponse, TimerResponse, TlsInfo,
    UpdateChoreRequest, UpdateFamilyRequest, UpdateMemberRequest, UpdateRewardRequest,
    UpdateTemplateRequest,
};

use crate::clock::{self, Clock, OffsetEstimator, OffsetSample};
use crate::error::CoreError;
use crate::tls::{ClientTls, Trust};

/// An action on an existing timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerAction {
    Pause,
    Resume,
    Extend { seconds: i64 },
    Cancel,
    Sync,
    Confirm,
}

impl TimerAction {
    fn path(self) -> &'static str {
        match self {
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Extend { .. } => "extend",
            Self::Cancel => "cancel",
            Self::Sync => "sync",
            Self::Confirm => "confirm",
        }
    }
}

/// Extra headers of one call.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallOptions<'a> {
    pub idempotency_key: Option<&'a str>,
    pub pin: Option<&'a str>,
}

/// Where a Kinboard server authorises channel subscriptions.
const PUSHER_AUTH_PATH: &str = "/api/pusher/auth";
/// Where a Kinboard server signs a socket's device in (`pusher:signin`).
const PUSHER_USER_AUTH_PATH: &str = "/api/pusher/user-auth";

/// A cheap, cloneable handle to the backend at one base URL.
#[derive(Clone)]
pub struct ApiClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// The TLS check, for an `https` server.
    tls: Option<ClientTls>,
    base: String,
    token: RwLock<Option<String>>,
    requests: AtomicU64,
    offset: Mutex<OffsetEstimator>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for ApiClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClient")
            .field("base", &self.inner.base)
            .field("signed_in", &self.token().is_some())
            .field("requests", &self.requests_sent())
            .finish()
    }
}

/// Normalises a server address typed by a person: `host:port` gets
/// `https://` (a household server on the network serves HTTPS unless told
/// not to), or `http://` for this computer's loopback; a trailing slash
/// goes.
pub fn normalize_base_url(input: &str) -> Result<String, CoreError> {
    let trimmed = input.trim().trim_end_matches('/');
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_owned()
    } else {
        let local = url::Url::parse(&format!("http://{trimmed}"))
            .ok()
            .and_then(|u| {
                Some(match u.host()? {
                    url::Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
                    url::Host::Ipv4(ip) => ip.is_loopback(),
                    url::Host::Ipv6(ip) => ip.is_loopback(),
                })
            })
            .unwrap_or(false);
        let scheme = if local { "http" } else { "https" };
        format!("{scheme}://{trimmed}")
    };
    let url = url::Url::parse(&with_scheme)
        .map_err(|e| CoreError::InvalidUrl(format!("{input}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CoreError::InvalidUrl(format!(
            "{input}: expected http(s)://host[:port]"
        )));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl ApiClient {
    /// A client for the server at `base_url` (`http://host:port`), on the
    /// system clock, with a 15 s request timeout.
    pub fn new(base_url: &str) -> Result<Self, CoreError> {
        Self::with_clock(base_url, clock::system())
    }

    pub fn with_clock(base_url: &str, clock: Arc<dyn Clock>) -> Result<Self, CoreError> {
        Self::build(base_url, Trust::Public, clock)
    }

    /// A client that accepts over HTTPS only the certificates `trust`
    /// allows (a household server's pinned one).
    pub fn with_trust(base_url: &str, trust: Trust) -> Result<Self, CoreError> {
        Self::build(base_url, trust, clock::system())
    }

    pub fn build(base_url: &str, trust: Trust, clock: Arc<dyn Clock>) -> Result<Self, CoreError> {
        let base = normalize_base_url(base_url)?;
        let mut http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .connect_timeout(Duration::from_secs(5));
        let tls = base.starts_with("https://").then(|| ClientTls::new(trust));
        if let Some(tls) = &tls {
            http = http.tls_backend_preconfigured((*tls.config()).clone());
        }
        let http = http
            .build()
            .map_err(|e| CoreError::Network(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                tls,
                base,
                token: RwLock::new(None),
                requests: AtomicU64::new(0),
                offset: Mutex::new(OffsetEstimator::new()),
                clock,
            }),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    /// The TLS check of an `https` server (the WebSocket to the same
    /// server uses it too).
    pub fn tls(&self) -> Option<&ClientTls> {
        self.inner.tls.as_ref()
    }

    /// A failed request's error: the certificate refused, when that is
    /// why it failed (a handshake failure is a failure to connect).
    fn send_error(&self, e: reqwest::Error) -> CoreError {
        self.inner
            .tls
            .as_ref()
            .filter(|_| e.is_connect())
            .and_then(ClientTls::take_refusal)
            .unwrap_or_else(|| e.into())
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// Sets (or clears) the bearer token used from the next request on.
    pub fn set_token(&self, token: Option<String>) {
        *self
            .inner
            .token
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = token;
    }

    pub fn token(&self) -> Option<String> {
        self.inner
            .token
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// `Authorization: Bearer …` with the current token, for the channel
    /// authoriser (which asks at every subscription).
    pub fn auth_headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(token) = self.token()
            && let Ok(value) = HeaderValue::from_str(&format!("Bearer {token}"))
        {
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        headers
    }

    /// HTTP requests sent so far by this client and its clones.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// The estimated `server − local` clock offset in ms, once any reply
    /// carried `serverTime`.
    pub fn server_offset_ms(&self) -> Option<i64> {
        self.lock_offset().offset_ms()
    }

    fn lock_offset(&self) -> std::sync::MutexGuard<'_, OffsetEstimator> {
        self.inner
            .offset
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Sends one request to `url` and decodes the reply (or the API error).
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        payload: Payload,
        options: CallOptions<'_>,
    ) -> Result<T, CoreError> {
        let mut request = self.inner.http.request(method, url);
        if let Some(token) = self.token() {
            request = request.bearer_auth(token);
        }
        if let Some(key) = options.idempotency_key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        if let Some(pin) = options.pin {
            request = request.header(PIN_HEADER, pin);
        }
        request = match payload {
            Payload::None => request,
            Payload::Json(body) => request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body),
            Payload::Form(body) => request
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body),
        };
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let sent_ms = self.inner.clock.now_ms();
        let started = tokio::time::Instant::now();
        let response = request.send().await.map_err(|e| self.send_error(e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let bytes = response.bytes().await?;
        let rtt_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let path = url.strip_prefix(self.inner.base.as_str()).unwrap_or(url);
        let value: serde_json::Value = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            match serde_json::from_slice(&bytes) {
                Ok(value) => value,
                Err(_) if !status.is_success() => serde_json::Value::Null,
                Err(e) => {
                    return Err(CoreError::Decode(format!(
                        "{} {path}: {e}",
                        status.as_u16()
                    )));
                }
            }
        };
        if let Some(server_ms) = value.get("serverTime").and_then(serde_json::Value::as_i64) {
            self.lock_offset().record(OffsetSample {
                sent_ms,
                rtt_ms,
                server_ms,
            });
        }
        if status.is_success() {
            serde_json::from_value(value).map_err(|e| CoreError::Decode(format!("{path}: {e}")))
        } else {
            Err(api_error(status.as_u16(), retry_after, value))
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.base)
    }

    /// `endpoint` when it is on this client's server, else this server's
    /// own route at `path`.
    fn own_endpoint(&self, endpoint: &str, path: &str) -> String {
        let origin = |u: &str| url::Url::parse(u).ok().map(|u| u.origin());
        match (origin(endpoint), origin(&self.inner.base)) {
            (Some(theirs), Some(ours)) if theirs == ours => endpoint.to_owned(),
            _ => {
                tracing::warn!(
                    endpoint,
                    server = %self.inner.base,
                    "the server named another origin for channel authorisation; using its own"
                );
                self.url(path)
            }
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CoreError> {
        self.call(
            Method::GET,
            &self.url(path),
            Payload::None,
            CallOptions::default(),
        )
        .await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
        options: CallOptions<'_>,
    ) -> Result<T, CoreError> {
        self.call(Method::POST, &self.url(path), Payload::json(body)?, options)
            .await
    }

    /// Authorises a socket for a private channel at `auth_endpoint` (an
    /// absolute URL from `/api/realtime`), with the current token — only
    /// ever on the server this client talks to: an endpoint on another
    /// origin (a server misconfigured, or something standing in for it)
    /// is replaced by this server's own `/api/pusher/auth`, so the token
    /// never travels elsewhere.
    pub async fn pusher_auth(
        &self,
        auth_endpoint: &str,
        socket_id: &str,
        channel: &str,
    ) -> Result<pusher_protocol::ChannelAuthorization, CoreError> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("socket_id", socket_id)
            .append_pair("channel_name", channel)
            .finish();
        self.post_form_here(auth_endpoint, PUSHER_AUTH_PATH, form)
            .await
    }

    /// Signs a socket's device in (`pusher:signin`) at `user_auth_endpoint`
    /// (from `/api/realtime`), with the current token — only on this
    /// client's own server, as for [`Self::pusher_auth`].
    pub async fn pusher_user_auth(
        &self,
        user_auth_endpoint: &str,
        socket_id: &str,
    ) -> Result<pusher_protocol::UserAuthentication, CoreError> {
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("socket_id", socket_id)
            .finish();
        self.post_form_here(user_auth_endpoint, PUSHER_USER_AUTH_PATH, form)
            .await
    }

    /// POSTs `form` to `endpoint` when it is on this client's server, else
    /// to this server's own `path`.
    async fn post_form_here<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        path: &str,
        form: String,
    ) -> Result<T, CoreError> {
        let endpoint = self.own_endpoint(endpoint, path);
        self.call(
            Method::POST,
            &endpoint,
            Payload::Form(form),
            CallOptions::default(),
        )
        .await
    }

    // ---- accounts

    pub async fn sign_up(
        &self,
        email: &str,
        password: &str,
        name: &str,
    ) -> Result<SessionResponse, CoreError> {
        self.sign_up_invited(email, password, name, None).await
    }

    /// Signs up with an invite's code, which a household that has its
    /// first parent asks of anyone else who makes an account there.
    pub async fn sign_up_invited(
        &self,
        email: &str,
        password: &str,
        name: &str,
        invite_code: Option<&str>,
    ) -> Result<SessionResponse, CoreError> {
        let body = SignUpRequest {
            email: email.to_owned(),
            password: password.to_owned(),
            name: name.to_owned(),
            invite_code: invite_code.map(str::to_owned),
        };
        self.post("/api/auth/sign-up", &body, CallOptions::default())
            .await
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<SessionResponse, CoreError> {
        let body = SignInRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        };
        self.post("/api/auth/sign-in", &body, CallOptions::default())
            .await
    }

    /// Revokes the current token at the server.
    pub async fn sign_out(&self) -> Result<(), CoreError> {
        let _: SignedOut = self
            .post(
                "/api/auth/sign-out",
                &serde_json::json!({}),
                CallOptions::default(),
            )
            .await?;
        Ok(())
    }

    pub async fn me(&self) -> Result<MeResponse, CoreError> {
        self.get("/api/me").await
    }

    // ---- realtime and the dashboard

    pub async fn realtime(&self) -> Result<RealtimeResponse, CoreError> {
        self.get("/api/realtime").await
    }

    pub async fn dashboard(&self, family_id: &str) -> Result<Dashboard, CoreError> {
        self.get(&format!("/api/families/{}/dashboard", seg(family_id)))
            .await
    }

    // ---- timers, chores, stars

    pub async fn start_timer(
        &self,
        family_id: &str,
        start: &StartTimerRequest,
        options: CallOptions<'_>,
    ) -> Result<TimerResponse, CoreError> {
        self.post(
            &format!("/api/families/{}/timers", seg(family_id)),
            start,
            options,
        )
        .await
    }

    pub async fn timer_action(
        &self,
        timer_id: &str,
        action: TimerAction,
        options: CallOptions<'_>,
    ) -> Result<TimerResponse, CoreError> {
        let path = format!("/api/timers/{}/{}", seg(timer_id), action.path());
        match action {
            TimerAction::Extend { seconds } => {
                self.post(&path, &ExtendRequest { seconds }, options).await
            }
            _ => self.post(&path, &serde_json::json!({}), options).await,
        }
    }

    pub async fn complete_chore(
        &self,
        chore_id: &str,
        member_id: &str,
        options: CallOptions<'_>,
    ) -> Result<ChoreCompletedResponse, CoreError> {
        let body = CompleteChoreRequest {
            member_id: member_id.to_owned(),
        };
        self.post(
            &format!("/api/chores/{}/complete", seg(chore_id)),
            &body,
            options,
        )
        .await
    }

    /// Takes a chore completion back.
    pub async fn undo_completion(
        &self,
        completion_id: &str,
    ) -> Result<CompletionUndone, CoreError> {
        self.post(
            &format!("/api/completions/{}/undo", seg(completion_id)),
            &serde_json::json!({}),
            CallOptions::default(),
        )
        .await
    }

    /// A parent approves (`approve`) or rejects a completion waiting for one.
    pub async fn decide_completion(
        &self,
        completion_id: &str,
        approve: bool,
    ) -> Result<CompletionDecided, CoreError> {
        let verb = if approve { "approve" } else { "reject" };
        self.post(
            &format!("/api/completions/{}/{verb}", seg(completion_id)),
            &serde_json::json!({}),
            CallOptions::default(),
        )
        .await
    }

    /// A parent approves (`approve`) or rejects a redemption waiting for one.
    pub async fn decide_redemption(
        &self,
        redemption_id: &str,
        approve: bool,
    ) -> Result<RedemptionDecided, CoreError> {
        let verb = if approve { "approve" } else { "reject" };
        self.post(
            &format!("/api/redemptions/{}/{verb}", seg(redemption_id)),
            &serde_json::json!({}),
            CallOptions::default(),
        )
        .await
    }

    /// Takes a star change back (a chore's with its completion, a
    /// reward's with its redemption).
    pub async fn undo_star_entry(&self, entry_id: &str) -> Result<StarEntryUndone, CoreError> {
        self.post(
            &format!("/api/star-entries/{}/undo", seg(entry_id)),
            &serde_json::json!({}),
            CallOptions::default(),
        )
        .await
    }

    /// A child's balance, ledger and stars per week over `weeks` weeks.
    pub async fn member_stars(
        &self,
        family_id: &str,
        member_id: &str,
        weeks: u32,
    ) -> Result<StarsResponse, CoreError> {
        self.get(&format!(
            "/api/families/{}/members/{}/stars?weeks={weeks}",
            seg(family_id),
            seg(member_id)
        ))
        .await
    }

    /// A child's whole ledger as the server writes it in CSV.
    pub async fn ledger_csv(&self, family_id: &str, member_id: &str) -> Result<String, CoreError> {
        let url = self.url(&format!(
            "/api/families/{}/members/{}/stars.csv",
            seg(family_id),
            seg(member_id)
        ));
        let mut request = self.inner.http.get(url);
        if let Some(token) = self.token() {
            request = request.bearer_auth(token);
        }
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        let response = request.send().await.map_err(|e| self.send_error(e))?;
        let status = response.status();
        let text = response.text().await?;
        if status.is_success() {
            Ok(text)
        } else {
            let value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
            Err(api_error(status.as_u16(), None, value))
        }
    }

    /// A child spends stars on a reward (a kitchen screen sends the PIN).
    pub async fn redeem_reward(
        &self,
        reward_id: &str,
        member_id: &str,
        options: CallOptions<'_>,
    ) -> Result<RedeemResponse, CoreError> {
        let body = RedeemRequest {
            member_id: member_id.to_owned(),
        };
        self.post(
            &format!("/api/rewards/{}/redeem", seg(reward_id)),
            &body,
            options,
        )
        .await
    }

    pub async fn add_reward(
        &self,
        family_id: &str,
        body: &RewardRequest,
    ) -> Result<RewardResponse, CoreError> {
        let path = format!("/api/families/{}/rewards", seg(family_id));
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn update_reward(
        &self,
        reward_id: &str,
        body: &UpdateRewardRequest,
    ) -> Result<RewardResponse, CoreError> {
        let path = format!("/api/rewards/{}", seg(reward_id));
        self.send(Method::PATCH, &path, Some(body)).await
    }

    pub async fn remove_reward(&self, reward_id: &str) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/rewards/{}", seg(reward_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// Adds (`amount > 0`) or removes (`amount < 0`) stars.
    pub async fn change_stars(
        &self,
        family_id: &str,
        member_id: &str,
        amount: i64,
        reason: &str,
        options: CallOptions<'_>,
    ) -> Result<StarsChanged, CoreError> {
        let body = StarsRequest {
            amount,
            reason: reason.to_owned(),
        };
        let path = format!(
            "/api/families/{}/members/{}/stars",
            seg(family_id),
            seg(member_id)
        );
        self.post(&path, &body, options).await
    }

    // ---- family administration (parents; setting up a household)

    pub async fn create_family(
        &self,
        name: &str,
        time_zone: Option<&str>,
    ) -> Result<Family, CoreError> {
        let body = CreateFamilyRequest {
            name: name.to_owned(),
            time_zone: time_zone.map(str::to_owned),
        };
        let reply: FamilyResponse = self
            .post("/api/families", &body, CallOptions::default())
            .await?;
        Ok(reply.family)
    }

    /// Adds a child profile.
    pub async fn add_member(&self, family_id: &str, name: &str) -> Result<Member, CoreError> {
        let body = MemberRequest {
            name: name.to_owned(),
            color: None,
        };
        Ok(self.add_child(family_id, &body).await?.member)
    }

    pub async fn create_template(
        &self,
        family_id: &str,
        label: &str,
        duration_seconds: i64,
        stars: i64,
    ) -> Result<Template, CoreError> {
        let body = TemplateRequest {
            label: label.to_owned(),
            duration_seconds,
            stars,
        };
        Ok(self.add_template(family_id, &body).await?.template)
    }

    pub async fn create_chore(
        &self,
        family_id: &str,
        title: &str,
        stars: i64,
        member_id: Option<&str>,
    ) -> Result<Chore, CoreError> {
        let body = ChoreRequest {
            title: title.to_owned(),
            stars,
            member_id: member_id.map(str::to_owned),
            days: None,
        };
        Ok(self.add_chore(family_id, &body).await?.chore)
    }

    /// Sets the family's first PIN.
    pub async fn set_pin(&self, family_id: &str, pin: &str) -> Result<Family, CoreError> {
        let body = PinRequest {
            pin: pin.to_owned(),
            current_pin: None,
            password: None,
        };
        Ok(self.change_pin(family_id, &body).await?.family)
    }

    // ---- family settings (parents): each reply lists its events

    /// Sends `body` (or nothing) with `method` to `path`.
    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&(impl Serialize + Sync)>,
    ) -> Result<T, CoreError> {
        let payload = match body {
            Some(body) => Payload::json(body)?,
            None => Payload::None,
        };
        self.call(method, &self.url(path), payload, CallOptions::default())
            .await
    }

    pub async fn update_family(
        &self,
        family_id: &str,
        body: &UpdateFamilyRequest,
    ) -> Result<FamilyResponse, CoreError> {
        let path = format!("/api/families/{}", seg(family_id));
        self.send(Method::PATCH, &path, Some(body)).await
    }

    pub async fn change_pin(
        &self,
        family_id: &str,
        body: &PinRequest,
    ) -> Result<FamilyResponse, CoreError> {
        let path = format!("/api/families/{}/pin", seg(family_id));
        self.send(Method::PUT, &path, Some(body)).await
    }

    pub async fn add_child(
        &self,
        family_id: &str,
        body: &MemberRequest,
    ) -> Result<MemberResponse, CoreError> {
        let path = format!("/api/families/{}/members", seg(family_id));
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn update_child(
        &self,
        member_id: &str,
        body: &UpdateMemberRequest,
    ) -> Result<MemberResponse, CoreError> {
        let path = format!("/api/members/{}", seg(member_id));
        self.send(Method::PATCH, &path, Some(body)).await
    }

    pub async fn remove_child(&self, member_id: &str) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/members/{}", seg(member_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    pub async fn add_template(
        &self,
        family_id: &str,
        body: &TemplateRequest,
    ) -> Result<TemplateResponse, CoreError> {
        let path = format!("/api/families/{}/templates", seg(family_id));
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn update_template(
        &self,
        template_id: &str,
        body: &UpdateTemplateRequest,
    ) -> Result<TemplateResponse, CoreError> {
        let path = format!("/api/templates/{}", seg(template_id));
        self.send(Method::PATCH, &path, Some(body)).await
    }

    pub async fn remove_template(&self, template_id: &str) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/templates/{}", seg(template_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    pub async fn add_chore(
        &self,
        family_id: &str,
        body: &ChoreRequest,
    ) -> Result<ChoreResponse, CoreError> {
        let path = format!("/api/families/{}/chores", seg(family_id));
        self.send(Method::POST, &path, Some(body)).await
    }

    pub async fn update_chore(
        &self,
        chore_id: &str,
        body: &UpdateChoreRequest,
    ) -> Result<ChoreResponse, CoreError> {
        let path = format!("/api/chores/{}", seg(chore_id));
        self.send(Method::PATCH, &path, Some(body)).await
    }

    pub async fn remove_chore(&self, chore_id: &str) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/chores/{}", seg(chore_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// A one-time code another parent joins with (its code is only here).
    pub async fn create_invite(&self, family_id: &str) -> Result<InviteResponse, CoreError> {
        let path = format!("/api/families/{}/invites", seg(family_id));
        self.send(Method::POST, &path, Some(&serde_json::json!({})))
            .await
    }

    pub async fn revoke_invite(&self, invite_id: &str) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/invites/{}", seg(invite_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// Joins the family of an invite code as a parent.
    pub async fn accept_invite(&self, code: &str) -> Result<AcceptInviteResponse, CoreError> {
        let path = format!("/api/invites/{}/accept", seg(code.trim()));
        self.send(Method::POST, &path, Some(&serde_json::json!({})))
            .await
    }

    pub async fn remove_parent(
        &self,
        family_id: &str,
        user_id: &str,
    ) -> Result<DeletedResponse, CoreError> {
        let path = format!("/api/families/{}/parents/{}", seg(family_id), seg(user_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// The signed-in parent's sessions still open (this one marked).
    pub async fn sessions(&self) -> Result<SessionsResponse, CoreError> {
        self.get("/api/sessions").await
    }

    /// Ends one of the parent's other sessions.
    pub async fn end_session(&self, session_id: &str) -> Result<SessionsEnded, CoreError> {
        let path = format!("/api/sessions/{}", seg(session_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// Changes the parent's password; every other session ends.
    pub async fn change_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<SessionsEnded, CoreError> {
        let body = kinboard_api::ChangePasswordRequest {
            current_password: current_password.to_owned(),
            new_password: new_password.to_owned(),
        };
        self.post("/api/auth/password", &body, CallOptions::default())
            .await
    }

    /// The family's kitchen screens, with when each was last seen.
    pub async fn kiosks(&self, family_id: &str) -> Result<KiosksResponse, CoreError> {
        self.get(&format!("/api/families/{}/kiosks", seg(family_id)))
            .await
    }

    pub async fn revoke_kiosk(&self, kiosk_id: &str) -> Result<KioskResponse, CoreError> {
        let path = format!("/api/kiosks/{}", seg(kiosk_id));
        self.send(Method::DELETE, &path, None::<&()>).await
    }

    /// What answers at this address (no token needed).
    pub async fn info(&self) -> Result<ServerInfo, CoreError> {
        self.get("/api/info").await
    }

    /// The certificate the server says it serves (`GET /api/tls`): for a
    /// person to compare, never a reason to trust it.
    pub async fn tls_info(&self) -> Result<TlsInfo, CoreError> {
        self.get("/api/tls").await
    }

    /// Creates a kitchen screen's device for the family; returns its
    /// bearer token.
    pub async fn create_kiosk(&self, family_id: &str, name: &str) -> Result<String, CoreError> {
        let body = KioskRequest {
            name: name.to_owned(),
        };
        let path = format!("/api/families/{}/kiosks", seg(family_id));
        let reply: KioskCreated = self.post(&path, &body, CallOptions::default()).await?;
        Ok(reply.token)
    }

    /// Makes a one-time code that pairs a kitchen screen named `name` with
    /// the family (parents only).
    pub async fn create_kiosk_pairing(
        &self,
        family_id: &str,
        name: &str,
    ) -> Result<Pairing, CoreError> {
        let body = KioskRequest {
            name: name.to_owned(),
        };
        let path = format!("/api/families/{}/kiosk-pairings", seg(family_id));
        let reply: PairingResponse = self.post(&path, &body, CallOptions::default()).await?;
        Ok(reply.pairing)
    }

    /// Trades a pairing code for this screen's own kiosk token (no sign-in
    /// needed: the code is the proof).
    pub async fn claim_kiosk_pairing(&self, code: &str) -> Result<KioskCreated, CoreError> {
        let body = ClaimRequest {
            code: code.to_owned(),
        };
        self.post("/api/kiosk-pairings/claim", &body, CallOptions::default())
            .await
    }
}

/// The error an unsuccessful reply stands for. In the API's format its
/// code is taken as sent (the nearest by status when this version does not
/// know it, the message kept); anything else is not the server speaking.
fn api_error(status: u16, retry_after: Option<u64>, body: serde_json::Value) -> CoreError {
    if let Ok(reply) = serde_json::from_value::<ErrorReply>(body.clone()) {
        return CoreError::Api {
            status,
            code: reply.error.code,
            message: reply.error.message,
            retry_after,
        };
    }
    match body["error"]["message"].as_str() {
        Some(message) => CoreError::Api {
            status,
            code: ErrorCode::for_status(status),
            message: message.to_owned(),
            retry_after,
        },
        None => CoreError::Api {
            status,
            code: ErrorCode::for_foreign_reply(status),
            message: format!(
                "the server answered {status} with something other than Kinboard's API"
            ),
            retry_after,
        },
    }
}

/// Percent-encodes a path segment (ids are server-made, but a path must
/// never be steered by one).
fn seg(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A request body.
enum Payload {
    None,
    Json(Vec<u8>),
    Form(String),
}

impl Payload {
    fn json(body: &impl Serialize) -> Result<Self, CoreError> {
        serde_json::to_vec(body)
            .map(Self::Json)
            .map_err(|e| CoreError::Decode(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
